//! Helpers for Kiosk's end-to-end tests: a real platform on loopback with a
//! real SQLite file, a stand-in ad server that hosts the built creative and
//! publisher pages, a real chromedriver, and a headless Chrome session.
//!
//! Each test gets its own platform, ad server and chromedriver on free
//! ports, so tests can run in parallel and leave nothing behind. Three
//! origins take part, as in production: the publisher page
//! (`127.0.0.1:<ad server>`), the creative (`localhost:<ad server>`) and
//! the platform (`127.0.0.1:<platform>`).
//!
//! The creative must have been built by Trunk first (`make build`); its
//! location comes from `KIOSK_CREATIVE_DIR`, else the workspace's `dist/`.
//! The platform also serves the admin page at `/admin/` when it has been
//! built (`KIOSK_ADMIN_DIR`, else `admin/dist/`; see [`admin_dir`]).

pub mod adserver;
pub mod proxy;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use fantoccini::{Client, ClientBuilder, Locator};
use kiosk_platform::keys::KeyKind;
use kiosk_platform::{seed, StaticDirs, Store};
use tokio::process::{Child, Command};

pub use adserver::AdServer;
pub use proxy::FlakyProxy;

/// A platform serving the API, the creative under `/ad/`, the admin page
/// under `/admin/` and the demo publisher site.
pub struct Platform {
    pub addr: SocketAddr,
    pub store: Store,
    /// A merchant secret key for the demo merchant, for API calls in tests.
    pub secret_key: String,
    db_path: PathBuf,
    /// Keeps the database file alive for the platform's lifetime.
    _dir: tempfile::TempDir,
}

impl Platform {
    /// Starts a platform on a fresh SQLite file seeded with the demo store.
    pub async fn start() -> anyhow::Result<Platform> {
        let dir = tempfile::tempdir()?;
        let db_path = dir.path().join("kiosk.db");
        let store = Store::open(&db_path).await?;
        seed::demo(&store).await?;
        let (_, secret_key) = store
            .create_key(seed::DEMO_MERCHANT, KeyKind::Secret, &[])
            .await?;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let dirs = StaticDirs {
            creative: Some(creative_dir()?),
            site: Some(workspace().join("www")),
            admin: admin_dir().ok(),
        };
        tokio::spawn(kiosk_platform::serve(listener, store.clone(), dirs));
        Ok(Platform {
            addr,
            store,
            secret_key,
            db_path,
            _dir: dir,
        })
    }

