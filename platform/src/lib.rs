//! Kiosk's commerce platform: the server every ad unit, cart widget and ad
//! server talks to.
//!
//! Layout: [`store`] owns the database, [`http`] maps routes onto it,
//! [`error`] turns failures into stable error codes, [`pricing`] computes
//! every amount, [`token`] makes secrets and their digests, [`seed`] writes
//! the demo store and [`media`] draws product images. [`serve`] ties them to a
//! listener; `main.rs` is only the command line around it.

pub mod error;
pub mod http;
pub mod media;
pub mod pricing;
pub mod seed;
pub mod store;
pub mod token;

use tokio::net::TcpListener;

pub use http::{AppState, StaticDirs};
pub use store::Store;

/// Serves the platform on `listener` until the process is stopped.
pub async fn serve(listener: TcpListener, store: Store, dirs: StaticDirs) -> std::io::Result<()> {
    let app = http::router(AppState { store }, &dirs);
    axum::serve(listener, app).await
}
