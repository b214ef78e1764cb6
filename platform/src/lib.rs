//! Kiosk's commerce platform: the server every ad unit, cart widget and ad
//! server talks to.
//!
//! Layout: [`store`] owns the database, [`http`] maps routes onto it,
//! [`error`] turns failures into stable error codes, [`checkout`] turns a
//! cart into an order through a [`payments`] provider, [`orders`] moves it
//! through its states, [`keys`] authenticates merchants, [`live`] fans
//! changes out to subscribers, [`metrics`] counts for `/metrics`,
//! [`webhooks`] delivers orders to merchants, [`pricing`] computes every
//! amount, [`token`] makes secrets and their digests, [`seed`] writes the
//! demo store and [`media`] draws product images. The feedback loop:
//! [`optimise`] chooses a placement's products from live outcomes and logs
//! each choice, [`rules`] runs merchants' price rules, [`simulate`] drives
//! shopper traffic through the HTTP API. [`serve`] ties them to a listener
//! (and starts the webhook, decision log and price rule tasks); `main.rs`
//! is only the command line around it.

pub mod checkout;
pub mod error;
pub mod http;
pub mod keys;
pub mod live;
pub mod media;
pub mod metrics;
pub mod optimise;
pub mod orders;
pub mod payments;
pub mod pricing;
pub mod rules;
pub mod seed;
pub mod simulate;
pub mod store;
pub mod token;
pub mod webhooks;

use tokio::net::TcpListener;

pub use http::{AppState, StaticDirs};
pub use store::Store;

/// Serves the platform on `listener` until the process is stopped, with
/// the test payment provider.
pub async fn serve(listener: TcpListener, store: Store, dirs: StaticDirs) -> std::io::Result<()> {
    serve_with(listener, AppState::new(store), dirs).await
}

/// Serves the platform with the given shared state (store and payment
/// provider) until the process is stopped.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    dirs: StaticDirs,
) -> std::io::Result<()> {
    // On PostgreSQL, live updates cross instances: listen before serving,
    // so no subscriber can miss an update published after it subscribed.
    let mut state = state;
    if let store::Backend::Postgres { .. } = state.store.backend() {
        state.live = live::LiveHub::for_store(&state.store)
            .await
            .map_err(std::io::Error::other)?;
    }
    webhooks::spawn(
        state.store.clone(),
        state.webhook_wake.clone(),
        state.webhook_retry_base,
    );
    optimise::spawn_writer(state.store.clone(), state.decisions.clone());
    rules::spawn(
        state.store.clone(),
        state.live.clone(),
        state.price_rules.clone(),
    );
    let app = http::router(state, &dirs);
    axum::serve(listener, app).await
}
