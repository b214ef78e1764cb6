//! `kiosk-bench`: figures, never pass/fail. Budgets are in DESIGN.md.
//!
//! - `platform`: the platform in this process (release build, SQLite file),
//!   loaded over loopback by `wrk` (a separate process) on the placement
//!   read, add to cart and checkout, next to a bare axum "hello" handler run
//!   the same way as the ratio's base.
//! - `creative`: the built creative's bytes (raw, gzip), the platform
//!   requests it makes before its first product paint, the time from
//!   navigation to that paint in headless Chrome, and how long a price
//!   change takes to show in an open ad.
//!
//! - `loop`: the feedback loop: time from an accepted event to the
//!   merchant's feed and from a price change to a subscribed ad (p50/p99
//!   over loopback), and the shopper simulator's throughput and its curve
//!   of the best product's share of a learning placement.
//!
//! With no argument it runs all three.

mod creative;
mod feedback;
mod load;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let which = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    if which == "all" || which == "platform" {
        load::run().await?;
    }
    if which == "all" || which == "loop" {
        feedback::run().await?;
    }
    if which == "all" || which == "creative" {
        creative::run().await?;
    }
    Ok(())
}

/// The value at quantile `q` (0..=1) of sorted `values`.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let index = ((values.len() - 1) as f64 * q).round() as usize;
    values[index]
}
