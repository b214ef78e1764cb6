//! Orders out by webhook: a worker that drains the outbox, delivering each
//! order change to its merchant at least once.
//!
//! The outbox row is written in the same transaction as the order change
//! (see `store::orders`), so an acknowledged order always owes its webhook,
//! across crashes too. The worker POSTs due rows, marks them delivered on a
//! 2xx answer and otherwise retries with exponential backoff (base, 2×base,
//! 4×base, … capped at an hour) until [`MAX_ATTEMPTS`]. Receivers must
//! expect duplicates and deduplicate by `Kiosk-Webhook-Id`.
//!
//! The body is `{"type": "order.placed", "data": ...}`, where `data` is the
//! merchant's order (as `GET /v1/merchant/orders/{number}` shows it) or, if
//! the merchant set a field map, an object of its fields picked by JSON
//! pointer. `Kiosk-Signature: t=<ms>,v1=<hex>` is HMAC-SHA256 of `<t>.<body>`
//! under the endpoint's secret.
//!
//! Known limits: delivery is plain HTTP only (the platform builds no TLS
//! client; an `https://` endpoint fails and is retried); one worker per
//! process, so several instances on one database may deliver a row twice,
//! which at-least-once allows.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::sync::Notify;

use crate::store::{Delivery, Store};
use crate::token;

/// After this many failed attempts a delivery is given up (with the default
/// one-second base, about a day of retries).
pub const MAX_ATTEMPTS: i64 = 30;

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// How long a receiver may take to answer.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the worker looks at the outbox when nobody wakes it.
const IDLE_POLL: Duration = Duration::from_secs(5);

/// Deliveries read from the outbox per round.
const BATCH: i64 = 16;

/// How long a claimed batch stays with the instance that claimed it: long
/// enough to send the whole batch, after which an unfinished delivery (its
/// instance died) is due again.
const CLAIM_LEASE: Duration = Duration::from_secs(BATCH as u64 * DELIVERY_TIMEOUT.as_secs() + 30);

/// Starts the delivery worker for `store`; `wake` makes it look at the
/// outbox at once (after an order change), `retry_base` is the first
/// backoff.
pub fn spawn(store: Store, wake: Arc<Notify>, retry_base: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // A client without TLS cannot fail to build on any platform; the
        // fallback keeps the worker alive even so.
        let client = reqwest::Client::builder()
            .timeout(DELIVERY_TIMEOUT)
            .build()
            .unwrap_or_default();
        loop {
            let now = token::now_ms();
            let lease_until = now + CLAIM_LEASE.as_millis() as i64;
            let due = match store.claim_due_deliveries(now, BATCH, lease_until).await {
                Ok(due) => due,
                Err(err) => {
                    tracing::error!(cause = %err, "cannot read the webhook outbox");
                    Vec::new()
                }
            };
            let full = due.len() as i64 == BATCH;
            for delivery in due {
                attempt(&store, &client, delivery, retry_base).await;
            }
            if full {
                continue;
            }

            let wait = match store.next_delivery_at().await {
                Ok(Some(at)) => Duration::from_millis((at - token::now_ms()).max(0) as u64),
                _ => IDLE_POLL,
            }
            .min(IDLE_POLL);
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    })
}

/// Sends one delivery and records how it went.
async fn attempt(
    store: &Store,
    client: &reqwest::Client,
    delivery: Delivery,
    retry_base: Duration,
) {
    let result = send(store, client, &delivery).await;
    let recorded = match &result {
        Ok(()) => {
            tracing::info!(webhook = delivery.id, order = %delivery.order_number, kind = %delivery.kind, attempt = delivery.attempts + 1, "webhook delivered");
            store.delivered(delivery.id).await
        }
        Err(error) => {
            let attempts = delivery.attempts + 1;
            let retry_at = if attempts >= MAX_ATTEMPTS {
                tracing::warn!(webhook = delivery.id, order = %delivery.order_number, %error, "webhook given up");
                i64::MAX
            } else {
                // base, 2×base, 4×base, … for attempts 1, 2, 3, …
                let factor = 1u32 << (attempts - 1).clamp(0, 20);
                let backoff = retry_base.saturating_mul(factor).min(MAX_BACKOFF);
                tracing::warn!(webhook = delivery.id, order = %delivery.order_number, %error, attempt = attempts, "webhook failed; will retry");
                token::now_ms() + backoff.as_millis() as i64
            };
            store.delivery_failed(delivery.id, retry_at, error).await
        }
    };
    if let Err(err) = recorded {
        tracing::error!(cause = %err, webhook = delivery.id, "cannot record a webhook attempt");
    }
}

/// Builds, signs and POSTs one delivery; `Err` says why it did not land.
async fn send(store: &Store, client: &reqwest::Client, delivery: &Delivery) -> Result<(), String> {
    let order = store
        .merchant_order(&delivery.merchant_id, &delivery.order_number)
        .await
        .map_err(|err| format!("order unreadable: {err}"))?;
    let order = serde_json::to_value(&order).map_err(|err| err.to_string())?;
    let data = match &delivery.field_map {
        Some(map) => {
            let map: BTreeMap<String, String> =
                serde_json::from_str(map).map_err(|err| format!("field map unreadable: {err}"))?;
            apply_field_map(&order, &map)
        }
        None => order,
    };
    let body = json!({ "type": delivery.kind, "data": data }).to_string();
    let timestamp = token::now_ms();

    let response = client
        .post(&delivery.url)
        .header("content-type", "application/json")
        .header("kiosk-webhook-id", delivery.id.to_string())
        .header(
            "kiosk-signature",
            signature(&delivery.secret, timestamp, &body),
        )
        .body(body)
        .send()
        .await
        .map_err(|err| format!("request failed: {err}"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("answered {}", response.status()))
    }
}

/// The merchant's fields, each picked from the order by JSON pointer (null
/// where the pointer finds nothing).
pub fn apply_field_map(order: &Value, map: &BTreeMap<String, String>) -> Value {
    let fields = map
        .iter()
        .map(|(name, pointer)| {
            (
                name.clone(),
                order.pointer(pointer).cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    Value::Object(fields)
}

/// `t=<ms>,v1=<hex HMAC-SHA256(secret, "<ms>.<body>")>`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    format!(
        "t={timestamp},v1={}",
        hmac_hex(secret, &format!("{timestamp}.{body}"))
    )
}

/// HMAC-SHA256 of `message` under `key`, in hex.
fn hmac_hex(key: &str, message: &str) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC accepts any key");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Field maps pick by JSON pointer and leave missing fields null.
    #[test]
    fn field_map_picks_by_pointer() {
        let order = json!({ "number": "AB-CDEF-GHJK", "total": { "amount_minor": 995 } });
        let map = BTreeMap::from([
            ("id".to_string(), "/number".to_string()),
            ("cents".to_string(), "/total/amount_minor".to_string()),
            ("nope".to_string(), "/missing".to_string()),
        ]);
        assert_eq!(
            apply_field_map(&order, &map),
            json!({ "id": "AB-CDEF-GHJK", "cents": 995, "nope": null })
        );
    }

    /// The MAC is HMAC-SHA256 (RFC 4231 test case 2) and the signature
    /// covers `<t>.<body>`.
    #[test]
    fn signature_is_hmac_sha256_of_timestamp_and_body() {
        assert_eq!(
            hmac_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            signature("k", 5, "b"),
            format!("t=5,v1={}", hmac_hex("k", "5.b"))
        );
    }
}
