//! The catalogue of findings: every diagnostic the emulated API attaches to a journal entry, with its
//! stable code, its message and a hint on how to fix it. The codes are documented in the README.
//! Findings never reach the emulated answer.

use super::ip::{AddressSource, CallerAddress};
use super::params::{RefusalReason, Refused};
use super::request::ApiRequest;
use super::token;
use crate::domain::{App, Finding};
use crate::faults::Respond;
use crate::php::query::urlencode;

/// The token printed in the XXB docs for every example URL.
pub const DOCS_TOKEN: &str = "f5633c34c0c551a16c1d63bceb38d6a8";

/// The four methods, for naming what a reused token really signs.
const METHODS: [&str; 4] = [
    "getGroupChats",
    "getChatUsers",
    "sendNotification",
    "sendChatMessage",
];

pub fn not_an_api_call() -> Finding {
    Finding::error(
        "not_api_call",
        "The query has no `token=` followed by 32 letters or digits, so the server took its web path and answered an HTML page.",
        "Add `&token=<32 hex characters>` to the query (see `xxb-mock sign`).",
    )
}

pub fn missing_route() -> Finding {
    Finding::error(
        "missing_module_or_method",
        "The query lacks `m` or `f`; the server answers {\"error\":\"EMPTY_ENTRY\"}.",
        "Call /x.php?m=im&f=<method>&code=<app code>&token=<token>.",
    )
}

pub fn missing_code() -> Finding {
    Finding::error(
        "missing_code",
        "The query has no application `code` (missing, empty or \"0\").",
        "Add `&code=<your application's code>` before signing.",
    )
}

pub fn missing_token() -> Finding {
    Finding::error(
        "missing_token",
        "The query has no `token` parameter (another parameter matched the token pattern, so the server treated it as an API call).",
        "Add `&token=<token>`; the parameter must be called exactly `token`.",
    )
}

pub fn unknown_app(code: &str) -> Finding {
    Finding::error(
        "unknown_app",
        format!("No application has the code {code:?}."),
        "Use a code from the fixtures' apps.json (GET /__inspect/state lists them); codes are case-sensitive.",
    )
}

pub fn app_without_key(code: &str) -> Finding {
    Finding::error(
        "app_without_key",
        format!("The application {code:?} has no secret key, so the server refuses every call it makes."),
        "Give the application a key in apps.json (the XXB admin page generates one).",
    )
}

pub fn forwarded_address(caller: &CallerAddress) -> Finding {
    let header = match caller.source {
        AddressSource::ClientIp => "Client-IP",
        _ => "X-Forwarded-For",
    };
    Finding::warning(
        "forwarded_address",
        format!("The caller's address {:?} was taken from the {header} header, which any client can set.", caller.ip),
        "Behind a proxy this is expected; otherwise do not rely on it to pass an IP allow-list.",
    )
}

pub fn ip_denied(app: &App, caller: &CallerAddress) -> Finding {
    Finding::error(
        "ip_denied",
        format!(
            "The address {:?} is not in the application {:?}'s allow-list {:?}.",
            caller.ip, app.code, app.ip
        ),
        "Call from an allowed address, or change `ip` in apps.json (`*` allows everyone).",
    )
}

pub fn bad_timestamp(time: &[u8]) -> Finding {
    Finding::error(
        "bad_timestamp",
        format!(
            "The `time` parameter {:?} is not a 10-digit Unix timestamp below 4000000000; the server checks it before the token.",
            String::from_utf8_lossy(time)
        ),
        "Send `time` as the current Unix time in seconds, or leave it out.",
    )
}

