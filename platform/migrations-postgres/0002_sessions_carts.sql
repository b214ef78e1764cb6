-- Sessions: an anonymous shopper, their cart and the ad that brought them.
CREATE TABLE sessions (
    -- Public id (ses_...), safe to put in events and reports.
    id           TEXT PRIMARY KEY,
    -- SHA-256 of the bearer token; the token itself is never stored.
    token_hash   TEXT NOT NULL UNIQUE,
    -- Set by the first line added: a cart sells for one merchant.
    merchant_id  TEXT REFERENCES merchants(id),
    campaign     TEXT,
    creative     TEXT,
    placement    TEXT,
    click_id     TEXT,
    created_at   BIGINT NOT NULL
);

-- One line per product in a session's cart. Prices are not stored: a cart
-- always shows the product's current price.
CREATE TABLE cart_lines (
    session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    product_id  TEXT NOT NULL REFERENCES products(id),
    quantity    BIGINT NOT NULL CHECK (quantity > 0),
    added_at    BIGINT NOT NULL,
    PRIMARY KEY (session_id, product_id)
);
