//! The shopper's state inside one ad (or, later, the page's cart widget):
//! the session with its cart, the products on show, which screen is open,
//! and the actions that change them through the platform.
//!
//! `Shop` is a bundle of Leptos handles (`Copy`), provided as context so
//! every component reads the same signals. All amounts it shows come from
//! the platform's answers; it never adds anything up.

use std::collections::BTreeMap;

use kiosk_wire::{EventKind, OrderConfirmation, Product, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiFailure, Platform};
use crate::browser;
use crate::config::AdConfig;
use crate::host::Host;
use crate::tracking::Tracker;

/// Which screen the ad shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    Products,
    Cart,
    Checkout,
    Confirmed(OrderConfirmation),
}

/// Everything the ad's components share.
#[derive(Clone, Copy)]
pub struct Shop {
    pub platform: StoredValue<Platform>,
    pub config: StoredValue<AdConfig>,
    pub host: StoredValue<Host, LocalStorage>,
    /// Set once the session is known (events name it).
    pub tracker: StoredValue<Option<Tracker>, LocalStorage>,
    pub session: RwSignal<Option<Session>>,
    pub products: RwSignal<Vec<Product>>,
    pub screen: RwSignal<Screen>,
    /// A sentence for the shopper about the last thing that went wrong.
    pub notice: RwSignal<Option<String>>,
    /// True while a cart change is on its way to the platform.
    pub busy: RwSignal<bool>,
    /// True once the live stream is connected (updates reach the ad).
    pub live: RwSignal<bool>,
    /// The variant the shopper chose per product id; kept here so a live
    /// update that redraws the products keeps the choice.
    pub choices: RwSignal<BTreeMap<String, String>>,
    /// The open live stream, closed when a new one replaces it (the
    /// session changed).
    pub stream: StoredValue<Option<web_sys::EventSource>, LocalStorage>,
}

impl Shop {
    pub fn new(config: AdConfig, host: Host) -> Shop {
        Shop {
            platform: StoredValue::new(Platform::new(&config.platform, &config.key)),
            config: StoredValue::new(config),
            host: StoredValue::new_local(host),
            tracker: StoredValue::new_local(None),
            session: RwSignal::new(None),
            products: RwSignal::new(Vec::new()),
            screen: RwSignal::new(Screen::Products),
            notice: RwSignal::new(None),
            busy: RwSignal::new(false),
            live: RwSignal::new(false),
            choices: RwSignal::new(BTreeMap::new()),
            stream: StoredValue::new_local(None),
        }
    }

    /// The session token this frame or page remembered from an earlier
    /// visit, in its own storage (per platform).
    pub fn remembered_token(&self) -> Option<String> {
        browser::stored(&self.session_storage_key())
    }

    /// Remembers `session`'s token for the next visit.
    pub fn remember(&self, session: &Session) {
        browser::store(&self.session_storage_key(), &session.token);
    }

    fn session_storage_key(&self) -> String {
        self.config
            .with_value(|c| format!("{SESSION_KEY_PREFIX}{}", c.platform))
    }

    /// The session token, if a session is known.
    pub fn token(&self) -> Option<String> {
        self.session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
    }

    /// Units in the cart.
    pub fn item_count(&self) -> i64 {
        self.session
            .with(|s| s.as_ref().map_or(0, |s| s.cart.item_count))
    }

    /// Reports an event, once tracking has started.
    pub fn track(&self, kind: EventKind, product: Option<&str>) {
        self.tracker.with_value(|tracker| {
            if let Some(tracker) = tracker {
                tracker.track(kind, product);
            }
        });
    }

    /// Adds one unit of `product_id` to the cart.
    pub fn add(&self, product_id: String) {
        self.add_quantity(product_id, 1);
    }

    /// Adds `quantity` units of `product_id` to the cart.
    pub fn add_quantity(&self, product_id: String, quantity: i64) {
        let shop = *self;
        self.change_cart(move |platform, token| async move {
            let session = platform.add_line(&token, &product_id, quantity).await?;
            shop.track(EventKind::AddToCart, Some(&product_id));
            Ok(session)
        });
    }

    /// Sets a cart line's quantity (zero removes it).
    pub fn set_quantity(&self, product_id: String, quantity: i64) {
        self.change_cart(move |platform, token| async move {
            platform.set_quantity(&token, &product_id, quantity).await
        });
    }

