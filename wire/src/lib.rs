//! The types that cross the wire between the Kiosk platform and its clients.
//!
//! Both the platform (native) and the browser crate (wasm32) compile against
//! these definitions, so a renamed field breaks the build on both sides
//! instead of breaking a shopper's ad at run time. The crate holds plain data
//! and serde derives only: no I/O, no formatting, no business rules.
//!
//! Money is always an integer count of minor units (cents) plus an ISO 4217
//! currency code. Floating point never represents a price anywhere in Kiosk.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod admin;
pub use admin::{
    FeedTicket, FunnelBucket, FunnelCounts, FunnelDimension, FunnelReport, FunnelRow, FunnelSeries,
    ProductList,
};

mod loop_types;

pub use loop_types::*;

/// An amount of money as the platform computed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Integer minor units (e.g. cents), so sums are exact.
    pub amount_minor: i64,
    /// ISO 4217 code, upper case (e.g. `EUR`).
    pub currency: String,
}

impl Money {
    /// The number of minor units per major unit for the currency, as ISO 4217
    /// defines it for the currencies Kiosk sells in; two for anything else.
    pub fn minor_digits(&self) -> u32 {
        match self.currency.as_str() {
            "JPY" | "KRW" | "CLP" | "ISK" | "VND" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
            _ => 2,
        }
    }

    /// The amount in major units, for display APIs that take a number
    /// (`Intl.NumberFormat`). Never used for arithmetic.
    pub fn as_major(&self) -> f64 {
        self.amount_minor as f64 / 10f64.powi(self.minor_digits() as i32)
    }
}

/// One product as an ad or a cart shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Stable public id, e.g. `prd_trail-shoe`.
    pub id: String,
    pub title: String,
    pub description: String,
    /// Absolute URL or a path on the platform (`/media/...`).
    pub image_url: String,
    pub price: Money,
    /// Units that can still be sold; never negative. For a product with
    /// variants, the sum over its variants on sale.
    pub stock: i64,
    /// False when the merchant has taken the product off sale: it is not
    /// shown in placements and cannot be added to a cart.
    #[serde(default = "on_sale", skip_serializing_if = "is_on_sale")]
    pub available: bool,
    /// Further images after `image_url`, in the merchant's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    /// Display attributes, e.g. `material` → `merino`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// The sellable choices (sizes, colours) of this product. When there are
    /// any, a cart takes a variant's id, never the product's; `price` is
    /// then the lowest price of a variant on sale.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
}

/// One sellable choice of a product (a size, a colour). Its id is a product
/// id that carts, checkout and live updates use like any other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub id: String,
    /// What tells it apart from its siblings, e.g. `M` or `Blue / 42`.
    pub option: String,
    pub price: Money,
    pub stock: i64,
    #[serde(default = "on_sale", skip_serializing_if = "is_on_sale")]
    pub available: bool,
}

impl Variant {
    /// Whether a shopper can add it to a cart now.
    pub fn sellable(&self) -> bool {
        self.available && self.stock > 0
    }
}

fn on_sale() -> bool {
    true
}

fn is_on_sale(available: &bool) -> bool {
    *available
}

/// The answer to "which products should placement P show?".
///
/// When the ad presents a session token (or asks for a new session), the
/// same answer carries the session and its cart, so an ad paints after one
/// round trip. Clients that never send a token never see the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementProducts {
    pub placement: String,
    pub products: Vec<Product>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
}

/// The products of one of a merchant's collections, in its order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionProducts {
    pub collection: String,
    pub name: String,
    pub products: Vec<Product>,
}

/// Where a session came from: the ad that started it. Every field is
/// optional because a session can also start on the publisher's page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    /// The ad server's click id, echoed back in reports and order webhooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub click_id: Option<String>,
}

/// An anonymous shopper's session: its cart and its attribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Public id (`ses_...`): events and ad servers name the session by it.
    /// It grants nothing.
    pub id: String,
    /// The secret bearer token (`kst_...`) that lets its holder use the cart.
    /// The platform stores only a digest of it.
    pub token: String,
    #[serde(default)]
    pub attribution: Attribution,
    pub cart: Cart,
}

