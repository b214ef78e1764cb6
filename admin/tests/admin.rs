//! The admin page's pieces in headless Chrome (wasm-bindgen-test): the
//! price a merchant types, and what the plots show.

#![cfg(target_arch = "wasm32")]

use std::collections::HashMap;

use kiosk_admin::charts::{FunnelBars, PriceHistoryChart, RevenueBars};
use kiosk_admin::text::{parse_price, rate, typed_price};
use kiosk_wire::{
    FunnelCounts, FunnelDimension, FunnelReport, FunnelRow, Money, PriceChange, PriceChangeReason,
    PriceHistory, RuleFigures,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn eur(amount_minor: i64) -> Money {
    Money {
        amount_minor,
        currency: "EUR".into(),
    }
}

fn mount<V: IntoView + 'static>(view: impl FnOnce() -> V + 'static) -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    // The handle unmounts on drop; the test page lives only for this run.
    std::mem::forget(leptos::mount::mount_to(host.clone(), view));
    host
}

fn texts(host: &web_sys::HtmlElement, selector: &str) -> Vec<String> {
    let found = host.query_selector_all(selector).unwrap();
    (0..found.length())
        .filter_map(|i| found.item(i).and_then(|node| node.text_content()))
        .collect()
}

/// Typed prices become minor units exactly, in the currency's digits; what
/// is not a plain amount is refused.
#[wasm_bindgen_test]
fn typed_prices_parse_to_minor_units() {
    assert_eq!(parse_price("12", 2), Some(1200));
    assert_eq!(parse_price(" 12.5 ", 2), Some(1250));
    assert_eq!(parse_price("12,50", 2), Some(1250));
    assert_eq!(parse_price("0.07", 2), Some(7));
    assert_eq!(parse_price(".5", 2), Some(50));
    assert_eq!(parse_price("1999", 0), Some(1999));
    assert_eq!(parse_price("1.234", 3), Some(1234));
    for refused in [
        "", ".", "12.345", "-1", "1e3", "12 50", "€12", "12.5.0", "1999.5",
    ] {
        let digits = if refused == "1999.5" { 0 } else { 2 };
        assert_eq!(parse_price(refused, digits), None, "{refused:?}");
    }
    assert_eq!(parse_price("9999999999999", 2), None);
    assert_eq!(typed_price(1250, &eur(0)), "12.50");
    assert_eq!(typed_price(7, &eur(0)), "0.07");
    assert_eq!(parse_price(&typed_price(4490, &eur(0)), 2), Some(4490));
}

/// Rates are shares of the step before, and a dash without one.
#[wasm_bindgen_test]
fn rates_read_as_percentages() {
    assert_eq!(rate(1, 4), "25.0 %");
    assert_eq!(rate(0, 0), "–");
}

fn counts(impressions: i64, orders: i64, revenue: i64) -> FunnelCounts {
    FunnelCounts {
        impressions,
        viewable: impressions / 2,
        clicks: impressions / 4,
        product_views: impressions / 4,
        add_to_cart: impressions / 8,
        checkouts: orders * 2,
        orders,
        revenue: eur(revenue),
    }
}

/// The funnel bars show every step's count, each with its rate from the
/// step before.
#[wasm_bindgen_test]
fn funnel_bars_show_each_step() {
    let host = mount(|| view! { <FunnelBars counts=counts(80, 2, 9000) /> });
    let values = texts(&host, ".bar-value");
    assert_eq!(values.len(), 7);
    assert!(values[0].starts_with("80"), "{values:?}");
    assert_eq!(values[1].replace(char::is_whitespace, ""), "4050.0%");
    assert_eq!(values[6].replace(char::is_whitespace, ""), "250.0%");
}

/// Revenue bars go highest first, each labelled with its revenue and order
/// count.
#[wasm_bindgen_test]
fn revenue_bars_rank_placements() {
    let report = FunnelReport {
        by: FunnelDimension::Placement,
        from: None,
        to: None,
        rows: vec![
            FunnelRow {
                key: "pl_small".into(),
                counts: counts(10, 1, 1500),
            },
            FunnelRow {
                key: "pl_big".into(),
                counts: counts(40, 3, 12000),
            },
        ],
        total: counts(50, 4, 13500),
    };
    let host = mount(move || view! { <RevenueBars report /> });
    let bars = host.query_selector_all(".revenue-bar").unwrap();
    let first: web_sys::Element = bars.item(0).unwrap().unchecked_into();
    assert_eq!(first.get_attribute("data-placement").unwrap(), "pl_big");
    let labels = texts(&host, ".bar-value");
    assert_eq!(labels, ["€120.00 · 3 orders", "€15.00 · 1 order"]);
}

/// Each price change is listed newest first, naming the rule that made it
/// and what it saw; a product without changes says so.
#[wasm_bindgen_test]
fn price_history_names_the_rule() {
    let history = PriceHistory {
        product_id: "prd_stove".into(),
        changes: vec![
            PriceChange {
                id: 1,
                product_id: "prd_stove".into(),
                reason: PriceChangeReason::RuleFired,
                rule_id: Some("prl_1".into()),
                before: eur(4490),
                after: eur(4041),
                figures: Some(RuleFigures {
                    views: 20,
                    add_to_carts: 8,
                    purchases: 0,
                }),
                created_at: 1_700_000_000_000,
            },
            PriceChange {
                id: 2,
                product_id: "prd_stove".into(),
                reason: PriceChangeReason::RuleReverted,
                rule_id: Some("prl_1".into()),
                before: eur(4041),
                after: eur(4490),
                figures: None,
                created_at: 1_700_000_060_000,
            },
        ],
    };
    let names = HashMap::from([("prl_1".to_string(), "Nudge the stove".to_string())]);
    let host = mount(move || {
        view! { <PriceHistoryChart history current=Some(eur(4490)) rule_names=names /> }
    });
    let changes = texts(&host, ".price-change");
    assert_eq!(changes.len(), 2);
    assert!(
        changes[0].contains("€40.41 → €44.90, restored by rule “Nudge the stove”"),
        "{changes:?}"
    );
    assert!(
        changes[1].contains("€44.90 → €40.41, lowered by rule “Nudge the stove”"),
        "{changes:?}"
    );
    assert!(
        changes[1].contains("saw 20 views, 8 adds to cart, 0 purchases"),
        "{changes:?}"
    );
    assert_eq!(
        texts(&host, ".marker-label"),
        ["Nudge the stove", "Nudge the stove"]
    );

    let empty = PriceHistory {
        product_id: "prd_mug".into(),
        changes: vec![],
    };
    let host = mount(move || {
        view! { <PriceHistoryChart history=empty current=Some(eur(1450)) rule_names=HashMap::new() /> }
    });
    assert_eq!(
        texts(&host, ".price-history-empty"),
        ["No price changes yet; the price is €14.50."]
    );
}
