//! When a late order earns a coupon.
//!
//! Every late order gets a proactive apology. It comes with a coupon when the
//! new date is at least `min_days` after the promised one (default 3 days).
//! Delay coupons are once per order and do not count against the apology
//! cap: the customer did nothing to cause them and cannot farm them.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::domain::apology::{CouponOffer, expiry};

/// The delay coupon policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayPolicy {
    /// A delay of at least this many days earns a coupon (0: never).
    pub min_days: i64,
    /// Percent off.
    pub percent: u8,
    /// Days the coupon stays valid after the day it is issued.
    pub valid_days: i64,
}

impl Default for DelayPolicy {
    fn default() -> Self {
        DelayPolicy {
            min_days: 3,
            percent: 10,
            valid_days: 30,
        }
    }
}

impl DelayPolicy {
    /// The coupon for an order promised for `promised` and now expected on
    /// `new_date`, notified at `now`; none when either date is unknown or
    /// the delay is short.
    pub fn coupon(
        &self,
        promised: Option<Date>,
        new_date: Option<Date>,
        now: Timestamp,
        shop_tz: &TimeZone,
    ) -> Option<CouponOffer> {
        let days = delay_days(promised?, new_date?)?;
        (self.min_days > 0 && days >= self.min_days).then(|| CouponOffer {
            percent: self.percent,
            expires_at: expiry(now, self.valid_days, shop_tz),
        })
    }
}

/// Whole days between the promised and the new date (none if not later).
pub fn delay_days(promised: Date, new_date: Date) -> Option<i64> {
    let days = i64::from(promised.until(new_date).ok()?.get_days());
    (days > 0).then_some(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn long_delays_earn_a_coupon_short_or_unknown_ones_do_not() {
        let p = DelayPolicy::default();
        let tz = TimeZone::get("Europe/Istanbul").unwrap();
        let now: Timestamp = "2026-11-22T07:00:00Z".parse().unwrap();
        let offer = p
            .coupon(Some(date(2026, 11, 21)), Some(date(2026, 11, 26)), now, &tz)
            .unwrap();
        assert_eq!(offer.percent, 10);
        assert!(
            p.coupon(Some(date(2026, 11, 21)), Some(date(2026, 11, 23)), now, &tz)
                .is_none()
        );
        assert!(p.coupon(None, Some(date(2026, 11, 26)), now, &tz).is_none());
        assert!(
            p.coupon(Some(date(2026, 11, 26)), Some(date(2026, 11, 21)), now, &tz)
                .is_none()
        );
        let never = DelayPolicy { min_days: 0, ..p };
        assert!(
            never
                .coupon(Some(date(2026, 11, 1)), Some(date(2026, 12, 1)), now, &tz)
                .is_none()
        );
        assert_eq!(delay_days(date(2028, 2, 28), date(2028, 3, 1)), Some(2));
    }
}
