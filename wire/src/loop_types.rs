//! The feedback loop's wire types: how placements choose products (pins,
//! exclusions and recorded decisions), the merchant's price rules, the
//! audit of every price change, and the running totals of the merchant's
//! feed.
//!
//! Rates and probabilities are plain `f64` fractions (`0.25` is 25 %); money
//! stays integer minor units as everywhere else.

use serde::{Deserialize, Serialize};

use crate::Money;

/// How a placement chooses its products.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlacementPolicy {
    /// The merchant's catalog order (after pins and exclusions); the
    /// default, so a placement behaves predictably until it is switched.
    #[default]
    Ordered,
    /// Thompson sampling on add-to-cart and purchase outcomes: explores,
    /// then shows what converts; products in the shopper's cart are
    /// replaced by the next best.
    Thompson,
}

impl PlacementPolicy {
    /// The name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            PlacementPolicy::Ordered => "ordered",
            PlacementPolicy::Thompson => "thompson",
        }
    }

    /// The policy named `name`, if there is one.
    pub fn parse(name: &str) -> Option<PlacementPolicy> {
        match name {
            "ordered" => Some(PlacementPolicy::Ordered),
            "thompson" => Some(PlacementPolicy::Thompson),
            _ => None,
        }
    }
}

/// Body and answer of `PUT /v1/merchant/placements/{p}/policy` (also read
/// with `GET`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementSettings {
    /// Ignored in a request body: the path names the placement.
    #[serde(default)]
    pub placement: String,
    pub policy: PlacementPolicy,
}

/// What a merchant says about one product in one placement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlacementRuleKind {
    /// Always shown (while in stock), before any chosen product.
    Pin,
    /// Never shown in this placement.
    Exclude,
}

impl PlacementRuleKind {
    /// The name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            PlacementRuleKind::Pin => "pin",
            PlacementRuleKind::Exclude => "exclude",
        }
    }

    /// The kind named `name`, if there is one.
    pub fn parse(name: &str) -> Option<PlacementRuleKind> {
        match name {
            "pin" => Some(PlacementRuleKind::Pin),
            "exclude" => Some(PlacementRuleKind::Exclude),
            _ => None,
        }
    }
}

/// One pin or exclusion (`PUT /v1/merchant/placements/{p}/rules/{product}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementRule {
    pub product_id: String,
    pub kind: PlacementRuleKind,
    /// Pins are shown in ascending `position`; exclusions ignore it.
    #[serde(default)]
    pub position: i64,
}

/// Body of `PUT /v1/merchant/placements/{p}/rules/{product}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetPlacementRule {
    pub kind: PlacementRuleKind,
    #[serde(default)]
    pub position: i64,
}

/// A placement's pins and exclusions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementRules {
    pub placement: String,
    pub rules: Vec<PlacementRule>,
}

/// Why a candidate was or was not shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateOutcome {
    /// Shown because the merchant pinned it.
    Pinned,
    /// Shown: its sampled score ranked among the best (or, under the
    /// `ordered` policy, it came early enough in the merchant's order).
    Chosen,
    /// Not shown: others scored higher or came first.
    Outranked,
    /// Not shown: the shopper already has it in their cart.
    InCart,
}

/// One product the policy considered, with what it knew and drew.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    pub product_id: String,
    /// Beta parameters of the add-to-cart rate per view (prior included).
    pub cart_alpha: f64,
    pub cart_beta: f64,
    /// Beta parameters of the purchase rate per view (prior included).
    pub purchase_alpha: f64,
    pub purchase_beta: f64,
    /// The sampled score: a drawn add-to-cart rate plus a drawn purchase
    /// rate. Absent for pinned products, which are not sampled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    pub outcome: CandidateOutcome,
}

/// One recorded choice of a placement's products, enough to explain it and
/// to replay it: the same alternatives and seed give the same choice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub id: i64,
    pub placement: String,
    /// The public id of the session it was made for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The policy's name and version: `thompson-v1` or `ordered-v1`.
    pub policy: String,
    /// The seed of the random draws (a decimal string: it is a full u64,
    /// which JSON numbers cannot always carry exactly).
    pub seed: String,
    /// The products shown, in order.
    pub chosen: Vec<String>,
    pub alternatives: Vec<Alternative>,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

/// `GET /v1/merchant/placements/{p}/decisions`: newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionList {
    pub decisions: Vec<Decision>,
}

