//! The business calendar: when the support team works, for counting SLA time.
//!
//! A calendar is a time zone, the working days of the week, the working
//! hours of a working day and a list of holidays. The default is "every hour
//! of every day" in Europe/Istanbul: 00:00–24:00, Monday to Sunday, no
//! holidays, so that business time is plain elapsed time until a shop says
//! otherwise.
//!
//! Working hours are local wall-clock times and the same on every working
//! day; a day may have several ranges (`09:00-12:00,13:00-18:00` for a lunch
//! break). A range ends the same day: a night shift from 22:00 to 06:00 is
//! written `00:00-06:00,22:00-24:00`. Business time is real elapsed time
//! inside those ranges, so on the day clocks go forward the range
//! `00:00-24:00` holds 23 hours and on the day they go back 25; a range that
//! starts or ends in the skipped hour starts or ends at the first moment
//! after it.
//!
//! The arithmetic walks day by day over the local calendar, never minute by
//! minute. A calendar in which 400 days in a row have no working time (only
//! possible with a very long holiday list) is taken to have none ever
//! again: [`BusinessCalendar::add_business`] and
//! [`BusinessCalendar::next_business_start`] then saturate at
//! [`Timestamp::MAX`], a deadline that never comes.

use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::{self, TimeZone};
use jiff::{SignedDuration, Timestamp};

use crate::domain::text::fold;

/// After this many days in a row without working time, there is none.
pub const MAX_IDLE_DAYS: u32 = 400;

/// The longest holiday range `a..b` accepted, in days.
pub const MAX_HOLIDAY_RANGE_DAYS: i32 = 366;

const MINUTES_PER_DAY: u16 = 24 * 60;

/// The days of the week the team works.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorkingDays(u8);

impl WorkingDays {
    /// Monday to Sunday.
    pub const ALL: WorkingDays = WorkingDays(0b111_1111);
    /// Monday to Friday.
    pub const MON_FRI: WorkingDays = WorkingDays(0b001_1111);

    /// The given days.
    pub fn from_weekdays(days: impl IntoIterator<Item = Weekday>) -> Self {
        WorkingDays(days.into_iter().fold(0, |bits, d| bits | bit(d)))
    }

    /// True when `day` is a working day.
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & bit(day) != 0
    }

    /// True when no day is a working day.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Reads days and ranges separated by commas: `mon-fri`,
    /// `mon,tue,wed`, `mon-fri,sun`. Names are English or Turkish, short or
    /// long, in any case (`Mon`, `monday`, `pzt`, `Pazartesi`). A range
    /// may wrap around the week: `fri-mon` is Friday to Monday.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut bits = 0u8;
        for part in s.split(',').map(str::trim) {
            if part.is_empty() {
                return Err(format!("`{s}` has an empty entry"));
            }
            match part.split_once('-') {
                Some((from, to)) => {
                    let (from, to) = (parse_weekday(from)?, parse_weekday(to)?);
                    let mut day = from;
                    loop {
                        bits |= bit(day);
                        if day == to {
                            break;
                        }
                        day = day.next();
                    }
                }
                None => bits |= bit(parse_weekday(part)?),
            }
        }
        Ok(WorkingDays(bits))
    }
}

impl Default for WorkingDays {
    /// Every day.
    fn default() -> Self {
        WorkingDays::ALL
    }
}

impl fmt::Debug for WorkingDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = WEEKDAYS
            .iter()
            .filter(|(d, _)| self.contains(*d))
            .map(|(_, names)| names[0])
            .collect();
        write!(f, "WorkingDays({})", names.join(","))
    }
}

fn bit(day: Weekday) -> u8 {
    1 << day.to_monday_zero_offset()
}

/// Accepted names per weekday, the first one canonical; compared folded.
const WEEKDAYS: [(Weekday, &[&str]); 7] = [
    (Weekday::Monday, &["mon", "monday", "pzt", "pazartesi"]),
    (Weekday::Tuesday, &["tue", "tuesday", "sal", "sali"]),
    (Weekday::Wednesday, &["wed", "wednesday", "car", "carsamba"]),
    (Weekday::Thursday, &["thu", "thursday", "per", "persembe"]),
    (Weekday::Friday, &["fri", "friday", "cum", "cuma"]),
    (Weekday::Saturday, &["sat", "saturday", "cmt", "cumartesi"]),
    (Weekday::Sunday, &["sun", "sunday", "paz", "pazar"]),
];

