//! The admin page's typed client of the platform: every request it makes
//! goes through here, and components never build URLs.
//!
//! The page is served by the platform itself (`/admin/`), so it calls the
//! API on its own origin with the merchant's secret key as
//! `Authorization: Bearer`. The key never goes into a URL: the live feed,
//! which `EventSource` opens without headers, is opened with a one-time
//! ticket instead ([`Admin::feed_url`]).

use gloo_net::http::{Request, RequestBuilder, Response};
use kiosk::api::{from_json, to_json};
use kiosk_wire::{
    ApiError, FeedTicket, FunnelDimension, FunnelReport, FunnelSeries, NewPriceRule, OrderList,
    PriceHistory, PriceRule, PriceRuleList, PriceRuleSwitch, Product, ProductList, ProductUpdate,
    RuleTest,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a call did not give an answer, in words for the merchant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The platform could not be reached or answered something unreadable.
    Network(String),
    /// The platform refused, with its stable code.
    Rejected { status: u16, error: ApiError },
}

impl Failure {
    /// Whether the key itself was refused (missing, unknown or not secret).
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            Failure::Rejected {
                status: 401 | 403,
                ..
            }
        )
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Network(cause) => write!(f, "The platform could not be reached ({cause})."),
            Failure::Rejected { error, .. } => write!(f, "{} ({})", error.message, error.code),
        }
    }
}

/// The platform as one merchant's secret key sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admin {
    key: String,
}

impl Admin {
    pub fn new(key: &str) -> Admin {
        Admin {
            key: key.trim().to_string(),
        }
    }

    /// Every product of the merchant; also how a key is checked at login.
    pub async fn products(&self) -> Result<Vec<Product>, Failure> {
        let list: ProductList = self.get("/v1/merchant/products").await?;
        Ok(list.products)
    }

    /// Changes a product's price (minor units) and/or stock; live at once.
    pub async fn update_product(
        &self,
        id: &str,
        update: &ProductUpdate,
    ) -> Result<Product, Failure> {
        let path = format!("/v1/products/{}", encode(id));
        self.send(Request::patch(&path), Some(update)).await
    }

    /// The funnel split by `by`, since `from` (ms since the epoch) if given.
    pub async fn funnel(
        &self,
        by: FunnelDimension,
        from: Option<i64>,
    ) -> Result<FunnelReport, Failure> {
        let mut path = format!("/v1/merchant/stats/funnel?by={}", by.as_str());
        if let Some(from) = from {
            path.push_str(&format!("&from={from}"));
        }
        self.get(&path).await
    }

    /// The whole funnel from `from` to now in intervals of `bucket_ms`.
    pub async fn series(&self, from: i64, bucket_ms: i64) -> Result<FunnelSeries, Failure> {
        self.get(&format!(
            "/v1/merchant/stats/series?from={from}&bucket_ms={bucket_ms}"
        ))
        .await
    }

    /// The latest orders, newest first.
    pub async fn orders(&self) -> Result<OrderList, Failure> {
        self.get("/v1/merchant/orders?limit=100").await
    }

    /// The merchant's price rules.
    pub async fn price_rules(&self) -> Result<Vec<PriceRule>, Failure> {
        let list: PriceRuleList = self.get("/v1/merchant/price-rules").await?;
        Ok(list.rules)
    }

    /// Creates a price rule.
    pub async fn create_price_rule(&self, rule: &NewPriceRule) -> Result<PriceRule, Failure> {
        self.send(Request::post("/v1/merchant/price-rules"), Some(rule))
            .await
    }

    /// Switches a price rule on or off.
    pub async fn switch_price_rule(&self, id: &str, enabled: bool) -> Result<PriceRule, Failure> {
        let path = format!("/v1/merchant/price-rules/{}", encode(id));
        self.send(Request::patch(&path), Some(&PriceRuleSwitch { enabled }))
            .await
    }

    /// What a draft rule would do now, against recent data.
    pub async fn test_draft_rule(&self, rule: &NewPriceRule) -> Result<RuleTest, Failure> {
        self.send(Request::post("/v1/merchant/price-rules/test"), Some(rule))
            .await
    }

    /// What an existing rule would do now.
    pub async fn test_price_rule(&self, id: &str) -> Result<RuleTest, Failure> {
        let path = format!("/v1/merchant/price-rules/{}/test", encode(id));
        self.send::<(), _>(Request::post(&path), None).await
    }

    /// A product's audited price changes, oldest first.
    pub async fn price_history(&self, product_id: &str) -> Result<PriceHistory, Failure> {
        self.get(&format!(
            "/v1/merchant/products/{}/price-history",
            encode(product_id)
        ))
        .await
    }

    /// The URL that opens the live feed once: a fresh one-time ticket in
    /// the query (never the key).
    pub async fn feed_url(&self) -> Result<String, Failure> {
        let ticket: FeedTicket = self
            .send::<(), _>(Request::post("/v1/merchant/feed/tickets"), None)
            .await?;
        Ok(format!(
            "/v1/merchant/feed?totals=true&ticket={}",
            encode(&ticket.ticket)
        ))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        self.send::<(), _>(Request::get(path), None).await
    }

    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        builder: RequestBuilder,
        body: Option<&B>,
    ) -> Result<T, Failure> {
        let builder = builder.header("Authorization", &format!("Bearer {}", self.key));
        let request = match body {
            Some(body) => {
                let json =
                    to_json(body).ok_or_else(|| Failure::Network("unserialisable".into()))?;
                builder
                    .header("Content-Type", "application/json")
                    .body(json)
                    .map_err(network)?
            }
            None => builder.build().map_err(network)?,
        };
        read(request.send().await.map_err(network)?).await
    }
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, Failure> {
    let status = response.status();
    let text = response.text().await.map_err(network)?;
    if response.ok() {
        return from_json(&text).ok_or_else(|| Failure::Network("unreadable answer".into()));
    }
    let error = from_json::<ApiError>(&text).unwrap_or_else(|| ApiError {
        code: "unexpected_response".into(),
        message: format!("HTTP {status} without an error body"),
    });
    Err(Failure::Rejected { status, error })
}

fn network(err: gloo_net::Error) -> Failure {
    Failure::Network(err.to_string())
}

/// `text` as one URL path segment or query value.
fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}
