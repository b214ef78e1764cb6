//! The live stream (`GET /v1/live?placement=...&session=...`), the
//! merchant's feed (`GET /v1/merchant/feed`) and the merchant's product
//! change (`PATCH /v1/products/{id}`).
//!
//! A subscriber first gets a `ready` event (its subscription is live from
//! then on), then `product` events for its placement's merchant, if it
//! named a placement, and `cart` events of its session, if it presented a
//! session token. A `lagged` event means updates were dropped and the
//! client should read again.
//!
//! Browsers subscribe with `EventSource`, which cannot send an
//! `Authorization` header and, from an ad's frame, often no cookie either;
//! so this stream, and no other route, also takes the token as the
//! `session` query parameter. The stream only reads: it tells the token's
//! holder what its own cart holds.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::{self, Stream};
use kiosk_wire::{
    Attribution, FeedItem, FeedTotals, LiveUpdate, Money, OrderStatus, Product, ProductUpdate,
};
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

/// Query of the live stream: a placement, a session token, or both.
#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    placement: Option<String>,
    /// A merchant's public id, whose product changes a subscriber without a
    /// placement (the cart widget) also wants, to keep its cart's prices
    /// and stock current.
    merchant: Option<String>,
    /// The session token, for clients that cannot send it as a header.
    session: Option<String>,
}

/// `GET /v1/live?placement=...&session=...`.
pub async fn stream(
    State(state): State<AppState>,
    token: SessionToken,
    ApiQuery(query): ApiQuery<LiveQuery>,
) -> Result<Sse<impl Stream<Item = std::result::Result<Event, Infallible>>>> {
    let token = token.0.or(query.session.filter(|t| !t.is_empty()));
    if query.placement.is_none() && token.is_none() {
        return Err(Error::InvalidQuery(
            "name a placement, a session, or both".to_string(),
        ));
    }
    let merchant_id = match (&query.placement, &query.merchant) {
        (Some(placement), _) => Some(state.store.placement_merchant(placement).await?),
        (None, Some(merchant)) => {
            if !state.store.merchant_exists(merchant).await? {
                return Err(Error::MerchantNotFound(merchant.clone()));
            }
            Some(merchant.clone())
        }
        (None, None) => None,
    };
    let session_id = match &token {
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

/// Query of the merchant's feed.
#[derive(Debug, Default, Deserialize)]
pub struct FeedQuery {
    /// `true`: also send the merchant's running totals as `totals` items.
    #[serde(default)]
    totals: bool,
}

/// How often, at most, a feed subscriber gets new totals.
const TOTALS_EVERY: Duration = Duration::from_secs(1);

/// One feed subscription's state between items.
struct FeedSubscription {
    receiver: tokio::sync::broadcast::Receiver<Broadcast>,
    merchant_id: String,
    /// The running totals, when asked for: read from the database when the
    /// subscription starts (and again after a lag), then counted from the
    /// items the subscription sees.
    totals: Option<FeedTotals>,
    /// Whether the totals changed since they were last sent.
    changed: bool,
    tick: tokio::time::Interval,
    store: crate::store::Store,
    _guard: crate::metrics::SubscriberGuard,
}

/// `GET /v1/merchant/feed[?totals=true]`: the merchant's feed of events,
/// orders, product and price changes, after a `ready` event; with
/// `totals=true`, a `totals` item right after `ready` and then at most once
/// a second while they change. An event committed while the subscription
/// starts can be counted twice in its totals; they are re-read after a lag.
/// Opened with the secret key, or from a browser with a one-time ticket
/// (`?ticket=`, see `admin`).
pub async fn feed(
    State(state): State<AppState>,
    FeedMerchant(merchant_id): FeedMerchant,
    ApiQuery(query): ApiQuery<FeedQuery>,
) -> Result<Sse<impl Stream<Item = std::result::Result<Event, Infallible>>>> {
    let receiver = state.live.subscribe();
    let guard = state.metrics.subscriber();
    let totals = match query.totals {
        true => Some(state.store.feed_totals(&merchant_id).await?),
        false => None,
    };
    let mut first = vec![Ok(Event::default().event("ready").data("{}"))];
    if let Some(totals) = &totals {
        first.push(Ok(feed_event(&FeedItem::Totals {
            totals: totals.clone(),
        })));
    }
    let mut tick = tokio::time::interval(TOTALS_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let subscription = FeedSubscription {
        receiver,
        merchant_id,
        totals,
        changed: false,
        tick,
        store: state.store.clone(),
        _guard: guard,
    };
    let items = stream::unfold(subscription, |mut sub| async move {
        loop {
            let send_totals = sub.totals.is_some() && sub.changed;
            tokio::select! {
                received = sub.receiver.recv() => match received {
                    Ok(broadcast) => {
                        if let Some(item) = feed_item(&sub.merchant_id, &broadcast) {
                            if let Some(totals) = sub.totals.as_mut() {
                                crate::live::count(totals, &item);
                                sub.changed = true;
                            }
                            return Some((Ok(feed_event(&item)), sub));
                        }
                    }
                    Err(RecvError::Lagged(missed)) => {
                        if sub.totals.is_some() {
                            match sub.store.feed_totals(&sub.merchant_id).await {
                                Ok(totals) => sub.totals = Some(totals),
                                Err(err) => tracing::warn!(cause = %err, "feed totals not re-read"),
                            }
                            sub.changed = true;
                        }
                        let event = Event::default().event("lagged").data(missed.to_string());
                        return Some((Ok(event), sub));
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = sub.tick.tick(), if send_totals => {
                    sub.changed = false;
                    let totals = sub.totals.clone().unwrap_or_default();
                    return Some((Ok(feed_event(&FeedItem::Totals { totals })), sub));
                }
            }
        }
    });
    Ok(
        Sse::new(futures_util::StreamExt::chain(stream::iter(first), items))
            .keep_alive(KeepAlive::default()),
    )
}

/// A feed item as a Server-Sent Event named after its type.
fn feed_event(item: &FeedItem) -> Event {
    // Plain data with string keys always serialises.
    let data = serde_json::to_string(item).expect("feed items serialise");
    Event::default().event(item.name()).data(data)
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
    let (product, price_change) = state
        .store
        .update_product_audited(key.merchant_id(), &id, &update)
        .await?;
    tracing::info!(
        product = %product.id,
        merchant = %key.merchant_id(),
        price_minor = product.price.amount_minor,
        stock = product.stock,
        "product changed"
    );
    // Ads list a variant inside its product, so they hear of the product.
    let listed = match state.store.listing(&product.id).await {
        Ok(listed) => listed,
        Err(err) => {
            tracing::warn!(cause = %err, "product change announced without its variants");
            product.clone()
        }
    };
    match price_change {
        Some(change) => {
            crate::rules::publish_price_change(&state.live, key.merchant_id(), listed, change)
        }
        None => publish_product(&state, key.merchant_id(), listed),
    }
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
