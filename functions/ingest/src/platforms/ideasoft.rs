//! IdeaSoft → memnun: `POST /webhooks/ideasoft?topic=<topic>`.
//!
//! IdeaSoft signs each delivery with `X-Ideashop-Hmac-Sha256`, the base64
//! HMAC-SHA256 of the raw body under the shop's API client secret. Its
//! documentation names the topics and the fields each sends, but not where a
//! delivery says its topic, so each subscription's address names it:
//! `…/webhooks/ideasoft?topic=order/update` (an `X-Ideashop-Topic` header
//! or a `topic` field in the body serve too). IdeaSoft sends only the fields
//! that changed: nothing absent is ever written over what memnun keeps.
//!
//! IdeaSoft's orders name their customer by email, not by member id, so an
//! IdeaSoft customer is memnun's `ideasoft-<hash of the email>`, for orders
//! and members alike: the same person whichever came first, and no address
//! in an id that may be logged.
//!
//! | topic | memnun event | fields |
//! |---|---|---|
//! | `order/create` | `order.placed` | `id` → order_id, `customerEmail` (→ customer_id, hashed, and contact), `customerFirstname` `customerSurname`, `finalAmount` → total, `currency`, `orderItems[]` (`product.id` or `productId`, `productName`, `productQuantity`), `createdAt` → time |
//! | `order/update`, `status` `fulfilled` or a new `shippingTrackingCode` | `order.shipped` | `id`, `shippingProviderCode` → carrier, `shippingTrackingCode` → tracking_number |
//! | `order/update`, `status` `delivered` | `order.delivered` | `id` |
//! | `order/update`, `status` `cancelled` | `order.cancelled` | `id` |
//! | `member/create`, `member/update` (with `email`) | `customer.upserted` | `email`, `firstname` `surname`, `birthDate`, `allowedToCampaigns` → marketing consent at `updatedAt`, source `ideasoft` |
//!
//! Every other topic, and a change that is none of these steps, is answered
//! 200 and ignored; so is a member change without its email (memnun could
//! not tell whose it is) and a refund request (its fields name no order).

use jiff::Timestamp;
use memnun_shared::{Error, Result};
use serde_json::Value;

use super::{
    Data, Delivery, Fields, Mapped, Refusal, cloudevent, email_customer, from_base64, full_name,
    order_lines, verify_body_mac,
};

/// The signature header.
pub const SIGNATURE: &str = "x-ideashop-hmac-sha256";
/// A topic header, where IdeaSoft sends one.
pub const TOPIC: &str = "x-ideashop-topic";

/// IdeaSoft's topics of the resources memnun reads, as a subscription's
/// address may name them; any other is unknown (and ignored).
pub const TOPICS: &[&str] = &[
    "order/create",
    "order/update",
    "order/delete",
    "order_refund_request/create",
    "order_refund_request/update",
    "member/create",
    "member/update",
    "member/delete",
];

/// Checks `X-Ideashop-Hmac-Sha256` over the raw body.
pub fn verify(delivery: &Delivery<'_>, secrets: &[Vec<u8>]) -> Result<(), Refusal> {
    verify_body_mac(
        delivery,
        secrets,
        SIGNATURE,
        "X-Ideashop-Hmac-Sha256",
        from_base64,
    )
}

/// The memnun customer of an IdeaSoft email address.
fn customer_of(email: &str) -> String {
    email_customer("ideasoft", email)
}

