//! A stand-in ad server for tests: hosts the built creative and publisher
//! pages, as an ad server and a publisher would, on its own port.
//!
//! - `GET /pub/{page}`: a publisher page from `e2e/fixtures/`, with
//!   `{{CREATIVE}}` replaced by the creative's base URL on the *other*
//!   loopback name (so the ad is cross-origin to the page) and
//!   `{{PLATFORM}}` by the platform's URL.
//! - `GET /creative/{host}.html` for `safeframe` and `mraid`: the built
//!   creative with that host's test stub (`e2e/fixtures/{host}-stub.js`)
//!   injected first in `<head>`, the way a real SafeFrame or MRAID host
//!   provides its API inside the ad's frame. The stubs are written for the
//!   tests and are not the real libraries.
//! - `GET /creative/...`: the built creative as Trunk wrote it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::{creative_dir, workspace};

/// A running stand-in ad server.
pub struct AdServer {
    pub addr: SocketAddr,
}

struct Pages {
    creative: PathBuf,
    fixtures: PathBuf,
    platform: String,
    port: u16,
}

impl AdServer {
    /// Starts an ad server whose pages point ads at `platform`.
    pub async fn start(platform: &str) -> anyhow::Result<AdServer> {
        AdServer::start_with(platform, creative_dir()?).await
    }

    /// Starts an ad server hosting the creative found in `creative`.
    pub async fn start_with(platform: &str, creative: PathBuf) -> anyhow::Result<AdServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let pages = Arc::new(Pages {
            creative,
            fixtures: workspace().join("e2e/fixtures"),
            platform: platform.trim_end_matches('/').to_string(),
            port: addr.port(),
        });
        let app = Router::new()
            .route("/pub/{page}", get(publisher_page))
            .route("/creative/{file}", get(creative_file))
            .with_state(pages);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(AdServer { addr })
    }

    /// The origin of the publisher pages.
    pub fn publisher_origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    /// The origin the creative runs on (what the platform sees as `Origin`).
    pub fn creative_origin(&self) -> String {
        format!("http://localhost:{}", self.addr.port())
    }

    /// The URL of the creative's own page `file` (on the creative origin).
    pub fn creative(&self, file: &str) -> String {
        format!("http://localhost:{}/creative/{file}", self.addr.port())
    }

    /// The plain publisher page framing the creative with URL parameters
    /// `params` (what an ad server would put in the creative's URL).
    pub fn ad_page(&self, params: &str) -> String {
        format!("{}#{params}", self.page("plain.html"))
    }

    /// The URL of publisher page `page` (a file in `e2e/fixtures/`).
    pub fn page(&self, page: &str) -> String {
        format!("http://127.0.0.1:{}/pub/{page}", self.addr.port())
    }
}

async fn publisher_page(State(pages): State<Arc<Pages>>, Path(page): Path<String>) -> Response {
    if page.contains("..") || !page.ends_with(".html") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(html) = tokio::fs::read_to_string(pages.fixtures.join(&page)).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let creative = format!("http://localhost:{}/creative", pages.port);
    Html(
        html.replace("{{CREATIVE}}", &creative)
            .replace("{{PLATFORM}}", &pages.platform),
    )
    .into_response()
}

async fn creative_file(State(pages): State<Arc<Pages>>, Path(file): Path<String>) -> Response {
    let stub = match file.as_str() {
        "safeframe.html" => Some("safeframe-stub.js"),
        "mraid.html" => Some("mraid-stub.js"),
        _ => None,
    };
    let Some(stub) = stub else {
        return serve_creative_file(&pages, &file).await;
    };
    let (Ok(index), Ok(script)) = (
        tokio::fs::read_to_string(pages.creative.join("index.html")).await,
        tokio::fs::read_to_string(pages.fixtures.join(stub)).await,
    ) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    Html(index.replacen("<head>", &format!("<head><script>{script}</script>"), 1)).into_response()
}

async fn serve_creative_file(pages: &Pages, file: &str) -> Response {
    if file.contains("..") || file.contains('/') {
        return StatusCode::NOT_FOUND.into_response();
    }
    let name = file;
    let Ok(bytes) = tokio::fs::read(pages.creative.join(name)).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        _ => "application/octet-stream",
    };
    ([(axum::http::header::CONTENT_TYPE, content_type)], bytes).into_response()
}
