//! The session bridge: how an ad unit anywhere below a publisher's page
//! finds the page's cart widget and shares its session, so the ad and the
//! widget fill one cart.
//!
//! The widget lives on the publisher's page and keeps the shopper's session
//! in the page's own (first-party) storage. Its loader puts a hidden,
//! named *locator frame* ([`LOCATOR_NAME`]) into the page, the way consent
//! tools expose theirs. An ad, at boot, walks up `window.parent` to
//! `window.top` and stops at the first window that holds a frame of that
//! name (reading a child frame by name is allowed across origins). It
//! posts a `hello` to that window and transfers one port of a
//! `MessageChannel`; a widget of the same merchant answers over the port
//! with the session token. From then on both ends tell each other over
//! the port when their cart changed or an order was placed.
//!
//! The merchant is named by its public id (`m_...`): the widget's
//! `data-merchant` attribute and the creative's `merchant` parameter. A
//! widget answers only an ad of its own merchant; without a merchant on
//! either side there is no bridge and the ad looks for a session on its
//! own. A publisher that knows where its ads are served from lists those
//! origins in `data-ad-origins`; the widget (and its loader) then answers
//! hellos only from frames of those origins ([`origin_allowed`]).
//!
//! Every message is a plain object with `kiosk: "bridge"` and `v: 1`
//! (see [`Message`] for the types). Anything else that reaches a listener
//! (other scripts' messages, other versions, missing or mistyped fields, a
//! `hello` without exactly one port) is ignored: no answer, no exception.
//! Nothing a message carries is trusted beyond the token: a `cart-changed`
//! makes the receiver read its cart from the platform, a `purchase` makes
//! it read the order's confirmation from the platform.
//!
//! Timing: the ad waits at most [`HANDSHAKE_TIMEOUT_MS`] for the answer
//! and only if it found a locator, so a page without a widget costs it
//! nothing. The loader answers at once, before the widget's wasm has
//! loaded: with the session remembered in the page's storage, or with
//! `pending` on a first visit, and the ad then boots without waiting. The
//! session that follows (or one that replaces it) is adopted after the
//! ad's first paint. An ad that booted before the page's tag ran hears the
//! widget's `here` broadcast to the page's frames and says hello then.

use js_sys::{Array, Object, Promise, Reflect};
use kiosk_wire::Cart;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::browser;
use crate::shop::{Screen, Shop};
use crate::tracking::Tracker;

/// The name of the locator frame the widget puts into the page.
pub const LOCATOR_NAME: &str = "__kioskLocator";
/// The value of every bridge message's `kiosk` field.
pub const PROTOCOL: &str = "bridge";
/// The protocol version this code speaks (`v`); other versions are ignored.
pub const VERSION: u32 = 1;
/// How long an ad that found a locator waits for the session before it
/// boots on its own: short, because the ad's first paint waits for it.
pub const HANDSHAKE_TIMEOUT_MS: i32 = 100;
/// Where the loader (`www/kiosk.js`) keeps messages that arrive before
/// the widget runs: `{ queue: [MessageEvent], listener }`.
const EARLY: &str = "__kioskBridge";
/// How many windows up an ad looks for the locator: nested ad-server
/// frames are a handful deep, never more.
const MAX_DEPTH: usize = 16;
/// The longest text field accepted in a message.
const MAX_FIELD: usize = 512;
/// How deep the widget's `here` broadcast walks the page's frames.
const MAX_FRAME_DEPTH: u32 = 6;

/// A message of the bridge protocol, version 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Ad to the locator's window, transferring one `MessagePort`:
    /// `{kiosk, v, type: "hello", merchant}`.
    Hello { merchant: String },
    /// Widget to ad over the port: `{kiosk, v, type: "session", merchant,
    /// token}`, only for a `hello` of the widget's own merchant.
    Session { merchant: String, token: String },
    /// Widget (or its loader) to ad over the port: `{kiosk, v, type:
    /// "pending"}`: the session is not known yet and follows as `session`;
    /// the ad need not wait for it.
    Pending,
    /// Either way over the port: `{kiosk, v, type: "cart-changed"}`; the
    /// receiver reads the cart from the platform.
    CartChanged,
    /// Either way over the port: `{kiosk, v, type: "purchase", order}`;
    /// the receiver reads the order from the platform.
    Purchase { order: String },
    /// Widget to every frame of the page: `{kiosk, v, type: "here"}`, so
    /// an ad that looked before the widget existed says hello now.
    Here,
}

