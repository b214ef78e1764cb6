//! Entry point of the admin page (built by Trunk from `admin/index.html`).

fn main() {
    console_error_panic_hook::set_once();
    kiosk_admin::boot();
}
