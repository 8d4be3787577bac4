//! Zendesk → memnun: `POST /webhooks/zendesk`.
//!
//! Zendesk signs each delivery with `X-Zendesk-Webhook-Signature`, the
//! base64 HMAC-SHA256 of `X-Zendesk-Webhook-Signature-Timestamp` followed
//! by the raw body, under the webhook's signing secret. The timestamp is
//! bound into the MAC, so a delivery more than 5 minutes from now, either
//! way, is refused: a captured one cannot be replayed later. The webhook
//! subscribes to Zendesk's ticket events, whose body is
//! `{type, id, time, account_id, subject: "zen:ticket:<id>", detail, event}`.
//!
//! | event type | memnun event | when |
//! |---|---|---|
//! | `zen:event-type:ticket.comment_added` | `ticket.replied` (author agent) | the comment is public and its author is staff: the agents' real work stops the first-reply clock |
//! | `zen:event-type:ticket.status_changed` | `ticket.resolved` | the new status is solved |
//!
//! The memnun ticket is the one named by the Zendesk ticket's `external_id`
//! (set when memnun's ticket was copied there) or by the `[TK-…]` in its
//! subject; a ticket that names none was not opened by memnun and is
//! ignored, as are private notes, the customer's own comments (they reach
//! memnun through its own channels) and every other event type. The event's
//! id is Zendesk's event id, so Zendesk's retry is one event.

use jiff::Timestamp;
use memnun_shared::Result;
use memnun_shared::domain::ticket::TicketNumber;

use super::{Data, Delivery, Fields, Mapped, Refusal, cloudevent, from_base64, signed_by_any};

/// The signature header.
pub const SIGNATURE: &str = "x-zendesk-webhook-signature";
/// The signed timestamp's header.
pub const TIMESTAMP: &str = "x-zendesk-webhook-signature-timestamp";
/// How far the signed time may be from now, in seconds.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Checks the signature over the timestamp and the raw body, and the
/// timestamp's age.
pub fn verify(delivery: &Delivery<'_>, secrets: &[Vec<u8>]) -> Result<(), Refusal> {
    const NAME: &str = "X-Zendesk-Webhook-Signature";
    const STAMP: &str = "X-Zendesk-Webhook-Signature-Timestamp";
    let header = delivery.header(SIGNATURE).ok_or(Refusal::Missing(NAME))?;
    let stamp = delivery.header(TIMESTAMP).ok_or(Refusal::Missing(STAMP))?;
    let mac = from_base64(header).ok_or(Refusal::Malformed(NAME))?;
    let signed_at: Timestamp = stamp.parse().map_err(|_| Refusal::Malformed(STAMP))?;
    if !signed_by_any(secrets, &[stamp.as_bytes(), delivery.body], &mac) {
        return Err(Refusal::Mismatch);
    }
    if (delivery.received.as_second() - signed_at.as_second()).abs() > TOLERANCE_SECONDS {
        return Err(Refusal::Expired);
    }
    Ok(())
}

/// Maps one signed delivery.
pub fn map(delivery: &Delivery<'_>) -> Result<Mapped> {
    let body = delivery.json()?;
    let top = Fields::top(&body);
    let kind = top.text("type").unwrap_or_default();
    let ignored = |why: &str| Ok(Mapped::Ignored(why.to_string()));
    let detail = top.object("detail");
    let event = top.object("event");
    let made = match kind.as_str() {
        "zen:event-type:ticket.comment_added" => {
            let comment = event.as_ref().and_then(|e| e.object("comment"));
            let public = comment
                .as_ref()
                .and_then(|c| c.value.get("is_public"))
                .and_then(serde_json::Value::as_bool)
                == Some(true);
            let staff = comment
                .as_ref()
                .and_then(|c| c.object("author"))
                .and_then(|a| a.value.get("is_staff"))
                .and_then(serde_json::Value::as_bool)
                == Some(true);
            if !(public && staff) {
                return ignored("a private note, or a comment that is not an agent's");
            }
            ("ticket.replied", Data::default().set("author", "agent"))
        }
        "zen:event-type:ticket.status_changed" => {
            let current = event.as_ref().and_then(|e| e.text("current"));
            if !current.is_some_and(|s| s.eq_ignore_ascii_case("solved")) {
                return ignored("a status change that is not to solved");
            }
            ("ticket.resolved", Data::default())
        }
        _ => return ignored("an event type memnun does not use"),
    };
    let ticket = detail.as_ref().and_then(|d| {
        d.text("external_id")
            .and_then(|e| TicketNumber::parse(&e))
            .or_else(|| d.text("subject").and_then(|s| TicketNumber::find_in(&s)))
    });
    let Some(ticket) = ticket else {
        return ignored("a Zendesk ticket that names no memnun ticket");
    };
    let id = top
        .text("id")
        .ok_or_else(|| memnun_shared::Error::contract("id", "is required (Zendesk's event id)"))?;
    let source = top
        .id("account_id")
        .map_or_else(|| "zendesk".to_string(), |a| format!("zendesk/{a}"));
    let (kind, data) = made;
    let data = data.set("ticket_id", ticket.as_str());
    Ok(Mapped::Events(vec![cloudevent(
        &source,
        &id,
        top.time("time")?.unwrap_or(delivery.received),
        kind,
        data.into_map(),
    )]))
}
