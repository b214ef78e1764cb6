//! The latest orders, read again as the feed moves.

use kiosk_wire::OrderList;
use leptos::prelude::*;

use super::keep_reading;
use crate::live::Dash;
use crate::text;

#[component]
pub fn Orders() -> impl IntoView {
    let dash = expect_context::<Dash>();
    let orders = RwSignal::new(None::<OrderList>);
    let failed = RwSignal::new(None::<String>);
    keep_reading(
        dash,
        || (),
        |api, ()| async move { api.orders().await },
        orders,
        failed,
    );
    let rows = move || {
        orders.get().map(|list| {
            if list.orders.is_empty() {
                return view! { <tr><td colspan="6" class="empty">"No orders yet."</td></tr> }
                    .into_any();
            }
            list.orders
                .into_iter()
                .map(|order| {
                    let items = order
                        .lines
                        .iter()
                        .map(|line| format!("{} × {}", line.quantity, line.title))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let source = [
                        order.attribution.placement.clone(),
                        order.attribution.campaign.clone(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                    view! {
                        <tr data-order=order.number.clone()>
                            <td>{text::date_time(order.created_at)}</td>
                            <th scope="row">{order.number.clone()}</th>
                            <td class="order-status">{order.status.as_str()}</td>
                            <td class="order-total">{text::price(&order.total)}</td>
                            <td>{items}</td>
                            <td>{source}</td>
                        </tr>
                    }
                })
                .collect_view()
                .into_any()
        })
    };
    view! {
        <section class="panel orders-panel">
            <Show when=move || failed.get().is_some()>
                <p class="error" role="alert">{move || failed.get().unwrap_or_default()}</p>
            </Show>
            <table class="orders">
                <thead>
                    <tr>
                        <th scope="col">"Placed"</th><th scope="col">"Order"</th><th scope="col">"Status"</th>
                        <th scope="col">"Total"</th><th scope="col">"Items"</th><th scope="col">"From"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}
