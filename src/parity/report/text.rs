//! The text report: what the target is, a table of probe × target × mock × verdict, the
//! differences in full, what was normalised, and a closing count. Coloured when `color` is set.

use crate::parity::answer::Answer;
use crate::parity::{Report, Verdict};
use crate::report::painter;
use std::fmt::Write;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The widest a cell of the target and mock columns gets, in terminal columns.
const CELL: usize = 44;

/// `text` cut to `width` columns (an ellipsis marks a cut), then padded to it.
fn cell(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    if text.width() <= width {
        out.push_str(text);
        used = text.width();
    } else {
        for c in text.chars() {
            let w = c.width().unwrap_or(0);
            if used + w + 1 > width {
                break;
            }
            out.push(c);
            used += w;
        }
        out.push('…');
        used += 1;
    }
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}

/// An answer in one line: status and body.
fn summary(answer: Option<&Answer>) -> String {
    match answer {
        None => "-".into(),
        Some(a) if a.body.is_empty() => format!("{} (empty)", a.status),
        Some(a) => format!("{} {}", a.status, a.body.replace('\n', "\\n")),
    }
}

pub fn render(report: &Report, color: bool) -> String {
    let paint = painter(color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "xxb-mock parity: {} (application {})",
        report.target, report.code
    );
    let _ = writeln!(out, "target: {}", report.flavour.describe());
    let _ = writeln!(out, "mock:   {}", report.mock);
    out.push('\n');
    let name_width = report
        .probes
        .iter()
        .map(|p| p.name.width())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        out,
        "{}  {}  {}  verdict",
        cell("probe", name_width),
        cell("target", CELL),
        cell("mock", CELL)
    );
    for probe in &report.probes {
        let verdict = match probe.verdict {
            Verdict::Agree => paint("32", "agree"),
            Verdict::Differ => paint("31", "DIFFER"),
            Verdict::Skipped => paint("33", "skipped"),
        };
        let (target, mock) = match probe.verdict {
            Verdict::Skipped => (probe.reason.clone().unwrap_or_default(), String::new()),
            _ => (summary(probe.target.as_ref()), summary(probe.mock.as_ref())),
        };
        let line = format!(
            "{}  {}  {}  {verdict}",
            cell(&probe.name, name_width),
            cell(&target, CELL),
            cell(&mock, CELL)
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let differing: Vec<_> = report
        .probes
        .iter()
        .filter(|p| p.verdict == Verdict::Differ)
        .collect();
    if !differing.is_empty() {
        let _ = writeln!(out, "\ndifferences:");
        for probe in differing {
            let _ = writeln!(
                out,
                "  {} ({}): {}",
                paint("1", &probe.name),
                probe.about,
                probe.request
            );
            for d in &probe.differences {
                let _ = writeln!(out, "    {}:", d.aspect);
                let _ = writeln!(
                    out,
                    "      target: {}",
                    d.target.replace('\n', "\n              ")
                );
                let _ = writeln!(
                    out,
                    "      mock:   {}",
                    d.mock.replace('\n', "\n              ")
                );
            }
        }
    }
    let _ = writeln!(out, "\nnormalised before comparing:");
    for n in &report.normalised {
        let _ = writeln!(out, "  - {n}");
    }
    if !report.notes.is_empty() {
        let _ = writeln!(out, "notes:");
        for n in &report.notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    let _ = writeln!(
        out,
        "\n{} probes: {} agree, {} differ, {} skipped ({:.0} ms)",
        report.probes.len(),
        report.count(Verdict::Agree),
        report.count(Verdict::Differ),
        report.count(Verdict::Skipped),
        report.duration_ms
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_cut_and_padded_by_display_width() {
        assert_eq!(cell("ab", 4), "ab  ");
        assert_eq!(cell("应用不存在", 6), "应用… ");
        assert_eq!(cell("应用不存在", 6).width(), 6);
        assert_eq!(cell("abcdef", 4), "abc…");
    }
}
