//! The journey's own clocks: when memnun looks again at an order or a
//! return without being told, and what it finds due then.
//!
//! A shop's systems report what happened; nobody reports what did not. An
//! order that never ships, a parcel that never arrives, a refund the law's
//! period runs out on: memnun notices these itself. When an order or a
//! return is first kept, each of its clocks is set as a message held in the
//! due index until its time ([`Watch`], [`JourneyPolicy`]); the SLA sweep
//! sends it then, and the journey decides with the record as it is at that
//! moment ([`Order::still_due`], [`Return::still_due`]): an order shipped in
//! time, a refund made, is not alerted. Each alert is once per record.
//!
//! | watch | set when | due | tells |
//! | --- | --- | --- | --- |
//! | `promise` | an order gets a promise, or a later one | the end of the promised day on the customer's clock | the customer: the late-order apology, once per order |
//! | `unshipped` | an order is placed | the end of the `ShipWithinDays`-th working day after the day it was placed (the shop's calendar) | the team |
//! | `undelivered` | an order is placed | 30 days after it was placed (Art. 16(1): delivery within 30 days at most) | the lead |
//! | `refund_warning` | a return (not an exchange) is requested | `RefundWarningDays` after the request | the team |
//! | `refund_overdue` | the same | the end of the refund's last legal day (the shop's clock) | the lead, and the customer once, with a new date |
//! | `review_request` | an order is first delivered (review requests on) | `ReviewRequestDays` after the day of delivery, at `ReviewRequestHour` on the customer's clock | the customer: a review request, once per order, under [`crate::domain::review_request`]'s checks |
//!
//! Times are taken from the events (the placing, the request), never the
//! wall clock, so a replay sets the same clocks; a clock speaks as of the
//! moment it fell due (its event's `time`), however late the sweep that
//! sends it, so a replay also says the same.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan as _};

use crate::domain::calendar::BusinessCalendar;
use crate::domain::order::{Order, Stage};
use crate::domain::returns::{Return, ReturnKind};

/// A clock of the journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Watch {
    /// An order's promised day ended without a delivery: the customer is
    /// apologised to.
    Promise,
    /// An order not shipped in time: the team is alerted.
    Unshipped,
    /// An order not delivered 30 days after it was placed: the lead is
    /// alerted.
    Undelivered,
    /// A refund whose legal period nears its end: the team is warned.
    RefundWarning,
    /// A refund whose legal period ended: the lead is alerted and the
    /// customer told.
    RefundOverdue,
    /// Days after delivery: the customer is asked for a review.
    ReviewRequest,
}

impl Watch {
    /// Every watch.
    pub const ALL: [Watch; 6] = [
        Watch::Promise,
        Watch::Unshipped,
        Watch::Undelivered,
        Watch::RefundWarning,
        Watch::RefundOverdue,
        Watch::ReviewRequest,
    ];

    /// The stored and sent name.
    pub fn as_str(self) -> &'static str {
        match self {
            Watch::Promise => "promise",
            Watch::Unshipped => "unshipped",
            Watch::Undelivered => "undelivered",
            Watch::RefundWarning => "refund_warning",
            Watch::RefundOverdue => "refund_overdue",
            Watch::ReviewRequest => "review_request",
        }
    }

    /// Reads [`Watch::as_str`] back.
    pub fn parse(s: &str) -> Option<Watch> {
        Watch::ALL.into_iter().find(|w| w.as_str() == s)
    }

    /// Whether the watch is about a return (else about an order).
    pub fn of_return(self) -> bool {
        matches!(self, Watch::RefundWarning | Watch::RefundOverdue)
    }
}

/// Days an order may wait undelivered, counted from its placing: the
/// distance-sales rules' outer limit (Art. 16(1)).
pub const UNDELIVERED_DAYS: i64 = 30;

/// How long the journey's clocks run; the shop's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JourneyPolicy {
    /// Working days an order may take to ship (`SHIP_WITHIN_DAYS`; 0: not
    /// watched).
    pub ship_within_days: i64,
    /// Days after a return's request the team is warned of its refund
    /// (`REFUND_WARNING_DAYS`; 0: no warning).
    pub refund_warning_days: i64,
    /// Days after an overdue refund's legal date the customer is promised
    /// it by (`REFUND_LATE_DAYS`).
    pub refund_late_days: i64,
    /// Days after the day of delivery a review is asked for
    /// (`REVIEW_REQUEST_DAYS`; 0: never).
    pub review_request_days: i64,
    /// The hour of that day, on the customer's clock, the request is due
    /// (`REVIEW_REQUEST_HOUR`): a marketing message at a civil hour.
    pub review_request_hour: i8,
    /// Working days within which an order that comes with no promised
    /// date is taken as promised (`DEFAULT_DELIVERY_DAYS`; 0: such an
    /// order has no promise to keep).
    pub default_delivery_days: i64,
}

