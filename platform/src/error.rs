//! The platform's errors and the one place they become HTTP responses.
//!
//! Every error a client can see carries a stable machine `code` (part of the
//! API contract: clients branch on it) and a human `message`. Storage
//! failures are logged with their cause and shown to the client only as
//! `internal`, so no SQL or file path leaks out. A client's mistake is never
//! a 5xx: malformed JSON, queries and headers are mapped here too.
//!
//! Status choices worth knowing: `out_of_stock` is a 409 (the request was
//! fine, the store's current state refuses it, and the same request may
//! succeed after a restock); declined payments are 402.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kiosk_wire::ApiError;

/// Everything a request handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("the body does not have the expected shape: {0}")]
    InvalidBody(String),
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    #[error("the body is too large")]
    BodyTooLarge,
    #[error("a batch holds at most {0} events")]
    BatchTooLarge(usize),
    #[error("the query string is invalid: {0}")]
    InvalidQuery(String),
    #[error("the path is invalid: {0}")]
    InvalidPath(String),
    #[error("a header is invalid: {0}")]
    InvalidHeader(String),
    #[error("no such API endpoint")]
    NotFound,
    #[error("this endpoint does not take this method")]
    MethodNotAllowed,

    #[error("no product with id {0:?}")]
    ProductNotFound(String),
    /// The product has variants; a cart takes one of their ids.
    #[error("product {0:?} is sold by variant; add one of its variants' ids")]
    VariantRequired(String),
    /// The merchant has taken the product off sale.
    #[error("product {0:?} is not on sale")]
    ProductUnavailable(String),
    #[error("no placement with id {0:?}")]
    PlacementNotFound(String),
    #[error("no merchant with id {0:?}")]
    MerchantNotFound(String),
    #[error("no collection with id {0:?}")]
    CollectionNotFound(String),

    #[error(
        "this request needs a session token (Authorization: Bearer or the kiosk_session cookie)"
    )]
    SessionRequired,
    #[error("no session has this token")]
    SessionNotFound,
    #[error("invalid attribution: {0}")]
    InvalidAttribution(String),

    #[error("invalid quantity: {0}")]
    InvalidQuantity(String),
    #[error("only {available} of product {product_id:?} in stock")]
    OutOfStock { product_id: String, available: i64 },
    #[error("the cart has no line for product {0:?}")]
    LineNotFound(String),
    #[error("a cart holds products of one merchant in one currency; {0:?} does not fit this cart")]
    CartMismatch(String),
    #[error("the amount is too large to compute")]
    AmountTooLarge,
    #[error("the cart is empty")]
    CartEmpty,
    #[error("the price of product {0:?} changed; review the cart and check out again")]
    PriceChanged(String),

    #[error("checkout needs an Idempotency-Key header")]
    IdempotencyKeyMissing,
    #[error("the Idempotency-Key must be 1 to 255 visible ASCII characters")]
    IdempotencyKeyInvalid,
    #[error("this Idempotency-Key was used with a different request body")]
    IdempotencyKeyReused,
    #[error("a request with this Idempotency-Key is still in progress; retry shortly")]
    IdempotencyInProgress,

    #[error("invalid contact: {0}")]
    InvalidContact(String),
    #[error("invalid shipping address: {0}")]
    InvalidAddress(String),
    #[error("unknown shipping option {0:?}")]
    InvalidShippingOption(String),
    #[error("the card number is not valid")]
    InvalidCard,
    #[error("the expiry must be MM/YY")]
    InvalidExpiry,
    #[error("the card has expired")]
    CardExpired,
    #[error("the security code must be 3 or 4 digits")]
    InvalidCvc,
    #[error("the card was declined")]
    CardDeclined,
    #[error("the card has insufficient funds")]
    InsufficientFunds,
    #[error("the payment provider is unavailable: {0}")]
    PaymentUnavailable(String),

    #[error("no price rule with id {0:?}")]
    RuleNotFound(String),
    #[error("the order total is now {actual_minor} {currency} (minor units), not the {expected_minor} expected: a price changed; review the cart and check out again")]
    TotalChanged {
        expected_minor: i64,
        actual_minor: i64,
        currency: String,
    },

    #[error("no order with number {0:?}")]
    OrderNotFound(String),
    #[error("an order cannot go from {from} to {to}")]
    InvalidTransition { from: String, to: String },

    #[error("a valid API key is required")]
    Unauthorized,
    #[error("this key may not be used for this request")]
    Forbidden,
    #[error("a browser call from another origin needs a publishable key (?key=pk_...)")]
    PublishableKeyRequired,
    #[error("this publishable key does not allow calls from this origin")]
    OriginNotAllowed,

    #[error("storage failed: {0}")]
    Storage(#[from] sqlx::Error),
}

