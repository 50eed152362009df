//! `--server CMD`: start the service under test, wait until it answers, stop it afterwards.
//!
//! The command runs through `sh -c` in a process group of its own, so stopping it (after the run,
//! on a failure, on Ctrl-C or SIGTERM: whenever the [`Server`] is dropped) reaches everything it
//! started (`cargo run` and the service it runs, say): SIGTERM to the group, then SIGKILL after a
//! grace period. Its stdout and stderr go to a log file; a line of stdout that names an
//! `http://` URL (`listening on http://127.0.0.1:PORT`) gives the base URL when no other source
//! does.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long a stopped server gets between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(5);

/// How long to wait for a started server when nothing says otherwise.
const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Why the server and base URL of a run cannot be decided.
#[derive(Debug)]
pub enum ResolveError {
    /// A bad combination of flags and settings (exit 2).
    Usage(String),
    /// No free port for `{port}` (exit 3).
    NoPort(std::io::Error),
}

/// The server to start (the flag's, else the environment's unless `--no-server`) and the base
/// URL, with `{port}` replaced by a free port in the command, the readiness URL and the base URL.
pub fn resolve(
    args: &crate::RunArgs,
    config: &crate::environment::RunConfig,
) -> Result<(Option<ServerSpec>, Option<String>), ResolveError> {
    // The server: the flag's, else the environment's (unless --no-server).
    let (command, cwd) = match (&args.server, args.no_server) {
        (Some(cmd), _) => (Some(cmd.clone()), None),
        (None, false) => (
            config.server.server.clone(),
            config
                .path
                .as_deref()
                .and_then(Path::parent)
                .filter(|d| !d.as_os_str().is_empty())
                .map(Path::to_owned),
        ),
        (None, true) => (None, None),
    };
    let mut base_url = args.base_url.clone().or_else(|| config.base_url.clone());
    // The environment's readiness URL belongs to its server: unused when none is started.
    let mut ready_url = args.ready_url.clone().or_else(|| {
        command
            .as_ref()
            .and_then(|_| config.server.ready_url.clone())
    });
    let mut command = command;
    let uses_port = [&command, &ready_url, &base_url]
        .iter()
        .any(|s| s.as_deref().is_some_and(|s| s.contains("{port}")));
    if uses_port {
        if command.is_none() {
            return Err(ResolveError::Usage(
                "`{port}` is in the base URL, but no server is started (--server, or `server` in the environment)".into(),
            ));
        }
        let port = free_port().map_err(ResolveError::NoPort)?.to_string();
        for s in [&mut command, &mut ready_url, &mut base_url]
            .into_iter()
            .flatten()
        {
            *s = s.replace("{port}", &port);
        }
    }
    let ready_timeout = match args.ready_timeout.or(config.server.ready_timeout_secs) {
        Some(s) if s.is_finite() && s > 0.0 => Duration::from_secs_f64(s),
        Some(s) => {
            return Err(ResolveError::Usage(format!(
                "the ready timeout must be a positive number of seconds, not {s}"
            )));
        }
        None => DEFAULT_READY_TIMEOUT,
    };
    let server = command.map(|command| ServerSpec {
        command,
        cwd: cwd.clone(),
        ready_url,
        ready_timeout,
        log: args
            .server_log
            .clone()
            .or_else(|| {
                config.server.server_log.as_ref().map(|p| match &cwd {
                    Some(dir) if p.is_relative() => dir.join(p),
                    _ => p.clone(),
                })
            })
            .unwrap_or_else(default_log),
    });
    if server.is_none() && args.ready_url.is_some() {
        return Err(ResolveError::Usage(
            "--ready-url needs a server to wait for (--server)".into(),
        ));
    }
    Ok((server, base_url))
}

fn default_log() -> PathBuf {
    std::env::temp_dir().join(format!("contractgate-server-{}.log", std::process::id()))
}

/// How the server is started and when it counts as ready.
#[derive(Clone, Debug)]
pub struct ServerSpec {
    /// The shell command (placeholders already substituted).
    pub command: String,
    /// The working directory (the config file's, for a command from the config).
    pub cwd: Option<PathBuf>,
    /// Polled until it answers 2xx or 3xx.
    pub ready_url: Option<String>,
    /// How long to wait.
    pub ready_timeout: Duration,
    /// Where its output goes.
    pub log: PathBuf,
}

