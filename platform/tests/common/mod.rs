//! What every HTTP test file shares: a fresh database for each test, a real
//! platform on `127.0.0.1:0` over it seeded with the demo store, and small
//! request helpers; `sse` reads the platform's event streams.
//!
//! The database is a temp SQLite file, or, when `KIOSK_TEST_DATABASE_URL`
//! names a PostgreSQL server (a role allowed to create databases), a
//! database of the test's own on that server, created for it and dropped
//! after it. So the same tests run against both backends.
#![allow(dead_code)]

pub mod sse;

use std::sync::Arc;

use kiosk_platform::payments::TestProvider;
use kiosk_platform::{seed, AppState, StaticDirs, Store};
use kiosk_wire::{ApiError, Session};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection, Row};

/// The variable naming the PostgreSQL server to test against.
pub const DATABASE_URL_VAR: &str = "KIOSK_TEST_DATABASE_URL";

/// A fresh, empty database for one test; dropping it deletes it.
pub struct TestDb {
    /// What `Store::connect` and the binary's `--db` take.
    pub target: String,
    place: Place,
}

enum Place {
    /// The temp dir holding the SQLite file (and its WAL).
    Sqlite(tempfile::TempDir),
    /// A database on a shared server, and how to reach the server to drop
    /// it.
    Postgres { server_url: String, name: String },
}

impl TestDb {
    /// A new database on the backend this test run is for.
    pub async fn new() -> TestDb {
        match std::env::var(DATABASE_URL_VAR) {
            Ok(server_url) if !server_url.is_empty() => {
                let name = format!(
                    "{DATABASE_PREFIX}{}_{:016x}",
                    std::process::id(),
                    rand::random::<u64>()
                );
                let mut server = PgConnection::connect(&server_url).await.unwrap();
                drop_leftovers(&mut server).await;
                server
                    .execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .unwrap();
                server.close().await.unwrap();
                TestDb {
                    target: with_database(&server_url, &name),
                    place: Place::Postgres { server_url, name },
                }
            }
            _ => {
                let dir = tempfile::tempdir().unwrap();
                TestDb {
                    target: dir.path().join("kiosk.db").display().to_string(),
                    place: Place::Sqlite(dir),
                }
            }
        }
    }

    /// A store on this database (migrated; a second one is like a restart).
    pub async fn open(&self) -> Store {
        Store::connect(&self.target).await.unwrap()
    }

    /// Whether this test runs on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.place, Place::Postgres { .. })
    }

    /// Whether `needle` is anywhere in what the database stores: the bytes
    /// of its files on SQLite, every row of every table on PostgreSQL.
    pub async fn contains(&self, needle: &str) -> bool {
        match &self.place {
            Place::Sqlite(dir) => std::fs::read_dir(dir.path()).unwrap().any(|entry| {
                let bytes = std::fs::read(entry.unwrap().path()).unwrap();
                bytes
                    .windows(needle.len())
                    .any(|window| window == needle.as_bytes())
            }),
            Place::Postgres { .. } => {
                let mut db = PgConnection::connect(&self.target).await.unwrap();
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables
                     WHERE table_schema = 'public'",
                )
                .fetch_all(&mut db)
                .await
                .unwrap();
                for table in tables {
                    let found: bool = sqlx::query(&format!(
                        "SELECT EXISTS (SELECT 1 FROM \"{table}\" t
                                        WHERE strpos(t::text, $1) > 0)"
                    ))
                    .bind(needle)
                    .fetch_one(&mut db)
                    .await
                    .unwrap()
                    .get(0);
                    if found {
                        return true;
                    }
                }
                false
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Place::Postgres { server_url, name } = &self.place else {
            return;
        };
        // Drop runs inside the test's runtime, so the database is dropped
        // from a thread with a runtime of its own, and not waited for: the
        // drop may have to wait for connections the blocked runtime would
        // still need to finish. FORCE ends the test's connections; what a
        // process leaves behind when it exits first, the next test run drops
        // (see `drop_leftovers`).
        let (server_url, name) = (server_url.clone(), name.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut server) = PgConnection::connect(&server_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = server.execute(sql.as_str()).await;
                }
            });
        });
    }
}

/// Test databases are named `kiosk_test_<pid>_<random>`.
const DATABASE_PREFIX: &str = "kiosk_test_";

/// Drops the test databases of test processes that are gone, once per
/// process.
async fn drop_leftovers(server: &mut PgConnection) {
    static ONCE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    ONCE.get_or_init(|| async {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT datname::text FROM pg_database WHERE starts_with(datname, $1)",
        )
        .bind(DATABASE_PREFIX)
        .fetch_all(&mut *server)
        .await
        .unwrap();
        for name in names {
            let pid = name[DATABASE_PREFIX.len()..]
                .split('_')
                .next()
                .unwrap_or("");
            if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let _ = server.execute(sql.as_str()).await;
            }
        }
    })
    .await;
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let authority = url.find("://").map_or(0, |i| i + 3);
    let path = url[authority..]
        .find('/')
        .map_or(url.len(), |i| authority + i);
    let query = url[path..].find('?').map_or("", |i| &url[path + i..]);
    format!("{}/{name}{query}", &url[..path])
}

/// A running platform; `db` is its database and must outlive the test.
pub struct Platform {
    pub base: String,
    pub store: Store,
    pub client: Client,
    /// The platform's payment provider, to count holds and captures.
    pub payments: Arc<TestProvider>,
    pub db: TestDb,
}

