//! The typed client of the platform's HTTP API: every request the browser
//! makes goes through here.

use gloo_net::http::{Request, Response};
use kiosk_wire::{ApiError, PlacementProducts};

/// Why a platform call did not give an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiFailure {
    /// The platform could not be reached or sent something unreadable.
    Network(String),
    /// The platform answered with an error body.
    Rejected { status: u16, error: ApiError },
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiFailure::Network(cause) => write!(f, "platform unreachable: {cause}"),
            ApiFailure::Rejected { status, error } => {
                write!(
                    f,
                    "platform said {status} {}: {}",
                    error.code, error.message
                )
            }
        }
    }
}

/// A platform at a base URL.
#[derive(Clone, Debug)]
pub struct Platform {
    base: String,
}

impl Platform {
    pub fn new(base: &str) -> Platform {
        Platform {
            base: base.trim_end_matches('/').to_string(),
        }
    }

    /// The products placement `placement` shows right now.
    pub async fn placement_products(
        &self,
        placement: &str,
    ) -> Result<PlacementProducts, ApiFailure> {
        let url = format!("{}/v1/placements/{}/products", self.base, encode(placement));
        let response = Request::get(&url).send().await.map_err(network)?;
        read_json(response).await
    }
}

async fn read_json<T: serde::de::DeserializeOwned>(response: Response) -> Result<T, ApiFailure> {
    if response.ok() {
        return response.json().await.map_err(network);
    }
    let status = response.status();
    let error = response
        .json::<ApiError>()
        .await
        .unwrap_or_else(|_| ApiError {
            code: "unexpected_response".into(),
            message: format!("HTTP {status} without an error body"),
        });
    Err(ApiFailure::Rejected { status, error })
}

fn network(err: gloo_net::Error) -> ApiFailure {
    ApiFailure::Network(err.to_string())
}

fn encode(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}
