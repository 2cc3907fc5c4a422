//! The JSON report: the run as it is, with the counts.

use crate::parity::{Report, Verdict};

pub fn render(report: &Report) -> String {
    let value = serde_json::json!({
        "agrees": report.agrees(),
        "agree": report.count(Verdict::Agree),
        "differ": report.count(Verdict::Differ),
        "skipped": report.count(Verdict::Skipped),
        "report": report,
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}
