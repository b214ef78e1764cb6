//! The creative's configuration, read from the URL the ad server loaded it
//! with: the query string, then the fragment (ad servers that cannot add
//! query parameters append `#key=value&...`; a fragment value wins).
//!
//! | parameter | meaning |
//! | --- | --- |
//! | `platform` | base URL of the Kiosk platform (default: the creative's origin) |
//! | `placement` | the placement this ad fills (default `pl_sidebar`) |
//! | `campaign`, `creative` | ids echoed into every event |
//! | `click` | the ad server's click-through prefix (`%%CLICK_URL_UNESC%%`), put before every exit URL |
//! | `landing` | where the fallback and the merchant link go |
//! | `fallback` | image shown when the platform cannot answer |
//! | `locale` | BCP 47 locale for prices (default: the browser's) |
//! | `cb` | cache-buster; read by nobody, allowed so ad servers can add it |

/// What one ad needs to know before it can ask for products.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdConfig {
    /// Base URL of the platform, without a trailing slash.
    pub platform: String,
    /// The placement this ad fills.
    pub placement: String,
    pub campaign: Option<String>,
    pub creative: Option<String>,
    /// The ad server's click-tracking prefix, applied to every exit.
    pub click_prefix: String,
    /// The merchant's landing page, for the fallback and exits.
    pub landing: Option<String>,
    /// Image the fallback shows.
    pub fallback_image: Option<String>,
    /// BCP 47 locale for prices and text.
    pub locale: String,
}

/// The placement an ad fills when its URL names none.
pub const DEFAULT_PLACEMENT: &str = "pl_sidebar";

impl AdConfig {
    /// Reads the configuration from a query string and a fragment (each
    /// with or without its leading `?`/`#`). `origin` is the creative's own
    /// origin, used when no platform is given; `browser_locale` when no
    /// locale is.
    pub fn from_url_parts(
        query: &str,
        fragment: &str,
        origin: &str,
        browser_locale: &str,
    ) -> AdConfig {
        let query = web_sys::UrlSearchParams::new_with_str(query).ok();
        let fragment =
            web_sys::UrlSearchParams::new_with_str(fragment.trim_start_matches('#')).ok();
        let param = |name: &str| {
            [&fragment, &query]
                .into_iter()
                .flatten()
                .find_map(|params| params.get(name))
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
        };
        AdConfig {
            platform: param("platform")
                .unwrap_or_else(|| origin.to_string())
                .trim_end_matches('/')
                .to_string(),
            placement: param("placement").unwrap_or_else(|| DEFAULT_PLACEMENT.to_string()),
            campaign: param("campaign"),
            creative: param("creative"),
            click_prefix: param("click").unwrap_or_default(),
            landing: param("landing"),
            fallback_image: param("fallback"),
            locale: param("locale").unwrap_or_else(|| browser_locale.to_string()),
        }
    }

    /// Reads the configuration of the running creative from its location.
    pub fn from_window() -> AdConfig {
        let window = web_sys::window();
        let location = window.as_ref().map(|w| w.location());
        let read = |f: fn(&web_sys::Location) -> Result<String, wasm_bindgen::JsValue>| {
            location
                .as_ref()
                .and_then(|l| f(l).ok())
                .unwrap_or_default()
        };
        let locale = window
            .and_then(|w| w.navigator().language())
            .unwrap_or_else(|| "en-US".into());
        AdConfig::from_url_parts(
            &read(web_sys::Location::search),
            &read(web_sys::Location::hash),
            &read(web_sys::Location::origin),
            &locale,
        )
    }

    /// Turns a platform-relative URL (`/media/...`) into an absolute one.
    pub fn resolve(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{}", self.platform, url)
        } else {
            url.to_string()
        }
    }

    /// The URL an exit to `destination` opens: the ad server's click prefix
    /// (which counts the click and redirects) followed by the destination.
    pub fn exit_url(&self, destination: &str) -> String {
        format!("{}{}", self.click_prefix, destination)
    }
}
