//! Events memnun sends to itself, between its own functions.
//!
//! They use the producers' CloudEvents envelope, but they are a type of their
//! own, [`InternalEvent`], which [`crate::contract::Event::parse`] does not
//! know. A producer therefore cannot send `sla.breached` through the webhook
//! (ingest refuses an unknown type), and a function that consumes internal
//! events refuses everything else.
//!
//! | type | from → to | data |
//! | --- | --- | --- |
//! | `sla.warning` | sla-monitor → sla-escalator | ticket_id, goal (`first_reply`, `resolution`), due, priority, category, customer_id |
//! | `sla.breached` | sla-monitor → sla-escalator | the same |
//! | `birthday.due` | birthday-scheduler → birthday-greeter | customer_id, year (of the birthday, on the customer's clock), due |
//! | `journey.due` | order-journey → (held in the due index) → sla-monitor → order-journey | watch (`promise`, `unshipped`, `undelivered`, `refund_warning`, `refund_overdue`), customer_id, order_id or return_id, promise (the promised day, for `promise`), due |
//! | `ticket.waiting` | complaint-intake → (held in the due index) → sla-monitor → complaint-intake | ticket_id, customer_id, stage (`reminder`, `resolve`), since, due ([`crate::contract::waiting`]) |
//!
//! `due` is the deadline itself (for a warning too: the time left is `due`
//! minus now). When the escalator holds part of an alarm back until a civil
//! hour it sends the event to itself again, later, with `part` (`team` or
//! `customer`) naming the part still to do.
//!
//! Ids are derived from the cause, `sla.breached:<ticket>:<goal>` (a held
//! back part adds `:<part>`), so one alarm always has one id however often it
//! is sent; a greeting's is `birthday.due:<customer>:<year>`; a journey
//! clock's `journey.due:<watch>:<order or return id>` (a promise's adds the
//! promised day: a promise moved later is another clock).
//!
//! Scheduled functions receive `{"time": "<scheduled time>"}` (the input of
//! their EventBridge Scheduler schedule); [`scheduled_time`] reads it.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use crate::contract::outbound::OutboundMessage;
use crate::contract::{EventMeta, MAX_BODY_BYTES, RawEnvelope, check_id, serde_error};
use crate::domain::customer::CustomerId;
use crate::domain::order::OrderId;
use crate::domain::returns::ReturnId;
use crate::domain::sla::Goal;
use crate::domain::ticket::{Category, Priority, TicketNumber};
use crate::domain::watch::Watch;
use crate::time::to_key;
use crate::{Error, Result};

/// `sla.warning`: a deadline is near.
pub const SLA_WARNING: &str = "sla.warning";
/// `sla.breached`: a deadline has passed.
pub const SLA_BREACHED: &str = "sla.breached";
/// `birthday.due`: a birthday greeting is due.
pub const BIRTHDAY_DUE: &str = "birthday.due";
/// `journey.due`: a clock of an order or a return is due.
pub const JOURNEY_DUE: &str = "journey.due";

/// The part of an alarm's work that one delivery is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The email to the support team (or its lead).
    Team,
    /// The apology to the customer.
    Customer,
}

impl Part {
    /// The stable name used in events.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Team => "team",
            Part::Customer => "customer",
        }
    }

    /// Reads [`Part::as_str`] back.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "team" => Some(Part::Team),
            "customer" => Some(Part::Customer),
            _ => None,
        }
    }
}

/// Reads a [`Goal`]'s stable name back.
pub fn parse_goal(s: &str) -> Option<Goal> {
    match s {
        "first_reply" => Some(Goal::FirstReply),
        "resolution" => Some(Goal::Resolution),
        _ => None,
    }
}

/// The id of the `kind` event (`sla.warning`, `sla.breached`) about the
/// `goal` deadline of `ticket`: the same every time it is announced.
pub fn alarm_id(kind: &str, ticket: &TicketNumber, goal: Goal) -> String {
    format!("{kind}:{ticket}:{}", goal.as_str())
}

/// What an SLA alarm is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaAlarm {
    /// The ticket.
    pub ticket_id: TicketNumber,
    /// Which of its deadlines.
    pub goal: Goal,
    /// The deadline.
    pub due: Timestamp,
    /// The ticket's priority.
    pub priority: Priority,
    /// The ticket's category.
    pub category: Category,
    /// Whose ticket it is.
    pub customer_id: CustomerId,
    /// Only this part is still to do (a delivery held back for a civil hour);
    /// `None` is the whole alarm.
    pub part: Option<Part>,
}

