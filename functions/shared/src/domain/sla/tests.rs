//! The tests of [`super`].

use super::*;
use crate::domain::calendar::{Holidays, WorkingDays, WorkingHours};
use jiff::tz::TimeZone;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
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
fn default_deadlines_around_the_clock() {
    let policy = SlaPolicy::default();
    let cal = BusinessCalendar::default();
    let opened = ts("2026-03-02T10:00:00+03:00");
    let at = |s: &str| ts(&format!("{s}+03:00"));
    assert_eq!(
        policy.deadlines(Priority::Urgent, opened, &cal),
        Deadlines {
            first_reply_warning: at("2026-03-02T10:48:00"),
            first_reply_due: at("2026-03-02T11:00:00"),
            resolution_warning: at("2026-03-02T16:24:00"),
            resolution_due: at("2026-03-02T18:00:00"),
        }
    );
    assert_eq!(
        policy.deadlines(Priority::High, opened, &cal),
        Deadlines {
            first_reply_warning: at("2026-03-02T13:12:00"),
            first_reply_due: at("2026-03-02T14:00:00"),
            resolution_warning: at("2026-03-03T05:12:00"),
            resolution_due: at("2026-03-03T10:00:00"),
        }
    );
    assert_eq!(
        policy.deadlines(Priority::Normal, opened, &cal),
        Deadlines {
            first_reply_warning: at("2026-03-03T05:12:00"),
            first_reply_due: at("2026-03-03T10:00:00"),
            resolution_warning: at("2026-03-04T19:36:00"),
            resolution_due: at("2026-03-05T10:00:00"),
        }
    );
    assert_eq!(
        policy.deadlines(Priority::Low, opened, &cal),
        Deadlines {
            first_reply_warning: at("2026-03-04T00:24:00"),
            first_reply_due: at("2026-03-04T10:00:00"),
            resolution_warning: at("2026-03-06T10:00:00"),
            resolution_due: at("2026-03-07T10:00:00"),
        }
    );
}

#[test]
fn default_deadlines_in_office_hours() {
    let policy = SlaPolicy::default();
    let cal = office();
    let at = |s: &str| ts(&format!("{s}+03:00"));
    let normal = policy.deadlines(Priority::Normal, at("2026-03-02T10:00:00"), &cal);
    // 24 h: Monday 8 + Tuesday 9 + Wednesday 7.
    assert_eq!(normal.first_reply_due, at("2026-03-04T16:00:00"));
    // 72 h: this week 44, next week Monday to Wednesday 27, Thursday 1.
    assert_eq!(normal.resolution_due, at("2026-03-12T10:00:00"));
    // Opened Friday evening: the weekend does not count.
    let urgent = policy.deadlines(Priority::Urgent, at("2026-03-06T17:30:00"), &cal);
    assert_eq!(urgent.first_reply_due, at("2026-03-09T09:30:00"));
    assert_eq!(urgent.first_reply_warning, at("2026-03-09T09:18:00"));
    assert_eq!(urgent.resolution_due, at("2026-03-09T16:30:00"));
    // Opened on Sunday: counted from Monday 09:00.
    let high = policy.deadlines(Priority::High, at("2026-03-08T11:00:00"), &cal);
    assert_eq!(high.first_reply_due, at("2026-03-09T13:00:00"));
    assert_eq!(high.resolution_due, at("2026-03-11T15:00:00"));
}

#[test]
fn met_is_at_or_before_the_deadline() {
    let due = ts("2026-03-02T11:00:00Z");
    assert!(met(due, ts("2026-03-02T10:59:59Z")));
    assert!(met(due, due));
    assert!(!met(due, ts("2026-03-02T11:00:01Z")));
}

#[test]
fn a_pause_over_the_weekend_adds_only_business_time() {
    let cal = office();
    let at = |s: &str| ts(&format!("{s}+03:00"));
    let due = at("2026-03-12T10:00:00");
    // Friday 17:00 to Monday 10:00: one hour on Friday, one on Monday.
    assert_eq!(
        resume(
            due,
            at("2026-03-06T17:00:00"),
            at("2026-03-09T10:00:00"),
            &cal
        ),
        at("2026-03-12T12:00:00")
    );
    // Entirely inside the weekend: nothing.
    assert_eq!(
        resume(
            due,
            at("2026-03-07T10:00:00"),
            at("2026-03-08T20:00:00"),
            &cal
        ),
        due
    );
    // Around the clock the same pause costs all 65 hours.
    let always = BusinessCalendar::default();
    assert_eq!(
        resume(
            due,
            at("2026-03-06T17:00:00"),
            at("2026-03-09T10:00:00"),
            &always
        ),
        due + hours(65)
    );
}

