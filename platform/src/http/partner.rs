//! Server-to-server reads for ad servers and ad networks, with a partner
//! key (or the merchant's secret key).
//!
//! `GET /v1/partner/sessions/{id}` summarises a session for decisioning:
//! its cart and the products it viewed, for the key's merchant only. A
//! session whose cart belongs to another merchant is a plain 404.
//! Responses are JSON; XML by content negotiation is not implemented.

use axum::extract::State;
use axum::Json;
use kiosk_wire::SessionSummary;

use super::extract::ApiPath;
use super::AppState;
use crate::error::{Error, Result};
use crate::keys::PartnerKey;

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
