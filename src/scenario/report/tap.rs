//! The TAP (version 13) report: one test point per step.

use super::show;
use crate::scenario::run::{ScenarioResult, Status};
use std::fmt::Write;

pub fn render(results: &[ScenarioResult]) -> String {
    let total: usize = results
        .iter()
        .map(|r| r.steps.len() + usize::from(r.error.is_some()))
        .sum();
    let mut out = format!("TAP version 13\n1..{total}\n");
    let mut n = 0;
    for result in results {
        if let Some(error) = &result.error {
            n += 1;
            let _ = writeln!(
                out,
                "not ok {n} - {} setup\n  ---\n  message: {:?}\n  ...",
                result.name, error
            );
        }
        for step in &result.steps {
            n += 1;
            let name = format!("{} / {} {}", result.name, step.index, step.label);
            match step.status {
                Status::Passed => {
                    let _ = writeln!(out, "ok {n} - {name}");
                }
                Status::Skipped => {
                    let _ = writeln!(
                        out,
                        "ok {n} - {name} # SKIP {}",
                        step.message.as_deref().unwrap_or("")
                    );
                }
                Status::Failed => {
                    let _ = writeln!(
                        out,
                        "not ok {n} - {name}\n  ---\n  at: {}",
                        result.location(step)
                    );
                    if let Some(message) = &step.message {
                        let _ = writeln!(out, "  message: {message:?}");
                    }
                    for m in &step.mismatches {
                        let _ = writeln!(
                            out,
                            "  - path: {:?}\n    expected: {}\n    actual: {}",
                            m.path,
                            m.expected,
                            show(m.actual.as_ref())
                        );
                    }
                    out.push_str("  ...\n");
                }
            }
        }
    }
    out
}
