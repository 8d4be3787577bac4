//! WooCommerce → memnun: `POST /webhooks/woocommerce`.
//!
//! WooCommerce signs each delivery with `X-WC-Webhook-Signature`, the
//! base64 HMAC-SHA256 of the raw body under the webhook's secret (set when
//! the webhook is created, under WooCommerce → Settings → Advanced →
//! Webhooks), and names the topic in `X-WC-Webhook-Topic`. When a webhook is
//! saved it first posts an unsigned `webhook_id=<n>` form to check the URL;
//! that ping is answered 200 ([`is_ping`]). The body is the REST v3
//! resource (`/wc/v3/orders/<id>`, `/wc/v3/customers/<id>`).
//!
//! WooCommerce's delivery id changes on every delivery, so the event ids
//! come from the resource: one event per order step, per refund and per
//! version of a customer, so every `order.updated` that repeats a step is
//! the same event, handled once. Guests (`customer_id` 0) are memnun
//! customers by their billing address, hashed (`woo-guest-<hash>`): never
//! the address itself in an id that may be logged.
//!
//! | topic | memnun event | fields |
//! |---|---|---|
//! | `order.created` | `order.placed` | `id` → order_id, `number` (when it is not the id) → number, `customer_id` (else the guest's hash), `total`, `currency`, `coupon_lines[].code` → discount_codes, `line_items[]` (`product_id`, `name`, `quantity`), `billing` (`email`, `first_name` `last_name`) → customer, `date_created_gmt` → time |
//! | `order.updated`, status `completed` or `shipped` | `order.shipped` | `id`, the Shipment Tracking extension's `_wc_shipment_tracking_items` (`tracking_provider` → carrier, `tracking_number`, `custom_tracking_link` when https) |
//! | `order.updated`, status `delivered` | `order.delivered` | `id` |
//! | `order.updated`, status `cancelled` | `order.cancelled` | `id` |
//! | `order.updated` with `refunds[]` | `refund.issued`, one per refund | `id`, each refund's `total` (as a positive amount), `currency`, `payment_method_title` → method |
//! | `customer.created`, `customer.updated` | `customer.upserted` | `id`, `email`, `first_name` `last_name`, `date_modified_gmt` → time |
//!
//! Every other topic (`product.*`, `coupon.*`, `order.deleted`, …) and
//! status (`processing`, `on-hold`, …) is answered 200 and ignored.

use jiff::Timestamp;
use memnun_shared::{Error, Result};
use serde_json::Value;

use super::{
    Data, Delivery, Fields, Mapped, Refusal, cloudevent, discount_codes, email_customer,
    from_base64, full_name, https, order_lines, verify_body_mac, words,
};

/// The signature header.
pub const SIGNATURE: &str = "x-wc-webhook-signature";
/// The topic header (`order.updated`).
pub const TOPIC: &str = "x-wc-webhook-topic";
/// The shop's home URL.
pub const SOURCE: &str = "x-wc-webhook-source";

/// Whether a delivery is WooCommerce's save-time ping: unsigned, untitled,
/// a form of one `webhook_id`. It enqueues nothing, so it needs no secret.
pub fn is_ping(delivery: &Delivery<'_>) -> bool {
    delivery.header(SIGNATURE).is_none()
        && delivery.header(TOPIC).is_none()
        && std::str::from_utf8(delivery.body)
            .ok()
            .and_then(|b| b.trim().strip_prefix("webhook_id="))
            .is_some_and(|id| {
                !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit())
            })
}

/// Checks `X-WC-Webhook-Signature` over the raw body.
pub fn verify(delivery: &Delivery<'_>, secrets: &[Vec<u8>]) -> Result<(), Refusal> {
    verify_body_mac(
        delivery,
        secrets,
        SIGNATURE,
        "X-WC-Webhook-Signature",
        from_base64,
    )
}

/// What one delivery is about.
struct Context {
    source: String,
    received: Timestamp,
}

impl Context {
    fn event(&self, id: String, time: Option<Timestamp>, kind: &str, data: Data) -> Value {
        cloudevent(
            &self.source,
            &id,
            time.unwrap_or(self.received),
            kind,
            data.into_map(),
        )
    }
}

/// Maps one signed delivery.
pub fn map(delivery: &Delivery<'_>) -> Result<Mapped> {
    let topic = delivery
        .header(TOPIC)
        .ok_or_else(|| Error::contract("X-WC-Webhook-Topic", "is required"))?;
    let mapper: fn(&Context, &Fields<'_>) -> Result<Mapped> = match topic {
        "order.created" => order_created,
        "order.updated" => order_updated,
        "customer.created" | "customer.updated" => customer,
        other => {
            return Ok(Mapped::Ignored(format!(
                "topic {} is not one memnun uses",
                memnun_shared::domain::mail::display_text(other, 60)
            )));
        }
    };
    let body = delivery.json()?;
    let host = delivery
        .header(SOURCE)
        .map(|s| {
            s.trim_start_matches("https://")
                .trim_start_matches("http://")
        })
        .map(|s| s.split('/').next().unwrap_or_default())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 100
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        });
    let context = Context {
        source: host.map_or_else(|| "woocommerce".into(), |h| format!("woocommerce/{h}")),
        received: delivery.received,
    };
    mapper(&context, &Fields::top(&body))
}

