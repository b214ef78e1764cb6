//! The session bridge end to end: a publisher page with the cart widget
//! (`127.0.0.1:<ad server>`), a stand-in ad server's frame on another
//! origin (`localhost:<ad server>`) that frames the creative from a third
//! (`localhost:<platform>`), and the platform's API on a fourth
//! (`127.0.0.1:<platform>`). The page and the ad share one session, so one
//! cart and one order; and nothing the page or a shopper sends as a price
//! is charged.

use fantoccini::Locator;
use kiosk_e2e::{AdServer, Browser, Platform};
use reqwest::{StatusCode, Url};
use serde_json::json;

/// The publisher page `bridge.html` with the widget's key and the nested
/// creative's URL (its own key, the demo merchant) in its fragment.
async fn bridge_page(platform: &Platform, adserver: &AdServer) -> String {
    let page_key = platform
        .publishable_key(&adserver.publisher_origin())
        .await
        .unwrap();
    let creative_origin = format!("http://localhost:{}", platform.addr.port());
    let ad_key = platform.publishable_key(&creative_origin).await.unwrap();
    let creative = Url::parse_with_params(
        &format!("{creative_origin}/ad/"),
        &[
            ("platform", platform.url().as_str()),
            ("placement", "pl_sidebar"),
            ("key", ad_key.as_str()),
            ("merchant", "m_northwind"),
            ("locale", "en-US"),
        ],
    )
    .unwrap();
    let mut fragment = Url::parse("http://fragment.invalid/").unwrap();
    fragment
        .query_pairs_mut()
        .append_pair("pagekey", &page_key)
        .append_pair("creative", creative.as_str());
    format!(
        "{}#{}",
        adserver.page("bridge.html"),
        fragment.query().unwrap()
    )
}

/// Switches from the page into the creative: the ad server's frame, then
/// the ad's frame inside it.
async fn enter_ad(browser: &Browser) {
    for frame in ["iframe#ad-slot", "iframe#kiosk-ad"] {
        browser
            .client
            .wait()
            .for_element(Locator::Css(frame))
            .await
            .unwrap()
            .enter_frame()
            .await
            .unwrap();
    }
}

/// Switches from the creative back to the publisher page.
async fn leave_ad(browser: &Browser) {
    browser.client.enter_parent_frame().await.unwrap();
    browser.client.enter_parent_frame().await.unwrap();
}

/// The product ids of the cart lines shown by `selector`'s document
/// (`document` or the widget's `root`), once there are `count` of them.
async fn cart_lines(browser: &Browser, count: usize, in_widget: bool) -> Vec<String> {
    let lines = format!(
        "(() => {{ const lines = [...{}.querySelectorAll('.kiosk-cart-line')];
             return lines.length === {count} ? lines.map(l => l.dataset.product).sort() : null; }})()",
        if in_widget { "root" } else { "document" }
    );
    let found = if in_widget {
        browser.in_widget(&lines).await.unwrap()
    } else {
        browser
            .eval_until(
                &format!("return {lines};"),
                std::time::Duration::from_millis(100),
            )
            .await
            .unwrap()
    };
    serde_json::from_value(found).unwrap()
}

