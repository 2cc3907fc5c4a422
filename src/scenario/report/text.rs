//! The text report: one line per step, the differences and the journal's findings under a failure,
//! and a closing count. Coloured when `color` is set (a terminal).

use crate::report::painter;
use crate::scenario::run::{ScenarioResult, Status};
use std::fmt::Write;

pub fn render(results: &[ScenarioResult], color: bool) -> String {
    let paint = painter(color);
    let mut out = String::new();
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for result in results {
        let _ = writeln!(
            out,
            "{} ({})",
            paint("1", &result.name),
            result.file.display()
        );
        if let Some(error) = &result.error {
            let _ = writeln!(out, "  {} {error}", paint("31", "error:"));
            failed += 1;
            continue;
        }
        for step in &result.steps {
            let (mark, code) = match step.status {
                Status::Passed => ("ok  ", "32"),
                Status::Failed => ("FAIL", "31"),
                Status::Skipped => ("skip", "33"),
            };
            let _ = write!(
                out,
                "  {} {:>2} {}",
                paint(code, mark),
                step.index,
                step.label
            );
            if step.status != Status::Passed {
                let _ = write!(out, "  ({})", result.location(step));
            }
            out.push('\n');
            if let Some(message) = &step.message {
                let _ = writeln!(out, "         {message}");
            }
            for m in &step.mismatches {
                let _ = writeln!(out, "         {m}");
            }
            if let Some(entry) = &step.journal {
                let answered = entry["response"].as_str().unwrap_or_default();
                let _ = writeln!(
                    out,
                    "         journal #{}: answered {answered}",
                    entry["seq"]
                );
                for f in entry["findings"].as_array().into_iter().flatten() {
                    let _ = writeln!(
                        out,
                        "           [{}] {}: {}",
                        f["severity"].as_str().unwrap_or(""),
                        f["code"].as_str().unwrap_or(""),
                        f["message"].as_str().unwrap_or("")
                    );
                }
            }
        }
        passed += result.count(Status::Passed);
        failed += result.count(Status::Failed);
        skipped += result.count(Status::Skipped);
    }
    let _ = writeln!(out, "{passed} passed, {failed} failed, {skipped} skipped");
    out
}