impl Default for JourneyPolicy {
    fn default() -> Self {
        JourneyPolicy {
            ship_within_days: 2,
            refund_warning_days: 10,
            refund_late_days: 3,
            review_request_days: 7,
            review_request_hour: 10,
            default_delivery_days: 0,
        }
    }
}

/// The `days`-th working day after the day of `at` on `calendar`.
fn working_days_after(at: Timestamp, days: i64, calendar: &BusinessCalendar) -> Date {
    calendar.working_days_after(at, days)
}

/// The start of the day after `day` in `tz`: the end of `day` on that clock.
pub fn end_of_day(day: Date, tz: &TimeZone) -> Timestamp {
    let next = day.checked_add(1.day()).unwrap_or(day);
    next.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX)
}

impl JourneyPolicy {
    /// When `order`'s promise is broken: the end of its promised day on the
    /// customer's clock (`tz`), while an apology is still due.
    pub fn promise_clock(order: &Order, tz: &TimeZone) -> Option<(Date, Timestamp)> {
        let promise = order.promise()?;
        order
            .apology_due()
            .then(|| (promise, end_of_day(promise, tz)))
    }

    /// When `order`'s clocks are due, for those it has: `unshipped` and
    /// `undelivered` from its placing. None before the order is placed.
    pub fn order_clocks(
        &self,
        order: &Order,
        calendar: &BusinessCalendar,
    ) -> Vec<(Watch, Timestamp)> {
        let Some(placed) = order.placed_at else {
            return Vec::new();
        };
        let mut clocks = Vec::with_capacity(2);
        if self.ship_within_days > 0 {
            clocks.push((Watch::Unshipped, self.ship_by(placed, calendar)));
        }
        let undelivered = placed
            .checked_add(SignedDuration::from_hours(24 * UNDELIVERED_DAYS))
            .unwrap_or(Timestamp::MAX);
        clocks.push((Watch::Undelivered, undelivered));
        clocks
    }

    /// The end of the `ship_within_days`-th working day after the day of
    /// `placed`, on the shop's calendar (its days and holidays; hours do not
    /// matter to a parcel).
    pub fn ship_by(&self, placed: Timestamp, calendar: &BusinessCalendar) -> Timestamp {
        let day = working_days_after(placed, self.ship_within_days, calendar);
        end_of_day(day, calendar.time_zone())
    }

    /// The promise of an order placed at `placed` that came with none: the
    /// `default_delivery_days`-th working day after its day, on the shop's
    /// calendar. None when the shop sets no default.
    pub fn default_promise(&self, placed: Timestamp, calendar: &BusinessCalendar) -> Option<Date> {
        (self.default_delivery_days > 0)
            .then(|| working_days_after(placed, self.default_delivery_days, calendar))
    }

    /// When a return's clocks are due: a return (not an exchange) is
    /// warned `refund_warning_days` after its request and overdue at the
    /// end of its last legal day.
    pub fn return_clocks(&self, r: &Return, shop_tz: &TimeZone) -> Vec<(Watch, Timestamp)> {
        if r.kind != ReturnKind::Return {
            return Vec::new();
        }
        let mut clocks = Vec::with_capacity(2);
        if self.refund_warning_days > 0 {
            let warn = r
                .requested_at
                .checked_add(SignedDuration::from_hours(24 * self.refund_warning_days))
                .unwrap_or(Timestamp::MAX);
            clocks.push((Watch::RefundWarning, warn));
        }
        clocks.push((
            Watch::RefundOverdue,
            end_of_day(r.refund_due(shop_tz), shop_tz),
        ));
        clocks
    }

    /// When `order`'s review is asked for: `review_request_days` after the
    /// day it was delivered, at `review_request_hour` on the customer's
    /// clock (`tz`). None when review requests are off or the order is not
    /// delivered. An hour a daylight-saving change skips is taken as the
    /// hour after it.
    pub fn review_clock(&self, order: &Order, tz: &TimeZone) -> Option<Timestamp> {
        if self.review_request_days <= 0 || order.stage != Stage::Delivered {
            return None;
        }
        let delivered = order.delivered_at?.to_zoned(tz.clone()).date();
        let day = delivered
            .checked_add(self.review_request_days.days())
            .ok()?;
        let at = day.at(self.review_request_hour, 0, 0, 0);
        at.to_zoned(tz.clone()).ok().map(|z| z.timestamp())
    }

