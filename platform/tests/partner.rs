//! The ad server's session summary over HTTP: partner keys, merchant
//! scoping, and what a summary holds.

mod common;

use common::{assert_error, checkout_body, Platform};
use kiosk_platform::keys::KeyKind;
use kiosk_platform::seed::DEMO_MERCHANT;
use kiosk_wire::SessionSummary;
use reqwest::StatusCode;
use serde_json::json;

async fn key(platform: &Platform, merchant: &str, kind: KeyKind) -> String {
    platform
        .store
        .create_key(merchant, kind, &[])
        .await
        .unwrap()
        .1
}

async fn summary(platform: &Platform, key: &str, session_id: &str) -> reqwest::Response {
    platform
        .client
        .get(platform.url(&format!("/v1/partner/sessions/{session_id}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

/// With a partner key, an ad server reads a session's cart, attribution and
/// viewed products (latest first), and no personal data of its orders.
#[tokio::test]
async fn partner_reads_cart_and_viewed_products() {
    let platform = Platform::start().await;
    let partner = key(&platform, DEMO_MERCHANT, KeyKind::Partner).await;
    let session = platform.session_with("prd_camp-mug", 2).await;
    let views = json!({ "events": [
        { "id": "v1", "kind": "product_view", "session": session.id, "product": "prd_stove" },
        { "id": "v2", "kind": "product_view", "session": session.id, "product": "prd_bottle" },
        { "id": "v3", "kind": "click", "session": session.id, "placement": "pl_sidebar" }
    ]});
    platform
        .client
        .post(platform.url("/v1/events"))
        .header("content-type", "text/plain")
        .body(views.to_string())
        .send()
        .await
        .unwrap();

    let response = summary(&platform, &partner, &session.id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(
        !text.contains(&session.token),
        "a summary never shows the token"
    );
    let summary: SessionSummary = serde_json::from_str(&text).unwrap();
    assert_eq!(summary.id, session.id);
    assert_eq!(summary.cart.item_count, 2);
    assert_eq!(summary.viewed_products, ["prd_bottle", "prd_stove"]);

    // After an order, the summary shows the emptied cart and still no
    // contact or address.
    platform
        .checkout(&session.token, "k", &checkout_body())
        .await;
    let after = self::summary(&platform, &partner, &session.id).await;
    let text = after.text().await.unwrap();
    assert!(
        !text.contains("Jane") && !text.contains("example.com"),
        "{text}"
    );
}

/// The merchant's secret key may read summaries too; a publishable key is
/// 403, no key or a wrong one 401.
#[tokio::test]
async fn summary_needs_a_partner_or_secret_key() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_camp-mug", 1).await;
    let secret = key(&platform, DEMO_MERCHANT, KeyKind::Secret).await;
    assert_eq!(
        summary(&platform, &secret, &session.id).await.status(),
        StatusCode::OK
    );
    let publishable = key(&platform, DEMO_MERCHANT, KeyKind::Publishable).await;
    assert_error(
        summary(&platform, &publishable, &session.id).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        summary(&platform, "ptk_wrong", &session.id).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let none = platform
        .client
        .get(platform.url(&format!("/v1/partner/sessions/{}", session.id)))
        .send()
        .await
        .unwrap();
    assert_error(none, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

/// Another merchant's partner key cannot see this merchant's session: 404,
/// as for a session that does not exist.
#[tokio::test]
async fn summaries_are_scoped_to_the_merchant() {
    let platform = Platform::start().await;
    platform
        .store
        .upsert_merchant("m_other", "Other")
        .await
        .unwrap();
    let other = key(&platform, "m_other", KeyKind::Partner).await;
    let session = platform.session_with("prd_camp-mug", 1).await;
    assert_error(
        summary(&platform, &other, &session.id).await,
        StatusCode::NOT_FOUND,
        "session_not_found",
    )
    .await;
    let partner = key(&platform, DEMO_MERCHANT, KeyKind::Partner).await;
    assert_error(
        summary(&platform, &partner, "ses_nope").await,
        StatusCode::NOT_FOUND,
        "session_not_found",
    )
    .await;
}
