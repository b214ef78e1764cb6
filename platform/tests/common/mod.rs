//! What every HTTP test file shares: a real platform on `127.0.0.1:0` over a
//! temp SQLite file seeded with the demo store, and small request helpers.
#![allow(dead_code)]

use std::sync::Arc;

use kiosk_platform::payments::TestProvider;
use kiosk_platform::{seed, AppState, StaticDirs, Store};
use kiosk_wire::{ApiError, Session};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};

/// A running platform; `_dir` holds its database and must outlive the test.
pub struct Platform {
    pub base: String,
    pub store: Store,
    pub client: Client,
    /// The platform's payment provider, to count holds and captures.
    pub payments: Arc<TestProvider>,
    pub dir: tempfile::TempDir,
}

impl Platform {
    /// Starts a platform with the demo store.
    pub async fn start() -> Platform {
        Platform::start_with(|state| state).await
    }

    /// Starts a platform with the demo store and its state adjusted by
    /// `adjust` (e.g. a shorter webhook retry wait).
    pub async fn start_with(adjust: impl FnOnce(AppState) -> AppState) -> Platform {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("kiosk.db")).await.unwrap();
        seed::demo(&store).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let payments = Arc::new(TestProvider::default());
        let state = adjust(AppState::new(store.clone()).with_payments(payments.clone()));
        tokio::spawn(kiosk_platform::serve_with(
            listener,
            state,
            StaticDirs::default(),
        ));
        Platform {
            base,
            store,
            client: Client::new(),
            payments,
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
