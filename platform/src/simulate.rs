//! The shopper simulator: realistic traffic through the platform's real
//! HTTP API, so the feedback loop can be watched (the demo) and measured
//! (tests, benchmarks).
//!
//! Each simulated shopper is one session in one placement, taken in turn:
//! it reads the placement's products (`?session=new`, as an ad boots),
//! reports an impression, often a viewable impression, sometimes a click,
//! and a view of every product shown; adds each shown product to its cart
//! with that product's *true* add-to-cart rate; keeps each added product
//! with its true purchase share (removing the others); and checks out what
//! it kept with the test card, reporting a checkout start and a purchase.
//! True rates are drawn per product from the seed, except for an optional
//! `best` product that converts far better than the rest.
//!
//! Everything random comes from one ChaCha8 stream seeded with
//! [`Config::seed`], and shoppers run one after another, so against a
//! platform whose placement draws are seeded too
//! (`AppState::with_policy_seed`) a run is exactly repeatable.
//!
//! With a secret key, the simulator also restocks products it sees running
//! low (stock below [`RESTOCK_BELOW`]), as a merchant would, so a long demo
//! never sells the catalog out.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use kiosk_wire::{
    Address, CardNumber, CardPayment, CheckoutRequest, Contact, Event, EventKind, PlacementPolicy,
    PlacementProducts, Product,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reqwest::StatusCode;
use serde_json::json;

/// Stock under which a product is restocked (with a secret key).
pub const RESTOCK_BELOW: i64 = 5;

/// What a restock sets the stock to.
pub const RESTOCK_TO: i64 = 100;

/// The true rates of the `best` product: add to cart, then keep.
const BEST_RATES: (f64, f64) = (0.45, 0.6);

/// How one run goes.
#[derive(Clone, Debug)]
pub struct Config {
    /// The platform, e.g. `http://127.0.0.1:8080`.
    pub base: String,
    pub seed: u64,
    /// How many shoppers; `None` runs until the process stops.
    pub sessions: Option<usize>,
    /// Placements the shoppers arrive through, in turn.
    pub placements: Vec<String>,
    /// A product that converts far better than the rest.
    pub best: Option<String>,
    /// A pause between shoppers (the demo's pace); zero runs flat out.
    pub pause: Duration,
    /// A merchant secret key to restock with; without it products may sell
    /// out.
    pub secret_key: Option<String>,
    /// A publishable key to add as `?key=` (for a platform reached as a
    /// browser would, with an `Origin`); servers need none.
    pub publishable_key: Option<String>,
    /// A policy to switch every placement to first (needs the secret key).
    pub policy: Option<PlacementPolicy>,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub sessions: usize,
    /// Events accepted by the platform.
    pub events: usize,
    pub add_to_carts: usize,
    pub orders: usize,
    pub restocks: usize,
    pub elapsed: Duration,
    /// Per shopper, in order: the placement and the products it was shown.
    pub shown: Vec<(String, Vec<String>)>,
    /// Per shopper, in order: events accepted so far, this shopper's
    /// included.
    pub events_so_far: Vec<usize>,
}

impl Report {
    /// The share of shoppers `range` (indices into [`Report::shown`]) of
    /// `placement` who were shown `product`.
    pub fn share(&self, placement: &str, product: &str, range: std::ops::Range<usize>) -> f64 {
        let in_placement: Vec<&Vec<String>> = self
            .shown
            .iter()
            .filter(|(p, _)| p == placement)
            .map(|(_, shown)| shown)
            .collect();
        let window =
            &in_placement[range.start.min(in_placement.len())..range.end.min(in_placement.len())];
        if window.is_empty() {
            return 0.0;
        }
        let hits = window
            .iter()
            .filter(|shown| shown.iter().any(|id| id == product))
            .count();
        hits as f64 / window.len() as f64
    }

