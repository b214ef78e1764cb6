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
//! On PostgreSQL every relayed broadcast is also kept for a few minutes in
//! the `live_relay` table and its notification names its row: one too large
//! for a notification's payload (a cart of very many lines) travels as the
//! row's id alone, and a listener whose connection dropped reads the rows
//! written since, so an instance that reconnects misses nothing.

use std::sync::{Arc, Mutex};

use kiosk_wire::{FeedItem, FeedTotals, LiveUpdate, Money, OrderStatus};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::store::{Backend, Store};
use crate::token;

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

/// A notification on [`CHANNEL`]: the `live_relay` row of a broadcast and,
/// when it fits the payload limit, the broadcast itself.
#[derive(Serialize, Deserialize)]
struct Notice {
    row: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    relayed: Option<Relayed>,
}

/// How long relayed broadcasts stay in `live_relay`: far longer than a
/// listener takes to reconnect.
const RELAY_KEPT_MS: i64 = 5 * 60 * 1000;

/// How far before its disconnection a reconnected listener reads back, for
/// rows committed just before it noticed.
const CATCH_UP_SLACK_MS: i64 = 2_000;

/// The relay rows a listener remembers having delivered, so a catch-up
/// read does not deliver them twice.
const SEEN_KEPT: usize = 4096;

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
        let reader = notifier.clone();
        tokio::spawn(notify(notifier, origin, outgoing, stopped));
        tokio::spawn(listen(listener, reader, origin, local.clone(), stop));
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
    let mut sent_since_pruning = 0u32;
    while let Some(broadcast) = outgoing.recv().await {
        let relayed = Relayed { origin, broadcast };
        if let Err(err) = relay(&pool, relayed).await {
            tracing::warn!(cause = %err, "live update not sent to other instances");
        }
        sent_since_pruning += 1;
        if sent_since_pruning >= 1000 {
            sent_since_pruning = 0;
            let pruned = sqlx::query("DELETE FROM live_relay WHERE created_at < $1")
                .bind(token::now_ms() - RELAY_KEPT_MS)
                .execute(&pool)
                .await;
            if let Err(err) = pruned {
                tracing::warn!(cause = %err, "old live relay rows not pruned");
            }
        }
    }
}

/// Keeps `relayed` in `live_relay` and notifies every instance of its row,
/// with the broadcast inline when it fits.
async fn relay(pool: &PgPool, relayed: Relayed) -> Result<(), sqlx::Error> {
    // Plain data with string keys always serialises.
    let payload = serde_json::to_string(&relayed).expect("broadcasts serialise");
    let row: i64 = sqlx::query_scalar(
        "INSERT INTO live_relay (payload, created_at) VALUES ($1, $2) RETURNING id",
    )
    .bind(&payload)
    .bind(token::now_ms())
    .fetch_one(pool)
    .await?;
    let inline = Notice {
        row,
        relayed: Some(relayed),
    };
    let mut notice = serde_json::to_string(&inline).expect("broadcasts serialise");
    if notice.len() > MAX_PAYLOAD {
        notice = serde_json::to_string(&Notice { row, relayed: None }).expect("ids serialise");
    }
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(&notice)
        .execute(pool)
        .await?;
    Ok(())
}

