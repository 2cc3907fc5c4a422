//! The JUnit XML report: one test case per probe request, a failure for each that differs.

use crate::parity::{Report, Verdict};
use crate::report::escape;
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    let _ = writeln!(
        out,
        "  <testsuite name=\"xxb-mock parity {}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
        escape(&report.target),
        report.probes.len(),
        report.count(Verdict::Differ),
        report.count(Verdict::Skipped),
        report.duration_ms / 1e3
    );
    for probe in &report.probes {
        let group = probe.name.split('.').next().unwrap_or("probe");
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"parity.{}\"",
            escape(&probe.name),
            escape(group)
        );
        match probe.verdict {
            Verdict::Agree => out.push_str("/>\n"),
            Verdict::Skipped => {
                let _ = writeln!(
                    out,
                    "><skipped message=\"{}\"/></testcase>",
                    escape(probe.reason.as_deref().unwrap_or(""))
                );
            }
            Verdict::Differ => {
                let aspects: Vec<&str> = probe
                    .differences
                    .iter()
                    .map(|d| d.aspect.as_str())
                    .collect();
                let mut detail = format!("{}\n{}", probe.request, probe.about);
                for d in &probe.differences {
                    let _ = write!(
                        detail,
                        "\n{}:\n  target: {}\n  mock:   {}",
                        d.aspect, d.target, d.mock
                    );
                }
                let _ = writeln!(
                    out,
                    "><failure message=\"{} differs\">{}</failure></testcase>",
                    escape(&aspects.join(", ")),
                    escape(&detail)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
