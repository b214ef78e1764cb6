//! Carts over HTTP: add, change quantity, remove, with every amount computed
//! by the platform and stock checked whenever a line grows.

mod common;

use common::{assert_error, Platform};
use kiosk_platform::store::NewProduct;
use kiosk_wire::Session;
use reqwest::StatusCode;
use serde_json::json;

/// Adding lines answers with the session; line totals and the subtotal are
/// the platform's own, whatever price the client sent along.
#[tokio::test]
async fn add_computes_totals_and_ignores_client_prices() {
    let platform = Platform::start().await;
    let session = platform.session().await;
    let response = platform
        .client
        .post(platform.url("/v1/cart/lines"))
        .bearer_auth(&session.token)
        .json(&json!({ "product_id": "prd_camp-mug", "quantity": 2,
                       "unit_price": { "amount_minor": 1, "currency": "EUR" },
                       "price": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let after: Session = response.json().await.unwrap();
    assert_eq!(after.id, session.id);
    assert_eq!(after.cart.lines[0].unit_price.amount_minor, 1450);
    assert_eq!(after.cart.lines[0].line_total.amount_minor, 2900);

    let after = platform.add_ok(&session.token, "prd_head-torch", 1).await;
    let subtotal = after.cart.subtotal.unwrap();
    assert_eq!(subtotal.amount_minor, 2900 + 3990);
    assert_eq!(subtotal.currency, "EUR");
    assert_eq!(after.cart.item_count, 3);
    let shipping: Vec<&str> = after
        .cart
        .shipping_options
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(shipping, ["standard", "express"]);
    // Each option states the order total it makes, computed here.
    for option in &after.cart.shipping_options {
        assert_eq!(option.total.currency, "EUR");
        assert_eq!(
            option.total.amount_minor,
            2900 + 3990 + option.price.amount_minor
        );
    }
}

/// Adding a product already in the cart grows its line instead of adding a
/// second one.
#[tokio::test]
async fn adding_again_grows_the_line() {
    let platform = Platform::start().await;
    let session = platform.session().await;
    platform.add_ok(&session.token, "prd_camp-mug", 1).await;
    let after = platform.add_ok(&session.token, "prd_camp-mug", 2).await;
    assert_eq!(after.cart.lines.len(), 1);
    assert_eq!(after.cart.lines[0].quantity, 3);
    assert_eq!(after.cart.lines[0].line_total.amount_minor, 4350);
}

/// A line's quantity changes with PATCH and goes with DELETE; deleting it
/// again still succeeds.
#[tokio::test]
async fn change_quantity_and_remove() {
    let platform = Platform::start().await;
    let session = platform.session().await;
    platform.add_ok(&session.token, "prd_camp-mug", 1).await;

    let changed: Session = platform
        .set_quantity(&session.token, "prd_camp-mug", 5)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(changed.cart.lines[0].quantity, 5);
    assert_eq!(changed.cart.subtotal.unwrap().amount_minor, 7250);

    for _ in 0..2 {
        let removed = platform
            .client
            .delete(platform.url("/v1/cart/lines/prd_camp-mug"))
            .bearer_auth(&session.token)
            .send()
            .await
            .unwrap();
        assert_eq!(removed.status(), StatusCode::OK);
        let removed: Session = removed.json().await.unwrap();
        assert!(removed.cart.lines.is_empty());
        assert_eq!(removed.cart.subtotal, None);
    }
}

/// Quantities outside 1..=99, on add or change, are 422 `invalid_quantity`.
#[tokio::test]
async fn bad_quantities_are_rejected() {
    let platform = Platform::start().await;
    let session = platform.session().await;
    for quantity in [0, -1, 100] {
        let response = platform.add(&session.token, "prd_camp-mug", quantity).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_quantity",
        )
        .await;
    }
    platform.add_ok(&session.token, "prd_camp-mug", 98).await;
    let over = platform.add(&session.token, "prd_camp-mug", 2).await;
    assert_error(over, StatusCode::UNPROCESSABLE_ENTITY, "invalid_quantity").await;

    let zero = platform
        .set_quantity(&session.token, "prd_camp-mug", 0)
        .await;
    assert_error(zero, StatusCode::UNPROCESSABLE_ENTITY, "invalid_quantity").await;
}

/// Asking for more than the stock, on add or change, is a 409
/// `out_of_stock`; the cart keeps what it had.
#[tokio::test]
async fn stock_is_checked_when_a_line_grows() {
    let platform = Platform::start().await;
    let session = platform.session().await;
    let sold_out = platform.add(&session.token, "prd_trek-poles", 1).await;
    assert_error(sold_out, StatusCode::CONFLICT, "out_of_stock").await;

    platform.add_ok(&session.token, "prd_day-pack", 2).await;
    let over = platform.add(&session.token, "prd_day-pack", 2).await;
    assert_error(over, StatusCode::CONFLICT, "out_of_stock").await;

    let patch = platform
        .set_quantity(&session.token, "prd_day-pack", 4)
        .await;
    assert_error(patch, StatusCode::CONFLICT, "out_of_stock").await;

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
    assert_eq!(current.cart.lines[0].quantity, 2);
}

/// Unknown products are 404 `product_not_found`; changing a line the cart
/// does not have is 404 `line_not_found`.
#[tokio::test]
async fn unknown_product_or_line_is_404() {
    let platform = Platform::start().await;
    let session = platform.session().await;
    let unknown = platform.add(&session.token, "prd_nope", 1).await;
    assert_error(unknown, StatusCode::NOT_FOUND, "product_not_found").await;

    let no_line = platform
        .set_quantity(&session.token, "prd_camp-mug", 1)
        .await;
    assert_error(no_line, StatusCode::NOT_FOUND, "line_not_found").await;
}

/// Cart changes need a session: none is 401, an unknown token 404.
#[tokio::test]
async fn cart_changes_need_a_session() {
    let platform = Platform::start().await;
    let none = platform
        .client
        .post(platform.url("/v1/cart/lines"))
        .json(&json!({ "product_id": "prd_camp-mug", "quantity": 1 }))
        .send()
        .await
        .unwrap();
    assert_error(none, StatusCode::UNAUTHORIZED, "session_required").await;

    let unknown = platform.add("kst_unknown", "prd_camp-mug", 1).await;
    assert_error(unknown, StatusCode::NOT_FOUND, "session_not_found").await;

    let delete = platform
        .client
        .delete(platform.url("/v1/cart/lines/prd_camp-mug"))
        .send()
        .await
        .unwrap();
    assert_error(delete, StatusCode::UNAUTHORIZED, "session_required").await;
}

/// A cart sells for one merchant in one currency: a product of another
/// merchant is a 422 `cart_mismatch`.
#[tokio::test]
async fn a_cart_holds_one_merchant() {
    let platform = Platform::start().await;
    platform
        .store
        .upsert_merchant("m_other", "Other Shop")
        .await
        .unwrap();
    platform
        .store
        .upsert_product(&NewProduct {
            id: "prd_other",
            merchant_id: "m_other",
            title: "Other",
            description: "",
            price_minor: 100,
            currency: "USD",
            stock: 5,
            position: 0,
        })
        .await
        .unwrap();
    let session = platform.session().await;
    platform.add_ok(&session.token, "prd_camp-mug", 1).await;
    let other = platform.add(&session.token, "prd_other", 1).await;
    assert_error(other, StatusCode::UNPROCESSABLE_ENTITY, "cart_mismatch").await;
}

/// Malformed bodies are client errors with codes, never 500s: broken JSON
/// 400, wrong types 422, a missing JSON content type 415.
#[tokio::test]
async fn malformed_bodies_are_client_errors() {
    let platform = Platform::start().await;
    let session = platform.session().await;
    let send = |body: &'static str, content_type: &'static str| {
        platform
            .client
            .post(platform.url("/v1/cart/lines"))
            .bearer_auth(&session.token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let cases = [
        (
            "{\"product_id\":",
            "application/json",
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            r#"{"product_id":"prd_camp-mug","quantity":"two"}"#,
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            r#"{"product_id":"prd_camp-mug","quantity":1e99}"#,
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            r#"{"product_id":"prd_camp-mug","quantity":1}"#,
            "text/plain",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
    ];
    for (body, content_type, status, code) in cases {
        assert_error(send(body, content_type).await.unwrap(), status, code).await;
    }
}
