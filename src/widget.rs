//! The publisher's cart widget: a cart button and drawer that one
//! `<script>` tag puts on a page, in a Shadow DOM so the page's CSS and the
//! widget's cannot reach each other.
//!
//! The loader (`www/kiosk.js`) adds a `<kiosk-cart>` element carrying the
//! tag's `data-*` settings and loads this crate's `widget` entry after the
//! page's `load` event; [`boot`] mounts into that element. The widget
//! creates or resumes the shopper's session in the page's own storage,
//! turns page elements marked `data-kiosk-add` into add-to-cart buttons
//! (also those the page adds later), and tells the page what happens with
//! DOM events (`kiosk:cart-changed`, `kiosk:purchase`) and a small
//! `window.Kiosk` object (`open()`, `add(productId, quantity)`).
//!
//! Cart, checkout and confirmation are the ad's own components; only the
//! frame around them differs (a drawer instead of an in-ad overlay).
//! With a `data-merchant`, the widget hands its session to the merchant's
//! ad units on the page ([`crate::bridge`]), and it follows its cart over
//! the platform's live stream, so a line added in an ad shows at once.

use js_sys::{Object, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::browser;
use crate::components::{CartButton, Notice, Screens};
use crate::config::AdConfig;
use crate::host::Host;
use crate::shop::{explain, Screen, Shop};

/// The element the loader adds and the widget mounts into.
pub const HOST_TAG: &str = "kiosk-cart";
/// Set on the host element once a widget lives in it.
pub const MOUNTED_ATTRIBUTE: &str = "data-kiosk-mounted";
/// Marks page elements that add a product to the cart when clicked.
pub const ADD_ATTRIBUTE: &str = "data-kiosk-add";
/// Set on page buttons the widget has taken over.
pub const READY_ATTRIBUTE: &str = "data-kiosk-ready";
/// Set on page buttons while the platform cannot be reached.
pub const UNAVAILABLE_ATTRIBUTE: &str = "data-kiosk-unavailable";
/// The User Timing mark set when the cart button works (session known).
pub const WIDGET_READY_MARK: &str = "kiosk:widget-ready";
/// The widget's stylesheet, inside its shadow root only.
const WIDGET_CSS: &str = concat!(
    include_str!("../style/shop.css"),
    include_str!("../style/widget.css")
);

/// Why a widget was not mounted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MountError {
    /// A widget already lives in this element (the tag is on the page twice).
    AlreadyMounted,
    /// The element cannot hold a shadow root.
    NoShadowRoot,
}

/// The widget's settings from the host element's `data-platform`,
/// `data-key`, `data-merchant`, `data-locale` and `data-ad-origins`
/// attributes.
pub fn config_from(host: &web_sys::Element) -> AdConfig {
    let attribute = |name: &str| host.get_attribute(name).filter(|v| !v.trim().is_empty());
    AdConfig {
        platform: attribute("data-platform")
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_string(),
        key: attribute("data-key").unwrap_or_default(),
        merchant: attribute("data-merchant"),
        locale: attribute("data-locale").unwrap_or_else(browser::language),
        ad_origins: attribute("data-ad-origins")
            .map(|list| list.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
        ..AdConfig::default()
    }
}

/// Entry point of the `widget` binary: mounts into the loader's element.
pub fn boot() {
    let host = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(HOST_TAG).ok().flatten());
    let Some(host) = host else {
        leptos::logging::warn!("kiosk widget: no <{HOST_TAG}> element on the page");
        return;
    };
    let config = config_from(&host);
    if let Ok(shop) = mount(&host, config) {
        start(shop);
    }
}

