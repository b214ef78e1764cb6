//! Events as clients reported them: append-only, deduplicated per session
//! by the client's event id.

use kiosk_wire::Event;

use super::Store;
use crate::error::Result;
use crate::token;

impl Store {
    /// Writes checked events in one transaction; returns, per event, whether
    /// it was new (false: a duplicate of one already stored).
    pub async fn insert_events(&self, events: &[&Event]) -> Result<Vec<bool>> {
        let mut write = self.write().await?;
        let received_at = token::now_ms();
        let mut fresh = Vec::with_capacity(events.len());
        for event in events {
            let inserted = sqlx::query(
                "INSERT INTO events
                     (session_id, client_event_id, kind, placement, creative, campaign,
                      product_id, occurred_at, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (session_id, client_event_id) DO NOTHING",
            )
            .bind(&event.session)
            .bind(&event.id)
            .bind(event.kind.as_str())
            .bind(&event.placement)
            .bind(&event.creative)
            .bind(&event.campaign)
            .bind(&event.product)
            .bind(event.occurred_at)
            .bind(received_at)
            .execute(&mut *write.tx)
            .await?
            .rows_affected();
            fresh.push(inserted == 1);
        }
        write.commit().await?;
        Ok(fresh)
    }

    /// The ids of merchant `merchant_id`'s products that session
    /// `session_id` viewed, latest first, at most `limit`.
    pub async fn viewed_products(
        &self,
        session_id: &str,
        merchant_id: &str,
        limit: i64,
    ) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT e.product_id FROM events e JOIN products p ON p.id = e.product_id
             WHERE e.session_id = $1 AND e.kind = 'product_view' AND p.merchant_id = $2
             GROUP BY e.product_id ORDER BY MAX(e.id) DESC LIMIT $3",
        )
        .bind(session_id)
        .bind(merchant_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether placement `id` exists.
    pub async fn placement_exists(&self, id: &str) -> Result<bool> {
        Ok(sqlx::query("SELECT 1 FROM placements WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }

    /// Whether product `id` exists.
    pub async fn product_exists(&self, id: &str) -> Result<bool> {
        Ok(sqlx::query("SELECT 1 FROM products WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }
}
