//! The live stream (`GET /v1/live?placement=...`), the merchant's feed
//! (`GET /v1/merchant/feed`) and the merchant's product change
//! (`PATCH /v1/products/{id}`).
//!
//! A subscriber first gets a `ready` event (its subscription is live from
//! then on), then `product` events for its placement's merchant and, if it
//! presented a session token, `cart` events of that session. A `lagged`
//! event means updates were dropped and the client should read again.

use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::{self, Stream};
use kiosk_wire::{Attribution, FeedItem, LiveUpdate, Money, OrderStatus, Product, ProductUpdate};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::admin::FeedMerchant;
use super::extract::{ApiJson, ApiPath, ApiQuery, SessionToken};
use super::AppState;
use crate::error::{Error, Result};
use crate::keys::SecretKey;
use crate::live::{feed_item, Broadcast, Filter, Message};

/// The highest price accepted, in minor units: far above any real product,
/// far below where cart totals could overflow.
const MAX_PRICE_MINOR: i64 = 1_000_000_000_000;

/// The highest stock accepted.
const MAX_STOCK: i64 = 1_000_000_000;

/// Query of the live stream.
#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    placement: String,
}

/// `GET /v1/live?placement=...`.
pub async fn stream(
    State(state): State<AppState>,
    token: SessionToken,
    ApiQuery(query): ApiQuery<LiveQuery>,
) -> Result<Sse<impl Stream<Item = std::result::Result<Event, Infallible>>>> {
    let merchant_id = state.store.placement_merchant(&query.placement).await?;
    let session_id = match &token.0 {
        Some(secret) => Some(state.store.session_by_token(secret).await?.id),
        None => None,
    };
    let filter = Filter {
        merchant_id,
        session_id,
    };
    // Subscribe before answering, so nothing published after `ready` is
    // missed.
    let receiver = state.live.subscribe();
    let guard = state.metrics.subscriber();
    let ready = stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    let updates = stream::unfold(
        (receiver, filter, guard),
        |(mut receiver, filter, guard)| async move {
            loop {
                match receiver.recv().await {
                    Ok(broadcast) => {
                        if let Some(update) = filter.pick(&broadcast) {
                            let event = sse_event(update);
                            return Some((Ok(event), (receiver, filter, guard)));
                        }
                    }
                    Err(RecvError::Lagged(missed)) => {
                        let event = Event::default().event("lagged").data(missed.to_string());
                        return Some((Ok(event), (receiver, filter, guard)));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    );
    Ok(Sse::new(futures_util::StreamExt::chain(ready, updates)).keep_alive(KeepAlive::default()))
}

/// `GET /v1/merchant/feed`: the merchant's feed of events, orders and
/// product changes, after a `ready` event. Opened with the secret key, or
/// from a browser with a one-time ticket (see `admin`).
pub async fn feed(
    State(state): State<AppState>,
    FeedMerchant(merchant_id): FeedMerchant,
) -> Sse<impl Stream<Item = std::result::Result<Event, Infallible>>> {
    let receiver = state.live.subscribe();
    let guard = state.metrics.subscriber();
    let ready = stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    let items = stream::unfold(
        (receiver, merchant_id, guard),
        |(mut receiver, merchant_id, guard)| async move {
            loop {
                match receiver.recv().await {
                    Ok(broadcast) => {
                        if let Some(item) = feed_item(&merchant_id, &broadcast) {
                            let name = item.name();
                            // Plain data with string keys always serialises.
                            let data = serde_json::to_string(&item).expect("feed items serialise");
                            let event = Event::default().event(name).data(data);
                            return Some((Ok(event), (receiver, merchant_id, guard)));
                        }
                    }
                    Err(RecvError::Lagged(missed)) => {
                        let event = Event::default().event("lagged").data(missed.to_string());
                        return Some((Ok(event), (receiver, merchant_id, guard)));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    );
    Sse::new(futures_util::StreamExt::chain(ready, items)).keep_alive(KeepAlive::default())
}

/// Tells the merchant's feed about an order, as placed or as changed.
pub(crate) fn publish_order(
    state: &AppState,
    merchant_id: &str,
    number: &str,
    status: OrderStatus,
    total: &Money,
    attribution: &Attribution,
) {
    state.live.publish(Broadcast {
        merchant_id: merchant_id.to_string(),
        session_id: None,
        message: Message::Feed(FeedItem::Order {
            number: number.to_string(),
            status,
            total: total.clone(),
            attribution: attribution.clone(),
        }),
    });
}

/// `PATCH /v1/products/{id}`: a merchant changes a product's price or
/// stock; every ad showing it hears of it at once.
pub async fn update_product(
    State(state): State<AppState>,
    key: SecretKey,
    ApiPath(id): ApiPath<String>,
    ApiJson(update): ApiJson<ProductUpdate>,
) -> Result<Json<Product>> {
    if update
        .price_minor
        .is_some_and(|p| !(0..=MAX_PRICE_MINOR).contains(&p))
    {
        return Err(Error::InvalidBody(format!(
            "price_minor must be between 0 and {MAX_PRICE_MINOR}"
        )));
    }
    if update.stock.is_some_and(|s| !(0..=MAX_STOCK).contains(&s)) {
        return Err(Error::InvalidBody(format!(
            "stock must be between 0 and {MAX_STOCK}"
        )));
    }
    let product = state
        .store
        .update_product(key.merchant_id(), &id, &update)
        .await?;
    tracing::info!(
        product = %product.id,
        merchant = %key.merchant_id(),
        price_minor = product.price.amount_minor,
        stock = product.stock,
        "product changed"
    );
    publish_product(&state, key.merchant_id(), product.clone());
    Ok(Json(product))
}

/// Tells subscribers of `merchant_id` that `product` changed.
pub(crate) fn publish_product(state: &AppState, merchant_id: &str, product: Product) {
    state.live.publish(Broadcast {
        merchant_id: merchant_id.to_string(),
        session_id: None,
        message: Message::Live(LiveUpdate::Product { product }),
    });
}

fn sse_event(update: &LiveUpdate) -> Event {
    let name = match update {
        LiveUpdate::Product { .. } => "product",
        LiveUpdate::Cart { .. } => "cart",
    };
    // Plain data with string keys always serialises.
    let data = serde_json::to_string(update).expect("live updates serialise");
    Event::default().event(name).data(data)
}