    /// Runs one cart change against the platform: the add buttons wait
    /// while it is on its way, and its answer (the whole session) or a
    /// sentence about its failure replaces what is shown.
    fn change_cart<F, Fut>(&self, change: F)
    where
        F: FnOnce(Platform, String) -> Fut + 'static,
        Fut: std::future::Future<Output = Result<Session, ApiFailure>> + 'static,
    {
        let shop = *self;
        let Some(token) = self.token() else {
            self.notice.set(Some(UNAVAILABLE.into()));
            return;
        };
        self.busy.set(true);
        spawn_local(async move {
            let result = change(shop.platform.get_value(), token).await;
            shop.busy.set(false);
            match result {
                Ok(session) => {
                    shop.session.set(Some(session));
                    shop.notice.set(None);
                }
                Err(failure) => shop.notice.set(Some(explain(&failure))),
            }
        });
    }

    /// The cart's subtotal as the platform computed it, formatted for the
    /// shopper; `None` while the cart is empty.
    pub fn subtotal_text(&self) -> Option<String> {
        let locale = self.config.with_value(|c| c.locale.clone());
        self.session.with(|s| {
            s.as_ref()
                .and_then(|s| s.cart.subtotal.as_ref())
                .map(|money| crate::format::price(money, &locale))
        })
    }

    /// Opens checkout, asking the host for more room.
    pub fn start_checkout(&self) {
        self.track(EventKind::CheckoutStart, None);
        self.host.with_value(|host| host.expand());
        self.notice.set(None);
        self.screen.set(Screen::Checkout);
    }

    /// Goes back to the products, giving back any room checkout took.
    pub fn close_overlay(&self) {
        self.host.with_value(|host| host.collapse());
        self.screen.set(Screen::Products);
    }

    /// Opens the merchant's landing page through the ad server's click
    /// tracking.
    pub fn exit(&self, product: Option<&str>) {
        let config = self.config.get_value();
        if !config.has_exit() {
            return;
        }
        self.track(EventKind::Click, product);
        let url = config.exit_url(config.landing.as_deref().unwrap_or_default());
        self.host.with_value(|host| host.open(&url));
    }

    /// Shows a placed order and re-reads the session (its cart is empty now,
    /// stock has moved) from the platform.
    pub fn confirmed(&self, confirmation: OrderConfirmation) {
        self.track(EventKind::Purchase, None);
        self.screen.set(Screen::Confirmed(confirmation));
        self.reload();
    }

    /// Reads the placement's products and the session again.
    /// Without a placement (the cart widget), reads the session alone.
    pub fn reload(&self) {
        let shop = *self;
        spawn_local(async move {
            let config = shop.config.get_value();
            if config.placement.is_empty() {
                shop.refresh_cart();
                return;
            }
            let token = shop.token();
            if let Ok(answer) = shop
                .platform
                .get_value()
                .boot(&config.placement, token.as_deref(), None)
                .await
            {
                shop.products.set(answer.products);
                if answer.session.is_some() {
                    shop.session.set(answer.session);
                }
            }
        });
    }

    /// Reads the session (and so its cart) again, leaving the products
    /// shown as they are: a product in the cart changed, or a checkout was
    /// refused because one had.
    pub fn refresh_cart(&self) {
        let Some(token) = self.token() else { return };
        let shop = *self;
        spawn_local(async move {
            if let Ok(session) = shop.platform.get_value().current_session(&token).await {
                shop.session.set(Some(session));
            }
        });
    }

    /// A fresh id for a new checkout attempt.
    pub fn new_attempt_key() -> String {
        browser::random_id()
    }
}

/// Where a frame or page remembers its session token, before the platform.
const SESSION_KEY_PREFIX: &str = "kiosk.session@";

/// What the shopper reads when the platform cannot be reached.
pub const UNAVAILABLE: &str = "The shop can't be reached right now. Please try again.";

/// A sentence for the shopper about a failed platform call.
pub fn explain(failure: &ApiFailure) -> String {
    match failure.code() {
        None => UNAVAILABLE.to_string(),
        Some("out_of_stock") => "Sorry, that just sold out.".to_string(),
        Some("card_declined") => "Your card was declined. Please try another card.".to_string(),
        Some("insufficient_funds") => {
            "Your card has insufficient funds. Please try another card.".to_string()
        }
        Some("invalid_card") => "That card number isn't valid. Please check it.".to_string(),
        Some("cart_empty") => "Your cart is empty.".to_string(),
        Some("price_changed") => "A price changed while you were checking out, so nothing \
                                  was charged. Please check the new total and place the order again."
            .to_string(),
        Some("idempotency_in_progress") => {
            "Your order is still being placed. Please wait a moment.".to_string()
        }
        Some(_) => match failure {
            ApiFailure::Rejected { error, .. } => error.message.clone(),
            ApiFailure::Network(_) => UNAVAILABLE.to_string(),
        },
    }
}