pub fn reused_time(stamp: &str, last: i64) -> Finding {
    Finding::error(
        "time_reused",
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
            .raw_query
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
    Finding::error("invalid_token", message, hint)
}

pub fn account_unbound(code: &str) -> Finding {
    Finding::error(
        "account_unbound",
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
    Finding::error(
        "invalid_account",
        format!("The application {code:?} is bound to the account {account:?}, which {why}."),
        "Bind the application to an existing, active user in apps.json.",
    )
}

pub fn old_api() -> Finding {
    Finding::error(
        "old_api",
        "/api.php is the retired XXB integration entry (chat/getChatGroups, chat/getChatUsers, chat/notifyMSG); the current server answers it with an empty body.",
        "Call /x.php?m=im&f=getGroupChats|getChatUsers|sendNotification|sendChatMessage instead; see the README's quick tour.",
    )
}

pub fn unknown_method(module: Option<&str>, method: Option<&str>) -> Finding {
    Finding::error(
        "unknown_method",
        format!(
            "There is no method m={:?} f={:?}; the server answers an empty body.",
            module.unwrap_or("<array>"),
            method.unwrap_or("<array>")
        ),
        "Use m=im with f=getGroupChats, getChatUsers, sendNotification or sendChatMessage (names are case-sensitive).",
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
    Finding::error(
        "param_refused",
        format!("{what}, so the server answers `Bad Request!`."),
        "Pass such values in the JSON body where the method allows it; a one-to-one gid like `3&4` cannot be passed in the query.",
    )
}

pub fn positional_param(name: &str) -> Finding {
    Finding::warning(
        "positional_param",
        format!("The first parameter is called {name:?}, not `gid`; the server takes method parameters by position, so its value was used as the gid."),
        "Call the parameter `gid` and put it first after m, f, code and token.",
    )
}

pub fn body_discarded(size: usize) -> Finding {
    Finding::error(
        "body_too_large",
        format!("The body is {size} bytes, over PHP's post_max_size (8 MiB); the server discards it and sees an empty body."),
        "Send a smaller notification; link to large content with `url` instead.",
    )
}

pub fn body_not_object(body: &[u8]) -> Finding {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
    let old_api =
        text.starts_with("data=") || text.contains("userList") || text.contains("receiver");
    if old_api {
        return Finding::error(
            "old_api_body",
            "The body is in the retired api.php format (form field `data=`, `userList`, `receiver`); the server reads the raw body as JSON and finds no `users`.",
            r#"Send the JSON object itself as the body: {"users":[1,3],"title":"...","sender":{"id":"bot","name":"Bot","avatar":"https://..."},"contentType":"text","content":"..."}."#,
        );
    }
    Finding::error(
        "body_not_json_object",
        format!("The body is not a JSON object (it starts {text:?}), so the server finds no fields at all."),
        "Send the notification as a raw JSON object body; the Content-Type header does not matter.",
    )
}

pub fn missing_field(field: &str) -> Finding {
    let hint = match field {
        "users" => "Give `users` as a non-empty array of user ids or of accounts.",
        "gid" => "Give the gid of the chat to post to (GET getGroupChats lists them).",
        "sender" => "The docs call `sender` optional, but the server requires it: send {\"id\":...,\"name\":...,\"avatar\":...}.",
        _ => "Give a non-empty string `title` (\"0\" counts as empty).",
    };
    Finding::error(
        &format!("missing_{field}"),
        format!("`{field}` is missing or empty (PHP empty(): null, false, 0, \"\", \"0\" and [] are empty)."),
        hint,
    )
}

pub fn everyone_notified(reason: &str) -> Finding {
    Finding::warning(
        "everyone_notified",
        format!("{reason} The real server then delivers the message to every user who is not deleted."),
        "Name the recipients explicitly (an array of ids or accounts), or post to an existing group.",
    )
}

pub fn no_recipients() -> Finding {
    Finding::warning(
        "no_recipients",
        "No user matched `users`, so the notification reached nobody; the server still answered success.",
        "Check the ids or accounts against GET /__inspect/state.",
    )
}

pub fn deleted_recipients(accounts: &[String]) -> Finding {
    Finding::warning(
        "deleted_recipient",
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
    Finding::warning(
        "fault_injected",
        format!("A fault armed through /__inspect/faults applied: the call was {what}."),
        "DELETE /__inspect/faults clears armed faults.",
    )
}
