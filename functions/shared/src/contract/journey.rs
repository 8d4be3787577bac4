//! The `data` of the order journey's events: an order placed, shipped,
//! delivered or cancelled; a return requested, approved, rejected or
//! received; a refund issued; an exchange's replacement shipped. Checked
//! field by field like every payload ([`super::payload`]); the journey's
//! rules live in [`crate::domain::order`] and [`crate::domain::returns`].
//!
//! Only `order.placed` must say whose order it is. Every later step may
//! leave `customer_id` out and name just its order (or its return): the
//! platforms that send these steps (a Shopify fulfillment, a refund, a
//! carrier's scan) know the order and not its customer, and memnun kept the
//! customer with the order when it was placed. [`unnamed_customer`] says
//! which order or return such a step is to be matched by; order-journey
//! fills the customer in from its table before handling the step, and
//! retries a step whose order it has not heard of yet.

use jiff::civil::Date;
use serde::Deserialize;
use serde_json::Value;

use super::payload::{
    MAX_MESSAGE_CHARS, MAX_SHORT_TEXT_CHARS, RawContact, contact, customer_id, date, https_url,
    required_text, short_id, text,
};
use crate::domain::customer::{ContactDetails, CustomerId};
use crate::domain::order::{OrderId, Shipment};
use crate::domain::returns::{Approval, Refund, ReturnId, ReturnKind};
use crate::{Error, Result};

/// Most discount codes one order carries.
pub const MAX_DISCOUNT_CODES: usize = 20;
/// Most lines one order carries.
pub const MAX_ORDER_ITEMS: usize = 200;
/// The longest order number, in characters.
pub const MAX_ORDER_NUMBER_CHARS: usize = 64;

/// What a later step that leaves out `customer_id` names instead: the
/// order or the return memnun finds the customer by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// The customer who placed this order.
    Order(OrderId),
    /// The customer who asked for this return.
    Return(ReturnId),
}

/// For an event of type `kind` whose `data` leaves out `customer_id`: the
/// order or return its customer is to be found by. `None` when the event
/// names its customer, or is of a type that must (`order.placed` and every
/// type outside the order journey). An id that is missing or invalid is a
/// contract error naming it.
pub fn unnamed_customer(kind: &str, data: &Value) -> Result<Option<Owner>> {
    let by_order = matches!(
        kind,
        "order.shipped"
            | "order.delivered"
            | "order.cancelled"
            | "order.delayed"
            | "refund.issued"
            | "return.requested"
    );
    let by_return = matches!(
        kind,
        "return.approved" | "return.rejected" | "return.received" | "exchange.shipped"
    );
    if !(by_order || by_return) || !data.is_object() || data.get("customer_id").is_some() {
        return Ok(None);
    }
    let field = if by_order { "order_id" } else { "return_id" };
    let Some(id) = data.get(field).and_then(Value::as_str) else {
        return Err(Error::contract(
            format!("data.{field}"),
            "is required (and names the customer when customer_id is left out)",
        ));
    };
    Ok(Some(if by_order {
        Owner::Order(order_id(id)?)
    } else {
        Owner::Return(return_id(id)?)
    }))
}

/// A message whose later step leaves its customer out, decoded: what to
/// find the customer by, and the event to complete with [`Unnamed::name`].
#[derive(Debug, Clone)]
pub struct Unnamed {
    /// The order or return the customer is found by.
    pub owner: Owner,
    event: Value,
}

impl Unnamed {
    /// `Some` when `body` is an event of the journey that leaves out
    /// `data.customer_id`. A body that is not a JSON object answers `None`:
    /// the contract's parser names what is wrong with it.
    pub fn of(body: &str) -> Result<Option<Unnamed>> {
        let Ok(event) = serde_json::from_str::<Value>(body) else {
            return Ok(None);
        };
        let kind = event.get("type").and_then(Value::as_str).unwrap_or("");
        let Some(data) = event.get("data") else {
            return Ok(None);
        };
        Ok(unnamed_customer(kind, data)?.map(|owner| Unnamed { owner, event }))
    }

    /// The event's body with `customer` filled in.
    pub fn name(mut self, customer: &CustomerId) -> String {
        if let Some(data) = self.event.get_mut("data").and_then(Value::as_object_mut) {
            data.insert(
                "customer_id".into(),
                Value::String(customer.as_str().into()),
            );
        }
        self.event.to_string()
    }
}

