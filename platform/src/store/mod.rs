//! Storage: the whole platform in one database, SQLite or PostgreSQL.
//!
//! One [`Store`] speaks to either backend through sqlx's `Any` driver, so
//! every query is written once, with `$N` placeholders both understand.
//! Where the two differ, the difference lives here and is small: how a
//! write transaction starts ([`Store::write`]), how a row is locked
//! ([`WriteTx::lock_session`]) and which migrations build the schema
//! (`platform/migrations` for SQLite, `platform/migrations-postgres` for
//! PostgreSQL, the same tables in each dialect).
//!
//! - **SQLite** (a file path, the embedded default): WAL with
//!   `synchronous = FULL`, so an acknowledged write survives a crash of the
//!   process or the machine. SQLite has one writer at a time: every write
//!   transaction starts with `BEGIN IMMEDIATE` while holding the store's
//!   in-process writer queue, so writers wait their turn in order instead of
//!   spinning on SQLite's busy handler, and a transaction that reads before
//!   it writes can never fail to upgrade its lock. Only one process may
//!   serve a file.
//! - **PostgreSQL** (a `postgres://` URL): any number of platform processes
//!   share the database. Write transactions run at READ COMMITTED and rely
//!   on what PostgreSQL guarantees there: a conditional `UPDATE` re-checks
//!   its condition on the newest row version (stock is never oversold),
//!   `INSERT ... ON CONFLICT` waits for a concurrent insert of the same key
//!   (one order per idempotency key), and read-then-write steps lock their
//!   row first (`SELECT ... FOR UPDATE`). Commits are durable with the
//!   server's default `synchronous_commit = on`.
//!
//! This file holds the handle and the catalog; each other area has its own
//! submodule (`sessions` for sessions and carts, `orders` for orders and
//! checkout's idempotency records, `events` for reported events, `keys` for
//! API keys, `webhooks` for webhook endpoints and the outbox, `optimise`
//! for placement candidates, pins and decisions, `rules` for price rules
//! and the price audit).

mod events;
mod keys;
mod optimise;
mod orders;
pub(crate) mod rules;
mod sessions;
mod stats;
mod webhooks;

pub use events::{totals_count, Ingested};
pub use optimise::{PlacementCandidates, MAX_CANDIDATES};
pub use orders::{Claim, NewOrder, Placement};
pub use rules::{RuleChange, RuleState};
pub use sessions::SessionRecord;
pub use stats::Window;
pub use webhooks::Delivery;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use std::collections::BTreeMap;

use kiosk_wire::{Money, Product, ProductUpdate, Variant};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Row, Transaction};
use tokio::sync::{Mutex, MutexGuard};

use crate::error::{Error, Result};

/// A handle on the platform's database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time; this queues this process's writers
    /// fairly (first come, first served) before they ask SQLite for the lock.
    /// PostgreSQL locks rows, not the database, so it has no queue.
    writer: Option<Arc<Mutex<()>>>,
    /// This database's salt for request digests (see `platform_secrets`).
    digest_salt: Arc<Vec<u8>>,
}

/// Which database a [`Store`] is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// One file, one serving process.
    Sqlite,
    /// A server shared by every instance; the URL is kept for the live
    /// relay's own connections (`LISTEN` needs one of its own).
    Postgres { url: String },
}

/// A write transaction and the turn it holds; dropping it rolls back.
pub(crate) struct WriteTx<'a> {
    pub(crate) tx: Transaction<'static, Any>,
    backend: &'a Backend,
    _turn: Option<MutexGuard<'a, ()>>,
}

