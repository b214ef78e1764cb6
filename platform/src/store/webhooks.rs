//! Webhook endpoints and the outbox of deliveries owed to them.

use sqlx::{Any, Row, Transaction};

use super::{Backend, Store};
use crate::error::Result;
use crate::token;

/// One delivery that is due, with where and how to send it.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: i64,
    pub merchant_id: String,
    pub kind: String,
    pub order_number: String,
    pub attempts: i64,
    pub url: String,
    pub secret: String,
    /// The merchant's field map as JSON, if it set one.
    pub field_map: Option<String>,
}

impl Store {
    /// Sets the merchant's webhook endpoint with a fresh signing secret, and
    /// returns the secret.
    pub async fn set_webhook(
        &self,
        merchant_id: &str,
        url: &str,
        field_map: Option<&str>,
    ) -> Result<String> {
        let secret = token::secret("whsec_");
        let mut write = self.write().await?;
        sqlx::query(
            "INSERT INTO webhook_endpoints (merchant_id, url, secret, field_map, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (merchant_id) DO UPDATE SET url = excluded.url,
                 secret = excluded.secret, field_map = excluded.field_map,
                 updated_at = excluded.updated_at",
        )
        .bind(merchant_id)
        .bind(url)
        .bind(&secret)
        .bind(field_map)
        .bind(token::now_ms())
        .execute(&mut *write.tx)
        .await?;
        write.commit().await?;
        Ok(secret)
    }

    /// Claims up to `limit` deliveries due at `now`, oldest first, until
    /// `lease_until`: they are not due again before then, so another
    /// instance on the same database does not send them too, and one that
    /// dies mid-send is retried once the lease ends. On PostgreSQL rows
    /// another instance is claiming are skipped, not waited for.
    pub async fn claim_due_deliveries(
        &self,
        now: i64,
        limit: i64,
        lease_until: i64,
    ) -> Result<Vec<Delivery>> {
        let mut write = self.write().await?;
        let skip_locked = match self.backend() {
            Backend::Postgres { .. } => " FOR UPDATE OF o SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let rows = sqlx::query(&format!(
            "SELECT o.id, o.merchant_id, o.kind, o.order_number, o.attempts,
                    w.url, w.secret, w.field_map
             FROM outbox o JOIN webhook_endpoints w ON w.merchant_id = o.merchant_id
             WHERE o.delivered_at IS NULL AND o.next_attempt_at <= $1
             ORDER BY o.next_attempt_at, o.id LIMIT $2{skip_locked}"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *write.tx)
        .await?;
        let claimed: Vec<Delivery> = rows
            .into_iter()
            .map(|row| Delivery {
                id: row.get("id"),
                merchant_id: row.get("merchant_id"),
                kind: row.get("kind"),
                order_number: row.get("order_number"),
                attempts: row.get("attempts"),
                url: row.get("url"),
                secret: row.get("secret"),
                field_map: row.get("field_map"),
            })
            .collect();
        for delivery in &claimed {
            sqlx::query("UPDATE outbox SET next_attempt_at = $1 WHERE id = $2")
                .bind(lease_until)
                .bind(delivery.id)
                .execute(&mut *write.tx)
                .await?;
        }
        write.commit().await?;
        Ok(claimed)
    }

    /// When the next undelivered delivery is due, if any is owed.
    pub async fn next_delivery_at(&self) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar(
                "SELECT MIN(next_attempt_at) FROM outbox WHERE delivered_at IS NULL",
            )
            .fetch_one(&self.pool)
            .await?,
        )
    }

    /// Marks delivery `id` as received by the merchant.
    pub async fn delivered(&self, id: i64) -> Result<()> {
        let mut write = self.write().await?;
        sqlx::query("UPDATE outbox SET delivered_at = $1, attempts = attempts + 1 WHERE id = $2")
            .bind(token::now_ms())
            .bind(id)
            .execute(&mut *write.tx)
            .await?;
        write.commit().await
    }

    /// Records a failed attempt of delivery `id` and when to try again.
    pub async fn delivery_failed(&self, id: i64, retry_at: i64, error: &str) -> Result<()> {
        let mut write = self.write().await?;
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2
             WHERE id = $3",
        )
        .bind(retry_at)
        .bind(error)
        .bind(id)
        .execute(&mut *write.tx)
        .await?;
        write.commit().await
    }
}

/// Owes a `kind` delivery for order `order_id` to its merchant's webhook,
/// inside the transaction that changes the order. Merchants without a
/// webhook owe nothing.
pub(crate) async fn enqueue(
    tx: &mut Transaction<'static, Any>,
    order_id: i64,
    kind: &str,
) -> Result<()> {
    let now = token::now_ms();
    sqlx::query(
        "INSERT INTO outbox (merchant_id, kind, order_number, next_attempt_at, created_at)
         SELECT o.merchant_id, $1, o.number, $2, $3
         FROM orders o JOIN webhook_endpoints w ON w.merchant_id = o.merchant_id
         WHERE o.id = $4",
    )
    .bind(kind)
    .bind(now)
    .bind(now)
    .bind(order_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
