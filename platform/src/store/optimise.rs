//! What placement optimisation reads and writes: the candidates of a
//! placement with their outcome counts, the merchant's pins and exclusions,
//! and the recorded decisions.

use kiosk_wire::{Alternative, Decision, PlacementPolicy, PlacementRule, PlacementRuleKind};
use sqlx::Row;

use super::{product_from_row, Store};
use crate::error::{Error, Result};
use crate::optimise::{Candidate, NewDecision, Outcomes};
use crate::token;

/// The most products one placement read considers: a merchant's catalog
/// beyond this is cut in its own order.
pub const MAX_CANDIDATES: i64 = 200;

/// A placement as its read needs it.
#[derive(Clone, Debug)]
pub struct PlacementCandidates {
    pub merchant_id: String,
    pub policy: PlacementPolicy,
    pub slots: i64,
    /// In stock, in the merchant's order, each with its counts and rule.
    pub candidates: Vec<Candidate>,
}

impl Store {
    /// The products placement `placement_id` may show: the merchant's
    /// products in stock, with their outcomes in this placement and the
    /// merchant's pin or exclusion, in the merchant's order.
    pub async fn placement_candidates(&self, placement_id: &str) -> Result<PlacementCandidates> {
        let placement =
            sqlx::query("SELECT merchant_id, slots, policy FROM placements WHERE id = $1")
                .bind(placement_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| Error::PlacementNotFound(placement_id.to_string()))?;
        let merchant_id: String = placement.get("merchant_id");
        let slots: i64 = placement.get("slots");
        let policy: String = placement.get("policy");
        // Only `set_placement_policy` writes the column.
        let policy = PlacementPolicy::parse(&policy).unwrap_or_default();

        let rows = sqlx::query(
            "SELECT p.id, p.title, p.description, p.image_url, p.price_minor, p.currency,
                    p.stock,
                    COALESCE(s.views, 0) AS views,
                    COALESCE(s.add_to_carts, 0) AS add_to_carts,
                    COALESCE(s.purchases, 0) AS purchases,
                    r.kind AS rule_kind, r.position AS rule_position
             FROM products p
             LEFT JOIN placement_stats s ON s.placement_id = $1 AND s.product_id = p.id
             LEFT JOIN placement_rules r ON r.placement_id = $1 AND r.product_id = p.id
             WHERE p.merchant_id = $2 AND p.stock > 0
             ORDER BY p.position, p.id LIMIT $3",
        )
        .bind(placement_id)
        .bind(&merchant_id)
        .bind(MAX_CANDIDATES)
        .fetch_all(&self.pool)
        .await?;
        let candidates = rows
            .into_iter()
            .map(|row| {
                let outcomes = Outcomes {
                    views: row.get("views"),
                    add_to_carts: row.get("add_to_carts"),
                    purchases: row.get("purchases"),
                };
                let kind: Option<String> = row.get("rule_kind");
                let position: Option<i64> = row.get("rule_position");
                let rule = kind
                    .as_deref()
                    .and_then(PlacementRuleKind::parse)
                    .map(|kind| (kind, position.unwrap_or(0)));
                Candidate {
                    product: product_from_row(row),
                    outcomes,
                    rule,
                }
            })
            .collect();
        Ok(PlacementCandidates {
            merchant_id,
            policy,
            slots,
            candidates,
        })
    }

    /// Merchant `merchant_id`'s placement `placement_id`, or 404 when it is
    /// another merchant's.
    pub async fn check_placement_of(&self, merchant_id: &str, placement_id: &str) -> Result<()> {
        if self.placement_merchant(placement_id).await? != merchant_id {
            return Err(Error::PlacementNotFound(placement_id.to_string()));
        }
        Ok(())
    }

    /// Merchant `merchant_id`'s placement `placement_id`'s policy.
    pub async fn placement_policy(
        &self,
        merchant_id: &str,
        placement_id: &str,
    ) -> Result<PlacementPolicy> {
        let policy: Option<String> =
            sqlx::query_scalar("SELECT policy FROM placements WHERE id = $1 AND merchant_id = $2")
                .bind(placement_id)
                .bind(merchant_id)
                .fetch_optional(&self.pool)
                .await?;
        let policy = policy.ok_or_else(|| Error::PlacementNotFound(placement_id.to_string()))?;
        Ok(PlacementPolicy::parse(&policy).unwrap_or_default())
    }

    /// Sets how merchant `merchant_id`'s placement chooses its products.
    pub async fn set_placement_policy(
        &self,
        merchant_id: &str,
        placement_id: &str,
        policy: PlacementPolicy,
    ) -> Result<()> {
        let mut write = self.write().await?;
        let changed =
            sqlx::query("UPDATE placements SET policy = $1 WHERE id = $2 AND merchant_id = $3")
                .bind(policy.as_str())
                .bind(placement_id)
                .bind(merchant_id)
                .execute(&mut *write.tx)
                .await?
                .rows_affected();
        if changed == 0 {
            return Err(Error::PlacementNotFound(placement_id.to_string()));
        }
        write.commit().await
    }

