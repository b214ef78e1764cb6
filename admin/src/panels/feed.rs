//! The live feed itself, newest first, filterable by kind and by text
//! (a placement, campaign, product or order number), with the platform's
//! running totals above it when it sends them.

use kiosk_wire::{EventKind, FeedItem};
use leptos::prelude::*;

use crate::charts::reason_text;
use crate::live::{Dash, FeedEntry};
use crate::text;

/// The filter's choices: value, label.
const KINDS: [(&str, &str); 12] = [
    ("all", "Everything"),
    ("impression", "Impressions"),
    ("viewable_impression", "Viewable impressions"),
    ("click", "Clicks"),
    ("product_view", "Product views"),
    ("add_to_cart", "Adds to cart"),
    ("checkout_start", "Checkouts started"),
    ("purchase", "Purchases (reported)"),
    ("order", "Orders"),
    ("product", "Product changes"),
    ("price_change", "Price changes"),
    ("commerce", "Commerce only (carts, orders, prices)"),
];

/// The kind an entry is filtered by.
fn kind_of(item: &FeedItem) -> &'static str {
    match item {
        FeedItem::Event { event } => event.kind.as_str(),
        other => other.name(),
    }
}

fn is_commerce(item: &FeedItem) -> bool {
    match item {
        FeedItem::Event { event } => matches!(
            event.kind,
            EventKind::AddToCart | EventKind::CheckoutStart | EventKind::Purchase
        ),
        _ => true,
    }
}

/// An entry in words.
fn describe(item: &FeedItem) -> String {
    match item {
        FeedItem::Event { event } => {
            let mut parts = vec![event.kind.as_str().replace('_', " ")];
            for (label, value) in [
                ("placement", &event.placement),
                ("product", &event.product),
                ("campaign", &event.campaign),
                ("creative", &event.creative),
            ] {
                if let Some(value) = value {
                    parts.push(format!("{label} {value}"));
                }
            }
            parts.push(format!("session {}", event.session));
            parts.join(" · ")
        }
        FeedItem::Order {
            number,
            status,
            total,
            attribution,
        } => {
            let mut text = format!(
                "order {number} {} · {}",
                status.as_str(),
                text::price(total)
            );
            if let Some(placement) = &attribution.placement {
                text.push_str(&format!(" · from placement {placement}"));
            }
            if let Some(campaign) = &attribution.campaign {
                text.push_str(&format!(" · campaign {campaign}"));
            }
            text
        }
        FeedItem::Product { product } => format!(
            "product {} ({}) · {} · {} in stock",
            product.title,
            product.id,
            text::price(&product.price),
            product.stock
        ),
        FeedItem::PriceChange { change } => format!(
            "price of {}: {} → {} · {}{}",
            change.product_id,
            text::price(&change.before),
            text::price(&change.after),
            reason_text(change.reason),
            change
                .rule_id
                .as_ref()
                .map(|id| format!(" {id}"))
                .unwrap_or_default()
        ),
        FeedItem::Totals { .. } => "running totals".to_string(),
    }
}

/// Whether `entry` passes the kind filter `kind` and contains `search`.
fn passes(entry: &FeedEntry, kind: &str, search: &str) -> bool {
    let kind_ok = match kind {
        "all" => true,
        "commerce" => is_commerce(&entry.item),
        kind => kind_of(&entry.item) == kind,
    };
    kind_ok && (search.is_empty() || describe(&entry.item).to_lowercase().contains(search))
}

#[component]
pub fn FeedPanel() -> impl IntoView {
    let dash = expect_context::<Dash>();
    let kind = RwSignal::new("all".to_string());
    let search = RwSignal::new(String::new());
    let options = KINDS
        .into_iter()
        .map(|(value, label)| view! { <option value=value>{label}</option> })
        .collect_view();
    let shown = move || {
        let kind = kind.get();
        let search = search.get().trim().to_lowercase();
        dash.feed.with(|feed| {
            feed.iter()
                .filter(|entry| passes(entry, &kind, &search))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="panel feed-panel">
            <Totals />
            <div class="controls">
                <label>"Show "
                    <select id="feed-filter" on:change=move |ev| kind.set(event_target_value(&ev))>{options}</select>
                </label>
                <label>" containing "
                    <input id="feed-search" type="search" placeholder="placement, product, order…"
                        prop:value=move || search.get()
                        on:input=move |ev| search.set(event_target_value(&ev)) />
                </label>
            </div>
            <p class="hint">{move || {
                if dash.feed.with(Vec::is_empty) {
                    "Nothing has happened since this page opened; events appear here as they arrive.".to_string()
                } else {
                    format!("The latest {} items since this page opened, newest first.", dash.feed.with(Vec::len))
                }
            }}</p>
            <ol class="feed">
                <For each=shown key=|entry| entry.seq let:entry>
                    <li class="feed-item" data-type=kind_of(&entry.item)>
                        <time>{text::time(entry.at)}</time>
                        <span class="what">{describe(&entry.item)}</span>
                    </li>
                </For>
            </ol>
        </section>
    }
}

/// The platform's running totals, when the feed carries them.
#[component]
fn Totals() -> impl IntoView {
    let dash = expect_context::<Dash>();
    move || {
        dash.totals.get().map(|totals| {
            let revenue = totals
                .revenue
                .iter()
                .map(text::price)
                .collect::<Vec<_>>()
                .join(" + ");
            let figures = [
                ("Impressions", totals.impressions),
                ("Viewable", totals.viewable_impressions),
                ("Clicks", totals.clicks),
                ("Product views", totals.product_views),
                ("Adds to cart", totals.add_to_carts),
                ("Checkouts", totals.checkout_starts),
                ("Orders", totals.orders),
            ]
            .into_iter()
            .map(|(label, value)| view! { <div><dt>{label}</dt><dd>{value.to_string()}</dd></div> })
            .collect_view();
            view! {
                <dl class="totals">
                    {figures}
                    <div><dt>"Revenue"</dt><dd>{revenue}</dd></div>
                </dl>
            }
        })
    }
}
