//! The batteries of `parity`, as data: each probe is one request, sent alike to the target and
//! to the in-process mock. A probe names its API ([`Api`]), so a battery for another API (the chat
//! daemon's `/im/...`, SPEC §10) is another table beside [`X_PHP`] with its own signing.
//!
//! The `x.php` battery is non-destructive: every probe is rejected before anything is stored
//! (entry check, token, parameter filter, dispatch, send validation), or is a lookup. The two
//! [`WRITES`] probes store one notification and one chat message, and run only when asked.
//!
//! Placeholders in a query or body: `{code}` (the application), `{gid}` (the first group the
//! target lists), `{user}` and `{write_gid}` (the user and chat the writes go to). A query with
//! `{token}` gets the token there; otherwise [`Sign`] says what token is appended.

use crate::php::query::parse_str;
use crate::xxb::token;

/// The API a probe speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// `/x.php?m=im&f=...`, signed `md5(md5(query) + key)` over PHP's re-encoding of the query.
    XPhp,
    /// The chat daemon's `/im/...`, signed `md5(md5(P) + key)` over the path and the sorted query
    /// ([`super::direct`]).
    Xxd,
}

impl Api {
    /// The right token for `query` sent to `path` (placeholders filled in).
    pub fn token(self, path: &str, query: &str, key: &str) -> String {
        match self {
            Api::XPhp => token::token_for_query(query, key),
            Api::Xxd => crate::xxd::signature::token_for(&format!("{path}?{query}"), key),
        }
    }

    /// One md5 where the server computes two: `md5(signed + key)`.
    fn single_md5(self, path: &str, query: &str, key: &str) -> String {
        let signed = match self {
            Api::XPhp => token::signed_query(&parse_str(query.as_bytes())),
            Api::Xxd => {
                crate::xxd::signature::signed_text(path, &crate::xxd::query::Query::parse(query))
            }
        };
        token::md5_hex(format!("{signed}{key}").as_bytes())
    }
}

/// The token a probe carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    /// None appended: the query is sent as written (it may hold a token of its own).
    Not,
    /// The right token.
    Valid,
    /// The right token in upper case (the server compares case-sensitively).
    UpperCase,
    /// `md5(query + key)`: one md5 where the server computes two.
    SingleMd5,
    /// The right token of another query (placeholders filled in).
    OfQuery(&'static str),
    /// `/x.php`'s token of a query (placeholders filled in), sent to another API.
    XPhpToken(&'static str),
}

/// What a probe needs from the target before it can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    /// At least one group chat (`{gid}`).
    Group,
    /// `--allow-writes` with `--user` (`{user}`, `{write_gid}`).
    Writes,
}

/// How answers are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    /// Status, content type, the PHP layer's headers and the body, byte for byte.
    Bytes,
    /// The same, but of the HTML page only its message (the `alert` text): its markup is not
    /// reproduced byte for byte (a known deviation, README).
    PageMessage,
}

/// One request of a battery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    /// Stable and greppable: `entry.unknown_app`.
    pub name: &'static str,
    /// What the probe shows, for reports and the README.
    pub about: &'static str,
    pub api: Api,
    pub http_method: &'static str,
    pub path: &'static str,
    pub query: &'static str,
    pub sign: Sign,
    /// One probe per language (`Accept-Language`); `""` sends no header (the server's default).
    pub langs: &'static [&'static str],
    pub content_type: Option<&'static str>,
    pub body: Option<&'static str>,
    pub needs: Needs,
    pub compare: Compare,
}

/// No `Accept-Language` header: the server's default language.
pub const DEFAULT_LANG: &[&str] = &[""];
/// The server's default and each of the five languages.
pub const EVERY_LANG: &[&str] = &["", "zh-cn", "zh-tw", "en", "de", "fr"];

impl Probe {
    /// A signed `GET /x.php` in the server's default language, compared byte for byte: what each
    /// battery's probes start from.
    pub const GET: Probe = Probe {
        name: "",
        about: "",
        api: Api::XPhp,
        http_method: "GET",
        path: "/x.php",
        query: "",
        sign: Sign::Valid,
        langs: DEFAULT_LANG,
        content_type: None,
        body: None,
        needs: Needs::Nothing,
        compare: Compare::Bytes,
    };
}

const GET: Probe = Probe::GET;

const SEND: Probe = Probe {
    http_method: "POST",
    query: "m=im&f=sendNotification&code={code}",
    content_type: Some("application/json"),
    ..GET
};

