//! Events memnun publishes for the shop's systems, in the same envelope.
//!
//! Their ids are derived from what caused them, so a republish after a retry
//! carries the same id and consumers can drop the repeat.

use serde_json::json;

use crate::domain::coupon::{Coupon, CouponValue};
use crate::domain::ticket::Ticket;
use crate::time::to_key;

/// A message ready for a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundMessage {
    /// The CloudEvents id (also the idempotency key of the publish).
    pub id: String,
    /// The CloudEvents `type`.
    pub kind: &'static str,
    /// The JSON body.
    pub body: String,
}

impl OutboundMessage {
    /// Reads a message back from the outbound queue: a CloudEvent of a type
    /// memnun publishes, with its id. Anything else is a contract violation
    /// naming the field (never its value).
    pub fn parse(body: &str) -> crate::Result<OutboundMessage> {
        use crate::Error;
        if body.len() > super::MAX_BODY_BYTES {
            return Err(Error::contract(
                "body",
                format!("is over {} bytes", super::MAX_BODY_BYTES),
            ));
        }
        let value: serde_json::Value = serde_json::from_str(body)
            .map_err(|_| Error::contract("body", "is not a JSON object"))?;
        if value.get("specversion").and_then(|v| v.as_str()) != Some("1.0") {
            return Err(Error::contract("specversion", "must be \"1.0\""));
        }
        let id = value
            .get("id")
            .and_then(|v| v.as_str())
            .filter(|id| !id.is_empty() && id.len() <= 512)
            .ok_or_else(|| Error::contract("id", "must be a string of 1 to 512 characters"))?;
        let kind = value
            .get("type")
            .and_then(|v| v.as_str())
            .and_then(known_kind)
            .ok_or_else(|| {
                Error::contract("type", format!("must be one of {}", KINDS.join(", ")))
            })?;
        if !value.get("data").is_some_and(serde_json::Value::is_object) {
            return Err(Error::contract("data", "must be an object"));
        }
        Ok(OutboundMessage {
            id: id.to_owned(),
            kind,
            body: body.to_owned(),
        })
    }
}

/// The types memnun publishes on the outbound queue.
pub const KINDS: [&str; 2] = ["coupon.issued", "ticket.opened"];

/// The published type spelt `kind`, if it is one.
pub fn known_kind(kind: &str) -> Option<&'static str> {
    KINDS.into_iter().find(|k| *k == kind)
}

fn envelope(
    id: String,
    kind: &'static str,
    source: &str,
    time: jiff::Timestamp,
    data: serde_json::Value,
) -> OutboundMessage {
    let body = json!({
        "specversion": "1.0",
        "id": id,
        "source": source,
        "type": kind,
        "time": to_key(time),
        "datacontenttype": "application/json",
        "data": data,
    })
    .to_string();
    OutboundMessage { id, kind, body }
}

/// `coupon.issued`: the shop's platform registers the code, which makes it
/// redeemable. `source` names the publishing function.
pub fn coupon_issued(coupon: &Coupon, source: &str) -> OutboundMessage {
    let CouponValue::Percent(percent) = coupon.value;
    envelope(
        format!(
            "coupon.issued:{}:{}",
            coupon.reason.as_str(),
            coupon.source_event
        ),
        "coupon.issued",
        source,
        coupon.issued_at,
        json!({
            "code": coupon.code.as_str(),
            "customer_id": coupon.customer_id.as_str(),
            "percent": percent,
            "expires_at": to_key(coupon.expires_at),
            "reason": coupon.reason.as_str(),
        }),
    )
}

/// `ticket.opened`: the help desk learns the ticket number.
pub fn ticket_opened(ticket: &Ticket, source: &str) -> OutboundMessage {
    envelope(
        format!("ticket.opened:{}", ticket.number),
        "ticket.opened",
        source,
        ticket.opened_at,
        json!({
            "ticket_id": ticket.number.as_str(),
            "customer_id": ticket.customer_id.as_str(),
            "origin": ticket.origin.as_str(),
            "category": ticket.category.as_str(),
            "priority": ticket.priority.as_str(),
            "order_id": ticket.order_id,
            "product_id": ticket.product_id,
            "deadlines": ticket.sla.as_ref().map(|sla| json!({
                "first_reply_due": to_key(sla.first_reply.due),
                "resolution_due": to_key(sla.resolution.due),
            })),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coupon::{CouponCode, CouponReason};
    use crate::domain::customer::CustomerId;

    #[test]
    fn what_is_published_reads_back_and_anything_else_is_named() {
        let coupon = Coupon {
            code: CouponCode::parse("RVW-ABCDE-23456").unwrap(),
            customer_id: CustomerId::parse("c-1").unwrap(),
            reason: CouponReason::NegativeReview,
            value: CouponValue::Percent(15),
            issued_at: "2026-11-22T10:15:00Z".parse().unwrap(),
            expires_at: "2026-12-22T20:59:59Z".parse().unwrap(),
            source_event: "shop/test#r-1".into(),
        };
        let published = coupon_issued(&coupon, "memnun/review-responder");
        assert_eq!(OutboundMessage::parse(&published.body).unwrap(), published);
        for (body, field) in [
            ("[]", "specversion"),
            ("nope", "body"),
            (
                r#"{"specversion":"1.0","type":"coupon.issued","data":{}}"#,
                "id",
            ),
            (
                r#"{"specversion":"1.0","id":"x","type":"review.posted","data":{}}"#,
                "type",
            ),
            (
                r#"{"specversion":"1.0","id":"x","type":"ticket.opened"}"#,
                "data",
            ),
        ] {
            let e = OutboundMessage::parse(body).unwrap_err().to_string();
            assert!(e.contains(&format!("`{field}`")), "{body}: {e}");
        }
    }
}
