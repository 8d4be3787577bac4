//! Shopify → memnun: `POST /webhooks/shopify`.
//!
//! Shopify signs each delivery with `X-Shopify-Hmac-Sha256`, the base64
//! HMAC-SHA256 of the raw body under the shop's webhook signing secret (the
//! key shown under Settings → Notifications → Webhooks, or the app's client
//! secret), names the topic in `X-Shopify-Topic` and the merchant action in
//! `X-Shopify-Event-Id`, the same on every retry. A memnun event's id is
//! `<topic>:<event id>`, so a retry, or a second subscription to one topic,
//! is one event; its source is `shopify/<shop domain>`. Customers are
//! memnun customers by their Shopify id; orders by their Shopify id.
//!
//! | topic | memnun event | fields |
//! |---|---|---|
//! | `orders/create` | `order.placed` | `id` → order_id, `name` (`#1042`) → number, `customer.id` → customer_id, `total_price`, `currency`, `discount_codes[].code`, `line_items[]` (`product_id`, `title`, `quantity`), `customer` (`email`, `first_name` `last_name`) and `customer_locale` → customer, `created_at` → time |
//! | `orders/cancelled` | `order.cancelled` | `id`, `customer.id`, `cancel_reason` → reason, `cancelled_at` → time |
//! | `fulfillments/create`, `fulfillments/update` | `order.shipped`; `order.delivered` once `shipment_status` is `delivered` | `order_id`, `tracking_company` → carrier, `tracking_number` (or the first of `tracking_numbers`), `tracking_url` (https only) |
//! | `fulfillment_events/create` | `order.delivered` (`delivered`, `picked_up`), `order.delayed` (`delayed`, with `estimated_delivery_at`'s day as new_date) | `order_id`, `status`, `happened_at` → time |
//! | `refunds/create` | `refund.issued` | `order_id`, the successful `refund` transactions' `amount` (summed) and `currency`, `gateway` → method, `return.id` → return_id |
//! | `returns/request` | `return.requested` | `id` → return_id, `order.id`, `exchange_line_items` (any: an exchange), the first `return_line_items[].return_reason` → reason |
//! | `returns/approve` | `return.approved` | `id` → return_id |
//! | `returns/decline` | `return.rejected` | `id`, `decline.note` (else `decline.reason`) → reason |
//! | `returns/process` | `return.received` | `id` → return_id |
//! | `customers/create`, `customers/update` | `customer.upserted` | `id`, `email`, `first_name` `last_name`, `locale`, the `facts.birth_date` metafield → birthday, `email_marketing_consent` (older API versions) |
//! | `customers_email_marketing_consent/update` | `customer.upserted` | `customer_id`, `email_address`, `email_marketing_consent` (`state` `subscribed` → consent, `consent_updated_at` → consent_at) |
//!
//! Shopify has no webhook for a return's parcel arriving. Processing the
//! return (API 2025-07 and later) is the merchant confirming the items it
//! took back, before or with the refund: that is the receipt memnun tells
//! the customer of. A disposition (`reverse_fulfillment_orders/dispose`)
//! names a reverse fulfillment order, not the return, and is not used.
//!
//! Later steps name only the order (Shopify's fulfillments and refunds
//! carry no customer) or the return: order-journey finds the customer it
//! kept with them. Every other topic is answered 200 and ignored; so is an order
//! without a customer, a customer without an email address, a fulfillment
//! that failed or was cancelled, a carrier scan that is neither a delivery
//! nor a delay, and a refund that moved no money.

use jiff::Timestamp;
use memnun_shared::{Error, Result};
use serde_json::Value;

use super::{
    Data, Delivery, Fields, Mapped, Refusal, cloudevent, discount_codes, from_base64, full_name,
    https, order_lines, verify_body_mac, words,
};

/// The signature header.
pub const SIGNATURE: &str = "x-shopify-hmac-sha256";
/// The topic header.
pub const TOPIC: &str = "x-shopify-topic";
/// The merchant action's id, shared by its retries.
pub const EVENT_ID: &str = "x-shopify-event-id";
/// One delivery's id (used when the event id is absent).
pub const WEBHOOK_ID: &str = "x-shopify-webhook-id";
/// The shop's `*.myshopify.com` domain.
pub const SHOP_DOMAIN: &str = "x-shopify-shop-domain";
/// When Shopify triggered the delivery.
pub const TRIGGERED_AT: &str = "x-shopify-triggered-at";

/// Checks `X-Shopify-Hmac-Sha256` over the raw body.
pub fn verify(delivery: &Delivery<'_>, secrets: &[Vec<u8>]) -> Result<(), Refusal> {
    verify_body_mac(
        delivery,
        secrets,
        SIGNATURE,
        "X-Shopify-Hmac-Sha256",
        from_base64,
    )
}

