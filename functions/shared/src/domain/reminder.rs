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
//! Apology coupons (a low review or rating, a late order, a missed SLA)
//! get none unless the shop turns `ApologyCouponReminder` on: they answer
//! something that went wrong, and a nudge to spend them can read as selling
//! to a customer who complained. With it on, they are reminded of the same
//! way, under the same consent (a reminder is marketing, whatever the
//! coupon's cause), in words that recall a code sent earlier rather than a
//! gift.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::domain::coupon::{Coupon, CouponReason};

/// The hour, on the customer's clock, a reminder is sent at.
pub const HOUR: i8 = 10;

/// When reminders go, and of which coupons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderPolicy {
    /// Days before the coupon's last day (0: no reminders).
    pub days: i16,
    /// Whether apology coupons are reminded of too (birthday coupons always
    /// are, while `days` is not 0).
    pub apology: bool,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        ReminderPolicy {
            days: 3,
            apology: false,
        }
    }
}

impl ReminderPolicy {
    /// Whether coupons of `reason` are reminded of at all.
    pub fn covers(&self, reason: CouponReason) -> bool {
        self.days > 0 && (!reason.is_apology() || self.apology)
    }

    /// When `coupon` is reminded of: `days` before the day it ends, at
    /// [`HOUR`] on the customer's clock (`tz`). `None` when its flow is not
    /// reminded of ([`Self::covers`]), or when that moment is not at least a
    /// day after the coupon's issue (a coupon too short-lived to remind of).
    pub fn due(&self, coupon: &Coupon, tz: &TimeZone) -> Option<Timestamp> {
        if !self.covers(coupon.reason) {
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
    /// The shop no longer reminds of the coupon's flow (held before the
    /// switch or `CouponReminderDays` changed).
    Off,
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
            Skip::Off => "off",
            Skip::Expired => "expired",
            Skip::Redeemed => "redeemed",
            Skip::NoAddress => "no_address",
            Skip::NoConsent => "no_consent",
        }
    }
}

/// Whether the reminder of `coupon` may go at `now` under `policy` (as it
/// is when the reminder comes due, not as it was when it was held).
pub fn may_remind(
    policy: &ReminderPolicy,
    now: Timestamp,
    coupon: &Coupon,
    redeemed: bool,
    has_address: bool,
    consents: bool,
) -> Result<(), Skip> {
    if !policy.covers(coupon.reason) {
        Err(Skip::Off)
    } else if now >= coupon.expires_at {
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
    use crate::domain::coupon::{CouponCode, CouponValue};
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
        let off = ReminderPolicy {
            days: 0,
            apology: true,
        };
        assert_eq!(off.due(&c, &istanbul), None);
        // A coupon of two days has no room for a reminder three days out.
        let short = coupon("2026-11-22T07:30:00Z", "2026-11-24T20:59:59Z");
        assert_eq!(p.due(&short, &istanbul), None);
    }

    #[test]
    fn apology_coupons_are_reminded_of_only_when_the_shop_says_so() {
        let mut c = coupon("2026-11-22T07:30:00Z", "2026-12-06T20:59:59Z");
        let istanbul = TimeZone::get("Europe/Istanbul").unwrap();
        let on = ReminderPolicy {
            days: 3,
            apology: true,
        };
        for reason in CouponReason::ALL {
            c.reason = reason;
            let apology = reason.is_apology();
            assert_eq!(ReminderPolicy::default().covers(reason), !apology);
            assert_eq!(
                ReminderPolicy::default().due(&c, &istanbul).is_some(),
                !apology,
                "{reason:?}"
            );
            assert!(on.covers(reason));
            assert_eq!(
                on.due(&c, &istanbul),
                Some("2026-12-03T07:00:00Z".parse().unwrap())
            );
        }
    }

    #[test]
    fn only_an_unused_live_coupon_of_a_consenting_customer_is_reminded() {
        let mut c = coupon("2026-11-22T07:30:00Z", "2026-12-06T20:59:59Z");
        let at: Timestamp = "2026-12-03T07:00:00Z".parse().unwrap();
        let p = &ReminderPolicy::default();
        assert_eq!(may_remind(p, at, &c, false, true, true), Ok(()));
        assert_eq!(may_remind(p, at, &c, true, true, true), Err(Skip::Redeemed));
        assert_eq!(
            may_remind(p, at, &c, false, false, true),
            Err(Skip::NoAddress)
        );
        assert_eq!(
            may_remind(p, at, &c, false, true, false),
            Err(Skip::NoConsent)
        );
        let late: Timestamp = "2026-12-07T07:00:00Z".parse().unwrap();
        assert_eq!(
            may_remind(p, late, &c, false, true, true),
            Err(Skip::Expired)
        );
        // Held while the shop reminded of apology coupons, come due after
        // it stopped: not sent.
        c.reason = CouponReason::SlaBreach;
        assert_eq!(may_remind(p, at, &c, false, true, true), Err(Skip::Off));
        let on = &ReminderPolicy {
            days: 3,
            apology: true,
        };
        assert_eq!(may_remind(on, at, &c, false, true, true), Ok(()));
        let none = &ReminderPolicy {
            days: 0,
            apology: true,
        };
        assert_eq!(may_remind(none, at, &c, false, true, true), Err(Skip::Off));
    }
}
