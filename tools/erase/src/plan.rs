//! What erasure does with each kind of item, and why: the policy, as data
//! and pure functions, apart from the DynamoDB calls that carry it out.
//!
//! | item | how it is found | what happens |
//! |---|---|---|
//! | customer (`CUSTOMER#<id>` / `PROFILE`) | its key | deleted, last: contact details, birthday and its `by_birthday` entry, consent, greeting and apology-cap marks |
//! | review, coupon by cause, ticket link, an order's last ticket, the words of a message that joined a ticket (`THREAD#…`), anything else in the customer's partition | one query on the partition | deleted: everything there is about the customer |
//! | ticket (`TICKET#<number>` / `TICKET`) | the `by_customer` index, and the ticket links in the partition | kept as an anonymous shell (below) |
//! | coupon by code (`COUPON#<code>` / `COUPON`) | the code on each coupon by cause | kept without its customer (below) |
//! | message held until a civil hour (`SCHEDULED#<alarm id>` / `MESSAGE`) | its id, derived from each ticket number | deleted |
//! | order (`ORDER#<id>` / `ORDER`), return (`RETURN#<id>` / `RETURN`) | the links in the customer's partition | deleted, with the journey's clocks held for them (`SCHEDULED#journey.due:<watch>:<id>`): memnun's view of the journey is about the customer alone, and a later event about it is treated as new, or as not known |
//! | a week's counters (`STATS#<week>`) | — | kept: counts, nothing about a person |
//! | idempotency records | — | kept: their keys hold the opaque customer id, no contact detail, and they expire by TTL |
//! | suppression entries (`SUPPRESSED#<hash>`) | — | kept: a hash of an address that asked for no mail, which is what keeps it from getting any |
//!
//! **Why tickets stay, as shells.** The shop's help desk knows the ticket
//! by its number, and agents may still reply to it or resolve it: an event
//! for a missing ticket would be retried until it rests in a dead-letter
//! queue. Ticket numbers are also never reused, and the stored ticket is
//! what reserves its number. So the ticket item stays with what the help
//! desk's workflow needs ([`TICKET_KEEPS`]: number, origin, category,
//! priority, status, its channels and its times), and loses everything that says
//! who or what: the customer id (replaced by [`ERASED`]), the order and
//! product, the summary and subject, the causing event, its place in the
//! customer index, and its SLA clocks with their place in the due index, so
//! that no alarm and no apology ever comes from it again.
//!
//! **Why coupon codes stay.** A code was sent to the shop's platform
//! (`coupon.issued`) and may still be redeemed there until it expires.
//! memnun's record of the code is what keeps every code unique: a new coupon
//! must never be issued under an old, still redeemable code. So the record
//! stays with the code, reason, value and validity ([`COUPON_KEEPS`]), and
//! without the customer or the event that caused it.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use memnun_shared::contract::internal::{JOURNEY_DUE, Part, SLA_BREACHED, SLA_WARNING, alarm_id};
use memnun_shared::domain::sla::Goal;
use memnun_shared::domain::ticket::TicketNumber;
use memnun_shared::domain::watch::Watch;
use memnun_shared::time::to_key;

/// An item as DynamoDB returns it.
pub type Item = HashMap<String, AttributeValue>;

/// What stands in place of the customer id on a kept ticket or coupon. It
/// has parentheses, which no shop's customer id has in practice, so it never
/// names a real customer.
pub const ERASED: &str = "(erased)";

/// The attributes a ticket shell keeps (besides `customer_id` and
/// `source_event`, set to [`ERASED`], `version`, raised by one, and
/// `erased_at`).
pub const TICKET_KEEPS: &[&str] = &[
    "pk",
    "sk",
    "number",
    "origin",
    "category",
    "priority",
    "status",
    "channel",
    "channels",
    "messages",
    "acknowledged_at",
    "opened_at",
    "last_agent_reply_at",
    "last_customer_reply_at",
    "resolved_at",
    "resolved_as",
    "survey_score",
    "survey_at",
];

