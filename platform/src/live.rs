//! Live updates: the broadcast every change is published on, and the
//! filters that decide which subscriber sees what.
//!
//! Publishers (product changes, cart changes, checkout, event ingest, order
//! changes) send a [`Broadcast`] that says whose it is. Each `GET /v1/live`
//! subscriber keeps only the product changes of its placement's merchant
//! and the cart changes of its own session; each merchant feed subscriber
//! keeps its merchant's events, orders and product changes.
//!
//! Subscribers always read an in-process tokio broadcast channel, and a
//! broadcast is sent there directly, so this process's subscribers have it
//! before the request that published it is answered. On PostgreSQL (any
//! number of instances) it is also sent as a `NOTIFY` on [`CHANNEL`]; every
//! instance `LISTEN`s there and hands what other instances sent to its own
//! channel. So a price changed through instance A reaches an ad subscribed
//! to instance B, a moment later than A's own subscribers.
//!
//! The channel is bounded: a subscriber that falls behind by more than
//! [`CAPACITY`] messages is told it lagged and should read the state again.
//! On PostgreSQL, a broadcast larger than PostgreSQL's payload limit (a
//! cart of very many lines) reaches this instance's subscribers only, and
//! changes published while the listener's connection is being re-established
//! are missed; both are logged as warnings.

use kiosk_wire::{FeedItem, FeedTotals, LiveUpdate, Money, OrderStatus};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::store::{Backend, Store};

/// Messages kept for slow subscribers before they lag.
pub const CAPACITY: usize = 1024;

/// The PostgreSQL notification channel every instance listens on.
pub const CHANNEL: &str = "kiosk_live";

/// PostgreSQL refuses `NOTIFY` payloads of 8000 bytes or more.
const MAX_PAYLOAD: usize = 7999;

/// A change and who may see it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Broadcast {
    /// The merchant whose catalog or cart this is.
    pub merchant_id: String,
    /// For cart changes: the session (public id) whose cart it is.
    pub session_id: Option<String>,
    pub message: Message,
}

/// What a broadcast carries: an update for ads and carts, or an item of the
/// merchant's feed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Message {
    Live(LiveUpdate),
    Feed(FeedItem),
}

/// A broadcast as it travels between instances.
#[derive(Serialize, Deserialize)]
struct Relayed {
    /// A random id of the sending hub, which has delivered the broadcast
    /// to its own subscribers already, so its listener skips it.
    origin: u64,
    broadcast: Broadcast,
}

/// The publishing side, shared by every handler.
#[derive(Clone, Debug)]
pub struct LiveHub {
    /// This process's subscribers read from here.
    local: broadcast::Sender<Broadcast>,
    /// On PostgreSQL: the queue of the task that sends each broadcast as a
    /// `NOTIFY`. Bounded like the channel, so a stalled database cannot make
    /// publishers hold unbounded memory.
    relay: Option<mpsc::Sender<Broadcast>>,
}

impl Default for LiveHub {
    /// A hub for one process (SQLite).
    fn default() -> LiveHub {
        LiveHub {
            local: broadcast::channel(CAPACITY).0,
            relay: None,
        }
    }
}

impl LiveHub {
    /// The hub `store` needs: in-process on SQLite; relayed through
    /// `LISTEN/NOTIFY` on PostgreSQL, already listening when this returns,
    /// so nothing published after it is missed.
    pub async fn for_store(store: &Store) -> anyhow::Result<LiveHub> {
        match store.backend() {
            Backend::Sqlite => Ok(LiveHub::default()),
            Backend::Postgres { url } => LiveHub::relayed(url).await,
        }
    }

    async fn relayed(url: &str) -> anyhow::Result<LiveHub> {
        let local = broadcast::channel(CAPACITY).0;
        let origin = rand::random();
        let mut listener = PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        // One connection is enough: notifications go out one at a time, in
        // the order they were published.
        let notifier = PgPoolOptions::new().max_connections(1).connect(url).await?;
        let (relay, outgoing) = mpsc::channel(CAPACITY);
        let (stopped, stop) = oneshot::channel();
        tokio::spawn(notify(notifier, origin, outgoing, stopped));
        tokio::spawn(listen(listener, origin, local.clone(), stop));
        Ok(LiveHub {
            local,
            relay: Some(relay),
        })
    }

    /// Sends `broadcast` to every current subscriber (on PostgreSQL, of
    /// every instance); with none, it is dropped, which is fine: there is
    /// nobody to update.
    pub fn publish(&self, broadcast: Broadcast) {
        let Some(relay) = &self.relay else {
            let _ = self.local.send(broadcast);
            return;
        };
        let _ = self.local.send(broadcast.clone());
        if let Err(err) = relay.try_send(broadcast) {
            tracing::warn!(cause = %err, "live relay is behind; other instances miss an update");
        }
    }

