//! Clients that hang up mid-request: the platform finishes what it started
//! and keeps serving everyone else.

mod common;

use std::time::Duration;

use common::{checkout_body, Platform};
use reqwest::StatusCode;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// How many checkouts are abandoned mid-flight.
const ABANDONED: u64 = 60;

/// Sixty shoppers send a checkout and hang up after 0–5 ms, while their
/// request is being worked on. Afterwards another shopper's cart change and
/// checkout succeed (a write cancelled halfway would have left the database
/// locked), and every abandoned checkout either placed its order or left its
/// cart as it was: no half-written order.
#[tokio::test]
async fn abandoned_checkouts_neither_block_nor_half_write() {
    let platform = Platform::start().await;
    platform.set_stock("prd_camp-mug", 1_000).await;
    let address = platform.base.trim_start_matches("http://").to_string();
    let body = checkout_body().to_string();

    let mut shoppers = Vec::new();
    for i in 0..ABANDONED {
        let session = platform
            .add_ok(&platform.session().await.token, "prd_camp-mug", 1)
            .await;
        let request = format!(
            "POST /v1/checkout HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
             Idempotency-Key: abandon-{i}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            session.token,
            body.len()
        );
        let address = address.clone();
        shoppers.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(&address).await.unwrap();
            stream.write_all(request.as_bytes()).await.unwrap();
            tokio::time::sleep(Duration::from_micros(i * 83)).await;
            drop(stream);
        }));
    }
    for shopper in shoppers {
        shopper.await.unwrap();
    }

    let next = platform.session().await;
    let added = platform.add(&next.token, "prd_camp-mug", 1).await;
    assert_eq!(
        added.status(),
        StatusCode::OK,
        "{}",
        added.text().await.unwrap()
    );
    let response = platform
        .checkout(&next.token, "after-the-abandoned", &checkout_body())
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );

    // Each abandoned checkout is all or nothing: orders taken equal the
    // stock that left, one unit each.
    let orders = platform.merchant_orders().await.orders;
    let stock = platform.stock("prd_camp-mug").await;
    assert_eq!(1_000 - stock, orders.len() as i64, "stock and orders agree");
    assert!(orders
        .iter()
        .all(|order| order.lines.len() == 1 && order.lines[0].quantity == 1));
}
