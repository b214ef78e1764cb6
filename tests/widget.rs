//! The publisher cart widget in headless Chrome (wasm-bindgen-test): what
//! the page and the shopper see of it.

#![cfg(target_arch = "wasm32")]

use kiosk::config::AdConfig;
use kiosk::widget::{
    mount, start, MountError, HOST_TAG, MOUNTED_ATTRIBUTE, READY_ATTRIBUTE, UNAVAILABLE_ATTRIBUTE,
};
use kiosk_wire::{Cart, Session};
use leptos::prelude::Set;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A platform that refuses connections (port 9 on loopback).
fn offline() -> AdConfig {
    AdConfig {
        platform: "http://127.0.0.1:9".into(),
        locale: "en-US".into(),
        ..AdConfig::default()
    }
}

/// A fresh `<kiosk-cart>` host element on the test page.
fn host() -> web_sys::Element {
    let host = document().create_element(HOST_TAG).unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    host
}

/// Lets effects and observers run.
async fn settle() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

fn session(items: i64) -> Session {
    Session {
        id: "ses_w".into(),
        token: "kst_w".into(),
        attribution: Default::default(),
        cart: Cart {
            item_count: items,
            ..Cart::default()
        },
    }
}

/// The page's CSS cannot hide or restyle the widget: a page rule
/// `button { display: none }` leaves the widget's cart button visible.
#[wasm_bindgen_test]
async fn page_styles_do_not_reach_the_widget() {
    let style = document().create_element("style").unwrap();
    style.set_text_content(Some("button { display: none !important; color: red; }"));
    document().head().unwrap().append_child(&style).unwrap();

    let host = host();
    mount(&host, offline()).unwrap();
    settle().await;

    let root = host
        .shadow_root()
        .expect("the widget lives in a shadow root");
    let button = root.query_selector(".kiosk-cart-button").unwrap().unwrap();
    let shown = web_sys::window()
        .unwrap()
        .get_computed_style(&button)
        .unwrap()
        .unwrap();
    assert_ne!(shown.get_property_value("display").unwrap(), "none");
    assert!(
        document()
            .query_selector(".kiosk-cart-button")
            .unwrap()
            .is_none(),
        "nothing leaks out"
    );
    style.remove();
}

/// The same tag twice mounts one widget: the second mount is refused.
#[wasm_bindgen_test]
fn second_mount_in_the_same_host_is_refused() {
    let host = host();
    assert!(mount(&host, offline()).is_ok());
    assert_eq!(
        mount(&host, offline()).err(),
        Some(MountError::AlreadyMounted)
    );
    assert!(host.has_attribute(MOUNTED_ATTRIBUTE));
    let buttons = host
        .shadow_root()
        .unwrap()
        .query_selector_all(".kiosk-cart-button")
        .unwrap();
    assert_eq!(buttons.length(), 1);
}

/// A `data-kiosk-add` button the page adds after the widget loaded is taken
/// over, and its click goes to the platform (here unreachable, so the
/// widget says so instead of failing silently).
#[wasm_bindgen_test]
async fn buttons_added_later_are_taken_over() {
    let host = host();
    let shop = mount(&host, offline()).unwrap();
    shop.session.set(Some(session(0)));

    let button: web_sys::HtmlElement = document()
        .create_element("button")
        .unwrap()
        .unchecked_into();
    button.set_attribute("data-kiosk-add", "").unwrap();
    button
        .set_attribute("data-product", "prd_camp-mug")
        .unwrap();
    button.set_text_content(Some("Buy for 0.01"));
    document().body().unwrap().append_child(&button).unwrap();
    settle().await;
    assert!(
        button.has_attribute(READY_ATTRIBUTE),
        "the observer saw the new button"
    );

    button.click();
    let root = host.shadow_root().unwrap();
    let mut notice = None;
    for _ in 0..100 {
        settle().await;
        notice = root
            .query_selector("[role=alert]")
            .unwrap()
            .and_then(|n| n.text_content());
        if notice.is_some() {
            break;
        }
    }
    assert_eq!(
        notice.as_deref(),
        Some("The shop can't be reached right now. Please try again.")
    );
}

/// Cart changes reach the page as `kiosk:cart-changed` with the platform's
/// item count.
#[wasm_bindgen_test]
async fn cart_changes_are_announced_to_the_page() {
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::<f64>::new()));
    let record = seen.clone();
    let listener = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::CustomEvent)>::new(
        move |event: web_sys::CustomEvent| {
            let count = js_sys::Reflect::get(&event.detail(), &"itemCount".into()).unwrap();
            record.borrow_mut().push(count.as_f64().unwrap());
        },
    );
    web_sys::window()
        .unwrap()
        .add_event_listener_with_callback("kiosk:cart-changed", listener.as_ref().unchecked_ref())
        .unwrap();
    listener.forget();

    let shop = mount(&host(), offline()).unwrap();
    shop.session.set(Some(session(3)));
    settle().await;
    assert_eq!(seen.borrow().last(), Some(&3.0));
}

/// With the platform unreachable, the page's buttons say so (an attribute
/// the page can style, `aria-disabled` and a title) and the page keeps
/// working.
#[wasm_bindgen_test]
async fn unreachable_platform_is_said_on_the_page_buttons() {
    let button = document().create_element("button").unwrap();
    button.set_attribute("data-kiosk-add", "").unwrap();
    button
        .set_attribute("data-product", "prd_head-torch")
        .unwrap();
    document().body().unwrap().append_child(&button).unwrap();

    let shop = mount(&host(), offline()).unwrap();
    start(shop);
    for _ in 0..100 {
        settle().await;
        if button.has_attribute(UNAVAILABLE_ATTRIBUTE) {
            break;
        }
    }
    assert!(button.has_attribute(UNAVAILABLE_ATTRIBUTE));
    assert_eq!(
        button.get_attribute("aria-disabled").as_deref(),
        Some("true")
    );
    assert_eq!(
        button.get_attribute("title").as_deref(),
        Some("The shop can't be reached right now. Please try again.")
    );
}