fn order_id(v: &str) -> Result<OrderId> {
    OrderId::parse(v).map_err(|r| Error::contract("data.order_id", r))
}

fn return_id(v: &str) -> Result<ReturnId> {
    ReturnId::parse(v).map_err(|r| Error::contract("data.return_id", r))
}

fn shipment(
    carrier: Option<String>,
    tracking_number: Option<String>,
    tracking_url: Option<String>,
    estimated_delivery: Option<String>,
) -> Result<Shipment> {
    Ok(Shipment {
        carrier: text("data.carrier", carrier, MAX_SHORT_TEXT_CHARS)?,
        tracking_number: short_id("data.tracking_number", tracking_number)?,
        tracking_url: https_url("data.tracking_url", tracking_url)?,
        estimated_delivery: date("data.estimated_delivery", estimated_delivery)?,
    })
}

pub use crate::domain::order::OrderItem;

/// `order.placed`: a customer ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPlaced {
    /// Whose order.
    pub customer_id: CustomerId,
    /// Which order.
    pub order_id: OrderId,
    /// The day delivery was promised by, at checkout.
    pub promised_date: Option<Date>,
    /// The order's number as the customer knows it (`#1042`), when it is
    /// not its id.
    pub number: Option<String>,
    /// The order's total, as the shop wrote it (a decimal: `149.90`).
    pub total: Option<String>,
    /// Its currency (ISO 4217: `TRY`).
    pub currency: Option<String>,
    /// The discount codes used.
    pub discount_codes: Vec<String>,
    /// What was ordered.
    pub items: Vec<OrderItem>,
    /// Contact details the producer knows.
    pub customer: ContactDetails,
}

#[derive(Deserialize)]
struct RawOrderItem {
    product_id: Option<String>,
    name: Option<String>,
    quantity: Option<u32>,
}

/// A total as JSON gives it: a number or a decimal string.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawAmount {
    Number(serde_json::Number),
    Text(String),
}

#[derive(Deserialize)]
pub(super) struct RawOrderPlaced {
    customer_id: String,
    order_id: String,
    promised_date: Option<String>,
    number: Option<String>,
    total: Option<RawAmount>,
    currency: Option<String>,
    #[serde(default)]
    discount_codes: Vec<String>,
    #[serde(default)]
    items: Vec<RawOrderItem>,
    customer: Option<RawContact>,
}

/// A non-negative decimal with at most three places, as written.
fn amount(field: &str, v: Option<RawAmount>) -> Result<Option<String>> {
    let Some(v) = v else { return Ok(None) };
    let s = match v {
        RawAmount::Number(n) => n.to_string(),
        RawAmount::Text(s) => s,
    };
    let (whole, fraction) = s.split_once('.').unwrap_or((&s, ""));
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 12
        || !digits(whole)
        || fraction.len() > 3
        || !digits(fraction)
    {
        return Err(Error::contract(
            field,
            "must be a non-negative amount with at most 3 decimals, such as 149.90",
        ));
    }
    Ok(Some(s))
}

fn currency(field: &str, v: Option<String>) -> Result<Option<String>> {
    match v {
        Some(c) if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()) => Err(
            Error::contract(field, "must be an ISO 4217 code such as TRY or EUR"),
        ),
        other => Ok(other),
    }
}

impl OrderPlaced {
    pub(super) fn from_raw(r: RawOrderPlaced) -> Result<Self> {
        if r.discount_codes.len() > MAX_DISCOUNT_CODES {
            return Err(Error::contract(
                "data.discount_codes",
                format!("must hold at most {MAX_DISCOUNT_CODES} codes"),
            ));
        }
        let discount_codes = r
            .discount_codes
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                short_id(&format!("data.discount_codes[{i}]"), Some(c))
                    .map(Option::unwrap_or_default)
            })
            .collect::<Result<_>>()?;
        let items = order_items(r.items)?;
        Ok(OrderPlaced {
            customer_id: customer_id("data.customer_id", &r.customer_id)?,
            order_id: order_id(&r.order_id)?,
            promised_date: date("data.promised_date", r.promised_date)?,
            number: text("data.number", r.number, MAX_ORDER_NUMBER_CHARS)?,
            total: amount("data.total", r.total)?,
            currency: currency("data.currency", r.currency)?,
            discount_codes,
            items,
            customer: contact(r.customer)?,
        })
    }
}