/// Why the server could not be used: exit code 3.
#[derive(Debug)]
pub enum ServerError {
    /// The log file could not be created.
    Log(PathBuf, std::io::Error),
    /// The command could not be started.
    Spawn(String, std::io::Error),
    /// It exited before it was ready.
    Exited {
        /// How it ended.
        status: ExitStatus,
        /// The log file.
        log: PathBuf,
        /// Its last lines.
        tail: String,
    },
    /// It did not answer in time.
    NotReady {
        /// The timeout.
        timeout: Duration,
        /// What the last probe saw.
        last: String,
        /// The log file.
        log: PathBuf,
        /// Its last lines.
        tail: String,
    },
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerError::Log(p, e) => {
                write!(f, "cannot create the server log {}: {e}", p.display())
            }
            ServerError::Spawn(cmd, e) => write!(f, "cannot start the server `{cmd}`: {e}"),
            ServerError::Exited { status, log, tail } => write!(
                f,
                "the server exited before it was ready ({status}); its output is in {}{}",
                log.display(),
                tail_block(tail)
            ),
            ServerError::NotReady {
                timeout,
                last,
                log,
                tail,
            } => write!(
                f,
                "the server was not ready after {:.1} s (last probe: {last}); it was stopped. Its output is in {}{}\nRaise the wait with --ready-timeout SECS (or ready_timeout_secs in the environment).",
                timeout.as_secs_f64(),
                log.display(),
                tail_block(tail)
            ),
        }
    }
}

fn tail_block(tail: &str) -> String {
    if tail.trim().is_empty() {
        " (empty)".to_owned()
    } else {
        let lines: String = tail.lines().map(|l| format!("\n  | {l}")).collect();
        format!("; last lines:{lines}")
    }
}

/// A running server; dropping it stops it (and everything it started).
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// The process id of `sh -c CMD` (also its process group id).
    pub pid: u32,
    /// The log file.
    pub log: PathBuf,
    urls: mpsc::Receiver<String>,
    announced: Option<String>,
    stopped: bool,
}

impl Server {
    /// Starts `spec.command` with its output going to `spec.log`.
    pub fn start(spec: &ServerSpec) -> Result<Server, ServerError> {
        let log_err = |e| ServerError::Log(spec.log.clone(), e);
        if let Some(dir) = spec.log.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(log_err)?;
        }
        File::create(&spec.log).map_err(log_err)?;
        let log = std::fs::OpenOptions::new()
            .append(true)
            .open(&spec.log)
            .map_err(log_err)?;
        let stderr = log.try_clone().map_err(log_err)?;
        let mut cmd = shell(&spec.command);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr));
        if let Some(dir) = &spec.cwd {
            cmd.current_dir(dir);
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| ServerError::Spawn(spec.command.clone(), e))?;
        let pid = child.id();
        let (tx, urls) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            // Copies stdout to the log and reports URLs it names; ends when the pipe closes.
            std::thread::spawn(move || tee(stdout, log, &tx));
        }
        Ok(Server {
            child,
            pid,
            log: spec.log.clone(),
            urls,
            announced: None,
            stopped: false,
        })
    }

    /// The first `http(s)://` URL the server printed on stdout, if any so far.
    pub fn announced_url(&mut self) -> Option<String> {
        while let Ok(url) = self.urls.try_recv() {
            if self.announced.is_none() {
                self.announced = Some(url);
            }
        }
        self.announced.clone()
    }

    /// Waits until the server answers: `ready_url` with 2xx/3xx, else a TCP connect to the base
    /// URL (`base_url`, or the URL the server printed). Returns the base URL when one is known.
    /// Every 15 seconds of waiting, `note` hears how long it has been and what the probe saw
    /// (a first `cargo run` can compile for minutes).
    pub async fn wait_ready(
        &mut self,
        spec: &ServerSpec,
        base_url: Option<&str>,
        note: &dyn Fn(Duration, &str),
    ) -> Result<Option<String>, ServerError> {
        let start = Instant::now();
        let deadline = start + spec.ready_timeout;
        let every = Duration::from_secs(15);
        let mut next_note = start + every;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Give the tee thread a moment to copy the last lines.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return Err(ServerError::Exited {
                    status,
                    log: self.log.clone(),
                    tail: tail(&self.log, 10),
                });
            }
            let base = base_url.map(str::to_owned).or_else(|| self.announced_url());
            let probe = match (&spec.ready_url, &base) {
                (Some(url), _) => http_probe(url).await,
                (None, Some(url)) => tcp_probe(url).await,
                (None, None) => Err(
                    "no --ready-url or base URL yet, and the server has not printed an http:// URL"
                        .to_owned(),
                ),
            };
            let last = match probe {
                Ok(()) => return Ok(base.or_else(|| self.announced_url())),
                Err(e) => e,
            };
            if Instant::now() >= next_note {
                note(start.elapsed(), &last);
                next_note += every;
            }
            if Instant::now() >= deadline {
                self.stop();
                return Err(ServerError::NotReady {
                    timeout: spec.ready_timeout,
                    last,
                    log: self.log.clone(),
                    tail: tail(&self.log, 10),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// How the server ended, if it exited on its own (not stopped by [`Server::stop`]).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.stopped {
            return None;
        }
        self.child.try_wait().ok().flatten()
    }

    /// Stops the server and everything it started; idempotent.
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        stop_group(&mut self.child, self.pid);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(unix)]
fn shell(command: &str) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c").arg(command);
    c
}

