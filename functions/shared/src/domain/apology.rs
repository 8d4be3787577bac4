//! When a customer gets an apology, and when it comes with a coupon.
//!
//! A rating at or under the threshold (default 2 of 5) is negative and always
//! gets an apology. It also gets a coupon worth the percent set for its
//! number of stars — unless the customer already received an apology coupon
//! within the cap window (default 30 days), which stops coupon farming.
//! Nothing here depends on the review being changed or removed: the coupon is
//! an apology, not a bribe.

use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ToSpan};

use crate::domain::rating::Rating;
use crate::domain::ticket::Priority;

/// Percent off per number of stars, e.g. `1=20,2=15`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PercentByRating(Vec<(u8, u8)>);

impl PercentByRating {
    /// Reads `stars=percent` pairs separated by commas.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut pairs = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (stars, percent) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not stars=percent"))?;
            let stars: u8 = stars
                .trim()
                .parse()
                .ok()
                .filter(|s| (1..=5).contains(s))
                .ok_or_else(|| format!("`{stars}` is not a number of stars from 1 to 5"))?;
            let percent: u8 = percent
                .trim()
                .parse()
                .ok()
                .filter(|p| (1..=100).contains(p))
                .ok_or_else(|| format!("`{percent}` is not a percent from 1 to 100"))?;
            if pairs.iter().any(|(s, _)| *s == stars) {
                return Err(format!("{stars} stars is given twice"));
            }
            pairs.push((stars, percent));
        }
        if pairs.is_empty() {
            return Err("no stars=percent pairs".into());
        }
        Ok(PercentByRating(pairs))
    }

    /// The percent for `stars`, if set.
    pub fn get(&self, stars: u8) -> Option<u8> {
        self.0.iter().find(|(s, _)| *s == stars).map(|(_, p)| *p)
    }
}

/// The apology policy, shared by reviews and satisfaction ratings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApologyPolicy {
    /// Ratings at or under this are negative.
    pub threshold: u8,
    /// Coupon percent per number of stars.
    pub percent_by_rating: PercentByRating,
    /// Days a coupon stays valid after the day it is issued.
    pub valid_days: i64,
    /// At most one apology coupon per customer within this many days (0: no cap).
    pub cap_days: i64,
}

impl Default for ApologyPolicy {
    fn default() -> Self {
        ApologyPolicy {
            threshold: 2,
            percent_by_rating: PercentByRating(vec![(1, 20), (2, 15)]),
            valid_days: 30,
            cap_days: 30,
        }
    }
}

/// What to do about one rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Not negative: record it, send nothing.
    Nothing,
    /// Apologise; with a coupon of `percent` unless `None`.
    Apologize {
        /// The coupon to offer, if any.
        coupon: Option<CouponOffer>,
    },
}

/// The coupon an apology comes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CouponOffer {
    /// Percent off.
    pub percent: u8,
    /// The last moment it can be redeemed.
    pub expires_at: Timestamp,
}

impl ApologyPolicy {
    /// True when `rating` is at or under the threshold.
    pub fn is_negative(&self, rating: Rating) -> bool {
        rating.stars() <= self.threshold
    }

    /// Decides for a rating given at `now`, knowing when the customer last
    /// received an apology coupon. `shop_tz` sets the day a coupon expires.
    pub fn decide(
        &self,
        rating: Rating,
        last_apology_coupon_at: Option<Timestamp>,
        now: Timestamp,
        shop_tz: &TimeZone,
    ) -> Decision {
        if !self.is_negative(rating) {
            return Decision::Nothing;
        }
        let capped = last_apology_coupon_at.is_some_and(|last| last > self.cap_cutoff(now));
        let coupon = match self.percent_by_rating.get(rating.stars()) {
            Some(percent) if !capped => Some(CouponOffer {
                percent,
                expires_at: expiry(now, self.valid_days, shop_tz),
            }),
            _ => None,
        };
        Decision::Apologize { coupon }
    }

    /// An apology coupon issued after this moment blocks another one.
    pub fn cap_cutoff(&self, now: Timestamp) -> Timestamp {
        now.checked_sub(Span::new().hours(24 * self.cap_days))
            .unwrap_or(Timestamp::MIN)
    }
}

