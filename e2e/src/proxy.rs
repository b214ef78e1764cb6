//! A proxy in front of the platform that can lose a response on the way
//! back, as a mobile network does: the request reaches the platform and
//! takes effect, but the shopper's browser sees the connection fail.
//!
//! Everything else passes through unchanged (CORS preflights included).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

/// A running proxy.
pub struct FlakyProxy {
    pub addr: SocketAddr,
    state: Arc<ProxyState>,
}

struct ProxyState {
    upstream: String,
    client: reqwest::Client,
    /// Lose the response of the next `POST /v1/checkout`.
    lose_next_checkout: AtomicBool,
}

impl FlakyProxy {
    /// Starts a proxy to the platform at `upstream` (a base URL).
    pub async fn start(upstream: &str) -> anyhow::Result<FlakyProxy> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(ProxyState {
            upstream: upstream.trim_end_matches('/').to_string(),
            client: reqwest::Client::new(),
            lose_next_checkout: AtomicBool::new(false),
        });
        let app = Router::new().fallback(forward).with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(FlakyProxy { addr, state })
    }

    /// The proxy's base URL, to give the ad as its platform.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    /// Makes the next checkout's response fail after the platform answered.
    pub fn lose_next_checkout(&self) {
        self.state.lose_next_checkout.store(true, Ordering::SeqCst);
    }
}

async fn forward(
    State(state): State<Arc<ProxyState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lose = method == Method::POST
        && uri.path() == "/v1/checkout"
        && state.lose_next_checkout.swap(false, Ordering::SeqCst);
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut request = state
        .client
        .request(method, format!("{}{path}", state.upstream))
        .body(body);
    for (name, value) in &headers {
        if name != "host" {
            request = request.header(name, value);
        }
    }
    let Ok(answer) = request.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    let answer_headers = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap_or_default();

    let mut response = if lose {
        // Headers go out, then the body breaks: the browser's fetch fails
        // with a network error after the platform did the work.
        Response::new(broken_body())
    } else {
        Response::new(Body::from(bytes))
    };
    *response.status_mut() = status;
    for (name, value) in &answer_headers {
        if name != "content-length" && name != "transfer-encoding" {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

/// A body that breaks after its first few bytes. Something must go out
/// first: a connection that closes before any byte of the answer makes
/// browsers resend the request by themselves, hiding the loss.
fn broken_body() -> Body {
    let parts: [Result<Bytes, std::io::Error>; 2] = [
        Ok(Bytes::from_static(b"{\"number\":")),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection lost (simulated)",
        )),
    ];
    // The pause lets the first bytes leave before the connection breaks.
    let paced = futures_util::StreamExt::then(futures_util::stream::iter(parts), |part| async {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        part
    });
    Body::from_stream(paced)
}
