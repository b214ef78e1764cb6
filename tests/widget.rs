//! The publisher cart widget in headless Chrome (wasm-bindgen-test): what
//! the page and the shopper see of it.

#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use kiosk::bridge::{Message, LOCATOR_NAME};
use kiosk::config::AdConfig;
use kiosk::host::Host;
use kiosk::shop::Shop;
use kiosk::widget::{
    config_from, mount, start, MountError, HOST_TAG, MOUNTED_ATTRIBUTE, READY_ATTRIBUTE,
    UNAVAILABLE_ATTRIBUTE,
};
use kiosk_wire::{Cart, Session};
use leptos::prelude::Set;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
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

/// A widget of merchant `m_test` with session `kst_w` known.
fn bridged_widget(merchant: &str) -> Shop {
    let config = AdConfig {
        merchant: Some(merchant.into()),
        ..offline()
    };
    mount(&host(), config).unwrap()
}

/// A plain object with `fields`, as another script might post it.
fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (name, value) in fields {
        Reflect::set(&object, &(*name).into(), value).unwrap();
    }
    object.into()
}

/// Posts `data` to this window with a new channel's second port and
/// returns everything that comes back on the first.
fn post_with_port(data: &JsValue) -> Rc<RefCell<Vec<JsValue>>> {
    let heard = Rc::new(RefCell::new(Vec::new()));
    let channel = web_sys::MessageChannel::new().unwrap();
    let record = heard.clone();
    let on_message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            record.borrow_mut().push(event.data())
        });
    channel
        .port1()
        .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    web_sys::window()
        .unwrap()
        .post_message_with_transfer(data, "*", &Array::of1(&channel.port2()))
        .unwrap();
    heard
}

/// Counts uncaught errors on the page from now on.
fn count_page_errors() -> Rc<RefCell<u32>> {
    let errors = Rc::new(RefCell::new(0));
    let record = errors.clone();
    let on_error = Closure::<dyn Fn()>::new(move || *record.borrow_mut() += 1);
    web_sys::window()
        .unwrap()
        .add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref())
        .unwrap();
    on_error.forget();
    errors
}

/// Waits until `heard` holds something (or a couple of seconds pass).
async fn first_answer(heard: &Rc<RefCell<Vec<JsValue>>>) -> Option<Message> {
    for _ in 0..100 {
        if let Some(data) = heard.borrow().first() {
            return Message::parse(data);
        }
        settle().await;
    }
    None
}

/// Every bridge message survives the trip through its plain-object form.
#[wasm_bindgen_test]
fn bridge_messages_read_back_as_written() {
    let messages = [
        Message::Hello {
            merchant: "m_a".into(),
        },
        Message::Session {
            merchant: "m_a".into(),
            token: "kst_1".into(),
        },
        Message::Pending,
        Message::CartChanged,
        Message::Purchase {
            order: "K-1".into(),
        },
        Message::Here,
    ];
    for message in messages {
        assert_eq!(Message::parse(&message.to_js()), Some(message));
    }
}

/// The widget puts its locator frame into the page and answers a hello of
/// its own merchant with the session token over the hello's port; other
/// scripts' messages, other versions, other merchants, mistyped fields, a
/// forged session and a hello without a port get no answer and raise no
/// error on the page.
#[wasm_bindgen_test]
async fn bridge_answers_its_merchant_and_ignores_the_rest() {
    let errors = count_page_errors();
    let shop = bridged_widget("m_test");
    shop.session.set(Some(session(0)));
    settle().await;
    let locator = document()
        .query_selector(&format!("iframe[name=\"{LOCATOR_NAME}\"]"))
        .unwrap();
    assert!(locator.is_some(), "the locator frame is in the page");

    let hello = |fields: &[(&str, JsValue)]| object(fields);
    let junk = [
        JsValue::from_str("hello"),
        JsValue::NULL,
        JsValue::from_f64(42.0),
        Array::new().into(),
        hello(&[
            ("kiosk", "bridge".into()),
            ("v", 2.into()),
            ("type", "hello".into()),
            ("merchant", "m_test".into()),
        ]),
        hello(&[
            ("kiosk", "other".into()),
            ("v", 1.into()),
            ("type", "hello".into()),
            ("merchant", "m_test".into()),
        ]),
        hello(&[
            ("v", 1.into()),
            ("type", "hello".into()),
            ("merchant", "m_test".into()),
        ]),
        hello(&[
            ("kiosk", "bridge".into()),
            ("v", "1".into()),
            ("type", "hello".into()),
            ("merchant", "m_test".into()),
        ]),
        hello(&[
            ("kiosk", "bridge".into()),
            ("v", 1.into()),
            ("type", "hello".into()),
            ("merchant", "m_other".into()),
        ]),
        hello(&[
            ("kiosk", "bridge".into()),
            ("v", 1.into()),
            ("type", "hello".into()),
        ]),
        hello(&[
            ("kiosk", "bridge".into()),
            ("v", 1.into()),
            ("type", "hello".into()),
            ("merchant", 7.into()),
        ]),
        hello(&[
            ("kiosk", "bridge".into()),
            ("v", 1.into()),
            ("type", "HELLO".into()),
            ("merchant", "m_test".into()),
        ]),
        Message::Session {
            merchant: "m_test".into(),
            token: "kst_forged".into(),
        }
        .to_js(),
    ];
    let ignored: Vec<_> = junk.iter().map(post_with_port).collect();
    let valid = Message::Hello {
        merchant: "m_test".into(),
    }
    .to_js();
    web_sys::window()
        .unwrap()
        .post_message(&valid, "*")
        .unwrap();
    let answered = post_with_port(&valid);

    assert_eq!(
        first_answer(&answered).await,
        Some(Message::Session {
            merchant: "m_test".into(),
            token: "kst_w".into()
        })
    );
    settle().await;
    for (index, heard) in ignored.iter().enumerate() {
        assert!(heard.borrow().is_empty(), "message {index} was answered");
    }
    assert_eq!(*errors.borrow(), 0, "nothing was thrown on the page");
}

