//! When the emails of an SLA alarm go out, and what the customer is promised.
//!
//! - The team's emails (a warning to the team, a breach to the lead) respect
//!   the quiet hours of the business calendar: outside working time they
//!   wait until working time starts again, so a warning noticed at 03:00 is
//!   read at 09:00 rather than buried under the night's mail. An urgent
//!   ticket does not wait. With the default calendar (every hour of every
//!   day) nothing ever waits.
//! - The customer's apology goes out at a civil hour on the customer's own
//!   clock (default 08:00–21:00), whatever the shop's hours.
//! - A breach apology comes with a coupon by [`BreachCoupon`].
//! - After a breach the ticket is handled like an urgent one: the customer
//!   is told to expect an answer within the urgent first-reply target, in
//!   business time from the moment the apology is sent.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::domain::apology::{CouponOffer, expiry};
use crate::domain::calendar::{BusinessCalendar, Holidays, WorkingDays, WorkingHours};
use crate::domain::sla::Goal;
use crate::domain::ticket::Priority;

/// The default civil hours for customer email: 08:00–21:00 on their clock.
pub fn default_civil_hours() -> WorkingHours {
    // 8 × 60 to 21 × 60 is a valid non-empty range.
    WorkingHours::from_minutes([(480, 1260)]).unwrap_or_else(|_| WorkingHours::all_day())
}

/// When an email to the team about a ticket of `priority` may go out, seen
/// at `now`: `now` itself inside working time or for an urgent ticket, else
/// the moment working time starts again.
pub fn team_send_at(now: Timestamp, priority: Priority, calendar: &BusinessCalendar) -> Timestamp {
    if priority == Priority::Urgent {
        return now;
    }
    not_never(now, calendar.next_business_start(now))
}

/// When an email to a customer whose clock is `tz` may go out, seen at
/// `now`: `now` inside `civil_hours` on that clock, else the next start of
/// them.
pub fn customer_send_at(now: Timestamp, tz: &TimeZone, civil_hours: &WorkingHours) -> Timestamp {
    let civil = BusinessCalendar::new(
        tz.clone(),
        WorkingDays::ALL,
        civil_hours.clone(),
        Holidays::none(),
    );
    not_never(now, civil.next_business_start(now))
}

/// A calendar with no working time ahead answers the end of time; an email
/// held back forever helps nobody, so it goes out now instead.
fn not_never(now: Timestamp, at: Timestamp) -> Timestamp {
    if at == Timestamp::MAX {
        now
    } else {
        at.max(now)
    }
}

/// When the customer will hear from us after a breach, promised in an
/// apology sent at `sent_at`: `urgent_first_reply` of business time later.
pub fn promise_after_breach(
    sent_at: Timestamp,
    urgent_first_reply: SignedDuration,
    calendar: &BusinessCalendar,
) -> Timestamp {
    calendar.add_business(sent_at, urgent_first_reply)
}

/// The coupon that comes with a breach apology: a missed resolution gets
/// one, a missed first reply only when the shop says so; under the apology
/// cap (at most one apology coupon per customer within the cap window), as
/// every apology coupon is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreachCoupon {
    /// Percent off; 0 gives no coupon at all.
    pub percent: u8,
    /// Whether a missed first reply gets one too.
    pub first_reply: bool,
    /// Days after the day of issue it stays valid.
    pub valid_days: i64,
    /// At most one apology coupon per customer in this many days (0: no cap).
    pub cap_days: i64,
}

impl Default for BreachCoupon {
    /// 10 %, for missed resolutions only, valid 30 days, capped at one in 30.
    fn default() -> Self {
        BreachCoupon {
            percent: 10,
            first_reply: false,
            valid_days: 30,
            cap_days: 30,
        }
    }
}

impl BreachCoupon {
    /// The coupon to offer for a breach of `goal` apologised for at `now`,
    /// knowing when the customer last received an apology coupon.
    pub fn offer(
        &self,
        goal: Goal,
        now: Timestamp,
        last_apology_coupon_at: Option<Timestamp>,
        shop_tz: &TimeZone,
    ) -> Option<CouponOffer> {
        let wanted = self.percent > 0 && (goal == Goal::Resolution || self.first_reply);
        let capped = self
            .cap_cutoff(now)
            .is_some_and(|cutoff| last_apology_coupon_at.is_some_and(|last| last > cutoff));
        (wanted && !capped).then(|| CouponOffer {
            percent: self.percent,
            expires_at: expiry(now, self.valid_days, shop_tz),
        })
    }

