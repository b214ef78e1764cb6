//! Orders and checkout's idempotency records.
//!
//! Checkout claims its `Idempotency-Key` first ([`Store::claim`]), so only
//! one request per key and session does the work; the order, its lines, the
//! stock it takes, the cart lines it consumes, the key's recorded answer
//! and the webhook delivery it owes are then written in one transaction ([`Store::place_order`]). Either all
//! of it is durable or none of it is, and a retry after a crash finds either
//! the recorded answer or nothing.

use kiosk_wire::{
    Address, Attribution, Cart, CheckoutRequest, Contact, Money, Order, OrderConfirmation,
    OrderLine, OrderStatus, ShippingOption,
};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{SessionRecord, Store};
use crate::error::{Error, Result};
use crate::payments::Authorization;
use crate::token;

/// After this long without an answer, a claimed key is taken to belong to
/// a request that died with its process, and a retry may take it over. The
/// orders table's unique (session, key) still forbids a second order.
const STALE_CLAIM_MS: i64 = 60_000;

/// What claiming an idempotency key found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// This request owns the key and must record an answer or release it.
    Owned,
    /// The key already has an answer: replay it exactly.
    Replay { status: u16, body: String },
    /// Another request with the key is still running.
    InProgress,
    /// The key was first used with a different body.
    Reused,
}

/// Everything an order is written from; amounts as checkout computed them.
pub struct NewOrder<'a> {
    pub session: &'a SessionRecord,
    pub idempotency_key: &'a str,
    pub request: &'a CheckoutRequest,
    pub cart: &'a Cart,
    pub subtotal: &'a Money,
    pub shipping: &'a ShippingOption,
    pub total: &'a Money,
    pub payment: &'a Authorization,
}

/// What writing an order came to.
#[derive(Debug)]
pub enum Placement {
    /// The order is durable; this is the confirmation (also recorded as the
    /// key's answer).
    Placed(OrderConfirmation),
    /// The store refused (out of stock, price changed); nothing was written.
    Refused(Error),
    /// An order for this key exists already, written by another request.
    Duplicate,
}

