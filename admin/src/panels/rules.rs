//! Price rules: create one (and first try it against recent data), see
//! what each rule is doing, switch rules on and off, and follow a rule's
//! product's price history. The rules themselves run on the platform.

use kiosk_wire::{NewPriceRule, PriceRule, RuleTest};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::catalog::PriceHistoryView;
use super::keep_reading;
use crate::live::Dash;
use crate::text;

/// The draft rule form's fields, as typed.
#[derive(Clone, Copy)]
struct Draft {
    name: RwSignal<String>,
    product: RwSignal<String>,
    placement: RwSignal<String>,
    window: RwSignal<String>,
    min_add_to_cart: RwSignal<String>,
    max_purchase: RwSignal<String>,
    discount: RwSignal<String>,
    floor: RwSignal<String>,
}

impl Draft {
    fn new() -> Draft {
        Draft {
            name: RwSignal::new(String::new()),
            product: RwSignal::new(String::new()),
            placement: RwSignal::new(String::new()),
            window: RwSignal::new("20".into()),
            min_add_to_cart: RwSignal::new("20".into()),
            max_purchase: RwSignal::new("5".into()),
            discount: RwSignal::new("10".into()),
            floor: RwSignal::new(String::new()),
        }
    }

    /// The rule as the platform takes it, or what is wrong with the form.
    fn read(&self, dash: Dash) -> Result<NewPriceRule, String> {
        let product_id = self.product.get_untracked();
        let product = dash
            .products
            .with_untracked(|all| all.iter().find(|p| p.id == product_id).cloned())
            .ok_or("Choose the product the rule prices.")?;
        let percent = |field: RwSignal<String>, what: &str| {
            field
                .get_untracked()
                .trim()
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|p| (0.0..=100.0).contains(p))
                .map(|p| p / 100.0)
                .ok_or(format!("{what} is a percentage from 0 to 100."))
        };
        let window_views = self
            .window
            .get_untracked()
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|v| *v > 0)
            .ok_or("The window is a number of views, 1 or more.")?;
        let discount_percent = self
            .discount
            .get_untracked()
            .trim()
            .parse::<i64>()
            .map_err(|_| "The discount is a whole percentage.")?;
        let floor_minor =
            text::parse_price(&self.floor.get_untracked(), product.price.minor_digits())
                .ok_or("The floor is a price such as 12.50.")?;
        let placement = self.placement.get_untracked().trim().to_string();
        Ok(NewPriceRule {
            name: self.name.get_untracked().trim().to_string(),
            product_id,
            placement: (!placement.is_empty()).then_some(placement),
            window_views,
            min_add_to_cart_rate: percent(self.min_add_to_cart, "The add-to-cart threshold")?,
            max_purchase_rate: percent(self.max_purchase, "The purchase threshold")?,
            discount_percent,
            floor_minor,
            enabled: true,
        })
    }
}

/// A dry run in words.
fn describe_test(test: &RuleTest) -> String {
    let f = &test.figures;
    let verdict = if test.condition_holds {
        "holds"
    } else {
        "does not hold"
    };
    let action = match test.action.as_str() {
        "lower" => format!(
            "it would lower the price from {} to {}",
            text::price(&test.current_price),
            text::price(&test.resulting_price)
        ),
        "revert" => format!(
            "it would restore the price from {} to {}",
            text::price(&test.current_price),
            text::price(&test.resulting_price)
        ),
        _ => format!(
            "it would leave the price at {}",
            text::price(&test.current_price)
        ),
    };
    format!(
        "Over the last {} views: {} adds to cart ({}), {} purchases ({}). The condition {verdict}: {action}.",
        f.views,
        f.add_to_carts,
        text::percent(test.add_to_cart_rate),
        f.purchases,
        text::percent(test.purchase_rate),
    )
}

/// A rule's condition in words.
fn describe_rule(rule: &PriceRule) -> String {
    format!(
        "Over the last {} views{}: adds to cart above {} and purchases below {} → {} % off, never below {}",
        rule.window_views,
        rule.placement
            .as_ref()
            .map(|p| format!(" in {p}"))
            .unwrap_or_default(),
        text::percent(rule.min_add_to_cart_rate),
        text::percent(rule.max_purchase_rate),
        rule.discount_percent,
        text::price(&rule.floor),
    )
}

