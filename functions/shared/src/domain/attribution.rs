//! Which orders the birthday greeting brought: those placed within
//! `AttributionDays` of it, with the code or without.
//!
//! Marketing tools attribute an order to a message when it follows within a
//! window (Klaviyo 5 days after an open or a click, Omnisend 7). memnun
//! cannot see opens or clicks, and does not want to (a pixel counts mail
//! scanners and Apple's prefetching as readers), so the window starts at
//! the greeting itself: an order the customer places within
//! [`AttributionPolicy::days`] (7 by default) after it counts for the
//! birthday flow, whether or not it used the birthday coupon. Each order
//! counts once, when it is first placed; a duplicate or a later step of it
//! counts nothing.
//!
//! The window is elapsed time from the greeting's moment, the same
//! whichever zone the customer or the shop is in: seven days are seven
//! times 24 hours, so a greeting at 10:00 in Istanbul and an order six days
//! and 23 hours later from London fall inside, one a minute past the
//! seventh day outside.

use jiff::{SignedDuration, Timestamp};

/// How long after the greeting an order is the greeting's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributionPolicy {
    /// The window in days (0: nothing is attributed).
    pub days: i64,
}

impl Default for AttributionPolicy {
    fn default() -> Self {
        AttributionPolicy { days: 7 }
    }
}

impl AttributionPolicy {
    /// Whether an order placed at `ordered` falls in the window of a
    /// greeting sent at `greeted`: at or after it, and no later than the
    /// window's end.
    pub fn attributed(&self, greeted: Option<Timestamp>, ordered: Timestamp) -> bool {
        let Some(greeted) = greeted else {
            return false;
        };
        let window = SignedDuration::from_hours(self.days.saturating_mul(24));
        self.days > 0
            && ordered >= greeted
            && greeted.checked_add(window).is_ok_and(|end| ordered <= end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn the_window_is_seven_times_twenty_four_hours_from_the_greeting() {
        let p = AttributionPolicy::default();
        let greeted = Some(ts("2026-11-22T07:00:00Z"));
        assert!(p.attributed(greeted, ts("2026-11-22T07:00:00Z")), "at once");
        assert!(
            p.attributed(greeted, ts("2026-11-29T07:00:00Z")),
            "the last moment"
        );
        assert!(
            !p.attributed(greeted, ts("2026-11-29T07:00:01Z")),
            "a second past"
        );
        assert!(
            !p.attributed(greeted, ts("2026-11-22T06:59:59Z")),
            "before it"
        );
        assert!(
            !p.attributed(None, ts("2026-11-23T07:00:00Z")),
            "never greeted"
        );
        assert!(
            !AttributionPolicy { days: 0 }.attributed(greeted, ts("2026-11-22T08:00:00Z")),
            "off"
        );
    }

    #[test]
    fn zones_do_not_move_it() {
        // Greeted at 10:00 Istanbul (07:00 UTC), so the window ends on the
        // 29th at 07:00 UTC: an order at 09:59 London (09:59 UTC) is
        // outside, one at 06:59 London or at 09:59 Istanbul inside.
        let p = AttributionPolicy::default();
        let greeted = Some(ts("2026-11-22T10:00:00+03:00"));
        assert!(!p.attributed(greeted, ts("2026-11-29T09:59:00+00:00")));
        assert!(p.attributed(greeted, ts("2026-11-29T06:59:00+00:00")));
        assert!(p.attributed(greeted, ts("2026-11-29T09:59:00+03:00")));
    }
}
