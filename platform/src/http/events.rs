//! Batched event ingest: `POST /v1/events`.
//!
//! The body is JSON whatever the content type says, because
//! `navigator.sendBeacon` can only send `text/plain`. Each event is checked
//! on its own: bad ones are rejected with a code and a reason, good ones in
//! the same batch are kept. The answer is 200 when every event was accepted
//! (or was a duplicate) and 207 Multi-Status when any was rejected; only a
//! body that is not a batch at all fails as a whole. Accepted events go to
//! their merchant's live feed; the products they are about are handed to
//! the price rules.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use kiosk_wire::{
    ApiError, Event, EventBatchResult, EventKind, EventOutcome, EventResult, FeedItem,
};
use serde_json::Value;

use super::extract::{json_from_bytes, RawBody};
use super::AppState;
use crate::error::{Error, Result};
use crate::live::{Broadcast, Message};
use crate::metrics::EventCount;

/// The most events one batch may carry; a beacon is small by nature.
pub const MAX_BATCH: usize = 100;

/// The longest id or attribution value accepted in an event.
const MAX_FIELD_LEN: usize = 256;

/// `POST /v1/events`.
pub async fn ingest(
    State(state): State<AppState>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<EventBatchResult>)> {
    let raw = match json_from_bytes::<Value>(&body)? {
        Value::Array(events) => events,
        Value::Object(mut batch) => match batch.remove("events") {
            Some(Value::Array(events)) => events,
            _ => return Err(Error::InvalidBody("expected {\"events\": [...]}".into())),
        },
        _ => return Err(Error::InvalidBody("expected {\"events\": [...]}".into())),
    };
    if raw.len() > MAX_BATCH {
        return Err(Error::BatchTooLarge(MAX_BATCH));
    }

    let mut checker = Checker::new(&state);
    // Each good event with the merchant it belongs to, or why it is bad.
    type Checked = std::result::Result<(Event, Option<String>), (Option<String>, ApiError)>;
    let mut checked: Vec<Checked> = Vec::new();
    for value in raw {
        let id = value.get("id").and_then(Value::as_str).map(str::to_string);
        let result = match serde_json::from_value::<Event>(value) {
            Ok(event) => match checker.check(&event).await? {
                Ok(merchant) => Ok((event, merchant)),
                Err(error) => Err((id, error)),
            },
            Err(err) => Err((id, rejection("invalid_event", err.to_string()))),
        };
        checked.push(result);
    }

    let good: Vec<&Event> = checked
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|(event, _)| event))
        .collect();
    let ingested = state.store.ingest_events(&good).await?;
    state.price_rules.touch(&ingested.products);
    let mut fresh = ingested.fresh.into_iter();

    let mut answer = EventBatchResult {
        accepted: 0,
        duplicates: 0,
        rejected: 0,
        results: Vec::with_capacity(checked.len()),
    };
    for (index, result) in checked.into_iter().enumerate() {
        let (id, outcome, error) = match result {
            // `fresh` has one entry per good event, in order.
            Ok((event, merchant)) => match fresh.next() {
                Some(true) => {
                    let id = Some(event.id.clone());
                    if let Some(merchant_id) = merchant {
                        state.live.publish(Broadcast {
                            merchant_id,
                            session_id: None,
                            message: Message::Feed(FeedItem::Event { event }),
                        });
                    }
                    (id, EventOutcome::Accepted, None)
                }
                _ => (Some(event.id), EventOutcome::Duplicate, None),
            },
            Err((id, error)) => (id, EventOutcome::Rejected, Some(error)),
        };
        match outcome {
            EventOutcome::Accepted => answer.accepted += 1,
            EventOutcome::Duplicate => answer.duplicates += 1,
            EventOutcome::Rejected => answer.rejected += 1,
        }
        answer.results.push(EventResult {
            index,
            id,
            outcome,
            error,
        });
    }
    state.metrics.event(EventCount::Accepted, answer.accepted);
    state
        .metrics
        .event(EventCount::Duplicate, answer.duplicates);
    state.metrics.event(EventCount::Rejected, answer.rejected);
    tracing::info!(
        accepted = answer.accepted,
        duplicates = answer.duplicates,
        rejected = answer.rejected,
        "events ingested"
    );
    let status = if answer.rejected == 0 {
        StatusCode::OK
    } else {
        StatusCode::MULTI_STATUS
    };
    Ok((status, Json(answer)))
}

