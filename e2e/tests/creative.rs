//! The ad creative in a real headless Chrome, framed cross-origin by the
//! demo publisher page, reading the real platform.

use std::time::Duration;

use fantoccini::Locator;
use kiosk_e2e::{Browser, Platform};
use kiosk_platform::store::NewProduct;

/// Products written to the platform's SQLite file appear, with their
/// formatted prices, inside the ad's cross-origin iframe on the publisher
/// page.
#[tokio::test]
async fn publisher_page_shows_products_from_the_database() {
    let platform = Platform::start().await.unwrap();

    // A product that exists only in this test's database, placed first.
    platform
        .store
        .upsert_product(&NewProduct {
            id: "prd_e2e-lantern",
            merchant_id: kiosk_platform::seed::DEMO_MERCHANT,
            title: "Storm Lantern E2E",
            description: "Only in this test's database.",
            price_minor: 4250,
            currency: "EUR",
            stock: 4,
            position: -1,
        })
        .await
        .unwrap();

    let browser = Browser::start().await.unwrap();
    let client = &browser.client;
    client.goto(&platform.publisher_url()).await.unwrap();

    // The publisher's own content is there, and the ad is framed from the
    // other origin.
    let heading = client
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(heading.contains("Trail Weekly"), "{heading}");
    let frame = client
        .wait()
        .for_element(Locator::Css("iframe#kiosk-ad"))
        .await
        .unwrap();
    let src = frame.attr("src").await.unwrap().unwrap();
    assert!(
        src.starts_with(&format!("http://localhost:{}/ad/", platform.addr.port())),
        "{src}"
    );
    frame.enter_frame().await.unwrap();

    let titles = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(".kiosk-product .kiosk-title"))
        .await
        .unwrap();
    assert_eq!(titles.text().await.unwrap(), "Storm Lantern E2E");

    let cards = client
        .find_all(Locator::Css(".kiosk-product"))
        .await
        .unwrap();
    assert_eq!(cards.len(), 3, "pl_sidebar shows three products");
    let price = client
        .find(Locator::Css(".kiosk-product .kiosk-price"))
        .await
        .unwrap();
    assert_eq!(
        price.text().await.unwrap(),
        "€42.50",
        "en-US locale from the creative URL"
    );
    let stock = client
        .find(Locator::Css(".kiosk-product .kiosk-stock"))
        .await
        .unwrap();
    assert_eq!(stock.text().await.unwrap(), "Only 4 left");

    // Clicking a card's details button reveals its description.
    client
        .find(Locator::Css(".kiosk-details-toggle"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let description = client
        .wait()
        .for_element(Locator::Css(".kiosk-description"))
        .await
        .unwrap();
    assert_eq!(
        description.text().await.unwrap(),
        "Only in this test's database."
    );

    browser.close().await.unwrap();
}
