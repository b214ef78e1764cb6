//! Random secrets and their digests.
//!
//! Session tokens and API keys are opaque random strings with a short prefix
//! that says what they are (`kst_` session token, `sk_`/`pk_`/`ptk_` keys).
//! The platform keeps only the SHA-256 digest of each, so a copy of the
//! database grants nothing. Lookups go by digest, which also means a
//! comparison never leaks how much of a guessed token was right.

use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Random bytes in every secret token: 256 bits, beyond guessing.
const SECRET_BYTES: usize = 32;

/// A fresh secret: `prefix` followed by 64 hex digits from the OS's CSPRNG.
pub fn secret(prefix: &str) -> String {
    random_id(prefix, SECRET_BYTES)
}

/// A random identifier of `bytes` random bytes, hex encoded after `prefix`.
pub fn random_id(prefix: &str, bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    format!("{prefix}{}", hex::encode(buffer))
}

/// The digest the platform stores in place of a secret.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Milliseconds since the Unix epoch, the platform's one clock format.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}