#[test]
fn the_clock_pauses_and_resumes() {
    let cal = office();
    let at = |s: &str| ts(&format!("{s}+03:00"));
    let mut clock = SlaPolicy::default().start(Priority::Normal, at("2026-03-02T10:00:00"), &cal);
    assert_eq!(clock.first_reply(at("2026-03-02T15:00:00")), Outcome::Met);
    let before = clock.resolution;
    assert_eq!(before.due, at("2026-03-12T10:00:00"));

    clock.pause(at("2026-03-06T17:00:00"));
    assert!(clock.is_paused());
    assert_eq!(clock.warning_due(), None);
    assert_eq!(clock.breach_due(), None);
    assert_eq!(clock.next_due(), None);
    assert!(clock.due_alarms(at("2026-03-20T00:00:00")).is_empty());
    // Pausing twice keeps the first start.
    clock.pause(at("2026-03-06T17:30:00"));
    assert_eq!(clock.paused_since, Some(at("2026-03-06T17:00:00")));

    clock.resume(at("2026-03-09T10:00:00"), &cal);
    assert!(!clock.is_paused());
    assert_eq!(clock.paused_total, hours(2));
    assert_eq!(clock.resolution.due, at("2026-03-12T12:00:00"));
    assert_eq!(
        clock.resolution.warning_at,
        cal.add_business(before.warning_at, hours(2))
    );
    assert_eq!(clock.breach_due(), Some(at("2026-03-12T12:00:00")));
    // Resuming again changes nothing.
    let snapshot = clock.clone();
    clock.resume(at("2026-03-10T10:00:00"), &cal);
    assert_eq!(clock, snapshot);

    // A second pause adds up.
    clock.pause(at("2026-03-10T17:00:00"));
    clock.resume(at("2026-03-11T09:30:00"), &cal);
    assert_eq!(clock.paused_total, SignedDuration::from_mins(210));
    assert_eq!(clock.resolution.due, at("2026-03-12T13:30:00"));
    assert_eq!(clock.resolve(at("2026-03-12T13:15:00")), Outcome::Met);
}

#[test]
fn a_pause_after_the_deadline_pauses_nothing() {
    let cal = BusinessCalendar::default();
    let opened = ts("2026-03-02T10:00:00Z");
    let mut clock = SlaPolicy::default().start(Priority::Urgent, opened, &cal);
    clock.pause(ts("2026-03-02T19:00:00Z"));
    assert!(!clock.is_paused());
    assert_eq!(clock.breach_due(), Some(ts("2026-03-02T11:00:00Z")));
    assert_eq!(clock.resolve(ts("2026-03-02T20:00:00Z")), Outcome::Missed);
}

#[test]
fn a_warning_already_behind_the_pause_stays() {
    let cal = BusinessCalendar::default();
    let opened = ts("2026-03-02T10:00:00Z");
    let mut clock = SlaPolicy::default().start(Priority::Urgent, opened, &cal);
    // Resolution warning 16:24, due 18:00; paused at 17:00 for an hour.
    clock.pause(ts("2026-03-02T17:00:00Z"));
    clock.resume(ts("2026-03-02T18:00:00Z"), &cal);
    assert_eq!(clock.resolution.warning_at, ts("2026-03-02T16:24:00Z"));
    assert_eq!(clock.resolution.due, ts("2026-03-02T19:00:00Z"));
}

#[test]
fn replies_and_resolutions_are_measured_once() {
    let cal = BusinessCalendar::default();
    let opened = ts("2026-03-02T10:00:00Z");
    let mut clock = SlaPolicy::default().start(Priority::High, opened, &cal);
    assert_eq!(
        clock.first_reply(ts("2026-03-02T14:30:00Z")),
        Outcome::Missed
    );
    // A later, faster-looking reply does not change the first one.
    assert_eq!(
        clock.first_reply(ts("2026-03-02T13:00:00Z")),
        Outcome::Missed
    );
    assert_eq!(
        clock.first_reply.stopped,
        Some((ts("2026-03-02T14:30:00Z"), Outcome::Missed))
    );
    assert_eq!(clock.resolve(ts("2026-03-03T09:00:00Z")), Outcome::Met);
    assert_eq!(clock.resolve(ts("2026-03-09T09:00:00Z")), Outcome::Met);
    assert_eq!(clock.resolution.outcome(), Some(Outcome::Met));
    assert_eq!(clock.next_due(), None);
}

#[test]
fn resolving_without_a_reply_stops_both() {
    let cal = BusinessCalendar::default();
    let mut clock = SlaPolicy::default().start(Priority::Low, ts("2026-03-02T10:00:00Z"), &cal);
    assert_eq!(clock.resolve(ts("2026-03-03T10:00:00Z")), Outcome::Met);
    assert_eq!(clock.first_reply.outcome(), Some(Outcome::Met));
    assert_eq!(clock.warning_due(), None);
    assert_eq!(clock.breach_due(), None);
}

#[test]
fn resolved_while_paused_is_measured_at_the_pause() {
    let cal = BusinessCalendar::default();
    let mut clock = SlaPolicy::default().start(Priority::Urgent, ts("2026-03-02T10:00:00Z"), &cal);
    clock.first_reply(ts("2026-03-02T10:30:00Z"));
    clock.pause(ts("2026-03-02T12:00:00Z"));
    // The customer never answered; closed days later, still in time.
    assert_eq!(clock.resolve(ts("2026-03-05T12:00:00Z")), Outcome::Met);
    assert!(!clock.is_paused());
    assert_eq!(
        clock.resolution.stopped,
        Some((ts("2026-03-05T12:00:00Z"), Outcome::Met))
    );
}