    /// The day an overdue refund is promised by: `refund_late_days` after
    /// the day it became overdue.
    pub fn late_refund_by(&self, r: &Return, shop_tz: &TimeZone) -> Date {
        let due = r.refund_due(shop_tz);
        due.checked_add((self.refund_late_days + 1).days())
            .unwrap_or(due)
    }
}

/// A record a journey clock watches (an order, a return): asked whether
/// the clock still has something to say, and marked once it has said it.
///
/// The clocks of both are handled alike (read, ask, mark, commit, retry);
/// this is what lets one piece of code do it for either.
pub trait Clocked: Clone {
    /// Whether `watch`, come due, still has something to say.
    fn still_due(&self, watch: Watch) -> bool;

    /// The alerts the record holds: each watch, and when it alerted.
    fn alerts_mut(&mut self) -> &mut Vec<(Watch, Timestamp)>;

    /// A copy marked as alerted of `watch` at `at`: from then on `watch` is
    /// no longer due. The alerts stay sorted, so two deliveries marking in
    /// either order store the same record.
    fn alerted_of(&self, watch: Watch, at: Timestamp) -> Self {
        let mut marked = self.clone();
        let alerts = marked.alerts_mut();
        alerts.push((watch, at));
        alerts.sort();
        marked
    }
}

impl Clocked for Order {
    fn still_due(&self, watch: Watch) -> bool {
        Order::still_due(self, watch)
    }

    fn alerts_mut(&mut self) -> &mut Vec<(Watch, Timestamp)> {
        &mut self.alerted
    }
}

impl Clocked for Return {
    fn still_due(&self, watch: Watch) -> bool {
        Return::still_due(self, watch)
    }

    fn alerts_mut(&mut self) -> &mut Vec<(Watch, Timestamp)> {
        &mut self.alerted
    }
}

impl Order {
    /// Whether `watch`, come due, still has something to say: the order has
    /// not reached the step it waited for, and was not alerted of it yet.
    pub fn still_due(&self, watch: Watch) -> bool {
        if self.alerted.iter().any(|(w, _)| *w == watch) {
            return false;
        }
        match watch {
            Watch::Promise => self.apology_due(),
            Watch::Unshipped => self.stage == Stage::Placed && self.shipped_at.is_none(),
            Watch::Undelivered => matches!(self.stage, Stage::Placed | Stage::Shipped),
            // Delivered and kept: not cancelled at any point, not refunded.
            Watch::ReviewRequest => {
                self.stage == Stage::Delivered
                    && self.cancelled_at.is_none()
                    && self.refunds.is_empty()
            }
            Watch::RefundWarning | Watch::RefundOverdue => false,
        }
    }
}

