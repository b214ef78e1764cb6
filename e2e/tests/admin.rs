//! The merchant's admin page end to end: the built page served by a real
//! platform at `/admin/`, in headless Chrome, next to a real ad in another
//! tab. What happens in the ad shows on the page without a reload, and what
//! the merchant does on the page reaches the ad.

use fantoccini::wd::WindowHandle;
use fantoccini::Locator;
use kiosk_e2e::{admin_dir, AdServer, Browser, Platform};
use serde_json::json;

/// The creative URL parameters of the test ad (after the page's `#`).
const AD: &str = "placement=pl_sidebar&creative=cr_e2e&campaign=cmp_e2e&locale=en-US";

/// A platform serving the admin page, an ad server, a browser, and the ad's
/// parameters with a publishable key for the ad server's creatives.
async fn start() -> (Platform, AdServer, Browser, String) {
    admin_dir().expect("the admin page is built");
    let platform = Platform::start().await.unwrap();
    let adserver = AdServer::start(&platform.url()).await.unwrap();
    let browser = Browser::start().await.unwrap();
    let key = platform
        .publishable_key(&adserver.creative_origin())
        .await
        .unwrap();
    (platform, adserver, browser, format!("{AD}&key={key}"))
}

/// Opens the admin page in the current tab, logs in with the merchant's
/// secret key and waits until the live feed is open.
async fn open_admin(browser: &Browser, platform: &Platform) {
    browser
        .client
        .goto(&format!("{}/admin/", platform.url()))
        .await
        .unwrap();
    let key = browser
        .client
        .wait()
        .for_element(Locator::Css("#admin-key"))
        .await
        .unwrap();
    key.send_keys(&platform.secret_key).await.unwrap();
    click(browser, "#admin-login").await;
    browser
        .wait_for_text(".live-status", "● Live")
        .await
        .unwrap();
}