impl Message {
    /// The message in `data`, if it is a well-formed message of this
    /// version; `None` for anything else. Never throws.
    pub fn parse(data: &JsValue) -> Option<Message> {
        if !data.is_object() {
            return None;
        }
        let text = |name: &str| {
            Reflect::get(data, &name.into())
                .ok()?
                .as_string()
                .filter(|value| !value.is_empty() && value.len() <= MAX_FIELD)
        };
        if text("kiosk")? != PROTOCOL {
            return None;
        }
        if Reflect::get(data, &"v".into()).ok()?.as_f64()? != f64::from(VERSION) {
            return None;
        }
        match text("type")?.as_str() {
            "hello" => Some(Message::Hello {
                merchant: text("merchant")?,
            }),
            "session" => Some(Message::Session {
                merchant: text("merchant")?,
                token: text("token")?,
            }),
            "pending" => Some(Message::Pending),
            "cart-changed" => Some(Message::CartChanged),
            "purchase" => Some(Message::Purchase {
                order: text("order")?,
            }),
            "here" => Some(Message::Here),
            _ => None,
        }
    }

    /// The message as the plain object that travels.
    pub fn to_js(&self) -> JsValue {
        let object = Object::new();
        let set = |name: &str, value: &JsValue| {
            let _ = Reflect::set(&object, &name.into(), value);
        };
        set("kiosk", &PROTOCOL.into());
        set("v", &VERSION.into());
        let kind = match self {
            Message::Hello { merchant } => {
                set("merchant", &merchant.into());
                "hello"
            }
            Message::Session { merchant, token } => {
                set("merchant", &merchant.into());
                set("token", &token.into());
                "session"
            }
            Message::Pending => "pending",
            Message::CartChanged => "cart-changed",
            Message::Purchase { order } => {
                set("order", &order.into());
                "purchase"
            }
            Message::Here => "here",
        };
        set("type", &kind.into());
        object.into()
    }
}

/// One end's ports and what it last shared over them, so that news which
/// came from the other end is not echoed back to it.
#[derive(Default)]
struct Links {
    /// Ports of the other ends (the widget has one per ad, an ad one).
    ports: Vec<web_sys::MessagePort>,
    /// Widget: ports of ads that said hello before the session was known.
    waiting: Vec<web_sys::MessagePort>,
    /// The cart both ends last agreed on.
    shared_cart: Option<Cart>,
    /// The order both ends last heard of.
    shared_order: Option<String>,
    /// Widget: the token last handed to the ads.
    shared_token: Option<String>,
    /// Ad: whether a purchase made elsewhere opens the confirmation.
    shows_orders: bool,
}

type SharedLinks = StoredValue<Links, LocalStorage>;

// ---------------------------------------------------------------------
// The widget's end.

/// Serves the widget's session to ads of its merchant: puts the locator
/// frame into the page, answers hellos (also those the loader kept), tells
/// the page's frames it is here, and shares cart changes and purchases.
/// Does nothing without a merchant in the widget's configuration.
pub fn serve(shop: Shop) {
    let Some(merchant) = shop.config.with_value(|c| c.merchant.clone()) else {
        return;
    };
    let Some(window) = web_sys::window() else {
        return;
    };
    let links: SharedLinks = StoredValue::new_local(Links::default());
    add_locator(&window);
    share_changes(shop, links);

    let on_message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            welcome(shop, links, &merchant, &event)
        });
    // Hellos that came before the widget did: the loader kept them.
    if let Some(early) = browser::global(EARLY) {
        if let Ok(listener) = Reflect::get(&early, &"listener".into()) {
            if let Some(listener) = listener.dyn_ref::<js_sys::Function>() {
                let _ = window.remove_event_listener_with_callback("message", listener);
            }
        }
        let queue: Array = Reflect::get(&early, &"queue".into())
            .ok()
            .and_then(|queue| queue.dyn_into().ok())
            .unwrap_or_default();
        for event in queue.iter() {
            if let Ok(event) = event.dyn_into::<web_sys::MessageEvent>() {
                let _ = on_message
                    .as_ref()
                    .unchecked_ref::<js_sys::Function>()
                    .call1(&JsValue::NULL, &event);
            }
        }
        let _ = Reflect::delete_property(&js_sys::global(), &EARLY.into());
    }
    let _ = window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    on_message.forget();

    // Hand the session to every ad that asked, once it is known and
    // whenever it changes.
    Effect::new(move |_| {
        let Some(token) = shop.session.with(|s| s.as_ref().map(|s| s.token.clone())) else {
            return;
        };
        let merchant = shop
            .config
            .with_value(|c| c.merchant.clone())
            .unwrap_or_default();
        links.update_value(|links| {
            let answer = Message::Session {
                merchant,
                token: token.clone(),
            };
            let waiting: Vec<_> = links.waiting.drain(..).collect();
            if links.shared_token.as_deref() != Some(token.as_str()) {
                post_all(&links.ports, &answer);
                links.shared_token = Some(token);
            }
            post_all(&waiting, &answer);
            links.ports.extend(waiting);
        });
    });
    announce_here(&window);
}

