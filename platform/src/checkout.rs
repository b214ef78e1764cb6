//! Checkout: from a session's cart to a placed order, safe to retry.
//!
//! The steps, in order: check the request on its own (contact, address,
//! shipping option, card); claim the `Idempotency-Key` for this session and
//! body; price the cart; hold the total with the payment provider; then
//! take the stock and write the order in one transaction. If that refuses
//! (someone bought the last unit first), the hold is voided. Every answer
//! given after the claim is recorded and replayed for the same key, except
//! failures inside the platform, which release the key so a retry runs
//! again. A declined card leaves no order and touches no stock or cart.

use std::sync::Arc;

use axum::http::StatusCode;
use kiosk_wire::{CheckoutRequest, OrderConfirmation};

use crate::error::{Error, Result};
use crate::payments::{self, PaymentProvider};
use crate::pricing;
use crate::store::{Claim, NewOrder, Placement, SessionRecord, Store};

/// The longest idempotency key accepted.
const MAX_KEY_LEN: usize = 255;

/// A checkout's answer: a status and the exact JSON body to send, which a
/// replay sends again byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: StatusCode,
    pub body: String,
    /// True when this answer was recorded by an earlier request.
    pub replayed: bool,
    /// The order this request placed just now (not on replays), for live
    /// updates.
    pub placed: Option<OrderConfirmation>,
}

/// Runs (or replays) a checkout of `session`'s cart.
pub async fn checkout(
    store: &Store,
    payments: &Arc<dyn PaymentProvider>,
    session: &SessionRecord,
    key: Option<&str>,
    request: &CheckoutRequest,
    expected_total: Option<i64>,
) -> Result<Answer> {
    let key = key.ok_or(Error::IdempotencyKeyMissing)?;
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::IdempotencyKeyInvalid);
    }
    check_request(request)?;

    // The digest covers the parsed request, so a retry that only reorders
    // JSON fields or adds unknown ones counts as the same body.
    let mut canonical =
        serde_json::to_vec(request).map_err(|err| Error::InvalidBody(err.to_string()))?;
    // A different expected total is a different request.
    if let Some(total) = expected_total {
        canonical.extend_from_slice(format!("\nexpected_total={total}").as_bytes());
    }
    let digest = store.request_digest(&canonical);
    match store.claim(&session.id, key, &digest).await? {
        Claim::Owned => {}
        Claim::Replay { status, body } => {
            return Ok(Answer {
                status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                body,
                replayed: true,
                placed: None,
            })
        }
        Claim::InProgress => return Err(Error::IdempotencyInProgress),
        Claim::Reused => return Err(Error::IdempotencyKeyReused),
    }

    match place(store, payments, session, key, request, expected_total).await {
        Ok((body, placed)) => Ok(Answer {
            status: StatusCode::CREATED,
            body,
            replayed: false,
            placed: Some(placed),
        }),
        // Another request wrote this key's order; its answer stands.
        Err(Error::IdempotencyInProgress) => Err(Error::IdempotencyInProgress),
        Err(err) if err.status_and_code().0.is_server_error() => {
            if let Err(release) = store.release(&session.id, key).await {
                tracing::error!(cause = %release, "could not release an idempotency key");
            }
            Err(err)
        }
        Err(err) => {
            let (status, code) = err.status_and_code();
            // An ApiError is two strings; serialising it cannot fail.
            let body = serde_json::to_string(&err.to_api_error()).expect("ApiError serialises");
            store
                .record_answer(&session.id, key, status.as_u16(), &body)
                .await?;
            tracing::info!(session = %session.id, code, "checkout refused");
            Ok(Answer {
                status,
                body,
                replayed: false,
                placed: None,
            })
        }
    }
}

/// Prices the cart, holds the money and writes the order; returns the
/// confirmation's JSON and the confirmation itself.
async fn place(
    store: &Store,
    payments: &Arc<dyn PaymentProvider>,
    session: &SessionRecord,
    key: &str,
    request: &CheckoutRequest,
    expected_total: Option<i64>,
) -> Result<(String, OrderConfirmation)> {
    let cart = store.cart(&session.id).await?;
    let subtotal = cart.subtotal.clone().ok_or(Error::CartEmpty)?;
    if let Some(line) = cart.lines.iter().find(|l| !l.product.available) {
        return Err(Error::ProductUnavailable(line.product.id.clone()));
    }
    if let Some(line) = cart.lines.iter().find(|l| l.quantity > l.product.stock) {
        return Err(Error::OutOfStock {
            product_id: line.product.id.clone(),
            available: line.product.stock,
        });
    }
    let shipping = pricing::shipping_option(&request.shipping_option, &subtotal)?
        .ok_or_else(|| Error::InvalidShippingOption(request.shipping_option.clone()))?;
    let total = shipping.total.clone();
    if let Some(expected) = expected_total.filter(|&e| e != total.amount_minor) {
        return Err(Error::TotalChanged {
            expected_minor: expected,
            actual_minor: total.amount_minor,
            currency: total.currency,
        });
    }

    let reference = format!("{}:{key}", session.id);
    let payment = payments
        .authorize(&total, &request.payment, &reference)
        .await?;

    let placement = store
        .place_order(NewOrder {
            session,
            idempotency_key: key,
            request,
            cart: &cart,
            subtotal: &subtotal,
            shipping: &shipping,
            total: &total,
            payment: &payment,
        })
        .await;
    let refusal = match placement {
        Ok(Placement::Placed(confirmation)) => {
            tracing::info!(
                order = %confirmation.number,
                session = %session.id,
                total_minor = total.amount_minor,
                currency = %total.currency,
                lines = confirmation.lines.len(),
                "order placed"
            );
            // Plain data with string keys always serialises.
            let body = serde_json::to_string(&confirmation).expect("confirmation serialises");
            return Ok((body, confirmation));
        }
        Ok(Placement::Duplicate) => return Err(Error::IdempotencyInProgress),
        Ok(Placement::Refused(refusal)) => refusal,
        Err(err) => err,
    };
    if let Err(void) = payments.void(&payment.token).await {
        tracing::warn!(cause = %void, session = %session.id, "could not void a payment hold");
    }
    Err(refusal)
}

/// Checks what a checkout request says on its own, before any state is
/// read or written.
fn check_request(request: &CheckoutRequest) -> Result<()> {
    let contact = &request.contact;
    let email = contact.email.trim();
    let valid_email = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if !valid_email {
        return Err(Error::InvalidContact("email is not an address".into()));
    }
    check_text("name", &contact.name, Error::InvalidContact)?;

    let address = &request.shipping_address;
    check_text("line1", &address.line1, Error::InvalidAddress)?;
    if let Some(line2) = &address.line2 {
        if line2.len() > 200 || line2.chars().any(char::is_control) {
            return Err(Error::InvalidAddress("line2 is too long".into()));
        }
    }
    check_text("city", &address.city, Error::InvalidAddress)?;
    check_text("postal_code", &address.postal_code, Error::InvalidAddress)?;
    let country = address.country.trim();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Error::InvalidAddress(
            "country must be an ISO 3166-1 alpha-2 code".into(),
        ));
    }

    if !pricing::is_shipping_option(&request.shipping_option) {
        return Err(Error::InvalidShippingOption(
            request.shipping_option.clone(),
        ));
    }
    payments::check_card(&request.payment)
}

fn check_text(field: &str, value: &str, error: fn(String) -> Error) -> Result<()> {
    let value = value.trim();
    if value.is_empty() || value.len() > 200 || value.chars().any(char::is_control) {
        return Err(error(format!(
            "{field} must be 1 to 200 characters of text"
        )));
    }
    Ok(())
}
