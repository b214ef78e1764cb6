//! Checkout and the shopper's order confirmation over HTTP.
//!
//! `POST /v1/checkout` needs the session token and an `Idempotency-Key`
//! header; replays carry `Idempotent-Replayed: true` and the first answer's
//! status and body unchanged. `GET /v1/orders/{number}` shows a session only
//! the orders it placed; any other number is a plain 404.

use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kiosk_wire::{CheckoutRequest, OrderConfirmation};

use super::extract::{ApiJson, SessionToken};
use super::AppState;
use crate::checkout;
use crate::error::{Error, Result};

/// `POST /v1/checkout`.
pub async fn checkout(
    State(state): State<AppState>,
    token: SessionToken,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CheckoutRequest>,
) -> Result<Response> {
    let session = state.store.session_by_token(token.required()?).await?;
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => Some(value.to_str().map_err(|_| Error::IdempotencyKeyInvalid)?),
    };
    let answer = checkout::checkout(&state.store, &state.payments, &session, key, &request).await?;
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

/// `GET /v1/orders/{number}`: the confirmation of an order this session
/// placed.
pub async fn confirmation(
    State(state): State<AppState>,
    token: SessionToken,
    Path(number): Path<String>,
) -> Result<Json<OrderConfirmation>> {
    let session = state.store.session_by_token(token.required()?).await?;
    Ok(Json(state.store.confirmation(&number, &session.id).await?))
}