/// An event memnun sends to itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InternalEvent {
    /// `sla.warning`
    SlaWarning(SlaAlarm),
    /// `sla.breached`
    SlaBreached(SlaAlarm),
}

#[derive(Deserialize)]
struct RawAlarm {
    ticket_id: String,
    goal: String,
    due: String,
    priority: String,
    category: String,
    customer_id: String,
    #[serde(default)]
    part: Option<String>,
}

impl SlaAlarm {
    fn from_raw(raw: RawAlarm) -> Result<Self> {
        let bad = |field: &str, what: &str| Error::contract(format!("data.{field}"), what);
        Ok(SlaAlarm {
            ticket_id: TicketNumber::parse(&raw.ticket_id)
                .ok_or_else(|| bad("ticket_id", "must be a ticket number such as TK-4821-0937"))?,
            goal: parse_goal(&raw.goal)
                .ok_or_else(|| bad("goal", "must be first_reply or resolution"))?,
            due: raw
                .due
                .parse()
                .map_err(|_| bad("due", "must be an RFC 3339 timestamp"))?,
            priority: Priority::parse(&raw.priority)
                .ok_or_else(|| bad("priority", "must be urgent, high, normal or low"))?,
            category: Category::parse(&raw.category)
                .ok_or_else(|| bad("category", "is not a ticket category"))?,
            customer_id: CustomerId::parse(&raw.customer_id)
                .map_err(|r| Error::contract("data.customer_id", r))?,
            part: raw
                .part
                .map(|p| Part::parse(&p).ok_or_else(|| bad("part", "must be team or customer")))
                .transpose()?,
        })
    }

    /// The id of the event announcing this alarm as `kind`.
    pub fn event_id(&self, kind: &str) -> String {
        let id = alarm_id(kind, &self.ticket_id, self.goal);
        match self.part {
            Some(part) => format!("{id}:{}", part.as_str()),
            None => id,
        }
    }
}

/// Reads the envelope every internal event shares: its meta, `type` and
/// `data` (an object).
/// Whether `body` is an event of type `kind`, by its `type` alone: how a
/// consumer tells its own internal events from the producers' events on the
/// same queue before parsing either.
pub(crate) fn is_type(body: &str, kind: &str) -> bool {
    #[derive(Deserialize)]
    struct Kind<'a> {
        #[serde(rename = "type", borrow)]
        kind: Option<std::borrow::Cow<'a, str>>,
    }
    body.len() <= MAX_BODY_BYTES
        && serde_json::from_str::<Kind<'_>>(body).is_ok_and(|k| k.kind.as_deref() == Some(kind))
}

/// The envelope and the typed `data` of an internal message that must be
/// of type `kind`: another type is refused naming it (cut short), a bad
/// field named by its path (never its value).
pub(crate) fn typed<T: serde::de::DeserializeOwned>(
    body: &str,
    kind: &str,
) -> Result<(EventMeta, T)> {
    let (meta, found, data) = envelope(body)?;
    if found != kind {
        let shown = crate::domain::mail::display_text(&found, 60);
        return Err(Error::contract("type", format!("`{shown}` is not {kind}")));
    }
    let raw = serde_path_to_error::deserialize(data).map_err(|e| serde_error("data", e))?;
    Ok((meta, raw))
}

pub(crate) fn envelope(body: &str) -> Result<(EventMeta, String, serde_json::Value)> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Error::contract(
            "body",
            format!("is larger than {MAX_BODY_BYTES} bytes"),
        ));
    }
    let value: serde_json::Value = serde_json::from_str(body)
        .map_err(|e| Error::contract("body", format!("is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(Error::contract("body", "must be a JSON object"));
    }
    let raw: RawEnvelope =
        serde_path_to_error::deserialize(value).map_err(|e| serde_error("", e))?;
    if raw.specversion != "1.0" {
        return Err(Error::contract("specversion", "must be \"1.0\""));
    }
    check_id("id", &raw.id)?;
    check_id("source", &raw.source)?;
    let time: Timestamp = raw
        .time
        .parse()
        .map_err(|_| Error::contract("time", "must be an RFC 3339 timestamp"))?;
    let data = raw
        .data
        .filter(serde_json::Value::is_object)
        .ok_or_else(|| Error::contract("data", "must be a JSON object"))?;
    Ok((
        EventMeta {
            id: raw.id,
            source: raw.source,
            time,
        },
        raw.kind,
        data,
    ))
}

/// `birthday.due`: a customer's birthday greeting is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BirthdayDue {
    /// Whom to greet.
    pub customer_id: CustomerId,
    /// The year of the birthday on their clock: one greeting per year.
    pub year: i16,
    /// When it fell due.
    pub due: Timestamp,
}

