-- The admin page: one-time tickets that open the merchant's feed from a
-- browser (EventSource cannot send an Authorization header), and an index
-- for the admin's reads of events by time.
CREATE TABLE feed_tickets (
    -- SHA-256 of the ticket (kft_...); the ticket itself is never stored.
    ticket_hash  TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL REFERENCES merchants(id),
    expires_at   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE INDEX events_by_time ON events (received_at);
