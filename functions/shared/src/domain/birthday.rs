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
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::domain::apology::{CouponOffer, expiry};
use crate::domain::consent::ConsentState;
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
/// some time zone, when greetings go out at `send_hour`.
///
/// A birthday on day D is due at `send_hour` on D on the customer's clock,
/// and clocks run from UTC−12 to UTC+14 (an hour more for a send hour that
/// falls in a DST gap and moves forward): so between D at `send_hour` − 14 h
/// and + 13 h, in UTC. A day is read only when that span meets the window,
/// which for an hourly run is one day or two, not the three a whole-day
/// margin would read. 29 February comes with 28 February in common years.
pub fn month_days(from: Timestamp, to: Timestamp, send_hour: i8) -> Vec<(i8, i8)> {
    let utc = TimeZone::UTC;
    let first = from
        .to_zoned(utc.clone())
        .date()
        .checked_sub(2.days())
        .unwrap_or(date(1970, 1, 1));
    let last = to
        .to_zoned(utc.clone())
        .date()
        .checked_add(2.days())
        .unwrap_or(date(9999, 12, 31));
    let mut days = Vec::new();
    let mut d = first;
    while d <= last && days.len() < 400 {
        let local_send = d
            .at(send_hour, 0, 0, 0)
            .to_zoned(utc.clone())
            .map(|z| z.timestamp());
        let possible = local_send.is_ok_and(|t| {
            let earliest = t - SignedDuration::from_hours(14);
            let latest = t + SignedDuration::from_hours(13);
            earliest <= to && latest > from
        });
        if possible {
            let md = (d.month(), d.day());
            if !days.contains(&md) {
                days.push(md);
            }
            if md == (2, 28) && Date::new(d.year(), 2, 29).is_err() && !days.contains(&(2, 29)) {
                days.push((2, 29));
            }
        }
        match d.checked_add(1.day()) {
            Ok(next) => d = next,
            Err(_) => break,
        }
    }
    days
}

/// The hour of the schedule: a run with no earlier run recorded looks back
/// this far.
pub const SCHEDULE_INTERVAL: SignedDuration = SignedDuration::from_hours(1);

/// When and how greetings are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GreetingPolicy {
    /// The hour of the birthday, on the customer's clock, the greeting is
    /// due (`BIRTHDAY_SEND_HOUR`, default 10).
    pub send_hour: i8,
    /// How far back a run looks after missed runs
    /// (`BIRTHDAY_CATCH_UP_HOURS`, default 6): a greeting due longer ago is
    /// not sent late, since it would arrive at an uncivil hour or the day
    /// after.
    pub catch_up: SignedDuration,
    /// The birthday coupon's discount (`BIRTHDAY_COUPON_PERCENT`, default
    /// 15; 0 sends the greeting without a coupon).
    pub coupon_percent: u8,
    /// Days the coupon is valid after the birthday
    /// (`BIRTHDAY_COUPON_VALID_DAYS`, default 14).
    pub coupon_valid_days: i64,
}

impl Default for GreetingPolicy {
    fn default() -> Self {
        GreetingPolicy {
            send_hour: 10,
            catch_up: SignedDuration::from_hours(6),
            coupon_percent: 15,
            coupon_valid_days: 14,
        }
    }
}

impl GreetingPolicy {
    /// The window a run at `now` covers, `(from, now]`: from the end of the
    /// last completed run (else one schedule interval back), but never
    /// further back than the catch-up. `None` when there is nothing new (a
    /// repeated or replayed run).
    pub fn window(
        &self,
        swept_to: Option<Timestamp>,
        now: Timestamp,
    ) -> Option<(Timestamp, Timestamp)> {
        let earliest = now.checked_sub(self.catch_up).unwrap_or(Timestamp::MIN);
        let from = swept_to
            .unwrap_or_else(|| now.checked_sub(SCHEDULE_INTERVAL).unwrap_or(Timestamp::MIN))
            .max(earliest);
        (from < now).then_some((from, now))
    }

    /// Whether the customer in `candidate` is to be greeted for a birthday
    /// falling due in `(from, to]`, on their clock or else the shop's.
    pub fn select(
        &self,
        candidate: &Candidate,
        shop_tz: &TimeZone,
        from: Timestamp,
        to: Timestamp,
    ) -> Selection {
        let tz = candidate
            .time_zone
            .as_deref()
            .and_then(|name| TimeZone::get(name).ok())
            .unwrap_or_else(|| shop_tz.clone());
        let Some((year, due)) = due_within(&candidate.birthday, &tz, self.send_hour, from, to)
        else {
            return Selection::NotNow;
        };
        if !candidate.consent {
            return Selection::NoConsent;
        }
        if candidate.greeted_year.is_some_and(|y| y >= year) {
            return Selection::AlreadyGreeted;
        }
        Selection::Due { year, due }
    }

    /// The coupon's value and last moment for a greeting sent at `now`;
    /// `None` when the policy gives no coupon.
    pub fn coupon(&self, now: Timestamp, shop_tz: &TimeZone) -> Option<CouponOffer> {
        (self.coupon_percent > 0).then(|| CouponOffer {
            percent: self.coupon_percent,
            expires_at: expiry(now, self.coupon_valid_days, shop_tz),
        })
    }
}