#[test]
fn the_monitor_gets_each_alarm_once() {
    let cal = BusinessCalendar::default();
    let t = |s: &str| ts(&format!("2026-03-02T{s}:00Z"));
    let mut clock = SlaPolicy::default().start(Priority::Urgent, t("10:00"), &cal);
    assert_eq!(clock.warning_due(), Some(t("10:48")));
    assert_eq!(clock.breach_due(), Some(t("11:00")));
    assert_eq!(clock.next_due(), Some(t("10:48")));
    assert!(clock.due_alarms(t("10:47")).is_empty());

    assert_eq!(
        clock.due_alarms(t("10:48")),
        [Alarm {
            goal: Goal::FirstReply,
            kind: AlarmKind::Warning,
            at: t("10:48")
        }]
    );
    assert!(clock.due_alarms(t("10:50")).is_empty());
    assert_eq!(clock.warning_due(), Some(t("16:24")));
    // At the deadline itself a reply is still in time.
    assert!(clock.due_alarms(t("11:00")).is_empty());
    assert_eq!(
        clock.due_alarms(t("11:01")),
        [Alarm {
            goal: Goal::FirstReply,
            kind: AlarmKind::Breach,
            at: t("11:00")
        }]
    );
    assert!(clock.due_alarms(t("11:02")).is_empty());
    assert_eq!(clock.breach_due(), Some(t("18:00")));
    assert_eq!(clock.next_due(), Some(t("16:24")));

    // A monitor that comes very late announces only the breach.
    assert_eq!(
        clock.due_alarms(t("19:00")),
        [Alarm {
            goal: Goal::Resolution,
            kind: AlarmKind::Breach,
            at: t("18:00")
        }]
    );
    assert_eq!(clock.next_due(), None);
    assert_eq!(clock.first_reply(t("19:30")), Outcome::Missed);
}

#[test]
fn a_paused_ticket_still_owes_its_first_reply() {
    let cal = BusinessCalendar::default();
    let t = |s: &str| ts(&format!("2026-03-02T{s}:00Z"));
    let mut clock = SlaPolicy::default().start(Priority::Urgent, t("10:00"), &cal);
    clock.pause(t("10:10"));
    assert_eq!(clock.warning_due(), Some(t("10:48")));
    assert_eq!(clock.breach_due(), Some(t("11:00")));
    let alarms = clock.due_alarms(t("12:00"));
    assert_eq!(alarms.len(), 1);
    assert_eq!(alarms[0].goal, Goal::FirstReply);
    assert_eq!(clock.next_due(), None);
}

#[test]
fn the_warning_percent_is_applied() {
    let cal = BusinessCalendar::default();
    let opened = ts("2026-03-02T10:00:00Z");
    let policy = SlaPolicy {
        warning_percent: 50,
        ..SlaPolicy::default()
    };
    let d = policy.deadlines(Priority::Normal, opened, &cal);
    assert_eq!(d.first_reply_warning, opened + hours(12));
    assert_eq!(d.resolution_warning, opened + hours(36));
}

#[test]
fn targets_parse() {
    assert_eq!(
        SlaTargets::parse("urgent=1h/8h,high=4h/24h,normal=24h/72h,low=48h/120h"),
        Ok(SlaTargets::default())
    );
    let t = SlaTargets::parse(" Urgent = 30m / 4h , low=1h30m/200h").unwrap();
    assert_eq!(
        t.urgent,
        Targets {
            first_reply: SignedDuration::from_mins(30),
            resolution: hours(4)
        }
    );
    assert_eq!(t.low.first_reply, SignedDuration::from_mins(90));
    assert_eq!(t.low.resolution, hours(200));
    assert_eq!(t.normal, SlaTargets::default().normal);
    assert_eq!(t.get(Priority::High), SlaTargets::default().high);

    for bad in [
        "",
        "urgent",
        "urgent=1h",
        "urgent=1h/8h,urgent=2h/8h",
        "critical=1h/8h",
        "urgent=8h/1h",
        "urgent=0h/8h",
        "urgent=-1h/8h",
        "urgent=1d/2d",
        "urgent=1 day/2 days",
        "urgent=PT1H/PT8H",
        "urgent=1/8",
        "urgent=1h/9000h",
    ] {
        assert!(SlaTargets::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        SlaTargets::parse("urgent=8h/1h").unwrap_err(),
        "urgent: the first reply (8h) is due after the resolution (1h)"
    );
    assert_eq!(
        SlaTargets::parse("critical=1h/8h").unwrap_err(),
        "`critical` is not a priority (urgent, high, normal, low)"
    );
}

#[test]
fn names_are_stable() {
    assert_eq!(Outcome::Met.to_string(), "met");
    assert_eq!(Outcome::Missed.as_str(), "missed");
    assert_eq!(Goal::FirstReply.as_str(), "first_reply");
    assert_eq!(Goal::Resolution.as_str(), "resolution");
}
