//! `kiosk-export`: writes an HTML5 zip per ad size and a third-party tag
//! for the built creative, and checks each zip against the ad server's
//! rules before saying it is done.

use std::path::PathBuf;

use clap::Parser;
use kiosk_export::{check_zip, third_party_tag, write_zip, AdSize, Settings};

#[derive(Parser)]
#[command(
    name = "kiosk-export",
    version,
    about = "Package the Kiosk creative for ad servers"
)]
struct Cli {
    /// Trunk's output for the creative.
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// Where the packages go.
    #[arg(long, default_value = "exports")]
    out: PathBuf,
    /// The platform the ad talks to.
    #[arg(long)]
    platform: String,
    /// The placement the ad fills.
    #[arg(long, default_value = "pl_sidebar")]
    placement: String,
    /// The merchant's publishable key (allowing the creative's host origin).
    #[arg(long, default_value = "")]
    key: String,
    /// The merchant's landing page (the clickTag's default).
    #[arg(long)]
    landing: String,
    /// Where the creative is hosted, for the third-party tag.
    #[arg(long)]
    creative_url: Option<String>,
    /// Ad sizes to package.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "300x250,300x600,728x90,320x50"
    )]
    sizes: Vec<AdSize>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings {
        platform: cli.platform.clone(),
        placement: cli.placement.clone(),
        key: cli.key.clone(),
        landing: cli.landing.clone(),
    };
    std::fs::create_dir_all(&cli.out)?;
    let creative_url = cli
        .creative_url
        .clone()
        .unwrap_or_else(|| format!("{}/ad/", cli.platform));
    let mut tags = String::new();
    for size in &cli.sizes {
        let zip = cli.out.join(format!("kiosk-{size}.zip"));
        write_zip(&cli.dist, *size, &settings, &zip)?;
        let report = check_zip(&zip)?;
        println!(
            "{}: {} bytes, {} files; ad.size, clickTag: ok",
            zip.display(),
            report.bytes,
            report.files
        );
        tags.push_str(&format!("<!-- {size} -->\n"));
        tags.push_str(&third_party_tag(&creative_url, *size, &settings));
    }
    let tag_path = cli.out.join("third-party-tags.html");
    std::fs::write(&tag_path, tags)?;
    println!("{}: one iframe tag per size", tag_path.display());
    Ok(())
}
