//! Placement optimisation: which products a placement shows, chosen from
//! live outcomes by Thompson sampling, and the log of every choice.
//!
//! [`choose`] is a pure function over a candidate list (the merchant's
//! available products with their outcome counts in this placement and the
//! merchant's pin or exclusion), the placement's policy and slot count, the
//! shopper's cart and a seed. It
//!
//! 1. drops every product that cannot be sold (no stock) and every product
//!    the merchant excluded from the placement;
//! 2. shows pinned products first, in pin order;
//! 3. under the `thompson` policy, for every other candidate draws an
//!    add-to-cart rate and a purchase rate per view from their Beta
//!    posteriors (a prior from the catalog's order plus the placement's
//!    counts) and ranks by their sum; under `ordered` (the default of a
//!    new placement) keeps the merchant's order;
//! 4. fills the remaining slots from the top of that ranking; under
//!    `thompson` it skips products already in the shopper's cart (they are
//!    replaced by the next best) unless too few others remain.
//!
//! The counts are updated in the transaction that stores the events
//! (`store::events`), so an outcome moves the next choice at once. Every
//! choice goes to the [`DecisionLog`], which a task writes to the
//! `decisions` table in batches, off the placement read's path, keeping the
//! latest [`DECISIONS_KEPT`]; the stored alternatives and seed replay the
//! same choice ([`draw`]).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kiosk_wire::{Alternative, CandidateOutcome, PlacementPolicy, PlacementRuleKind, Product};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution};
use tokio::sync::Notify;

use crate::store::Store;

/// The policies' names in recorded decisions; a new version of the scoring
/// gets a new name, so old decisions still say what made them.
pub fn policy_name(policy: PlacementPolicy) -> &'static str {
    match policy {
        PlacementPolicy::Ordered => "ordered-v1",
        PlacementPolicy::Thompson => "thompson-v1",
    }
}

/// How many pseudo-views the catalog prior is worth: a product's own
/// counts outweigh it after a few dozen views.
const PRIOR_VIEWS: f64 = 10.0;

/// The prior add-to-cart rate per view of the merchant's first product;
/// later products in the merchant's order start lower (down to a third of
/// it), so with no outcomes yet the merchant's order still leads.
const PRIOR_CART_RATE: f64 = 0.15;

/// The prior purchase rate per view, as a share of the add-to-cart prior.
const PRIOR_PURCHASE_SHARE: f64 = 0.3;

/// Decisions waiting to be written at most; beyond this (a database that
/// cannot keep up) new ones are dropped and counted, never the read slowed.
const MAX_PENDING_DECISIONS: usize = 10_000;

/// Decisions written per transaction at most, so the decision log never
/// holds SQLite's write lock for long against carts and checkouts.
const DECISIONS_PER_WRITE: usize = 500;

/// Decisions kept: older ones are deleted (every [`PRUNE_EVERY`]), so the
/// log explains recent choices without growing with every ad view.
pub const DECISIONS_KEPT: i64 = 50_000;

/// How often the writer deletes decisions beyond [`DECISIONS_KEPT`].
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// What a placement read knows of one product it may show.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub product: Product,
    /// Outcomes of this product in this placement so far.
    pub outcomes: Outcomes,
    /// The merchant's pin or exclusion, with the pin's position.
    pub rule: Option<(PlacementRuleKind, i64)>,
}

/// Counts of one product's outcomes in one placement.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub views: i64,
    pub add_to_carts: i64,
    pub purchases: i64,
}

/// What [`choose`] decided.
#[derive(Clone, Debug)]
pub struct Choice {
    /// The products to show, in order.
    pub products: Vec<Product>,
    /// Every candidate that could be shown, pinned ones first, then in draw
    /// order (by product id), with its parameters, draw and outcome.
    pub alternatives: Vec<Alternative>,
}