/// Whether a hello from a frame of `origin` may be answered, given the
/// widget's `data-ad-origins` list (`allowed`; empty allows every origin).
pub fn origin_allowed(allowed: &[String], origin: &str) -> bool {
    allowed.is_empty() || allowed.iter().any(|listed| listed == origin)
}

/// Answers one message that reached the page's window: a `hello` of this
/// widget's merchant with exactly one port, from an allowed origin.
/// Everything else is ignored.
fn welcome(shop: Shop, links: SharedLinks, merchant: &str, event: &web_sys::MessageEvent) {
    let Some(Message::Hello { merchant: asked }) = Message::parse(&event.data()) else {
        return;
    };
    if asked != merchant {
        return;
    }
    let origin = event.origin();
    if !shop
        .config
        .with_value(|c| origin_allowed(&c.ad_origins, &origin))
    {
        return;
    }
    let ports = event.ports();
    if ports.length() != 1 {
        return;
    }
    let Ok(port) = ports.get(0).dyn_into::<web_sys::MessagePort>() else {
        return;
    };
    listen(shop, links, &port, |_| {});
    match shop.token() {
        Some(token) => {
            post(
                &port,
                &Message::Session {
                    merchant: merchant.to_string(),
                    token,
                },
            );
            links.update_value(|links| links.ports.push(port));
        }
        None => {
            post(&port, &Message::Pending);
            links.update_value(|links| links.waiting.push(port));
        }
    }
}

/// Puts the hidden locator frame into the page unless the loader did.
fn add_locator(window: &web_sys::Window) {
    let Some(document) = window.document() else {
        return;
    };
    let selector = format!("iframe[name=\"{LOCATOR_NAME}\"]");
    if document.query_selector(&selector).ok().flatten().is_some() {
        return;
    }
    let Ok(frame) = document.create_element("iframe") else {
        return;
    };
    for (name, value) in [
        ("name", LOCATOR_NAME),
        ("title", "Kiosk cart locator"),
        ("hidden", ""),
        ("aria-hidden", "true"),
        ("tabindex", "-1"),
    ] {
        let _ = frame.set_attribute(name, value);
    }
    let parent: Option<web_sys::Element> = document
        .body()
        .map(Into::into)
        .or_else(|| document.document_element());
    if let Some(parent) = parent {
        let _ = parent.append_child(&frame);
    }
}

/// Posts `here` to every frame below `window` (a few levels deep), so ads
/// that booted before the widget existed say hello now.
fn announce_here(window: &web_sys::Window) {
    fn walk(frames: &JsValue, depth: u32, message: &JsValue) {
        if depth == 0 {
            return;
        }
        let count = Reflect::get(frames, &"length".into())
            .ok()
            .and_then(|n| n.as_f64())
            .unwrap_or(0.0) as u32;
        for index in 0..count.min(64) {
            let Ok(frame) = Reflect::get_u32(frames, index) else {
                continue;
            };
            if frame.is_undefined() || frame.is_null() {
                continue;
            }
            browser::call_method(&frame, "postMessage", &[message.clone(), "*".into()]);
            walk(&frame, depth - 1, message);
        }
    }
    walk(window, MAX_FRAME_DEPTH, &Message::Here.to_js());
}