fn parse_weekday(s: &str) -> Result<Weekday, String> {
    let folded = fold(s);
    WEEKDAYS
        .iter()
        .find(|(_, names)| names.contains(&folded.as_str()))
        .map(|(d, _)| *d)
        .ok_or_else(|| format!("`{}` is not a day of the week (mon, tue, … sun)", s.trim()))
}

/// The working hours of a working day: ranges of local time, in minutes
/// since midnight, sorted, not overlapping, each ending by 24:00.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct WorkingHours(Vec<(u16, u16)>);

impl WorkingHours {
    /// 00:00–24:00.
    pub fn all_day() -> Self {
        WorkingHours(vec![(0, MINUTES_PER_DAY)])
    }

    /// Ranges given as minutes since midnight, `(start, end)` with
    /// `start < end <= 1440`; they are sorted, and touching ranges joined.
    pub fn from_minutes(ranges: impl IntoIterator<Item = (u16, u16)>) -> Result<Self, String> {
        let mut ranges: Vec<(u16, u16)> = ranges.into_iter().collect();
        if ranges.is_empty() {
            return Err("no working hours".into());
        }
        for (start, end) in &ranges {
            if start >= end || *end > MINUTES_PER_DAY {
                return Err(format!(
                    "{}-{} is not a range within one day",
                    clock(*start),
                    clock(*end)
                ));
            }
        }
        ranges.sort_unstable();
        let mut joined: Vec<(u16, u16)> = Vec::with_capacity(ranges.len());
        for (start, end) in ranges {
            match joined.last_mut() {
                Some(last) if start < last.1 => {
                    return Err(format!(
                        "{}-{} overlaps {}-{}",
                        clock(last.0),
                        clock(last.1),
                        clock(start),
                        clock(end)
                    ));
                }
                Some(last) if start == last.1 => last.1 = end,
                _ => joined.push((start, end)),
            }
        }
        Ok(WorkingHours(joined))
    }

    /// Reads ranges separated by commas: `09:00-18:00`, `00:00-24:00`,
    /// `09:00-12:00,13:00-18:00`. Hours may have one digit (`9:00`); 24:00
    /// is only an end.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut ranges = Vec::new();
        for part in s.split(',').map(str::trim) {
            let (start, end) = part
                .split_once('-')
                .ok_or_else(|| format!("`{part}` is not a range like 09:00-18:00"))?;
            let start = parse_clock(start)?;
            if start == MINUTES_PER_DAY {
                return Err(format!("`{part}` starts at 24:00"));
            }
            ranges.push((start, parse_clock(end)?));
        }
        WorkingHours::from_minutes(ranges)
    }

    /// The ranges, in minutes since midnight.
    pub fn ranges(&self) -> &[(u16, u16)] {
        &self.0
    }

    /// True for 00:00–24:00.
    pub fn is_all_day(&self) -> bool {
        self.0 == [(0, MINUTES_PER_DAY)]
    }
}

impl Default for WorkingHours {
    /// All day.
    fn default() -> Self {
        WorkingHours::all_day()
    }
}

impl fmt::Debug for WorkingHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ranges: Vec<String> = self
            .0
            .iter()
            .map(|(s, e)| format!("{}-{}", clock(*s), clock(*e)))
            .collect();
        write!(f, "WorkingHours({})", ranges.join(","))
    }
}

fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn parse_clock(s: &str) -> Result<u16, String> {
    let s = s.trim();
    let invalid = || format!("`{s}` is not a time like 09:00");
    let (h, m) = s.split_once(':').ok_or_else(invalid)?;
    let digits = |v: &str, max_len: usize| {
        (!v.is_empty() && v.len() <= max_len && v.bytes().all(|b| b.is_ascii_digit()))
            .then(|| v.parse::<u16>().ok())
            .flatten()
    };
    let (h, m) = (
        digits(h, 2).ok_or_else(invalid)?,
        digits(m, 2).filter(|_| m.len() == 2).ok_or_else(invalid)?,
    );
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(invalid());
    }
    Ok(h * 60 + m)
}

