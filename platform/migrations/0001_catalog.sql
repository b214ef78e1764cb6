-- The catalog: merchants, their products and the placements their ads fill.
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
    price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
    currency    TEXT NOT NULL,
    stock       INTEGER NOT NULL CHECK (stock >= 0),
    -- Merchant's own ordering; placements show lower positions first.
    position    INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX products_by_merchant ON products (merchant_id, position);

CREATE TABLE placements (
    id          TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants(id),
    name        TEXT NOT NULL,
    -- How many products one ad in this placement shows at most.
    slots       INTEGER NOT NULL DEFAULT 3 CHECK (slots > 0)
);
