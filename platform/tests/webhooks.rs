//! Orders out by webhook, over real HTTP: a merchant sets its endpoint and
//! field map, and every order change reaches a receiver at least once,
//! signed, retried after failures.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use common::{assert_error, checkout_body, Platform};
use kiosk_platform::keys::KeyKind;
use kiosk_platform::seed::DEMO_MERCHANT;
use kiosk_platform::webhooks::signature;
use kiosk_wire::{OrderConfirmation, WebhookEndpoint};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::sync::mpsc;

/// A guard against a hung test, not a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(20);

/// A merchant's webhook receiver on loopback that answers 500 to its first
/// `fail_first` requests and 200 after, passing each request on.
struct Receiver {
    url: String,
    requests: mpsc::UnboundedReceiver<(HeaderMap, String)>,
    answered: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct ReceiverState {
    sender: mpsc::UnboundedSender<(HeaderMap, String)>,
    answered: Arc<AtomicUsize>,
    fail_first: usize,
}

impl Receiver {
    async fn start(fail_first: usize) -> Receiver {
        let (sender, requests) = mpsc::unbounded_channel();
        let answered = Arc::new(AtomicUsize::new(0));
        let state = ReceiverState {
            sender,
            answered: answered.clone(),
            fail_first,
        };
        let app = axum::Router::new()
            .route("/hook", post(receive))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver {
            url,
            requests,
            answered,
        }
    }

    /// The next request the receiver got: its headers and body.
    async fn next(&mut self) -> (HeaderMap, Value) {
        let (headers, body) = tokio::time::timeout(HANG_GUARD, self.requests.recv())
            .await
            .expect("no webhook arrived")
            .unwrap();
        (headers, serde_json::from_str(&body).unwrap())
    }
}

async fn receive(
    State(state): State<ReceiverState>,
    headers: HeaderMap,
    body: String,
) -> AxumStatus {
    let seen = state.answered.fetch_add(1, Ordering::SeqCst);
    let _ = state.sender.send((headers, body));
    if seen < state.fail_first {
        AxumStatus::INTERNAL_SERVER_ERROR
    } else {
        AxumStatus::OK
    }
}

async fn set_webhook(platform: &Platform, key: &str, body: Value) -> reqwest::Response {
    platform
        .client
        .put(platform.url("/v1/merchant/webhook"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn place_order(platform: &Platform) -> OrderConfirmation {
    let session = platform.session_with("prd_head-torch", 1).await;
    let response = platform
        .checkout(&session.token, "k", &checkout_body())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// A placed order reaches the merchant's endpoint shaped by its field map
/// and signed with the secret the set-up answered with.
#[tokio::test]
async fn placed_order_is_delivered_mapped_and_signed() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let mut receiver = Receiver::start(0).await;
    let response = set_webhook(
        &platform,
        &key,
        json!({ "url": receiver.url, "field_map": {
            "orderId": "/number", "email": "/contact/email",
            "cents": "/total/amount_minor", "campaign": "/attribution/campaign" } }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let endpoint: WebhookEndpoint = response.json().await.unwrap();
    assert!(endpoint.secret.starts_with("whsec_"));

    let order = place_order(&platform).await;
    let (headers, body) = receiver.next().await;
    assert_eq!(body["type"], "order.placed");
    assert_eq!(
        body["data"],
        json!({ "orderId": order.number, "email": "jane@example.com",
                "cents": order.total.amount_minor, "campaign": null })
    );

    let signed = headers["kiosk-signature"].to_str().unwrap();
    let timestamp: i64 = signed
        .strip_prefix("t=")
        .and_then(|rest| rest.split(',').next())
        .unwrap()
        .parse()
        .unwrap();
    let raw = serde_json::to_string(&body).unwrap();
    assert_eq!(signed, signature(&endpoint.secret, timestamp, &raw));
    assert!(headers.contains_key("kiosk-webhook-id"));
}

/// A receiver that fails gets the same delivery again until it answers
/// 2xx: at least once, with the same webhook id.
#[tokio::test]
async fn failed_deliveries_are_retried() {
    let platform =
        Platform::start_with(|state| state.with_webhook_retry_base(Duration::from_millis(20)))
            .await;
    let key = platform.secret_key().await;
    let mut receiver = Receiver::start(2).await;
    set_webhook(&platform, &key, json!({ "url": receiver.url })).await;

    let order = place_order(&platform).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (headers, body) = receiver.next().await;
        assert_eq!(
            body["data"]["number"], order.number,
            "the whole order without a map"
        );
        ids.push(headers["kiosk-webhook-id"].to_str().unwrap().to_string());
    }
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(receiver.answered.load(Ordering::SeqCst), 3);
}

/// Status changes are delivered too, each as its own kind.
#[tokio::test]
async fn status_changes_are_delivered() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let mut receiver = Receiver::start(0).await;
    set_webhook(&platform, &key, json!({ "url": receiver.url })).await;
    let order = place_order(&platform).await;
    assert_eq!(receiver.next().await.1["type"], "order.placed");

    let paid = platform
        .client
        .post(platform.url(&format!("/v1/merchant/orders/{}/status", order.number)))
        .bearer_auth(&key)
        .json(&json!({ "status": "paid" }))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), StatusCode::OK);
    let (_, body) = receiver.next().await;
    assert_eq!(body["type"], "order.paid");
    assert_eq!(body["data"]["status"], "paid");
}

/// Orders placed while the endpoint is unreachable are owed, not lost: once
/// the merchant points the webhook at a working receiver, they arrive.
#[tokio::test]
async fn owed_deliveries_survive_an_unreachable_endpoint() {
    let platform =
        Platform::start_with(|state| state.with_webhook_retry_base(Duration::from_millis(20)))
            .await;
    let key = platform.secret_key().await;
    // A port that was just free and is closed again: connections are
    // refused at once.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let unreachable = format!("http://{closed}/hook");
    set_webhook(&platform, &key, json!({ "url": unreachable })).await;
    let order = place_order(&platform).await;

    let mut receiver = Receiver::start(0).await;
    set_webhook(&platform, &key, json!({ "url": receiver.url })).await;
    let (_, body) = receiver.next().await;
    assert_eq!(body["data"]["number"], order.number);
}

/// Setting the webhook needs the secret key (401/403) and a valid URL and
/// field map (422).
#[tokio::test]
async fn webhook_setup_errors() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let (_, partner) = platform
        .store
        .create_key(DEMO_MERCHANT, KeyKind::Partner, &[])
        .await
        .unwrap();
    let body = json!({ "url": "http://example.test/hook" });
    assert_error(
        set_webhook(&platform, "sk_nope", body.clone()).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_error(
        set_webhook(&platform, &partner, body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    for bad in [
        json!({ "url": "ftp://example.test" }),
        json!({ "url": "http://a b" }),
        json!({ "url": "http://example.test", "field_map": { "x": "contact.email" } }),
        json!({ "url": "http://example.test", "field_map": { "x": 1 } }),
    ] {
        assert_error(
            set_webhook(&platform, &key, bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        )
        .await;
    }
}