/// Days off: public holidays and the days the shop closes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Holidays(BTreeSet<Date>);

impl Holidays {
    /// No holidays.
    pub fn none() -> Self {
        Holidays::default()
    }

    /// The given dates.
    pub fn from_dates(dates: impl IntoIterator<Item = Date>) -> Self {
        Holidays(dates.into_iter().collect())
    }

    /// True when `date` is a holiday.
    pub fn contains(&self, date: Date) -> bool {
        self.0.contains(&date)
    }

    /// How many days.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Reads dates and inclusive ranges separated by commas:
    /// `2026-01-01,2026-04-23`, `2026-03-20..2026-03-22` (a bayram). An
    /// empty string is no holidays.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut dates = BTreeSet::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once("..") {
                Some((from, to)) => {
                    let (from, to) = (parse_date(from)?, parse_date(to)?);
                    let days = from.until(to).map_err(|e| e.to_string())?.get_days();
                    if days < 0 {
                        return Err(format!("`{part}` ends before it starts"));
                    }
                    if days >= MAX_HOLIDAY_RANGE_DAYS {
                        return Err(format!(
                            "`{part}` is longer than {MAX_HOLIDAY_RANGE_DAYS} days"
                        ));
                    }
                    let mut day = from;
                    dates.insert(day);
                    while day < to {
                        day = day.tomorrow().map_err(|e| e.to_string())?;
                        dates.insert(day);
                    }
                }
                None => {
                    dates.insert(parse_date(part)?);
                }
            }
        }
        Ok(Holidays(dates))
    }
}

fn parse_date(s: &str) -> Result<Date, String> {
    let s = s.trim();
    // jiff also reads other ISO 8601 forms; a config value has one form.
    let well_formed = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !well_formed {
        return Err(format!("`{s}` is not a date like 2026-04-23"));
    }
    s.parse::<Date>()
        .map_err(|_| format!("`{s}` is not a date of the calendar"))
}

/// When the support team works, and the time arithmetic over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCalendar {
    time_zone: TimeZone,
    days: WorkingDays,
    hours: WorkingHours,
    holidays: Holidays,
}

impl Default for BusinessCalendar {
    /// Every hour of every day in Europe/Istanbul.
    fn default() -> Self {
        BusinessCalendar::new(
            istanbul(),
            WorkingDays::ALL,
            WorkingHours::all_day(),
            Holidays::none(),
        )
    }
}

/// Europe/Istanbul; the bundled database always has it, and the zone has
/// been UTC+3 all year since 2016, which is the fallback.
fn istanbul() -> TimeZone {
    TimeZone::get("Europe/Istanbul").unwrap_or_else(|_| TimeZone::fixed(tz::offset(3)))
}

impl BusinessCalendar {
    /// A calendar from its parts. A calendar without working days has no
    /// business time at all (see the module documentation).
    pub fn new(
        time_zone: TimeZone,
        days: WorkingDays,
        hours: WorkingHours,
        holidays: Holidays,
    ) -> Self {
        BusinessCalendar {
            time_zone,
            days,
            hours,
            holidays,
        }
    }

    /// The time zone working hours are in.
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// The working days of the week.
    pub fn days(&self) -> WorkingDays {
        self.days
    }

    /// The working hours of a working day.
    pub fn hours(&self) -> &WorkingHours {
        &self.hours
    }

    /// The holidays.
    pub fn holidays(&self) -> &Holidays {
        &self.holidays
    }

    /// True when `date` is a working day and not a holiday.
    pub fn is_working_day(&self, date: Date) -> bool {
        self.days.contains(date.weekday()) && !self.holidays.contains(date)
    }

