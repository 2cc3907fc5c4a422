//! The catalogue of findings: every diagnostic the emulated API attaches to a journal entry. Each
//! [`FindingCode`] is stable (the README lists them, the `?finding=` filter and scenarios' `findings:`
//! name them), and the functions below are the only way to build a [`Finding`] or a strict-rule
//! [`Violation`], each with its message and its hint. `xxb::strict` decides *when* a rule is broken;
//! this module says *what* it tells the user. Findings never reach the emulated answer.
//!
//! It is one file on purpose: the whole vocabulary the mock speaks to its user, read in one place.

use super::ip::{AddressSource, CallerAddress};
use super::lang::Lang;
use super::params::{RefusalReason, Refused};
use super::request::ApiRequest;
use super::strict::ACTION_TYPES;
use super::token;
use super::wrong_path::Meant;
use crate::domain::{App, ChatType};
use crate::faults::Respond;
use crate::php::fatal::PhpFatal;
use crate::php::json::DecodeError;
use crate::php::query::urlencode;
use crate::xxd::{self, Assumption};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;
use strum::VariantArray;

/// The token printed in the XXB docs for every example URL.
pub const DOCS_TOKEN: &str = "f5633c34c0c551a16c1d63bceb38d6a8";

/// The four methods, for naming what a reused token really signs.
const METHODS: [&str; 4] = [
    "getGroupChats",
    "getChatUsers",
    "sendNotification",
    "sendChatMessage",
];

/// [`METHODS`] in lower case, for a did-you-mean that ignores case as the router does.
const METHODS_LOWER: [&str; 4] = [
    "getgroupchats",
    "getchatusers",
    "sendnotification",
    "sendchatmessage",
];

/// What a finding is about: a stable snake_case code, serialised as that string. README.md lists
/// every code (a unit test checks both ways).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FindingCode {
    // What the real server rejects, in the order it checks.
    /// A path that runs no script (`/X.php`, `/xxb/x.php`, `/im/...`, `/`): the web server's 404.
    WrongPath,
    /// No `token=` and 32 letters or digits in the query: the server answered its HTML page.
    NotApiCall,
    /// No `m` or `f`: `{"error":"EMPTY_ENTRY"}`.
    MissingModuleOrMethod,
    /// No application `code` (missing, empty or `0`).
    MissingCode,
    /// Another parameter looked like a token, but there is no `token`.
    MissingToken,
    /// No application has the `code`.
    UnknownApp,
    /// The application has no secret key.
    AppWithoutKey,
    /// The caller's address is not in the application's allow-list.
    IpDenied,
    /// `time` is not a 10-digit Unix timestamp.
    BadTimestamp,
    /// A time-mode timestamp not later than the last one.
    TimeReused,
    /// The token does not sign the query (with what it signs instead, when that can be found).
    InvalidToken,
    /// The application is bound to no user account.
    AccountUnbound,
    /// The application's account is unknown or deleted.
    InvalidAccount,
    /// A call to the retired `/api.php`.
    OldApi,
    /// `m` or `f` is a query array: PHP stops with a fatal error (HTTP 500).
    PhpFatal,
    /// No such `m`/`f` (names match without regard to case).
    UnknownMethod,
    /// A parameter outside the server's filter: `Bad Request!`.
    ParamRefused,
    /// A body over the mock's 64 MiB read cap, which the mock did not read.
    BodyTooLarge,
    /// A `multipart/form-data` body, which PHP does not give the server's code to read.
    MultipartBody,
    /// A body in the retired api.php format.
    OldApiBody,
    /// A body that is not a JSON object.
    BodyNotJsonObject,
    /// `users` is empty in PHP's sense.
    MissingUsers,
    /// `gid` is empty in PHP's sense.
    MissingGid,
    /// `sender` is empty in PHP's sense.
    MissingSender,
    /// `title` is empty in PHP's sense (`"0"` included).
    MissingTitle,
    /// `users` or `gid` is a value PHP cannot use (an object, a list holding a list or an object):
    /// a fatal error (HTTP 500), nothing stored.
    FatalValue,
    /// `content` is a list: the server stops with an empty answer and stores nothing.
    ContentArray,
    // The strict rules: what the real server accepts but mishandles.
    /// `users` is not an array (the server takes it as a chat gid).
    UsersNotArray,
    /// `users` mixes ids and accounts (the server drops the entries of the other kind).
    UsersMixed,
    /// `users` names users that do not exist.
    UnknownUsers,
    /// sendChatMessage's `gid` is not a string (a list is read as accounts, a number as a gid).
    GidNotString,
    /// `title`, `subtitle`, `content` or `url` is not a string.
    NotAString,
    /// `contentType` is not `text` or `plain`.
    ContentType,
    /// `actions` is not an array.
    ActionsNotArray,
    /// An action lacks a `label` or a `url`.
    ActionInvalid,
    /// An action has a key other than `label`, `url`, `type`, `icon`.
    ActionUnknownKey,
    /// `sender` is not an object with an `id` and an `avatar`.
    SenderInvalid,
    /// `content` has characters above U+FFFF, stored as `????`.
    CharactersLost,
    /// `content` or the message's `data` is over 65,535 bytes: the column keeps the first 65,535.
    TooLong,
    /// sendChatMessage to a chat that does not exist (everyone is notified).
    UnknownChat,
    /// sendChatMessage to a dismissed chat.
    ChatDismissed,
    /// sendChatMessage to a one-to-one or system chat.
    ChatNotGroup,
    // Suspicious but allowed.
    /// An action `type` the clients do not know.
    ActionType,
    /// A `url` that is not `http(s)://...`.
    UrlNotAbsolute,
    /// `sender` has no `name`.
    SenderWithoutName,
    /// sendChatMessage to an archived chat.
    ChatArchived,
    /// A fault armed through `/__inspect/faults` applied.
    FaultInjected,
    /// The caller's address came from `X-Forwarded-For` or `Client-IP`.
    ForwardedAddress,
    /// A parameter taken as the gid by its position.
    PositionalParam,
    /// getChatUsers without a gid: the members of every chat, not every user.
    ChatUsersWithoutGid,
    /// The send reached nobody, yet succeeded.
    NoRecipients,
    /// A recipient is a deleted user.
    DeletedRecipient,
    /// (faithful) every user who is not deleted was notified.
    EveryoneNotified,
    // The direct API (`/im/...`): its own codes (it reuses the ones above where they mean the same).
    /// The answer rests on what the vendor's guide does not say (an assumption of the mock).
    UnverifiedAnswer,
    /// A path under `/im/` that is none of the four operations.
    UnknownOperation,
    /// An operation called with another HTTP method than the guide's.
    WrongHttpMethod,
    /// A field of a send's body has a type the daemon cannot decode.
    WrongFieldType,
    /// The token was computed with the other API's formula.
    OtherApiSignature,
    /// `/x.php`'s `m` and `f` in a query to `/im/...`.
    XPhpQuery,
    /// `sender` has no `displayName`, the only name the daemon shows.
    SenderWithoutDisplayName,
}

