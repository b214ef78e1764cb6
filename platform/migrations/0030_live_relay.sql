-- Live updates on their way between platform instances (PostgreSQL only;
-- the table exists on SQLite too, unused, so both schemas stay the same).
-- Each broadcast is kept here for a few minutes: a NOTIFY names its row, so
-- an update too large for a notification's payload still travels, and a
-- listener that lost its connection reads what it missed.
CREATE TABLE live_relay (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    payload     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE INDEX live_relay_by_time ON live_relay (created_at);
