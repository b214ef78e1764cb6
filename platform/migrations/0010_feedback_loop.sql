-- The feedback loop: what placements learn from outcomes, the merchant's
-- pins and exclusions, the decisions made, price rules and the audit of
-- every price change.

-- How a placement chooses its products: 'ordered' (the merchant's order,
-- the default) or 'thompson' (learned from outcomes).
ALTER TABLE placements ADD COLUMN policy TEXT NOT NULL DEFAULT 'ordered';

-- A merchant's pin or exclusion of one product in one placement.
CREATE TABLE placement_rules (
    placement_id  TEXT NOT NULL REFERENCES placements(id),
    product_id    TEXT NOT NULL REFERENCES products(id),
    kind          TEXT NOT NULL CHECK (kind IN ('pin', 'exclude')),
    -- Pins are shown in ascending position.
    position      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (placement_id, product_id)
);

-- Outcome counters per placement and product, updated in the transaction
-- that stores the events, so a placement read sees them at once.
CREATE TABLE placement_stats (
    placement_id  TEXT NOT NULL,
    product_id    TEXT NOT NULL,
    views         INTEGER NOT NULL DEFAULT 0,
    add_to_carts  INTEGER NOT NULL DEFAULT 0,
    purchases     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (placement_id, product_id)
);

-- One row per product outcome (a view, an add to cart, a purchase of one
-- product), the window price rules count over. A purchase event that names
-- no product counts for each product of the session's latest order.
CREATE TABLE product_outcomes (
    id            INTEGER PRIMARY KEY,
    product_id    TEXT NOT NULL,
    placement_id  TEXT,
    kind          TEXT NOT NULL CHECK (kind IN ('view', 'add_to_cart', 'purchase')),
    received_at   INTEGER NOT NULL
);

CREATE INDEX product_outcomes_by_product ON product_outcomes (product_id, kind, id);

-- Every choice a placement made: enough to explain and replay it.
CREATE TABLE decisions (
    id            INTEGER PRIMARY KEY,
    placement_id  TEXT NOT NULL,
    session_id    TEXT,
    policy        TEXT NOT NULL,
    -- The u64 seed of the draws, as decimal text.
    seed          TEXT NOT NULL,
    -- JSON arrays: product ids shown; alternatives with their draws.
    chosen        TEXT NOT NULL,
    alternatives  TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE INDEX decisions_by_placement ON decisions (placement_id, id);

-- Merchants' price rules and their state.
CREATE TABLE price_rules (
    id                    TEXT PRIMARY KEY,
    merchant_id           TEXT NOT NULL REFERENCES merchants(id),
    name                  TEXT NOT NULL DEFAULT '',
    product_id            TEXT NOT NULL REFERENCES products(id),
    -- NULL: views in any placement count.
    placement_id          TEXT,
    window_views          INTEGER NOT NULL CHECK (window_views > 0),
    min_add_to_cart_rate  REAL NOT NULL,
    max_purchase_rate     REAL NOT NULL,
    discount_percent      INTEGER NOT NULL CHECK (discount_percent BETWEEN 1 AND 90),
    floor_minor           INTEGER NOT NULL CHECK (floor_minor >= 0),
    enabled               INTEGER NOT NULL DEFAULT 1,
    -- 1 while the rule's lower price is in force.
    active                INTEGER NOT NULL DEFAULT 0,
    -- While active: the price it replaced, and the price it set.
    base_price_minor      INTEGER,
    applied_price_minor   INTEGER,
    created_at            INTEGER NOT NULL
);

CREATE INDEX price_rules_by_product ON price_rules (product_id);

-- The audit of every price change: manual edits and rule changes.
CREATE TABLE price_changes (
    id            INTEGER PRIMARY KEY,
    product_id    TEXT NOT NULL REFERENCES products(id),
    reason        TEXT NOT NULL
                  CHECK (reason IN ('manual', 'rule_fired', 'rule_reverted', 'rule_disabled')),
    rule_id       TEXT,
    before_minor  INTEGER NOT NULL,
    after_minor   INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    -- JSON: the counts a rule saw when it acted.
    figures       TEXT,
    created_at    INTEGER NOT NULL
);

CREATE INDEX price_changes_by_product ON price_changes (product_id, id);
