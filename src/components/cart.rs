//! The cart: the header button with its count, and the cart overlay.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::sync::{Arc, Mutex};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, Node};

use crate::format;
use crate::shop::{Screen, Shop};

/// "Cart (n)": opens the cart overlay.
#[component]
pub fn CartButton() -> impl IntoView {
    let shop = expect_context::<Shop>();
    view! {
        <button
            class="kiosk-cart-button"
            aria-label=move || format!("Cart, {} items", shop.item_count())
            on:click=move |_| shop.screen.set(Screen::Cart)
        >
            "Cart (" <span class="kiosk-cart-count">{move || shop.item_count()}</span> ")"
        </button>
    }
}

/// A dialog inside the ad's frame: focus moves into it when it opens,
/// Escape or its close button return to the products, and focus goes back
/// to where it was (see [`focus_back`]).
#[component]
pub fn Overlay(title: &'static str, children: Children) -> impl IntoView {
    let shop = expect_context::<Shop>();
    let dialog = NodeRef::<html::Div>::new();
    // Filled when the dialog is in the page, read when it leaves.
    let opened_from = Arc::new(Mutex::new(None::<SendWrapper<(Node, Option<HtmlElement>)>>));
    on_cleanup({
        let opened_from = opened_from.clone();
        move || {
            if let Some(opened) = opened_from.lock().ok().and_then(|mut o| o.take()) {
                let (root, opener) = opened.take();
                focus_back(&root, opener);
            }
        }
    });
    dialog.on_load(move |element| {
        let root = element.get_root_node();
        let opener = active_element(&root);
        if let Ok(mut slot) = opened_from.lock() {
            *slot = Some(SendWrapper::new((root, opener)));
        }
        // Focus the first field or button, so keyboard users land inside.
        let first = element
            .query_selector("input, select, button:not(.kiosk-close)")
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<HtmlElement>().ok());
        let _ = first.map(|el| el.focus());
    });
    let on_key = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            shop.close_overlay();
        }
    };
    let heading = format!("kiosk-dialog-{}", title.to_lowercase().replace(' ', "-"));
    let labelled_by = heading.clone();
    view! {
        <div
            class="kiosk-overlay"
            role="dialog"
            aria-modal="true"
            aria-labelledby=labelled_by
            node_ref=dialog
            on:keydown=on_key
        >
            <div class="kiosk-overlay-header">
                <h2 id=heading>{title}</h2>
                <button class="kiosk-close" aria-label="Close" on:click=move |_| shop.close_overlay()>
                    "×"
                </button>
            </div>
            {children()}
        </div>
    }
}

/// The focused element of a document or shadow root.
fn active_element(root: &Node) -> Option<HtmlElement> {
    let active = if let Some(document) = root.dyn_ref::<web_sys::Document>() {
        document.active_element()
    } else {
        root.dyn_ref::<web_sys::ShadowRoot>()?.active_element()
    };
    active?.dyn_into::<HtmlElement>().ok()
}

/// Gives focus back when a dialog closes: to the element that had it when
/// the dialog opened, or, if that is gone (the cart's Checkout button once
/// checkout replaced the cart), to the cart button.
fn focus_back(root: &Node, opener: Option<HtmlElement>) {
    let fallback = || {
        let found = if let Some(document) = root.dyn_ref::<web_sys::Document>() {
            document.query_selector(".kiosk-cart-button")
        } else {
            root.dyn_ref::<web_sys::ShadowRoot>()?
                .query_selector(".kiosk-cart-button")
        };
        found.ok().flatten()?.dyn_into::<HtmlElement>().ok()
    };
    let target = opener.filter(|el| el.is_connected()).or_else(fallback);
    if let Some(target) = target {
        let _ = target.focus();
    }
}

/// The cart's lines with quantity controls and the platform's subtotal.
#[component]
pub fn CartView() -> impl IntoView {
    let shop = expect_context::<Shop>();
    let locale = shop.config.get_value().locale;
    let lines = move || {
        shop.session
            .with(|s| s.as_ref().map(|s| s.cart.lines.clone()).unwrap_or_default())
    };
    let subtotal = move || shop.subtotal_text();

    view! {
        <Overlay title="Your cart">
            <Show
                when=move || !lines().is_empty()
                fallback=|| view! { <p class="kiosk-cart-empty">"Your cart is empty."</p> }
            >
                <ul class="kiosk-cart-lines">
                    {
                        let locale = locale.clone();
                        move || {
                            lines()
                                .into_iter()
                                .map(|line| {
                                    let id = line.product.id.clone();
                                    let less = {
                                        let id = id.clone();
                                        move |_| shop.set_quantity(id.clone(), line.quantity - 1)
                                    };
                                    let more = {
                                        let id = id.clone();
                                        move |_| shop.set_quantity(id.clone(), line.quantity + 1)
                                    };
                                    view! {
                                        <li class="kiosk-cart-line" data-product=id.clone()>
                                            <span class="kiosk-line-title">{line.product.title.clone()}</span>
                                            <button aria-label=format!("One fewer {}", line.product.title) on:click=less>"−"</button>
                                            <span class="kiosk-line-quantity">{line.quantity}</span>
                                            <button aria-label=format!("One more {}", line.product.title) on:click=more>"+"</button>
                                            <span class="kiosk-line-total">{format::price(&line.line_total, &locale)}</span>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }
                    }
                </ul>
                <p class="kiosk-subtotal">"Subtotal: " {subtotal}</p>
                <button class="kiosk-checkout" on:click=move |_| shop.start_checkout()>"Checkout"</button>
            </Show>
        </Overlay>
    }
}
