//! The `kiosk-platform` command: serve the platform, migrate or seed its
//! database, create API keys. Flags can also be given as `KIOSK_*`
//! environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use kiosk_platform::keys::KeyKind;
use kiosk_platform::{seed, StaticDirs, Store};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "kiosk-platform", version, about = "Kiosk's commerce platform")]
struct Cli {
    /// The database: a SQLite file path (created if missing) or a
    /// `postgres://user:password@host:port/database` URL, which any number
    /// of instances may share.
    #[arg(long, env = "KIOSK_DB", default_value = "kiosk.db", global = true)]
    db: String,
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
        /// Serve this directory (the admin page's Trunk dist) under /admin/.
        #[arg(long, env = "KIOSK_ADMIN_DIR")]
        admin_dir: Option<PathBuf>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Write the demo store (idempotent) and exit.
    Seed,
    /// Manage merchants' API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key and print it. It is shown this once: only its digest
    /// is stored.
    Create {
        /// The merchant the key belongs to.
        #[arg(long)]
        merchant: String,
        /// What the key is for.
        #[arg(long, value_enum)]
        kind: KindArg,
        /// An origin a publishable key may be used from (repeatable).
        #[arg(long = "origin")]
        origins: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    /// `sk_...`: the merchant's servers (orders, catalog changes).
    Secret,
    /// `pk_...`: ad units and cart widgets in browsers.
    Publishable,
    /// `ptk_...`: ad networks and ad servers.
    Partner,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let store = Store::connect(&cli.db).await?;

    match cli.command {
        Command::Migrate => tracing::info!(db = %redacted(&cli.db), "database is up to date"),
        Command::Seed => seed::demo(&store).await?,
        Command::Keys {
            command:
                KeysCommand::Create {
                    merchant,
                    kind,
                    origins,
                },
        } => {
            let kind = match kind {
                KindArg::Secret => KeyKind::Secret,
                KindArg::Publishable => KeyKind::Publishable,
                KindArg::Partner => KeyKind::Partner,
            };
            if !store.merchant_exists(&merchant).await? {
                anyhow::bail!("no merchant with id {merchant:?}");
            }
            let (key, secret) = store.create_key(&merchant, kind, &origins).await?;
            tracing::info!(key = %key.id, merchant = %merchant, kind = kind.as_str(), "key created");
            // The key goes to stdout, alone, so scripts can capture it;
            // logs go to stderr.
            use std::io::Write;
            writeln!(std::io::stdout(), "{secret}")?;
        }
        Command::Serve {
            addr,
            creative_dir,
            site_dir,
            admin_dir,
        } => {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            tracing::info!(addr = %listener.local_addr()?, db = %redacted(&cli.db), "serving");
            kiosk_platform::serve(
                listener,
                store,
                StaticDirs {
                    creative: creative_dir,
                    site: site_dir,
                    admin: admin_dir,
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// The database target as logs may show it: a URL's password is replaced.
fn redacted(db: &str) -> String {
    match (db.find("://"), db.rfind('@')) {
        (Some(scheme), Some(at)) if scheme < at => {
            let credentials = &db[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &db[..scheme + 3], &db[at..]),
                None => db.to_string(),
            }
        }
        _ => db.to_string(),
    }
}