/// What the birthday index says about one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Their birthday.
    pub birthday: Birthday,
    /// Their IANA time zone, if known (an invalid one counts as unknown).
    pub time_zone: Option<String>,
    /// Whether marketing consent is granted.
    pub consent: bool,
    /// The last year they were greeted for.
    pub greeted_year: Option<i16>,
}

/// The scheduler's decision about one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Greet them for `year`; it fell due at `due`.
    Due {
        /// The year of the birthday on the customer's clock.
        year: i16,
        /// The moment it fell due.
        due: Timestamp,
    },
    /// Not due in this window.
    NotNow,
    /// Due, but they have not consented to marketing email.
    NoConsent,
    /// Due, but already greeted this year (a birthday changed after the
    /// greeting does not bring a second one).
    AlreadyGreeted,
}

/// Why the greeter sends nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No address is known.
    NoAddress,
    /// Marketing consent is not (or no longer) granted.
    NoConsent,
    /// SES reported the address as bouncing or complaining.
    Suppressed,
    /// Already greeted for this year or a later one.
    AlreadyGreeted,
}

impl Refusal {
    /// A stable name for the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::NoAddress => "no_address",
            Refusal::NoConsent => "no_consent",
            Refusal::Suppressed => "suppressed",
            Refusal::AlreadyGreeted => "already_greeted",
        }
    }
}

