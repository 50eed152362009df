//! `contractgate generate SPEC --out DIR`: a stand-alone test crate (the work is
//! `contractgate_codegen::standalone`, shared with anyone who wants it as a library).

use std::io::Write;
use std::path::PathBuf;

use contractgate_codegen::standalone::{Source, Standalone, StandaloneError, write_crate};

use crate::GenerateArgs;
use crate::exit;

/// The repository this binary belongs to, for `--git`'s default.
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// Writes the crate, prints what was written and how to run it, returns the exit code.
pub fn run(args: &GenerateArgs, out: &mut dyn Write) -> u8 {
    let source = if let Some(url) = &args.git {
        Source::Git(url.clone())
    } else if let Some(path) = &args.contractgate_path {
        Source::Path(path.clone())
    } else {
        // The checkout this binary was built from, when it is still there.
        let crates = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        match crates.canonicalize() {
            Ok(c) if c.join("contractgate/Cargo.toml").is_file() => Source::Path(c),
            _ => Source::Git(REPOSITORY.to_owned()),
        }
    };
    let mut opts = Standalone::new(&args.spec, &args.out, source);
    opts.package = args.package.clone();
    let doing = format!("generating tests from {}", args.spec.display());
    let text = match super::with_progress(&doing, || write_crate(&opts)) {
        Ok(written) => {
            let mut t = format!(
                "wrote {} ({} operations) to {}:\n",
                written.package,
                written.operations,
                args.out.display()
            );
            for f in &written.files {
                t.push_str(&format!("  {}\n", f.display()));
            }
            for n in &written.notes {
                t.push_str(&format!("note: {n}\n"));
            }
            t.push_str(&format!(
                "\nrun it against an environment:\n  cd {} && CONTRACTGATE_BASE_URL=https://staging.example.com cargo test\n",
                args.out.display()
            ));
            let _ = out.write_all(t.as_bytes());
            return exit::OK;
        }
        Err(StandaloneError::Spec(diags)) => format!(
            "{}\n{}: the spec cannot be tested until the errors are fixed; nothing was written\n",
            diags.render(),
            args.spec.display()
        ),
        Err(e) => format!("error: {e}\n"),
    };
    let _ = out.write_all(text.as_bytes());
    exit::FAILED
}
