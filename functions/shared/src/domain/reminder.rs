//! A reminder before an unused coupon expires: when, and to whom.
//!
//! A birthday coupon unused a few days before its end gets one reminder
//! (`CouponReminderDays`, 3 by default; 0: none), at 10:00 on the
//! customer's clock on that day, as the greeting itself is sent: a
//! commercial message, so under the same rules as the greeting. It goes
//! only when, at its own time,
//!
//! - the coupon has not expired (a reminder the sweep sends late, past the
//!   end, stays unsent: it would advertise a dead code);
//! - no order redeemed it ([`crate::domain::redemption`]);
//! - the customer has an address and still consents to marketing mail, and
//!   the address is not suppressed (checked in the commit, as the greeting
//!   does).
//!
//! Apology coupons get none: they answer something that went wrong, and a
//! nudge to spend them would read as selling to a customer who complained.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::domain::coupon::Coupon;

/// The hour, on the customer's clock, a reminder is sent at.
pub const HOUR: i8 = 10;

/// When reminders go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderPolicy {
    /// Days before the coupon's last day (0: no reminders).
    pub days: i16,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        ReminderPolicy { days: 3 }
    }
}

impl ReminderPolicy {
    /// When `coupon` is reminded of: `days` before the day it ends, at
    /// [`HOUR`] on the customer's clock (`tz`). `None` with reminders off,
    /// or when that moment is not at least a day after the coupon's issue
    /// (a coupon too short-lived to remind of).
    pub fn due(&self, coupon: &Coupon, tz: &TimeZone) -> Option<Timestamp> {
        if self.days <= 0 {
            return None;
        }
        let last_day = coupon.expires_at.to_zoned(tz.clone()).date();
        let day = last_day
            .checked_sub(jiff::Span::new().days(self.days))
            .ok()?;
        let at = day.at(HOUR, 0, 0, 0).to_zoned(tz.clone()).ok()?.timestamp();
        let earliest = coupon
            .issued_at
            .checked_add(jiff::SignedDuration::from_hours(24))
            .ok()?;
        (at >= earliest && at < coupon.expires_at).then_some(at)
    }
}

/// Why a reminder did not go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The coupon had ended by the reminder's time.
    Expired,
    /// An order redeemed it.
    Redeemed,
    /// No address to write to.
    NoAddress,
    /// Marketing consent withdrawn (or never given).
    NoConsent,
}

impl Skip {
    /// The name logs carry.
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::Expired => "expired",
            Skip::Redeemed => "redeemed",
            Skip::NoAddress => "no_address",
            Skip::NoConsent => "no_consent",
        }
    }
}

/// Whether the reminder of `coupon` may go at `now`.
pub fn may_remind(
    now: Timestamp,
    coupon: &Coupon,
    redeemed: bool,
    has_address: bool,
    consents: bool,
) -> Result<(), Skip> {
    if now >= coupon.expires_at {
        Err(Skip::Expired)
    } else if redeemed {
        Err(Skip::Redeemed)
    } else if !has_address {
        Err(Skip::NoAddress)
    } else if !consents {
        Err(Skip::NoConsent)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coupon::{CouponCode, CouponReason, CouponValue};
    use crate::domain::customer::CustomerId;

    fn coupon(issued: &str, expires: &str) -> Coupon {
        Coupon {
            code: CouponCode::generate(CouponReason::Birthday).unwrap(),
            customer_id: CustomerId::parse("c-1").unwrap(),
            reason: CouponReason::Birthday,
            value: CouponValue::Percent(15),
            issued_at: issued.parse().unwrap(),
            expires_at: expires.parse().unwrap(),
            source_event: "birthday.due:c-1:2026".into(),
        }
    }

    #[test]
    fn three_days_before_the_last_day_at_ten_on_the_customers_clock() {
        // Valid through 6 December, Istanbul; reminded 3 December 10:00
        // there (07:00 UTC), and in London at 10:00 London time.
        let c = coupon("2026-11-22T07:30:00Z", "2026-12-06T20:59:59Z");
        let istanbul = TimeZone::get("Europe/Istanbul").unwrap();
        let london = TimeZone::get("Europe/London").unwrap();
        let p = ReminderPolicy::default();
        assert_eq!(
            p.due(&c, &istanbul),
            Some("2026-12-03T07:00:00Z".parse().unwrap())
        );
        assert_eq!(
            p.due(&c, &london),
            Some("2026-12-03T10:00:00Z".parse().unwrap())
        );
        assert_eq!(ReminderPolicy { days: 0 }.due(&c, &istanbul), None);
        // A coupon of two days has no room for a reminder three days out.
        let short = coupon("2026-11-22T07:30:00Z", "2026-11-24T20:59:59Z");
        assert_eq!(p.due(&short, &istanbul), None);
    }

    #[test]
    fn only_an_unused_live_coupon_of_a_consenting_customer_is_reminded() {
        let c = coupon("2026-11-22T07:30:00Z", "2026-12-06T20:59:59Z");
        let at: Timestamp = "2026-12-03T07:00:00Z".parse().unwrap();
        assert_eq!(may_remind(at, &c, false, true, true), Ok(()));
        assert_eq!(may_remind(at, &c, true, true, true), Err(Skip::Redeemed));
        assert_eq!(may_remind(at, &c, false, false, true), Err(Skip::NoAddress));
        assert_eq!(may_remind(at, &c, false, true, false), Err(Skip::NoConsent));
        let late: Timestamp = "2026-12-07T07:00:00Z".parse().unwrap();
        assert_eq!(may_remind(late, &c, false, true, true), Err(Skip::Expired));
    }
}
