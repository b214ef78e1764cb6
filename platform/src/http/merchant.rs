//! The merchant's API, behind a secret key: read orders and move them
//! through their states. Every read is scoped to the key's merchant; an
//! order of another merchant is a plain 404.

use axum::extract::State;
use axum::Json;
use kiosk_wire::{Order, OrderList, OrderTransition};
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
    Ok(Json(order))
}
