//! Entry point of the ad creative (built by Trunk from `index.html`).

fn main() {
    console_error_panic_hook::set_once();
    kiosk::ad::boot();
}
