//! Events memnun publishes for the shop's systems, in the same envelope.
//!
//! Their ids are derived from what caused them, so a republish after a retry
//! carries the same id and consumers can drop the repeat.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use crate::contract::internal::SlaAlarm;
use crate::domain::coupon::{Coupon, CouponValue};
use crate::domain::customer::CustomerId;
use crate::domain::desk::{TicketClosed, TicketEscalated, TicketOpened, TicketUpdated};
use crate::domain::history::{History, PastOrder};
use crate::domain::order::{OrderId, Stage};
use crate::domain::rating::Rating;
use crate::domain::thread::JoinedBy;
use crate::domain::ticket::{
    Category, Channel, Origin, Priority, ResolvedAs, Ticket, TicketNumber,
};
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

/// The ticket an outbound message is about (`data.ticket_id`), if any: the
/// outbound function carries one ticket's messages one after the other.
/// Reads nothing else and judges nothing: [`OutboundMessage::parse`] does.
pub fn ticket_of(body: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Event {
        data: Data,
    }
    #[derive(serde::Deserialize)]
    struct Data {
        ticket_id: String,
    }
    if body.len() > super::MAX_BODY_BYTES {
        return None;
    }
    serde_json::from_str::<Event>(body)
        .ok()
        .map(|e| e.data.ticket_id)
}

/// The types memnun publishes on the outbound queue.
pub const KINDS: [&str; 6] = [
    "coupon.issued",
    "coupon.redeemed",
    "ticket.opened",
    "ticket.escalated",
    "ticket.updated",
    "ticket.closed",
];

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

/// `coupon.redeemed`: an order used one of memnun's coupons for the first
/// time memnun saw (once per code: its id is the code's; should an order
/// placed earlier come in later, the record moves, the message stays). The order's customer, total
/// and currency travel with it; the shop's own systems can tie revenue to
/// the campaign.
pub fn coupon_redeemed(
    r: &crate::domain::redemption::Redemption,
    customer: &crate::domain::customer::CustomerId,
    source: &str,
) -> OutboundMessage {
    envelope(
        format!("coupon.redeemed:{}", r.code.as_str()),
        "coupon.redeemed",
        source,
        r.at,
        json!({
            "code": r.code.as_str(),
            "reason": r.reason.as_str(),
            "customer_id": customer.as_str(),
            "order_id": r.order_id.as_str(),
            "total_cents": r.total_cents,
            "currency": r.currency,
            "issued_at": r.issued_at.map(to_key),
            "days_to_redeem": r.days(),
        }),
    )
}

/// `ticket.opened`: the help desk learns the ticket number, and, for a
/// complaint, the customer's history ([`History`]).
pub fn ticket_opened(ticket: &Ticket, history: Option<&History>, source: &str) -> OutboundMessage {
    let mut data = json!({
        "ticket_id": ticket.number.as_str(),
        "customer_id": ticket.customer_id.as_str(),
        "origin": ticket.origin.as_str(),
        "category": ticket.category.as_str(),
        "priority": ticket.priority.as_str(),
        "channel": ticket.channel.map(|c| c.as_str()),
        "order_id": ticket.order_id,
        "product_id": ticket.product_id,
        "deadlines": ticket.sla.as_ref().map(|sla| json!({
            "first_reply_due": to_key(sla.first_reply.due),
            "resolution_due": to_key(sla.resolution.due),
        })),
    });
    if let (Some(h), Some(map)) = (history, data.as_object_mut()) {
        map.insert("history".into(), history_json(h));
    }
    envelope(
        format!("ticket.opened:{}", ticket.number),
        "ticket.opened",
        source,
        ticket.opened_at,
        data,
    )
}

/// `ticket.escalated`: a deadline of the ticket was missed; from now on it
/// is handled as urgent ([`crate::domain::escalation`]), and the help desk
/// raises it so.
pub fn ticket_escalated(alarm: &SlaAlarm, at: Timestamp, source: &str) -> OutboundMessage {
    envelope(
        format!(
            "ticket.escalated:{}:{}",
            alarm.ticket_id,
            alarm.goal.as_str()
        ),
        "ticket.escalated",
        source,
        at,
        json!({
            "ticket_id": alarm.ticket_id.as_str(),
            "customer_id": alarm.customer_id.as_str(),
            "missed": alarm.goal.as_str(),
            "due": to_key(alarm.due),
            "priority": Priority::Urgent.as_str(),
            "priority_before": alarm.priority.as_str(),
        }),
    )
}

