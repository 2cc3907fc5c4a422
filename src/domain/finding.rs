//! A finding: one thing the mock noticed about a request, with what to do about it.

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// It caused the rejection.
    Error,
    /// The request was answered, but something about it is suspicious.
    Warning,
}

/// A diagnostic attached to a journal entry; never part of the emulated answer.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    /// A stable snake_case identifier, documented in the README.
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub hint: String,
}

impl Finding {
    pub fn error(code: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Finding {
            code: code.to_string(),
            severity: Severity::Error,
            message: message.into(),
            hint: hint.into(),
        }
    }

    pub fn warning(code: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Finding {
            code: code.to_string(),
            severity: Severity::Warning,
            message: message.into(),
            hint: hint.into(),
        }
    }
}
