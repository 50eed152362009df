//! `--html FILE`: the run as one self-contained page (no network, no external assets) to attach
//! as a CI artifact: the verdict and totals, coverage, one row per check with its status, each
//! failure expanded with the same text as the terminal (curl line, received vs documented, body
//! excerpt), and buttons that filter the rows by status. Opening it with `#failed` (or any
//! status) in the URL shows only those rows.
//!
//! Every text is escaped and redacted on its own, as in the other reports.

use std::fmt::Write as _;

use contractgate::redact::Redactor;

use super::{Counts, RunReport, Status, label};

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2328; }
h1 { font-size: 20px; margin: 0 0 4px; }
.meta { color: #59636e; margin-bottom: 16px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; font-weight: 600; color: #fff; }
.verdict.passed { background: #1a7f37; } .verdict.failed { background: #cf222e; }
.totals span { margin-right: 16px; }
.coverage { margin: 12px 0; padding: 8px 12px; background: #f6f8fa; border-radius: 6px; }
.filters { margin: 16px 0 8px; }
.filters button { margin-right: 6px; padding: 3px 10px; border: 1px solid #d1d9e0; border-radius: 4px; background: #fff; cursor: pointer; }
.filters button[aria-pressed="true"] { background: #0969da; color: #fff; border-color: #0969da; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #d1d9e0; vertical-align: top; }
th { background: #f6f8fa; }
.status { font-weight: 600; white-space: nowrap; }
tr[data-status="failed"] .status, tr[data-status="errored"] .status { color: #cf222e; }
tr[data-status="not_exercised"] .status { color: #9a6700; }
tr[data-status="known"] .status { color: #8250df; }
tr[data-status="passed"] .status { color: #1a7f37; }
tr[data-status="skipped"] .status, tr[data-status="not_applicable"] .status { color: #59636e; }
pre { white-space: pre-wrap; word-break: break-word; background: #f6f8fa; padding: 8px; border-radius: 6px; margin: 6px 0; }
details summary { cursor: pointer; }
"#;

/// Filters rows by the status in the URL fragment (`#failed`), and by the buttons.
const SCRIPT: &str = r##"
(function () {
  var rows = document.querySelectorAll("tr[data-status]");
  var buttons = document.querySelectorAll(".filters button");
  function show(status) {
    rows.forEach(function (row) {
      var s = row.getAttribute("data-status");
      var on = status === "all" || s === status || (status === "failed" && s === "errored");
      if (on) { row.removeAttribute("hidden"); } else { row.setAttribute("hidden", ""); }
    });
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-filter") === status ? "true" : "false");
    });
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () {
      var f = b.getAttribute("data-filter");
      history.replaceState(null, "", f === "all" ? location.pathname : "#" + f);
      show(f);
    });
  });
  var wanted = location.hash.replace("#", "");
  show(document.querySelector('.filters button[data-filter="' + wanted + '"]') ? wanted : "all");
})();
"##;

/// The page.
pub fn render(report: &RunReport, exit_code: u8, redactor: &Redactor) -> String {
    let r = |s: &str| esc(&redactor.redact(s));
    let c = report.counts();
    let passed = exit_code == crate::exit::OK;
    let mut s = String::new();
    let title = format!("contractgate: {} {}", report.title, report.version);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        r(&title)
    );
    let _ = writeln!(
        s,
        "<h1>{} <span class=\"verdict {}\" id=\"verdict\">{}</span></h1>",
        r(&title),
        if passed { "passed" } else { "failed" },
        if passed { "PASSED" } else { "FAILED" }
    );
    let _ = writeln!(
        s,
        "<div class=\"meta\">{} against {}{}{} · exit code {exit_code} · {:.2} s</div>",
        r(&report.spec),
        r(&report.base_url),
        report
            .environment
            .as_deref()
            .map(|e| format!(" (environment {})", r(e)))
            .unwrap_or_default(),
        if report.read_only { ", read-only" } else { "" },
        report.duration.as_secs_f64()
    );
    totals(&mut s, &c);
    if let Some(coverage) = &report.coverage {
        let _ = writeln!(
            s,
            "<div class=\"coverage\" id=\"coverage\">{}</div>",
            r(&coverage.render(true)).replace('\n', "<br>\n")
        );
    }
    if let Some(baseline) = &report.baseline
        && !baseline.stale.is_empty()
    {
        let _ = writeln!(
            s,
            "<p>Stale baseline entries (their failure is gone: remove them from {}):</p><ul>",
            r(&baseline.path)
        );
        for a in &baseline.stale {
            let _ = writeln!(
                s,
                "<li>{} · {}: {}</li>",
                r(&a.operation),
                r(&a.check),
                r(&a.finding)
            );
        }
        s.push_str("</ul>\n");
    }
    s.push_str("<div class=\"filters\">");
    for (filter, name, n) in [
        ("all", "All", c.total()),
        ("failed", "Failed", c.broken()),
        ("not_exercised", "Not exercised", c.not_exercised),
        ("known", "Known", c.known),
        ("passed", "Passed", c.passed),
        ("skipped", "Skipped", c.skipped),
        ("not_applicable", "Not applicable", c.not_applicable),
    ] {
        let _ = write!(
            s,
            "<button type=\"button\" data-filter=\"{filter}\" aria-pressed=\"false\">{name} ({n})</button>"
        );
    }
    s.push_str("</div>\n<table>\n<thead><tr><th>operation</th><th>check</th><th>status</th><th>details</th></tr></thead>\n<tbody>\n");
    for unit in &report.units {
        let who = r(&label(&unit.subject));
        for result in &unit.results {
            let status = Status::of(&result.outcome);
            let _ = write!(
                s,
                "<tr data-status=\"{}\"><td>{who}</td><td>{}</td><td class=\"status\">{}</td><td>",
                status.as_str(),
                esc(result.check.as_str()),
                status.as_str().replace('_', " ")
            );
            if let Some(f) = super::any_failure(result) {
                if let Some(why) = super::reason(&result.outcome) {
                    let _ = write!(s, "accepted: {} · ", r(why));
                }
                let _ = write!(
                    s,
                    "<details{}><summary>{}</summary><pre>{}</pre></details>",
                    if status.is_failure() { " open" } else { "" },
                    r(&f.finding.title),
                    r(&f.to_string())
                );
            } else if let Some(why) = super::reason(&result.outcome) {
                s.push_str(&r(why));
            } else if let contractgate::Outcome::Passed { warnings } = &result.outcome {
                for w in warnings {
                    let _ = write!(s, "<div>warning: {}</div>", r(w));
                }
            }
            s.push_str("</td></tr>\n");
        }
    }
    s.push_str("</tbody>\n</table>\n");
    let _ = write!(s, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    s
}

fn totals(s: &mut String, c: &Counts) {
    let _ = writeln!(
        s,
        "<div class=\"totals\" id=\"totals\"><span>{} passed</span><span>{} failed</span><span>{} not exercised</span><span>{} known</span><span>{} skipped</span><span>{} not applicable</span></div>",
        c.passed,
        c.broken(),
        c.not_exercised,
        c.known,
        c.skipped,
        c.not_applicable
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }
}