/// The attributes a coupon record kept by its code keeps (besides
/// `customer_id` and `source_event`, set to [`ERASED`], and `erased_at`).
pub const COUPON_KEEPS: &[&str] = &[
    "pk",
    "sk",
    "code",
    "reason",
    "percent",
    "issued_at",
    "expires_at",
];

/// The kinds of item in a customer's partition, by sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `PROFILE`: the customer.
    Profile,
    /// `REVIEW#…`
    Review,
    /// `COUPON#…`: a coupon by its cause, with the code.
    Coupon,
    /// `TICKET#…`: the link to a ticket opened for a cause.
    TicketLink,
    /// `ORDER#…`: the link to an order.
    OrderLink,
    /// `RETURN#…`: the link to a return.
    ReturnLink,
    /// Anything else: still theirs, since it is in their partition.
    Other,
}

impl Kind {
    /// The kind of the item with sort key `sk`.
    pub fn of(sk: &str) -> Kind {
        if sk == "PROFILE" {
            Kind::Profile
        } else if sk.starts_with("REVIEW#") {
            Kind::Review
        } else if sk.starts_with("COUPON#") {
            Kind::Coupon
        } else if sk.starts_with("TICKET#") {
            Kind::TicketLink
        } else if sk.starts_with("ORDER#") {
            Kind::OrderLink
        } else if sk.starts_with("RETURN#") {
            Kind::ReturnLink
        } else {
            Kind::Other
        }
    }
}

/// `item` reduced to `keeps`, with the customer and the cause replaced by
/// [`ERASED`] and the time of the erasure recorded.
pub fn shell(item: &Item, keeps: &[&str], erased_at: Timestamp) -> Item {
    let mut out: Item = item
        .iter()
        .filter(|(name, _)| keeps.contains(&name.as_str()))
        .map(|(name, v)| (name.clone(), v.clone()))
        .collect();
    for name in ["customer_id", "source_event"] {
        out.insert(name.to_string(), AttributeValue::S(ERASED.to_string()));
    }
    out.insert(
        "erased_at".to_string(),
        AttributeValue::S(to_key(erased_at)),
    );
    out
}

/// The partition keys of every message the SLA escalator may hold back for
/// `ticket`: an alarm's id is `<sla.warning|sla.breached>:<ticket>:<goal>`,
/// with `:team` or `:customer` when only that part waits.
pub fn held_message_keys(ticket: &TicketNumber) -> Vec<String> {
    let mut keys = Vec::with_capacity(12);
    for kind in [SLA_WARNING, SLA_BREACHED] {
        for goal in [Goal::FirstReply, Goal::Resolution] {
            let id = alarm_id(kind, ticket, goal);
            keys.push(format!("{HELD_PREFIX}{id}"));
            for part in [Part::Team, Part::Customer] {
                keys.push(format!("{HELD_PREFIX}{id}:{}", part.as_str()));
            }
        }
    }
    keys
}

/// The partition keys of the journey's clocks held for an order (`order`)
/// or a return: `journey.due:<watch>:<id>`.
pub fn journey_clock_keys(id: &str, order: bool) -> Vec<String> {
    Watch::ALL
        .into_iter()
        .filter(|w| w.of_return() != order)
        .map(|w| format!("{HELD_PREFIX}{JOURNEY_DUE}:{}:{id}", w.as_str()))
        .collect()
}

