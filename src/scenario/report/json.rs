//! The JSON report: the runner's results as they are.

use crate::scenario::run::ScenarioResult;

pub fn render(results: &[ScenarioResult]) -> String {
    let passed = results.iter().all(ScenarioResult::passed);
    let report = serde_json::json!({"passed": passed, "scenarios": results});
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}
