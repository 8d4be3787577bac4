//! One conversation across channels: which open ticket a new complaint
//! continues, and what joining it does.
//!
//! A complaint joins a ticket instead of opening one when
//!
//! 1. its subject or message names the ticket's number, however a mail
//!    client or a person wrote it ([`TicketNumber::all_in`]); or
//! 2. it is about the order the customer's last ticket about that order is
//!    about, while that ticket is open.
//!
//! and, in both cases, the ticket is the same customer's and not resolved.
//! A number the customer names that is another customer's ticket is never
//! joined, whatever else matches: a guessed or mistyped number must not
//! put one customer's words on another's ticket. A resolved ticket is not
//! reopened either: a new ticket is, and its history names the old one.
//!
//! Why joining and not a new ticket: the customer who writes again on
//! another channel is the same conversation, and two tickets would be
//! answered twice, by two agents, each against its own SLA. Joined, the
//! ticket keeps its one SLA; the message counts as the customer's reply (a
//! clock paused while the ticket waited on the customer resumes, as
//! [`lifecycle::reply`] does for a `ticket.replied` by the customer); the
//! channel is recorded; and the customer is told at most once an hour that
//! the message reached the ticket (the acknowledgement they had just
//! received already says so).

use jiff::{SignedDuration, Timestamp};

use crate::domain::calendar::BusinessCalendar;
use crate::domain::customer::CustomerId;
use crate::domain::history::OrderTicket;
use crate::domain::lifecycle::{self, Change};
use crate::domain::ticket::{Author, Channel, Status, Ticket, TicketNumber};

/// How long after the customer was last told about a ticket a message
/// joining it gets no email of its own.
pub const QUIET: SignedDuration = SignedDuration::from_hours(1);

/// The longest text of a joined message kept for the help desk.
pub const MESSAGE_CHARS: usize = 2000;

/// How a complaint was found to belong to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinedBy {
    /// It names the ticket's number.
    Number,
    /// It is about the same order.
    Order,
}

impl JoinedBy {
    /// `number` or `order`, as events and logs spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            JoinedBy::Number => "number",
            JoinedBy::Order => "order",
        }
    }

    /// The name read back.
    pub fn parse(s: &str) -> Option<JoinedBy> {
        match s {
            "number" => Some(JoinedBy::Number),
            "order" => Some(JoinedBy::Order),
            _ => None,
        }
    }
}

/// The tickets a complaint may continue, the most telling first: the
/// numbers its subject names, then its message's, then the ticket last
/// opened about its order. Each still has to pass [`may_join`].
pub fn candidates(
    subject: Option<&str>,
    message: &str,
    order: Option<&str>,
    order_tickets: &[OrderTicket],
) -> Vec<(TicketNumber, JoinedBy)> {
    let mut found: Vec<(TicketNumber, JoinedBy)> = Vec::new();
    let named = subject
        .map(TicketNumber::all_in)
        .unwrap_or_default()
        .into_iter()
        .chain(TicketNumber::all_in(message));
    for number in named {
        if !found.iter().any(|(n, _)| *n == number) {
            found.push((number, JoinedBy::Number));
        }
    }
    if let Some(order) = order
        && let Some(t) = order_tickets.iter().find(|t| t.order_id == order)
        && !found.iter().any(|(n, _)| *n == t.number)
    {
        found.push((t.number.clone(), JoinedBy::Order));
    }
    found
}

/// Whether the complaint of `customer` about `order` may join `ticket`,
/// found `by`: the same customer's, not resolved, and, found by the order,
/// still about that order.
pub fn may_join(ticket: &Ticket, customer: &CustomerId, order: Option<&str>, by: JoinedBy) -> bool {
    ticket.customer_id == *customer
        && ticket.status != Status::Resolved
        && match by {
            JoinedBy::Number => true,
            JoinedBy::Order => order.is_some() && ticket.order_id.as_deref() == order,
        }
}

