//! The plots, drawn as SVG by Leptos components (no chart library): the
//! funnel as bars, the funnel over time, revenue per placement, and a
//! product's price history with the rule that made each change.
//!
//! Counts span orders of magnitude (thousands of impressions, a few
//! orders), so the funnel plots use a logarithmic scale, labelled as such.

use std::collections::HashMap;

use kiosk_wire::{
    FunnelCounts, FunnelReport, FunnelSeries, Money, PriceChangeReason, PriceHistory,
};
use leptos::prelude::*;

use crate::text;

/// One step of the funnel as the plots and tables show it.
#[derive(Clone, Copy)]
pub struct Stage {
    pub label: &'static str,
    /// The step's name in CSS classes and `data-stage` attributes.
    pub class: &'static str,
    pub colour: &'static str,
    pub read: fn(&FunnelCounts) -> i64,
}

const fn stage(
    label: &'static str,
    class: &'static str,
    colour: &'static str,
    read: fn(&FunnelCounts) -> i64,
) -> Stage {
    Stage {
        label,
        class,
        colour,
        read,
    }
}

/// The funnel's steps, in order.
pub const STAGES: [Stage; 7] = [
    stage("Impressions", "impressions", "#8c959f", |c| c.impressions),
    stage("Viewable", "viewable", "#6e7781", |c| c.viewable),
    stage("Clicks", "clicks", "#0969da", |c| c.clicks),
    stage("Product views", "product_views", "#8250df", |c| {
        c.product_views
    }),
    stage("Add to cart", "add_to_cart", "#bf8700", |c| c.add_to_cart),
    stage("Checkouts", "checkouts", "#bc4c00", |c| c.checkouts),
    stage("Orders", "orders", "#1a7f37", |c| c.orders),
];

/// The steps the time chart draws (fewer lines read better).
const TIME_STAGES: [usize; 4] = [0, 2, 4, 6];

/// `value` on a log scale from 0 (nothing) to 1 (`top`).
fn log_share(value: i64, top: i64) -> f64 {
    if top <= 0 {
        return 0.0;
    }
    ((1 + value.max(0)) as f64).log10() / ((1 + top) as f64).log10()
}

/// The smallest power of ten at or above `value` (at least 10).
fn decade_above(value: i64) -> i64 {
    let mut top = 10;
    while top < value {
        top *= 10;
    }
    top
}

