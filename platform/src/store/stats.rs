//! What the admin page reads: the merchant's funnel split by a dimension or
//! by time, the merchant's product ids, and the one-time tickets that open
//! the merchant's feed from a browser.
//!
//! An event belongs to the merchant of its placement, else of its product,
//! else of its session's cart: the same rule ingest uses to route it to a
//! feed. Events are counted by when the platform received them (a client's
//! clock is not trusted); orders by when they were placed. A merchant sells
//! in one currency, its products' (orders in any other are left out of
//! revenue).

use std::collections::HashMap;

use kiosk_wire::{FunnelCounts, FunnelDimension};
use sqlx::Row;

use super::Store;
use crate::error::Result;
use crate::token;

/// A time window, `[from, to)` in milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from: i64,
    pub to: i64,
}

impl Window {
    /// All of time.
    pub const ALL: Window = Window {
        from: 0,
        to: i64::MAX,
    };
}

/// Which events are the merchant's, joined for [`MERCHANT_OF_EVENT`].
const EVENT_JOINS: &str = "FROM events e
     LEFT JOIN placements pl ON pl.id = e.placement
     LEFT JOIN products pr ON pr.id = e.product_id
     LEFT JOIN sessions s ON s.id = e.session_id";

/// The merchant an event belongs to, over [`EVENT_JOINS`].
const MERCHANT_OF_EVENT: &str = "COALESCE(pl.merchant_id, pr.merchant_id, s.merchant_id)";

/// Orders that count: placed, paid or fulfilled.
const LIVE_ORDER: &str = "o.status NOT IN ('cancelled', 'refunded')";

impl Store {
    /// The currency merchant `merchant_id` sells in: its products'.
    pub async fn merchant_currency(&self, merchant_id: &str) -> Result<String> {
        let currency: Option<String> = sqlx::query_scalar(
            "SELECT currency FROM products WHERE merchant_id = $1 ORDER BY position, id LIMIT 1",
        )
        .bind(merchant_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(currency.unwrap_or_else(|| "EUR".to_string()))
    }

    /// The ids of merchant `merchant_id`'s products, sold-out ones too, in
    /// the merchant's order.
    pub async fn merchant_product_ids(&self, merchant_id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM products WHERE merchant_id = $1 ORDER BY position, id",
        )
        .bind(merchant_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The merchant's funnel within `window`, per value of `by` (events or
    /// orders without a value are left out) and in total.
    pub async fn funnel(
        &self,
        merchant_id: &str,
        by: FunnelDimension,
        window: Window,
    ) -> Result<(Vec<(String, FunnelCounts)>, FunnelCounts)> {
        let currency = self.merchant_currency(merchant_id).await?;
        let event_column = match by {
            FunnelDimension::Campaign => "e.campaign",
            FunnelDimension::Creative => "e.creative",
            FunnelDimension::Placement => "e.placement",
            FunnelDimension::Product => "e.product_id",
        };
        let mut rows: HashMap<String, FunnelCounts> = HashMap::new();
        let mut total = FunnelCounts::zero(&currency);

        let events = sqlx::query(&format!(
            "SELECT {event_column} AS k, e.kind AS kind, COUNT(*) AS n {EVENT_JOINS}
             WHERE {MERCHANT_OF_EVENT} = $1 AND e.received_at >= $2 AND e.received_at < $3
             GROUP BY 1, 2"
        ))
        .bind(merchant_id)
        .bind(window.from)
        .bind(window.to)
        .fetch_all(&self.pool)
        .await?;
        for row in events {
            let key: Option<String> = row.get("k");
            let kind: String = row.get("kind");
            let n: i64 = row.get("n");
            add_event(&mut total, &kind, n);
            if let Some(key) = key {
                let counts = rows
                    .entry(key)
                    .or_insert_with(|| FunnelCounts::zero(&currency));
                add_event(counts, &kind, n);
            }
        }

        let orders = match by {
            FunnelDimension::Product => format!(
                "SELECT ol.product_id AS k, COUNT(DISTINCT o.id) AS n,
                        CAST(COALESCE(SUM(ol.line_total_minor), 0) AS BIGINT) AS revenue
                 FROM order_lines ol JOIN orders o ON o.id = ol.order_id
                 WHERE o.merchant_id = $1 AND o.created_at >= $2 AND o.created_at < $3
                   AND o.currency = $4 AND {LIVE_ORDER}
                 GROUP BY ol.product_id"
            ),
            _ => {
                let column = match by {
                    FunnelDimension::Campaign => "s.campaign",
                    FunnelDimension::Creative => "s.creative",
                    _ => "s.placement",
                };
                format!(
                    "SELECT {column} AS k, COUNT(*) AS n,
                            CAST(COALESCE(SUM(o.total_minor), 0) AS BIGINT) AS revenue
                     FROM orders o JOIN sessions s ON s.id = o.session_id
                     WHERE o.merchant_id = $1 AND o.created_at >= $2 AND o.created_at < $3
                       AND o.currency = $4 AND {LIVE_ORDER}
                     GROUP BY {column}"
                )
            }
        };
        let orders = sqlx::query(&orders)
            .bind(merchant_id)
            .bind(window.from)
            .bind(window.to)
            .bind(&currency)
            .fetch_all(&self.pool)
            .await?;
        for row in orders {
            let Some(key) = row.get::<Option<String>, _>("k") else {
                continue;
            };
            let counts = rows
                .entry(key)
                .or_insert_with(|| FunnelCounts::zero(&currency));
            counts.orders += row.get::<i64, _>("n");
            counts.revenue.amount_minor += row.get::<i64, _>("revenue");
        }

        let all_orders = sqlx::query(&format!(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(o.total_minor), 0) AS BIGINT) AS revenue
             FROM orders o
             WHERE o.merchant_id = $1 AND o.created_at >= $2 AND o.created_at < $3
               AND o.currency = $4 AND {LIVE_ORDER}"
        ))
        .bind(merchant_id)
        .bind(window.from)
        .bind(window.to)
        .bind(&currency)
        .fetch_one(&self.pool)
        .await?;
        total.orders = all_orders.get("n");
        total.revenue.amount_minor = all_orders.get("revenue");

        let mut rows: Vec<(String, FunnelCounts)> = rows.into_iter().collect();
        rows.sort_by(|(a_key, a), (b_key, b)| {
            (b.impressions, b.orders, b.product_views)
                .cmp(&(a.impressions, a.orders, a.product_views))
                .then_with(|| a_key.cmp(b_key))
        });
        Ok((rows, total))
    }

