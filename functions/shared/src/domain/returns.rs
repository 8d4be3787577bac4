//! A return or exchange as memnun keeps it, from the request to the refund
//! or the replacement parcel, and which of its steps the customer is told.
//!
//! Turkish distance-sales rules (Mesafeli Sözleşmeler Yönetmeliği, Art.
//! 11(2) in its 2014 text) oblige a seller who takes withdrawals on its site
//! to confirm at once that the request reached it. So the first time memnun
//! hears of a return, it keeps the request, opens a ticket so the team
//! handles it, and confirms to the customer with the return's number and
//! what happens next; a request heard of again (a platform's retry under
//! another id) changes nothing and confirms nothing.
//!
//! After the request, the shop's steps arrive in any order ([`ReturnStep`]):
//! approved, received, then refunded (a return) or the replacement shipped
//! (an exchange); or rejected, at the request or after the goods were
//! inspected. Like an order, the record is merged, never replaced, and the
//! customer is told of a step only when it is news to them: an approval
//! that arrives after the goods were received is recorded, not sent; a
//! refund is always told (money moved), once.
//!
//! The refund's clock starts at the request ([`REFUND_DAYS`]). Art. 12 gave
//! the seller 14 days from the withdrawal notice in its 2014 text; the 2022
//! amendment (in force since 2025) counts them from the day the goods are
//! handed to the shop's return carrier, or reach the shop by another one.
//! memnun hears of neither hand-over, and both fall after the request, so a
//! refund within 14 days of the request keeps either reading. Art. 13 gives
//! the customer 10 days from the notice to send the goods back
//! ([`SHIP_BACK_DAYS`]), the date an approval states when the shop names
//! none.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan as _};

use crate::domain::customer::CustomerId;
use crate::domain::order::{Applied, OrderId, Shipment};
use crate::domain::ticket::TicketNumber;
use crate::domain::watch::Watch;

/// Days the seller has to refund, counted from the request (Art. 12).
pub const REFUND_DAYS: i64 = 14;
/// Days the customer has to send the goods back, counted from the request
/// (Art. 13).
pub const SHIP_BACK_DAYS: i64 = 10;

/// The shop's id for a return: printable, without control characters, at
/// most 128 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReturnId(String);

impl ReturnId {
    /// Validates a producer-supplied id.
    pub fn parse(s: &str) -> Result<Self, String> {
        crate::domain::order::shop_id(s).map(ReturnId)
    }

    /// The id as the shop wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ReturnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the customer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReturnKind {
    /// The goods back, the money back.
    Return,
    /// The goods back, other goods out.
    Exchange,
}

impl ReturnKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnKind::Return => "return",
            ReturnKind::Exchange => "exchange",
        }
    }

    /// Reads a stored or sent name.
    pub fn parse(s: &str) -> Option<ReturnKind> {
        match s {
            "return" => Some(ReturnKind::Return),
            "exchange" => Some(ReturnKind::Exchange),
            _ => None,
        }
    }
}

/// A refund as the shop reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// How much, as the shop wrote it (a decimal: `149.90`).
    pub amount: String,
    /// Its currency (ISO 4217).
    pub currency: String,
    /// How it was paid back (`card`, `bank transfer`, …), as the shop says.
    pub method: Option<String>,
}

/// The shop's approval: how the goods come back, and by when.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Approval {
    /// A prepaid label or a return code's page (https only).
    pub label_url: Option<String>,
    /// What to do, in the shop's words.
    pub instructions: Option<String>,
    /// The last day to send the goods, as the shop gives it.
    pub ship_by: Option<Date>,
}

/// What an event says happened to a return after its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReturnStep {
    /// `return.approved`.
    Approved(Approval),
    /// `return.rejected`, with the shop's reason.
    Rejected(String),
    /// `return.received`: the goods are back.
    Received,
    /// `refund.issued` naming this return.
    Refunded(Refund),
    /// `exchange.shipped`: the replacement is on its way.
    ExchangeShipped(Shipment),
}

