//! Merchants' API keys: what they are, and the extractor that demands a
//! secret one.
//!
//! Three kinds, told apart by prefix: `sk_` secret keys for the merchant's
//! own servers (orders, catalog changes), `pk_` publishable keys for ad
//! units and cart widgets (each lists the origins it may be used from), and
//! `ptk_` partner keys for ad networks and ad servers. Keys are shown once
//! when created and stored as SHA-256 digests. A missing, unknown or revoked
//! key is `unauthorized` (401); a valid key of the wrong kind is `forbidden`
//! (403).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::{Error, Result};
use crate::http::extract::bearer;
use crate::http::AppState;

/// The kind of an API key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Secret,
    Publishable,
    Partner,
}

impl KeyKind {
    /// The name used in storage and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Secret => "secret",
            KeyKind::Publishable => "publishable",
            KeyKind::Partner => "partner",
        }
    }

    /// The prefix every key of this kind starts with.
    pub fn prefix(self) -> &'static str {
        match self {
            KeyKind::Secret => "sk_",
            KeyKind::Publishable => "pk_",
            KeyKind::Partner => "ptk_",
        }
    }

    /// The kind named `name`, if there is one.
    pub fn parse(name: &str) -> Option<KeyKind> {
        [KeyKind::Secret, KeyKind::Publishable, KeyKind::Partner]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// A key as the platform knows it (never the key itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub merchant_id: String,
    pub kind: KeyKind,
    pub allowed_origins: Vec<String>,
}

impl ApiKey {
    /// The merchant the key belongs to.
    pub fn merchant_id(&self) -> &str {
        &self.merchant_id
    }

    /// `forbidden` unless the key is of one of `kinds`.
    pub fn require(&self, kinds: &[KeyKind]) -> Result<()> {
        if kinds.contains(&self.kind) {
            Ok(())
        } else {
            tracing::warn!(key = %self.id, kind = self.kind.as_str(), "key used outside its scope");
            Err(Error::Forbidden)
        }
    }
}

/// The valid API key a request presents as `Authorization: Bearer`.
async fn authenticate(parts: &Parts, state: &AppState) -> Result<ApiKey> {
    let presented = bearer(&parts.headers).ok_or(Error::Unauthorized)?;
    state
        .store
        .key_by_secret(&presented)
        .await?
        .ok_or(Error::Unauthorized)
}

/// A request authenticated with a merchant's secret key.
#[derive(Clone, Debug)]
pub struct SecretKey(pub ApiKey);

impl SecretKey {
    /// The merchant the key belongs to.
    pub fn merchant_id(&self) -> &str {
        &self.0.merchant_id
    }
}

impl FromRequestParts<AppState> for SecretKey {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let key = authenticate(parts, state).await?;
        key.require(&[KeyKind::Secret])?;
        Ok(SecretKey(key))
    }
}

/// A request authenticated with a partner key or the merchant's own secret
/// key: the server-to-server reads an ad server may make.
#[derive(Clone, Debug)]
pub struct PartnerKey(pub ApiKey);

impl FromRequestParts<AppState> for PartnerKey {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let key = authenticate(parts, state).await?;
        key.require(&[KeyKind::Partner, KeyKind::Secret])?;
        Ok(PartnerKey(key))
    }
}
