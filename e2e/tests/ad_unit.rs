//! The ad unit end to end: the built creative in headless Chrome, framed
//! cross-origin and sandboxed by a publisher page, served by a stand-in ad
//! server, talking to a real platform on a real SQLite file.

use std::time::Duration;

use fantoccini::Locator;
use kiosk_e2e::{free_port, AdServer, Browser, FlakyProxy, Platform};

/// The creative URL parameters every test ad carries (after the page's `#`).
const AD: &str = "placement=pl_sidebar&creative=cr_e2e&campaign=cmp_e2e&locale=en-US";

/// A platform, an ad server pointing ads at it, a browser, and the creative
/// URL parameters with a publishable key that allows the creative's origin.
async fn start() -> (Platform, AdServer, Browser, String) {
    let platform = Platform::start().await.unwrap();
    let adserver = AdServer::start(&platform.url()).await.unwrap();
    let browser = Browser::start().await.unwrap();
    let ad = with_key(&platform, &adserver).await;
    (platform, adserver, browser, ad)
}

/// `AD` plus a publishable key of `platform` for `adserver`'s creatives.
async fn with_key(platform: &Platform, adserver: &AdServer) -> String {
    let key = platform
        .publishable_key(&adserver.creative_origin())
        .await
        .unwrap();
    format!("{AD}&key={key}")
}

/// Fills the checkout form by clicking into each field, with `card`.
async fn fill_checkout(browser: &Browser, card: &str) {
    let fields = [
        ("#kiosk-email", "ada@example.com"),
        ("#kiosk-name", "Ada Lovelace"),
        ("#kiosk-line1", "1 Analytical Way"),
        ("#kiosk-city", "London"),
        ("#kiosk-postal_code", "N1 9GU"),
        ("#kiosk-country", "GB"),
        ("#kiosk-card_number", card),
        ("#kiosk-expiry", "12/30"),
        ("#kiosk-cvc", "123"),
    ];
    for (css, text) in fields {
        let input = browser
            .client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap();
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }
}

