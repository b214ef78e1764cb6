//! Events as clients reported them: append-only, deduplicated per session
//! by the client's event id. The same transaction counts each new product
//! outcome (a view, an add to cart, a purchase) for placement optimisation
//! (`placement_stats`) and price rules (`product_outcomes`).

use kiosk_wire::{Event, EventKind, FeedTotals, Money};
use sqlx::Row;

use super::{Store, WriteTx};
use crate::error::Result;
use crate::token;

/// What storing a batch did.
#[derive(Clone, Debug, Default)]
pub struct Ingested {
    /// Per event: whether it was new (false: a duplicate of one already
    /// stored).
    pub fresh: Vec<bool>,
    /// Products whose outcomes changed, for the price rules to look at.
    pub products: Vec<String>,
}

impl Store {
    /// Writes checked events in one transaction; returns, per event, whether
    /// it was new (false: a duplicate of one already stored).
    pub async fn insert_events(&self, events: &[&Event]) -> Result<Vec<bool>> {
        Ok(self.ingest_events(events).await?.fresh)
    }

    /// Writes checked events and counts their product outcomes, in one
    /// transaction.
    pub async fn ingest_events(&self, events: &[&Event]) -> Result<Ingested> {
        let mut write = self.write().await?;
        let received_at = token::now_ms();
        let mut fresh = Vec::with_capacity(events.len());
        let mut products = Vec::new();
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
            if inserted == 1 {
                count_outcomes(&mut write, event, received_at, &mut products).await?;
            }
        }
        write.commit().await?;
        products.sort();
        products.dedup();
        Ok(Ingested { fresh, products })
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

/// Counts what a new event says about products: a view or an add to cart of
/// the product it names; a purchase of the product it names or, when it
/// names none, of each product of the session's latest order.
async fn count_outcomes(
    write: &mut WriteTx<'_>,
    event: &Event,
    received_at: i64,
    touched: &mut Vec<String>,
) -> Result<()> {
    let (kind, views, carts, purchases) = match event.kind {
        EventKind::ProductView => ("view", 1, 0, 0),
        EventKind::AddToCart => ("add_to_cart", 0, 1, 0),
        EventKind::Purchase => ("purchase", 0, 0, 1),
        _ => return Ok(()),
    };
    let products = match (&event.product, event.kind) {
        (Some(product), _) => vec![product.clone()],
        (None, EventKind::Purchase) => sqlx::query(
            "SELECT product_id FROM order_lines
                 WHERE order_id = (SELECT MAX(id) FROM orders WHERE session_id = $1)",
        )
        .bind(&event.session)
        .fetch_all(&mut *write.tx)
        .await?
        .into_iter()
        .map(|row| row.get("product_id"))
        .collect(),
        (None, _) => return Ok(()),
    };
    for product in products {
        sqlx::query(
            "INSERT INTO product_outcomes (product_id, placement_id, kind, received_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&product)
        .bind(&event.placement)
        .bind(kind)
        .bind(received_at)
        .execute(&mut *write.tx)
        .await?;
        if let Some(placement) = &event.placement {
            sqlx::query(
                "INSERT INTO placement_stats
                     (placement_id, product_id, views, add_to_carts, purchases)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (placement_id, product_id) DO UPDATE SET
                     views = placement_stats.views + excluded.views,
                     add_to_carts = placement_stats.add_to_carts + excluded.add_to_carts,
                     purchases = placement_stats.purchases + excluded.purchases",
            )
            .bind(placement)
            .bind(&product)
            .bind(views as i64)
            .bind(carts as i64)
            .bind(purchases as i64)
            .execute(&mut *write.tx)
            .await?;
        }
        touched.push(product);
    }
    Ok(())
}

impl Store {
    /// Merchant `merchant_id`'s running totals from the database: its
    /// events (attributed as ingest does: by placement, else product, else
    /// the session's cart) and its orders not cancelled or refunded.
    pub async fn feed_totals(&self, merchant_id: &str) -> Result<FeedTotals> {
        let mut totals = FeedTotals::default();
        let kinds = sqlx::query(
            "SELECT e.kind, COUNT(*) AS n FROM events e
             LEFT JOIN placements pl ON pl.id = e.placement
             LEFT JOIN products p ON p.id = e.product_id
             LEFT JOIN sessions s ON s.id = e.session_id
             WHERE COALESCE(pl.merchant_id, p.merchant_id, s.merchant_id) = $1
             GROUP BY e.kind",
        )
        .bind(merchant_id)
        .fetch_all(&self.pool)
        .await?;
        for row in kinds {
            let kind: String = row.get("kind");
            let n: i64 = row.get("n");
            if let Some(count) = totals_count(&mut totals, &kind) {
                *count += n;
            }
        }
        let orders = sqlx::query(
            "SELECT currency, COUNT(*) AS n, CAST(SUM(total_minor) AS BIGINT) AS revenue
             FROM orders WHERE merchant_id = $1 AND status NOT IN ('cancelled', 'refunded')
             GROUP BY currency ORDER BY currency",
        )
        .bind(merchant_id)
        .fetch_all(&self.pool)
        .await?;
        for row in orders {
            totals.orders += row.get::<i64, _>("n");
            totals.revenue.push(Money {
                amount_minor: row.get("revenue"),
                currency: row.get("currency"),
            });
        }
        Ok(totals)
    }
}

/// The counter of `totals` that events of kind `kind` add to, if any.
pub fn totals_count<'a>(totals: &'a mut FeedTotals, kind: &str) -> Option<&'a mut i64> {
    Some(match kind {
        "impression" => &mut totals.impressions,
        "viewable_impression" => &mut totals.viewable_impressions,
        "click" => &mut totals.clicks,
        "product_view" => &mut totals.product_views,
        "add_to_cart" => &mut totals.add_to_carts,
        "checkout_start" => &mut totals.checkout_starts,
        _ => return None,
    })
}
