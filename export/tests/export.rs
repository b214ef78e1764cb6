//! The export command's packages pass the ad server's rules, and a package
//! that breaks them is refused with a clear reason.

use std::io::Read;
use std::path::Path;

use kiosk_export::{check_zip, third_party_tag, write_zip, AdSize, Settings, MAX_FILES};

fn settings() -> Settings {
    Settings {
        platform: "https://platform.example".into(),
        placement: "pl_sidebar".into(),
        key: "pk_test".into(),
        landing: "https://shop.example/?utm=ad&x=\"1\"".into(),
    }
}

/// A stand-in for Trunk's output: an index with a head, a script, a wasm.
fn fake_dist(dir: &Path, extra_files: usize) {
    std::fs::write(
        dir.join("index.html"),
        "<!DOCTYPE html><html><head><title>ad</title></head><body></body></html>",
    )
    .unwrap();
    std::fs::write(dir.join("ad-1.js"), "export default function init() {}").unwrap();
    std::fs::write(dir.join("ad-1_bg.wasm"), [0u8, 97, 115, 109, 1, 0, 0, 0]).unwrap();
    for i in 0..extra_files {
        std::fs::write(dir.join(format!("extra-{i}.txt")), "x").unwrap();
    }
}

/// A 300x250 zip holds the creative's files, declares ad.size, a clickTag
/// (the landing page, escaped for JS) and Kiosk's settings, and passes.
#[test]
fn zip_declares_size_click_tag_and_settings() {
    let dist = tempfile::tempdir().unwrap();
    fake_dist(dist.path(), 0);
    let out = tempfile::tempdir().unwrap();
    let zip_path = out.path().join("ad.zip");
    let size: AdSize = "300x250".parse().unwrap();

    write_zip(dist.path(), size, &settings(), &zip_path).unwrap();
    let report = check_zip(&zip_path).unwrap();
    assert_eq!(report.files, 3);

    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut index = String::new();
    archive
        .by_name("index.html")
        .unwrap()
        .read_to_string(&mut index)
        .unwrap();
    assert!(
        index.contains(r#"<meta name="ad.size" content="width=300,height=250">"#),
        "{index}"
    );
    assert!(
        index.contains(r#"var clickTag = "https://shop.example/?utm=ad&x=\"1\"";"#),
        "{index}"
    );
    assert!(
        index.contains("platform=https%3A%2F%2Fplatform.example&amp;placement=pl_sidebar")
            && index.contains("&amp;key=pk_test"),
        "{index}"
    );
}

/// More files than ad servers accept is refused, naming the limit.
#[test]
fn too_many_files_are_refused() {
    let dist = tempfile::tempdir().unwrap();
    fake_dist(dist.path(), MAX_FILES);
    let out = tempfile::tempdir().unwrap();
    let zip_path = out.path().join("ad.zip");
    write_zip(
        dist.path(),
        "320x50".parse().unwrap(),
        &settings(),
        &zip_path,
    )
    .unwrap();
    let error = check_zip(&zip_path).unwrap_err().to_string();
    assert!(error.contains("at most 50"), "{error}");
}

/// A zip without the clickTag (not made by the exporter) is refused.
#[test]
fn zip_without_click_tag_is_refused() {
    let out = tempfile::tempdir().unwrap();
    let zip_path = out.path().join("plain.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    zip.start_file("index.html", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(
        &mut zip,
        br#"<html><head><meta name="ad.size" content="width=300,height=250"></head></html>"#,
    )
    .unwrap();
    zip.finish().unwrap();
    let error = check_zip(&zip_path).unwrap_err().to_string();
    assert!(error.contains("clickTag"), "{error}");
}

/// The third-party tag frames the hosted creative with the ad server's
/// macros and the usual sandbox.
#[test]
fn third_party_tag_carries_macros() {
    let tag = third_party_tag(
        "https://cdn.example/ad/",
        "728x90".parse().unwrap(),
        &settings(),
    );
    assert!(
        tag.starts_with("<iframe src=\"https://cdn.example/ad/?platform="),
        "{tag}"
    );
    assert!(
        tag.contains("click=%%CLICK_URL_ESC%%&amp;cb=%%CACHEBUSTER%%"),
        "{tag}"
    );
    // What the creative reads once the ad server filled the macro with an
    // escaped click URL: the whole URL, its own `&` and `=` included.
    let click = "https://adclick.example/pcs/click?xai=AKA&sig=Cg0&adurl=";
    let escaped: String = form_urlencoded::byte_serialize(click.as_bytes()).collect();
    let src = tag
        .split('"')
        .nth(1)
        .unwrap()
        .replace("&amp;", "&")
        .replace("%%CLICK_URL_ESC%%", &escaped)
        .replace("%%CACHEBUSTER%%", "804211");
    let query = src.split_once('?').unwrap().1;
    let read: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let value = |name: &str| {
        read.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(value("click"), Some(click));
    assert_eq!(value("cb"), Some("804211"));
    assert_eq!(value("placement"), Some(settings().placement.as_str()));
    assert!(tag.contains("width=\"728\" height=\"90\""), "{tag}");
    assert!(tag.contains("sandbox=\"allow-scripts"), "{tag}");
}

/// Sizes parse as WIDTHxHEIGHT; anything else is a clear error.
#[test]
fn sizes_parse_or_explain() {
    assert_eq!(
        "300x600".parse::<AdSize>().unwrap(),
        AdSize {
            width: 300,
            height: 600
        }
    );
    assert!("300"
        .parse::<AdSize>()
        .unwrap_err()
        .contains("WIDTHxHEIGHT"));
    assert!("0x50".parse::<AdSize>().is_err());
}
