//! Price rules at work: the task that evaluates them and the one function
//! that decides what a rule does.
//!
//! Event ingest marks the products whose outcomes changed ([`Trigger`]); a
//! task started by `serve` wakes at once and evaluates the enabled and
//! active rules of those products, and also sweeps every such rule once a
//! second (so nothing is missed when marks pile up). [`plan`] decides:
//!
//! - the condition holds when the window is full (`window_views` views) and
//!   the add-to-cart rate per view is above the rule's minimum while the
//!   purchase rate per view is below its maximum;
//! - an enabled, inactive rule whose condition holds lowers the price by
//!   `discount_percent` of the current price, never below its floor (and
//!   does nothing when that would not lower it);
//! - an active rule whose condition ends, or that is disabled, puts back
//!   the price it replaced.
//!
//! Changes are written by `Store::apply_rule_change` (price, rule state and
//! audit row in one transaction, only from the price the rule saw) and then
//! published like a merchant's edit: a `product` update to every ad and
//! cart of the merchant and a `price_change` item to the merchant's feed.
//! At most one rule of a product is active at a time, so changes never
//! stack.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kiosk_wire::{
    FeedItem, LiveUpdate, Money, PriceChange, PriceChangeReason, PriceRule, RuleFigures, RuleTest,
};
use tokio::sync::Notify;

use crate::error::Result;
use crate::live::{Broadcast, LiveHub, Message};
use crate::store::{RuleChange, RuleState, Store};

/// How often every live rule is evaluated even without new events.
pub const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// What a rule would do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Lower the price to this many minor units.
    Lower(i64),
    /// Put back this price.
    Revert(i64),
    None,
}

/// Whether the rule's condition holds on `figures` (its `enabled` flag
/// aside), and its add-to-cart and purchase rates per view.
pub fn condition(rule: &PriceRule, figures: &RuleFigures) -> (bool, f64, f64) {
    if figures.views == 0 {
        return (false, 0.0, 0.0);
    }
    let views = figures.views as f64;
    let cart_rate = figures.add_to_carts as f64 / views;
    let purchase_rate = figures.purchases as f64 / views;
    let holds = figures.views >= rule.window_views
        && cart_rate > rule.min_add_to_cart_rate
        && purchase_rate < rule.max_purchase_rate;
    (holds, cart_rate, purchase_rate)
}

/// What `rule` does with the product at `price_minor` given `figures`.
pub fn plan(rule: &PriceRule, figures: &RuleFigures, price_minor: i64) -> Action {
    let (holds, _, _) = condition(rule, figures);
    match (&rule.base_price, rule.active) {
        (Some(base), true) if !holds || !rule.enabled => Action::Revert(base.amount_minor),
        (_, false) if holds && rule.enabled => {
            let discount = price_minor.saturating_mul(rule.discount_percent) / 100;
            let target = (price_minor - discount).max(rule.floor.amount_minor);
            if target < price_minor {
                Action::Lower(target)
            } else {
                Action::None
            }
        }
        _ => Action::None,
    }
}

/// A dry run: what `rule` would do now, with its figures. Changes nothing.
pub async fn dry_run(store: &Store, rule: &PriceRule) -> Result<RuleTest> {
    let figures = store.rule_figures(rule).await?;
    let product = store.product(&rule.product_id).await?;
    let (condition_holds, add_to_cart_rate, purchase_rate) = condition(rule, &figures);
    let action = plan(rule, &figures, product.price.amount_minor);
    let (name, resulting) = match action {
        Action::Lower(to) => ("lower", to),
        Action::Revert(to) => ("revert", to),
        Action::None => ("none", product.price.amount_minor),
    };
    Ok(RuleTest {
        figures,
        add_to_cart_rate,
        purchase_rate,
        condition_holds,
        action: name.to_string(),
        resulting_price: Money {
            amount_minor: resulting,
            currency: product.price.currency.clone(),
        },
        current_price: product.price,
    })
}

/// Evaluates one rule and makes its change, if any; `disabled` marks a
/// revert caused by the merchant switching the rule off.
pub async fn evaluate(
    store: &Store,
    live: &LiveHub,
    state: &RuleState,
    disabled: bool,
) -> Result<Option<PriceChange>> {
    let rule = &state.rule;
    let figures = store.rule_figures(rule).await?;
    let product = store.product(&rule.product_id).await?;
    let from_minor = product.price.amount_minor;
    let (reason, to_minor, from_minor) = match plan(rule, &figures, from_minor) {
        Action::None => return Ok(None),
        Action::Lower(to) => (PriceChangeReason::RuleFired, to, from_minor),
        // A revert starts from the price the rule set: if the merchant has
        // changed it since, the merchant's price stays.
        Action::Revert(to) => {
            let reason = if disabled {
                PriceChangeReason::RuleDisabled
            } else {
                PriceChangeReason::RuleReverted
            };
            (reason, to, state.applied_price_minor.unwrap_or(from_minor))
        }
    };
    let change = RuleChange {
        rule: state,
        reason,
        from_minor,
        to_minor,
        figures: &figures,
    };
    let Some((product, change)) = store.apply_rule_change(&change).await? else {
        return Ok(None);
    };
    tracing::info!(
        rule = %rule.id,
        product = %product.id,
        reason = change.reason.as_str(),
        before_minor = change.before.amount_minor,
        after_minor = change.after.amount_minor,
        views = figures.views,
        add_to_carts = figures.add_to_carts,
        purchases = figures.purchases,
        "price changed by a rule"
    );
    publish_price_change(live, &state.merchant_id, product, change.clone());
    Ok(Some(change))
}

