//! Small, failure-proof wrappers over browser APIs the ad needs: timers,
//! random ids, the clock and the frame's own storage.
//!
//! An ad runs in frames that may forbid storage or lack APIs; every helper
//! here degrades to a harmless answer instead of throwing into the host page.

use std::future::Future;

use futures::future::{select, Either};
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// `future`'s output, or `None` if it takes longer than `ms`.
pub async fn with_timeout<T>(ms: i32, future: impl Future<Output = T>) -> Option<T> {
    match select(Box::pin(future), Box::pin(sleep(ms))).await {
        Either::Left((value, _)) => Some(value),
        Either::Right(_) => None,
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A random id (`crypto.randomUUID`, else `Math.random`), for idempotency
/// keys and client event ids.
pub fn random_id() -> String {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).ok();
    let uuid = crypto.and_then(|crypto| {
        let f: Function = Reflect::get(&crypto, &"randomUUID".into())
            .ok()?
            .dyn_into()
            .ok()?;
        f.call0(&crypto).ok()?.as_string()
    });
    uuid.unwrap_or_else(|| {
        let a = (js_sys::Math::random() * 1e16) as u64;
        let b = (js_sys::Math::random() * 1e16) as u64;
        format!("{a:x}-{b:x}")
    })
}

/// The browser's preferred language (BCP 47), `en-US` where it has none.
pub fn language() -> String {
    web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_else(|| "en-US".into())
}

/// Reads `key` from the frame's local storage; `None` where storage is
/// forbidden (sandboxed or opaque-origin frames) or empty.
pub fn stored(key: &str) -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage.get_item(key).ok()?
}

/// Writes `key` to the frame's local storage where allowed; silently does
/// nothing elsewhere.
pub fn store(key: &str, value: &str) {
    if let Some(Ok(Some(storage))) = web_sys::window().map(|w| w.local_storage()) {
        let _ = storage.set_item(key, value);
    }
}

/// Calls `object[method](args...)` if it exists; `None` if it is missing or
/// throws.
pub fn call_method(object: &JsValue, method: &str, args: &[JsValue]) -> Option<JsValue> {
    let f: Function = Reflect::get(object, &method.into()).ok()?.dyn_into().ok()?;
    let args: js_sys::Array = args.iter().collect();
    f.apply(object, &args).ok()
}

/// `window[name]`, if it is defined and not null.
pub fn global(name: &str) -> Option<JsValue> {
    Reflect::get(&js_sys::global(), &name.into())
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null())
}

/// Resolves at the browser's next animation frame: after the DOM changes
/// made so far are laid out for painting.
pub async fn next_frame() {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(window) = global("window") {
            call_method(&window, "requestAnimationFrame", &[resolve.into()]);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Records a User Timing mark (`performance.mark`), which benchmarks and
/// browser tools read.
pub fn mark(name: &str) {
    if let Some(performance) = global("performance") {
        call_method(&performance, "mark", &[name.into()]);
    }
}
