//! Judge.me → memnun: `POST /webhooks/judgeme`.
//!
//! Judge.me signs each delivery with `JUDGEME-HMAC-SHA256`, the HMAC-SHA256
//! of the raw body keyed with the shop's private API token (or the OAuth
//! app's secret, for a webhook an app created). Its help page does not say
//! how the MAC is written; the integrations that verify it use hex, so hex
//! is checked, and base64 too: either spelling of the right MAC proves the
//! same thing. A webhook is registered per key (`review/created`,
//! `review/updated`) and its body is `{"review": {…}}`.
//!
//! | key | memnun event | fields |
//! |---|---|---|
//! | `review/created` (and `review/updated`, the same review) | `review.posted` | `review.id` → the event's id (`review:<id>`), `rating`, `body` → text, `product_external_id` → product_id, `product_title` → product_name, `reviewer.external_id` (the store's customer id; else `judgeme-<reviewer.id>`) → customer_id, `reviewer.email`, `reviewer.name` → customer, `created_at` → time |
//!
//! A review is answered once: an update of one memnun has seen carries the
//! same event id and is a duplicate downstream. A review without a reviewer
//! email is ignored (nobody to write to).

use memnun_shared::{Error, Result};

use super::{
    Data, Delivery, Fields, Mapped, Refusal, cloudevent, from_base64, from_hex, verify_body_mac,
};

/// The signature header.
pub const SIGNATURE: &str = "judgeme-hmac-sha256";

/// Checks `JUDGEME-HMAC-SHA256` over the raw body, written in hex or base64.
pub fn verify(delivery: &Delivery<'_>, secrets: &[Vec<u8>]) -> Result<(), Refusal> {
    verify_body_mac(delivery, secrets, SIGNATURE, "JUDGEME-HMAC-SHA256", |v| {
        from_hex(v).or_else(|| from_base64(v))
    })
}

/// Maps one signed delivery.
pub fn map(delivery: &Delivery<'_>) -> Result<Mapped> {
    let body = delivery.json()?;
    let top = Fields::top(&body);
    let review = top
        .object("review")
        .ok_or_else(|| Error::contract("review", "is required"))?;
    let id = review.required_id("id")?;
    let reviewer = review
        .object("reviewer")
        .ok_or_else(|| Error::contract("review.reviewer", "is required"))?;
    let Some(email) = reviewer.text("email") else {
        return Ok(Mapped::Ignored(
            "a review without the reviewer's email: nobody to write to".into(),
        ));
    };
    let customer_id = match reviewer.id("external_id") {
        Some(store_id) => store_id,
        None => format!("judgeme-{}", reviewer.required_id("id")?),
    };
    let rating = review
        .number("rating")
        .ok_or_else(|| Error::contract("review.rating", "is required (1 to 5)"))?;
    let customer = Data::default()
        .set("email", email)
        .opt("name", reviewer.text("name"))
        .into_map();
    let data = Data::default()
        .set("customer_id", customer_id)
        .set("rating", rating)
        .opt("text", review.text("body"))
        .opt("product_id", review.id("product_external_id"))
        .opt("product_name", review.text("product_title"))
        .set("customer", customer);
    let time = review.time("created_at")?.unwrap_or(delivery.received);
    Ok(Mapped::Events(vec![cloudevent(
        "judgeme",
        &format!("review:{id}"),
        time,
        "review.posted",
        data.into_map(),
    )]))
}