/// Mounts a widget into `host`'s shadow root, unless one is there already.
pub fn mount(host: &web_sys::Element, config: AdConfig) -> Result<Shop, MountError> {
    if host.has_attribute(MOUNTED_ATTRIBUTE) {
        return Err(MountError::AlreadyMounted);
    }
    let root = match host.shadow_root() {
        Some(root) => root,
        None => host
            .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
            .map_err(|_| MountError::NoShadowRoot)?,
    };
    let _ = host.set_attribute(MOUNTED_ATTRIBUTE, "");
    let document = host.owner_document().ok_or(MountError::NoShadowRoot)?;
    let style = document
        .create_element("style")
        .map_err(|_| MountError::NoShadowRoot)?;
    style.set_text_content(Some(WIDGET_CSS));
    let container: web_sys::HtmlElement = document
        .create_element("div")
        .map_err(|_| MountError::NoShadowRoot)?
        .unchecked_into();
    let _ = root.append_child(&style);
    let _ = root.append_child(&container);

    let shop = Shop::new(config, Host::detect());
    // The widget lives as long as the page.
    std::mem::forget(leptos::mount::mount_to(container, move || {
        provide_context(shop);
        view! { <CartWidget/> }
    }));
    connect_page_buttons(shop);
    announce_to_page(shop);
    crate::bridge::serve(shop);
    Ok(shop)
}

/// Resumes or creates the shopper's session for this page.
pub fn start(shop: Shop) {
    spawn_local(async move {
        let platform = shop.platform.get_value();
        match platform.session(shop.remembered_token().as_deref()).await {
            Ok(session) => {
                shop.remember(&session);
                shop.session.set(Some(session));
                browser::mark(WIDGET_READY_MARK);
                crate::live::subscribe(shop);
            }
            Err(failure) => {
                shop.notice.set(Some(explain(&failure)));
                mark_unavailable();
            }
        }
    });
}

/// The widget on the page: the cart button, a notice, and the drawer.
#[component]
fn CartWidget() -> impl IntoView {
    view! {
        <div class="kiosk-widget">
            <CartButton/>
            <Notice/>
            <Screens/>
        </div>
    }
}

/// Clicks on `[data-kiosk-add]` elements (now or added later) add their
/// `data-product` (`data-quantity` units, default 1) to the cart. Prices in
/// the page's markup are never read: the cart shows the platform's.
fn connect_page_buttons(shop: Shop) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let on_click = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
        let Some(button) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest(&format!("[{ADD_ATTRIBUTE}]")).ok().flatten())
        else {
            return;
        };
        event.prevent_default();
        let Some(product) = button.get_attribute("data-product") else {
            return;
        };
        let quantity = button
            .get_attribute("data-quantity")
            .and_then(|q| q.parse().ok())
            .unwrap_or(1);
        add_when_ready(shop, product, quantity);
    });
    let _ = document.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    on_click.forget();

    // Mark the page's buttons as live, including ones the page adds later.
    mark_buttons(&document);
    let observed = document.clone();
    let on_change = Closure::<dyn Fn()>::new(move || mark_buttons(&observed));
    if let (Ok(observer), Some(body)) = (
        web_sys::MutationObserver::new(on_change.as_ref().unchecked_ref()),
        document.body(),
    ) {
        let options = web_sys::MutationObserverInit::new();
        options.set_child_list(true);
        options.set_subtree(true);
        let _ = observer.observe_with_options(&body, &options);
        std::mem::forget(observer);
    }
    on_change.forget();
}

/// Adds to the cart now, or, while the session is still on its way (the
/// shopper clicked right after the page loaded), as soon as it is known.
/// Once the platform has failed, the add fails at once and says so.
fn add_when_ready(shop: Shop, product: String, quantity: i64) {
    let waiting =
        shop.session.with_untracked(Option::is_none) && shop.notice.with_untracked(Option::is_none);
    if !waiting {
        shop.add_quantity(product, quantity);
        return;
    }
    let mut pending = Some((product, quantity));
    Effect::new(move |_| {
        if shop.session.with(Option::is_some) {
            if let Some((product, quantity)) = pending.take() {
                shop.add_quantity(product, quantity);
            }
        }
    });
}

