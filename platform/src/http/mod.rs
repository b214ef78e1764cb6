//! The HTTP surface: routes, shared state and static files.
//!
//! `/v1/...` is the versioned JSON API, described in `/v1/openapi.json`; each area has a submodule
//! (`sessions` for sessions, carts and the placement boot read, `checkout`
//! for checkout and the shopper's order confirmation, `events` for event
//! ingest, `merchant` for the secret-key order API, `live` for the live
//! stream and the product changes that feed it, `partner` for ad servers
//! and ad networks, `rules` for placement pins, decisions, price rules and
//! price history, `negotiate` for XML answers) and
//! `extract` holds the extractors that turn bad input into stable errors. `/media/...` serves product images.
//! `admin` holds the admin page's reads. When configured, `/ad/` serves the
//! built creative (Trunk's `dist`), `/admin/` the merchant's admin page and
//! `/` the demo publisher site, so the demo needs one process only; in
//! production an ad server or CDN hosts the creative instead.

mod admin;
mod checkout;
mod events;
pub(crate) mod extract;
mod live;
mod merchant;
mod negotiate;
mod origin;
mod partner;
mod rules;
mod sessions;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{any, get, patch, post, put};
use axum::{Json, Router};
use kiosk_wire::{CollectionProducts, Product};
use tokio::sync::Notify;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use self::extract::ApiPath;
use crate::error::{Error, Result};
use crate::live::LiveHub;
use crate::metrics::Metrics;
use crate::optimise::{DecisionLog, Seeds};
use crate::payments::{PaymentProvider, TestProvider};
use crate::rules::Trigger;
use crate::store::Store;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Where checkout holds and merchants capture payments.
    pub payments: Arc<dyn PaymentProvider>,
    /// Where changes are published for live subscribers.
    pub live: LiveHub,
    /// Counters served at `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Wakes the webhook worker when an order change owes a delivery.
    pub webhook_wake: Arc<Notify>,
    /// The first wait before a failed webhook is retried.
    pub webhook_retry_base: Duration,
    /// Where placement reads get the seed of their draws.
    pub seeds: Seeds,
    /// Placement decisions on their way to the database.
    pub decisions: DecisionLog,
    /// Wakes the price rule task for products whose outcomes changed.
    pub price_rules: Trigger,
}

impl AppState {
    /// State over `store` with the [`TestProvider`] for payments.
    pub fn new(store: Store) -> AppState {
        AppState {
            store,
            payments: Arc::new(TestProvider::default()),
            live: LiveHub::default(),
            metrics: Arc::default(),
            webhook_wake: Arc::default(),
            webhook_retry_base: Duration::from_secs(1),
            seeds: Seeds::default(),
            decisions: DecisionLog::default(),
            price_rules: Trigger::default(),
        }
    }

    /// The same state with placement draws seeded from `seed`, so a
    /// sequence of placement reads replays exactly (simulations, tests).
    pub fn with_policy_seed(self, seed: u64) -> AppState {
        AppState {
            seeds: Seeds::from_seed(seed),
            ..self
        }
    }

    /// The same state with another first webhook retry wait.
    pub fn with_webhook_retry_base(self, webhook_retry_base: Duration) -> AppState {
        AppState {
            webhook_retry_base,
            ..self
        }
    }

    /// The same state with `payments` as the payment provider.
    pub fn with_payments(self, payments: Arc<dyn PaymentProvider>) -> AppState {
        AppState { payments, ..self }
    }
}

/// Where the static parts of the demo live on disk, if they are served.
#[derive(Clone, Debug, Default)]
pub struct StaticDirs {
    /// Trunk's output for the ad creative, served under `/ad/`.
    pub creative: Option<PathBuf>,
    /// The demo publisher site, served under `/`.
    pub site: Option<PathBuf>,
    /// Trunk's output for the merchant's admin page, served under `/admin/`.
    pub admin: Option<PathBuf>,
}

