//! Why a wait for notifications came up short, as one value: `/__inspect/wait` answers it as JSON
//! with its 408, and `MockServer::wait_for` fails with it, printed as text. Both come from
//! `Emulator::explain_wait`, so they always say the same thing.

use super::{Api, Finding, JournalEntry, Notification, Outcome};
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;

/// What a wait asked for, how much of it arrived, and the requests that stored nothing it
/// matches (rejected ones, and accepted ones that stored another notification or none), with
/// their findings: usually the reason.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WaitExplanation {
    /// How many notifications the wait asked for.
    pub count: usize,
    pub waited_ms: u64,
    /// The filter, named as the parameters of `/__inspect/wait` name it; empty for every
    /// notification.
    pub filter: Map<String, Value>,
    /// How many notifications matched.
    pub matched: usize,
    /// The requests since the one that stored the latest matching notification (since the
    /// journal began when none matched), restricted to the filter's `app` when it has one: how
    /// many in all, and the latest of them, oldest first.
    pub unmatched: Unmatched,
    /// Why the explanation is partial, when the store could not read it within the wait's time
    /// (a filter that reads many rows): `matched` is then what was counted before the time ran
    /// out, and `unmatched` is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
}

/// Requests that stored no matching notification: how many, and the latest few.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unmatched {
    pub total: usize,
    pub items: Vec<UnmatchedRequest>,
}

/// One request that stored no matching notification.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnmatchedRequest {
    /// The journal entry's seq.
    pub seq: i64,
    pub received_at: String,
    /// The API the request came through.
    pub api: Api,
    /// The emulated method (`f`, or the direct API's operation), when the request named one.
    pub method: Option<String>,
    pub app: Option<String>,
    pub outcome: Outcome,
    pub status: u16,
    /// The exact body sent back.
    pub response: String,
    pub findings: Vec<Finding>,
    /// The notification an accepted send stored, which the filter does not match.
    pub stored: Option<Notification>,
}

impl UnmatchedRequest {
    /// The request `entry`, with the notification it stored, if any.
    pub fn new(entry: JournalEntry, stored: Option<Notification>) -> Self {
        UnmatchedRequest {
            seq: entry.seq,
            received_at: entry.received_at,
            api: entry.api,
            method: entry.method,
            app: entry.app,
            outcome: entry.outcome,
            status: entry.status,
            response: entry.response,
            findings: entry.findings,
            stored,
        }
    }
}

impl fmt::Display for WaitExplanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let filter = if self.filter.is_empty() {
            "any filter".to_string()
        } else {
            let pairs: Vec<String> = self
                .filter
                .iter()
                .map(|(name, value)| match value {
                    Value::String(text) => format!("{name}={text}"),
                    other => format!("{name}={other}"),
                })
                .collect();
            pairs.join("&")
        };
        write!(
            f,
            "waited {} ms for {} notification(s) matching {filter}: {} of {} arrived.",
            self.waited_ms, self.count, self.matched, self.count
        )?;
        if let Some(reason) = &self.incomplete {
            return write!(f, "\nincomplete: {reason}");
        }
        let shown = self.unmatched.items.len();
        write!(
            f,
            "\nrequests that stored no matching notification ({}{}):",
            self.unmatched.total,
            if shown < self.unmatched.total {
                format!(", the last {shown} shown")
            } else {
                String::new()
            }
        )?;
        if self.unmatched.total == 0 {
            f.write_str(" none; did the application send anything?")?;
        }
        for request in &self.unmatched.items {
            write!(
                f,
                "\n  #{} {}{} by {}: {}",
                request.seq,
                request.method.as_deref().unwrap_or("(no method)"),
                match request.api {
                    Api::XPhp => "",
                    Api::Xxd => " (xxd)",
                },
                request.app.as_deref().unwrap_or("(no app)"),
                request.outcome.as_str(),
            )?;
            match &request.stored {
                Some(n) => {
                    let to: Vec<&str> = n.recipients.iter().map(|r| r.account.as_str()).collect();
                    write!(
                        f,
                        ", stored #{} {} to [{}] in {}",
                        n.seq,
                        n.title,
                        to.join(", "),
                        n.cgid
                    )?;
                }
                None => write!(f, ", answered HTTP {} {}", request.status, request.response)?,
            }
            for finding in &request.findings {
                write!(
                    f,
                    "\n      [{:?}] {}: {}",
                    finding.severity, finding.code, finding.message
                )?;
                if !finding.hint.is_empty() {
                    write!(f, "\n        hint: {}", finding.hint)?;
                }
            }
        }
        Ok(())
    }
}
