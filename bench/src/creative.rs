//! The creative: bytes, platform requests before the first product paint,
//! time from navigation to that paint, and live-change latency, all in
//! headless Chrome against a platform on loopback.

use std::io::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fantoccini::Locator;
use kiosk_e2e::{creative_dir, Browser, Platform};

use crate::quantile;

/// Fresh-browser page loads measured for first paint.
const PAINT_RUNS: usize = 5;
/// Price changes measured for live latency.
const LIVE_RUNS: usize = 20;
/// How often a measurement re-reads the page while it waits.
const POLL: Duration = Duration::from_millis(20);
/// DESIGN.md: html + js + wasm, gzip.
const SIZE_BUDGET_BYTES: f64 = 100.0 * 1024.0;

pub async fn run() -> anyhow::Result<()> {
    sizes()?;
    widget_sizes()?;
    let platform = Platform::start().await?;
    first_paint(&platform).await?;
    live_latency(&platform).await?;
    widget_ready(&platform).await?;
    Ok(())
}

/// Raw and gzip bytes of `bytes`.
fn gzip_len(bytes: &[u8]) -> anyhow::Result<usize> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len())
}

/// The widget's loader (what the page's tag loads) and what it loads after
/// the page's `load` event.
fn widget_sizes() -> anyhow::Result<()> {
    println!("\n== cart widget, bytes");
    println!("   {:<34} {:>10} {:>10}", "file", "raw", "gzip -9");
    let loader = std::fs::read(kiosk_e2e::workspace().join("www/kiosk.js"))?;
    println!(
        "   {:<34} {:>10} {:>10}",
        "kiosk.js (the tag's loader)",
        loader.len(),
        gzip_len(&loader)?
    );
    let dir = creative_dir()?.join("widget");
    for name in ["widget.js", "widget_bg.wasm"] {
        let bytes = std::fs::read(dir.join(name))?;
        let label = format!("{name} (after page load)");
        println!(
            "   {:<34} {:>10} {:>10}",
            label,
            bytes.len(),
            gzip_len(&bytes)?
        );
    }
    Ok(())
}

/// From navigation to a working cart button (session known) on the demo
/// publisher page, over fresh browsers.
async fn widget_ready(platform: &Platform) -> anyhow::Result<()> {
    let mut readies = Vec::new();
    for _ in 0..PAINT_RUNS {
        let browser = Browser::start().await?;
        browser.client.goto(&platform.publisher_url()).await?;
        let pair = browser
            .eval_until(
                "const m = performance.getEntriesByName('kiosk:widget-ready')[0];
                 const load = performance.getEntriesByType('navigation')[0];
                 const tag = performance.getEntriesByType('resource')
                   .find(e => e.name.split('?')[0].endsWith('/kiosk.js'));
                 return m && tag ? [m.startTime, load.loadEventEnd, tag.startTime] : null;",
                POLL,
            )
            .await?;
        readies.push((
            pair[0].as_f64().unwrap_or(f64::NAN),
            pair[1].as_f64().unwrap_or(f64::NAN),
            pair[2].as_f64().unwrap_or(f64::NAN),
        ));
        browser.close().await?;
    }
    readies.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (ready, load, tag) = readies[readies.len() / 2];
    let mut from_tag: Vec<f64> = readies.iter().map(|r| r.0 - r.2).collect();
    from_tag.sort_by(f64::total_cmp);
    println!("\n== cart widget on the demo publisher page ({PAINT_RUNS} fresh browsers)");
    println!(
        "   navigation to a working cart button: median {ready:.1} ms \
         (the page's load event ended at {load:.1} ms; the widget loads after it)"
    );
    println!(
        "   script tag's request to a working cart button: median {:.1} ms \
         (the tag's request started at {tag:.1} ms in the median run)",
        quantile(&from_tag, 0.5)
    );
    Ok(())
}

/// Raw and gzip bytes of each file Trunk wrote.
fn sizes() -> anyhow::Result<()> {
    let dir = creative_dir()?;
    println!("\n== ad creative bundle ({}), bytes", dir.display());
    println!("   {:<34} {:>10} {:>10}", "file", "raw", "gzip -9");
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_file())
        .collect();
    files.sort_by_key(|entry| entry.file_name());
    let (mut raw_total, mut gzip_total) = (0usize, 0usize);
    for entry in files {
        let bytes = std::fs::read(entry.path())?;
        let gzip = gzip_len(&bytes)?;
        raw_total += bytes.len();
        gzip_total += gzip;
        println!(
            "   {:<34} {:>10} {:>10}",
            entry.file_name().to_string_lossy(),
            bytes.len(),
            gzip
        );
    }
    println!(
        "   {:<34} {:>10} {:>10}",
        "whole bundle", raw_total, gzip_total
    );
    println!(
        "   gzip total / budget (100 KB): {:.2} (nothing is loaded lazily: the whole \
         bundle loads before the first paint; the browser's count is below)",
        gzip_total as f64 / SIZE_BUDGET_BYTES
    );
    Ok(())
}

