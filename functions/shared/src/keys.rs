//! The names of pieces of work in the idempotency table.
//!
//! Every record there (a unit of work, an effect claimed on its own, a
//! count) is keyed by what it stands for. Two spellings of one piece of work
//! would run it twice, and one spelling shared by two pieces would run one of
//! them never; so each kind of key is built here, by one constructor over the
//! domain's types, and nowhere else. The table of kinds:
//!
//! | key | what it stands for |
//! |---|---|
//! | `event#<function>#<source>#<id>` | one function's whole handling of one event |
//! | `alarm#<type>#<ticket>#<goal>#<part>` | one SLA alarm (or its held part), whatever its deliveries |
//! | `greeting#birthday.due:<customer>:<year>` | a customer's greeting of one year |
//! | `apology#sla#<ticket>#<day>` | the one SLA apology a ticket gets per day on the customer's clock |
//! | `email#<template>#<customer>#<event>` | one email an event causes |
//! | `publish#<message id>` | one message published |
//! | `count#<goal>#<ticket>`, `count#survey#<ticket>`, `count#coupon#<reason>#<event>#<customer>` | one addition to the weekly counters |
//! | `digest#<week>#<role>` | one weekly digest to one reader |
//!
//! A key may reach a log (an error names the work it was doing), so none is
//! built from an email address, a name or a coupon code.

use std::fmt;

use jiff::civil::Date;

use crate::contract::EventMeta;
use crate::domain::coupon::CouponReason;
use crate::domain::customer::CustomerId;
use crate::domain::sla::Goal;
use crate::domain::ticket::TicketNumber;

/// The key of one piece of work in the idempotency table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkKey(String);

impl WorkKey {
    /// One function's whole handling of one event.
    pub fn event(function: &str, event: &EventMeta) -> Self {
        WorkKey(format!("event#{function}#{}", event.key()))
    }

    /// One SLA alarm of `kind` (`sla.warning`, `sla.breached`) on a ticket's
    /// goal; `part` is `all`, or the part held back for a civil hour.
    pub fn alarm(kind: &str, ticket: &TicketNumber, goal: Goal, part: &str) -> Self {
        WorkKey(format!("alarm#{kind}#{ticket}#{}#{part}", goal.as_str()))
    }

    /// A customer's birthday greeting, by the id of its `birthday.due`
    /// (`birthday.due:<customer>:<year>`).
    pub fn greeting(due_event_id: &str) -> Self {
        WorkKey(format!("greeting#{due_event_id}"))
    }

    /// The one SLA apology a ticket gets on `day` of the customer's clock.
    pub fn sla_apology(ticket: &TicketNumber, day: Date) -> Self {
        WorkKey(format!("apology#sla#{ticket}#{day}"))
    }

    /// The email made from `template` for `customer` because of the event
    /// `source_event` (an event's [`EventMeta::key`]).
    pub fn email(template: &str, customer: &CustomerId, source_event: &str) -> Self {
        WorkKey(format!("email#{template}#{customer}#{source_event}"))
    }

    /// The outbound function's carrying of one outbound message (to the
    /// help desk, to the webhook), by the message's id.
    pub fn delivery(message_id: &str) -> Self {
        WorkKey(format!("outbound#{message_id}"))
    }

    /// One outbound message, by its id.
    pub fn publish(message_id: &str) -> Self {
        WorkKey(format!("publish#{message_id}"))
    }

    /// The counting of a ticket's goal once its clock stopped.
    pub fn goal_counted(goal: Goal, ticket: &TicketNumber) -> Self {
        WorkKey(format!("count#{}#{ticket}", goal.as_str()))
    }

    /// The counting of a received mail set aside (SES's message id).
    pub fn set_aside_counted(ses_message_id: &str) -> Self {
        WorkKey(format!("count#email-set-aside#{ses_message_id}"))
    }

    /// The counting of a ticket's survey answer.
    pub fn survey_counted(ticket: &TicketNumber) -> Self {
        WorkKey(format!("count#survey#{ticket}"))
    }

    /// The counting of a coupon, by its cause (never its code).
    pub fn coupon_counted(reason: CouponReason, source_event: &str, customer: &CustomerId) -> Self {
        WorkKey(format!(
            "count#coupon#{}#{source_event}#{customer}",
            reason.as_str()
        ))
    }

    /// One week's digest to one reader (`lead`, `marketing`).
    pub fn digest(week: &str, role: &str) -> Self {
        WorkKey(format!("digest#{week}#{role}"))
    }

    /// The key as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A key read back from the table (tests and tools).
    pub fn from_stored(key: impl Into<String>) -> Self {
        WorkKey(key.into())
    }
}

impl fmt::Display for WorkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> TicketNumber {
        TicketNumber::parse("TK-1234-5678").unwrap()
    }

    #[test]
    fn every_kind_is_spelled_as_the_table_says() {
        let meta = EventMeta {
            id: "e-1".into(),
            source: "shop/web".into(),
            time: "2026-05-01T10:00:00Z".parse().unwrap(),
        };
        let customer = CustomerId::parse("c-1").unwrap();
        let day = Date::constant(2026, 5, 1);
        let keys = [
            WorkKey::event("review-responder", &meta),
            WorkKey::alarm("sla.breached", &ticket(), Goal::Resolution, "all"),
            WorkKey::greeting("birthday.due:c-1:2026"),
            WorkKey::sla_apology(&ticket(), day),
            WorkKey::email("survey", &customer, "shop/web#e-1"),
            WorkKey::publish("m-1"),
            WorkKey::goal_counted(Goal::FirstReply, &ticket()),
            WorkKey::survey_counted(&ticket()),
            WorkKey::coupon_counted(CouponReason::NegativeReview, "shop/web#e-1", &customer),
            WorkKey::digest("2026-W18", "lead"),
        ];
        let spelled: Vec<&str> = keys.iter().map(WorkKey::as_str).collect();
        assert_eq!(
            spelled,
            [
                "event#review-responder#shop/web#e-1",
                "alarm#sla.breached#TK-1234-5678#resolution#all",
                "greeting#birthday.due:c-1:2026",
                "apology#sla#TK-1234-5678#2026-05-01",
                "email#survey#c-1#shop/web#e-1",
                "publish#m-1",
                "count#first_reply#TK-1234-5678",
                "count#survey#TK-1234-5678",
                "count#coupon#negative_review#shop/web#e-1#c-1",
                "digest#2026-W18#lead",
            ]
        );
    }
}