/// `ticket.updated`: the customer wrote again about an open ticket, on
/// `channel` at `at`, and the message joined it as its `message`-th
/// ([`crate::domain::thread`]) instead of opening a new one. The help desk
/// adds it to its ticket as the customer's comment; the words are read from
/// memnun's table, not carried here.
pub fn ticket_updated(
    ticket: &Ticket,
    message: u32,
    channel: Channel,
    by: JoinedBy,
    at: Timestamp,
    source: &str,
) -> OutboundMessage {
    envelope(
        format!("ticket.updated:{}:{message}", ticket.number),
        "ticket.updated",
        source,
        at,
        json!({
            "ticket_id": ticket.number.as_str(),
            "customer_id": ticket.customer_id.as_str(),
            "message": message,
            "channel": channel.as_str(),
            "joined_by": by.as_str(),
            "channels": ticket.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "status": ticket.status.as_str(),
            "priority": ticket.priority.as_str(),
        }),
    )
}

/// `ticket.closed`: memnun resolved the ticket itself, `resolved_as` says
/// why (`no_reply`: it waited on the customer past `AutoResolveDays`). The
/// help desk solves its ticket with a note; no survey is asked.
pub fn ticket_closed(
    ticket: &Ticket,
    resolved_as: ResolvedAs,
    at: Timestamp,
    source: &str,
) -> OutboundMessage {
    envelope(
        format!("ticket.closed:{}", ticket.number),
        "ticket.closed",
        source,
        at,
        json!({
            "ticket_id": ticket.number.as_str(),
            "customer_id": ticket.customer_id.as_str(),
            "resolved_as": resolved_as.as_str(),
            "waiting_since": ticket.last_agent_reply_at.map(to_key),
        }),
    )
}

fn history_json(h: &History) -> serde_json::Value {
    json!({
        "since": to_key(h.since),
        "tickets": h.tickets,
        "open_tickets": h.open.iter().map(TicketNumber::as_str).collect::<Vec<_>>(),
        "open_count": h.open_count,
        "coupons": h.coupons,
        "last_csat": h.last_csat.map(|(r, at)| json!({"score": r.stars(), "at": to_key(at)})),
        "orders": h.orders,
        "last_order": h.last_order.as_ref().map(|o| json!({
            "order_id": o.id.as_str(),
            "stage": o.stage.map(Stage::as_str),
            "placed_at": o.placed_at.map(to_key),
        })),
    })
}

/// What the help desk acts on, read from an outbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForHelpDesk {
    /// A ticket to open.
    Opened(TicketOpened),
    /// A ticket to raise.
    Escalated(TicketEscalated),
    /// A message to add to a ticket.
    Updated(TicketUpdated),
    /// A ticket to solve.
    Closed(TicketClosed),
}

#[derive(Deserialize)]
struct Wire<T> {
    time: String,
    data: T,
}

#[derive(Deserialize)]
struct OpenedWire {
    ticket_id: String,
    customer_id: String,
    origin: String,
    category: String,
    priority: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    order_id: Option<String>,
    #[serde(default)]
    history: Option<HistoryWire>,
}

#[derive(Deserialize)]
struct HistoryWire {
    since: String,
    tickets: u32,
    open_tickets: Vec<String>,
    open_count: u32,
    coupons: u32,
    last_csat: Option<CsatWire>,
    orders: u32,
    last_order: Option<OrderWire>,
}

#[derive(Deserialize)]
struct CsatWire {
    score: u8,
    at: String,
}

#[derive(Deserialize)]
struct OrderWire {
    order_id: String,
    stage: Option<String>,
    placed_at: Option<String>,
}

#[derive(Deserialize)]
struct ClosedWire {
    ticket_id: String,
    customer_id: String,
    resolved_as: String,
}

#[derive(Deserialize)]
struct UpdatedWire {
    ticket_id: String,
    customer_id: String,
    message: u32,
    channel: String,
}

#[derive(Deserialize)]
struct EscalatedWire {
    ticket_id: String,
    customer_id: String,
    missed: String,
    due: String,
    priority: String,
}