/// Time from navigation to the ad's `kiosk:products-painted` mark, and the
/// platform API requests made before it, over fresh browser sessions: once
/// cold (nothing cached), once warm (the same browser loads the creative
/// again, as a shopper's second page with the ad does, its files and
/// compiled wasm in the browser's caches).
async fn first_paint(platform: &Platform) -> anyhow::Result<()> {
    let url = format!(
        "http://127.0.0.1:{}/ad/?placement=pl_sidebar&locale=en-US",
        platform.addr.port()
    );
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for _ in 0..PAINT_RUNS {
        let browser = Browser::start().await?;
        cold.push(paint_figures(&browser, &url).await?);
        warm.push(paint_figures(&browser, &url).await?);
        browser.close().await?;
    }
    println!("\n== ad creative in headless Chrome, loopback ({PAINT_RUNS} fresh browsers)");
    for (label, runs) in [("cold", &mut cold), ("warm", &mut warm)] {
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let paints: Vec<f64> = runs.iter().map(|run| run.0).collect();
        let requests: Vec<u64> = runs.iter().map(|run| run.1).collect();
        let mut bytes: Vec<f64> = runs.iter().map(|run| run.3).collect();
        bytes.sort_by(f64::total_cmp);
        let mut from_boot: Vec<f64> = runs.iter().map(|run| run.4).collect();
        from_boot.sort_by(f64::total_cmp);
        println!(
            "   {label}: navigation to first product paint: median {:.1} ms (min {:.1}, max {:.1})",
            quantile(&paints, 0.5),
            paints[0],
            paints[paints.len() - 1]
        );
        println!("   {label}: platform API requests before first paint: {requests:?} (budget: 1)");
        println!(
            "   {label}: creative boot (its code starts, mark kiosk:boot) to first product \
             paint: median {:.1} ms",
            quantile(&from_boot, 0.5)
        );
        println!(
            "   {label}: bytes transferred before first paint (html, js, wasm, boot answer: \
             compressed bodies and headers; nothing for what came from the cache): median {:.0}",
            quantile(&bytes, 0.5)
        );
        let (paint, detail) = (&runs[runs.len() / 2].0, &runs[runs.len() / 2].2);
        println!("   {label}: median run, ms since navigation: {detail}, painted {paint:.0}");
    }
    println!(
        "   (js, wasm, boot_request: [start, end]; code_started: the wasm is instantiated; \
         answer_read: the boot answer is parsed)"
    );
    println!("   budget: boot to products on screen under 150 ms");
    Ok(())
}

/// Loads the creative at `url` and reads the time of its first product
/// paint, the API requests before it, and where the time went.
async fn paint_figures(
    browser: &Browser,
    url: &str,
) -> anyhow::Result<(f64, u64, String, f64, f64)> {
    browser.client.goto(url).await?;
    let answer = browser
        .eval_until(
            "const m = performance.getEntriesByName('kiosk:products-painted')[0];
             if (!m) return null;
             const api = performance.getEntriesByType('resource')
               .filter(e => e.name.includes('/v1/') && !e.name.includes('/v1/live')
                            && e.startTime < m.startTime).length;
             const at = (f) => { const e = performance.getEntriesByType('resource').find(f);
                                 return e ? [Math.round(e.startTime), Math.round(e.responseEnd),
                                             e.transferSize] : null; };
             const mark = (name) => { const e = performance.getEntriesByName(name)[0];
                                      return e ? Math.round(e.startTime) : null; };
             const nav = performance.getEntriesByType('navigation')[0];
             const bytes = [nav, ...performance.getEntriesByType('resource')]
               .filter(e => e.responseEnd <= m.startTime)
               .reduce((sum, e) => sum + e.transferSize, 0);
             const boot = performance.getEntriesByName('kiosk:boot')[0];
             return [m.startTime, api, {
               html_done: Math.round(nav.responseEnd),
               js: at(e => e.name.endsWith('.js')),
               wasm: at(e => e.name.endsWith('.wasm')),
               code_started: mark('kiosk:boot'),
               boot_request: at(e => e.name.includes('/v1/placements/')),
               answer_read: mark('kiosk:boot-answer'),
             }, bytes, boot ? m.startTime - boot.startTime : null];",
            POLL,
        )
        .await?;
    Ok((
        answer[0].as_f64().unwrap_or(f64::NAN),
        answer[1].as_u64().unwrap_or(0),
        answer[2].to_string(),
        answer[3].as_f64().unwrap_or(f64::NAN),
        answer[4].as_f64().unwrap_or(f64::NAN),
    ))
}

/// From a price change through the API to the new price in an open ad's
/// DOM, measured on the machine's one wall clock.
async fn live_latency(platform: &Platform) -> anyhow::Result<()> {
    let url = format!(
        "http://127.0.0.1:{}/ad/?placement=pl_sidebar&locale=en-US",
        platform.addr.port()
    );
    let browser = Browser::start().await?;
    browser.client.goto(&url).await?;
    browser
        .client
        .wait()
        .for_element(Locator::Css("[data-live=connected]"))
        .await?;
    browser
        .eval(
            "window.__priceSeen = [];
             new MutationObserver(() => {
               window.__priceSeen.push([performance.timeOrigin + performance.now(),
                 document.querySelector('.kiosk-product .kiosk-price').textContent]);
             }).observe(document.querySelector('.kiosk-ad'),
               { subtree: true, childList: true, characterData: true });
             return true;",
        )
        .await?;

    let mut latencies = Vec::new();
    for run in 0..LIVE_RUNS {
        let price = 10_000 + run as i64 * 100;
        let shown = format!("€{}.00", price / 100);
        let sent = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs_f64() * 1000.0;
        platform.set_price("prd_trail-runner", price).await?;
        let find = format!(
            "const hit = window.__priceSeen.find(e => e[1] === {shown:?});
             return hit ? hit[0] : null;"
        );
        let seen = browser
            .eval_until(&find, Duration::from_millis(5))
            .await?
            .as_f64()
            .unwrap_or(f64::NAN);
        latencies.push(seen - sent);
    }
    latencies.sort_by(f64::total_cmp);
    println!(
        "\n== live price change to visible ad ({LIVE_RUNS} changes through PATCH /v1/products)"
    );
    println!(
        "   p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (budget: p99 under 100 ms)",
        quantile(&latencies, 0.5),
        quantile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );
    browser.close().await?;
    Ok(())
}
