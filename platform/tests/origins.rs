//! Browser calls from other origins: a publishable key names the origins
//! that may use it, and the platform's CORS answers follow it.

mod common;

use common::{assert_error, Platform};
use kiosk_platform::keys::KeyKind;
use kiosk_platform::seed::DEMO_MERCHANT;
use reqwest::{Method, StatusCode};

const PUBLISHER: &str = "https://news.example";

/// A platform and a publishable key that allows `PUBLISHER`.
async fn start() -> (Platform, String) {
    let platform = Platform::start().await;
    let (_, key) = platform
        .store
        .create_key(
            DEMO_MERCHANT,
            KeyKind::Publishable,
            &[PUBLISHER.to_string()],
        )
        .await
        .unwrap();
    (platform, key)
}

fn placement_url(platform: &Platform, key: &str) -> String {
    platform.url(&format!("/v1/placements/pl_sidebar/products?key={key}"))
}

/// An allowed origin with its key reads the placement, and the answer
/// names that origin (never `*`) for the browser.
#[tokio::test]
async fn allowed_origin_with_its_key_gets_cors_answer() {
    let (platform, key) = start().await;
    let response = platform
        .client
        .get(placement_url(&platform, &key))
        .header("Origin", PUBLISHER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], PUBLISHER);
    // The ad's boot read sends the session cookie; the named origin may.
    assert_eq!(
        response.headers()["access-control-allow-credentials"],
        "true"
    );
    let vary: Vec<_> = response.headers().get_all("vary").iter().collect();
    assert!(vary.iter().any(|v| *v == "Origin"), "{vary:?}");
}

/// The preflight of a checkout from an allowed origin is answered with the
/// methods and headers the ad needs.
#[tokio::test]
async fn preflight_from_allowed_origin_lists_methods_and_headers() {
    let (platform, key) = start().await;
    let response = platform
        .client
        .request(
            Method::OPTIONS,
            platform.url(&format!("/v1/checkout?key={key}")),
        )
        .header("Origin", PUBLISHER)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, idempotency-key",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], PUBLISHER);
    assert!(headers["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));
    assert!(headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("idempotency-key"));
}

/// Another site using the merchant's key is refused with
/// `origin_not_allowed`, and gets no CORS header.
#[tokio::test]
async fn other_origin_with_the_key_is_403() {
    let (platform, key) = start().await;
    let response = platform
        .client
        .get(placement_url(&platform, &key))
        .header("Origin", "https://copycat.example")
        .send()
        .await
        .unwrap();
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    assert_error(response, StatusCode::FORBIDDEN, "origin_not_allowed").await;
}

/// A cross-origin browser call without a key is a 401
/// `publishable_key_required`; with a secret key in its place, 401
/// `unauthorized` (secret keys never work from browsers).
#[tokio::test]
async fn cross_origin_call_needs_a_publishable_key() {
    let (platform, _key) = start().await;
    let response = platform
        .client
        .get(platform.url("/v1/placements/pl_sidebar/products"))
        .header("Origin", PUBLISHER)
        .send()
        .await
        .unwrap();
    assert_error(
        response,
        StatusCode::UNAUTHORIZED,
        "publishable_key_required",
    )
    .await;

    let secret = platform.secret_key().await;
    let response = platform
        .client
        .get(placement_url(&platform, &secret))
        .header("Origin", PUBLISHER)
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

/// Servers (no `Origin`) and the platform's own pages (same origin) need no
/// publishable key and get no CORS headers.
#[tokio::test]
async fn servers_and_same_origin_pages_need_no_key() {
    let (platform, _key) = start().await;
    let server = platform
        .client
        .get(platform.url("/v1/placements/pl_sidebar/products"))
        .send()
        .await
        .unwrap();
    assert_eq!(server.status(), StatusCode::OK);
    assert!(server
        .headers()
        .get("access-control-allow-origin")
        .is_none());

    let own_origin = platform.base.clone();
    let same = platform
        .client
        .get(platform.url("/v1/placements/pl_sidebar/products"))
        .header("Origin", own_origin)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::OK);
}