async fn click(browser: &Browser, css: &str) {
    browser
        .client
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Replaces what an input holds with `text`.
async fn type_into(browser: &Browser, css: &str, text: &str) {
    let input = browser
        .client
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap();
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

/// Opens a new tab and switches to it; returns the tab it came from.
async fn new_tab(browser: &Browser) -> WindowHandle {
    let from = browser.client.window().await.unwrap();
    let tab = browser.client.new_window(true).await.unwrap();
    browser.client.switch_to_window(tab.handle).await.unwrap();
    from
}

/// Adds the ad's first product and buys it with the test card; returns the
/// order number the ad confirms.
async fn buy_first_product(browser: &Browser) -> String {
    click(browser, ".kiosk-add").await;
    browser
        .wait_for_text(".kiosk-cart-count", "1")
        .await
        .unwrap();
    click(browser, ".kiosk-cart-button").await;
    click(browser, ".kiosk-checkout").await;
    for (css, text) in [
        ("#kiosk-email", "ada@example.com"),
        ("#kiosk-name", "Ada Lovelace"),
        ("#kiosk-line1", "1 Analytical Way"),
        ("#kiosk-city", "London"),
        ("#kiosk-postal_code", "N1 9GU"),
        ("#kiosk-country", "GB"),
        ("#kiosk-card_number", "4242 4242 4242 4242"),
        ("#kiosk-expiry", "12/30"),
        ("#kiosk-cvc", "123"),
    ] {
        type_into(browser, css, text).await;
    }
    click(browser, ".kiosk-place-order").await;
    browser.text(".kiosk-order-number").await.unwrap()
}

/// The count an overview funnel cell shows.
fn funnel_cell(row: &str, stage: &str) -> String {
    format!("tr[data-key=\"{row}\"] td[data-stage=\"{stage}\"] .count")
}

/// A purchase made through the ad appears in the admin page's feed, and the
/// funnel's counts (total and the ad's placement) move, all without a
/// reload of the admin page.
#[tokio::test]
async fn purchase_in_the_ad_reaches_the_feed_and_funnel_without_reload() {
    let (platform, adserver, browser, ad) = start().await;
    open_admin(&browser, &platform).await;
    browser
        .wait_for_text(&funnel_cell("All", "orders"), "0")
        .await
        .unwrap();
    // Survives only as long as this document does: proof of no reload.
    browser
        .eval("window.notReloaded = true; return null;")
        .await
        .unwrap();

    let admin = new_tab(&browser).await;
    browser.open_ad(&adserver.ad_page(&ad)).await.unwrap();
    let number = buy_first_product(&browser).await;

    browser.client.switch_to_window(admin).await.unwrap();
    browser
        .wait_for_text(&funnel_cell("All", "orders"), "1")
        .await
        .unwrap();
    browser
        .wait_for_text(&funnel_cell("pl_sidebar", "orders"), "1")
        .await
        .unwrap();
    // The ad's events arrive in beacons of their own, a moment apart.
    browser
        .eval_until(
            &format!(
                "const cell = document.querySelector({});
                 return cell && cell.textContent !== '0' ? cell.textContent : null;",
                serde_json::to_string(&funnel_cell("pl_sidebar", "impressions")).unwrap()
            ),
            std::time::Duration::from_millis(100),
        )
        .await
        .unwrap();
    browser
        .wait_for_text(&funnel_cell("pl_sidebar", "add_to_cart"), "1")
        .await
        .unwrap();
    let total = platform
        .rows(&format!(
            "SELECT total_minor FROM orders WHERE number = '{number}'"
        ))
        .await
        .unwrap();
    let total: i64 = total[0][0].parse().unwrap();
    browser
        .wait_for_text(
            "tr[data-key=\"pl_sidebar\"] td[data-stage=\"revenue\"] .count",
            &format!("€{}.{:02}", total / 100, total % 100),
        )
        .await
        .unwrap();

    click(&browser, "#tab-feed").await;
    let line = browser
        .wait_for_contains(".feed-item[data-type=\"order\"] .what", &number)
        .await
        .unwrap();
    assert!(line.contains("placed"), "{line}");
    browser
        .wait_for_contains(".feed-item[data-type=\"add_to_cart\"] .what", "pl_sidebar")
        .await
        .unwrap();

    // Filtering keeps only orders.
    browser
        .client
        .find(Locator::Css("#feed-filter"))
        .await
        .unwrap()
        .select_by_value("order")
        .await
        .unwrap();
    let kinds = browser
        .eval_until(
            "const items = [...document.querySelectorAll('.feed-item')];
             const kinds = items.map(i => i.dataset.type);
             return kinds.every(k => k === 'order') ? kinds : null;",
            std::time::Duration::from_millis(100),
        )
        .await
        .unwrap();
    assert!(!kinds.as_array().unwrap().is_empty());

    let kept = browser
        .eval("return window.notReloaded === true;")
        .await
        .unwrap();
    assert_eq!(kept, json!(true), "the admin page was reloaded");
    browser.close().await.unwrap();
}

/// A stock change saved on the admin page's catalog shows in an ad that is
/// already open, and in the database.
#[tokio::test]
async fn stock_edit_on_the_admin_page_reaches_an_open_ad() {
    let (platform, adserver, browser, ad) = start().await;
    browser.open_ad(&adserver.ad_page(&ad)).await.unwrap();
    browser
        .client
        .wait()
        .for_element(Locator::Css("[data-live=connected]"))
        .await
        .unwrap();
    let product = browser
        .eval("return document.querySelector('.kiosk-product').dataset.product;")
        .await
        .unwrap();
    let product = product.as_str().unwrap().to_string();
    let stock = format!("article[data-product=\"{product}\"] .kiosk-stock");
    assert_ne!(browser.text(&stock).await.unwrap(), "Only 2 left");

    let ad_tab = new_tab(&browser).await;
    open_admin(&browser, &platform).await;
    click(&browser, "#tab-catalog").await;
    let row = format!("tr[data-product=\"{product}\"]");
    type_into(&browser, &format!("{row} .stock-input"), "2").await;
    click(&browser, &format!("{row} .save")).await;
    browser
        .wait_for_text(&format!("{row} .row-status"), "Saved: live now.")
        .await
        .unwrap();
    browser
        .wait_for_text(&format!("{row} .live-stock"), "2")
        .await
        .unwrap();

    browser.client.switch_to_window(ad_tab).await.unwrap();
    let frame = browser
        .client
        .find(Locator::Css("iframe#kiosk-ad"))
        .await
        .unwrap();
    frame.enter_frame().await.unwrap();
    browser.wait_for_text(&stock, "Only 2 left").await.unwrap();
    let rows = platform
        .rows(&format!(
            "SELECT stock FROM products WHERE id = '{product}'"
        ))
        .await
        .unwrap();
    assert_eq!(rows, vec![vec!["2".to_string()]]);
    browser.close().await.unwrap();
}

/// A price rule created on the admin page (after a dry run against recent
/// data) fires when shoppers add the product to carts without buying; the
/// change shows in the product's price history on the page, named after
/// the rule, and the rule shows as active.
#[tokio::test]
async fn price_rule_created_on_the_page_shows_in_the_price_history_when_it_fires() {
    let (platform, _adserver, browser, _ad) = start().await;
    open_admin(&browser, &platform).await;
    click(&browser, "#tab-rules").await;

    type_into(&browser, "#rule-name", "Nudge the stove").await;
    browser
        .client
        .find(Locator::Css("#rule-product"))
        .await
        .unwrap()
        .select_by_value("prd_stove")
        .await
        .unwrap();
    type_into(&browser, "#rule-window", "4").await;
    type_into(&browser, "#rule-min-add-to-cart", "25").await;
    type_into(&browser, "#rule-max-purchase", "5").await;
    type_into(&browser, "#rule-discount", "10").await;
    type_into(&browser, "#rule-floor", "1.00").await;

    click(&browser, "#rule-test").await;
    let verdict = browser
        .wait_for_contains(".rule-verdict", "Over the last")
        .await
        .unwrap();
    assert!(verdict.contains("does not hold"), "{verdict}");

    click(&browser, "#rule-create").await;
    browser
        .wait_for_contains(".rule-verdict", "created")
        .await
        .unwrap();
    browser
        .wait_for_contains("tr[data-rule] th", "Nudge the stove")
        .await
        .unwrap();
    browser
        .wait_for_contains(".price-history-empty", "No price changes yet")
        .await
        .unwrap();
    let before = platform.store.product("prd_stove").await.unwrap().price;

    // Shoppers look at the stove four times and put it in carts twice.
    let client = reqwest::Client::new();
    let session: serde_json::Value = client
        .post(format!("{}/v1/sessions", platform.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = session["id"].as_str().unwrap();
    let events: Vec<_> = ["product_view"; 4]
        .into_iter()
        .chain(["add_to_cart"; 2])
        .enumerate()
        .map(|(index, kind)| {
            json!({ "id": format!("e{index}"), "kind": kind, "session": session,
                    "placement": "pl_sidebar", "product": "prd_stove" })
        })
        .collect();
    let answer = client
        .post(format!("{}/v1/events", platform.url()))
        .json(&json!({ "events": events }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);

    let change = browser
        .wait_for_contains(".price-change", "Nudge the stove")
        .await
        .unwrap();
    assert!(change.contains("lowered by rule"), "{change}");
    let after = platform.store.product("prd_stove").await.unwrap().price;
    assert!(after.amount_minor < before.amount_minor);
    let audit = platform
        .rows("SELECT reason FROM price_changes WHERE product_id = 'prd_stove'")
        .await
        .unwrap();
    assert_eq!(audit, vec![vec!["rule_fired".to_string()]]);
    browser
        .wait_for_contains("tr[data-rule] .rule-state", "Active")
        .await
        .unwrap();
    browser.close().await.unwrap();
}
