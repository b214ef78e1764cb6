//! What every HTTP test file shares: a real platform on `127.0.0.1:0` over a
//! temp SQLite file seeded with the demo store, and small request helpers.
#![allow(dead_code)]

use kiosk_platform::{seed, StaticDirs, Store};
use kiosk_wire::{ApiError, Session};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};

/// A running platform; `_dir` holds its database and must outlive the test.
pub struct Platform {
    pub base: String,
    pub store: Store,
    pub client: Client,
    pub dir: tempfile::TempDir,
}

impl Platform {
    /// Starts a platform with the demo store.
    pub async fn start() -> Platform {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("kiosk.db")).await.unwrap();
        seed::demo(&store).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(kiosk_platform::serve(
            listener,
            store.clone(),
            StaticDirs::default(),
        ));
        Platform {
            base,
            store,
            client: Client::new(),
            dir,
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