#[derive(Deserialize)]
struct RawBirthdayDue {
    customer_id: String,
    year: i64,
    due: String,
}

impl BirthdayDue {
    /// The event's id, `birthday.due:<customer>:<year>`: the same however
    /// often the scheduler finds the customer due.
    pub fn event_id(&self) -> String {
        format!("{BIRTHDAY_DUE}:{}:{}", self.customer_id.as_str(), self.year)
    }

    /// Parses a message body; any other type is refused.
    pub fn parse(body: &str) -> Result<(EventMeta, BirthdayDue)> {
        let (meta, raw): (EventMeta, RawBirthdayDue) = typed(body, BIRTHDAY_DUE)?;
        let bad = |field: &str, what: &str| Error::contract(format!("data.{field}"), what);
        let due = BirthdayDue {
            customer_id: CustomerId::parse(&raw.customer_id)
                .map_err(|r| Error::contract("data.customer_id", r))?,
            year: i16::try_from(raw.year)
                .ok()
                .filter(|y| (1970..=9999).contains(y))
                .ok_or_else(|| bad("year", "must be a year from 1970 to 9999"))?,
            due: raw
                .due
                .parse()
                .map_err(|_| bad("due", "must be an RFC 3339 timestamp"))?,
        };
        Ok((meta, due))
    }

    /// The event as a message, stamped `time` by `source`.
    pub fn to_message(&self, time: Timestamp, source: &str) -> OutboundMessage {
        let id = self.event_id();
        let body = json!({
            "specversion": "1.0",
            "id": id,
            "source": source,
            "type": BIRTHDAY_DUE,
            "time": to_key(time),
            "datacontenttype": "application/json",
            "data": {
                "customer_id": self.customer_id.as_str(),
                "year": self.year,
                "due": to_key(self.due),
            },
        })
        .to_string();
        OutboundMessage {
            id,
            kind: BIRTHDAY_DUE,
            body,
        }
    }
}

/// What a journey clock is about: an order or a return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watched {
    /// An order.
    Order(OrderId),
    /// A return.
    Return(ReturnId),
}

/// `journey.due`: a clock of an order or a return came due
/// ([`crate::domain::watch`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JourneyDue {
    /// Which clock.
    pub watch: Watch,
    /// Whose order or return.
    pub customer_id: CustomerId,
    /// Which order or return.
    pub about: Watched,
    /// For [`Watch::Promise`]: the promised day that ended.
    pub promise: Option<jiff::civil::Date>,
    /// When it fell due.
    pub due: Timestamp,
}

#[derive(Deserialize)]
struct RawJourneyDue {
    watch: String,
    customer_id: String,
    order_id: Option<String>,
    return_id: Option<String>,
    promise: Option<String>,
    due: String,
}

impl JourneyDue {
    /// Where the clock is held, `journey.due:<watch>:<order or return id>`:
    /// one per clock, so setting it again moves it.
    pub fn held_id(&self) -> String {
        let id = match &self.about {
            Watched::Order(o) => o.as_str(),
            Watched::Return(r) => r.as_str(),
        };
        format!("{JOURNEY_DUE}:{}:{id}", self.watch.as_str())
    }

    /// The event's id: [`JourneyDue::held_id`], and for a promise the
    /// promised day, so a promise moved later is judged on its own however
    /// often the sweep sends either.
    pub fn event_id(&self) -> String {
        match self.promise {
            Some(day) => format!("{}:{day}", self.held_id()),
            None => self.held_id(),
        }
    }

    /// Whether `body` is a `journey.due` event, by its `type` alone (the
    /// orders queue carries producers' events too).
    pub fn is_one(body: &str) -> bool {
        is_type(body, JOURNEY_DUE)
    }

