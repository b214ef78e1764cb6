//! The typed client of the platform's HTTP API: every request the browser
//! makes goes through here, and components never build URLs.
//!
//! Calls that act on a cart present the session token as
//! `Authorization: Bearer`, which works in sandboxed frames where cookies
//! and storage may not.
//!
//! JSON is parsed and written by the browser (`JSON.parse`, `JSON.stringify`)
//! and mapped to Rust types with serde-wasm-bindgen: shipping a JSON parser
//! in the wasm would cost the ad bytes the browser already has.

use gloo_net::http::{Request, RequestBuilder, Response};
use kiosk_wire::{
    AddLine, ApiError, CheckoutRequest, EventBatch, OrderConfirmation, PlacementProducts, Session,
    SetQuantity,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use web_sys::RequestCredentials;

/// Why a platform call did not give an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiFailure {
    /// The platform could not be reached or sent something unreadable: the
    /// request may or may not have taken effect.
    Network(String),
    /// The platform answered with an error body.
    Rejected { status: u16, error: ApiError },
}

impl ApiFailure {
    /// The platform's stable error code, if it answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiFailure::Network(_) => None,
            ApiFailure::Rejected { error, .. } => Some(&error.code),
        }
    }
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiFailure::Network(cause) => write!(f, "platform unreachable: {cause}"),
            ApiFailure::Rejected { status, error } => {
                write!(
                    f,
                    "platform said {status} {}: {}",
                    error.code, error.message
                )
            }
        }
    }
}

/// A platform at a base URL, called with a merchant's publishable key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    base: String,
    /// The publishable key (`pk_...`) that lets this page's origin call the
    /// platform; it travels in the query string so that preflights,
    /// beacons and `EventSource` carry it too. Empty where the creative is
    /// served by the platform itself.
    key: String,
}

impl Platform {
    pub fn new(base: &str, key: &str) -> Platform {
        Platform {
            base: base.trim_end_matches('/').to_string(),
            key: key.to_string(),
        }
    }

    /// The ad's one boot request: the placement's products and the session
    /// with its cart. The platform resumes the first session it still
    /// knows of: `handed` (the page's cart widget gave it), the platform's
    /// partitioned cookie, `remembered` (this frame's storage); else it
    /// makes a new one.
    pub async fn boot(
        &self,
        placement: &str,
        handed: Option<&str>,
        remembered: Option<&str>,
    ) -> Result<PlacementProducts, ApiFailure> {
        let url = self.url(&format!(
            "/v1/placements/{}/products?session=new",
            encode(placement)
        ));
        // With credentials, the platform's partitioned session cookie goes
        // along and comes back: it finds the session again when this
        // frame's own storage was cleared.
        let mut request = Request::get(&url).credentials(RequestCredentials::Include);
        if let Some(remembered) = remembered {
            request = request.header("Kiosk-Remembered-Session", remembered);
        }
        send(with_token(request, handed)).await
    }

    /// The shopper's session: `token`'s if the platform still knows it,
    /// else a new one. For pages without a placement (the cart widget).
    pub async fn session(&self, token: Option<&str>) -> Result<Session, ApiFailure> {
        if let Some(token) = token {
            let current = Request::get(&self.url("/v1/sessions/current"));
            match send(with_token(current, Some(token))).await {
                Err(ApiFailure::Rejected { .. }) => {}
                answer => return answer,
            }
        }
        send_json(Request::post(&self.url("/v1/sessions")), &NoAttribution {}).await
    }

    /// The session `token` names, with its cart; an error (not a new
    /// session) if the platform does not know it.
    pub async fn current_session(&self, token: &str) -> Result<Session, ApiFailure> {
        let request = Request::get(&self.url("/v1/sessions/current"));
        send(with_token(request, Some(token))).await
    }

    /// The confirmation of order `number`, placed by `token`'s session.
    pub async fn order(&self, token: &str, number: &str) -> Result<OrderConfirmation, ApiFailure> {
        let url = self.url(&format!("/v1/orders/{}", encode(number)));
        send(with_token(Request::get(&url), Some(token))).await
    }

    /// Adds `quantity` of a product to the session's cart.
    pub async fn add_line(
        &self,
        token: &str,
        product_id: &str,
        quantity: i64,
    ) -> Result<Session, ApiFailure> {
        let body = AddLine {
            product_id: product_id.to_string(),
            quantity,
        };
        let request = with_token(Request::post(&self.url("/v1/cart/lines")), Some(token));
        send_json(request, &body).await
    }

    /// Sets a line's quantity; zero removes the line.
    pub async fn set_quantity(
        &self,
        token: &str,
        product_id: &str,
        quantity: i64,
    ) -> Result<Session, ApiFailure> {
        let url = self.url(&format!("/v1/cart/lines/{}", encode(product_id)));
        if quantity <= 0 {
            return send(with_token(Request::delete(&url), Some(token))).await;
        }
        send_json(
            with_token(Request::patch(&url), Some(token)),
            &SetQuantity { quantity },
        )
        .await
    }