    /// Accepted events per second over the run.
    pub fn events_per_second(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// A product's true (add-to-cart rate per view, share of carted units
/// bought): the best product's fixed rates, or rates drawn from the seed
/// and the product's id, so they stay the same whatever order products
/// are met in.
pub fn true_rates(seed: u64, product_id: &str, best: Option<&str>) -> (f64, f64) {
    if best == Some(product_id) {
        return BEST_RATES;
    }
    let mixed = product_id
        .bytes()
        .fold(seed ^ 0x9e37_79b9_7f4a_7c15, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    let mut rng = ChaCha8Rng::seed_from_u64(mixed);
    (rng.gen_range(0.02..0.10), rng.gen_range(0.2..0.5))
}

/// Runs the simulation; stops after `config.sessions` shoppers (or never).
pub async fn run(config: &Config) -> anyhow::Result<Report> {
    anyhow::ensure!(!config.placements.is_empty(), "name at least one placement");
    let client = reqwest::Client::new();
    wait_until_up(&client, &config.base).await?;
    if let Some(policy) = config.policy {
        let key = config
            .secret_key
            .as_deref()
            .context("switching a placement's policy needs a secret key")?;
        for placement in &config.placements {
            let url = format!(
                "{}/v1/merchant/placements/{placement}/policy",
                config.base.trim_end_matches('/')
            );
            client
                .put(url)
                .bearer_auth(key)
                .json(&json!({ "policy": policy }))
                .send()
                .await?
                .error_for_status()?;
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut report = Report::default();
    let started = Instant::now();
    let mut rates: HashMap<String, (f64, f64)> = HashMap::new();

    let mut index = 0usize;
    while config.sessions.is_none_or(|total| index < total) {
        let placement = &config.placements[index % config.placements.len()];
        let shopper = Shopper {
            client: &client,
            config,
            number: index,
        };
        shopper
            .visit(placement, &mut rng, &mut rates, &mut report)
            .await
            .with_context(|| format!("shopper {index} in {placement}"))?;
        index += 1;
        report.sessions = index;
        report.events_so_far.push(report.events);
        report.elapsed = started.elapsed();
        if index % 100 == 0 {
            tracing::info!(
                sessions = report.sessions,
                events = report.events,
                orders = report.orders,
                "simulated"
            );
        }
        if !config.pause.is_zero() {
            tokio::time::sleep(config.pause).await;
        }
    }
    Ok(report)
}

/// How long the simulator waits for a platform that is still starting.
const STARTUP_WAIT: Duration = Duration::from_secs(60);

/// Waits until the platform at `base` answers `/health` (the demo starts
/// both at once).
async fn wait_until_up(client: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    let url = format!("{}/health", base.trim_end_matches('/'));
    let deadline = Instant::now() + STARTUP_WAIT;
    loop {
        match client.get(&url).send().await {
            Ok(response) if response.status().is_success() => return Ok(()),
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
            Ok(response) => anyhow::bail!("{url} answered {}", response.status()),
            Err(err) => return Err(err).context(format!("{url} is not answering")),
        }
    }
}

/// One simulated shopper.
struct Shopper<'a> {
    client: &'a reqwest::Client,
    config: &'a Config,
    number: usize,
}

impl Shopper<'_> {
    fn url(&self, path: &str) -> String {
        let base = self.config.base.trim_end_matches('/');
        match &self.config.publishable_key {
            Some(key) if path.contains('?') => format!("{base}{path}&key={key}"),
            Some(key) => format!("{base}{path}?key={key}"),
            None => format!("{base}{path}"),
        }
    }

    async fn visit(
        &self,
        placement: &str,
        rng: &mut ChaCha8Rng,
        rates: &mut HashMap<String, (f64, f64)>,
        report: &mut Report,
    ) -> anyhow::Result<()> {
        let read: PlacementProducts = self
            .client
            .get(self.url(&format!("/v1/placements/{placement}/products?session=new")))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let session = read.session.context("the placement read made no session")?;
        let shown: Vec<String> = read.products.iter().map(|p| p.id.clone()).collect();
        report.shown.push((placement.to_string(), shown.clone()));
        // What goes into the cart: the product itself, or for a product
        // with variants one of its sellable variants, as a shopper picks a
        // size; events name the product either way.
        let lines: Vec<Option<String>> = read
            .products
            .iter()
            .map(|product| {
                if product.variants.is_empty() {
                    return Some(product.id.clone());
                }
                let sellable: Vec<_> = product.variants.iter().filter(|v| v.sellable()).collect();
                (!sellable.is_empty())
                    .then(|| sellable[rng.gen_range(0..sellable.len())].id.clone())
            })
            .collect();

        let mut events = Events::new(&session.id, placement);
        events.push(EventKind::Impression, None);
        if rng.gen_bool(0.7) {
            events.push(EventKind::ViewableImpression, None);
        }
        if rng.gen_bool(0.1) {
            events.push(EventKind::Click, None);
        }
        for id in &shown {
            events.push(EventKind::ProductView, Some(id));
        }
        report.events += self.send(&mut events).await?;

        let mut carted = Vec::new();
        for (id, line) in shown.iter().zip(&lines) {
            let (cart_rate, _) = *rates
                .entry(id.clone())
                .or_insert_with(|| true_rates(self.config.seed, id, self.config.best.as_deref()));
            if !rng.gen_bool(cart_rate) {
                continue;
            }
            let Some(line) = line else { continue };
            let added = self
                .client
                .post(self.url("/v1/cart/lines"))
                .bearer_auth(&session.token)
                .json(&json!({ "product_id": line, "quantity": 1 }))
                .send()
                .await?;
            // A product that sold out since the read is simply not added.
            if added.status() == StatusCode::CONFLICT {
                continue;
            }
            added.error_for_status()?;
            events.push(EventKind::AddToCart, Some(id));
            carted.push((id.clone(), line.clone()));
        }
        report.add_to_carts += carted.len();

        let mut kept = 0;
        for (id, line) in &carted {
            let (_, keep_rate) = rates[id];
            if rng.gen_bool(keep_rate) {
                kept += 1;
                continue;
            }
            self.client
                .delete(self.url(&format!("/v1/cart/lines/{line}")))
                .bearer_auth(&session.token)
                .send()
                .await?
                .error_for_status()?;
        }
        if kept > 0 {
            events.push(EventKind::CheckoutStart, None);
            let response = self
                .client
                .post(self.url("/v1/checkout"))
                .bearer_auth(&session.token)
                .header(
                    "idempotency-key",
                    format!("sim-{}-{}", self.config.seed, self.number),
                )
                .json(&checkout_request())
                .send()
                .await?;
            match response.status() {
                StatusCode::CREATED => {
                    report.orders += 1;
                    events.push(EventKind::Purchase, None);
                }
                // Stock or a price moved under the shopper: no order.
                StatusCode::CONFLICT => {}
                _ => {
                    response.error_for_status()?;
                }
            }
        }
        report.events += self.send(&mut events).await?;
        self.restock(&read.products, report).await
    }

    /// Sends the pending events; returns how many were accepted.
    async fn send(&self, events: &mut Events) -> anyhow::Result<usize> {
        if events.pending.is_empty() {
            return Ok(0);
        }
        let batch = std::mem::take(&mut events.pending);
        let answer: kiosk_wire::EventBatchResult = self
            .client
            .post(self.url("/v1/events"))
            .json(&json!({ "events": batch }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(answer.accepted)
    }

    /// Restocks shown products running low, when a secret key allows it.
    async fn restock(&self, shown: &[Product], report: &mut Report) -> anyhow::Result<()> {
        let Some(key) = &self.config.secret_key else {
            return Ok(());
        };
        for product in shown.iter().filter(|p| p.stock < RESTOCK_BELOW + 2) {
            // The read's stock is old by now (this shopper may have bought).
            let now: Product = self
                .client
                .get(self.url(&format!("/v1/products/{}", product.id)))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            if now.stock >= RESTOCK_BELOW {
                continue;
            }
            self.client
                .patch(format!(
                    "{}/v1/products/{}",
                    self.config.base.trim_end_matches('/'),
                    product.id
                ))
                .bearer_auth(key)
                .json(&json!({ "stock": RESTOCK_TO }))
                .send()
                .await?
                .error_for_status()?;
            report.restocks += 1;
        }
        Ok(())
    }
}

/// A shopper's events not yet sent, numbered within its session.
struct Events {
    session: String,
    placement: String,
    next: usize,
    pending: Vec<Event>,
}

impl Events {
    fn new(session: &str, placement: &str) -> Events {
        Events {
            session: session.to_string(),
            placement: placement.to_string(),
            next: 0,
            pending: Vec::new(),
        }
    }

    fn push(&mut self, kind: EventKind, product: Option<&str>) {
        self.next += 1;
        self.pending.push(Event {
            id: format!("sim-{}", self.next),
            kind,
            session: self.session.clone(),
            placement: Some(self.placement.clone()),
            creative: Some("simulated".into()),
            campaign: Some("simulation".into()),
            product: product.map(str::to_string),
            occurred_at: None,
        });
    }
}

/// A checkout the test payment provider accepts.
fn checkout_request() -> CheckoutRequest {
    CheckoutRequest {
        contact: Contact {
            email: "shopper@example.com".into(),
            name: "Simulated Shopper".into(),
        },
        shipping_address: Address {
            line1: "1 Test Street".into(),
            line2: None,
            city: "Berlin".into(),
            postal_code: "10115".into(),
            country: "DE".into(),
        },
        shipping_option: "standard".into(),
        payment: CardPayment {
            card_number: CardNumber::new("4242 4242 4242 4242"),
            expiry: "12/39".into(),
            cvc: "123".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// True rates depend on the seed and the product only; the best product
    /// converts better than any other can.
    #[test]
    fn true_rates_are_stable_and_the_best_is_best() {
        assert_eq!(true_rates(1, "prd_a", None), true_rates(1, "prd_a", None));
        assert_ne!(true_rates(1, "prd_a", None), true_rates(2, "prd_a", None));
        let (cart, _) = true_rates(1, "prd_a", None);
        assert!((0.02..0.10).contains(&cart));
        assert_eq!(true_rates(1, "prd_a", Some("prd_a")), BEST_RATES);
    }
}
