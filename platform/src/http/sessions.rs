//! Sessions and carts over HTTP, and the ad's one-round-trip boot.
//!
//! Every cart change answers with the whole session (cart included) so a
//! client never has to add anything up itself. A session token travels as
//! `Authorization: Bearer` or in the `kiosk_session` cookie; answers that
//! carry a session also (re)set that cookie.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashSet;

use kiosk_wire::{
    AddLine, Attribution, LiveUpdate, PlacementProducts, Product, Session, SetQuantity,
};
use serde::Deserialize;

use super::extract::{
    json_from_bytes, session_cookie, ApiJson, ApiPath, ApiQuery, PresentedSessions, RawBody,
    SessionToken,
};
use super::AppState;
use crate::error::{Error, Result};
use crate::live::{Broadcast, Message};
use crate::optimise::{self, NewDecision};
use crate::store::{PlacementCandidates, SessionRecord};
use crate::token;

/// The longest attribution value kept; ad macros longer than this are junk.
const MAX_ATTRIBUTION_LEN: usize = 256;

/// `POST /v1/sessions`: a new session, with optional attribution as the body.
pub async fn create(State(state): State<AppState>, RawBody(body): RawBody) -> Result<Response> {
    let attribution = attribution_from(&body)?;
    let session = new_session(&state, &attribution).await?;
    Ok(with_cookie(StatusCode::CREATED, session))
}

/// `GET /v1/sessions/current`: the session the token names, with its cart.
pub async fn current(State(state): State<AppState>, token: SessionToken) -> Result<Response> {
    let token = token.required()?;
    let record = state.store.session_by_token(token).await?;
    let session = load(&state, record, token.to_string()).await?;
    Ok(with_cookie(StatusCode::OK, session))
}

/// `POST /v1/cart/lines`: adds units of a product to the cart.
pub async fn add_line(
    State(state): State<AppState>,
    token: SessionToken,
    ApiJson(line): ApiJson<AddLine>,
) -> Result<Response> {
    let (record, token) = resolve(&state, &token).await?;
    state
        .store
        .add_line(&record.id, &line.product_id, line.quantity)
        .await?;
    tracing::info!(session = %record.id, product = %line.product_id, quantity = line.quantity, "cart line added");
    changed(&state, record, token, &line.product_id).await
}

/// `PATCH /v1/cart/lines/{product_id}`: sets a line's quantity.
pub async fn set_quantity(
    State(state): State<AppState>,
    token: SessionToken,
    ApiPath(product_id): ApiPath<String>,
    ApiJson(change): ApiJson<SetQuantity>,
) -> Result<Response> {
    let (record, token) = resolve(&state, &token).await?;
    state
        .store
        .set_quantity(&record.id, &product_id, change.quantity)
        .await?;
    changed(&state, record, token, &product_id).await
}

/// `DELETE /v1/cart/lines/{product_id}`: removes a line (idempotent).
pub async fn remove_line(
    State(state): State<AppState>,
    token: SessionToken,
    ApiPath(product_id): ApiPath<String>,
) -> Result<Response> {
    let (record, token) = resolve(&state, &token).await?;
    state.store.remove_line(&record.id, &product_id).await?;
    changed(&state, record, token, &product_id).await
}

/// Query of the placement read.
#[derive(Debug, Deserialize)]
pub struct PlacementQuery {
    /// `new`: resume the presented session if it is valid, else create one.
    session: Option<String>,
}

/// `GET /v1/placements/{placement}/products`: the placement's products and,
/// when the request presents a session token or asks for `?session=new`,
/// the session with its cart, so an ad paints after one round trip. Of the
/// tokens presented, the first the platform knows wins ([`PresentedSessions`]
/// gives their order). The
/// products are chosen by the placement's policy (`crate::optimise`):
/// never out of stock, pins first, exclusions never; under `thompson`, from
/// live outcomes, with products already in the session's cart replaced by
/// the next best.
pub async fn placement_products(
    State(state): State<AppState>,
    ApiPath(placement): ApiPath<String>,
    presented: PresentedSessions,
    ApiQuery(query): ApiQuery<PlacementQuery>,
) -> Result<Response> {
    let create = match query.session.as_deref() {
        None => false,
        Some("new") => true,
        Some(other) => {
            return Err(Error::InvalidQuery(format!(
                "session must be \"new\", not {other:?}"
            )))
        }
    };
    let candidates = state.store.placement_candidates(&placement).await?;

    let mut resumed = None;
    for secret in &presented.0 {
        match state.store.session_by_token(secret).await {
            Ok(record) => {
                resumed = Some(load(&state, record, secret.clone()).await?);
                break;
            }
            Err(Error::SessionNotFound) => {}
            Err(err) => return Err(err),
        }
    }
    if resumed.is_none() && !create && !presented.0.is_empty() {
        return Err(Error::SessionNotFound);
    }
    let session = match resumed {
        Some(session) => Some(session),
        None if create => {
            let attribution = Attribution {
                placement: Some(placement.clone()),
                ..Attribution::default()
            };
            Some(new_session(&state, &attribution).await?)
        }
        None => None,
    };

    let mut products = choose_products(&state, &placement, candidates, session.as_ref());
    state.store.attach_variants(&mut products).await?;
    let cookie = session.as_ref().map(|s| session_cookie(&s.token));
    let body = Json(PlacementProducts {
        placement,
        products,
        session,
    });
    Ok(match cookie {
        Some(cookie) => ([cookie], body).into_response(),
        None => body.into_response(),
    })
}