/// The partition key prefix of held messages (`adapters/due.rs`).
pub const HELD_PREFIX: &str = "SCHEDULED#";
/// Their sort key.
pub const HELD_SK: &str = "MESSAGE";

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.to_string())
    }

    #[test]
    fn kinds_follow_the_sort_key() {
        assert_eq!(Kind::of("PROFILE"), Kind::Profile);
        assert_eq!(
            Kind::of("REVIEW#2026-11-22T10:15:00Z#shop/web#e-1"),
            Kind::Review
        );
        assert_eq!(Kind::of("COUPON#review#shop/web#e-1"), Kind::Coupon);
        assert_eq!(Kind::of("TICKET#complaint#shop/web#e-2"), Kind::TicketLink);
        assert_eq!(Kind::of("ORDER#1001"), Kind::OrderLink);
        assert_eq!(Kind::of("RETURN#RMA-1"), Kind::ReturnLink);
        assert_eq!(
            journey_clock_keys("1001", true),
            [
                "SCHEDULED#journey.due:promise:1001",
                "SCHEDULED#journey.due:unshipped:1001",
                "SCHEDULED#journey.due:undelivered:1001",
                "SCHEDULED#journey.due:review_request:1001"
            ]
        );
        assert_eq!(journey_clock_keys("RMA-1", false).len(), 2);
        assert_eq!(Kind::of("SOMETHING#new"), Kind::Other);
    }

    #[test]
    fn a_ticket_shell_keeps_the_workflow_and_nothing_about_the_person() {
        let item: Item = [
            ("pk", s("TICKET#TK-1234-5678")),
            ("sk", s("TICKET")),
            ("number", s("TK-1234-5678")),
            ("customer_id", s("c-1")),
            ("origin", s("complaint")),
            ("category", s("damaged")),
            ("priority", s("high")),
            ("status", s("open")),
            ("opened_at", s("2026-11-22T09:40:00Z")),
            ("source_event", s("shop/web#c-1-complaint")),
            ("order_id", s("o-1")),
            ("summary", s("Kupa kırık geldi")),
            ("subject", s("Kırık")),
            ("gsi1pk", s("CUSTOMER#c-1")),
            ("gsi1sk", s("TICKET#2026-11-22T09:40:00Z#TK-1234-5678")),
            ("gsi2pk", s("DUE#3")),
            ("gsi2sk", s("2026-11-22T12:52:00Z#TK-1234-5678")),
            ("first_reply_due", s("2026-11-22T13:40:00Z")),
            ("paused_since", s("2026-11-22T10:00:00Z")),
            ("some_future_attribute", s("who knows")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let shell = shell(&item, TICKET_KEEPS, "2026-12-01T09:00:00Z".parse().unwrap());
        let text = format!("{shell:?}");
        for gone in [
            "c-1",
            "o-1",
            "Kupa",
            "Kırık",
            "CUSTOMER#",
            "DUE#",
            "13:40",
            "future",
        ] {
            assert!(!text.contains(gone), "{gone} kept: {text}");
        }
        for kept in [
            "number",
            "origin",
            "category",
            "priority",
            "status",
            "opened_at",
        ] {
            assert_eq!(shell.get(kept), item.get(kept), "{kept}");
        }
        assert_eq!(shell.get("customer_id"), Some(&s(ERASED)));
        assert_eq!(shell.get("erased_at"), Some(&s("2026-12-01T09:00:00Z")));
    }

    #[test]
    fn a_coupon_keeps_its_code_value_and_validity() {
        let item: Item = [
            ("pk", s("COUPON#RVW-ABCDE-23456")),
            ("sk", s("COUPON")),
            ("code", s("RVW-ABCDE-23456")),
            ("customer_id", s("c-1")),
            ("reason", s("review")),
            ("percent", AttributeValue::N("20".into())),
            ("issued_at", s("2026-11-22T10:15:00Z")),
            ("expires_at", s("2026-12-22T20:59:59Z")),
            ("source_event", s("order:o-1")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let shell = shell(&item, COUPON_KEEPS, Timestamp::UNIX_EPOCH);
        assert_eq!(shell.get("code"), item.get("code"));
        assert_eq!(shell.get("percent"), item.get("percent"));
        assert_eq!(shell.get("expires_at"), item.get("expires_at"));
        assert_eq!(shell.get("source_event"), Some(&s(ERASED)));
        assert!(!format!("{shell:?}").contains("c-1"));
    }

    #[test]
    fn every_held_message_of_a_ticket_is_named() {
        let keys = held_message_keys(&TicketNumber::parse("TK-1234-5678").unwrap());
        assert_eq!(keys.len(), 12);
        assert!(keys.contains(&"SCHEDULED#sla.warning:TK-1234-5678:first_reply".to_string()));
        assert!(
            keys.contains(&"SCHEDULED#sla.breached:TK-1234-5678:resolution:customer".to_string())
        );
    }
}
