-- What happened in ads and on pages, as clients reported it.
CREATE TABLE events (
    id               INTEGER PRIMARY KEY,
    session_id       TEXT NOT NULL REFERENCES sessions(id),
    -- The client's id for the event: a resent beacon is counted once.
    client_event_id  TEXT NOT NULL,
    kind             TEXT NOT NULL,
    placement        TEXT,
    creative         TEXT,
    campaign         TEXT,
    product_id       TEXT,
    occurred_at      INTEGER,
    received_at      INTEGER NOT NULL,
    UNIQUE (session_id, client_event_id)
);

CREATE INDEX events_by_placement ON events (placement, kind, received_at);