/// A session's cart with every amount computed by the platform.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub lines: Vec<CartLine>,
    /// Units over all lines.
    pub item_count: i64,
    /// Sum of the line totals; absent while the cart is empty (an empty cart
    /// has no currency yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtotal: Option<Money>,
    /// What shipping this cart can choose at checkout, priced in its
    /// currency; empty while the cart is empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipping_options: Vec<ShippingOption>,
}

/// One product in a cart. A cart has at most one line per product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    /// The product as it is now (live price and stock).
    pub product: Product,
    pub quantity: i64,
    pub unit_price: Money,
    /// `unit_price` times `quantity`, computed by the platform.
    pub line_total: Money,
}

/// Body of `POST /v1/cart/lines`. A price sent along is ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddLine {
    pub product_id: String,
    pub quantity: i64,
}

/// Body of `PATCH /v1/cart/lines/{product_id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetQuantity {
    pub quantity: i64,
}

/// A way to ship an order, with its price in the cart's currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingOption {
    /// Stable id sent back at checkout, e.g. `standard`.
    pub id: String,
    pub label: String,
    pub price: Money,
    /// What the order comes to with this option: the cart's subtotal plus
    /// `price`, computed by the platform. A client that shows it can send
    /// it back as `Kiosk-Expected-Total` to be told, not charged, if it
    /// moved.
    pub total: Money,
}

/// Who is buying: where the confirmation goes and whose name is on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub email: String,
    pub name: String,
}

/// Where an order ships to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, e.g. `DE`.
    pub country: String,
}

/// A card number as the shopper typed it. Its `Debug` shows at most the
/// last four digits, so logging a request can never leak the number.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CardNumber(String);

impl CardNumber {
    pub fn new(number: impl Into<String>) -> CardNumber {
        CardNumber(number.into())
    }

    /// The full number, for the payment provider and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The digits of the number, without spaces or dashes.
    pub fn digits(&self) -> String {
        self.0.chars().filter(char::is_ascii_digit).collect()
    }

    /// The last four digits, as receipts show them.
    pub fn last4(&self) -> String {
        let digits = self.digits();
        digits[digits.len().saturating_sub(4)..].to_string()
    }
}

impl std::fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Short inputs are shown as nothing at all: their last four digits
        // could be most of what was typed.
        if self.digits().len() >= 12 {
            write!(f, "CardNumber(**** {})", self.last4())
        } else {
            f.write_str("CardNumber(redacted)")
        }
    }
}

/// Card details for one payment. Never stored: the platform keeps the
/// provider's token and the last four digits only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardPayment {
    pub card_number: CardNumber,
    /// `MM/YY`.
    pub expiry: String,
    pub cvc: String,
}

impl std::fmt::Debug for CardPayment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardPayment")
            .field("card_number", &self.card_number)
            .field("expiry", &self.expiry)
            .field("cvc", &"***")
            .finish()
    }
}

/// Body of `POST /v1/checkout`: everything but the cart, which is the
/// session's. Amounts are never sent; the platform computes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutRequest {
    pub contact: Contact,
    pub shipping_address: Address,
    /// The id of one of the cart's `shipping_options`.
    pub shipping_option: String,
    pub payment: CardPayment,
}

/// Where an order is in its life. `placed`: stock taken and payment
/// authorised; `paid`: payment captured; then `fulfilled`, or `cancelled`
/// (authorisation voided, stock back) or `refunded`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Placed,
    Paid,
    Fulfilled,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    /// The name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Paid => "paid",
            OrderStatus::Fulfilled => "fulfilled",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    /// The status named `name`, if there is one.
    pub fn parse(name: &str) -> Option<OrderStatus> {
        [
            OrderStatus::Placed,
            OrderStatus::Paid,
            OrderStatus::Fulfilled,
            OrderStatus::Cancelled,
            OrderStatus::Refunded,
        ]
        .into_iter()
        .find(|status| status.as_str() == name)
    }
}

/// One product of an order, priced when the order was placed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub product_id: String,
    pub title: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub line_total: Money,
}

