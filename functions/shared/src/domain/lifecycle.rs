//! What replies, resolutions and survey answers do to a ticket.
//!
//! - An agent's first reply stops the first-reply clock (met or missed).
//! - An agent's reply means the ticket now waits on the customer: the
//!   resolution clock pauses. A customer's reply resumes it; the deadline
//!   moves later by the business time spent waiting.
//! - A resolution stops the resolution clock (met or missed).
//! - A survey answer is recorded once: the first answer stands.
//!
//! Events can arrive out of order. Each side's latest reply time is kept, so
//! an agent reply that arrives after a later customer reply pauses and
//! resumes at once (the wait it stood for is already over), and a customer
//! reply that arrives before the agent reply it answers changes nothing
//! until that reply is known. Replies to a resolved ticket change no clock.

use jiff::Timestamp;

use crate::domain::calendar::BusinessCalendar;
use crate::domain::rating::Rating;
use crate::domain::sla::Outcome;
use crate::domain::ticket::{Author, ResolvedAs, Status, Ticket};

/// What an event changed, for the log and for what to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Nothing (a repeat, or an event that no longer matters).
    Nothing,
    /// The reply was recorded; `first_reply` when it was the first by an agent.
    Replied {
        /// The first-reply outcome, when this was the first agent reply.
        first_reply: Option<Outcome>,
    },
    /// The ticket was resolved now.
    Resolved {
        /// The resolution outcome (none for a ticket without SLA).
        outcome: Option<Outcome>,
    },
    /// The survey answer was recorded.
    Rated,
}

/// Applies a reply by `author` at `at`.
pub fn reply(
    ticket: &mut Ticket,
    author: Author,
    at: Timestamp,
    calendar: &BusinessCalendar,
) -> Change {
    if ticket.status == Status::Resolved {
        return Change::Nothing;
    }
    match author {
        Author::Agent => {
            if ticket.last_agent_reply_at.is_some_and(|last| last >= at)
                && ticket.last_agent_reply_at != Some(at)
            {
                // An older agent reply than one already applied: only the
                // first-reply clock can still care, and it stopped earlier.
                return Change::Nothing;
            }
            if ticket.last_agent_reply_at == Some(at) {
                return Change::Nothing;
            }
            ticket.last_agent_reply_at = Some(at);
            let mut first_reply = None;
            if let Some(sla) = ticket.sla.as_mut() {
                if sla.first_reply.is_running() {
                    first_reply = Some(sla.first_reply(at));
                }
                sla.pause(at);
                // The customer has already answered this reply.
                if let Some(answered) = ticket.last_customer_reply_at.filter(|c| *c > at) {
                    sla.resume(answered, calendar);
                }
            }
            let waiting = ticket.last_customer_reply_at.is_none_or(|c| c <= at);
            ticket.status = if waiting {
                Status::WaitingOnCustomer
            } else {
                Status::Open
            };
            Change::Replied { first_reply }
        }
        Author::Customer => {
            if ticket.last_customer_reply_at.is_some_and(|last| last >= at) {
                return Change::Nothing;
            }
            ticket.last_customer_reply_at = Some(at);
            let answers_agent = ticket.last_agent_reply_at.is_some_and(|a| a < at);
            if answers_agent && let Some(sla) = ticket.sla.as_mut() {
                sla.resume(at, calendar);
            }
            ticket.status = Status::Open;
            Change::Replied { first_reply: None }
        }
    }
}

/// Applies a resolution at `at`.
pub fn resolve(ticket: &mut Ticket, at: Timestamp) -> Change {
    if ticket.status == Status::Resolved {
        return Change::Nothing;
    }
    ticket.status = Status::Resolved;
    ticket.resolved_at = Some(at);
    let outcome = ticket.sla.as_mut().map(|sla| sla.resolve(at));
    Change::Resolved { outcome }
}

/// Applies a resolution at `at` that memnun made itself, `how` (no reply,
/// self-served): the same as [`resolve`], marked so that no survey follows
/// and the digest counts it apart.
pub fn resolve_as(ticket: &mut Ticket, at: Timestamp, how: ResolvedAs) -> Change {
    let change = resolve(ticket, at);
    if matches!(change, Change::Resolved { .. }) {
        ticket.resolved_as = Some(how);
    }
    change
}

