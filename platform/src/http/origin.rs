//! Which web pages may call the API from a browser: publishable keys and
//! their allowed origins, enforced as CORS.
//!
//! A request without an `Origin` header is not a cross-origin browser call
//! (a server, a command line, a same-origin page load) and passes untouched:
//! server-to-server callers are checked by their secret or partner keys.
//! A browser call from another origin must name a publishable key in the
//! query string (`?key=pk_...`, so it also reaches preflights, beacons and
//! `EventSource`, which cannot send headers), and its origin must be one the
//! key allows. Only then does the answer carry `Access-Control-Allow-Origin`
//! for that origin; a preflight is answered here. Same-origin calls (the
//! creative served by the platform itself) need no key.

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::error::Error;
use crate::keys::KeyKind;

/// Request headers a browser client may send.
const ALLOWED_HEADERS: &str =
    "authorization, content-type, idempotency-key, kiosk-expected-total, \
     kiosk-remembered-session, accept";
/// Methods the API answers cross-origin.
const ALLOWED_METHODS: &str = "GET, POST, PATCH, PUT, DELETE, OPTIONS";
/// How long a browser may cache a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE: &str = "600";

/// The middleware: checks a cross-origin browser call's publishable key and
/// origin, answers preflights, and adds CORS headers to allowed answers.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(origin) = request.headers().get(header::ORIGIN).cloned() else {
        return next.run(request).await;
    };
    if same_origin(request.headers(), &origin) {
        return next.run(request).await;
    }
    let Some(key) = query_key(request.uri()) else {
        return Error::PublishableKeyRequired.into_response();
    };
    let allowed = match state.store.key_by_secret(&key).await {
        Ok(Some(api_key)) if api_key.kind == KeyKind::Publishable => api_key
            .allowed_origins
            .iter()
            .any(|allowed| origin.to_str().is_ok_and(|origin| allowed == origin)),
        Ok(_) => return Error::Unauthorized.into_response(),
        Err(err) => return err.into_response(),
    };
    if !allowed {
        tracing::warn!(origin = ?origin, "browser call from an origin its key does not allow");
        return Error::OriginNotAllowed.into_response();
    }

    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut answer = StatusCode::NO_CONTENT.into_response();
        let headers = answer.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOWED_METHODS),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_HEADERS),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(PREFLIGHT_MAX_AGE),
        );
        answer
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    // The ad's boot read sends the platform's session cookie; an allowed
    // origin may (it is named, never `*`).
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    response
}

/// Whether `origin` is the platform's own (the request's `Host`).
fn same_origin(headers: &HeaderMap, origin: &HeaderValue) -> bool {
    let (Some(host), Ok(origin)) = (headers.get(header::HOST), origin.to_str()) else {
        return false;
    };
    let host = host.to_str().unwrap_or_default();
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        == Some(host)
}

/// The `key` query parameter, if any.
fn query_key(uri: &axum::http::Uri) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct KeyParam {
        key: Option<String>,
    }
    let Query(param) = Query::<KeyParam>::try_from_uri(uri).ok()?;
    param.key.filter(|key| !key.is_empty())
}