/// Whether the greeting for `year` may go out, checked as it is about to:
/// consent and suppression as stored now, not as the scheduler saw them.
pub fn may_greet(
    has_address: bool,
    consent: &ConsentState,
    suppressed: bool,
    greeted_year: Option<i16>,
    year: i16,
) -> Result<(), Refusal> {
    if !has_address {
        Err(Refusal::NoAddress)
    } else if !consent.granted {
        Err(Refusal::NoConsent)
    } else if suppressed {
        Err(Refusal::Suppressed)
    } else if greeted_year.is_some_and(|y| y >= year) {
        Err(Refusal::AlreadyGreeted)
    } else {
        Ok(())
    }
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
            month_days(ts("2027-02-28T06:00:00Z"), ts("2027-02-28T07:00:00Z"), 10)
                .contains(&(2, 29))
        );
        // In a leap year the 29th is a day of its own.
        assert_eq!(
            month_days(ts("2028-02-28T06:00:00Z"), ts("2028-02-28T07:00:00Z"), 10),
            vec![(2, 28)]
        );
        assert_eq!(
            month_days(ts("2028-02-29T06:00:00Z"), ts("2028-02-29T07:00:00Z"), 10),
            vec![(2, 29)]
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
            month_days(ts("2026-11-21T20:00:00Z"), ts("2026-11-21T21:00:00Z"), 10)
                .contains(&(11, 22))
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

    fn candidate(b: &str, tz: Option<&str>, consent: bool, greeted: Option<i16>) -> Candidate {
        Candidate {
            birthday: bday(b),
            time_zone: tz.map(str::to_owned),
            consent,
            greeted_year: greeted,
        }
    }

    #[test]
    fn an_hourly_run_reads_only_the_days_that_can_be_due() {
        // 06:00–07:00 UTC: 10:00 somewhere on the 22nd only.
        assert_eq!(
            month_days(ts("2026-11-22T06:00:00Z"), ts("2026-11-22T07:00:00Z"), 10),
            vec![(11, 22)]
        );
        // 21:00–22:00 UTC: the 23rd has begun in Auckland and Kiritimati,
        // and the 22nd is not over in Hawaii.
        assert_eq!(
            month_days(ts("2026-11-22T21:00:00Z"), ts("2026-11-22T22:00:00Z"), 10),
            vec![(11, 22), (11, 23)]
        );
        // Every day of a window that long is read, and no day outside it
        // could be due: checked against every zone's actual due time.
        let zones = [
            "Pacific/Kiritimati",
            "Pacific/Auckland",
            "Asia/Tokyo",
            "Europe/Istanbul",
            "America/Los_Angeles",
            "Pacific/Honolulu",
            "Etc/GMT+12",
            "Asia/Kathmandu",
        ];
        let (from, to) = (ts("2026-11-21T00:00:00Z"), ts("2026-11-24T00:00:00Z"));
        let read = month_days(from + SignedDuration::from_hours(30), to, 10);
        for day in 18..=27 {
            let b = bday(&format!("--11-{day}"));
            let due = zones.iter().any(|z| {
                let tz = TimeZone::get(z).unwrap();
                due_within(&b, &tz, 10, from + SignedDuration::from_hours(30), to).is_some()
            });
            if due {
                assert!(read.contains(&(11, day)), "{day} {read:?}");
            }
        }
    }

    #[test]
    fn the_window_runs_from_the_last_run_and_never_beyond_the_catch_up() {
        let p = GreetingPolicy::default();
        let now = ts("2026-11-22T10:00:00Z");
        assert_eq!(p.window(None, now), Some((ts("2026-11-22T09:00:00Z"), now)));
        // Two missed runs: the window covers them.
        assert_eq!(
            p.window(Some(ts("2026-11-22T07:00:00Z")), now),
            Some((ts("2026-11-22T07:00:00Z"), now))
        );
        // Down for two days: only the last six hours are caught up.
        assert_eq!(
            p.window(Some(ts("2026-11-20T07:00:00Z")), now),
            Some((ts("2026-11-22T04:00:00Z"), now))
        );
        // A repeated or replayed run has nothing new.
        assert_eq!(p.window(Some(now), now), None);
        assert_eq!(p.window(Some(ts("2026-11-22T11:00:00Z")), now), None);
    }

    #[test]
    fn selection_needs_the_day_the_hour_consent_and_no_greeting_this_year() {
        let p = GreetingPolicy::default();
        let ist = TimeZone::get("Europe/Istanbul").unwrap();
        let (from, to) = (ts("2026-11-22T06:00:00Z"), ts("2026-11-22T07:00:00Z"));
        let due = Selection::Due {
            year: 2026,
            due: ts("2026-11-22T07:00:00Z"),
        };
        // No zone of their own: the shop's (10:00 Istanbul is 07:00 UTC).
        assert_eq!(
            p.select(&candidate("--11-22", None, true, None), &ist, from, to),
            due
        );
        assert_eq!(
            p.select(
                &candidate("--11-22", Some("Not/AZone"), true, Some(2025)),
                &ist,
                from,
                to
            ),
            due
        );
        assert_eq!(
            p.select(&candidate("--11-22", None, false, None), &ist, from, to),
            Selection::NoConsent
        );
        assert_eq!(
            p.select(
                &candidate("--11-22", None, true, Some(2026)),
                &ist,
                from,
                to
            ),
            Selection::AlreadyGreeted
        );
        // Tokyo's 10:00 was at 01:00 UTC; Los Angeles's comes at 18:00 UTC.
        for zone in ["Asia/Tokyo", "America/Los_Angeles"] {
            assert_eq!(
                p.select(
                    &candidate("--11-22", Some(zone), true, None),
                    &ist,
                    from,
                    to
                ),
                Selection::NotNow
            );
        }
        assert_eq!(
            p.select(
                &candidate("--11-23", Some("Pacific/Kiritimati"), true, None),
                &ist,
                ts("2026-11-22T19:00:00Z"),
                ts("2026-11-22T20:00:00Z")
            ),
            Selection::Due {
                year: 2026,
                due: ts("2026-11-22T20:00:00Z")
            },
            "UTC+14: 10:00 on the 23rd is 20:00 UTC on the 22nd"
        );
    }

    #[test]
    fn leap_day_birthdays_are_greeted_once_a_year() {
        let p = GreetingPolicy::default();
        let ist = TimeZone::get("Europe/Istanbul").unwrap();
        let c = candidate("2000-02-29", None, true, None);
        let hour = |s: &str| {
            let to = ts(s);
            p.select(&c, &ist, to - SignedDuration::from_hours(1), to)
        };
        assert!(matches!(
            hour("2027-02-28T07:00:00Z"),
            Selection::Due { year: 2027, .. }
        ));
        assert_eq!(hour("2027-03-01T07:00:00Z"), Selection::NotNow);
        assert!(matches!(
            hour("2028-02-29T07:00:00Z"),
            Selection::Due { year: 2028, .. }
        ));
        assert_eq!(hour("2028-02-28T07:00:00Z"), Selection::NotNow);
    }

    #[test]
    fn the_greeter_checks_again_before_sending() {
        let yes = ConsentState {
            granted: true,
            ..ConsentState::default()
        };
        let no = ConsentState::default();
        assert_eq!(may_greet(true, &yes, false, Some(2025), 2026), Ok(()));
        assert_eq!(
            may_greet(false, &yes, false, None, 2026),
            Err(Refusal::NoAddress)
        );
        assert_eq!(
            may_greet(true, &no, false, None, 2026),
            Err(Refusal::NoConsent)
        );
        assert_eq!(
            may_greet(true, &yes, true, None, 2026),
            Err(Refusal::Suppressed)
        );
        assert_eq!(
            may_greet(true, &yes, false, Some(2026), 2026),
            Err(Refusal::AlreadyGreeted)
        );
    }

    #[test]
    fn the_coupon_is_the_birthday_policy_s_own() {
        let ist = TimeZone::get("Europe/Istanbul").unwrap();
        let offer = GreetingPolicy::default()
            .coupon(ts("2026-11-22T07:00:00Z"), &ist)
            .unwrap();
        assert_eq!(offer.percent, 15);
        assert_eq!(offer.expires_at, ts("2026-12-06T20:59:59Z"));
        let none = GreetingPolicy {
            coupon_percent: 0,
            ..GreetingPolicy::default()
        };
        assert_eq!(none.coupon(ts("2026-11-22T07:00:00Z"), &ist), None);
    }
}
