//! The tests of [`super`].

use super::*;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

fn office(zone: &str) -> BusinessCalendar {
    BusinessCalendar::new(
        TimeZone::get(zone).unwrap(),
        WorkingDays::parse("mon-fri").unwrap(),
        WorkingHours::parse("09:00-18:00").unwrap(),
        Holidays::none(),
    )
}

fn istanbul_office() -> BusinessCalendar {
    office("Europe/Istanbul")
}

#[test]
fn the_default_is_every_hour_of_every_day_in_istanbul() {
    let cal = BusinessCalendar::default();
    assert_eq!(cal.time_zone().iana_name(), Some("Europe/Istanbul"));
    assert_eq!(cal.days(), WorkingDays::ALL);
    assert!(cal.hours().is_all_day());
    assert!(cal.holidays().is_empty());

    let sat_night = ts("2026-03-07T23:30:00+03:00");
    assert!(cal.is_business(sat_night));
    assert_eq!(cal.next_business_start(sat_night), sat_night);
    assert_eq!(
        cal.add_business(sat_night, hours(5)),
        ts("2026-03-08T04:30:00+03:00")
    );
    assert_eq!(
        cal.add_business(sat_night, hours(120)),
        ts("2026-03-12T23:30:00+03:00")
    );
    assert_eq!(
        cal.business_between(sat_night, ts("2026-03-09T00:00:00+03:00")),
        SignedDuration::from_mins(24 * 60 + 30)
    );
}

#[test]
fn every_hour_across_dst_is_elapsed_time() {
    let cal = BusinessCalendar::new(
        TimeZone::get("Europe/Berlin").unwrap(),
        WorkingDays::ALL,
        WorkingHours::all_day(),
        Holidays::none(),
    );
    // Saturday 00:00 to Monday 00:00 local: 47 hours in spring, 49 in autumn.
    assert_eq!(
        cal.business_between(
            ts("2026-03-28T00:00:00+01:00"),
            ts("2026-03-30T00:00:00+02:00")
        ),
        hours(47)
    );
    assert_eq!(
        cal.business_between(
            ts("2026-10-24T00:00:00+02:00"),
            ts("2026-10-26T00:00:00+01:00")
        ),
        hours(49)
    );
    let before = ts("2026-03-29T01:30:00+01:00");
    assert_eq!(
        cal.add_business(before, hours(1)),
        ts("2026-03-29T03:30:00+02:00")
    );
}

#[test]
fn office_hours_in_istanbul() {
    let cal = istanbul_office();
    let monday = |t: &str| ts(&format!("2026-03-02T{t}:00+03:00"));
    assert_eq!(Date::constant(2026, 3, 2).weekday(), Weekday::Monday);
    // Within the day.
    assert_eq!(cal.add_business(monday("10:00"), hours(3)), monday("13:00"));
    // Ending exactly at closing time stays on the day.
    assert_eq!(cal.add_business(monday("09:00"), hours(9)), monday("18:00"));
    // Across the evening into the next morning.
    assert_eq!(
        cal.add_business(monday("17:00"), hours(2)),
        ts("2026-03-03T10:00:00+03:00")
    );
    // Before opening counts from opening.
    assert_eq!(cal.add_business(monday("07:00"), hours(1)), monday("10:00"));
    // 24 business hours are 2 days and 6 hours of office time.
    assert_eq!(
        cal.add_business(monday("10:00"), hours(24)),
        ts("2026-03-04T16:00:00+03:00")
    );
    // Across the weekend.
    let friday = ts("2026-03-06T17:00:00+03:00");
    assert_eq!(
        cal.add_business(friday, hours(2)),
        ts("2026-03-09T10:00:00+03:00")
    );
    assert_eq!(
        cal.add_business(ts("2026-03-07T12:00:00+03:00"), hours(1)),
        ts("2026-03-09T10:00:00+03:00")
    );
    assert_eq!(
        cal.business_between(friday, ts("2026-03-09T10:00:00+03:00")),
        hours(2)
    );
    // A whole week is 45 hours.
    assert_eq!(
        cal.business_between(monday("00:00"), ts("2026-03-09T00:00:00+03:00")),
        hours(45)
    );
}

#[test]
fn is_business_and_next_start() {
    let cal = istanbul_office();
    let at = |s: &str| ts(&format!("{s}+03:00"));
    assert!(cal.is_business(at("2026-03-02T09:00:00")));
    assert!(cal.is_business(at("2026-03-02T17:59:59")));
    assert!(!cal.is_business(at("2026-03-02T18:00:00")));
    assert!(!cal.is_business(at("2026-03-02T08:59:59")));
    assert!(!cal.is_business(at("2026-03-07T12:00:00")));
    assert_eq!(
        cal.next_business_start(at("2026-03-02T10:15:00")),
        at("2026-03-02T10:15:00")
    );
    assert_eq!(
        cal.next_business_start(at("2026-03-02T18:00:00")),
        at("2026-03-03T09:00:00")
    );
    assert_eq!(
        cal.next_business_start(at("2026-03-06T18:30:00")),
        at("2026-03-09T09:00:00")
    );
    assert_eq!(
        cal.next_business_start(at("2026-03-02T03:00:00")),
        at("2026-03-02T09:00:00")
    );
}

