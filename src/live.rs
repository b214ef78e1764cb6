//! Live updates: the ad follows the platform's stream for its placement, so
//! a price or stock change shows in a visible ad without a reload.
//!
//! The stream is Server-Sent Events (`EventSource`), which reconnects by
//! itself after a network drop. A `lagged` message means updates were lost;
//! the ad then reads its products again.

use kiosk_wire::LiveUpdate;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::shop::Shop;

/// Subscribes `shop` to its placement's live stream for the page's
/// lifetime. Does nothing where `EventSource` is unavailable.
pub fn subscribe(shop: Shop) {
    let config = shop.config.get_value();
    let url = shop.platform.get_value().live_url(&config.placement);
    let Ok(source) = web_sys::EventSource::new(&url) else {
        return;
    };

    let on_product =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
            let Some(data) = message.data().as_string() else {
                return;
            };
            if let Ok(LiveUpdate::Product { product }) =
                crate::api::from_json::<LiveUpdate>(&data).ok_or(())
            {
                shop.products.update(|products| {
                    if let Some(shown) = products.iter_mut().find(|p| p.id == product.id) {
                        *shown = product;
                    }
                });
            }
        });
    let on_lagged = Closure::<dyn Fn()>::new(move || shop.reload());
    let on_ready = Closure::<dyn Fn()>::new(move || shop.live.set(true));
    let on_error = Closure::<dyn Fn()>::new(move || shop.live.set(false));
    let _ = source.add_event_listener_with_callback("product", on_product.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("lagged", on_lagged.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("ready", on_ready.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
    // The listeners, and the stream, live as long as the ad.
    on_product.forget();
    on_lagged.forget();
    on_ready.forget();
    on_error.forget();
    std::mem::forget(source);
}