/// Maps one signed delivery; `topic` is the address's `?topic=`.
pub fn map(delivery: &Delivery<'_>, topic: Option<&str>) -> Result<Mapped> {
    let body = delivery.json()?;
    // The resource itself, or wrapped in `data`.
    let resource = body.get("data").filter(|d| d.is_object()).unwrap_or(&body);
    let topic = topic
        .map(str::to_string)
        .or_else(|| delivery.header(TOPIC).map(str::to_string))
        .or_else(|| {
            body.get("topic")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .ok_or_else(|| {
            Error::contract(
                "topic",
                "is required: subscribe with the address …/webhooks/ideasoft?topic=<topic>",
            )
        })?;
    let f = Fields::top(resource);
    let id = f.required_id("id")?;
    let changed = at(&f, "updatedAt")
        .or_else(|| at(&f, "createdAt"))
        .unwrap_or(delivery.received);
    let event = |event_id: String, at: Timestamp, kind: &str, data: Data| {
        cloudevent("ideasoft", &event_id, at, kind, data.into_map())
    };
    let one = |v: Value| Ok(Mapped::Events(vec![v]));
    match topic.as_str() {
        "order/create" => {
            let Some(email) = f.text("customerEmail") else {
                return Ok(Mapped::Ignored(
                    "an order without the customer's email: nobody to write to".into(),
                ));
            };
            let items = order_lines(f.list("orderItems"), |line| {
                let product = line.object("product").and_then(|p| p.id("id"));
                (
                    product.or_else(|| line.id("productId")),
                    line.text("productName"),
                    line.number("productQuantity"),
                )
            });
            let contact = Data::default().set("email", email.clone()).opt(
                "name",
                full_name(f.text("customerFirstname"), f.text("customerSurname")),
            );
            let data = Data::default()
                .set("customer_id", customer_of(&email))
                .set("order_id", id.clone())
                .opt("total", f.amount("finalAmount"))
                .opt("currency", f.text("currency"))
                .set("items", items)
                .set("customer", contact.into_map());
            let placed = at(&f, "createdAt").unwrap_or(changed);
            one(event(
                format!("order/create:{id}"),
                placed,
                "order.placed",
                data,
            ))
        }
        "order/update" => {
            let tracking = f.text("shippingTrackingCode");
            let step = match f.text("status").as_deref() {
                Some("delivered") => Some(("order.delivered", format!("delivered:{id}"))),
                Some("cancelled") => Some(("order.cancelled", format!("cancelled:{id}"))),
                Some("fulfilled") => Some((
                    "order.shipped",
                    format!("shipped:{id}:{}", tracking.as_deref().unwrap_or("-")),
                )),
                _ if tracking.is_some() => Some((
                    "order.shipped",
                    format!("shipped:{id}:{}", tracking.as_deref().unwrap_or("-")),
                )),
                _ => None,
            };
            let Some((kind, event_id)) = step else {
                return Ok(Mapped::Ignored(
                    "an order change that is no step memnun tells".into(),
                ));
            };
            let mut data = Data::default().set("order_id", id.clone());
            if kind == "order.shipped" {
                data = data
                    .opt("carrier", f.text("shippingProviderCode"))
                    .opt("tracking_number", tracking);
            }
            one(event(event_id, changed, kind, data))
        }
        "member/create" | "member/update" => {
            let Some(email) = f.text("email") else {
                return Ok(Mapped::Ignored(
                    "a member change without its email: memnun knows IdeaSoft customers by email"
                        .into(),
                ));
            };
            let mut data = Data::default()
                .set("customer_id", customer_of(&email))
                .set("email", email)
                .opt("name", full_name(f.text("firstname"), f.text("surname")))
                .opt(
                    "birthday",
                    f.text("birthDate")
                        .and_then(|b| b.get(..10).map(str::to_string))
                        .filter(|d| d.parse::<jiff::civil::Date>().is_ok()),
                );
            if let Some(allowed) = flag(&f, "allowedToCampaigns") {
                data = data
                    .set("marketing_consent", allowed)
                    .set("consent_at", changed.to_string())
                    .set("consent_source", "ideasoft");
            }
            let version = changed.as_millisecond();
            one(event(
                format!("{topic}:{id}@{version}"),
                changed,
                "customer.upserted",
                data,
            ))
        }
        other => Ok(Mapped::Ignored(format!(
            "topic {} is not one memnun uses",
            memnun_shared::domain::mail::display_text(other, 60)
        ))),
    }
}

/// An IdeaSoft time (`2026-11-23T14:05:12+03:00`).
fn at(f: &Fields<'_>, key: &str) -> Option<Timestamp> {
    f.time(key).ok().flatten()
}

/// A yes or no IdeaSoft writes as a boolean, `1`/`0` or `"1"`/`"0"`.
fn flag(f: &Fields<'_>, key: &str) -> Option<bool> {
    match f.value.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_u64().map(|n| n == 1),
        Value::String(s) => match s.trim() {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}
