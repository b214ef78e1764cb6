//! The feedback loop's merchant API, behind a secret key: a placement's
//! pins and exclusions and its recorded decisions; price rules (create,
//! list, switch on and off, dry runs); a product's price history.
//!
//! Everything is scoped to the key's merchant: another merchant's
//! placement, product or rule is a plain 404.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use kiosk_wire::{
    DecisionList, Money, NewPriceRule, PlacementRules, PlacementSettings, PriceHistory, PriceRule,
    PriceRuleList, PriceRuleSwitch, RuleTest, SetPlacementRule,
};
use serde::Deserialize;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::AppState;
use crate::error::{Error, Result};
use crate::keys::SecretKey;
use crate::rules;

/// The most decisions one read returns.
const MAX_DECISIONS: i64 = 200;

/// The longest window a rule may look at, in views.
const MAX_WINDOW_VIEWS: i64 = 100_000;

/// The longest rule name.
const MAX_NAME_LEN: usize = 100;

/// The highest floor accepted, as for prices.
const MAX_FLOOR_MINOR: i64 = 1_000_000_000_000;

/// `GET /v1/merchant/placements/{p}/policy`.
pub async fn placement_policy(
    State(state): State<AppState>,
    key: SecretKey,
    ApiPath(placement): ApiPath<String>,
) -> Result<Json<PlacementSettings>> {
    let policy = state
        .store
        .placement_policy(key.merchant_id(), &placement)
        .await?;
    Ok(Json(PlacementSettings { placement, policy }))
}

/// `PUT /v1/merchant/placements/{p}/policy` with `{"policy": "thompson"}`
/// or `{"policy": "ordered"}`; the next read uses it.
pub async fn set_placement_policy(
    State(state): State<AppState>,
    key: SecretKey,
    ApiPath(placement): ApiPath<String>,
    ApiJson(settings): ApiJson<PlacementSettings>,
) -> Result<Json<PlacementSettings>> {
    state
        .store
        .set_placement_policy(key.merchant_id(), &placement, settings.policy)
        .await?;
    tracing::info!(merchant = %key.merchant_id(), %placement, policy = settings.policy.as_str(), "placement policy set");
    Ok(Json(PlacementSettings {
        placement,
        policy: settings.policy,
    }))
}

/// `GET /v1/merchant/placements/{p}/rules`.
pub async fn placement_rules(
    State(state): State<AppState>,
    key: SecretKey,
    ApiPath(placement): ApiPath<String>,
) -> Result<Json<PlacementRules>> {
    state
        .store
        .check_placement_of(key.merchant_id(), &placement)
        .await?;
    rules_of(&state, placement).await
}

/// `PUT /v1/merchant/placements/{p}/rules/{product}`: pins or excludes the
/// product; answers with the placement's rules.
pub async fn set_placement_rule(
    State(state): State<AppState>,
    key: SecretKey,
    ApiPath((placement, product)): ApiPath<(String, String)>,
    ApiJson(rule): ApiJson<SetPlacementRule>,
) -> Result<Json<PlacementRules>> {
    state
        .store
        .set_placement_rule(
            key.merchant_id(),
            &placement,
            &product,
            rule.kind,
            rule.position,
        )
        .await?;
    tracing::info!(merchant = %key.merchant_id(), %placement, %product, kind = rule.kind.as_str(), "placement rule set");
    rules_of(&state, placement).await
}

/// `DELETE /v1/merchant/placements/{p}/rules/{product}` (idempotent).
pub async fn remove_placement_rule(
    State(state): State<AppState>,
    key: SecretKey,
    ApiPath((placement, product)): ApiPath<(String, String)>,
) -> Result<Json<PlacementRules>> {
    state
        .store
        .remove_placement_rule(key.merchant_id(), &placement, &product)
        .await?;
    rules_of(&state, placement).await
}

async fn rules_of(state: &AppState, placement: String) -> Result<Json<PlacementRules>> {
    let rules = state.store.placement_rules(&placement).await?;
    Ok(Json(PlacementRules { placement, rules }))
}

/// Query of the decision list.
#[derive(Debug, Deserialize)]
pub struct DecisionQuery {
    limit: Option<i64>,
}

/// `GET /v1/merchant/placements/{p}/decisions?limit=`: the latest
/// decisions, newest first. They are written a moment after the read that
/// made them.
pub async fn decisions(
    State(state): State<AppState>,
    key: SecretKey,
    ApiPath(placement): ApiPath<String>,
    ApiQuery(query): ApiQuery<DecisionQuery>,
) -> Result<Json<DecisionList>> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_DECISIONS).contains(&limit) {
        return Err(Error::InvalidQuery(format!(
            "limit must be between 1 and {MAX_DECISIONS}"
        )));
    }
    state
        .store
        .check_placement_of(key.merchant_id(), &placement)
        .await?;
    let decisions = state.store.decisions(&placement, limit).await?;
    Ok(Json(DecisionList { decisions }))
}

/// `GET /v1/merchant/price-rules`.
pub async fn list(State(state): State<AppState>, key: SecretKey) -> Result<Json<PriceRuleList>> {
    let rules = state.store.rules(key.merchant_id()).await?;
    Ok(Json(PriceRuleList {
        rules: rules.into_iter().map(|state| state.rule).collect(),
    }))
}

