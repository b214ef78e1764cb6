//! The `kiosk-platform` command: serve the platform, migrate or seed its
//! database. Flags can also be given as `KIOSK_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use kiosk_platform::{seed, StaticDirs, Store};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "kiosk-platform", version, about = "Kiosk's commerce platform")]
struct Cli {
    /// The SQLite database file; created if missing.
    #[arg(long, env = "KIOSK_DB", default_value = "kiosk.db", global = true)]
    db: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (migrates the database first).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "KIOSK_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Serve this directory (Trunk's dist) as the creative under /ad/.
        #[arg(long, env = "KIOSK_CREATIVE_DIR")]
        creative_dir: Option<PathBuf>,
        /// Serve this directory as the demo publisher site under /.
        #[arg(long, env = "KIOSK_SITE_DIR")]
        site_dir: Option<PathBuf>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Write the demo store (idempotent) and exit.
    Seed,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let store = Store::open(&cli.db).await?;

    match cli.command {
        Command::Migrate => tracing::info!(db = %cli.db.display(), "database is up to date"),
        Command::Seed => seed::demo(&store).await?,
        Command::Serve {
            addr,
            creative_dir,
            site_dir,
        } => {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            tracing::info!(addr = %listener.local_addr()?, db = %cli.db.display(), "serving");
            kiosk_platform::serve(
                listener,
                store,
                StaticDirs {
                    creative: creative_dir,
                    site: site_dir,
                },
            )
            .await?;
        }
    }
    Ok(())
}
