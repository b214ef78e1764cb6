-- Variants, availability, attributes and a gallery.
--
-- A variant (a size, a colour) is a sellable product row whose parent_id
-- names the product it belongs to, so carts, stock and checkout treat it as
-- any product. A parent with variants is listed but not sold itself.
ALTER TABLE products ADD COLUMN parent_id TEXT REFERENCES products(id);
-- How the variant differs from its siblings, e.g. "M" or "Blue / 42".
ALTER TABLE products ADD COLUMN option_label TEXT NOT NULL DEFAULT '';
-- A merchant can take a product off sale without touching its stock.
ALTER TABLE products ADD COLUMN available INTEGER NOT NULL DEFAULT 1 CHECK (available IN (0, 1));
-- JSON object of display attributes, e.g. {"material": "merino"}.
ALTER TABLE products ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
-- JSON array of further image URLs after image_url.
ALTER TABLE products ADD COLUMN images TEXT NOT NULL DEFAULT '[]';

CREATE INDEX products_by_parent ON products (parent_id);
