//! `ticket.waiting`: a clock of a ticket that waits on the customer came
//! due ([`crate::domain::waiting`]). complaint-intake keeps it in the due
//! index when an agent's reply leaves the ticket waiting; the SLA sweep
//! sends it back to the tickets queue at its time.
//!
//! | field | meaning |
//! | --- | --- |
//! | `ticket_id` | the ticket |
//! | `customer_id` | whose |
//! | `stage` | `reminder` or `resolve` |
//! | `since` | the agent's reply the ticket waits on: a clock whose ticket moved on since is stale |
//! | `due` | when it fell due (also the envelope's `time`) |
//!
//! Held as `ticket.waiting:<ticket>:<stage>`, one per ticket and stage, so a
//! later reply's clock replaces an earlier one's; its event id adds `since`,
//! so each waiting is a piece of work of its own.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use crate::contract::EventMeta;
use crate::contract::internal::{is_type, typed};
use crate::domain::customer::CustomerId;
use crate::domain::ticket::TicketNumber;
use crate::domain::waiting::Stage;
use crate::time::to_key;
use crate::{Error, Result};

/// The type's name.
pub const TICKET_WAITING: &str = "ticket.waiting";

/// A waiting ticket's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketWaiting {
    /// The ticket.
    pub ticket_id: TicketNumber,
    /// Whose.
    pub customer_id: CustomerId,
    /// Which clock.
    pub stage: Stage,
    /// The agent's reply the ticket waits on.
    pub since: Timestamp,
    /// When it falls due.
    pub due: Timestamp,
}

#[derive(Deserialize)]
struct Raw {
    ticket_id: String,
    customer_id: String,
    stage: String,
    since: String,
    due: String,
}

impl TicketWaiting {
    /// Where the clock is held: one per ticket and stage.
    pub fn held_id(&self) -> String {
        format!(
            "{TICKET_WAITING}:{}:{}",
            self.ticket_id,
            self.stage.as_str()
        )
    }

    /// The event's id: the held id and the reply it waits on.
    pub fn event_id(&self) -> String {
        format!("{}:{}", self.held_id(), to_key(self.since))
    }

    /// Whether `body` is a `ticket.waiting`, by its `type` alone (the
    /// tickets queue carries producers' events too).
    pub fn is_one(body: &str) -> bool {
        is_type(body, TICKET_WAITING)
    }

    /// Parses a message body; any other type is refused, a bad field named.
    pub fn parse(body: &str) -> Result<(EventMeta, TicketWaiting)> {
        let (meta, raw): (EventMeta, Raw) = typed(body, TICKET_WAITING)?;
        let bad = |field: &str, what: &str| Error::contract(format!("data.{field}"), what);
        let time = |field: &str, v: &str| -> Result<Timestamp> {
            v.parse()
                .map_err(|_| bad(field, "must be an RFC 3339 timestamp"))
        };
        Ok((
            meta,
            TicketWaiting {
                ticket_id: TicketNumber::parse(&raw.ticket_id).ok_or_else(|| {
                    bad("ticket_id", "must be a ticket number such as TK-4821-0937")
                })?,
                customer_id: CustomerId::parse(&raw.customer_id)
                    .map_err(|r| Error::contract("data.customer_id", r))?,
                stage: Stage::parse(&raw.stage)
                    .ok_or_else(|| bad("stage", "must be reminder or resolve"))?,
                since: time("since", &raw.since)?,
                due: time("due", &raw.due)?,
            },
        ))
    }

    /// The event held in the due index until `due`, sent by `source`; its
    /// `time` is `due`, however late the sweep that sends it.
    pub fn to_scheduled(&self, source: &str) -> crate::ports::ScheduledMessage {
        let body = json!({
            "specversion": "1.0",
            "id": self.event_id(),
            "source": source,
            "type": TICKET_WAITING,
            "time": to_key(self.due),
            "datacontenttype": "application/json",
            "data": {
                "ticket_id": self.ticket_id.as_str(),
                "customer_id": self.customer_id.as_str(),
                "stage": self.stage.as_str(),
                "since": to_key(self.since),
                "due": to_key(self.due),
            },
        })
        .to_string();
        crate::ports::ScheduledMessage {
            id: self.held_id(),
            kind: TICKET_WAITING.to_owned(),
            body,
            due: self.due,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_clock_reads_back_and_names_its_bad_fields() {
        let w = TicketWaiting {
            ticket_id: TicketNumber::parse("TK-1234-5678").unwrap(),
            customer_id: CustomerId::parse("c-1").unwrap(),
            stage: Stage::Reminder,
            since: "2026-11-27T12:10:00Z".parse().unwrap(),
            due: "2026-12-03T12:10:00Z".parse().unwrap(),
        };
        let held = w.to_scheduled("memnun/complaint-intake");
        assert_eq!(held.id, "ticket.waiting:TK-1234-5678:reminder");
        assert!(TicketWaiting::is_one(&held.body));
        let (meta, read) = TicketWaiting::parse(&held.body).unwrap();
        assert_eq!(read, w);
        assert_eq!(
            meta.id,
            "ticket.waiting:TK-1234-5678:reminder:2026-11-27T12:10:00Z"
        );
        let broken = held.body.replace("\"reminder\"", "\"nag\"");
        let e = TicketWaiting::parse(&broken).unwrap_err().to_string();
        assert!(e.contains("data.stage"), "{e}");
        assert!(!TicketWaiting::is_one(r#"{"type":"complaint.created"}"#));
    }
}
