//! Event ingest over HTTP: sendBeacon bodies, per-event results and
//! deduplication by the client's event id.

mod common;

use common::{assert_error, Platform};
use kiosk_wire::{EventBatchResult, EventOutcome};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn post(platform: &Platform, content_type: &str, body: String) -> reqwest::Response {
    platform
        .client
        .post(platform.url("/v1/events"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

fn every_kind(session: &str) -> Value {
    let kinds = [
        "impression",
        "viewable_impression",
        "click",
        "product_view",
        "add_to_cart",
        "checkout_start",
        "purchase",
    ];
    let events: Vec<Value> = kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            json!({ "id": format!("e{i}"), "kind": kind, "session": session,
                    "placement": "pl_sidebar", "creative": "cr_1", "campaign": "spring",
                    "product": "prd_camp-mug", "occurred_at": 1_700_000_000_000i64 })
        })
        .collect();
    json!({ "events": events })
}

/// A beacon (`text/plain`) carrying every kind of event is accepted whole:
/// 200 with one `accepted` result per event.
#[tokio::test]
async fn beacon_batch_of_every_kind_is_accepted() {
    let platform = Platform::start().await;
    let session = platform.session().await;
    let response = post(
        &platform,
        "text/plain;charset=UTF-8",
        every_kind(&session.id).to_string(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let result: EventBatchResult = response.json().await.unwrap();
    assert_eq!(
        (result.accepted, result.duplicates, result.rejected),
        (7, 0, 0)
    );
    assert!(result
        .results
        .iter()
        .all(|r| r.outcome == EventOutcome::Accepted));
}

/// A resent batch (same session, same event ids) is acknowledged but
/// counted once: every event comes back `duplicate`.
#[tokio::test]
async fn resent_events_are_duplicates() {
    let platform = Platform::start().await;
    let session = platform.session().await;
    let body = every_kind(&session.id).to_string();
    post(&platform, "application/json", body.clone()).await;
    let again: EventBatchResult = post(&platform, "application/json", body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((again.accepted, again.duplicates), (0, 7));
}

/// Bad events are rejected one by one with a code while the good ones in
/// the same batch are kept; the answer is 207.
#[tokio::test]
async fn bad_events_are_rejected_individually() {
    let platform = Platform::start().await;
    let session = platform.session().await;
    let s = session.id.as_str();
    let batch = json!([
        { "id": "ok", "kind": "click", "session": s, "placement": "pl_sidebar" },
        { "id": "k1", "kind": "teleport", "session": s, "placement": "pl_sidebar" },
        { "id": "k2", "kind": "click", "session": "ses_nope", "placement": "pl_sidebar" },
        { "id": "k3", "kind": "impression", "session": s },
        { "id": "k4", "kind": "add_to_cart", "session": s, "placement": "pl_sidebar" },
        { "id": "k5", "kind": "click", "session": s, "placement": "pl_nope" },
        { "id": "k6", "kind": "product_view", "session": s, "product": "prd_nope" },
        { "id": "", "kind": "click", "session": s, "placement": "pl_sidebar" },
        "not an event",
        { "id": "ok2", "kind": "purchase", "session": s }
    ]);
    let response = post(&platform, "text/plain", batch.to_string()).await;
    assert_eq!(response.status(), StatusCode::MULTI_STATUS);
    let result: EventBatchResult = response.json().await.unwrap();
    assert_eq!((result.accepted, result.rejected), (2, 8));
    let codes: Vec<Option<&str>> = result
        .results
        .iter()
        .map(|r| r.error.as_ref().map(|e| e.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            None,
            Some("invalid_event"),
            Some("unknown_session"),
            Some("missing_placement"),
            Some("missing_product"),
            Some("unknown_placement"),
            Some("unknown_product"),
            Some("invalid_event"),
            Some("invalid_event"),
            None
        ]
    );
    assert_eq!(result.results[1].id.as_deref(), Some("k1"));
    assert!(!result.results[1].error.as_ref().unwrap().message.is_empty());
}

/// A body that is not a batch fails as a whole with a code: broken JSON
/// 400, the wrong shape 422, too many events or bytes 413.
#[tokio::test]
async fn bodies_that_are_not_batches_fail() {
    let platform = Platform::start().await;
    let broken = post(&platform, "text/plain", "{\"events\": [".into()).await;
    assert_error(broken, StatusCode::BAD_REQUEST, "invalid_json").await;
    let shape = post(&platform, "application/json", r#"{"event": 1}"#.into()).await;
    assert_error(shape, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    let scalar = post(&platform, "application/json", "42".into()).await;
    assert_error(scalar, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;

    let session = platform.session().await;
    let many: Vec<Value> = (0..101)
        .map(|i| json!({ "id": format!("e{i}"), "kind": "purchase", "session": session.id }))
        .collect();
    let too_many = post(&platform, "application/json", Value::from(many).to_string()).await;
    assert_error(too_many, StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large").await;

    let huge = format!("{{\"events\": [\"{}\"]}}", "x".repeat(3 << 20));
    let too_big = post(&platform, "text/plain", huge).await;
    assert_error(too_big, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").await;
}

/// Event ids are deduplicated per session: two sessions may use the same id.
#[tokio::test]
async fn event_ids_are_scoped_to_the_session() {
    let platform = Platform::start().await;
    let a = platform.session().await;
    let b = platform.session().await;
    let batch = json!([
        { "id": "same", "kind": "purchase", "session": a.id },
        { "id": "same", "kind": "purchase", "session": b.id },
        { "id": "same", "kind": "purchase", "session": b.id }
    ]);
    let result: EventBatchResult = post(&platform, "application/json", batch.to_string())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((result.accepted, result.duplicates), (2, 1));
}