/// Where a return stands, in the order a customer lives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReturnStage {
    /// Asked for; nothing decided yet.
    Requested,
    /// Approved: the goods may come back.
    Approved,
    /// The goods are back with the shop.
    Received,
    /// Refused.
    Rejected,
    /// Money paid back.
    Refunded,
    /// The replacement shipped.
    ExchangeShipped,
}

impl ReturnStage {
    /// The name the digest and the logs use.
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnStage::Requested => "requested",
            ReturnStage::Approved => "approved",
            ReturnStage::Received => "received",
            ReturnStage::Rejected => "rejected",
            ReturnStage::Refunded => "refunded",
            ReturnStage::ExchangeShipped => "exchange_shipped",
        }
    }
}

impl From<&ReturnStep> for ReturnStage {
    /// The stage a step brings a return to, on its own.
    fn from(step: &ReturnStep) -> Self {
        match step {
            ReturnStep::Approved(_) => ReturnStage::Approved,
            ReturnStep::Rejected(_) => ReturnStage::Rejected,
            ReturnStep::Received => ReturnStage::Received,
            ReturnStep::Refunded(_) => ReturnStage::Refunded,
            ReturnStep::ExchangeShipped(_) => ReturnStage::ExchangeShipped,
        }
    }
}

/// A return as memnun keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Return {
    /// Which return.
    pub id: ReturnId,
    /// Of which order.
    pub order_id: OrderId,
    /// Whose.
    pub customer_id: CustomerId,
    /// A return or an exchange.
    pub kind: ReturnKind,
    /// Why, as the customer gave it.
    pub reason: Option<String>,
    /// When it was requested (the event's time): the legal clocks start here.
    pub requested_at: Timestamp,
    /// The team's ticket for it.
    pub ticket: TicketNumber,
    /// When it was approved, and how.
    pub approved: Option<(Timestamp, Approval)>,
    /// When it was rejected, and why.
    pub rejected: Option<(Timestamp, String)>,
    /// When the goods came back.
    pub received_at: Option<Timestamp>,
    /// When the money was paid back, and how much.
    pub refunded: Option<(Timestamp, Refund)>,
    /// When the replacement first shipped, and its latest parcel.
    pub exchange: Option<(Timestamp, Shipment)>,
    /// The refund's clocks that alerted, and when
    /// ([`crate::domain::watch`]): each alerts once.
    pub alerted: Vec<(Watch, Timestamp)>,
    /// The stored version, for optimistic concurrency (0: not stored yet).
    pub version: u64,
}

impl Return {
    /// A request just heard of.
    pub fn requested(
        id: ReturnId,
        order_id: OrderId,
        customer_id: CustomerId,
        kind: ReturnKind,
        reason: Option<String>,
        requested_at: Timestamp,
        ticket: TicketNumber,
    ) -> Self {
        Return {
            id,
            order_id,
            customer_id,
            kind,
            reason,
            requested_at,
            ticket,
            approved: None,
            rejected: None,
            received_at: None,
            refunded: None,
            exchange: None,
            alerted: Vec::new(),
            version: 0,
        }
    }

    /// Where the return stands: its latest step. A refund or a replacement
    /// is the end whatever else was said; a rejection ends it otherwise.
    pub fn stage(&self) -> ReturnStage {
        if self.refunded.is_some() {
            ReturnStage::Refunded
        } else if self.exchange.is_some() {
            ReturnStage::ExchangeShipped
        } else if self.rejected.is_some() {
            ReturnStage::Rejected
        } else if self.received_at.is_some() {
            ReturnStage::Received
        } else if self.approved.is_some() {
            ReturnStage::Approved
        } else {
            ReturnStage::Requested
        }
    }