#[component]
pub fn Rules() -> impl IntoView {
    let dash = expect_context::<Dash>();
    let rules = RwSignal::new(None::<Vec<PriceRule>>);
    let failed = RwSignal::new(None::<String>);
    let reread = RwSignal::new(0u32);
    keep_reading(
        dash,
        move || reread.get(),
        |api, _| async move { api.price_rules().await },
        rules,
        failed,
    );
    let draft = Draft::new();
    let verdict = RwSignal::new(None::<(bool, String)>);
    let chosen = RwSignal::new(None::<String>);

    let try_draft = move |_| {
        let rule = match draft.read(dash) {
            Ok(rule) => rule,
            Err(problem) => return verdict.set(Some((false, problem))),
        };
        let api = dash.api.get_value();
        spawn_local(async move {
            let answer = match api.test_draft_rule(&rule).await {
                Ok(test) => (true, describe_test(&test)),
                Err(failure) => (false, failure.to_string()),
            };
            let _ = verdict.try_set(Some(answer));
        });
    };
    let create = move |ev: SubmitEvent| {
        ev.prevent_default();
        let rule = match draft.read(dash) {
            Ok(rule) => rule,
            Err(problem) => return verdict.set(Some((false, problem))),
        };
        let api = dash.api.get_value();
        spawn_local(async move {
            match api.create_price_rule(&rule).await {
                Ok(created) => {
                    let _ = verdict.try_set(Some((
                        true,
                        format!("Rule “{}” created and enabled.", created.name),
                    )));
                    let _ = chosen.try_set(Some(created.product_id.clone()));
                    reread.update(|n| *n += 1);
                }
                Err(failure) => {
                    let _ = verdict.try_set(Some((false, failure.to_string())));
                }
            }
        });
    };

    let product_options = move || {
        dash.products
            .get()
            .into_iter()
            .map(|p| view! { <option value=p.id.clone()>{format!("{} ({})", p.title, text::price(&p.price))}</option> })
            .collect_view()
    };
    let field = |id: &'static str,
                 label: &'static str,
                 value: RwSignal<String>,
                 hint: &'static str| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input id=id prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) placeholder=hint />
            </label>
        }
    };

    view! {
        <section class="panel rules-panel">
            <form class="rule-form" on:submit=create>
                <h2>"New price rule"</h2>
                {field("rule-name", "Name", draft.name, "e.g. Nudge the stove")}
                <label class="field">
                    <span>"Product"</span>
                    <select id="rule-product" on:change=move |ev| draft.product.set(event_target_value(&ev))>
                        <option value="">"Choose…"</option>
                        {product_options}
                    </select>
                </label>
                {field("rule-placement", "Placement (empty: any)", draft.placement, "pl_sidebar")}
                {field("rule-window", "Over the last … views", draft.window, "20")}
                {field("rule-min-add-to-cart", "Adds to cart above (%)", draft.min_add_to_cart, "20")}
                {field("rule-max-purchase", "Purchases below (%)", draft.max_purchase, "5")}
                {field("rule-discount", "Lower the price by (%)", draft.discount, "10")}
                {field("rule-floor", "Never below (price)", draft.floor, "19.90")}
                <div class="buttons">
                    <button type="button" id="rule-test" on:click=try_draft>"Test against recent data"</button>
                    <button type="submit" id="rule-create">"Create rule"</button>
                </div>
                {move || verdict.get().map(|(ok, message)| view! {
                    <p class="rule-verdict" class:error=!ok role="status">{message}</p>
                })}
            </form>
            <Show when=move || failed.get().is_some()>
                <p class="error" role="alert">{move || failed.get().unwrap_or_default()}</p>
            </Show>
            <table class="rules">
                <thead><tr><th scope="col">"Rule"</th><th scope="col">"Condition"</th><th scope="col">"Now"</th><th scope="col"></th></tr></thead>
                <tbody>
                    {move || {
                        let rules = rules.get().unwrap_or_default();
                        if rules.is_empty() {
                            return view! { <tr><td colspan="4" class="empty">"No price rules yet."</td></tr> }.into_any();
                        }
                        rules.into_iter().map(|rule| view! { <RuleRow rule chosen reread /> }).collect_view().into_any()
                    }}
                </tbody>
            </table>
            {move || chosen.get().map(|id| view! { <PriceHistoryView product_id=id /> })}
        </section>
    }
}

#[component]
fn RuleRow(
    rule: PriceRule,
    chosen: RwSignal<Option<String>>,
    reread: RwSignal<u32>,
) -> impl IntoView {
    let dash = expect_context::<Dash>();
    let test = RwSignal::new(None::<String>);
    let id = rule.id.clone();
    let enabled = rule.enabled;
    let switch = {
        let id = id.clone();
        move |_| {
            let api = dash.api.get_value();
            let id = id.clone();
            spawn_local(async move {
                match api.switch_price_rule(&id, !enabled).await {
                    Ok(_) => reread.update(|n| *n += 1),
                    Err(failure) => {
                        let _ = test.try_set(Some(failure.to_string()));
                    }
                }
            });
        }
    };
    let try_it = {
        let id = id.clone();
        move |_| {
            let api = dash.api.get_value();
            let id = id.clone();
            spawn_local(async move {
                let answer = match api.test_price_rule(&id).await {
                    Ok(result) => describe_test(&result),
                    Err(failure) => failure.to_string(),
                };
                let _ = test.try_set(Some(answer));
            });
        }
    };
    let state = match (rule.enabled, rule.active, &rule.base_price) {
        (false, _, _) => "Switched off".to_string(),
        (true, true, Some(base)) => format!("Active: lowered from {}", text::price(base)),
        (true, true, None) => "Active".to_string(),
        (true, false, _) => "Watching".to_string(),
    };
    let product = rule.product_id.clone();
    view! {
        <tr data-rule=id.clone() class:enabled=rule.enabled class:active=rule.active>
            <th scope="row">{rule.name.clone()} <small class="product-id">{rule.product_id.clone()}</small></th>
            <td>{describe_rule(&rule)}</td>
            <td class="rule-state">{state}</td>
            <td>
                <button class="rule-switch" on:click=switch>{if rule.enabled { "Switch off" } else { "Switch on" }}</button>
                <button class="rule-try" on:click=try_it>"Test"</button>
                <button class="history" on:click=move |_| chosen.set(Some(product.clone()))>"Price history"</button>
                <p class="rule-test-result">{move || test.get().unwrap_or_default()}</p>
            </td>
        </tr>
    }
}