impl Store {
    /// The digest of a request body, salted per database so that the stored
    /// digest of a body holding a card number cannot be reversed.
    pub fn request_digest(&self, body: &[u8]) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.digest_salt.as_slice());
        hasher.update(body);
        hex::encode(hasher.finalize())
    }

    /// Claims `key` for a request of `digest` in a session.
    pub async fn claim(&self, session_id: &str, key: &str, digest: &str) -> Result<Claim> {
        let mut write = self.write().await?;
        let now = token::now_ms();
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (session_id, key, request_digest, created_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(session_id)
        .bind(key)
        .bind(digest)
        .bind(now)
        .execute(&mut *write.tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            write.commit().await?;
            return Ok(Claim::Owned);
        }

        let row = sqlx::query(
            "SELECT request_digest, response_status, response_body, created_at
             FROM idempotency_keys WHERE session_id = $1 AND key = $2",
        )
        .bind(session_id)
        .bind(key)
        .fetch_one(&mut *write.tx)
        .await?;
        let first_digest: String = row.get("request_digest");
        let status: Option<i64> = row.get("response_status");
        let body: Option<String> = row.get("response_body");
        let created_at: i64 = row.get("created_at");

        if first_digest != digest {
            return Ok(Claim::Reused);
        }
        if let (Some(status), Some(body)) = (status, body) {
            return Ok(Claim::Replay {
                status: status as u16,
                body,
            });
        }
        if now - created_at < STALE_CLAIM_MS {
            return Ok(Claim::InProgress);
        }
        // The takeover is conditional on the claim being the stale one we
        // read, so of two retries racing for it (possibly on two instances)
        // exactly one wins.
        let taken = sqlx::query(
            "UPDATE idempotency_keys SET created_at = $1
             WHERE session_id = $2 AND key = $3 AND created_at = $4
                   AND response_status IS NULL",
        )
        .bind(now)
        .bind(session_id)
        .bind(key)
        .bind(created_at)
        .execute(&mut *write.tx)
        .await?
        .rows_affected();
        write.commit().await?;
        if taken == 0 {
            return Ok(Claim::InProgress);
        }
        tracing::warn!(session = %session_id, "took over a stale idempotency key");
        Ok(Claim::Owned)
    }

    /// Records the answer of a request that owned `key`.
    pub async fn record_answer(
        &self,
        session_id: &str,
        key: &str,
        status: u16,
        body: &str,
    ) -> Result<()> {
        let mut write = self.write().await?;
        record(&mut write.tx, session_id, key, status, body).await?;
        write.commit().await
    }

    /// Gives `key` up without an answer (the request failed inside the
    /// platform), so a retry runs again.
    pub async fn release(&self, session_id: &str, key: &str) -> Result<()> {
        let mut write = self.write().await?;
        sqlx::query(
            "DELETE FROM idempotency_keys
             WHERE session_id = $1 AND key = $2 AND response_status IS NULL",
        )
        .bind(session_id)
        .bind(key)
        .execute(&mut *write.tx)
        .await?;
        write.commit().await
    }

    /// Takes the stock, writes the order as `placed`, consumes the cart
    /// lines it was made of and records the confirmation as the key's
    /// answer, all in one transaction.
    pub async fn place_order(&self, order: NewOrder<'_>) -> Result<Placement> {
        let mut write = self.write().await?;

        // Stock is taken only if there is enough and the price is still the
        // one the shopper was charged; the check and the decrement are one
        // statement, so concurrent checkouts can never oversell. Products
        // are taken in id order, so two checkouts locking the same rows on
        // PostgreSQL lock them in the same order and cannot deadlock.
        let mut by_product: Vec<_> = order.cart.lines.iter().collect();
        by_product.sort_by(|a, b| a.product.id.cmp(&b.product.id));
        for line in by_product {
            let taken = sqlx::query(
                "UPDATE products SET stock = stock - $1
                 WHERE id = $2 AND stock >= $1 AND price_minor = $3 AND currency = $4
                   AND available = 1",
            )
            .bind(line.quantity)
            .bind(&line.product.id)
            .bind(line.unit_price.amount_minor)
            .bind(&line.unit_price.currency)
            .execute(&mut *write.tx)
            .await?
            .rows_affected();
            if taken == 0 {
                let now = sqlx::query(
                    "SELECT stock, price_minor, currency, available FROM products WHERE id = $1",
                )
                .bind(&line.product.id)
                .fetch_one(&mut *write.tx)
                .await?;
                let price: i64 = now.get("price_minor");
                let currency: String = now.get("currency");
                let refusal = if now.get::<i64, _>("available") == 0 {
                    Error::ProductUnavailable(line.product.id.clone())
                } else if price != line.unit_price.amount_minor
                    || currency != line.unit_price.currency
                {
                    Error::PriceChanged(line.product.id.clone())
                } else {
                    Error::OutOfStock {
                        product_id: line.product.id.clone(),
                        available: now.get("stock"),
                    }
                };
                return Ok(Placement::Refused(refusal));
            }
        }

        let number = order_number();
        let now = token::now_ms();
        let request = order.request;
        let address = &request.shipping_address;
        let inserted = sqlx::query(
            "INSERT INTO orders
                 (number, merchant_id, session_id, idempotency_key, status, currency,
                  subtotal_minor, shipping_minor, total_minor, shipping_option,
                  email, name, address_line1, address_line2, city, postal_code, country,
                  payment_token, card_last4, created_at, updated_at)
             SELECT $1, p.merchant_id, $2, $3, 'placed', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19
             FROM products p WHERE p.id = $20
             ON CONFLICT (session_id, idempotency_key) DO NOTHING
             RETURNING id",
        )
        .bind(&number)
        .bind(&order.session.id)
        .bind(order.idempotency_key)
        .bind(&order.total.currency)
        .bind(order.subtotal.amount_minor)
        .bind(order.shipping.price.amount_minor)
        .bind(order.total.amount_minor)
        .bind(&order.shipping.id)
        .bind(request.contact.email.trim())
        .bind(request.contact.name.trim())
        .bind(address.line1.trim())
        .bind(address.line2.as_deref().map(str::trim))
        .bind(address.city.trim())
        .bind(address.postal_code.trim())
        .bind(address.country.trim().to_ascii_uppercase())
        .bind(&order.payment.token)
        .bind(&order.payment.last4)
        .bind(now)
        .bind(now)
        .bind(&order.cart.lines[0].product.id)
        .fetch_optional(&mut *write.tx)
        .await?;
        let Some(inserted) = inserted else {
            return Ok(Placement::Duplicate);
        };
        let order_id: i64 = inserted.get("id");

        let mut lines = Vec::with_capacity(order.cart.lines.len());
        for (position, line) in order.cart.lines.iter().enumerate() {
            sqlx::query(
                "INSERT INTO order_lines
                     (order_id, product_id, title, quantity, unit_price_minor, line_total_minor,
                      position)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(order_id)
            .bind(&line.product.id)
            .bind(&line.product.title)
            .bind(line.quantity)
            .bind(line.unit_price.amount_minor)
            .bind(line.line_total.amount_minor)
            .bind(position as i64)
            .execute(&mut *write.tx)
            .await?;
            // Only the lines as they were ordered leave the cart; a line the
            // shopper changed meanwhile in another tab stays.
            sqlx::query(
                "DELETE FROM cart_lines WHERE session_id = $1 AND product_id = $2 AND quantity = $3",
            )
            .bind(&order.session.id)
            .bind(&line.product.id)
            .bind(line.quantity)
            .execute(&mut *write.tx)
            .await?;
            lines.push(OrderLine {
                product_id: line.product.id.clone(),
                title: line.product.title.clone(),
                quantity: line.quantity,
                unit_price: line.unit_price.clone(),
                line_total: line.line_total.clone(),
            });
        }

        let confirmation = OrderConfirmation {
            number,
            status: OrderStatus::Placed,
            lines,
            subtotal: order.subtotal.clone(),
            shipping: order.shipping.price.clone(),
            total: order.total.clone(),
            shipping_option: order.shipping.id.clone(),
            card_last4: order.payment.last4.clone(),
            email_hint: email_hint(&request.contact.email),
        };
        // Serialising plain data with string keys cannot fail.
        let body = serde_json::to_string(&confirmation).expect("confirmation serialises");
        record(
            &mut write.tx,
            &order.session.id,
            order.idempotency_key,
            201,
            &body,
        )
        .await?;
        super::webhooks::enqueue(&mut write.tx, order_id, "order.placed").await?;
        write.commit().await?;
        Ok(Placement::Placed(confirmation))
    }

    /// The confirmation of order `number`, if session `session_id` placed it.
    pub async fn confirmation(&self, number: &str, session_id: &str) -> Result<OrderConfirmation> {
        let row = sqlx::query(&format!(
            "{ORDER_SELECT} WHERE o.number = $1 AND o.session_id = $2"
        ))
        .bind(number)
        .bind(session_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::OrderNotFound(number.to_string()))?;
        let order = self.order_from_row(row).await?;
        Ok(OrderConfirmation {
            number: order.number,
            status: order.status,
            lines: order.lines,
            subtotal: order.subtotal,
            shipping: order.shipping,
            total: order.total,
            shipping_option: order.shipping_option,
            card_last4: order.card_last4,
            email_hint: email_hint(&order.contact.email),
        })
    }

    /// Order `number` of merchant `merchant_id`.
    pub async fn merchant_order(&self, merchant_id: &str, number: &str) -> Result<Order> {
        let row = sqlx::query(&format!(
            "{ORDER_SELECT} WHERE o.number = $1 AND o.merchant_id = $2"
        ))
        .bind(number)
        .bind(merchant_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::OrderNotFound(number.to_string()))?;
        self.order_from_row(row).await
    }

    /// The merchant's latest orders, newest first, at most `limit`.
    pub async fn merchant_orders(&self, merchant_id: &str, limit: i64) -> Result<Vec<Order>> {
        let rows = sqlx::query(&format!(
            "{ORDER_SELECT} WHERE o.merchant_id = $1 ORDER BY o.created_at DESC, o.id DESC LIMIT $2"
        ))
        .bind(merchant_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut orders = Vec::with_capacity(rows.len());
        for row in rows {
            orders.push(self.order_from_row(row).await?);
        }
        Ok(orders)
    }

    /// Moves order `number` from `from` to `to`, if it is still in `from`;
    /// a cancelled order's stock goes back. Returns false when the order
    /// was no longer in `from` (someone else changed it first).
    pub async fn set_order_status(
        &self,
        merchant_id: &str,
        number: &str,
        from: OrderStatus,
        to: OrderStatus,
    ) -> Result<bool> {
        let mut write = self.write().await?;
        let changed = sqlx::query(
            "UPDATE orders SET status = $1, updated_at = $2
             WHERE number = $3 AND merchant_id = $4 AND status = $5
             RETURNING id",
        )
        .bind(to.as_str())
        .bind(token::now_ms())
        .bind(number)
        .bind(merchant_id)
        .bind(from.as_str())
        .fetch_optional(&mut *write.tx)
        .await?;
        let Some(changed) = changed else {
            return Ok(false);
        };
        let order_id: i64 = changed.get("id");
        if to == OrderStatus::Cancelled {
            sqlx::query(
                "UPDATE products SET stock = stock + l.quantity
                 FROM order_lines l WHERE l.order_id = $1 AND products.id = l.product_id",
            )
            .bind(order_id)
            .execute(&mut *write.tx)
            .await?;
        }
        let kind = format!("order.{}", to.as_str());
        super::webhooks::enqueue(&mut write.tx, order_id, &kind).await?;
        write.commit().await?;
        Ok(true)
    }

    /// The payment token of merchant `merchant_id`'s order `number`.
    pub async fn order_payment(
        &self,
        merchant_id: &str,
        number: &str,
    ) -> Result<(OrderStatus, String)> {
        let row = sqlx::query(
            "SELECT status, payment_token FROM orders WHERE number = $1 AND merchant_id = $2",
        )
        .bind(number)
        .bind(merchant_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::OrderNotFound(number.to_string()))?;
        Ok((
            status_from(&row.get::<String, _>("status")),
            row.get("payment_token"),
        ))
    }

    async fn order_from_row(&self, row: AnyRow) -> Result<Order> {
        let id: i64 = row.get("id");
        let currency: String = row.get("currency");
        let money = |amount_minor: i64| Money {
            amount_minor,
            currency: currency.clone(),
        };
        let lines = sqlx::query(
            "SELECT product_id, title, quantity, unit_price_minor, line_total_minor
             FROM order_lines WHERE order_id = $1 ORDER BY position, product_id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|line| OrderLine {
            product_id: line.get("product_id"),
            title: line.get("title"),
            quantity: line.get("quantity"),
            unit_price: money(line.get("unit_price_minor")),
            line_total: money(line.get("line_total_minor")),
        })
        .collect();
        Ok(Order {
            number: row.get("number"),
            status: status_from(&row.get::<String, _>("status")),
            session_id: row.get("session_id"),
            lines,
            subtotal: money(row.get("subtotal_minor")),
            shipping: money(row.get("shipping_minor")),
            total: money(row.get("total_minor")),
            shipping_option: row.get("shipping_option"),
            contact: Contact {
                email: row.get("email"),
                name: row.get("name"),
            },
            shipping_address: Address {
                line1: row.get("address_line1"),
                line2: row.get("address_line2"),
                city: row.get("city"),
                postal_code: row.get("postal_code"),
                country: row.get("country"),
            },
            card_last4: row.get("card_last4"),
            attribution: Attribution {
                campaign: row.get("campaign"),
                creative: row.get("creative"),
                placement: row.get("placement"),
                click_id: row.get("click_id"),
            },
            created_at: row.get("created_at"),
        })
    }
}

/// The columns every order read needs, joined with the session's
/// attribution.
const ORDER_SELECT: &str = "SELECT o.*, s.campaign, s.creative, s.placement, s.click_id
     FROM orders o JOIN sessions s ON s.id = o.session_id";

async fn record(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    session_id: &str,
    key: &str,
    status: u16,
    body: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET response_status = $1, response_body = $2
         WHERE session_id = $3 AND key = $4",
    )
    .bind(i64::from(status))
    .bind(body)
    .bind(session_id)
    .bind(key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The schema's CHECK admits only known statuses, so the fallback is never
/// taken; it keeps a corrupted row from panicking a request.
fn status_from(name: &str) -> OrderStatus {
    OrderStatus::parse(name).unwrap_or(OrderStatus::Placed)
}

/// A random order number such as `K7-3F9Q-XD2M`: 40 random bits in an
/// alphabet without 0/O and 1/I, easy to read out on the phone.
fn order_number() -> String {
    const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut bytes = [0u8; 10];
    OsRng.fill_bytes(&mut bytes);
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b % 32)] as char)
        .collect();
    format!("{}-{}-{}", &chars[..2], &chars[2..6], &chars[6..])
}

/// `jane@example.com` → `j***@example.com`.
pub fn email_hint(email: &str) -> String {
    let email = email.trim();
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}