#[test]
fn holidays_are_skipped() {
    let mut cal = istanbul_office();
    cal.holidays = Holidays::parse("2026-01-01, 2026-04-23, 2026-03-20..2026-03-22").unwrap();
    assert_eq!(Date::constant(2026, 4, 23).weekday(), Weekday::Thursday);
    assert!(!cal.is_working_day(Date::constant(2026, 4, 23)));
    assert_eq!(
        cal.add_business(ts("2026-04-22T17:00:00+03:00"), hours(2)),
        ts("2026-04-24T10:00:00+03:00")
    );
    // Bayram on Friday, then the weekend: Thursday evening to Monday.
    assert_eq!(
        cal.add_business(ts("2026-03-19T17:30:00+03:00"), hours(1)),
        ts("2026-03-23T09:30:00+03:00")
    );
    assert!(!cal.is_business(ts("2026-01-01T10:00:00+03:00")));
    assert_eq!(
        cal.next_business_start(ts("2026-01-01T10:00:00+03:00")),
        ts("2026-01-02T09:00:00+03:00")
    );
}

#[test]
fn office_hours_in_berlin_across_the_spring_change() {
    // Clocks go forward on Sunday 29 March 2026, 02:00 CET → 03:00 CEST.
    let cal = office("Europe/Berlin");
    let friday = ts("2026-03-27T17:00:00+01:00");
    let monday = ts("2026-03-30T10:00:00+02:00");
    assert_eq!(monday, ts("2026-03-30T08:00:00Z"));
    assert_eq!(cal.add_business(friday, hours(2)), monday);
    assert_eq!(cal.business_between(friday, monday), hours(2));
    // The week around it still has 45 office hours.
    assert_eq!(
        cal.business_between(
            ts("2026-03-23T00:00:00+01:00"),
            ts("2026-04-06T00:00:00+02:00")
        ),
        hours(90)
    );
    assert_eq!(
        cal.next_business_start(ts("2026-03-29T12:00:00+02:00")),
        ts("2026-03-30T09:00:00+02:00")
    );
}

#[test]
fn office_hours_in_berlin_across_the_autumn_change() {
    // Clocks go back on Sunday 25 October 2026, 03:00 CEST → 02:00 CET.
    let cal = office("Europe/Berlin");
    let friday = ts("2026-10-23T17:00:00+02:00");
    let monday = ts("2026-10-26T10:00:00+01:00");
    assert_eq!(monday, ts("2026-10-26T09:00:00Z"));
    assert_eq!(cal.add_business(friday, hours(2)), monday);
    assert_eq!(cal.business_between(friday, monday), hours(2));
    assert!(cal.is_business(ts("2026-10-26T08:30:00Z")));
    assert!(!cal.is_business(ts("2026-10-26T07:30:00Z")));
}

#[test]
fn hours_through_the_changed_hour_hold_the_real_time() {
    let cal = BusinessCalendar::new(
        TimeZone::get("Europe/Berlin").unwrap(),
        WorkingDays::parse("sun").unwrap(),
        WorkingHours::parse("01:00-04:00").unwrap(),
        Holidays::none(),
    );
    let spring = cal.business_between(
        ts("2026-03-29T00:00:00+01:00"),
        ts("2026-03-30T00:00:00+02:00"),
    );
    assert_eq!(spring, hours(2));
    let autumn = cal.business_between(
        ts("2026-10-25T00:00:00+02:00"),
        ts("2026-10-26T00:00:00+01:00"),
    );
    assert_eq!(autumn, hours(4));
    // A start in the skipped hour is the first moment after it.
    let skipped = BusinessCalendar::new(
        TimeZone::get("Europe/Berlin").unwrap(),
        WorkingDays::ALL,
        WorkingHours::parse("02:30-05:00").unwrap(),
        Holidays::none(),
    );
    assert_eq!(
        skipped.next_business_start(ts("2026-03-29T00:00:00+01:00")),
        ts("2026-03-29T03:30:00+02:00")
    );
    // Sunday only, all day: 23 hours in spring.
    let sundays = BusinessCalendar::new(
        TimeZone::get("Europe/Berlin").unwrap(),
        WorkingDays::parse("sun").unwrap(),
        WorkingHours::all_day(),
        Holidays::none(),
    );
    assert_eq!(
        sundays.business_between(ts("2026-03-28T00:00:00Z"), ts("2026-04-01T00:00:00Z")),
        hours(23)
    );
}