// ---------------------------------------------------------------------
// The ad's end.

/// Looks for the page's cart widget and asks it for the session. Returns
/// the token if a widget of the ad's merchant answers within
/// [`HANDSHAKE_TIMEOUT_MS`]; returns at once if the ad has no merchant or
/// no window above it holds a locator. A later answer, or one after the
/// widget's `here`, is adopted once the ad has booted.
pub async fn join(shop: Shop) -> Option<String> {
    let merchant = shop.config.with_value(|c| c.merchant.clone())?;
    let links: SharedLinks = StoredValue::new_local(Links {
        shows_orders: true,
        ..Links::default()
    });
    let late = RwSignal::new(None::<String>);
    share_changes(shop, links);
    adopt_late_answers(shop, links, late);
    listen_for_here(shop, links, merchant.clone(), late);

    let target = find_locator()?;
    let mut resolve_first = None;
    let first_answer = Promise::new(&mut |resolve, _| resolve_first = Some(resolve));
    // Taken by the first answer in time; after the timeout, answers are late.
    let first = std::rc::Rc::new(std::cell::RefCell::new(resolve_first));
    let answered = first.clone();
    knock(
        shop,
        links,
        &target,
        &merchant,
        move |answer: Option<String>| match answered.borrow_mut().take() {
            // The first answer in time: a token, or null for `pending`.
            Some(resolve) => {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::from(answer));
            }
            None => {
                if let Some(token) = answer {
                    late.set(Some(token));
                }
            }
        },
    )?;
    let answer = browser::with_timeout(HANDSHAKE_TIMEOUT_MS, JsFuture::from(first_answer)).await;
    first.borrow_mut().take();
    answer?.ok()?.as_string()
}

/// Posts a `hello` to `target` with a new channel's port and listens on the
/// other port; `on_answer` gets every token a widget of `merchant` sends,
/// and `None` for a `pending`.
fn knock(
    shop: Shop,
    links: SharedLinks,
    target: &JsValue,
    merchant: &str,
    on_answer: impl Fn(Option<String>) + 'static,
) -> Option<()> {
    let channel = web_sys::MessageChannel::new().ok()?;
    let port = channel.port1();
    let ours = merchant.to_string();
    listen(shop, links, &port, move |message| match message {
        Message::Session { merchant, token } if merchant == ours => on_answer(Some(token)),
        Message::Pending => on_answer(None),
        _ => {}
    });
    let hello = Message::Hello {
        merchant: merchant.to_string(),
    };
    let transfer = Array::of1(&channel.port2());
    browser::call_method(
        target,
        "postMessage",
        &[hello.to_js(), "*".into(), transfer.into()],
    )?;
    links.update_value(|links| links.ports.push(port));
    Some(())
}

/// The nearest window from this one up to the top that holds the locator.
fn find_locator() -> Option<JsValue> {
    let mut current = browser::global("window")?;
    for _ in 0..MAX_DEPTH {
        let found = Reflect::get(&current, &LOCATOR_NAME.into())
            .map(|frame| !frame.is_undefined() && !frame.is_null())
            .unwrap_or(false);
        if found {
            return Some(current);
        }
        let parent = Reflect::get(&current, &"parent".into()).ok()?;
        // The top window is its own parent.
        if parent.is_undefined() || parent.is_null() || Object::is(&parent, &current) {
            return None;
        }
        current = parent;
    }
    None
}

/// On a widget's `here`, an ad not linked yet says hello (its answer is
/// adopted like a late one).
fn listen_for_here(
    shop: Shop,
    links: SharedLinks,
    merchant: String,
    late: RwSignal<Option<String>>,
) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if Message::parse(&event.data()) != Some(Message::Here) {
                return;
            }
            if links.with_value(|links| !links.ports.is_empty()) {
                return;
            }
            if let Some(target) = find_locator() {
                knock(shop, links, &target, &merchant, move |answer| {
                    if answer.is_some() {
                        late.set(answer);
                    }
                });
            }
        });
    let _ = window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    on_message.forget();
}