impl WriteTx<'_> {
    /// Makes the transaction durable (SQLite: WAL + `synchronous = FULL`;
    /// PostgreSQL: a synchronous commit).
    pub(crate) async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    /// Locks session `id`'s row until the end of the transaction, so a
    /// read-modify-write of its cart cannot interleave with another one.
    /// On SQLite the transaction already holds the only write lock there is.
    pub(crate) async fn lock_session(&mut self, id: &str) -> Result<()> {
        if let Backend::Postgres { .. } = self.backend {
            sqlx::query("SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE")
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
        }
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

/// A variant to create or overwrite under an existing product; it takes
/// the product's merchant, currency, description and image.
pub struct NewVariant<'a> {
    pub id: &'a str,
    pub parent_id: &'a str,
    /// E.g. `M`; the variant's title is the product's plus this.
    pub option: &'a str,
    pub price_minor: i64,
    pub stock: i64,
    pub position: i64,
}

/// Connections each process keeps at most. SQLite writes one at a time, so
/// more would only wait; PostgreSQL serves many instances, each with this
/// many.
const MAX_CONNECTIONS: u32 = 8;

impl Store {
    /// Opens (creating if needed) the SQLite file at `path` and migrates it.
    pub async fn open(path: &Path) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        // `mode=rwc` creates the file; the pragmas are set on every new
        // connection, because `synchronous` and `foreign_keys` hold per
        // connection.
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let pool = AnyPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA busy_timeout = 5000;
                         PRAGMA journal_mode = WAL;
                         PRAGMA synchronous = FULL;
                         PRAGMA foreign_keys = ON;",
                    )
                    .await?;
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Store::ready(pool, Backend::Sqlite).await
    }

    /// Opens the database `target` names: a `postgres://` (or
    /// `postgresql://`) URL, a `sqlite:` URL, or else a SQLite file path.
    /// Migrates it first; concurrent instances migrating one PostgreSQL
    /// database take turns (sqlx holds an advisory lock).
    pub async fn connect(target: &str) -> anyhow::Result<Store> {
        if !(target.starts_with("postgres://") || target.starts_with("postgresql://")) {
            let path = target.strip_prefix("sqlite://").unwrap_or(target);
            let path = path.strip_prefix("sqlite:").unwrap_or(path);
            return Store::open(Path::new(path)).await;
        }
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            .connect(target)
            .await?;
        sqlx::migrate!("./migrations-postgres").run(&pool).await?;
        Store::ready(
            pool,
            Backend::Postgres {
                url: target.to_string(),
            },
        )
        .await
    }

    /// The store over a migrated `pool`.
    async fn ready(pool: AnyPool, backend: Backend) -> anyhow::Result<Store> {
        let digest_salt: Vec<u8> = sqlx::query_scalar(
            "SELECT value FROM platform_secrets WHERE name = 'request_digest_salt'",
        )
        .fetch_one(&pool)
        .await?;
        let writer = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Store {
            pool,
            backend,
            writer,
            digest_salt: Arc::new(digest_salt),
        })
    }

    /// Which database this store is on.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Starts a write transaction (on SQLite, once it is this caller's
    /// turn).
    pub(crate) async fn write(&self) -> Result<WriteTx<'_>> {
        let turn = match &self.writer {
            Some(writer) => Some(writer.lock().await),
            None => None,
        };
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres { .. } => self.pool.begin().await?,
        };
        Ok(WriteTx {
            tx,
            backend: &self.backend,
            _turn: turn,
        })
    }

    /// Reads one product by its public id, with its variants if it has
    /// any. A variant's id reads the variant alone.
    pub async fn product(&self, id: &str) -> Result<Product> {
        let row = sqlx::query(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let mut product = [row
            .map(product_from_row)
            .ok_or_else(|| Error::ProductNotFound(id.to_string()))?];
        self.attach_variants(&mut product).await?;
        let [product] = product;
        Ok(product)
    }

    /// The product as ads list it: for a variant's id its parent with every
    /// variant, for any other id the product itself. Live updates carry
    /// this, so an ad showing the parent sees a variant's change.
    pub async fn listing(&self, id: &str) -> Result<Product> {
        let parent: Option<Option<String>> =
            sqlx::query_scalar("SELECT parent_id FROM products WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        match parent.ok_or_else(|| Error::ProductNotFound(id.to_string()))? {
            Some(parent) => self.product(&parent).await,
            None => self.product(id).await,
        }
    }

    /// The products placement `placement_id` shows: on sale, in stock
    /// (themselves or through a variant), in the merchant's order, at most
    /// the placement's slot count. Variants come with their product.
    pub async fn placement_products(&self, placement_id: &str) -> Result<Vec<Product>> {
        let placement = sqlx::query("SELECT merchant_id, slots FROM placements WHERE id = $1")
            .bind(placement_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::PlacementNotFound(placement_id.to_string()))?;
        let merchant_id: String = placement.get("merchant_id");
        let slots: i64 = placement.get("slots");

        let rows = sqlx::query(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p
             WHERE merchant_id = $1 AND parent_id IS NULL AND available = 1
               AND (stock > 0 OR EXISTS (SELECT 1 FROM products v
                    WHERE v.parent_id = p.id AND v.available = 1 AND v.stock > 0))
             ORDER BY position, id LIMIT $2"
        ))
        .bind(merchant_id)
        .bind(slots)
        .fetch_all(&self.pool)
        .await?;
        let mut products: Vec<Product> = rows.into_iter().map(product_from_row).collect();
        self.attach_variants(&mut products).await?;
        Ok(products)
    }

    /// Fills in the variants of `products`, in the merchant's order, and
    /// derives a parent's stock (the sum on sale) and price (the lowest on
    /// sale) from them.
    pub(crate) async fn attach_variants(&self, products: &mut [Product]) -> Result<()> {
        if products.is_empty() {
            return Ok(());
        }
        let placeholders: Vec<String> = (1..=products.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS}, parent_id, option_label FROM products
             WHERE parent_id IN ({}) ORDER BY position, id",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for product in products.iter() {
            query = query.bind(product.id.clone());
        }
        for row in query.fetch_all(&self.pool).await? {
            let parent_id: String = row.get("parent_id");
            let option: String = row.get("option_label");
            let variant = product_from_row(row);
            if let Some(parent) = products.iter_mut().find(|p| p.id == parent_id) {
                parent.variants.push(Variant {
                    id: variant.id,
                    option,
                    price: variant.price,
                    stock: variant.stock,
                    available: variant.available,
                });
            }
        }
        for parent in products.iter_mut().filter(|p| !p.variants.is_empty()) {
            let on_sale = parent.variants.iter().filter(|v| v.available);
            parent.stock = on_sale.clone().map(|v| v.stock).sum();
            if let Some(lowest) = on_sale.map(|v| &v.price).min_by_key(|p| p.amount_minor) {
                parent.price = lowest.clone();
            }
        }
        Ok(())
    }

    /// The merchant whose products placement `placement_id` shows.
    pub async fn placement_merchant(&self, placement_id: &str) -> Result<String> {
        sqlx::query_scalar("SELECT merchant_id FROM placements WHERE id = $1")
            .bind(placement_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::PlacementNotFound(placement_id.to_string()))
    }

    /// The merchant product `product_id` belongs to.
    pub async fn product_merchant(&self, product_id: &str) -> Result<String> {
        sqlx::query_scalar("SELECT merchant_id FROM products WHERE id = $1")
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
        // A price change is audited (see `rules::update_product_audited`).
        Ok(self
            .update_product_audited(merchant_id, id, update)
            .await?
            .0)
    }

    /// Collection `id`: its name and products (sold-out ones included, so a
    /// shop page can show them as such), in the collection's order.
    pub async fn collection_products(&self, id: &str) -> Result<(String, Vec<Product>)> {
        let name: String = sqlx::query_scalar("SELECT name FROM collections WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::CollectionNotFound(id.to_string()))?;
        let rows = sqlx::query(
            "SELECT p.id, p.title, p.description, p.image_url, p.price_minor, p.currency,
                    p.stock, p.available, p.attributes, p.images
             FROM collection_products c JOIN products p ON p.id = c.product_id
             WHERE c.collection_id = $1
             ORDER BY c.position, p.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut products: Vec<Product> = rows.into_iter().map(product_from_row).collect();
        self.attach_variants(&mut products).await?;
        Ok((name, products))
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
            "INSERT INTO collections (id, merchant_id, name) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET merchant_id = excluded.merchant_id,
                 name = excluded.name",
        )
        .bind(id)
        .bind(merchant_id)
        .bind(name)
        .execute(&mut *write.tx)
        .await?;
        sqlx::query("DELETE FROM collection_products WHERE collection_id = $1")
            .bind(id)
            .execute(&mut *write.tx)
            .await?;
        for (position, product_id) in product_ids.iter().enumerate() {
            sqlx::query(
                "INSERT INTO collection_products (collection_id, product_id, position)
                 VALUES ($1, $2, $3)",
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
            "INSERT INTO merchants (id, name) VALUES ($1, $2)
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
            "INSERT INTO placements (id, merchant_id, name, slots) VALUES ($1, $2, $3, $4)
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

    /// Creates the product or overwrites every field of it, putting it on
    /// sale with no attributes or further images.
    pub async fn upsert_product(&self, product: &NewProduct<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO products
                 (id, merchant_id, title, description, image_url, price_minor, currency,
                  stock, position)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (id) DO UPDATE SET merchant_id = excluded.merchant_id,
                 title = excluded.title, description = excluded.description,
                 image_url = excluded.image_url, price_minor = excluded.price_minor,
                 currency = excluded.currency, stock = excluded.stock,
                 position = excluded.position, parent_id = NULL, option_label = '',
                 available = 1, attributes = '{}', images = '[]'",
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

    /// Creates the variant or overwrites every field of it.
    pub async fn upsert_variant(&self, variant: &NewVariant<'_>) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO products
                 (id, merchant_id, title, description, image_url, price_minor, currency,
                  stock, position, parent_id, option_label)
             SELECT $1, merchant_id, title || ' — ' || $2, description, image_url, $3,
                    currency, $4, $5, id, $2
             FROM products WHERE id = $6 AND parent_id IS NULL
             ON CONFLICT (id) DO UPDATE SET merchant_id = excluded.merchant_id,
                 title = excluded.title, description = excluded.description,
                 image_url = excluded.image_url, price_minor = excluded.price_minor,
                 currency = excluded.currency, stock = excluded.stock,
                 position = excluded.position, parent_id = excluded.parent_id,
                 option_label = excluded.option_label",
        )
        .bind(variant.id)
        .bind(variant.option)
        .bind(variant.price_minor)
        .bind(variant.stock)
        .bind(variant.position)
        .bind(variant.parent_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(Error::ProductNotFound(variant.parent_id.to_string()));
        }
        Ok(())
    }

    /// Sets whether the product is on sale, its attributes and its further
    /// images.
    pub async fn set_product_details(
        &self,
        id: &str,
        available: bool,
        attributes: &BTreeMap<String, String>,
        images: &[String],
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE products SET available = $1, attributes = $2, images = $3 WHERE id = $4",
        )
        .bind(i64::from(available))
        .bind(serde_json::to_string(attributes).expect("string maps serialise"))
        .bind(serde_json::to_string(images).expect("string lists serialise"))
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(Error::ProductNotFound(id.to_string()));
        }
        Ok(())
    }
}

/// The columns of `products` that `product_from_row` reads.
pub(crate) const PRODUCT_COLUMNS: &str =
    "id, title, description, image_url, price_minor, currency, stock, available, attributes, images";

/// A product from a row holding `PRODUCT_COLUMNS`; variants are attached
/// separately.
pub(crate) fn product_from_row(row: AnyRow) -> Product {
    // The columns are written only by this store, as JSON it wrote; a
    // damaged value shows as no attributes rather than failing the read.
    let attributes: String = row.get("attributes");
    let images: String = row.get("images");
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
        available: row.get::<i64, _>("available") != 0,
        images: serde_json::from_str(&images).unwrap_or_default(),
        attributes: serde_json::from_str(&attributes).unwrap_or_default(),
        variants: Vec::new(),
    }
}
