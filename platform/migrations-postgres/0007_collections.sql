-- Collections: a merchant's named groups of products (e.g. "Camp kitchen").
CREATE TABLE collections (
    id           TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL REFERENCES merchants(id),
    name         TEXT NOT NULL
);

CREATE TABLE collection_products (
    collection_id  TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    product_id     TEXT NOT NULL REFERENCES products(id),
    position       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (collection_id, product_id)
);
