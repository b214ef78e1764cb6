//! Payments: the provider interface checkout talks to, card checks, and a
//! test provider that behaves like Stripe's test cards.
//!
//! Checkout authorises (holds) the total before it takes stock, and voids
//! the hold if the order cannot be written; a merchant captures it later
//! (`placed` → `paid`). Every authorisation carries a reference derived from
//! the checkout's idempotency key, and a provider must return the same
//! authorisation for the same reference, so a retried checkout never holds
//! money twice. Card numbers go to the provider and nowhere else: nothing
//! here logs them, and the platform keeps only the token and last four.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use kiosk_wire::{CardPayment, Money};

use crate::error::{Error, Result};

/// A successful authorisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// The provider's id for the payment; what the platform stores.
    pub token: String,
    pub last4: String,
}

/// Why a provider refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("declined")]
    Declined,
    #[error("insufficient funds")]
    InsufficientFunds,
    #[error("provider failed: {0}")]
    Unavailable(String),
}

impl From<PaymentError> for Error {
    fn from(err: PaymentError) -> Error {
        match err {
            PaymentError::Declined => Error::CardDeclined,
            PaymentError::InsufficientFunds => Error::InsufficientFunds,
            PaymentError::Unavailable(cause) => Error::PaymentUnavailable(cause),
        }
    }
}

/// A payment service provider.
#[async_trait]
pub trait PaymentProvider: Send + Sync + 'static {
    /// Holds `amount` on the card. The same `reference` always yields the
    /// same answer and at most one hold.
    async fn authorize(
        &self,
        amount: &Money,
        card: &CardPayment,
        reference: &str,
    ) -> std::result::Result<Authorization, PaymentError>;

    /// Takes the held money.
    async fn capture(&self, token: &str) -> std::result::Result<(), PaymentError>;

    /// Releases a hold that was never captured.
    async fn void(&self, token: &str) -> std::result::Result<(), PaymentError>;

    /// Returns captured money.
    async fn refund(&self, token: &str) -> std::result::Result<(), PaymentError>;
}

/// Checks a card's number (digits and Luhn), expiry and security code
/// before anything is sent to a provider.
pub fn check_card(card: &CardPayment) -> Result<()> {
    let number = card.card_number.expose();
    if !number
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
    {
        return Err(Error::InvalidCard);
    }
    let digits = card.card_number.digits();
    if !(12..=19).contains(&digits.len()) || !luhn(&digits) {
        return Err(Error::InvalidCard);
    }

    let (month, year) = card
        .expiry
        .trim()
        .split_once('/')
        .and_then(|(m, y)| {
            let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
            (two_digits(m) && two_digits(y)).then(|| (m.parse::<u32>().ok(), y.parse::<u32>().ok()))
        })
        .and_then(|(m, y)| Some((m?, y?)))
        .filter(|(month, _)| (1..=12).contains(month))
        .ok_or(Error::InvalidExpiry)?;
    let (this_year, this_month) = year_and_month_now();
    if (2000 + year, month) < (this_year, this_month) {
        return Err(Error::CardExpired);
    }

    let cvc = card.cvc.trim();
    if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidCvc);
    }
    Ok(())
}

/// The Luhn checksum every card number carries in its last digit.
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// Today's (year, month) in UTC, from the system clock.
fn year_and_month_now() -> (u32, u32) {
    let days = crate::token::now_ms().div_euclid(86_400_000);
    // Civil date from days since 1970-01-01 (the proleptic Gregorian
    // calendar), counting eras of 400 years from 0000-03-01.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year as u32, month as u32)
}

/// Where a test payment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestPaymentState {
    Authorized,
    Captured,
    Voided,
    Refunded,
}

/// An in-memory provider that answers like Stripe's test mode:
/// `4242 4242 4242 4242` (and any other valid number) is approved,
/// `4000 0000 0000 0002` is declined and `4000 0000 0000 9995` has
/// insufficient funds. Its ledger lives as long as the process.
#[derive(Debug, Default)]
pub struct TestProvider {
    ledger: Mutex<TestLedger>,
}

#[derive(Debug, Default)]
struct TestLedger {
    /// The answer given for each reference, replayed on retries.
    answers: HashMap<String, std::result::Result<Authorization, PaymentError>>,
    /// Each held payment by token.
    payments: HashMap<String, TestPaymentState>,
}

impl TestProvider {
    /// How many holds were ever made: one per successful reference.
    pub fn authorizations(&self) -> usize {
        self.lock().payments.len()
    }