/// Chooses at most `slots` products among `candidates` (given in the
/// merchant's catalog order) for a shopper whose cart holds `in_cart`.
pub fn choose(
    candidates: Vec<Candidate>,
    policy: PlacementPolicy,
    slots: usize,
    in_cart: &HashSet<String>,
    seed: u64,
) -> Choice {
    let count = candidates.len().max(1) as f64;
    let mut pinned = Vec::new();
    let mut open = Vec::new();
    for (rank, candidate) in candidates.into_iter().enumerate() {
        if candidate.product.stock <= 0 {
            continue;
        }
        let prior = catalog_prior(rank as f64 / count);
        match candidate.rule {
            Some((PlacementRuleKind::Exclude, _)) => {}
            Some((PlacementRuleKind::Pin, position)) => pinned.push((position, candidate, prior)),
            None => open.push((candidate, prior)),
        }
    }
    pinned.sort_by(|a, b| (a.0, &a.1.product.id).cmp(&(b.0, &b.1.product.id)));
    if policy == PlacementPolicy::Thompson {
        open.sort_by(|a, b| a.0.product.id.cmp(&b.0.product.id));
    }

    let mut products = Vec::with_capacity(slots);
    let mut alternatives = Vec::with_capacity(pinned.len() + open.len());
    for (_, candidate, prior) in pinned {
        let mut alternative = parameters(&candidate, prior);
        if products.len() < slots {
            alternative.outcome = CandidateOutcome::Pinned;
            products.push(candidate.product);
        }
        alternatives.push(alternative);
    }

    let first_open = alternatives.len();
    for (candidate, prior) in &open {
        alternatives.push(parameters(candidate, *prior));
    }
    if policy == PlacementPolicy::Ordered {
        for (index, (candidate, _)) in open.into_iter().enumerate() {
            if products.len() < slots {
                alternatives[first_open + index].outcome = CandidateOutcome::Chosen;
                products.push(candidate.product);
            }
        }
        return Choice {
            products,
            alternatives,
        };
    }
    let scores = draw(&alternatives[first_open..], seed);
    let mut ranking: Vec<usize> = (0..open.len()).collect();
    ranking.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    for (index, score) in scores.iter().enumerate() {
        alternatives[first_open + index].score = Some(*score);
    }

    // Products the shopper already has are replaced by the next best, and
    // shown only when nothing else is left to fill a slot.
    let (fresh, carted): (Vec<usize>, Vec<usize>) = ranking
        .into_iter()
        .partition(|&i| !in_cart.contains(&open[i].0.product.id));
    for &index in fresh.iter().chain(&carted) {
        let alternative = &mut alternatives[first_open + index];
        if products.len() < slots {
            alternative.outcome = CandidateOutcome::Chosen;
            products.push(open[index].0.product.clone());
        } else if in_cart.contains(&alternative.product_id) {
            alternative.outcome = CandidateOutcome::InCart;
        }
    }
    Choice {
        products,
        alternatives,
    }
}

/// The sampled score of each alternative, in order: one draw from its
/// add-to-cart Beta, then one from its purchase Beta, from a ChaCha8
/// stream seeded with `seed`. The same parameters and seed give the same
/// scores on any machine, which is what makes a recorded decision
/// replayable.
pub fn draw(alternatives: &[Alternative], seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    alternatives
        .iter()
        .map(|a| {
            sample(&mut rng, a.cart_alpha, a.cart_beta)
                + sample(&mut rng, a.purchase_alpha, a.purchase_beta)
        })
        .collect()
}

fn sample(rng: &mut ChaCha8Rng, alpha: f64, beta: f64) -> f64 {
    // Both parameters are a positive prior plus non-negative counts, so the
    // distribution always exists; the fallback only guards the invariant.
    match Beta::new(alpha, beta) {
        Ok(distribution) => distribution.sample(rng),
        Err(_) => alpha / (alpha + beta),
    }
}

/// The prior (add-to-cart rate, purchase rate) of a product at relative
/// position `place` (0 = first) of the merchant's order.
fn catalog_prior(place: f64) -> (f64, f64) {
    let cart = PRIOR_CART_RATE * (1.0 - place * 2.0 / 3.0);
    (cart, cart * PRIOR_PURCHASE_SHARE)
}

/// A candidate's Beta parameters: prior pseudo-counts plus its own counts.
fn parameters(candidate: &Candidate, (cart_rate, purchase_rate): (f64, f64)) -> Alternative {
    let Outcomes {
        views,
        add_to_carts,
        purchases,
    } = candidate.outcomes;
    let views = views.max(add_to_carts).max(purchases) as f64;
    Alternative {
        product_id: candidate.product.id.clone(),
        cart_alpha: PRIOR_VIEWS * cart_rate + add_to_carts as f64,
        cart_beta: PRIOR_VIEWS * (1.0 - cart_rate) + views - add_to_carts as f64,
        purchase_alpha: PRIOR_VIEWS * purchase_rate + purchases as f64,
        purchase_beta: PRIOR_VIEWS * (1.0 - purchase_rate) + views - purchases as f64,
        score: None,
        outcome: CandidateOutcome::Outranked,
    }
}

/// Where each placement read's seed comes from: entropy by default, or a
/// seeded stream (simulations and tests), so a whole run replays.
#[derive(Clone, Debug, Default)]
pub struct Seeds {
    stream: Option<Arc<Mutex<ChaCha8Rng>>>,
}

impl Seeds {
    /// Seeds drawn from a stream seeded with `seed`.
    pub fn from_seed(seed: u64) -> Seeds {
        Seeds {
            stream: Some(Arc::new(Mutex::new(ChaCha8Rng::seed_from_u64(seed)))),
        }
    }