    /// An apology coupon issued after this blocks another; `None` without a
    /// cap.
    pub fn cap_cutoff(&self, now: Timestamp) -> Option<Timestamp> {
        (self.cap_days > 0).then(|| {
            now.checked_sub(SignedDuration::from_hours(24 * self.cap_days))
                .unwrap_or(Timestamp::MIN)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missed_resolution_gets_a_coupon_a_missed_first_reply_only_when_asked() {
        let policy = BreachCoupon::default();
        let now = ts("2026-11-23T09:00:00Z");
        let ist = TimeZone::get("Europe/Istanbul").unwrap();
        let offer = policy.offer(Goal::Resolution, now, None, &ist).unwrap();
        assert_eq!(offer.percent, 10);
        assert_eq!(offer.expires_at, ts("2026-12-23T20:59:59Z"));
        assert_eq!(policy.offer(Goal::FirstReply, now, None, &ist), None);
        let generous = BreachCoupon {
            first_reply: true,
            ..policy
        };
        assert!(generous.offer(Goal::FirstReply, now, None, &ist).is_some());
        let none = BreachCoupon {
            percent: 0,
            ..generous
        };
        assert_eq!(none.offer(Goal::Resolution, now, None, &ist), None);
        // Under the apology cap.
        let recent = Some(ts("2026-11-10T09:00:00Z"));
        assert_eq!(policy.offer(Goal::Resolution, now, recent, &ist), None);
        let uncapped = BreachCoupon {
            cap_days: 0,
            ..policy
        };
        assert!(
            uncapped
                .offer(Goal::Resolution, now, recent, &ist)
                .is_some()
        );
        assert_eq!(uncapped.cap_cutoff(now), None);
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn office() -> BusinessCalendar {
        BusinessCalendar::new(
            TimeZone::get("Europe/Istanbul").unwrap(),
            WorkingDays::MON_FRI,
            WorkingHours::parse("09:00-18:00").unwrap(),
            Holidays::none(),
        )
    }

    #[test]
    fn team_mail_waits_for_the_working_day_unless_urgent() {
        let cal = office();
        // Tuesday 03:00 in Istanbul.
        let night = ts("2026-11-24T03:00:00+03:00");
        assert_eq!(
            team_send_at(night, Priority::High, &cal),
            ts("2026-11-24T09:00:00+03:00")
        );
        assert_eq!(team_send_at(night, Priority::Urgent, &cal), night);
        let day = ts("2026-11-24T10:30:00+03:00");
        assert_eq!(team_send_at(day, Priority::Low, &cal), day);
        // Friday evening waits for Monday.
        assert_eq!(
            team_send_at(ts("2026-11-27T19:00:00+03:00"), Priority::Normal, &cal),
            ts("2026-11-30T09:00:00+03:00")
        );
        // Around the clock, nothing waits.
        let always = BusinessCalendar::default();
        assert_eq!(team_send_at(night, Priority::Low, &always), night);
    }

    #[test]
    fn customer_mail_goes_out_at_a_civil_hour_on_their_clock() {
        let hours = default_civil_hours();
        let istanbul = TimeZone::get("Europe/Istanbul").unwrap();
        let new_york = TimeZone::get("America/New_York").unwrap();
        // 03:00 in Istanbul is 19:00 the evening before in New York.
        let t = ts("2026-11-24T00:00:00Z");
        assert_eq!(
            customer_send_at(t, &istanbul, &hours),
            ts("2026-11-24T08:00:00+03:00")
        );
        assert_eq!(customer_send_at(t, &new_york, &hours), t);
        // 21:00 is already late; 20:59 is not.
        let late = ts("2026-11-24T21:00:00+03:00");
        assert_eq!(
            customer_send_at(late, &istanbul, &hours),
            ts("2026-11-25T08:00:00+03:00")
        );
        let just = ts("2026-11-24T20:59:00+03:00");
        assert_eq!(customer_send_at(just, &istanbul, &hours), just);
    }

    #[test]
    fn a_calendar_without_working_time_never_holds_mail_back_forever() {
        let never = BusinessCalendar::new(
            TimeZone::UTC,
            WorkingDays::from_weekdays([]),
            WorkingHours::all_day(),
            Holidays::none(),
        );
        let now = ts("2026-11-24T03:00:00Z");
        assert_eq!(team_send_at(now, Priority::Low, &never), now);
    }

    #[test]
    fn the_promise_counts_business_time() {
        let cal = office();
        let sent = ts("2026-11-27T17:30:00+03:00");
        assert_eq!(
            promise_after_breach(sent, SignedDuration::from_hours(1), &cal),
            ts("2026-11-30T09:30:00+03:00")
        );
    }
}
