//! The ad's components in headless Chrome (wasm-bindgen-test): what a
//! shopper sees in the DOM, and price text from the browser's `Intl`.

#![cfg(target_arch = "wasm32")]

use kiosk::api::ApiFailure;
use kiosk::components::{
    validate, CartButton, Checkout, CheckoutForm, Fallback, ProductCard, Screens,
};
use kiosk::config::AdConfig;
use kiosk::format;
use kiosk::host::Host;
use kiosk::shop::{explain, Screen, Shop};
use kiosk::tracking::Viewability;
use kiosk_wire::{ApiError, Cart, CartLine, Money, Product, Session, ShippingOption, Variant};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn config(locale: &str) -> AdConfig {
    AdConfig {
        platform: "https://platform.example".into(),
        placement: "pl_test".into(),
        locale: locale.into(),
        ..AdConfig::default()
    }
}

/// A shop whose platform refuses connections (port 9 on loopback).
fn offline_shop() -> Shop {
    let config = AdConfig {
        platform: "http://127.0.0.1:9".into(),
        ..config("en-US")
    };
    Shop::new(config, Host::detect())
}

fn session(items: i64) -> Session {
    Session {
        id: "ses_test".into(),
        token: "kst_test".into(),
        attribution: Default::default(),
        cart: Cart {
            item_count: items,
            ..Cart::default()
        },
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
        available: true,
        images: Vec::new(),
        attributes: Default::default(),
        variants: Vec::new(),
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

/// Mounts a product card inside a shop with `config`.
fn mount_card(stock: i64, shop: Shop) -> web_sys::HtmlElement {
    mount(move || {
        provide_context(shop);
        view! { <ProductCard product=product(stock)/> }
    })
}

/// A product card shows title, formatted price, stock and an absolute image
/// URL on the platform.
#[wasm_bindgen_test]
fn product_card_renders_title_price_and_stock() {
    let host = mount_card(2, Shop::new(config("en-US"), Host::detect()));
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

/// A jacket in three sizes: S sold out, M, and L at a higher price.
fn jacket() -> Product {
    let size = |option: &str, amount_minor: i64, stock: i64| Variant {
        id: format!("prd_jacket-{}", option.to_lowercase()),
        option: option.into(),
        price: Money {
            amount_minor,
            currency: "EUR".into(),
        },
        stock,
        available: true,
    };
    Product {
        id: "prd_jacket".into(),
        title: "Shell Jacket".into(),
        variants: vec![
            size("S", 19900, 0),
            size("M", 19900, 12),
            size("L", 21900, 2),
        ],
        ..product(14)
    }
}

/// A product with sizes offers them, the sold-out one disabled; it starts
/// on the first size in stock, and choosing another shows that size's price
/// and stock and what of it is already in the cart.
#[wasm_bindgen_test]
async fn variant_choice_shows_the_chosen_size() {
    let shop = Shop::new(config("en-US"), Host::detect());
    let large = jacket().variants[2].clone();
    shop.session.set(Some(Session {
        cart: Cart {
            item_count: 1,
            lines: vec![CartLine {
                product: Product {
                    id: large.id.clone(),
                    title: "Shell Jacket — L".into(),
                    ..product(2)
                },
                quantity: 1,
                unit_price: large.price.clone(),
                line_total: large.price.clone(),
            }],
            ..Cart::default()
        },
        ..session(1)
    }));
    let host = mount(move || {
        provide_context(shop);
        view! { <ProductCard product=jacket()/> }
    });

    let select: web_sys::HtmlSelectElement = host
        .query_selector(".kiosk-variant")
        .unwrap()
        .expect("a size choice")
        .unchecked_into();
    let options: Vec<(String, bool)> = (0..select.length())
        .map(|i| {
            let option: web_sys::HtmlOptionElement = select.item(i).unwrap().unchecked_into();
            (option.text(), option.disabled())
        })
        .collect();
    assert_eq!(
        options,
        [
            ("S (sold out)".to_string(), true),
            ("M".to_string(), false),
            ("L".to_string(), false)
        ]
    );
    assert_eq!(select.value(), "prd_jacket-m");
    assert_eq!(text_of(&host, ".kiosk-price").as_deref(), Some("€199.00"));
    assert_eq!(text_of(&host, ".kiosk-stock").as_deref(), Some("In stock"));
    assert_eq!(text_of(&host, ".kiosk-add").as_deref(), Some("Add to cart"));

    select.set_value("prd_jacket-l");
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    settle().await;
    assert_eq!(text_of(&host, ".kiosk-price").as_deref(), Some("€219.00"));
    assert_eq!(
        text_of(&host, ".kiosk-stock").as_deref(),
        Some("Only 2 left")
    );
    assert_eq!(
        text_of(&host, ".kiosk-add").as_deref(),
        Some("Add another (1 in cart)")
    );
}

/// Clicking "Details" reveals the description; clicking again hides it.
#[wasm_bindgen_test]
async fn details_toggle_shows_and_hides_the_description() {
    let host = mount_card(10, Shop::new(config("en-US"), Host::detect()));
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
    let full = AdConfig::from_url_parts(
        "?platform=https%3A%2F%2Fp.example%2F&placement=pl_top&locale=fr-FR&campaign=cmp_1",
        "#placement=pl_from_fragment&click=https%3A%2F%2Fads.example%2Fclk%3Fu%3D",
        "https://cdn.example",
        "en-GB",
    );
    assert_eq!(full.platform, "https://p.example");
    assert_eq!(
        full.placement, "pl_from_fragment",
        "the fragment wins over the query"
    );
    assert_eq!(full.locale, "fr-FR");
    assert_eq!(full.campaign.as_deref(), Some("cmp_1"));
    assert_eq!(
        full.exit_url("https://shop.example/"),
        "https://ads.example/clk?u=https://shop.example/",
        "every exit goes through the ad server's click prefix"
    );

    let bare = AdConfig::from_url_parts("", "", "https://cdn.example", "en-GB");
    assert_eq!(bare.platform, "https://cdn.example");
    assert_eq!(bare.placement, kiosk::config::DEFAULT_PLACEMENT);
    assert_eq!(bare.locale, "en-GB");
}

/// The fallback is the merchant's exit link through the click prefix, as a
/// status, never an error.
#[wasm_bindgen_test]
fn fallback_links_to_the_landing_page_through_the_click_prefix() {
    let config = AdConfig {
        click_prefix: "https://ads.example/clk?u=".into(),
        landing: Some("https://shop.example/".into()),
        ..config("en-US")
    };
    let shop = Shop::new(config, Host::detect());
    let host = mount(move || {
        provide_context(shop);
        view! { <Fallback/> }
    });
    let link = host.query_selector("[role=status] a").unwrap().unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://ads.example/clk?u=https://shop.example/")
    );
    assert_eq!(link.text_content().as_deref(), Some("Visit the shop"));
}

/// Without a landing page the fallback is a calm line of text.
#[wasm_bindgen_test]
fn fallback_without_landing_is_a_status_line() {
    let host = mount(|| view! { <Fallback/> });
    let status = host.query_selector("[role=status]").unwrap().unwrap();
    assert_eq!(
        status.text_content().as_deref(),
        Some("Products are unavailable right now.")
    );
}

/// A sold-out product's add button is disabled and says so.
#[wasm_bindgen_test]
fn sold_out_product_cannot_be_added() {
    let host = mount_card(0, Shop::new(config("en-US"), Host::detect()));
    let add = host.query_selector(".kiosk-add").unwrap().unwrap();
    assert!(add.has_attribute("disabled"));
    assert_eq!(add.text_content().as_deref(), Some("Sold out"));
    assert_eq!(text_of(&host, ".kiosk-stock").as_deref(), Some("Sold out"));
}

/// The cart button shows the platform's item count and follows changes.
#[wasm_bindgen_test]
async fn cart_button_shows_the_item_count() {
    let shop = Shop::new(config("en-US"), Host::detect());
    shop.session.set(Some(session(2)));
    let host = mount(move || {
        provide_context(shop);
        view! { <CartButton/> }
    });
    assert_eq!(text_of(&host, ".kiosk-cart-count").as_deref(), Some("2"));
    shop.session.set(Some(session(5)));
    settle().await;
    assert_eq!(text_of(&host, ".kiosk-cart-count").as_deref(), Some("5"));
    let button = host.query_selector("button").unwrap().unwrap();
    assert_eq!(
        button.get_attribute("aria-label").as_deref(),
        Some("Cart, 5 items")
    );
}

/// Adding to cart while the platform is unreachable shows a clear,
/// recoverable message and re-enables the button.
#[wasm_bindgen_test]
async fn add_to_cart_with_platform_down_explains_and_recovers() {
    let shop = offline_shop();
    shop.session.set(Some(session(0)));
    let host = mount(move || {
        provide_context(shop);
        view! {
            <ProductCard product=product(5)/>
            <kiosk::components::Notice/>
        }
    });
    let add: web_sys::HtmlElement = host
        .query_selector(".kiosk-add")
        .unwrap()
        .unwrap()
        .unchecked_into();
    add.click();
    for _ in 0..100 {
        settle().await;
        if text_of(&host, "[role=alert]").is_some() {
            break;
        }
    }
    assert_eq!(
        text_of(&host, "[role=alert]").as_deref(),
        Some("The shop can't be reached right now. Please try again.")
    );
    assert!(!add.has_attribute("disabled"), "the shopper can try again");
}

fn filled_form() -> CheckoutForm {
    CheckoutForm {
        email: "ada@example.com".into(),
        name: "Ada Lovelace".into(),
        line1: "1 Analytical Way".into(),
        city: "London".into(),
        postal_code: "N1 9GU".into(),
        country: "gb".into(),
        shipping_option: "standard".into(),
        card_number: "4242 4242 4242 4242".into(),
        expiry: "12/30".into(),
        cvc: "123".into(),
    }
}

/// A complete form passes; each kind of mistake names its field.
#[wasm_bindgen_test]
fn checkout_validation_names_each_bad_field() {
    assert_eq!(validate(&filled_form()), vec![]);
    let request = filled_form().to_request();
    assert_eq!(request.shipping_address.country, "GB");

    let bad = CheckoutForm {
        email: "ada-at-example".into(),
        name: " ".into(),
        country: "GBR".into(),
        card_number: "4242".into(),
        expiry: "13/30".into(),
        cvc: "12a".into(),
        ..filled_form()
    };
    let fields: Vec<&str> = validate(&bad).into_iter().map(|(field, _)| field).collect();
    assert_eq!(
        fields,
        ["email", "name", "country", "card_number", "expiry", "cvc"]
    );
}

/// MRC rule with a fake clock: half the pixels for a continuous second.
#[wasm_bindgen_test]
fn viewability_needs_half_in_view_for_one_continuous_second() {
    let mut rule = Viewability::new();
    assert!(!rule.observe(0.0, 0.6));
    assert_eq!(rule.due_at(), Some(1000.0));
    assert!(!rule.observe(999.0, 0.6), "not yet a full second");
    assert!(
        rule.observe(1000.0, 0.5),
        "exactly half for exactly a second counts"
    );
    assert!(!rule.observe(5000.0, 1.0), "fires once per ad");
    assert!(rule.fired());
}

/// Dropping below half restarts the second; below half never counts.
#[wasm_bindgen_test]
fn viewability_restarts_when_the_ad_leaves_view() {
    let mut rule = Viewability::new();
    assert!(!rule.observe(0.0, 1.0));
    assert!(
        !rule.observe(800.0, 0.49),
        "scrolled away before the second was over"
    );
    assert_eq!(rule.due_at(), None);
    assert!(!rule.observe(900.0, 0.8));
    assert!(!rule.observe(1500.0, 0.8), "only 600 ms of the new stretch");
    assert!(rule.observe(1900.0, 0.8));

    let mut never = Viewability::new();
    assert!(!never.observe(0.0, 0.49));
    assert!(!never.observe(10_000.0, 0.49));
}

/// An HTML5 ad server's `clickTag` is the whole click URL: every exit opens
/// it as given.
#[wasm_bindgen_test]
fn click_tag_replaces_the_exit_url() {
    let config = AdConfig::from_url_parts(
        "?clickTag=https%3A%2F%2Fadserver.example%2Fclick%3Fid%3D7&landing=https%3A%2F%2Fshop.example%2F",
        "",
        "https://cdn.example",
        "en-US",
    );
    assert!(config.has_exit());
    assert_eq!(
        config.exit_url("https://shop.example/"),
        "https://adserver.example/click?id=7"
    );
}

fn refused(code: &str, message: &str) -> ApiFailure {
    ApiFailure::Rejected {
        status: 409,
        error: ApiError {
            code: code.into(),
            message: message.into(),
        },
    }
}

/// Each way the platform can refuse reads as a sentence that says what
/// happened and what to do; an unknown code shows the platform's message.
#[wasm_bindgen_test]
fn error_states_tell_the_shopper_what_to_do() {
    assert_eq!(
        explain(&refused("out_of_stock", "only 0 left")),
        "Sorry, that just sold out."
    );
    assert_eq!(
        explain(&refused("card_declined", "declined")),
        "Your card was declined. Please try another card."
    );
    assert!(explain(&refused("price_changed", "total is now 5900"))
        .starts_with("A price changed while you were checking out, so nothing was charged."));
    assert_eq!(
        explain(&refused("variant_required", "choose a size of prd_jacket")),
        "choose a size of prd_jacket"
    );
    assert_eq!(
        explain(&ApiFailure::Network("connection refused".into())),
        "The shop can't be reached right now. Please try again."
    );
}

fn eur(amount_minor: i64) -> Money {
    Money {
        amount_minor,
        currency: "EUR".into(),
    }
}

/// A session with one tent in the cart and the platform's two shipping
/// options, each with the total it makes.
fn session_at_checkout() -> Session {
    let option = |id: &str, label: &str, price: i64| ShippingOption {
        id: id.into(),
        label: label.into(),
        price: eur(price),
        total: eur(24999 + price),
    };
    let mut session = session(1);
    session.cart.lines = vec![CartLine {
        product: product(5),
        quantity: 1,
        unit_price: eur(24999),
        line_total: eur(24999),
    }];
    session.cart.subtotal = Some(eur(24999));
    session.cart.shipping_options = vec![
        option("standard", "Standard", 490),
        option("express", "Express", 1290),
    ];
    session
}

/// The review step shows the total the platform computed for the chosen
/// shipping option, and follows the shopper's choice.
#[wasm_bindgen_test]
async fn checkout_review_shows_the_platform_total() {
    let shop = Shop::new(config("en-US"), Host::detect());
    shop.session.set(Some(session_at_checkout()));
    let host = mount(move || {
        provide_context(shop);
        view! { <Checkout/> }
    });
    assert_eq!(
        text_of(&host, ".kiosk-review-total"),
        Some(format::price(&eur(25489), "en-US"))
    );
    let express: web_sys::HtmlElement = host
        .query_selector("input[value=express]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    express.click();
    settle().await;
    assert_eq!(
        text_of(&host, ".kiosk-review-total"),
        Some(format::price(&eur(26289), "en-US"))
    );
}

/// Closing a dialog gives focus back to the button that opened it, so a
/// keyboard shopper does not start again from the top of the page.
#[wasm_bindgen_test]
async fn closing_the_cart_gives_focus_back_to_the_cart_button() {
    let shop = Shop::new(config("en-US"), Host::detect());
    shop.session.set(Some(session_at_checkout()));
    let host = mount(move || {
        provide_context(shop);
        view! { <CartButton/> <Screens/> }
    });
    let document = web_sys::window().unwrap().document().unwrap();
    let cart_button: web_sys::HtmlElement = host
        .query_selector(".kiosk-cart-button")
        .unwrap()
        .unwrap()
        .unchecked_into();
    cart_button.focus().unwrap();
    cart_button.click();
    settle().await;
    assert!(
        text_of(&host, "[role=dialog] h2").is_some(),
        "the cart opened"
    );
    let focused = document.active_element().unwrap();
    assert!(host.contains(Some(&focused)) && focused.closest("[role=dialog]").unwrap().is_some());

    let close: web_sys::HtmlElement = host
        .query_selector(".kiosk-close")
        .unwrap()
        .unwrap()
        .unchecked_into();
    close.click();
    settle().await;
    assert!(host.query_selector("[role=dialog]").unwrap().is_none());
    assert_eq!(
        document.active_element().unwrap().class_name(),
        "kiosk-cart-button"
    );

    // From checkout (opened from the cart, whose Checkout button is gone
    // by then), focus lands on the cart button too.
    cart_button.click();
    settle().await;
    let checkout: web_sys::HtmlElement = host
        .query_selector(".kiosk-checkout")
        .unwrap()
        .unwrap()
        .unchecked_into();
    checkout.focus().unwrap();
    checkout.click();
    settle().await;
    assert_eq!(shop.screen.get_untracked(), Screen::Checkout);
    assert!(host
        .query_selector(".kiosk-checkout-form")
        .unwrap()
        .is_some());
    shop.close_overlay();
    settle().await;
    assert_eq!(
        document.active_element().unwrap().class_name(),
        "kiosk-cart-button"
    );
}