#[test]
fn across_midnight() {
    let cal = BusinessCalendar::new(
        TimeZone::get("Europe/Istanbul").unwrap(),
        WorkingDays::MON_FRI,
        WorkingHours::parse("20:00-24:00,00:00-02:00").unwrap(),
        Holidays::none(),
    );
    assert_eq!(cal.hours().ranges(), [(0, 120), (1200, 1440)]);
    assert_eq!(
        cal.add_business(ts("2026-03-02T23:00:00+03:00"), hours(2)),
        ts("2026-03-03T01:00:00+03:00")
    );
    // Friday night runs into Saturday, which is not a working day.
    assert_eq!(
        cal.add_business(ts("2026-03-06T23:00:00+03:00"), hours(2)),
        ts("2026-03-09T01:00:00+03:00")
    );
    assert_eq!(
        cal.business_between(
            ts("2026-03-02T22:00:00+03:00"),
            ts("2026-03-03T03:00:00+03:00")
        ),
        hours(4)
    );
}

#[test]
fn business_between_inverts_add_business() {
    for (name, cal) in [
        ("istanbul", istanbul_office()),
        ("berlin", office("Europe/Berlin")),
        ("default", BusinessCalendar::default()),
    ] {
        let mut start = ts("2026-03-20T00:00:00Z");
        let end = ts("2026-04-05T00:00:00Z");
        let mut n = 0i64;
        while start < end {
            let d = SignedDuration::from_mins(1 + (n * 97) % (60 * 50));
            let due = cal.add_business(start, d);
            assert_eq!(cal.business_between(start, due), d, "{name} {start} {d:?}");
            // And the other way: adding the business time between two
            // instants reaches the second one, or the end of the
            // working time just before it.
            let later = start + SignedDuration::from_mins((n * 131) % (60 * 24 * 5));
            let between = cal.business_between(start, later);
            let reached = cal.add_business(start, between);
            assert!(reached <= later, "{name} {start} {later}");
            assert_eq!(cal.business_between(reached, later), SignedDuration::ZERO);
            start += SignedDuration::from_mins(37);
            n += 1;
        }
    }
}

#[test]
fn zero_and_negative_durations() {
    let cal = istanbul_office();
    let saturday = ts("2026-03-07T12:00:00+03:00");
    assert_eq!(cal.add_business(saturday, SignedDuration::ZERO), saturday);
    assert_eq!(cal.add_business(saturday, hours(-3)), saturday);
    assert_eq!(
        cal.business_between(saturday, saturday),
        SignedDuration::ZERO
    );
    assert_eq!(
        cal.business_between(ts("2026-03-09T12:00:00+03:00"), saturday),
        SignedDuration::ZERO
    );
}

#[test]
fn a_calendar_without_working_time_saturates() {
    let never = BusinessCalendar::new(
        TimeZone::UTC,
        WorkingDays::from_weekdays([]),
        WorkingHours::all_day(),
        Holidays::none(),
    );
    let t = ts("2026-03-02T10:00:00Z");
    assert_eq!(never.add_business(t, hours(1)), Timestamp::MAX);
    assert_eq!(never.next_business_start(t), Timestamp::MAX);
    assert!(!never.is_business(t));
    assert_eq!(
        never.business_between(t, ts("2030-01-01T00:00:00Z")),
        SignedDuration::ZERO
    );

    // 400 days of holidays in a row end the search too.
    let closed = BusinessCalendar::new(
        TimeZone::UTC,
        WorkingDays::ALL,
        WorkingHours::all_day(),
        Holidays::parse("2026-03-01..2027-02-28,2027-03-01..2027-04-10").unwrap(),
    );
    assert_eq!(closed.holidays().len(), 406);
    assert_eq!(closed.add_business(t, hours(1)), Timestamp::MAX);
    // Fewer are only a long closure.
    let long = BusinessCalendar::new(
        TimeZone::UTC,
        WorkingDays::ALL,
        WorkingHours::all_day(),
        Holidays::parse("2026-03-01..2027-02-28").unwrap(),
    );
    assert_eq!(long.add_business(t, hours(1)), ts("2027-03-01T01:00:00Z"));
}

#[test]
fn near_the_end_of_time() {
    let cal = BusinessCalendar::default();
    let late = Timestamp::MAX - SignedDuration::from_hours(1);
    assert_eq!(cal.add_business(late, hours(5)), Timestamp::MAX);
    assert_eq!(cal.add_business(Timestamp::MAX, hours(5)), Timestamp::MAX);
}