/// What the shopper sees of their order: the confirmation. It holds no
/// name or address, and only a masked email, so a session token that leaks
/// later never reveals a past order's personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderConfirmation {
    /// The order number shown to the shopper, e.g. `K7-3F9Q-XD2M`.
    pub number: String,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
    pub subtotal: Money,
    pub shipping: Money,
    pub total: Money,
    pub shipping_option: String,
    pub card_last4: String,
    /// The confirmation email's address, masked (`j***@example.com`).
    pub email_hint: String,
}

/// An order as the merchant reads it with a secret key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub number: String,
    pub status: OrderStatus,
    /// The public id of the session that placed it.
    pub session_id: String,
    pub lines: Vec<OrderLine>,
    pub subtotal: Money,
    pub shipping: Money,
    pub total: Money,
    pub shipping_option: String,
    pub contact: Contact,
    pub shipping_address: Address,
    pub card_last4: String,
    #[serde(default)]
    pub attribution: Attribution,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

/// A merchant's list of orders, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderList {
    pub orders: Vec<Order>,
}

/// Body of a merchant's order status change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTransition {
    pub status: OrderStatus,
}

/// What happened in an ad or on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Impression,
    ViewableImpression,
    Click,
    ProductView,
    AddToCart,
    CheckoutStart,
    Purchase,
}

impl EventKind {
    /// The name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Impression => "impression",
            EventKind::ViewableImpression => "viewable_impression",
            EventKind::Click => "click",
            EventKind::ProductView => "product_view",
            EventKind::AddToCart => "add_to_cart",
            EventKind::CheckoutStart => "checkout_start",
            EventKind::Purchase => "purchase",
        }
    }
}

/// One event as a client reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The client's own id for the event; a second event with the same id in
    /// the same session is a duplicate and is counted once.
    pub id: String,
    pub kind: EventKind,
    /// The session's public id (`ses_...`), never its token.
    pub session: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// When it happened on the client, in milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<i64>,
}

/// Body of `POST /v1/events` (also accepted as a bare array of events).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventBatch {
    pub events: Vec<Event>,
}

/// What became of one event of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventOutcome {
    Accepted,
    /// Already received earlier (same session and id); not counted again.
    Duplicate,
    Rejected,
}

/// The answer for one event, by its position in the batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventResult {
    pub index: usize,
    /// The event's id, when it had a readable one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub outcome: EventOutcome,
    /// For rejected events: a stable code and a sentence saying why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

/// The answer to a batch: counts and one result per event, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventBatchResult {
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub results: Vec<EventResult>,
}

/// Body of a merchant's product change (`PATCH /v1/products/{id}`); fields
/// left out stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductUpdate {
    /// The new price in the product's currency's minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<i64>,
    /// Puts the product on sale (`true`) or takes it off (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<bool>,
}

/// One message of the live stream (`GET /v1/live`), sent as a Server-Sent
/// Event whose `event` name is the `type` below and whose data is this JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveUpdate {
    /// A product's price or stock changed.
    Product { product: Product },
    /// The subscribed session's cart changed.
    Cart { session: String, cart: Cart },
}

/// What an ad server may know about a session to pick a creative (for
/// example an abandoned-cart reminder): its cart and the products it viewed.
/// It holds no personal data and nothing about past orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// The session's public id.
    pub id: String,
    #[serde(default)]
    pub attribution: Attribution,
    pub cart: Cart,
    /// Ids of the merchant's products the session viewed, latest first.
    pub viewed_products: Vec<String>,
}

/// One item of the merchant's feed (`GET /v1/merchant/feed`), sent as a
/// Server-Sent Event named after `type`: everything that happens in the
/// merchant's ads and shop, as it happens. It carries no personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FeedItem {
    /// An event a client reported (accepted, not a duplicate).
    Event { event: Event },
    /// An order was placed or changed status.
    Order {
        number: String,
        status: OrderStatus,
        total: Money,
        #[serde(default)]
        attribution: Attribution,
    },
    /// A product's price or stock changed.
    Product { product: Product },
    /// A product's price changed: who or which rule changed it, from what,
    /// to what, and on what figures. Sent next to the `product` item.
    PriceChange { change: PriceChange },
    /// The merchant's running totals: sent right after `ready`, then at most
    /// once a second while they change.
    Totals { totals: FeedTotals },
}