    /// Parses a message body; any other type is refused.
    pub fn parse(body: &str) -> Result<(EventMeta, JourneyDue)> {
        let (meta, raw): (EventMeta, RawJourneyDue) = typed(body, JOURNEY_DUE)?;
        let bad = |field: &str, what: &str| Error::contract(format!("data.{field}"), what);
        let watch = Watch::parse(&raw.watch).ok_or_else(|| {
            bad(
                "watch",
                "must be promise, unshipped, undelivered, refund_warning or refund_overdue",
            )
        })?;
        let about = if watch.of_return() {
            let id = raw
                .return_id
                .ok_or_else(|| bad("return_id", "is required for a refund's clock"))?;
            Watched::Return(ReturnId::parse(&id).map_err(|r| bad("return_id", &r))?)
        } else {
            let id = raw
                .order_id
                .ok_or_else(|| bad("order_id", "is required for an order's clock"))?;
            Watched::Order(OrderId::parse(&id).map_err(|r| bad("order_id", &r))?)
        };
        let promise = match raw.promise {
            Some(day) => Some(
                day.parse::<jiff::civil::Date>()
                    .map_err(|_| bad("promise", "must be a date (YYYY-MM-DD)"))?,
            ),
            None if watch == Watch::Promise => {
                return Err(bad("promise", "is required for a promise's clock"));
            }
            None => None,
        };
        let due = JourneyDue {
            watch,
            customer_id: CustomerId::parse(&raw.customer_id)
                .map_err(|r| Error::contract("data.customer_id", r))?,
            about,
            promise,
            due: raw
                .due
                .parse()
                .map_err(|_| bad("due", "must be an RFC 3339 timestamp"))?,
        };
        Ok((meta, due))
    }

    /// The event held in the due index until its time, sent by `source`. Its
    /// `time` is `due`: the clock speaks as of the moment it fell due,
    /// however late the sweep that sends it.
    pub fn to_scheduled(&self, source: &str) -> crate::ports::ScheduledMessage {
        let id = self.event_id();
        let (key, value) = match &self.about {
            Watched::Order(o) => ("order_id", o.as_str()),
            Watched::Return(r) => ("return_id", r.as_str()),
        };
        let mut data = json!({
            "watch": self.watch.as_str(),
            "customer_id": self.customer_id.as_str(),
            "due": to_key(self.due),
        });
        data[key] = value.into();
        if let Some(day) = self.promise {
            data["promise"] = day.to_string().into();
        }
        let body = json!({
            "specversion": "1.0",
            "id": id,
            "source": source,
            "type": JOURNEY_DUE,
            "time": to_key(self.due),
            "datacontenttype": "application/json",
            "data": data,
        })
        .to_string();
        crate::ports::ScheduledMessage {
            id: self.held_id(),
            kind: JOURNEY_DUE.to_owned(),
            body,
            due: self.due,
        }
    }
}

impl InternalEvent {
    /// Parses and validates a message body: the envelope as for producers'
    /// events, then the payload of an internal type.
    pub fn parse(body: &str) -> Result<(EventMeta, InternalEvent)> {
        let (meta, kind, data) = envelope(body)?;
        let alarm = || -> Result<SlaAlarm> {
            let raw: RawAlarm =
                serde_path_to_error::deserialize(data).map_err(|e| serde_error("data", e))?;
            SlaAlarm::from_raw(raw)
        };
        let event = match kind.as_str() {
            SLA_WARNING => InternalEvent::SlaWarning(alarm()?),
            SLA_BREACHED => InternalEvent::SlaBreached(alarm()?),
            other => {
                let shown = crate::domain::mail::display_text(other, 60);
                return Err(Error::contract(
                    "type",
                    format!("`{shown}` is not an internal event type"),
                ));
            }
        };
        Ok((meta, event))
    }

    /// The CloudEvents `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            InternalEvent::SlaWarning(_) => SLA_WARNING,
            InternalEvent::SlaBreached(_) => SLA_BREACHED,
        }
    }

    /// The alarm it carries.
    pub fn alarm(&self) -> &SlaAlarm {
        match self {
            InternalEvent::SlaWarning(a) | InternalEvent::SlaBreached(a) => a,
        }
    }

    /// The event as a message: id derived from the alarm, `time` as given,
    /// `source` the sending function.
    pub fn to_message(&self, time: Timestamp, source: &str) -> OutboundMessage {
        let kind = self.kind();
        let a = self.alarm();
        let id = a.event_id(kind);
        let mut data = json!({
            "ticket_id": a.ticket_id.as_str(),
            "goal": a.goal.as_str(),
            "due": to_key(a.due),
            "priority": a.priority.as_str(),
            "category": a.category.as_str(),
            "customer_id": a.customer_id.as_str(),
        });
        if let Some(part) = a.part {
            data["part"] = json!(part.as_str());
        }
        let body = json!({
            "specversion": "1.0",
            "id": id,
            "source": source,
            "type": kind,
            "time": to_key(time),
            "datacontenttype": "application/json",
            "data": data,
        })
        .to_string();
        OutboundMessage { id, kind, body }
    }
}