impl Return {
    /// Whether `watch`, come due, still has something to say: no refund, no
    /// rejection, no replacement, and not alerted of it yet.
    pub fn still_due(&self, watch: Watch) -> bool {
        watch.of_return()
            && self.kind == ReturnKind::Return
            && self.refunded.is_none()
            && self.rejected.is_none()
            && self.exchange.is_none()
            && !self.alerted.iter().any(|(w, _)| *w == watch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::customer::CustomerId;
    use crate::domain::order::{OrderId, Step};
    use crate::domain::returns::{Refund, ReturnId, ReturnStep};
    use crate::domain::ticket::TicketNumber;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn placed(time: &str) -> Order {
        let mut o = Order::new(
            OrderId::parse("1001").unwrap(),
            CustomerId::parse("c-1").unwrap(),
        );
        o.apply(
            &Step::Placed {
                promised_date: None,
                number: None,
                items: Vec::new(),
            },
            at(time),
        );
        o
    }

    fn weekdays() -> BusinessCalendar {
        use crate::domain::calendar::{Holidays, WorkingDays, WorkingHours};
        BusinessCalendar::new(
            TimeZone::get("Europe/Istanbul").unwrap(),
            WorkingDays::parse("mon-fri").unwrap(),
            WorkingHours::parse("09:00-18:00").unwrap(),
            Holidays::parse("2026-12-09").unwrap(),
        )
    }

    #[test]
    fn a_mark_ends_the_clock_and_marks_in_either_order_store_the_same_record() {
        let order = placed("2026-12-01T10:00:00Z");
        assert!(Clocked::still_due(&order, Watch::Unshipped));
        let (first, second) = (at("2026-12-04T10:00:00Z"), at("2026-12-06T10:00:00Z"));
        let one_way = order
            .alerted_of(Watch::Unshipped, first)
            .alerted_of(Watch::Undelivered, second);
        let other_way = order
            .alerted_of(Watch::Undelivered, second)
            .alerted_of(Watch::Unshipped, first);
        assert_eq!(one_way, other_way);
        assert!(!Clocked::still_due(&one_way, Watch::Unshipped));
        assert!(!Clocked::still_due(&one_way, Watch::Undelivered));
        assert!(
            order.alerted.is_empty(),
            "the record read is left as it was"
        );
    }

    #[test]
    fn shipping_is_due_at_the_end_of_the_second_working_day() {
        let calendar = weekdays();
        let policy = JourneyPolicy::default();
        // Thursday 3 December 2026, 15:00 in Istanbul: Friday and Monday
        // are the two working days; due at midnight ending Monday.
        let clocks = policy.order_clocks(&placed("2026-12-03T12:00:00Z"), &calendar);
        assert_eq!(clocks[0], (Watch::Unshipped, at("2026-12-07T21:00:00Z")));
        assert_eq!(clocks[1], (Watch::Undelivered, at("2027-01-02T12:00:00Z")));
        // Placed on Saturday: Monday and Tuesday.
        let saturday = policy.ship_by(at("2026-12-05T09:00:00Z"), &calendar);
        assert_eq!(saturday, at("2026-12-08T21:00:00Z"));
        // Placed on Tuesday the 8th: the 9th is a holiday, so Thursday and
        // Friday.
        let tuesday = policy.ship_by(at("2026-12-08T09:00:00Z"), &calendar);
        assert_eq!(tuesday, at("2026-12-11T21:00:00Z"));
        // Every day working (the default calendar): two days after.
        let every_day = policy.ship_by(at("2026-12-05T09:00:00Z"), &BusinessCalendar::default());
        assert_eq!(every_day, at("2026-12-07T21:00:00Z"));
    }

    #[test]
    fn an_order_without_a_promise_is_promised_in_working_days_when_the_shop_says() {
        let calendar = weekdays();
        let off = JourneyPolicy::default();
        assert_eq!(
            off.default_promise(at("2026-12-03T12:00:00Z"), &calendar),
            None
        );
        let three = JourneyPolicy {
            default_delivery_days: 3,
            ..JourneyPolicy::default()
        };
        // Thursday the 3rd, 23:30 in Istanbul (20:30 UTC): the shop's day
        // decides. Friday, Monday, Tuesday.
        assert_eq!(
            three.default_promise(at("2026-12-03T20:30:00Z"), &calendar),
            Some(Date::constant(2026, 12, 8))
        );
        // 00:30 on Friday in Istanbul is Thursday in UTC: Monday, Tuesday
        // and, past the holiday on the 9th, Thursday.
        assert_eq!(
            three.default_promise(at("2026-12-03T21:30:00Z"), &calendar),
            Some(Date::constant(2026, 12, 10))
        );
    }

    #[test]
    fn an_order_not_placed_yet_has_no_clocks_and_a_shipped_one_is_not_alerted() {
        let policy = JourneyPolicy::default();
        let calendar = BusinessCalendar::default();
        let mut o = Order::new(
            OrderId::parse("1").unwrap(),
            CustomerId::parse("c").unwrap(),
        );
        assert!(policy.order_clocks(&o, &calendar).is_empty());
        o = placed("2026-12-03T12:00:00Z");
        assert!(o.still_due(Watch::Unshipped));
        o.apply(
            &Step::Shipped(Default::default()),
            at("2026-12-04T12:00:00Z"),
        );
        assert!(!o.still_due(Watch::Unshipped));
        assert!(o.still_due(Watch::Undelivered));
        o.alerted
            .push((Watch::Undelivered, at("2027-01-02T12:00:00Z")));
        assert!(!o.still_due(Watch::Undelivered), "alerted once");
        let mut delivered = placed("2026-12-03T12:00:00Z");
        delivered.apply(&Step::Delivered, at("2026-12-05T12:00:00Z"));
        assert!(!delivered.still_due(Watch::Undelivered));
    }

    #[test]
    fn a_refund_is_warned_on_day_ten_and_overdue_after_its_fourteenth() {
        let policy = JourneyPolicy::default();
        let istanbul = TimeZone::get("Europe/Istanbul").unwrap();
        let mut r = Return::requested(
            ReturnId::parse("RMA-1").unwrap(),
            OrderId::parse("1001").unwrap(),
            CustomerId::parse("c-1").unwrap(),
            ReturnKind::Return,
            None,
            at("2026-12-05T09:00:00Z"),
            TicketNumber::parse("TK-1234-5678").unwrap(),
        );
        let clocks = policy.return_clocks(&r, &istanbul);
        assert_eq!(
            clocks[0],
            (Watch::RefundWarning, at("2026-12-15T09:00:00Z"))
        );
        // Due by 19 December: overdue at its midnight in Istanbul.
        assert_eq!(
            clocks[1],
            (Watch::RefundOverdue, at("2026-12-19T21:00:00Z"))
        );
        assert_eq!(
            policy.late_refund_by(&r, &istanbul),
            Date::constant(2026, 12, 23)
        );
        assert!(r.still_due(Watch::RefundWarning));
        assert!(r.still_due(Watch::RefundOverdue));
        r.apply(
            &ReturnStep::Refunded(Refund {
                amount: "1".into(),
                currency: "TRY".into(),
                method: None,
            }),
            at("2026-12-10T09:00:00Z"),
        );
        assert!(
            !r.still_due(Watch::RefundOverdue),
            "refunded: the clock stopped"
        );
        r.kind = ReturnKind::Exchange;
        assert!(policy.return_clocks(&r, &istanbul).is_empty());
    }

    #[test]
    fn the_promise_ends_at_midnight_on_the_customers_clock() {
        let mut o = placed("2026-12-01T10:00:00Z");
        assert_eq!(JourneyPolicy::promise_clock(&o, &TimeZone::UTC), None);
        o.promised_date = Some(Date::constant(2026, 12, 5));
        let istanbul = TimeZone::get("Europe/Istanbul").unwrap();
        let new_york = TimeZone::get("America/New_York").unwrap();
        assert_eq!(
            JourneyPolicy::promise_clock(&o, &istanbul),
            Some((Date::constant(2026, 12, 5), at("2026-12-05T21:00:00Z")))
        );
        assert_eq!(
            JourneyPolicy::promise_clock(&o, &new_york).map(|c| c.1),
            Some(at("2026-12-06T05:00:00Z"))
        );
        o.apologized = Some((
            at("2026-12-04T10:00:00Z"),
            crate::domain::order::Lateness::Told,
        ));
        assert_eq!(
            JourneyPolicy::promise_clock(&o, &istanbul),
            None,
            "apologised once"
        );
    }

    #[test]
    fn a_review_is_asked_for_at_ten_on_the_customers_clock_a_week_after_delivery() {
        let policy = JourneyPolicy::default();
        let mut o = placed("2026-12-01T10:00:00Z");
        let istanbul = TimeZone::get("Europe/Istanbul").unwrap();
        let new_york = TimeZone::get("America/New_York").unwrap();
        assert_eq!(policy.review_clock(&o, &istanbul), None, "not delivered");
        // Delivered on 4 December at 23:30 in Istanbul (20:30 UTC), which is
        // still 15:30 on the 4th in New York.
        o.apply(&Step::Delivered, at("2026-12-04T20:30:00Z"));
        assert!(o.still_due(Watch::ReviewRequest));
        assert_eq!(
            policy.review_clock(&o, &istanbul),
            Some(at("2026-12-11T07:00:00Z"))
        );
        assert_eq!(
            policy.review_clock(&o, &new_york),
            Some(at("2026-12-11T15:00:00Z"))
        );
        // Delivered at 00:30 on the 5th in Istanbul: a day later there.
        let mut late = placed("2026-12-01T10:00:00Z");
        late.apply(&Step::Delivered, at("2026-12-04T21:30:00Z"));
        assert_eq!(
            policy.review_clock(&late, &istanbul),
            Some(at("2026-12-12T07:00:00Z"))
        );
        let off = JourneyPolicy {
            review_request_days: 0,
            ..JourneyPolicy::default()
        };
        assert_eq!(off.review_clock(&o, &istanbul), None);
        // Refunded, or cancelled at some point: not asked.
        let mut refunded = o.clone();
        refunded.apply(
            &Step::Refunded(Refund {
                amount: "1".into(),
                currency: "TRY".into(),
                method: None,
            }),
            at("2026-12-06T10:00:00Z"),
        );
        assert!(!refunded.still_due(Watch::ReviewRequest));
        o.alerted
            .push((Watch::ReviewRequest, at("2026-12-11T07:00:00Z")));
        assert!(!o.still_due(Watch::ReviewRequest), "asked once");
    }

    #[test]
    fn names_read_back() {
        for w in Watch::ALL {
            assert_eq!(Watch::parse(w.as_str()), Some(w));
        }
        assert_eq!(Watch::parse("late"), None);
    }
}