/// A merchant's rule that lowers a product's price while its ads draw
/// interest that does not turn into purchases, and reverts it after.
///
/// Over the last `window_views` views of the product (in `placement`, or in
/// any placement), the rule holds when the add-to-cart rate per view is
/// above `min_add_to_cart_rate` and the purchase rate per view is below
/// `max_purchase_rate`. While it holds, the price is lowered by
/// `discount_percent` of the price it had, but never below `floor`; when it
/// stops holding (or the rule is disabled), that price comes back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriceRule {
    /// `prl_...`.
    pub id: String,
    pub name: String,
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    pub window_views: i64,
    pub min_add_to_cart_rate: f64,
    pub max_purchase_rate: f64,
    /// 1 to 90.
    pub discount_percent: i64,
    /// The lowest price the rule may set, in the product's currency.
    pub floor: Money,
    pub enabled: bool,
    /// Whether the rule's lower price is in force now.
    pub active: bool,
    /// While active: the price it replaced, which a revert restores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_price: Option<Money>,
    pub created_at: i64,
}

/// Body of `POST /v1/merchant/price-rules` (and of a dry run of a draft).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewPriceRule {
    #[serde(default)]
    pub name: String,
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    pub window_views: i64,
    pub min_add_to_cart_rate: f64,
    pub max_purchase_rate: f64,
    pub discount_percent: i64,
    /// The floor in the product's currency's minor units.
    pub floor_minor: i64,
    /// Defaults to enabled.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

/// Body of `PATCH /v1/merchant/price-rules/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRuleSwitch {
    pub enabled: bool,
}

/// `GET /v1/merchant/price-rules`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriceRuleList {
    pub rules: Vec<PriceRule>,
}

/// What a rule saw over its window: counts, from which the rates follow.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFigures {
    /// Views in the window (at most the rule's `window_views`).
    pub views: i64,
    /// Add-to-cart events since the window's first view.
    pub add_to_carts: i64,
    /// Purchases since the window's first view.
    pub purchases: i64,
}

/// The answer of a dry run (`POST /v1/merchant/price-rules/{id}/test`, or
/// `/v1/merchant/price-rules/test` with a draft): what the rule would do
/// now, and why. Nothing is changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleTest {
    pub figures: RuleFigures,
    /// Add-to-cart rate per view in the window (0 without views).
    pub add_to_cart_rate: f64,
    pub purchase_rate: f64,
    /// Whether the window is full and both thresholds are passed.
    pub condition_holds: bool,
    /// `lower`, `revert` or `none`: what an evaluation now would do.
    pub action: String,
    pub current_price: Money,
    /// The price after that action.
    pub resulting_price: Money,
}

/// Why a price changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceChangeReason {
    /// The merchant set it (`PATCH /v1/products/{id}`).
    Manual,
    /// A price rule's condition began to hold.
    RuleFired,
    /// A price rule's condition stopped holding.
    RuleReverted,
    /// A price rule was disabled while active.
    RuleDisabled,
}

impl PriceChangeReason {
    /// The name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            PriceChangeReason::Manual => "manual",
            PriceChangeReason::RuleFired => "rule_fired",
            PriceChangeReason::RuleReverted => "rule_reverted",
            PriceChangeReason::RuleDisabled => "rule_disabled",
        }
    }

    /// The reason named `name`, if there is one.
    pub fn parse(name: &str) -> Option<PriceChangeReason> {
        [
            PriceChangeReason::Manual,
            PriceChangeReason::RuleFired,
            PriceChangeReason::RuleReverted,
            PriceChangeReason::RuleDisabled,
        ]
        .into_iter()
        .find(|reason| reason.as_str() == name)
    }
}

/// One audited price change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceChange {
    pub id: i64,
    pub product_id: String,
    pub reason: PriceChangeReason,
    /// The rule that made it, for rule changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    pub before: Money,
    pub after: Money,
    /// What the rule saw when it acted, for rule changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<RuleFigures>,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

/// `GET /v1/merchant/products/{id}/price-history`: oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceHistory {
    pub product_id: String,
    pub changes: Vec<PriceChange>,
}

/// The merchant's running totals, as the feed sends them in `totals` items.
/// Counts are accepted events (duplicates excluded); `orders` and
/// `revenue` count orders placed and not cancelled or refunded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedTotals {
    pub impressions: i64,
    pub viewable_impressions: i64,
    pub clicks: i64,
    pub product_views: i64,
    pub add_to_carts: i64,
    pub checkout_starts: i64,
    pub orders: i64,
    /// One sum per currency, in currency order.
    pub revenue: Vec<Money>,
}
