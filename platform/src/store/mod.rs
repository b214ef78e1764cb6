//! Storage: the whole platform in one SQLite file.
//!
//! The file is opened in WAL mode with `synchronous = FULL`, so a write the
//! platform acknowledged survives a crash of the process or the machine. The
//! schema lives in `platform/migrations` and is applied on open; opening an
//! up-to-date database is a no-op.
//!
//! This file holds the handle and the catalog; each other area has its own
//! submodule (`sessions` for sessions and carts, `orders` for orders and
//! checkout's idempotency records, `events` for reported events, `keys` for API keys, `webhooks` for webhook
//! endpoints and the outbox). Every write transaction
//! starts with `BEGIN IMMEDIATE` while holding [`Store::writer`], so writers
//! queue in order inside the process instead of spinning on SQLite's busy
//! handler, and a transaction that reads before it writes can never fail to
//! upgrade its lock.

mod events;
mod keys;
mod orders;
mod sessions;
mod webhooks;

pub use orders::{Claim, NewOrder, Placement};
pub use sessions::SessionRecord;
pub use webhooks::Delivery;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use kiosk_wire::{Money, Product, ProductUpdate};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};
use tokio::sync::{Mutex, MutexGuard};

use crate::error::{Error, Result};

/// A handle on the platform's database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// SQLite has one writer at a time; this queues this process's writers
    /// fairly (first come, first served) before they ask SQLite for the lock.
    writer: Arc<Mutex<()>>,
    /// This database's salt for request digests (see `platform_secrets`).
    digest_salt: Arc<Vec<u8>>,
}

/// A write transaction and the turn it holds; dropping it rolls back.
pub(crate) struct WriteTx<'a> {
    pub(crate) tx: Transaction<'static, Sqlite>,
    _turn: MutexGuard<'a, ()>,
}

impl WriteTx<'_> {
    /// Makes the transaction durable (WAL + `synchronous = FULL`).
    pub(crate) async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// A product row as the seed and the admin write it.
#[derive(Clone, Debug)]
pub struct NewProduct<'a> {
    pub id: &'a str,
    pub merchant_id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub price_minor: i64,
    pub currency: &'a str,
    pub stock: i64,
    pub position: i64,
}

