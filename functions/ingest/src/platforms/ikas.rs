//! ikas → memnun: `POST /webhooks/ikas`.
//!
//! ikas posts `{id, createdAt, scope, merchantId, authorizedAppId, data,
//! signature}`, where `data` is the resource as a JSON *string* and
//! `signature` the hex HMAC-SHA256 of that string under the app's client
//! secret (as ikas's own admin API client verifies it). The scope names the
//! topic; the webhook's `id` is the delivery's, kept by ikas's retries. The
//! resource is ikas's `Order` or `Customer` (times in epoch milliseconds).
//!
//! | scope | memnun event | fields |
//! |---|---|---|
//! | `store/order/created` | `order.placed` | `id` → order_id, `orderNumber` → number, `customerId` (else the customer's, else the guest's email hashed: `ikas-guest-<hash>`), `totalFinalPrice` → total, `currencyCode`, `orderLineItems[]` (`variant.productId`, `variant.name`, `quantity`), `customer` (`email`, `firstName` `lastName`), `orderedAt` → time |
//! | `store/order/updated`, `orderPackageStatus` `FULFILLED`, `PARTIALLY_FULFILLED` | `order.shipped` | `id`, the last package's `trackingInfo` (`cargoCompany`, `trackingNumber`, `trackingLink` when https) |
//! | `store/order/updated`, `orderPackageStatus` `DELIVERED` | `order.delivered` | `id` |
//! | `store/order/updated`, `status` `CANCELLED` | `order.cancelled` | `id`, `cancelReason` |
//! | `store/order/updated`, `status` `REFUNDED` | `refund.issued` | `id`, `totalFinalPrice`, `currencyCode` |
//! | `store/customer/created`, `store/customer/updated` | `customer.upserted` | `id`, `email`, `firstName` `lastName` |
//!
//! An order step repeated by later updates is the same event (`shipped:<id>:<tracking>`,
//! `delivered:<id>`, …). Every other scope and status is answered 200 and ignored.

use jiff::Timestamp;
use memnun_shared::{Error, Result};
use serde_json::Value;

use super::{
    Data, Delivery, Fields, Mapped, Refusal, cloudevent, email_customer, from_hex, full_name,
    https, order_lines, signed_by_any, words,
};

/// The body's signature field, named as a header would be in a refusal.
const SIGNATURE: &str = "signature";

/// Checks `signature` over the `data` string of the body.
pub fn verify(delivery: &Delivery<'_>, secrets: &[Vec<u8>]) -> Result<(), Refusal> {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(delivery.body) else {
        return Err(Refusal::Missing(SIGNATURE));
    };
    let signature = body
        .get(SIGNATURE)
        .and_then(Value::as_str)
        .ok_or(Refusal::Missing(SIGNATURE))?;
    let data = body
        .get("data")
        .and_then(Value::as_str)
        .ok_or(Refusal::Malformed(SIGNATURE))?;
    let mac = from_hex(signature).ok_or(Refusal::Malformed(SIGNATURE))?;
    if signed_by_any(secrets, &[data.as_bytes()], &mac) {
        Ok(())
    } else {
        Err(Refusal::Mismatch)
    }
}

struct Context {
    source: String,
    delivery_id: String,
    sent: Timestamp,
}

impl Context {
    fn event(&self, id: String, time: Option<Timestamp>, kind: &str, data: Data) -> Value {
        cloudevent(
            &self.source,
            &id,
            time.unwrap_or(self.sent),
            kind,
            data.into_map(),
        )
    }
}

