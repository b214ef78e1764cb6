//! The admin page's reads over HTTP: the merchant's products, the funnel
//! by dimension and over time (events and orders of this merchant only,
//! cancelled orders left out), and the one-time tickets that open the
//! merchant's feed from a browser.

mod common;

use common::sse::Subscription;
use common::{assert_error, checkout_body, Platform};
use kiosk_platform::keys::KeyKind;
use kiosk_platform::seed::DEMO_MERCHANT;
use kiosk_platform::store::NewProduct;
use kiosk_wire::{
    FeedItem, FeedTicket, FunnelCounts, FunnelReport, FunnelSeries, OrderConfirmation, ProductList,
    Session,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A session that came from `placement` through campaign `campaign`.
async fn attributed_session(platform: &Platform, placement: &str, campaign: &str) -> Session {
    let response = platform
        .client
        .post(platform.url("/v1/sessions"))
        .json(&json!({ "placement": placement, "campaign": campaign, "creative": "cr_1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// Posts events, each `(kind, placement, product)`, for `session`; all
/// must be accepted.
async fn post_events(
    platform: &Platform,
    session: &Session,
    campaign: &str,
    events: &[(&str, Option<&str>, Option<&str>)],
) {
    let batch: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(index, (kind, placement, product))| {
            json!({ "id": format!("{}-{index}-{kind}", session.id), "kind": kind,
                    "session": session.id, "placement": placement, "product": product,
                    "campaign": campaign, "creative": "cr_1" })
        })
        .collect();
    let response = platform
        .client
        .post(platform.url("/v1/events"))
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["accepted"], events.len(), "{answer}");
}

/// Checks out `session` and returns the confirmation.
async fn buy(platform: &Platform, session: &Session) -> OrderConfirmation {
    let response = platform
        .checkout(
            &session.token,
            &format!("k-{}", session.id),
            &checkout_body(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn get(platform: &Platform, key: &str, path: &str) -> reqwest::Response {
    platform
        .client
        .get(platform.url(path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

async fn funnel(platform: &Platform, key: &str, query: &str) -> FunnelReport {
    let response = get(platform, key, &format!("/v1/merchant/stats/funnel?{query}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn row<'a>(report: &'a FunnelReport, key: &str) -> &'a FunnelCounts {
    &report
        .rows
        .iter()
        .find(|row| row.key == key)
        .unwrap_or_else(|| panic!("no row {key} in {report:?}"))
        .counts
}

/// A second merchant with a placement and a product of its own.
async fn other_merchant(platform: &Platform) {
    let store = &platform.store;
    store.upsert_merchant("m_other", "Other").await.unwrap();
    store
        .upsert_placement("pl_other", "m_other", "Other's slot", 3)
        .await
        .unwrap();
    store
        .upsert_product(&NewProduct {
            id: "prd_other",
            merchant_id: "m_other",
            title: "Other thing",
            description: "",
            price_minor: 500,
            currency: "EUR",
            stock: 5,
            position: 0,
        })
        .await
        .unwrap();
}

/// Events and an order from the sidebar show up in the sidebar's row and
/// the product's row, with the order's total as revenue; another
/// merchant's events and a cancelled order count nowhere.
#[tokio::test]
async fn funnel_counts_this_merchants_events_and_orders_by_dimension() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    other_merchant(&platform).await;

    let shopper = attributed_session(&platform, "pl_sidebar", "spring").await;
    post_events(
        &platform,
        &shopper,
        "spring",
        &[
            ("impression", Some("pl_sidebar"), None),
            ("viewable_impression", Some("pl_sidebar"), None),
            ("click", Some("pl_sidebar"), Some("prd_stove")),
            ("product_view", Some("pl_sidebar"), Some("prd_stove")),
            ("add_to_cart", Some("pl_sidebar"), Some("prd_stove")),
            ("checkout_start", Some("pl_sidebar"), None),
        ],
    )
    .await;
    let shopper = platform.add_ok(&shopper.token, "prd_stove", 2).await;
    let order = buy(&platform, &shopper).await;

    // A leaderboard impression, and an order that is then cancelled.
    let browser = attributed_session(&platform, "pl_leaderboard", "autumn").await;
    post_events(
        &platform,
        &browser,
        "autumn",
        &[("impression", Some("pl_leaderboard"), None)],
    )
    .await;
    let cancelled = platform.add_ok(&browser.token, "prd_bottle", 1).await;
    let cancelled = buy(&platform, &cancelled).await;
    let response = platform
        .client
        .post(platform.url(&format!("/v1/merchant/orders/{}/status", cancelled.number)))
        .bearer_auth(&key)
        .json(&json!({ "status": "cancelled" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    // Another merchant's traffic.
    let stranger = platform.session().await;
    post_events(
        &platform,
        &stranger,
        "spring",
        &[
            ("impression", Some("pl_other"), None),
            ("add_to_cart", None, Some("prd_other")),
        ],
    )
    .await;

    let by_placement = funnel(&platform, &key, "by=placement").await;
    let sidebar = row(&by_placement, "pl_sidebar");
    assert_eq!(
        (
            sidebar.impressions,
            sidebar.viewable,
            sidebar.clicks,
            sidebar.product_views,
            sidebar.add_to_cart,
            sidebar.checkouts,
            sidebar.orders
        ),
        (1, 1, 1, 1, 1, 1, 1)
    );
    assert_eq!(sidebar.revenue, order.total);
    let leaderboard = row(&by_placement, "pl_leaderboard");
    assert_eq!((leaderboard.impressions, leaderboard.orders), (1, 0));
    assert_eq!(leaderboard.revenue.amount_minor, 0);
    assert_eq!(by_placement.rows[0].key, "pl_sidebar");
    assert!(by_placement.rows.iter().all(|row| row.key != "pl_other"));
    assert_eq!(
        (
            by_placement.total.impressions,
            by_placement.total.add_to_cart
        ),
        (2, 1)
    );
    assert_eq!(by_placement.total.orders, 1);
    assert_eq!(by_placement.total.revenue, order.total);

    let by_product = funnel(&platform, &key, "by=product").await;
    let stove = row(&by_product, "prd_stove");
    assert_eq!((stove.add_to_cart, stove.orders), (1, 1));
    assert_eq!(stove.revenue, order.lines[0].line_total);
    assert!(by_product.rows.iter().all(|row| row.key != "prd_other"));

    let by_campaign = funnel(&platform, &key, "by=campaign").await;
    assert_eq!(row(&by_campaign, "spring").orders, 1);
    assert_eq!(row(&by_campaign, "spring").impressions, 1);
    assert_eq!(row(&by_campaign, "autumn").orders, 0);
    let by_creative = funnel(&platform, &key, "by=creative").await;
    assert_eq!(row(&by_creative, "cr_1").impressions, 2);
}

/// A window that ends before anything happened, or starts after it, is
/// empty; one around now holds everything.
#[tokio::test]
async fn funnel_window_selects_by_time() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let before = kiosk_platform::token::now_ms();
    let shopper = attributed_session(&platform, "pl_sidebar", "spring").await;
    post_events(
        &platform,
        &shopper,
        "spring",
        &[("impression", Some("pl_sidebar"), None)],
    )
    .await;
    let shopper = platform.add_ok(&shopper.token, "prd_stove", 1).await;
    buy(&platform, &shopper).await;
    let after = kiosk_platform::token::now_ms() + 1;

    let inside = funnel(&platform, &key, &format!("from={before}&to={after}")).await;
    assert_eq!((inside.total.impressions, inside.total.orders), (1, 1));
    assert_eq!((inside.from, inside.to), (Some(before), Some(after)));
    let earlier = funnel(&platform, &key, &format!("from=0&to={before}")).await;
    assert_eq!((earlier.total.impressions, earlier.total.orders), (0, 0));
    assert!(earlier.rows.is_empty());
    let later = funnel(&platform, &key, &format!("from={after}")).await;
    assert_eq!((later.total.impressions, later.total.orders), (0, 0));
}

/// The series has one bucket per interval, empty ones included, and its
/// buckets add up to the funnel's total.
#[tokio::test]
async fn series_buckets_add_up_to_the_total() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let shopper = attributed_session(&platform, "pl_sidebar", "spring").await;
    post_events(
        &platform,
        &shopper,
        "spring",
        &[
            ("impression", Some("pl_sidebar"), None),
            ("impression", Some("pl_sidebar"), None),
            ("click", Some("pl_sidebar"), None),
        ],
    )
    .await;
    let shopper = platform.add_ok(&shopper.token, "prd_stove", 1).await;
    let order = buy(&platform, &shopper).await;

    let response = get(&platform, &key, "/v1/merchant/stats/series").await;
    assert_eq!(response.status(), StatusCode::OK);
    let series: FunnelSeries = response.json().await.unwrap();
    assert_eq!(series.bucket_ms, 60_000);
    assert_eq!(series.buckets.len(), 60);
    assert_eq!(series.to - series.from, 60 * 60_000);
    for (index, bucket) in series.buckets.iter().enumerate() {
        assert_eq!(bucket.start, series.from + index as i64 * 60_000);
    }
    let impressions: i64 = series.buckets.iter().map(|b| b.counts.impressions).sum();
    let clicks: i64 = series.buckets.iter().map(|b| b.counts.clicks).sum();
    let orders: i64 = series.buckets.iter().map(|b| b.counts.orders).sum();
    let revenue: i64 = series
        .buckets
        .iter()
        .map(|b| b.counts.revenue.amount_minor)
        .sum();
    assert_eq!(
        (impressions, clicks, orders, revenue),
        (2, 1, 1, order.total.amount_minor)
    );

    // An explicit window in ten-second intervals: a partial last one too.
    let now = kiosk_platform::token::now_ms();
    let from = now - 25_000;
    let response = get(
        &platform,
        &key,
        &format!(
            "/v1/merchant/stats/series?from={from}&to={}&bucket_ms=10000",
            now + 1
        ),
    )
    .await;
    let series: FunnelSeries = response.json().await.unwrap();
    assert_eq!(series.buckets.len(), 3);
    let impressions: i64 = series.buckets.iter().map(|b| b.counts.impressions).sum();
    assert_eq!(impressions, 2);
}

/// Bad queries are coded errors; the reads need the merchant's secret key.
#[tokio::test]
async fn admin_reads_refuse_bad_queries_and_other_keys() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    for path in [
        "/v1/merchant/stats/funnel?by=weather",
        "/v1/merchant/stats/funnel?from=10&to=5",
        "/v1/merchant/stats/funnel?from=-1",
        "/v1/merchant/stats/funnel?from=soon",
        "/v1/merchant/stats/series?bucket_ms=10",
        "/v1/merchant/stats/series?from=0&to=100000000&bucket_ms=1000",
        "/v1/merchant/stats/series?from=5&to=5",
    ] {
        let response = get(&platform, &key, path).await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    }

    let (_, publishable) = platform
        .store
        .create_key(DEMO_MERCHANT, KeyKind::Publishable, &[])
        .await
        .unwrap();
    for path in [
        "/v1/merchant/products",
        "/v1/merchant/stats/funnel",
        "/v1/merchant/stats/series",
    ] {
        let none = platform
            .client
            .get(platform.url(path))
            .send()
            .await
            .unwrap();
        assert_error(none, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let wrong = get(&platform, &publishable, path).await;
        assert_error(wrong, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let ticket = platform
        .client
        .post(platform.url("/v1/merchant/feed/tickets"))
        .bearer_auth(&publishable)
        .send()
        .await
        .unwrap();
    assert_error(ticket, StatusCode::FORBIDDEN, "forbidden").await;
}

/// The product list holds every product of the merchant, sold-out ones
/// too, and nothing of another merchant.
#[tokio::test]
async fn product_list_has_every_product_of_the_merchant() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    other_merchant(&platform).await;
    platform.set_stock("prd_stove", 0).await;

    let response = get(&platform, &key, "/v1/merchant/products").await;
    assert_eq!(response.status(), StatusCode::OK);
    let list: ProductList = response.json().await.unwrap();
    let ids: Vec<&str> = list.products.iter().map(|p| p.id.as_str()).collect();
    for seeded in [
        "prd_trail-runner",
        "prd_stove",
        "prd_bottle",
        "prd_trek-poles",
    ] {
        assert!(ids.contains(&seeded), "{seeded} missing from {ids:?}");
    }
    let distinct: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len(), "{ids:?}");
    assert!(!ids.contains(&"prd_other"));
    let stove = list.products.iter().find(|p| p.id == "prd_stove").unwrap();
    assert_eq!(stove.stock, 0);
    assert_eq!(
        list.products
            .iter()
            .find(|p| p.id == "prd_bottle")
            .unwrap()
            .price,
        platform.store.product("prd_bottle").await.unwrap().price
    );
}

async fn ticket(platform: &Platform, key: &str) -> FeedTicket {
    let response = platform
        .client
        .post(platform.url("/v1/merchant/feed/tickets"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// A ticket opens the merchant's feed once, without any header: the feed
/// then carries the merchant's events. A used, unknown or expired ticket is
/// `unauthorized`, and the ticket is stored only as a digest.
#[tokio::test]
async fn feed_ticket_opens_the_feed_once() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let issued = ticket(&platform, &key).await;
    assert!(issued.ticket.starts_with("kft_"), "{}", issued.ticket);
    assert!(issued.expires_at > kiosk_platform::token::now_ms());
    assert!(!platform.db.contains(&issued.ticket).await);

    let path = format!("/v1/merchant/feed?ticket={}", issued.ticket);
    let mut feed = Subscription::open(&platform, &path, None).await;
    let shopper = attributed_session(&platform, "pl_sidebar", "spring").await;
    post_events(
        &platform,
        &shopper,
        "spring",
        &[("click", Some("pl_sidebar"), None)],
    )
    .await;
    let (name, data) = feed.next().await;
    assert_eq!(name, "event");
    match serde_json::from_str::<FeedItem>(&data).unwrap() {
        FeedItem::Event { event } => assert_eq!(event.session, shopper.id),
        other => panic!("unexpected {other:?}"),
    }

    let again = platform
        .client
        .get(platform.url(&path))
        .send()
        .await
        .unwrap();
    assert_error(again, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let unknown = platform
        .client
        .get(platform.url("/v1/merchant/feed?ticket=kft_nothing"))
        .send()
        .await
        .unwrap();
    assert_error(unknown, StatusCode::UNAUTHORIZED, "unauthorized").await;

    // A ticket issued with no time to live is already expired.
    let (expired, _) = platform
        .store
        .issue_feed_ticket(DEMO_MERCHANT, 0)
        .await
        .unwrap();
    let late = platform
        .client
        .get(platform.url(&format!("/v1/merchant/feed?ticket={expired}")))
        .send()
        .await
        .unwrap();
    assert_error(late, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

/// With an admin directory, the platform serves the admin page at
/// `/admin/` (and `/admin`), on its own origin, without opening it to
/// other origins.
#[tokio::test]
async fn the_admin_page_is_served_under_admin() {
    let db = common::TestDb::new().await;
    let store = db.open().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!DOCTYPE html><title>Kiosk admin</title>",
    )
    .unwrap();
    std::fs::write(dir.path().join("admin.js"), "export {}").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let dirs = kiosk_platform::StaticDirs {
        admin: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    tokio::spawn(kiosk_platform::serve(listener, store, dirs));

    let client = reqwest::Client::new();
    for path in ["/admin/", "/admin"] {
        let page = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        assert!(page.headers().get("access-control-allow-origin").is_none());
        assert!(page.text().await.unwrap().contains("Kiosk admin"));
    }
    let script = client
        .get(format!("{base}/admin/admin.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    let missing = client
        .get(format!("{base}/admin/nothing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