    /// The platform's base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    /// The demo publisher page as a shopper opens it (origin `127.0.0.1`);
    /// it frames the creative from the other origin, `localhost`.
    pub fn publisher_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.addr.port())
    }

    /// Runs a read-only SQL query on the platform's database file and
    /// returns each row's columns as text (NULL as empty).
    pub async fn rows(&self, sql: &str) -> anyhow::Result<Vec<Vec<String>>> {
        use sqlx::Row;
        let url = format!("sqlite://{}?mode=ro", self.db_path.display());
        let pool = sqlx::SqlitePool::connect(&url).await?;
        let rows = sqlx::query(sql).fetch_all(&pool).await?;
        pool.close().await;
        Ok(rows
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        row.try_get::<Option<String>, _>(i)
                            .map(Option::unwrap_or_default)
                            .or_else(|_| row.try_get::<i64, _>(i).map(|n| n.to_string()))
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect())
    }

    /// A new publishable key of the demo merchant that allows `origin`.
    pub async fn publishable_key(&self, origin: &str) -> anyhow::Result<String> {
        let (_, key) = self
            .store
            .create_key(
                seed::DEMO_MERCHANT,
                KeyKind::Publishable,
                &[origin.to_string()],
            )
            .await?;
        Ok(key)
    }

    /// Changes a product's price through the platform's merchant API.
    pub async fn set_price(&self, product: &str, price_minor: i64) -> anyhow::Result<()> {
        let response = reqwest::Client::new()
            .patch(format!("{}/v1/products/{product}", self.url()))
            .bearer_auth(&self.secret_key)
            .json(&serde_json::json!({ "price_minor": price_minor }))
            .send()
            .await?;
        if !response.status().is_success() {
            bail!(
                "price change refused: {} {}",
                response.status(),
                response.text().await?
            );
        }
        Ok(())
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
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            let session = ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await;
            match session {
                Ok(client) => return Ok(Browser { client, driver }),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        bail!("chromedriver did not accept a session on {url}")
    }

    /// Opens `url` and switches into the ad's iframe (`iframe#kiosk-ad`).
    pub async fn open_ad(&self, url: &str) -> anyhow::Result<()> {
        self.client.goto(url).await?;
        let frame = self
            .client
            .wait()
            .for_element(Locator::Css("iframe#kiosk-ad"))
            .await?;
        frame.enter_frame().await?;
        Ok(())
    }

    /// Waits (up to 20 s) until some element matching `css` contains
    /// `needle` in its text; returns that text.
    pub async fn wait_for_contains(&self, css: &str, needle: &str) -> anyhow::Result<String> {
        let script = format!(
            "const found = [...document.querySelectorAll({})].find(e => e.textContent.includes({}));
             return found ? found.textContent : null;",
            serde_json::to_string(css)?,
            serde_json::to_string(needle)?
        );
        let text = self
            .eval_until(&script, Duration::from_millis(100))
            .await
            .with_context(|| format!("no {css} ever contained {needle:?}"))?;
        Ok(text.as_str().unwrap_or_default().to_string())
    }

    /// Waits (up to 20 s) until an element matching `css` has exactly `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let mut last = String::new();
        for _ in 0..200 {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if last == text {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("{css} never showed {text:?}; last seen {last:?}")
    }

    /// The text of the first element matching `css`, waiting up to 20 s for
    /// it to exist.
    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        let element = self
            .client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await?;
        Ok(element.text().await?)
    }

    /// Runs `script` in the current frame every `every` until it returns
    /// something other than null (at most 20 s), and returns that.
    pub async fn eval_until(
        &self,
        script: &str,
        every: Duration,
    ) -> anyhow::Result<serde_json::Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let value = self.eval(script).await?;
            if !value.is_null() {
                return Ok(value);
            }
            if tokio::time::Instant::now() > deadline {
                bail!("the page never answered: {script}");
            }
            tokio::time::sleep(every).await;
        }
    }

    /// Runs `expression` (JS, with `root` bound to the cart widget's shadow
    /// root) in the current frame until it returns something other than
    /// null (at most 20 s), and returns that.
    pub async fn in_widget(&self, expression: &str) -> anyhow::Result<serde_json::Value> {
        let script = format!(
            "const host = document.querySelector('kiosk-cart');
             const root = host && host.shadowRoot;
             if (!root) return null;
             return {expression};"
        );
        self.eval_until(&script, Duration::from_millis(100)).await
    }

    /// Waits (up to 20 s) until the widget's element `css` shows `text`.
    pub async fn widget_text_is(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let check = format!(
            "(root.querySelector({css:?}) && root.querySelector({css:?}).textContent === {text:?}) || null"
        );
        self.in_widget(&check).await.map(|_| ())
    }

    /// Checks out the cart open in the widget's drawer as a shopper with
    /// the test card that succeeds; returns the confirmed order number.
    pub async fn checkout_in_widget(&self) -> anyhow::Result<String> {
        self.in_widget("(root.querySelector('.kiosk-checkout').click(), true)")
            .await?;
        let fields = [
            ("email", "ada@example.com"),
            ("name", "Ada Lovelace"),
            ("line1", "1 Analytical Way"),
            ("city", "London"),
            ("postal_code", "N1 9GU"),
            ("country", "GB"),
            ("card_number", "4242 4242 4242 4242"),
            ("expiry", "12/30"),
            ("cvc", "123"),
        ];
        for (field, value) in fields {
            let fill = format!(
                "(() => {{ const input = root.querySelector('#kiosk-{field}');
                     if (!input) return null;
                     input.value = {value:?};
                     input.dispatchEvent(new Event('input', {{ bubbles: true }}));
                     return true; }})()"
            );
            self.in_widget(&fill).await?;
        }
        self.in_widget("(root.querySelector('.kiosk-place-order').click(), true)")
            .await?;
        let number = self
            .in_widget(
                "root.querySelector('.kiosk-order-number') \
                 && root.querySelector('.kiosk-order-number').textContent",
            )
            .await?;
        number
            .as_str()
            .map(str::to_string)
            .context("the order number is not text")
    }

    /// Runs `script` in the current frame and returns its result.
    pub async fn eval(&self, script: &str) -> anyhow::Result<serde_json::Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    /// Presses Tab until the focused element matches `css` (at most 60
    /// times): how a keyboard-only shopper moves.
    pub async fn tab_to(&self, css: &str) -> anyhow::Result<()> {
        let check = format!(
            "return !!document.activeElement && document.activeElement.matches({});",
            serde_json::to_string(css)?
        );
        for _ in 0..60 {
            if self.eval(&check).await?.as_bool() == Some(true) {
                return Ok(());
            }
            self.keys("\u{e004}").await?;
        }
        bail!("tabbing never reached {css}")
    }

    /// Types `text` into whatever has focus (WebDriver key codes allowed:
    /// `\u{e004}` Tab, `\u{e007}` Enter).
    pub async fn keys(&self, text: &str) -> anyhow::Result<()> {
        let focused = self.client.active_element().await?;
        focused.send_keys(text).await?;
        Ok(())
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

/// Where the built admin page is; an error saying how to build it when it
/// is missing.
pub fn admin_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::var_os("KIOSK_ADMIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("admin").join("dist"));
    if !dir.join("index.html").exists() {
        bail!(
            "no built admin page in {} (run `make build` first)",
            dir.display()
        );
    }
    Ok(dir)
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A port nothing listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
