//! Two platform instances on one PostgreSQL database, as in a scale-out
//! deployment: a change made through one instance reaches live subscribers
//! of the other, and stock taken through both is never oversold.
//!
//! Compiled only with the `postgres-tests` feature (the PostgreSQL pass of
//! `scripts/test.sh`), and it fails, rather than passes, when
//! `KIOSK_TEST_DATABASE_URL` is not set: SQLite serves one process, so there
//! is nothing to show there.

mod common;

use std::time::Duration;

use common::sse::Subscription;
use common::{checkout_body, TestDb, DATABASE_URL_VAR};
use kiosk_platform::keys::KeyKind;
use kiosk_platform::seed::{self, DEMO_MERCHANT};
use kiosk_platform::{StaticDirs, Store};
use kiosk_wire::{LiveUpdate, Session};
use reqwest::{Client, StatusCode};
use serde_json::json;

/// A guard against a hung wait, not a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(20);

/// One instance: its own store (pool) on the shared database, its own live
/// relay, its own port.
struct Instance {
    base: String,
    store: Store,
}

impl Instance {
    async fn start(db: &TestDb) -> Instance {
        let store = db.open().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(kiosk_platform::serve(
            listener,
            store.clone(),
            StaticDirs::default(),
        ));
        Instance { base, store }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// The shared database, seeded with the demo store; PostgreSQL or a clear
/// failure.
async fn shared_database() -> TestDb {
    assert!(
        std::env::var(DATABASE_URL_VAR).is_ok_and(|url| !url.is_empty()),
        "{DATABASE_URL_VAR} must name a PostgreSQL server for the two-instance tests"
    );
    let db = TestDb::new().await;
    assert!(db.is_postgres());
    seed::demo(&db.open().await).await.unwrap();
    db
}

/// A price changed through instance A reaches an ad's live stream on
/// instance B (and A's own subscribers too).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn price_change_on_one_instance_reaches_subscribers_of_another() {
    let db = shared_database().await;
    let a = Instance::start(&db).await;
    let b = Instance::start(&db).await;
    let client = Client::new();
    let (_, key) = a
        .store
        .create_key(DEMO_MERCHANT, KeyKind::Secret, &[])
        .await
        .unwrap();

    let mut streams = Vec::new();
    for instance in [&b, &a] {
        let response = client
            .get(instance.url("/v1/live?placement=pl_sidebar"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        streams.push(Subscription::after_ready(response).await);
    }

    let patched = client
        .patch(a.url("/v1/products/prd_trail-runner"))
        .bearer_auth(&key)
        .json(&json!({ "price_minor": 9900 }))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::OK);

    for stream in &mut streams {
        let (event, data) = stream.next().await;
        assert_eq!(event, "product");
        let LiveUpdate::Product { product } = serde_json::from_str(&data).unwrap() else {
            panic!("expected a product update: {data}");
        };
        assert_eq!(product.id, "prd_trail-runner");
        assert_eq!(product.price.amount_minor, 9900);
    }

    // B reads the new price from the shared database, too.
    let product: serde_json::Value = client
        .get(b.url("/v1/products/prd_trail-runner"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(product["price"]["amount_minor"], 9900);
}

/// A change too large for a PostgreSQL notification (a product with a
/// long list of attributes) still reaches the other instance's subscribers:
/// the notification names the stored update instead of carrying it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_too_large_to_notify_reaches_the_other_instance() {
    let db = shared_database().await;
    let a = Instance::start(&db).await;
    let b = Instance::start(&db).await;
    let client = Client::new();
    let (_, key) = a
        .store
        .create_key(DEMO_MERCHANT, KeyKind::Secret, &[])
        .await
        .unwrap();
    let attributes: std::collections::BTreeMap<String, String> = (0..40)
        .map(|i| {
            (
                format!("care note {i:02}"),
                "wash cold, dry flat; ".repeat(12),
            )
        })
        .collect();
    a.store
        .set_product_details("prd_trail-runner", true, &attributes, &[])
        .await
        .unwrap();

    let response = client
        .get(b.url("/v1/live?placement=pl_sidebar"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut stream = Subscription::after_ready(response).await;

    let patched = client
        .patch(a.url("/v1/products/prd_trail-runner"))
        .bearer_auth(&key)
        .json(&json!({ "price_minor": 9900 }))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::OK);

    let (event, data) = stream.next().await;
    assert_eq!(event, "product");
    assert!(data.len() > 8000, "the update is {} bytes", data.len());
    let LiveUpdate::Product { product } = serde_json::from_str(&data).unwrap() else {
        panic!("expected a product update: {data}");
    };
    assert_eq!(product.price.amount_minor, 9900);
    assert_eq!(product.attributes, attributes);
}

/// Twenty buyers of the last 7 units, checking out through two instances
/// at once, get exactly 7 orders between them; the rest are told the
/// product is out of stock, and stock ends at 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_never_oversell() {
    let db = shared_database().await;
    let a = Instance::start(&db).await;
    let b = Instance::start(&db).await;
    let client = Client::new();
    let product = "prd_camp-mug";
    let (_, key) = a
        .store
        .create_key(DEMO_MERCHANT, KeyKind::Secret, &[])
        .await
        .unwrap();
    let set = client
        .patch(a.url(&format!("/v1/products/{product}")))
        .bearer_auth(&key)
        .json(&json!({ "stock": 7 }))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::OK);

    let mut buyers = Vec::new();
    for i in 0..20 {
        let instance = if i % 2 == 0 { &a } else { &b };
        let session: Session = client
            .post(instance.url("/v1/sessions"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let added = client
            .post(instance.url("/v1/cart/lines"))
            .bearer_auth(&session.token)
            .json(&json!({ "product_id": product, "quantity": 1 }))
            .send()
            .await
            .unwrap();
        assert_eq!(added.status(), StatusCode::OK);
        buyers.push((instance.url("/v1/checkout"), session.token));
    }

    let checkouts = buyers.into_iter().enumerate().map(|(i, (url, token))| {
        let client = client.clone();
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .header("idempotency-key", format!("two-{i}"))
                .json(&checkout_body())
                .send()
                .await
                .unwrap()
        }
    });
    let responses = futures_util::future::join_all(checkouts).await;
    let mut placed = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED => placed += 1,
            StatusCode::CONFLICT => {
                let body: serde_json::Value = response.json().await.unwrap();
                assert_eq!(body["code"], "out_of_stock", "{body}");
            }
            status => panic!("unexpected {status}: {}", response.text().await.unwrap()),
        }
    }
    assert_eq!(placed, 7);
    let stock = b.store.product(product).await.unwrap().stock;
    assert_eq!(stock, 0);
}

/// Orders placed through two instances reach the merchant's webhook once
/// each: an instance claims a delivery before sending it, so the other
/// does not send it too, even while the receiver is slow to answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_deliver_each_webhook_once() {
    use std::sync::{Arc, Mutex};

