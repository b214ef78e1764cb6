//! The creative's configuration, read from the URL the ad server loaded it
//! with: the query string, then the fragment (ad servers that cannot add
//! query parameters append `#key=value&...`; a fragment value wins). A
//! packaged creative (`kiosk-export`) carries its defaults in
//! `<meta name="kiosk-config" content="key=value&...">`, which the URL
//! overrides.
//!
//! | parameter | meaning |
//! | --- | --- |
//! | `platform` | base URL of the Kiosk platform (default: the creative's origin) |
//! | `placement` | the placement this ad fills (default `pl_sidebar`) |
//! | `key` | the merchant's publishable key, allowing the page's origin |
//! | `merchant` | the merchant's public id (`m_...`): lets the ad share the session of the page's cart widget of the same merchant (see `bridge`) |
//! | `campaign`, `creative` | ids echoed into every event |
//! | `click` | the ad server's click-through prefix (`%%CLICK_URL_UNESC%%`), put before every exit URL |
//! | `clickTag` | an HTML5 ad server's complete click URL (also read from a global `clickTag`); when set, every exit opens it |
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
    /// The merchant's publishable key (empty when the platform serves the
    /// creative itself).
    pub key: String,
    /// The merchant's public id (`m_...`), which the session bridge
    /// matches against the page's cart widget; `None`: no bridge.
    pub merchant: Option<String>,
    pub campaign: Option<String>,
    pub creative: Option<String>,
    /// The ad server's click-tracking prefix, applied to every exit.
    pub click_prefix: String,
    /// An HTML5 ad server's full click URL (`clickTag`), which already
    /// leads to the landing page the ad server was given.
    pub click_tag: Option<String>,
    /// The merchant's landing page, for the fallback and exits.
    pub landing: Option<String>,
    /// Image the fallback shows.
    pub fallback_image: Option<String>,
    /// BCP 47 locale for prices and text.
    pub locale: String,
    /// The cart widget's only: the origins whose frames may join its
    /// session over the bridge (`data-ad-origins`, space-separated, as
    /// `MessageEvent.origin` names them: `https://ads.example`, or `null`
    /// for a frame sandboxed without `allow-same-origin`). Empty: any frame
    /// that names the widget's merchant.
    pub ad_origins: Vec<String>,
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
        AdConfig::from_sources(
            &[fragment.trim_start_matches('#'), query],
            origin,
            browser_locale,
        )
    }

    /// Reads the configuration from parameter strings in order of
    /// precedence (the first that has a value wins).
    fn from_sources(sources: &[&str], origin: &str, browser_locale: &str) -> AdConfig {
        let sources: Vec<_> = sources
            .iter()
            .filter_map(|source| web_sys::UrlSearchParams::new_with_str(source).ok())
            .collect();
        let param = |name: &str| {
            sources
                .iter()
                .filter_map(|params| params.get(name))
                .map(|value| value.trim().to_string())
                .find(|value| !value.is_empty())
        };
        AdConfig {
            platform: param("platform")
                .unwrap_or_else(|| origin.to_string())
                .trim_end_matches('/')
                .to_string(),
            placement: param("placement").unwrap_or_else(|| DEFAULT_PLACEMENT.to_string()),
            key: param("key").unwrap_or_default(),
            merchant: param("merchant"),
            campaign: param("campaign"),
            creative: param("creative"),
            click_prefix: param("click").unwrap_or_default(),
            click_tag: param("clickTag").or_else(|| param("clickTAG")),
            landing: param("landing"),
            fallback_image: param("fallback"),
            locale: param("locale").unwrap_or_else(|| browser_locale.to_string()),
            // Only the widget answers the bridge, so only it lists origins.
            ad_origins: Vec::new(),
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
        let locale = crate::browser::language();
        let packaged = window
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector("meta[name=kiosk-config]").ok().flatten())
            .and_then(|meta| meta.get_attribute("content"))
            .unwrap_or_default();
        let hash = read(web_sys::Location::hash);
        let mut config = AdConfig::from_sources(
            &[
                hash.trim_start_matches('#'),
                &read(web_sys::Location::search),
                &packaged,
            ],
            &read(web_sys::Location::origin),
            &locale,
        );
        // HTML5 ad servers also hand the click URL over as a global.
        if config.click_tag.is_none() {
            config.click_tag = ["clickTag", "clickTAG"]
                .into_iter()
                .find_map(|name| crate::browser::global(name)?.as_string())
                .filter(|url| !url.is_empty());
        }
        config
    }

    /// Turns a platform-relative URL (`/media/...`) into an absolute one.
    pub fn resolve(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{}", self.platform, url)
        } else {
            url.to_string()
        }
    }

    /// The URL an exit to `destination` opens: the ad server's `clickTag`
    /// if it gave one, else its click prefix (which counts the click and
    /// redirects) followed by the destination.
    pub fn exit_url(&self, destination: &str) -> String {
        match &self.click_tag {
            Some(click_tag) => click_tag.clone(),
            None => format!("{}{}", self.click_prefix, destination),
        }
    }

    /// Whether the ad has somewhere to send a click.
    pub fn has_exit(&self) -> bool {
        self.landing.is_some() || self.click_tag.is_some()
    }
}
