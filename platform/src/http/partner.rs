//! Server-to-server calls for ad servers and ad networks, with a partner
//! key (or the merchant's secret key).
//!
//! `POST /v1/partner/sessions` opens a shopping session bound to the key's
//! merchant (its token then works with the cart endpoints);
//! `POST /v1/partner/checkout` checks a session out by its public id, with
//! payment data and an `Idempotency-Key`, exactly like a shopper's
//! checkout; `GET /v1/partner/sessions/{id}` summarises a session for
//! decisioning: its cart and the products it viewed. Every call sees the
//! key's merchant only: a session of another merchant is a plain 404. Like
//! every answer, these are JSON or, on request, XML (see `negotiate`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kiosk_wire::{PartnerCheckout, SessionSummary};

use super::extract::{ApiJson, ApiPath, RawBody};
use super::sessions::{attribution_from, load};
use super::AppState;
use crate::error::{Error, Result};
use crate::keys::{ApiKey, PartnerKey};
use crate::store::SessionRecord;

/// The most viewed products a summary lists.
const MAX_VIEWED: i64 = 20;

/// `GET /v1/partner/sessions/{id}`.
pub async fn session_summary(
    State(state): State<AppState>,
    PartnerKey(key): PartnerKey,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<SessionSummary>> {
    let record = state
        .store
        .session_by_id(&id)
        .await?
        .filter(|s| {
            s.merchant_id
                .as_deref()
                .is_none_or(|m| m == key.merchant_id())
        })
        .ok_or(Error::SessionNotFound)?;
    let cart = if record.merchant_id.is_some() {
        state.store.cart(&record.id).await?
    } else {
        Default::default()
    };
    let viewed_products = state
        .store
        .viewed_products(&record.id, key.merchant_id(), MAX_VIEWED)
        .await?;
    Ok(Json(SessionSummary {
        id: record.id,
        attribution: record.attribution,
        cart,
        viewed_products,
    }))
}

/// `POST /v1/partner/sessions`: a new session for the key's merchant, with
/// optional attribution as the body. The answer carries its token.
pub async fn open_session(
    State(state): State<AppState>,
    PartnerKey(key): PartnerKey,
    RawBody(body): RawBody,
) -> Result<Response> {
    let attribution = attribution_from(&body)?;
    let (record, token) = state
        .store
        .create_session_for(&attribution, Some(key.merchant_id()))
        .await?;
    tracing::info!(session = %record.id, merchant = %key.merchant_id(), "partner session created");
    let session = load(&state, record, token).await?;
    Ok((StatusCode::CREATED, Json(session)).into_response())
}

/// `POST /v1/partner/checkout`: checks out a session of the key's merchant.
pub async fn checkout(
    State(state): State<AppState>,
    PartnerKey(key): PartnerKey,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PartnerCheckout>,
) -> Result<Response> {
    let record = merchant_session(&state, &key, &request.session_id).await?;
    super::checkout::run(&state, &record, &headers, &request.checkout).await
}

/// Session `id`, if it exists and is not another merchant's.
async fn merchant_session(state: &AppState, key: &ApiKey, id: &str) -> Result<SessionRecord> {
    state
        .store
        .session_by_id(id)
        .await?
        .filter(|s| {
            s.merchant_id
                .as_deref()
                .is_none_or(|m| m == key.merchant_id())
        })
        .ok_or(Error::SessionNotFound)
}
