//! The platform's errors and the one place they become HTTP responses.
//!
//! Every error a client can see carries a stable machine `code` (part of the
//! API contract: clients branch on it) and a human `message`. Storage
//! failures are logged with their cause and shown to the client only as
//! `internal`, so no SQL or file path leaks out.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kiosk_wire::ApiError;

/// Everything a request handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no product with id {0:?}")]
    ProductNotFound(String),
    #[error("no placement with id {0:?}")]
    PlacementNotFound(String),
    #[error("storage failed: {0}")]
    Storage(#[from] sqlx::Error),
}

impl Error {
    /// The HTTP status and the stable code clients see.
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Error::ProductNotFound(_) => (StatusCode::NOT_FOUND, "product_not_found"),
            Error::PlacementNotFound(_) => (StatusCode::NOT_FOUND, "placement_not_found"),
            Error::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = if status.is_server_error() {
            tracing::error!(cause = %self, "request failed inside the platform");
            "the platform could not complete this request".to_string()
        } else {
            self.to_string()
        };
        (
            status,
            Json(ApiError {
                code: code.to_string(),
                message,
            }),
        )
            .into_response()
    }
}

/// Shorthand for handler results.
pub type Result<T> = std::result::Result<T, Error>;