const CHAT: Probe = Probe {
    query: "m=im&f=sendChatMessage&code={code}",
    ..SEND
};

/// The `x.php` battery: non-destructive, and data-independent once the mock holds the target's
/// groups and members.
pub const X_PHP: &[Probe] = &[
    // The web path: no API token in the query.
    Probe {
        name: "page.no_token",
        about: "no token=: the HTML page XXB参数设置不正确。",
        query: "m=im&f=getGroupChats&code={code}",
        sign: Sign::Not,
        compare: Compare::PageMessage,
        ..GET
    },
    Probe {
        name: "page.short_token",
        about: "a token of 31 characters is not an API call",
        query: "m=im&f=getGroupChats&code={code}&token=0000000000000000000000000000000",
        sign: Sign::Not,
        compare: Compare::PageMessage,
        ..GET
    },
    // The entry check, in upstream order.
    Probe {
        name: "entry.no_module",
        about: "no m: {\"error\":\"EMPTY_ENTRY\"}",
        query: "f=getGroupChats&code={code}&token=00000000000000000000000000000000",
        sign: Sign::Not,
        ..GET
    },
    Probe {
        name: "entry.no_method",
        about: "no f: {\"error\":\"EMPTY_ENTRY\"}",
        query: "m=im&code={code}&token=00000000000000000000000000000000",
        sign: Sign::Not,
        ..GET
    },
    Probe {
        name: "entry.no_code",
        about: "no code: {\"error\":\"PARAM_CODE_MISSING\"}",
        query: "m=im&f=getGroupChats&token=00000000000000000000000000000000",
        sign: Sign::Not,
        ..GET
    },
    Probe {
        name: "entry.code_zero",
        about: "code=0 is empty in PHP's sense",
        query: "m=im&f=getGroupChats&code=0&token=00000000000000000000000000000000",
        sign: Sign::Not,
        ..GET
    },
    Probe {
        name: "entry.no_token",
        about: "xtoken= puts the request in API mode, but token is missing",
        query: "m=im&f=getGroupChats&code={code}&xtoken=00000000000000000000000000000000",
        sign: Sign::Not,
        ..GET
    },
    Probe {
        name: "entry.unknown_app",
        about: "no such application: errcode 404, raw UTF-8, in each language",
        query: "m=im&f=getGroupChats&code=xxbMockParityNoSuchApp&token=00000000000000000000000000000000",
        sign: Sign::Not,
        langs: EVERY_LANG,
        ..GET
    },
    Probe {
        name: "entry.code_array",
        about: "code[]= finds no application",
        query: "m=im&f=getGroupChats&code[]={code}&token=00000000000000000000000000000000",
        sign: Sign::Not,
        ..GET
    },
    Probe {
        name: "entry.short_timestamp",
        about: "time=123 is not 10 characters: errcode 407",
        query: "m=im&f=getGroupChats&code={code}&time=123",
        ..GET
    },
    Probe {
        name: "entry.future_timestamp",
        about: "a timestamp starting with 4 or more: errcode 407",
        query: "m=im&f=getGroupChats&code={code}&time=4000000000",
        ..GET
    },
    // Tokens.
    Probe {
        name: "token.invalid",
        about: "a wrong token: errcode 401, in each language",
        query: "m=im&f=getGroupChats&code={code}&token=00000000000000000000000000000000",
        sign: Sign::Not,
        langs: EVERY_LANG,
        ..GET
    },
    Probe {
        name: "token.upper_case",
        about: "the right token in upper case is refused",
        query: "m=im&f=getGroupChats&code={code}",
        sign: Sign::UpperCase,
        ..GET
    },
    Probe {
        name: "token.single_md5",
        about: "md5(query + key), one md5 instead of two, is refused",
        query: "m=im&f=getGroupChats&code={code}",
        sign: Sign::SingleMd5,
        ..GET
    },
    Probe {
        name: "token.docs",
        about: "the token printed in the XXB docs, reused",
        query: "m=im&f=getGroupChats&code={code}&token=f5633c34c0c551a16c1d63bceb38d6a8",
        sign: Sign::Not,
        ..GET
    },
    Probe {
        name: "token.other_method",
        about: "the token of getChatUsers, sent with getGroupChats",
        query: "m=im&f=getGroupChats&code={code}",
        sign: Sign::OfQuery("m=im&f=getChatUsers&code={code}"),
        ..GET
    },
    Probe {
        name: "token.reordered",
        about: "the parameters in another order than signed",
        query: "code={code}&m=im&f=getGroupChats",
        sign: Sign::OfQuery("m=im&f=getGroupChats&code={code}"),
        ..GET
    },
    Probe {
        name: "token.anywhere",
        about: "the token may stand anywhere in the query",
        query: "m=im&token={token}&f=getGroupChats&code={code}",
        sign: Sign::Not,
        ..GET
    },
    // Dispatch.
    Probe {
        name: "route.unknown_method",
        about: "an unknown method: an empty body",
        query: "m=im&f=noSuchMethod&code={code}",
        ..GET
    },
    Probe {
        name: "route.unknown_module",
        about: "an unknown module: an empty body",
        query: "m=nosuchmodule&f=getGroupChats&code={code}",
        ..GET
    },
    Probe {
        name: "route.method_case",
        about: "the method name in lower case",
        query: "m=im&f=getgroupchats&code={code}",
        ..GET
    },
    Probe {
        name: "route.module_case",
        about: "the module name in upper case",
        query: "m=IM&f=getGroupChats&code={code}",
        ..GET
    },
    Probe {
        name: "route.module_array",
        about: "m[]= makes PHP throw: HTTP 500, empty body",
        query: "m[]=im&f=getGroupChats&code={code}&token=00000000000000000000000000000000",
        sign: Sign::Not,
        ..GET
    },
    Probe {
        name: "route.repeated_param",
        about: "a repeated parameter: the last value wins",
        query: "m=im&f=noSuchMethod&f=getGroupChats&code={code}",
        ..GET
    },
    Probe {
        name: "route.trailing_slash",
        about: "/x.php/ is served like /x.php",
        path: "/x.php/",
        query: "m=im&f=getGroupChats&code={code}",
        ..GET
    },
    Probe {
        name: "route.old_api",
        about: "the retired /api.php entry without a code",
        path: "/api.php",
        query: "m=chat&f=getChatGroups",
        sign: Sign::Not,
        ..GET
    },
    Probe {
        name: "http.head",
        about: "HEAD: the headers of a GET, no body",
        http_method: "HEAD",
        query: "m=im&f=getGroupChats&code={code}",
        ..GET
    },
    Probe {
        name: "http.options",
        about: "OPTIONS is served like GET",
        http_method: "OPTIONS",
        query: "m=im&f=getGroupChats&code={code}",
        ..GET
    },
    Probe {
        name: "http.post_lookup",
        about: "a lookup by POST, with a body it ignores",
        http_method: "POST",
        query: "m=im&f=getGroupChats&code={code}",
        content_type: Some("application/json"),
        body: Some("{\"gid\":\"ignored\"}"),
        ..GET
    },
    // The parameter filter (a refused value answers `Bad Request!`).
    Probe {
        name: "filter.one_to_one_gid",
        about: "gid=3&4 (a one-to-one chat's gid) is refused",
        query: "m=im&f=getChatUsers&code={code}&gid=3%264",
        ..GET
    },
    Probe {
        name: "filter.space",
        about: "a space in a value is refused",
        query: "m=im&f=getChatUsers&code={code}&gid=a+b",
        ..GET
    },
    Probe {
        name: "filter.tilde",
        about: "~ in a value is refused",
        query: "m=im&f=getChatUsers&code={code}&gid=a%7Eb",
        ..GET
    },
    Probe {
        name: "filter.colon",
        about: ": in a value is refused",
        query: "m=im&f=getChatUsers&code={code}&gid=a%3Ab",
        ..GET
    },
    Probe {
        name: "filter.at",
        about: "@ in a value is refused",
        query: "m=im&f=getChatUsers&code={code}&gid=a%40b",
        ..GET
    },
    Probe {
        name: "filter.name",
        about: "a parameter name outside [a-zA-Z0-9_.] is refused",
        query: "m=im&f=getChatUsers&code={code}&g-id=x",
        ..GET
    },
    Probe {
        name: "filter.empty_value",
        about: "an empty gid passes the filter: every user in a chat",
        query: "m=im&f=getChatUsers&code={code}&gid=",
        ..GET
    },
    Probe {
        name: "filter.zero",
        about: "gid=0 is empty in PHP's sense",
        query: "m=im&f=getChatUsers&code={code}&gid=0",
        ..GET
    },
    // Lookups, answered from the target's own groups and members.
    Probe {
        name: "lookup.groups",
        about: "getGroupChats, re-encoded by the mock from what the target answered",
        query: "m=im&f=getGroupChats&code={code}",
        ..GET
    },
    Probe {
        name: "lookup.members",
        about: "getChatUsers of the first group",
        query: "m=im&f=getChatUsers&code={code}&gid={gid}",
        needs: Needs::Group,
        ..GET
    },
    Probe {
        name: "lookup.positional",
        about: "the gid taken by position, whatever its name",
        query: "m=im&f=getChatUsers&code={code}&group={gid}",
        needs: Needs::Group,
        ..GET
    },
    Probe {
        name: "lookup.gid_upper_case",
        about: "the gid in upper case (MySQL compares case-insensitively)",
        query: "m=im&f=getChatUsers&code={code}&gid={GID}",
        needs: Needs::Group,
        ..GET
    },
    Probe {
        name: "lookup.everyone",
        about: "getChatUsers without a gid: every user of any chat",
        query: "m=im&f=getChatUsers&code={code}",
        ..GET
    },
    Probe {
        name: "lookup.unknown_gid",
        about: "getChatUsers of an unknown gid: data []",
        query: "m=im&f=getChatUsers&code={code}&gid=xxb-mock-parity-no-such-gid",
        ..GET
    },
    Probe {
        name: "lookup.gid_array",
        about: "gid[]= in getChatUsers",
        query: "m=im&f=getChatUsers&code={code}&gid[]={gid}",
        needs: Needs::Group,
        ..GET
    },
    // sendNotification failures: each check, in order; nothing is stored.
    Probe {
        name: "send.empty",
        about: "sendNotification {}: the user-list error, in each language",
        body: Some("{}"),
        langs: EVERY_LANG,
        ..SEND
    },
    Probe {
        name: "send.old_api_body",
        about: "the old api.php form body data={...}",
        content_type: Some("application/x-www-form-urlencoded"),
        body: Some("data={\"receiver\":\"users\",\"userList\":[\"xxb-mock-parity\"],\"title\":\"t\"}"),
        ..SEND
    },
    Probe {
        name: "send.user_list_key",
        about: "userList instead of users",
        body: Some("{\"userList\":[1],\"title\":\"t\",\"sender\":{\"id\":\"p\"}}"),
        ..SEND
    },
    Probe {
        name: "send.invalid_json",
        about: "a body that is not JSON",
        body: Some("{\"users\":[1],"),
        ..SEND
    },
    Probe {
        name: "send.byte_order_mark",
        about: "a UTF-8 byte-order mark makes the JSON invalid",
        body: Some("\u{feff}{\"users\":[1],\"title\":\"t\"}"),
        ..SEND
    },
    Probe {
        name: "send.multipart",
        about: "multipart/form-data leaves the raw body unread",
        content_type: Some("multipart/form-data; boundary=xxbmock"),
        body: Some("--xxbmock\r\nContent-Disposition: form-data; name=\"users\"\r\n\r\n1\r\n--xxbmock--\r\n"),
        ..SEND
    },
    Probe {
        name: "send.users_empty_list",
        about: "users: [] is empty",
        body: Some("{\"users\":[],\"title\":\"t\",\"sender\":{\"id\":\"p\"}}"),
        ..SEND
    },
    Probe {
        name: "send.users_zero",
        about: "users: \"0\" is empty in PHP's sense",
        body: Some("{\"users\":\"0\",\"title\":\"t\",\"sender\":{\"id\":\"p\"}}"),
        ..SEND
    },
    Probe {
        name: "send.no_sender",
        about: "no sender (the docs call it optional; the server requires it)",
        body: Some("{\"users\":[1],\"title\":\"t\"}"),
        langs: &["", "en"],
        ..SEND
    },
    Probe {
        name: "send.no_title",
        about: "no title",
        body: Some("{\"users\":[1],\"sender\":{\"id\":\"p\"}}"),
        langs: &["", "en"],
        ..SEND
    },
    Probe {
        name: "send.title_zero",
        about: "title \"0\" is empty in PHP's sense",
        body: Some("{\"users\":[1],\"sender\":{\"id\":\"p\"},\"title\":\"0\"}"),
        ..SEND
    },
    // sendChatMessage failures.
    Probe {
        name: "chat.empty",
        about: "sendChatMessage {}: the chat-group error, in each language",
        body: Some("{}"),
        langs: EVERY_LANG,
        ..CHAT
    },
    Probe {
        name: "chat.no_sender",
        about: "a gid but no sender",
        body: Some("{\"gid\":\"xxb-mock-parity-no-such-gid\",\"title\":\"t\"}"),
        langs: &["", "en"],
        ..CHAT
    },
    Probe {
        name: "chat.no_title",
        about: "a gid and a sender but no title",
        body: Some("{\"gid\":\"xxb-mock-parity-no-such-gid\",\"sender\":{\"id\":\"p\"}}"),
        langs: &["", "en"],
        ..CHAT
    },
];

