//! The direct API's decision, from request to answer, in the daemon's assumed order: the path (one
//! of the four operations), the HTTP method, the application's authentication (`code`, `token`, the
//! application, its key, its IP allow-list, the signature, the bound account), then the operation.
//!
//! Like `xxb::decide`, a pure function of the request, the directory and the mode, returning the
//! same [`Decision`]: the reply, and what the store is to write (the journal entry, marked `xxd`,
//! and the message of an accepted send). Every assumption the answer rests on is collected on the
//! way and journaled as one `unverified_answer` finding.

use super::answers::Answer;
use super::operation::Operation;
use super::request::XxdRequest;
use super::{lookups, sends, signature, Assumption};
use crate::config::{Emulation, ValidationMode};
use crate::domain::journal::Decided;
use crate::domain::{Account, App, AppCode, Directory, Finding, NewMessage};
use crate::faults::Respond;
use crate::mysql::Charset;
use crate::xxb::decide::{Decision, Reply};
use crate::xxb::findings;
use crate::xxb::ip::{self, AddressSource, CallerAddress};
use crate::xxb::lang::{EntryError, Lang};
use std::collections::BTreeSet;

/// What an operation needs while it runs.
pub struct Context<'a> {
    pub req: &'a XxdRequest,
    /// The authenticated application.
    pub app_code: AppCode,
    pub mode: ValidationMode,
    /// The character set of the tables the daemon shares with the XXB server.
    pub charset: Charset,
    pub findings: &'a mut Vec<Finding>,
    /// The assumptions the answer rests on so far.
    pub assumed: &'a mut BTreeSet<Assumption>,
}

/// What an operation decided.
pub struct Verdict {
    pub answer: Answer,
    pub message: Option<NewMessage>,
}

impl Verdict {
    fn only(answer: Answer) -> Self {
        Verdict {
            answer,
            message: None,
        }
    }
}

/// Decides `req` against `directory`, for the emulated server `emulation` (its validation mode,
/// the character set of the tables it shares; the base path is `/x.php`'s alone). An injected
/// `fault` replaces the answer (nothing is stored); a delay is only noted here (whoever serves the
/// request waits).
pub fn decide(
    req: &XxdRequest,
    directory: &Directory,
    emulation: &Emulation,
    fault: Option<&Respond>,
) -> Decision {
    let mut findings: Vec<Finding> = fault.map(findings::fault_injected).into_iter().collect();
    let mut assumed = BTreeSet::new();
    let (answer, message) = match fault {
        Some(Respond::Drop { .. }) => (None, None),
        Some(Respond::Body { body }) => (
            Some(Answer::Armed {
                status: 200,
                body: Some(body.clone()),
            }),
            None,
        ),
        Some(Respond::Status { status, body }) => (
            Some(Answer::Armed {
                status: *status,
                body: body.clone(),
            }),
            None,
        ),
        Some(Respond::Delay { .. }) | None => {
            let verdict = emulate(req, directory, emulation, &mut findings, &mut assumed);
            (Some(verdict.answer), verdict.message)
        }
    };
    if !assumed.is_empty() {
        let assumed: Vec<Assumption> = assumed.into_iter().collect();
        findings.push(findings::unverified_answer(&assumed));
    }
    let (reply, outcome) = match &answer {
        Some(answer) => (
            Reply::Http {
                status: answer.status(),
                headers: answer.headers(),
                body: answer.body(),
            },
            answer.outcome(),
        ),
        None => (Reply::Drop, crate::domain::Outcome::Rejected),
    };
    let decided = Decided {
        app: req.query.text("code").filter(|c| !c.is_empty()),
        method: Some(req.segment.clone()),
        // The daemon answers in English whatever the client asks (assumed).
        lang: Lang::En.code().to_string(),
        outcome,
        findings,
    };
    Decision::new(&req.arrival, reply, decided, message, None)
}

/// What the daemon is assumed to do, with the findings that explain it.
fn emulate(
    req: &XxdRequest,
    directory: &Directory,
    emulation: &Emulation,
    findings: &mut Vec<Finding>,
    assumed: &mut BTreeSet<Assumption>,
) -> Verdict {
    let Some(operation) = Operation::named(&req.segment) else {
        assumed.insert(Assumption::UnknownPath);
        findings.push(findings::unknown_operation(
            &req.segment,
            nearest_operation(&req.segment),
        ));
        return Verdict::only(Answer::NotFound);
    };
    let method = req.arrival.http_method.as_str();
    let lookup = !operation.sends();
    if method != operation.http_method() && !(lookup && method == "HEAD") {
        assumed.insert(Assumption::HttpMethod);
        findings.push(findings::wrong_http_method(
            &operation.path(),
            method,
            operation.http_method(),
        ));
        let allow = if lookup { "GET, HEAD" } else { "POST" };
        return Verdict::only(Answer::MethodNotAllowed { allow });
    }
    assumed.insert(Assumption::Status);
    assumed.insert(Assumption::Encoding);
    if req.query.has("m") || req.query.has("f") {
        findings.push(findings::x_php_query(&req.arrival.path));
    }
    if !req.query.dropped.is_empty() || has_repeated_names(req) {
        assumed.insert(Assumption::Query);
    }
    let charset = emulation.charset;
    let app = match authenticate(req, directory, charset, operation, findings, assumed) {
        Ok(app) => app,
        Err(refusal) => {
            assumed.insert(Assumption::Checks);
            assumed.insert(Assumption::Messages);
            return Verdict::only(Answer::Fail(refusal));
        }
    };

    let mut cx = Context {
        req,
        app_code: app.code.clone(),
        mode: emulation.validation,
        charset,
        findings,
        assumed,
    };
    match operation {
        Operation::GetChatGroups => Verdict::only(lookups::get_chat_groups(&mut cx, directory)),
        Operation::GetChatUsers => Verdict::only(lookups::get_chat_users(&mut cx, directory)),
        Operation::SendNotification | Operation::SendChatMessage => {
            sends::send(&mut cx, directory, operation)
        }
    }
}

