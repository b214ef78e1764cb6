//! The publisher cart widget end to end: one script tag on a publisher page
//! (its own origin), the widget loaded from the platform (another origin),
//! a real SQLite file behind it, headless Chrome in front.

use fantoccini::Locator;
use kiosk_e2e::{AdServer, Browser, Platform};

async fn in_widget(browser: &Browser, expression: &str) -> serde_json::Value {
    browser.in_widget(expression).await.unwrap()
}

async fn widget_text_is(browser: &Browser, css: &str, text: &str) {
    browser.widget_text_is(css, text).await.unwrap()
}

/// A shopper adds a product with the page's own button, sees the
/// platform's price (not the page's) in the drawer, checks out from the
/// drawer, and the page hears `kiosk:cart-changed` and `kiosk:purchase`;
/// the order exists with the platform's total.
#[tokio::test]
async fn page_button_then_drawer_checkout_places_the_order() {
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

    widget_text_is(&browser, ".kiosk-cart-count", "0").await;
    let shown = in_widget(
        &browser,
        "getComputedStyle(root.querySelector('.kiosk-cart-button')).display",
    )
    .await;
    assert_ne!(shown, "none", "the page's CSS does not reach the widget");

    browser
        .client
        .find(Locator::Css("#add-mug"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    widget_text_is(&browser, ".kiosk-cart-count", "1").await;

    browser
        .eval("window.Kiosk.open(); return true;")
        .await
        .unwrap();
    widget_text_is(&browser, ".kiosk-line-total", "€14.50").await;
    let number = browser.checkout_in_widget().await.unwrap();

    let orders = platform
        .rows("SELECT number, total_minor FROM orders")
        .await
        .unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0][0], number);
    let total: i64 = orders[0][1].parse().unwrap();
    assert_eq!(
        total,
        1450 + 495,
        "the mug at the platform's price plus standard shipping"
    );

    let events = browser.eval("return window.__kioskEvents").await.unwrap();
    let events = events.as_array().unwrap();
    assert!(
        events.iter().any(|e| e[0] == "cart" && e[1] == 1),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e[0] == "purchase" && e[1] == number.as_str() && e[2] == total),
        "{events:?}"
    );

    browser.close().await.unwrap();
}