/// Tells the merchant's ads, carts and feed about a price change.
pub fn publish_price_change(
    live: &LiveHub,
    merchant_id: &str,
    product: kiosk_wire::Product,
    change: PriceChange,
) {
    live.publish(Broadcast {
        merchant_id: merchant_id.to_string(),
        session_id: None,
        message: Message::Live(LiveUpdate::Product { product }),
    });
    live.publish(Broadcast {
        merchant_id: merchant_id.to_string(),
        session_id: None,
        message: Message::Feed(FeedItem::PriceChange { change }),
    });
}

/// Products whose outcomes changed since the rules last looked, and the
/// bell that wakes the rule task.
#[derive(Clone, Debug, Default)]
pub struct Trigger {
    dirty: Arc<Mutex<HashSet<String>>>,
    wake: Arc<Notify>,
}

impl Trigger {
    /// Marks `products` for evaluation and wakes the task.
    pub fn touch(&self, products: &[String]) {
        if products.is_empty() {
            return;
        }
        let mut dirty = match self.dirty.lock() {
            Ok(dirty) => dirty,
            Err(poisoned) => poisoned.into_inner(),
        };
        dirty.extend(products.iter().cloned());
        drop(dirty);
        self.wake.notify_one();
    }

    fn take(&self) -> Vec<String> {
        let mut dirty = match self.dirty.lock() {
            Ok(dirty) => dirty,
            Err(poisoned) => poisoned.into_inner(),
        };
        dirty.drain().collect()
    }
}

/// Starts the task that evaluates rules when products are touched and
/// sweeps them all every [`SWEEP_EVERY`].
pub fn spawn(store: Store, live: LiveHub, trigger: Trigger) {
    tokio::spawn(async move {
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let products = tokio::select! {
                _ = trigger.wake.notified() => Some(trigger.take()),
                _ = sweep.tick() => None,
            };
            if products.as_ref().is_some_and(Vec::is_empty) {
                continue;
            }
            let rules = match store.live_rules(products.as_deref()).await {
                Ok(rules) => rules,
                Err(err) => {
                    tracing::warn!(cause = %err, "price rules not evaluated");
                    continue;
                }
            };
            for rule in rules {
                if let Err(err) = evaluate(&store, &live, &rule, false).await {
                    tracing::warn!(rule = %rule.rule.id, cause = %err, "price rule not evaluated");
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(active: bool, enabled: bool) -> PriceRule {
        PriceRule {
            id: "prl_x".into(),
            name: String::new(),
            product_id: "prd_x".into(),
            placement: None,
            window_views: 10,
            min_add_to_cart_rate: 0.3,
            max_purchase_rate: 0.05,
            discount_percent: 20,
            floor: Money {
                amount_minor: 900,
                currency: "EUR".into(),
            },
            enabled,
            active,
            base_price: active.then(|| Money {
                amount_minor: 1000,
                currency: "EUR".into(),
            }),
            created_at: 0,
        }
    }

    fn figures(views: i64, add_to_carts: i64, purchases: i64) -> RuleFigures {
        RuleFigures {
            views,
            add_to_carts,
            purchases,
        }
    }

    /// The discount stops at the floor; an unfilled window or a passed
    /// purchase threshold does nothing; an ended condition reverts.
    #[test]
    fn plans_follow_the_condition_floor_and_state() {
        assert_eq!(
            plan(&rule(false, true), &figures(10, 5, 0), 1000),
            Action::Lower(900)
        );
        assert_eq!(
            plan(&rule(false, true), &figures(10, 5, 0), 5000),
            Action::Lower(4000)
        );
        assert_eq!(
            plan(&rule(false, true), &figures(9, 5, 0), 1000),
            Action::None
        );
        assert_eq!(
            plan(&rule(false, true), &figures(10, 5, 1), 1000),
            Action::None
        );
        assert_eq!(
            plan(&rule(false, true), &figures(10, 5, 0), 800),
            Action::None
        );
        assert_eq!(
            plan(&rule(false, false), &figures(10, 5, 0), 1000),
            Action::None
        );
        assert_eq!(
            plan(&rule(true, true), &figures(10, 5, 0), 900),
            Action::None
        );
        assert_eq!(
            plan(&rule(true, true), &figures(10, 1, 0), 900),
            Action::Revert(1000)
        );
        assert_eq!(
            plan(&rule(true, false), &figures(10, 5, 0), 900),
            Action::Revert(1000)
        );
    }
}
