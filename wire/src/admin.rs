//! What the merchant's admin page reads besides orders and the feed: the
//! funnel split by a dimension, the same funnel over time, the merchant's
//! products, and the one-time tickets that open the feed from a browser.

use serde::{Deserialize, Serialize};

use crate::{Money, Product};

/// What a funnel can be split by: the ad's attribution or the product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelDimension {
    Campaign,
    Creative,
    Placement,
    Product,
}

impl FunnelDimension {
    /// Every dimension, in the order the admin page offers them.
    pub const ALL: [FunnelDimension; 4] = [
        FunnelDimension::Placement,
        FunnelDimension::Campaign,
        FunnelDimension::Creative,
        FunnelDimension::Product,
    ];

    /// The name used on the wire (`?by=placement`).
    pub fn as_str(self) -> &'static str {
        match self {
            FunnelDimension::Campaign => "campaign",
            FunnelDimension::Creative => "creative",
            FunnelDimension::Placement => "placement",
            FunnelDimension::Product => "product",
        }
    }

    /// The dimension named `name`, if there is one.
    pub fn parse(name: &str) -> Option<FunnelDimension> {
        FunnelDimension::ALL
            .into_iter()
            .find(|dimension| dimension.as_str() == name)
    }
}

/// How many times each step of the funnel happened, and what the orders
/// brought in. Event counts come from accepted events; orders and revenue
/// from the orders themselves (cancelled and refunded ones left out).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelCounts {
    pub impressions: i64,
    /// Viewable impressions (the MRC rule).
    pub viewable: i64,
    pub clicks: i64,
    pub product_views: i64,
    pub add_to_cart: i64,
    /// Checkouts started.
    pub checkouts: i64,
    pub orders: i64,
    /// Attributed orders' totals; for the product dimension, the product's
    /// line totals.
    pub revenue: Money,
}

impl FunnelCounts {
    /// Nothing yet, in `currency`.
    pub fn zero(currency: &str) -> FunnelCounts {
        FunnelCounts {
            impressions: 0,
            viewable: 0,
            clicks: 0,
            product_views: 0,
            add_to_cart: 0,
            checkouts: 0,
            orders: 0,
            revenue: Money {
                amount_minor: 0,
                currency: currency.to_string(),
            },
        }
    }
}

/// One value of the dimension (a placement id, a campaign name, ...) and
/// its funnel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelRow {
    pub key: String,
    pub counts: FunnelCounts,
}

/// `GET /v1/merchant/stats/funnel`: the merchant's funnel split by `by`,
/// within `[from, to)` (milliseconds since the Unix epoch) when given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelReport {
    pub by: FunnelDimension,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
    /// One row per value seen, most impressions first (then most orders).
    pub rows: Vec<FunnelRow>,
    /// Everything of the merchant in the window, whatever its dimension.
    pub total: FunnelCounts,
}

/// One interval of a [`FunnelSeries`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelBucket {
    /// Start of the interval, milliseconds since the Unix epoch.
    pub start: i64,
    pub counts: FunnelCounts,
}

/// `GET /v1/merchant/stats/series`: the merchant's whole funnel in equal
/// intervals of `bucket_ms` from `from` to `to`, every interval present.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelSeries {
    pub from: i64,
    pub to: i64,
    pub bucket_ms: i64,
    pub buckets: Vec<FunnelBucket>,
}

/// `GET /v1/merchant/products`: every product of the merchant, sold-out
/// ones included, in the merchant's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductList {
    pub products: Vec<Product>,
}

/// `POST /v1/merchant/feed/tickets`: a one-time ticket that opens the
/// merchant's feed as `GET /v1/merchant/feed?ticket=...`, for browsers,
/// whose `EventSource` cannot send an `Authorization` header. It is used
/// up by the first stream it opens and expires unused at `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedTicket {
    /// `kft_...`.
    pub ticket: String,
    /// Milliseconds since the Unix epoch.
    pub expires_at: i64,
}