/// Hands every broadcast other instances relay to this process's
/// subscribers, until `stop` fires (the notifier ended): from the
/// notification, or from its `live_relay` row when it was too large, and
/// after a reconnection from the rows written meanwhile.
async fn listen(
    mut listener: PgListener,
    pool: PgPool,
    origin: u64,
    local: broadcast::Sender<Broadcast>,
    mut stop: oneshot::Receiver<()>,
) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut disconnected_at: Option<i64> = None;
    loop {
        let heard = tokio::select! {
            heard = listener.try_recv() => heard,
            _ = &mut stop => return,
        };
        match heard {
            Ok(Some(notification)) => {
                if let Some(since) = disconnected_at.take() {
                    catch_up(&pool, origin, &local, &seen, since).await;
                }
                let notice = match serde_json::from_str::<Notice>(notification.payload()) {
                    Ok(notice) => notice,
                    Err(err) => {
                        tracing::warn!(cause = %err, "unreadable live notification");
                        continue;
                    }
                };
                if !first_time(&seen, notice.row) {
                    continue;
                }
                let relayed = match notice.relayed {
                    Some(relayed) => Some(relayed),
                    None => read_row(&pool, notice.row).await,
                };
                deliver(relayed, origin, &local);
            }
            // The connection dropped; the next call reconnects and listens
            // again, and the first notification after it reads back what
            // was relayed in between.
            Ok(None) => {
                tracing::warn!("live listener reconnecting; will read back what it missed");
                let since = *disconnected_at.get_or_insert_with(token::now_ms);
                // Also read back without waiting for the next notification,
                // once the connection is likely back and once more later.
                let (pool, local, seen) = (pool.clone(), local.clone(), seen.clone());
                tokio::spawn(async move {
                    for wait in [1, 3] {
                        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                        catch_up(&pool, origin, &local, &seen, since).await;
                    }
                });
            }
            Err(err) => {
                tracing::warn!(cause = %err, "live listener failed; retrying");
                disconnected_at.get_or_insert_with(token::now_ms);
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}

/// Delivers the rows relayed since shortly before `since` that this
/// listener has not delivered yet, in the order they were written.
async fn catch_up(
    pool: &PgPool,
    origin: u64,
    local: &broadcast::Sender<Broadcast>,
    seen: &Mutex<Seen>,
    since: i64,
) {
    let rows: Result<Vec<(i64, String)>, _> =
        sqlx::query_as("SELECT id, payload FROM live_relay WHERE created_at >= $1 ORDER BY id")
            .bind(since - CATCH_UP_SLACK_MS)
            .fetch_all(pool)
            .await;
    match rows {
        Ok(rows) => {
            for (row, payload) in rows {
                if first_time(seen, row) {
                    deliver(serde_json::from_str(&payload).ok(), origin, local);
                }
            }
        }
        Err(err) => tracing::warn!(cause = %err, "missed live updates not read back"),
    }
}

/// The broadcast kept in `live_relay` row `row`.
async fn read_row(pool: &PgPool, row: i64) -> Option<Relayed> {
    let payload: Result<String, _> =
        sqlx::query_scalar("SELECT payload FROM live_relay WHERE id = $1")
            .bind(row)
            .fetch_one(pool)
            .await;
    match payload.map(|payload| serde_json::from_str(&payload)) {
        Ok(Ok(relayed)) => Some(relayed),
        Ok(Err(err)) => {
            tracing::warn!(cause = %err, row, "unreadable live relay row");
            None
        }
        Err(err) => {
            tracing::warn!(cause = %err, row, "live relay row not read");
            None
        }
    }
}

/// Hands `relayed` to this process's subscribers unless this hub sent it.
fn deliver(relayed: Option<Relayed>, origin: u64, local: &broadcast::Sender<Broadcast>) {
    if let Some(relayed) = relayed.filter(|relayed| relayed.origin != origin) {
        let _ = local.send(relayed.broadcast);
    }
}

/// Records `row` in `seen`; false if it was delivered already.
fn first_time(seen: &Mutex<Seen>, row: i64) -> bool {
    // A poisoned lock only means a panic elsewhere; the set is still sound.
    seen.lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .first_time(row)
}

/// The relay rows a listener delivered lately.
#[derive(Default)]
struct Seen {
    rows: std::collections::HashSet<i64>,
    order: std::collections::VecDeque<i64>,
}

impl Seen {
    /// Records `row`; false if it was delivered already.
    fn first_time(&mut self, row: i64) -> bool {
        if !self.rows.insert(row) {
            return false;
        }
        self.order.push_back(row);
        if self.order.len() > SEEN_KEPT {
            if let Some(oldest) = self.order.pop_front() {
                self.rows.remove(&oldest);
            }
        }
        true
    }
}

/// What one live (ad or cart widget) subscriber wants to see.
#[derive(Clone, Debug)]
pub struct Filter {
    /// The merchant of the subscriber's placement, whose product changes
    /// it gets; `None` (a cart widget) for none.
    pub merchant_id: Option<String>,
    /// The subscriber's session, whose cart changes it gets.
    pub session_id: Option<String>,
}

impl Filter {
    /// The update in `broadcast`, if this subscriber should get it.
    pub fn pick<'a>(&self, broadcast: &'a Broadcast) -> Option<&'a LiveUpdate> {
        match &broadcast.message {
            Message::Live(update @ LiveUpdate::Product { .. }) => {
                (self.merchant_id.as_ref() == Some(&broadcast.merchant_id)).then_some(update)
            }
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
