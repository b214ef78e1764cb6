//! Every amount the platform shows is computed here: line totals, cart
//! subtotals and shipping prices. Amounts are integer minor units; any
//! overflow is an error, never a wrapped or rounded number.
//!
//! Shipping is a fixed list for now, priced in the cart's currency's minor
//! units; per-merchant shipping tables are not implemented.

use kiosk_wire::{Cart, CartLine, Money, Product, ShippingOption};

use crate::error::{Error, Result};

/// The most units of one product a cart line may hold.
pub const MAX_LINE_QUANTITY: i64 = 99;

/// (id, label, price in minor units) of the shipping options every cart offers.
const SHIPPING: &[(&str, &str, i64)] = &[
    ("standard", "Standard (3-5 days)", 495),
    ("express", "Express (next day)", 1495),
];

/// Checks a quantity a client asked for.
pub fn check_quantity(quantity: i64) -> Result<()> {
    if (1..=MAX_LINE_QUANTITY).contains(&quantity) {
        Ok(())
    } else {
        Err(Error::InvalidQuantity(format!(
            "{quantity} is not between 1 and {MAX_LINE_QUANTITY}"
        )))
    }
}

/// Builds a cart from its products and quantities, in the order given.
pub fn cart(lines: Vec<(Product, i64)>) -> Result<Cart> {
    let mut cart = Cart::default();
    let mut subtotal: Option<Money> = None;
    for (product, quantity) in lines {
        let line_total = times(&product.price, quantity)?;
        subtotal = Some(match subtotal {
            None => line_total.clone(),
            Some(sum) => plus(&sum, &line_total)?,
        });
        cart.item_count += quantity;
        cart.lines.push(CartLine {
            unit_price: product.price.clone(),
            product,
            quantity,
            line_total,
        });
    }
    if let Some(subtotal) = &subtotal {
        cart.shipping_options = shipping_options(subtotal)?;
    }
    cart.subtotal = subtotal;
    Ok(cart)
}

/// The shipping options for a cart worth `subtotal`, priced in its
/// currency, each with the order total it makes.
pub fn shipping_options(subtotal: &Money) -> Result<Vec<ShippingOption>> {
    SHIPPING
        .iter()
        .map(|(id, label, minor)| {
            let price = Money {
                amount_minor: *minor,
                currency: subtotal.currency.clone(),
            };
            Ok(ShippingOption {
                id: id.to_string(),
                label: label.to_string(),
                total: plus(subtotal, &price)?,
                price,
            })
        })
        .collect()
}

/// Whether `id` names a shipping option.
pub fn is_shipping_option(id: &str) -> bool {
    SHIPPING.iter().any(|(known, _, _)| *known == id)
}

/// The shipping option `id` for a cart worth `subtotal`, if there is one.
pub fn shipping_option(id: &str, subtotal: &Money) -> Result<Option<ShippingOption>> {
    Ok(shipping_options(subtotal)?
        .into_iter()
        .find(|option| option.id == id))
}

/// `price` times `quantity`.
pub fn times(price: &Money, quantity: i64) -> Result<Money> {
    let amount_minor = price
        .amount_minor
        .checked_mul(quantity)
        .ok_or(Error::AmountTooLarge)?;
    Ok(Money {
        amount_minor,
        currency: price.currency.clone(),
    })
}

/// The sum of two amounts of the same currency.
pub fn plus(a: &Money, b: &Money) -> Result<Money> {
    if a.currency != b.currency {
        return Err(Error::CartMismatch(b.currency.clone()));
    }
    let amount_minor = a
        .amount_minor
        .checked_add(b.amount_minor)
        .ok_or(Error::AmountTooLarge)?;
    Ok(Money {
        amount_minor,
        currency: a.currency.clone(),
    })
}
