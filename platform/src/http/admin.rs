//! The reads the merchant's admin page makes, behind the secret key: the
//! merchant's products, the funnel split by a dimension, the funnel over
//! time, and the one-time tickets that open the merchant's feed from a
//! browser.
//!
//! `EventSource` cannot send an `Authorization` header, and a secret key
//! must never travel in a URL (URLs end up in logs and histories). So the
//! page asks for a ticket with its key (`POST /v1/merchant/feed/tickets`)
//! and opens `GET /v1/merchant/feed?ticket=kft_...`: the ticket lives a
//! minute, opens one stream and grants nothing else. A reconnecting page
//! asks for a new one.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use kiosk_wire::{
    FeedTicket, FunnelBucket, FunnelDimension, FunnelReport, FunnelRow, FunnelSeries, ProductList,
};
use serde::Deserialize;

use super::extract::{bearer, ApiQuery};
use super::AppState;
use crate::error::{Error, Result};
use crate::keys::SecretKey;
use crate::store::Window;
use crate::token;

/// How long a feed ticket may wait before it opens a stream.
pub const FEED_TICKET_TTL_MS: i64 = 60_000;

/// The most intervals one series answer carries.
pub const MAX_BUCKETS: i64 = 1440;

/// The shortest series interval, in milliseconds.
pub const MIN_BUCKET_MS: i64 = 1000;

/// The series' default span (the last hour) and interval (a minute).
const DEFAULT_SPAN_MS: i64 = 60 * 60 * 1000;
const DEFAULT_BUCKET_MS: i64 = 60 * 1000;

/// The merchant whose feed a request opens: by the secret key as bearer
/// (servers), or by a one-time ticket in the query (browsers).
#[derive(Clone, Debug)]
pub struct FeedMerchant(pub String);

impl FromRequestParts<AppState> for FeedMerchant {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        if bearer(&parts.headers).is_some() {
            let key = SecretKey::from_request_parts(parts, state).await?;
            return Ok(FeedMerchant(key.merchant_id().to_string()));
        }
        #[derive(Deserialize)]
        struct TicketQuery {
            ticket: Option<String>,
        }
        let ApiQuery(query) = ApiQuery::<TicketQuery>::from_request_parts(parts, state).await?;
        let ticket = query
            .ticket
            .filter(|ticket| !ticket.is_empty())
            .ok_or(Error::Unauthorized)?;
        match state.store.redeem_feed_ticket(&ticket).await? {
            Some(merchant_id) => Ok(FeedMerchant(merchant_id)),
            None => {
                tracing::warn!("feed opened with an unknown, used or expired ticket");
                Err(Error::Unauthorized)
            }
        }
    }
}

/// `POST /v1/merchant/feed/tickets`: a ticket that opens the feed once.
pub async fn feed_ticket(
    State(state): State<AppState>,
    key: SecretKey,
) -> Result<(StatusCode, Json<FeedTicket>)> {
    let (ticket, expires_at) = state
        .store
        .issue_feed_ticket(key.merchant_id(), FEED_TICKET_TTL_MS)
        .await?;
    Ok((StatusCode::CREATED, Json(FeedTicket { ticket, expires_at })))
}

/// `GET /v1/merchant/products`: every product of the merchant.
pub async fn products(State(state): State<AppState>, key: SecretKey) -> Result<Json<ProductList>> {
    let ids = state.store.merchant_product_ids(key.merchant_id()).await?;
    let mut products = Vec::with_capacity(ids.len());
    for id in ids {
        products.push(state.store.product(&id).await?);
    }
    Ok(Json(ProductList { products }))
}

/// Query of the funnel.
#[derive(Debug, Deserialize)]
pub struct FunnelQuery {
    by: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
}

/// `GET /v1/merchant/stats/funnel?by=placement&from=...&to=...`.
pub async fn funnel(
    State(state): State<AppState>,
    key: SecretKey,
    ApiQuery(query): ApiQuery<FunnelQuery>,
) -> Result<Json<FunnelReport>> {
    let by = match query.by.as_deref() {
        None => FunnelDimension::Placement,
        Some(name) => FunnelDimension::parse(name).ok_or_else(|| {
            Error::InvalidQuery(
                "by must be one of placement, campaign, creative, product".to_string(),
            )
        })?,
    };
    let window = Window {
        from: query.from.unwrap_or(Window::ALL.from),
        to: query.to.unwrap_or(Window::ALL.to),
    };
    check_window(window)?;
    let (rows, total) = state.store.funnel(key.merchant_id(), by, window).await?;
    Ok(Json(FunnelReport {
        by,
        from: query.from,
        to: query.to,
        rows: rows
            .into_iter()
            .map(|(key, counts)| FunnelRow { key, counts })
            .collect(),
        total,
    }))
}

/// Query of the series.
#[derive(Debug, Deserialize)]
pub struct SeriesQuery {
    from: Option<i64>,
    to: Option<i64>,
    bucket_ms: Option<i64>,
}

/// `GET /v1/merchant/stats/series?from=...&to=...&bucket_ms=...`: by
/// default the last hour in minutes.
pub async fn series(
    State(state): State<AppState>,
    key: SecretKey,
    ApiQuery(query): ApiQuery<SeriesQuery>,
) -> Result<Json<FunnelSeries>> {
    let bucket_ms = query.bucket_ms.unwrap_or(DEFAULT_BUCKET_MS);
    if bucket_ms < MIN_BUCKET_MS {
        return Err(Error::InvalidQuery(format!(
            "bucket_ms must be at least {MIN_BUCKET_MS}"
        )));
    }
    let to = query.to.unwrap_or_else(token::now_ms);
    let from = query
        .from
        .unwrap_or_else(|| to.saturating_sub(DEFAULT_SPAN_MS));
    check_window(Window { from, to })?;
    // Whole intervals, the last one reaching `to` or just past it.
    let buckets = (to - from + bucket_ms - 1) / bucket_ms;
    if buckets > MAX_BUCKETS {
        return Err(Error::InvalidQuery(format!(
            "from..to holds more than {MAX_BUCKETS} intervals of bucket_ms"
        )));
    }
    let counts = state
        .store
        .funnel_series(key.merchant_id(), from, bucket_ms, buckets)
        .await?;
    Ok(Json(FunnelSeries {
        from,
        to,
        bucket_ms,
        buckets: counts
            .into_iter()
            .enumerate()
            .map(|(index, counts)| FunnelBucket {
                start: from + index as i64 * bucket_ms,
                counts,
            })
            .collect(),
    }))
}

/// A window must be non-empty and after the epoch.
fn check_window(window: Window) -> Result<()> {
    if window.from < 0 || window.to <= window.from {
        return Err(Error::InvalidQuery(
            "from and to are milliseconds since the Unix epoch, from before to".to_string(),
        ));
    }
    Ok(())
}