#[cfg(not(unix))]
fn shell(command: &str) -> Command {
    let mut c = Command::new("cmd");
    c.arg("/C").arg(command);
    c
}

#[cfg(unix)]
fn stop_group(child: &mut Child, pid: u32) {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;
    let Ok(raw) = i32::try_from(pid) else {
        let _ = child.kill();
        let _ = child.wait();
        return;
    };
    let group = Pid::from_raw(raw);
    let _ = killpg(group, Signal::SIGTERM);
    let start = Instant::now();
    let mut reaped = false;
    while start.elapsed() < GRACE {
        if !reaped && matches!(child.try_wait(), Ok(Some(_))) {
            reaped = true;
        }
        if reaped && !group_alive(group) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = killpg(group, Signal::SIGKILL);
    let _ = child.wait();
}

/// Whether a process of the group still runs. Members that exited but wait for their reaper
/// (zombies: the service `sh -c` started, reparented to an init that reaps slowly) count as gone.
#[cfg(unix)]
fn group_alive(group: nix::unistd::Pid) -> bool {
    // Signal 0: does any process of the group exist at all?
    if nix::sys::signal::killpg(group, None).is_err() {
        return false;
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    let mut seen_any = false;
    for entry in entries.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        seen_any = true;
        // `pid (comm) state ppid pgrp ...`; comm may contain spaces and parentheses.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1).and_then(|p| p.parse::<i32>().ok());
        if pgrp == Some(group.as_raw()) && state != Some("Z") {
            return true;
        }
    }
    // No readable /proc (not Linux): trust the signal.
    !seen_any
}

#[cfg(not(unix))]
fn stop_group(child: &mut Child, _pid: u32) {
    let _ = child.kill();
    let _ = child.wait();
}

fn tee(stdout: std::process::ChildStdout, mut log: File, urls: &mpsc::Sender<String>) {
    let mut reader = BufReader::new(stdout);
    let mut line = Vec::new();
    let mut sent = false;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let _ = log.write_all(&line);
                if !sent && let Some(url) = find_url(&String::from_utf8_lossy(&line)) {
                    sent = urls.send(url).is_ok();
                }
            }
        }
    }
}

/// The first `http://` or `https://` URL in a line, without trailing punctuation.
pub fn find_url(line: &str) -> Option<String> {
    let start = line.find("http://").or_else(|| line.find("https://"))?;
    let url: String = line[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '<' | '>' | '`'))
        .collect();
    let url = url.trim_end_matches(['.', ',', ';', ')', ']']);
    Some(url.to_owned()).filter(|u| u.len() > "http://".len())
}

/// The last `n` lines of a file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A URL's parts that matter for connecting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlParts {
    /// `https`.
    pub tls: bool,
    /// The host (IPv6 without brackets).
    pub host: String,
    /// The port (80/443 when not given).
    pub port: u16,
    /// The path and query, `/` at least.
    pub path: String,
}

