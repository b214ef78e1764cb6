//! Static files over HTTP (the creative under `/ad/`, the demo site under
//! `/`): sent compressed to a browser that accepts it, as a CDN would, and
//! unpacking to exactly the bytes that were built.

mod common;

use std::io::Read;

use common::Platform;
use kiosk_platform::StaticDirs;
use reqwest::StatusCode;

/// Bytes that compress well, like a wasm module's repeated code.
fn built_bytes() -> Vec<u8> {
    (0..200_000u32).map(|i| (i % 251) as u8).collect()
}

/// A browser that accepts gzip gets the creative's wasm gzip-compressed, far
/// smaller than built, and it unpacks to the built bytes; one that accepts
/// nothing gets the plain bytes.
#[tokio::test]
async fn creative_files_go_out_compressed_and_unpack_to_the_built_bytes() {
    let creative = tempfile::tempdir().unwrap();
    let built = built_bytes();
    std::fs::write(creative.path().join("ad_bg.wasm"), &built).unwrap();
    let platform = Platform::serving(StaticDirs {
        creative: Some(creative.path().to_path_buf()),
        ..StaticDirs::default()
    })
    .await;

    let response = platform
        .client
        .get(platform.url("/ad/ad_bg.wasm"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert_eq!(response.headers()["content-type"], "application/wasm");
    let sent = response.bytes().await.unwrap();
    assert!(
        sent.len() < built.len() / 10,
        "{} bytes sent for {} built",
        sent.len(),
        built.len()
    );
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&sent[..])
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, built);

    let plain = platform
        .client
        .get(platform.url("/ad/ad_bg.wasm"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.bytes().await.unwrap(), built);
}

/// The demo site is compressed too; API answers are not (they are small,
/// and the live stream must flush each change as it happens).
#[tokio::test]
async fn site_pages_are_compressed_and_api_answers_are_not() {
    let site = tempfile::tempdir().unwrap();
    let page = "<!DOCTYPE html><p>Trail Weekly</p>".repeat(200);
    std::fs::write(site.path().join("index.html"), &page).unwrap();
    let platform = Platform::serving(StaticDirs {
        site: Some(site.path().to_path_buf()),
        ..StaticDirs::default()
    })
    .await;

    let response = platform
        .client
        .get(platform.url("/"))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-encoding"], "br");

    let api = platform
        .client
        .get(platform.url("/v1/placements/pl_sidebar/products"))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::OK);
    assert!(api.headers().get("content-encoding").is_none());
}
