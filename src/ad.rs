//! Boots the ad creative: read the configuration, detect the host, mount.

use crate::components::AdUnit;
use crate::config::AdConfig;
use crate::host::Host;

/// The User Timing mark set when the ad's code starts (the wasm is
/// instantiated), so a benchmark can tell download and compile time from the
/// rest of boot.
pub const BOOT_MARK: &str = "kiosk:boot";

/// Mounts the ad unit into the creative's `<body>`.
pub fn boot() {
    crate::browser::mark(BOOT_MARK);
    let config = AdConfig::from_window();
    let host = Host::detect();
    leptos::mount::mount_to_body(move || leptos::view! { <AdUnit config=config host=host/> });
}
