//! Kiosk's browser side: the ad unit a publisher's page shows inside an ad
//! server's iframe, and the cart widget a publisher adds with one script tag.
//!
//! Layout: [`config`] reads the creative's settings from its URL; [`api`] is
//! the one typed client of the platform (components never build URLs);
//! [`host`] puts MRAID, SafeFrame and plain frames behind one interface;
//! [`shop`] holds the shopper's state and the actions that change it;
//! [`bridge`] shares the session between the page's cart widget and the
//! ad units below it;
//! [`tracking`] batches events and decides viewability; [`live`] follows
//! the platform's stream; [`format`] turns platform money into text for the
//! shopper's locale; [`browser`] wraps browser APIs so they cannot throw;
//! [`components`] holds the Leptos views. [`ad::boot`] is the ad's entry
//! point (`src/bin/ad.rs`); [`widget::boot`] the publisher cart widget's
//! (`src/bin/widget.rs`).
//!
//! The browser never computes a price: it shows what the platform sent.

pub mod ad;
pub mod api;
pub mod bridge;
pub mod browser;
pub mod components;
pub mod config;
pub mod format;
pub mod host;
pub mod live;
pub mod shop;
pub mod tracking;
pub mod widget;
