//! Platform load: wrk against the placement read, add to cart, checkout and
//! event ingest, and against a bare axum handler as the base of the ratios.
//!
//! wrk runs at full speed with a fixed number of connections (it has no
//! fixed-rate mode), so the latencies are those of a saturated 2-core
//! machine shared by the load generator: a harsher test than DESIGN.md's
//! "2,000 req/s".

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};
use kiosk_platform::{seed, StaticDirs, Store};
use kiosk_wire::{PlacementPolicy, ProductUpdate, Session};

/// How long each wrk run lasts, in seconds.
const SECONDS: u32 = 5;
/// Concurrent connections per run.
const CONNECTIONS: u32 = 8;
/// Sessions with a one-line cart made ready for the checkout run: each can
/// check out once.
const CHECKOUT_SESSIONS: usize = 9000;
/// Events in each batch of the ingest run, as an ad's beacon carries them.
const EVENTS_PER_BATCH: usize = 10;

/// One wrk run's figures.
struct Figures {
    name: &'static str,
    requests_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    non_2xx: u64,
}

pub async fn run() -> anyhow::Result<()> {
    println!(
        "\n== platform under wrk ({CONNECTIONS} connections unless said, {SECONDS} s each, \
         loopback, release build)"
    );
    let dir = tempfile::tempdir()?;
    let hello = start_hello().await?;
    let (base, store) = start_platform(dir.path()).await?;
    let client = reqwest::Client::new();

    let shoppers = sessions(&client, &base, 200, false).await?;
    let cart_tokens: Vec<String> = shoppers.iter().map(|s| s.token.clone()).collect();
    let session_ids: Vec<String> = shoppers.iter().map(|s| s.id.clone()).collect();
    println!("   preparing {CHECKOUT_SESSIONS} sessions with a cart for the checkout run...");
    let checkout_tokens: Vec<String> = sessions(&client, &base, CHECKOUT_SESSIONS, true)
        .await?
        .into_iter()
        .map(|s| s.token)
        .collect();

    let scripts = dir.path();
    let add_script = scripts.join("add.lua");
    std::fs::write(&add_script, lua_add_to_cart(&cart_tokens))?;
    // The loaded run and the single-client run each get their own carts.
    let (loaded_tokens, single_tokens) = checkout_tokens.split_at(CHECKOUT_SESSIONS / 2);
    let checkout_script = scripts.join("checkout.lua");
    std::fs::write(&checkout_script, lua_checkout(loaded_tokens))?;
    let single_checkout_script = scripts.join("checkout-single.lua");
    std::fs::write(&single_checkout_script, lua_checkout(single_tokens))?;
    let events_script = scripts.join("events.lua");
    std::fs::write(&events_script, lua_events(&session_ids))?;

    let placement = format!("{base}/v1/placements/pl_sidebar/products");
    // The leaderboard learns (Thompson sampling: a Beta draw per product
    // and a decision logged per read); the sidebar keeps the merchant's
    // order.
    store
        .set_placement_policy(
            seed::DEMO_MERCHANT,
            "pl_leaderboard",
            PlacementPolicy::Thompson,
        )
        .await?;
    let learning = format!("{base}/v1/placements/pl_leaderboard/products");
    let checkout_url = format!("{base}/v1/checkout");
    let runs = vec![
        wrk("axum hello (base)", &format!("{hello}/"), None, CONNECTIONS)?,
        wrk("placement read", &placement, None, CONNECTIONS)?,
        wrk("placement, thompson", &learning, None, CONNECTIONS)?,
        wrk(
            "add to cart",
            &format!("{base}/v1/cart/lines"),
            Some(&add_script),
            CONNECTIONS,
        )?,
        wrk(
            "checkout",
            &checkout_url,
            Some(&checkout_script),
            CONNECTIONS,
        )?,
        wrk(
            "event batches",
            &format!("{base}/v1/events"),
            Some(&events_script),
            CONNECTIONS,
        )?,
        wrk("placement, 1 client", &placement, None, 1)?,
        wrk(
            "checkout, 1 client",
            &checkout_url,
            Some(&single_checkout_script),
            1,
        )?,
    ];

    let base_run = &runs[0];
    println!(
        "   {:<20} {:>10} {:>9} {:>9} {:>9} {:>12} {:>12}",
        "endpoint", "req/s", "p50 ms", "p99 ms", "non-2xx", "req/s ratio", "p99 ratio"
    );
    for run in &runs {
        println!(
            "   {:<20} {:>10.0} {:>9.2} {:>9.2} {:>9} {:>12.2} {:>12.2}",
            run.name,
            run.requests_per_sec,
            run.p50_ms,
            run.p99_ms,
            run.non_2xx,
            run.requests_per_sec / base_run.requests_per_sec,
            run.p99_ms / base_run.p99_ms,
        );
    }
    if runs
        .iter()
        .any(|run| run.name.starts_with("checkout") && run.non_2xx > 0)
    {
        println!(
            "   note: a checkout run ran out of prepared carts; the requests after that were \
             answered with errors and count as non-2xx"
        );
    }
    if let Some(events) = runs.iter().find(|run| run.name == "event batches") {
        println!(
            "   event ingest: {:.0} events/s ({EVENTS_PER_BATCH} new events a batch, \
             each stored with its placement counters)",
            events.requests_per_sec * EVENTS_PER_BATCH as f64
        );
    }
    println!("   budgets: placement read p99 < 5 ms at 2,000 req/s; checkout p99 < 20 ms");
    Ok(())
}

