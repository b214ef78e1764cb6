//! The merchant's API, behind a secret key: read orders, move them
//! through their states, and set the webhook orders are delivered to. Every read is scoped to the key's merchant; an
//! order of another merchant is a plain 404.

use axum::extract::State;
use axum::Json;
use kiosk_wire::{Order, OrderList, OrderTransition, WebhookConfig, WebhookEndpoint};
use serde::Deserialize;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::live::publish_order;
use super::AppState;
use crate::error::{Error, Result};
use crate::keys::SecretKey;
use crate::orders;

/// The most orders one list answer carries.
const MAX_LIST: i64 = 500;

/// Query of the order list.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<i64>,
}

/// `GET /v1/merchant/orders`: the latest orders, newest first.
pub async fn list(
    State(state): State<AppState>,
    key: SecretKey,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<OrderList>> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_LIST).contains(&limit) {
        return Err(Error::InvalidQuery(format!(
            "limit must be between 1 and {MAX_LIST}"
        )));
    }
    let orders = state
        .store
        .merchant_orders(key.merchant_id(), limit)
        .await?;
    Ok(Json(OrderList { orders }))
}

/// `GET /v1/merchant/orders/{number}`.
pub async fn read(
    State(state): State<AppState>,
    key: SecretKey,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<Order>> {
    Ok(Json(
        state
            .store
            .merchant_order(key.merchant_id(), &number)
            .await?,
    ))
}

/// `POST /v1/merchant/orders/{number}/status`: moves the order to a new
/// status, capturing, voiding or refunding its payment on the way.
pub async fn transition(
    State(state): State<AppState>,
    key: SecretKey,
    ApiPath(number): ApiPath<String>,
    ApiJson(change): ApiJson<OrderTransition>,
) -> Result<Json<Order>> {
    let order = orders::transition(
        &state.store,
        &state.payments,
        key.merchant_id(),
        &number,
        change.status,
    )
    .await?;
    publish_order(
        &state,
        key.merchant_id(),
        &order.number,
        order.status,
        &order.total,
        &order.attribution,
    );
    state.webhook_wake.notify_one();
    Ok(Json(order))
}

/// The longest webhook URL accepted.
const MAX_URL_LEN: usize = 2000;

/// `PUT /v1/merchant/webhook`: where the merchant's orders are delivered,
/// and how their body is shaped. Answers with a fresh signing secret.
pub async fn set_webhook(
    State(state): State<AppState>,
    key: SecretKey,
    ApiJson(config): ApiJson<WebhookConfig>,
) -> Result<Json<WebhookEndpoint>> {
    let url = config.url.trim();
    let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
    if !scheme_ok || url.len() > MAX_URL_LEN || url.chars().any(char::is_whitespace) {
        return Err(Error::InvalidBody(
            "url must be an http:// or https:// URL".into(),
        ));
    }
    if let Some(map) = &config.field_map {
        let bad = map.iter().find(|(name, pointer)| {
            name.is_empty() || !(pointer.is_empty() || pointer.starts_with('/'))
        });
        if let Some((name, _)) = bad {
            return Err(Error::InvalidBody(format!(
                "field_map[{name:?}] must be a JSON pointer such as \"/contact/email\""
            )));
        }
    }
    let field_map = config
        .field_map
        .as_ref()
        .map(|map| serde_json::to_string(map).expect("a map of strings serialises"));
    let secret = state
        .store
        .set_webhook(key.merchant_id(), url, field_map.as_deref())
        .await?;
    tracing::info!(merchant = %key.merchant_id(), %url, "webhook set");
    Ok(Json(WebhookEndpoint {
        url: url.to_string(),
        field_map: config.field_map,
        secret,
    }))
}
