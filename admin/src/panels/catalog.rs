//! The catalog: every product with its live price and stock, fields to
//! change them (live in every ad at once), and a product's price history
//! with the rule behind each change.

use std::collections::HashMap;

use kiosk_wire::{PriceHistory, PriceRule, ProductUpdate};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::keep_reading;
use crate::charts::PriceHistoryChart;
use crate::live::Dash;
use crate::text;

#[component]
pub fn Catalog() -> impl IntoView {
    let dash = expect_context::<Dash>();
    let chosen = RwSignal::new(None::<String>);
    view! {
        <section class="panel catalog-panel">
            <p class="hint">"Changes go live at once: every open ad and cart shows the new price and stock."</p>
            <table class="catalog">
                <thead>
                    <tr>
                        <th scope="col">"Product"</th><th scope="col">"Now"</th>
                        <th scope="col">"Price"</th><th scope="col">"Stock"</th><th scope="col"></th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || dash.products.get() key=|product| product.id.clone() let:product>
                        <CatalogRow id=product.id.clone() chosen />
                    </For>
                </tbody>
            </table>
            {move || chosen.get().map(|id| view! { <PriceHistoryView product_id=id /> })}
        </section>
    }
}

/// One product: its live figures and the fields that change them. The
/// fields keep what the merchant typed while the live figures move.
#[component]
fn CatalogRow(id: String, chosen: RwSignal<Option<String>>) -> impl IntoView {
    let dash = expect_context::<Dash>();
    let live = {
        let id = id.clone();
        Memo::new(move |_| {
            dash.products
                .with(|all| all.iter().find(|p| p.id == id).cloned())
        })
    };
    let start = live.get_untracked();
    let price_text = RwSignal::new(
        start
            .as_ref()
            .map(|p| text::typed_price(p.price.amount_minor, &p.price))
            .unwrap_or_default(),
    );
    let stock_text = RwSignal::new(
        start
            .as_ref()
            .map(|p| p.stock.to_string())
            .unwrap_or_default(),
    );
    let status = RwSignal::new(None::<(bool, String)>);
    let saving = RwSignal::new(false);

    let save = move |_| {
        let Some(product) = live.get_untracked() else {
            return;
        };
        let Some(price_minor) =
            text::parse_price(&price_text.get_untracked(), product.price.minor_digits())
        else {
            status.set(Some((
                false,
                "The price is not a plain amount such as 12.50.".into(),
            )));
            return;
        };
        let Some(stock) = stock_text
            .get_untracked()
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|s| *s >= 0)
        else {
            status.set(Some((
                false,
                "The stock is a whole number, 0 or more.".into(),
            )));
            return;
        };
        let update = ProductUpdate {
            price_minor: (price_minor != product.price.amount_minor).then_some(price_minor),
            stock: (stock != product.stock).then_some(stock),
            ..ProductUpdate::default()
        };
        let api = dash.api.get_value();
        saving.set(true);
        spawn_local(async move {
            match api.update_product(&product.id, &update).await {
                Ok(changed) => {
                    dash.products.update(|all| {
                        if let Some(shown) = all.iter_mut().find(|p| p.id == changed.id) {
                            *shown = changed.clone();
                        }
                    });
                    let _ = status.try_set(Some((true, "Saved: live now.".into())));
                }
                Err(failure) => {
                    let _ = status.try_set(Some((false, failure.to_string())));
                }
            }
            let _ = saving.try_set(false);
        });
    };
    let history_id = id.clone();
    view! {
        <tr data-product=id.clone()>
            <th scope="row">
                {move || live.get().map(|p| p.title).unwrap_or_default()}
                <small class="product-id">{id.clone()}</small>
            </th>
            <td class="live-figures">
                <span class="live-price">{move || live.get().map(|p| text::price(&p.price)).unwrap_or_default()}</span>
                " · "
                <span class="live-stock">{move || live.get().map(|p| p.stock.to_string()).unwrap_or_default()}</span>
                " in stock"
            </td>
            <td>
                <input class="price-input" inputmode="decimal" size="8" aria-label="Price"
                    prop:value=move || price_text.get()
                    on:input=move |ev| price_text.set(event_target_value(&ev)) />
            </td>
            <td>
                <input class="stock-input" inputmode="numeric" size="6" aria-label="Stock"
                    prop:value=move || stock_text.get()
                    on:input=move |ev| stock_text.set(event_target_value(&ev)) />
            </td>
            <td>
                <button class="save" on:click=save disabled=move || saving.get()>"Save"</button>
                <button class="history" on:click=move |_| chosen.set(Some(history_id.clone()))>"Price history"</button>
                <span class="row-status" class:error=move || status.get().is_some_and(|(ok, _)| !ok)>
                    {move || status.get().map(|(_, message)| message).unwrap_or_default()}
                </span>
            </td>
        </tr>
    }
}

/// A product's price history as a plot, read again as the feed moves.
#[component]
pub fn PriceHistoryView(product_id: String) -> impl IntoView {
    let dash = expect_context::<Dash>();
    let history = RwSignal::new(None::<PriceHistory>);
    let rules = RwSignal::new(None::<Vec<PriceRule>>);
    let failed = RwSignal::new(None::<String>);
    let id = product_id.clone();
    keep_reading(
        dash,
        move || id.clone(),
        |api, id| async move { api.price_history(&id).await },
        history,
        failed,
    );
    keep_reading(
        dash,
        || (),
        |api, ()| async move { api.price_rules().await },
        rules,
        failed,
    );
    let title = {
        let id = product_id.clone();
        move || {
            dash.products
                .with(|all| all.iter().find(|p| p.id == id).map(|p| p.title.clone()))
                .unwrap_or_else(|| id.clone())
        }
    };
    let id = product_id.clone();
    view! {
        <section class="plot price-history-panel" data-product=product_id.clone()>
            <h2>"Price history: " {title}</h2>
            <Show when=move || failed.get().is_some()>
                <p class="error" role="alert">{move || failed.get().unwrap_or_default()}</p>
            </Show>
            {move || {
                let id = id.clone();
                history.get().map(|history| {
                    let current = dash.products.with_untracked(|all| {
                        all.iter().find(|p| p.id == id).map(|p| p.price.clone())
                    });
                    let rule_names: HashMap<String, String> = rules
                        .get()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|rule| (rule.id, rule.name))
                        .collect();
                    view! { <PriceHistoryChart history current rule_names /> }
                })
            }}
        </section>
    }
}
