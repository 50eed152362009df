//! `contractgate lint SPEC`.

use std::io::Write;

use contractgate_spec::ir::{Api, SecurityScheme};

use crate::LintArgs;
use crate::exit;

/// How many warnings of one code `lint` shows in full before it summarizes the rest.
const GROUP_AFTER: usize = 3;

/// Loads the spec, prints the summary and diagnostics to `out`, returns the exit code.
pub fn run(args: &LintArgs, out: &mut dyn Write) -> u8 {
    // Output errors (a closed pipe) are not worth a panic; the exit code still tells the story.
    let doing = format!("linting {}", args.spec.display());
    let (code, text) = super::with_progress(&doing, || lint_to_string(args));
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    code
}

/// The whole output of `lint` as a string, and the exit code.
pub fn lint_to_string(args: &LintArgs) -> (u8, String) {
    let mut text = String::new();
    match contractgate_spec::load(&args.spec) {
        Err(diags) => {
            text.push_str(&diags.render());
            text.push_str(&format!(
                "\n{}: {} error(s), {} warning(s); the spec cannot be tested until the errors are fixed\n",
                args.spec.display(),
                diags.errors().count(),
                diags.warnings().count()
            ));
            (exit::FAILED, text)
        }
        Ok(loaded) => {
            if args.ir {
                let json = serde_json::to_string_pretty(&loaded.api).unwrap_or_default();
                text.push_str(&json);
                text.push('\n');
                return (exit::OK, text);
            }
            let mut diags = loaded.diagnostics;
            for d in contractgate_spec::lint::lint(&loaded.api) {
                diags.push(d);
            }
            text.push_str(&summary(&loaded.api));
            if args.operations {
                text.push_str(&operations(&loaded.api));
            }
            if !diags.is_empty() {
                text.push('\n');
                if args.verbose {
                    text.push_str(&diags.render());
                } else {
                    text.push_str(&diags.render_grouped(GROUP_AFTER));
                }
            }
            let warnings = diags.warnings().count();
            text.push_str(&format!("\n0 errors, {warnings} warning(s)\n"));
            let code = if args.deny_warnings && warnings > 0 {
                exit::FAILED
            } else {
                exit::OK
            };
            (code, text)
        }
    }
}

fn summary(api: &Api) -> String {
    let mut s = String::new();
    let paths = api.paths().len();
    s.push_str(&format!(
        "{} {} (OpenAPI {})\n",
        api.info.title, api.info.version, api.openapi_version
    ));
    s.push_str(&format!("  spec:        {}\n", api.source));
    if api.files.len() > 1 {
        s.push_str(&format!(
            "  files:       {} ({} referenced)\n",
            api.files.len(),
            api.files.len() - 1
        ));
    }
    s.push_str(&format!("  paths:       {paths}\n"));
    s.push_str(&format!("  operations:  {}\n", api.operations.len()));
    let secured = api
        .operations
        .iter()
        .filter(|op| !op.security.is_empty() && !op.security.iter().any(|r| r.is_anonymous()))
        .count();
    if api.security_schemes.is_empty() {
        s.push_str("  security:    none\n");
    } else {
        let schemes: Vec<String> = api
            .security_schemes
            .iter()
            .map(|(name, scheme)| format!("{name} ({})", describe_scheme(scheme)))
            .collect();
        s.push_str(&format!("  security:    {}\n", schemes.join(", ")));
        s.push_str(&format!(
            "  secured:     {secured} of {} operations\n",
            api.operations.len()
        ));
    }
    let unsupported = api
        .operations
        .iter()
        .filter(|op| !op.unsupported.is_empty())
        .count();
    if unsupported > 0 {
        s.push_str(&format!(
            "  untestable:  {unsupported} operation(s) use unsupported features (listed below)\n"
        ));
    }
    if !api.webhooks.is_empty() {
        s.push_str(&format!(
            "  webhooks:    {} (listed, not tested)\n",
            api.webhooks.len()
        ));
    }
    let inferred = contractgate_spec::infer::inferred(api);
    if !inferred.is_empty() {
        s.push_str(&format!(
            "  inferred:    {} link(s) the spec does not write, from names (check them; `infer_links = false` in contractgate.toml turns them off):\n",
            inferred.len()
        ));
        for link in &inferred {
            s.push_str(&format!("    {}\n", link.description));
        }
    }
    for op in api
        .operations
        .iter()
        .filter(|op| !op.unsupported.is_empty())
    {
        for u in &op.unsupported {
            s.push_str(&format!(
                "  untestable:  {} ({}): {} at {}\n",
                op.label(),
                op.id,
                u.feature,
                u.location
            ));
        }
    }
    s
}

fn operations(api: &Api) -> String {
    let mut s = String::from("\noperations:\n");
    let width = api
        .operations
        .iter()
        .map(|op| op.label().len())
        .max()
        .unwrap_or(0);
    for op in &api.operations {
        let statuses: Vec<String> = op.responses.iter().map(|r| r.status.to_string()).collect();
        s.push_str(&format!(
            "  {:width$}  {}  [{}]{}\n",
            op.label(),
            op.id,
            statuses.join(", "),
            if op.security.is_empty() {
                ""
            } else {
                "  secured"
            },
        ));
    }
    s
}

fn describe_scheme(scheme: &SecurityScheme) -> String {
    match scheme {
        SecurityScheme::ApiKey { name, location } => {
            format!(
                "apiKey in {} '{name}'",
                format!("{location:?}").to_lowercase()
            )
        }
        SecurityScheme::Http { scheme, .. } => format!("http {scheme}"),
        SecurityScheme::OAuth2 { .. } => "oauth2".to_owned(),
        SecurityScheme::OpenIdConnect { .. } => "openIdConnect".to_owned(),
        SecurityScheme::MutualTls => "mutualTLS".to_owned(),
    }
}
