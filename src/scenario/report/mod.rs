//! Reporters: each turns the runner's results into one format. None of them runs anything.

pub mod json;
pub mod junit;
pub mod tap;
pub mod text;

use super::run::ScenarioResult;

/// The output formats of `replay --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Junit,
    Tap,
}

/// Renders `results` in `format`; `color` only affects text.
pub fn render(format: Format, results: &[ScenarioResult], color: bool) -> String {
    match format {
        Format::Text => text::render(results, color),
        Format::Json => json::render(results),
        Format::Junit => junit::render(results),
        Format::Tap => tap::render(results),
    }
}

/// A compact rendering of a JSON value for messages.
pub(crate) fn show(value: Option<&serde_json::Value>) -> String {
    match value {
        None => "(missing)".into(),
        Some(v) => v.to_string(),
    }
}