    /// A new subscription; it sees everything published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Broadcast> {
        self.local.subscribe()
    }
}

/// Sends each queued broadcast as a notification until every hub is gone,
/// then tells the listener to stop.
async fn notify(
    pool: PgPool,
    origin: u64,
    mut outgoing: mpsc::Receiver<Broadcast>,
    _stopped: oneshot::Sender<()>,
) {
    while let Some(broadcast) = outgoing.recv().await {
        // Plain data with string keys always serialises.
        let payload =
            serde_json::to_string(&Relayed { origin, broadcast }).expect("broadcasts serialise");
        if payload.len() > MAX_PAYLOAD {
            tracing::warn!(
                bytes = payload.len(),
                "live update too large to notify; only this instance's subscribers got it"
            );
            continue;
        }
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(&payload)
            .execute(&pool)
            .await;
        if let Err(err) = sent {
            tracing::warn!(cause = %err, "live update not sent to other instances");
        }
    }
}

/// Hands every notification other instances sent on [`CHANNEL`] to this
/// process's subscribers, until `stop` fires (the notifier ended).
async fn listen(
    mut listener: PgListener,
    origin: u64,
    local: broadcast::Sender<Broadcast>,
    mut stop: oneshot::Receiver<()>,
) {
    loop {
        let heard = tokio::select! {
            heard = listener.try_recv() => heard,
            _ = &mut stop => return,
        };
        match heard {
            Ok(Some(notification)) => {
                match serde_json::from_str::<Relayed>(notification.payload()) {
                    Ok(relayed) if relayed.origin == origin => {}
                    Ok(relayed) => {
                        let _ = local.send(relayed.broadcast);
                    }
                    Err(err) => tracing::warn!(cause = %err, "unreadable live notification"),
                }
            }
            // The connection dropped; the next call reconnects and listens
            // again, but what was sent in between is gone.
            Ok(None) => tracing::warn!("live listener reconnecting; updates may have been missed"),
            Err(err) => {
                tracing::warn!(cause = %err, "live listener failed; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}

/// What one live (ad or cart widget) subscriber wants to see.
#[derive(Clone, Debug)]
pub struct Filter {
    pub merchant_id: String,
    pub session_id: Option<String>,
}

impl Filter {
    /// The update in `broadcast`, if this subscriber should get it.
    pub fn pick<'a>(&self, broadcast: &'a Broadcast) -> Option<&'a LiveUpdate> {
        if broadcast.merchant_id != self.merchant_id {
            return None;
        }
        match &broadcast.message {
            Message::Live(update @ LiveUpdate::Product { .. }) => Some(update),
            Message::Live(update @ LiveUpdate::Cart { .. }) => (self.session_id.is_some()
                && broadcast.session_id == self.session_id)
                .then_some(update),
            Message::Feed(_) => None,
        }
    }
}

/// The feed item in `broadcast`, if merchant `merchant_id` should get it:
/// its feed items and its product changes, never a session's cart.
pub fn feed_item(merchant_id: &str, broadcast: &Broadcast) -> Option<FeedItem> {
    if broadcast.merchant_id != merchant_id {
        return None;
    }
    match &broadcast.message {
        Message::Feed(item) => Some(item.clone()),
        Message::Live(LiveUpdate::Product { product }) => Some(FeedItem::Product {
            product: product.clone(),
        }),
        Message::Live(LiveUpdate::Cart { .. }) => None,
    }
}

/// Adds what `item` says to a feed subscriber's running `totals`: an event
/// to its kind's count, a placed order to the orders and revenue, a
/// cancelled or refunded one taken back out.
pub fn count(totals: &mut FeedTotals, item: &FeedItem) {
    match item {
        FeedItem::Event { event } => {
            if let Some(count) = crate::store::totals_count(totals, event.kind.as_str()) {
                *count += 1;
            }
        }
        FeedItem::Order { status, total, .. } => {
            let sign = match status {
                OrderStatus::Placed => 1,
                OrderStatus::Cancelled | OrderStatus::Refunded => -1,
                _ => return,
            };
            totals.orders += sign;
            match totals
                .revenue
                .iter_mut()
                .find(|money| money.currency == total.currency)
            {
                Some(money) => money.amount_minor += sign * total.amount_minor,
                None => {
                    totals.revenue.push(Money {
                        amount_minor: sign * total.amount_minor,
                        currency: total.currency.clone(),
                    });
                    totals.revenue.sort_by(|a, b| a.currency.cmp(&b.currency));
                }
            }
        }
        _ => {}
    }
}
