//! Entry point of the ad creative (built by Trunk from `index.html`).

fn main() {
    // Release builds abort on panic without a message (scripts/build.sh),
    // so the hook that prints one is only worth its bytes in debug builds.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    kiosk::ad::boot();
}
