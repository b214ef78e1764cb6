//! Live updates: the ad follows the platform's stream for its placement, so
//! a price or stock change shows in a visible ad without a reload, and the
//! ad and the cart widget follow their session's cart, so a line added in
//! one shows in the other at once. A price or availability change to a
//! product in the cart makes them read the cart again, so its prices and
//! the checkout's total follow (the cart widget names its merchant to get
//! those changes).
//!
//! The stream is Server-Sent Events (`EventSource`), which reconnects by
//! itself after a network drop. A `lagged` message means updates were lost;
//! the ad then reads its products again.
//!
//! Each event's data is a `kiosk_wire::LiveUpdate`; the event's name says
//! which kind, so each is read into a plain struct of its fields: serde's
//! tagged-enum machinery would cost the wasm bytes for nothing.

use kiosk_wire::{Cart, Product};
use leptos::prelude::*;
use serde::Deserialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::shop::Shop;

/// The data of a `product` event.
#[derive(Deserialize)]
struct ProductChange {
    product: Product,
}

/// The data of a `cart` event.
#[derive(Deserialize)]
struct CartChange {
    session: String,
    cart: Cart,
}

/// Whether `changed` moved the price or availability of a line in the
/// session's cart (the product itself or one of its variants). Stock moves
/// with every sale, so a stock change alone does not make every open cart
/// holding the product read itself again.
fn cart_is_stale(shop: Shop, changed: &Product) -> bool {
    shop.session.with_untracked(|s| {
        s.as_ref().is_some_and(|s| {
            s.cart.lines.iter().any(|line| {
                let now = if line.product.id == changed.id {
                    Some((&changed.price, changed.available))
                } else {
                    changed
                        .variants
                        .iter()
                        .find(|v| v.id == line.product.id)
                        .map(|v| (&v.price, v.available))
                };
                now.is_some_and(|(price, available)| {
                    *price != line.unit_price || available != line.product.available
                })
            })
        })
    })
}

/// Subscribes `shop` to the live stream of its placement (if it has one)
/// and its session (if it has one yet), replacing any stream it had.
/// Does nothing where `EventSource` is unavailable.
pub fn subscribe(shop: Shop) {
    let config = shop.config.get_value();
    let placement = Some(config.placement.as_str()).filter(|p| !p.is_empty());
    let token = shop.token();
    if placement.is_none() && token.is_none() {
        return;
    }
    let url =
        shop.platform
            .get_value()
            .live_url(placement, token.as_deref(), config.merchant.as_deref());
    let Ok(source) = web_sys::EventSource::new(&url) else {
        return;
    };

    let on_product =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
            let Some(ProductChange { product }) = message
                .data()
                .as_string()
                .and_then(|data| crate::api::from_json(&data))
            else {
                return;
            };
            if cart_is_stale(shop, &product) {
                shop.refresh_cart();
            }
            shop.products.update(|products| {
                if let Some(shown) = products.iter_mut().find(|p| p.id == product.id) {
                    *shown = product;
                }
            });
        });
    let on_cart =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
            let Some(CartChange { session, cart }) = message
                .data()
                .as_string()
                .and_then(|data| crate::api::from_json(&data))
            else {
                return;
            };
            let ours = shop
                .session
                .with_untracked(|s| s.as_ref().is_some_and(|s| s.id == session));
            if ours {
                shop.session.update(|s| {
                    if let Some(s) = s {
                        s.cart = cart;
                    }
                });
            }
        });
    let on_lagged = Closure::<dyn Fn()>::new(move || shop.reload());
    let on_ready = Closure::<dyn Fn()>::new(move || shop.live.set(true));
    let on_error = Closure::<dyn Fn()>::new(move || shop.live.set(false));
    let listen = |name: &str, f: &js_sys::Function| {
        let _ = source.add_event_listener_with_callback(name, f);
    };
    listen("product", on_product.as_ref().unchecked_ref());
    listen("cart", on_cart.as_ref().unchecked_ref());
    listen("lagged", on_lagged.as_ref().unchecked_ref());
    listen("ready", on_ready.as_ref().unchecked_ref());
    listen("error", on_error.as_ref().unchecked_ref());
    // The listeners live as long as the page; the stream until replaced.
    on_product.forget();
    on_cart.forget();
    on_lagged.forget();
    on_ready.forget();
    on_error.forget();
    shop.stream.update_value(|stream| {
        if let Some(old) = stream.replace(source) {
            old.close();
        }
    });
}
