//! Checkout and the shopper's order confirmation over HTTP.
//!
//! `POST /v1/checkout` needs the session token and an `Idempotency-Key`
//! header; replays carry `Idempotent-Replayed: true` and the first answer's
//! status and body unchanged. `GET /v1/orders/{number}` shows a session only
//! the orders it placed; any other number is a plain 404. A client that
//! sends `Kiosk-Expected-Total` is told, instead of charged, when the
//! total changed under the shopper ([`EXPECTED_TOTAL`]).

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kiosk_wire::{CheckoutRequest, OrderConfirmation};

use super::extract::{ApiJson, ApiPath, SessionToken};
use super::live::{publish_order, publish_product};
use super::sessions::publish_cart;
use super::AppState;
use crate::checkout;
use crate::error::{Error, Result};
use crate::store::SessionRecord;

/// The header in which a client states the total (minor units, shipping
/// included) it showed the shopper. When the platform's total differs (a
/// price changed since, by the merchant or a price rule), checkout refuses
/// with 409 `price_changed`, saying the new total, and charges nothing; the
/// client shows the new cart and checks out again with a new
/// `Idempotency-Key`. Without the header, checkout charges the current
/// prices.
pub const EXPECTED_TOTAL: &str = "kiosk-expected-total";

/// `POST /v1/checkout`.
pub async fn checkout(
    State(state): State<AppState>,
    token: SessionToken,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CheckoutRequest>,
) -> Result<Response> {
    let session = state.store.session_by_token(token.required()?).await?;
    run(&state, &session, &headers, &request).await
}

/// Checks out `session` with the request's `Idempotency-Key`, then tells
/// subscribers, the webhook worker and the counters what happened.
pub(crate) async fn run(
    state: &AppState,
    session: &SessionRecord,
    headers: &HeaderMap,
    request: &CheckoutRequest,
) -> Result<Response> {
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => Some(value.to_str().map_err(|_| Error::IdempotencyKeyInvalid)?),
    };
    let expected_total = match headers.get(EXPECTED_TOTAL) {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|text| text.trim().parse::<i64>().ok())
                .ok_or_else(|| {
                    Error::InvalidHeader(format!(
                        "{EXPECTED_TOTAL} must be the order total in minor units, e.g. 5498"
                    ))
                })?,
        ),
    };
    let answer = checkout::checkout(
        &state.store,
        &state.payments,
        session,
        key,
        request,
        expected_total,
    )
    .await?;
    if let Some(placed) = &answer.placed {
        state.metrics.order_placed();
        state.webhook_wake.notify_one();
        announce(state, session, placed).await;
    } else if !answer.replayed && !answer.status.is_success() {
        let code = serde_json::from_str::<kiosk_wire::ApiError>(&answer.body)
            .map(|error| error.code)
            .unwrap_or_default();
        state.metrics.checkout_refused(&code);
    }
    let mut response = (
        answer.status,
        [(CONTENT_TYPE, "application/json")],
        answer.body,
    )
        .into_response();
    if answer.replayed {
        response.headers_mut().insert(
            "idempotent-replayed",
            "true".parse().expect("static header"),
        );
    }
    Ok(response)
}

/// Tells live subscribers about the stock an order took and the cart it
/// emptied, and the merchant's feed about the order. The order is already
/// durable; a failed read here only means a missed live update, so it is
/// logged, not returned.
async fn announce(state: &AppState, session: &SessionRecord, placed: &OrderConfirmation) {
    for line in &placed.lines {
        let read = async {
            let merchant = state.store.product_merchant(&line.product_id).await?;
            let product = state.store.product(&line.product_id).await?;
            Ok::<_, Error>((merchant, product))
        };
        match read.await {
            Ok((merchant, product)) => publish_product(state, &merchant, product),
            Err(err) => tracing::warn!(cause = %err, "no live update after an order"),
        }
    }
    if let Some(first) = placed.lines.first() {
        publish_cart(state, session, &first.product_id).await;
        if let Ok(merchant) = state.store.product_merchant(&first.product_id).await {
            publish_order(
                state,
                &merchant,
                &placed.number,
                placed.status,
                &placed.total,
                &session.attribution,
            );
        }
    }
}

/// `GET /v1/orders/{number}`: the confirmation of an order this session
/// placed.
pub async fn confirmation(
    State(state): State<AppState>,
    token: SessionToken,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<OrderConfirmation>> {
    let session = state.store.session_by_token(token.required()?).await?;
    Ok(Json(state.store.confirmation(&number, &session.id).await?))
}
