//! The overview: the funnel per campaign, creative, placement or product
//! with rates and revenue, the funnel as bars and over time, and revenue
//! per placement. Every figure is the platform's, read again as the feed
//! moves.

use kiosk_wire::{FunnelCounts, FunnelDimension, FunnelReport, FunnelSeries};
use leptos::prelude::*;

use super::keep_reading;
use crate::charts::{FunnelBars, FunnelOverTime, RevenueBars, STAGES};
use crate::live::Dash;
use crate::text;

/// The time windows the overview offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    Minutes15,
    Hour,
    Day,
    All,
}

impl Window {
    const ALL: [(Window, &'static str, &'static str); 4] = [
        (Window::Minutes15, "15m", "Last 15 minutes"),
        (Window::Hour, "1h", "Last hour"),
        (Window::Day, "24h", "Last 24 hours"),
        (Window::All, "all", "All time"),
    ];

    fn parse(value: &str) -> Window {
        Window::ALL
            .into_iter()
            .find(|(_, id, _)| *id == value)
            .map_or(Window::All, |(window, _, _)| window)
    }

    /// The window's start (none: all time).
    fn from(self, now: i64) -> Option<i64> {
        match self {
            Window::Minutes15 => Some(now - 15 * 60_000),
            Window::Hour => Some(now - 60 * 60_000),
            Window::Day => Some(now - 24 * 60 * 60_000),
            Window::All => None,
        }
    }

    /// The time chart's start and interval.
    fn series(self, now: i64) -> (i64, i64) {
        match self {
            Window::Minutes15 => (now - 15 * 60_000, 30_000),
            Window::Hour => (now - 60 * 60_000, 60_000),
            Window::Day => (now - 24 * 60 * 60_000, 30 * 60_000),
            Window::All => (now - 7 * 24 * 60 * 60_000, 6 * 60 * 60_000),
        }
    }
}

#[component]
pub fn Overview() -> impl IntoView {
    let dash = expect_context::<Dash>();
    let by = RwSignal::new(FunnelDimension::Placement);
    let window = RwSignal::new(Window::Minutes15);
    let report = RwSignal::new(None::<FunnelReport>);
    let placements = RwSignal::new(None::<FunnelReport>);
    let series = RwSignal::new(None::<FunnelSeries>);
    let failed = RwSignal::new(None::<String>);

    keep_reading(
        dash,
        move || (by.get(), window.get()),
        |api, (by, window)| async move { api.funnel(by, window.from(text::now_ms())).await },
        report,
        failed,
    );
    keep_reading(
        dash,
        move || window.get(),
        |api, window| async move {
            api.funnel(FunnelDimension::Placement, window.from(text::now_ms()))
                .await
        },
        placements,
        failed,
    );
    keep_reading(
        dash,
        move || window.get(),
        |api, window| async move {
            let (from, bucket) = window.series(text::now_ms());
            api.series(from, bucket).await
        },
        series,
        failed,
    );

    let dimension_options = FunnelDimension::ALL
        .into_iter()
        .map(|d| view! { <option value=d.as_str() selected=move || by.get() == d>{d.as_str()}</option> })
        .collect_view();
    let window_options = Window::ALL
        .into_iter()
        .map(|(w, id, label)| view! { <option value=id selected=move || window.get() == w>{label}</option> })
        .collect_view();

    view! {
        <section class="panel overview">
            <div class="controls">
                <label>"Funnel by "
                    <select id="funnel-by" on:change=move |ev| {
                        if let Some(d) = FunnelDimension::parse(&event_target_value(&ev)) { by.set(d) }
                    }>{dimension_options}</select>
                </label>
                <label>" over "
                    <select id="funnel-window" on:change=move |ev| window.set(Window::parse(&event_target_value(&ev)))>
                        {window_options}
                    </select>
                </label>
            </div>
            <Show when=move || failed.get().is_some()>
                <p class="error" role="alert">{move || failed.get().unwrap_or_default()}</p>
            </Show>
            {move || report.get().map(|report| view! { <FunnelTable report /> })}
            <div class="plots">
                <section class="plot">
                    <h2>"The funnel"</h2>
                    {move || report.get().map(|r| view! { <FunnelBars counts=r.total /> })}
                </section>
                <section class="plot">
                    <h2>"Revenue per placement"</h2>
                    {move || placements.get().map(|report| view! { <RevenueBars report /> })}
                </section>
                <section class="plot wide">
                    <h2>"The funnel over time"</h2>
                    {move || series.get().map(|series| view! { <FunnelOverTime series /> })}
                </section>
            </div>
        </section>
    }
}

/// The funnel as a table: one row per value of the dimension, a total row
/// first; each step with its count and its rate from the step before.
#[component]
fn FunnelTable(report: FunnelReport) -> impl IntoView {
    let headers = STAGES
        .iter()
        .map(|stage| view! { <th scope="col">{stage.label}</th> })
        .collect_view();
    let rows = report
        .rows
        .iter()
        .map(|row| view! { <FunnelRowView key=row.key.clone() counts=row.counts.clone() total=false /> })
        .collect_view();
    view! {
        <table class="funnel" data-by=report.by.as_str()>
            <thead>
                <tr><th scope="col">{report.by.as_str()}</th>{headers}<th scope="col">"Revenue"</th></tr>
            </thead>
            <tbody>
                <FunnelRowView key="All".to_string() counts=report.total.clone() total=true />
                {rows}
            </tbody>
        </table>
    }
}

#[component]
fn FunnelRowView(key: String, counts: FunnelCounts, total: bool) -> impl IntoView {
    let cells = STAGES
        .iter()
        .enumerate()
        .map(|(index, stage)| {
            let value = (stage.read)(&counts);
            let rate = if index == 0 {
                String::new()
            } else {
                text::rate(value, (STAGES[index - 1].read)(&counts))
            };
            view! {
                <td data-stage=stage.class>
                    <span class="count">{value.to_string()}</span>
                    <span class="rate">{rate}</span>
                </td>
            }
        })
        .collect_view();
    let label = key.clone();
    view! {
        <tr class:funnel-total=total data-key=key>
            <th scope="row">{label}</th>
            {cells}
            <td data-stage="revenue"><span class="count">{text::price(&counts.revenue)}</span></td>
        </tr>
    }
}