/// Builds the platform's router.
pub fn router(state: AppState, dirs: &StaticDirs) -> Router {
    // Browsers on other origins get in with a publishable key that allows
    // their origin (see `origin`); servers are checked by their own keys.
    let api = Router::new()
        .route("/v1/openapi.json", get(openapi))
        // Catalog and the ad's boot read.
        .route(
            "/v1/placements/{placement}/products",
            get(sessions::placement_products),
        )
        .route(
            "/v1/products/{id}",
            get(product).patch(live::update_product),
        )
        .route("/v1/collections/{id}/products", get(collection_products))
        // Sessions and carts.
        .route("/v1/sessions", post(sessions::create))
        .route("/v1/sessions/current", get(sessions::current))
        .route("/v1/cart/lines", post(sessions::add_line))
        .route(
            "/v1/cart/lines/{product_id}",
            patch(sessions::set_quantity).delete(sessions::remove_line),
        )
        // Checkout and the shopper's confirmation.
        .route("/v1/checkout", post(checkout::checkout))
        .route("/v1/orders/{number}", get(checkout::confirmation))
        // Events and live streams.
        .route("/v1/events", post(events::ingest))
        .route("/v1/live", get(live::stream))
        .route("/v1/merchant/feed", get(live::feed))
        .route("/v1/merchant/feed/tickets", post(admin::feed_ticket))
        // The admin page's reads (secret key).
        .route("/v1/merchant/products", get(admin::products))
        .route("/v1/merchant/stats/funnel", get(admin::funnel))
        .route("/v1/merchant/stats/series", get(admin::series))
        // Merchant (secret key) and partner (partner key) APIs.
        .route("/v1/merchant/orders", get(merchant::list))
        .route("/v1/merchant/orders/{number}", get(merchant::read))
        .route(
            "/v1/merchant/orders/{number}/status",
            post(merchant::transition),
        )
        .route("/v1/merchant/webhook", put(merchant::set_webhook))
        // The feedback loop (secret key): pins, decisions, price rules.
        .route(
            "/v1/merchant/placements/{placement}/policy",
            get(rules::placement_policy).put(rules::set_placement_policy),
        )
        .route(
            "/v1/merchant/placements/{placement}/rules",
            get(rules::placement_rules),
        )
        .route(
            "/v1/merchant/placements/{placement}/rules/{product_id}",
            put(rules::set_placement_rule).delete(rules::remove_placement_rule),
        )
        .route(
            "/v1/merchant/placements/{placement}/decisions",
            get(rules::decisions),
        )
        .route(
            "/v1/merchant/price-rules",
            get(rules::list).post(rules::create),
        )
        .route("/v1/merchant/price-rules/test", post(rules::test_draft))
        .route(
            "/v1/merchant/price-rules/{id}",
            get(rules::read).patch(rules::switch),
        )
        .route("/v1/merchant/price-rules/{id}/test", post(rules::test))
        .route(
            "/v1/merchant/products/{id}/price-history",
            get(rules::price_history),
        )
        .route("/v1/partner/sessions", post(partner::open_session))
        .route("/v1/partner/sessions/{id}", get(partner::session_summary))
        .route("/v1/partner/checkout", post(partner::checkout))
        // Unknown API paths and methods answer with codes, like every error.
        .route("/v1/{*rest}", any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(negotiate::xml_when_asked))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            origin::guard,
        ))
        .layer(axum::middleware::from_fn(finish_even_if_the_client_leaves));

    let counters = state.metrics.clone();
    let mut app = Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/media/products/{file}", get(product_image))
        .merge(api)
        .with_state(state);

    // Static files go out compressed (gzip or brotli, as the browser
    // accepts), as a CDN would send them: the ad's wasm is what a shopper's
    // page waits for. API answers and live streams stay as they are.
    if let Some(dir) = &dirs.creative {
        // Creatives and the widget's files are public: any page may load
        // them (the widget's module and wasm are fetched cross-origin).
        let creative = Router::new()
            .fallback_service(ServeDir::new(dir))
            .layer(axum::middleware::map_response(public_asset))
            .layer(CompressionLayer::new());
        app = app.nest_service("/ad", creative);
    }
    if let Some(dir) = &dirs.admin {
        // Same origin as the API, so the page calls it without any key in
        // its URLs (see `admin` for how it opens the feed).
        let admin = Router::new()
            .fallback_service(ServeDir::new(dir))
            .layer(CompressionLayer::new());
        app = app.nest_service("/admin", admin);
    }
    if let Some(dir) = &dirs.site {
        let site = Router::new()
            .fallback_service(ServeDir::new(dir))
            .layer(CompressionLayer::new());
        app = app.fallback_service(site);
    }
    app.layer(axum::middleware::from_fn(move |request, next| {
        count(counters.clone(), request, next)
    }))
    .layer(TraceLayer::new_for_http().make_span_with(request_span))
}

/// The span of one request: method and path, never the query string,
/// which may hold the live stream's `session` token.
fn request_span(request: &axum::extract::Request) -> tracing::Span {
    tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
}

async fn not_found() -> Error {
    Error::NotFound
}

async fn method_not_allowed() -> Error {
    Error::MethodNotAllowed
}

/// Counts every answered request by status class and latency.
async fn count(
    metrics: Arc<Metrics>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    metrics.response(response.status().as_u16(), started.elapsed());
    response
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

/// The API's description, written by hand beside the routes
/// (`platform/openapi.json`); a test checks that everything it lists is
/// routed.
const OPENAPI: &str = include_str!("../../openapi.json");

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Runs each API request to its end in a task of its own. When a client
/// hangs up (a shopper's phone loses signal, a load generator stops), the
/// server drops the request's future; a write cancelled halfway would leave
/// its transaction open on a pooled connection, holding SQLite's write lock
/// until that connection is used again, and every later write would wait on
/// it. Finishing the request instead also means a checkout the shopper
/// cannot see still completes, and its retry replays it.
async fn finish_even_if_the_client_leaves(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        Err(failure) => {
            tracing::error!(cause = %failure, "a request's task failed");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                Json(kiosk_wire::ApiError {
                    code: "internal".into(),
                    message: "the platform could not complete this request".into(),
                }),
            )
                .into_response()
        }
    }
}

/// Marks a static creative or widget file as loadable from any origin.
async fn public_asset(mut response: axum::response::Response) -> axum::response::Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        axum::http::HeaderValue::from_static("*"),
    );
    response
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn product(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Product>> {
    Ok(Json(state.store.product(&id).await?))
}

async fn collection_products(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CollectionProducts>> {
    let (name, products) = state.store.collection_products(&id).await?;
    Ok(Json(CollectionProducts {
        collection: id,
        name,
        products,
    }))
}

async fn product_image(
    State(state): State<AppState>,
    ApiPath(file): ApiPath<String>,
) -> Result<impl IntoResponse> {
    let id = file
        .strip_suffix(".svg")
        .ok_or_else(|| Error::ProductNotFound(file.clone()))?;
    let product = state.store.product(id).await?;
    let svg = crate::media::product_tile(&product.id, &product.title);
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        svg,
    ))
}
