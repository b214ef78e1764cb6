-- Order lines keep the order the cart listed them in as a column, so every
-- backend reads them back the same way (PostgreSQL has no rowid).
ALTER TABLE order_lines ADD COLUMN position INTEGER NOT NULL DEFAULT 0;

UPDATE order_lines SET position = rowid;
