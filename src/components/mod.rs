//! The ad's Leptos views, one job each.
//!
//! [`AdUnit`] boots the ad (the session bridge to the page's cart widget,
//! then one platform request), then shows the products
//! ([`ProductCard`]), a cart button, and the cart, checkout or confirmation
//! as an overlay inside the ad's own frame. If the platform does not answer
//! in time it shows [`Fallback`] instead.

mod cart;
mod checkout;
mod product;

pub use cart::{CartButton, CartView};
pub use checkout::{validate, Checkout, CheckoutForm, Confirmation};
pub use product::ProductCard;

use kiosk_wire::EventKind;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;
use crate::config::AdConfig;
use crate::host::Host;
use crate::shop::{Screen, Shop};
use crate::tracking::Tracker;

/// How long the ad waits for its boot request before showing the fallback.
pub const BOOT_TIMEOUT_MS: i32 = 3000;
/// The User Timing mark set when the boot request's answer is read.
pub const BOOT_ANSWER_MARK: &str = "kiosk:boot-answer";
/// The User Timing mark set when the first products are on screen.
pub const PRODUCTS_PAINTED_MARK: &str = "kiosk:products-painted";

/// Where the ad's boot stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Boot {
    Loading,
    Ready,
    Fallback,
}

/// The whole ad: boots with one platform request, then lets the shopper
/// browse, fill a cart and check out without leaving it.
#[component]
pub fn AdUnit(config: AdConfig, host: Host) -> impl IntoView {
    let shop = Shop::new(config.clone(), host);
    provide_context(shop);
    let boot = RwSignal::new(Boot::Loading);
    let root = NodeRef::<html::Section>::new();

    spawn_local(async move {
        shop.host.with_value(|host| host.clone()).ready().await;
        // The page's cart widget first (the shopper's cart on this site),
        // then the platform's partitioned cookie (which the boot request
        // carries), then the frame's own storage, else the platform makes
        // a new one (DESIGN.md, sessions across origins).
        let handed = crate::bridge::join(shop).await;
        let remembered = shop.remembered_token();
        let platform = shop.platform.get_value();
        let answer = browser::with_timeout(
            BOOT_TIMEOUT_MS,
            platform.boot(&config.placement, handed.as_deref(), remembered.as_deref()),
        )
        .await;
        let Some(Ok(answer)) = answer else {
            leptos::logging::warn!("kiosk ad: platform did not answer the boot request in time");
            boot.set(Boot::Fallback);
            return;
        };

        if let Some(session) = &answer.session {
            shop.remember(session);
            let tracker = Tracker::new(platform, config.clone(), session.id.clone());
            shop.tracker.set_value(Some(tracker));
        }
        browser::mark(BOOT_ANSWER_MARK);
        shop.products.set(answer.products);
        shop.session.set(answer.session);
        boot.set(Boot::Ready);
        // Marked at the next frame, without holding up the rest of boot
        // (frames out of view may get no animation frames for a while).
        spawn_local(async {
            browser::next_frame().await;
            browser::mark(PRODUCTS_PAINTED_MARK);
        });
        crate::live::subscribe(shop);
        shop.track(EventKind::Impression, None);
        if let Some(section) = root.get_untracked() {
            shop.host.with_value(|host| {
                host.watch_viewability(&section, move || {
                    shop.track(EventKind::ViewableImpression, None)
                })
            });
        }
    });

    view! {
        <section
            class="kiosk-ad"
            aria-label="Shop this ad"
            node_ref=root
            data-live=move || if shop.live.get() { "connected" } else { "connecting" }
        >
            {move || match boot.get() {
                Boot::Loading => view! { <p class="kiosk-loading">"Loading products…"</p> }.into_any(),
                Boot::Fallback => view! { <Fallback/> }.into_any(),
                Boot::Ready => view! { <Storefront/> }.into_any(),
            }}
        </section>
    }
}

/// The booted ad: header with the cart button, products, notices, and the
/// overlay screens.
#[component]
fn Storefront() -> impl IntoView {
    let shop = expect_context::<Shop>();
    let products = move || {
        shop.products
            .get()
            .into_iter()
            .map(|product| view! { <li><ProductCard product=product/></li> })
            .collect_view()
    };

    view! {
        <header class="kiosk-header">
            {move || {
                if shop.config.with_value(AdConfig::has_exit) {
                    view! {
                        <button class="kiosk-brand kiosk-exit" on:click=move |_| shop.exit(None)>
                            "Visit the shop"
                        </button>
                    }
                        .into_any()
                } else {
                    view! { <span class="kiosk-brand">"Shop the ad"</span> }.into_any()
                }
            }}
            <CartButton/>
        </header>
        <Show
            when=move || !shop.products.with(Vec::is_empty)
            fallback=|| view! { <p class="kiosk-empty">"Everything here is sold out right now."</p> }
        >
            <ul class="kiosk-products">{products}</ul>
        </Show>
        <Notice/>
        <Screens/>
    }
}

/// Whichever of cart, checkout or confirmation is open, as an overlay.
#[component]
pub fn Screens() -> impl IntoView {
    let shop = expect_context::<Shop>();
    move || match shop.screen.get() {
        Screen::Products => ().into_any(),
        Screen::Cart => view! { <CartView/> }.into_any(),
        Screen::Checkout => view! { <Checkout/> }.into_any(),
        Screen::Confirmed(confirmation) => {
            view! { <Confirmation confirmation=confirmation/> }.into_any()
        }
    }
}

/// The last problem, in a sentence, announced to screen readers.
#[component]
pub fn Notice() -> impl IntoView {
    let shop = expect_context::<Shop>();
    view! {
        <Show when=move || shop.notice.with(Option::is_some)>
            <p class="kiosk-notice" role="alert">{move || shop.notice.get().unwrap_or_default()}</p>
        </Show>
    }
}

/// What the ad shows when the platform cannot answer: the merchant's static
/// creative (an image and an exit link) or a calm line of text. Never an
/// error, never anything that could disturb the host page.
#[component]
pub fn Fallback() -> impl IntoView {
    let config = use_context::<Shop>()
        .map(|shop| shop.config.get_value())
        .unwrap_or_default();
    let image = config.fallback_image.clone();
    let link = config
        .landing
        .as_ref()
        .map(|landing| config.exit_url(landing));
    view! {
        <div class="kiosk-fallback" role="status">
            {match (link, image) {
                (Some(link), Some(image)) => view! {
                    <a href=link target="_blank" rel="noopener"><img src=image alt="Visit the shop"/></a>
                }.into_any(),
                (Some(link), None) => view! {
                    <a href=link target="_blank" rel="noopener">"Visit the shop"</a>
                }.into_any(),
                (None, _) => view! { <p class="kiosk-unavailable">"Products are unavailable right now."</p> }.into_any(),
            }}
        </div>
    }
}