    /// The state of the payment `token`, if it exists.
    pub fn payment(&self, token: &str) -> Option<TestPaymentState> {
        self.lock().payments.get(token).copied()
    }

    /// How many payments are in `state`.
    pub fn count(&self, state: TestPaymentState) -> usize {
        self.lock()
            .payments
            .values()
            .filter(|s| **s == state)
            .count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TestLedger> {
        // The ledger is plain data; a panic while holding the lock cannot
        // leave it half-updated, so a poisoned lock is still usable.
        self.ledger
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn change(
        &self,
        token: &str,
        from: TestPaymentState,
        to: TestPaymentState,
    ) -> std::result::Result<(), PaymentError> {
        let mut ledger = self.lock();
        match ledger.payments.get_mut(token) {
            Some(state) if *state == from || *state == to => {
                *state = to;
                Ok(())
            }
            Some(state) => Err(PaymentError::Unavailable(format!(
                "payment is {state:?}, cannot become {to:?}"
            ))),
            None => Err(PaymentError::Unavailable("no such payment".into())),
        }
    }
}

#[async_trait]
impl PaymentProvider for TestProvider {
    async fn authorize(
        &self,
        _amount: &Money,
        card: &CardPayment,
        reference: &str,
    ) -> std::result::Result<Authorization, PaymentError> {
        let mut ledger = self.lock();
        if let Some(answer) = ledger.answers.get(reference) {
            return answer.clone();
        }
        let answer = match card.card_number.digits().as_str() {
            "4000000000000002" => Err(PaymentError::Declined),
            "4000000000009995" => Err(PaymentError::InsufficientFunds),
            _ => Ok(Authorization {
                token: crate::token::random_id("pay_test_", 12),
                last4: card.card_number.last4(),
            }),
        };
        if let Ok(authorization) = &answer {
            ledger
                .payments
                .insert(authorization.token.clone(), TestPaymentState::Authorized);
        }
        ledger.answers.insert(reference.to_string(), answer.clone());
        answer
    }

    async fn capture(&self, token: &str) -> std::result::Result<(), PaymentError> {
        self.change(
            token,
            TestPaymentState::Authorized,
            TestPaymentState::Captured,
        )
    }

    async fn void(&self, token: &str) -> std::result::Result<(), PaymentError> {
        self.change(
            token,
            TestPaymentState::Authorized,
            TestPaymentState::Voided,
        )
    }

    async fn refund(&self, token: &str) -> std::result::Result<(), PaymentError> {
        self.change(
            token,
            TestPaymentState::Captured,
            TestPaymentState::Refunded,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiosk_wire::CardNumber;

    fn card(number: &str, expiry: &str, cvc: &str) -> CardPayment {
        CardPayment {
            card_number: CardNumber::new(number),
            expiry: expiry.into(),
            cvc: cvc.into(),
        }
    }

    /// Stripe's test numbers pass the Luhn check; a changed digit fails it.
    #[test]
    fn luhn_accepts_test_cards_and_rejects_typos() {
        assert!(luhn("4242424242424242"));
        assert!(luhn("4000000000000002"));
        assert!(luhn("4000000000009995"));
        assert!(!luhn("4242424242424241"));
    }

    /// Card checks name what is wrong: number, expiry, age or code.
    #[test]
    fn card_checks_name_the_problem() {
        assert!(check_card(&card("4242 4242 4242 4242", "12/99", "123")).is_ok());
        assert!(matches!(
            check_card(&card("4242 4242 4242 4241", "12/99", "123")),
            Err(Error::InvalidCard)
        ));
        assert!(matches!(
            check_card(&card("4242x4242 4242 4242", "12/99", "123")),
            Err(Error::InvalidCard)
        ));
        assert!(matches!(
            check_card(&card("4242424242424242", "13/99", "123")),
            Err(Error::InvalidExpiry)
        ));
        assert!(matches!(
            check_card(&card("4242424242424242", "01/20", "123")),
            Err(Error::CardExpired)
        ));
        assert!(matches!(
            check_card(&card("4242424242424242", "12/99", "12")),
            Err(Error::InvalidCvc)
        ));
    }

    /// The computed calendar month is a real one in a plausible year.
    #[test]
    fn current_month_is_plausible() {
        let (year, month) = year_and_month_now();
        assert!(year >= 2024 && (1..=12).contains(&month));
    }
}