    /// The `days`-th working day after the day of `at` (its days and
    /// holidays; hours do not count): what "in 3 business days" means to a
    /// customer or a parcel.
    pub fn working_days_after(&self, at: Timestamp, days: i64) -> Date {
        let mut day = at.to_zoned(self.time_zone().clone()).date();
        let mut left = days;
        // A year of days is enough for any calendar with a working day.
        for _ in 0..366 {
            if left <= 0 {
                break;
            }
            day = match day.checked_add(jiff::ToSpan::day(1)) {
                Ok(d) => d,
                Err(_) => break,
            };
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The moment at which `duration` of business time has elapsed after
    /// `start`. A duration that ends exactly at the end of working hours
    /// gives that end (Friday 18:00), not the next start. Zero or negative
    /// durations give `start`.
    pub fn add_business(&self, start: Timestamp, duration: SignedDuration) -> Timestamp {
        if duration <= SignedDuration::ZERO {
            return start;
        }
        let mut left = duration;
        for (from, to) in self.intervals(start) {
            let available = to.duration_since(from);
            if left <= available {
                return from.saturating_add(left).unwrap_or(Timestamp::MAX);
            }
            left -= available;
        }
        Timestamp::MAX
    }

    /// The business time in `[a, b)`; zero when `b` is not after `a`.
    pub fn business_between(&self, a: Timestamp, b: Timestamp) -> SignedDuration {
        let mut total = SignedDuration::ZERO;
        if b <= a {
            return total;
        }
        for (from, to) in self.intervals(a) {
            if from >= b {
                break;
            }
            total += to.min(b).duration_since(from);
        }
        total
    }

    /// True when `t` is inside working time.
    pub fn is_business(&self, t: Timestamp) -> bool {
        self.intervals(t).next().is_some_and(|(from, _)| from == t)
    }

    /// `t` itself inside working time, else the next moment working time
    /// starts.
    pub fn next_business_start(&self, t: Timestamp) -> Timestamp {
        self.intervals(t)
            .next()
            .map_or(Timestamp::MAX, |(from, _)| from)
    }

    /// The stretches of working time that end after `from`, in order, as
    /// `[start, end)`; the first starts no earlier than `from`. Stretches
    /// are never empty and never overlap.
    pub fn intervals(&self, from: Timestamp) -> Intervals<'_> {
        let date = self.time_zone.to_datetime(from).date();
        // A day's working time can end on the next local day (24:00, or a
        // shifted clock), so the walk starts the day before.
        Intervals {
            calendar: self,
            next_date: Some(date.yesterday().unwrap_or(date)),
            pending: Vec::new().into_iter(),
            floor: from,
            idle_days: 0,
        }
    }

    /// The working time of one local date, as instants. Where the clock
    /// skips, a local time in the gap becomes the first instant after it.
    fn day_intervals(&self, date: Date) -> Vec<(Timestamp, Timestamp)> {
        if !self.is_working_day(date) {
            return Vec::new();
        }
        let midnight = date.to_datetime(Time::midnight());
        let instant = |minutes: u16| {
            midnight
                .checked_add(SignedDuration::from_mins(i64::from(minutes)))
                .ok()
                .and_then(|dt| self.time_zone.to_timestamp(dt).ok())
        };
        self.hours
            .ranges()
            .iter()
            .filter_map(|(start, end)| Some((instant(*start)?, instant(*end)?)))
            .collect()
    }
}

/// The iterator of [`BusinessCalendar::intervals`].
#[derive(Debug)]
pub struct Intervals<'a> {
    calendar: &'a BusinessCalendar,
    next_date: Option<Date>,
    pending: std::vec::IntoIter<(Timestamp, Timestamp)>,
    // Nothing before this is yielded: the start, then the end of the last
    // stretch, which keeps stretches apart when a clock change makes two
    // local ranges map onto the same instants.
    floor: Timestamp,
    idle_days: u32,
}

impl Iterator for Intervals<'_> {
    type Item = (Timestamp, Timestamp);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            for (start, end) in self.pending.by_ref() {
                let start = start.max(self.floor);
                if end > start {
                    self.floor = end;
                    return Some((start, end));
                }
            }
            if self.idle_days >= MAX_IDLE_DAYS {
                return None;
            }
            let date = self.next_date?;
            self.next_date = date.tomorrow().ok();
            let day = self.calendar.day_intervals(date);
            if day.is_empty() {
                self.idle_days += 1;
            } else {
                self.idle_days = 0;
            }
            self.pending = day.into_iter();
        }
    }
}

#[cfg(test)]
mod tests;
