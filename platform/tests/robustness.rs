//! Bad input never gets a 5xx: junk bodies, headers and paths sent to every
//! endpoint are answered with a 4xx and an error code.

mod common;

use common::Platform;
use reqwest::Method;

/// Unknown API paths and wrong methods answer with codes too.
#[tokio::test]
async fn unknown_paths_and_methods_have_codes() {
    let platform = Platform::start().await;
    let missing = platform
        .client
        .get(platform.url("/v1/nope"))
        .send()
        .await
        .unwrap();
    common::assert_error(missing, reqwest::StatusCode::NOT_FOUND, "not_found").await;
    let wrong = platform
        .client
        .put(platform.url("/v1/checkout"))
        .send()
        .await
        .unwrap();
    common::assert_error(
        wrong,
        reqwest::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}

/// Every endpoint, with junk of every kind, answers a client error whose
/// body carries a code (or, for the few requests junk cannot break, a 2xx).
#[tokio::test]
async fn junk_never_gets_a_server_error() {
    let platform = Platform::start().await;
    let session = platform.session_with("prd_camp-mug", 1).await;
    let key = platform.secret_key().await;

    let endpoints = [
        (Method::POST, "/v1/sessions"),
        (Method::GET, "/v1/sessions/current"),
        (Method::POST, "/v1/cart/lines"),
        (Method::PATCH, "/v1/cart/lines/prd_camp-mug"),
        (Method::DELETE, "/v1/cart/lines/%00"),
        (Method::POST, "/v1/checkout"),
        (Method::GET, "/v1/orders/%FF%FE"),
        (Method::POST, "/v1/events"),
        (Method::GET, "/v1/merchant/orders?limit=-1"),
        (Method::POST, "/v1/merchant/orders/X/status"),
        (Method::PATCH, "/v1/products/prd_camp-mug"),
        (
            Method::GET,
            "/v1/placements/pl_sidebar/products?session=%00",
        ),
        (Method::GET, "/v1/live?placement=%00"),
        (Method::GET, "/v1/partner/sessions/%FF"),
        (Method::POST, "/v1/merchant/feed"),
        (Method::PUT, "/v1/sessions"),
        (Method::PUT, "/v1/merchant/webhook"),
        (Method::POST, "/v1/partner/sessions"),
        (Method::POST, "/v1/partner/checkout"),
        (Method::GET, "/v1/no/such/endpoint"),
    ];
    let bodies: [&[u8]; 8] = [
        b"",
        b"{",
        b"null",
        b"[1,2,3]",
        b"{\"quantity\": 1e400}",
        b"{\"product_id\": null, \"quantity\": -9223372036854775808}",
        b"\xff\xfe\x00garbage",
        b"{\"events\": [{\"id\": 1}], \"status\": \"x\", \"price_minor\": \"1\"}",
    ];
    let credentials = [
        None,
        Some("Bearer"),
        Some("Bearer \u{7f}"),
        Some("Basic abc"),
        Some("Bearer kst_x"),
    ];

    for (method, path) in &endpoints {
        for body in bodies {
            for credential in credentials
                .iter()
                .copied()
                .chain([Some(format!("Bearer {}", session.token)).as_deref()])
                .chain([Some(format!("Bearer {key}")).as_deref()])
            {
                let mut request = platform
                    .client
                    .request(method.clone(), platform.url(path))
                    .header("content-type", "application/json")
                    .header("idempotency-key", "junk")
                    .body(body.to_vec());
                if let Some(credential) = credential {
                    if let Ok(value) = reqwest::header::HeaderValue::from_str(credential) {
                        request = request.header("authorization", value);
                    }
                }
                let response = request.send().await.unwrap();
                let status = response.status();
                assert!(
                    !status.is_server_error(),
                    "{method} {path} with {:?} gave {status}",
                    String::from_utf8_lossy(body)
                );
                if status.is_client_error() {
                    let error: serde_json::Value = response.json().await.unwrap_or_else(|_| {
                        panic!("{method} {path}: {status} without a JSON error body")
                    });
                    assert!(error["code"].is_string(), "{method} {path}: {error}");
                }
            }
        }
    }
}