/// Adds the first product with the mouse and opens checkout.
async fn add_first_product_and_open_checkout(browser: &Browser) {
    let add = browser
        .client
        .wait()
        .for_element(Locator::Css(".kiosk-add"))
        .await
        .unwrap();
    add.click().await.unwrap();
    browser
        .wait_for_text(".kiosk-cart-count", "1")
        .await
        .unwrap();
    browser
        .client
        .find(Locator::Css(".kiosk-cart-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let checkout = browser
        .client
        .wait()
        .for_element(Locator::Css(".kiosk-checkout"))
        .await
        .unwrap();
    checkout.click().await.unwrap();
}

/// Buys the first product with the mouse and `card`; returns the order
/// number the ad confirms.
async fn buy_first_product(browser: &Browser, card: &str) -> String {
    add_first_product_and_open_checkout(browser).await;
    fill_checkout(browser, card).await;
    place_order(browser).await;
    browser.text(".kiosk-order-number").await.unwrap()
}

/// Re-runs `sql` until `done` accepts its rows (events arrive in batches,
/// a moment after the action); returns the last rows read.
async fn rows_when(
    platform: &Platform,
    sql: &str,
    done: impl Fn(&[Vec<String>]) -> bool,
) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for _ in 0..100 {
        rows = platform.rows(sql).await.unwrap();
        if done(&rows) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    rows
}

async fn place_order(browser: &Browser) {
    let submit = browser
        .client
        .find(Locator::Css(".kiosk-place-order"))
        .await
        .unwrap();
    submit.click().await.unwrap();
}

async fn order_count(platform: &Platform) -> usize {
    platform
        .rows("SELECT number FROM orders")
        .await
        .unwrap()
        .len()
}

/// Products from the platform's database appear in the sandboxed,
/// cross-origin ad; a price changed through the platform's API then shows
/// in the open ad without a reload.
#[tokio::test]
async fn products_appear_and_a_price_change_reaches_the_open_ad() {
    let (platform, adserver, browser, ad) = start().await;
    browser.open_ad(&adserver.ad_page(&ad)).await.unwrap();

    browser
        .wait_for_text(".kiosk-product .kiosk-title", "Trail Runner 2")
        .await
        .unwrap();
    assert_eq!(
        browser.text(".kiosk-product .kiosk-price").await.unwrap(),
        "€129.00"
    );
    let cards = browser
        .client
        .find_all(Locator::Css(".kiosk-product"))
        .await
        .unwrap();
    assert_eq!(cards.len(), 3);

    browser
        .client
        .wait()
        .for_element(Locator::Css("[data-live=connected]"))
        .await
        .unwrap();
    platform.set_price("prd_trail-runner", 9900).await.unwrap();
    browser
        .wait_for_text(".kiosk-product .kiosk-price", "€99.00")
        .await
        .unwrap();

    browser.close().await.unwrap();
}

/// A shopper picks a size of the jacket in the ad and buys it: the ad shows
/// that size's price, the cart names the size, and the order's line is the
/// size, at the platform's price.
#[tokio::test]
async fn a_chosen_size_is_what_the_order_holds() {
    let (platform, adserver, browser, ad) = start().await;
    browser.open_ad(&adserver.ad_page(&ad)).await.unwrap();

    let jacket = "[data-product='prd_summit-jacket']";
    let select = browser
        .client
        .wait()
        .for_element(Locator::Css(&format!("{jacket} .kiosk-variant")))
        .await
        .unwrap();
    select.select_by_value("prd_summit-jacket-l").await.unwrap();
    browser
        .wait_for_text(&format!("{jacket} .kiosk-stock"), "Only 1 left")
        .await
        .unwrap();
    browser
        .client
        .find(Locator::Css(&format!("{jacket} .kiosk-add")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_text(".kiosk-cart-count", "1")
        .await
        .unwrap();
    browser
        .client
        .find(Locator::Css(".kiosk-cart-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_text(".kiosk-line-title", "Summit Shell Jacket — L")
        .await
        .unwrap();
    browser
        .client
        .find(Locator::Css(".kiosk-checkout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill_checkout(&browser, "4242 4242 4242 4242").await;
    place_order(&browser).await;
    browser
        .client
        .wait()
        .for_element(Locator::Css(".kiosk-order-number"))
        .await
        .unwrap();

    let lines = platform
        .rows("SELECT product_id, quantity, unit_price_minor FROM order_lines")
        .await
        .unwrap();
    assert_eq!(lines, [["prd_summit-jacket-l", "1", "21900"]]);
    browser.close().await.unwrap();
}

/// The platform's partitioned cookie carries the session when the ad's
/// frame has forgotten it: with the frame's storage cleared, a reloaded ad
/// still shows the cart it had, and no second session is made.
#[tokio::test]
async fn the_session_cookie_brings_the_cart_back_after_storage_is_cleared() {
    let (platform, adserver, browser, ad) = start().await;
    let page = adserver.ad_page(&ad);
    browser.open_ad(&page).await.unwrap();
    browser
        .client
        .wait()
        .for_element(Locator::Css(".kiosk-add"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_text(".kiosk-cart-count", "1")
        .await
        .unwrap();

    browser
        .eval("localStorage.clear(); sessionStorage.clear(); return true;")
        .await
        .unwrap();
    browser.open_ad(&page).await.unwrap();
    browser
        .wait_for_text(".kiosk-cart-count", "1")
        .await
        .unwrap();
    let sessions = platform.rows("SELECT id FROM sessions").await.unwrap();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    browser.close().await.unwrap();
}

/// A keyboard-only shopper adds to cart and checks out with the test card;
/// focus moves into checkout; the order exists with the platform's totals.
#[tokio::test]
async fn keyboard_only_shopper_buys_and_the_order_has_server_totals() {
    let (platform, adserver, browser, ad) = start().await;
    browser.open_ad(&adserver.ad_page(&ad)).await.unwrap();
    browser
        .wait_for_text(".kiosk-product .kiosk-title", "Trail Runner 2")
        .await
        .unwrap();

    browser.tab_to(".kiosk-add").await.unwrap();
    browser.keys("\u{e007}").await.unwrap();
    browser
        .wait_for_text(".kiosk-cart-count", "1")
        .await
        .unwrap();
    browser.tab_to(".kiosk-cart-button").await.unwrap();
    browser.keys("\u{e007}").await.unwrap();
    browser.tab_to(".kiosk-checkout").await.unwrap();
    browser.keys("\u{e007}").await.unwrap();

    // Focus lands in the first checkout field; the shopper types and tabs.
    browser
        .client
        .wait()
        .for_element(Locator::Css("#kiosk-email"))
        .await
        .unwrap();
    let focused = browser
        .eval("return document.activeElement.id")
        .await
        .unwrap();
    assert_eq!(focused, "kiosk-email", "focus moves into checkout");
    let tab = "\u{e004}";
    browser
        .keys(&format!(
            "ada@example.com{tab}Ada Lovelace{tab}1 Analytical Way{tab}London{tab}N1 9GU{tab}GB"
        ))
        .await
        .unwrap();
    browser.tab_to("#kiosk-card_number").await.unwrap();
    browser
        .keys(&format!("4242 4242 4242 4242{tab}12/30{tab}123\u{e007}"))
        .await
        .unwrap();

    let number = browser.text(".kiosk-order-number").await.unwrap();
    let total = browser.text(".kiosk-order-total").await.unwrap();

    let order: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/v1/merchant/orders/{number}", platform.url()))
        .bearer_auth(&platform.secret_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(order["status"], "placed");
    assert_eq!(order["lines"][0]["product_id"], "prd_trail-runner");
    assert_eq!(order["subtotal"]["amount_minor"], 12900);
    let shipping = order["shipping"]["amount_minor"].as_i64().unwrap();
    assert_eq!(order["total"]["amount_minor"], 12900 + shipping);
    assert_eq!(order["card_last4"], "4242");
    let shown = format!("€{:.2}", (12900 + shipping) as f64 / 100.0);
    assert_eq!(total, shown, "the ad shows the platform's total");

    browser.close().await.unwrap();
}

/// A price that moves while the shopper is in checkout reaches the open
/// checkout: the review's total follows it without a reload, and the order
/// charges the total the shopper was shown last, never the old one.
#[tokio::test]
async fn a_price_change_during_checkout_updates_the_total_shown_and_charged() {
    let (platform, adserver, browser, ad) = start().await;
    browser.open_ad(&adserver.ad_page(&ad)).await.unwrap();
    let product = browser
        .client
        .wait()
        .for_element(Locator::Css(".kiosk-product"))
        .await
        .unwrap()
        .attr("data-product")
        .await
        .unwrap()
        .expect("the card names its product");
    add_first_product_and_open_checkout(&browser).await;
    fill_checkout(&browser, "4242 4242 4242 4242").await;
    let shown = browser.text(".kiosk-review-total").await.unwrap();

    let price: i64 = platform
        .rows(&format!(
            "SELECT price_minor FROM products WHERE id = '{product}'"
        ))
        .await
        .unwrap()[0][0]
        .parse()
        .unwrap();
    let new_price = price + 1000;
    platform.set_price(&product, new_price).await.unwrap();
    let updated = browser
        .eval_until(
            &format!(
                "const t = document.querySelector('.kiosk-review-total');
                 return t && t.textContent !== {shown:?} ? t.textContent : null;"
            ),
            Duration::from_millis(20),
        )
        .await
        .unwrap();
    let updated = updated.as_str().unwrap().to_string();

    place_order(&browser).await;
    assert_eq!(browser.text(".kiosk-order-total").await.unwrap(), updated);
    let charged = platform
        .rows("SELECT total_minor FROM orders")
        .await
        .unwrap();
    let standard_shipping = 495;
    assert_eq!(charged, [[(new_price + standard_shipping).to_string()]]);

    browser.close().await.unwrap();
}

/// A declined card shows a clear error and places no order; another card
/// then succeeds.
#[tokio::test]
async fn declined_card_shows_an_error_and_places_no_order() {
    let (platform, adserver, browser, ad) = start().await;
    browser.open_ad(&adserver.ad_page(&ad)).await.unwrap();
    add_first_product_and_open_checkout(&browser).await;

    fill_checkout(&browser, "4000 0000 0000 0002").await;
    place_order(&browser).await;
    browser
        .wait_for_text(
            "[role=alert]",
            "Your card was declined. Please try another card.",
        )
        .await
        .unwrap();
    assert_eq!(order_count(&platform).await, 0);

    fill_checkout(&browser, "4242 4242 4242 4242").await;
    place_order(&browser).await;
    browser.text(".kiosk-order-number").await.unwrap();
    assert_eq!(order_count(&platform).await, 1);

    browser.close().await.unwrap();
}

/// When the checkout response is lost on the network, pressing "Place
/// order" again reuses the attempt's idempotency key: one order, one charge.
#[tokio::test]
async fn retry_after_a_lost_response_places_exactly_one_order() {
    let platform = Platform::start().await.unwrap();
    let proxy = FlakyProxy::start(&platform.url()).await.unwrap();
    let adserver = AdServer::start(&proxy.url()).await.unwrap();
    let ad = with_key(&platform, &adserver).await;
    let browser = Browser::start().await.unwrap();
    browser.open_ad(&adserver.ad_page(&ad)).await.unwrap();
    add_first_product_and_open_checkout(&browser).await;
    fill_checkout(&browser, "4242 4242 4242 4242").await;

    proxy.lose_next_checkout();
    place_order(&browser).await;
    let alert = browser.text("[role=alert]").await.unwrap();
    assert!(alert.starts_with("Connection lost"), "{alert}");
    assert_eq!(order_count(&platform).await, 1, "the platform did place it");

    place_order(&browser).await;
    let number = browser.text(".kiosk-order-number").await.unwrap();
    let orders = platform.rows("SELECT number FROM orders").await.unwrap();
    assert_eq!(
        orders,
        vec![vec![number]],
        "the retry replayed the same order"
    );

    browser.close().await.unwrap();
}

/// With no platform listening, the ad shows its fallback (an exit through
/// the click macro) and the publisher page's own script keeps running.
#[tokio::test]
async fn platform_down_shows_the_fallback_and_the_page_keeps_running() {
    let down = format!("http://127.0.0.1:{}", free_port().unwrap());
    let adserver = AdServer::start(&down).await.unwrap();
    let browser = Browser::start().await.unwrap();
    let ad = format!(
        "{AD}&landing={}&click={}",
        "https%3A%2F%2Fshop.example%2F", "https%3A%2F%2Fads.example%2Fclk%3Fu%3D"
    );
    browser.open_ad(&adserver.ad_page(&ad)).await.unwrap();

    let link = browser
        .client
        .wait()
        .for_element(Locator::Css(".kiosk-fallback a"))
        .await
        .unwrap();
    assert_eq!(
        link.attr("href").await.unwrap().as_deref(),
        Some("https://ads.example/clk?u=https://shop.example/")
    );

    browser.client.enter_parent_frame().await.unwrap();
    let before: i64 = browser.text("#ticks").await.unwrap().parse().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after: i64 = browser.text("#ticks").await.unwrap().parse().unwrap();
    assert!(after > before, "page script stopped: {before} then {after}");
    let errors = browser
        .eval("return window.__pageErrors || 0")
        .await
        .unwrap();
    assert_eq!(errors, 0);

    browser.close().await.unwrap();
}

/// A platform that accepts connections but never answers: after the boot
/// timeout the ad shows its fallback instead of hanging.
#[tokio::test]
async fn silent_platform_times_out_into_the_fallback() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let adserver = AdServer::start(&silent_url).await.unwrap();
    let browser = Browser::start().await.unwrap();
    browser.open_ad(&adserver.ad_page(AD)).await.unwrap();

    let status = browser.text(".kiosk-fallback[role=status]").await.unwrap();
    assert_eq!(status, "Products are unavailable right now.");

    browser.close().await.unwrap();
}

/// Impression, viewable impression, add to cart, checkout start and
/// purchase reach the platform with the ad's placement, creative and
/// campaign.
#[tokio::test]
async fn ad_events_reach_the_platform_with_placement_and_creative() {
    let (platform, adserver, browser, ad) = start().await;
    browser.open_ad(&adserver.ad_page(&ad)).await.unwrap();
    buy_first_product(&browser, "4242 4242 4242 4242").await;

    let wanted = [
        "impression",
        "viewable_impression",
        "add_to_cart",
        "checkout_start",
        "purchase",
    ];
    let rows = rows_when(
        &platform,
        "SELECT DISTINCT kind FROM events
         WHERE placement = 'pl_sidebar' AND creative = 'cr_e2e' AND campaign = 'cmp_e2e'",
        |rows| {
            wanted
                .iter()
                .all(|kind| rows.iter().any(|row| row[0] == *kind))
        },
    )
    .await;
    let kinds: Vec<&str> = rows.iter().map(|row| row[0].as_str()).collect();
    for kind in wanted {
        assert!(kinds.contains(&kind), "no {kind} event; got {kinds:?}");
    }
    let added = platform
        .rows("SELECT product_id FROM events WHERE kind = 'add_to_cart'")
        .await
        .unwrap();
    assert_eq!(added, vec![vec!["prd_trail-runner".to_string()]]);

    browser.close().await.unwrap();
}

/// Inside a SafeFrame host (a test stub of `$sf.ext`) the ad registers its
/// size, asks to expand for checkout, takes viewability from the host, and
/// sells.
#[tokio::test]
async fn ad_sells_inside_a_safeframe_host() {
    let (platform, adserver, browser, ad) = start().await;
    browser
        .open_ad(&adserver.ad_page(&format!("{ad}&host=safeframe")))
        .await
        .unwrap();
    buy_first_product(&browser, "4242 4242 4242 4242").await;

    let calls = browser.eval("return window.__sfCalls").await.unwrap();
    let calls: Vec<String> = serde_json::from_value(calls).unwrap();
    assert!(
        calls.iter().any(|c| c.starts_with("register:")),
        "{calls:?}"
    );
    assert!(calls.contains(&"expand:b=300".to_string()), "{calls:?}");
    assert_eq!(order_count(&platform).await, 1);

    let viewable = rows_when(
        &platform,
        "SELECT kind FROM events WHERE kind = 'viewable_impression'",
        |rows| !rows.is_empty(),
    )
    .await;
    assert_eq!(
        viewable.len(),
        1,
        "one viewable impression from inViewPercentage"
    );

    browser.close().await.unwrap();
}

/// Inside an MRAID container (a test stub of `window.mraid`) the ad waits
/// for `ready`, expands for checkout and sells.
#[tokio::test]
async fn ad_sells_inside_an_mraid_container() {
    let (platform, adserver, browser, ad) = start().await;
    browser
        .open_ad(&adserver.ad_page(&format!("{ad}&host=mraid")))
        .await
        .unwrap();
    buy_first_product(&browser, "4242 4242 4242 4242").await;

    let calls = browser.eval("return window.__mraidCalls").await.unwrap();
    let calls: Vec<String> = serde_json::from_value(calls).unwrap();
    assert_eq!(
        calls.first().map(String::as_str),
        Some("ready"),
        "{calls:?}"
    );
    assert!(calls.contains(&"expand".to_string()), "{calls:?}");
    // The ad asked the platform for products only once the container was
    // ready (the stub turns ready 200 ms after it loads).
    let waited = browser
        .eval(
            "const boot = performance.getEntriesByType('resource')
               .find(e => e.name.includes('/v1/placements/'));
             return [boot ? boot.startTime : null, window.__mraidReadyAt ?? null];",
        )
        .await
        .unwrap();
    let (boot_at, ready_at) = (waited[0].as_f64(), waited[1].as_f64());
    assert!(
        matches!((boot_at, ready_at), (Some(boot), Some(ready)) if boot >= ready),
        "boot request at {boot_at:?} ms, container ready at {ready_at:?} ms"
    );
    assert_eq!(order_count(&platform).await, 1);

    browser.close().await.unwrap();
}

/// A creative served from an origin its publishable key does not allow is
/// refused by the platform's CORS answer in a real browser: the ad shows its
/// fallback instead of the merchant's products.
#[tokio::test]
async fn key_for_another_origin_gets_the_fallback() {
    let platform = Platform::start().await.unwrap();
    let adserver = AdServer::start(&platform.url()).await.unwrap();
    let browser = Browser::start().await.unwrap();
    let key = platform
        .publishable_key("https://elsewhere.example")
        .await
        .unwrap();
    browser
        .open_ad(&adserver.ad_page(&format!("{AD}&key={key}")))
        .await
        .unwrap();

    let status = browser.text(".kiosk-fallback[role=status]").await.unwrap();
    assert_eq!(status, "Products are unavailable right now.");
    assert!(browser
        .client
        .find(Locator::Css(".kiosk-product"))
        .await
        .is_err());

    browser.close().await.unwrap();
}