/// How a code weighs, as the README's finding table says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    /// The request was rejected for it: always an error.
    Error,
    /// A strict rule: an error in strict mode (it rejects), a warning in faithful mode.
    Rule,
    /// Suspicious but answered: always a warning.
    Warning,
}

impl FindingCode {
    /// The code as the journal, the README and the filters spell it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// How it weighs. Exhaustive: a new code must say whether it rejects.
    pub fn weight(self) -> Weight {
        use FindingCode::*;
        match self {
            WrongPath
            | NotApiCall
            | MissingModuleOrMethod
            | MissingCode
            | MissingToken
            | UnknownApp
            | AppWithoutKey
            | IpDenied
            | BadTimestamp
            | TimeReused
            | InvalidToken
            | AccountUnbound
            | InvalidAccount
            | OldApi
            | PhpFatal
            | UnknownMethod
            | ParamRefused
            | BodyTooLarge
            | MultipartBody
            | OldApiBody
            | BodyNotJsonObject
            | MissingUsers
            | MissingGid
            | MissingSender
            | MissingTitle
            | FatalValue
            | ContentArray => Weight::Error,
            UsersNotArray | UsersMixed | UnknownUsers | GidNotString | NotAString | ContentType
            | ActionsNotArray | ActionInvalid | ActionUnknownKey | SenderInvalid
            | CharactersLost | TooLong | UnknownChat | ChatDismissed | ChatNotGroup => Weight::Rule,
            ActionType | UrlNotAbsolute | SenderWithoutName | ChatArchived | FaultInjected
            | ForwardedAddress | PositionalParam | ChatUsersWithoutGid | NoRecipients
            | DeletedRecipient | EveryoneNotified => Weight::Warning,
            UnknownOperation | WrongHttpMethod | WrongFieldType | OtherApiSignature => {
                Weight::Error
            }
            UnverifiedAnswer | XPhpQuery | SenderWithoutDisplayName => Weight::Warning,
        }
    }
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A code that is not in the catalogue, with the nearest one that is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown finding code {code:?}{}", .nearest.map(|n| format!("; did you mean {n}?")).unwrap_or_default())]
pub struct UnknownFindingCode {
    pub code: String,
    pub nearest: Option<&'static str>,
}

impl FromStr for FindingCode {
    type Err = UnknownFindingCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let names = FindingCode::VARIANTS.iter().map(|c| c.as_str());
        FindingCode::VARIANTS
            .iter()
            .find(|c| c.as_str() == s)
            .copied()
            .ok_or_else(|| UnknownFindingCode {
                code: s.to_string(),
                nearest: crate::suggest::closest(s, names, 3),
            })
    }
}

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// It caused the rejection.
    Error,
    /// The request was answered, but something about it is suspicious.
    Warning,
}

/// A diagnostic attached to a journal entry; never part of the emulated answer. Built only by this
/// module's functions.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    pub message: String,
    pub hint: String,
}

/// A finding of a code that is always an error or always a warning (strict rules go through
/// [`Violation::finding`]).
fn found(code: FindingCode, message: impl Into<String>, hint: impl Into<String>) -> Finding {
    debug_assert_ne!(code.weight(), Weight::Rule, "{code} is a strict rule");
    Finding {
        code,
        severity: match code.weight() {
            Weight::Warning => Severity::Warning,
            Weight::Error | Weight::Rule => Severity::Error,
        },
        message: message.into(),
        hint: hint.into(),
    }
}

/// A broken strict rule: its code, the rejection message strict mode answers with (Chinese for
/// zh-cn and zh-tw, English otherwise), what the real server would do, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub code: FindingCode,
    zh: String,
    en: String,
    /// What the real server does with such a request.
    upstream: String,
    hint: &'static str,
}

impl Violation {
    fn new(
        code: FindingCode,
        zh: String,
        en: String,
        upstream: impl Into<String>,
        hint: &'static str,
    ) -> Self {
        debug_assert_eq!(code.weight(), Weight::Rule, "{code} is not a strict rule");
        Violation {
            code,
            zh,
            en,
            upstream: upstream.into(),
            hint,
        }
    }

    /// The strict rejection message in the request's language.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhCn | Lang::ZhTw => &self.zh,
            Lang::En | Lang::De | Lang::Fr => &self.en,
        }
    }

    /// The journal finding: an error when it rejected the request, a warning when it did not.
    pub fn finding(&self, severity: Severity) -> Finding {
        Finding {
            code: self.code,
            severity,
            message: format!("{} {}", self.en, self.upstream),
            hint: self.hint.into(),
        }
    }
}

/// No API token in the query. `token` is the query's `token` value, if it has one: the docs'
/// examples write the placeholder `token=xxx`, which clients copy.
pub fn not_an_api_call(token: Option<&[u8]>) -> Finding {
    let (message, hint) = match token {
        Some(value) => {
            let value = String::from_utf8_lossy(value);
            let placeholder = if value.eq_ignore_ascii_case("xxx") {
                " It is the placeholder of the XXB docs' examples (`token=xxx`), not a token."
            } else {
                ""
            };
            (
                format!("The query's `token` is {value:?}, not 32 letters or digits, so the server took its web path and answered an HTML page.{placeholder}"),
                "Replace the placeholder with the real token, md5(md5(query) + key) over the query without `token` (`xxb-mock sign` appends it).",
            )
        }
        None => (
            "The query has no `token=` followed by 32 letters or digits, so the server took its web path and answered an HTML page.".to_string(),
            "Add `&token=<32 hex characters>`, md5(md5(query) + key) over the query without `token`; the docs' `token=xxx` is only a placeholder (`xxb-mock sign` appends the real one).",
        ),
    };
    found(FindingCode::NotApiCall, message, hint)
}

