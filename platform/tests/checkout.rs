//! Checkout over HTTP: validation, payments with the test provider's cards,
//! idempotency keys, and stock taken atomically under concurrency.

mod common;

use std::collections::HashSet;

use common::{assert_error, checkout_body, checkout_body_with_card, Platform};
use futures_util::future::join_all;
use kiosk_platform::payments::TestPaymentState;
use kiosk_wire::{OrderConfirmation, OrderStatus, Session};
use reqwest::StatusCode;
use serde_json::json;

/// A checkout answers 201 with an order number, server-computed totals
/// (shipping included), the card's last four and a masked email; the stock
/// is taken and the cart is empty afterwards.
#[tokio::test]
async fn checkout_places_an_order() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_day-pack", 2).await;
    let response = platform
        .checkout(&session.token, "k1", &checkout_body())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let order: OrderConfirmation = response.json().await.unwrap();

    assert_eq!(order.status, OrderStatus::Placed);
    assert_eq!(order.number.len(), 12, "{}", order.number);
    assert_eq!(order.subtotal.amount_minor, 2 * 8900);
    assert_eq!(order.shipping.amount_minor, 495);
    assert_eq!(order.total.amount_minor, 2 * 8900 + 495);
    assert_eq!(order.card_last4, "4242");
    assert_eq!(order.email_hint, "j***@example.com");
    assert_eq!(order.lines[0].quantity, 2);
    assert_eq!(platform.stock("prd_day-pack").await, 1);
    assert_eq!(platform.payments.count(TestPaymentState::Authorized), 1);

    let after: Session = platform
        .client
        .get(platform.url("/v1/sessions/current"))
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(after.cart.lines.is_empty());
}

/// Express shipping costs more; the total follows the option chosen.
#[tokio::test]
async fn express_shipping_is_priced_by_the_platform() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_camp-mug", 1).await;
    let mut body = checkout_body();
    body["shipping_option"] = json!("express");
    body["total"] = json!({ "amount_minor": 1, "currency": "EUR" });
    let order: OrderConfirmation = platform
        .checkout(&session.token, "k", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order.total.amount_minor, 1450 + 1495);
}

/// A declined card and a card without funds are 402s with their codes;
/// they leave no order, no hold, the stock and the cart as they were.
#[tokio::test]
async fn declined_payments_leave_nothing_behind() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_day-pack", 1).await;
    for (card, code) in [
        ("4000 0000 0000 0002", "card_declined"),
        ("4000000000009995", "insufficient_funds"),
    ] {
        let response = platform
            .checkout(&session.token, code, &checkout_body_with_card(card))
            .await;
        assert_error(response, StatusCode::PAYMENT_REQUIRED, code).await;
    }
    assert_eq!(platform.stock("prd_day-pack").await, 3);
    assert_eq!(platform.payments.authorizations(), 0);
    let current: Session = platform
        .client
        .get(platform.url("/v1/sessions/current"))
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(current.cart.item_count, 1);

    // The same cart then checks out with a good card under a new key.
    let ok = platform
        .checkout(&session.token, "k-ok", &checkout_body())
        .await;
    assert_eq!(ok.status(), StatusCode::CREATED);
}

/// Each part of the request is checked, with its own 422 code, before
/// anything is held or written.
#[tokio::test]
async fn invalid_requests_have_codes() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_camp-mug", 1).await;
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        ("/contact/email", json!("not-an-email"), "invalid_contact"),
        ("/contact/name", json!(" "), "invalid_contact"),
        ("/shipping_address/city", json!(""), "invalid_address"),
        (
            "/shipping_address/country",
            json!("Germany"),
            "invalid_address",
        ),
        (
            "/shipping_option",
            json!("teleport"),
            "invalid_shipping_option",
        ),
        (
            "/payment/card_number",
            json!("4242 4242 4242 4241"),
            "invalid_card",
        ),
        ("/payment/card_number", json!("4242"), "invalid_card"),
        ("/payment/expiry", json!("2039-12"), "invalid_expiry"),
        ("/payment/expiry", json!("01/21"), "card_expired"),
        ("/payment/cvc", json!("12a"), "invalid_cvc"),
    ];
    for (i, (pointer, value, code)) in cases.into_iter().enumerate() {
        let mut body = checkout_body();
        *body.pointer_mut(pointer).unwrap() = value;
        let response = platform
            .checkout(&session.token, &format!("bad-{i}"), &body)
            .await;
        assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, code).await;
    }
    assert_eq!(platform.payments.authorizations(), 0);
}

