//! Key builders, so every key is spelt in one place: the table's own keys
//! and the due index's (its shards).

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;

use super::item::*;
use crate::domain::coupon::{CouponCode, CouponReason};
use crate::domain::customer::CustomerId;
use crate::domain::order::OrderId;
use crate::domain::returns::ReturnId;
use crate::domain::ticket::{Origin, TicketNumber};
use crate::time::to_key;

/// A customer's partition.
pub fn customer(id: &CustomerId) -> String {
    format!("CUSTOMER#{}", id.as_str())
}

/// The customer's own item.
pub const PROFILE: &str = "PROFILE";

/// An order's item.
pub fn order(id: &OrderId) -> String {
    format!("ORDER#{}", id.as_str())
}

/// A return request's item.
pub fn return_request(id: &ReturnId) -> String {
    format!("RETURN#{}", id.as_str())
}

/// A review's sort key.
pub fn review(posted_at: Timestamp, event_key: &str) -> String {
    format!("REVIEW#{}#{event_key}", to_key(posted_at))
}

/// A coupon's sort key in its customer's partition.
pub fn coupon_by_cause(reason: CouponReason, event_key: &str) -> String {
    format!("COUPON#{}#{event_key}", reason.as_str())
}

/// A coupon's own partition.
pub fn coupon(code: &CouponCode) -> String {
    format!("COUPON#{}", code.as_str())
}

/// The name of the index of coupons by the day they were issued.
pub const ISSUED_INDEX: &str = "by_issue_day";

/// A coupon's partition in [`ISSUED_INDEX`]: the UTC day it was issued. A
/// day of coupons is one partition; memnun issues far fewer a second than
/// one partition takes.
pub fn issued_day(day: jiff::civil::Date) -> String {
    format!("ISSUED#{day}")
}

/// A coupon's sort key in [`ISSUED_INDEX`]: when, then which.
pub fn issued_at(at: Timestamp, code: &CouponCode) -> String {
    format!("{}#{}", to_key(at), code.as_str())
}

/// A ticket's own partition.
pub fn ticket(number: &TicketNumber) -> String {
    format!("TICKET#{number}")
}

/// A coupon's redemption, under its code (sort key [`REDEMPTION`]).
pub fn redemption(code: &CouponCode) -> String {
    format!("REDEEMED#{}", code.as_str())
}

/// The sort key of a redemption.
pub const REDEMPTION: &str = "REDEMPTION";

/// A ticket's sort key in its customer's partition.
pub fn ticket_by_cause(origin: Origin, event_key: &str) -> String {
    format!("TICKET#{}#{event_key}", origin.as_str())
}

/// The item in a customer's partition naming the ticket last opened about
/// an order (`domain::thread`). Sorts between the coupons and the order
/// links, so the customer's footprint reads it in the same query.
pub fn order_ticket(order_id: &str) -> String {
    format!("OPENED#ORDER#{order_id}")
}

/// A message that joined a ticket, in its customer's partition (after the
/// profile: the footprint's query does not read them).
pub fn thread_message(ticket: &TicketNumber, message: u32) -> String {
    format!("THREAD#{ticket}#{message:04}")
}

/// A ticket's sort key in the customer index.
pub fn ticket_in_index(opened_at: Timestamp, number: &TicketNumber) -> String {
    format!("TICKET#{}#{number}", to_key(opened_at))
}

/// How many shards the due index has. A constant, not a setting: every
/// writer and the sweep must agree on it, and a lowered value would leave
/// the tickets in the dropped shards unwatched without a sound. Raising it
/// is safe at any time (entries stay where they are and the sweep reads the
/// new, larger range); 16 keys take about 16,000 writes a second.
pub const DUE_SHARDS: u32 = 16;

/// The shard of `key`: FNV-1a, which never changes between builds (the
/// standard hasher may), modulo [`DUE_SHARDS`].
pub fn shard_of(key: &str) -> u32 {
    let hash = key.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash % DUE_SHARDS
}

/// The due index's partition of a shard.
pub fn partition(shard: u32) -> String {
    format!("DUE#{shard}")
}

/// The index attributes of a ticket whose next alarm is due at `next_due`.
pub fn ticket_index_keys(
    number: &TicketNumber,
    next_due: Timestamp,
) -> [(String, AttributeValue); 2] {
    [
        (
            "gsi2pk".to_string(),
            s(partition(shard_of(number.as_str()))),
        ),
        (
            "gsi2sk".to_string(),
            s(format!("{}#{number}", to_key(next_due))),
        ),
    ]
}