/// A request to a path that runs no script: the web server answers 404 (or, for `/`, the mock
/// sends a browser to its page), and the application never runs.
pub fn wrong_path(path: &str, query: &str, meant: &Meant) -> Finding {
    let with_query = |script: &str| {
        if query.is_empty() {
            script.to_string()
        } else {
            format!("{script}?{query}")
        }
    };
    let nothing_runs = "the real server's web server answers 404 and the application never runs";
    let (message, hint) = match meant {
        Meant::Root => (
            format!("`{path}` is the server's root, not an API entry; the mock sent the client to its page, /__ui."),
            format!("API clients call {}.", with_query("/x.php")),
        ),
        Meant::Case { script } => (
            format!("`{path}` is not `{script}`: file names are case-sensitive on the real server, so {nothing_runs}."),
            format!("Call {}.", with_query(script)),
        ),
        Meant::Prefix { prefix, script } => (
            format!("`{path}` puts `{prefix}` before the entry, like a reverse proxy's prefix; the mock serves the API at `{script}`, so {nothing_runs} here."),
            format!("Point the client at {}, or start the mock with `--base-path {prefix}` to serve the API under that prefix, as the proxy does.", with_query(script)),
        ),
        Meant::MissingBasePath { script } => (
            format!("`{path}` lacks the prefix the mock serves the API under (`--base-path`), so {nothing_runs}."),
            format!("Call {}.", with_query(script)),
        ),
        Meant::Xxd { operation, method } => (
            format!("`{path}` looks like the chat daemon's direct API (xxd, `/im/{operation}`), which the mock serves at /im/<operation> itself, without a prefix or more path; here {nothing_runs}."),
            match method {
                Some(method) => format!("Call /im/{operation} (signed as the direct API's guide says), or /x.php?m=im&f={method}&code=...&token=... on the XXB server."),
                None => "The direct API's operations are /im/getChatGroups, /im/getChatUsers, /im/sendNotification and /im/sendChatMessage.".to_string(),
            },
        ),
        Meant::Unknown => (
            format!("`{path}` runs no script: {nothing_runs}."),
            "The API's entry is /x.php?m=im&f=<method>&code=<app code>&token=<token>.".to_string(),
        ),
    };
    found(FindingCode::WrongPath, message, hint)
}

pub fn missing_route() -> Finding {
    found(
        FindingCode::MissingModuleOrMethod,
        "The query lacks `m` or `f`; the server answers {\"error\":\"EMPTY_ENTRY\"}.",
        "Call /x.php?m=im&f=<method>&code=<app code>&token=<token>.",
    )
}

pub fn missing_code() -> Finding {
    found(
        FindingCode::MissingCode,
        "The query has no application `code` (missing, empty or \"0\").",
        "Add `&code=<your application's code>` before signing.",
    )
}

pub fn missing_token() -> Finding {
    found(
        FindingCode::MissingToken,
        "The query has no `token` parameter (another parameter matched the token pattern, so the server treated it as an API call).",
        "Add `&token=<token>`; the parameter must be called exactly `token`.",
    )
}

pub fn unknown_app(code: &str) -> Finding {
    found(
        FindingCode::UnknownApp,
        format!("No application has the code {code:?}."),
        "Use a code from the fixtures' apps.json (GET /__inspect/state lists them); the server compares codes without regard to case, accents or trailing spaces, nothing else.",
    )
}

pub fn app_without_key(code: &str) -> Finding {
    found(
        FindingCode::AppWithoutKey,
        format!("The application {code:?} has no secret key, so the server refuses every call it makes."),
        "Give the application a key in apps.json (the XXB admin page generates one).",
    )
}

pub fn forwarded_address(caller: &CallerAddress) -> Finding {
    let header = match caller.source {
        AddressSource::ClientIp => "Client-IP",
        _ => "X-Forwarded-For",
    };
    found(
        FindingCode::ForwardedAddress,
        format!("The caller's address {:?} was taken from the {header} header, which any client can set.", caller.ip),
        "Behind a proxy this is expected; otherwise do not rely on it to pass an IP allow-list.",
    )
}

pub fn ip_denied(app: &App, caller: &CallerAddress) -> Finding {
    found(
        FindingCode::IpDenied,
        format!(
            "The address {:?} is not in the application {:?}'s allow-list {:?}.",
            caller.ip, app.code, app.ip
        ),
        "Call from an allowed address, or change `ip` in apps.json (`*` allows everyone).",
    )
}

pub fn bad_timestamp(time: &[u8]) -> Finding {
    found(
        FindingCode::BadTimestamp,
        format!(
            "The `time` parameter {:?} is not a 10-digit Unix timestamp below 4000000000; the server checks it before the token.",
            String::from_utf8_lossy(time)
        ),
        "Send `time` as the current Unix time in seconds, or leave it out.",
    )
}

pub fn reused_time(stamp: &str, last: i64) -> Finding {
    found(
        FindingCode::TimeReused,
        format!("The timestamp {stamp} is not later than the last one this application used ({last}); time-mode tokens are single-use."),
        "Use a new, increasing `time` for every call in time mode.",
    )
}

/// An invalid token: the query the server signed, the formula it expected, and what the token
/// signs instead when that can be found. Never the key.
pub fn invalid_token(req: &ApiRequest, sent: &str, signed: &str, key: &str) -> Finding {
    let time_mode = req.params.get("time").is_some();
    let mut message = format!("The token {sent:?} does not match. The server signed the query `{signed}` and expected md5(md5(query) + key)");
    if time_mode {
        message.push_str(", or, because `time` is present, md5(code + key + time)");
    }
    message.push('.');
    let code = req.param_text("code").unwrap_or_default();
    let mut hint = String::from("Sign the query exactly as sent, without `token`, re-encoded as PHP's http_build_query does (see `xxb-mock token`).");
    if sent == DOCS_TOKEN {
        message.push_str(" This is the token printed in the XXB docs for `m=chat&f=getChatUsers&code=myAppCode`: it is valid for that one query only, and the docs reuse it for every example.");
        hint = "Compute a token for each query; never reuse one.".into();
    } else if let Some(other) = METHODS.iter().find_map(|method| {
        let query = format!("m=im&f={method}&code={}", urlencode(code.as_bytes()));
        (token::query_token(&query, key) == sent && query != signed).then_some(query)
    }) {
        message.push_str(&format!(
            " The token is the right one for a different query of this application, `{other}`."
        ));
        hint = "Compute the token over the query you actually send, including every extra parameter, in order.".into();
    } else if token::md5_hex(format!("{signed}{key}").as_bytes()) == sent {
        message.push_str(" It is md5(query + key): the inner md5 is missing.");
        hint = "Hash twice: md5(md5(query) + key).".into();
    } else {
        let raw_without_token: Vec<&str> = req
            .arrival
            .query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("token="))
            .collect();
        let raw = raw_without_token.join("&");
        if raw != signed && token::query_token(&raw, key) == sent {
            message.push_str(&format!(
                " It signs the raw query `{raw}`, but the server signs PHP's re-encoding of it."
            ));
            hint = "Encode names and values as PHP urlencode does (space as `+`, `~` as `%7E`) before signing.".into();
        }
    }
    found(FindingCode::InvalidToken, message, hint)
}

pub fn account_unbound(code: &str) -> Finding {
    found(
        FindingCode::AccountUnbound,
        format!("The application {code:?} is bound to no user account; the server runs API calls as that account."),
        "Set `account` for the application in apps.json.",
    )
}