/// Checks events against the store, remembering look-ups within a batch
/// (a batch usually names one session and one placement many times).
struct Checker<'a> {
    state: &'a AppState,
    /// Session id → its cart's merchant, if the session exists.
    sessions: HashMap<String, Option<Option<String>>>,
    /// Placement id → its merchant, if the placement exists.
    placements: HashMap<String, Option<String>>,
    /// Product id → its merchant, if the product exists.
    products: HashMap<String, Option<String>>,
}

impl<'a> Checker<'a> {
    fn new(state: &'a AppState) -> Checker<'a> {
        Checker {
            state,
            sessions: HashMap::new(),
            placements: HashMap::new(),
            products: HashMap::new(),
        }
    }

    /// Why `event` must be rejected, or else the merchant it belongs to
    /// (from its placement, its product or its session's cart), if any.
    async fn check(
        &mut self,
        event: &Event,
    ) -> Result<std::result::Result<Option<String>, ApiError>> {
        let fields = [
            ("id", Some(&event.id)),
            ("session", Some(&event.session)),
            ("placement", event.placement.as_ref()),
            ("creative", event.creative.as_ref()),
            ("campaign", event.campaign.as_ref()),
            ("product", event.product.as_ref()),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                if value.is_empty()
                    || value.len() > MAX_FIELD_LEN
                    || value.chars().any(char::is_control)
                {
                    return Ok(Err(rejection(
                        "invalid_event",
                        format!("{name} must be 1 to {MAX_FIELD_LEN} bytes of printable text"),
                    )));
                }
            }
        }

        let needs_placement = matches!(
            event.kind,
            EventKind::Impression | EventKind::ViewableImpression | EventKind::Click
        );
        if needs_placement && event.placement.is_none() {
            return Ok(Err(rejection(
                "missing_placement",
                format!("a {} names its placement", event.kind.as_str()),
            )));
        }
        let needs_product = matches!(event.kind, EventKind::ProductView | EventKind::AddToCart);
        if needs_product && event.product.is_none() {
            return Ok(Err(rejection(
                "missing_product",
                format!("a {} names its product", event.kind.as_str()),
            )));
        }

        let store = &self.state.store;
        let Some(session_merchant) =
            remembered(&mut self.sessions, &event.session, |id| async move {
                Ok(store.session_by_id(&id).await?.map(|s| s.merchant_id))
            })
            .await?
        else {
            return Ok(Err(rejection("unknown_session", "no session has this id")));
        };
        let mut merchant = None;
        if let Some(placement) = &event.placement {
            let found = remembered(&mut self.placements, placement, |id| async move {
                match store.placement_merchant(&id).await {
                    Ok(merchant) => Ok(Some(merchant)),
                    Err(Error::PlacementNotFound(_)) => Ok(None),
                    Err(err) => Err(err),
                }
            })
            .await?;
            let Some(found) = found else {
                return Ok(Err(rejection(
                    "unknown_placement",
                    "no placement has this id",
                )));
            };
            merchant = Some(found);
        }
        if let Some(product) = &event.product {
            let found = remembered(&mut self.products, product, |id| async move {
                match store.product_merchant(&id).await {
                    Ok(merchant) => Ok(Some(merchant)),
                    Err(Error::ProductNotFound(_)) => Ok(None),
                    Err(err) => Err(err),
                }
            })
            .await?;
            let Some(found) = found else {
                return Ok(Err(rejection("unknown_product", "no product has this id")));
            };
            merchant = merchant.or(Some(found));
        }
        Ok(Ok(merchant.or(session_merchant)))
    }
}

/// `look_up(key)`, asked once per key and batch.
async fn remembered<V, F, Fut>(cache: &mut HashMap<String, V>, key: &str, look_up: F) -> Result<V>
where
    V: Clone,
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Result<V>>,
{
    if let Some(known) = cache.get(key) {
        return Ok(known.clone());
    }
    let known = look_up(key.to_string()).await?;
    cache.insert(key.to_string(), known.clone());
    Ok(known)
}

fn rejection(code: &str, message: impl Into<String>) -> ApiError {
    ApiError {
        code: code.to_string(),
        message: message.into(),
    }
}
