//! The validated configuration of a server: what `serve`'s flags (or a library caller) asked for,
//! checked once.

use crate::fixtures::FixtureSource;
use crate::mysql::Charset;
use crate::store::DbLocation;
use crate::xxb::lang::Lang;
use std::fmt;

/// How strictly requests are validated; `--validation` takes its lower-case name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidationMode {
    /// Everything the real server rejects, plus what it would accept but mishandle.
    #[default]
    Strict,
    /// Exactly the real server's behaviour.
    Faithful,
}

/// The request header that picks the validation mode of one call to the emulated API, whatever
/// the server's `--validation` (the real server ignores it). `replay --target` sends a scenario's
/// `validation` this way, so scenarios of both modes replay against one running mock.
pub const VALIDATION_HEADER: &str = "x-xxb-mock-validation";

impl ValidationMode {
    /// The mode a value of the `x-xxb-mock-validation` header names (`strict` or `faithful`, any case); `None`
    /// for anything else, which leaves the server's own mode in force.
    pub fn from_header(value: &[u8]) -> Option<ValidationMode> {
        let value = std::str::from_utf8(value).ok()?.trim();
        [ValidationMode::Strict, ValidationMode::Faithful]
            .into_iter()
            .find(|mode| mode.to_string().eq_ignore_ascii_case(value))
    }
}

impl fmt::Display for ValidationMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValidationMode::Strict => "strict",
            ValidationMode::Faithful => "faithful",
        })
    }
}

/// What the emulated server is, as a request's decision needs it: how strictly it validates, the
/// character set of its tables, and the prefix its API is served under.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Emulation {
    pub validation: ValidationMode,
    pub charset: Charset,
    pub base_path: Option<BasePath>,
}

/// The prefix the emulated API is served under (`--base-path /xxb`), as a reverse proxy in front
/// of the real server publishes it: `/xxb/x.php`. Always `/` followed by at least one character,
/// without a trailing `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasePath(String);

impl BasePath {
    /// Reads `--base-path`: `xxb`, `/xxb` and `/xxb/` are `/xxb`; `/` and the empty string are no
    /// prefix at all (`None`). A prefix with `?`, `#`, `%` or white space is refused.
    ///
    /// ```
    /// use xxb_mock::BasePath;
    /// assert_eq!(BasePath::parse("xxb/").unwrap().unwrap().as_str(), "/xxb");
    /// assert_eq!(BasePath::parse("/").unwrap(), None);
    /// assert!(BasePath::parse("/a b").is_err());
    /// ```
    pub fn parse(raw: &str) -> Result<Option<BasePath>, String> {
        let trimmed = raw.trim_matches('/');
        if trimmed.is_empty() {
            return Ok(None);
        }
        if let Some(bad) = trimmed
            .chars()
            .find(|c| matches!(c, '?' | '#' | '%') || c.is_whitespace())
        {
            return Err(format!(
                "--base-path {raw:?}: a path prefix cannot contain {bad:?}; give it as /prefix, e.g. /xxb"
            ));
        }
        Ok(Some(BasePath(format!("/{trimmed}"))))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Everything a server needs to start.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    /// A second port serving the same application (`--xxd-port`), for clients configured with
    /// one base URL for `/x.php` and another for the direct API; 0 picks a free one.
    pub xxd_port: Option<u16>,
    pub db: DbLocation,
    pub fixtures: FixtureSource,
    pub lang: Lang,
    pub validation: ValidationMode,
    /// Whether a database seeded with other fixtures is emptied and seeded with `fixtures`
    /// (otherwise the server refuses to start on it).
    pub reseed: bool,
    /// The character set of the emulated tables: `utf8` (ZenTao 18.8 to 18.12) loses characters
    /// above U+FFFF, `utf8mb4` (newer releases) keeps them.
    pub charset: Charset,
    /// The prefix the emulated API is served under, if any.
    pub base_path: Option<BasePath>,
    /// When set, `/__inspect` requires `Authorization: Bearer <token>`.
    pub admin_token: Option<String>,
    /// The longest a request body may go without a byte arriving before the request is answered 408.
    pub body_timeout: std::time::Duration,
    /// How many journal entries and notifications are kept, the oldest trimmed first.
    pub retain: crate::store::Retain,
    /// Host names `/__inspect` and `/__ui` answer to besides the loopback ones (see `boundary`).
    pub allowed_hosts: Vec<String>,
    /// A scenario the server follows (`serve --scenario`): its fixtures replace `fixtures`.
    pub scenario: Option<Box<crate::scenario::Scenario>>,
}

impl Default for Config {
    /// Loopback on a free port, in memory, embedded fixtures, zh-cn, strict, utf8, no prefix,
    /// 100,000 journal entries and notifications kept.
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 0,
            xxd_port: None,
            db: DbLocation::Memory,
            fixtures: FixtureSource::Embedded,
            lang: Lang::ZhCn,
            validation: ValidationMode::Strict,
            reseed: false,
            charset: Charset::Utf8,
            base_path: None,
            admin_token: None,
            retain: crate::store::Retain::DEFAULT,
            allowed_hosts: Vec::new(),
            body_timeout: std::time::Duration::from_secs(10),
            scenario: None,
        }
    }
}

impl Config {
    /// Whether the server listens on the loopback interface only.
    pub fn binds_loopback(&self) -> bool {
        crate::boundary::is_loopback(&self.host)
    }

    /// What a request's decision needs to know of the server.
    pub fn emulation(&self) -> Emulation {
        Emulation {
            validation: self.validation,
            charset: self.charset,
            base_path: self.base_path.clone(),
        }
    }
}
