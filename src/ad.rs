//! Boots the ad creative: read the configuration, detect the host, mount.

use crate::components::AdUnit;
use crate::config::AdConfig;
use crate::host::Host;

/// Mounts the ad unit into the creative's `<body>`.
pub fn boot() {
    let config = AdConfig::from_window();
    let host = Host::detect();
    leptos::mount::mount_to_body(move || leptos::view! { <AdUnit config=config host=host/> });
}
