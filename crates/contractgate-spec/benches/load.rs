//! Load-time benchmark: `cargo bench -p contractgate-spec --bench load [-- SPEC...]`.
//!
//! Loads each spec (default: the bundled nexus.json, 436 KB, 193 operations) once to warm up, then
//! N more times, and prints the median and spread of the wall time and the process's peak resident
//! memory (VmHWM from /proc/self/status, so it includes the binary itself), and the size of the IR
//! as JSON (what generated tests embed). Figures go in
//! docs/BENCHMARKS.md.

use std::path::PathBuf;
use std::time::{Duration, Instant};

const RUNS: usize = 21;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let specs: Vec<PathBuf> = if args.is_empty() {
        vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../specs/oxide/nexus.json")]
    } else {
        args.iter().map(PathBuf::from).collect()
    };
    for spec in specs {
        let before = peak_rss_kib();
        let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
        let mut ops = 0;
        let mut ir_bytes = 0;
        for i in 0..=RUNS {
            let start = Instant::now();
            let loaded = match contractgate_spec::load(&spec) {
                Ok(loaded) => loaded,
                Err(diags) => {
                    eprintln!("{}: {diags}", spec.display());
                    std::process::exit(1);
                }
            };
            let elapsed = start.elapsed();
            ops = loaded.api.operations.len();
            if i == 0 {
                ir_bytes = loaded.api.to_json().len();
            }
            if i > 0 {
                times.push(elapsed); // run 0 warms up caches and the meta-schema
            }
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{}: {ops} operations, IR {:.1} MB as JSON; load median {:.1} ms (min {:.1}, max {:.1}, {RUNS} runs); peak RSS {} KiB (before: {} KiB)",
            spec.display(),
            ir_bytes as f64 / 1e6,
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1]),
            peak_rss_kib().map_or("?".into(), |k| k.to_string()),
            before.map_or("?".into(), |k| k.to_string()),
        );
    }
}
