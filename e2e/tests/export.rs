//! The exported HTML5 zip of the real creative passes the ad server's rules
//! and, unpacked and served as an ad server would, sells from the platform
//! named in its packaged settings.

use fantoccini::Locator;
use kiosk_e2e::{creative_dir, AdServer, Browser, Platform};
use kiosk_export::{check_zip, write_zip, Settings};

/// Exporting the built creative gives a zip within Google Ad Manager's
/// limits; opened with no URL parameters at all, it boots from its
/// `kiosk-config` meta, shows products and offers the clickTag exit.
#[tokio::test]
async fn exported_zip_passes_checks_and_boots_from_its_packaged_settings() {
    let platform = Platform::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let zip_path = out.path().join("kiosk-300x250.zip");
    let unpacked = out.path().join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    let adserver = AdServer::start_with("http://unused.invalid", unpacked.clone())
        .await
        .unwrap();
    let settings = Settings {
        platform: platform.url(),
        placement: "pl_leaderboard".into(),
        key: platform
            .publishable_key(&adserver.creative_origin())
            .await
            .unwrap(),
        landing: "https://shop.example/".into(),
    };
    write_zip(
        &creative_dir().unwrap(),
        "300x250".parse().unwrap(),
        &settings,
        &zip_path,
    )
    .unwrap();
    let report = check_zip(&zip_path).unwrap();
    assert!(
        report.files <= 50 && report.bytes <= 1000 * 1024,
        "{report:?}"
    );

    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    archive.extract(&unpacked).unwrap();

    let browser = Browser::start().await.unwrap();
    browser
        .client
        .goto(&adserver.creative("index.html"))
        .await
        .unwrap();
    browser
        .wait_for_text(".kiosk-product .kiosk-title", "Trail Runner 2")
        .await
        .unwrap();
    let cards = browser
        .client
        .find_all(Locator::Css(".kiosk-product"))
        .await
        .unwrap();
    assert_eq!(
        cards.len(),
        4,
        "pl_leaderboard (from the packaged settings) shows four"
    );
    let exit = browser.text(".kiosk-exit").await.unwrap();
    assert_eq!(exit, "Visit the shop");

    browser.close().await.unwrap();
}
