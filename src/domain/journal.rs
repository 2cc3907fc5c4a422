//! The request journal: everything the emulated API received and what it answered.

use super::{Api, Finding};
use base64::Engine as _;

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

impl JournalRecord {
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