pub fn invalid_account(code: &str, account: &str, deleted: bool) -> Finding {
    let why = if deleted {
        "is deleted"
    } else {
        "does not exist"
    };
    found(
        FindingCode::InvalidAccount,
        format!("The application {code:?} is bound to the account {account:?}, which {why}."),
        "Bind the application to an existing, active user in apps.json.",
    )
}

pub fn old_api() -> Finding {
    found(
        FindingCode::OldApi,
        "/api.php is the retired XXB integration entry (chat/getChatGroups, chat/getChatUsers, chat/notifyMSG); the current server answers it with an empty body.",
        "Call /x.php?m=im&f=getGroupChats|getChatUsers|sendNotification|sendChatMessage instead; see the README's quick tour.",
    )
}

pub fn unknown_method(module: &[u8], method: &[u8]) -> Finding {
    let nearest = std::str::from_utf8(method)
        .ok()
        .and_then(|m| crate::suggest::closest(&m.to_ascii_lowercase(), METHODS_LOWER, 3))
        .and_then(|m| METHODS.iter().find(|n| n.eq_ignore_ascii_case(m)));
    let hint = match nearest {
        Some(method) => format!("Did you mean f={method}? The methods are m=im with f=getGroupChats, getChatUsers, sendNotification or sendChatMessage (matched without regard to case)."),
        None => "Use m=im with f=getGroupChats, getChatUsers, sendNotification or sendChatMessage (matched without regard to case).".to_string(),
    };
    found(
        FindingCode::UnknownMethod,
        format!(
            "There is no method m={:?} f={:?}; the server answers an empty body.",
            String::from_utf8_lossy(module),
            String::from_utf8_lossy(method)
        ),
        hint,
    )
}

/// A value PHP cannot use where the server's code needs a string or an array (a query array `m[]`,
/// a `users` object, a list of lists): PHP stops with a fatal error, HTTP 500 with an empty body,
/// and nothing is stored.
pub fn php_fatal(fatal: &PhpFatal) -> Finding {
    let (code, hint) = match fatal.field.as_str() {
        "m" | "f" => (
            FindingCode::PhpFatal,
            "Send `m` and `f` once each, as plain values (`m=im&f=sendNotification`), not `m[]=`.",
        ),
        "gid" => (
            FindingCode::FatalValue,
            "Send `gid` as the chat's gid, a string.",
        ),
        _ => (
            FindingCode::FatalValue,
            "Send `users` as a flat array of user ids or of accounts, e.g. [1, 3] or [\"admin\"].",
        ),
    };
    found(code, format!("{fatal}."), hint)
}

/// `content` is a list: the real server stops quietly, HTTP 200 with an empty body.
pub fn content_array() -> Finding {
    found(
        FindingCode::ContentArray,
        "`content` is a JSON list; the real server's code stops on it and answers HTTP 200 with an empty body, storing nothing.",
        "Send `content` as a string (Markdown when contentType is text).",
    )
}

/// getChatUsers without a gid.
pub fn chat_users_without_gid() -> Finding {
    found(
        FindingCode::ChatUsersWithoutGid,
        "getChatUsers without a `gid` lists the members of every chat of any type (deleted users included), not every user as the docs say.",
        "Pass `gid` to list one chat's members; there is no call that lists every user.",
    )
}

pub fn param_refused(refused: &Refused) -> Finding {
    let what = match refused.reason {
        RefusalReason::Name => format!("The parameter name {:?} has characters outside [a-zA-Z0-9_.]", refused.name),
        RefusalReason::Value => format!(
            "The value {:?} of parameter {:?} has characters outside the server's filter (letters, digits and =_,`#+^/.%*|- only; no space, ~, &, :, @)",
            refused.value, refused.name
        ),
        RefusalReason::Array => format!("The parameter {:?} is an array (`name[]=`)", refused.name),
    };
    found(
        FindingCode::ParamRefused,
        format!("{what}, so the server answers `Bad Request!`."),
        "Pass such values in the JSON body where the method allows it; a one-to-one gid like `3&4` cannot be passed in the query.",
    )
}

pub fn positional_param(name: &str) -> Finding {
    found(
        FindingCode::PositionalParam,
        format!("The first parameter is called {name:?}, not `gid`; the server takes method parameters by position, so its value was used as the gid."),
        "Call the parameter `gid` and put it first after m, f, code and token.",
    )
}

/// A body over the mock's read cap: the mock did not read it, although the real server would.
pub fn body_too_large(size: usize) -> Finding {
    found(
        FindingCode::BodyTooLarge,
        format!("The body is over {size} bytes, beyond the mock's read cap of 64 MiB; the mock did not read it and answered as if there were none. (The real server reads bodies over PHP's 8 MiB post_max_size as well.)"),
        "Send a smaller notification; link to large content with `url` instead.",
    )
}

/// A `multipart/form-data` body, which PHP parses into `$_POST` and leaves unreadable as raw input.
pub fn multipart_body() -> Finding {
    found(
        FindingCode::MultipartBody,
        "The body is multipart/form-data: PHP parses it into form fields and the server's code, which reads the raw body, finds nothing.",
        "Send the JSON object itself as the body (any other Content-Type, application/json for instance).",
    )
}

/// A body that is not a JSON object; `error` is why PHP's `json_decode` could not read it, when it
/// could not.
pub fn body_not_object(body: &[u8], error: Option<&DecodeError>) -> Finding {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
    let old_api =
        text.starts_with("data=") || text.contains("userList") || text.contains("receiver");
    if old_api {
        return found(
        FindingCode::OldApiBody,
            "The body is in the retired api.php format (form field `data=`, `userList`, `receiver`); the server reads the raw body as JSON and finds no `users`.",
            r#"Send the JSON object itself as the body: {"users":[1,3],"title":"...","sender":{"id":"bot","name":"Bot","avatar":"https://..."},"contentType":"text","content":"..."}."#,
        );
    }
    let why = match error {
        Some(error) => format!(": PHP's json_decode fails with \"{error}\""),
        None => String::new(),
    };
    found(
        FindingCode::BodyNotJsonObject,
        format!("The body is not a JSON object (it starts {text:?}){why}, so the server finds no fields at all."),
        "Send the notification as a raw JSON object body; the Content-Type header does not matter.",
    )
}