/// `order.shipped`: handed to a carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderShipped {
    /// Whose order.
    pub customer_id: CustomerId,
    /// Which order.
    pub order_id: OrderId,
    /// The parcel.
    pub shipment: Shipment,
    /// Contact details the producer knows.
    pub customer: ContactDetails,
}

#[derive(Deserialize)]
pub(super) struct RawOrderShipped {
    customer_id: String,
    order_id: String,
    tracking_number: Option<String>,
    tracking_url: Option<String>,
    carrier: Option<String>,
    estimated_delivery: Option<String>,
    customer: Option<RawContact>,
}

impl OrderShipped {
    pub(super) fn from_raw(r: RawOrderShipped) -> Result<Self> {
        Ok(OrderShipped {
            customer_id: customer_id("data.customer_id", &r.customer_id)?,
            order_id: order_id(&r.order_id)?,
            shipment: shipment(
                r.carrier,
                r.tracking_number,
                r.tracking_url,
                r.estimated_delivery,
            )?,
            customer: contact(r.customer)?,
        })
    }
}

/// `order.delivered` and `order.cancelled`: the journey's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEnded {
    /// Whose order.
    pub customer_id: CustomerId,
    /// Which order.
    pub order_id: OrderId,
    /// Why it was cancelled, as the shop says (cancelled only).
    pub reason: Option<String>,
    /// Contact details the producer knows.
    pub customer: ContactDetails,
}

#[derive(Deserialize)]
pub(super) struct RawOrderEnded {
    customer_id: String,
    order_id: String,
    reason: Option<String>,
    customer: Option<RawContact>,
}

impl OrderEnded {
    pub(super) fn from_raw(r: RawOrderEnded) -> Result<Self> {
        Ok(OrderEnded {
            customer_id: customer_id("data.customer_id", &r.customer_id)?,
            order_id: order_id(&r.order_id)?,
            reason: text("data.reason", r.reason, MAX_SHORT_TEXT_CHARS)?,
            customer: contact(r.customer)?,
        })
    }
}

/// `return.requested`: the customer asked to return or exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRequested {
    /// Whose order.
    pub customer_id: CustomerId,
    /// Which order.
    pub order_id: OrderId,
    /// The shop's id for the return.
    pub return_id: ReturnId,
    /// A return or an exchange (a return when left out).
    pub kind: ReturnKind,
    /// Why, as the customer gave it.
    pub reason: Option<String>,
    /// What goes back.
    pub items: Vec<OrderItem>,
    /// Contact details the producer knows.
    pub customer: ContactDetails,
}

#[derive(Deserialize)]
pub(super) struct RawReturnRequested {
    customer_id: String,
    order_id: String,
    return_id: String,
    kind: Option<String>,
    reason: Option<String>,
    #[serde(default)]
    items: Vec<RawOrderItem>,
    customer: Option<RawContact>,
}

fn order_items(raw: Vec<RawOrderItem>) -> Result<Vec<OrderItem>> {
    if raw.len() > MAX_ORDER_ITEMS {
        return Err(Error::contract(
            "data.items",
            format!("must hold at most {MAX_ORDER_ITEMS} lines"),
        ));
    }
    raw.into_iter()
        .enumerate()
        .map(|(i, item)| {
            Ok(OrderItem {
                product_id: short_id(&format!("data.items[{i}].product_id"), item.product_id)?,
                name: text(
                    &format!("data.items[{i}].name"),
                    item.name,
                    MAX_SHORT_TEXT_CHARS,
                )?,
                quantity: match item.quantity {
                    Some(0) => {
                        return Err(Error::contract(
                            format!("data.items[{i}].quantity"),
                            "must be at least 1",
                        ));
                    }
                    Some(q) => q,
                    None => 1,
                },
            })
        })
        .collect()
}

impl ReturnRequested {
    pub(super) fn from_raw(r: RawReturnRequested) -> Result<Self> {
        Ok(ReturnRequested {
            customer_id: customer_id("data.customer_id", &r.customer_id)?,
            order_id: order_id(&r.order_id)?,
            return_id: return_id(&r.return_id)?,
            kind: match r.kind.as_deref() {
                None => ReturnKind::Return,
                Some(k) => ReturnKind::parse(k)
                    .ok_or_else(|| Error::contract("data.kind", "must be return or exchange"))?,
            },
            reason: text("data.reason", r.reason, MAX_SHORT_TEXT_CHARS)?,
            items: order_items(r.items)?,
            customer: contact(r.customer)?,
        })
    }
}

