//! The request journal: everything the emulated API received and what it answered.

use super::Finding;

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

/// A journal entry as the inspection API shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JournalEntry {
    pub seq: i64,
    pub received_at: String,
    pub http_method: String,
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
