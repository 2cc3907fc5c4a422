//! The validated configuration of a server: what `serve`'s flags (or a library caller) asked for,
//! checked once.

use crate::fixtures::FixtureSource;
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
    /// The mode a [`VALIDATION_HEADER`] value names (`strict` or `faithful`, any case); `None`
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
    /// When set, `/__inspect` requires `Authorization: Bearer <token>`.
    pub admin_token: Option<String>,
    /// The longest a request body may go without a byte arriving before the request is answered 408.
    pub body_timeout: std::time::Duration,
    /// Host names `/__inspect` and `/__ui` answer to besides the loopback ones (see `boundary`).
    pub allowed_hosts: Vec<String>,
    /// A scenario the server follows (`serve --scenario`): its fixtures replace `fixtures`.
    pub scenario: Option<Box<crate::scenario::Scenario>>,
}

impl Default for Config {
    /// Loopback on a free port, in memory, embedded fixtures, zh-cn, strict.
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
            admin_token: None,
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
}
