//! `contractgate run SPEC`: every check of every selected operation against a live target.
//!
//! Steps: load the spec (exit 2 when it does not load), read `contractgate.toml` and the
//! environment (exit 2 when bad), apply the flags, start the server if asked (exit 3 when it does
//! not become ready), check that the target answers at all (exit 3), run the operations on the
//! harness with a bounded number at a time, print the report and write the JUnit/JSON files
//! (exit 0 or 1). Ctrl-C or SIGTERM stops the server and exits with 130.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use contractgate::{Api, Check, CheckResult, Harness, OperationInfo, Outcome, Target};
use contractgate_spec::select::Selection;

use crate::RunArgs;
use crate::environment::{self, RunConfig, SetupError};
use crate::exit;
use crate::plan::{self, Plan, Unit};
use crate::report::{self, RunReport, ServerInfo, UnitReport, terminal};
use crate::server::{self, Server, ServerSpec};

/// The longest wait of the connect probe after a run in which checks got no answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs `contractgate run`; the report goes to `out`, progress and errors to stderr.
pub fn run(args: &RunArgs, out: &mut dyn Write) -> u8 {
    match prepare(args) {
        Ok(prepared) => execute(args, prepared, out),
        Err(Stop(code, message)) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            code
        }
    }
}

/// Ends a run early: an exit code and what to print.
struct Stop(u8, String);

impl From<SetupError> for Stop {
    fn from(e: SetupError) -> Self {
        Stop(exit::USAGE, format!("contractgate: error: {e}"))
    }
}

impl From<contractgate::TargetError> for Stop {
    fn from(e: contractgate::TargetError) -> Self {
        usage(e)
    }
}

fn usage(message: impl std::fmt::Display) -> Stop {
    Stop(exit::USAGE, format!("contractgate: error: {message}"))
}

/// Everything decided before anything is started or sent.
struct Prepared {
    api: Api,
    config: RunConfig,
    plan: Plan,
    subjects: Vec<OperationInfo>,
    server: Option<ServerSpec>,
    base_url: Option<String>,
    /// A redactor-only target (secrets read), completed once the base URL is known.
    target: Target,
}

