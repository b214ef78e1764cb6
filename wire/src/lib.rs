//! The types that cross the wire between the Kiosk platform and its clients.
//!
//! Both the platform (native) and the browser crate (wasm32) compile against
//! these definitions, so a renamed field breaks the build on both sides
//! instead of breaking a shopper's ad at run time. The crate holds plain data
//! and serde derives only: no I/O, no formatting, no business rules.
//!
//! Money is always an integer count of minor units (cents) plus an ISO 4217
//! currency code. Floating point never represents a price anywhere in Kiosk.

use serde::{Deserialize, Serialize};

/// An amount of money as the platform computed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Integer minor units (e.g. cents), so sums are exact.
    pub amount_minor: i64,
    /// ISO 4217 code, upper case (e.g. `EUR`).
    pub currency: String,
}

impl Money {
    /// The number of minor units per major unit for the currency, as ISO 4217
    /// defines it for the currencies Kiosk sells in; two for anything else.
    pub fn minor_digits(&self) -> u32 {
        match self.currency.as_str() {
            "JPY" | "KRW" | "CLP" | "ISK" | "VND" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
            _ => 2,
        }
    }

    /// The amount in major units, for display APIs that take a number
    /// (`Intl.NumberFormat`). Never used for arithmetic.
    pub fn as_major(&self) -> f64 {
        self.amount_minor as f64 / 10f64.powi(self.minor_digits() as i32)
    }
}

/// One product as an ad or a cart shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Stable public id, e.g. `prd_trail-shoe`.
    pub id: String,
    pub title: String,
    pub description: String,
    /// Absolute URL or a path on the platform (`/media/...`).
    pub image_url: String,
    pub price: Money,
    /// Units that can still be sold; never negative.
    pub stock: i64,
}

/// The answer to "which products should placement P show?".
///
/// When the ad presents a session token (or asks for a new session), the
/// same answer carries the session and its cart, so an ad paints after one
/// round trip. Clients that never send a token never see the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementProducts {
    pub placement: String,
    pub products: Vec<Product>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
}

/// Where a session came from: the ad that started it. Every field is
/// optional because a session can also start on the publisher's page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    /// The ad server's click id, echoed back in reports and order webhooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub click_id: Option<String>,
}

/// An anonymous shopper's session: its cart and its attribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Public id (`ses_...`): events and ad servers name the session by it.
    /// It grants nothing.
    pub id: String,
    /// The secret bearer token (`kst_...`) that lets its holder use the cart.
    /// The platform stores only a digest of it.
    pub token: String,
    #[serde(default)]
    pub attribution: Attribution,
    pub cart: Cart,
}

/// A session's cart with every amount computed by the platform.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub lines: Vec<CartLine>,
    /// Units over all lines.
    pub item_count: i64,
    /// Sum of the line totals; absent while the cart is empty (an empty cart
    /// has no currency yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtotal: Option<Money>,
    /// What shipping this cart can choose at checkout, priced in its
    /// currency; empty while the cart is empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipping_options: Vec<ShippingOption>,
}

/// One product in a cart. A cart has at most one line per product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    /// The product as it is now (live price and stock).
    pub product: Product,
    pub quantity: i64,
    pub unit_price: Money,
    /// `unit_price` times `quantity`, computed by the platform.
    pub line_total: Money,
}

/// Body of `POST /v1/cart/lines`. A price sent along is ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddLine {
    pub product_id: String,
    pub quantity: i64,
}

/// Body of `PATCH /v1/cart/lines/{product_id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetQuantity {
    pub quantity: i64,
}

/// A way to ship an order, with its price in the cart's currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingOption {
    /// Stable id sent back at checkout, e.g. `standard`.
    pub id: String,
    pub label: String,
    pub price: Money,
}

/// The body of every error response: a stable machine code and a sentence
/// for people. Clients branch on `code`, never on `message`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A product survives a JSON round trip with its money as integers.
    #[test]
    fn product_json_round_trip_keeps_minor_units() {
        let product = Product {
            id: "prd_x".into(),
            title: "X".into(),
            description: String::new(),
            image_url: "/media/x.svg".into(),
            price: Money {
                amount_minor: 1999,
                currency: "EUR".into(),
            },
            stock: 3,
        };
        let json = serde_json::to_string(&product).unwrap();
        assert!(json.contains(r#""amount_minor":1999"#), "{json}");
        let back: Product = serde_json::from_str(&json).unwrap();
        assert_eq!(back, product);
    }

    /// Major-unit conversion follows each currency's minor digits.
    #[test]
    fn major_units_follow_currency_exponent() {
        let eur = Money {
            amount_minor: 1999,
            currency: "EUR".into(),
        };
        let jpy = Money {
            amount_minor: 1999,
            currency: "JPY".into(),
        };
        assert_eq!(eur.as_major(), 19.99);
        assert_eq!(jpy.as_major(), 1999.0);
    }
}
