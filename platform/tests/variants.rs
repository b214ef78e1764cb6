//! Variants, availability and attributes: a product sold by size lists its
//! sizes, a cart takes a size, and a product taken off sale leaves ads,
//! carts and checkout.

mod common;

use common::{assert_error, checkout_body, Platform};
use kiosk_wire::{PlacementProducts, Product, Session};
use reqwest::StatusCode;
use serde_json::json;

async fn placement(platform: &Platform, id: &str) -> PlacementProducts {
    let response = platform
        .client
        .get(platform.url(&format!("/v1/placements/{id}/products")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn change(platform: &Platform, key: &str, id: &str, body: serde_json::Value) -> Product {
    let response = platform
        .client
        .patch(platform.url(&format!("/v1/products/{id}")))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The jacket is listed once, with its sizes in the merchant's order, its
/// stock the sum of theirs and its price the lowest; a sold-out size is
/// listed as such.
#[tokio::test]
async fn a_product_lists_its_variants() {
    let platform = Platform::start().await;
    let shown = placement(&platform, "pl_sidebar").await;
    let jacket = shown
        .products
        .iter()
        .find(|p| p.id == "prd_summit-jacket")
        .expect("the jacket is on show");
    let sizes: Vec<(&str, i64, i64)> = jacket
        .variants
        .iter()
        .map(|v| (v.option.as_str(), v.stock, v.price.amount_minor))
        .collect();
    assert_eq!(
        sizes,
        [
            ("S", 2, 21900),
            ("M", 3, 21900),
            ("L", 1, 21900),
            ("XL", 0, 22900)
        ]
    );
    assert_eq!((jacket.stock, jacket.price.amount_minor), (6, 21900));
    assert_eq!(jacket.attributes["material"], "3-layer nylon");
    assert!(shown.products.iter().all(|p| p.id != "prd_summit-jacket-m"));

    // A variant read alone is a product of its own, titled with its size.
    let medium: Product = platform
        .client
        .get(platform.url("/v1/products/prd_summit-jacket-m"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(medium.title, "Summit Shell Jacket — M");
    assert_eq!(medium.stock, 3);
}

/// A cart takes a size, not the product; a sold-out size is refused like
/// any sold-out product.
#[tokio::test]
async fn a_cart_takes_a_variant_not_its_product() {
    let platform = Platform::start().await;
    let session = platform.session().await;

    let response = platform.add(&session.token, "prd_summit-jacket", 1).await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "variant_required",
    )
    .await;
    let response = platform
        .add(&session.token, "prd_summit-jacket-xl", 1)
        .await;
    assert_error(response, StatusCode::CONFLICT, "out_of_stock").await;

    let after: Session = platform
        .add_ok(&session.token, "prd_summit-jacket-m", 2)
        .await;
    let line = &after.cart.lines[0];
    assert_eq!(line.product.id, "prd_summit-jacket-m");
    assert_eq!(line.product.title, "Summit Shell Jacket — M");
    assert_eq!(line.line_total.amount_minor, 43800);

    let response = platform.add(&session.token, "prd_summit-jacket-m", 2).await;
    assert_error(response, StatusCode::CONFLICT, "out_of_stock").await;
}

/// Buying a size takes that size's stock, and the placement then shows the
/// jacket with one size fewer in stock.
#[tokio::test]
async fn buying_a_variant_takes_its_stock() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_summit-jacket-l", 1).await;
    let response = platform
        .checkout(&session.token, "variant-order-1", &checkout_body())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let shown = placement(&platform, "pl_sidebar").await;
    let jacket = shown
        .products
        .iter()
        .find(|p| p.id == "prd_summit-jacket")
        .unwrap();
    let large = jacket.variants.iter().find(|v| v.option == "L").unwrap();
    assert_eq!(large.stock, 0);
    assert!(!large.sellable());
    assert_eq!(jacket.stock, 5);
}

/// A product whose every size is sold out leaves the placement.
#[tokio::test]
async fn a_product_with_no_size_left_leaves_the_placement() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    for size in ["s", "m", "l"] {
        change(
            &platform,
            &key,
            &format!("prd_summit-jacket-{size}"),
            json!({ "stock": 0 }),
        )
        .await;
    }
    let shown = placement(&platform, "pl_sidebar").await;
    assert!(
        shown.products.iter().all(|p| p.id != "prd_summit-jacket"),
        "{shown:?}"
    );
}

/// A product taken off sale leaves the placement and cannot be added; one
/// already in a cart cannot be bought, and nothing is charged; put back on
/// sale, it sells again.
#[tokio::test]
async fn a_product_off_sale_is_not_sold() {
    let platform = Platform::start().await;
    let key = platform.secret_key().await;
    let holding = platform.session_with("prd_trail-runner", 1).await;

    let off = change(
        &platform,
        &key,
        "prd_trail-runner",
        json!({ "available": false }),
    )
    .await;
    assert!(!off.available);
    let shown = placement(&platform, "pl_sidebar").await;
    assert!(shown.products.iter().all(|p| p.id != "prd_trail-runner"));

    let other = platform.session().await;
    let response = platform.add(&other.token, "prd_trail-runner", 1).await;
    assert_error(response, StatusCode::CONFLICT, "product_unavailable").await;

    let response = platform
        .checkout(&holding.token, "off-sale-1", &checkout_body())
        .await;
    assert_error(response, StatusCode::CONFLICT, "product_unavailable").await;
    assert!(platform.merchant_orders().await.orders.is_empty());
    assert_eq!(platform.payments.authorizations(), 0);
    assert_eq!(platform.stock("prd_trail-runner").await, 14);

    change(
        &platform,
        &key,
        "prd_trail-runner",
        json!({ "available": true }),
    )
    .await;
    let response = platform
        .checkout(&holding.token, "off-sale-2", &checkout_body())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// An ad network reading the jacket in XML gets its sizes and attributes.
#[tokio::test]
async fn variants_and_attributes_read_as_xml() {
    let platform = Platform::start().await;
    let response = platform
        .client
        .get(platform.url("/v1/products/prd_summit-jacket"))
        .header("accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let xml = response.text().await.unwrap();
    for part in [
        "<option>M</option>",
        "<id>prd_summit-jacket-xl</id>",
        "3-layer nylon",
    ] {
        assert!(xml.contains(part), "{part} missing from {xml}");
    }
}
