-- Orders out: each merchant's webhook endpoint and the durable outbox of
-- deliveries owed to it.
CREATE TABLE webhook_endpoints (
    merchant_id  TEXT PRIMARY KEY REFERENCES merchants(id),
    url          TEXT NOT NULL,
    -- The signing secret (whsec_...). Kept in clear: signing needs it.
    secret       TEXT NOT NULL,
    -- JSON object: output field -> JSON pointer into the order. NULL sends
    -- the whole order.
    field_map    TEXT,
    updated_at   INTEGER NOT NULL
);

-- One row per delivery owed; written in the same transaction as the order
-- change it announces, so none is lost, and kept until a 2xx answer.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    merchant_id      TEXT NOT NULL REFERENCES merchants(id),
    -- order.placed, order.paid, order.fulfilled, order.cancelled, order.refunded
    kind             TEXT NOT NULL,
    order_number     TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    delivered_at     INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL
);

CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
