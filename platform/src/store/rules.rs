//! Price rules, the windows they look at, the price changes they make and
//! the audit of every price change (manual ones included).
//!
//! A rule's price change and its audit row are written in one transaction
//! with the rule's new state, and only if the price is still the one the
//! rule saw: a merchant's edit in between wins, and a rule never reverts a
//! price it did not set.

use kiosk_wire::{
    Money, NewPriceRule, PriceChange, PriceChangeReason, PriceRule, Product, ProductUpdate,
    RuleFigures,
};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{product_from_row, Store, WriteTx};
use crate::error::{Error, Result};
use crate::token;

/// A rule with what only the platform needs to know of it.
#[derive(Clone, Debug)]
pub struct RuleState {
    pub rule: PriceRule,
    pub merchant_id: String,
    /// While active: the price the rule set, which it may revert.
    pub applied_price_minor: Option<i64>,
}

/// What a rule is about to do to a product's price.
#[derive(Clone, Debug)]
pub struct RuleChange<'a> {
    pub rule: &'a RuleState,
    pub reason: PriceChangeReason,
    /// The price the rule saw; nothing changes if it is no longer current.
    pub from_minor: i64,
    pub to_minor: i64,
    pub figures: &'a RuleFigures,
}

const RULE_COLUMNS: &str = "r.id, r.merchant_id, r.name, r.product_id, r.placement_id,
     r.window_views, r.min_add_to_cart_rate, r.max_purchase_rate, r.discount_percent,
     r.floor_minor, r.enabled, r.active, r.base_price_minor, r.applied_price_minor,
     r.created_at, p.currency";

impl Store {
    /// Creates a price rule for merchant `merchant_id`, checked against its
    /// catalog.
    pub async fn create_rule(&self, merchant_id: &str, new: &NewPriceRule) -> Result<RuleState> {
        if self.product_merchant(&new.product_id).await? != merchant_id {
            return Err(Error::ProductNotFound(new.product_id.clone()));
        }
        if let Some(placement) = &new.placement {
            self.check_placement_of(merchant_id, placement).await?;
        }
        let id = token::random_id("prl_", 12);
        let mut write = self.write().await?;
        sqlx::query(
            "INSERT INTO price_rules
                 (id, merchant_id, name, product_id, placement_id, window_views,
                  min_add_to_cart_rate, max_purchase_rate, discount_percent, floor_minor,
                  enabled, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12)",
        )
        .bind(&id)
        .bind(merchant_id)
        .bind(new.name.trim())
        .bind(&new.product_id)
        .bind(&new.placement)
        .bind(new.window_views)
        .bind(new.min_add_to_cart_rate)
        .bind(new.max_purchase_rate)
        .bind(new.discount_percent)
        .bind(new.floor_minor)
        .bind(i64::from(new.enabled))
        .bind(token::now_ms())
        .execute(&mut *write.tx)
        .await?;
        write.commit().await?;
        self.rule(merchant_id, &id).await
    }

