-- The catalog: merchants, their products and the placements their ads fill.
-- PostgreSQL's dialect of migrations/0001_catalog.sql: the same tables,
-- columns and constraints, with every integer a BIGINT (the platform reads
-- them all as i64).
CREATE TABLE merchants (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE products (
    id          TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants(id),
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    image_url   TEXT NOT NULL,
    price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
    currency    TEXT NOT NULL,
    stock       BIGINT NOT NULL CHECK (stock >= 0),
    -- Merchant's own ordering; placements show lower positions first.
    position    BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX products_by_merchant ON products (merchant_id, position);

CREATE TABLE placements (
    id          TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants(id),
    name        TEXT NOT NULL,
    -- How many products one ad in this placement shows at most.
    slots       BIGINT NOT NULL DEFAULT 3 CHECK (slots > 0)
);