/// With `--allow-writes`: one notification and one chat message, each stored by the target.
pub const WRITES: &[Probe] = &[
    Probe {
        name: "write.notification",
        about: "one notification to --user",
        body: Some("{\"users\":[{user}],\"title\":\"xxb-mock parity\",\"subtitle\":\"a check of the API, please ignore\",\"content\":\"xxb-mock parity: one notification\",\"contentType\":\"text\",\"url\":\"https://example.com/xxb-mock-parity\",\"actions\":[],\"sender\":{\"id\":\"xxb-mock\",\"name\":\"xxb-mock parity\",\"avatar\":\"https://example.com/xxb-mock.png\"}}"),
        needs: Needs::Writes,
        ..SEND
    },
    Probe {
        name: "write.chat_message",
        about: "one chat message to --gid (or the first group of --user)",
        body: Some("{\"gid\":\"{write_gid}\",\"title\":\"xxb-mock parity\",\"subtitle\":\"a check of the API, please ignore\",\"content\":\"xxb-mock parity: one chat message\",\"contentType\":\"text\",\"url\":\"https://example.com/xxb-mock-parity\",\"actions\":[],\"sender\":{\"id\":\"xxb-mock\",\"name\":\"xxb-mock parity\",\"avatar\":\"https://example.com/xxb-mock.png\"}}"),
        needs: Needs::Writes,
        ..CHAT
    },
];

