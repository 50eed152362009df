//! The `contractgate` binary: parses arguments and hands over to [`contractgate_cli::run`].

fn main() -> std::process::ExitCode {
    let args = <contractgate_cli::Cli as clap::Parser>::parse();
    contractgate_cli::run(args)
}