/// `field` is empty in PHP's sense; the send methods check `users` or `gid`, then `sender`, then `title`.
pub fn missing_field(field: &str) -> Finding {
    let (code, hint) = match field {
        "users" => (
            FindingCode::MissingUsers,
            "Give `users` as a non-empty array of user ids or of accounts.",
        ),
        "gid" => (
            FindingCode::MissingGid,
            "Give the gid of the chat to post to (GET getGroupChats lists them).",
        ),
        "sender" => (
            FindingCode::MissingSender,
            "The docs call `sender` optional, but the server requires it: send {\"id\":...,\"name\":...,\"avatar\":...}.",
        ),
        other => {
            debug_assert_eq!(other, "title", "no method checks {other:?} for emptiness");
            (
                FindingCode::MissingTitle,
                "Give a non-empty string `title` (\"0\" counts as empty).",
            )
        }
    };
    found(
        code,
        format!("`{field}` is missing or empty (PHP empty(): null, false, 0, \"\", \"0\" and [] are empty)."),
        hint,
    )
}

pub fn everyone_notified(reason: &str) -> Finding {
    found(
        FindingCode::EveryoneNotified,
        format!("{reason} The real server then delivers the message to every user who is not deleted."),
        "Name the recipients explicitly (an array of ids or accounts), or post to an existing group.",
    )
}

pub fn no_recipients() -> Finding {
    found(
        FindingCode::NoRecipients,
        "No user matched `users`, so the notification reached nobody; the server still answered success.",
        "Check the ids or accounts against GET /__inspect/state.",
    )
}

pub fn deleted_recipients(accounts: &[String]) -> Finding {
    found(
        FindingCode::DeletedRecipient,
        format!(
            "These recipients are deleted users, and the server delivers to them anyway: {}.",
            accounts.join(", ")
        ),
        "Remove deleted users from your recipient list.",
    )
}

pub fn fault_injected(fault: &Respond) -> Finding {
    let what = match fault {
        Respond::Body { .. } => "answered with the armed body instead of the method".to_string(),
        Respond::Status { status, .. } => {
            format!("answered with HTTP {status} instead of the method")
        }
        Respond::Delay { delay_ms } => format!("answered normally after a delay of {delay_ms} ms"),
        Respond::Drop { .. } => "dropped without an answer".to_string(),
    };
    found(
        FindingCode::FaultInjected,
        format!("A fault armed through /__inspect/faults applied: the call was {what}."),
        "DELETE /__inspect/faults clears armed faults.",
    )
}

// The strict rules of the two send methods: each is a `Violation`, rejected in strict mode and a
// warning in faithful mode (`xxb::strict` decides when).

/// `users` is not an array.
pub fn users_not_array(users: Option<&Value>) -> Violation {
    let shown = users.map(Value::to_string).unwrap_or_default();
    Violation::new(
        FindingCode::UsersNotArray,
        format!("users 必须是用户 ID 或账号组成的数组，而不是 {shown}"),
        format!("`users` must be an array of user ids or accounts, not {shown}."),
        "The real server takes a non-array `users` as a chat gid (an upstream bug): that chat's members, or every user if it has none.",
        "Send `users` as an array, e.g. [1, 3] or [\"admin\"]; use sendChatMessage to post into a chat.",
    )
}

/// `users` mixes ids and accounts: the server reads every entry as the first one's kind (an id
/// when `by_id`) and drops `dropped`, the entries of the other kind that then match nobody.
pub fn users_mixed(by_id: bool, dropped: &[&Value]) -> Violation {
    let (kind, kind_zh) = if by_id {
        ("an id", "ID")
    } else {
        ("an account", "账号")
    };
    let (en, zh, upstream) = if dropped.is_empty() {
        (
            format!("`users` mixes user ids and accounts; the server reads every entry as {kind}, as it reads the first."),
            format!("users 不能混用用户 ID 和账号：服务器按第一个条目把每个条目都当作{kind_zh}"),
            "The real server matches the entries of the other kind only by accident (MySQL compares \"3abc\" with an id as 3, and 3 with an account as \"3\").",
        )
    } else {
        let list = entry_list(dropped);
        (
            format!("`users` mixes user ids and accounts; the server reads every entry as {kind}, as it reads the first, so it drops {list}."),
            format!("users 不能混用用户 ID 和账号：服务器按第一个条目把每个条目都当作{kind_zh}，会丢弃 {list}"),
            "The real server drops them silently and answers success.",
        )
    };
    Violation::new(
        FindingCode::UsersMixed,
        zh,
        en,
        upstream,
        "Use only ids ([1, 3]) or only accounts ([\"admin\", \"zhangsan\"]).",
    )
}

