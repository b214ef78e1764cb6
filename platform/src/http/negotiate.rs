//! Content negotiation: JSON by default, XML for clients that ask for it.
//!
//! Ad networks integrate server to server and some speak only XML. Rather
//! than give every handler two shapes, one middleware turns a JSON answer
//! into XML with the same fields when the request's `Accept` prefers
//! `application/xml` (or `text/xml`) over JSON. Objects become elements
//! named after their fields, arrays repeat an `<item>` element, `null`
//! becomes an empty element; successful answers are wrapped in
//! `<response>`, errors in `<error>` (with the usual `code` and `message`).
//! Request bodies stay JSON; streams (SSE) and other types pass untouched.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

/// The largest JSON answer converted; larger ones (none today) stay JSON.
const MAX_CONVERTED: usize = 8 << 20;

/// Turns JSON answers into XML for requests that prefer XML.
pub async fn xml_when_asked(request: Request, next: Next) -> Response {
    let wants_xml = prefers_xml(request.headers());
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .append(VARY, HeaderValue::from_static("accept"));
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !wants_xml || !is_json {
        return response;
    }

    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_CONVERTED).await else {
        parts.headers.remove(CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let root = if parts.status.is_success() {
        "response"
    } else {
        "error"
    };
    let xml = to_xml(root, &value);
    parts.headers.remove(CONTENT_LENGTH);
    parts.headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    Response::from_parts(parts, Body::from(xml))
}

/// Whether `Accept` ranks XML above JSON. Without `Accept`, or on a tie,
/// JSON wins.
pub fn prefers_xml(headers: &HeaderMap) -> bool {
    let mut json = 0.0f32;
    let mut xml = 0.0f32;
    for value in headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
    {
        for range in value.split(',') {
            let mut params = range.split(';');
            let media = params.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = params
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            match media.as_str() {
                "application/json" => json = json.max(quality),
                "application/xml" | "text/xml" => xml = xml.max(quality),
                _ => {}
            }
        }
    }
    xml > json
}

/// A JSON value as an XML document whose root element is `root`.
pub fn to_xml(root: &str, value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    element(&mut out, root, value);
    out
}

fn element(out: &mut String, name: &str, value: &Value) {
    // Field names are the platform's own snake_case identifiers; anything
    // else (a merchant-chosen key) is carried in an attribute instead.
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    let (open, close) = if valid {
        (format!("<{name}"), format!("</{name}>"))
    } else {
        (
            format!("<field name=\"{}\"", escape(name)),
            "</field>".to_string(),
        )
    };
    match value {
        Value::Null => {
            out.push_str(&open);
            out.push_str("/>");
        }
        Value::Bool(b) => {
            out.push_str(&format!("{open}>{b}{close}"));
        }
        Value::Number(n) => {
            out.push_str(&format!("{open}>{n}{close}"));
        }
        Value::String(s) => {
            out.push_str(&format!("{open}>{}{close}", escape(s)));
        }
        Value::Array(items) => {
            out.push_str(&open);
            out.push('>');
            for item in items {
                element(out, "item", item);
            }
            out.push_str(&close);
        }
        Value::Object(fields) => {
            out.push_str(&open);
            out.push('>');
            for (key, field) in fields {
                element(out, key, field);
            }
            out.push_str(&close);
        }
    }
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // XML 1.0 cannot carry other control characters at all.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Objects nest, arrays repeat `item`, nulls are empty, text is escaped.
    #[test]
    fn json_becomes_xml_with_the_same_fields() {
        let xml = to_xml(
            "response",
            &json!({ "id": "a<b", "n": 2, "tags": ["x", "y"], "none": null,
                     "price": { "amount_minor": 995, "currency": "EUR" } }),
        );
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><response>"));
        assert!(xml.ends_with("</response>"));
        for part in [
            "<id>a&lt;b</id>",
            "<n>2</n>",
            "<none/>",
            "<price><amount_minor>995</amount_minor><currency>EUR</currency></price>",
            "<tags><item>x</item><item>y</item></tags>",
        ] {
            assert!(xml.contains(part), "{part} missing in {xml}");
        }
    }

    /// XML wins only when `Accept` ranks it above JSON.
    #[test]
    fn accept_decides() {
        let accept = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT, HeaderValue::from_str(value).unwrap());
            prefers_xml(&headers)
        };
        assert!(accept("application/xml"));
        assert!(accept("text/xml, application/json;q=0.5"));
        assert!(!accept("application/json, application/xml"));
        assert!(!accept("*/*"));
        assert!(!prefers_xml(&HeaderMap::new()));
    }
}
