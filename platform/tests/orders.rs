//! The merchant's order API over HTTP: secret keys, scoping to the key's
//! merchant, and the order state machine with its payment steps.

mod common;

use common::{assert_error, checkout_body, Platform};
use kiosk_platform::keys::KeyKind;
use kiosk_platform::payments::TestPaymentState;
use kiosk_platform::seed::DEMO_MERCHANT;
use kiosk_wire::{Order, OrderConfirmation, OrderList, OrderStatus};
use reqwest::StatusCode;
use serde_json::json;

/// A platform with one placed order and a secret key of its merchant.
async fn with_order() -> (Platform, String, OrderConfirmation) {
    let platform = Platform::start().await;
    let (_, secret) = platform
        .store
        .create_key(DEMO_MERCHANT, KeyKind::Secret, &[])
        .await
        .unwrap();
    let session = platform.session_with("prd_day-pack", 2).await;
    let order: OrderConfirmation = platform
        .checkout(&session.token, "k", &checkout_body())
        .await
        .json()
        .await
        .unwrap();
    (platform, secret, order)
}

async fn set_status(
    platform: &Platform,
    key: &str,
    number: &str,
    status: &str,
) -> reqwest::Response {
    platform
        .client
        .post(platform.url(&format!("/v1/merchant/orders/{number}/status")))
        .bearer_auth(key)
        .json(&json!({ "status": status }))
        .send()
        .await
        .unwrap()
}