/// The end of the day `valid_days` after the day of `issued_at`, in the shop's
/// time zone: a coupon issued on 22 November for 30 days is good through the
/// last second of 22 December, whatever the hour it was issued.
pub fn expiry(issued_at: Timestamp, valid_days: i64, tz: &TimeZone) -> Timestamp {
    let end = || -> Result<Timestamp, jiff::Error> {
        let day = issued_at.to_zoned(tz.clone()).date();
        let next = day.checked_add(valid_days.days())?.checked_add(1.day())?;
        next.to_zoned(tz.clone())?
            .timestamp()
            .checked_sub(1.second())
    };
    // Only a date past the year 9999 fails: such a coupon never expires.
    end().unwrap_or(Timestamp::MAX)
}

/// How urgently a person should follow up a negative rating.
pub fn follow_up_priority(rating: Rating) -> Priority {
    if rating.stars() <= 1 {
        Priority::High
    } else {
        Priority::Normal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn ist() -> TimeZone {
        TimeZone::get("Europe/Istanbul").unwrap()
    }

    fn stars(n: u8) -> Rating {
        Rating::new(n).unwrap()
    }

    #[test]
    fn threshold_separates_negative_from_the_rest() {
        let p = ApologyPolicy::default();
        let now = ts("2026-11-22T10:15:00Z");
        for n in 3..=5 {
            assert_eq!(p.decide(stars(n), None, now, &ist()), Decision::Nothing);
        }
        for (n, percent) in [(1, 20), (2, 15)] {
            match p.decide(stars(n), None, now, &ist()) {
                Decision::Apologize { coupon: Some(c) } => assert_eq!(c.percent, percent),
                other => panic!("{n} stars: {other:?}"),
            }
        }
    }

    #[test]
    fn a_raised_threshold_needs_its_percent() {
        let p = ApologyPolicy {
            threshold: 3,
            percent_by_rating: PercentByRating::parse("1=20,2=15,3=5").unwrap(),
            ..ApologyPolicy::default()
        };
        let d = p.decide(stars(3), None, ts("2026-11-22T10:15:00Z"), &ist());
        assert!(matches!(
            d,
            Decision::Apologize {
                coupon: Some(CouponOffer { percent: 5, .. })
            }
        ));
    }

    #[test]
    fn a_coupon_within_the_cap_window_blocks_another() {
        let p = ApologyPolicy::default();
        let now = ts("2026-11-22T10:15:00Z");
        let recent = ts("2026-10-24T10:15:00Z"); // 29 days before
        let old = ts("2026-10-23T10:15:00Z"); // exactly 30 days before
        assert_eq!(
            p.decide(stars(1), Some(recent), now, &ist()),
            Decision::Apologize { coupon: None }
        );
        assert!(matches!(
            p.decide(stars(1), Some(old), now, &ist()),
            Decision::Apologize { coupon: Some(_) }
        ));
        let uncapped = ApologyPolicy { cap_days: 0, ..p };
        assert!(matches!(
            uncapped.decide(stars(1), Some(now), now, &ist()),
            Decision::Apologize { coupon: Some(_) }
        ));
    }

    #[test]
    fn expiry_is_the_end_of_the_last_local_day() {
        // 23:30 UTC on the 22nd is already the 23rd in Istanbul (UTC+3).
        let issued = ts("2026-11-22T23:30:00Z");
        assert_eq!(expiry(issued, 30, &ist()), ts("2026-12-23T20:59:59Z"));
        let issued = ts("2026-11-22T10:15:00Z");
        assert_eq!(expiry(issued, 30, &ist()), ts("2026-12-22T20:59:59Z"));
        // Across a leap day and a DST change in Berlin (UTC+1 in winter, +2 from 29 March).
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let issued = ts("2028-02-20T12:00:00Z");
        assert_eq!(expiry(issued, 30, &berlin), ts("2028-03-21T22:59:59Z"));
        assert_eq!(
            expiry(ts("2028-03-01T12:00:00Z"), 30, &berlin),
            ts("2028-03-31T21:59:59Z")
        );
    }

    #[test]
    fn percent_pairs_parse_strictly() {
        assert!(PercentByRating::parse("1=20,2=15").is_ok());
        assert!(PercentByRating::parse("").is_err());
        assert!(PercentByRating::parse("1=0").is_err());
        assert!(PercentByRating::parse("6=10").is_err());
        assert!(PercentByRating::parse("1=10,1=20").is_err());
        assert!(PercentByRating::parse("1:10").is_err());
    }

    #[test]
    fn one_star_is_followed_up_first() {
        assert_eq!(follow_up_priority(stars(1)), Priority::High);
        assert_eq!(follow_up_priority(stars(2)), Priority::Normal);
    }
}