/// The values placeholders stand for.
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub code: String,
    pub key: String,
    pub gid: Option<String>,
    pub user: Option<i64>,
    pub write_gid: Option<String>,
}

/// A probe made concrete for one language: the request both servers get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `entry.unknown_app`, or `entry.unknown_app[en]` for one language of several.
    pub name: String,
    pub http_method: &'static str,
    /// Path and query.
    pub target: String,
    pub lang: Option<&'static str>,
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
}

impl Probe {
    /// The probe's requests (one per language), or why it cannot run against this target.
    pub fn requests(&self, context: &Context) -> Result<Vec<Request>, String> {
        match self.needs {
            Needs::Group if context.gid.is_none() => {
                return Err("the target lists no group chat".into())
            }
            Needs::Writes if context.user.is_none() => {
                return Err("needs --allow-writes --user ID".into())
            }
            _ => {}
        }
        let gid = context.gid.clone().unwrap_or_default();
        let fill = |text: &str, encode: fn(&str) -> String| -> Result<String, String> {
            let mut out = text
                .replace("{code}", &encode(&context.code))
                .replace("{gid}", &encode(&gid))
                .replace("{GID}", &encode(&gid.to_uppercase()));
            if out.contains("{user}") {
                let user = context.user.ok_or("needs --user")?;
                out = out.replace("{user}", &user.to_string());
            }
            if out.contains("{write_gid}") {
                let gid = context
                    .write_gid
                    .as_deref()
                    .ok_or("--user is in no group the target lists; give --gid")?;
                out = out.replace("{write_gid}", &encode(gid));
            }
            Ok(out)
        };
        let in_query = |s: &str| crate::php::query::urlencode(s.as_bytes());
        let in_json = |s: &str| {
            let quoted = serde_json::Value::String(s.to_string()).to_string();
            quoted[1..quoted.len() - 1].to_string()
        };
        let mut query = fill(self.query, in_query)?;
        let signed = |q: &str| self.api.token(self.path, q, &context.key);
        match self.sign {
            Sign::Not => {}
            Sign::Valid => query = format!("{query}&token={}", signed(&query)),
            Sign::UpperCase => query = format!("{query}&token={}", signed(&query).to_uppercase()),
            Sign::SingleMd5 => {
                let single = self.api.single_md5(self.path, &query, &context.key);
                query = format!("{query}&token={single}");
            }
            Sign::OfQuery(other) => {
                let other = fill(other, in_query)?;
                query = format!("{query}&token={}", signed(&other));
            }
            Sign::XPhpToken(other) => {
                let other = fill(other, in_query)?;
                let token = Api::XPhp.token("/x.php", &other, &context.key);
                query = format!("{query}&token={token}");
            }
        }
        if query.contains("{token}") {
            let token = signed(&query.replace("token={token}", ""));
            query = query.replace("{token}", &token);
        }
        let body = match self.body {
            Some(body) => fill(body, in_json)?.into_bytes(),
            None => Vec::new(),
        };
        Ok(self
            .langs
            .iter()
            .map(|lang| Request {
                name: if self.langs.len() > 1 {
                    format!(
                        "{}[{}]",
                        self.name,
                        if lang.is_empty() { "default" } else { lang }
                    )
                } else {
                    self.name.to_string()
                },
                http_method: self.http_method,
                target: format!("{}?{query}", self.path),
                lang: Some(*lang).filter(|l| !l.is_empty()),
                content_type: self.content_type,
                body: body.clone(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn context() -> Context {
        Context {
            code: "myAppCode".into(),
            key: "3cd0914d656e90ab181f1d52ff352cfe".into(),
            gid: Some("30683aea-7a1f-4ec8-a6d6-834e0310fd7d".into()),
            user: None,
            write_gid: None,
        }
    }

    fn request(name: &str) -> Request {
        X_PHP
            .iter()
            .flat_map(|p| p.requests(&context()).unwrap())
            .find(|r| r.name == name)
            .unwrap()
    }

    #[test]
    fn names_are_unique_and_the_battery_is_non_destructive() {
        let mut names = HashSet::new();
        for probe in X_PHP.iter().chain(WRITES) {
            assert!(names.insert(probe.name), "{} twice", probe.name);
        }
        assert!(X_PHP.iter().all(|p| p.needs != Needs::Writes));
        assert!(WRITES.iter().all(|p| p.needs == Needs::Writes));
    }

    #[test]
    fn tokens_are_the_documented_ones() {
        // SPEC §1.2's vector: m=im&f=getGroupChats&code=myAppCode with the docs' key.
        assert_eq!(
            request("lookup.groups").target,
            "/x.php?m=im&f=getGroupChats&code=myAppCode&token=07a22de5b9c287eaaf5c04320fe48aba"
        );
        assert_eq!(
            request("token.upper_case").target,
            "/x.php?m=im&f=getGroupChats&code=myAppCode&token=07A22DE5B9C287EAAF5C04320FE48ABA"
        );
        assert_eq!(
            request("token.anywhere").target,
            "/x.php?m=im&token=07a22de5b9c287eaaf5c04320fe48aba&f=getGroupChats&code=myAppCode"
        );
        let single = format!(
            "{:x}",
            md5::compute("m=im&f=getGroupChats&code=myAppCode3cd0914d656e90ab181f1d52ff352cfe")
        );
        assert!(request("token.single_md5").target.ends_with(&single));
    }

    #[test]
    fn languages_make_one_request_each() {
        let requests = X_PHP
            .iter()
            .find(|p| p.name == "entry.unknown_app")
            .unwrap()
            .requests(&context())
            .unwrap();
        let langs: Vec<_> = requests.iter().map(|r| r.lang).collect();
        assert_eq!(
            langs,
            [
                None,
                Some("zh-cn"),
                Some("zh-tw"),
                Some("en"),
                Some("de"),
                Some("fr")
            ]
        );
        assert_eq!(requests[3].name, "entry.unknown_app[en]");
    }

    #[test]
    fn what_a_probe_needs_is_said() {
        let no_group = Context {
            gid: None,
            ..context()
        };
        let members = X_PHP.iter().find(|p| p.name == "lookup.members").unwrap();
        assert_eq!(
            members.requests(&no_group).unwrap_err(),
            "the target lists no group chat"
        );
        assert!(WRITES[0].requests(&context()).is_err());
        let writes = Context {
            user: Some(3),
            write_gid: Some("g\"1".into()),
            ..context()
        };
        let chat = WRITES[1].requests(&writes).unwrap();
        assert!(String::from_utf8_lossy(&chat[0].body).contains(r#""gid":"g\"1""#));
        assert!(
            String::from_utf8_lossy(&WRITES[0].requests(&writes).unwrap()[0].body)
                .contains(r#""users":[3]"#)
        );
    }
}