    /// Places the order for the session's cart. The same `idempotency_key`
    /// for a retry of the same attempt never creates a second order.
    ///
    /// `shown_total` is the total (minor units) the shopper saw; if the
    /// platform's total differs, nothing is charged and the answer is a 409
    /// `price_changed`.
    pub async fn checkout(
        &self,
        token: &str,
        idempotency_key: &str,
        request: &CheckoutRequest,
        shown_total: Option<i64>,
    ) -> Result<OrderConfirmation, ApiFailure> {
        let mut builder = with_token(Request::post(&self.url("/v1/checkout")), Some(token))
            .header("Idempotency-Key", idempotency_key);
        if let Some(total) = shown_total {
            builder = builder.header("Kiosk-Expected-Total", &total.to_string());
        }
        send_json(builder, request).await
    }

    /// Hands a batch of events to the browser for delivery, surviving the
    /// page closing (`navigator.sendBeacon`, a text/plain JSON body the
    /// platform accepts). Returns false if the browser refused it.
    pub fn send_events(&self, batch: &EventBatch) -> bool {
        let Some(body) = to_json(batch) else {
            return false;
        };
        let Some(window) = web_sys::window() else {
            return false;
        };
        window
            .navigator()
            .send_beacon_with_opt_str(&self.url("/v1/events"), Some(&body))
            .unwrap_or(false)
    }

    /// The URL of the live stream (Server-Sent Events): product changes of
    /// `placement`'s merchant, if given, and cart changes of `token`'s
    /// session, if given. `EventSource` cannot send headers, so the token
    /// travels as the `session` parameter, which the platform accepts for
    /// this read-only stream alone.
    pub fn live_url(
        &self,
        placement: Option<&str>,
        token: Option<&str>,
        merchant: Option<&str>,
    ) -> String {
        let query = web_sys::UrlSearchParams::new().ok();
        if let Some(query) = &query {
            if let Some(placement) = placement {
                query.append("placement", placement);
            } else if let Some(merchant) = merchant {
                query.append("merchant", merchant);
            }
            if let Some(token) = token {
                query.append("session", token);
            }
        }
        let query = query
            .map(|q| String::from(q.to_string()))
            .unwrap_or_default();
        self.url(&format!("/v1/live?{query}"))
    }

    /// The full URL of API path `path` (which may have a query), with the
    /// publishable key.
    fn url(&self, path: &str) -> String {
        if self.key.is_empty() {
            return format!("{}{}", self.base, path);
        }
        let joiner = if path.contains('?') { '&' } else { '?' };
        format!("{}{}{}key={}", self.base, path, joiner, encode(&self.key))
    }
}

/// The body of a session created outside any ad.
#[derive(Serialize)]
struct NoAttribution {}

fn with_token(builder: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    match token {
        Some(token) => builder.header("Authorization", &format!("Bearer {token}")),
        None => builder,
    }
}

async fn send<T: DeserializeOwned>(builder: RequestBuilder) -> Result<T, ApiFailure> {
    read_json(builder.send().await.map_err(network)?).await
}

async fn send_json<B: Serialize, T: DeserializeOwned>(
    builder: RequestBuilder,
    body: &B,
) -> Result<T, ApiFailure> {
    let body = to_json(body).ok_or_else(|| ApiFailure::Network("unserialisable request".into()))?;
    let request = builder
        .header("Content-Type", "application/json")
        .body(body)
        .map_err(network)?;
    read_json(request.send().await.map_err(network)?).await
}

async fn read_json<T: DeserializeOwned>(response: Response) -> Result<T, ApiFailure> {
    if response.ok() {
        return from_body(&response).await;
    }
    let status = response.status();
    let error = from_body::<ApiError>(&response)
        .await
        .unwrap_or_else(|_| ApiError {
            code: "unexpected_response".into(),
            message: format!("HTTP {status} without an error body"),
        });
    Err(ApiFailure::Rejected { status, error })
}

/// Reads a response body as JSON into `T`.
async fn from_body<T: DeserializeOwned>(response: &Response) -> Result<T, ApiFailure> {
    let text = response.text().await.map_err(network)?;
    from_json(&text).ok_or_else(|| ApiFailure::Network("unreadable answer".into()))
}

/// `value` as JSON text, written by the browser.
pub fn to_json<T: Serialize>(value: &T) -> Option<String> {
    let value = serde_wasm_bindgen::to_value(value).ok()?;
    js_sys::JSON::stringify(&value).ok()?.as_string()
}

/// JSON text parsed by the browser into `T`.
pub fn from_json<T: DeserializeOwned>(text: &str) -> Option<T> {
    let value = js_sys::JSON::parse(text).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

fn network(err: gloo_net::Error) -> ApiFailure {
    ApiFailure::Network(err.to_string())
}

fn encode(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}