impl Store {
    /// Opens (creating if needed) the SQLite file at `path` and migrates it.
    pub async fn open(path: &Path) -> anyhow::Result<Store> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let digest_salt: Vec<u8> = sqlx::query_scalar(
            "SELECT value FROM platform_secrets WHERE name = 'request_digest_salt'",
        )
        .fetch_one(&pool)
        .await?;
        Ok(Store {
            pool,
            writer: Arc::new(Mutex::new(())),
            digest_salt: Arc::new(digest_salt),
        })
    }

    /// Starts a write transaction once it is this caller's turn.
    pub(crate) async fn write(&self) -> Result<WriteTx<'_>> {
        let turn = self.writer.lock().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _turn: turn })
    }

    /// Reads one product by its public id.
    pub async fn product(&self, id: &str) -> Result<Product> {
        let row = sqlx::query(
            "SELECT id, title, description, image_url, price_minor, currency, stock
             FROM products WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(product_from_row)
            .ok_or_else(|| Error::ProductNotFound(id.to_string()))
    }

    /// The products placement `placement_id` shows: in stock, in the
    /// merchant's order, at most the placement's slot count.
    pub async fn placement_products(&self, placement_id: &str) -> Result<Vec<Product>> {
        let placement = sqlx::query("SELECT merchant_id, slots FROM placements WHERE id = ?")
            .bind(placement_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::PlacementNotFound(placement_id.to_string()))?;
        let merchant_id: String = placement.get("merchant_id");
        let slots: i64 = placement.get("slots");

        let rows = sqlx::query(
            "SELECT id, title, description, image_url, price_minor, currency, stock
             FROM products WHERE merchant_id = ? AND stock > 0
             ORDER BY position, id LIMIT ?",
        )
        .bind(merchant_id)
        .bind(slots)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(product_from_row).collect())
    }

    /// The merchant whose products placement `placement_id` shows.
    pub async fn placement_merchant(&self, placement_id: &str) -> Result<String> {
        sqlx::query_scalar("SELECT merchant_id FROM placements WHERE id = ?")
            .bind(placement_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::PlacementNotFound(placement_id.to_string()))
    }

    /// The merchant product `product_id` belongs to.
    pub async fn product_merchant(&self, product_id: &str) -> Result<String> {
        sqlx::query_scalar("SELECT merchant_id FROM products WHERE id = ?")
            .bind(product_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::ProductNotFound(product_id.to_string()))
    }

    /// Changes the price and/or stock of merchant `merchant_id`'s product.
    pub async fn update_product(
        &self,
        merchant_id: &str,
        id: &str,
        update: &ProductUpdate,
    ) -> Result<Product> {
        let mut write = self.write().await?;
        let row = sqlx::query(
            "UPDATE products SET price_minor = COALESCE(?, price_minor),
                                 stock = COALESCE(?, stock)
             WHERE id = ? AND merchant_id = ?
             RETURNING id, title, description, image_url, price_minor, currency, stock",
        )
        .bind(update.price_minor)
        .bind(update.stock)
        .bind(id)
        .bind(merchant_id)
        .fetch_optional(&mut *write.tx)
        .await?
        .ok_or_else(|| Error::ProductNotFound(id.to_string()))?;
        let product = product_from_row(row);
        write.commit().await?;
        Ok(product)
    }

    /// Collection `id`: its name and products (sold-out ones included, so a
    /// shop page can show them as such), in the collection's order.
    pub async fn collection_products(&self, id: &str) -> Result<(String, Vec<Product>)> {
        let name: String = sqlx::query_scalar("SELECT name FROM collections WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::CollectionNotFound(id.to_string()))?;
        let rows = sqlx::query(
            "SELECT p.id, p.title, p.description, p.image_url, p.price_minor, p.currency, p.stock
             FROM collection_products c JOIN products p ON p.id = c.product_id
             WHERE c.collection_id = ?
             ORDER BY c.position, p.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok((name, rows.into_iter().map(product_from_row).collect()))
    }

    /// Creates the collection (or renames it) with exactly `product_ids`,
    /// in that order.
    pub async fn upsert_collection(
        &self,
        id: &str,
        merchant_id: &str,
        name: &str,
        product_ids: &[&str],
    ) -> Result<()> {
        let mut write = self.write().await?;
        sqlx::query(
            "INSERT INTO collections (id, merchant_id, name) VALUES (?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET merchant_id = excluded.merchant_id,
                 name = excluded.name",
        )
        .bind(id)
        .bind(merchant_id)
        .bind(name)
        .execute(&mut *write.tx)
        .await?;
        sqlx::query("DELETE FROM collection_products WHERE collection_id = ?")
            .bind(id)
            .execute(&mut *write.tx)
            .await?;
        for (position, product_id) in product_ids.iter().enumerate() {
            sqlx::query(
                "INSERT INTO collection_products (collection_id, product_id, position)
                 VALUES (?, ?, ?)",
            )
            .bind(id)
            .bind(product_id)
            .bind(position as i64)
            .execute(&mut *write.tx)
            .await?;
        }
        write.commit().await
    }

    /// Creates the merchant or renames it.
    pub async fn upsert_merchant(&self, id: &str, name: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO merchants (id, name) VALUES (?, ?)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        )
        .bind(id)
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Creates the placement or updates its merchant, name and slots.
    pub async fn upsert_placement(
        &self,
        id: &str,
        merchant_id: &str,
        name: &str,
        slots: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO placements (id, merchant_id, name, slots) VALUES (?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET merchant_id = excluded.merchant_id,
                 name = excluded.name, slots = excluded.slots",
        )
        .bind(id)
        .bind(merchant_id)
        .bind(name)
        .bind(slots)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Creates the product or overwrites every field of it.
    pub async fn upsert_product(&self, product: &NewProduct<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO products
                 (id, merchant_id, title, description, image_url, price_minor, currency,
                  stock, position)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET merchant_id = excluded.merchant_id,
                 title = excluded.title, description = excluded.description,
                 image_url = excluded.image_url, price_minor = excluded.price_minor,
                 currency = excluded.currency, stock = excluded.stock,
                 position = excluded.position",
        )
        .bind(product.id)
        .bind(product.merchant_id)
        .bind(product.title)
        .bind(product.description)
        .bind(format!("/media/products/{}.svg", product.id))
        .bind(product.price_minor)
        .bind(product.currency)
        .bind(product.stock)
        .bind(product.position)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

pub(crate) fn product_from_row(row: sqlx::sqlite::SqliteRow) -> Product {
    Product {
        id: row.get("id"),
        title: row.get("title"),
        description: row.get("description"),
        image_url: row.get("image_url"),
        price: Money {
            amount_minor: row.get("price_minor"),
            currency: row.get("currency"),
        },
        stock: row.get("stock"),
    }
}