/// Splits an `http(s)://` URL.
pub fn parse_url(url: &str) -> Option<UrlParts> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        (true, url.strip_prefix("https://")?)
    };
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let default_port = if tls { 443 } else { 80 };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None => default_port,
        };
        (host.to_owned(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), p.parse().ok()?),
            None => (authority.to_owned(), default_port),
        }
    };
    if host.is_empty() {
        return None;
    }
    let path = if path.starts_with('/') {
        path.split('#').next().unwrap_or("/").to_owned()
    } else {
        format!("/{}", path.split('#').next().unwrap_or(""))
    };
    Some(UrlParts {
        tls,
        host,
        port,
        path,
    })
}

/// Connects to the URL's host and port (no request): is something listening?
pub async fn tcp_probe(url: &str) -> Result<(), String> {
    tcp_probe_within(url, Duration::from_secs(2)).await
}

/// Like [`tcp_probe`], with a connect timeout.
pub async fn tcp_probe_within(url: &str, timeout: Duration) -> Result<(), String> {
    let parts = parse_url(url).ok_or_else(|| format!("`{url}` is not an http(s) URL"))?;
    let addr = (parts.host.as_str(), parts.port);
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("{}:{}: {e}", parts.host, parts.port)),
        Err(_) => Err(format!(
            "{}:{}: no connection within {:.1} s",
            parts.host,
            parts.port,
            timeout.as_secs_f64()
        )),
    }
}

/// `GET url` over plain HTTP/1.1: ready when the status is 2xx or 3xx. An `https://` URL is only
/// connected to (the CLI does not do TLS itself).
pub async fn http_probe(url: &str) -> Result<(), String> {
    let parts = parse_url(url).ok_or_else(|| format!("`{url}` is not an http(s) URL"))?;
    if parts.tls {
        return tcp_probe(url).await;
    }
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect((parts.host.as_str(), parts.port))
            .await
            .map_err(|e| format!("{}:{}: {e}", parts.host, parts.port))?;
        let host = if parts.host.contains(':') {
            format!("[{}]:{}", parts.host, parts.port)
        } else {
            format!("{}:{}", parts.host, parts.port)
        };
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: contractgate\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            parts.path
        );
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let mut head = [0u8; 64];
        let mut len = 0;
        while len < head.len() {
            let n = stream
                .read(&mut head[len..])
                .await
                .map_err(|e| format!("{url}: {e}"))?;
            if n == 0 {
                break;
            }
            len += n;
            if head[..len].contains(&b'\n') {
                break;
            }
        }
        let line = String::from_utf8_lossy(&head[..len]);
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("{url}: not an HTTP answer"))?;
        if (200..400).contains(&status) {
            Ok(())
        } else {
            Err(format!("{url} answered {status}"))
        }
    };
    match tokio::time::timeout(Duration::from_secs(2), probe).await {
        Ok(r) => r,
        Err(_) => Err(format!("{url}: no answer within 2 s")),
    }
}

/// A free port on 127.0.0.1 (bound, then released for the server to take).
pub fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn finds_announced_urls() {
        assert_eq!(
            find_url("listening on http://127.0.0.1:4123\n").as_deref(),
            Some("http://127.0.0.1:4123")
        );
        assert_eq!(
            find_url("Serving at `https://[::1]:8443/api`.").as_deref(),
            Some("https://[::1]:8443/api")
        );
        assert_eq!(find_url("Compiling user-service"), None);
    }

    #[test]
    fn splits_urls() {
        let p = parse_url("http://127.0.0.1:8080/health?x=1").unwrap();
        assert_eq!(
            (p.tls, p.host.as_str(), p.port, p.path.as_str()),
            (false, "127.0.0.1", 8080, "/health?x=1")
        );
        let p = parse_url("https://user:pw@example.com").unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.path.as_str()),
            ("example.com", 443, "/")
        );
        let p = parse_url("http://[::1]:9000/").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("::1", 9000));
        assert!(parse_url("ftp://x").is_none());
        assert!(parse_url("http://:80").is_none());
    }
}
