//! The ad's components in headless Chrome (wasm-bindgen-test): what a
//! shopper sees in the DOM, and price text from the browser's `Intl`.

#![cfg(target_arch = "wasm32")]

use kiosk::components::{ProductCard, Unavailable};
use kiosk::config::AdConfig;
use kiosk::format;
use kiosk_wire::{Money, Product};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn config(locale: &str) -> AdConfig {
    AdConfig {
        platform: "https://platform.example".into(),
        placement: "pl_test".into(),
        locale: locale.into(),
    }
}

fn product(stock: i64) -> Product {
    Product {
        id: "prd_tent".into(),
        title: "Two Person Tent".into(),
        description: "Pitches in four minutes.".into(),
        image_url: "/media/products/prd_tent.svg".into(),
        price: Money {
            amount_minor: 24999,
            currency: "EUR".into(),
        },
        stock,
    }
}

/// Mounts a view into a fresh `<div>` on the test page and returns the div.
fn mount<V: IntoView + 'static>(view: impl FnOnce() -> V + 'static) -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    // The handle unmounts on drop; the test page lives only for this run.
    std::mem::forget(leptos::mount::mount_to(host.clone(), view));
    host
}

fn text_of(host: &web_sys::HtmlElement, selector: &str) -> Option<String> {
    host.query_selector(selector)
        .unwrap()
        .and_then(|el| el.text_content())
}

/// Lets Leptos run the effects a signal change scheduled.
async fn settle() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 10)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Prices follow the shopper's locale: symbol, separators and placement.
#[wasm_bindgen_test]
fn price_is_formatted_for_the_locale() {
    let money = Money {
        amount_minor: 123456,
        currency: "EUR".into(),
    };
    assert_eq!(format::price(&money, "en-US"), "€1,234.56");
    assert_eq!(format::price(&money, "de-DE"), "1.234,56\u{a0}€");
    let yen = Money {
        amount_minor: 1500,
        currency: "JPY".into(),
    };
    assert_eq!(format::price(&yen, "ja-JP"), "￥1,500");
}

/// A malformed locale from an ad server's URL falls back to en-US instead of
/// throwing; an unknown currency falls back to plain text.
#[wasm_bindgen_test]
fn bad_locale_or_currency_never_throws() {
    let money = Money {
        amount_minor: 1999,
        currency: "EUR".into(),
    };
    assert_eq!(format::price(&money, "not a locale!!"), "€19.99");
    let odd = Money {
        amount_minor: 1999,
        currency: "not-a-code".into(),
    };
    assert_eq!(format::price(&odd, "en-US"), "not-a-code 19.99");
}

/// Stock reads as a shopper expects: plenty, a few left, or sold out.
#[wasm_bindgen_test]
fn stock_states_read_naturally() {
    assert_eq!(format::stock(40), "In stock");
    assert_eq!(format::stock(3), "Only 3 left");
    assert_eq!(format::stock(0), "Sold out");
}

/// A product card shows title, formatted price, stock and an absolute image
/// URL on the platform.
#[wasm_bindgen_test]
fn product_card_renders_title_price_and_stock() {
    let host = mount(|| view! { <ProductCard product=product(2) config=config("en-US")/> });
    assert_eq!(
        text_of(&host, ".kiosk-title").as_deref(),
        Some("Two Person Tent")
    );
    assert_eq!(text_of(&host, ".kiosk-price").as_deref(), Some("€249.99"));
    assert_eq!(
        text_of(&host, ".kiosk-stock").as_deref(),
        Some("Only 2 left")
    );
    let image = host.query_selector(".kiosk-image").unwrap().unwrap();
    assert_eq!(
        image.get_attribute("src").as_deref(),
        Some("https://platform.example/media/products/prd_tent.svg")
    );
}

/// Clicking "Details" reveals the description; clicking again hides it.
#[wasm_bindgen_test]
async fn details_toggle_shows_and_hides_the_description() {
    let host = mount(|| view! { <ProductCard product=product(10) config=config("en-US")/> });
    assert_eq!(text_of(&host, ".kiosk-description"), None);
    let toggle: web_sys::HtmlElement = host
        .query_selector(".kiosk-details-toggle")
        .unwrap()
        .unwrap()
        .unchecked_into();

    toggle.click();
    settle().await;
    assert_eq!(
        text_of(&host, ".kiosk-description").as_deref(),
        Some("Pitches in four minutes.")
    );
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );

    toggle.click();
    settle().await;
    assert_eq!(text_of(&host, ".kiosk-description"), None);
    assert_eq!(toggle.text_content().as_deref(), Some("Details"));
}

/// The creative's URL sets platform, placement and locale; missing values
/// fall back to the creative's origin, the default placement and the
/// browser's locale.
#[wasm_bindgen_test]
fn config_reads_the_creative_url() {
    let full = AdConfig::from_query(
        "?platform=https%3A%2F%2Fp.example%2F&placement=pl_top&locale=fr-FR",
        "https://cdn.example",
        "en-GB",
    );
    assert_eq!(full.platform, "https://p.example");
    assert_eq!(full.placement, "pl_top");
    assert_eq!(full.locale, "fr-FR");

    let bare = AdConfig::from_query("", "https://cdn.example", "en-GB");
    assert_eq!(bare.platform, "https://cdn.example");
    assert_eq!(bare.placement, kiosk::config::DEFAULT_PLACEMENT);
    assert_eq!(bare.locale, "en-GB");
}

/// The unavailable state is a calm status message, not an error.
#[wasm_bindgen_test]
fn unavailable_state_is_a_status_message() {
    let host = mount(|| view! { <Unavailable/> });
    let status = host.query_selector("[role=status]").unwrap().unwrap();
    assert_eq!(
        status.text_content().as_deref(),
        Some("Products are unavailable right now.")
    );
}