/// `return.received`, and what every later step of a return names: the
/// customer and the return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnUpdate {
    /// Whose return.
    pub customer_id: CustomerId,
    /// Which return.
    pub return_id: ReturnId,
}

#[derive(Deserialize)]
pub(super) struct RawReturnUpdate {
    customer_id: String,
    return_id: String,
}

impl ReturnUpdate {
    pub(super) fn from_raw(r: RawReturnUpdate) -> Result<Self> {
        ReturnUpdate::of(&r.customer_id, &r.return_id)
    }

    /// The customer and return every later step names, validated.
    fn of(customer: &str, id: &str) -> Result<Self> {
        Ok(ReturnUpdate {
            customer_id: customer_id("data.customer_id", customer)?,
            return_id: return_id(id)?,
        })
    }
}

/// `return.approved`: the goods may come back; how and by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnApproved {
    /// Whose and which return.
    pub about: ReturnUpdate,
    /// The label, the instructions, the last day to ship.
    pub approval: Approval,
}

#[derive(Deserialize)]
pub(super) struct RawReturnApproved {
    customer_id: String,
    return_id: String,
    label_url: Option<String>,
    instructions: Option<String>,
    ship_by: Option<String>,
}

impl ReturnApproved {
    pub(super) fn from_raw(r: RawReturnApproved) -> Result<Self> {
        Ok(ReturnApproved {
            about: ReturnUpdate::of(&r.customer_id, &r.return_id)?,
            approval: Approval {
                label_url: https_url("data.label_url", r.label_url)?,
                instructions: text("data.instructions", r.instructions, MAX_MESSAGE_CHARS)?,
                ship_by: date("data.ship_by", r.ship_by)?,
            },
        })
    }
}

/// `return.rejected`: refused, with the shop's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRejected {
    /// Whose and which return.
    pub about: ReturnUpdate,
    /// Why, in the shop's words (the customer reads it).
    pub reason: String,
}

#[derive(Deserialize)]
pub(super) struct RawReturnRejected {
    customer_id: String,
    return_id: String,
    reason: String,
}

impl ReturnRejected {
    pub(super) fn from_raw(r: RawReturnRejected) -> Result<Self> {
        Ok(ReturnRejected {
            about: ReturnUpdate::of(&r.customer_id, &r.return_id)?,
            reason: required_text("data.reason", r.reason, MAX_SHORT_TEXT_CHARS)?,
        })
    }
}

/// `refund.issued`: money paid back, for a return or for the order itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundIssued {
    /// Whose order.
    pub customer_id: CustomerId,
    /// Which order.
    pub order_id: OrderId,
    /// The return it closes, if any.
    pub return_id: Option<ReturnId>,
    /// How much, in what, and how.
    pub refund: Refund,
}

#[derive(Deserialize)]
pub(super) struct RawRefundIssued {
    customer_id: String,
    order_id: String,
    return_id: Option<String>,
    amount: RawAmount,
    currency: String,
    method: Option<String>,
}

impl RefundIssued {
    pub(super) fn from_raw(r: RawRefundIssued) -> Result<Self> {
        Ok(RefundIssued {
            customer_id: customer_id("data.customer_id", &r.customer_id)?,
            order_id: order_id(&r.order_id)?,
            return_id: r.return_id.as_deref().map(return_id).transpose()?,
            refund: Refund {
                amount: amount("data.amount", Some(r.amount))?.unwrap_or_default(),
                currency: currency("data.currency", Some(r.currency))?.unwrap_or_default(),
                method: text("data.method", r.method, MAX_SHORT_TEXT_CHARS)?,
            },
        })
    }
}

/// `exchange.shipped`: an exchange's replacement on its way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeShipped {
    /// Whose and which return.
    pub about: ReturnUpdate,
    /// The replacement's parcel.
    pub shipment: Shipment,
}

#[derive(Deserialize)]
pub(super) struct RawExchangeShipped {
    customer_id: String,
    return_id: String,
    tracking_number: Option<String>,
    tracking_url: Option<String>,
    carrier: Option<String>,
    estimated_delivery: Option<String>,
}

