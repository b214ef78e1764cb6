//! The ad's Leptos views, one job each.
//!
//! [`AdUnit`] loads the placement's products in one platform request and
//! shows them as [`ProductCard`]s; while it waits it shows a placeholder and
//! if the platform fails it shows [`Unavailable`] instead of an error.

use kiosk_wire::Product;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::Platform;
use crate::config::AdConfig;
use crate::format;

/// Where the ad's product request stands.
#[derive(Clone, Debug, PartialEq)]
enum Products {
    Loading,
    Ready(Vec<Product>),
    Failed,
}

/// The whole ad: asks the platform once, then paints the products.
#[component]
pub fn AdUnit(config: AdConfig) -> impl IntoView {
    let (products, set_products) = signal(Products::Loading);
    let platform = Platform::new(&config.platform);
    let placement = config.placement.clone();
    spawn_local(async move {
        let next = match platform.placement_products(&placement).await {
            Ok(answer) => Products::Ready(answer.products),
            Err(failure) => {
                leptos::logging::warn!("kiosk ad: {failure}");
                Products::Failed
            }
        };
        set_products.set(next);
    });

    view! {
        <section class="kiosk-ad" aria-label="Shop this ad">
            {move || match products.get() {
                Products::Loading => view! { <p class="kiosk-loading">"Loading products…"</p> }.into_any(),
                Products::Failed => view! { <Unavailable/> }.into_any(),
                Products::Ready(list) => {
                    let config = config.clone();
                    view! {
                        <ul class="kiosk-products">
                            {list
                                .into_iter()
                                .map(|product| {
                                    view! {
                                        <li>
                                            <ProductCard product=product config=config.clone()/>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// One product: image, title, price for the shopper's locale, stock, and a
/// details toggle.
#[component]
pub fn ProductCard(product: Product, config: AdConfig) -> impl IntoView {
    let (details_open, set_details_open) = signal(false);
    let price = format::price(&product.price, &config.locale);
    let stock = format::stock(product.stock);
    let image = config.resolve(&product.image_url);
    let description = product.description.clone();

    view! {
        <article class="kiosk-product" data-product=product.id.clone()>
            <img class="kiosk-image" src=image alt=product.title.clone() width="96" height="96"/>
            <h3 class="kiosk-title">{product.title.clone()}</h3>
            <p class="kiosk-price">{price}</p>
            <p class="kiosk-stock">{stock}</p>
            <button
                class="kiosk-details-toggle"
                aria-expanded=move || details_open.get().to_string()
                on:click=move |_| set_details_open.update(|open| *open = !*open)
            >
                {move || if details_open.get() { "Hide details" } else { "Details" }}
            </button>
            <Show when=move || details_open.get()>
                <p class="kiosk-description">{description.clone()}</p>
            </Show>
        </article>
    }
}

/// What the ad shows when the platform cannot answer: a calm message, never
/// an error dump.
#[component]
pub fn Unavailable() -> impl IntoView {
    view! { <p class="kiosk-unavailable" role="status">"Products are unavailable right now."</p> }
}
