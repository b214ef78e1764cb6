//! Numbers, rates, prices and times as the merchant reads them, and the
//! one thing the merchant types that is not a plain integer: a price.

use kiosk_wire::Money;
use wasm_bindgen::JsValue;

/// The browser's language, for prices and times.
pub fn locale() -> String {
    kiosk::browser::language()
}

/// `money` in the merchant's locale (`Intl.NumberFormat`).
pub fn price(money: &Money) -> String {
    kiosk::format::price(money, &locale())
}

/// `part` of `whole` as a percentage with one decimal, or a dash when there
/// is no whole.
pub fn rate(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "–".to_string();
    }
    format!("{:.1} %", part as f64 * 100.0 / whole as f64)
}

/// A fraction (`0.25`) as a percentage.
pub fn percent(fraction: f64) -> String {
    format!("{:.1} %", fraction * 100.0)
}

/// A time of day in the merchant's locale.
pub fn time(ms: i64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    String::from(date.to_locale_time_string(&locale()))
}

/// A date and time in the merchant's locale.
pub fn date_time(ms: i64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    String::from(date.to_locale_string(&locale(), &JsValue::UNDEFINED))
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    kiosk::browser::now_ms() as i64
}

/// The price the merchant typed (`12`, `12.5`, `12,50`) in minor units of
/// a currency with `digits` minor digits; `None` unless it is a plain
/// non-negative amount with at most that many decimals. Parsed as text,
/// never through floating point.
pub fn parse_price(typed: &str, digits: u32) -> Option<i64> {
    let typed = typed.trim().replace(',', ".");
    let (whole, fraction) = match typed.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (typed.as_str(), ""),
    };
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty()
        || !all_digits(whole)
        || !all_digits(fraction)
        || fraction.len() > digits as usize
        || whole.len() > 12
    {
        return None;
    }
    let scale = 10i64.pow(digits);
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut padded = fraction.to_string();
    while padded.len() < digits as usize {
        padded.push('0');
    }
    let fraction: i64 = if padded.is_empty() {
        0
    } else {
        padded.parse().ok()?
    };
    whole.checked_mul(scale)?.checked_add(fraction)
}

/// `minor` units of `like`'s currency as the merchant would type them
/// (`12.50`), for a price field's starting value.
pub fn typed_price(minor: i64, like: &Money) -> String {
    let digits = like.minor_digits();
    if digits == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(digits);
    format!(
        "{}.{:0width$}",
        minor / scale,
        minor % scale,
        width = digits as usize
    )
}
