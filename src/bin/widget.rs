//! Entry point of the publisher cart widget (loaded by `www/kiosk.js`).

fn main() {
    // Release builds abort on panic without a message (scripts/build.sh),
    // so the hook that prints one is only worth its bytes in debug builds.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    kiosk::widget::boot();
}