    /// Placement `placement_id`'s pins (in order) and exclusions.
    pub async fn placement_rules(&self, placement_id: &str) -> Result<Vec<PlacementRule>> {
        let rows = sqlx::query(
            "SELECT product_id, kind, position FROM placement_rules WHERE placement_id = $1
             ORDER BY kind DESC, position, product_id",
        )
        .bind(placement_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let kind: String = row.get("kind");
                Some(PlacementRule {
                    product_id: row.get("product_id"),
                    kind: PlacementRuleKind::parse(&kind)?,
                    position: row.get("position"),
                })
            })
            .collect())
    }

    /// Pins or excludes product `product_id` in placement `placement_id`
    /// (replacing what was said of it before). Both must be `merchant_id`'s.
    pub async fn set_placement_rule(
        &self,
        merchant_id: &str,
        placement_id: &str,
        product_id: &str,
        kind: PlacementRuleKind,
        position: i64,
    ) -> Result<()> {
        self.check_placement_of(merchant_id, placement_id).await?;
        if self.product_merchant(product_id).await? != merchant_id {
            return Err(Error::ProductNotFound(product_id.to_string()));
        }
        let mut write = self.write().await?;
        sqlx::query(
            "INSERT INTO placement_rules (placement_id, product_id, kind, position, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (placement_id, product_id) DO UPDATE SET kind = excluded.kind,
                 position = excluded.position",
        )
        .bind(placement_id)
        .bind(product_id)
        .bind(kind.as_str())
        .bind(position)
        .bind(token::now_ms())
        .execute(&mut *write.tx)
        .await?;
        write.commit().await
    }

    /// Removes any pin or exclusion of `product_id` in `placement_id`
    /// (idempotent).
    pub async fn remove_placement_rule(
        &self,
        merchant_id: &str,
        placement_id: &str,
        product_id: &str,
    ) -> Result<()> {
        self.check_placement_of(merchant_id, placement_id).await?;
        let mut write = self.write().await?;
        sqlx::query("DELETE FROM placement_rules WHERE placement_id = $1 AND product_id = $2")
            .bind(placement_id)
            .bind(product_id)
            .execute(&mut *write.tx)
            .await?;
        write.commit().await
    }

    /// Writes queued decisions in one transaction.
    pub async fn insert_decisions(&self, decisions: &[NewDecision]) -> Result<()> {
        let mut write = self.write().await?;
        for decision in decisions {
            // Plain data with string keys always serialises.
            let chosen = serde_json::to_string(&decision.chosen).expect("ids serialise");
            let alternatives =
                serde_json::to_string(&decision.alternatives).expect("alternatives serialise");
            sqlx::query(
                "INSERT INTO decisions
                     (placement_id, session_id, policy, seed, chosen, alternatives, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&decision.placement)
            .bind(&decision.session)
            .bind(crate::optimise::policy_name(decision.policy))
            .bind(decision.seed.to_string())
            .bind(chosen)
            .bind(alternatives)
            .bind(decision.created_at)
            .execute(&mut *write.tx)
            .await?;
        }
        write.commit().await
    }

    /// Deletes all but the latest `kept` decisions.
    pub async fn prune_decisions(&self, kept: i64) -> Result<()> {
        let mut write = self.write().await?;
        sqlx::query("DELETE FROM decisions WHERE id <= (SELECT MAX(id) FROM decisions) - $1")
            .bind(kept)
            .execute(&mut *write.tx)
            .await?;
        write.commit().await
    }

    /// Placement `placement_id`'s latest decisions, newest first.
    pub async fn decisions(&self, placement_id: &str, limit: i64) -> Result<Vec<Decision>> {
        let rows = sqlx::query(
            "SELECT id, placement_id, session_id, policy, seed, chosen, alternatives, created_at
             FROM decisions WHERE placement_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(placement_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let chosen: String = row.get("chosen");
                let alternatives: String = row.get("alternatives");
                Decision {
                    id: row.get("id"),
                    placement: row.get("placement_id"),
                    session: row.get("session_id"),
                    policy: row.get("policy"),
                    seed: row.get("seed"),
                    // Written by `insert_decisions` from the same types.
                    chosen: serde_json::from_str(&chosen).unwrap_or_default(),
                    alternatives: serde_json::from_str::<Vec<Alternative>>(&alternatives)
                        .unwrap_or_default(),
                    created_at: row.get("created_at"),
                }
            })
            .collect())
    }
}