/// `POST /v1/merchant/price-rules`: 201 with the rule. It is evaluated
/// with the next events (or within a second).
pub async fn create(
    State(state): State<AppState>,
    key: SecretKey,
    ApiJson(new): ApiJson<NewPriceRule>,
) -> Result<(StatusCode, Json<PriceRule>)> {
    check(&new)?;
    let created = state.store.create_rule(key.merchant_id(), &new).await?;
    tracing::info!(merchant = %key.merchant_id(), rule = %created.rule.id, product = %new.product_id, "price rule created");
    state
        .price_rules
        .touch(std::slice::from_ref(&created.rule.product_id));
    Ok((StatusCode::CREATED, Json(created.rule)))
}

/// `GET /v1/merchant/price-rules/{id}`.
pub async fn read(
    State(state): State<AppState>,
    key: SecretKey,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PriceRule>> {
    Ok(Json(state.store.rule(key.merchant_id(), &id).await?.rule))
}

/// `PATCH /v1/merchant/price-rules/{id}` with `{"enabled": false}`: a rule
/// switched off while its lower price is in force puts the price back at
/// once (`rule_disabled` in the price history).
pub async fn switch(
    State(state): State<AppState>,
    key: SecretKey,
    ApiPath(id): ApiPath<String>,
    ApiJson(switch): ApiJson<PriceRuleSwitch>,
) -> Result<Json<PriceRule>> {
    let mut rule = state
        .store
        .set_rule_enabled(key.merchant_id(), &id, switch.enabled)
        .await?;
    tracing::info!(merchant = %key.merchant_id(), rule = %id, enabled = switch.enabled, "price rule switched");
    if !switch.enabled && rule.rule.active {
        rules::evaluate(&state.store, &state.live, &rule, true).await?;
        rule = state.store.rule(key.merchant_id(), &id).await?;
    } else if switch.enabled {
        state
            .price_rules
            .touch(std::slice::from_ref(&rule.rule.product_id));
    }
    Ok(Json(rule.rule))
}

/// `POST /v1/merchant/price-rules/{id}/test`: what the rule would do now.
pub async fn test(
    State(state): State<AppState>,
    key: SecretKey,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<RuleTest>> {
    let rule = state.store.rule(key.merchant_id(), &id).await?;
    Ok(Json(rules::dry_run(&state.store, &rule.rule).await?))
}

/// `POST /v1/merchant/price-rules/test`: what a draft rule (the body of a
/// create) would do now, without creating it.
pub async fn test_draft(
    State(state): State<AppState>,
    key: SecretKey,
    ApiJson(new): ApiJson<NewPriceRule>,
) -> Result<Json<RuleTest>> {
    check(&new)?;
    let product = state.store.product(&new.product_id).await?;
    if state.store.product_merchant(&product.id).await? != key.merchant_id() {
        return Err(Error::ProductNotFound(new.product_id));
    }
    if let Some(placement) = &new.placement {
        state
            .store
            .check_placement_of(key.merchant_id(), placement)
            .await?;
    }
    let draft = PriceRule {
        id: String::new(),
        name: new.name,
        product_id: new.product_id,
        placement: new.placement,
        window_views: new.window_views,
        min_add_to_cart_rate: new.min_add_to_cart_rate,
        max_purchase_rate: new.max_purchase_rate,
        discount_percent: new.discount_percent,
        floor: Money {
            amount_minor: new.floor_minor,
            currency: product.price.currency,
        },
        enabled: true,
        active: false,
        base_price: None,
        created_at: 0,
    };
    Ok(Json(rules::dry_run(&state.store, &draft).await?))
}

/// `GET /v1/merchant/products/{id}/price-history`: every price change of
/// the product, oldest first, manual edits and rule changes alike.
pub async fn price_history(
    State(state): State<AppState>,
    key: SecretKey,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PriceHistory>> {
    let changes = state.store.price_history(key.merchant_id(), &id).await?;
    Ok(Json(PriceHistory {
        product_id: id,
        changes,
    }))
}

/// Checks a rule's figures before anything is stored.
fn check(new: &NewPriceRule) -> Result<()> {
    let invalid = |message: String| Err(Error::InvalidBody(message));
    if new.name.chars().count() > MAX_NAME_LEN || new.name.chars().any(char::is_control) {
        return invalid(format!(
            "name must be at most {MAX_NAME_LEN} characters of printable text"
        ));
    }
    if !(1..=MAX_WINDOW_VIEWS).contains(&new.window_views) {
        return invalid(format!(
            "window_views must be between 1 and {MAX_WINDOW_VIEWS}"
        ));
    }
    let rates = [
        ("min_add_to_cart_rate", new.min_add_to_cart_rate),
        ("max_purchase_rate", new.max_purchase_rate),
    ];
    for (name, rate) in rates {
        if !(0.0..=1.0).contains(&rate) {
            return invalid(format!("{name} must be a fraction between 0 and 1"));
        }
    }
    if !(1..=90).contains(&new.discount_percent) {
        return invalid("discount_percent must be between 1 and 90".into());
    }
    if !(0..=MAX_FLOOR_MINOR).contains(&new.floor_minor) {
        return invalid(format!(
            "floor_minor must be between 0 and {MAX_FLOOR_MINOR}"
        ));
    }
    Ok(())
}