/// What a join did to the ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    /// The message's place on the ticket (1 for the first that joined).
    pub message: u32,
    /// Whether to tell the customer it reached the ticket: not when they
    /// were told within [`QUIET`] before (nor for a message older than
    /// that telling, delivered late).
    pub tell: bool,
    /// What the message did to the clocks, as the customer's reply.
    pub change: Change,
}

/// Joins the complaint made on `channel` at `at` to `ticket`: its next
/// message, its channel recorded, the customer's reply applied.
pub fn join(
    ticket: &mut Ticket,
    channel: Channel,
    at: Timestamp,
    calendar: &BusinessCalendar,
) -> Joined {
    if ticket.channels.is_empty() {
        // A ticket stored before channels were recorded.
        ticket.channels.extend(ticket.channel);
    }
    if !ticket.channels.contains(&channel) {
        ticket.channels.push(channel);
    }
    ticket.messages += 1;
    let last_told = ticket.acknowledged_at.unwrap_or(ticket.opened_at);
    let tell = at.duration_since(last_told) >= QUIET;
    if tell {
        ticket.acknowledged_at = Some(at);
    }
    let change = lifecycle::reply(ticket, Author::Customer, at, calendar);
    Joined {
        message: ticket.messages,
        tell,
        change,
    }
}

