//! Checkout inside the ad: contact, shipping address, shipping option,
//! card, a review of the platform's amounts, and the confirmation.
//!
//! One checkout attempt has one idempotency key. A retry after a network
//! failure sends the same request with the same key, so the platform never
//! places it twice; a changed request (another card after a decline) is a
//! new attempt with a new key.

use kiosk_wire::{Address, CardNumber, CardPayment, CheckoutRequest, Contact, OrderConfirmation};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::cart::Overlay;
use crate::api::ApiFailure;
use crate::format;
use crate::shop::{explain, Shop};

/// What the shopper typed, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckoutForm {
    pub email: String,
    pub name: String,
    pub line1: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub shipping_option: String,
    pub card_number: String,
    pub expiry: String,
    pub cvc: String,
}

impl CheckoutForm {
    /// The request the platform receives; it holds no amounts.
    pub fn to_request(&self) -> CheckoutRequest {
        CheckoutRequest {
            contact: Contact {
                email: self.email.trim().into(),
                name: self.name.trim().into(),
            },
            shipping_address: Address {
                line1: self.line1.trim().into(),
                line2: None,
                city: self.city.trim().into(),
                postal_code: self.postal_code.trim().into(),
                country: self.country.trim().to_uppercase(),
            },
            shipping_option: self.shipping_option.clone(),
            payment: CardPayment {
                card_number: CardNumber::new(self.card_number.trim()),
                expiry: self.expiry.trim().into(),
                cvc: self.cvc.trim().into(),
            },
        }
    }
}

/// The form's problems as (field name, sentence), in form order; empty when
/// it can be sent. The platform checks everything again.
pub fn validate(form: &CheckoutForm) -> Vec<(&'static str, &'static str)> {
    let mut problems = Vec::new();
    let email = form.email.trim();
    let at = email.find('@');
    if !matches!(at, Some(i) if i > 0 && email[i + 1..].contains('.')) {
        problems.push(("email", "Enter an email address like name@example.com."));
    }
    let required = [
        ("name", &form.name, "Enter your name."),
        ("line1", &form.line1, "Enter your street and number."),
        ("city", &form.city, "Enter your city."),
        ("postal_code", &form.postal_code, "Enter your postal code."),
    ];
    for (field, value, message) in required {
        if value.trim().is_empty() {
            problems.push((field, message));
        }
    }
    let country = form.country.trim();
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()) {
        problems.push(("country", "Enter a two-letter country code, e.g. DE."));
    }
    if form.shipping_option.is_empty() {
        problems.push(("shipping_option", "Choose a shipping option."));
    }
    let digits = form
        .card_number
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    let card_chars_ok = form
        .card_number
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '-');
    if !(12..=19).contains(&digits) || !card_chars_ok {
        problems.push(("card_number", "Enter the card number."));
    }
    let expiry = form.expiry.trim();
    let expiry_ok = expiry.len() == 5
        && expiry.as_bytes()[2] == b'/'
        && expiry[..2]
            .parse::<u8>()
            .is_ok_and(|month| (1..=12).contains(&month))
        && expiry[3..].parse::<u8>().is_ok();
    if !expiry_ok {
        problems.push(("expiry", "Enter the expiry date as MM/YY."));
    }
    let cvc = form.cvc.trim();
    if !(3..=4).contains(&cvc.len()) || !cvc.chars().all(|c| c.is_ascii_digit()) {
        problems.push(("cvc", "Enter the 3 or 4 digit security code."));
    }
    problems
}

/// Reads one field of the form.
type Getter = fn(&CheckoutForm) -> &String;
/// Writes one field of the form.
type Setter = fn(&mut CheckoutForm, String);