#[test]
fn working_days_parse() {
    let set = |days: &[Weekday]| WorkingDays::from_weekdays(days.iter().copied());
    use Weekday::*;
    assert_eq!(WorkingDays::parse("mon-fri"), Ok(WorkingDays::MON_FRI));
    assert_eq!(WorkingDays::parse("Mon - FRI"), Ok(WorkingDays::MON_FRI));
    assert_eq!(WorkingDays::parse("pzt-cum"), Ok(WorkingDays::MON_FRI));
    assert_eq!(
        WorkingDays::parse("Pazartesi-Cuma"),
        Ok(WorkingDays::MON_FRI)
    );
    assert_eq!(WorkingDays::parse("mon-sun"), Ok(WorkingDays::ALL));
    assert_eq!(
        WorkingDays::parse("mon,tue,wed"),
        Ok(set(&[Monday, Tuesday, Wednesday]))
    );
    assert_eq!(
        WorkingDays::parse("Çarşamba, cmt"),
        Ok(set(&[Wednesday, Saturday]))
    );
    assert_eq!(
        WorkingDays::parse("fri-mon"),
        Ok(set(&[Friday, Saturday, Sunday, Monday]))
    );
    assert_eq!(
        WorkingDays::parse("mon-fri,sun"),
        Ok(set(&[Monday, Tuesday, Wednesday, Thursday, Friday, Sunday]))
    );
    assert_eq!(WorkingDays::parse("sat-sat"), Ok(set(&[Saturday])));
    for bad in ["", "mon,,fri", "mon-", "funday", "mon-xyz", "1-5"] {
        assert!(WorkingDays::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        WorkingDays::parse("mon,funday").unwrap_err(),
        "`funday` is not a day of the week (mon, tue, … sun)"
    );
    assert_eq!(
        format!("{:?}", WorkingDays::MON_FRI),
        "WorkingDays(mon,tue,wed,thu,fri)"
    );
    assert!(WorkingDays::default().contains(Sunday));
    assert!(!WorkingDays::MON_FRI.contains(Saturday));
}

#[test]
fn working_hours_parse() {
    assert_eq!(
        WorkingHours::parse("09:00-18:00").unwrap().ranges(),
        [(540, 1080)]
    );
    assert!(WorkingHours::parse("00:00-24:00").unwrap().is_all_day());
    assert_eq!(
        WorkingHours::parse("00:00-24:00"),
        Ok(WorkingHours::default())
    );
    assert_eq!(
        WorkingHours::parse(" 9:00-12:30 , 13:30-18:00 ")
            .unwrap()
            .ranges(),
        [(540, 750), (810, 1080)]
    );
    // Touching ranges are one.
    assert_eq!(
        WorkingHours::parse("12:00-18:00,09:00-12:00")
            .unwrap()
            .ranges(),
        [(540, 1080)]
    );
    for bad in [
        "",
        "09:00",
        "18:00-09:00",
        "09:00-09:00",
        "24:00-24:00",
        "25:00-26:00",
        "09:60-10:00",
        "9-18",
        "09:0-18:00",
        "09:00-24:01",
        "09:00-12:00,11:00-13:00",
        "aa:bb-cc:dd",
    ] {
        assert!(WorkingHours::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        WorkingHours::parse("09:00-12:00,11:00-13:00").unwrap_err(),
        "09:00-12:00 overlaps 11:00-13:00"
    );
    assert_eq!(
        format!("{:?}", WorkingHours::parse("09:00-18:00").unwrap()),
        "WorkingHours(09:00-18:00)"
    );
    assert!(WorkingHours::from_minutes([]).is_err());
}

#[test]
fn holidays_parse() {
    let h = Holidays::parse("2026-01-01,2026-04-23").unwrap();
    assert_eq!(h.len(), 2);
    assert!(h.contains(Date::constant(2026, 4, 23)));
    assert!(!h.contains(Date::constant(2026, 4, 24)));
    let bayram = Holidays::parse("2026-03-20..2026-03-22, 2026-05-01").unwrap();
    assert_eq!(bayram.len(), 4);
    assert!(bayram.contains(Date::constant(2026, 3, 21)));
    // Across a year and a leap day.
    assert_eq!(Holidays::parse("2027-12-31..2028-03-01").unwrap().len(), 62);
    assert_eq!(Holidays::parse("").unwrap(), Holidays::none());
    for bad in [
        "2026-02-30",
        "2026-13-01",
        "26-01-01",
        "20260101",
        "2026-01-01,tomorrow",
        "2026-03-22..2026-03-20",
        "2026-01-01..2027-06-01",
    ] {
        assert!(Holidays::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        Holidays::parse("2026-02-30").unwrap_err(),
        "`2026-02-30` is not a date of the calendar"
    );
}
