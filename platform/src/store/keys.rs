//! API keys, stored as digests.

use sqlx::Row;

use super::Store;
use crate::error::Result;
use crate::keys::{ApiKey, KeyKind};
use crate::token;

impl Store {
    /// Creates a key for `merchant_id`; returns it with the key itself,
    /// which exists only in this answer from now on.
    pub async fn create_key(
        &self,
        merchant_id: &str,
        kind: KeyKind,
        allowed_origins: &[String],
    ) -> Result<(ApiKey, String)> {
        let id = token::random_id("key_", 8);
        let secret = token::secret(kind.prefix());
        let mut write = self.write().await?;
        sqlx::query(
            "INSERT INTO api_keys (id, merchant_id, kind, key_hash, allowed_origins, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(merchant_id)
        .bind(kind.as_str())
        .bind(token::digest(&secret))
        .bind(allowed_origins.join("\n"))
        .bind(token::now_ms())
        .execute(&mut *write.tx)
        .await?;
        write.commit().await?;
        let key = ApiKey {
            id,
            merchant_id: merchant_id.to_string(),
            kind,
            allowed_origins: allowed_origins.to_vec(),
        };
        Ok((key, secret))
    }

    /// The unrevoked key whose text is `secret`, if any.
    pub async fn key_by_secret(&self, secret: &str) -> Result<Option<ApiKey>> {
        let row = sqlx::query(
            "SELECT id, merchant_id, kind, allowed_origins FROM api_keys
             WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token::digest(secret))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|row| {
            let kind = KeyKind::parse(&row.get::<String, _>("kind"))?;
            let origins: String = row.get("allowed_origins");
            Some(ApiKey {
                id: row.get("id"),
                merchant_id: row.get("merchant_id"),
                kind,
                allowed_origins: origins.lines().map(str::to_string).collect(),
            })
        }))
    }

    /// Whether merchant `id` exists.
    pub async fn merchant_exists(&self, id: &str) -> Result<bool> {
        Ok(sqlx::query("SELECT 1 FROM merchants WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }
}
