//! Sessions and their carts.
//!
//! A session is found by the digest of its token. A cart belongs to one
//! session and sells for one merchant in one currency: the first line added
//! fixes both. Stock is checked whenever a line grows; it is only taken at
//! checkout, so a cart never holds stock back from other shoppers.

use kiosk_wire::{Attribution, Cart};
use sqlx::Row;

use super::{product_from_row, Store};
use crate::error::{Error, Result};
use crate::pricing;
use crate::token;

/// A session as the platform knows it, without its token (which it never
/// stores).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: String,
    pub merchant_id: Option<String>,
    pub attribution: Attribution,
}

impl Store {
    /// Creates a session; returns it with its token, which exists only in
    /// this answer from now on.
    pub async fn create_session(
        &self,
        attribution: &Attribution,
    ) -> Result<(SessionRecord, String)> {
        self.create_session_for(attribution, None).await
    }

    /// Creates a session, bound from the start to `merchant_id` if given
    /// (sessions an ad network opens for one merchant).
    pub async fn create_session_for(
        &self,
        attribution: &Attribution,
        merchant_id: Option<&str>,
    ) -> Result<(SessionRecord, String)> {
        let id = token::random_id("ses_", 16);
        let secret = token::secret("kst_");
        let mut write = self.write().await?;
        sqlx::query(
            "INSERT INTO sessions
                 (id, token_hash, merchant_id, campaign, creative, placement, click_id,
                  created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(token::digest(&secret))
        .bind(merchant_id)
        .bind(&attribution.campaign)
        .bind(&attribution.creative)
        .bind(&attribution.placement)
        .bind(&attribution.click_id)
        .bind(token::now_ms())
        .execute(&mut *write.tx)
        .await?;
        write.commit().await?;
        let record = SessionRecord {
            id,
            merchant_id: merchant_id.map(str::to_string),
            attribution: attribution.clone(),
        };
        Ok((record, secret))
    }

    /// The session whose token is `secret`.
    pub async fn session_by_token(&self, secret: &str) -> Result<SessionRecord> {
        let row = sqlx::query(
            "SELECT id, merchant_id, campaign, creative, placement, click_id
             FROM sessions WHERE token_hash = $1",
        )
        .bind(token::digest(secret))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::SessionNotFound)?;
        Ok(session_from_row(&row))
    }

    /// The session with public id `id`, if there is one.
    pub async fn session_by_id(&self, id: &str) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT id, merchant_id, campaign, creative, placement, click_id
             FROM sessions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(session_from_row))
    }

    /// The session's cart at current prices.
    pub async fn cart(&self, session_id: &str) -> Result<Cart> {
        let rows = sqlx::query(
            "SELECT p.id, p.title, p.description, p.image_url, p.price_minor, p.currency,
                    p.stock, p.available, p.attributes, p.images, c.quantity
             FROM cart_lines c JOIN products p ON p.id = c.product_id
             WHERE c.session_id = $1
             ORDER BY c.added_at, c.product_id",
        )
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?;
        let lines = rows
            .into_iter()
            .map(|row| {
                let quantity: i64 = row.get("quantity");
                (product_from_row(row), quantity)
            })
            .collect();
        pricing::cart(lines)
    }

    /// Adds `quantity` units of a product to the session's cart, growing its
    /// line if there is one.
    pub async fn add_line(&self, session_id: &str, product_id: &str, quantity: i64) -> Result<()> {
        pricing::check_quantity(quantity)?;
        let mut write = self.write().await?;
        write.lock_session(session_id).await?;

        let product = sqlx::query(
            "SELECT merchant_id, currency, stock, available,
                    (SELECT COUNT(*) FROM products v WHERE v.parent_id = p.id) AS variants
             FROM products p WHERE id = $1",
        )
        .bind(product_id)
        .fetch_optional(&mut *write.tx)
        .await?
        .ok_or_else(|| Error::ProductNotFound(product_id.to_string()))?;
        // A product with sizes or colours is sold by the variant chosen.
        if product.get::<i64, _>("variants") > 0 {
            return Err(Error::VariantRequired(product_id.to_string()));
        }
        if product.get::<i64, _>("available") == 0 {
            return Err(Error::ProductUnavailable(product_id.to_string()));
        }
        let merchant_id: String = product.get("merchant_id");
        let currency: String = product.get("currency");
        let stock: i64 = product.get("stock");

        // A cart sells for one merchant in one currency, so its totals add up.
        let cart = sqlx::query(
            "SELECT s.merchant_id,
                    (SELECT p.currency FROM cart_lines c JOIN products p ON p.id = c.product_id
                     WHERE c.session_id = s.id LIMIT 1) AS currency,
                    (SELECT quantity FROM cart_lines
                     WHERE session_id = s.id AND product_id = $1) AS quantity
             FROM sessions s WHERE s.id = $2",
        )
        .bind(product_id)
        .bind(session_id)
        .fetch_one(&mut *write.tx)
        .await?;
        let cart_merchant: Option<String> = cart.get("merchant_id");
        let cart_currency: Option<String> = cart.get("currency");
        if cart_merchant.is_some_and(|m| m != merchant_id)
            || cart_currency.is_some_and(|c| c != currency)
        {
            return Err(Error::CartMismatch(product_id.to_string()));
        }

        let in_cart: i64 = cart.get::<Option<i64>, _>("quantity").unwrap_or(0);
        let wanted = in_cart + quantity;
        pricing::check_quantity(wanted)?;
        if wanted > stock {
            return Err(Error::OutOfStock {
                product_id: product_id.to_string(),
                available: stock,
            });
        }

        sqlx::query(
            "INSERT INTO cart_lines (session_id, product_id, quantity, added_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (session_id, product_id) DO UPDATE SET quantity = excluded.quantity",
        )
        .bind(session_id)
        .bind(product_id)
        .bind(wanted)
        .bind(token::now_ms())
        .execute(&mut *write.tx)
        .await?;
        sqlx::query("UPDATE sessions SET merchant_id = $1 WHERE id = $2")
            .bind(&merchant_id)
            .bind(session_id)
            .execute(&mut *write.tx)
            .await?;
        write.commit().await
    }

    /// Sets the quantity of the session's line for a product.
    pub async fn set_quantity(
        &self,
        session_id: &str,
        product_id: &str,
        quantity: i64,
    ) -> Result<()> {
        pricing::check_quantity(quantity)?;
        let mut write = self.write().await?;
        let stock: i64 = sqlx::query(
            "SELECT p.stock FROM cart_lines c JOIN products p ON p.id = c.product_id
             WHERE c.session_id = $1 AND c.product_id = $2",
        )
        .bind(session_id)
        .bind(product_id)
        .fetch_optional(&mut *write.tx)
        .await?
        .ok_or_else(|| Error::LineNotFound(product_id.to_string()))?
        .get("stock");
        if quantity > stock {
            return Err(Error::OutOfStock {
                product_id: product_id.to_string(),
                available: stock,
            });
        }
        sqlx::query(
            "UPDATE cart_lines SET quantity = $1 WHERE session_id = $2 AND product_id = $3",
        )
        .bind(quantity)
        .bind(session_id)
        .bind(product_id)
        .execute(&mut *write.tx)
        .await?;
        write.commit().await
    }

    /// Removes the session's line for a product; removing a line that is not
    /// there is not an error, so a retried removal succeeds.
    pub async fn remove_line(&self, session_id: &str, product_id: &str) -> Result<()> {
        let mut write = self.write().await?;
        sqlx::query("DELETE FROM cart_lines WHERE session_id = $1 AND product_id = $2")
            .bind(session_id)
            .bind(product_id)
            .execute(&mut *write.tx)
            .await?;
        write.commit().await
    }
}

fn session_from_row(row: &sqlx::any::AnyRow) -> SessionRecord {
    SessionRecord {
        id: row.get("id"),
        merchant_id: row.get("merchant_id"),
        attribution: Attribution {
            campaign: row.get("campaign"),
            creative: row.get("creative"),
            placement: row.get("placement"),
            click_id: row.get("click_id"),
        },
    }
}