    /// Merges what `step`, an event of time `at`, says, and answers whether
    /// the customer is to be told. A step is told when it is news: an
    /// approval before anything later, a receipt before the return closed,
    /// a rejection before money or goods went out, every refund's first
    /// report, every new replacement parcel.
    pub fn apply(&mut self, step: &ReturnStep, at: Timestamp) -> Applied {
        let before = self.clone();
        let tell = match step {
            ReturnStep::Approved(approval) => {
                let news = self.approved.is_none() && self.stage() == ReturnStage::Requested;
                if self.approved.is_none() {
                    self.approved = Some((at, approval.clone()));
                }
                news
            }
            ReturnStep::Rejected(reason) => {
                let news =
                    self.rejected.is_none() && self.refunded.is_none() && self.exchange.is_none();
                if self.rejected.is_none() {
                    self.rejected = Some((at, reason.clone()));
                }
                news
            }
            ReturnStep::Received => {
                let news = self.received_at.is_none()
                    && matches!(self.stage(), ReturnStage::Requested | ReturnStage::Approved);
                self.received_at.get_or_insert(at);
                news
            }
            ReturnStep::Refunded(refund) => {
                let news = self.refunded.is_none();
                if news {
                    self.refunded = Some((at, refund.clone()));
                }
                news
            }
            ReturnStep::ExchangeShipped(parcel) => {
                let new_parcel = self.exchange.as_ref().map(|(_, p)| p) != Some(parcel);
                if new_parcel {
                    let first = self.exchange.as_ref().map_or(at, |(t, _)| (*t).min(at));
                    self.exchange = Some((first, parcel.clone()));
                }
                new_parcel
            }
        };
        if *self == before {
            Applied::Unchanged
        } else if tell {
            Applied::Tell
        } else {
            Applied::Recorded
        }
    }

    /// The last day the law gives the shop to refund: [`REFUND_DAYS`] after
    /// the day of the request, on the shop's calendar.
    pub fn refund_due(&self, shop_tz: &TimeZone) -> Date {
        day_after(self.requested_at, shop_tz, REFUND_DAYS)
    }

    /// The last day to send the goods back: the shop's date, or
    /// [`SHIP_BACK_DAYS`] after the day of the request.
    pub fn ship_by(&self, shop_tz: &TimeZone) -> Date {
        self.approved
            .as_ref()
            .and_then(|(_, a)| a.ship_by)
            .unwrap_or_else(|| day_after(self.requested_at, shop_tz, SHIP_BACK_DAYS))
    }
}