impl Platform {
    /// Starts a platform with the demo store.
    pub async fn start() -> Platform {
        Platform::start_with(|state| state).await
    }

    /// Starts a platform with the demo store and its state adjusted by
    /// `adjust` (e.g. a shorter webhook retry wait).
    pub async fn start_with(adjust: impl FnOnce(AppState) -> AppState) -> Platform {
        Platform::launch(adjust, StaticDirs::default()).await
    }

    /// Starts a platform with the demo store that also serves `dirs`.
    pub async fn serving(dirs: StaticDirs) -> Platform {
        Platform::launch(|state| state, dirs).await
    }

    async fn launch(adjust: impl FnOnce(AppState) -> AppState, dirs: StaticDirs) -> Platform {
        let db = TestDb::new().await;
        let store = db.open().await;
        seed::demo(&store).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let payments = Arc::new(TestProvider::default());
        let state = adjust(AppState::new(store.clone()).with_payments(payments.clone()));
        tokio::spawn(kiosk_platform::serve_with(listener, state, dirs));
        Platform {
            base,
            store,
            client: Client::new(),
            payments,
            db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates a session and returns it.
    pub async fn session(&self) -> Session {
        let response = self
            .client
            .post(self.url("/v1/sessions"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// Adds a line to the session's cart and returns the raw response.
    pub async fn add(&self, token: &str, product_id: &str, quantity: i64) -> Response {
        self.client
            .post(self.url("/v1/cart/lines"))
            .bearer_auth(token)
            .json(&json!({ "product_id": product_id, "quantity": quantity }))
            .send()
            .await
            .unwrap()
    }

    /// Sets a cart line's quantity and returns the raw response.
    pub async fn set_quantity(&self, token: &str, product_id: &str, quantity: i64) -> Response {
        self.client
            .patch(self.url(&format!("/v1/cart/lines/{product_id}")))
            .bearer_auth(token)
            .json(&json!({ "quantity": quantity }))
            .send()
            .await
            .unwrap()
    }

    /// Adds a line that must succeed; returns the session after it.
    pub async fn add_ok(&self, token: &str, product_id: &str, quantity: i64) -> Session {
        let response = self.add(token, product_id, quantity).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// Sets a product's stock, keeping everything else.
    pub async fn set_stock(&self, product_id: &str, stock: i64) {
        let product = self.store.product(product_id).await.unwrap();
        self.store
            .upsert_product(&kiosk_platform::store::NewProduct {
                id: &product.id,
                merchant_id: seed::DEMO_MERCHANT,
                title: &product.title,
                description: &product.description,
                price_minor: product.price.amount_minor,
                currency: &product.price.currency,
                stock,
                position: 0,
            })
            .await
            .unwrap();
    }
}

/// A checkout body that succeeds with the test provider.
pub fn checkout_body() -> Value {
    checkout_body_with_card("4242 4242 4242 4242")
}

/// A checkout body paying with `card_number`.
pub fn checkout_body_with_card(card_number: &str) -> Value {
    json!({
        "contact": { "email": "jane@example.com", "name": "Jane Doe" },
        "shipping_address": { "line1": "Hauptstr. 1", "city": "Berlin",
                              "postal_code": "10115", "country": "DE" },
        "shipping_option": "standard",
        "payment": { "card_number": card_number, "expiry": "12/39", "cvc": "123" }
    })
}

impl Platform {
    /// Posts a checkout for `token` with idempotency key `key`.
    pub async fn checkout(&self, token: &str, key: &str, body: &Value) -> Response {
        self.client
            .post(self.url("/v1/checkout"))
            .bearer_auth(token)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// A session whose cart holds `quantity` of `product_id`.
    pub async fn session_with(&self, product_id: &str, quantity: i64) -> Session {
        let session = self.session().await;
        self.add_ok(&session.token, product_id, quantity).await
    }

    /// A fresh secret key of the demo merchant.
    pub async fn secret_key(&self) -> String {
        let (_, key) = self
            .store
            .create_key(
                seed::DEMO_MERCHANT,
                kiosk_platform::keys::KeyKind::Secret,
                &[],
            )
            .await
            .unwrap();
        key
    }

    /// The demo merchant's orders, read over HTTP with a fresh secret key.
    pub async fn merchant_orders(&self) -> kiosk_wire::OrderList {
        let (_, key) = self
            .store
            .create_key(
                seed::DEMO_MERCHANT,
                kiosk_platform::keys::KeyKind::Secret,
                &[],
            )
            .await
            .unwrap();
        let response = self
            .client
            .get(self.url("/v1/merchant/orders?limit=500"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// A product's stock as the API shows it.
    pub async fn stock(&self, product_id: &str) -> i64 {
        let product: Value = self
            .client
            .get(self.url(&format!("/v1/products/{product_id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        product["stock"].as_i64().unwrap()
    }
}

/// Asserts a response is an error with `status` and `code`.
pub async fn assert_error(response: Response, status: StatusCode, code: &str) {
    assert_eq!(response.status(), status, "expected {code}");
    let text = response.text().await.unwrap();
    let error: ApiError =
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("not an ApiError ({err}): {text}"));
    assert_eq!(error.code, code, "{text}");
    assert!(!error.message.is_empty());
}

/// The body of a response as JSON.
pub async fn body(response: Response) -> Value {
    response.json().await.unwrap()
}
