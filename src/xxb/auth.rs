//! Application authentication (the real server's "entry" check), step by step, in its order.
//!
//! `m`/`f` present, `code`, `token`; then the application (exists, has a key, allows the caller's
//! address), time mode, the token, and the bound account. The first failure answers. The first
//! three are answered in the bare `{"error":...}` form, the rest in the `errcode` form. It reads
//! the directory and writes nothing: a time-mode call that passes says how the application's clock
//! moves, and the commit moves it.
//!
//! Deliberate: the application `code` and the bound account are looked up as MariaDB compares them
//! (`utf8_general_ci`, PAD SPACE), so `code=MYAPPCODE` finds `myAppCode`; the token is still
//! computed over the code as sent. `code[]=...` is an array, whose text PHP reads as nothing: no
//! application (observed: errcode 404).

use super::answer::Answer;
use super::findings;
use super::ip::{self, AddressSource};
use super::lang::EntryError;
use super::request::ApiRequest;
use super::token;
use crate::domain::{Account, App, AppCode, Directory, Finding};
use crate::mysql::Charset;
use crate::php::query::{PhpArray, QueryValue};
use crate::php::value::{is_numeric_str, loose_eq};
use crate::store::ClockMove;
use crate::xxd::signature::xxd_formula;

/// A request whose application is authenticated.
#[derive(Debug)]
pub struct Authenticated<'d> {
    /// As the directory holds it.
    pub app: &'d App,
    /// `$_GET` without `code`, `token`, `m`, `f`, `t` (and an accepted `time`).
    pub params: PhpArray,
    /// For a time-mode call: the application's clock moved to its timestamp.
    pub clock: Option<ClockMove>,
}

/// Authenticates the application; `Err` is the refusal the real server answers.
pub fn check<'d>(
    req: &ApiRequest,
    directory: &'d Directory,
    charset: Charset,
    findings: &mut Vec<Finding>,
) -> Result<Authenticated<'d>, Answer> {
    let params = &req.params;
    if params.get("m").is_none() || params.get("f").is_none() {
        findings.push(findings::missing_route());
        return Err(Answer::Bare("EMPTY_ENTRY"));
    }
    if !params.get("code").is_some_and(QueryValue::is_truthy) {
        findings.push(findings::missing_code());
        return Err(Answer::Bare("PARAM_CODE_MISSING"));
    }
    let Some(token) = params.get("token").filter(|t| t.is_truthy()) else {
        findings.push(findings::missing_token());
        return Err(Answer::Bare("PARAM_TOKEN_MISSING"));
    };
    let refuse = |findings: &mut Vec<Finding>, error: EntryError, finding: Finding| {
        findings.push(finding);
        Err(Answer::Entry(error))
    };

    let code = text(params.get("code"));
    let Some(app) = directory.app(&AppCode::sought(&code, charset)) else {
        return refuse(
            findings,
            EntryError::EmptyEntry,
            findings::unknown_app(&code),
        );
    };
    let Some(key) = app.key.as_deref() else {
        return refuse(
            findings,
            EntryError::EmptyKey,
            findings::app_without_key(&code),
        );
    };
    if req.caller.source != AddressSource::Connection {
        findings.push(findings::forwarded_address(&req.caller));
    }
    if !ip::allows(&app.ip, &req.caller.ip) {
        return refuse(
            findings,
            EntryError::IpDenied,
            findings::ip_denied(app, &req.caller),
        );
    }

    let token = text(Some(token));
    let mut remaining = params.clone();
    let mut clock = None;
    if let Some(time) = params.get("time") {
        let time = time.as_bytes().unwrap_or_default();
        let stamp = &time[..time.len().min(10)];
        if stamp.len() != 10 || stamp[0] >= b'4' {
            return refuse(
                findings,
                EntryError::ErrorTimestamp,
                findings::bad_timestamp(time),
            );
        }
        if loose_eq(&token, &token::time_token(code.as_bytes(), key, time)) {
            let stamp = String::from_utf8_lossy(stamp).into_owned();
            if !after_called_time(&stamp, app.called_time) {
                return refuse(
                    findings,
                    EntryError::CalledTime,
                    findings::reused_time(&stamp, app.called_time),
                );
            }
            clock = Some(ClockMove {
                app: app.code.clone(),
                from: app.called_time,
                to: crate::mysql::to_number(&stamp) as i64,
            });
            remaining.remove("time");
        }
    }
    if clock.is_none() {
        let signed = &req.signed_query;
        if !loose_eq(&token, &token::keyed_token(&req.signed_query_md5, key)) {
            let finding = findings::invalid_token(req, &token, signed, key);
            // A client that signs with the direct API's formula learns so.
            let f = text(params.get("f"));
            let script = req.arrival.path.as_str();
            if let Some(other) = xxd_formula(script, &req.arrival.query, Some(&f), &token, key) {
                findings.push(findings::other_api_signature(false, signed, &other));
            }
            return refuse(findings, EntryError::InvalidToken, finding);
        }
    }

    let Some(account) = app.account.as_ref().filter(|a| !a.is_empty()) else {
        return refuse(
            findings,
            EntryError::AccountUnbound,
            findings::account_unbound(&app.code),
        );
    };
    match directory.user_by_account(&Account::sought(account, charset)) {
        Some(user) if !user.deleted => {}
        found => {
            let deleted = found.is_some();
            return refuse(
                findings,
                EntryError::InvalidAccount,
                findings::invalid_account(&app.code, account, deleted),
            );
        }
    }

    for name in super::params::ROUTING_NAMES {
        remaining.remove(name);
    }
    Ok(Authenticated {
        app,
        params: remaining,
        clock,
    })
}

fn text(value: Option<&QueryValue>) -> String {
    value
        .and_then(QueryValue::as_bytes)
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default()
}

/// PHP's `$timestamp <= $calledTime` negated: a numeric timestamp compares as a number, any other
/// as a string against the number's decimal form.
fn after_called_time(stamp: &str, called_time: i64) -> bool {
    if is_numeric_str(stamp) {
        stamp
            .trim()
            .parse::<f64>()
            .map(|t| t > called_time as f64)
            .unwrap_or(false)
    } else {
        stamp > called_time.to_string().as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::after_called_time;

    #[test]
    fn called_time_comparison_follows_php() {
        assert!(after_called_time("1700000001", 1700000000));
        assert!(!after_called_time("1700000000", 1700000000));
        assert!(!after_called_time("0000000000", 0));
        assert!(after_called_time("0000000001", 0));
        // Not numeric: compared as strings with "0".
        assert!(after_called_time("1abcdefghi", 0));
    }
}