/// Once the ad has a session, a different token from the widget replaces
/// it: the ad reads the widget's session and follows it from then on.
fn adopt_late_answers(shop: Shop, links: SharedLinks, late: RwSignal<Option<String>>) {
    Effect::new(move |_| {
        let Some(token) = late.get() else {
            return;
        };
        let current = shop.session.with(|s| s.as_ref().map(|s| s.token.clone()));
        if current.is_none() || current.as_deref() == Some(token.as_str()) {
            return;
        }
        spawn_local(async move {
            let platform = shop.platform.get_value();
            match platform.current_session(&token).await {
                Ok(session) => {
                    shop.remember(&session);
                    // Events from now on name the page's session.
                    shop.tracker.update_value(|tracker| {
                        if let Some(old) = tracker {
                            old.flush();
                        }
                        *tracker = Some(Tracker::new(
                            platform.clone(),
                            shop.config.get_value(),
                            session.id.clone(),
                        ));
                    });
                    links.update_value(|links| links.shared_cart = Some(session.cart.clone()));
                    shop.session.set(Some(session));
                    crate::live::subscribe(shop);
                }
                Err(failure) => {
                    leptos::logging::warn!("kiosk ad: the page's session is unusable: {failure}")
                }
            }
        });
    });
}

// ---------------------------------------------------------------------
// Both ends.

/// Tells the other ends when this end's cart changes or an order is placed
/// here, unless the news came from them.
fn share_changes(shop: Shop, links: SharedLinks) {
    Effect::new(move |_| {
        let Some(cart) = shop.session.with(|s| s.as_ref().map(|s| s.cart.clone())) else {
            return;
        };
        links.update_value(|links| {
            if links.shared_cart.as_ref() == Some(&cart) {
                return;
            }
            let first = links.shared_cart.is_none();
            links.shared_cart = Some(cart);
            if !first {
                post_all(&links.ports, &Message::CartChanged);
            }
        });
    });
    Effect::new(move |_| {
        let Screen::Confirmed(confirmation) = shop.screen.get() else {
            return;
        };
        links.update_value(|links| {
            if links.shared_order.as_deref() == Some(confirmation.number.as_str()) {
                return;
            }
            links.shared_order = Some(confirmation.number.clone());
            post_all(
                &links.ports,
                &Message::Purchase {
                    order: confirmation.number,
                },
            );
        });
    });
}

/// Handles what arrives on `port`: cart changes and purchases from the
/// other end; every well-formed message also goes to `also`.
fn listen(
    shop: Shop,
    links: SharedLinks,
    port: &web_sys::MessagePort,
    also: impl Fn(Message) + 'static,
) {
    let on_message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let Some(message) = Message::parse(&event.data()) else {
                return;
            };
            match &message {
                Message::CartChanged => refresh(shop, links),
                Message::Purchase { order } => purchased_elsewhere(shop, links, order.clone()),
                _ => {}
            }
            also(message);
        });
    port.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The port keeps its listener as long as the page lives.
    on_message.forget();
}

/// Reads this end's session again from the platform (another end changed
/// the cart).
fn refresh(shop: Shop, links: SharedLinks) {
    let Some(token) = shop.token() else {
        return;
    };
    spawn_local(async move {
        if let Ok(session) = shop.platform.get_value().current_session(&token).await {
            links.update_value(|links| links.shared_cart = Some(session.cart.clone()));
            shop.session.set(Some(session));
        }
    });
}

/// Another end placed `order`: an ad shows its confirmation as the
/// platform has it (for this session only); the widget reads its cart.
fn purchased_elsewhere(shop: Shop, links: SharedLinks, order: String) {
    if !links.with_value(|links| links.shows_orders) {
        refresh(shop, links);
        return;
    }
    let Some(token) = shop.token() else {
        return;
    };
    spawn_local(async move {
        let platform = shop.platform.get_value();
        if let Ok(confirmation) = platform.order(&token, &order).await {
            links.update_value(|links| links.shared_order = Some(confirmation.number.clone()));
            shop.screen.set(Screen::Confirmed(confirmation));
        }
        refresh(shop, links);
    });
}

fn post(port: &web_sys::MessagePort, message: &Message) {
    let _ = port.post_message(&message.to_js());
}

fn post_all(ports: &[web_sys::MessagePort], message: &Message) {
    for port in ports {
        post(port, message);
    }
}
