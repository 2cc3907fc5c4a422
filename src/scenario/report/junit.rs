//! The JUnit XML report: a test suite per scenario, a test case per step.

use crate::report::escape;
use crate::scenario::run::{ScenarioResult, Status};
use std::fmt::Write;

pub fn render(results: &[ScenarioResult]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for result in results {
        let failures = result.count(Status::Failed) + usize::from(result.error.is_some());
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" file=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{}\" time=\"{:.3}\">",
            escape(&result.name),
            escape(&result.file.display().to_string()),
            result.steps.len().max(1),
            result.count(Status::Skipped),
            result.duration_ms / 1e3
        );
        if let Some(error) = &result.error {
            let _ = writeln!(
                out,
                "    <testcase name=\"setup\" classname=\"{}\"><error message=\"{}\"/></testcase>",
                escape(&result.name),
                escape(error)
            );
        }
        for step in &result.steps {
            let _ = write!(
                out,
                "    <testcase name=\"{} {}\" classname=\"{}\" time=\"{:.3}\"",
                step.index,
                escape(&step.label),
                escape(&result.name),
                step.duration_ms / 1e3
            );
            match step.status {
                Status::Passed => out.push_str("/>\n"),
                Status::Skipped => {
                    let _ = writeln!(
                        out,
                        "><skipped message=\"{}\"/></testcase>",
                        escape(step.message.as_deref().unwrap_or(""))
                    );
                }
                Status::Failed => {
                    let mut detail = result.location(step);
                    if let Some(message) = &step.message {
                        detail.push_str(&format!("\n{message}"));
                    }
                    for m in &step.mismatches {
                        detail.push_str(&format!(
                            "
{m}"
                        ));
                    }
                    let summary = step
                        .message
                        .clone()
                        .unwrap_or_else(|| format!("{} difference(s)", step.mismatches.len()));
                    let _ = writeln!(
                        out,
                        "><failure message=\"{}\">{}</failure></testcase>",
                        escape(&summary),
                        escape(&detail)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
