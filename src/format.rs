//! Text the shopper reads: prices in their locale and currency, stock.
//!
//! Prices are formatted by the browser's `Intl.NumberFormat`, which knows
//! every locale's symbols, separators and symbol placement; shipping that
//! knowledge in the wasm would cost bytes and be worse.

use js_sys::{Array, Function, Object, Reflect};
use kiosk_wire::Money;
use wasm_bindgen::{JsCast, JsValue};

/// Formats `money` for `locale` (e.g. `de-DE` gives `19,99 €`). An unknown
/// or malformed locale falls back to `en-US`; if `Intl` itself fails, to
/// `EUR 19.99`. Never panics on input from a URL.
pub fn price(money: &Money, locale: &str) -> String {
    intl_format(money, locale)
        .or_else(|| intl_format(money, "en-US"))
        .unwrap_or_else(|| plain(money))
}

/// The stock line under a product.
pub fn stock(units: i64) -> String {
    match units {
        i64::MIN..=0 => "Sold out".to_string(),
        1..=5 => format!("Only {units} left"),
        _ => "In stock".to_string(),
    }
}

fn intl_format(money: &Money, locale: &str) -> Option<String> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor: Function = Reflect::get(&intl, &"NumberFormat".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let options = Object::new();
    Reflect::set(&options, &"style".into(), &"currency".into()).ok()?;
    Reflect::set(
        &options,
        &"currency".into(),
        &money.currency.as_str().into(),
    )
    .ok()?;
    let args = Array::of2(&JsValue::from_str(locale), &options);

    // `construct` reports the RangeError of a bad locale or currency as Err.
    let formatter = Reflect::construct(&constructor, &args).ok()?;
    let format: Function = Reflect::get(&formatter, &"format".into())
        .ok()?
        .dyn_into()
        .ok()?;
    format
        .call1(&formatter, &money.as_major().into())
        .ok()?
        .as_string()
}

fn plain(money: &Money) -> String {
    let digits = money.minor_digits();
    if digits == 0 {
        return format!("{} {}", money.currency, money.amount_minor);
    }
    let scale = 10i64.pow(digits);
    let sign = if money.amount_minor < 0 { "-" } else { "" };
    let minor = money.amount_minor.abs();
    format!(
        "{} {sign}{}.{:0width$}",
        money.currency,
        minor / scale,
        minor % scale,
        width = digits as usize
    )
}
