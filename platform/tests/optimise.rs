//! Placement optimisation over HTTP: a placement on the `thompson` policy
//! never shows a product that cannot be sold, holds the merchant's pins and
//! exclusions, replaces what the shopper already has, records every
//! decision so it can be replayed, and in a seeded simulation learns to
//! show the product that converts.

mod common;

use std::time::Duration;

use common::{assert_error, Platform};
use kiosk_platform::optimise;
use kiosk_platform::simulate::{self, Config};
use kiosk_wire::{
    CandidateOutcome, DecisionList, PlacementPolicy, PlacementProducts, PlacementRules,
    PlacementSettings,
};
use reqwest::StatusCode;
use serde_json::json;

/// A guard against a hung wait, not a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(20);

/// Switches `placement` to `policy` with `key`.
async fn set_policy(platform: &Platform, key: &str, placement: &str, policy: &str) {
    let response = platform
        .client
        .put(platform.url(&format!("/v1/merchant/placements/{placement}/policy")))
        .bearer_auth(key)
        .json(&json!({ "policy": policy }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let settings: PlacementSettings = response.json().await.unwrap();
    assert_eq!(settings.policy.as_str(), policy);
}

/// Reads `placement`'s products, presenting `token` if given.
async fn read(platform: &Platform, placement: &str, token: Option<&str>) -> PlacementProducts {
    let mut request = platform
        .client
        .get(platform.url(&format!("/v1/placements/{placement}/products")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Pins or excludes `product` in `placement`.
async fn set_rule(
    platform: &Platform,
    key: &str,
    placement: &str,
    product: &str,
    rule: serde_json::Value,
) -> reqwest::Response {
    platform
        .client
        .put(platform.url(&format!(
            "/v1/merchant/placements/{placement}/rules/{product}"
        )))
        .bearer_auth(key)
        .json(&rule)
        .send()
        .await
        .unwrap()
}

/// Sold-out products are never shown, even when the merchant pinned them
/// and even after they converted best; the slots are filled with others.
#[tokio::test]
async fn the_policy_never_returns_an_out_of_stock_product() {
    let platform = Platform::start_with(|state| state.with_policy_seed(3)).await;
    let key = platform.secret_key().await;
    set_policy(&platform, &key, "pl_leaderboard", "thompson").await;
    let response = set_rule(
        &platform,
        &key,
        "pl_leaderboard",
        "prd_stove",
        json!({ "kind": "pin" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    for sold_out in [
        "prd_stove",
        "prd_trail-runner",
        "prd_merino-tee",
        "prd_bottle",
    ] {
        platform.set_stock(sold_out, 0).await;
    }

    for _ in 0..40 {
        let products = read(&platform, "pl_leaderboard", None).await.products;
        assert_eq!(products.len(), 4, "{products:?}");
        for product in &products {
            assert!(product.stock > 0, "{product:?}");
            assert!(
                ![
                    "prd_stove",
                    "prd_trail-runner",
                    "prd_merino-tee",
                    "prd_bottle"
                ]
                .contains(&product.id.as_str()),
                "{product:?}"
            );
        }
    }
}

/// Pinned products come first in pin order, excluded ones never show, on
/// either policy; the placement's rules read back; removing a rule ends it.
#[tokio::test]
async fn pins_and_exclusions_hold() {
    let platform = Platform::start_with(|state| state.with_policy_seed(5)).await;
    let key = platform.secret_key().await;
    for (product, rule) in [
        ("prd_bottle", json!({ "kind": "pin", "position": 2 })),
        ("prd_stove", json!({ "kind": "pin", "position": 1 })),
        ("prd_trail-runner", json!({ "kind": "exclude" })),
    ] {
        let response = set_rule(&platform, &key, "pl_sidebar", product, rule).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let rules: PlacementRules = platform
        .client
        .get(platform.url("/v1/merchant/placements/pl_sidebar/rules"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: Vec<(&str, &str)> = rules
        .rules
        .iter()
        .map(|r| (r.product_id.as_str(), r.kind.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            ("prd_stove", "pin"),
            ("prd_bottle", "pin"),
            ("prd_trail-runner", "exclude")
        ]
    );

    // The default policy keeps the merchant's order after the pins.
    let ordered = read(&platform, "pl_sidebar", None).await;
    let ids: Vec<&str> = ordered.products.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["prd_stove", "prd_bottle", "prd_summit-jacket"]);

    set_policy(&platform, &key, "pl_sidebar", "thompson").await;
    for _ in 0..30 {
        let products = read(&platform, "pl_sidebar", None).await.products;
        let ids: Vec<&str> = products.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids[..2], ["prd_stove", "prd_bottle"], "{ids:?}");
        assert!(!ids.contains(&"prd_trail-runner"), "{ids:?}");
        assert_eq!(ids.len(), 3);
    }

    let removed = platform
        .client
        .delete(platform.url("/v1/merchant/placements/pl_sidebar/rules/prd_stove"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::OK);
    let rules: PlacementRules = removed.json().await.unwrap();
    assert_eq!(rules.rules.len(), 2);
}

/// Under `thompson`, a product the shopper already has in the cart is
/// replaced by another; the default policy leaves the placement as it was.
#[tokio::test]
async fn products_in_the_cart_are_replaced() {
    let platform = Platform::start_with(|state| state.with_policy_seed(11)).await;
    let key = platform.secret_key().await;
    let session = platform.session_with("prd_trail-runner", 1).await;
    let session = platform.add_ok(&session.token, "prd_merino-tee", 1).await;

    let ordered = read(&platform, "pl_sidebar", Some(&session.token)).await;
    assert!(ordered.products.iter().any(|p| p.id == "prd_trail-runner"));

    set_policy(&platform, &key, "pl_sidebar", "thompson").await;
    for _ in 0..20 {
        let products = read(&platform, "pl_sidebar", Some(&session.token))
            .await
            .products;
        assert_eq!(products.len(), 3);
        assert!(
            products
                .iter()
                .all(|p| p.id != "prd_trail-runner" && p.id != "prd_merino-tee"),
            "{products:?}"
        );
    }
}

/// Every read is recorded with its policy, seed, the products shown and
/// the alternatives with their draws; the draws replay from the record.
#[tokio::test]
async fn decisions_are_recorded_and_replay() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    set_policy(&platform, &key, "pl_leaderboard", "thompson").await;
    let session = platform.session_with("prd_day-pack", 1).await;
    let shown = read(&platform, "pl_leaderboard", Some(&session.token)).await;

    let decisions = tokio::time::timeout(HANG_GUARD, async {
        loop {
            let list: DecisionList = platform
                .client
                .get(platform.url("/v1/merchant/placements/pl_leaderboard/decisions?limit=5"))
                .bearer_auth(&key)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if !list.decisions.is_empty() {
                return list.decisions;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the decision was never recorded");
    let decision = &decisions[0];
    assert_eq!(decision.policy, "thompson-v1");
    assert_eq!(decision.session.as_deref(), Some(session.id.as_str()));
    let chosen: Vec<&str> = shown.products.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(decision.chosen, chosen);
    // The demo catalog has 30 products, two of them (trek poles, trail
    // snacks) sold out.
    assert_eq!(decision.alternatives.len(), 28);
    assert!(decision
        .alternatives
        .iter()
        .all(|a| a.product_id != "prd_trek-poles"));
    let in_cart = decision
        .alternatives
        .iter()
        .find(|a| a.product_id == "prd_day-pack")
        .unwrap();
    assert_ne!(in_cart.outcome, CandidateOutcome::Chosen);

    let seed: u64 = decision.seed.parse().unwrap();
    let recorded: Vec<f64> = decision
        .alternatives
        .iter()
        .map(|a| a.score.unwrap())
        .collect();
    assert_eq!(optimise::draw(&decision.alternatives, seed), recorded);

    let bad_limit = platform
        .client
        .get(platform.url("/v1/merchant/placements/pl_leaderboard/decisions?limit=0"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_error(bad_limit, StatusCode::BAD_REQUEST, "invalid_query").await;
}

/// In a seeded simulation where `prd_buff` (near the end of the merchant's
/// 30 products, so the ordered policy never shows it in a 4-slot placement
/// and its catalog prior is among the lowest) converts far better than the
/// rest, `thompson` learns it: at most 30 % of the first 20 shoppers are
/// shown it, but after 100 shoppers (fewer than 1,000 events) at least
/// 90 % of the next 100 are. Its stock is raised so that selling well never
/// sells out.
#[tokio::test]
async fn the_best_product_takes_over_its_placement() {
    let platform = Platform::start_with(|state| state.with_policy_seed(2026)).await;
    let key = platform.secret_key().await;
    set_policy(&platform, &key, "pl_leaderboard", "thompson").await;
    let restock = platform
        .client
        .patch(platform.url("/v1/products/prd_buff"))
        .bearer_auth(&key)
        .json(&json!({ "stock": 10_000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(restock.status(), StatusCode::OK);

    let config = Config {
        base: platform.base.clone(),
        seed: 7,
        sessions: Some(200),
        placements: vec!["pl_leaderboard".into()],
        best: Some("prd_buff".into()),
        pause: Duration::ZERO,
        secret_key: Some(key),
        publishable_key: None,
        policy: None,
    };
    let report = simulate::run(&config).await.unwrap();
    let early = report.share("pl_leaderboard", "prd_buff", 0..20);
    let late = report.share("pl_leaderboard", "prd_buff", 100..200);
    assert!(early <= 0.3, "early share {early}");
    assert!(late >= 0.9, "late share {late}");
    assert!(
        report.events_so_far[99] < 1000,
        "{}",
        report.events_so_far[99]
    );
    assert!(report.orders > 0);
}

/// The merchant endpoints need the secret key and refuse bad input with
/// codes.
#[tokio::test]
async fn placement_settings_errors() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let none = platform
        .client
        .get(platform.url("/v1/merchant/placements/pl_sidebar/rules"))
        .send()
        .await
        .unwrap();
    assert_error(none, StatusCode::UNAUTHORIZED, "unauthorized").await;

    let unknown = set_rule(
        &platform,
        &key,
        "pl_nope",
        "prd_stove",
        json!({ "kind": "pin" }),
    )
    .await;
    assert_error(unknown, StatusCode::NOT_FOUND, "placement_not_found").await;
    let no_product = set_rule(
        &platform,
        &key,
        "pl_sidebar",
        "prd_nope",
        json!({ "kind": "pin" }),
    )
    .await;
    assert_error(no_product, StatusCode::NOT_FOUND, "product_not_found").await;
    let bad_kind = set_rule(
        &platform,
        &key,
        "pl_sidebar",
        "prd_stove",
        json!({ "kind": "boost" }),
    )
    .await;
    assert_error(bad_kind, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;

    let bad_policy = platform
        .client
        .put(platform.url("/v1/merchant/placements/pl_sidebar/policy"))
        .bearer_auth(&key)
        .json(&json!({ "policy": "random" }))
        .send()
        .await
        .unwrap();
    assert_error(bad_policy, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    let policy: PlacementSettings = platform
        .client
        .get(platform.url("/v1/merchant/placements/pl_sidebar/policy"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(policy.policy, PlacementPolicy::Ordered);
}

/// Simulated shoppers buy a product with variants the way a shopper does,
/// by choosing one of its sizes in stock, rather than being refused for
/// naming the product itself: with the jacket pinned first and converting
/// best, the run completes and the jacket's sizes lose stock to its orders.
#[tokio::test]
async fn simulated_shoppers_choose_a_size_of_a_product_with_variants() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let pinned = set_rule(
        &platform,
        &key,
        "pl_sidebar",
        "prd_summit-jacket",
        json!({ "kind": "pin", "position": 0 }),
    )
    .await;
    assert_eq!(pinned.status(), StatusCode::OK);
    let jacket_stock = |read: &PlacementProducts| -> i64 {
        read.products
            .iter()
            .find(|product| product.id == "prd_summit-jacket")
            .map_or(0, |jacket| jacket.variants.iter().map(|v| v.stock).sum())
    };
    let before = jacket_stock(&read(&platform, "pl_sidebar", None).await);
    assert_eq!(before, 6);

    let config = Config {
        base: platform.base.clone(),
        seed: 11,
        sessions: Some(40),
        placements: vec!["pl_sidebar".into()],
        best: Some("prd_summit-jacket".into()),
        pause: Duration::ZERO,
        // No key: nothing is restocked, so the stock shows what was sold.
        secret_key: None,
        publishable_key: None,
        policy: None,
    };
    let report = simulate::run(&config).await.unwrap();

    assert!(report.orders > 0, "{} orders", report.orders);
    let after = read(&platform, "pl_sidebar", None).await;
    assert!(
        jacket_stock(&after) < before,
        "jacket stock {} after {} orders",
        jacket_stock(&after),
        report.orders
    );
}
