//! Host adapters: one interface over the places ad servers put creatives.
//!
//! - **MRAID** (in-app webviews): `window.mraid`; wait for `ready`, exits
//!   through `mraid.open`, viewability from `mraid.isViewable()`.
//! - **SafeFrame** (publisher-controlled frames): `$sf.ext`; the ad
//!   registers its size, asks to `expand`/`collapse`, and reads
//!   `inViewPercentage()`.
//! - **Plain iframe**: exits through `window.open`, viewability from an
//!   `IntersectionObserver`, which works in cross-origin frames.
//!
//! Expanding is a request a host may refuse; the ad never depends on it and
//! shows checkout as an overlay inside its own frame either way.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::browser::{self, call_method, global};
use crate::tracking::Viewability;

/// How often the ad re-checks viewability while it waits, in milliseconds.
const VIEWABILITY_POLL_MS: i32 = 200;
/// How far a SafeFrame ad asks to grow for checkout, in pixels.
const EXPAND_BY_PX: i32 = 300;

/// Which kind of host the creative runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostKind {
    Mraid,
    SafeFrame,
    Plain,
}

/// The creative's host, detected once at boot.
#[derive(Clone, Debug)]
pub struct Host {
    kind: HostKind,
    /// `window.mraid` or `$sf.ext`, whichever was found.
    api: JsValue,
}

impl Host {
    /// Detects MRAID, then SafeFrame, else a plain frame.
    pub fn detect() -> Host {
        if let Some(mraid) = global("mraid") {
            return Host {
                kind: HostKind::Mraid,
                api: mraid,
            };
        }
        let sf_ext = global("$sf").and_then(|sf| Reflect::get(&sf, &"ext".into()).ok());
        match sf_ext.filter(|ext| ext.is_object()) {
            Some(ext) => Host {
                kind: HostKind::SafeFrame,
                api: ext,
            },
            None => Host {
                kind: HostKind::Plain,
                api: JsValue::UNDEFINED,
            },
        }
    }

    pub fn kind(&self) -> HostKind {
        self.kind
    }

    /// Waits until the host lets the ad start: MRAID's `ready`; SafeFrame's
    /// `register` of the frame's size. Plain frames are ready at once.
    pub async fn ready(&self) {
        match self.kind {
            HostKind::Mraid => {
                let state = call_method(&self.api, "getState", &[]).and_then(|s| s.as_string());
                if state.as_deref() == Some("loading") {
                    let api = self.api.clone();
                    let ready = js_sys::Promise::new(&mut |resolve, _| {
                        call_method(&api, "addEventListener", &["ready".into(), resolve.into()]);
                    });
                    let _ = wasm_bindgen_futures::JsFuture::from(ready).await;
                }
            }
            HostKind::SafeFrame => {
                let (width, height) = frame_size();
                call_method(&self.api, "register", &[width.into(), height.into()]);
            }
            HostKind::Plain => {}
        }
    }

    /// Opens `url` (already carrying the ad server's click prefix) outside
    /// the ad.
    pub fn open(&self, url: &str) {
        if self.kind == HostKind::Mraid && call_method(&self.api, "open", &[url.into()]).is_some() {
            return;
        }
        if let Some(window) = web_sys::window() {
            let _ = window.open_with_url_and_target(url, "_blank");
        }
    }

    /// Asks the host for more room (for checkout). Returns whether the host
    /// took the request; a refusal is normal and the ad stays in its frame.
    pub fn expand(&self) -> bool {
        match self.kind {
            HostKind::Mraid => call_method(&self.api, "expand", &[]).is_some(),
            HostKind::SafeFrame => {
                let delta = Object::new();
                for (side, px) in [("t", 0), ("l", 0), ("r", 0), ("b", EXPAND_BY_PX)] {
                    let _ = Reflect::set(&delta, &side.into(), &px.into());
                }
                let _ = Reflect::set(&delta, &"push".into(), &false.into());
                call_method(&self.api, "expand", &[delta.into()]).is_some()
            }
            HostKind::Plain => false,
        }
    }

    /// Gives back the room `expand` asked for.
    pub fn collapse(&self) {
        match self.kind {
            HostKind::Mraid => {
                call_method(&self.api, "close", &[]);
            }
            HostKind::SafeFrame => {
                call_method(&self.api, "collapse", &[]);
            }
            HostKind::Plain => {}
        }
    }

    /// Calls `on_viewable` once, when `element` has met the MRC rule.
    pub fn watch_viewability(
        &self,
        element: &web_sys::Element,
        on_viewable: impl FnOnce() + 'static,
    ) {
        let fraction = Rc::new(Cell::new(0.0));
        match self.kind {
            HostKind::Plain => observe_intersection(element, fraction.clone()),
            HostKind::SafeFrame | HostKind::Mraid => {}
        }
        let host = self.clone();
        leptos::task::spawn_local(async move {
            let mut rule = Viewability::new();
            loop {
                let now = host.in_view_fraction().unwrap_or_else(|| fraction.get());
                if rule.observe(browser::now_ms(), now) {
                    on_viewable();
                    return;
                }
                browser::sleep(VIEWABILITY_POLL_MS).await;
            }
        });
    }

    /// The share of the ad in view as the host reports it, where it does.
    fn in_view_fraction(&self) -> Option<f64> {
        match self.kind {
            HostKind::SafeFrame => call_method(&self.api, "inViewPercentage", &[])?
                .as_f64()
                .map(|pct| pct / 100.0),
            HostKind::Mraid => {
                let viewable = call_method(&self.api, "isViewable", &[])?.as_bool()?;
                Some(if viewable { 1.0 } else { 0.0 })
            }
            HostKind::Plain => None,
        }
    }
}

/// Keeps `fraction` equal to the share of `element` inside the top-level
/// viewport, as an `IntersectionObserver` reports it.
fn observe_intersection(element: &web_sys::Element, fraction: Rc<Cell<f64>>) {
    let callback = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
        if let Some(entry) = entries.iter().last() {
            let entry: web_sys::IntersectionObserverEntry = entry.unchecked_into();
            fraction.set(entry.intersection_ratio());
        }
    });
    let options = web_sys::IntersectionObserverInit::new();
    let thresholds: js_sys::Array = [0.0, 0.25, 0.5, 0.75, 1.0]
        .iter()
        .map(|t| JsValue::from(*t))
        .collect();
    options.set_threshold(&thresholds);
    if let Ok(observer) =
        web_sys::IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &options)
    {
        observer.observe(element);
    }
    // The observer watches the ad for the page's lifetime.
    callback.forget();
}

/// The frame's inner size in CSS pixels.
fn frame_size() -> (f64, f64) {
    let window = web_sys::window();
    let read =
        |v: Option<Result<JsValue, JsValue>>| v.and_then(|r| r.ok()).and_then(|v| v.as_f64());
    (
        read(window.as_ref().map(|w| w.inner_width())).unwrap_or(300.0),
        read(window.as_ref().map(|w| w.inner_height())).unwrap_or(250.0),
    )
}
