//! The creative's configuration, read from the URL the ad server loaded it
//! with (`?platform=...&placement=...&locale=...`).
//!
//! Ad servers pass settings in the creative's URL, so that is the only
//! source: no global variables, no second request.

/// What one ad needs to know before it can ask for products.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdConfig {
    /// Base URL of the platform, without a trailing slash.
    pub platform: String,
    /// The placement this ad fills.
    pub placement: String,
    /// BCP 47 locale for prices and text.
    pub locale: String,
}

/// The placement an ad fills when its URL names none.
pub const DEFAULT_PLACEMENT: &str = "pl_sidebar";

impl AdConfig {
    /// Reads the configuration from a query string (with or without the
    /// leading `?`). `origin` is the creative's own origin, used when no
    /// platform is given; `browser_locale` when no locale is.
    pub fn from_query(query: &str, origin: &str, browser_locale: &str) -> AdConfig {
        let params = web_sys::UrlSearchParams::new_with_str(query).ok();
        let param = |name: &str| {
            params
                .as_ref()
                .and_then(|p| p.get(name))
                .filter(|value| !value.trim().is_empty())
        };
        AdConfig {
            platform: param("platform")
                .unwrap_or_else(|| origin.to_string())
                .trim_end_matches('/')
                .to_string(),
            placement: param("placement").unwrap_or_else(|| DEFAULT_PLACEMENT.to_string()),
            locale: param("locale").unwrap_or_else(|| browser_locale.to_string()),
        }
    }

    /// Reads the configuration of the running creative from its location.
    pub fn from_window() -> AdConfig {
        let window = web_sys::window();
        let location = window.as_ref().map(|w| w.location());
        let query = location
            .as_ref()
            .and_then(|l| l.search().ok())
            .unwrap_or_default();
        let origin = location
            .as_ref()
            .and_then(|l| l.origin().ok())
            .unwrap_or_default();
        let locale = window
            .and_then(|w| w.navigator().language())
            .unwrap_or_else(|| "en-US".into());
        AdConfig::from_query(&query, &origin, &locale)
    }

    /// Turns a platform-relative URL (`/media/...`) into an absolute one.
    pub fn resolve(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{}", self.platform, url)
        } else {
            url.to_string()
        }
    }
}