/// A widget whose publisher listed where its ads come from
/// (`data-ad-origins`) answers hellos from those origins only: a frame of
/// another origin that names the merchant hears nothing.
#[wasm_bindgen_test]
async fn bridge_answers_only_the_listed_ad_origins() {
    let here = web_sys::window().unwrap().location().origin().unwrap();
    let strict = mount(
        &host(),
        AdConfig {
            merchant: Some("m_strict".into()),
            ad_origins: vec!["https://ads.example".into()],
            ..offline()
        },
    )
    .unwrap();
    strict.session.set(Some(session(0)));
    let listed = mount(
        &host(),
        AdConfig {
            merchant: Some("m_listed".into()),
            ad_origins: vec!["https://ads.example".into(), here.clone()],
            ..offline()
        },
    )
    .unwrap();
    listed.session.set(Some(session(0)));
    settle().await;

    let hello = |merchant: &str| {
        Message::Hello {
            merchant: merchant.into(),
        }
        .to_js()
    };
    let refused = post_with_port(&hello("m_strict"));
    let answered = post_with_port(&hello("m_listed"));
    assert_eq!(
        first_answer(&answered).await,
        Some(Message::Session {
            merchant: "m_listed".into(),
            token: "kst_w".into()
        })
    );
    settle().await;
    assert!(
        refused.borrow().is_empty(),
        "{here} is not among the listed origins, yet was answered"
    );
    // The attribute is read as the loader passes it on.
    let element = host();
    element
        .set_attribute("data-ad-origins", " https://ads.example  null ")
        .unwrap();
    assert_eq!(
        config_from(&element).ad_origins,
        ["https://ads.example", "null"]
    );
}

/// An ad that says hello before the widget knows its session hears
/// `pending` at once (so it need not wait), then the session as soon as the
/// widget knows it.
#[wasm_bindgen_test]
async fn bridge_answers_pending_then_the_session() {
    let shop = bridged_widget("m_later");
    let heard = post_with_port(
        &Message::Hello {
            merchant: "m_later".into(),
        }
        .to_js(),
    );
    assert_eq!(first_answer(&heard).await, Some(Message::Pending));

    shop.session.set(Some(session(2)));
    for _ in 0..100 {
        if heard.borrow().len() > 1 {
            break;
        }
        settle().await;
    }
    let answers: Vec<_> = heard.borrow().iter().map(Message::parse).collect();
    assert_eq!(
        answers,
        vec![
            Some(Message::Pending),
            Some(Message::Session {
                merchant: "m_later".into(),
                token: "kst_w".into()
            })
        ]
    );
}

/// An ad of the widget's merchant finds the locator from its window and
/// receives the widget's token within the handshake's time.
#[wasm_bindgen_test]
async fn ad_finds_the_widget_and_gets_its_token() {
    let widget = bridged_widget("m_ad");
    widget.session.set(Some(session(1)));
    settle().await;

    let ad = Shop::new(
        AdConfig {
            merchant: Some("m_ad".into()),
            placement: "pl_test".into(),
            ..offline()
        },
        Host::detect(),
    );
    assert_eq!(kiosk::bridge::join(ad).await.as_deref(), Some("kst_w"));

    let stranger = Shop::new(
        AdConfig {
            merchant: Some("m_nobody".into()),
            ..offline()
        },
        Host::detect(),
    );
    assert_eq!(kiosk::bridge::join(stranger).await, None);
}