/// Gives every unmarked `[data-kiosk-add]` element button semantics and
/// marks it as taken over by the widget.
fn mark_buttons(document: &web_sys::Document) {
    let selector = format!("[{ADD_ATTRIBUTE}]:not([{READY_ATTRIBUTE}])");
    let Ok(found) = document.query_selector_all(&selector) else {
        return;
    };
    for index in 0..found.length() {
        if let Some(element) = found
            .item(index)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        {
            let _ = element.set_attribute(READY_ATTRIBUTE, "");
            if element.get_attribute("role").is_none() && element.tag_name() != "BUTTON" {
                let _ = element.set_attribute("role", "button");
            }
        }
    }
}

/// Tells the shopper on every page button that the shop cannot be reached
/// (the page itself keeps working; pages may style the attribute).
fn mark_unavailable() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(found) = document.query_selector_all(&format!("[{ADD_ATTRIBUTE}]")) else {
        return;
    };
    for index in 0..found.length() {
        if let Some(element) = found
            .item(index)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        {
            let _ = element.set_attribute(UNAVAILABLE_ATTRIBUTE, "");
            let _ = element.set_attribute("aria-disabled", "true");
            let _ = element.set_attribute("title", crate::shop::UNAVAILABLE);
        }
    }
}

/// Tells the page about cart changes and purchases (DOM events on
/// `window`) and gives it `window.Kiosk` to open the cart or add items.
fn announce_to_page(shop: Shop) {
    Effect::new(move |_| {
        let detail = shop.session.with(|session| {
            session.as_ref().map(|s| {
                let detail = Object::new();
                let _ = Reflect::set(
                    &detail,
                    &"itemCount".into(),
                    &(s.cart.item_count as f64).into(),
                );
                if let Some(subtotal) = &s.cart.subtotal {
                    let _ = Reflect::set(
                        &detail,
                        &"subtotalMinor".into(),
                        &(subtotal.amount_minor as f64).into(),
                    );
                    let _ = Reflect::set(
                        &detail,
                        &"currency".into(),
                        &subtotal.currency.as_str().into(),
                    );
                }
                detail
            })
        });
        if let Some(detail) = detail {
            dispatch("kiosk:cart-changed", &detail);
        }
    });
    Effect::new(move |_| {
        if let Screen::Confirmed(confirmation) = shop.screen.get() {
            let detail = Object::new();
            let _ = Reflect::set(
                &detail,
                &"orderNumber".into(),
                &confirmation.number.as_str().into(),
            );
            let _ = Reflect::set(
                &detail,
                &"totalMinor".into(),
                &(confirmation.total.amount_minor as f64).into(),
            );
            let _ = Reflect::set(
                &detail,
                &"currency".into(),
                &confirmation.total.currency.as_str().into(),
            );
            dispatch("kiosk:purchase", &detail);
        }
    });

    let api = Object::new();
    let open = Closure::<dyn Fn()>::new(move || shop.screen.set(Screen::Cart));
    let add =
        Closure::<dyn Fn(JsValue, JsValue)>::new(move |product: JsValue, quantity: JsValue| {
            if let Some(product) = product.as_string() {
                let quantity = quantity.as_f64().map(|q| q as i64).unwrap_or(1);
                add_when_ready(shop, product, quantity);
            }
        });
    let _ = Reflect::set(&api, &"open".into(), open.as_ref());
    let _ = Reflect::set(&api, &"add".into(), add.as_ref());
    open.forget();
    add.forget();
    let _ = Reflect::set(&js_sys::global(), &"Kiosk".into(), &api);
}

/// Dispatches a `CustomEvent` named `name` with `detail` on `window`.
fn dispatch(name: &str, detail: &JsValue) {
    let init = web_sys::CustomEventInit::new();
    init.set_detail(detail);
    if let (Some(window), Ok(event)) = (
        web_sys::window(),
        web_sys::CustomEvent::new_with_event_init_dict(name, &init),
    ) {
        let _ = window.dispatch_event(&event);
    }
}
