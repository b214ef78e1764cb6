//! One product in the ad: image, title, price, stock, variant choice,
//! details, add to cart.

use kiosk_wire::{EventKind, Money, Product, Variant};
use leptos::prelude::*;

use crate::format;
use crate::shop::Shop;

/// What the card sells right now: the product itself, or the variant the
/// shopper chose (by default the first one in stock).
#[derive(Clone, PartialEq)]
struct Offer {
    id: String,
    price: Money,
    stock: i64,
    sellable: bool,
}

impl Offer {
    fn of(product: &Product, chosen: Option<&str>) -> Offer {
        if product.variants.is_empty() {
            return Offer {
                id: product.id.clone(),
                price: product.price.clone(),
                stock: product.stock,
                sellable: product.available && product.stock > 0,
            };
        }
        let variant: &Variant = chosen
            .and_then(|id| product.variants.iter().find(|v| v.id == id))
            .or_else(|| product.variants.iter().find(|v| v.sellable()))
            .unwrap_or(&product.variants[0]);
        Offer {
            id: variant.id.clone(),
            price: variant.price.clone(),
            stock: if variant.available { variant.stock } else { 0 },
            sellable: variant.sellable(),
        }
    }
}

/// One product card. With variants it shows a choice of them and sells the
/// chosen one; its add button is disabled when that is sold out or a cart
/// change is on its way.
#[component]
pub fn ProductCard(product: Product) -> impl IntoView {
    let shop = expect_context::<Shop>();
    let config = shop.config.get_value();
    let (details_open, set_details_open) = signal(false);
    let image = config.resolve(&product.image_url);
    let description = product.description.clone();
    let attributes = product.attributes.clone();
    let id = product.id.clone();
    let title = product.title.clone();
    let locale = config.locale.clone();

    let offer = {
        let product = product.clone();
        Memo::new(move |_| {
            shop.choices
                .with(|choices| Offer::of(&product, choices.get(&product.id).map(String::as_str)))
        })
    };
    let in_cart = move || {
        let wanted = offer.with(|o| o.id.clone());
        shop.session.with(|s| {
            s.as_ref()
                .and_then(|s| s.cart.lines.iter().find(|line| line.product.id == wanted))
                .map(|line| line.quantity)
        })
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
    let add = move |_| shop.add(offer.with_untracked(|o| o.id.clone()));
    let sold_out = move || offer.with(|o| !o.sellable);

    let picker = (!product.variants.is_empty()).then(|| {
        let choose = {
            let id = id.clone();
            move |ev| {
                let variant = event_target_value(&ev);
                shop.track(EventKind::ProductView, Some(&variant));
                shop.choices.update(|choices| {
                    choices.insert(id.clone(), variant);
                });
            }
        };
        let options = product
            .variants
            .iter()
            .map(|variant| {
                let label = if variant.sellable() {
                    variant.option.clone()
                } else {
                    format!("{} (sold out)", variant.option)
                };
                let value = variant.id.clone();
                let selected = {
                    let value = value.clone();
                    move || offer.with(|o| o.id == value)
                };
                view! {
                    <option value=value disabled=!variant.sellable() selected=selected>
                        {label}
                    </option>
                }
            })
            .collect_view();
        view! {
            <select
                class="kiosk-variant"
                aria-label=format!("Choose {title}")
                on:change=choose
            >
                {options}
            </select>
        }
    });

    view! {
        <article class="kiosk-product" data-product=id.clone()>
            <img class="kiosk-image" src=image alt=title.clone() width="96" height="96"/>
            <h3 class="kiosk-title">{title.clone()}</h3>
            <p class="kiosk-price">{move || offer.with(|o| format::price(&o.price, &locale))}</p>
            <p class="kiosk-stock" class:kiosk-sold-out=sold_out>
                {move || offer.with(|o| format::stock(o.stock))}
            </p>
            {picker}
            <button
                class="kiosk-add"
                disabled=move || sold_out() || shop.busy.get()
                aria-label=format!("Add {title} to cart")
                on:click=add
            >
                {move || match in_cart() {
                    Some(quantity) => format!("Add another ({quantity} in cart)"),
                    None if sold_out() => "Sold out".to_string(),
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
                <dl class="kiosk-attributes">
                    {attributes
                        .iter()
                        .map(|(name, value)| view! { <dt>{name.clone()}</dt><dd>{value.clone()}</dd> })
                        .collect_view()}
                </dl>
            </Show>
        </article>
    }
}
