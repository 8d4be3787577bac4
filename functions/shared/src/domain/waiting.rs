//! Tickets that wait on the customer: one friendly reminder, then, without
//! an answer, resolved as "no reply".
//!
//! A ticket waits on the customer from the agent's reply that asked them
//! something (`WaitingOnCustomer`, its resolution clock paused). After
//! `CustomerReminderDays` working days of the shop's calendar (3 by
//! default) the customer gets one reminder; after `AutoResolveDays` (7)
//! the ticket is resolved as [`ResolvedAs::NoReply`]: no survey (there was
//! nothing to rate), the help desk told, counted apart in the digest.
//! Either can be turned off with 0.
//!
//! Why working days: a question asked on Friday afternoon has not been
//! waiting three days on Monday morning for a customer who does not read
//! the shop's mail at the weekend, and the reminder should not be the first
//! thing they find on Monday. The clock keeps the time of day of the reply
//! that started it: asked at 15:10 on Friday, reminded at 15:10 on
//! Wednesday.
//!
//! Each clock belongs to the reply that started it (`since`). Any change
//! since — the customer answered, on any channel; the agent wrote again;
//! the ticket was resolved — makes it stale, and a stale clock does
//! nothing: a new agent reply starts a new clock of its own.

use jiff::Timestamp;

use crate::domain::calendar::BusinessCalendar;
use crate::domain::lifecycle::{self, Change};
use crate::domain::ticket::{ResolvedAs, Status, Ticket};

/// The two clocks of a waiting ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The friendly reminder.
    Reminder,
    /// Resolved as no reply.
    Resolve,
}

impl Stage {
    /// `reminder` or `resolve`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Reminder => "reminder",
            Stage::Resolve => "resolve",
        }
    }

    /// The name read back.
    pub fn parse(s: &str) -> Option<Stage> {
        match s {
            "reminder" => Some(Stage::Reminder),
            "resolve" => Some(Stage::Resolve),
            _ => None,
        }
    }
}

/// How long a ticket waits on the customer before each stage, in working
/// days; 0 turns a stage off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitingPolicy {
    /// Working days until the reminder (`CustomerReminderDays`).
    pub remind_after: u32,
    /// Working days until it is resolved as no reply (`AutoResolveDays`).
    pub resolve_after: u32,
}

impl Default for WaitingPolicy {
    fn default() -> Self {
        WaitingPolicy {
            remind_after: 3,
            resolve_after: 7,
        }
    }
}

impl WaitingPolicy {
    /// The first stage a ticket that starts waiting is given a clock for.
    pub fn first(&self) -> Option<Stage> {
        if self.remind_after > 0 {
            Some(Stage::Reminder)
        } else {
            self.after(Stage::Reminder)
        }
    }

    /// The stage after `stage`, if any.
    pub fn after(&self, stage: Stage) -> Option<Stage> {
        match stage {
            Stage::Reminder if self.resolve_after > 0 => Some(Stage::Resolve),
            Stage::Reminder | Stage::Resolve => None,
        }
    }

    /// When `stage` falls due for a ticket waiting since `since`: that
    /// many working days later, at the same time of day on the shop's
    /// clock.
    pub fn due(&self, stage: Stage, since: Timestamp, calendar: &BusinessCalendar) -> Timestamp {
        let days = match stage {
            Stage::Reminder => self.remind_after,
            Stage::Resolve => self.resolve_after,
        };
        let tz = calendar.time_zone();
        let day = calendar.working_days_after(since, i64::from(days));
        let time = since.to_zoned(tz.clone()).time();
        // A time a change of clocks skips that day moves forward with it.
        day.to_datetime(time)
            .to_zoned(tz.clone())
            .map(|z| z.timestamp())
            .unwrap_or(since)
    }
}

/// Whether the ticket still waits on the answer to the reply of `since`.
pub fn still_waiting(ticket: &Ticket, since: Timestamp) -> bool {
    ticket.status == Status::WaitingOnCustomer && ticket.last_agent_reply_at == Some(since)
}