    /// The next decision's seed.
    pub fn next(&self) -> u64 {
        match &self.stream {
            // A poisoned lock only means another read panicked mid-draw;
            // the stream itself is still usable.
            Some(stream) => match stream.lock() {
                Ok(mut rng) => rng.gen(),
                Err(poisoned) => poisoned.into_inner().gen(),
            },
            None => rand::random(),
        }
    }
}

/// A decision waiting to be written.
#[derive(Clone, Debug)]
pub struct NewDecision {
    pub placement: String,
    pub policy: PlacementPolicy,
    pub session: Option<String>,
    pub seed: u64,
    pub chosen: Vec<String>,
    pub alternatives: Vec<Alternative>,
    pub created_at: i64,
}

/// Decisions on their way to the database: placement reads add to it
/// without waiting, [`spawn_writer`]'s task writes them in batches.
#[derive(Clone, Debug, Default)]
pub struct DecisionLog {
    pending: Arc<Mutex<Vec<NewDecision>>>,
    wake: Arc<Notify>,
    /// Decisions dropped since the writer last said so.
    dropped: Arc<AtomicU64>,
}

impl DecisionLog {
    /// Queues `decision`; drops it when the queue is full (the writer
    /// reports how many were dropped).
    pub fn record(&self, decision: NewDecision) {
        let mut pending = match self.pending.lock() {
            Ok(pending) => pending,
            Err(poisoned) => poisoned.into_inner(),
        };
        if pending.len() >= MAX_PENDING_DECISIONS {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        pending.push(decision);
        drop(pending);
        self.wake.notify_one();
    }

    /// The oldest queued decisions, at most [`DECISIONS_PER_WRITE`].
    fn take(&self) -> Vec<NewDecision> {
        let mut pending = match self.pending.lock() {
            Ok(pending) => pending,
            Err(poisoned) => poisoned.into_inner(),
        };
        let count = pending.len().min(DECISIONS_PER_WRITE);
        pending.drain(..count).collect()
    }
}

/// Starts the task that writes queued decisions, a batch per transaction.
pub fn spawn_writer(store: Store, log: DecisionLog) {
    tokio::spawn(async move {
        let mut pruned = std::time::Instant::now();
        loop {
            if pruned.elapsed() >= PRUNE_EVERY {
                pruned = std::time::Instant::now();
                if let Err(err) = store.prune_decisions(DECISIONS_KEPT).await {
                    tracing::warn!(cause = %err, "old decisions not deleted");
                }
            }
            let batch = log.take();
            if batch.is_empty() {
                log.wake.notified().await;
                continue;
            }
            if let Err(err) = store.insert_decisions(&batch).await {
                tracing::warn!(cause = %err, count = batch.len(), "decisions not recorded");
                // A short pause keeps a failing database from being hammered.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let dropped = log.dropped.swap(0, Ordering::Relaxed);
            if dropped > 0 {
                tracing::warn!(
                    dropped,
                    "decision log was full; decisions were not recorded"
                );
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiosk_wire::Money;

    fn candidate(id: &str, stock: i64, outcomes: Outcomes) -> Candidate {
        Candidate {
            product: Product {
                id: id.into(),
                title: id.into(),
                description: String::new(),
                image_url: String::new(),
                price: Money {
                    amount_minor: 100,
                    currency: "EUR".into(),
                },
                stock,
            },
            outcomes,
            rule: None,
        }
    }

    /// A recorded decision's alternatives and seed give back its scores.
    #[test]
    fn a_decision_replays_from_its_alternatives_and_seed() {
        let candidates = (0..6)
            .map(|i| {
                let outcomes = Outcomes {
                    views: 40 + i,
                    add_to_carts: i,
                    purchases: i / 2,
                };
                candidate(&format!("prd_{i}"), 5, outcomes)
            })
            .collect();
        let choice = choose(
            candidates,
            PlacementPolicy::Thompson,
            3,
            &HashSet::new(),
            42,
        );
        let recorded: Vec<f64> = choice
            .alternatives
            .iter()
            .map(|a| a.score.unwrap())
            .collect();
        assert_eq!(draw(&choice.alternatives, 42), recorded);
        assert_ne!(draw(&choice.alternatives, 43), recorded);
    }

    /// With nothing known yet, the catalog's order leads on average.
    #[test]
    fn the_prior_follows_the_catalog_order() {
        assert!(catalog_prior(0.0).0 > catalog_prior(0.5).0);
        assert!(catalog_prior(0.5).0 > 0.0 && catalog_prior(0.99).1 > 0.0);
    }
}