/// With its secret key a merchant lists and reads its orders in full:
/// contact, address, attribution, totals.
#[tokio::test]
async fn merchant_reads_orders_with_secret_key() {
    let (platform, key, placed) = with_order().await;
    let list: OrderList = platform
        .client
        .get(platform.url("/v1/merchant/orders"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.orders.len(), 1);
    let order = &list.orders[0];
    assert_eq!(order.number, placed.number);
    assert_eq!(order.contact.name, "Jane Doe");
    assert_eq!(order.shipping_address.country, "DE");
    assert_eq!(order.total.amount_minor, 2 * 8900 + 495);
    assert_eq!(order.status, OrderStatus::Placed);

    let one: Order = platform
        .client
        .get(platform.url(&format!("/v1/merchant/orders/{}", placed.number)))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(&one, order);
}

/// No key, an unknown key or a session token is 401 `unauthorized`; a
/// publishable or partner key is 403 `forbidden`.
#[tokio::test]
async fn order_api_needs_a_secret_key() {
    let (platform, _key, placed) = with_order().await;
    let url = platform.url(&format!("/v1/merchant/orders/{}", placed.number));

    let none = platform.client.get(&url).send().await.unwrap();
    assert_error(none, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let session = platform.session().await;
    for wrong in ["sk_0000", session.token.as_str()] {
        let response = platform
            .client
            .get(&url)
            .bearer_auth(wrong)
            .send()
            .await
            .unwrap();
        assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    for kind in [KeyKind::Publishable, KeyKind::Partner] {
        let origins = ["https://news.example".to_string()];
        let (_, other) = platform
            .store
            .create_key(DEMO_MERCHANT, kind, &origins)
            .await
            .unwrap();
        let response = platform
            .client
            .get(&url)
            .bearer_auth(&other)
            .send()
            .await
            .unwrap();
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        let change = set_status(&platform, &other, &placed.number, "paid").await;
        assert_error(change, StatusCode::FORBIDDEN, "forbidden").await;
    }
}

/// Another merchant's secret key sees none of these orders: its list is
/// empty and the number is a 404 `order_not_found`.
#[tokio::test]
async fn orders_are_scoped_to_the_merchant() {
    let (platform, _key, placed) = with_order().await;
    platform
        .store
        .upsert_merchant("m_other", "Other")
        .await
        .unwrap();
    let (_, other) = platform
        .store
        .create_key("m_other", KeyKind::Secret, &[])
        .await
        .unwrap();
    let list: OrderList = platform
        .client
        .get(platform.url("/v1/merchant/orders"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list.orders.is_empty());
    let read = platform
        .client
        .get(platform.url(&format!("/v1/merchant/orders/{}", placed.number)))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_error(read, StatusCode::NOT_FOUND, "order_not_found").await;
    let change = set_status(&platform, &other, &placed.number, "paid").await;
    assert_error(change, StatusCode::NOT_FOUND, "order_not_found").await;
}

/// placed → paid captures the payment, → fulfilled, → refunded refunds it;
/// the shopper's confirmation follows the status.
#[tokio::test]
async fn order_goes_paid_fulfilled_refunded() {
    let (platform, key, placed) = with_order().await;
    for status in ["paid", "fulfilled", "refunded"] {
        let response = set_status(&platform, &key, &placed.number, status).await;
        assert_eq!(response.status(), StatusCode::OK, "to {status}");
        let order: Order = response.json().await.unwrap();
        assert_eq!(order.status.as_str(), status);
        if status == "paid" {
            assert_eq!(platform.payments.count(TestPaymentState::Captured), 1);
        }
    }
    assert_eq!(platform.payments.count(TestPaymentState::Refunded), 1);
    assert_eq!(
        platform.stock("prd_day-pack").await,
        1,
        "refunds keep stock"
    );
}

/// Cancelling a placed order voids the hold and puts the stock back.
#[tokio::test]
async fn cancel_voids_and_restocks() {
    let (platform, key, placed) = with_order().await;
    assert_eq!(platform.stock("prd_day-pack").await, 1);
    let response = set_status(&platform, &key, &placed.number, "cancelled").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(platform.stock("prd_day-pack").await, 3);
    assert_eq!(platform.payments.count(TestPaymentState::Voided), 1);
}

/// Transitions outside the state machine are 409 `invalid_transition`
/// and change nothing; a final state stays final.
#[tokio::test]
async fn illegal_transitions_are_refused() {
    let (platform, key, placed) = with_order().await;
    for status in ["fulfilled", "refunded", "placed"] {
        let response = set_status(&platform, &key, &placed.number, status).await;
        assert_error(response, StatusCode::CONFLICT, "invalid_transition").await;
    }
    set_status(&platform, &key, &placed.number, "cancelled").await;
    let response = set_status(&platform, &key, &placed.number, "paid").await;
    assert_error(response, StatusCode::CONFLICT, "invalid_transition").await;
    assert_eq!(platform.payments.count(TestPaymentState::Captured), 0);
}

/// Unknown orders are 404; unknown statuses and bad limits are client
/// errors with codes.
#[tokio::test]
async fn bad_order_requests_have_codes() {
    let (platform, key, placed) = with_order().await;
    let unknown = set_status(&platform, &key, "ZZ-ZZZZ-ZZZZ", "paid").await;
    assert_error(unknown, StatusCode::NOT_FOUND, "order_not_found").await;
    let bad_status = set_status(&platform, &key, &placed.number, "shipped").await;
    assert_error(bad_status, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    let bad_limit = platform
        .client
        .get(platform.url("/v1/merchant/orders?limit=0"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_error(bad_limit, StatusCode::BAD_REQUEST, "invalid_query").await;
    let not_a_number = platform
        .client
        .get(platform.url("/v1/merchant/orders?limit=many"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_error(not_a_number, StatusCode::BAD_REQUEST, "invalid_query").await;
}

/// An acknowledged order is in the database: a fresh `Store` on it (as
/// after a restart) reads it with its lines.
#[tokio::test]
async fn acknowledged_orders_survive_reopening() {
    let (platform, _key, placed) = with_order().await;
    let reopened = platform.db.open().await;
    let order = reopened
        .merchant_order(DEMO_MERCHANT, &placed.number)
        .await
        .unwrap();
    assert_eq!(order.lines.len(), 1);
    assert_eq!(order.total, placed.total);
}