/// Maps one signed delivery.
pub fn map(delivery: &Delivery<'_>) -> Result<Mapped> {
    let envelope = delivery.json()?;
    let top = Fields::top(&envelope);
    let scope = top
        .text("scope")
        .ok_or_else(|| Error::contract("scope", "is required"))?;
    let mapper: fn(&Context, &Fields<'_>) -> Result<Mapped> = match scope.as_str() {
        "store/order/created" => order_created,
        "store/order/updated" => order_updated,
        "store/customer/created" | "store/customer/updated" => customer,
        other => {
            return Ok(Mapped::Ignored(format!(
                "scope {} is not one memnun uses",
                memnun_shared::domain::mail::display_text(other, 60)
            )));
        }
    };
    let data: Value = top
        .text("data")
        .and_then(|d| serde_json::from_str(&d).ok())
        .filter(Value::is_object)
        .ok_or_else(|| Error::contract("data", "must be a JSON object written as a string"))?;
    let merchant = top
        .text("merchantId")
        .filter(|m| m.len() <= 64 && m.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    let sent = millis(&top, "createdAt")
        .or_else(|| top.time("createdAt").ok().flatten())
        .unwrap_or(delivery.received);
    let context = Context {
        source: merchant.map_or_else(|| "ikas".into(), |m| format!("ikas/{m}")),
        delivery_id: format!("{scope}:{}", top.required_id("id")?),
        sent,
    };
    mapper(&context, &Fields::top(&data))
}

/// An ikas time: epoch milliseconds, as a number or a string of digits.
fn millis(f: &Fields<'_>, key: &str) -> Option<Timestamp> {
    let ms = i64::try_from(f.number(key)?).ok()?;
    Timestamp::from_millisecond(ms).ok()
}

fn order_created(cx: &Context, order: &Fields<'_>) -> Result<Mapped> {
    let order_id = order.required_id("id")?;
    let customer = order.object("customer");
    let email = customer.as_ref().and_then(|c| c.text("email"));
    let customer_id = order
        .id("customerId")
        .or_else(|| customer.as_ref().and_then(|c| c.id("id")))
        .or_else(|| Some(email_customer("ikas-guest", email.as_deref()?)));
    let Some(customer_id) = customer_id else {
        return Ok(Mapped::Ignored(
            "an order without a customer: nobody to write to".into(),
        ));
    };
    let items = order_lines(order.list("orderLineItems"), |line| {
        let variant = line.object("variant");
        (
            variant.as_ref().and_then(|v| v.id("productId")),
            variant.as_ref().and_then(|v| v.text("name")),
            line.number("quantity"),
        )
    });
    let contact = Data::default().opt("email", email).opt(
        "name",
        customer
            .as_ref()
            .and_then(|c| full_name(c.text("firstName"), c.text("lastName"))),
    );
    let data = Data::default()
        .set("customer_id", customer_id)
        .set("order_id", order_id.clone())
        .opt("number", order.text("orderNumber"))
        .opt("total", order.amount("totalFinalPrice"))
        .opt("currency", order.text("currencyCode"))
        .set("items", items)
        .set("customer", contact.into_map());
    Ok(Mapped::Events(vec![cx.event(
        format!("order.created:{order_id}"),
        millis(order, "orderedAt"),
        "order.placed",
        data,
    )]))
}

fn order_updated(cx: &Context, order: &Fields<'_>) -> Result<Mapped> {
    let order_id = order.required_id("id")?;
    let time = millis(order, "updatedAt");
    let mut events = Vec::new();
    match order.text("status").as_deref() {
        Some("CANCELLED") => events.push(
            cx.event(
                format!("cancelled:{order_id}"),
                millis(order, "cancelledAt").or(time),
                "order.cancelled",
                Data::default()
                    .set("order_id", order_id.clone())
                    .opt("reason", order.text("cancelReason").map(|r| words(&r))),
            ),
        ),
        Some("REFUNDED") => {
            let amount = order.amount("totalFinalPrice").ok_or_else(|| {
                Error::contract("data.totalFinalPrice", "is required when refunded")
            })?;
            let currency = order
                .text("currencyCode")
                .ok_or_else(|| Error::contract("data.currencyCode", "is required when refunded"))?;
            events.push(
                cx.event(
                    format!("refunded:{order_id}"),
                    time,
                    "refund.issued",
                    Data::default()
                        .set("order_id", order_id.clone())
                        .set("amount", amount)
                        .set("currency", currency),
                ),
            );
        }
        _ => {}
    }
    match order.text("orderPackageStatus").as_deref() {
        Some("FULFILLED" | "PARTIALLY_FULFILLED") => {
            let tracking = order
                .list("orderPackages")
                .into_iter()
                .rev()
                .find_map(|p| p.object("trackingInfo"));
            let number = tracking.as_ref().and_then(|t| t.text("trackingNumber"));
            let data = Data::default()
                .set("order_id", order_id.clone())
                .opt(
                    "carrier",
                    tracking.as_ref().and_then(|t| t.text("cargoCompany")),
                )
                .opt("tracking_number", number.clone())
                .opt(
                    "tracking_url",
                    https(tracking.as_ref().and_then(|t| t.text("trackingLink"))),
                );
            events.push(cx.event(
                format!("shipped:{order_id}:{}", number.as_deref().unwrap_or("-")),
                time,
                "order.shipped",
                data,
            ));
        }
        Some("DELIVERED") => events.push(cx.event(
            format!("delivered:{order_id}"),
            time,
            "order.delivered",
            Data::default().set("order_id", order_id.clone()),
        )),
        _ => {}
    }
    Ok(Mapped::steps(events))
}

fn customer(cx: &Context, c: &Fields<'_>) -> Result<Mapped> {
    let customer_id = c.required_id("id")?;
    let Some(email) = c.text("email") else {
        return Ok(Mapped::Ignored(
            "a customer without an email address".into(),
        ));
    };
    let data = Data::default()
        .set("customer_id", customer_id)
        .set("email", email)
        .opt("name", full_name(c.text("firstName"), c.text("lastName")));
    Ok(Mapped::Events(vec![cx.event(
        cx.delivery_id.clone(),
        millis(c, "updatedAt"),
        "customer.upserted",
        data,
    )]))
}
