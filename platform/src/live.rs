//! Live updates: one in-process broadcast channel every change is published
//! on, and the filters that decide which subscriber sees what.
//!
//! Publishers (product changes, cart changes, checkout, event ingest, order
//! changes) send a [`Broadcast`] that says whose it is. Each `GET /v1/live`
//! subscriber keeps only the product changes of its placement's merchant
//! and the cart changes of its own session; each merchant feed subscriber
//! keeps its merchant's events, orders and product changes. The channel is bounded: a subscriber that
//! falls behind by more than [`CAPACITY`] messages is told it lagged and
//! should read the state again. Updates reach subscribers of this process
//! only; crossing instances (PostgreSQL LISTEN/NOTIFY) is not implemented.

use kiosk_wire::{FeedItem, LiveUpdate};
use tokio::sync::broadcast;

/// Messages kept for slow subscribers before they lag.
pub const CAPACITY: usize = 1024;

/// A change and who may see it.
#[derive(Clone, Debug)]
pub struct Broadcast {
    /// The merchant whose catalog or cart this is.
    pub merchant_id: String,
    /// For cart changes: the session (public id) whose cart it is.
    pub session_id: Option<String>,
    pub message: Message,
}

/// What a broadcast carries: an update for ads and carts, or an item of the
/// merchant's feed.
#[derive(Clone, Debug)]
pub enum Message {
    Live(LiveUpdate),
    Feed(FeedItem),
}

/// The publishing side, shared by every handler.
#[derive(Clone, Debug)]
pub struct LiveHub {
    sender: broadcast::Sender<Broadcast>,
}

impl Default for LiveHub {
    fn default() -> LiveHub {
        LiveHub {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl LiveHub {
    /// Sends `broadcast` to every current subscriber; with none, it is
    /// dropped, which is fine: there is nobody to update.
    pub fn publish(&self, broadcast: Broadcast) {
        let _ = self.sender.send(broadcast);
    }

    /// A new subscription; it sees everything published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Broadcast> {
        self.sender.subscribe()
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