/// A bare axum handler on loopback.
async fn start_hello() -> anyhow::Result<String> {
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

/// The products the load scripts name (carts, checkouts, events).
const CARTED: [&str; 4] = [
    "prd_camp-mug",
    "prd_merino-tee",
    "prd_trail-runner",
    "prd_stove",
];

/// The platform on a fresh SQLite file with the demo store and stock high
/// enough that no run sells out: every product the placement shows and
/// every product a script names.
pub async fn start_platform(dir: &Path) -> anyhow::Result<(String, Store)> {
    let store = Store::open(&dir.join("bench.db")).await?;
    seed::demo(&store).await?;
    let mut ids: Vec<String> = CARTED.iter().map(|id| id.to_string()).collect();
    for product in store.placement_products("pl_leaderboard").await? {
        ids.push(product.id);
    }
    ids.sort();
    ids.dedup();
    for id in ids {
        let update = ProductUpdate {
            stock: Some(100_000_000),
            ..ProductUpdate::default()
        };
        store
            .update_product(seed::DEMO_MERCHANT, &id, &update)
            .await?;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(kiosk_platform::serve(
        listener,
        store.clone(),
        StaticDirs::default(),
    ));
    Ok((url, store))
}

/// Creates `count` sessions, each with one product in its cart if `with_cart`.
async fn sessions(
    client: &reqwest::Client,
    base: &str,
    count: usize,
    with_cart: bool,
) -> anyhow::Result<Vec<Session>> {
    let mut sessions = Vec::with_capacity(count);
    for _ in 0..count {
        let session: Session = client
            .post(format!("{base}/v1/sessions"))
            .json(&serde_json::json!({}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        if with_cart {
            client
                .post(format!("{base}/v1/cart/lines"))
                .bearer_auth(&session.token)
                .json(&serde_json::json!({ "product_id": "prd_merino-tee", "quantity": 1 }))
                .send()
                .await?
                .error_for_status()?;
        }
        sessions.push(session);
    }
    Ok(sessions)
}

fn lua_tokens(tokens: &[String]) -> String {
    let mut lua = String::from("tokens = {");
    for token in tokens {
        let _ = write!(lua, "\"{token}\",");
    }
    lua.push_str("}\ncounter = 0\n");
    lua
}

/// wrk script: add one unit to a cart, rotating over sessions.
fn lua_add_to_cart(tokens: &[String]) -> String {
    lua_tokens(tokens)
        + r#"
request = function()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json"
  }, '{"product_id":"prd_camp-mug","quantity":1}')
end
"#
}

/// wrk script: each request checks out the next prepared session once.
fn lua_checkout(tokens: &[String]) -> String {
    lua_tokens(tokens)
        + r#"
body = '{"contact":{"email":"bench@example.com","name":"Bench"},' ..
  '"shipping_address":{"line1":"1 Loop Road","city":"Berlin","postal_code":"10115","country":"DE"},' ..
  '"shipping_option":"standard",' ..
  '"payment":{"card_number":"4242424242424242","expiry":"12/30","cvc":"123"}}'
request = function()
  counter = counter + 1
  local token = tokens[((counter - 1) % #tokens) + 1]
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. counter
  }, body)
end
"#
}

/// wrk script: a beacon's batch of new events (ids never repeat) from the
/// next session: an impression, a viewable one, product views, a click and
/// an add to cart, in placement `pl_sidebar`.
fn lua_events(session_ids: &[String]) -> String {
    lua_tokens(session_ids)
        + &format!("per_batch = {EVENTS_PER_BATCH}\n")
        + r#"
kinds = {"impression", "viewable_impression", "product_view", "product_view", "product_view",
         "product_view", "click", "product_view", "add_to_cart", "product_view"}
products = {"prd_camp-mug", "prd_merino-tee", "prd_trail-runner", "prd_stove"}
request = function()
  counter = counter + 1
  local session = tokens[(counter % #tokens) + 1]
  local events = {}
  for n = 1, per_batch do
    local kind = kinds[((n - 1) % #kinds) + 1]
    local product = ""
    if kind == "product_view" or kind == "add_to_cart" then
      product = ',"product":"' .. products[(n % #products) + 1] .. '"'
    end
    events[n] = '{"id":"b' .. counter .. '-' .. n .. '","kind":"' .. kind ..
      '","session":"' .. session .. '","placement":"pl_sidebar","creative":"bench"' .. product .. '}'
  end
  return wrk.format("POST", nil, { ["Content-Type"] = "text/plain" },
    '{"events":[' .. table.concat(events, ",") .. ']}')
end
"#
}

/// Runs wrk (one thread, so Lua scripts see every request in order) and
/// reads its summary.
fn wrk(
    name: &'static str,
    url: &str,
    script: Option<&Path>,
    connections: u32,
) -> anyhow::Result<Figures> {
    let mut command = Command::new("wrk");
    command.args([
        "-t1",
        &format!("-c{connections}"),
        &format!("-d{SECONDS}s"),
        "--latency",
    ]);
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    let output = command
        .arg(url)
        .output()
        .context("running wrk (make setup installs it)")?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("wrk failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    if std::env::var_os("KIOSK_BENCH_DEBUG").is_some() {
        eprintln!("{text}");
    }
    if !text.contains("Requests/sec:") {
        bail!(
            "wrk printed no summary for {name}: {text} {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
    };
    let millis = |value: Option<String>| value.map(|v| parse_duration_ms(&v)).unwrap_or(f64::NAN);
    Ok(Figures {
        name,
        requests_per_sec: field("Requests/sec:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0),
        p50_ms: millis(field("50%")),
        p99_ms: millis(field("99%")),
        non_2xx: field("Non-2xx or 3xx responses:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    })
}

/// wrk's durations ("812.00us", "1.20ms", "2.01s") in milliseconds.
fn parse_duration_ms(value: &str) -> f64 {
    let split = value
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => f64::NAN,
    }
}