/// The `&'static` name of an internal event type, for a message read back
/// from storage; `None` for anything else.
pub fn known_kind(kind: &str) -> Option<&'static str> {
    [
        SLA_WARNING,
        SLA_BREACHED,
        JOURNEY_DUE,
        crate::contract::waiting::TICKET_WAITING,
        crate::contract::reminder::COUPON_EXPIRING,
    ]
    .into_iter()
    .find(|k| *k == kind)
}

#[derive(Deserialize)]
struct RawSchedule {
    time: String,
}

/// The time a scheduled invocation stands for: the `time` of its input
/// (`{"time": "<aws.scheduler.scheduled-time>"}`, or an EventBridge rule's
/// scheduled event, which has the same field).
pub fn scheduled_time(event: &serde_json::Value) -> Result<Timestamp> {
    let raw: RawSchedule =
        serde_path_to_error::deserialize(event.clone()).map_err(|e| serde_error("", e))?;
    raw.time.parse().map_err(|_| {
        Error::contract(
            "time",
            "must be an RFC 3339 timestamp such as 2026-11-23T09:00:00Z",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Event;

    fn alarm(part: Option<Part>) -> SlaAlarm {
        SlaAlarm {
            ticket_id: TicketNumber::parse("TK-1234-5678").unwrap(),
            goal: Goal::FirstReply,
            due: "2026-11-22T13:40:00Z".parse().unwrap(),
            priority: Priority::High,
            category: Category::Damaged,
            customer_id: CustomerId::parse("cust-0001").unwrap(),
            part,
        }
    }

    fn field_of(body: &str) -> String {
        match InternalEvent::parse(body) {
            Err(Error::Contract { field, .. }) => field,
            other => panic!("expected a contract error, got {other:?}"),
        }
    }

    #[test]
    fn an_alarm_round_trips_with_an_id_from_its_cause() {
        let time: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        for part in [None, Some(Part::Team), Some(Part::Customer)] {
            let event = InternalEvent::SlaBreached(alarm(part));
            let message = event.to_message(time, "memnun/sla-monitor");
            assert_eq!(message.kind, SLA_BREACHED);
            let (meta, back) = InternalEvent::parse(&message.body).unwrap();
            assert_eq!(back, event);
            assert_eq!(meta.id, message.id);
            assert_eq!(meta.time, time);
            assert_eq!(meta.source, "memnun/sla-monitor");
        }
        let warning = InternalEvent::SlaWarning(alarm(None)).to_message(time, "s");
        assert_eq!(warning.id, "sla.warning:TK-1234-5678:first_reply");
        let held = InternalEvent::SlaBreached(alarm(Some(Part::Customer))).to_message(time, "s");
        assert_eq!(held.id, "sla.breached:TK-1234-5678:first_reply:customer");
    }

    #[test]
    fn producers_cannot_send_internal_events() {
        let body = InternalEvent::SlaBreached(alarm(None))
            .to_message("2026-11-23T09:00:00Z".parse().unwrap(), "shop/web")
            .body;
        match Event::parse(&body) {
            Err(Error::Contract { field, .. }) => assert_eq!(field, "type"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            crate::contract::routing::Route::for_type(SLA_BREACHED),
            None
        );
    }

    #[test]
    fn errors_name_the_field() {
        let good = InternalEvent::SlaWarning(alarm(None))
            .to_message("2026-11-23T09:00:00Z".parse().unwrap(), "s")
            .body;
        let with = |from: &str, to: &str| good.replace(from, to);
        assert_eq!(field_of("{"), "body");
        assert_eq!(field_of(&with("TK-1234-5678", "TK-12")), "data.ticket_id");
        assert_eq!(field_of(&with("first_reply", "lunch")), "data.goal");
        assert_eq!(field_of(&with("\"high\"", "\"meh\"")), "data.priority");
        assert_eq!(field_of(&with("damaged", "broken")), "data.category");
        assert_eq!(field_of(&with("2026-11-22T13:40:00Z", "soon")), "data.due");
        assert_eq!(field_of(&with("sla.warning\"", "review.posted\"")), "type");
        assert_eq!(
            field_of(&with("\"customer_id\":\"cust-0001\",", "")),
            "data.customer_id"
        );
    }

    #[test]
    fn the_scheduled_time_is_read_from_the_input() {
        let t = scheduled_time(&json!({"time": "2026-11-23T09:00:00Z"})).unwrap();
        assert_eq!(t, "2026-11-23T09:00:00Z".parse::<Timestamp>().unwrap());
        assert!(scheduled_time(&json!({})).is_err());
        assert!(scheduled_time(&json!({"time": "<aws.scheduler.scheduled-time>"})).is_err());
        assert_eq!(known_kind("sla.breached"), Some(SLA_BREACHED));
        assert_eq!(known_kind("coupon.issued"), None);
    }

    #[test]
    fn birthday_due_round_trips_with_an_id_per_customer_and_year() {
        let due = BirthdayDue {
            customer_id: CustomerId::parse("c-42").unwrap(),
            year: 2028,
            due: "2028-02-29T07:00:00Z".parse().unwrap(),
        };
        let m = due.to_message("2028-02-29T07:00:00Z".parse().unwrap(), "memnun/test");
        assert_eq!(m.id, "birthday.due:c-42:2028");
        let (meta, back) = BirthdayDue::parse(&m.body).unwrap();
        assert_eq!((meta.id.as_str(), &back), ("birthday.due:c-42:2028", &due));
        // Other internal events are refused, and so is a bad year.
        let alarm = InternalEvent::SlaWarning(alarm(None))
            .to_message("2026-11-22T10:00:00Z".parse().unwrap(), "memnun/test");
        let err = BirthdayDue::parse(&alarm.body).unwrap_err().to_string();
        assert!(err.contains("type"), "{err}");
        let bad = m.body.replace("\"year\":2028", "\"year\":20280");
        let err = BirthdayDue::parse(&bad).unwrap_err().to_string();
        assert!(err.contains("data.year"), "{err}");
        assert!(InternalEvent::parse(&m.body).is_err());
    }

    #[test]
    fn a_journey_clock_reads_back_as_held_and_names_its_bad_fields() {
        let due = JourneyDue {
            watch: Watch::RefundOverdue,
            customer_id: CustomerId::parse("c-1").unwrap(),
            about: Watched::Return(ReturnId::parse("RMA-1").unwrap()),
            promise: None,
            due: "2026-12-19T21:00:00Z".parse().unwrap(),
        };
        let held = due.to_scheduled("memnun/order-journey");
        assert_eq!(held.id, "journey.due:refund_overdue:RMA-1");
        assert_eq!(held.kind, JOURNEY_DUE);
        assert!(JourneyDue::is_one(&held.body));
        let (meta, back) = JourneyDue::parse(&held.body).unwrap();
        assert_eq!(back, due);
        assert_eq!(meta.time, due.due, "a clock speaks as of its due time");
        assert_eq!(known_kind(JOURNEY_DUE), Some(JOURNEY_DUE));

        let field = |from: &str, to: &str| match JourneyDue::parse(&held.body.replace(from, to)) {
            Err(Error::Contract { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field("refund_overdue", "late"), "data.watch");
        assert_eq!(field("return_id", "order_id"), "data.return_id");
        assert_eq!(field("\"c-1\"", "\"a b\""), "data.customer_id");
        assert!(!JourneyDue::is_one(r#"{"type":"order.placed"}"#));

        let promise = JourneyDue {
            watch: Watch::Promise,
            customer_id: CustomerId::parse("c-1").unwrap(),
            about: Watched::Order(OrderId::parse("1001").unwrap()),
            promise: Some(jiff::civil::Date::constant(2026, 12, 5)),
            due: "2026-12-05T21:00:00Z".parse().unwrap(),
        };
        let held = promise.to_scheduled("memnun/order-journey");
        assert_eq!(held.id, "journey.due:promise:1001", "held once per order");
        let (meta, back) = JourneyDue::parse(&held.body).unwrap();
        assert_eq!(meta.id, "journey.due:promise:1001:2026-12-05");
        assert_eq!(back, promise);
        let without = held.body.replace("\"promise\":\"2026-12-05\",", "");
        assert!(matches!(
            JourneyDue::parse(&without),
            Err(Error::Contract { field, .. }) if field == "data.promise"
        ));
    }
}
