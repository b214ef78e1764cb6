//! The order state machine and the payment step each transition takes.
//!
//! ```text
//! placed ──capture──▶ paid ──▶ fulfilled ──refund──▶ refunded
//!   │                   └────────refund────────────▶ refunded
//!   └──void (stock back)──▶ cancelled
//! ```
//!
//! `cancelled` and `refunded` are final. A refund does not put stock back:
//! whether returned goods can be sold again is the merchant's call. The
//! provider is asked first and the status written second, only if the order
//! is still where it was read; a lost race is an `invalid_transition`.

use std::sync::Arc;

use kiosk_wire::{Order, OrderStatus};

use crate::error::{Error, Result};
use crate::payments::PaymentProvider;
use crate::store::Store;

/// Whether an order may go from `from` to `to`.
pub fn allowed(from: OrderStatus, to: OrderStatus) -> bool {
    use OrderStatus::*;
    matches!(
        (from, to),
        (Placed, Paid)
            | (Placed, Cancelled)
            | (Paid, Fulfilled)
            | (Paid, Refunded)
            | (Fulfilled, Refunded)
    )
}

/// Moves merchant `merchant_id`'s order `number` to `to`, capturing,
/// voiding or refunding its payment on the way.
pub async fn transition(
    store: &Store,
    payments: &Arc<dyn PaymentProvider>,
    merchant_id: &str,
    number: &str,
    to: OrderStatus,
) -> Result<Order> {
    let (from, payment_token) = store.order_payment(merchant_id, number).await?;
    let refuse = |from: OrderStatus| Error::InvalidTransition {
        from: from.as_str().to_string(),
        to: to.as_str().to_string(),
    };
    if !allowed(from, to) {
        return Err(refuse(from));
    }

    match (from, to) {
        (OrderStatus::Placed, OrderStatus::Paid) => payments.capture(&payment_token).await?,
        (OrderStatus::Placed, OrderStatus::Cancelled) => payments.void(&payment_token).await?,
        (_, OrderStatus::Refunded) => payments.refund(&payment_token).await?,
        _ => {}
    }

    if !store
        .set_order_status(merchant_id, number, from, to)
        .await?
    {
        let (now, _) = store.order_payment(merchant_id, number).await?;
        return Err(refuse(now));
    }
    tracing::info!(order = %number, merchant = %merchant_id, from = from.as_str(), to = to.as_str(), "order status changed");
    store.merchant_order(merchant_id, number).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    /// Only the transitions of the diagram are allowed; final states stay.
    #[test]
    fn transitions_follow_the_diagram() {
        let all = [Placed, Paid, Fulfilled, Cancelled, Refunded];
        let allowed_pairs: Vec<(OrderStatus, OrderStatus)> = all
            .iter()
            .flat_map(|from| all.iter().map(move |to| (*from, *to)))
            .filter(|(from, to)| allowed(*from, *to))
            .collect();
        assert_eq!(
            allowed_pairs,
            [
                (Placed, Paid),
                (Placed, Cancelled),
                (Paid, Fulfilled),
                (Paid, Refunded),
                (Fulfilled, Refunded)
            ]
        );
    }
}