fn prepare(args: &RunArgs) -> Result<Prepared, Stop> {
    let loading = format!("loading {}", args.spec.display());
    let api = match super::with_progress(&loading, || contractgate_spec::load(&args.spec)) {
        Ok(loaded) => {
            let warnings = loaded.diagnostics.warnings().count();
            if warnings > 0 {
                eprintln!(
                    "spec: {warnings} warning(s) that may weaken the checks; `contractgate lint {}` shows them",
                    args.spec.display()
                );
            }
            loaded.api
        }
        Err(diags) => {
            return Err(Stop(
                exit::USAGE,
                format!(
                    "{}\n{}: the spec does not load ({} error(s)); nothing was tested",
                    diags.render().trim_end(),
                    args.spec.display(),
                    diags.errors().count()
                ),
            ));
        }
    };
    let mut config = environment::resolve(
        args.config.as_deref(),
        args.environment.as_deref(),
        &args.spec,
    )?;
    apply_flags(args, &mut config)?;

    let selection = Selection {
        include: args.include.clone(),
        exclude: args.exclude.clone(),
    };
    let plan = plan::plan(&api, &selection, args.shard, &args.checks);
    // An operation the user excluded is never sent, not even as the source of a link.
    for op in &api.operations {
        if let Some(selector) = args.exclude.iter().find(|s| s.matches(op)) {
            config
                .settings
                .skip
                .entry(op.id.clone())
                .or_insert_with(|| format!("excluded by --exclude {selector}"));
        }
    }
    if plan.selected == 0 {
        let show = |v: &[contractgate_spec::select::Selector]| {
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(usage(format!(
            "no operation is selected (of {}; --include: [{}], --exclude: [{}])",
            api.operations.len(),
            show(&args.include),
            show(&args.exclude)
        )));
    }
    let subjects = plan
        .units
        .iter()
        .map(|u| match u {
            Unit::Operation(id) => api
                .operation(id)
                .map_or_else(|| OperationInfo::path(id), OperationInfo::of),
            Unit::Path(p) => OperationInfo::path(p),
        })
        .collect();

    let (server, base_url) = server::resolve(args, &config).map_err(|e| match e {
        server::ResolveError::Usage(message) => usage(message),
        server::ResolveError::NoPort(e) => Stop(
            exit::UNREACHABLE,
            format!("contractgate: error: cannot find a free port on 127.0.0.1: {e}"),
        ),
    })?;

    // Secrets: the environment variables the config names (unset ones fall back to the
    // environment's `env_defaults`). Read now so every message can be redacted.
    let mut target = Target::new("http://127.0.0.1")?.with_settings(config.settings.clone());
    target.environment = config.environment.clone();
    target.read_secrets(Some(&api), &|name| std::env::var(name).ok());
    // A header that reads a variable nobody set would go out as `${VAR}`: say so now.
    for (name, value) in &target.settings.headers {
        let word = contractgate::curl::Word::template(value);
        if let Some(var) = word
            .vars()
            .into_iter()
            .find(|v| !target.header_values.contains_key(*v))
        {
            return Err(usage(format!(
                "the header `{name}` reads ${{{var}}}, which is not set (nor in the environment's `env_defaults`)"
            )));
        }
    }
    // The same for a login's parameters and body.
    for (scheme, cred) in &target.settings.credentials {
        if let Some(login) = &cred.login
            && let Some(var) = contractgate::target::login_vars(login)
                .into_iter()
                .find(|v| !target.header_values.contains_key(v))
        {
            return Err(usage(format!(
                "the login for `{scheme}` reads ${{{var}}}, which is not set (nor in the environment's `env_defaults`)"
            )));
        }
    }
    Ok(Prepared {
        api,
        config,
        plan,
        subjects,
        server,
        base_url,
        target,
    })
}

/// Requests per operation when neither `--cases` nor the config says (docs/BENCHMARKS.md,
/// "Generated cases", has the measurement behind it).
pub const DEFAULT_CASES: usize = 10;

/// Flags over the environment's settings.
fn apply_flags(args: &RunArgs, config: &mut RunConfig) -> Result<(), Stop> {
    let s = &mut config.settings;
    if args.read_only {
        s.read_only = true;
    }
    if args.no_links {
        s.links = false;
    }
    if let Some(b) = &args.baseline {
        s.baseline = Some(b.clone());
    }
    if let Some(m) = args.min_coverage {
        s.min_coverage = Some(m);
    }
    if let Some(m) = s.min_coverage
        && !(0.0..=100.0).contains(&m)
    {
        return Err(usage(format!(
            "--min-coverage / min_coverage must be a percentage from 0 to 100, not {m}"
        )));
    }
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            return Err(usage(format!(
                "-H `{header}`: expected `Name: value` (for example -H 'Authorization: Bearer ${{TOKEN}}')"
            )));
        };
        let name = name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(usage(format!(
                "-H `{header}`: `{name}` is not a header name"
            )));
        }
        s.headers.insert(name.to_owned(), value.trim().to_owned());
    }
    if args.insecure {
        s.http.insecure = true;
    }
    if let Some(path) = &args.ca_file {
        s.http.ca_file = Some(contractgate::client::CaFile::new(
            path,
            "--ca-file (or CONTRACTGATE_CA_FILE)",
        ));
    }
    if let Some(ca) = &s.http.ca_file {
        // Read now: a bad file is a usage error before any request, not an error per check.
        ca.certificates().map_err(|e| usage(e.to_string()))?;
    }
    if let (Some(cert), Some(key)) = (&args.client_cert, &args.client_key) {
        s.http.client_identity = Some(contractgate::client::ClientIdentity {
            cert: cert.clone(),
            key: key.clone(),
            setting: "--client-cert/--client-key".into(),
        });
    }
    if let Some(identity) = &s.http.client_identity {
        identity.load().map_err(|e| usage(e.to_string()))?;
    }
    if let Some(t) = args.timeout {
        if !(t.is_finite() && t > 0.0) {
            return Err(usage(format!(
                "--timeout must be a positive number of seconds, not {t}"
            )));
        }
        s.http.timeout = Duration::from_secs_f64(t);
    }
    if let Some(r) = args.rate_limit {
        if !(r.is_finite() && r > 0.0) {
            return Err(usage(format!(
                "--rate-limit must be a positive number of requests per second, not {r}"
            )));
        }
        s.rate_limit = Some(r);
    }
    if let Some(n) = args.max_requests {
        s.request_budget = Some(n);
    }
    if let Some(seed) = args.seed {
        s.seed = seed;
    }
    if let Some(n) = args.cases {
        s.cases = n as usize;
    } else if !config.cases_configured {
        s.cases = DEFAULT_CASES;
    }
    if let Some(file) = &args.regressions {
        s.regressions = contractgate::config::RegressionsFile::parse(&file.to_string_lossy());
    }
    if args.no_regressions {
        s.regressions = contractgate::config::RegressionsFile::Off;
    }
    if args.no_cleanup {
        s.cleanup = false;
    }
    // Beside the spec as the user named it.
    s.regressions = match s.regressions.path(Some(&args.spec)) {
        Some(path) => contractgate::config::RegressionsFile::At(path),
        None => contractgate::config::RegressionsFile::Off,
    };
    if let Some(n) = args.retries {
        s.http.retries = n;
    }
    Ok(())
}

