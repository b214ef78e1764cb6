//! Request extractors that fail with the platform's own errors.
//!
//! axum's built-in `Json`, `Query` and `Path` reject bad input with plain-text
//! bodies; these wrappers turn every rejection into an [`Error`] with a
//! stable code, so a client's mistake is never a bare 400 or a 500.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::Json;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// The cookie that carries a session token where the ad's frame allows it.
pub const SESSION_COOKIE: &str = "kiosk_session";

/// How long the session cookie lives, in seconds (30 days).
const SESSION_COOKIE_MAX_AGE: u32 = 30 * 24 * 60 * 60;

/// A JSON body (content type `application/json`).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        if !is_json(req.headers()) {
            // axum's own extractor says what is wrong with the content type.
            let Json(value) = Json::<T>::from_request(req, state).await?;
            return Ok(ApiJson(value));
        }
        let RawBody(body) = RawBody::from_request(req, state).await?;
        refuse_nul_in_json(&body)?;
        let Json(value) = Json::<T>::from_bytes(&body)?;
        Ok(ApiJson(value))
    }
}

/// A query string.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        if parts.uri.query().is_some_and(has_encoded_nul) {
            return Err(Error::InvalidQuery(NUL_REFUSED.to_string()));
        }
        let Query(value) = Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(value))
    }
}

/// Path parameters.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        if has_encoded_nul(parts.uri.path()) {
            return Err(Error::InvalidPath(NUL_REFUSED.to_string()));
        }
        let Path(value) = Path::<T>::from_request_parts(parts, state).await?;
        Ok(ApiPath(value))
    }
}

/// A raw body, whatever its content type; too large a body is 413
/// `body_too_large`.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    Error::BodyTooLarge
                } else {
                    Error::InvalidBody(rejection.body_text())
                }
            })
    }
}

/// Why text with a NUL character is refused: PostgreSQL cannot store it, so
/// both backends refuse it the same way, before it reaches the store.
const NUL_REFUSED: &str = "text may not contain the NUL character";

/// Whether a raw path or query holds a percent-encoded NUL.
fn has_encoded_nul(raw: &str) -> bool {
    raw.contains("%00")
}

/// Refuses a JSON body with a `\u0000` escape (a raw NUL byte is not valid
/// JSON anyway). An escaped backslash followed by `u0000` is refused too, a
/// harmless over-reach that keeps the check a byte search.
fn refuse_nul_in_json(body: &[u8]) -> Result<()> {
    if body.windows(6).any(|window| window == b"\\u0000") {
        return Err(Error::InvalidBody(NUL_REFUSED.to_string()));
    }
    Ok(())
}

/// Whether the request says its body is JSON (`application/json` or a
/// `+json` type), as axum's `Json` decides it.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON body whatever its content type says, for clients that
/// cannot set one (`navigator.sendBeacon` sends `text/plain`).
pub fn json_from_bytes<T: DeserializeOwned>(body: &Bytes) -> Result<T> {
    refuse_nul_in_json(body)?;
    serde_json::from_slice(body).map_err(|err| match err.classify() {
        serde_json::error::Category::Data => Error::InvalidBody(err.to_string()),
        _ => Error::InvalidJson(err.to_string()),
    })
}

/// The session token a request presents, if any: `Authorization: Bearer`
/// first, then the `kiosk_session` cookie.
#[derive(Clone, Debug)]
pub struct SessionToken(pub Option<String>);

impl SessionToken {
    /// The token, or `session_required` when the request has none.
    pub fn required(&self) -> Result<&str> {
        self.0.as_deref().ok_or(Error::SessionRequired)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SessionToken {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        Ok(SessionToken(
            bearer(&parts.headers).or_else(|| cookie(&parts.headers, SESSION_COOKIE)),
        ))
    }
}

/// The header in which a client presents the session token it remembered
/// itself (the ad's frame storage), weaker than the cookie.
pub const REMEMBERED_SESSION: &str = "kiosk-remembered-session";

/// Every session token a placement read presents, strongest first, as
/// DESIGN.md orders them: `Authorization: Bearer` (a session the client was
/// handed, e.g. by the page's cart widget), then the partitioned
/// `kiosk_session` cookie (shared by every ad of the platform on the same
/// top-level site), then `Kiosk-Remembered-Session` (the frame's own
/// storage). The first one the platform still knows wins.
#[derive(Clone, Debug)]
pub struct PresentedSessions(pub Vec<String>);

impl<S: Send + Sync> FromRequestParts<S> for PresentedSessions {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        let remembered = parts
            .headers
            .get(REMEMBERED_SESSION)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty());
        let mut tokens: Vec<String> = [
            bearer(&parts.headers),
            cookie(&parts.headers, SESSION_COOKIE),
            remembered,
        ]
        .into_iter()
        .flatten()
        .collect();
        tokens.dedup();
        Ok(PresentedSessions(tokens))
    }
}

/// The value of an `Authorization: Bearer ...` header.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.split_once(' ')?;
    let credentials = credentials.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !credentials.is_empty())
        .then(|| credentials.to_string())
}

/// The value of cookie `name`, from any `Cookie` header.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

/// A `Set-Cookie` header storing `token` as the session cookie.
///
/// `SameSite=None; Secure` lets the cookie travel to the platform from an ad
/// frame on any publisher; `Partitioned` (CHIPS) keys it to the top-level
/// site, so browsers that block third-party cookies still keep it, shared by
/// every ad on that site. `HttpOnly` keeps page scripts away from it.
pub fn session_cookie(token: &str) -> (axum::http::HeaderName, HeaderValue) {
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; Max-Age={SESSION_COOKIE_MAX_AGE}; HttpOnly; Secure; SameSite=None; Partitioned"
    );
    // Tokens are hex after an ASCII prefix, so the header value is always valid.
    let value = HeaderValue::from_str(&cookie).expect("session tokens are ASCII");
    (SET_COOKIE, value)
}