/// The application's authentication, in the assumed order; `Err` is the refusal's text (its
/// finding journaled).
fn authenticate(
    req: &XxdRequest,
    directory: &Directory,
    charset: Charset,
    operation: Operation,
    findings: &mut Vec<Finding>,
    assumed: &mut BTreeSet<Assumption>,
) -> Result<App, String> {
    let mut refuse = |finding: Finding, message: &str| {
        findings.push(finding);
        Err(message.to_string())
    };
    let en = |error: EntryError| error.message(Lang::En);
    let code = req.query.text("code").unwrap_or_default();
    if code.is_empty() {
        return refuse(
            findings::xxd_missing_parameter("code"),
            "Missing parameter: code.",
        );
    }
    let token = req.query.text("token").unwrap_or_default();
    if token.is_empty() {
        return refuse(
            findings::xxd_missing_parameter("token"),
            "Missing parameter: token.",
        );
    }
    // The applications' table is the XXB server's: its codes compare under its collation.
    let Some(app) = directory.app(&AppCode::sought(&code, charset)).cloned() else {
        return refuse(findings::unknown_app(&code), en(EntryError::EmptyEntry));
    };
    let Some(key) = app.key.clone() else {
        return refuse(findings::app_without_key(&code), en(EntryError::EmptyKey));
    };
    let caller = CallerAddress {
        ip: req.arrival.client_ip.clone(),
        source: AddressSource::Connection,
    };
    if app.ip.trim() != "*" {
        assumed.insert(Assumption::CallerAddress);
    }
    if !ip::allows(&app.ip, &caller.ip) {
        return refuse(findings::ip_denied(&app, &caller), en(EntryError::IpDenied));
    }
    let signed = signature::signed_text(&req.arrival.path, &req.query);
    let expected = signature::token(&signed, &key);
    if token != expected {
        if token.eq_ignore_ascii_case(&expected) {
            assumed.insert(Assumption::Query);
        }
        let other = signature::x_php_formula(&req.arrival.query, Some(operation), &token, &key);
        let refusal = refuse(
            findings::xxd_invalid_token(&token, &signed),
            en(EntryError::InvalidToken),
        );
        if let Some(other) = other {
            findings.push(findings::other_api_signature(true, &signed, &other));
        }
        return refusal;
    }
    let Some(account) = app.account.clone().filter(|a| !a.is_empty()) else {
        return refuse(
            findings::account_unbound(&app.code),
            en(EntryError::AccountUnbound),
        );
    };
    match directory.user_by_account(&Account::sought(&account, charset)) {
        Some(user) if !user.deleted => Ok(app),
        found => refuse(
            findings::invalid_account(&app.code, &account, found.is_some()),
            en(EntryError::InvalidAccount),
        ),
    }
}

/// Whether a parameter is given more than once (the daemon reads the first).
fn has_repeated_names(req: &XxdRequest) -> bool {
    let pairs = req.query.pairs();
    pairs
        .iter()
        .enumerate()
        .any(|(i, (name, _))| pairs[..i].iter().any(|(n, _)| n == name))
}

/// The operation a wrong name probably meant: `/x.php`'s name of it, or a near spelling.
fn nearest_operation(segment: &str) -> Option<&'static str> {
    let lower = segment.to_ascii_lowercase();
    Operation::ALL
        .into_iter()
        .find(|op| op.x_php_method().eq_ignore_ascii_case(segment))
        .map(Operation::name)
        .or_else(|| {
            let names = Operation::ALL.map(|op| op.name().to_ascii_lowercase());
            let near = crate::suggest::closest(
                &lower,
                names.iter().map(String::as_str),
                crate::suggest::tolerance(segment),
            )?;
            Operation::ALL
                .into_iter()
                .find(|op| op.name().eq_ignore_ascii_case(near))
                .map(Operation::name)
        })
}

#[cfg(test)]
mod tests {
    use super::nearest_operation;

    #[test]
    fn a_wrong_name_points_at_the_operation() {
        assert_eq!(nearest_operation("getGroupChats"), Some("getChatGroups"));
        assert_eq!(nearest_operation("getchatusers"), Some("getChatUsers"));
        assert_eq!(
            nearest_operation("sendNotifcation"),
            Some("sendNotification")
        );
        assert_eq!(nearest_operation("status"), None);
    }
}
