//! The request journal: everything the emulated API received and what it answered.

use super::{Api, Finding};
use base64::Engine as _;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The most body bytes a journal entry keeps.
pub const JOURNAL_BODY_CAP: usize = 64 * 1024;

/// Whether the emulated API did what the caller asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Accepted,
    Rejected,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "accepted" => Some(Outcome::Accepted),
            "rejected" => Some(Outcome::Rejected),
            _ => None,
        }
    }
}

/// A journal entry about to be written.
#[derive(Clone, Debug, PartialEq)]
pub struct JournalRecord {
    pub received_at: String,
    pub http_method: String,
    /// The API the request came through.
    pub api: Api,
    pub path: String,
    pub query: String,
    pub app: Option<String>,
    pub method: Option<String>,
    pub lang: String,
    pub client_ip: String,
    /// The body as received, at most the journal's cap.
    pub body: Vec<u8>,
    pub body_size: usize,
    pub body_truncated: bool,
    pub status: u16,
    pub response: Vec<u8>,
    pub outcome: Outcome,
    pub findings: Vec<Finding>,
    pub duration_us: u64,
}

/// A request as it arrived, whichever API it came to: what its journal entry records of it.
#[derive(Clone, Debug)]
pub struct Arrival {
    pub api: Api,
    pub http_method: String,
    /// The path as sent.
    pub path: String,
    /// The query string exactly as sent (after `?`).
    pub query: String,
    pub client_ip: String,
    /// The body as read (at most the read cap).
    pub body: Vec<u8>,
    /// How many bytes the client sent (more than `body` holds when reading stopped at the cap).
    pub body_size: usize,
    pub received_at: OffsetDateTime,
    pub started: std::time::Instant,
}

/// What was decided about a request: its journal entry's other half.
pub struct Decided {
    pub app: Option<String>,
    pub method: Option<String>,
    pub lang: String,
    pub outcome: Outcome,
    pub findings: Vec<Finding>,
}

impl JournalRecord {
    /// The record of a request, what was decided about it and the answer sent (`None` for a
    /// dropped connection, recorded as status 0): the body kept up to [`JOURNAL_BODY_CAP`], the
    /// time taken until now.
    pub fn new(arrival: &Arrival, decided: Decided, answer: Option<(u16, Vec<u8>)>) -> Self {
        let kept = arrival.body.len().min(JOURNAL_BODY_CAP);
        let (status, response) = answer.unwrap_or_default();
        JournalRecord {
            received_at: arrival.received_at.format(&Rfc3339).unwrap_or_default(),
            http_method: arrival.http_method.clone(),
            api: arrival.api,
            path: arrival.path.clone(),
            query: arrival.query.clone(),
            app: decided.app,
            method: decided.method,
            lang: decided.lang,
            client_ip: arrival.client_ip.clone(),
            body: arrival.body[..kept].to_vec(),
            body_size: arrival.body_size,
            body_truncated: arrival.body_size > kept,
            status,
            response,
            outcome: decided.outcome,
            findings: decided.findings,
            duration_us: u64::try_from(arrival.started.elapsed().as_micros()).unwrap_or(u64::MAX),
        }
    }

    /// The entry this record became once written as `seq`.
    pub fn entry(&self, seq: i64) -> JournalEntry {
        let (body, body_encoding) = match std::str::from_utf8(&self.body) {
            Ok(text) => (text.to_string(), "utf-8"),
            Err(_) => (
                base64::engine::general_purpose::STANDARD.encode(&self.body),
                "base64",
            ),
        };
        JournalEntry {
            seq,
            received_at: self.received_at.clone(),
            http_method: self.http_method.clone(),
            api: self.api,
            path: self.path.clone(),
            query: self.query.clone(),
            app: self.app.clone(),
            method: self.method.clone(),
            lang: self.lang.clone(),
            client_ip: self.client_ip.clone(),
            body,
            body_encoding: body_encoding.to_string(),
            body_size: self.body_size,
            body_truncated: self.body_truncated,
            status: self.status,
            response: String::from_utf8_lossy(&self.response).into_owned(),
            outcome: self.outcome,
            findings: self.findings.clone(),
            duration_us: self.duration_us,
        }
    }
}

/// A journal entry as the inspection API shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JournalEntry {
    pub seq: i64,
    pub received_at: String,
    pub http_method: String,
    /// `x.php` or `xxd`.
    pub api: Api,
    pub path: String,
    pub query: String,
    pub app: Option<String>,
    pub method: Option<String>,
    pub lang: String,
    pub client_ip: String,
    /// The body as text when it is UTF-8, otherwise base64 (see `body_encoding`).
    pub body: String,
    /// `utf-8` or `base64`.
    pub body_encoding: String,
    pub body_size: usize,
    pub body_truncated: bool,
    pub status: u16,
    pub response: String,
    pub outcome: Outcome,
    pub findings: Vec<Finding>,
    pub duration_us: u64,
}
