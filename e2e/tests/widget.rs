//! The publisher cart widget end to end: one script tag on a publisher page
//! (its own origin), the widget loaded from the platform (another origin),
//! a real SQLite file behind it, headless Chrome in front.

use std::time::Duration;

use fantoccini::Locator;
use kiosk_e2e::{AdServer, Browser, Platform};

/// Runs `expression` (JS, with `root` bound to the widget's shadow root)
/// until it returns something other than null, up to 20 s.
async fn in_widget(browser: &Browser, expression: &str) -> serde_json::Value {
    let script = format!(
        "const host = document.querySelector('kiosk-cart');
         const root = host && host.shadowRoot;
         if (!root) return null;
         return {expression};"
    );
    browser
        .eval_until(&script, Duration::from_millis(100))
        .await
        .unwrap()
}

/// Waits until the widget's element `css` shows `text`.
async fn widget_text_is(browser: &Browser, css: &str, text: &str) {
    let check = format!(
        "(root.querySelector({css:?}) && root.querySelector({css:?}).textContent === {text:?}) || null"
    );
    in_widget(browser, &check).await;
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
    in_widget(
        &browser,
        "(root.querySelector('.kiosk-checkout').click(), true)",
    )
    .await;

    let fields = [
        ("email", "ada@example.com"),
        ("name", "Ada Lovelace"),
        ("line1", "1 Analytical Way"),
        ("city", "London"),
        ("postal_code", "N1 9GU"),
        ("country", "GB"),
        ("card_number", "4242 4242 4242 4242"),
        ("expiry", "12/30"),
        ("cvc", "123"),
    ];
    for (field, value) in fields {
        let fill = format!(
            "(() => {{ const input = root.querySelector('#kiosk-{field}');
                 if (!input) return null;
                 input.value = {value:?};
                 input.dispatchEvent(new Event('input', {{ bubbles: true }}));
                 return true; }})()"
        );
        in_widget(&browser, &fill).await;
    }
    in_widget(
        &browser,
        "(root.querySelector('.kiosk-place-order').click(), true)",
    )
    .await;
    let number = in_widget(
        &browser,
        "root.querySelector('.kiosk-order-number') && root.querySelector('.kiosk-order-number').textContent",
    )
    .await;
    let number = number.as_str().unwrap().to_string();

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
