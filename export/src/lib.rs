//! Packages the built creative (Trunk's `dist/`) for ad servers.
//!
//! - An **HTML5 zip** per ad size, following Google Ad Manager's HTML5
//!   rules: the main HTML declares `<meta name="ad.size">` and a global
//!   `clickTag` (the ad server swaps in its click URL), the zip holds at most
//!   [`MAX_FILES`] files and [`MAX_ZIP_BYTES`] bytes. The creative's
//!   platform, placement and landing page travel in
//!   `<meta name="kiosk-config">`, which the ad reads at boot.
//! - A **third-party tag**: an iframe snippet with the usual macros
//!   (`%%CLICK_URL_ESC%%`, `%%CACHEBUSTER%%`) for ad servers that take
//!   tags instead of zips. The click macro is the escaped one because it
//!   sits inside a query string: a click URL has `&` and `=` of its own.
//!
//! [`check_zip`] reads a written zip back and checks every rule, so the
//! command never hands out a package an ad server would reject.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// Google Ad Manager's limit on an HTML5 zip's size.
pub const MAX_ZIP_BYTES: u64 = 1000 * 1024;
/// Google Ad Manager's limit on the number of files in an HTML5 zip.
pub const MAX_FILES: usize = 50;

/// An ad size in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdSize {
    pub width: u32,
    pub height: u32,
}

impl std::str::FromStr for AdSize {
    type Err = String;

    fn from_str(text: &str) -> Result<AdSize, String> {
        let (w, h) = text
            .split_once('x')
            .ok_or_else(|| format!("{text:?} is not WIDTHxHEIGHT"))?;
        let parse = |n: &str| n.parse::<u32>().ok().filter(|n| *n > 0);
        match (parse(w), parse(h)) {
            (Some(width), Some(height)) => Ok(AdSize { width, height }),
            _ => Err(format!(
                "{text:?} is not WIDTHxHEIGHT with positive numbers"
            )),
        }
    }
}

impl fmt::Display for AdSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

/// What the packaged creative needs to know at boot.
#[derive(Clone, Debug)]
pub struct Settings {
    pub platform: String,
    pub placement: String,
    /// The merchant's publishable key, which must allow the origin the ad
    /// server serves the creative from; empty if the platform serves it.
    pub key: String,
    /// The merchant's landing page: `clickTag`'s default before the ad
    /// server replaces it.
    pub landing: String,
}

impl Settings {
    /// The settings as URL parameters.
    fn query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("platform", &self.platform)
            .append_pair("placement", &self.placement)
            .append_pair("landing", &self.landing);
        if !self.key.is_empty() {
            query.append_pair("key", &self.key);
        }
        query.finish()
    }
}

/// What [`check_zip`] found in a package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZipReport {
    pub bytes: u64,
    pub files: usize,
}

/// Writes the HTML5 zip for `size` from the creative in `dist` to `out`.
pub fn write_zip(dist: &Path, size: AdSize, settings: &Settings, out: &Path) -> anyhow::Result<()> {
    let index = std::fs::read_to_string(dist.join("index.html"))
        .with_context(|| format!("no built creative in {} (run `make build`)", dist.display()))?;
    let index = package_index(&index, size, settings)?;

    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("index.html", options)?;
    zip.write_all(index.as_bytes())?;
    for path in files(dist)? {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if name == "index.html" {
            continue;
        }
        zip.start_file(name, options)?;
        zip.write_all(&std::fs::read(&path)?)?;
    }
    zip.finish()?;
    Ok(())
}

/// The creative's `index.html` with the ad size, the click tag and Kiosk's
/// settings declared in its `<head>`.
pub fn package_index(index: &str, size: AdSize, settings: &Settings) -> anyhow::Result<String> {
    if !index.contains("<head>") {
        bail!("the creative's index.html has no <head>");
    }
    let config = settings.query();
    let head = format!(
        "<head>\n  <meta name=\"ad.size\" content=\"width={},height={}\">\n  \
         <meta name=\"kiosk-config\" content=\"{}\">\n  \
         <script>var clickTag = \"{}\";</script>",
        size.width,
        size.height,
        html_escape(&config),
        settings
            .landing
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('<', "\\u003c")
    );
    Ok(index.replacen("<head>", &head, 1))
}

/// Reads a zip back and checks Google Ad Manager's HTML5 rules: size, file
/// count, an `index.html` with `ad.size` and a `clickTag`.
pub fn check_zip(path: &Path) -> anyhow::Result<ZipReport> {
    let bytes = std::fs::metadata(path)?.len();
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path)?)?;
    let files = archive.len();
    if bytes > MAX_ZIP_BYTES {
        bail!(
            "{} is {bytes} bytes; ad servers take at most {MAX_ZIP_BYTES}",
            path.display()
        );
    }
    if files > MAX_FILES {
        bail!(
            "{} holds {files} files; ad servers take at most {MAX_FILES}",
            path.display()
        );
    }
    let mut index = String::new();
    archive
        .by_name("index.html")
        .context("the zip has no index.html at its root")?
        .read_to_string(&mut index)?;
    if !index.contains("<meta name=\"ad.size\" content=\"width=") {
        bail!("index.html declares no <meta name=\"ad.size\">");
    }
    if !index.contains("var clickTag") {
        bail!("index.html declares no clickTag");
    }
    Ok(ZipReport { bytes, files })
}

/// A third-party tag: an iframe that loads the creative hosted at
/// `creative_url` with the ad server's click and cache-buster macros.
pub fn third_party_tag(creative_url: &str, size: AdSize, settings: &Settings) -> String {
    let src = format!(
        "{}?{}&click=%%CLICK_URL_ESC%%&cb=%%CACHEBUSTER%%",
        creative_url,
        settings.query()
    );
    format!(
        "<iframe src=\"{}\" width=\"{}\" height=\"{}\" title=\"Advertisement\" \
         frameborder=\"0\" scrolling=\"no\" \
         sandbox=\"allow-scripts allow-same-origin allow-popups \
         allow-popups-to-escape-sandbox allow-forms\"></iframe>\n",
        html_escape(&src),
        size.width,
        size.height
    )
}

/// The files of the built creative, sorted by name.
fn files(dist: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        if path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
