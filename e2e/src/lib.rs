//! Helpers for Kiosk's end-to-end tests: a real platform on loopback with a
//! real SQLite file, a real chromedriver, and a headless Chrome session.
//!
//! Each test gets its own platform (on `127.0.0.1:0`), its own database file
//! and its own chromedriver on a free port, so tests can run in parallel and
//! leave nothing behind. The creative must have been built by Trunk first
//! (`make build`); its location comes from `KIOSK_CREATIVE_DIR`, else the
//! workspace's `dist/`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use fantoccini::{Client, ClientBuilder};
use kiosk_platform::{StaticDirs, Store};
use tokio::process::{Child, Command};

/// A platform serving the creative and the demo publisher site.
pub struct Platform {
    pub addr: SocketAddr,
    pub store: Store,
    /// Keeps the database file alive for the platform's lifetime.
    _dir: tempfile::TempDir,
}

impl Platform {
    /// Starts a platform on a fresh SQLite file seeded with the demo store.
    pub async fn start() -> anyhow::Result<Platform> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join("kiosk.db")).await?;
        kiosk_platform::seed::demo(&store).await?;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let dirs = StaticDirs {
            creative: Some(creative_dir()?),
            site: Some(workspace().join("www")),
        };
        tokio::spawn(kiosk_platform::serve(listener, store.clone(), dirs));
        Ok(Platform {
            addr,
            store,
            _dir: dir,
        })
    }

    /// The publisher page as a shopper opens it (origin `127.0.0.1`); it
    /// frames the creative from the other origin, `localhost`.
    pub fn publisher_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.addr.port())
    }
}

/// A chromedriver process and a headless Chrome session driven through it.
pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chrome.
    pub async fn start() -> anyhow::Result<Browser> {
        let port = free_port()?;
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {chromedriver} (run `make setup`)"))?;

        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1200,900"
                ]
            }),
        );

        // chromedriver needs a moment to listen; retry the session until it does.
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..50 {
            let builder =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(capabilities.clone())
                    .connect(&url)
                    .await;
            match builder {
                Ok(client) => return Ok(Browser { client, driver }),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        bail!("chromedriver did not accept a session on {url}")
    }

    /// Ends the Chrome session and chromedriver.
    pub async fn close(mut self) -> anyhow::Result<()> {
        self.client.close().await?;
        self.driver.kill().await?;
        Ok(())
    }
}

/// Where the built creative is.
pub fn creative_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::var_os("KIOSK_CREATIVE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("dist"));
    if !dir.join("index.html").exists() {
        bail!(
            "no built creative in {} (run `make build` first)",
            dir.display()
        );
    }
    Ok(dir)
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