    /// The merchant's whole funnel in `buckets` intervals of `bucket_ms`
    /// from `from`: one entry per interval, empty ones included.
    pub async fn funnel_series(
        &self,
        merchant_id: &str,
        from: i64,
        bucket_ms: i64,
        buckets: i64,
    ) -> Result<Vec<FunnelCounts>> {
        let currency = self.merchant_currency(merchant_id).await?;
        let to = from + bucket_ms * buckets;
        let mut series = vec![FunnelCounts::zero(&currency); buckets as usize];

        let events = sqlx::query(&format!(
            "SELECT (e.received_at - $2) / $4 AS b, e.kind AS kind, COUNT(*) AS n {EVENT_JOINS}
             WHERE {MERCHANT_OF_EVENT} = $1 AND e.received_at >= $2 AND e.received_at < $3
             GROUP BY 1, 2"
        ))
        .bind(merchant_id)
        .bind(from)
        .bind(to)
        .bind(bucket_ms)
        .fetch_all(&self.pool)
        .await?;
        for row in events {
            let bucket: i64 = row.get("b");
            if let Some(counts) = usize::try_from(bucket).ok().and_then(|b| series.get_mut(b)) {
                add_event(counts, &row.get::<String, _>("kind"), row.get("n"));
            }
        }

        let orders = sqlx::query(&format!(
            "SELECT (o.created_at - $2) / $4 AS b, COUNT(*) AS n,
                    CAST(COALESCE(SUM(o.total_minor), 0) AS BIGINT) AS revenue
             FROM orders o
             WHERE o.merchant_id = $1 AND o.created_at >= $2 AND o.created_at < $3
               AND o.currency = $5 AND {LIVE_ORDER}
             GROUP BY 1"
        ))
        .bind(merchant_id)
        .bind(from)
        .bind(to)
        .bind(bucket_ms)
        .bind(&currency)
        .fetch_all(&self.pool)
        .await?;
        for row in orders {
            let bucket: i64 = row.get("b");
            if let Some(counts) = usize::try_from(bucket).ok().and_then(|b| series.get_mut(b)) {
                counts.orders += row.get::<i64, _>("n");
                counts.revenue.amount_minor += row.get::<i64, _>("revenue");
            }
        }
        Ok(series)
    }

    /// A one-time feed ticket for merchant `merchant_id`, valid for
    /// `ttl_ms`; returns it and when it expires. Expired tickets are
    /// cleared on the way.
    pub async fn issue_feed_ticket(&self, merchant_id: &str, ttl_ms: i64) -> Result<(String, i64)> {
        let ticket = token::secret("kft_");
        let now = token::now_ms();
        let expires_at = now + ttl_ms;
        let mut write = self.write().await?;
        sqlx::query("DELETE FROM feed_tickets WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *write.tx)
            .await?;
        sqlx::query(
            "INSERT INTO feed_tickets (ticket_hash, merchant_id, expires_at, created_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token::digest(&ticket))
        .bind(merchant_id)
        .bind(expires_at)
        .bind(now)
        .execute(&mut *write.tx)
        .await?;
        write.commit().await?;
        Ok((ticket, expires_at))
    }

    /// Uses up feed ticket `ticket`: the merchant it was issued to, if it
    /// exists and has not expired. A ticket opens one stream only.
    pub async fn redeem_feed_ticket(&self, ticket: &str) -> Result<Option<String>> {
        let mut write = self.write().await?;
        let row = sqlx::query(
            "DELETE FROM feed_tickets WHERE ticket_hash = $1 RETURNING merchant_id, expires_at",
        )
        .bind(token::digest(ticket))
        .fetch_optional(&mut *write.tx)
        .await?;
        write.commit().await?;
        Ok(row.and_then(|row| {
            let expires_at: i64 = row.get("expires_at");
            (expires_at > token::now_ms()).then(|| row.get("merchant_id"))
        }))
    }
}

/// Adds `n` events of kind `kind` to `counts`.
fn add_event(counts: &mut FunnelCounts, kind: &str, n: i64) {
    match kind {
        "impression" => counts.impressions += n,
        "viewable_impression" => counts.viewable += n,
        "click" => counts.clicks += n,
        "product_view" => counts.product_views += n,
        "add_to_cart" => counts.add_to_cart += n,
        "checkout_start" => counts.checkouts += n,
        // Purchases are counted from the orders themselves.
        _ => {}
    }
}