/// Resolves a ticket that waited in vain, at `at`.
pub fn resolve_for_no_reply(ticket: &mut Ticket, at: Timestamp) -> Change {
    lifecycle::resolve_as(ticket, at, ResolvedAs::NoReply)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::{Holidays, WorkingDays, WorkingHours};
    use crate::domain::customer::CustomerId;
    use crate::domain::ticket::{Author, Category, Origin, Priority, TicketNumber};
    use jiff::civil::Weekday;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// Monday to Friday, 09:00–18:00 in Istanbul, 1 December a holiday.
    fn weekdays() -> BusinessCalendar {
        BusinessCalendar::new(
            jiff::tz::TimeZone::get("Europe/Istanbul").unwrap(),
            WorkingDays::from_weekdays([
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday,
            ]),
            WorkingHours::parse("09:00-18:00").unwrap(),
            Holidays::parse("2026-12-01").unwrap(),
        )
    }

    #[test]
    fn the_clocks_count_working_days_across_a_weekend_and_a_holiday() {
        let cal = weekdays();
        let policy = WaitingPolicy::default();
        // Friday 27 November, 15:10 in Istanbul (12:10 UTC).
        let since = ts("2026-11-27T12:10:00Z");
        // Mon 30 (1), Tue 1 Dec is a holiday, Wed 2 (2), Thu 3 (3).
        assert_eq!(
            policy.due(Stage::Reminder, since, &cal),
            ts("2026-12-03T12:10:00Z")
        );
        // … Fri 4 (4), Mon 7 (5), Tue 8 (6), Wed 9 (7).
        assert_eq!(
            policy.due(Stage::Resolve, since, &cal),
            ts("2026-12-09T12:10:00Z")
        );
        // Asked on a Saturday: the count starts on Monday.
        assert_eq!(
            policy.due(Stage::Reminder, ts("2026-11-28T08:00:00Z"), &cal),
            ts("2026-12-03T08:00:00Z")
        );
    }

    #[test]
    fn stages_follow_each_other_and_zero_turns_one_off() {
        let both = WaitingPolicy::default();
        assert_eq!(both.first(), Some(Stage::Reminder));
        assert_eq!(both.after(Stage::Reminder), Some(Stage::Resolve));
        assert_eq!(both.after(Stage::Resolve), None);
        let no_reminder = WaitingPolicy {
            remind_after: 0,
            resolve_after: 7,
        };
        assert_eq!(no_reminder.first(), Some(Stage::Resolve));
        let never = WaitingPolicy {
            remind_after: 0,
            resolve_after: 0,
        };
        assert_eq!(never.first(), None);
        let remind_only = WaitingPolicy {
            remind_after: 3,
            resolve_after: 0,
        };
        assert_eq!(remind_only.after(Stage::Reminder), None);
        for s in [Stage::Reminder, Stage::Resolve] {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn a_clock_is_stale_once_anything_happened_and_no_reply_resolves_once() {
        let cal = BusinessCalendar::default();
        let opened = ts("2026-11-23T09:00:00Z");
        let mut t = Ticket::new(
            TicketNumber::parse("TK-1234-5678").unwrap(),
            &CustomerId::parse("c").unwrap(),
            Origin::Complaint,
            Category::Delivery,
            Priority::Normal,
            opened,
            "s#1",
        );
        let since = ts("2026-11-23T10:00:00Z");
        lifecycle::reply(&mut t, Author::Agent, since, &cal);
        assert!(still_waiting(&t, since));
        let mut answered = t.clone();
        lifecycle::reply(
            &mut answered,
            Author::Customer,
            ts("2026-11-24T10:00:00Z"),
            &cal,
        );
        assert!(!still_waiting(&answered, since));
        let mut asked_again = t.clone();
        lifecycle::reply(
            &mut asked_again,
            Author::Agent,
            ts("2026-11-24T10:00:00Z"),
            &cal,
        );
        assert!(!still_waiting(&asked_again, since));
        let at = ts("2026-11-30T10:00:00Z");
        assert!(matches!(
            resolve_for_no_reply(&mut t, at),
            Change::Resolved { .. }
        ));
        assert_eq!(t.resolved_as, Some(ResolvedAs::NoReply));
        assert!(!still_waiting(&t, since));
        assert_eq!(resolve_for_no_reply(&mut t, at), Change::Nothing);
    }
}
