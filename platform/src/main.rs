//! The `kiosk-platform` command: serve the platform, migrate or seed its
//! database, create API keys, simulate shoppers against a running
//! platform. Flags can also be given as `KIOSK_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use kiosk_platform::keys::KeyKind;
use kiosk_platform::{seed, simulate, StaticDirs, Store};
use kiosk_wire::PlacementPolicy;
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
    /// Drive simulated shoppers through a running platform's HTTP API
    /// (seeded and repeatable); prints what they did. Needs no database.
    Simulate {
        /// The platform's base URL.
        #[arg(
            long,
            env = "KIOSK_SIMULATE_BASE",
            default_value = "http://127.0.0.1:8080"
        )]
        base: String,
        /// Seed of every random choice.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How many shoppers; 0 runs until stopped.
        #[arg(long, default_value_t = 1000)]
        sessions: usize,
        /// A placement shoppers arrive through (repeatable; in turn).
        #[arg(long = "placement", default_values_t = ["pl_sidebar".to_string(), "pl_leaderboard".to_string()])]
        placements: Vec<String>,
        /// A product that converts far better than the others.
        #[arg(long)]
        best: Option<String>,
        /// Milliseconds between shoppers.
        #[arg(long, default_value_t = 0)]
        pause_ms: u64,
        /// A merchant secret key, to restock products running low.
        #[arg(long, env = "KIOSK_SIMULATE_SECRET_KEY")]
        secret_key: Option<String>,
        /// Switch every named placement to this policy first (`thompson`
        /// or `ordered`; needs the secret key).
        #[arg(long, value_parser = parse_policy)]
        policy: Option<PlacementPolicy>,
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
    if let Command::Simulate {
        base,
        seed,
        sessions,
        placements,
        best,
        pause_ms,
        secret_key,
        policy,
    } = cli.command
    {
        return simulate(simulate::Config {
            base,
            seed,
            sessions: (sessions > 0).then_some(sessions),
            placements,
            best,
            pause: std::time::Duration::from_millis(pause_ms),
            secret_key,
            publishable_key: None,
            policy,
        })
        .await;
    }
    let store = Store::connect(&cli.db).await?;

    match cli.command {
        Command::Simulate { .. } => unreachable!("simulate returned above"),
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

fn parse_policy(name: &str) -> Result<PlacementPolicy, String> {
    PlacementPolicy::parse(name).ok_or_else(|| format!("{name:?} is not `ordered` or `thompson`"))
}

/// Runs a simulation and prints its figures to stdout.
async fn simulate(config: simulate::Config) -> anyhow::Result<()> {
    let report = simulate::run(&config).await?;
    use std::io::Write;
    let mut out = std::io::stdout();
    writeln!(
        out,
        "{} shoppers, {} events ({:.0}/s), {} added to cart, {} orders, {} restocks in {:.1} s",
        report.sessions,
        report.events,
        report.events_per_second(),
        report.add_to_carts,
        report.orders,
        report.restocks,
        report.elapsed.as_secs_f64()
    )?;
    if let Some(best) = &config.best {
        for placement in &config.placements {
            let shoppers = report.shown.iter().filter(|(p, _)| p == placement).count();
            let step = (shoppers / 10).max(1);
            let curve: Vec<String> = (0..shoppers)
                .step_by(step)
                .map(|start| format!("{:.2}", report.share(placement, best, start..start + step)))
                .collect();
            writeln!(
                out,
                "share of {placement}'s shoppers shown {best}, per tenth of the run: {}",
                curve.join(" ")
            )?;
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