/// `users` names nobody the server knows: each entry with the account it was probably meant to be.
pub fn unknown_users(unknown: &[(&Value, Option<&str>)]) -> Violation {
    let list = |did_you_mean: fn(&str) -> String| {
        unknown
            .iter()
            .map(|(entry, nearest)| match nearest {
                Some(account) => format!("{entry}{}", did_you_mean(account)),
                None => entry.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let en = list(|a| format!(" (did you mean {a:?}?)"));
    let zh = list(|a| format!("（是否应为 {a:?}？）"));
    Violation::new(
        FindingCode::UnknownUsers,
        format!("users 中有不存在的用户：{zh}"),
        format!("`users` names unknown users: {en}."),
        "The real server drops them silently and answers success.",
        "Use existing ids or accounts (GET /__inspect/state lists them).",
    )
}

/// Entries as the client sent them, JSON-encoded: `1, "zhangsan"`.
fn entry_list(entries: &[&Value]) -> String {
    entries
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// sendChatMessage's `gid` is not a string: a list is read as a list of accounts (stored in the
/// notification centre), a number or a boolean as a gid.
pub fn gid_not_string(gid: &Value) -> Violation {
    let upstream = if gid.is_array() {
        "The real server reads a list as user accounts: the message goes to the notification centre of whoever they name, not into a chat."
    } else {
        "The real server uses PHP's string of it as a gid."
    };
    Violation::new(
        FindingCode::GidNotString,
        format!("gid 必须是讨论组的 gid 字符串，而不是 {gid}"),
        format!("`gid` must be a chat's gid as a string, not {gid}."),
        upstream,
        "Send the gid from getGroupChats as a string.",
    )
}

/// A text field that is not a string.
pub fn not_a_string(field: &str, value: &Value) -> Violation {
    Violation::new(
        FindingCode::NotAString,
        format!("{field} 必须是字符串，而不是 {value}"),
        format!("`{field}` must be a string, not {value}."),
        "The real server stores it as it is (or as PHP casts it), and clients may fail to show it.",
        "Send the field as a JSON string.",
    )
}

/// `contentType` is neither `text` nor `plain`.
pub fn content_type(value: Option<&Value>) -> Violation {
    let shown = value.map_or("nothing".to_string(), Value::to_string);
    Violation::new(
        FindingCode::ContentType,
        format!("contentType 必须是 \"text\"（Markdown）或 \"plain\"，而不是 {shown}"),
        format!("`contentType` must be \"text\" (Markdown) or \"plain\", not {shown}."),
        "The real server stores a missing or empty one as `text` and any value outside its enum as \"\", which clients cannot render.",
        "Set \"contentType\": \"text\" for Markdown or \"plain\" for plain text.",
    )
}

/// `actions[index]` lacks a `label` or a `url`.
pub fn action_invalid(index: usize) -> Violation {
    Violation::new(
        FindingCode::ActionInvalid,
        format!("actions[{index}] 必须是含 label 和 url 的对象"),
        format!("actions[{index}] must be an object with a `label` and a `url`."),
        "The real server stores it as it is; clients show a broken button or none.",
        "Give each action {\"label\": \"...\", \"url\": \"https://...\"} (and optionally `icon`, `type`).",
    )
}

/// `actions[index]` has `key`, which clients ignore; `nearest` is the known key it is probably a
/// typo of.
pub fn action_unknown_key(index: usize, key: &str, nearest: Option<&str>) -> Violation {
    let (en_mean, zh_mean) = match nearest {
        Some(known) => (
            format!(" (did you mean {known:?}?)"),
            format!("（是否应为 {known:?}？）"),
        ),
        None => (String::new(), String::new()),
    };
    Violation::new(
        FindingCode::ActionUnknownKey,
        format!("actions[{index}] 有未知的键 {key:?}{zh_mean}，只能用 label、url、type、icon"),
        format!("actions[{index}] has the key {key:?}{en_mean}; an action has only `label`, `url`, `type` and `icon`."),
        "The real server stores it, and clients ignore it.",
        "Use the keys label, url, type (primary, success, ...) and icon.",
    )
}

/// `actions` is not an array.
pub fn actions_not_array(value: &Value) -> Violation {
    Violation::new(
        FindingCode::ActionsNotArray,
        format!("actions 必须是数组，而不是 {value}"),
        format!("`actions` must be an array, not {value}."),
        "The real server stores it as it is; clients show no buttons.",
        "Send `actions` as an array of {label, url, type?, icon?} objects.",
    )
}

/// `sender` is not an object with an `id` and an `avatar`.
pub fn sender_invalid(sender: Option<&Value>) -> Violation {
    let shown = sender.map(Value::to_string).unwrap_or_default();
    Violation::new(
        FindingCode::SenderInvalid,
        format!("sender 必须是含 id 和 avatar 的对象，而不是 {shown}"),
        format!("`sender` must be an object with an `id` and an `avatar`, not {shown}."),
        "The real server accepts any non-empty sender, and clients show the notification without a usable sender.",
        "Send \"sender\": {\"id\": \"your-app\", \"name\": \"Your App\", \"avatar\": \"https://.../logo.png\"}.",
    )
}

/// `content` has characters the server's utf8 column cannot store.
pub fn characters_lost() -> Violation {
    Violation::new(
        FindingCode::CharactersLost,
        "content 含有 U+FFFF 以上的字符（如 emoji），服务器会把每个存为 ????".into(),
        "`content` has characters above U+FFFF (emoji); the server's utf8 column stores each as `????`.".into(),
        "The real server accepts it and stores `????` in their place.",
        "Avoid emoji in `content`; they survive in `title`, `subtitle` and `url`.",
    )
}

/// `field` (`content`, or the message's `data` JSON) is over the 65,535 bytes its `TEXT` column
/// keeps: the real server cuts it without an error.
pub fn too_long(field: &str, bytes: usize) -> Violation {
    let (what, upstream) = if field == "content" {
        (
            "`content`".to_string(),
            "The real server stores its first 65,535 bytes (at a character boundary) and drops the rest silently.",
        )
    } else {
        (
            "The message's data (title, subtitle, url, actions, sender and the recipients' ids, as PHP's JSON)".to_string(),
            "The real server stores its first 65,535 bytes, which is no longer valid JSON: clients cannot read the title, the sender or the actions.",
        )
    };
    Violation::new(
        FindingCode::TooLong,
        format!("{field} 为 {bytes} 字节，超出服务器 TEXT 字段的 65535 字节"),
        format!("{what} is {bytes} bytes, over the 65,535 bytes the server's column keeps."),
        upstream,
        "Keep content and titles short; link to long text with `url`. Notify fewer users per call when the recipients' ids make the data long.",
    )
}

/// sendChatMessage to a gid that names no chat.
pub fn unknown_chat(gid: &str) -> Violation {
    Violation::new(
        FindingCode::UnknownChat,
        format!("讨论组 {gid} 不存在"),
        format!("There is no chat {gid:?}."),
        "The real server then delivers the message to every user who is not deleted.",
        "Use a gid from getGroupChats.",
    )
}

/// sendChatMessage to a dismissed chat.
pub fn chat_dismissed(gid: &str) -> Violation {
    Violation::new(
        FindingCode::ChatDismissed,
        format!("讨论组 {gid} 已解散"),
        format!("The chat {gid:?} is dismissed."),
        "The real server still posts into it; nobody reads a dismissed chat.",
        "Post to an active group from getGroupChats.",
    )
}

/// sendChatMessage to a chat that is not a group.
pub fn chat_not_group(gid: &str, chat_type: ChatType) -> Violation {
    Violation::new(
        FindingCode::ChatNotGroup,
        format!("{gid} 不是讨论组（类型为 {chat_type}）"),
        format!("The chat {gid:?} is not a group (its type is {chat_type})."),
        "The real server posts into any chat, one-to-one and system chats included.",
        "Use sendNotification for individual users, or a group gid from getGroupChats.",
    )
}

// Suspicious but allowed, in both modes.

/// `actions[index].type` is not one of [`ACTION_TYPES`].
pub fn action_type(index: usize, action_type: &str) -> Finding {
    found(
        FindingCode::ActionType,
        format!(
            "actions[{index}].type is {action_type:?}, which is not one of {}; clients show a default button.",
            ACTION_TYPES.join(", ")
        ),
        "Use one of the listed types (the docs' own example uses `normal`, which is not one of them).",
    )
}

/// A `url` (the message's or an action's, named by `field`) that is not absolute.
pub fn url_not_absolute(field: &str, url: &str) -> Finding {
    found(
        FindingCode::UrlNotAbsolute,
        format!("`{field}` is {url:?}, not an absolute http(s) URL; XXB clients open it relative to nothing."),
        "Use a full URL such as https://example.com/path.",
    )
}

pub fn sender_without_name() -> Finding {
    found(
        FindingCode::SenderWithoutName,
        "`sender` has no `name`; clients show the notification without a sender name.",
        "Add \"name\" to `sender`.",
    )
}

pub fn chat_archived(gid: &str) -> Finding {
    found(
        FindingCode::ChatArchived,
        format!(
            "The chat {gid:?} is archived; the message is stored but its members may not see it."
        ),
        "Post to an active group, or unarchive the chat.",
    )
}

// The direct API (`/im/...`). Its answers are English only (assumed), so its violations answer
// with their English message.

/// The answer rests on assumptions: each named, with what the mock chose.
pub fn unverified_answer(assumptions: &[Assumption]) -> Finding {
    let chosen: Vec<String> = assumptions
        .iter()
        .map(|a| format!("{}: {}", a.name(), a.choice()))
        .collect();
    found(
        FindingCode::UnverifiedAnswer,
        format!(
            "This answer rests on what the vendor's guide for the direct API does not say, and no real xxd has been recorded; the mock assumed {}.",
            chosen.join("; ")
        ),
        "The README's table \"The direct API: documented and assumed\" lists every assumption; replay scenarios/xxd-guide.yaml with --target against a real xxd to check them. Do not rely on an assumed detail.",
    )
}

/// A name under `/im/` that is none of the four operations, with the one probably meant.
pub fn unknown_operation(segment: &str, nearest: Option<&str>) -> Finding {
    let mut message =
        format!("The direct API has no operation {segment:?}; the daemon answers 404.");
    if segment.eq_ignore_ascii_case("getGroupChats") {
        message.push_str(" getGroupChats is /x.php's name (m=im&f=getGroupChats); the direct API calls it getChatGroups.");
    }
    let hint = match nearest {
        Some(name) => format!("Call /im/{name}."),
        None => "The operations are /im/getChatGroups, /im/getChatUsers, /im/sendNotification and /im/sendChatMessage.".to_string(),
    };
    found(FindingCode::UnknownOperation, message, hint)
}

/// An operation called with `sent` instead of its method.
pub fn wrong_http_method(path: &str, sent: &str, expected: &str) -> Finding {
    found(
        FindingCode::WrongHttpMethod,
        format!("{path} takes {expected} (the guide says so), not {sent}; the daemon answers 405."),
        if expected == "POST" {
            "POST the JSON body; /x.php reads a body whatever the method, the direct API does not."
        } else {
            "Use GET for the lookups."
        },
    )
}

/// `/x.php`'s routing parameters in a query to the direct API.
pub fn x_php_query(path: &str) -> Finding {
    found(
        FindingCode::XPhpQuery,
        format!("The query to {path} has `m` or `f`, /x.php's routing parameters; the direct API takes the operation from the path, ignores them, and signs them like any other parameter."),
        "Send only code and token (and gid for getChatUsers) to /im/...; m=im&f=... belongs to /x.php.",
    )
}

/// A token of the other API's formula: what this API signed and how, and what the token signs.
pub fn other_api_signature(
    on_xxd: bool,
    expected_signed: &str,
    other: &xxd::signature::OtherFormula,
) -> Finding {
    let (this, that) = if on_xxd {
        ("The direct API (/im/...)", "/x.php")
    } else {
        ("/x.php", "the direct API (/im/...)")
    };
    let this_formula = if on_xxd {
        "md5(md5(P) + key), P = the path without its slash, `?`, the query without token sorted by name"
    } else {
        "md5(md5(query) + key), the query without token in the order sent, as PHP re-encodes it"
    };
    found(
        FindingCode::OtherApiSignature,
        format!(
            "The token was computed with {that}'s formula: it is {} over `{}`. {this} expects {this_formula}, here over `{expected_signed}`.",
            other.formula, other.signed
        ),
        format!("Sign requests to {this} with its own formula (`xxb-mock sign --api {}`).", if on_xxd { "xxd" } else { "x.php" }),
    )
}

/// The direct API's `token` does not match: what it signed.
pub fn xxd_invalid_token(sent: &str, signed: &str) -> Finding {
    found(
        FindingCode::InvalidToken,
        format!("The token {sent:?} does not match. The daemon signs P = `{signed}` (the path without its slash, `?`, every parameter but token sorted by name and form-encoded) and expects md5(md5(P) + key), compared exactly."),
        "Compute the token over the path and the sorted query (`xxb-mock token --api xxd 'PATH?QUERY'`); the parameters' order in the URL does not matter.",
    )
}

/// `code` or `token` missing from a query to the direct API.
pub fn xxd_missing_parameter(name: &str) -> Finding {
    let code = if name == "code" {
        FindingCode::MissingCode
    } else {
        FindingCode::MissingToken
    };
    found(
        code,
        format!("The query has no `{name}` (or it is empty)."),
        "Call /im/<operation>?code=<app code>&token=<token>.",
    )
}

/// A field the direct API requires is missing or empty.
pub fn xxd_missing_field(field: &str) -> Finding {
    let (code, what) = match field {
        "users" => (FindingCode::MissingUsers, "a non-empty list of user ids"),
        "gid" => (FindingCode::MissingGid, "the gid of the chat to post to"),
        "sender" => (
            FindingCode::MissingSender,
            "an object, not null: {\"id\":...,\"displayName\":...,\"avatar\":...}",
        ),
        _ => (FindingCode::MissingTitle, "a non-empty string"),
    };
    found(
        code,
        format!("`{field}` is missing or empty; the guide requires it."),
        format!("Give `{field}`: {what}."),
    )
}

/// A body the daemon cannot decode: not JSON, not an object, or a field of another type.
pub fn xxd_body_refused(error: &xxd::body::BodyError) -> Finding {
    use xxd::body::BodyError;
    match error {
        BodyError::WrongType { field, .. } => found(
            FindingCode::WrongFieldType,
            format!(
                "{} The daemon decodes the body into typed fields and refuses the request.",
                error.message()
            ),
            if field.starts_with("users") {
                "`users` is a list of user ids (numbers): accounts, and ids written as strings, are /x.php's; look ids up with getChatUsers."
            } else {
                "Send text fields as JSON strings and `actions` as a list."
            },
        ),
        _ => found(
            FindingCode::BodyNotJsonObject,
            error.message(),
            "POST the fields as one JSON object.",
        ),
    }
}

/// A body longer than the mock reads.
pub fn xxd_body_unread(size: usize) -> Finding {
    found(
        FindingCode::BodyTooLarge,
        format!("The body is {size} bytes, more than the mock reads (64 MiB); it was answered as unreadable."),
        "Send a smaller notification; link to large content with `url`.",
    )
}

/// `sender` has no `displayName`: the daemon shows no sender name (the guide warns about `name`).
pub fn sender_without_display_name(has_name: bool) -> Finding {
    let message = if has_name {
        "`sender` has `name` but no `displayName`: the daemon reads displayName (the guide warns that `name` is /x.php's), so clients show no sender name."
    } else {
        "`sender` has no `displayName`, the name the daemon shows; clients show none."
    };
    found(
        FindingCode::SenderWithoutDisplayName,
        message,
        "Send \"sender\": {\"id\": \"your-app\", \"displayName\": \"Your App\", \"avatar\": \"https://.../logo.png\"}.",
    )
}

/// `sender` is not an object with an `id` and an `avatar` (the fields the daemon reads besides
/// `displayName`).
pub fn xxd_sender_invalid(sender: &Value) -> Violation {
    Violation::new(
        FindingCode::SenderInvalid,
        format!("sender 必须是含 id 和 avatar 的对象，而不是 {sender}"),
        format!("`sender` must be an object with an `id` and an `avatar`, not {sender}."),
        "The daemon only checks that it is not null (documented); clients show the message without a usable sender.",
        "Send \"sender\": {\"id\": \"your-app\", \"displayName\": \"Your App\", \"avatar\": \"https://.../logo.png\"}.",
    )
}

/// `users` holds ids of nobody.
pub fn unknown_user_ids(ids: &[i64]) -> Violation {
    let list = ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    Violation::new(
        FindingCode::UnknownUsers,
        format!("users 中有不存在的用户 ID：{list}"),
        format!("`users` names unknown user ids: {list}."),
        "The daemon is assumed to drop them silently and answer success.",
        "Use existing user ids (GET /__inspect/state lists them; getChatUsers answers them).",
    )
}

/// sendChatMessage to a gid that names no chat: refused by the daemon (assumed), so an error in
/// both modes.
pub fn xxd_unknown_chat(gid: &str) -> Violation {
    Violation::new(
        FindingCode::UnknownChat,
        format!("讨论组 {gid} 不存在"),
        format!("There is no chat {gid:?}."),
        "The daemon is assumed to refuse it (\"Chat does not exist.\"); /x.php would notify every user instead.",
        "Use a gid from getChatGroups.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of the table under `heading` (up to the next blank line after it starts).
    fn table_under(heading: &str) -> Vec<String> {
        let readme = include_str!("../../README.md");
        let after = &readme[readme.find(heading).expect(heading)..];
        after
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .map(String::from)
            .collect()
    }

    fn first_cell_codes(row: &str) -> Vec<&str> {
        row.split('|')
            .nth(1)
            .unwrap_or_default()
            .split(',')
            .filter_map(|c| c.trim().strip_prefix('`')?.strip_suffix('`'))
            .collect()
    }

    #[test]
    fn every_code_is_in_the_readme_with_its_weight() {
        let findings = table_under("## Findings");
        let rules = table_under("The strict rules (");
        for code in FindingCode::VARIANTS {
            let name = code.as_str();
            match code.weight() {
                Weight::Rule => assert!(
                    rules.iter().any(|r| first_cell_codes(r).contains(&name)),
                    "{name} is not in the README's table of strict rules"
                ),
                weight => {
                    let row = findings
                        .iter()
                        .find(|r| first_cell_codes(r).contains(&name))
                        .unwrap_or_else(|| panic!("{name} is not in the README's finding table"));
                    let severity = row.split('|').nth(2).unwrap_or_default().trim();
                    let expected = if weight == Weight::Error {
                        "error"
                    } else {
                        "warning"
                    };
                    assert_eq!(severity, expected, "{name}: the README says {severity}");
                }
            }
        }
    }

    #[test]
    fn every_code_in_the_readme_exists() {
        let tables: Vec<String> = table_under("## Findings")
            .into_iter()
            .chain(table_under("The strict rules ("))
            .collect();
        for name in tables.iter().flat_map(|r| first_cell_codes(r)) {
            assert!(
                name.parse::<FindingCode>().is_ok(),
                "the README lists {name:?}, which is no code"
            );
        }
    }

    #[test]
    fn the_json_is_the_code_string() {
        for code in FindingCode::VARIANTS {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, Value::String(code.as_str().into()), "{code:?}");
            let back: FindingCode = serde_json::from_value(json).unwrap();
            assert_eq!(back, *code);
            assert_eq!(code.as_str().parse::<FindingCode>(), Ok(*code));
        }
        assert_eq!(
            FindingCode::BodyNotJsonObject.as_str(),
            "body_not_json_object"
        );
        assert_eq!(FindingCode::NotAString.to_string(), "not_a_string");
    }

    #[test]
    fn an_unknown_code_gets_a_did_you_mean() {
        let e = "users_mix".parse::<FindingCode>().unwrap_err();
        assert_eq!(e.nearest, Some("users_mixed"));
        assert_eq!(
            e.to_string(),
            "unknown finding code \"users_mix\"; did you mean users_mixed?"
        );
        let e = "completely different".parse::<FindingCode>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown finding code \"completely different\""
        );
    }

    #[test]
    fn the_missing_field_codes() {
        let codes: Vec<&str> = ["users", "gid", "sender", "title"]
            .map(|f| missing_field(f).code.as_str())
            .to_vec();
        assert_eq!(
            codes,
            [
                "missing_users",
                "missing_gid",
                "missing_sender",
                "missing_title"
            ]
        );
    }

    #[test]
    fn rules_answer_in_the_requests_language_and_journal_in_english() {
        let v = users_not_array(Some(&Value::from("x")));
        assert!(v.message(Lang::ZhTw).starts_with("users 必须"));
        assert!(v.message(Lang::De).starts_with("`users` must"));
        let f = v.finding(Severity::Warning);
        assert_eq!(
            (f.code, f.severity),
            (FindingCode::UsersNotArray, Severity::Warning)
        );
        assert!(
            f.message.starts_with("`users` must") && f.message.contains("The real server takes")
        );
    }

    #[test]
    fn unknown_users_name_the_nearest_account() {
        let (nobody, typo) = (Value::from("nobody"), Value::from("zhangsna"));
        let v = unknown_users(&[(&nobody, None), (&typo, Some("zhangsan"))]);
        assert_eq!(
            v.message(Lang::En),
            r#"`users` names unknown users: "nobody", "zhangsna" (did you mean "zhangsan"?)."#
        );
        assert_eq!(
            v.message(Lang::ZhCn),
            r#"users 中有不存在的用户："nobody", "zhangsna"（是否应为 "zhangsan"？）"#
        );
    }

    #[test]
    fn a_mixed_list_says_what_is_dropped() {
        let zhangsan = Value::from("zhangsan");
        assert_eq!(
            users_mixed(true, &[&zhangsan]).message(Lang::En),
            r#"`users` mixes user ids and accounts; the server reads every entry as an id, as it reads the first, so it drops "zhangsan"."#
        );
        let three = Value::from(3);
        assert!(users_mixed(false, &[&three])
            .message(Lang::ZhCn)
            .ends_with("当作账号，会丢弃 3"));
        assert!(!users_mixed(true, &[]).message(Lang::En).contains("drops"));
    }
}
