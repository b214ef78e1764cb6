//! The partner API over HTTP: an ad network opens a session, reads
//! products and checks out by session id, in JSON or XML by `Accept`; an
//! ad server reads session summaries. Partner keys, merchant scoping.

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

/// The text of the first `<tag>` element in an XML document.
fn xml_field(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>")).unwrap();
    xml[start..end].to_string()
}

/// The ad-network flow in XML: open a session, read a product, fill the
/// cart with the session's token, check out by session id with payment
/// data; answers are XML with the same fields as the JSON ones.
#[tokio::test]
async fn ad_network_flow_in_xml() {
    let platform = Platform::start().await;
    let partner = key(&platform, DEMO_MERCHANT, KeyKind::Partner).await;

    let opened = platform
        .client
        .post(platform.url("/v1/partner/sessions"))
        .bearer_auth(&partner)
        .header("accept", "application/xml")
        .json(&json!({ "campaign": "net-42", "click_id": "clk-9" }))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::CREATED);
    assert!(opened.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xml"));
    let xml = opened.text().await.unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    let session_id = xml_field(&xml, "id");
    let token = xml_field(&xml, "token");
    assert!(session_id.starts_with("ses_") && token.starts_with("kst_"));
    assert_eq!(xml_field(&xml, "campaign"), "net-42");

    let product = platform
        .client
        .get(platform.url("/v1/products/prd_camp-mug"))
        .header("accept", "text/xml, application/json;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(xml_field(&product, "title"), "Enamel Camp Mug");
    assert_eq!(xml_field(&product, "amount_minor"), "1450");

    platform.add_ok(&token, "prd_camp-mug", 2).await;
    let mut body = checkout_body();
    body["session_id"] = json!(session_id);
    let order = platform
        .client
        .post(platform.url("/v1/partner/checkout"))
        .bearer_auth(&partner)
        .header("idempotency-key", "net-order-1")
        .header("accept", "application/xml")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(order.status(), StatusCode::CREATED);
    let xml = order.text().await.unwrap();
    assert_eq!(xml_field(&xml, "status"), "placed");
    assert_eq!(xml_field(&xml, "card_last4"), "4242");
    assert!(xml_field(&xml, "number").len() == 12, "{xml}");

    // The order is attributed to the network's campaign and click.
    let secret = key(&platform, DEMO_MERCHANT, KeyKind::Secret).await;
    let orders: serde_json::Value = platform
        .client
        .get(platform.url("/v1/merchant/orders"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(orders["orders"][0]["attribution"]["click_id"], "clk-9");
}

/// The same partner checkout in JSON, and its failures as XML errors with
/// the usual codes: a declined card (402), no key (401).
#[tokio::test]
async fn partner_checkout_json_and_xml_errors() {
    let platform = Platform::start().await;
    let partner = key(&platform, DEMO_MERCHANT, KeyKind::Partner).await;
    let session = platform.session_with("prd_camp-mug", 1).await;

    let mut declined = common::checkout_body_with_card("4000000000000002");
    declined["session_id"] = json!(session.id);
    let response = platform
        .client
        .post(platform.url("/v1/partner/checkout"))
        .bearer_auth(&partner)
        .header("idempotency-key", "d")
        .header("accept", "application/xml")
        .json(&declined)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYMENT_REQUIRED);
    let xml = response.text().await.unwrap();
    assert!(xml.contains("<error><code>card_declined</code>"), "{xml}");

    let anonymous = platform
        .client
        .post(platform.url("/v1/partner/checkout"))
        .header("accept", "application/xml")
        .json(&declined)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        xml_field(&anonymous.text().await.unwrap(), "code"),
        "unauthorized"
    );

    let mut body = checkout_body();
    body["session_id"] = json!(session.id);
    let placed = platform
        .client
        .post(platform.url("/v1/partner/checkout"))
        .bearer_auth(&partner)
        .header("idempotency-key", "ok")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), StatusCode::CREATED);
    let order: kiosk_wire::OrderConfirmation = placed.json().await.unwrap();
    assert_eq!(order.lines[0].product_id, "prd_camp-mug");
}

/// Partner calls stay within the key's merchant and scope: another
/// merchant's key cannot check this session out (404), a publishable key
/// cannot open sessions (403), and a checkout without an idempotency key
/// is refused (400).
#[tokio::test]
async fn partner_calls_are_scoped() {
    let platform = Platform::start().await;
    platform
        .store
        .upsert_merchant("m_other", "Other")
        .await
        .unwrap();
    let other = key(&platform, "m_other", KeyKind::Partner).await;
    let partner = key(&platform, DEMO_MERCHANT, KeyKind::Partner).await;
    let publishable = key(&platform, DEMO_MERCHANT, KeyKind::Publishable).await;
    let session = platform.session_with("prd_camp-mug", 1).await;
    let mut body = checkout_body();
    body["session_id"] = json!(session.id);

    let foreign = platform
        .client
        .post(platform.url("/v1/partner/checkout"))
        .bearer_auth(&other)
        .header("idempotency-key", "k")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_error(foreign, StatusCode::NOT_FOUND, "session_not_found").await;

    let opened = platform
        .client
        .post(platform.url("/v1/partner/sessions"))
        .bearer_auth(&publishable)
        .send()
        .await
        .unwrap();
    assert_error(opened, StatusCode::FORBIDDEN, "forbidden").await;

    let no_key = platform
        .client
        .post(platform.url("/v1/partner/checkout"))
        .bearer_auth(&partner)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_error(no_key, StatusCode::BAD_REQUEST, "idempotency_key_missing").await;
}
