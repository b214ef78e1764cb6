//! Entry point of the publisher cart widget (loaded by `www/kiosk.js`).

fn main() {
    console_error_panic_hook::set_once();
    kiosk::widget::boot();
}
