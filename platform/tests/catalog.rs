//! The catalog API over real HTTP on loopback, backed by a real database
//! (see `common::TestDb`).

mod common;

use common::TestDb;
use kiosk_platform::{seed, StaticDirs, Store};
use kiosk_wire::{ApiError, PlacementProducts, Product};
use reqwest::StatusCode;

/// A platform on `127.0.0.1:0` with the demo store; its database must
/// outlive the test.
async fn start() -> (String, Store, TestDb) {
    let db = TestDb::new().await;
    let store = db.open().await;
    seed::demo(&store).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(kiosk_platform::serve(
        listener,
        store.clone(),
        StaticDirs::default(),
    ));
    (base, store, db)
}

/// `/health` answers 200 with `{"status":"ok"}`.
#[tokio::test]
async fn health_answers_ok() {
    let (base, _store, _db) = start().await;
    let response = reqwest::get(format!("{base}/health")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

/// A placement returns at most its slot count of in-stock products, in the
/// merchant's order, with prices in integer minor units.
#[tokio::test]
async fn placement_returns_in_stock_products_in_order() {
    let (base, _store, _db) = start().await;
    let response = reqwest::get(format!("{base}/v1/placements/pl_leaderboard/products"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: PlacementProducts = response.json().await.unwrap();
    assert_eq!(body.placement, "pl_leaderboard");
    let ids: Vec<&str> = body.products.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "prd_trail-runner",
            "prd_summit-jacket",
            "prd_merino-tee",
            "prd_day-pack"
        ]
    );
    assert_eq!(body.products[0].price.amount_minor, 12900);
    assert_eq!(body.products[0].price.currency, "EUR");
}

/// A product whose stock runs out leaves the placement; one that gets stock
/// back returns.
#[tokio::test]
async fn sold_out_products_leave_the_placement() {
    let (base, store, _db) = start().await;
    let first = store.product("prd_trail-runner").await.unwrap();
    set_stock(&store, &first, 0).await;

    let body: PlacementProducts = reqwest::get(format!("{base}/v1/placements/pl_sidebar/products"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        body.products.iter().all(|p| p.id != "prd_trail-runner"),
        "{body:?}"
    );
    assert!(body.products.iter().all(|p| p.stock > 0));
    assert_eq!(body.products.len(), 3);
}

/// An unknown placement is a 404 with the stable code `placement_not_found`.
#[tokio::test]
async fn unknown_placement_is_404_with_code() {
    let (base, _store, _db) = start().await;
    let response = reqwest::get(format!("{base}/v1/placements/pl_nope/products"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let error: ApiError = response.json().await.unwrap();
    assert_eq!(error.code, "placement_not_found");
}

/// A product reads by id; an unknown id is a 404 `product_not_found`.
#[tokio::test]
async fn product_by_id_and_unknown_product() {
    let (base, _store, _db) = start().await;
    let product: Product = reqwest::get(format!("{base}/v1/products/prd_camp-mug"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(product.title, "Enamel Camp Mug");
    assert_eq!(product.price.amount_minor, 1450);

    let response = reqwest::get(format!("{base}/v1/products/prd_nope"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let error: ApiError = response.json().await.unwrap();
    assert_eq!(error.code, "product_not_found");
}

/// A collection lists its products in its own order, sold-out ones
/// included; an unknown collection is a 404 `collection_not_found`.
#[tokio::test]
async fn collections_list_their_products_in_order() {
    let (base, _store, _db) = start().await;
    let body: kiosk_wire::CollectionProducts =
        reqwest::get(format!("{base}/v1/collections/col_trail/products"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(body.name, "On the trail");
    let ids: Vec<&str> = body.products.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "prd_trail-runner",
            "prd_wool-socks",
            "prd_trek-poles",
            "prd_day-pack"
        ]
    );
    assert_eq!(body.products[2].stock, 0);

    let response = reqwest::get(format!("{base}/v1/collections/col_nope/products"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let error: ApiError = response.json().await.unwrap();
    assert_eq!(error.code, "collection_not_found");
}

/// Product images are SVGs drawn by the platform; unknown ones are 404.
#[tokio::test]
async fn product_images_are_served_as_svg() {
    let (base, _store, _db) = start().await;
    let response = reqwest::get(format!("{base}/media/products/prd_camp-mug.svg"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    assert!(response.text().await.unwrap().contains(">EC</text>"));

    let missing = reqwest::get(format!("{base}/media/products/prd_nope.svg"))
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

/// Data written through one `Store` is there after reopening the file, as
/// after a restart of the platform.
#[tokio::test]
async fn catalog_survives_reopening_the_database() {
    let db = TestDb::new().await;
    {
        let store = db.open().await;
        seed::demo(&store).await.unwrap();
    }
    let reopened = db.open().await;
    let products = reopened.placement_products("pl_sidebar").await.unwrap();
    assert_eq!(products.len(), 3);
}

async fn set_stock(store: &Store, product: &Product, stock: i64) {
    store
        .upsert_product(&kiosk_platform::store::NewProduct {
            id: &product.id,
            merchant_id: seed::DEMO_MERCHANT,
            title: &product.title,
            description: &product.description,
            price_minor: product.price.amount_minor,
            currency: &product.price.currency,
            stock,
            position: 0,
        })
        .await
        .unwrap();
}
