//! The `firstpass` binary: parses the command line and runs it.

use clap::Parser;
use firstpass_api::cli::Cli;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// A request allocates many small, short-lived values (rows, GraphQL values, JSON); mimalloc
/// serves them markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line that names the setting or the cause.
            eprintln!("firstpass: {err:#}");
            ExitCode::from(2)
        }
    }
}