    /// Merchant `merchant_id`'s rule `id`.
    pub async fn rule(&self, merchant_id: &str, id: &str) -> Result<RuleState> {
        let sql = format!(
            "SELECT {RULE_COLUMNS} FROM price_rules r JOIN products p ON p.id = r.product_id
             WHERE r.id = $1 AND r.merchant_id = $2"
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .bind(merchant_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::RuleNotFound(id.to_string()))?;
        Ok(rule_from_row(&row))
    }

    /// Merchant `merchant_id`'s rules, oldest first.
    pub async fn rules(&self, merchant_id: &str) -> Result<Vec<RuleState>> {
        let sql = format!(
            "SELECT {RULE_COLUMNS} FROM price_rules r JOIN products p ON p.id = r.product_id
             WHERE r.merchant_id = $1 ORDER BY r.created_at, r.id"
        );
        let rows = sqlx::query(&sql)
            .bind(merchant_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(rule_from_row).collect())
    }

    /// The rules that may have something to do: enabled ones and active
    /// ones, of the given products (all products when `None`).
    pub async fn live_rules(&self, products: Option<&[String]>) -> Result<Vec<RuleState>> {
        let sql = format!(
            "SELECT {RULE_COLUMNS} FROM price_rules r JOIN products p ON p.id = r.product_id
             WHERE r.enabled = 1 OR r.active = 1 ORDER BY r.created_at, r.id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(rule_from_row)
            .filter(|state| products.is_none_or(|ids| ids.contains(&state.rule.product_id)))
            .collect())
    }

    /// Switches rule `id` on or off; returns it as it is now.
    pub async fn set_rule_enabled(
        &self,
        merchant_id: &str,
        id: &str,
        enabled: bool,
    ) -> Result<RuleState> {
        let mut write = self.write().await?;
        let changed =
            sqlx::query("UPDATE price_rules SET enabled = $1 WHERE id = $2 AND merchant_id = $3")
                .bind(i64::from(enabled))
                .bind(id)
                .bind(merchant_id)
                .execute(&mut *write.tx)
                .await?
                .rows_affected();
        if changed == 0 {
            return Err(Error::RuleNotFound(id.to_string()));
        }
        write.commit().await?;
        self.rule(merchant_id, id).await
    }

    /// What rule `rule` sees now: the last `window_views` views of its
    /// product (in its placement, if it has one) and the add-to-cart and
    /// purchase outcomes since the first of them.
    pub async fn rule_figures(&self, rule: &PriceRule) -> Result<RuleFigures> {
        let placement = if rule.placement.is_some() {
            "AND placement_id = $3"
        } else {
            ""
        };
        let window = format!(
            "SELECT COUNT(*) AS views, MIN(id) AS first FROM (
                 SELECT id FROM product_outcomes
                 WHERE product_id = $1 AND kind = 'view' {placement}
                 ORDER BY id DESC LIMIT $2) w"
        );
        let mut query = sqlx::query(&window)
            .bind(&rule.product_id)
            .bind(rule.window_views);
        if let Some(placement) = &rule.placement {
            query = query.bind(placement);
        }
        let row = query.fetch_one(&self.pool).await?;
        let views: i64 = row.get("views");
        let Some(first) = row.get::<Option<i64>, _>("first") else {
            return Ok(RuleFigures::default());
        };

        let counts = format!(
            "SELECT kind, COUNT(*) AS n FROM product_outcomes
             WHERE product_id = $1 AND id >= $2 AND kind IN ('add_to_cart', 'purchase')
                   {placement}
             GROUP BY kind"
        );
        let mut query = sqlx::query(&counts).bind(&rule.product_id).bind(first);
        if let Some(placement) = &rule.placement {
            query = query.bind(placement);
        }
        let mut figures = RuleFigures {
            views,
            ..RuleFigures::default()
        };
        for row in query.fetch_all(&self.pool).await? {
            let kind: String = row.get("kind");
            let n: i64 = row.get("n");
            match kind.as_str() {
                "add_to_cart" => figures.add_to_carts = n,
                _ => figures.purchases = n,
            }
        }
        Ok(figures)
    }

    /// Makes a rule's price change, its new state and its audit row, in one
    /// transaction. `None` when nothing changed: the rule was not in the
    /// state the change assumes (another instance acted first, another rule
    /// of the product is active), or the price is no longer the one the
    /// rule saw. A revert whose price was changed by the merchant meanwhile
    /// still ends the rule's activity, without touching the price.
    pub async fn apply_rule_change(
        &self,
        change: &RuleChange<'_>,
    ) -> Result<Option<(Product, PriceChange)>> {
        let rule = &change.rule.rule;
        let mut write = self.write().await?;
        let state_changed = if change.reason == PriceChangeReason::RuleFired {
            sqlx::query(
                "UPDATE price_rules SET active = 1, base_price_minor = $2,
                        applied_price_minor = $3
                 WHERE id = $1 AND active = 0 AND enabled = 1
                   AND NOT EXISTS (SELECT 1 FROM price_rules o
                                   WHERE o.product_id = $4 AND o.active = 1)",
            )
            .bind(&rule.id)
            .bind(change.from_minor)
            .bind(change.to_minor)
            .bind(&rule.product_id)
            .execute(&mut *write.tx)
            .await?
        } else {
            sqlx::query(
                "UPDATE price_rules SET active = 0, base_price_minor = NULL,
                        applied_price_minor = NULL
                 WHERE id = $1 AND active = 1",
            )
            .bind(&rule.id)
            .execute(&mut *write.tx)
            .await?
        }
        .rows_affected();
        if state_changed == 0 {
            return Ok(None);
        }

        let row = sqlx::query(
            "UPDATE products SET price_minor = $1 WHERE id = $2 AND price_minor = $3
             RETURNING id, title, description, image_url, price_minor, currency, stock",
        )
        .bind(change.to_minor)
        .bind(&rule.product_id)
        .bind(change.from_minor)
        .fetch_optional(&mut *write.tx)
        .await?;
        let Some(row) = row else {
            if change.reason != PriceChangeReason::RuleFired {
                write.commit().await?;
            }
            return Ok(None);
        };
        let product = product_from_row(row);
        let audit = audit(
            &mut write,
            &product.id,
            change.reason,
            Some(&rule.id),
            change.from_minor,
            &product.price,
            Some(change.figures),
        )
        .await?;
        write.commit().await?;
        Ok(Some((product, audit)))
    }

