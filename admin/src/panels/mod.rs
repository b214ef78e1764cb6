//! The page: the login, then the dashboard with its panels (`overview`:
//! funnel and plots; `feed`: the live feed, filterable; `catalog`: prices
//! and stock; `rules`: price rules; `orders`).
//!
//! The secret key is typed once per browser tab: it is kept in the tab's
//! `sessionStorage` (gone when the tab closes, never shared with other
//! tabs or sent in a URL) so a reload does not ask again. Logging out
//! forgets it.

mod catalog;
mod feed;
mod orders;
mod overview;
mod rules;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{Admin, Failure};
use crate::live::Dash;

/// Where the tab keeps the merchant's key.
const KEY_STORAGE: &str = "kiosk-admin-key";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn remembered_key() -> Option<String> {
    session_storage()?
        .get_item(KEY_STORAGE)
        .ok()?
        .filter(|k| !k.is_empty())
}

fn remember_key(key: Option<&str>) {
    if let Some(storage) = session_storage() {
        let _ = match key {
            Some(key) => storage.set_item(KEY_STORAGE, key),
            None => storage.remove_item(KEY_STORAGE),
        };
    }
}

/// Checks `key` by reading the merchant's products with it; on success
/// the dashboard opens.
async fn log_in(key: String, dash: RwSignal<Option<Dash>>, error: RwSignal<Option<String>>) {
    let api = Admin::new(&key);
    match api.products().await {
        Ok(products) => {
            remember_key(Some(&key));
            let state = Dash::new(api, products);
            state.start();
            error.set(None);
            dash.set(Some(state));
        }
        Err(failure) => {
            remember_key(None);
            let message = if failure.is_auth() {
                "This key was not accepted. Use one of the merchant's secret keys (sk_…)."
                    .to_string()
            } else {
                failure.to_string()
            };
            error.set(Some(message));
        }
    }
}

/// The admin page.
#[component]
pub fn App() -> impl IntoView {
    let dash = RwSignal::new(None::<Dash>);
    let error = RwSignal::new(None::<String>);
    let checking = RwSignal::new(false);
    if let Some(key) = remembered_key() {
        checking.set(true);
        spawn_local(async move {
            log_in(key, dash, error).await;
            checking.set(false);
        });
    }
    view! {
        {move || match dash.get() {
            Some(state) => view! { <Dashboard dash=state /> }.into_any(),
            None => view! { <Login dash error checking /> }.into_any(),
        }}
    }
}

/// The login form: the merchant's secret key, once per tab.
#[component]
fn Login(
    dash: RwSignal<Option<Dash>>,
    error: RwSignal<Option<String>>,
    checking: RwSignal<bool>,
) -> impl IntoView {
    let key = RwSignal::new(String::new());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let typed = key.get_untracked().trim().to_string();
        if typed.is_empty() {
            error.set(Some("Type the merchant's secret key.".into()));
            return;
        }
        checking.set(true);
        spawn_local(async move {
            log_in(typed, dash, error).await;
            checking.set(false);
        });
    };
    view! {
        <main class="login">
            <h1>"Kiosk admin"</h1>
            <form on:submit=submit>
                <label for="admin-key">"Secret key"</label>
                <input id="admin-key" type="password" autocomplete="off" placeholder="sk_…"
                    prop:value=move || key.get()
                    on:input=move |ev| key.set(event_target_value(&ev)) />
                <button id="admin-login" type="submit" disabled=move || checking.get()>
                    {move || if checking.get() { "Checking…" } else { "Open the dashboard" }}
                </button>
                <p class="hint">
                    "The key stays in this tab only and is forgotten when the tab closes. "
                    "Create one with " <code>"kiosk-platform keys create --merchant … --kind secret"</code> "."
                </p>
                <Show when=move || error.get().is_some()>
                    <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
                </Show>
            </form>
        </main>
    }
}

/// The dashboard's panels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    Overview,
    Feed,
    Catalog,
    Rules,
    Orders,
}

const TABS: [(Tab, &str, &str); 5] = [
    (Tab::Overview, "overview", "Overview"),
    (Tab::Feed, "feed", "Live feed"),
    (Tab::Catalog, "catalog", "Catalog"),
    (Tab::Rules, "rules", "Price rules"),
    (Tab::Orders, "orders", "Orders"),
];

#[component]
fn Dashboard(dash: Dash) -> impl IntoView {
    provide_context(dash);
    let tab = RwSignal::new(Tab::Overview);
    let log_out = move |_| {
        remember_key(None);
        // A fresh page closes the feed and drops every figure.
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    };
    let tabs = TABS
        .into_iter()
        .map(|(which, id, label)| {
            view! {
                <button role="tab" id=format!("tab-{id}") class="tab"
                    aria-selected=move || (tab.get() == which).to_string()
                    on:click=move |_| tab.set(which)>
                    {label}
                </button>
            }
        })
        .collect_view();
    view! {
        <header class="top">
            <h1>"Kiosk admin"</h1>
            <span class="live-status" class:on=move || dash.live.get()>
                {move || if dash.live.get() { "● Live" } else { "○ Connecting…" }}
            </span>
            <nav role="tablist">{tabs}</nav>
            <button class="log-out" on:click=log_out>"Log out"</button>
        </header>
        <main class="panels">
            {move || match tab.get() {
                Tab::Overview => view! { <overview::Overview /> }.into_any(),
                Tab::Feed => view! { <feed::FeedPanel /> }.into_any(),
                Tab::Catalog => view! { <catalog::Catalog /> }.into_any(),
                Tab::Rules => view! { <rules::Rules /> }.into_any(),
                Tab::Orders => view! { <orders::Orders /> }.into_any(),
            }}
        </main>
    }
}

/// Reads with `read` now and whenever the figures move on (or `track`
/// changes), keeping the latest answer in `into` and the latest failure in
/// `failed`. An answer for an older request never replaces a newer one.
pub(crate) fn keep_reading<K, T, F, Fut>(
    dash: Dash,
    track: impl Fn() -> K + 'static,
    read: F,
    into: RwSignal<Option<T>>,
    failed: RwSignal<Option<String>>,
) where
    K: 'static,
    T: Send + Sync + 'static,
    F: Fn(Admin, K) -> Fut + Copy + 'static,
    Fut: std::future::Future<Output = Result<T, Failure>> + 'static,
{
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        dash.version.track();
        let key = track();
        let api = dash.api.get_value();
        let ticket = latest.get_value() + 1;
        latest.set_value(ticket);
        spawn_local(async move {
            let answer = read(api, key).await;
            if latest.try_get_value() != Some(ticket) {
                return;
            }
            match answer {
                Ok(value) => {
                    let _ = into.try_set(Some(value));
                    let _ = failed.try_set(None);
                }
                Err(failure) => {
                    let _ = failed.try_set(Some(failure.to_string()));
                }
            }
        });
    });
}
