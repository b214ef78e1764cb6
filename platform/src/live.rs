//! Live updates: one in-process broadcast channel every change is published
//! on, and the filters that decide which subscriber sees what.
//!
//! Publishers (product changes, cart changes, checkout) send a
//! [`Broadcast`] that says whose it is; each `GET /v1/live` subscriber keeps
//! only the product changes of its placement's merchant and the cart
//! changes of its own session. The channel is bounded: a subscriber that
//! falls behind by more than [`CAPACITY`] messages is told it lagged and
//! should read the state again. Updates reach subscribers of this process
//! only; crossing instances (PostgreSQL LISTEN/NOTIFY) is not implemented.

use kiosk_wire::LiveUpdate;
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
    pub update: LiveUpdate,
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

/// What one subscriber wants to see.
#[derive(Clone, Debug)]
pub struct Filter {
    pub merchant_id: String,
    pub session_id: Option<String>,
}

impl Filter {
    /// Whether this subscriber should get `broadcast`.
    pub fn wants(&self, broadcast: &Broadcast) -> bool {
        if broadcast.merchant_id != self.merchant_id {
            return false;
        }
        match &broadcast.update {
            LiveUpdate::Product { .. } => true,
            LiveUpdate::Cart { .. } => {
                self.session_id.is_some() && broadcast.session_id == self.session_id
            }
        }
    }
}
