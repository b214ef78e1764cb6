//! Counters for `/metrics`, in Prometheus's text format.
//!
//! Plain atomics, no registry: a handful of series that say whether the
//! platform is healthy and selling (requests by status class and their
//! latency, orders placed, checkout refusals by code, events by outcome,
//! live subscribers). Counters live as long as the process, as Prometheus
//! expects; a restart starts them at zero again.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bounds (seconds) of the request latency histogram's buckets,
/// spanning the budgets of DESIGN.md (5 ms reads, 20 ms checkouts).
const LATENCY_BUCKETS: [f64; 9] = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0];

/// The platform's counters; shared by every handler.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Responses by status class: index 0 is 1xx, 4 is 5xx.
    responses: [AtomicU64; 5],
    /// Request latency histogram: one count per bucket, then +Inf.
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    latency_sum_micros: AtomicU64,
    orders_placed: AtomicU64,
    /// Checkout answers other than a placed order, by error code.
    checkout_refusals: Mutex<BTreeMap<String, u64>>,
    /// Events by outcome: accepted, duplicate, rejected.
    events: [AtomicU64; 3],
    live_subscribers: AtomicI64,
}

/// What became of an ingested event, for [`Metrics::event`].
#[derive(Clone, Copy, Debug)]
pub enum EventCount {
    Accepted = 0,
    Duplicate = 1,
    Rejected = 2,
}

impl Metrics {
    /// Counts one answered request.
    pub fn response(&self, status: u16, elapsed: Duration) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.responses[class].fetch_add(1, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        let bucket = LATENCY_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.latency_buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    /// Counts a placed order.
    pub fn order_placed(&self) {
        self.orders_placed.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a checkout refused with `code`.
    pub fn checkout_refused(&self, code: &str) {
        let mut refusals = self.lock_refusals();
        *refusals.entry(code.to_string()).or_default() += 1;
    }

    /// Counts `n` events with one outcome.
    pub fn event(&self, outcome: EventCount, n: usize) {
        self.events[outcome as usize].fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Counts a live subscriber until the returned guard is dropped.
    pub fn subscriber(self: &Arc<Self>) -> SubscriberGuard {
        self.live_subscribers.fetch_add(1, Ordering::Relaxed);
        SubscriberGuard(self.clone())
    }

    /// Every series in Prometheus's text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);

        out.push_str("# HELP kiosk_http_responses_total HTTP responses by status class.\n");
        out.push_str("# TYPE kiosk_http_responses_total counter\n");
        for (i, counter) in self.responses.iter().enumerate() {
            let _ = writeln!(
                out,
                "kiosk_http_responses_total{{class=\"{}xx\"}} {}",
                i + 1,
                get(counter)
            );
        }

        out.push_str("# HELP kiosk_http_request_seconds Time to answer a request.\n");
        out.push_str("# TYPE kiosk_http_request_seconds histogram\n");
        let mut cumulative = 0;
        for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
            cumulative += get(&self.latency_buckets[i]);
            let _ = writeln!(
                out,
                "kiosk_http_request_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        cumulative += get(&self.latency_buckets[LATENCY_BUCKETS.len()]);
        let _ = writeln!(
            out,
            "kiosk_http_request_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        );
        let _ = writeln!(
            out,
            "kiosk_http_request_seconds_sum {}",
            get(&self.latency_sum_micros) as f64 / 1e6
        );
        let _ = writeln!(out, "kiosk_http_request_seconds_count {cumulative}");

        out.push_str("# HELP kiosk_orders_placed_total Orders placed by checkout.\n");
        out.push_str("# TYPE kiosk_orders_placed_total counter\n");
        let _ = writeln!(
            out,
            "kiosk_orders_placed_total {}",
            get(&self.orders_placed)
        );

        out.push_str("# HELP kiosk_checkout_refusals_total Checkouts refused, by code.\n");
        out.push_str("# TYPE kiosk_checkout_refusals_total counter\n");
        for (code, count) in self.lock_refusals().iter() {
            let _ = writeln!(
                out,
                "kiosk_checkout_refusals_total{{code=\"{code}\"}} {count}"
            );
        }

        out.push_str("# HELP kiosk_events_total Reported events, by outcome.\n");
        out.push_str("# TYPE kiosk_events_total counter\n");
        for (i, outcome) in ["accepted", "duplicate", "rejected"].iter().enumerate() {
            let _ = writeln!(
                out,
                "kiosk_events_total{{outcome=\"{outcome}\"}} {}",
                get(&self.events[i])
            );
        }

        out.push_str("# HELP kiosk_live_subscribers Open live and feed streams.\n");
        out.push_str("# TYPE kiosk_live_subscribers gauge\n");
        let _ = writeln!(
            out,
            "kiosk_live_subscribers {}",
            self.live_subscribers.load(Ordering::Relaxed)
        );
        out
    }

    fn lock_refusals(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        // A map of counts cannot be left half-updated by a panic.
        self.checkout_refusals
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Keeps a live subscriber counted while it exists.
#[derive(Debug)]
pub struct SubscriberGuard(Arc<Metrics>);

impl Drop for SubscriberGuard {
    fn drop(&mut self) {
        self.0.live_subscribers.fetch_sub(1, Ordering::Relaxed);
    }
}
