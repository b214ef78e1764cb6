//! Product images, drawn by the platform.
//!
//! The demo catalog ships no photographs; each product gets an SVG tile in a
//! colour derived from its id, with its title's initials. Real merchants
//! point `image_url` at their own CDN and never hit this module.

/// An SVG tile for a product: a stable colour per id and the title's
/// initials, escaped for XML.
pub fn product_tile(id: &str, title: &str) -> String {
    let hue = id
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32))
        % 360;
    let initials: String = title
        .split_whitespace()
        .filter_map(|word| word.chars().next())
        .filter(|c| c.is_alphanumeric())
        .take(2)
        .collect();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240"><rect width="240" height="240" fill="hsl({hue},55%,45%)"/><text x="120" y="140" font-family="sans-serif" font-size="72" text-anchor="middle" fill="#fff">{}</text></svg>"##,
        xml_escape(&initials)
    )
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