/// Records a survey answer; the first one stands.
pub fn rate(ticket: &mut Ticket, score: Rating, at: Timestamp) -> Change {
    if ticket.survey.is_some() {
        return Change::Nothing;
    }
    ticket.survey = Some((score, at));
    Change::Rated
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sla::SlaPolicy;
    use crate::domain::ticket::{Category, Origin, Priority, TicketNumber};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn ticket() -> (Ticket, BusinessCalendar) {
        let cal = BusinessCalendar::default();
        let opened = ts("2026-11-22T10:00:00Z");
        let mut t = Ticket::new(
            TicketNumber::parse("TK-1234-5678").unwrap(),
            &crate::domain::customer::CustomerId::parse("c").unwrap(),
            Origin::Complaint,
            Category::Delivery,
            Priority::Normal,
            opened,
            "s#1",
        );
        t.sla = Some(SlaPolicy::default().start(Priority::Normal, opened, &cal));
        (t, cal)
    }

    #[test]
    fn first_agent_reply_is_measured_and_pauses_the_resolution_clock() {
        let (mut t, cal) = ticket();
        let change = reply(&mut t, Author::Agent, ts("2026-11-22T12:00:00Z"), &cal);
        assert_eq!(
            change,
            Change::Replied {
                first_reply: Some(Outcome::Met)
            }
        );
        assert_eq!(t.status, Status::WaitingOnCustomer);
        assert!(t.sla.as_ref().unwrap().is_paused());
        // A second agent reply is no first reply.
        assert_eq!(
            reply(&mut t, Author::Agent, ts("2026-11-22T13:00:00Z"), &cal),
            Change::Replied { first_reply: None }
        );
    }

    #[test]
    fn the_customers_answer_resumes_and_moves_the_deadline() {
        let (mut t, cal) = ticket();
        let due = t.sla.as_ref().unwrap().resolution.due;
        reply(&mut t, Author::Agent, ts("2026-11-22T12:00:00Z"), &cal);
        reply(&mut t, Author::Customer, ts("2026-11-22T18:00:00Z"), &cal);
        assert_eq!(t.status, Status::Open);
        let sla = t.sla.as_ref().unwrap();
        assert!(!sla.is_paused());
        assert_eq!(
            sla.resolution.due,
            due + jiff::SignedDuration::from_hours(6)
        );
    }

    #[test]
    fn an_agent_reply_arriving_after_the_customers_answer_pauses_only_that_long() {
        let (mut t, cal) = ticket();
        let due = t.sla.as_ref().unwrap().resolution.due;
        reply(&mut t, Author::Customer, ts("2026-11-22T18:00:00Z"), &cal);
        reply(&mut t, Author::Agent, ts("2026-11-22T12:00:00Z"), &cal);
        assert_eq!(t.status, Status::Open);
        let sla = t.sla.as_ref().unwrap();
        assert!(!sla.is_paused());
        assert_eq!(
            sla.resolution.due,
            due + jiff::SignedDuration::from_hours(6)
        );
    }

    #[test]
    fn repeats_change_nothing_and_resolved_tickets_stay_resolved() {
        let (mut t, cal) = ticket();
        reply(&mut t, Author::Agent, ts("2026-11-22T12:00:00Z"), &cal);
        assert_eq!(
            reply(&mut t, Author::Agent, ts("2026-11-22T12:00:00Z"), &cal),
            Change::Nothing
        );
        assert!(matches!(
            resolve(&mut t, ts("2026-11-23T12:00:00Z")),
            Change::Resolved {
                outcome: Some(Outcome::Met)
            }
        ));
        assert_eq!(resolve(&mut t, ts("2026-11-23T13:00:00Z")), Change::Nothing);
        assert_eq!(
            reply(&mut t, Author::Customer, ts("2026-11-24T12:00:00Z"), &cal),
            Change::Nothing
        );
        assert_eq!(t.resolved_at, Some(ts("2026-11-23T12:00:00Z")));
    }

    #[test]
    fn a_late_resolution_is_missed_and_the_first_survey_answer_stands() {
        let (mut t, _) = ticket();
        assert!(matches!(
            resolve(&mut t, ts("2026-11-30T12:00:00Z")),
            Change::Resolved {
                outcome: Some(Outcome::Missed)
            }
        ));
        assert_eq!(
            rate(&mut t, Rating::new(2).unwrap(), ts("2026-11-30T13:00:00Z")),
            Change::Rated
        );
        assert_eq!(
            rate(&mut t, Rating::new(5).unwrap(), ts("2026-11-30T14:00:00Z")),
            Change::Nothing
        );
        assert_eq!(t.survey.unwrap().0.stars(), 2);
    }
}