impl FeedItem {
    /// The SSE event name the item is sent under: its `type`.
    pub fn name(&self) -> &'static str {
        match self {
            FeedItem::Event { .. } => "event",
            FeedItem::Order { .. } => "order",
            FeedItem::Product { .. } => "product",
            FeedItem::PriceChange { .. } => "price_change",
            FeedItem::Totals { .. } => "totals",
        }
    }
}

/// Body of `PUT /v1/merchant/webhook`: where the merchant's orders go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookConfig {
    /// `http://` or `https://` URL that receives a POST per order change.
    pub url: String,
    /// The merchant's messaging configuration: output field name → JSON
    /// pointer into the order (e.g. `"email": "/contact/email"`). Without
    /// it, the whole order is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_map: Option<std::collections::BTreeMap<String, String>>,
}

/// The merchant's webhook as set up, with the secret its deliveries are
/// signed with (shown in this answer only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_map: Option<std::collections::BTreeMap<String, String>>,
    /// `whsec_...`: the key of the HMAC-SHA256 in `Kiosk-Signature`.
    pub secret: String,
}

/// Body of `POST /v1/partner/checkout`: an ad network checks out a session
/// it names by public id, with the same fields as a shopper's checkout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerCheckout {
    pub session_id: String,
    #[serde(flatten)]
    pub checkout: CheckoutRequest,
}

/// The body of every error response: a stable machine code and a sentence
/// for people. Clients branch on `code`, never on `message`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A product survives a JSON round trip with its money as integers.
    #[test]
    fn product_json_round_trip_keeps_minor_units() {
        let product = Product {
            id: "prd_x".into(),
            title: "X".into(),
            description: String::new(),
            image_url: "/media/x.svg".into(),
            price: Money {
                amount_minor: 1999,
                currency: "EUR".into(),
            },
            stock: 3,
            available: true,
            images: Vec::new(),
            attributes: BTreeMap::new(),
            variants: Vec::new(),
        };
        let json = serde_json::to_string(&product).unwrap();
        assert!(json.contains(r#""amount_minor":1999"#), "{json}");
        let back: Product = serde_json::from_str(&json).unwrap();
        assert_eq!(back, product);
    }

    /// A product written before variants existed still reads, as on sale
    /// with no variants, and an on-sale product without extras writes no
    /// new fields, so older clients keep working.
    #[test]
    fn product_without_variants_reads_and_writes_as_before() {
        let json = r#"{"id":"prd_x","title":"X","description":"","image_url":"/x.svg",
            "price":{"amount_minor":100,"currency":"EUR"},"stock":1}"#;
        let product: Product = serde_json::from_str(json).unwrap();
        assert!(product.available);
        assert!(product.variants.is_empty());
        let written = serde_json::to_string(&product).unwrap();
        for field in ["available", "variants", "attributes", "images"] {
            assert!(!written.contains(field), "{written}");
        }
    }

    /// A card number's `Debug` never shows more than its last four digits,
    /// also inside the payment it belongs to.
    #[test]
    fn card_debug_is_redacted() {
        let payment = CardPayment {
            card_number: CardNumber::new("4242 4242 4242 4242"),
            expiry: "12/34".into(),
            cvc: "123".into(),
        };
        let shown = format!("{payment:?}");
        assert!(!shown.contains("4242 4242"), "{shown}");
        assert!(!shown.contains("424242"), "{shown}");
        assert!(!shown.contains("123"), "{shown}");
        assert!(shown.contains("**** 4242"), "{shown}");
        assert_eq!(
            format!("{:?}", CardNumber::new("4242")),
            "CardNumber(redacted)"
        );
    }

    /// Major-unit conversion follows each currency's minor digits.
    #[test]
    fn major_units_follow_currency_exponent() {
        let eur = Money {
            amount_minor: 1999,
            currency: "EUR".into(),
        };
        let jpy = Money {
            amount_minor: 1999,
            currency: "JPY".into(),
        };
        assert_eq!(eur.as_major(), 19.99);
        assert_eq!(jpy.as_major(), 1999.0);
    }
}