/// The products `placement` shows this time, chosen by the placement
/// policy (`crate::optimise`) around the session's cart; the choice is
/// queued for the decision log.
fn choose_products(
    state: &AppState,
    placement: &str,
    candidates: PlacementCandidates,
    session: Option<&Session>,
) -> Vec<Product> {
    let in_cart: HashSet<String> = session
        .map(|s| s.cart.lines.iter().map(|l| l.product.id.clone()).collect())
        .unwrap_or_default();
    let seed = state.seeds.next();
    let slots = usize::try_from(candidates.slots).unwrap_or(0);
    let policy = candidates.policy;
    let choice = optimise::choose(candidates.candidates, policy, slots, &in_cart, seed);
    state.decisions.record(NewDecision {
        placement: placement.to_string(),
        policy,
        session: session.map(|s| s.id.clone()),
        seed,
        chosen: choice.products.iter().map(|p| p.id.clone()).collect(),
        alternatives: choice.alternatives,
        created_at: token::now_ms(),
    });
    choice.products
}

/// Answers a cart change with the session and tells live subscribers.
async fn changed(
    state: &AppState,
    record: SessionRecord,
    token: String,
    product_id: &str,
) -> Result<Response> {
    let session = load(state, record, token).await?;
    if let Ok(merchant_id) = state.store.product_merchant(product_id).await {
        state.live.publish(Broadcast {
            merchant_id,
            session_id: Some(session.id.clone()),
            message: Message::Live(LiveUpdate::Cart {
                session: session.id.clone(),
                cart: session.cart.clone(),
            }),
        });
    }
    Ok(with_cookie(StatusCode::OK, session))
}

/// Tells live subscribers of `session` its cart now, for the merchant of
/// `product_id`. A failed read only costs a live update, so it is logged.
pub(crate) async fn publish_cart(state: &AppState, session: &SessionRecord, product_id: &str) {
    let read = async {
        let merchant_id = state.store.product_merchant(product_id).await?;
        let cart = state.store.cart(&session.id).await?;
        Ok::<_, Error>((merchant_id, cart))
    };
    match read.await {
        Ok((merchant_id, cart)) => state.live.publish(Broadcast {
            merchant_id,
            session_id: Some(session.id.clone()),
            message: Message::Live(LiveUpdate::Cart {
                session: session.id.clone(),
                cart,
            }),
        }),
        Err(err) => tracing::warn!(cause = %err, "no live cart update"),
    }
}

/// The session a request's token names.
async fn resolve(state: &AppState, token: &SessionToken) -> Result<(SessionRecord, String)> {
    let secret = token.required()?;
    let record = state.store.session_by_token(secret).await?;
    Ok((record, secret.to_string()))
}

/// Creates a session and returns it with its (empty) cart.
async fn new_session(state: &AppState, attribution: &Attribution) -> Result<Session> {
    let (record, secret) = state.store.create_session(attribution).await?;
    tracing::info!(session = %record.id, placement = ?attribution.placement, "session created");
    load(state, record, secret).await
}

/// The wire form of a session: its record, token and current cart.
pub(crate) async fn load(
    state: &AppState,
    record: SessionRecord,
    token: String,
) -> Result<Session> {
    let cart = state.store.cart(&record.id).await?;
    Ok(Session {
        id: record.id,
        token,
        attribution: record.attribution,
        cart,
    })
}

fn with_cookie(status: StatusCode, session: Session) -> Response {
    let cookie = session_cookie(&session.token);
    (status, [cookie], Json(session)).into_response()
}

/// The attribution in a session-creating body; an empty body means none.
pub(crate) fn attribution_from(body: &axum::body::Bytes) -> Result<Attribution> {
    let attribution = if body.iter().all(u8::is_ascii_whitespace) {
        Attribution::default()
    } else {
        json_from_bytes(body)?
    };
    check_attribution(&attribution)?;
    Ok(attribution)
}

fn check_attribution(attribution: &Attribution) -> Result<()> {
    let fields = [
        ("campaign", &attribution.campaign),
        ("creative", &attribution.creative),
        ("placement", &attribution.placement),
        ("click_id", &attribution.click_id),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            if value.len() > MAX_ATTRIBUTION_LEN || value.chars().any(char::is_control) {
                return Err(Error::InvalidAttribution(format!(
                    "{name} must be at most {MAX_ATTRIBUTION_LEN} bytes of printable text"
                )));
            }
        }
    }
    Ok(())
}