impl Error {
    /// The HTTP status and the stable code clients see.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        use StatusCode as S;
        match self {
            Error::InvalidJson(_) => (S::BAD_REQUEST, "invalid_json"),
            Error::InvalidBody(_) => (S::UNPROCESSABLE_ENTITY, "invalid_body"),
            Error::UnsupportedMediaType => (S::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            Error::BodyTooLarge => (S::PAYLOAD_TOO_LARGE, "body_too_large"),
            Error::BatchTooLarge(_) => (S::PAYLOAD_TOO_LARGE, "batch_too_large"),
            Error::InvalidQuery(_) => (S::BAD_REQUEST, "invalid_query"),
            Error::InvalidPath(_) => (S::BAD_REQUEST, "invalid_path"),
            Error::InvalidHeader(_) => (S::BAD_REQUEST, "invalid_header"),
            Error::NotFound => (S::NOT_FOUND, "not_found"),
            Error::MethodNotAllowed => (S::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Error::ProductNotFound(_) => (S::NOT_FOUND, "product_not_found"),
            Error::VariantRequired(_) => (S::UNPROCESSABLE_ENTITY, "variant_required"),
            Error::ProductUnavailable(_) => (S::CONFLICT, "product_unavailable"),
            Error::PlacementNotFound(_) => (S::NOT_FOUND, "placement_not_found"),
            Error::MerchantNotFound(_) => (S::NOT_FOUND, "merchant_not_found"),
            Error::CollectionNotFound(_) => (S::NOT_FOUND, "collection_not_found"),
            Error::SessionRequired => (S::UNAUTHORIZED, "session_required"),
            Error::SessionNotFound => (S::NOT_FOUND, "session_not_found"),
            Error::InvalidAttribution(_) => (S::UNPROCESSABLE_ENTITY, "invalid_attribution"),
            Error::InvalidQuantity(_) => (S::UNPROCESSABLE_ENTITY, "invalid_quantity"),
            Error::OutOfStock { .. } => (S::CONFLICT, "out_of_stock"),
            Error::LineNotFound(_) => (S::NOT_FOUND, "line_not_found"),
            Error::CartMismatch(_) => (S::UNPROCESSABLE_ENTITY, "cart_mismatch"),
            Error::AmountTooLarge => (S::UNPROCESSABLE_ENTITY, "amount_too_large"),
            Error::CartEmpty => (S::UNPROCESSABLE_ENTITY, "cart_empty"),
            Error::PriceChanged(_) => (S::CONFLICT, "price_changed"),
            Error::IdempotencyKeyMissing => (S::BAD_REQUEST, "idempotency_key_missing"),
            Error::IdempotencyKeyInvalid => (S::BAD_REQUEST, "idempotency_key_invalid"),
            Error::IdempotencyKeyReused => (S::UNPROCESSABLE_ENTITY, "idempotency_key_reused"),
            Error::IdempotencyInProgress => (S::CONFLICT, "idempotency_in_progress"),
            Error::InvalidContact(_) => (S::UNPROCESSABLE_ENTITY, "invalid_contact"),
            Error::InvalidAddress(_) => (S::UNPROCESSABLE_ENTITY, "invalid_address"),
            Error::InvalidShippingOption(_) => (S::UNPROCESSABLE_ENTITY, "invalid_shipping_option"),
            Error::InvalidCard => (S::UNPROCESSABLE_ENTITY, "invalid_card"),
            Error::InvalidExpiry => (S::UNPROCESSABLE_ENTITY, "invalid_expiry"),
            Error::CardExpired => (S::UNPROCESSABLE_ENTITY, "card_expired"),
            Error::InvalidCvc => (S::UNPROCESSABLE_ENTITY, "invalid_cvc"),
            Error::CardDeclined => (S::PAYMENT_REQUIRED, "card_declined"),
            Error::InsufficientFunds => (S::PAYMENT_REQUIRED, "insufficient_funds"),
            Error::PaymentUnavailable(_) => (S::BAD_GATEWAY, "payment_unavailable"),
            Error::RuleNotFound(_) => (S::NOT_FOUND, "price_rule_not_found"),
            Error::TotalChanged { .. } => (S::CONFLICT, "price_changed"),
            Error::OrderNotFound(_) => (S::NOT_FOUND, "order_not_found"),
            Error::InvalidTransition { .. } => (S::CONFLICT, "invalid_transition"),
            Error::Unauthorized => (S::UNAUTHORIZED, "unauthorized"),
            Error::Forbidden => (S::FORBIDDEN, "forbidden"),
            Error::PublishableKeyRequired => (S::UNAUTHORIZED, "publishable_key_required"),
            Error::OriginNotAllowed => (S::FORBIDDEN, "origin_not_allowed"),
            Error::Storage(_) => (S::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The body a client sees for this error. Server-side causes are logged
    /// here and replaced by a fixed sentence.
    pub fn to_api_error(&self) -> ApiError {
        let (status, code) = self.status_and_code();
        let message = if status.is_server_error() {
            tracing::error!(cause = %self, code, "request failed inside the platform");
            "the platform could not complete this request".to_string()
        } else {
            self.to_string()
        };
        ApiError {
            code: code.to_string(),
            message,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, _) = self.status_and_code();
        (status, Json(self.to_api_error())).into_response()
    }
}

impl From<JsonRejection> for Error {
    fn from(rejection: JsonRejection) -> Error {
        match rejection {
            JsonRejection::JsonSyntaxError(err) => Error::InvalidJson(err.body_text()),
            JsonRejection::JsonDataError(err) => Error::InvalidBody(err.body_text()),
            JsonRejection::MissingJsonContentType(_) => Error::UnsupportedMediaType,
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Error::BodyTooLarge,
            other => Error::InvalidJson(other.body_text()),
        }
    }
}

impl From<QueryRejection> for Error {
    fn from(rejection: QueryRejection) -> Error {
        Error::InvalidQuery(rejection.body_text())
    }
}

impl From<PathRejection> for Error {
    fn from(rejection: PathRejection) -> Error {
        Error::InvalidPath(rejection.body_text())
    }
}

/// Shorthand for handler results.
pub type Result<T> = std::result::Result<T, Error>;