/// The checkout overlay.
#[component]
pub fn Checkout() -> impl IntoView {
    let shop = expect_context::<Shop>();
    let locale = shop.config.get_value().locale;
    let form = RwSignal::new(CheckoutForm::default());
    let problems = RwSignal::new(Vec::<(&'static str, &'static str)>::new());
    let placing = RwSignal::new(false);
    // The key, request and shown total of the attempt in flight or last
    // lost to the network.
    let attempt = StoredValue::new(None::<(String, CheckoutRequest, Option<i64>)>);

    let options = move || {
        shop.session.with(|s| {
            s.as_ref()
                .map(|s| s.cart.shipping_options.clone())
                .unwrap_or_default()
        })
    };
    if let Some(first) = options().first() {
        form.update(|f| f.shipping_option = first.id.clone());
    }
    // The chosen option, priced (with the order's total) by the platform.
    let chosen = move || {
        let id = form.with(|f| f.shipping_option.clone());
        options().into_iter().find(|o| o.id == id)
    };
    let total = move || chosen().map(|o| o.total);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if placing.get_untracked() {
            return;
        }
        let typed = form.get_untracked();
        let found = validate(&typed);
        problems.set(found.clone());
        if !found.is_empty() {
            shop.notice
                .set(Some("Please check the highlighted fields.".into()));
            return;
        }
        let Some(token) = shop.token() else { return };
        let request = typed.to_request();
        let shown_total = total().map(|t| t.amount_minor);
        let key = match attempt.get_value() {
            Some((key, sent, shown)) if sent == request && shown == shown_total => key,
            _ => Shop::new_attempt_key(),
        };
        attempt.set_value(Some((key.clone(), request.clone(), shown_total)));
        placing.set(true);
        shop.notice.set(None);
        spawn_local(async move {
            let result = shop
                .platform
                .get_value()
                .checkout(&token, &key, &request, shown_total)
                .await;
            placing.set(false);
            match result {
                Ok(confirmation) => {
                    attempt.set_value(None);
                    shop.confirmed(confirmation);
                }
                Err(ApiFailure::Network(_)) => shop.notice.set(Some(
                    "Connection lost before the shop answered. Press \u{201c}Place order\u{201d} \
                     again: you will not be charged twice."
                        .into(),
                )),
                Err(failure) => {
                    if failure.code() != Some("idempotency_in_progress") {
                        attempt.set_value(None);
                    }
                    if failure.code() == Some("price_changed") {
                        // Show the new prices and total before a new try.
                        shop.refresh_cart();
                    }
                    shop.notice.set(Some(explain(&failure)));
                }
            }
        });
    };

    let field = move |name: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      autocomplete: &'static str,
                      get: Getter,
                      set: Setter| {
        let error = move || problems.with(|p| p.iter().find(|(f, _)| *f == name).map(|(_, m)| *m));
        let id = format!("kiosk-{name}");
        let error_id = format!("kiosk-{name}-error");
        view! {
            <div class="kiosk-field">
                <label for=id.clone()>{label}</label>
                <input
                    id=id
                    name=name
                    type=kind
                    autocomplete=autocomplete
                    aria-invalid=move || error().is_some().to_string()
                    aria-describedby=error_id.clone()
                    prop:value=move || form.with(|f| get(f).clone())
                    on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))
                />
                <span class="kiosk-field-error" id=error_id>{error}</span>
            </div>
        }
    };

    let subtotal = move || shop.subtotal_text();
    let shipping_price = {
        let locale = locale.clone();
        move || chosen().map(|o| format::price(&o.price, &locale))
    };

    let total_text = {
        let locale = locale.clone();
        move || total().map(|t| format::price(&t, &locale))
    };

    view! {
        <Overlay title="Checkout">
            <form class="kiosk-checkout-form" on:submit=submit novalidate=true>
                <fieldset>
                    <legend>"Contact"</legend>
                    {field("email", "Email", "email", "email", |f| &f.email, |f, v| f.email = v)}
                    {field("name", "Full name", "text", "name", |f| &f.name, |f, v| f.name = v)}
                </fieldset>
                <fieldset>
                    <legend>"Shipping address"</legend>
                    {field("line1", "Street and number", "text", "address-line1", |f| &f.line1, |f, v| f.line1 = v)}
                    {field("city", "City", "text", "address-level2", |f| &f.city, |f, v| f.city = v)}
                    {field("postal_code", "Postal code", "text", "postal-code", |f| &f.postal_code, |f, v| f.postal_code = v)}
                    {field("country", "Country (2 letters)", "text", "country", |f| &f.country, |f, v| f.country = v)}
                </fieldset>
                <fieldset class="kiosk-shipping">
                    <legend>"Shipping"</legend>
                    {
                        let locale = locale.clone();
                        move || options().into_iter().map(|option| {
                            let id = option.id.clone();
                            let checked = {
                                let id = id.clone();
                                move || form.with(|f| f.shipping_option == id)
                            };
                            view! {
                                <label class="kiosk-shipping-option">
                                    <input
                                        type="radio"
                                        name="shipping_option"
                                        value=id.clone()
                                        prop:checked=checked
                                        on:change=move |_| form.update(|f| f.shipping_option = id.clone())
                                    />
                                    {format!("{} ({})", option.label, format::price(&option.price, &locale))}
                                </label>
                            }
                        }).collect_view()
                    }
                </fieldset>
                <fieldset>
                    <legend>"Payment"</legend>
                    {field("card_number", "Card number", "text", "cc-number", |f| &f.card_number, |f, v| f.card_number = v)}
                    {field("expiry", "Expiry (MM/YY)", "text", "cc-exp", |f| &f.expiry, |f, v| f.expiry = v)}
                    {field("cvc", "Security code", "text", "cc-csc", |f| &f.cvc, |f, v| f.cvc = v)}
                </fieldset>
                <dl class="kiosk-review">
                    <dt>"Subtotal"</dt><dd class="kiosk-review-subtotal">{subtotal}</dd>
                    <dt>"Shipping"</dt><dd class="kiosk-review-shipping">{shipping_price}</dd>
                    <dt>"Total"</dt><dd class="kiosk-review-total">{total_text}</dd>
                </dl>
                <button type="submit" class="kiosk-place-order" disabled=move || placing.get()>
                    {move || if placing.get() { "Placing order…" } else { "Place order" }}
                </button>
            </form>
        </Overlay>
    }
}

/// The placed order: its number and what was charged, as the platform
/// confirmed them.
#[component]
pub fn Confirmation(confirmation: OrderConfirmation) -> impl IntoView {
    let shop = expect_context::<Shop>();
    let locale = shop.config.get_value().locale;
    view! {
        <Overlay title="Thank you">
            <p class="kiosk-confirmation" role="status">
                "Order " <strong class="kiosk-order-number">{confirmation.number.clone()}</strong> " is placed."
            </p>
            <p>"Total charged: " <span class="kiosk-order-total">{format::price(&confirmation.total, &locale)}</span></p>
            <p>{format!("Card ending {}. A confirmation goes to {}.", confirmation.card_last4, confirmation.email_hint)}</p>
            <button class="kiosk-continue" on:click=move |_| shop.close_overlay()>"Continue shopping"</button>
        </Overlay>
    }
}
