//! The emulated API's decision, from request to answer, in the real server's order: the path (a
//! path that runs no script is the web server's 404), API-mode detection, application
//! authentication, the router's reading of `m` and `f` (a query array is a PHP fatal error, names
//! match without regard to case), the parameter filter, the method.
//!
//! It is a pure function of the request, the directory and the mode: it reads and writes nothing
//! else. What the request is to leave behind (its journal entry, the message of an accepted send, an
//! application's moved clock) is part of the decision, for the store to commit as one unit.

use super::answer::{self, Answer};
use super::auth;
use super::findings;
use super::methods::{self, Call, Method, Verdict};
use super::params;
use super::request::{ApiRequest, EntryPoint};
use super::token;
use super::wrong_path::{self, Meant};
use crate::config::Emulation;
use crate::domain::journal::{Arrival, Decided};
use crate::domain::{Directory, Finding, JournalRecord, NewMessage, Outcome};
use crate::faults::Respond;
use crate::php;
use crate::php::dispatch;
use crate::store::{ClockMove, RequestWrite};
use actix_web::http::header::{HeaderName, HeaderValue};

/// A response header, ready for the wire: written as it is, never parsed again.
pub type Header = (HeaderName, HeaderValue);

/// A header value made at run time. The mock's own values are visible ASCII; one that is not
/// (none is) would be sent empty rather than fail the answer.
pub fn header_value(value: String) -> HeaderValue {
    HeaderValue::try_from(value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// What the client gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// An HTTP answer.
    Http {
        status: u16,
        headers: Vec<Header>,
        body: Vec<u8>,
    },
    /// The connection closed without an answer (an injected fault).
    Drop,
}

impl Reply {
    /// The status and body the client got, for the journal; `None` for a dropped connection.
    pub fn answer(&self) -> Option<(u16, Vec<u8>)> {
        match self {
            Reply::Http { status, body, .. } => Some((*status, body.clone())),
            Reply::Drop => None,
        }
    }
}

/// A decided request: what the client gets and what the store is to write.
#[derive(Clone, Debug)]
pub struct Decision {
    pub reply: Reply,
    pub write: RequestWrite,
}

impl Decision {
    /// The reply to a request, with the writes that record it: its journal entry, and what it
    /// stores (a message, a time-mode clock move).
    pub fn new(
        arrival: &Arrival,
        reply: Reply,
        decided: Decided,
        message: Option<NewMessage>,
        clock: Option<ClockMove>,
    ) -> Decision {
        let journal = JournalRecord::new(arrival, decided, reply.answer());
        Decision {
            reply,
            write: RequestWrite {
                journal,
                message,
                clock,
            },
        }
    }
}

/// Decides `req` against `directory`. An injected `fault` replaces the answer (nothing is stored);
/// a delay is only noted here (whoever serves the request waits).
pub fn decide(
    req: &ApiRequest,
    directory: &Directory,
    emulation: &Emulation,
    fault: Option<&Respond>,
) -> Decision {
    let mut findings: Vec<Finding> = fault.map(findings::fault_injected).into_iter().collect();
    let app = req.param_text("code").filter(|c| !c.is_empty());
    let method = req.method_name();
    let (reply, outcome, message, clock, app) = match fault {
        Some(Respond::Delay { .. }) | None => {
            let decided = emulate(req, directory, emulation, &mut findings);
            let reply = Reply::Http {
                status: decided.answer.status(),
                headers: decided.answer.headers(req.lang, req.arrival.received_at),
                body: decided.answer.body(req.lang),
            };
            (
                reply,
                decided.answer.outcome(),
                decided.message,
                decided.clock,
                app,
            )
        }
        Some(fault) => {
            let reply = match fault {
                Respond::Body { body } => Reply::Http {
                    status: answer::STATUS,
                    headers: answer::headers(req.lang, req.arrival.received_at),
                    body: php::json::encode(body).into_bytes(),
                },
                Respond::Status { status, body } => Reply::Http {
                    status: *status,
                    headers: answer::headers(req.lang, req.arrival.received_at),
                    body: body
                        .as_ref()
                        .map(|b| php::json::encode(b).into_bytes())
                        .unwrap_or_default(),
                },
                Respond::Drop { .. } | Respond::Delay { .. } => Reply::Drop,
            };
            (reply, Outcome::Rejected, None, None, app)
        }
    };
    let decided = Decided {
        app,
        method,
        lang: req.lang.code().to_string(),
        outcome,
        findings,
    };
    Decision::new(&req.arrival, reply, decided, message, clock)
}

/// What the real server would do, with the findings that explain it.
struct Emulated {
    answer: Answer,
    message: Option<NewMessage>,
    clock: Option<ClockMove>,
}

fn emulate(
    req: &ApiRequest,
    directory: &Directory,
    emulation: &Emulation,
    findings: &mut Vec<Finding>,
) -> Emulated {
    let only = |answer: Answer| Emulated {
        answer,
        message: None,
        clock: None,
    };
    if req.entry_point == EntryPoint::Unrouted {
        let meant = wrong_path::meant(&req.arrival.path, emulation.base_path.as_ref());
        findings.push(findings::wrong_path(
            &req.arrival.path,
            &req.arrival.query,
            &meant,
        ));
        return only(match meant {
            Meant::Root => Answer::ToPage,
            _ => Answer::NotFound,
        });
    }
    if req.entry_point == EntryPoint::XPhp && !token::is_api_call(req.arrival.query.as_bytes()) {
        let token = req.params.get("token").and_then(|t| t.as_bytes());
        findings.push(findings::not_an_api_call(token));
        return only(Answer::WebPage);
    }
    let auth = match auth::check(req, directory, emulation.charset, findings) {
        Ok(auth) => auth,
        Err(refusal) => return only(refusal),
    };
    // From here on the call is authenticated: a time-mode clock moves whatever it answers.
    let clock = auth.clock.clone();
    let moved = |answer: Answer| Emulated {
        answer,
        message: None,
        clock: clock.clone(),
    };
    if req.entry_point == EntryPoint::ApiPhp {
        // The retired entry: ZenTao's own API answers an unknown module with an empty body.
        findings.push(findings::old_api());
        return moved(Answer::Empty);
    }
    // The router reads `m` and `f` as strings: a query array makes PHP throw (observed).
    let route = |name| dispatch::route_param(&req.params, name);
    let (module, method) = match (route("m"), route("f")) {
        (Ok(module), Ok(method)) => (module.unwrap_or_default(), method.unwrap_or_default()),
        (Err(fatal), _) | (_, Err(fatal)) => {
            findings.push(findings::php_fatal(&fatal));
            return moved(Answer::Fatal);
        }
    };
    let Some(method) = Method::find(module, method) else {
        findings.push(findings::unknown_method(module, method));
        return moved(Answer::Empty);
    };
    let positional = match params::filter(&auth.params) {
        Ok(positional) => positional,
        Err(refused) => {
            findings.push(findings::param_refused(&refused));
            return moved(Answer::BadRequest);
        }
    };
    let call = Call {
        req,
        auth: &auth,
        positional: &positional,
        mode: emulation.validation,
        charset: emulation.charset,
        findings,
    };
    let Verdict { answer, message } = methods::run(method, call, directory);
    Emulated {
        answer,
        message,
        clock,
    }
}