/// A shopper adds product A with the page's button and product B inside a
/// nested cross-origin ad: the ad and the drawer both show both lines (also
/// after a reload), checkout from the drawer places one order with both at the platform's
/// prices, and the ad then shows that order's confirmation and an empty
/// cart.
#[tokio::test]
async fn page_and_nested_ad_share_one_cart_and_one_order() {
    let platform = Platform::start().await.unwrap();
    let adserver = AdServer::start(&platform.url()).await.unwrap();
    let page = bridge_page(&platform, &adserver).await;
    let browser = Browser::start().await.unwrap();
    browser.client.goto(&page).await.unwrap();

    // Product A from the page's own button.
    browser
        .widget_text_is(".kiosk-cart-count", "0")
        .await
        .unwrap();
    browser
        .client
        .find(Locator::Css("#add-mug"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .widget_text_is(".kiosk-cart-count", "1")
        .await
        .unwrap();

    // The ad shares the page's cart, then adds product B.
    enter_ad(&browser).await;
    browser
        .wait_for_text(".kiosk-cart-count", "1")
        .await
        .unwrap();
    let product_b = browser
        .eval_until(
            "const card = document.querySelector('.kiosk-product:not([data-product=\"prd_camp-mug\"])');
             if (!card) return null;
             card.querySelector('.kiosk-add').click();
             return card.dataset.product;",
            std::time::Duration::from_millis(100),
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    browser
        .wait_for_text(".kiosk-cart-count", "2")
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
    let mut both = vec!["prd_camp-mug".to_string(), product_b.clone()];
    both.sort();
    assert_eq!(cart_lines(&browser, 2, false).await, both, "the ad's cart");
    browser
        .client
        .find(Locator::Css(".kiosk-close"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The drawer shows both lines at once; after a reload the page and the
    // ad still share the cart.
    leave_ad(&browser).await;
    browser
        .widget_text_is(".kiosk-cart-count", "2")
        .await
        .unwrap();
    browser.client.refresh().await.unwrap();
    browser
        .widget_text_is(".kiosk-cart-count", "2")
        .await
        .unwrap();
    enter_ad(&browser).await;
    browser
        .wait_for_text(".kiosk-cart-count", "2")
        .await
        .unwrap();
    leave_ad(&browser).await;
    browser
        .eval("window.Kiosk.open(); return true;")
        .await
        .unwrap();
    assert_eq!(cart_lines(&browser, 2, true).await, both, "the drawer");
    let number = browser.checkout_in_widget().await.unwrap();

    // One order with both lines, at the platform's prices.
    let orders = platform
        .rows("SELECT number, total_minor FROM orders")
        .await
        .unwrap();
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert_eq!(orders[0][0], number);
    let lines = platform
        .rows(
            "SELECT l.product_id, l.quantity, l.unit_price_minor, p.price_minor
             FROM order_lines l JOIN products p ON p.id = l.product_id ORDER BY l.product_id",
        )
        .await
        .unwrap();
    let ordered: Vec<_> = lines.iter().map(|l| (l[0].clone(), l[1].clone())).collect();
    assert_eq!(
        ordered,
        vec![
            (both[0].clone(), "1".to_string()),
            (both[1].clone(), "1".to_string())
        ]
    );
    let prices: i64 = lines.iter().map(|l| l[3].parse::<i64>().unwrap()).sum();
    assert!(lines.iter().all(|l| l[2] == l[3]), "{lines:?}");
    assert_eq!(
        orders[0][1].parse::<i64>().unwrap(),
        prices + 495,
        "both products plus standard shipping"
    );

    // The ad's post-purchase state: the order's confirmation, an empty cart.
    enter_ad(&browser).await;
    browser
        .wait_for_text(".kiosk-order-number", &number)
        .await
        .unwrap();
    browser
        .wait_for_text(".kiosk-cart-count", "0")
        .await
        .unwrap();

    browser.close().await.unwrap();
}

/// A shopper who edits the page's price and adds forged price fields to
/// the platform's cart and checkout requests is charged the platform's
/// prices all the same.
#[tokio::test]
async fn tampered_prices_change_nothing_charged() {
    let platform = Platform::start().await.unwrap();
    let adserver = AdServer::start(&platform.url()).await.unwrap();
    let key = platform
        .publishable_key(&adserver.publisher_origin())
        .await
        .unwrap();
    let browser = Browser::start().await.unwrap();
    browser
        .client
        .goto(&format!("{}#key={key}", adserver.page("widget.html")))
        .await
        .unwrap();
    browser
        .widget_text_is(".kiosk-cart-count", "0")
        .await
        .unwrap();

    // The page's markup says the mug costs one cent, in text and data.
    browser
        .eval(
            "document.querySelector('.page-price').textContent = '€0.01';
             const button = document.querySelector('#add-mug');
             button.dataset.price = '0.01';
             button.dataset.priceMinor = '1';
             button.click();
             return true;",
        )
        .await
        .unwrap();
    browser
        .widget_text_is(".kiosk-cart-count", "1")
        .await
        .unwrap();
    browser
        .eval("window.Kiosk.open(); return true;")
        .await
        .unwrap();
    browser
        .widget_text_is(".kiosk-line-total", "€14.50")
        .await
        .unwrap();

    // The shopper's own requests, with the widget's session, name prices.
    let token = browser
        .eval(&format!(
            "return localStorage.getItem('kiosk.session@{}');",
            platform.url()
        ))
        .await
        .unwrap();
    let token = token.as_str().expect("the widget remembered its session");
    let client = reqwest::Client::new();
    let added = client
        .post(format!("{}/v1/cart/lines", platform.url()))
        .bearer_auth(token)
        .json(&json!({ "product_id": "prd_camp-mug", "quantity": 1,
                       "price_minor": 1, "unit_price_minor": 1, "line_total_minor": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::OK);
    let session: serde_json::Value = added.json().await.unwrap();
    assert_eq!(session["cart"]["subtotal"]["amount_minor"], 2 * 1450);

    let placed = client
        .post(format!("{}/v1/checkout", platform.url()))
        .bearer_auth(token)
        .header("Idempotency-Key", "tamper-1")
        .json(&json!({
            "contact": { "email": "eve@example.com", "name": "Eve" },
            "shipping_address": { "line1": "1 Side St", "city": "Leeds",
                                  "postal_code": "LS1 1AA", "country": "GB" },
            "shipping_option": "standard",
            "payment": { "card_number": "4242424242424242", "expiry": "12/30", "cvc": "123" },
            "subtotal_minor": 1, "shipping_minor": 0, "total_minor": 1,
            "total": { "amount_minor": 1, "currency": "EUR" }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), StatusCode::CREATED);
    let confirmation: serde_json::Value = placed.json().await.unwrap();
    assert_eq!(confirmation["total"]["amount_minor"], 2 * 1450 + 495);

    let orders = platform
        .rows("SELECT subtotal_minor, total_minor FROM orders")
        .await
        .unwrap();
    assert_eq!(
        orders,
        vec![vec![(2 * 1450).to_string(), (2 * 1450 + 495).to_string()]]
    );
    let lines = platform
        .rows("SELECT product_id, quantity, unit_price_minor FROM order_lines")
        .await
        .unwrap();
    assert_eq!(
        lines,
        vec![vec![
            "prd_camp-mug".to_string(),
            "2".to_string(),
            "1450".to_string()
        ]]
    );

    browser.close().await.unwrap();
}
