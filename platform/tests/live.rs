//! The live streams over HTTP: price and stock changes reach subscribers of
//! the merchant's placements, cart changes reach their own session only,
//! and the merchant's feed carries events and orders.

mod common;

use common::sse::Subscription;
use common::{assert_error, checkout_body, Platform};
use kiosk_platform::keys::KeyKind;
use kiosk_platform::seed::DEMO_MERCHANT;
use kiosk_platform::store::NewProduct;
use kiosk_wire::{FeedItem, LiveUpdate, OrderConfirmation, OrderStatus, Product};
use reqwest::StatusCode;
use serde_json::json;

/// Subscribes to `placement`'s live stream, as `token`'s session if given,
/// and waits for the `ready` event.
async fn subscribe(platform: &Platform, placement: &str, token: Option<&str>) -> Subscription {
    subscribe_to(platform, &format!("/v1/live?placement={placement}"), token).await
}

/// Subscribes to any stream at `path`, presenting `token` as bearer, checks
/// it is served as an event stream, and waits for the `ready` event.
async fn subscribe_to(platform: &Platform, path: &str, token: Option<&str>) -> Subscription {
    let mut request = platform.client.get(platform.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    Subscription::after_ready(response).await
}

// What these tests read from a stream.
impl Subscription {
    /// The next event, parsed.
    async fn update(&mut self) -> LiveUpdate {
        let (event, data) = self.next().await;
        let update: LiveUpdate = serde_json::from_str(&data).unwrap();
        let expected = match &update {
            LiveUpdate::Product { .. } => "product",
            LiveUpdate::Cart { .. } => "cart",
        };
        assert_eq!(event, expected);
        update
    }
}

async fn patch_product(
    platform: &Platform,
    key: &str,
    id: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    platform
        .client
        .patch(platform.url(&format!("/v1/products/{id}")))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A merchant's price change answers with the product and reaches a
/// subscriber of the merchant's placement.
#[tokio::test]
async fn price_change_reaches_placement_subscribers() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let mut live = subscribe(&platform, "pl_sidebar", None).await;

    let response = patch_product(
        &platform,
        &key,
        "prd_merino-tee",
        json!({ "price_minor": 4900 }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let product: Product = response.json().await.unwrap();
    assert_eq!((product.price.amount_minor, product.stock), (4900, 40));

    match live.update().await {
        LiveUpdate::Product { product } => {
            assert_eq!(product.id, "prd_merino-tee");
            assert_eq!(product.price.amount_minor, 4900);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(platform.stock("prd_merino-tee").await, 40);
}

/// A size's stock change reaches subscribers as the whole jacket, so an ad
/// showing the jacket updates that size.
#[tokio::test]
async fn variant_change_reaches_subscribers_as_its_product() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let mut live = subscribe(&platform, "pl_sidebar", None).await;

    let response = patch_product(
        &platform,
        &key,
        "prd_summit-jacket-m",
        json!({ "stock": 9 }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);

    match live.update().await {
        LiveUpdate::Product { product } => {
            assert_eq!(product.id, "prd_summit-jacket");
            let medium = product.variants.iter().find(|v| v.option == "M").unwrap();
            assert_eq!(medium.stock, 9);
            assert_eq!(product.stock, 12);
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// A checkout's stock change reaches placement subscribers, and the
/// shopper's own subscription hears its cart empty.
#[tokio::test]
async fn checkout_pushes_stock_and_cart() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_day-pack", 1).await;
    let mut live = subscribe(&platform, "pl_sidebar", Some(&session.token)).await;

    let response = platform
        .checkout(&session.token, "k", &checkout_body())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    match live.update().await {
        LiveUpdate::Product { product } => {
            assert_eq!((product.id.as_str(), product.stock), ("prd_day-pack", 2))
        }
        other => panic!("unexpected {other:?}"),
    }
    match live.update().await {
        LiveUpdate::Cart { session: id, cart } => {
            assert_eq!(id, session.id);
            assert!(cart.lines.is_empty());
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// Cart changes reach only their own session's subscription: another
/// shopper's change, published first, is never delivered before this
/// shopper's own.
#[tokio::test]
async fn cart_changes_reach_only_their_session() {
    let platform = Platform::start().await;
    let mine = platform.session().await;
    let theirs = platform.session().await;
    let mut live = subscribe(&platform, "pl_sidebar", Some(&mine.token)).await;

    platform.add_ok(&theirs.token, "prd_bottle", 1).await;
    platform.add_ok(&mine.token, "prd_camp-mug", 2).await;

    match live.update().await {
        LiveUpdate::Cart { session, cart } => {
            assert_eq!(session, mine.id);
            assert_eq!(cart.lines[0].product.id, "prd_camp-mug");
            assert_eq!(cart.subtotal.unwrap().amount_minor, 2900);
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// Another merchant's product change is not delivered: the first event a
/// subscriber gets is its own merchant's later change.
#[tokio::test]
async fn other_merchants_changes_are_filtered() {
    let platform = Platform::start().await;
    platform
        .store
        .upsert_merchant("m_other", "Other")
        .await
        .unwrap();
    platform
        .store
        .upsert_product(&NewProduct {
            id: "prd_other",
            merchant_id: "m_other",
            title: "Other",
            description: "",
            price_minor: 100,
            currency: "EUR",
            stock: 5,
            position: 0,
        })
        .await
        .unwrap();
    let (_, other_key) = platform
        .store
        .create_key("m_other", KeyKind::Secret, &[])
        .await
        .unwrap();
    let key = platform.secret_key().await;
    let mut live = subscribe(&platform, "pl_sidebar", None).await;

    patch_product(&platform, &other_key, "prd_other", json!({ "stock": 1 })).await;
    patch_product(&platform, &key, "prd_bottle", json!({ "stock": 1 })).await;

    match live.update().await {
        LiveUpdate::Product { product } => assert_eq!(product.id, "prd_bottle"),
        other => panic!("unexpected {other:?}"),
    }
}

/// Product changes need the merchant's secret key (401/403), stay within
/// its catalog (404) and reject out-of-range values (422).
#[tokio::test]
async fn product_change_errors() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let (_, publishable) = platform
        .store
        .create_key(DEMO_MERCHANT, KeyKind::Publishable, &[])
        .await
        .unwrap();
    let body = json!({ "price_minor": 1 });

    let none = platform
        .client
        .patch(platform.url("/v1/products/prd_bottle"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_error(none, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let wrong_kind = patch_product(&platform, &publishable, "prd_bottle", body.clone()).await;
    assert_error(wrong_kind, StatusCode::FORBIDDEN, "forbidden").await;
    let unknown = patch_product(&platform, &key, "prd_nope", body.clone()).await;
    assert_error(unknown, StatusCode::NOT_FOUND, "product_not_found").await;
    for bad in [
        json!({ "price_minor": -1 }),
        json!({ "stock": -5 }),
        json!({ "stock": "lots" }),
    ] {
        let response = patch_product(&platform, &key, "prd_bottle", bad).await;
        assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
    }
    assert_eq!(platform.stock("prd_bottle").await, 60);
}

/// A cart widget (no placement) subscribes with its token in the query
/// string, as `EventSource` must: it gets its own cart's changes and no
/// product changes.
#[tokio::test]
async fn session_parameter_streams_the_cart_alone() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let session = platform.session().await;
    let path = format!("/v1/live?session={}", session.token);
    let mut live = subscribe_to(&platform, &path, None).await;

    let changed = patch_product(&platform, &key, "prd_bottle", json!({ "stock": 3 })).await;
    assert_eq!(changed.status(), StatusCode::OK);
    platform.add_ok(&session.token, "prd_camp-mug", 1).await;

    match live.update().await {
        LiveUpdate::Cart { session: id, cart } => {
            assert_eq!(id, session.id);
            assert_eq!(cart.lines[0].product.id, "prd_camp-mug");
            assert_eq!(cart.subtotal.unwrap().amount_minor, 1450);
        }
        other => panic!("a product change came first: {other:?}"),
    }
}

/// A subscriber without a placement (the cart widget) that names its
/// merchant also gets that merchant's product changes, so it can keep its
/// cart's prices current.
#[tokio::test]
async fn session_with_merchant_also_gets_product_changes() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let session = platform.session().await;
    let path = format!("/v1/live?session={}&merchant=m_northwind", session.token);
    let mut live = subscribe_to(&platform, &path, None).await;

    let changed = patch_product(
        &platform,
        &key,
        "prd_camp-mug",
        json!({ "price_minor": 1290 }),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    match live.update().await {
        LiveUpdate::Product { product } => {
            assert_eq!(product.id, "prd_camp-mug");
            assert_eq!(product.price.amount_minor, 1290);
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// The `session` parameter is the live stream's alone: other routes do not
/// read a token from the query string.
#[tokio::test]
async fn session_parameter_is_not_a_token_elsewhere() {
    let platform = Platform::start().await;
    let session = platform.session().await;
    let response = platform
        .client
        .get(platform.url(&format!("/v1/sessions/current?session={}", session.token)))
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::UNAUTHORIZED, "session_required").await;
}

/// The stream needs a placement or a session (400 with neither), a known
/// placement (404), a known session, presented as a header or as the
/// `session` parameter (404), and a known merchant if it names one (404).
#[tokio::test]
async fn live_stream_errors() {
    let platform = Platform::start().await;
    let missing = platform
        .client
        .get(platform.url("/v1/live"))
        .send()
        .await
        .unwrap();
    assert_error(missing, StatusCode::BAD_REQUEST, "invalid_query").await;
    let unknown = platform
        .client
        .get(platform.url("/v1/live?placement=pl_nope"))
        .send()
        .await
        .unwrap();
    assert_error(unknown, StatusCode::NOT_FOUND, "placement_not_found").await;
    let stale = platform
        .client
        .get(platform.url("/v1/live?placement=pl_sidebar"))
        .bearer_auth("kst_stale")
        .send()
        .await
        .unwrap();
    assert_error(stale, StatusCode::NOT_FOUND, "session_not_found").await;
    let stale_parameter = platform
        .client
        .get(platform.url("/v1/live?session=kst_stale"))
        .send()
        .await
        .unwrap();
    assert_error(stale_parameter, StatusCode::NOT_FOUND, "session_not_found").await;
    let session = platform.session().await;
    let unknown_merchant = platform
        .client
        .get(platform.url(&format!(
            "/v1/live?session={}&merchant=m_nope",
            session.token
        )))
        .send()
        .await
        .unwrap();
    assert_error(
        unknown_merchant,
        StatusCode::NOT_FOUND,
        "merchant_not_found",
    )
    .await;
}

impl Subscription {
    /// The next feed item, parsed.
    async fn feed_item(&mut self) -> FeedItem {
        let (event, data) = self.next().await;
        let item: FeedItem = serde_json::from_str(&data).unwrap();
        assert_eq!(event, item.name());
        item
    }
}

/// The merchant's feed carries accepted events (not duplicates), the
/// stock an order took, the order itself and its later status changes.
#[tokio::test]
async fn merchant_feed_carries_events_and_orders() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let session = platform.session_with("prd_stove", 1).await;
    let mut feed = subscribe_to(&platform, "/v1/merchant/feed", Some(&key)).await;

    let click = json!([{ "id": "c1", "kind": "click", "session": session.id,
                         "placement": "pl_sidebar", "campaign": "spring" }]);
    for _ in 0..2 {
        platform
            .client
            .post(platform.url("/v1/events"))
            .header("content-type", "text/plain")
            .body(click.to_string())
            .send()
            .await
            .unwrap();
    }
    match feed.feed_item().await {
        FeedItem::Event { event } => assert_eq!(
            (event.id.as_str(), event.campaign.as_deref()),
            ("c1", Some("spring"))
        ),
        other => panic!("unexpected {other:?}"),
    }

    let order: OrderConfirmation = platform
        .checkout(&session.token, "k", &checkout_body())
        .await
        .json()
        .await
        .unwrap();
    match feed.feed_item().await {
        FeedItem::Product { product } => {
            assert_eq!((product.id.as_str(), product.stock), ("prd_stove", 8))
        }
        other => panic!("a duplicate event or something else came first: {other:?}"),
    }
    match feed.feed_item().await {
        FeedItem::Order {
            number,
            status,
            total,
            ..
        } => {
            assert_eq!(number, order.number);
            assert_eq!(status, OrderStatus::Placed);
            assert_eq!(total, order.total);
        }
        other => panic!("unexpected {other:?}"),
    }

    let paid = platform
        .client
        .post(platform.url(&format!("/v1/merchant/orders/{}/status", order.number)))
        .bearer_auth(&key)
        .json(&json!({ "status": "paid" }))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), StatusCode::OK);
    match feed.feed_item().await {
        FeedItem::Order { status, .. } => assert_eq!(status, OrderStatus::Paid),
        other => panic!("unexpected {other:?}"),
    }
}

/// The feed needs the merchant's secret key: none is 401, a publishable
/// key 403.
#[tokio::test]
async fn merchant_feed_needs_a_secret_key() {
    let platform = Platform::start().await;
    let none = platform
        .client
        .get(platform.url("/v1/merchant/feed"))
        .send()
        .await
        .unwrap();
    assert_error(none, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let (_, publishable) = platform
        .store
        .create_key(DEMO_MERCHANT, KeyKind::Publishable, &[])
        .await
        .unwrap();
    let wrong = platform
        .client
        .get(platform.url("/v1/merchant/feed"))
        .bearer_auth(publishable)
        .send()
        .await
        .unwrap();
    assert_error(wrong, StatusCode::FORBIDDEN, "forbidden").await;
}
