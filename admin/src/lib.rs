//! Kiosk's admin page: what a merchant watches and changes, live.
//!
//! A Leptos app served by the platform at `/admin/`, built apart from the ad
//! (its own Trunk bundle) and sharing only the wire types and a few browser
//! helpers with it. Layout: [`api`] is the typed client (secret key as
//! bearer, never in a URL), [`live`] follows the merchant's feed and tells
//! the panels when to read again, [`text`] turns numbers and times into
//! words, [`charts`] draws the SVG plots, and [`panels`] holds the login and
//! the dashboard's panels (overview, feed, catalog, price rules, orders).
//!
//! Every figure shown comes from the platform: the page reads funnels,
//! series, products and orders again (at most once a second) whenever the
//! feed says something happened, so counts move without a reload and are
//! never computed here.

pub mod api;
pub mod charts;
pub mod live;
pub mod panels;
pub mod text;

/// Mounts the admin page on the document's body.
pub fn boot() {
    leptos::mount::mount_to_body(panels::App);
}
