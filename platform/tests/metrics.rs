//! `/metrics` over HTTP: Prometheus text with the platform's counters.

mod common;

use common::{checkout_body, checkout_body_with_card, Platform};
use reqwest::StatusCode;
use serde_json::json;

async fn scrape(platform: &Platform) -> String {
    let response = platform
        .client
        .get(platform.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    response.text().await.unwrap()
}

/// Orders, checkout refusals by code, events by outcome and responses by
/// status class are counted as they happen.
#[tokio::test]
async fn metrics_count_orders_refusals_events_and_responses() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_camp-mug", 1).await;
    platform
        .checkout(
            &session.token,
            "declined",
            &checkout_body_with_card("4000000000000002"),
        )
        .await;
    platform
        .checkout(&session.token, "ok", &checkout_body())
        .await;
    let events = json!([
        { "id": "e1", "kind": "click", "session": session.id, "placement": "pl_sidebar" },
        { "id": "e1", "kind": "click", "session": session.id, "placement": "pl_sidebar" },
        { "id": "e2", "kind": "click", "session": "ses_nope", "placement": "pl_sidebar" }
    ]);
    platform
        .client
        .post(platform.url("/v1/events"))
        .header("content-type", "text/plain")
        .body(events.to_string())
        .send()
        .await
        .unwrap();
    platform
        .client
        .get(platform.url("/v1/products/prd_nope"))
        .send()
        .await
        .unwrap();

    let text = scrape(&platform).await;
    for line in [
        "kiosk_orders_placed_total 1",
        "kiosk_checkout_refusals_total{code=\"card_declined\"} 1",
        "kiosk_events_total{outcome=\"accepted\"} 1",
        "kiosk_events_total{outcome=\"duplicate\"} 1",
        "kiosk_events_total{outcome=\"rejected\"} 1",
        "kiosk_http_responses_total{class=\"5xx\"} 0",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
    }
    let client_errors: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("kiosk_http_responses_total{class=\"4xx\"} "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(client_errors >= 2, "{text}");
    assert!(text.contains("kiosk_http_request_seconds_bucket{le=\"+Inf\"}"));
}