fn execute(args: &RunArgs, prepared: Prepared, out: &mut dyn Write) -> u8 {
    let redactor = prepared.target.redactor();
    let result = contractgate::runtime().block_on(async {
        // Registered before anything starts, so a signal never finds the default action (which
        // would leave the server running).
        let mut signals = Signals::register();
        tokio::select! {
            code = run_async(args, prepared, out) => code,
            signal = signals.recv() => {
                // The run future (and the server it owns) is dropped here: the server is stopped.
                Err(Stop(exit::INTERRUPTED, format!("contractgate: interrupted by {signal}; stopped")))
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(Stop(code, message)) => {
            eprintln!("{}", redactor.redact(&message));
            code
        }
    }
}

/// SIGINT (Ctrl-C) and SIGTERM (a cancelled CI job).
struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn register() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                streams: signal(SignalKind::interrupt())
                    .ok()
                    .zip(signal(SignalKind::terminate()).ok()),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            match &mut self.streams {
                Some((int, term)) => tokio::select! {
                    _ = int.recv() => "SIGINT (Ctrl-C)",
                    _ = term.recv() => "SIGTERM",
                },
                None => std::future::pending().await,
            }
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => "Ctrl-C",
                Err(_) => std::future::pending().await,
            }
        }
    }
}

