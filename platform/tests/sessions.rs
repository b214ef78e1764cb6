//! Sessions over HTTP: create, resume by bearer token or cookie, and the
//! placement read that boots an ad with its session in one round trip.

mod common;

use common::{assert_error, Platform};
use kiosk_wire::{PlacementProducts, Session};
use reqwest::StatusCode;
use serde_json::json;

/// A new session answers 201 with an opaque token, a public id, an empty
/// cart, the attribution it was given and a partitioned cross-site cookie.
#[tokio::test]
async fn create_returns_token_attribution_and_partitioned_cookie() {
    let platform = Platform::start().await;
    let response = platform
        .client
        .post(platform.url("/v1/sessions"))
        .json(&json!({ "campaign": "spring", "creative": "cr_1",
                       "placement": "pl_sidebar", "click_id": "clk_42" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    let session: Session = response.json().await.unwrap();

    assert!(session.token.starts_with("kst_") && session.token.len() > 60);
    assert!(session.id.starts_with("ses_"));
    assert!(session.cart.lines.is_empty());
    assert_eq!(session.cart.subtotal, None);
    assert_eq!(session.attribution.campaign.as_deref(), Some("spring"));
    assert_eq!(session.attribution.click_id.as_deref(), Some("clk_42"));
    assert!(cookie.starts_with(&format!("kiosk_session={};", session.token)));
    for attribute in [
        "SameSite=None",
        "Secure",
        "Partitioned",
        "HttpOnly",
        "Path=/",
    ] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing in {cookie}"
        );
    }
}

/// A session resumes by bearer token and by cookie, with the same id.
#[tokio::test]
async fn current_resumes_by_bearer_or_cookie() {
    let platform = Platform::start().await;
    let session = platform.session().await;

    let by_bearer: Session = platform
        .client
        .get(platform.url("/v1/sessions/current"))
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let by_cookie = platform
        .client
        .get(platform.url("/v1/sessions/current"))
        .header(
            "cookie",
            format!("other=1; kiosk_session={}", session.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), StatusCode::OK);
    let by_cookie: Session = by_cookie.json().await.unwrap();
    assert_eq!(by_bearer.id, session.id);
    assert_eq!(by_cookie.id, session.id);
}

/// No token is a 401 `session_required`; an unknown one a 404
/// `session_not_found`.
#[tokio::test]
async fn current_without_or_with_unknown_token_fails() {
    let platform = Platform::start().await;
    let none = platform
        .client
        .get(platform.url("/v1/sessions/current"))
        .send()
        .await
        .unwrap();
    assert_error(none, StatusCode::UNAUTHORIZED, "session_required").await;

    let unknown = platform
        .client
        .get(platform.url("/v1/sessions/current"))
        .bearer_auth("kst_0000")
        .send()
        .await
        .unwrap();
    assert_error(unknown, StatusCode::NOT_FOUND, "session_not_found").await;
}

/// Bad bodies are client errors with codes: broken JSON, a wrong shape and
/// an oversized attribution value.
#[tokio::test]
async fn create_rejects_bad_bodies_with_codes() {
    let platform = Platform::start().await;
    let post = |body: &'static str| {
        platform
            .client
            .post(platform.url("/v1/sessions"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_error(
        post("{").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    assert_error(
        post(r#"{"campaign": 7}"#).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    let long = platform
        .client
        .post(platform.url("/v1/sessions"))
        .json(&json!({ "campaign": "x".repeat(300) }))
        .send()
        .await
        .unwrap();
    assert_error(
        long,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_attribution",
    )
    .await;
}

/// The platform keeps only a digest of the token: the token's text is
/// nowhere in the database (its files on SQLite, its rows on PostgreSQL),
/// while the session's public id is.
#[tokio::test]
async fn token_is_not_stored_in_the_database() {
    let platform = Platform::start().await;
    let session = platform.session().await;
    assert!(!platform.db.contains(&session.token).await);
    assert!(platform.db.contains(&session.id).await);
}

/// Without a token, the placement read has no `session` field at all, so
/// clients that predate sessions see the same body as before.
#[tokio::test]
async fn placement_without_token_has_no_session_field() {
    let platform = Platform::start().await;
    let response = platform
        .client
        .get(platform.url("/v1/placements/pl_sidebar/products"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("set-cookie").is_none());
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body.get("session").is_none(), "{body}");
    assert_eq!(body["products"].as_array().unwrap().len(), 3);
}

/// `?session=new` creates a session attributed to the placement and sets
/// its cookie, in the same answer as the products.
#[tokio::test]
async fn placement_can_create_the_session() {
    let platform = Platform::start().await;
    let response = platform
        .client
        .get(platform.url("/v1/placements/pl_sidebar/products?session=new"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Partitioned"));
    let body: PlacementProducts = response.json().await.unwrap();
    let session = body.session.expect("a new session");
    assert_eq!(session.attribution.placement.as_deref(), Some("pl_sidebar"));
    assert_eq!(body.products.len(), 3);
}

/// With a token, the placement read returns that session and its cart; with
/// `?session=new`, a stale token gets a fresh session instead of an error.
#[tokio::test]
async fn placement_resumes_session_with_cart() {
    let platform = Platform::start().await;
    let session = platform.session().await;
    platform.add_ok(&session.token, "prd_camp-mug", 2).await;

    let body: PlacementProducts = platform
        .client
        .get(platform.url("/v1/placements/pl_sidebar/products?session=new"))
        .bearer_auth(&session.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resumed = body.session.unwrap();
    assert_eq!(resumed.id, session.id);
    assert_eq!(resumed.cart.item_count, 2);
    assert_eq!(resumed.cart.subtotal.unwrap().amount_minor, 2900);

    let stale: PlacementProducts = platform
        .client
        .get(platform.url("/v1/placements/pl_sidebar/products?session=new"))
        .bearer_auth("kst_stale")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fresh = stale.session.unwrap();
    assert_ne!(fresh.id, session.id);
    assert!(fresh.cart.lines.is_empty());
}

/// The placement read resumes the strongest session presented that the
/// platform knows: the one the client was handed (Bearer, e.g. from the
/// page's cart widget), then the partitioned cookie, then the frame's own
/// remembered token (`Kiosk-Remembered-Session`).
#[tokio::test]
async fn placement_prefers_handed_then_cookie_then_remembered_session() {
    let platform = Platform::start().await;
    let handed = platform.session().await;
    let cookie = platform.session().await;
    let remembered = platform.session().await;
    let read = |bearer: Option<&str>, cookie: Option<&str>, remembered: Option<&str>| {
        let mut request = platform
            .client
            .get(platform.url("/v1/placements/pl_sidebar/products?session=new"));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        if let Some(token) = cookie {
            request = request.header("cookie", format!("kiosk_session={token}"));
        }
        if let Some(token) = remembered {
            request = request.header("kiosk-remembered-session", token);
        }
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let body: PlacementProducts = response.json().await.unwrap();
            body.session.unwrap().id
        }
    };
    let all = read(
        Some(&handed.token),
        Some(&cookie.token),
        Some(&remembered.token),
    )
    .await;
    assert_eq!(all, handed.id);
    let no_bearer = read(None, Some(&cookie.token), Some(&remembered.token)).await;
    assert_eq!(no_bearer, cookie.id);
    let remembered_only = read(None, None, Some(&remembered.token)).await;
    assert_eq!(remembered_only, remembered.id);
    // Tokens the platform no longer knows are passed over, not errors.
    let stale_first = read(Some("kst_stale"), Some("kst_gone"), Some(&remembered.token)).await;
    assert_eq!(stale_first, remembered.id);
    let none_known = read(Some("kst_stale"), None, Some("kst_gone")).await;
    assert!(![handed.id, cookie.id, remembered.id].contains(&none_known));
}

/// A stale token without `?session=new` is a 404 `session_not_found`; an
/// unknown `session` value a 400 `invalid_query`.
#[tokio::test]
async fn placement_session_errors() {
    let platform = Platform::start().await;
    let stale = platform
        .client
        .get(platform.url("/v1/placements/pl_sidebar/products"))
        .bearer_auth("kst_stale")
        .send()
        .await
        .unwrap();
    assert_error(stale, StatusCode::NOT_FOUND, "session_not_found").await;

    let bad = platform
        .client
        .get(platform.url("/v1/placements/pl_sidebar/products?session=old"))
        .send()
        .await
        .unwrap();
    assert_error(bad, StatusCode::BAD_REQUEST, "invalid_query").await;
}
