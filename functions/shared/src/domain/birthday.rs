//! When a birthday greeting is due.
//!
//! A customer is greeted at the send hour (default 10:00) of their birthday
//! on their own wall clock (else the shop's time zone). A 29 February
//! birthday is greeted on 28 February in common years. The scheduler runs
//! hourly and looks back over a window, so a missed or late run skips
//! nobody; "greeted this year" and the greeter's idempotency make a repeated
//! run greet nobody twice.

use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::domain::customer::Birthday;

/// The day the birthday falls on in `year`.
pub fn day_in(b: &Birthday, year: i16) -> Option<Date> {
    let leap = Date::new(year, 2, 29).is_ok();
    let (month, day) = if b.month == 2 && b.day == 29 && !leap {
        (2, 28)
    } else {
        (b.month, b.day)
    };
    Date::new(year, month, day).ok()
}

/// The moment the greeting is due in `year`: `send_hour`:00 on the day, in
/// `tz` (a nonexistent local time, in a DST gap, moves forward).
pub fn due_at(b: &Birthday, year: i16, tz: &TimeZone, send_hour: i8) -> Option<Timestamp> {
    let day = day_in(b, year)?;
    let local = day.at(send_hour, 0, 0, 0);
    tz.to_ambiguous_zoned(local)
        .compatible()
        .ok()
        .map(|z| z.timestamp())
}

/// If the greeting falls in `(from, to]`, the local year it is for and when
/// it was due.
pub fn due_within(
    b: &Birthday,
    tz: &TimeZone,
    send_hour: i8,
    from: Timestamp,
    to: Timestamp,
) -> Option<(i16, Timestamp)> {
    let local_year = to.to_zoned(tz.clone()).year();
    // The window can straddle New Year's Eve in the customer's zone.
    [local_year - 1, local_year]
        .into_iter()
        .filter_map(|y| due_at(b, y, tz, send_hour).map(|t| (y, t)))
        .find(|(_, t)| *t > from && *t <= to)
}

/// The month-days (`MM-DD`) whose customers can be due in `(from, to]` in
/// some time zone (UTC−12 to UTC+14): the UTC dates of the window, one day
/// either side. In a common year 28 February also brings 29 February.
pub fn month_days(from: Timestamp, to: Timestamp) -> Vec<(i8, i8)> {
    let utc = TimeZone::UTC;
    let first = from
        .to_zoned(utc.clone())
        .date()
        .checked_sub(1.day())
        .unwrap_or(date(1970, 1, 1));
    let last = to
        .to_zoned(utc)
        .date()
        .checked_add(1.day())
        .unwrap_or(date(9999, 12, 31));
    let mut days = Vec::new();
    let mut d = first;
    while d <= last && days.len() < 400 {
        let md = (d.month(), d.day());
        if !days.contains(&md) {
            days.push(md);
        }
        if md == (2, 28) && Date::new(d.year(), 2, 29).is_err() && !days.contains(&(2, 29)) {
            days.push((2, 29));
        }
        match d.checked_add(1.day()) {
            Ok(next) => d = next,
            Err(_) => break,
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bday(s: &str) -> Birthday {
        Birthday::parse(s).unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn leap_day_birthdays_move_to_the_28th_in_common_years() {
        let b = bday("--02-29");
        assert_eq!(day_in(&b, 2027), Some(date(2027, 2, 28)));
        assert_eq!(day_in(&b, 2028), Some(date(2028, 2, 29)));
        assert!(
            month_days(ts("2027-02-28T06:00:00Z"), ts("2027-02-28T07:00:00Z")).contains(&(2, 29))
        );
        let leap = month_days(ts("2028-02-28T06:00:00Z"), ts("2028-02-28T07:00:00Z"));
        assert_eq!(
            leap.iter().filter(|md| **md == (2, 29)).count(),
            1,
            "{leap:?}"
        );
    }

    #[test]
    fn due_at_the_send_hour_on_the_customers_clock_either_side_of_midnight_utc() {
        let b = bday("1990-11-22");
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        let la = TimeZone::get("America/Los_Angeles").unwrap();
        // 10:00 in Tokyo is 01:00 UTC the same day; in Los Angeles 18:00 UTC.
        assert_eq!(
            due_at(&b, 2026, &tokyo, 10),
            Some(ts("2026-11-22T01:00:00Z"))
        );
        assert_eq!(due_at(&b, 2026, &la, 10), Some(ts("2026-11-22T18:00:00Z")));
        let auckland = TimeZone::get("Pacific/Auckland").unwrap();
        // 10:00 on the 22nd in Auckland (UTC+13 in November) is 21:00 UTC on the 21st.
        assert_eq!(
            due_at(&b, 2026, &auckland, 10),
            Some(ts("2026-11-21T21:00:00Z"))
        );
        assert!(
            month_days(ts("2026-11-21T20:00:00Z"), ts("2026-11-21T21:00:00Z")).contains(&(11, 22))
        );
    }

    #[test]
    fn a_window_catches_a_missed_hour_and_a_repeat_finds_nothing_new() {
        let b = bday("--11-22");
        let ist = TimeZone::get("Europe/Istanbul").unwrap();
        // Due 07:00 UTC. The 07:00 run was missed; the 08:00 run looks back 3 hours.
        assert_eq!(
            due_within(
                &b,
                &ist,
                10,
                ts("2026-11-22T05:00:00Z"),
                ts("2026-11-22T08:00:00Z")
            ),
            Some((2026, ts("2026-11-22T07:00:00Z")))
        );
        assert_eq!(
            due_within(
                &b,
                &ist,
                10,
                ts("2026-11-22T07:00:00Z"),
                ts("2026-11-22T08:00:00Z")
            ),
            None
        );
        // New Year's Eve birthday seen from a window that ends on 1 January.
        let nye = bday("--12-31");
        assert_eq!(
            due_within(
                &nye,
                &ist,
                10,
                ts("2026-12-31T00:00:00Z"),
                ts("2027-01-01T01:00:00Z")
            ),
            Some((2026, ts("2026-12-31T07:00:00Z")))
        );
    }
}