/// WooCommerce's `*_gmt` times carry no offset: they are UTC.
fn gmt(f: &Fields<'_>, key: &str) -> Result<Option<Timestamp>> {
    match f.text(key) {
        None => Ok(None),
        Some(t) => format!("{}Z", t.trim_end_matches('Z'))
            .parse::<Timestamp>()
            .map(Some)
            .map_err(|_| {
                Error::contract(
                    key.to_string(),
                    "must be a time such as 2026-11-23T08:42:17",
                )
            }),
    }
}

/// The memnun customer of an order: the shop's customer, or the guest's
/// billing address, hashed.
fn customer_of(order: &Fields<'_>, email: Option<&str>) -> Option<String> {
    order
        .id("customer_id")
        .or_else(|| Some(email_customer("woo-guest", email?)))
}

fn order_created(cx: &Context, order: &Fields<'_>) -> Result<Mapped> {
    let order_id = order.required_id("id")?;
    let billing = order.object("billing");
    let email = billing.as_ref().and_then(|b| b.text("email"));
    let Some(customer_id) = customer_of(order, email.as_deref()) else {
        return Ok(Mapped::Ignored(
            "an order without a customer or a billing email: nobody to write to".into(),
        ));
    };
    let codes = discount_codes(order.list("coupon_lines"));
    let items = order_lines(order.list("line_items"), |line| {
        (
            line.id("product_id"),
            line.text("name"),
            line.number("quantity"),
        )
    });
    let contact = Data::default().opt("email", email).opt(
        "name",
        billing
            .as_ref()
            .and_then(|b| full_name(b.text("first_name"), b.text("last_name"))),
    );
    let data = Data::default()
        .set("customer_id", customer_id)
        .set("order_id", order_id.clone())
        .opt("number", order.text("number").filter(|n| *n != order_id))
        .opt("total", order.text("total"))
        .opt("currency", order.text("currency"))
        .set("discount_codes", codes)
        .set("items", items)
        .set("customer", contact.into_map());
    let time = gmt(order, "date_created_gmt")?;
    Ok(Mapped::Events(vec![cx.event(
        format!("order.created:{order_id}"),
        time,
        "order.placed",
        data,
    )]))
}

/// The parcel the Shipment Tracking extension recorded, if any.
fn tracking(order: &Fields<'_>) -> Data {
    let items = order
        .list("meta_data")
        .into_iter()
        .find(|m| m.text("key").as_deref() == Some("_wc_shipment_tracking_items"))
        .map(|m| m.list("value"))
        .unwrap_or_default();
    let Some(last) = items.last() else {
        return Data::default();
    };
    Data::default()
        .opt(
            "carrier",
            last.text("tracking_provider")
                .or_else(|| last.text("custom_tracking_provider")),
        )
        .opt("tracking_number", last.text("tracking_number"))
        .opt("tracking_url", https(last.text("custom_tracking_link")))
}

fn order_updated(cx: &Context, order: &Fields<'_>) -> Result<Mapped> {
    let order_id = order.required_id("id")?;
    let time = gmt(order, "date_modified_gmt")?;
    let mut events = Vec::new();
    let step = |kind: &str, id: String, data: Data| cx.event(id, time, kind, data);
    match order.text("status").as_deref() {
        Some("completed" | "shipped") => {
            let parcel = tracking(order);
            let number = parcel
                .0
                .get("tracking_number")
                .and_then(Value::as_str)
                .unwrap_or("-")
                .to_string();
            events.push(step(
                "order.shipped",
                format!("shipped:{order_id}:{number}"),
                parcel.set("order_id", order_id.clone()),
            ));
        }
        Some("delivered") => events.push(step(
            "order.delivered",
            format!("delivered:{order_id}"),
            Data::default().set("order_id", order_id.clone()),
        )),
        Some("cancelled") => events.push(step(
            "order.cancelled",
            format!("cancelled:{order_id}"),
            Data::default().set("order_id", order_id.clone()),
        )),
        _ => {}
    }
    for refund in order.list("refunds") {
        let refund_id = refund.required_id("id")?;
        let amount = refund
            .text("total")
            .map(|t| t.trim_start_matches('-').to_string())
            .ok_or_else(|| Error::contract(format!("{}.total", refund.path), "is required"))?;
        let currency = order
            .text("currency")
            .ok_or_else(|| Error::contract("currency", "is required with refunds"))?;
        events.push(step(
            "refund.issued",
            format!("refund:{refund_id}"),
            Data::default()
                .set("order_id", order_id.clone())
                .set("amount", amount)
                .set("currency", currency)
                .opt(
                    "method",
                    order.text("payment_method_title").map(|m| words(&m)),
                ),
        ));
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
    let time = gmt(c, "date_modified_gmt")?.or(gmt(c, "date_created_gmt")?);
    let version = time.map_or_else(|| "-".to_string(), |t| t.to_string());
    let data = Data::default()
        .set("customer_id", customer_id.clone())
        .set("email", email)
        .opt("name", full_name(c.text("first_name"), c.text("last_name")));
    Ok(Mapped::Events(vec![cx.event(
        format!("customer:{customer_id}@{version}"),
        time,
        "customer.upserted",
        data,
    )]))
}