    let db = shared_database().await;
    let a = Instance::start(&db).await;
    let b = Instance::start(&db).await;
    let client = Client::new();

    // A receiver that takes its time, so deliveries are in flight while
    // the other instance's worker wakes up.
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(
                |axum::extract::State(received): axum::extract::State<Arc<Mutex<Vec<String>>>>,
                 body: String| async move {
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    let delivery: serde_json::Value = serde_json::from_str(&body).unwrap();
                    let number = delivery["data"]["number"].as_str().unwrap_or_default();
                    received.lock().unwrap().push(number.to_string());
                    axum::http::StatusCode::OK
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (_, key) = a
        .store
        .create_key(DEMO_MERCHANT, KeyKind::Secret, &[])
        .await
        .unwrap();
    let set = client
        .put(a.url("/v1/merchant/webhook"))
        .bearer_auth(&key)
        .json(&json!({ "url": hook }))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::OK);

    let mut placed = Vec::new();
    for i in 0..10 {
        let instance = if i % 2 == 0 { &a } else { &b };
        let session: Session = client
            .post(instance.url("/v1/sessions"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let added = client
            .post(instance.url("/v1/cart/lines"))
            .bearer_auth(&session.token)
            .json(&json!({ "product_id": "prd_camp-mug", "quantity": 1 }))
            .send()
            .await
            .unwrap();
        assert_eq!(added.status(), StatusCode::OK);
        let order = client
            .post(instance.url("/v1/checkout"))
            .bearer_auth(&session.token)
            .header("idempotency-key", format!("hook-{i}"))
            .json(&checkout_body())
            .send()
            .await
            .unwrap();
        assert_eq!(order.status(), StatusCode::CREATED);
        let order: serde_json::Value = order.json().await.unwrap();
        placed.push(order["number"].as_str().unwrap().to_string());
    }

    tokio::time::timeout(HANG_GUARD, async {
        while received.lock().unwrap().len() < placed.len() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("every order's webhook arrives");
    // Room for a second sending of any of them to arrive, were there one.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let mut got = received.lock().unwrap().clone();
    got.sort();
    placed.sort();
    assert_eq!(got, placed, "each order delivered exactly once");
}