/// A message that joined a ticket, kept in the customer's partition for
/// the help desk (it is the customer's words: erasure removes it with the
/// rest of the partition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadMessage {
    /// The ticket it joined.
    pub ticket: TicketNumber,
    /// Whose.
    pub customer_id: CustomerId,
    /// Its place on the ticket ([`Joined::message`]).
    pub message: u32,
    /// Where the customer wrote it.
    pub channel: Channel,
    /// When (the complaint's time).
    pub at: Timestamp,
    /// Its subject, if the channel has one (not shown in logs).
    pub subject: Option<String>,
    /// Its text, at most [`MESSAGE_CHARS`] (not shown in logs).
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sla::SlaPolicy;
    use crate::domain::ticket::{Category, Origin, Priority};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn number(s: &str) -> TicketNumber {
        TicketNumber::parse(s).unwrap()
    }

    fn customer(s: &str) -> CustomerId {
        CustomerId::parse(s).unwrap()
    }

    fn ticket(owner: &str, order: Option<&str>) -> (Ticket, BusinessCalendar) {
        let cal = BusinessCalendar::default();
        let opened = ts("2026-11-23T09:00:00Z");
        let mut t = Ticket::new(
            number("TK-1234-5678"),
            &customer(owner),
            Origin::Complaint,
            Category::Delivery,
            Priority::Normal,
            opened,
            "shop/web#k-1",
        );
        t.channel = Some(Channel::Web);
        t.channels = vec![Channel::Web];
        t.order_id = order.map(str::to_owned);
        t.acknowledged_at = Some(opened);
        t.sla = Some(SlaPolicy::default().start(Priority::Normal, opened, &cal));
        (t, cal)
    }

    #[test]
    fn a_number_in_any_mangled_form_is_a_candidate_subject_first() {
        for (subject, message) in [
            (Some("Re: [TK-1234-5678] Kargo"), "yine ben"),
            (Some("RE: Fwd: tk-1234-5678"), ""),
            (Some("AW: TK 1234 5678"), ""),
            (None, "talep numaram TK12345678, hâlâ bekliyorum"),
            (Some("Kargo"), "bilet no: [tk–1234–5678]"),
        ] {
            assert_eq!(
                candidates(subject, message, None, &[]),
                [(number("TK-1234-5678"), JoinedBy::Number)],
                "{subject:?} {message}"
            );
        }
        let both = candidates(
            Some("TK-1111-2222"),
            "ayrıca TK-3333-4444 ve TK-1111-2222",
            Some("o-1"),
            &[OrderTicket {
                order_id: "o-1".into(),
                number: number("TK-5555-6666"),
            }],
        );
        assert_eq!(
            both,
            [
                (number("TK-1111-2222"), JoinedBy::Number),
                (number("TK-3333-4444"), JoinedBy::Number),
                (number("TK-5555-6666"), JoinedBy::Order),
            ]
        );
    }

    #[test]
    fn the_order_names_its_last_ticket_only_for_that_order() {
        let tickets = [OrderTicket {
            order_id: "o-1".into(),
            number: number("TK-5555-6666"),
        }];
        assert!(candidates(None, "gelmedi", Some("o-2"), &tickets).is_empty());
        assert!(candidates(None, "gelmedi", None, &tickets).is_empty());
        assert_eq!(
            candidates(None, "gelmedi", Some("o-1"), &tickets),
            [(number("TK-5555-6666"), JoinedBy::Order)]
        );
    }

    #[test]
    fn never_another_customers_ticket_nor_a_resolved_one() {
        let (t, _) = ticket("c-1", Some("o-1"));
        assert!(may_join(&t, &customer("c-1"), None, JoinedBy::Number));
        assert!(!may_join(&t, &customer("c-2"), None, JoinedBy::Number));
        assert!(!may_join(
            &t,
            &customer("c-2"),
            Some("o-1"),
            JoinedBy::Order
        ));
        assert!(may_join(&t, &customer("c-1"), Some("o-1"), JoinedBy::Order));
        // An order hint gone stale (the ticket is about another order now).
        assert!(!may_join(
            &t,
            &customer("c-1"),
            Some("o-9"),
            JoinedBy::Order
        ));
        let mut resolved = t.clone();
        resolved.status = Status::Resolved;
        assert!(!may_join(
            &resolved,
            &customer("c-1"),
            None,
            JoinedBy::Number
        ));
    }

    #[test]
    fn a_join_records_the_channel_counts_the_message_and_keeps_quiet_for_an_hour() {
        let (mut t, cal) = ticket("c-1", Some("o-1"));
        let due = t.sla.as_ref().unwrap().resolution.due;
        let first = join(&mut t, Channel::Email, ts("2026-11-23T09:30:00Z"), &cal);
        assert_eq!(first.message, 1);
        assert!(!first.tell, "within the hour of the acknowledgement");
        let second = join(&mut t, Channel::Chat, ts("2026-11-23T10:15:00Z"), &cal);
        assert_eq!(second.message, 2);
        assert!(second.tell);
        assert_eq!(t.acknowledged_at, Some(ts("2026-11-23T10:15:00Z")));
        let third = join(&mut t, Channel::Email, ts("2026-11-23T10:45:00Z"), &cal);
        assert!(!third.tell, "told 30 minutes before");
        // A message delivered late, older than the last telling.
        let late = join(&mut t, Channel::Phone, ts("2026-11-23T09:10:00Z"), &cal);
        assert!(!late.tell);
        assert_eq!(
            t.channels,
            [Channel::Web, Channel::Email, Channel::Chat, Channel::Phone]
        );
        assert_eq!(t.messages, 4);
        // One SLA: the deadlines are the ticket's own, not restarted.
        assert_eq!(t.sla.as_ref().unwrap().resolution.due, due);
    }

    #[test]
    fn a_joined_message_is_the_customers_reply() {
        let (mut t, cal) = ticket("c-1", None);
        let due = t.sla.as_ref().unwrap().resolution.due;
        lifecycle::reply(&mut t, Author::Agent, ts("2026-11-23T10:00:00Z"), &cal);
        assert_eq!(t.status, Status::WaitingOnCustomer);
        let joined = join(&mut t, Channel::Chat, ts("2026-11-23T13:00:00Z"), &cal);
        assert_eq!(joined.change, Change::Replied { first_reply: None });
        assert_eq!(t.status, Status::Open);
        let sla = t.sla.as_ref().unwrap();
        assert!(!sla.is_paused());
        assert_eq!(sla.resolution.due, due + SignedDuration::from_hours(3));
    }

    #[test]
    fn a_ticket_stored_before_channels_were_recorded_keeps_its_first() {
        let (mut t, cal) = ticket("c-1", None);
        t.channels.clear();
        t.acknowledged_at = None;
        let joined = join(&mut t, Channel::Email, ts("2026-11-23T11:00:00Z"), &cal);
        assert!(joined.tell, "two hours after the opening");
        assert_eq!(t.channels, [Channel::Web, Channel::Email]);
    }
}
