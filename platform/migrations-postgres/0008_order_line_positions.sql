-- Order lines keep the order the cart listed them in as a column, so every
-- backend reads them back the same way.
ALTER TABLE order_lines ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
