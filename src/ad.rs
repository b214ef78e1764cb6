//! Boots the ad creative: read the configuration, mount the view.

use crate::components::AdUnit;
use crate::config::AdConfig;

/// Mounts the ad unit into the creative's `<body>`.
pub fn boot() {
    let config = AdConfig::from_window();
    leptos::mount::mount_to_body(move || leptos::view! { <AdUnit config=config/> });
}
