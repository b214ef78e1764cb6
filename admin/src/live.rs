//! The dashboard's shared state and the live feed that keeps it current.
//!
//! The feed (`GET /v1/merchant/feed`, Server-Sent Events) is opened with a
//! one-time ticket, since `EventSource` cannot send the key as a header.
//! A ticket opens one stream only, so when the stream fails (the platform
//! restarted, the network dropped) the page closes it and opens a new one
//! with a new ticket, instead of letting `EventSource` retry a used ticket.
//!
//! Every feed item is kept for the feed panel (the latest [`FEED_KEPT`]),
//! product items update the catalog in place, and any item marks the
//! figures stale: at most once a second [`Dash::version`] moves on and the
//! panels read their figures again from the platform.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use kiosk::api::from_json;
use kiosk::browser::sleep;
use kiosk_wire::{FeedItem, FeedTotals, Product};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::api::Admin;
use crate::text;

/// Feed items the feed panel keeps, newest first.
pub const FEED_KEPT: usize = 300;

/// How often, at most, the panels read their figures again.
const REFRESH_MS: i32 = 1000;

/// The wait before a failed feed is opened again.
const RECONNECT_MS: i32 = 1500;

/// The feed's SSE event names that carry a [`FeedItem`].
const ITEM_EVENTS: [&str; 5] = ["event", "order", "product", "price_change", "totals"];

/// One feed item as it arrived.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedEntry {
    /// Arrival order, for keyed lists.
    pub seq: u64,
    /// When it arrived, ms since the epoch.
    pub at: i64,
    pub item: FeedItem,
}

/// What every panel shares.
#[derive(Clone, Copy)]
pub struct Dash {
    pub api: StoredValue<Admin>,
    /// The latest feed items, newest first.
    pub feed: RwSignal<Vec<FeedEntry>>,
    /// Whether the feed is open now.
    pub live: RwSignal<bool>,
    /// Moves on whenever figures may have changed; panels read again.
    pub version: RwSignal<u64>,
    /// The merchant's products, kept current by the feed.
    pub products: RwSignal<Vec<Product>>,
    /// The feed's latest running totals, when the platform sends them.
    pub totals: RwSignal<Option<FeedTotals>>,
    stale: StoredValue<bool>,
    next_seq: StoredValue<u64>,
}

impl Dash {
    /// The state for `api`, with the products the login read.
    pub fn new(api: Admin, products: Vec<Product>) -> Dash {
        Dash {
            api: StoredValue::new(api),
            feed: RwSignal::new(Vec::new()),
            live: RwSignal::new(false),
            version: RwSignal::new(0),
            products: RwSignal::new(products),
            totals: RwSignal::new(None),
            stale: StoredValue::new(false),
            next_seq: StoredValue::new(0),
        }
    }

    /// Opens the feed and starts the refresh clock, for the page's lifetime.
    pub fn start(self) {
        spawn_local(async move {
            loop {
                sleep(REFRESH_MS).await;
                if self.stale.get_value() {
                    self.stale.set_value(false);
                    self.version.update(|v| *v += 1);
                }
            }
        });
        spawn_local(async move {
            loop {
                if let Ok(url) = self.api.get_value().feed_url().await {
                    follow(self, &url).await;
                }
                self.live.set(false);
                sleep(RECONNECT_MS).await;
            }
        });
    }

    /// Marks the figures stale: the panels read again within a second.
    pub fn touch(&self) {
        self.stale.set_value(true);
    }

    /// Takes in one feed item.
    fn receive(&self, item: FeedItem) {
        match &item {
            FeedItem::Product { product } => {
                let product = product.clone();
                self.products.update(|products| {
                    match products.iter_mut().find(|p| p.id == product.id) {
                        Some(shown) => *shown = product,
                        None => products.push(product),
                    }
                });
            }
            FeedItem::Totals { totals } => self.totals.set(Some(totals.clone())),
            _ => {}
        }
        if !matches!(item, FeedItem::Totals { .. }) {
            let seq = self.next_seq.get_value();
            self.next_seq.set_value(seq + 1);
            let entry = FeedEntry {
                seq,
                at: text::now_ms(),
                item,
            };
            self.feed.update(|feed| {
                feed.insert(0, entry);
                feed.truncate(FEED_KEPT);
            });
        }
        self.touch();
    }
}

/// Follows the feed at `url` until it fails.
async fn follow(dash: Dash, url: &str) {
    let Ok(source) = web_sys::EventSource::new(url) else {
        return;
    };
    let (failed, failure) = oneshot::channel::<()>();
    let failed = Rc::new(RefCell::new(Some(failed)));

    let on_item =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
            if let Some(item) = message
                .data()
                .as_string()
                .and_then(|data| from_json::<FeedItem>(&data))
            {
                dash.receive(item);
            }
        });
    let on_ready = Closure::<dyn Fn()>::new(move || {
        dash.live.set(true);
        // Whatever happened while the feed was closed is read now.
        dash.touch();
    });
    let on_lagged = Closure::<dyn Fn()>::new(move || dash.touch());
    let on_error = Closure::<dyn Fn()>::new(move || {
        if let Some(failed) = failed.borrow_mut().take() {
            let _ = failed.send(());
        }
    });
    for name in ITEM_EVENTS {
        let _ = source.add_event_listener_with_callback(name, on_item.as_ref().unchecked_ref());
    }
    let _ = source.add_event_listener_with_callback("ready", on_ready.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("lagged", on_lagged.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());

    let _ = failure.await;
    // Stop the browser from retrying with the used ticket; the listeners
    // are dropped after the source is closed.
    source.close();
    drop((on_item, on_ready, on_lagged, on_error));
}