/// The day `days` after the day of `t` in `tz`.
fn day_after(t: Timestamp, tz: &TimeZone, days: i64) -> Date {
    let day = t.to_zoned(tz.clone()).date();
    day.checked_add(days.days()).unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_kinds_read_back_as_written() {
        assert_eq!(ReturnId::parse("RMA-7").unwrap().as_str(), "RMA-7");
        assert!(ReturnId::parse("").is_err());
        assert!(ReturnId::parse(&"r".repeat(129)).is_err());
        assert!(ReturnId::parse("a\nb").is_err());
        for kind in [ReturnKind::Return, ReturnKind::Exchange] {
            assert_eq!(ReturnKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ReturnKind::parse("refund"), None);
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn request() -> Return {
        Return::requested(
            ReturnId::parse("RMA-1").unwrap(),
            OrderId::parse("1001").unwrap(),
            CustomerId::parse("c-1").unwrap(),
            ReturnKind::Return,
            None,
            at("2026-12-05T21:30:00Z"),
            TicketNumber::parse("TK-1234-5678").unwrap(),
        )
    }

    fn refund() -> ReturnStep {
        ReturnStep::Refunded(Refund {
            amount: "149.90".into(),
            currency: "TRY".into(),
            method: Some("card".into()),
        })
    }

    #[test]
    fn each_step_in_order_is_told_once() {
        let mut r = request();
        let steps = [
            ReturnStep::Approved(Approval::default()),
            ReturnStep::Received,
            refund(),
        ];
        for (i, step) in steps.iter().enumerate() {
            let t = at("2026-12-06T10:00:00Z") + jiff::SignedDuration::from_hours(i as i64);
            assert_eq!(r.apply(step, t), Applied::Tell, "{step:?}");
            assert_eq!(r.apply(step, t), Applied::Unchanged, "{step:?} again");
        }
        assert_eq!(r.stage(), ReturnStage::Refunded);
    }

    #[test]
    fn a_step_the_customer_has_passed_is_recorded_not_told() {
        let mut r = request();
        assert_eq!(
            r.apply(&ReturnStep::Received, at("2026-12-08T10:00:00Z")),
            Applied::Tell
        );
        let approved = ReturnStep::Approved(Approval::default());
        assert_eq!(
            r.apply(&approved, at("2026-12-06T10:00:00Z")),
            Applied::Recorded
        );
        assert_eq!(
            r.apply(&refund(), at("2026-12-09T10:00:00Z")),
            Applied::Tell
        );
        assert_eq!(
            r.apply(&ReturnStep::Received, at("2026-12-08T11:00:00Z")),
            Applied::Unchanged
        );
        let rejected = ReturnStep::Rejected("used".into());
        assert_eq!(
            r.apply(&rejected, at("2026-12-10T10:00:00Z")),
            Applied::Recorded
        );
        assert_eq!(
            r.stage(),
            ReturnStage::Refunded,
            "the money moved: that is where it stands"
        );
    }

    #[test]
    fn a_rejection_after_inspection_is_told_and_a_later_refund_too() {
        let mut r = request();
        r.apply(&ReturnStep::Received, at("2026-12-08T10:00:00Z"));
        let rejected = ReturnStep::Rejected("used".into());
        assert_eq!(
            r.apply(&rejected, at("2026-12-09T10:00:00Z")),
            Applied::Tell
        );
        assert_eq!(r.stage(), ReturnStage::Rejected);
        assert_eq!(
            r.apply(&refund(), at("2026-12-10T10:00:00Z")),
            Applied::Tell
        );
    }

    #[test]
    fn every_order_of_arrival_ends_in_the_same_record() {
        let steps = [
            (
                ReturnStep::Approved(Approval::default()),
                at("2026-12-06T10:00:00Z"),
            ),
            (ReturnStep::Received, at("2026-12-08T10:00:00Z")),
            (refund(), at("2026-12-09T10:00:00Z")),
        ];
        let sequences = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        let records: Vec<Return> = sequences
            .iter()
            .map(|s| {
                let mut r = request();
                for &i in s {
                    r.apply(&steps[i].0, steps[i].1);
                }
                r
            })
            .collect();
        assert!(records.windows(2).all(|w| w[0] == w[1]), "{records:#?}");
    }

    #[test]
    fn the_legal_dates_count_from_the_request_on_the_shops_calendar() {
        let r = request();
        let istanbul = TimeZone::get("Europe/Istanbul").unwrap();
        // 21:30 UTC on 5 December is 00:30 on the 6th in Istanbul.
        assert_eq!(r.refund_due(&istanbul), Date::constant(2026, 12, 20));
        assert_eq!(r.ship_by(&istanbul), Date::constant(2026, 12, 16));
        assert_eq!(r.refund_due(&TimeZone::UTC), Date::constant(2026, 12, 19));
        let mut given = request();
        given.apply(
            &ReturnStep::Approved(Approval {
                ship_by: Some(Date::constant(2026, 12, 31)),
                ..Approval::default()
            }),
            at("2026-12-06T10:00:00Z"),
        );
        assert_eq!(given.ship_by(&istanbul), Date::constant(2026, 12, 31));
    }

    #[test]
    fn a_second_replacement_parcel_is_told_too() {
        let mut r = request();
        let parcel = |n: &str| Shipment {
            tracking_number: Some(n.into()),
            ..Shipment::default()
        };
        let first = ReturnStep::ExchangeShipped(parcel("YK1"));
        assert_eq!(r.apply(&first, at("2026-12-09T10:00:00Z")), Applied::Tell);
        assert_eq!(
            r.apply(&first, at("2026-12-09T10:00:00Z")),
            Applied::Unchanged
        );
        let second = ReturnStep::ExchangeShipped(parcel("YK2"));
        assert_eq!(r.apply(&second, at("2026-12-10T10:00:00Z")), Applied::Tell);
        assert_eq!(r.exchange.as_ref().unwrap().0, at("2026-12-09T10:00:00Z"));
    }
}