/// The funnel's steps as horizontal bars (log scale), each with its count
/// and its rate from the step before.
#[component]
pub fn FunnelBars(counts: FunnelCounts) -> impl IntoView {
    let top = decade_above(STAGES.iter().map(|s| (s.read)(&counts)).max().unwrap_or(0));
    let row_height = 26.0;
    let width = 560.0;
    let label_width = 110.0;
    let bar_space = width - label_width - 150.0;
    let height = row_height * STAGES.len() as f64 + 4.0;
    let bars = STAGES
        .iter()
        .enumerate()
        .map(|(index, Stage { label, class, colour, read })| {
            let value = read(&counts);
            let previous = if index == 0 { 0 } else { (STAGES[index - 1].read)(&counts) };
            let y = index as f64 * row_height + 2.0;
            let bar = bar_space * log_share(value, top);
            let rate = if index == 0 { String::new() } else { text::rate(value, previous) };
            view! {
                <g class=format!("funnel-bar stage-{class}")>
                    <text x=label_width - 6.0 y=y + 16.0 text-anchor="end">{*label}</text>
                    <rect x=label_width y=y + 3.0 width=bar.max(1.0) height=row_height - 8.0 fill=*colour rx="2"></rect>
                    <text x=label_width + bar + 6.0 y=y + 16.0 class="bar-value">
                        {value.to_string()} <tspan class="bar-rate">{format!("  {rate}")}</tspan>
                    </text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="chart funnel-bars" viewBox=format!("0 0 {width} {height}") role="img"
             aria-label="The funnel, each step's count on a logarithmic scale">
            {bars}
        </svg>
    }
}

/// The funnel over time: impressions, clicks, adds to cart and orders per
/// interval, on a log scale.
#[component]
pub fn FunnelOverTime(series: FunnelSeries) -> impl IntoView {
    let (width, height) = (1000.0, 260.0);
    let (left, right, top_margin, bottom) = (44.0, 10.0, 10.0, 26.0);
    let count = series.buckets.len().max(2);
    let plot_w = width - left - right;
    let plot_h = height - top_margin - bottom;
    let max = series
        .buckets
        .iter()
        .flat_map(|b| {
            TIME_STAGES
                .iter()
                .map(move |&s| (STAGES[s].read)(&b.counts))
        })
        .max()
        .unwrap_or(0);
    let top = decade_above(max);
    let x = move |index: usize| left + plot_w * index as f64 / (count - 1) as f64;
    let y = move |value: i64| top_margin + plot_h * (1.0 - log_share(value, top));

    let mut grid = Vec::new();
    let mut level = 0;
    loop {
        grid.push(level);
        if level >= top {
            break;
        }
        level = if level == 0 { 1 } else { level * 10 };
    }
    let grid = grid
        .into_iter()
        .map(|level| {
            view! {
                <line x1=left x2=width - right y1=y(level) y2=y(level) class="grid"></line>
                <text x=left - 4.0 y=y(level) + 4.0 text-anchor="end" class="axis">{level.to_string()}</text>
            }
        })
        .collect_view();
    let ticks = [0, series.buckets.len() / 2, series.buckets.len().saturating_sub(1)]
        .into_iter()
        .filter_map(|index| series.buckets.get(index).map(|b| (index, b.start)))
        .map(|(index, start)| {
            view! { <text x=x(index) y=height - 8.0 text-anchor="middle" class="axis">{text::time(start)}</text> }
        })
        .collect_view();
    let lines = TIME_STAGES
        .iter()
        .map(|&stage| {
            let Stage { label, class, colour, read } = STAGES[stage];
            let points = series
                .buckets
                .iter()
                .enumerate()
                .map(|(index, bucket)| format!("{:.1},{:.1}", x(index), y(read(&bucket.counts))))
                .collect::<Vec<_>>()
                .join(" ");
            view! {
                <polyline class=format!("series stage-{class}") points=points fill="none" stroke=colour stroke-width="2">
                    <title>{label}</title>
                </polyline>
            }
        })
        .collect_view();
    let legend = TIME_STAGES
        .iter()
        .map(|&stage| {
            let Stage { label, colour, .. } = STAGES[stage];
            view! { <span class="legend-item"><span class="swatch" style=format!("background:{colour}")></span>{label}</span> }
        })
        .collect_view();
    view! {
        <figure class="chart-figure">
            <svg class="chart funnel-over-time" viewBox=format!("0 0 {width} {height}") role="img"
                 aria-label="The funnel over time, per interval, on a logarithmic scale">
                {grid}
                {ticks}
                {lines}
            </svg>
            <figcaption class="legend">{legend} <span class="scale-note">"per interval, log scale"</span></figcaption>
        </figure>
    }
}

/// Revenue per placement as horizontal bars, highest first.
#[component]
pub fn RevenueBars(report: FunnelReport) -> impl IntoView {
    let mut rows: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.counts.orders > 0 || r.counts.impressions > 0)
        .cloned()
        .collect();
    rows.sort_by(|a, b| {
        b.counts
            .revenue
            .amount_minor
            .cmp(&a.counts.revenue.amount_minor)
            .then(a.key.cmp(&b.key))
    });
    if rows.is_empty() {
        return view! { <p class="empty">"No placement has shown an ad in this window yet."</p> }
            .into_any();
    }
    let max = rows
        .iter()
        .map(|r| r.counts.revenue.amount_minor)
        .max()
        .unwrap_or(0)
        .max(1);
    let row_height = 30.0;
    let width = 560.0;
    let label_width = 140.0;
    let bar_space = width - label_width - 170.0;
    let height = row_height * rows.len() as f64 + 4.0;
    let bars = rows
        .into_iter()
        .enumerate()
        .map(|(index, row)| {
            let y = index as f64 * row_height + 2.0;
            let bar = bar_space * row.counts.revenue.amount_minor as f64 / max as f64;
            let label = format!(
                "{} · {} order{}",
                text::price(&row.counts.revenue),
                row.counts.orders,
                if row.counts.orders == 1 { "" } else { "s" }
            );
            view! {
                <g class="revenue-bar" data-placement=row.key.clone()>
                    <text x=label_width - 6.0 y=y + 19.0 text-anchor="end">{row.key.clone()}</text>
                    <rect x=label_width y=y + 4.0 width=bar.max(1.0) height=row_height - 10.0 fill="#1a7f37" rx="2"></rect>
                    <text x=label_width + bar + 6.0 y=y + 19.0 class="bar-value">{label}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="chart revenue-per-placement" viewBox=format!("0 0 {width} {height}") role="img"
             aria-label="Revenue per placement">
            {bars}
        </svg>
    }
    .into_any()
}

/// What made a price change, in words.
pub fn reason_text(reason: PriceChangeReason) -> &'static str {
    match reason {
        PriceChangeReason::Manual => "set by hand",
        PriceChangeReason::RuleFired => "lowered by rule",
        PriceChangeReason::RuleReverted => "restored by rule",
        PriceChangeReason::RuleDisabled => "restored, rule switched off",
    }
}

fn reason_colour(reason: PriceChangeReason) -> &'static str {
    match reason {
        PriceChangeReason::Manual => "#6e7781",
        PriceChangeReason::RuleFired => "#cf222e",
        PriceChangeReason::RuleReverted | PriceChangeReason::RuleDisabled => "#0969da",
    }
}

/// A product's price over time as steps, each change marked and labelled
/// with the rule that made it (`rule_names`: rule id → name).
#[component]
pub fn PriceHistoryChart(
    history: PriceHistory,
    current: Option<Money>,
    rule_names: HashMap<String, String>,
) -> impl IntoView {
    let changes = history.changes;
    let Some(first) = changes.first().cloned() else {
        let now = current.as_ref().map(text::price).unwrap_or_default();
        return view! { <p class="empty price-history-empty">{format!("No price changes yet; the price is {now}.")}</p> }.into_any();
    };
    let (width, height) = (900.0, 240.0);
    let (left, right, top_margin, bottom) = (70.0, 130.0, 18.0, 26.0);
    let plot_w = width - left - right;
    let plot_h = height - top_margin - bottom;
    let end = text::now_ms().max(changes.last().map(|c| c.created_at).unwrap_or(0) + 1);
    let span = (end - first.created_at).max(1);
    let start = first.created_at - span / 10 - 1;
    let prices = changes
        .iter()
        .flat_map(|c| [c.before.amount_minor, c.after.amount_minor]);
    let low = prices.clone().min().unwrap_or(0);
    let high = prices.max().unwrap_or(1);
    let pad = ((high - low) / 5).max(1);
    let (low, high) = ((low - pad).max(0), high + pad);
    let x = move |at: i64| left + plot_w * (at - start) as f64 / (end - start) as f64;
    let y =
        move |minor: i64| top_margin + plot_h * (1.0 - (minor - low) as f64 / (high - low) as f64);

    let mut points = vec![format!(
        "{:.1},{:.1}",
        x(start),
        y(first.before.amount_minor)
    )];
    for change in &changes {
        points.push(format!(
            "{:.1},{:.1}",
            x(change.created_at),
            y(change.before.amount_minor)
        ));
        points.push(format!(
            "{:.1},{:.1}",
            x(change.created_at),
            y(change.after.amount_minor)
        ));
    }
    let last = changes
        .last()
        .map(|c| c.after.amount_minor)
        .unwrap_or(first.before.amount_minor);
    points.push(format!("{:.1},{:.1}", x(end), y(last)));

    let who = {
        let rule_names = rule_names.clone();
        move |rule_id: &Option<String>| match rule_id {
            Some(id) => rule_names.get(id).cloned().unwrap_or_else(|| id.clone()),
            None => "merchant".to_string(),
        }
    };
    let markers = changes
        .iter()
        .map(|change| {
            let colour = reason_colour(change.reason);
            let label = who(&change.rule_id);
            view! {
                <g class="price-marker">
                    <circle cx=x(change.created_at) cy=y(change.after.amount_minor) r="5" fill=colour></circle>
                    <text x=x(change.created_at) y=y(change.after.amount_minor) - 9.0 text-anchor="middle" class="marker-label">{label}</text>
                </g>
            }
        })
        .collect_view();
    let axis = [low, high]
        .into_iter()
        .map(|minor| {
            let money = Money { amount_minor: minor, currency: first.after.currency.clone() };
            view! { <text x=left - 6.0 y=y(minor) + 4.0 text-anchor="end" class="axis">{text::price(&money)}</text> }
        })
        .collect_view();
    let now_label = text::price(&Money {
        amount_minor: last,
        currency: first.after.currency.clone(),
    });
    let list = changes
        .iter()
        .rev()
        .map(|change| {
            let figures = change.figures.as_ref().map(|f| {
                format!(" — saw {} views, {} adds to cart, {} purchases", f.views, f.add_to_carts, f.purchases)
            });
            view! {
                <li class="price-change" data-reason=change.reason.as_str()>
                    <time>{text::time(change.created_at)}</time>
                    {format!(
                        " {} → {}, {} {}",
                        text::price(&change.before),
                        text::price(&change.after),
                        reason_text(change.reason),
                        if change.rule_id.is_some() { format!("“{}”", who(&change.rule_id)) } else { String::new() },
                    )}
                    {figures}
                </li>
            }
        })
        .collect_view();
    view! {
        <figure class="chart-figure">
            <svg class="chart price-history" viewBox=format!("0 0 {width} {height}") role="img"
                 aria-label="The product's price over time, each change marked with what made it">
                {axis}
                <polyline points=points.join(" ") fill="none" stroke="#24292f" stroke-width="2"></polyline>
                {markers}
                <text x=x(end) + 6.0 y=y(last) + 4.0 class="bar-value">{format!("now {now_label}")}</text>
            </svg>
            <ol class="price-changes">{list}</ol>
        </figure>
    }
    .into_any()
}
