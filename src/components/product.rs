//! One product in the ad: image, title, price, stock, details, add to cart.

use kiosk_wire::{EventKind, Product};
use leptos::prelude::*;

use crate::format;
use crate::shop::Shop;

/// One product card. Its add button is disabled when the product is sold
/// out or a cart change is on its way.
#[component]
pub fn ProductCard(product: Product) -> impl IntoView {
    let shop = expect_context::<Shop>();
    let config = shop.config.get_value();
    let (details_open, set_details_open) = signal(false);
    let price = format::price(&product.price, &config.locale);
    let stock = format::stock(product.stock);
    let sold_out = product.stock <= 0;
    let image = config.resolve(&product.image_url);
    let description = product.description.clone();
    let id = product.id.clone();
    let title = product.title.clone();
    let in_cart = {
        let id = id.clone();
        move || {
            shop.session.with(|s| {
                s.as_ref()
                    .and_then(|s| s.cart.lines.iter().find(|line| line.product.id == id))
                    .map(|line| line.quantity)
            })
        }
    };
    let toggle_details = {
        let id = id.clone();
        move |_| {
            if !details_open.get_untracked() {
                shop.track(EventKind::ProductView, Some(&id));
            }
            set_details_open.update(|open| *open = !*open);
        }
    };
    let add = {
        let id = id.clone();
        move |_| shop.add(id.clone())
    };

    view! {
        <article class="kiosk-product" data-product=id.clone()>
            <img class="kiosk-image" src=image alt=title.clone() width="96" height="96"/>
            <h3 class="kiosk-title">{title.clone()}</h3>
            <p class="kiosk-price">{price}</p>
            <p class="kiosk-stock" class:kiosk-sold-out=sold_out>{stock}</p>
            <button
                class="kiosk-add"
                disabled=move || sold_out || shop.busy.get()
                aria-label=format!("Add {title} to cart")
                on:click=add
            >
                {move || match in_cart() {
                    Some(quantity) => format!("Add another ({quantity} in cart)"),
                    None if sold_out => "Sold out".to_string(),
                    None => "Add to cart".to_string(),
                }}
            </button>
            <button
                class="kiosk-details-toggle"
                aria-expanded=move || details_open.get().to_string()
                on:click=toggle_details
            >
                {move || if details_open.get() { "Hide details" } else { "Details" }}
            </button>
            <Show when=move || details_open.get()>
                <p class="kiosk-description">{description.clone()}</p>
            </Show>
        </article>
    }
}
