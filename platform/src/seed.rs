//! The demo store: one merchant, its catalog, collections and two
//! placements.
//!
//! Seeding is idempotent (every row is an upsert), so `seed` can run on every
//! demo start and always leaves the same store behind, restoring stock and
//! prices a previous demo session changed.

use crate::store::{NewProduct, NewVariant, Store};

/// The merchant every demo row belongs to.
pub const DEMO_MERCHANT: &str = "m_northwind";

/// Placements the demo publisher page fills, with their slot counts.
pub const DEMO_PLACEMENTS: &[(&str, &str, i64)] = &[
    ("pl_sidebar", "Article sidebar, 300x250", 3),
    ("pl_leaderboard", "Leaderboard, 728x90", 4),
];

/// (id, name, product ids) of the demo collections.
pub const DEMO_COLLECTIONS: &[(&str, &str, &[&str])] = &[
    (
        "col_camp-kitchen",
        "Camp kitchen",
        &["prd_stove", "prd_camp-mug", "prd_bottle"],
    ),
    (
        "col_trail",
        "On the trail",
        &[
            "prd_trail-runner",
            "prd_wool-socks",
            "prd_trek-poles",
            "prd_day-pack",
        ],
    ),
];

/// (id, title, description, price in cents, stock) of the demo catalog.
const CATALOG: &[(&str, &str, &str, i64, i64)] = &[
    (
        "prd_trail-runner",
        "Trail Runner 2",
        "Light trail shoe with a grippy sole.",
        12900,
        14,
    ),
    (
        "prd_summit-jacket",
        "Summit Shell Jacket",
        "Waterproof, breathable, packs small.",
        21900,
        // Sold by size: see VARIANTS.
        0,
    ),
    (
        "prd_merino-tee",
        "Merino Tee",
        "Soft merino wool, no smell after days out.",
        5900,
        40,
    ),
    (
        "prd_day-pack",
        "Day Pack 22L",
        "Everyday pack with a padded laptop sleeve.",
        8900,
        3,
    ),
    (
        "prd_camp-mug",
        "Enamel Camp Mug",
        "Keeps coffee hot by the fire.",
        1450,
        120,
    ),
    (
        "prd_head-torch",
        "Head Torch 400",
        "400 lumens, USB-C rechargeable.",
        3990,
        25,
    ),
    (
        "prd_trek-poles",
        "Carbon Trek Poles",
        "A pair, 210 g each, fold to 36 cm.",
        11500,
        0,
    ),
    (
        "prd_wool-socks",
        "Hiking Socks (2 pairs)",
        "Cushioned heel and toe.",
        2400,
        75,
    ),
    (
        "prd_sun-hat",
        "Wide Brim Sun Hat",
        "UPF 50, crushable.",
        3200,
        18,
    ),
    (
        "prd_bottle",
        "Insulated Bottle 750ml",
        "Cold for 24 h, hot for 12 h.",
        2990,
        60,
    ),
    (
        "prd_sleeping-bag",
        "Down Sleeping Bag",
        "Comfort to -5 °C, 900 g.",
        32900,
        2,
    ),
    (
        "prd_stove",
        "Pocket Stove",
        "Boils half a litre in three minutes.",
        4490,
        9,
    ),
    (
        "prd_rain-trousers",
        "Rain Trousers",
        "Full side zips, over boots.",
        8900,
        11,
    ),
    (
        "prd_fleece",
        "Grid Fleece Midlayer",
        "Warm, light, dries fast.",
        7900,
        16,
    ),
    (
        "prd_down-vest",
        "Down Vest",
        "650 fill, packs into its pocket.",
        11900,
        4,
    ),
    (
        "prd_gaiters",
        "Trail Gaiters",
        "Keep grit and snow out of your shoes.",
        3400,
        22,
    ),
    (
        "prd_map-case",
        "Waterproof Map Case",
        "Fits a folded 1:25k map.",
        1900,
        35,
    ),
    (
        "prd_compass",
        "Baseplate Compass",
        "Declination adjust, luminous.",
        2900,
        19,
    ),
    (
        "prd_first-aid",
        "First Aid Kit",
        "For two people, two days.",
        2500,
        28,
    ),
    (
        "prd_water-filter",
        "Squeeze Water Filter",
        "0.1 micron, 1 L pouch.",
        3990,
        9,
    ),
    (
        "prd_camp-chair",
        "Folding Camp Chair",
        "860 g, holds 120 kg.",
        6900,
        3,
    ),
    (
        "prd_tent-2p",
        "Two-Person Tent",
        "Freestanding, 1.6 kg.",
        34900,
        2,
    ),
    (
        "prd_sleeping-mat",
        "Insulated Sleeping Mat",
        "R-value 4.2, inflates in 10 breaths.",
        12900,
        7,
    ),
    (
        "prd_cook-set",
        "Titanium Cook Set",
        "Pot, lid and mug, 180 g.",
        5900,
        13,
    ),
    (
        "prd_spork",
        "Titanium Spork",
        "Long handle for deep pouches.",
        990,
        80,
    ),
    (
        "prd_dry-bags",
        "Dry Bag Set (3)",
        "3, 5 and 8 litres.",
        2700,
        31,
    ),
    (
        "prd_trail-snacks",
        "Trail Mix Box",
        "Nuts, fruit and dark chocolate, 12 bars.",
        1800,
        0,
    ),
    (
        "prd_buff",
        "Merino Neck Gaiter",
        "Scarf, hat or headband.",
        2200,
        44,
    ),
    (
        "prd_gloves",
        "Liner Gloves",
        "Touchscreen fingertips.",
        2400,
        1,
    ),
    (
        "prd_sunglasses",
        "Glacier Sunglasses",
        "Category 4 lenses, side shields.",
        8900,
        6,
    ),
];

