//! Reporters of a parity run: each turns a [`Report`](super::Report) into one format. None of them
//! runs anything.

pub mod json;
pub mod junit;
pub mod text;

/// The formats of `parity --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Renders `report` in `format`; `color` only affects text.
pub fn render(format: Format, report: &super::Report, color: bool) -> String {
    match format {
        Format::Text => text::render(report, color),
        Format::Json => json::render(report),
    }
}
