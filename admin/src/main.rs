//! Entry point of the admin page (built by Trunk from `admin/index.html`).

fn main() {
    // Release builds abort on panic without a message (scripts/build.sh),
    // so the hook that prints one is only worth its bytes in debug builds.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    kiosk_admin::boot();
}
