//! Price rules over HTTP: a rule lowers a price when its condition holds
//! (bounded by its discount and floor), reverts when it ends, audits both,
//! and its changes reach ads and the merchant's feed live; a disabled rule
//! does nothing; manual edits are audited too; the feed can carry running
//! totals.

mod common;

use common::sse::Subscription;
use common::{assert_error, Platform};
use kiosk_wire::{
    FeedItem, LiveUpdate, PriceChangeReason, PriceHistory, PriceRule, PriceRuleList, RuleFigures,
    RuleTest,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

// What these tests read from the ad's stream and the merchant's feed.
impl Subscription {
    /// The next live product update's price of `product`, skipping others.
    async fn price_of(&mut self, product: &str) -> i64 {
        loop {
            let (event, data) = self.next().await;
            if event != "product" {
                continue;
            }
            if let Ok(LiveUpdate::Product { product: p }) = serde_json::from_str(&data) {
                if p.id == product {
                    return p.price.amount_minor;
                }
            }
        }
    }

    /// The next feed item named `name`.
    async fn feed_item(&mut self, name: &str) -> FeedItem {
        loop {
            let (event, data) = self.next().await;
            if event == name {
                let item: FeedItem = serde_json::from_str(&data).unwrap();
                assert_eq!(item.name(), name);
                return item;
            }
        }
    }
}

/// Posts `views` product views of `product` in `placement`, then `carts`
/// adds to cart, as one session's events.
async fn outcomes(platform: &Platform, placement: &str, product: &str, views: usize, carts: usize) {
    let session = platform.session().await;
    let mut events = Vec::new();
    for i in 0..views {
        events.push(json!({ "id": format!("v{i}"), "kind": "product_view",
            "session": session.id, "placement": placement, "product": product }));
    }
    for i in 0..carts {
        events.push(json!({ "id": format!("c{i}"), "kind": "add_to_cart",
            "session": session.id, "placement": placement, "product": product }));
    }
    let response = platform
        .client
        .post(platform.url("/v1/events"))
        .json(&json!({ "events": events }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// A rule on the merino tee (59.00 EUR) in the sidebar: over the last 10
/// views, more than 30 % added to cart but under 5 % bought: 20 % off, never
/// below `floor_minor`.
fn merino_rule(floor_minor: i64, enabled: bool) -> Value {
    json!({
        "name": "Nudge the tee",
        "product_id": "prd_merino-tee",
        "placement": "pl_sidebar",
        "window_views": 10,
        "min_add_to_cart_rate": 0.3,
        "max_purchase_rate": 0.05,
        "discount_percent": 20,
        "floor_minor": floor_minor,
        "enabled": enabled
    })
}

async fn create_rule(platform: &Platform, key: &str, rule: &Value) -> PriceRule {
    let response = platform
        .client
        .post(platform.url("/v1/merchant/price-rules"))
        .bearer_auth(key)
        .json(rule)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn history(platform: &Platform, key: &str, product: &str) -> PriceHistory {
    let response = platform
        .client
        .get(platform.url(&format!("/v1/merchant/products/{product}/price-history")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn test_rule(platform: &Platform, key: &str, id: &str) -> RuleTest {
    let response = platform
        .client
        .post(platform.url(&format!("/v1/merchant/price-rules/{id}/test")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The rule fires when its condition holds: the price drops by at most 20 %
/// and stops at the floor (50.00, not 47.20); an ad's live stream and the
/// merchant's feed hear of it with the rule and its figures; the audit row
/// says the same. When carts stop coming, the price goes back and that is
/// audited too.
#[tokio::test]
async fn a_rule_fires_within_its_bounds_reverts_and_is_audited() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let rule = create_rule(&platform, &key, &merino_rule(5000, true)).await;
    assert!(rule.enabled && !rule.active);
    let mut ad = Subscription::open(&platform, "/v1/live?placement=pl_sidebar", None).await;
    let mut feed = Subscription::open(&platform, "/v1/merchant/feed", Some(&key)).await;

    // Nine views are not a full window yet: the dry run says so.
    outcomes(&platform, "pl_sidebar", "prd_merino-tee", 9, 0).await;
    let dry = test_rule(&platform, &key, &rule.id).await;
    assert!(!dry.condition_holds);
    assert_eq!(dry.action, "none");

    outcomes(&platform, "pl_sidebar", "prd_merino-tee", 1, 5).await;
    assert_eq!(ad.price_of("prd_merino-tee").await, 5000);
    let FeedItem::PriceChange { change } = feed.feed_item("price_change").await else {
        unreachable!("feed_item checks the name");
    };
    assert_eq!(change.rule_id.as_deref(), Some(rule.id.as_str()));
    assert_eq!(change.reason, PriceChangeReason::RuleFired);
    assert_eq!(
        (change.before.amount_minor, change.after.amount_minor),
        (5900, 5000)
    );
    let seen = RuleFigures {
        views: 10,
        add_to_carts: 5,
        purchases: 0,
    };
    assert_eq!(change.figures.as_ref(), Some(&seen));
    assert_eq!(
        platform
            .store
            .product("prd_merino-tee")
            .await
            .unwrap()
            .price
            .amount_minor,
        5000
    );

    // Ten more views without a cart: the window's rate falls to 0 and the
    // rule puts the old price back.
    outcomes(&platform, "pl_sidebar", "prd_merino-tee", 10, 0).await;
    assert_eq!(ad.price_of("prd_merino-tee").await, 5900);

    let changes = history(&platform, &key, "prd_merino-tee").await.changes;
    let rows: Vec<(PriceChangeReason, i64, i64)> = changes
        .iter()
        .map(|c| (c.reason, c.before.amount_minor, c.after.amount_minor))
        .collect();
    assert_eq!(
        rows,
        [
            (PriceChangeReason::RuleFired, 5900, 5000),
            (PriceChangeReason::RuleReverted, 5000, 5900)
        ]
    );
    assert!(changes
        .iter()
        .all(|c| c.rule_id.as_deref() == Some(rule.id.as_str())));
    assert_eq!(changes[0].figures.as_ref(), Some(&seen));
    let reverted_on = changes[1].figures.clone().unwrap();
    assert_eq!((reverted_on.views, reverted_on.add_to_carts), (10, 0));

    let listed: PriceRuleList = platform
        .client
        .get(platform.url("/v1/merchant/price-rules"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.rules.len(), 1);
    assert!(!listed.rules[0].active);
}

/// With a low floor the discount itself is the bound: 59.00 less 20 % is
/// 47.20, which a dry run of a draft reports before anything is created.
#[tokio::test]
async fn the_discount_bounds_the_change_and_a_draft_can_be_tested() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    outcomes(&platform, "pl_sidebar", "prd_merino-tee", 10, 4).await;
    let response = platform
        .client
        .post(platform.url("/v1/merchant/price-rules/test"))
        .bearer_auth(&key)
        .json(&merino_rule(100, true))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let dry: RuleTest = response.json().await.unwrap();
    assert!(dry.condition_holds);
    assert_eq!(dry.action, "lower");
    assert_eq!(dry.figures.views, 10);
    assert_eq!(dry.add_to_cart_rate, 0.4);
    assert_eq!(dry.resulting_price.amount_minor, 4720);
    assert_eq!(dry.current_price.amount_minor, 5900);
    assert!(history(&platform, &key, "prd_merino-tee")
        .await
        .changes
        .is_empty());

    let mut ad = Subscription::open(&platform, "/v1/live?placement=pl_sidebar", None).await;
    create_rule(&platform, &key, &merino_rule(100, true)).await;
    assert_eq!(ad.price_of("prd_merino-tee").await, 4720);
}

/// A disabled rule whose condition holds changes nothing, while an enabled
/// rule evaluated after it fires; enabling it fires it, disabling it again
/// puts the price back at once, audited as `rule_disabled`.
#[tokio::test]
async fn a_disabled_rule_does_nothing() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let disabled = create_rule(&platform, &key, &merino_rule(5000, false)).await;
    assert!(!disabled.enabled);
    let mut ad = Subscription::open(&platform, "/v1/live?placement=pl_sidebar", None).await;
    outcomes(&platform, "pl_sidebar", "prd_merino-tee", 10, 5).await;

    // The rule task works through products in turn: once a later product's
    // rule has fired, the tee's events have been looked at too.
    let mut camp_mug = merino_rule(100, true);
    camp_mug["product_id"] = json!("prd_camp-mug");
    create_rule(&platform, &key, &camp_mug).await;
    outcomes(&platform, "pl_sidebar", "prd_camp-mug", 10, 5).await;
    assert_eq!(ad.price_of("prd_camp-mug").await, 1160);
    assert_eq!(
        platform
            .store
            .product("prd_merino-tee")
            .await
            .unwrap()
            .price
            .amount_minor,
        5900
    );
    assert!(history(&platform, &key, "prd_merino-tee")
        .await
        .changes
        .is_empty());
    let dry = test_rule(&platform, &key, &disabled.id).await;
    assert!(dry.condition_holds);
    assert_eq!(dry.action, "none");

    let switch = |enabled: bool| {
        platform
            .client
            .patch(platform.url(&format!("/v1/merchant/price-rules/{}", disabled.id)))
            .bearer_auth(&key)
            .json(&json!({ "enabled": enabled }))
            .send()
    };
    assert_eq!(switch(true).await.unwrap().status(), StatusCode::OK);
    assert_eq!(ad.price_of("prd_merino-tee").await, 5000);
    let off: PriceRule = switch(false).await.unwrap().json().await.unwrap();
    assert!(!off.enabled && !off.active);
    assert_eq!(
        platform
            .store
            .product("prd_merino-tee")
            .await
            .unwrap()
            .price
            .amount_minor,
        5900
    );
    assert_eq!(ad.price_of("prd_merino-tee").await, 5900);
    let reasons: Vec<PriceChangeReason> = history(&platform, &key, "prd_merino-tee")
        .await
        .changes
        .iter()
        .map(|c| c.reason)
        .collect();
    assert_eq!(
        reasons,
        [
            PriceChangeReason::RuleFired,
            PriceChangeReason::RuleDisabled
        ]
    );
}

/// A merchant's own price edit is audited as `manual`, without a rule, and
/// reaches the feed as a price change.
#[tokio::test]
async fn manual_price_edits_are_audited() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let mut feed = Subscription::open(&platform, "/v1/merchant/feed", Some(&key)).await;
    let response = platform
        .client
        .patch(platform.url("/v1/products/prd_bottle"))
        .bearer_auth(&key)
        .json(&json!({ "price_minor": 2500, "stock": 70 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let FeedItem::PriceChange { change } = feed.feed_item("price_change").await else {
        unreachable!("feed_item checks the name");
    };
    assert_eq!(change.reason, PriceChangeReason::Manual);
    assert_eq!(
        (change.before.amount_minor, change.after.amount_minor),
        (2990, 2500)
    );

    // A stock-only edit is no price change.
    platform
        .client
        .patch(platform.url("/v1/products/prd_bottle"))
        .bearer_auth(&key)
        .json(&json!({ "stock": 60 }))
        .send()
        .await
        .unwrap();
    let changes = history(&platform, &key, "prd_bottle").await.changes;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].rule_id, None);
    assert_eq!(changes[0].figures, None);
}

/// With `?totals=true` the feed starts with the merchant's totals and sends
/// new ones after events and orders.
#[tokio::test]
async fn the_feed_carries_running_totals() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let session = platform.session_with("prd_stove", 1).await;
    let mut feed = Subscription::open(&platform, "/v1/merchant/feed?totals=true", Some(&key)).await;
    let FeedItem::Totals { totals } = feed.feed_item("totals").await else {
        unreachable!("feed_item checks the name");
    };
    assert_eq!((totals.impressions, totals.orders), (0, 0));

    let events = json!([
        { "id": "i1", "kind": "impression", "session": session.id, "placement": "pl_sidebar" },
        { "id": "i2", "kind": "impression", "session": session.id, "placement": "pl_sidebar" },
        { "id": "k1", "kind": "click", "session": session.id, "placement": "pl_sidebar" }
    ]);
    platform
        .client
        .post(platform.url("/v1/events"))
        .json(&events)
        .send()
        .await
        .unwrap();
    let placed = platform
        .checkout(&session.token, "k", &common::checkout_body())
        .await;
    assert_eq!(placed.status(), StatusCode::CREATED);
    let order: Value = placed.json().await.unwrap();

    // Totals come at most once a second; read until they show everything.
    let totals = loop {
        let FeedItem::Totals { totals } = feed.feed_item("totals").await else {
            unreachable!("feed_item checks the name");
        };
        if totals.orders == 1 {
            break totals;
        }
    };
    assert_eq!((totals.impressions, totals.clicks), (2, 1));
    assert_eq!(totals.revenue.len(), 1);
    assert_eq!(
        totals.revenue[0].amount_minor,
        order["total"]["amount_minor"].as_i64().unwrap()
    );
}

/// Rules need the secret key, refuse bad figures with codes, and are the
/// merchant's own.
#[tokio::test]
async fn price_rule_errors() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let none = platform
        .client
        .get(platform.url("/v1/merchant/price-rules"))
        .send()
        .await
        .unwrap();
    assert_error(none, StatusCode::UNAUTHORIZED, "unauthorized").await;

    for (field, value) in [
        ("discount_percent", json!(95)),
        ("discount_percent", json!(0)),
        ("window_views", json!(0)),
        ("min_add_to_cart_rate", json!(1.5)),
        ("floor_minor", json!(-1)),
    ] {
        let mut rule = merino_rule(5000, true);
        rule[field] = value;
        let response = platform
            .client
            .post(platform.url("/v1/merchant/price-rules"))
            .bearer_auth(&key)
            .json(&rule)
            .send()
            .await
            .unwrap();
        assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
    let mut unknown_product = merino_rule(5000, true);
    unknown_product["product_id"] = json!("prd_nope");
    let response = platform
        .client
        .post(platform.url("/v1/merchant/price-rules"))
        .bearer_auth(&key)
        .json(&unknown_product)
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::NOT_FOUND, "product_not_found").await;

    let missing = platform
        .client
        .patch(platform.url("/v1/merchant/price-rules/prl_nope"))
        .bearer_auth(&key)
        .json(&json!({ "enabled": false }))
        .send()
        .await
        .unwrap();
    assert_error(missing, StatusCode::NOT_FOUND, "price_rule_not_found").await;
    let no_history = platform
        .client
        .get(platform.url("/v1/merchant/products/prd_nope/price-history"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_error(no_history, StatusCode::NOT_FOUND, "product_not_found").await;
}

/// A shopper whose checkout states the total it was shown is told, not
/// charged, when a rule changed a price in between: 409 `price_changed`
/// with the new total in the message, no order; checking out again with
/// the new total and a new key succeeds at the new price.
#[tokio::test]
async fn a_checkout_is_told_when_a_rule_changed_the_price() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let session = platform.session_with("prd_merino-tee", 1).await;
    let shipping = &session.cart.shipping_options[0];
    assert_eq!(shipping.id, "standard");
    let shown_total = shipping.total.amount_minor;
    assert_eq!(
        shown_total,
        session.cart.subtotal.as_ref().unwrap().amount_minor + shipping.price.amount_minor
    );

    let mut ad = Subscription::open(&platform, "/v1/live?placement=pl_sidebar", None).await;
    create_rule(&platform, &key, &merino_rule(5000, true)).await;
    outcomes(&platform, "pl_sidebar", "prd_merino-tee", 10, 5).await;
    assert_eq!(ad.price_of("prd_merino-tee").await, 5000);

    let checkout = |idempotency_key: &'static str, expected: i64| {
        platform
            .client
            .post(platform.url("/v1/checkout"))
            .bearer_auth(&session.token)
            .header("idempotency-key", idempotency_key)
            .header("kiosk-expected-total", expected.to_string())
            .json(&common::checkout_body())
            .send()
    };
    let refused = checkout("first", shown_total).await.unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let error: kiosk_wire::ApiError = refused.json().await.unwrap();
    assert_eq!(error.code, "price_changed");
    let new_total = shown_total - 900;
    assert!(
        error.message.contains(&new_total.to_string()),
        "{}",
        error.message
    );
    assert!(platform.merchant_orders().await.orders.is_empty());

    let placed = checkout("second", new_total).await.unwrap();
    assert_eq!(placed.status(), StatusCode::CREATED);
    let order: Value = placed.json().await.unwrap();
    assert_eq!(order["total"]["amount_minor"], new_total);

    let garbled = platform
        .client
        .post(platform.url("/v1/checkout"))
        .bearer_auth(&session.token)
        .header("idempotency-key", "third")
        .header("kiosk-expected-total", "about fifty")
        .json(&common::checkout_body())
        .send()
        .await
        .unwrap();
    assert_error(garbled, StatusCode::BAD_REQUEST, "invalid_header").await;
}