impl ForHelpDesk {
    /// What `message` asks of the help desk: `None` for a type it has
    /// nothing to do with (`coupon.issued`); a contract violation naming the
    /// field for a body memnun would not have published.
    pub fn read(message: &OutboundMessage) -> crate::Result<Option<ForHelpDesk>> {
        use crate::Error;
        let bad = |field: &str, what: &str| Error::contract(format!("data.{field}"), what);
        let number = |v: &str| {
            TicketNumber::parse(v)
                .ok_or_else(|| bad("ticket_id", "must be a ticket number such as TK-4821-0937"))
        };
        let time = |field: &str, v: &str| -> crate::Result<Timestamp> {
            v.parse()
                .map_err(|_| bad(field, "must be an RFC 3339 time"))
        };
        let priority =
            |v: &str| Priority::parse(v).ok_or_else(|| bad("priority", "is not a priority"));
        let customer =
            |v: &str| CustomerId::parse(v).map_err(|_| bad("customer_id", "is not a customer id"));
        // The envelope's time: when the event happened.
        let sent = |v: &str| -> crate::Result<Timestamp> {
            v.parse()
                .map_err(|_| Error::contract("time", "must be an RFC 3339 time"))
        };
        match message.kind {
            "ticket.opened" => {
                let w: Wire<OpenedWire> = parse_data(&message.body)?;
                let d = w.data;
                let history = match d.history {
                    None => None,
                    Some(h) => Some(History {
                        since: time("history.since", &h.since)?,
                        tickets: h.tickets,
                        open: h
                            .open_tickets
                            .iter()
                            .map(|n| number(n))
                            .collect::<crate::Result<_>>()?,
                        open_count: h.open_count,
                        coupons: h.coupons,
                        last_csat: match h.last_csat {
                            None => None,
                            Some(c) => Some((
                                Rating::new(c.score).ok_or_else(|| {
                                    bad("history.last_csat.score", "must be 1 to 5")
                                })?,
                                time("history.last_csat.at", &c.at)?,
                            )),
                        },
                        orders: h.orders,
                        last_order: match h.last_order {
                            None => None,
                            Some(o) => Some(PastOrder {
                                id: OrderId::parse(&o.order_id).map_err(|_| {
                                    bad("history.last_order.order_id", "is not an order id")
                                })?,
                                stage: o.stage.as_deref().and_then(Stage::parse),
                                placed_at: o
                                    .placed_at
                                    .as_deref()
                                    .map(|t| time("history.last_order.placed_at", t))
                                    .transpose()?,
                            }),
                        },
                    }),
                };
                Ok(Some(ForHelpDesk::Opened(TicketOpened {
                    ticket_id: number(&d.ticket_id)?,
                    customer_id: customer(&d.customer_id)?,
                    origin: Origin::parse(&d.origin)
                        .ok_or_else(|| bad("origin", "is not an origin"))?,
                    category: Category::parse(&d.category)
                        .ok_or_else(|| bad("category", "is not a category"))?,
                    priority: priority(&d.priority)?,
                    channel: d.channel.as_deref().and_then(Channel::parse),
                    order_id: d.order_id,
                    history,
                })))
            }
            "ticket.escalated" => {
                let w: Wire<EscalatedWire> = parse_data(&message.body)?;
                let d = w.data;
                Ok(Some(ForHelpDesk::Escalated(TicketEscalated {
                    ticket_id: number(&d.ticket_id)?,
                    customer_id: customer(&d.customer_id)?,
                    at: sent(&w.time)?,
                    missed: crate::contract::internal::parse_goal(&d.missed)
                        .ok_or_else(|| bad("missed", "must be first_reply or resolution"))?,
                    due: time("due", &d.due)?,
                    priority: priority(&d.priority)?,
                })))
            }
            "ticket.updated" => {
                let w: Wire<UpdatedWire> = parse_data(&message.body)?;
                let d = w.data;
                if d.message == 0 {
                    return Err(bad("message", "must be 1 or more"));
                }
                Ok(Some(ForHelpDesk::Updated(TicketUpdated {
                    ticket_id: number(&d.ticket_id)?,
                    customer_id: customer(&d.customer_id)?,
                    at: sent(&w.time)?,
                    message: d.message,
                    channel: Channel::parse(&d.channel)
                        .ok_or_else(|| bad("channel", "is not a channel"))?,
                })))
            }
            "ticket.closed" => {
                let w: Wire<ClosedWire> = parse_data(&message.body)?;
                let d = w.data;
                Ok(Some(ForHelpDesk::Closed(TicketClosed {
                    ticket_id: number(&d.ticket_id)?,
                    customer_id: customer(&d.customer_id)?,
                    at: sent(&w.time)?,
                    resolved_as: ResolvedAs::parse(&d.resolved_as)
                        .ok_or_else(|| bad("resolved_as", "must be no_reply or self_served"))?,
                })))
            }
            _ => Ok(None),
        }
    }
}