    /// Product `product_id`'s price changes, oldest first; 404 unless it is
    /// merchant `merchant_id`'s.
    pub async fn price_history(
        &self,
        merchant_id: &str,
        product_id: &str,
    ) -> Result<Vec<PriceChange>> {
        if self.product_merchant(product_id).await? != merchant_id {
            return Err(Error::ProductNotFound(product_id.to_string()));
        }
        let rows = sqlx::query(
            "SELECT id, product_id, reason, rule_id, before_minor, after_minor, currency,
                    figures, created_at
             FROM price_changes WHERE product_id = $1 ORDER BY id",
        )
        .bind(product_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(change_from_row).collect())
    }

    /// Changes the price and/or stock of merchant `merchant_id`'s product
    /// and, if the price changed, writes its audit row in the same
    /// transaction.
    pub async fn update_product_audited(
        &self,
        merchant_id: &str,
        id: &str,
        update: &ProductUpdate,
    ) -> Result<(Product, Option<PriceChange>)> {
        let mut write = self.write().await?;
        let before: Option<i64> = sqlx::query_scalar(
            "SELECT price_minor FROM products WHERE id = $1 AND merchant_id = $2",
        )
        .bind(id)
        .bind(merchant_id)
        .fetch_optional(&mut *write.tx)
        .await?;
        let before = before.ok_or_else(|| Error::ProductNotFound(id.to_string()))?;
        let row = sqlx::query(
            "UPDATE products SET price_minor = COALESCE($1, price_minor),
                                 stock = COALESCE($2, stock)
             WHERE id = $3 AND merchant_id = $4
             RETURNING id, title, description, image_url, price_minor, currency, stock",
        )
        .bind(update.price_minor)
        .bind(update.stock)
        .bind(id)
        .bind(merchant_id)
        .fetch_one(&mut *write.tx)
        .await?;
        let product = product_from_row(row);
        let change = if product.price.amount_minor != before {
            let reason = PriceChangeReason::Manual;
            Some(audit(&mut write, id, reason, None, before, &product.price, None).await?)
        } else {
            None
        };
        write.commit().await?;
        Ok((product, change))
    }
}

/// Writes one audit row and returns it.
async fn audit(
    write: &mut WriteTx<'_>,
    product_id: &str,
    reason: PriceChangeReason,
    rule_id: Option<&str>,
    before_minor: i64,
    after: &Money,
    figures: Option<&RuleFigures>,
) -> Result<PriceChange> {
    // Three integers always serialise.
    let figures_json = figures.map(|f| serde_json::to_string(f).expect("figures serialise"));
    let created_at = token::now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO price_changes
             (product_id, reason, rule_id, before_minor, after_minor, currency, figures,
              created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id",
    )
    .bind(product_id)
    .bind(reason.as_str())
    .bind(rule_id)
    .bind(before_minor)
    .bind(after.amount_minor)
    .bind(&after.currency)
    .bind(figures_json)
    .bind(created_at)
    .fetch_one(&mut *write.tx)
    .await?;
    Ok(PriceChange {
        id,
        product_id: product_id.to_string(),
        reason,
        rule_id: rule_id.map(str::to_string),
        before: Money {
            amount_minor: before_minor,
            currency: after.currency.clone(),
        },
        after: after.clone(),
        figures: figures.cloned(),
        created_at,
    })
}

fn rule_from_row(row: &AnyRow) -> RuleState {
    let currency: String = row.get("currency");
    let money = |amount_minor: i64| Money {
        amount_minor,
        currency: currency.clone(),
    };
    let base: Option<i64> = row.get("base_price_minor");
    RuleState {
        rule: PriceRule {
            id: row.get("id"),
            name: row.get("name"),
            product_id: row.get("product_id"),
            placement: row.get("placement_id"),
            window_views: row.get("window_views"),
            min_add_to_cart_rate: row.get("min_add_to_cart_rate"),
            max_purchase_rate: row.get("max_purchase_rate"),
            discount_percent: row.get("discount_percent"),
            floor: money(row.get("floor_minor")),
            enabled: row.get::<i64, _>("enabled") != 0,
            active: row.get::<i64, _>("active") != 0,
            base_price: base.map(money),
            created_at: row.get("created_at"),
        },
        merchant_id: row.get("merchant_id"),
        applied_price_minor: row.get("applied_price_minor"),
    }
}

fn change_from_row(row: &AnyRow) -> PriceChange {
    let currency: String = row.get("currency");
    let reason: String = row.get("reason");
    let figures: Option<String> = row.get("figures");
    PriceChange {
        id: row.get("id"),
        product_id: row.get("product_id"),
        // The table's CHECK allows only the reasons `parse` knows.
        reason: PriceChangeReason::parse(&reason).unwrap_or(PriceChangeReason::Manual),
        rule_id: row.get("rule_id"),
        before: Money {
            amount_minor: row.get("before_minor"),
            currency: currency.clone(),
        },
        after: Money {
            amount_minor: row.get("after_minor"),
            currency,
        },
        figures: figures.and_then(|f| serde_json::from_str(&f).ok()),
        created_at: row.get("created_at"),
    }
}
