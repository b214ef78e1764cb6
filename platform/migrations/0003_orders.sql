-- Orders, their lines, and the idempotency records that make checkout safe
-- to retry.
CREATE TABLE orders (
    id               INTEGER PRIMARY KEY,
    -- Shown to the shopper; random, so numbers reveal no order volume.
    number           TEXT NOT NULL UNIQUE,
    merchant_id      TEXT NOT NULL REFERENCES merchants(id),
    session_id       TEXT NOT NULL REFERENCES sessions(id),
    -- The checkout's Idempotency-Key: one order per key and session, even if
    -- two requests with the key ever ran at once.
    idempotency_key  TEXT NOT NULL,
    status           TEXT NOT NULL
                     CHECK (status IN ('placed', 'paid', 'fulfilled', 'cancelled', 'refunded')),
    currency         TEXT NOT NULL,
    subtotal_minor   INTEGER NOT NULL,
    shipping_minor   INTEGER NOT NULL,
    total_minor      INTEGER NOT NULL,
    shipping_option  TEXT NOT NULL,
    email            TEXT NOT NULL,
    name             TEXT NOT NULL,
    address_line1    TEXT NOT NULL,
    address_line2    TEXT,
    city             TEXT NOT NULL,
    postal_code      TEXT NOT NULL,
    country          TEXT NOT NULL,
    -- The payment provider's token; card numbers are never stored.
    payment_token    TEXT NOT NULL,
    card_last4       TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (session_id, idempotency_key)
);

CREATE INDEX orders_by_merchant ON orders (merchant_id, created_at);

CREATE TABLE order_lines (
    order_id          INTEGER NOT NULL REFERENCES orders(id),
    product_id        TEXT NOT NULL REFERENCES products(id),
    title             TEXT NOT NULL,
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor  INTEGER NOT NULL,
    line_total_minor  INTEGER NOT NULL,
    PRIMARY KEY (order_id, product_id)
);

-- One row per (session, Idempotency-Key): the digest of the first request
-- and, once it finished, its exact response for replays.
CREATE TABLE idempotency_keys (
    session_id      TEXT NOT NULL REFERENCES sessions(id),
    key             TEXT NOT NULL,
    request_digest  TEXT NOT NULL,
    -- NULL while the first request is in flight.
    response_status INTEGER,
    response_body   TEXT,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (session_id, key)
);

-- Per-database secrets. The request digest is salted so that a stored
-- digest cannot be brute-forced back to the card number in the body.
CREATE TABLE platform_secrets (
    name   TEXT PRIMARY KEY,
    value  BLOB NOT NULL
);

INSERT INTO platform_secrets (name, value) VALUES ('request_digest_salt', randomblob(32));