fn parse_data<T: serde::de::DeserializeOwned>(body: &str) -> crate::Result<T> {
    let value: serde_json::Value = serde_json::from_str(body)
        .map_err(|_| crate::Error::contract("body", "is not a JSON object"))?;
    serde_path_to_error::deserialize(value).map_err(|e| super::serde_error("", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coupon::{CouponCode, CouponReason};

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

    #[test]
    fn the_help_desk_reads_back_what_was_published() {
        use crate::domain::history::{Footprint, PastTicket};
        use crate::domain::ticket::Status;
        let now: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let mut ticket = Ticket::new(
            TicketNumber::parse("TK-4821-0937").unwrap(),
            &CustomerId::parse("c-1").unwrap(),
            Origin::Complaint,
            Category::Delivery,
            Priority::High,
            now,
            "shop/test#k-1",
        );
        ticket.channel = Some(Channel::Web);
        let history = History::summarise(
            now,
            &[PastTicket {
                number: TicketNumber::parse("TK-1111-2222").unwrap(),
                origin: Origin::Complaint,
                opened_at: "2026-11-01T10:00:00Z".parse().unwrap(),
                status: Status::Resolved,
                survey: Some((
                    Rating::new(2).unwrap(),
                    "2026-11-03T10:00:00Z".parse().unwrap(),
                )),
            }],
            &Footprint {
                coupons: Vec::new(),
                orders: vec![PastOrder {
                    id: OrderId::parse("1001").unwrap(),
                    stage: Some(Stage::Delivered),
                    placed_at: Some("2026-10-01T10:00:00Z".parse().unwrap()),
                }],
                order_tickets: Vec::new(),
            },
        );
        let published = ticket_opened(&ticket, Some(&history), "memnun/complaint-intake");
        let Some(ForHelpDesk::Opened(read)) =
            ForHelpDesk::read(&OutboundMessage::parse(&published.body).unwrap()).unwrap()
        else {
            panic!("not a ticket.opened");
        };
        assert_eq!(read.history, Some(history));
        assert_eq!(read.channel, Some(Channel::Web));
        assert_eq!(read.priority, Priority::High);

        let alarm = SlaAlarm {
            ticket_id: ticket.number.clone(),
            goal: crate::domain::sla::Goal::FirstReply,
            due: now,
            priority: Priority::Normal,
            category: Category::Delivery,
            customer_id: ticket.customer_id.clone(),
            part: None,
        };
        let escalated = ticket_escalated(&alarm, now, "memnun/sla-escalator");
        assert_eq!(escalated.id, "ticket.escalated:TK-4821-0937:first_reply");
        let Some(ForHelpDesk::Escalated(read)) =
            ForHelpDesk::read(&OutboundMessage::parse(&escalated.body).unwrap()).unwrap()
        else {
            panic!("not a ticket.escalated");
        };
        assert_eq!(read.priority, Priority::Urgent);

        ticket.channels = vec![Channel::Web, Channel::Email];
        let at = now + jiff::SignedDuration::from_hours(2);
        let updated = ticket_updated(
            &ticket,
            2,
            Channel::Email,
            JoinedBy::Order,
            at,
            "memnun/complaint-intake",
        );
        assert_eq!(updated.id, "ticket.updated:TK-4821-0937:2");
        let Some(ForHelpDesk::Updated(read)) =
            ForHelpDesk::read(&OutboundMessage::parse(&updated.body).unwrap()).unwrap()
        else {
            panic!("not a ticket.updated");
        };
        assert_eq!(
            (read.message, read.channel, read.at),
            (2, Channel::Email, at)
        );
        let closed = ticket_closed(&ticket, ResolvedAs::NoReply, at, "memnun/complaint-intake");
        assert_eq!(closed.id, "ticket.closed:TK-4821-0937");
        let Some(ForHelpDesk::Closed(read)) =
            ForHelpDesk::read(&OutboundMessage::parse(&closed.body).unwrap()).unwrap()
        else {
            panic!("not a ticket.closed");
        };
        assert_eq!((read.resolved_as, read.at), (ResolvedAs::NoReply, at));
        let coupon = r#"{"specversion":"1.0","id":"x","type":"coupon.issued","data":{}}"#;
        assert_eq!(
            ForHelpDesk::read(&OutboundMessage::parse(coupon).unwrap()).unwrap(),
            None
        );
        let broken =
            r#"{"specversion":"1.0","id":"x","type":"ticket.opened","data":{"ticket_id":"TK-1"}}"#;
        let e = ForHelpDesk::read(&OutboundMessage::parse(broken).unwrap()).unwrap_err();
        assert!(e.to_string().contains("data"), "{e}");
    }
}