/// An empty cart cannot check out: 422 `cart_empty`.
#[tokio::test]
async fn empty_cart_is_refused() {
    let platform = Platform::start().await;
    let session = platform.session().await;
    let response = platform
        .checkout(&session.token, "k", &checkout_body())
        .await;
    assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "cart_empty").await;
}

/// Checkout needs a session (401/404) and an Idempotency-Key (400).
#[tokio::test]
async fn session_and_idempotency_key_are_required() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_camp-mug", 1).await;

    let no_key = platform
        .client
        .post(platform.url("/v1/checkout"))
        .bearer_auth(&session.token)
        .json(&checkout_body())
        .send()
        .await
        .unwrap();
    assert_error(no_key, StatusCode::BAD_REQUEST, "idempotency_key_missing").await;

    let long_key = "k".repeat(300);
    let bad_key = platform
        .checkout(&session.token, &long_key, &checkout_body())
        .await;
    assert_error(bad_key, StatusCode::BAD_REQUEST, "idempotency_key_invalid").await;

    let no_session = platform
        .client
        .post(platform.url("/v1/checkout"))
        .header("idempotency-key", "k")
        .json(&checkout_body())
        .send()
        .await
        .unwrap();
    assert_error(no_session, StatusCode::UNAUTHORIZED, "session_required").await;

    let unknown = platform.checkout("kst_nope", "k", &checkout_body()).await;
    assert_error(unknown, StatusCode::NOT_FOUND, "session_not_found").await;
}

