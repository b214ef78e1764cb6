//! Tracking: what the ad reports to the platform, and when an impression
//! counts as viewable.
//!
//! Events are queued and sent in batches with `navigator.sendBeacon`, which
//! never blocks the UI and survives the page closing; the queue is flushed
//! shortly after the first event and on `pagehide`. Viewability follows the
//! MRC display rule: at least 50 % of the ad's pixels in view for at least
//! one continuous second, decided by [`Viewability`] from observations the
//! host adapter feeds it (so it can be tested with a fake clock).

use std::cell::RefCell;
use std::rc::Rc;

use kiosk_wire::{Event, EventBatch, EventKind};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::api::Platform;
use crate::browser;
use crate::config::AdConfig;

/// Share of the ad's pixels that must be in view (MRC display rule).
pub const VIEWABLE_FRACTION: f64 = 0.5;
/// How long they must stay in view, continuously, in milliseconds.
pub const VIEWABLE_DWELL_MS: f64 = 1000.0;
/// How long the first queued event waits for company before a batch goes.
const FLUSH_DELAY_MS: i32 = 500;

/// The MRC viewability rule as a state machine over observations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Viewability {
    /// When the current continuous in-view stretch began, if the ad is in
    /// view now.
    in_view_since: Option<f64>,
    /// The rule fires once per ad.
    fired: bool,
}

impl Viewability {
    pub fn new() -> Viewability {
        Viewability::default()
    }

    /// Records that at `now_ms` the ad had `fraction` (0..=1) of its pixels
    /// in view. Returns true exactly once: when this observation completes a
    /// continuous second at or above half in view.
    pub fn observe(&mut self, now_ms: f64, fraction: f64) -> bool {
        if self.fired {
            return false;
        }
        if fraction >= VIEWABLE_FRACTION {
            let since = *self.in_view_since.get_or_insert(now_ms);
            if now_ms - since >= VIEWABLE_DWELL_MS {
                self.fired = true;
                return true;
            }
        } else {
            self.in_view_since = None;
        }
        false
    }

    /// When the ad becomes viewable if it stays in view: the time to check
    /// again when no further observation arrives.
    pub fn due_at(&self) -> Option<f64> {
        match (self.fired, self.in_view_since) {
            (false, Some(since)) => Some(since + VIEWABLE_DWELL_MS),
            _ => None,
        }
    }

    pub fn fired(&self) -> bool {
        self.fired
    }
}

/// Queues the ad's events and sends them in batches.
#[derive(Clone)]
pub struct Tracker {
    inner: Rc<TrackerInner>,
}

struct TrackerInner {
    platform: Platform,
    config: AdConfig,
    /// The session's public id: every event names it.
    session_id: String,
    queue: RefCell<Vec<Event>>,
    /// Whether a delayed flush is already scheduled.
    flush_scheduled: RefCell<bool>,
}

impl Tracker {
    /// A tracker for the ad described by `config`, in session `session_id`,
    /// that flushes on `pagehide`.
    pub fn new(platform: Platform, config: AdConfig, session_id: String) -> Tracker {
        let tracker = Tracker {
            inner: Rc::new(TrackerInner {
                platform,
                config,
                session_id,
                queue: RefCell::new(Vec::new()),
                flush_scheduled: RefCell::new(false),
            }),
        };
        if let Some(window) = web_sys::window() {
            let on_hide = tracker.clone();
            let listener = Closure::<dyn Fn()>::new(move || on_hide.flush());
            let _ = window
                .add_event_listener_with_callback("pagehide", listener.as_ref().unchecked_ref());
            // The listener lives as long as the page.
            listener.forget();
        }
        tracker
    }

    /// Records that `kind` happened, about `product` if any.
    pub fn track(&self, kind: EventKind, product: Option<&str>) {
        let inner = &self.inner;
        inner.queue.borrow_mut().push(Event {
            id: browser::random_id(),
            kind,
            session: inner.session_id.clone(),
            placement: Some(inner.config.placement.clone()),
            creative: inner.config.creative.clone(),
            campaign: inner.config.campaign.clone(),
            product: product.map(str::to_string),
            occurred_at: Some(browser::now_ms() as i64),
        });
        if !inner.flush_scheduled.replace(true) {
            let tracker = self.clone();
            leptos::task::spawn_local(async move {
                browser::sleep(FLUSH_DELAY_MS).await;
                tracker.flush();
            });
        }
    }

    /// Sends everything queued now.
    pub fn flush(&self) {
        let inner = &self.inner;
        inner.flush_scheduled.replace(false);
        let events = std::mem::take(&mut *inner.queue.borrow_mut());
        if events.is_empty() {
            return;
        }
        if !inner.platform.send_events(&EventBatch { events }) {
            leptos::logging::warn!("kiosk ad: the browser refused an event beacon");
        }
    }
}
