-- Merchants' API keys, stored as digests only.
CREATE TABLE api_keys (
    -- Public id, to list and revoke a key without showing it.
    id               TEXT PRIMARY KEY,
    merchant_id      TEXT NOT NULL REFERENCES merchants(id),
    -- secret: the merchant's servers; publishable: ad units and cart
    -- widgets in browsers; partner: ad networks and ad servers.
    kind             TEXT NOT NULL CHECK (kind IN ('secret', 'publishable', 'partner')),
    key_hash         TEXT NOT NULL UNIQUE,
    -- Origins a publishable key may be used from, one per line.
    allowed_origins  TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    revoked_at       BIGINT
);
