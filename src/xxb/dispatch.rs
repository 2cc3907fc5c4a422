//! The emulated API from request to answer: API-mode detection, the entry check, the method
//! lookup, the parameter filter, the method, and the journal entry, in the real server's order.
//! It runs as one store job, so what a request reads, writes and journals is one atomic unit.

use super::answer::{self, Answer};
use super::entry;
use super::findings;
use super::methods::{self, Call, Decision, Method};
use super::params;
use super::request::{ApiRequest, EntryPoint};
use super::token;
use crate::config::ValidationMode;
use crate::domain::{Finding, JournalRecord, Outcome};
use crate::faults::Respond;
use crate::php;
use crate::store::{StoreError, Tx};
use time::format_description::well_known::Rfc3339;

/// The most bytes of a request body the journal keeps.
pub const JOURNAL_BODY_CAP: usize = 64 * 1024;

/// What the HTTP layer sends back, and where the request landed in the journal.
#[derive(Clone, Debug)]
pub struct Handled {
    /// The HTTP status; 0 when the connection is to be dropped without an answer.
    pub status: u16,
    pub body: Vec<u8>,
    pub journal_seq: i64,
    pub notification_seq: Option<i64>,
}

/// Answers `req` and journals it. An injected `fault` replaces the answer (nothing is stored) or,
/// for a delay, is only noted.
pub fn handle(
    req: &ApiRequest,
    mode: ValidationMode,
    fault: Option<&Respond>,
    tx: &Tx,
) -> Result<Handled, StoreError> {
    let mut findings = Vec::new();
    let (status, body, outcome, message, app, method) = match fault {
        Some(Respond::Delay { .. }) | None => {
            if let Some(fault) = fault {
                findings.push(findings::fault_injected(fault));
            }
            let (answer, message, app, method) = decide(req, mode, tx, &mut findings)?;
            (
                answer::STATUS,
                answer.body(req.lang),
                answer.outcome(),
                message,
                app,
                method,
            )
        }
        Some(fault) => {
            findings.push(findings::fault_injected(fault));
            let (status, body) = match fault {
                Respond::Body { body } => (answer::STATUS, php::json::encode(body).into_bytes()),
                Respond::Status { status, body } => (
                    *status,
                    body.as_ref()
                        .map(|b| php::json::encode(b).into_bytes())
                        .unwrap_or_default(),
                ),
                _ => (0, Vec::new()),
            };
            (
                status,
                body,
                Outcome::Rejected,
                None,
                req.param_text("code"),
                req.param_text("f"),
            )
        }
    };
    let received_at = req.received_at.format(&Rfc3339).unwrap_or_default();
    let kept = req.body.len().min(JOURNAL_BODY_CAP);
    let record = JournalRecord {
        received_at: received_at.clone(),
        http_method: req.http_method.clone(),
        path: req.entry_point.path().to_string(),
        query: req.raw_query.clone(),
        app,
        method,
        lang: req.lang.code().to_string(),
        client_ip: req.caller.ip.clone(),
        body: req.body[..kept].to_vec(),
        body_size: req.body_size,
        body_truncated: req.body_size > kept,
        status,
        response: body.clone(),
        outcome,
        findings,
        duration_us: u64::try_from(req.started.elapsed().as_micros()).unwrap_or(u64::MAX),
    };
    let journal_seq = tx.insert_journal(&record)?;
    // Runs without a savepoint (`Store::run_append`): a failed message undoes its journal entry.
    let notification_seq = match message {
        Some(message) => match tx.insert_message(&message, journal_seq, &received_at) {
            Ok(seq) => Some(seq),
            Err(e) => {
                tx.delete_journal_entry(journal_seq)?;
                return Err(e);
            }
        },
        None => None,
    };
    Ok(Handled {
        status,
        body,
        journal_seq,
        notification_seq,
    })
}

type Decided = (
    Answer,
    Option<crate::domain::NewMessage>,
    Option<String>,
    Option<String>,
);

fn decide(
    req: &ApiRequest,
    mode: ValidationMode,
    tx: &Tx,
    findings: &mut Vec<Finding>,
) -> Result<Decided, StoreError> {
    let app = req.param_text("code").filter(|c| !c.is_empty());
    let method_name = req.param_text("f");
    let done = |answer: Answer| Ok((answer, None, app.clone(), method_name.clone()));

    if req.entry_point == EntryPoint::XPhp && !token::is_api_call(req.raw_query.as_bytes()) {
        findings.push(findings::not_an_api_call());
        return done(Answer::WebPage);
    }
    let entered = match entry::check(req, tx, findings)? {
        Ok(entered) => entered,
        Err(refusal) => return done(refusal),
    };
    if req.entry_point == EntryPoint::ApiPhp {
        // The retired entry: ZenTao's own API answers an unknown module with an empty body.
        findings.push(findings::old_api());
        return done(Answer::Empty);
    }
    let Some(method) = Method::find(entered.module.as_deref(), entered.method.as_deref()) else {
        findings.push(findings::unknown_method(
            entered.module.as_deref(),
            entered.method.as_deref(),
        ));
        return done(Answer::Empty);
    };
    let positional = match params::filter(&entered.params) {
        Ok(positional) => positional,
        Err(refused) => {
            findings.push(findings::param_refused(&refused));
            return done(Answer::BadRequest);
        }
    };
    let call = Call {
        req,
        entered: &entered,
        positional: &positional,
        mode,
        findings,
    };
    let Decision { answer, message } = methods::run(method, call, tx)?;
    Ok((answer, message, app, method_name))
}