/// (id, product id, option, price in cents, stock) of the demo variants.
const VARIANTS: &[(&str, &str, &str, i64, i64)] = &[
    ("prd_summit-jacket-s", "prd_summit-jacket", "S", 21900, 2),
    ("prd_summit-jacket-m", "prd_summit-jacket", "M", 21900, 3),
    ("prd_summit-jacket-l", "prd_summit-jacket", "L", 21900, 1),
    ("prd_summit-jacket-xl", "prd_summit-jacket", "XL", 22900, 0),
];

/// (product id, attributes) shown with the demo products.
const ATTRIBUTES: &[(&str, &[(&str, &str)])] = &[
    ("prd_trail-runner", &[("weight", "280 g"), ("drop", "6 mm")]),
    (
        "prd_summit-jacket",
        &[("material", "3-layer nylon"), ("weight", "340 g")],
    ),
    ("prd_merino-tee", &[("material", "merino wool")]),
];

/// Writes the demo store into `store`.
pub async fn demo(store: &Store) -> crate::error::Result<()> {
    store
        .upsert_merchant(DEMO_MERCHANT, "Northwind Outfitters")
        .await?;
    for (id, name, slots) in DEMO_PLACEMENTS {
        store
            .upsert_placement(id, DEMO_MERCHANT, name, *slots)
            .await?;
    }
    for (position, (id, title, description, price_minor, stock)) in CATALOG.iter().enumerate() {
        store
            .upsert_product(&NewProduct {
                id,
                merchant_id: DEMO_MERCHANT,
                title,
                description,
                price_minor: *price_minor,
                currency: "EUR",
                stock: *stock,
                position: position as i64,
            })
            .await?;
    }
    for (position, (id, parent_id, option, price_minor, stock)) in VARIANTS.iter().enumerate() {
        store
            .upsert_variant(&NewVariant {
                id,
                parent_id,
                option,
                price_minor: *price_minor,
                stock: *stock,
                position: position as i64,
            })
            .await?;
    }
    for (id, attributes) in ATTRIBUTES {
        let attributes = attributes
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        store
            .set_product_details(id, true, &attributes, &[])
            .await?;
    }
    for (id, name, products) in DEMO_COLLECTIONS {
        store
            .upsert_collection(id, DEMO_MERCHANT, name, products)
            .await?;
    }
    tracing::info!(
        products = CATALOG.len(),
        merchant = DEMO_MERCHANT,
        "demo store seeded"
    );
    Ok(())
}
