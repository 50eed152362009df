//! `user-service [--port PORT] [--fault NAME]`: the incident example as a server on 127.0.0.1.
//!
//! The first line on stdout is `listening on http://127.0.0.1:PORT` (flushed), so a supervisor
//! started with `--port 0` can find the port. Ctrl-C or SIGTERM stops it gracefully.

use std::future::Future;
use std::io::Write;
use std::pin::pin;
use std::process::ExitCode;
use std::task::Poll;

use user_service::{AppState, Config, FAULT_ENV, Fault, LOG_ENV};

const USAGE: &str = "\
user-service: the contractgate incident example (an HTTP API on 127.0.0.1)

Usage: user-service [--port PORT] [--fault NAME]

Options:
  --port PORT    port on 127.0.0.1 (default 8080; 0 picks a free one)
  --fault NAME   break one route (overrides USER_SERVICE_FAULT); see below
  -h, --help     print this help
  -V, --version  print the version

Environment:
  USER_SERVICE_FAULT  the fault to start with (unset or empty: none)
  USER_SERVICE_LOG    1 to log every request (method, path, status) to stderr

Faults:
";

#[derive(Debug)]
struct Args {
    port: u16,
    fault: Option<Fault>,
}

#[derive(Debug)]
enum Action {
    Run(Args),
    Help,
    Version,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Action, String> {
    let mut parsed = Args {
        port: 8080,
        fault: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.into())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Action::Help),
            "-V" | "--version" => return Ok(Action::Version),
            "--port" | "-p" => {
                let v = value("--port")?;
                parsed.port = v
                    .parse()
                    .map_err(|_| format!("--port: `{v}` is not a port number (0-65535)"))?;
            }
            "--fault" => {
                let v = value("--fault")?;
                parsed.fault = Some(v.parse().map_err(|e| format!("--fault: {e}"))?);
            }
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    Ok(Action::Run(parsed))
}

fn usage() -> String {
    let mut text = USAGE.to_owned();
    for fault in Fault::ALL {
        text.push_str(&format!("  {:<16}{}\n", fault.name(), fault.description()));
    }
    text
}

fn main() -> ExitCode {
    let action = match parse_args(std::env::args().skip(1)) {
        Ok(action) => action,
        Err(e) => {
            eprintln!("user-service: {e}\n\nRun `user-service --help` for usage.");
            return ExitCode::from(2);
        }
    };
    let args = match action {
        Action::Help => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Action::Version => {
            println!("user-service {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Action::Run(args) => args,
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("user-service: {e}");
            return ExitCode::from(2);
        }
    };
    let config = match args.fault {
        Some(fault) => config.with_fault(Some(fault)),
        None => config,
    };
    match run(args.port, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("user-service: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(port: u16, config: Config) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("cannot read the bound address: {e}"))?;
        let shutdown = shutdown_signal().map_err(|e| format!("cannot watch for signals: {e}"))?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on http://{addr}")
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("cannot write to stdout: {e}"))?;
        drop(stdout);
        match config.fault {
            Some(fault) => eprintln!(
                "user-service: fault `{fault}` is active: {} ({FAULT_ENV})",
                fault.description()
            ),
            None => eprintln!("user-service: no fault active (set {FAULT_ENV} to break a route)"),
        }
        if config.log_to_stderr {
            eprintln!("user-service: logging every request to stderr ({LOG_ENV})");
        }
        user_service::serve_with_shutdown(listener, AppState::new(config), shutdown)
            .await
            .map_err(|e| format!("server error: {e}"))?;
        eprintln!("user-service: shut down");
        Ok(())
    })
}

/// Completes on Ctrl-C, or on SIGTERM on Unix.
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        let mut ctrl_c = pin!(tokio::signal::ctrl_c());
        std::future::poll_fn(|cx| {
            if ctrl_c.as_mut().poll(cx).is_ready() {
                return Poll::Ready(());
            }
            #[cfg(unix)]
            if terminate.poll_recv(cx).is_ready() {
                return Poll::Ready(());
            }
            Poll::Pending
        })
        .await;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Action, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_port_and_fault() {
        let Ok(Action::Run(a)) = parse(&[]) else {
            panic!()
        };
        assert_eq!((a.port, a.fault), (8080, None));
        let Ok(Action::Run(a)) = parse(&["--port", "0", "--fault=route-mixup"]) else {
            panic!()
        };
        assert_eq!((a.port, a.fault), (0, Some(Fault::RouteMixup)));
        let Ok(Action::Run(a)) = parse(&["--port=9000"]) else {
            panic!()
        };
        assert_eq!(a.port, 9000);
        assert!(matches!(parse(&["--help"]), Ok(Action::Help)));
    }

    #[test]
    fn rejects_bad_arguments() {
        assert!(parse(&["--port"]).unwrap_err().contains("needs a value"));
        assert!(
            parse(&["--port", "70000"])
                .unwrap_err()
                .contains("not a port")
        );
        let e = parse(&["--fault", "nope"]).unwrap_err();
        assert!(
            e.contains("route-mixup") && e.contains("auth-dropped"),
            "{e}"
        );
        assert!(parse(&["--verbose"]).unwrap_err().contains("--verbose"));
    }
}
