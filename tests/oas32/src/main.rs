//! The OpenAPI 3.2 test service as a process, for `contractgate run --server`:
//! `oas32-e2e --port N` (0 for any free port), broken as `OAS32_FAULT` says.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let port = match args.iter().position(|a| a == "--port") {
        Some(i) => match args.get(i + 1).map(|p| p.parse::<u16>()) {
            Some(Ok(p)) => p,
            _ => {
                eprintln!("--port needs a number");
                std::process::exit(2);
            }
        },
        None => 0,
    };
    let fault = match oas32_e2e::Fault::from_env() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
                std::process::exit(1);
            }
        };
        if let Ok(addr) = listener.local_addr() {
            eprintln!("listening on http://{addr} (fault: {fault:?})");
        }
        if let Err(e) = axum::serve(listener, oas32_e2e::app(fault)).await {
            eprintln!("server error: {e}");
            std::process::exit(1);
        }
    });
}