/// Bodies that are not a checkout request are client errors, never 500s.
#[tokio::test]
async fn malformed_checkout_bodies_are_client_errors() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_camp-mug", 1).await;
    let send = |body: &'static str| {
        platform
            .client
            .post(platform.url("/v1/checkout"))
            .bearer_auth(&session.token)
            .header("idempotency-key", "k")
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_error(
        send("{").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    assert_error(
        send("[]").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    assert_error(
        send(r#"{"contact":{}}"#).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
}

/// The same key with the same body replays the first answer byte for byte,
/// marked `Idempotent-Replayed`; with another body it is 422
/// `idempotency_key_reused`.
#[tokio::test]
async fn same_key_replays_and_other_body_is_refused() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_camp-mug", 1).await;
    let first = platform
        .checkout(&session.token, "k", &checkout_body())
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = first.text().await.unwrap();

    let again = platform
        .checkout(&session.token, "k", &checkout_body())
        .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.text().await.unwrap(), first);

    let mut other = checkout_body();
    other["shipping_option"] = json!("express");
    let reused = platform.checkout(&session.token, "k", &other).await;
    assert_error(
        reused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    assert_eq!(platform.payments.authorizations(), 1);
}

/// A refusal is replayed too: a declined key stays declined, so a retry
/// never turns into a surprise charge.
#[tokio::test]
async fn refusals_are_replayed() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_camp-mug", 1).await;
    let body = checkout_body_with_card("4000000000000002");
    let first = platform.checkout(&session.token, "k", &body).await;
    assert_eq!(first.status(), StatusCode::PAYMENT_REQUIRED);
    let first = first.text().await.unwrap();
    let again = platform.checkout(&session.token, "k", &body).await;
    assert_eq!(again.status(), StatusCode::PAYMENT_REQUIRED);
    assert_eq!(again.text().await.unwrap(), first);
}

/// Idempotency keys belong to a session: another session may use the same
/// key for its own order.
#[tokio::test]
async fn keys_are_scoped_to_the_session() {
    let platform = Platform::start().await;
    let a = platform.session_with("prd_camp-mug", 1).await;
    let b = platform.session_with("prd_camp-mug", 1).await;
    let first: OrderConfirmation = platform
        .checkout(&a.token, "same", &checkout_body())
        .await
        .json()
        .await
        .unwrap();
    let second: OrderConfirmation = platform
        .checkout(&b.token, "same", &checkout_body())
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(first.number, second.number);
}

/// The same checkout sent 100 times with one key, 20 of them at once and
/// the rest one by one, makes exactly one order and one hold: every answer
/// is that order or a 409 `idempotency_in_progress`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_key_retried_100_times_makes_one_order_and_one_charge() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_stove", 1).await;
    let stock_before = platform.stock("prd_stove").await;

    let mut responses = Vec::new();
    let body = checkout_body();
    let burst = (0..20).map(|_| platform.checkout(&session.token, "retry-me", &body));
    responses.extend(join_all(burst).await);
    for _ in 0..80 {
        responses.push(
            platform
                .checkout(&session.token, "retry-me", &checkout_body())
                .await,
        );
    }

    let mut numbers = HashSet::new();
    for response in responses {
        match response.status() {
            StatusCode::CREATED => {
                let order: OrderConfirmation = response.json().await.unwrap();
                numbers.insert(order.number);
            }
            StatusCode::CONFLICT => {
                assert_error(response, StatusCode::CONFLICT, "idempotency_in_progress").await
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(numbers.len(), 1, "{numbers:?}");
    assert_eq!(platform.payments.authorizations(), 1);
    assert_eq!(platform.stock("prd_stove").await, stock_before - 1);
    let orders = platform.merchant_orders().await.orders;
    assert_eq!(orders.len(), 1);
}

/// 50 shoppers check out the last 7 units at once: exactly 7 orders, 43
/// clear `out_of_stock` refusals, stock 0 and never below; every losing
/// hold is voided.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_buyers_of_seven_units_make_seven_orders() {
    let platform = Platform::start().await;
    platform.set_stock("prd_sun-hat", 50).await;
    let mut sessions = Vec::new();
    for _ in 0..50 {
        sessions.push(platform.session_with("prd_sun-hat", 1).await);
    }
    platform.set_stock("prd_sun-hat", 7).await;

    let body = checkout_body();
    let responses = join_all(
        sessions
            .iter()
            .map(|session| platform.checkout(&session.token, "buy", &body)),
    )
    .await;

    let mut placed = 0;
    let mut sold_out = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED => placed += 1,
            StatusCode::CONFLICT => {
                assert_error(response, StatusCode::CONFLICT, "out_of_stock").await;
                sold_out += 1;
            }
            other => panic!("unexpected {other}: {}", response.text().await.unwrap()),
        }
    }
    assert_eq!((placed, sold_out), (7, 43));
    assert_eq!(platform.stock("prd_sun-hat").await, 0);
    assert_eq!(platform.payments.count(TestPaymentState::Authorized), 7);
    let orders = platform.merchant_orders().await.orders;
    assert_eq!(orders.len(), 7);
}

/// A shopper reads their own confirmation by session; another session gets
/// a 404 for the same number, and no session a 401.
#[tokio::test]
async fn shoppers_read_only_their_own_orders() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_camp-mug", 1).await;
    let order: OrderConfirmation = platform
        .checkout(&session.token, "k", &checkout_body())
        .await
        .json()
        .await
        .unwrap();

    let url = platform.url(&format!("/v1/orders/{}", order.number));
    let mine = platform
        .client
        .get(&url)
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap();
    assert_eq!(mine.status(), StatusCode::OK);
    let text = mine.text().await.unwrap();
    assert!(
        !text.contains("Jane") && !text.contains("Hauptstr"),
        "{text}"
    );
    let mine: OrderConfirmation = serde_json::from_str(&text).unwrap();
    assert_eq!(mine, order);

    let other = platform.session().await;
    let theirs = platform
        .client
        .get(&url)
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_error(theirs, StatusCode::NOT_FOUND, "order_not_found").await;

    let anonymous = platform.client.get(&url).send().await.unwrap();
    assert_error(anonymous, StatusCode::UNAUTHORIZED, "session_required").await;
}
