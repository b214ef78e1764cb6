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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementProducts {
    pub placement: String,
    pub products: Vec<Product>,
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