async fn run_async(args: &RunArgs, prepared: Prepared, out: &mut dyn Write) -> Result<u8, Stop> {
    let Prepared {
        api,
        config,
        plan,
        subjects,
        server: server_spec,
        base_url,
        mut target,
    } = prepared;
    let redactor = target.redactor();
    let say = |s: String| eprintln!("{}", redactor.redact(&s));

    // Keeps the server alive for the run; dropping it (any return, or Ctrl-C) stops it.
    let mut running: Option<Server> = None;
    let mut base_url = base_url;
    if let Some(spec) = &server_spec {
        let mut srv = Server::start(spec)
            .map_err(|e| Stop(exit::UNREACHABLE, format!("contractgate: error: {e}")))?;
        say(format!(
            "server: started `{}` (pid {}); its output goes to {}",
            spec.command,
            srv.pid,
            srv.log.display()
        ));
        let started = Instant::now();
        let note = |waited: Duration, last: &str| {
            say(format!(
                "server: not ready after {:.0} s (last probe: {last}); waiting up to {:.0} s",
                waited.as_secs_f64(),
                spec.ready_timeout.as_secs_f64()
            ));
        };
        match srv.wait_ready(spec, base_url.as_deref(), &note).await {
            Ok(url) => {
                base_url = base_url.or(url);
                say(format!(
                    "server: ready after {}",
                    terminal::millis(started.elapsed())
                ));
            }
            Err(e) => {
                drop(srv);
                return Err(Stop(exit::UNREACHABLE, format!("contractgate: error: {e}")));
            }
        }
        running = Some(srv);
    }
    let base_url = match base_url {
        Some(u) => u,
        None if config.use_spec_server => api
            .servers
            .first()
            .map(|s| s.default_url())
            .ok_or_else(|| usage("`use_spec_server` is set, but the spec has no `servers`"))?,
        None => {
            let mut ways = contractgate::target::BASE_URL_WAYS.to_vec();
            ways.push(
                "--base-url URL, or --server CMD (a server that prints its URL, or with {port})",
            );
            return Err(usage(contractgate::TargetError::NoBaseUrl(ways)));
        }
    };
    let checked = Target::new(base_url.clone())?;
    target.base_url = checked.base_url;

    // Is anything there at all? A refused connection is exit 3, not a failure of every check.
    let connect = target.settings.http.connect_timeout;
    if let Err(e) = server::tcp_probe_within(&target.base_url, connect).await {
        return Err(Stop(
            exit::UNREACHABLE,
            format!(
                "contractgate: error: cannot reach the target at {}: {e}",
                target.base_url
            ),
        ));
    }

    let header = format!(
        "contractgate run: {} {} ({}) against {}{}{}",
        api.info.title,
        api.info.version,
        args.spec.display(),
        target.base_url,
        config
            .environment
            .as_deref()
            .map(|e| format!(" (environment {e})"))
            .unwrap_or_default(),
        if target.settings.read_only {
            ", read-only"
        } else {
            ""
        }
    );
    say(header);
    let cases_report = (target.settings.cases > 1).then(|| report::CasesReport {
        per_operation: target.settings.cases,
        seed: target.settings.seed,
        regressions_file: target
            .settings
            .regressions
            .path(None)
            .map(|p| p.display().to_string()),
    });
    if target.settings.cases > 1 {
        say(format!(
            "cases: up to {} per operation (seed {}; --seed reproduces them){}",
            target.settings.cases,
            target.settings.seed,
            target
                .settings
                .regressions
                .path(None)
                .map(|p| format!(", minimal failing cases kept in {}", p.display()))
                .unwrap_or_default()
        ));
    }
    let read_only = target.settings.read_only;
    let min_coverage = target.settings.min_coverage;
    let environment = target.environment.clone();
    let report_base = redactor.redact(&target.base_url);
    let title = api.info.title.clone();
    let version = api.info.version.clone();
    let selected = plan.selected;
    let probe_url = target.base_url.clone();
    // A baseline that does not read is a usage error, before any request.
    let baseline = target
        .settings
        .baseline
        .as_deref()
        .map(contractgate::baseline::Baseline::load)
        .transpose()
        .map_err(usage)?;
    // So is a regressions file that does not read.
    if let Some(path) = &target.settings.regressions.path(None) {
        contractgate::cases::check_regressions_file(path)
            .map_err(|why| usage(format!("the regressions file could not be read: {why} (fix or delete it, or pass --no-regressions)")))?;
    }
    let harness = Arc::new(Harness::new(Arc::new(api), target));
    // Tokens from a token endpoint or a login operation: without them no check can judge the
    // API as configured, so stop here (exit 3) instead of failing every check.
    if let Err(why) = harness.obtain_credentials().await {
        return Err(Stop(
            exit::UNREACHABLE,
            format!("contractgate: error: could not obtain credentials: {why}"),
        ));
    }
    // Short secrets, tokens the harness obtained included (a mock's login may answer `string`).
    let obtained = harness.redactor();
    let short = obtained.short_secrets();
    if !short.is_empty() {
        say(format!(
            "note: the secret in {} is shorter than {} characters: it is redacted where it stands as a whole word, not inside longer ones; use a longer one for anything but a local demo",
            short.join(", "),
            contractgate::redact::SHORT_SECRET
        ));
    }

    let started = Instant::now();
    let (units, stopped_early) = schedule(
        &harness,
        &plan,
        subjects,
        args.concurrency as usize,
        args.fail_fast,
    )
    .await;
    let duration = started.elapsed();
    // From here on, the harness's redactor: it also knows the tokens the run obtained.
    let redactor = harness.redactor().clone();
    // What the run created is deleted, so that shared staging data does not pile up.
    let mut cleanup_report = None;
    if harness.target().settings.cleanup {
        let cleaned = harness.clean_up().await;
        if !cleaned.is_empty() {
            cleanup_report = Some(contractgate::cleanup::Cleanup {
                deleted: cleaned.deleted,
                gone: cleaned.gone,
                failed: cleaned.failed.iter().map(|f| redactor.redact(f)).collect(),
                operations: cleaned.operations.clone(),
            });
            let mut line = format!(
                "cleanup: {} resource(s) the run created deleted through {}",
                cleaned.deleted,
                cleaned.operations.join(", ")
            );
            if cleaned.gone > 0 {
                line.push_str(&format!(", {} already gone (404 or 410)", cleaned.gone));
            }
            if !cleaned.failed.is_empty() {
                line.push_str(&format!(
                    "; {} not deleted: {}",
                    cleaned.failed.len(),
                    cleaned
                        .failed
                        .iter()
                        .take(3)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
            say(redactor.redact(&line));
        }
    }
    // Checks that got no answer: is the target still there? A refused connect now means it went
    // away during the run (exit 3); an answer means a transient interruption (exit 1, as failures).
    let mut connection_loss = report::ConnectionLoss::find(&units, &report_base);
    if let Some(loss) = &mut connection_loss {
        loss.probe = Some(server::tcp_probe_within(&probe_url, connect.min(PROBE_TIMEOUT)).await);
    }
    // A server that died during the run explains the failures after it: exit 3, not 1. Checked
    // after the probe, so a server that is still running was probed as it is.
    let server_state = running.as_mut().map(|srv| match srv.exited() {
        Some(status) => report::ServerState::Exited(status.to_string()),
        None => report::ServerState::Running(srv.pid),
    });
    if let Some(state) = server_state {
        match &mut connection_loss {
            Some(loss) => loss.server = Some(state),
            None if matches!(state, report::ServerState::Exited(_)) => {
                connection_loss = Some(report::ConnectionLoss {
                    checks: 0,
                    timeouts: 0,
                    first: None,
                    url: report_base.clone(),
                    probe: None,
                    server: Some(state),
                });
            }
            None => {}
        }
    }
    let mut report = RunReport {
        spec: args.spec.display().to_string(),
        title,
        version,
        base_url: report_base,
        environment,
        read_only,
        server: server_spec.as_ref().map(|s| ServerInfo {
            command: redactor.redact(&s.command),
            log: s.log.clone(),
        }),
        shard: args.shard,
        selected,
        units,
        duration,
        stopped_early,
        connection_loss,
        baseline: None,
        coverage: None,
        verbose: args.verbose,
        cases: cases_report,
        cleanup: cleanup_report,
    };
    report.coverage = Some(report::coverage::of(
        &harness,
        &report.units,
        &plan.excluded,
        min_coverage,
    ));
    report.baseline = baseline
        .as_ref()
        .map(|b| report::BaselineReport::of(b, &report.units));
    // Stop the server before writing reports, so its log is complete.
    drop(running);

    let mut code = report.exit_code();
    let mut text = terminal::render(&report);
    if plan.units.is_empty() {
        text.push_str("nothing to run in this shard\n");
    }
    let (mut written, failed_writes) = report::write_files(
        &report,
        code,
        &report::ReportPaths {
            junit: args.junit.as_deref(),
            json: args.json.as_deref(),
            html: args.html.as_deref(),
            markdown: args.markdown.as_deref(),
        },
        &redactor,
    );
    // On GitHub Actions: the job summary page shows the same Markdown (appended: other steps
    // may have written theirs).
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        let text = report::markdown::render(&report, code, &redactor);
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = appended {
            say(format!(
                "note: could not append the job summary to $GITHUB_STEP_SUMMARY ({}): {e}",
                std::path::Path::new(&summary).display()
            ));
        }
    }
    for e in failed_writes {
        say(e);
        code = exit::USAGE;
    }
    if let Some(path) = &args.write_baseline {
        let mut written_baseline = contractgate::baseline::Baseline::of_failures(
            report.units.iter().flat_map(|u| &u.results),
        );
        for a in &mut written_baseline.accepted {
            a.finding = redactor.redact(&a.finding);
        }
        let n = written_baseline.accepted.len();
        match report::write_text(path, &written_baseline.to_toml()) {
            Ok(()) => written.push(format!(
                "baseline: wrote {n} accepted failure(s) to {}; give each a reason, then run with --baseline {}",
                path.display(),
                path.display()
            )),
            Err(e) => {
                say(format!(
                    "contractgate: error: cannot write the baseline {}: {e}",
                    path.display()
                ));
                code = exit::USAGE;
            }
        }
    }
    if let Some(s) = &report.server {
        written.push(format!("server log: {}", s.log.display()));
    }
    for line in written {
        text.push_str(&line);
        text.push('\n');
    }
    // A closed pipe is not worth a panic; the exit code still tells the story.
    let _ = out.write_all(redactor.redact(&text).as_bytes());
    let _ = out.flush();
    Ok(code)
}

/// A unit whose checks were all skipped for `reason`, without a request.
fn skipped_unit(checks: &[Check], subject: OperationInfo, reason: &str) -> UnitReport {
    UnitReport {
        results: checks
            .iter()
            .map(|&check| CheckResult {
                check,
                subject: std::sync::Arc::new(subject.clone()),
                outcome: Outcome::Skipped {
                    reason: reason.to_owned(),
                },
            })
            .collect(),
        times: vec![Duration::ZERO; checks.len()],
        subject,
        duration: Duration::ZERO,
    }
}

/// Progress: a bar on a terminal, plain lines in CI (no TTY, or `CI` set).
enum Progress {
    Bar(indicatif::ProgressBar),
    Lines { total: usize, done: usize },
}

impl Progress {
    fn new(total: usize) -> Progress {
        if std::io::stderr().is_terminal() && !super::in_ci() {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:30}] {pos}/{len} {wide_msg} {elapsed}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            Progress::Bar(bar)
        } else {
            Progress::Lines { total, done: 0 }
        }
    }

    fn finished(&mut self, unit: &UnitReport) {
        match self {
            Progress::Bar(bar) => {
                bar.inc(1);
                bar.set_message(report::label(&unit.subject));
            }
            Progress::Lines { total, done } => {
                *done += 1;
                eprintln!("{}", terminal::progress_line(*done, *total, unit));
            }
        }
    }

    fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// Runs the units, at most `concurrency` at a time, started in plan order (so with
/// `--concurrency 1` they run in document order); results in plan order.
async fn schedule(
    harness: &Arc<Harness>,
    plan: &Plan,
    subjects: Vec<OperationInfo>,
    concurrency: usize,
    fail_fast: bool,
) -> (Vec<UnitReport>, bool) {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let stop = Arc::new(AtomicBool::new(false));
    let checks: Arc<[Check]> = plan.operation_checks.clone().into();
    let progress = Arc::new(Mutex::new(Progress::new(plan.units.len())));
    let mut done: Vec<Option<UnitReport>> = vec![None; plan.units.len()];
    let mut tasks = tokio::task::JoinSet::new();
    for (index, (unit, subject)) in plan.units.iter().cloned().zip(subjects).enumerate() {
        let unit_checks: Vec<Check> = match &unit {
            Unit::Operation(_) => checks.to_vec(),
            Unit::Path(_) => vec![Check::MethodNotAllowed],
        };
        // The semaphore is never closed, so acquiring only waits for a running unit to end.
        let excluded = match &unit {
            Unit::Operation(id) => plan
                .excluded
                .iter()
                .find(|(e, _)| e == id)
                .map(|(_, why)| why.clone()),
            Unit::Path(_) => None,
        };
        if let Some(reason) = excluded {
            let report = skipped_unit(&unit_checks, subject, &reason);
            lock(&progress).finished(&report);
            done[index] = Some(report);
            continue;
        }
        let permit = Arc::clone(&semaphore).acquire_owned().await.ok();
        if fail_fast && stop.load(Ordering::SeqCst) {
            let report = skipped_unit(
                &unit_checks,
                subject,
                "not run: --fail-fast stopped the run after a failure",
            );
            lock(&progress).finished(&report);
            done[index] = Some(report);
            continue;
        }
        let harness = Arc::clone(harness);
        let stop = Arc::clone(&stop);
        let progress = Arc::clone(&progress);
        tasks.spawn(async move {
            let _permit = permit;
            let start = Instant::now();
            let (results, times) = match &unit {
                Unit::Operation(id) => check_operation(&harness, id, &unit_checks).await,
                Unit::Path(p) => {
                    let result = harness.check_path(p).await;
                    (vec![result], vec![start.elapsed()])
                }
            };
            if results.iter().any(CheckResult::is_failure) {
                stop.store(true, Ordering::SeqCst);
            }
            let report = UnitReport {
                subject,
                results,
                times,
                duration: start.elapsed(),
            };
            lock(&progress).finished(&report);
            (index, report)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        // A panicking check is a bug in the harness; the unit is then missing from the report
        // rather than taking the run down.
        if let Ok((index, unit)) = joined {
            done[index] = Some(unit);
        }
    }
    lock(&progress).finish();
    let stopped = fail_fast && stop.load(Ordering::SeqCst);
    (done.into_iter().flatten().collect(), stopped)
}

/// Runs an operation's checks, timing each: first the checks judged on the shared positive
/// exchange, in one call (one request; its time is counted once, see [`report::check_times`]),
/// then `auth_enforced` and `negative_data_rejection`, each in a call of its own and timed on its
/// own. The harness sends the same requests in the same order as one `check_operation` call with
/// every check would. Results in the order of `checks`, with their times.
async fn check_operation(
    harness: &Harness,
    id: &str,
    checks: &[Check],
) -> (Vec<CheckResult>, Vec<Duration>) {
    let mut slots: Vec<Option<(CheckResult, Duration)>> = vec![None; checks.len()];
    let (shared, own): (Vec<usize>, Vec<usize>) =
        (0..checks.len()).partition(|&i| checks[i].uses_positive_exchange());
    if !shared.is_empty() {
        let group: Vec<Check> = shared.iter().map(|&i| checks[i]).collect();
        let start = Instant::now();
        let results = harness.check_operation(id, &group).await;
        let times = report::check_times(&results, start.elapsed());
        for ((&i, result), time) in shared.iter().zip(results).zip(times) {
            slots[i] = Some((result, time));
        }
    }
    for i in own {
        let start = Instant::now();
        let result = harness.check(id, checks[i]).await;
        slots[i] = Some((result, start.elapsed()));
    }
    slots.into_iter().flatten().unzip()
}

/// Locks the progress display; a panic elsewhere cannot make it unusable.
fn lock(progress: &Mutex<Progress>) -> std::sync::MutexGuard<'_, Progress> {
    progress
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
