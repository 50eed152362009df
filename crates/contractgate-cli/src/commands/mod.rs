//! One module per subcommand.

pub mod diff;
pub mod generate;
pub mod lint;
pub mod replay;
pub mod run;

use std::io::IsTerminal;
use std::time::Duration;

/// Whether `CI` is set to something other than empty, `0` or `false`: progress is then plain
/// lines, never a spinner or a bar.
pub(crate) fn in_ci() -> bool {
    std::env::var("CI")
        .is_ok_and(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false"))
}

/// Runs `work` (loading a spec, generating from it); when it takes over a second and stderr is a
/// terminal (not CI), a spinner says what is being done until it ends. Large specs take seconds
/// to load, and a silent terminal looks like a hang.
pub(crate) fn with_progress<T>(what: &str, work: impl FnOnce() -> T) -> T {
    if in_ci() || !std::io::stderr().is_terminal() {
        return work();
    }
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let what = what.to_owned();
    let started = std::time::Instant::now();
    let spinner = std::thread::spawn(move || {
        if wait.recv_timeout(Duration::from_secs(1)).is_ok() {
            return;
        }
        let bar = indicatif::ProgressBar::new_spinner().with_elapsed(started.elapsed());
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            bar.set_style(style);
        }
        bar.set_message(what);
        bar.enable_steady_tick(Duration::from_millis(120));
        // Until the work ends (or the sender is dropped by a panic).
        let _ = wait.recv();
        bar.finish_and_clear();
    });
    let out = work();
    let _ = done.send(());
    let _ = spinner.join();
    out
}