impl ExchangeShipped {
    pub(super) fn from_raw(r: RawExchangeShipped) -> Result<Self> {
        Ok(ExchangeShipped {
            about: ReturnUpdate::of(&r.customer_id, &r.return_id)?,
            shipment: shipment(
                r.carrier,
                r.tracking_number,
                r.tracking_url,
                r.estimated_delivery,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::EventData;
    use serde_json::json;

    fn field(kind: &str, data: serde_json::Value) -> String {
        match EventData::parse(kind, data) {
            Err(Error::Contract { field, .. }) => field,
            other => panic!("expected a contract error, got {other:?}"),
        }
    }

    fn base(extra: serde_json::Value) -> serde_json::Value {
        let mut data = json!({"customer_id": "c-1", "order_id": "o-1"});
        if let (Some(d), Some(e)) = (data.as_object_mut(), extra.as_object()) {
            d.extend(e.clone());
        }
        data
    }

    #[test]
    fn every_journey_type_parses_its_minimal_form() {
        for kind in [
            "order.placed",
            "order.shipped",
            "order.delivered",
            "order.cancelled",
        ] {
            let parsed =
                EventData::parse(kind, base(json!({}))).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(parsed.kind(), kind);
        }
    }

    #[test]
    fn a_return_request_is_a_return_unless_it_says_exchange() {
        let parse = |extra| match EventData::parse("return.requested", base(extra)).unwrap() {
            EventData::ReturnRequested(r) => r,
            other => panic!("{other:?}"),
        };
        assert_eq!(parse(json!({"return_id": "R-1"})).kind, ReturnKind::Return);
        let exchange = parse(json!({"return_id": "R-1", "kind": "exchange", "reason": "beden"}));
        assert_eq!(exchange.kind, ReturnKind::Exchange);
        assert_eq!(exchange.reason.as_deref(), Some("beden"));
    }

    #[test]
    fn every_return_step_parses_its_minimal_form() {
        let minimal = [
            ("return.approved", json!({"return_id": "R-1"})),
            (
                "return.rejected",
                json!({"return_id": "R-1", "reason": "kullanılmış"}),
            ),
            ("return.received", json!({"return_id": "R-1"})),
            (
                "refund.issued",
                json!({"amount": "149.90", "currency": "TRY"}),
            ),
            ("exchange.shipped", json!({"return_id": "R-1"})),
        ];
        for (kind, extra) in minimal {
            let parsed =
                EventData::parse(kind, base(extra)).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(parsed.kind(), kind);
        }
        let EventData::RefundIssued(refund) = EventData::parse(
            "refund.issued",
            base(json!({"amount": 20, "currency": "EUR", "return_id": "R-1", "method": "card"})),
        )
        .unwrap() else {
            panic!("not a refund");
        };
        assert_eq!(refund.refund.amount, "20");
        assert_eq!(refund.return_id.unwrap().as_str(), "R-1");
    }

    #[test]
    fn a_full_order_is_read_as_written() {
        let data = base(json!({
            "promised_date": "2026-12-06",
            "total": 1249.9,
            "currency": "TRY",
            "discount_codes": ["KIS10"],
            "items": [{"product_id": "sku-1", "name": "Kupa", "quantity": 2}, {"name": "Örtü"}],
        }));
        let EventData::OrderPlaced(o) = EventData::parse("order.placed", data).unwrap() else {
            panic!("not an order.placed");
        };
        assert_eq!(o.total.as_deref(), Some("1249.9"));
        assert_eq!(o.currency.as_deref(), Some("TRY"));
        assert_eq!(o.discount_codes, ["KIS10"]);
        assert_eq!(o.items.len(), 2);
        assert_eq!(o.items[1].quantity, 1, "a line without a quantity is one");
        assert_eq!(o.promised_date, Some(Date::constant(2026, 12, 6)));
    }

    #[test]
    fn only_later_steps_may_leave_the_customer_out() {
        let owner = |kind, data| unnamed_customer(kind, &data);
        assert_eq!(
            owner("order.shipped", json!({"order_id": "o-1"})).unwrap(),
            Some(Owner::Order(OrderId::parse("o-1").unwrap()))
        );
        assert_eq!(
            owner(
                "refund.issued",
                json!({"order_id": "o-1", "return_id": "R-1"})
            )
            .unwrap(),
            Some(Owner::Order(OrderId::parse("o-1").unwrap())),
            "a refund is matched by its order, with or without a return"
        );
        assert_eq!(
            owner("return.approved", json!({"return_id": "R-1"})).unwrap(),
            Some(Owner::Return(ReturnId::parse("R-1").unwrap()))
        );
        // Naming the customer, or being a type that must: nothing to find.
        assert_eq!(owner("order.shipped", base(json!({}))).unwrap(), None);
        assert_eq!(
            owner("order.placed", json!({"order_id": "o-1"})).unwrap(),
            None
        );
        assert_eq!(owner("review.posted", json!({})).unwrap(), None);
        // Leaving out both the customer and the order names the order.
        match owner("order.delivered", json!({})) {
            Err(Error::Contract { field, .. }) => assert_eq!(field, "data.order_id"),
            other => panic!("{other:?}"),
        }
        match owner("return.received", json!({"return_id": ""})) {
            Err(Error::Contract { field, .. }) => assert_eq!(field, "data.return_id"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_rule_names_its_field() {
        let cases = [
            ("order.placed", json!({"order_id": ""}), "data.order_id"),
            ("order.placed", json!({"total": "12,50"}), "data.total"),
            ("order.placed", json!({"total": -3}), "data.total"),
            ("order.placed", json!({"total": "1.2345"}), "data.total"),
            ("order.placed", json!({"currency": "tl"}), "data.currency"),
            (
                "order.placed",
                json!({"number": "#".repeat(65)}),
                "data.number",
            ),
            (
                "order.placed",
                json!({"promised_date": "06.12.2026"}),
                "data.promised_date",
            ),
            (
                "order.placed",
                json!({"items": [{"quantity": 0}]}),
                "data.items[0].quantity",
            ),
            (
                "order.placed",
                json!({"discount_codes": [""]}),
                "data.discount_codes[0]",
            ),
            (
                "order.placed",
                json!({"discount_codes": vec!["X"; MAX_DISCOUNT_CODES + 1]}),
                "data.discount_codes",
            ),
            (
                "order.shipped",
                json!({"tracking_url": "http://kargo.example/1"}),
                "data.tracking_url",
            ),
            (
                "order.shipped",
                json!({"estimated_delivery": "soon"}),
                "data.estimated_delivery",
            ),
            (
                "order.shipped",
                json!({"carrier": "k".repeat(301)}),
                "data.carrier",
            ),
            (
                "order.cancelled",
                json!({"reason": "r".repeat(301)}),
                "data.reason",
            ),
            (
                "order.delivered",
                json!({"customer_id": "a b"}),
                "data.customer_id",
            ),
            (
                "return.requested",
                json!({"return_id": ""}),
                "data.return_id",
            ),
            (
                "return.requested",
                json!({"return_id": "R-1", "kind": "refund"}),
                "data.kind",
            ),
            (
                "return.requested",
                json!({"return_id": "R-1", "items": [{"quantity": 0}]}),
                "data.items[0].quantity",
            ),
            (
                "return.approved",
                json!({"return_id": "R-1", "label_url": "http://x.example/l"}),
                "data.label_url",
            ),
            (
                "return.approved",
                json!({"return_id": "R-1", "ship_by": "next week"}),
                "data.ship_by",
            ),
            ("return.approved", json!({}), "data.return_id"),
            (
                "return.rejected",
                json!({"return_id": "R-1", "reason": " "}),
                "data.reason",
            ),
            (
                "return.rejected",
                json!({"return_id": "R-1"}),
                "data.reason",
            ),
            (
                "return.received",
                json!({"return_id": ""}),
                "data.return_id",
            ),
            ("refund.issued", json!({"currency": "TRY"}), "data.amount"),
            (
                "refund.issued",
                json!({"amount": "1,5", "currency": "TRY"}),
                "data.amount",
            ),
            (
                "refund.issued",
                json!({"amount": "1.50", "currency": "lira"}),
                "data.currency",
            ),
            ("refund.issued", json!({"amount": "1.50"}), "data.currency"),
            (
                "exchange.shipped",
                json!({"return_id": "R-1", "tracking_url": "ftp://x"}),
                "data.tracking_url",
            ),
        ];
        for (kind, extra, expected) in cases {
            assert_eq!(field(kind, base(extra)), expected, "{kind}");
        }
    }
}
