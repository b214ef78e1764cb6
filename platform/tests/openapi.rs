//! The OpenAPI document the platform serves: valid JSON, and in step with
//! the routes that exist.

mod common;

use common::Platform;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The document is served as JSON, and every operation it lists exists:
/// calling it never hits the unknown-path or wrong-method answers.
#[tokio::test]
async fn every_documented_operation_exists() {
    let platform = Platform::start().await;
    let response = platform
        .client
        .get(platform.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");

    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 18);
    for (path, operations) in paths {
        let concrete = path
            .replace("{placement}", "pl_sidebar")
            .replace("{id}", "x")
            .replace("{product_id}", "x")
            .replace("{number}", "x");
        for method in operations.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let response = platform
                .client
                .request(method.clone(), platform.url(&concrete))
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = response.status();
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            if status == StatusCode::NOT_FOUND {
                let body: Value = response.json().await.unwrap();
                assert_ne!(body["code"], "not_found", "{method} {path} is not routed");
            }
        }
    }
}

/// Every schema a document reference names is defined in it.
#[tokio::test]
async fn every_schema_reference_resolves() {
    let doc: Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut pending = vec![&doc];
    while let Some(value) = pending.pop() {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    let name = target.trim_start_matches("#/components/schemas/");
                    assert!(schemas.contains_key(name), "{target} is not defined");
                }
                pending.extend(map.values());
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
}