/// What one delivery is about, for the events made of it.
struct Context {
    source: String,
    id: String,
    /// When Shopify triggered it, else when it was received.
    triggered: Timestamp,
}

impl Context {
    fn event(&self, time: Option<Timestamp>, kind: &str, data: Data) -> Value {
        cloudevent(
            &self.source,
            &self.id,
            time.unwrap_or(self.triggered),
            kind,
            data.into_map(),
        )
    }
}

type Mapper = fn(&Context, &Fields<'_>) -> Result<Mapped>;

/// The topic table: which mapping each topic memnun uses goes through.
fn mapper(topic: &str) -> Option<Mapper> {
    Some(match topic {
        "orders/create" => order_placed,
        "orders/cancelled" => order_cancelled,
        "fulfillments/create" | "fulfillments/update" => fulfillment,
        "fulfillment_events/create" => fulfillment_event,
        "refunds/create" => refund,
        "returns/request" => return_requested,
        "returns/approve" => return_approved,
        "returns/decline" => return_declined,
        "returns/process" => return_received,
        "customers/create" | "customers/update" => customer,
        "customers_email_marketing_consent/update" => consent,
        _ => return None,
    })
}

/// Maps one signed delivery.
pub fn map(delivery: &Delivery<'_>) -> Result<Mapped> {
    let topic = delivery
        .header(TOPIC)
        .ok_or_else(|| Error::contract("X-Shopify-Topic", "is required"))?;
    let Some(mapper) = mapper(topic) else {
        return Ok(Mapped::Ignored(format!(
            "topic {} is not one memnun uses",
            memnun_shared::domain::mail::display_text(topic, 60)
        )));
    };
    let body = delivery.json()?;
    let fields = Fields::top(&body);
    let action = delivery
        .header(EVENT_ID)
        .or_else(|| delivery.header(WEBHOOK_ID))
        .map(str::to_string)
        .or_else(|| {
            // Neither id: the resource and its last change stand in.
            let id = fields.id("id")?;
            let at = fields
                .text("updated_at")
                .or_else(|| fields.text("created_at"))?;
            Some(format!("{id}@{at}"))
        })
        .ok_or_else(|| Error::contract("X-Shopify-Event-Id", "is required"))?;
    let shop = delivery
        .header(SHOP_DOMAIN)
        .filter(|d| {
            d.len() <= 100
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
        .map_or_else(|| "shopify".to_string(), |d| format!("shopify/{d}"));
    let triggered = delivery
        .header(TRIGGERED_AT)
        .and_then(|t| t.parse::<Timestamp>().ok())
        .unwrap_or(delivery.received);
    let context = Context {
        source: shop,
        id: format!("{topic}:{action}"),
        triggered,
    };
    mapper(&context, &fields)
}

fn one(event: Value) -> Result<Mapped> {
    Ok(Mapped::Events(vec![event]))
}

fn ignored(reason: &str) -> Result<Mapped> {
    Ok(Mapped::Ignored(reason.to_string()))
}

/// The contact details of an order's or a customer's object.
fn contact(customer: &Fields<'_>, fallback_email: Option<String>, locale: Option<String>) -> Value {
    Data::default()
        .opt("email", customer.text("email").or(fallback_email))
        .opt(
            "name",
            full_name(customer.text("first_name"), customer.text("last_name")),
        )
        .opt("locale", locale)
        .into_map()
        .into()
}

fn order_placed(cx: &Context, order: &Fields<'_>) -> Result<Mapped> {
    let order_id = order.required_id("id")?;
    let Some(customer) = order.object("customer") else {
        return ignored("an order without a customer: nobody to write to");
    };
    let Some(customer_id) = customer.id("id") else {
        return ignored("an order without a customer: nobody to write to");
    };
    let codes = discount_codes(order.list("discount_codes"));
    let items = order_lines(order.list("line_items"), |line| {
        (
            line.id("product_id"),
            line.text("title").or_else(|| line.text("name")),
            line.number("quantity"),
        )
    });
    let fallback = order.text("email").or_else(|| order.text("contact_email"));
    let data = Data::default()
        .set("customer_id", customer_id)
        .set("order_id", order_id)
        .opt("number", order.text("name"))
        .opt("total", order.text("total_price"))
        .opt("currency", order.text("currency"))
        .set("discount_codes", codes)
        .set("items", items)
        .set(
            "customer",
            contact(&customer, fallback, order.text("customer_locale")),
        );
    one(cx.event(order.time("created_at")?, "order.placed", data))
}

fn order_cancelled(cx: &Context, order: &Fields<'_>) -> Result<Mapped> {
    let customer = order.object("customer");
    let data = Data::default()
        .set("order_id", order.required_id("id")?)
        .opt("customer_id", customer.as_ref().and_then(|c| c.id("id")))
        .opt("reason", order.text("cancel_reason").map(|r| words(&r)));
    let time = order.time("cancelled_at")?.or(order.time("updated_at")?);
    one(cx.event(time, "order.cancelled", data))
}

fn fulfillment(cx: &Context, f: &Fields<'_>) -> Result<Mapped> {
    let order_id = f.required_id("order_id")?;
    if let Some(status) = f.text("status")
        && matches!(status.as_str(), "cancelled" | "error" | "failure")
    {
        return ignored("a fulfillment that was cancelled or failed");
    }
    let time = f.time("updated_at")?.or(f.time("created_at")?);
    if f.text("shipment_status").as_deref() == Some("delivered") {
        let data = Data::default().set("order_id", order_id);
        return one(cx.event(time, "order.delivered", data));
    }
    let numbers = f.value.get("tracking_numbers").and_then(Value::as_array);
    let first = |key: &str| {
        f.value
            .get(key)
            .and_then(Value::as_array)
            .and_then(|a| a.iter().find_map(Value::as_str))
            .map(str::to_string)
    };
    let data = Data::default()
        .set("order_id", order_id)
        .opt("carrier", f.text("tracking_company"))
        .opt(
            "tracking_number",
            f.text("tracking_number")
                .or_else(|| numbers.and(first("tracking_numbers"))),
        )
        .opt(
            "tracking_url",
            https(f.text("tracking_url").or_else(|| first("tracking_urls"))),
        );
    one(cx.event(time, "order.shipped", data))
}

fn fulfillment_event(cx: &Context, f: &Fields<'_>) -> Result<Mapped> {
    let order_id = f.required_id("order_id")?;
    let time = f.time("happened_at")?.or(f.time("created_at")?);
    match f.text("status").as_deref() {
        Some("delivered" | "picked_up") => {
            let data = Data::default().set("order_id", order_id);
            one(cx.event(time, "order.delivered", data))
        }
        Some("delayed") => {
            // The carrier's new estimate, as the day it names on its own
            // clock (`2026-12-09T18:00:00+03:00` is the 9th).
            let new_date = f
                .text("estimated_delivery_at")
                .and_then(|t| t.get(..10).map(str::to_string))
                .filter(|d| d.parse::<jiff::civil::Date>().is_ok());
            let data = Data::default()
                .set("order_id", order_id)
                .opt("new_date", new_date);
            one(cx.event(time, "order.delayed", data))
        }
        _ => ignored("a carrier scan that is neither a delivery nor a delay"),
    }
}

fn refund(cx: &Context, r: &Fields<'_>) -> Result<Mapped> {
    let order_id = r.required_id("order_id")?;
    let paid: Vec<Fields<'_>> = r
        .list("transactions")
        .into_iter()
        .filter(|t| {
            t.text("kind").as_deref() == Some("refund")
                && t.text("status").as_deref() == Some("success")
        })
        .collect();
    let Some(first) = paid.first() else {
        return ignored("a refund that moved no money");
    };
    let currency = first
        .text("currency")
        .ok_or_else(|| Error::contract(format!("{}.currency", first.path), "is required"))?;
    let mut amounts = Vec::with_capacity(paid.len());
    for t in &paid {
        if t.text("currency").as_deref() != Some(currency.as_str()) {
            return Err(Error::contract(
                format!("{}.currency", t.path),
                "differs from the refund's other transactions",
            ));
        }
        amounts.push(
            t.text("amount")
                .ok_or_else(|| Error::contract(format!("{}.amount", t.path), "is required"))?,
        );
    }
    let amount = sum(&amounts).ok_or_else(|| {
        Error::contract(
            "transactions[].amount",
            "must be decimal amounts such as 10.00",
        )
    })?;
    let data = Data::default()
        .set("order_id", order_id)
        .set("amount", amount)
        .set("currency", currency)
        .opt("method", first.text("gateway").map(|g| words(&g)))
        .opt("return_id", r.object("return").and_then(|x| x.id("id")));
    let time = r.time("processed_at")?.or(r.time("created_at")?);
    one(cx.event(time, "refund.issued", data))
}

/// The sum of decimal amounts, with as many decimals as the most precise
/// (at most three): no floating point near money.
fn sum(amounts: &[String]) -> Option<String> {
    let mut scale = 0usize;
    for a in amounts {
        let decimals = a.split_once('.').map_or(0, |(_, f)| f.len());
        if decimals > 3 {
            return None;
        }
        scale = scale.max(decimals);
    }
    let mut total: u128 = 0;
    for a in amounts {
        let (whole, fraction) = a.split_once('.').unwrap_or((a, ""));
        if whole.is_empty()
            || !whole
                .chars()
                .chain(fraction.chars())
                .all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let padded = format!("{whole}{fraction:0<scale$}");
        total = total.checked_add(padded.parse::<u128>().ok()?)?;
    }
    let digits = format!("{total:0>width$}", width = scale + 1);
    let (whole, fraction) = digits.split_at(digits.len() - scale);
    Some(if scale == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{fraction}")
    })
}

fn return_requested(cx: &Context, r: &Fields<'_>) -> Result<Mapped> {
    let order = r
        .object("order")
        .ok_or_else(|| Error::contract("order", "is required"))?;
    let exchange = !r.list("exchange_line_items").is_empty();
    let reason = r
        .list("return_line_items")
        .iter()
        .filter_map(|line| line.text("return_reason"))
        .find(|reason| reason != "unknown")
        .map(|reason| words(&reason));
    let data = Data::default()
        .set("order_id", order.required_id("id")?)
        .set("return_id", r.required_id("id")?)
        .set("kind", if exchange { "exchange" } else { "return" })
        .opt("reason", reason);
    one(cx.event(None, "return.requested", data))
}

fn return_approved(cx: &Context, r: &Fields<'_>) -> Result<Mapped> {
    let data = Data::default().set("return_id", r.required_id("id")?);
    one(cx.event(None, "return.approved", data))
}

fn return_declined(cx: &Context, r: &Fields<'_>) -> Result<Mapped> {
    let decline = r.object("decline");
    let reason = decline
        .as_ref()
        .and_then(|d| d.text("note"))
        .or_else(|| {
            decline
                .as_ref()
                .and_then(|d| d.text("reason"))
                .map(|r| words(&r))
        })
        .unwrap_or_else(|| "declined".into());
    let data = Data::default()
        .set("return_id", r.required_id("id")?)
        .set("reason", reason);
    one(cx.event(None, "return.rejected", data))
}

fn return_received(cx: &Context, r: &Fields<'_>) -> Result<Mapped> {
    let data = Data::default().set("return_id", r.required_id("id")?);
    one(cx.event(None, "return.received", data))
}

/// Shopify's consent states: only `subscribed` is consent.
fn consented(state: &str) -> bool {
    state.eq_ignore_ascii_case("subscribed")
}

fn customer(cx: &Context, c: &Fields<'_>) -> Result<Mapped> {
    let customer_id = c.required_id("id")?;
    let Some(email) = c.text("email") else {
        return ignored("a customer without an email address");
    };
    let birthday = c
        .list("metafields")
        .iter()
        .find(|m| {
            m.text("namespace").as_deref() == Some("facts")
                && m.text("key").as_deref() == Some("birth_date")
        })
        .and_then(|m| m.text("value"));
    let consent = c.object("email_marketing_consent");
    let mut data = Data::default()
        .set("customer_id", customer_id)
        .set("email", email)
        .opt("name", full_name(c.text("first_name"), c.text("last_name")))
        .opt("locale", c.text("locale"))
        .opt("birthday", birthday);
    if let Some(consent) = &consent
        && let Some(state) = consent.text("state")
    {
        data = data
            .set("marketing_consent", consented(&state))
            .opt(
                "consent_at",
                consent.time("consent_updated_at")?.map(|t| t.to_string()),
            )
            .set("consent_source", "shopify");
    }
    one(cx.event(c.time("updated_at")?, "customer.upserted", data))
}

fn consent(cx: &Context, c: &Fields<'_>) -> Result<Mapped> {
    let customer_id = c.required_id("customer_id")?;
    let Some(email) = c.text("email_address") else {
        return ignored("a customer without an email address");
    };
    let consent = c
        .object("email_marketing_consent")
        .ok_or_else(|| Error::contract("email_marketing_consent", "is required"))?;
    let state = consent
        .text("state")
        .ok_or_else(|| Error::contract("email_marketing_consent.state", "is required"))?;
    let at = consent.time("consent_updated_at")?;
    let data = Data::default()
        .set("customer_id", customer_id)
        .set("email", email)
        .set("marketing_consent", consented(&state))
        .opt("consent_at", at.map(|t| t.to_string()))
        .set("consent_source", "shopify");
    one(cx.event(at, "customer.upserted", data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_summed_as_decimals() {
        let s = |v: &[&str]| sum(&v.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&["10.00"]).as_deref(), Some("10.00"));
        assert_eq!(s(&["10.5", "0.25"]).as_deref(), Some("10.75"));
        assert_eq!(s(&["0.10", "0.20"]).as_deref(), Some("0.30"));
        assert_eq!(s(&["7", "3"]).as_deref(), Some("10"));
        assert_eq!(s(&["0.005"]).as_deref(), Some("0.005"));
        assert_eq!(s(&["-1.00"]), None);
        assert_eq!(s(&["1.0001"]), None);
        assert_eq!(s(&["1e3"]), None);
    }
}
