//! The feedback loop's figures: how fast what happens reaches the people
//! watching (an accepted event to the merchant's feed, a price change, by
//! hand or by a rule, to a subscribed ad and to the feed), and how the
//! simulator's shoppers move a learning placement towards the product
//! that converts.

use std::time::{Duration, Instant};

use anyhow::Context;
use kiosk_platform::keys::KeyKind;
use kiosk_platform::seed::DEMO_MERCHANT;
use kiosk_platform::simulate;
use kiosk_wire::PlacementPolicy;
use serde_json::json;

use crate::quantile;

/// Samples per latency figure.
const SAMPLES: usize = 200;

/// Shoppers in the simulated run.
const SHOPPERS: usize = 400;

pub async fn run() -> anyhow::Result<()> {
    println!("\n== feedback loop (loopback, release build, SQLite)");
    let dir = tempfile::tempdir()?;
    let (base, store) = crate::load::start_platform(dir.path()).await?;
    let (_, key) = store
        .create_key(DEMO_MERCHANT, KeyKind::Secret, &[])
        .await?;
    let client = reqwest::Client::new();

    let session: kiosk_wire::Session = client
        .post(format!("{base}/v1/sessions"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let mut feed = Sse::open(&client, &format!("{base}/v1/merchant/feed"), Some(&key)).await?;
    let mut to_feed = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES {
        let event = json!([{ "id": format!("bench-{i}"), "kind": "impression",
                             "session": session.id, "placement": "pl_sidebar" }]);
        let started = Instant::now();
        client
            .post(format!("{base}/v1/events"))
            .json(&event)
            .send()
            .await?
            .error_for_status()?;
        feed.wait_for("event").await?;
        to_feed.push(started.elapsed().as_secs_f64() * 1000.0);
    }

    let mut ad = Sse::open(
        &client,
        &format!("{base}/v1/live?placement=pl_sidebar"),
        None,
    )
    .await?;
    let mut to_ad = Vec::with_capacity(SAMPLES);
    let mut change_to_feed = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES {
        let started = Instant::now();
        client
            .patch(format!("{base}/v1/products/prd_merino-tee"))
            .bearer_auth(&key)
            .json(&json!({ "price_minor": 5900 + (i % 2) as i64 * 100 }))
            .send()
            .await?
            .error_for_status()?;
        let (ad_ms, feed_ms) = tokio::try_join!(
            arrival(&mut ad, "product", started),
            arrival(&mut feed, "product", started)
        )?;
        to_ad.push(ad_ms);
        change_to_feed.push(feed_ms);
    }

    // A rule that fires on one view with a cart and reverts on a view
    // without: each sample is one event batch to the ad's price update.
    let rule: serde_json::Value = client
        .post(format!("{base}/v1/merchant/price-rules"))
        .bearer_auth(&key)
        .json(
            &json!({ "product_id": "prd_sun-hat", "placement": "pl_sidebar",
                       "window_views": 1, "min_add_to_cart_rate": 0.5,
                       "max_purchase_rate": 0.5, "discount_percent": 10, "floor_minor": 0 }),
        )
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let mut rule_to_ad = Vec::with_capacity(SAMPLES);
    let mut rule_to_feed = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES {
        let view = json!({ "id": format!("rv-{i}"), "kind": "product_view", "session": session.id,
                           "placement": "pl_sidebar", "product": "prd_sun-hat" });
        let cart = json!({ "id": format!("rc-{i}"), "kind": "add_to_cart", "session": session.id,
                           "placement": "pl_sidebar", "product": "prd_sun-hat" });
        let batch = if i % 2 == 0 {
            json!([view, cart])
        } else {
            json!([view])
        };
        let started = Instant::now();
        client
            .post(format!("{base}/v1/events"))
            .json(&batch)
            .send()
            .await?
            .error_for_status()?;
        let (ad_ms, feed_ms) = tokio::try_join!(
            arrival(&mut ad, "product", started),
            arrival(&mut feed, "price_change", started)
        )?;
        rule_to_ad.push(ad_ms);
        rule_to_feed.push(feed_ms);
    }
    let rule_id = rule["id"].as_str().unwrap_or_default();
    client
        .patch(format!("{base}/v1/merchant/price-rules/{rule_id}"))
        .bearer_auth(&key)
        .json(&json!({ "enabled": false }))
        .send()
        .await?
        .error_for_status()?;

    for (name, samples) in [
        ("event -> merchant feed", &mut to_feed),
        ("price change -> ad", &mut to_ad),
        ("price change -> feed", &mut change_to_feed),
        ("rule's events -> ad", &mut rule_to_ad),
        ("rule's events -> feed", &mut rule_to_feed),
    ] {
        samples.sort_by(f64::total_cmp);
        println!(
            "   {name:<24} p50 {:>6.2} ms   p99 {:>6.2} ms   ({SAMPLES} samples, request start to SSE arrival)",
            quantile(samples, 0.5),
            quantile(samples, 0.99)
        );
    }

    let config = simulate::Config {
        base: base.clone(),
        seed: 1,
        sessions: Some(SHOPPERS),
        placements: vec!["pl_sidebar".into(), "pl_leaderboard".into()],
        best: Some("prd_camp-mug".into()),
        pause: Duration::ZERO,
        secret_key: Some(key),
        publishable_key: None,
        policy: Some(PlacementPolicy::Thompson),
    };
    let report = simulate::run(&config).await?;
    println!(
        "   simulator: {} shoppers, {} events ({:.0} events/s), {} orders in {:.1} s (one shopper at a time)",
        report.sessions,
        report.events,
        report.events_per_second(),
        report.orders,
        report.elapsed.as_secs_f64()
    );
    for placement in &config.placements {
        let curve: Vec<String> = (0..SHOPPERS / 2)
            .step_by(20)
            .map(|start| {
                format!(
                    "{:.2}",
                    report.share(placement, "prd_camp-mug", start..start + 20)
                )
            })
            .collect();
        println!(
            "   share of {placement}'s shoppers shown the best product, per 20 shoppers: {}",
            curve.join(" ")
        );
    }
    Ok(())
}

/// Milliseconds from `started` until `stream` delivers an event named `name`.
async fn arrival(stream: &mut Sse, name: &str, started: Instant) -> anyhow::Result<f64> {
    stream.wait_for(name).await?;
    Ok(started.elapsed().as_secs_f64() * 1000.0)
}

/// A Server-Sent Events stream read until named events arrive.
struct Sse {
    response: reqwest::Response,
    buffer: String,
}

impl Sse {
    async fn open(client: &reqwest::Client, url: &str, key: Option<&str>) -> anyhow::Result<Sse> {
        let mut request = client.get(url);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await?.error_for_status()?;
        let mut sse = Sse {
            response,
            buffer: String::new(),
        };
        sse.wait_for("ready").await?;
        Ok(sse)
    }

    /// Reads until an event named `name` has arrived.
    async fn wait_for(&mut self, name: &str) -> anyhow::Result<()> {
        let read = async {
            loop {
                while let Some(end) = self.buffer.find("\n\n") {
                    let frame: String = self.buffer.drain(..end + 2).collect();
                    let named = frame
                        .lines()
                        .filter_map(|line| line.strip_prefix("event:"))
                        .any(|event| event.trim() == name);
                    if named {
                        return Ok::<(), anyhow::Error>(());
                    }
                }
                let chunk = self.response.chunk().await?.context("stream ended")?;
                self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        };
        tokio::time::timeout(Duration::from_secs(10), read)
            .await
            .context("no event within 10 s")?
    }
}
