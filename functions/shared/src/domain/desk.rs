//! What a memnun ticket says in the shop's help desk: the subject an agent
//! sees in the queue, the customer's message, who asked, the tags the team
//! filters on, the history note, and the note a missed deadline leaves.
//!
//! Every help desk gets the same words ([`crate::adapters::helpdesk`] maps
//! them to Zendesk's and Freshdesk's fields). The subject begins with the
//! number in brackets, `[TK-4821-0937] …`, as memnun's own emails do, so a
//! reply to either threads to the same ticket and the desk's webhook names
//! it back to memnun ([`crate::contract`]; `docs/platforms/zendesk.md`).
//! Notes are in the team's language (the shop's default), never the
//! customer's.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::domain::customer::{ContactDetails, CustomerId};
use crate::domain::history::History;
use crate::domain::locale::Locale;
use crate::domain::mail::{EmailAddress, display_text};
use crate::domain::sla::Goal;
use crate::domain::ticket::{
    Category, Channel, Origin, Priority, ResolvedAs, Ticket, TicketNumber,
};

/// A `ticket.opened` as the help desk needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketOpened {
    /// memnun's number, the help desk's external id.
    pub ticket_id: TicketNumber,
    /// Whose.
    pub customer_id: CustomerId,
    /// What opened it.
    pub origin: Origin,
    /// What it is about.
    pub category: Category,
    /// How urgent.
    pub priority: Priority,
    /// Where the customer wrote, when a complaint.
    pub channel: Option<Channel>,
    /// The order it is about.
    pub order_id: Option<String>,
    /// The customer's history, on a complaint's ticket.
    pub history: Option<History>,
}

/// A `ticket.escalated` as the help desk needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketEscalated {
    /// memnun's number.
    pub ticket_id: TicketNumber,
    /// Whose.
    pub customer_id: CustomerId,
    /// When the breach was announced (the event's time).
    pub at: Timestamp,
    /// Which deadline was missed.
    pub missed: Goal,
    /// When it was due.
    pub due: Timestamp,
    /// The priority it now has.
    pub priority: Priority,
}

/// A `ticket.updated` as the help desk needs it: which message of the
/// ticket to add ([`crate::domain::thread::ThreadMessage`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketUpdated {
    /// memnun's number.
    pub ticket_id: TicketNumber,
    /// Whose.
    pub customer_id: CustomerId,
    /// When the customer wrote (the event's time).
    pub at: Timestamp,
    /// The message's place on the ticket.
    pub message: u32,
    /// Where the customer wrote.
    pub channel: Channel,
}

/// A `ticket.closed` as the help desk needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketClosed {
    /// memnun's number.
    pub ticket_id: TicketNumber,
    /// Whose.
    pub customer_id: CustomerId,
    /// When memnun resolved it.
    pub at: Timestamp,
    /// Why.
    pub resolved_as: ResolvedAs,
}

/// The tag a desk's ticket carries once memnun closed it, so a retry does
/// not note it twice.
pub fn closed_tag(resolved_as: ResolvedAs) -> String {
    format!("memnun_closed_{}", resolved_as.as_str())
}

/// The internal note memnun's closing leaves on the desk's ticket.
pub fn closing_note(c: &TicketClosed, team: Locale, tz: &TimeZone) -> String {
    let at = local(c.at, tz);
    match (team, c.resolved_as) {
        (Locale::Tr, ResolvedAs::NoReply) => format!(
            "memnun: müşteriden yanıt gelmediği için talep {at} itibarıyla çözüldü olarak kapatıldı (hatırlatma gönderilmişti). Anket gönderilmedi; müşteri yeniden yazarsa yeni talep açılır."
        ),
        (Locale::En, ResolvedAs::NoReply) => format!(
            "memnun: resolved as of {at} because the customer did not answer (they were reminded). No survey was sent; if they write again, a new ticket opens."
        ),
        (Locale::Tr, ResolvedAs::SelfServed) => format!(
            "memnun: müşteri {at} itibarıyla önerilen yanıtın sorusunu karşıladığını bildirdi; talep kendi kendine çözüldü olarak kapatıldı."
        ),
        (Locale::En, ResolvedAs::SelfServed) => format!(
            "memnun: as of {at} the customer said a suggested answer answered their question; resolved as self-served."
        ),
    }
}

/// The tag a desk's ticket carries once the `message`-th joined message is
/// in, so a retry does not add it twice.
pub fn message_tag(message: u32) -> String {
    format!("memnun_message_{message}")
}

/// The comment a joined message becomes: the customer's words, headed by
/// where they wrote (in the team's language).
pub fn message_comment(m: &crate::domain::thread::ThreadMessage, team: Locale) -> String {
    let channel = m.channel.as_str();
    let head = match team {
        Locale::Tr => format!("memnun: müşteri {channel} kanalından yine yazdı."),
        Locale::En => format!("memnun: the customer wrote again, by {channel}."),
    };
    match m.subject.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(subject) => format!("{head}\n\n{subject}\n\n{}", m.text),
        None => format!("{head}\n\n{}", m.text),
    }
}

/// The longest subject sent (Zendesk's limit is 150 characters).
const SUBJECT_CHARS: usize = 150;

/// A ticket as the help desk receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskTicket {
    /// memnun's number: Zendesk's `external_id`, a tag everywhere.
    pub number: TicketNumber,
    /// `[TK-…] ` and the customer's subject, or what the ticket is about.
    pub subject: String,
    /// The customer's message (its first 1,000 characters, as memnun keeps
    /// it), or what opened the ticket when there is none.
    pub message: String,
    /// Who asked.
    pub requester: EmailAddress,
    /// Their name, when known.
    pub requester_name: Option<String>,
    /// How urgent.
    pub priority: Priority,
    /// What about.
    pub category: Category,
    /// What opened it.
    pub origin: Origin,
    /// Where the customer wrote.
    pub channel: Option<Channel>,
    /// memnun's tags: `memnun`, the number, origin, category and channel.
    pub tags: Vec<String>,
    /// The internal note: the customer's history.
    pub note: String,
}

impl DeskTicket {
    /// The desk's ticket for `ticket`, with the customer's `history`.
    /// `None` when the customer left no address: no help desk takes a
    /// request without a requester, and the team has the ticket in memnun's
    /// alerts and digest.
    pub fn new(
        ticket: &Ticket,
        contact: &ContactDetails,
        history: &History,
        team: Locale,
    ) -> Option<DeskTicket> {
        let requester = contact.email.clone()?;
        let tr = team == Locale::Tr;
        let about = ticket
            .subject
            .clone()
            .unwrap_or_else(|| what_opened(ticket.origin, ticket.category, tr));
        let message = ticket
            .summary
            .clone()
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| what_opened(ticket.origin, ticket.category, tr));
        let mut tags = vec![
            "memnun".to_owned(),
            tag_of(&ticket.number),
            format!("memnun_{}", ticket.origin.as_str()),
            format!("memnun_{}", ticket.category.as_str()),
        ];
        if let Some(channel) = ticket.channel {
            tags.push(format!("memnun_{}", channel.as_str()));
        }
        let note = history.note(team);
        Some(DeskTicket {
            number: ticket.number.clone(),
            subject: display_text(&format!("[{}] {about}", ticket.number), SUBJECT_CHARS),
            message,
            requester,
            requester_name: contact.name.clone().filter(|n| !n.trim().is_empty()),
            priority: ticket.priority,
            category: ticket.category,
            origin: ticket.origin,
            channel: ticket.channel,
            tags,
            note,
        })
    }
}

/// The tag that finds memnun's ticket in a desk that has no external id
/// (Freshdesk): the number in lower case, as desks store tags.
pub fn tag_of(number: &TicketNumber) -> String {
    number.as_str().to_ascii_lowercase()
}

/// The tag a desk's ticket carries once its history note is in, so a
/// retry does not add it twice.
pub const HISTORY_TAG: &str = "memnun_history";

/// The tag a desk's ticket carries once it was raised for a missed
/// deadline, so a retry does not raise and note it twice.
pub fn escalated_tag(missed: Goal) -> String {
    format!("memnun_missed_{}", missed.as_str())
}

/// The internal note a missed deadline leaves on the desk's ticket.
pub fn escalation_note(e: &TicketEscalated, team: Locale, tz: &TimeZone) -> String {
    let due = local(e.due, tz);
    match (team, e.missed) {
        (Locale::Tr, Goal::FirstReply) => format!(
            "memnun: ilk yanıt süresi aşıldı (son an {due}); talep acile yükseltildi. memnun müşteriden e-postayla özür diler (günde en çok bir kez) ve acil önceliğin süresi içinde yanıt sözü verir."
        ),
        (Locale::Tr, Goal::Resolution) => format!(
            "memnun: çözüm süresi aşıldı (son an {due}); talep acile yükseltildi. memnun müşteriden e-postayla özür diler (günde en çok bir kez)."
        ),
        (Locale::En, Goal::FirstReply) => format!(
            "memnun: the first-reply deadline was missed (due {due}); raised to urgent. memnun apologises to the customer by email (at most once a day) and promises an answer within the urgent target."
        ),
        (Locale::En, Goal::Resolution) => format!(
            "memnun: the resolution deadline was missed (due {due}); raised to urgent. memnun apologises to the customer by email (at most once a day)."
        ),
    }
}

fn local(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone())
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

fn what_opened(origin: Origin, category: Category, tr: bool) -> String {
    let what = match (origin, tr) {
        (Origin::Complaint, true) => "Müşteri şikâyeti",
        (Origin::Complaint, false) => "Customer complaint",
        (Origin::NegativeReview, true) => "Düşük puanlı ürün yorumu",
        (Origin::NegativeReview, false) => "Low product review",
        (Origin::LowSatisfaction, true) => "Düşük memnuniyet puanı",
        (Origin::LowSatisfaction, false) => "Low satisfaction rating",
        (Origin::ReturnRequest, true) => "İade veya değişim talebi",
        (Origin::ReturnRequest, false) => "Return or exchange request",
    };
    format!("{what} ({})", category.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::history::Footprint;

    fn ticket() -> Ticket {
        let mut t = Ticket::new(
            TicketNumber::parse("TK-4821-0937").unwrap(),
            &CustomerId::parse("c-1").unwrap(),
            Origin::Complaint,
            Category::Delivery,
            Priority::High,
            "2026-12-01T10:00:00Z".parse().unwrap(),
            "shop/test#k-1",
        );
        t.channel = Some(Channel::Email);
        t.subject = Some("Kargom nerede?".into());
        t.summary = Some("Siparişim 10 gündür gelmedi.".into());
        t
    }

    #[test]
    fn subject_message_requester_tags_and_the_history_note() {
        let contact = ContactDetails {
            email: Some(EmailAddress::parse("ayse@example.com").unwrap()),
            name: Some("Ayşe".into()),
            ..ContactDetails::default()
        };
        let history = History::summarise(
            "2026-12-01T10:00:00Z".parse().unwrap(),
            &[],
            &Footprint::default(),
        );
        let d = DeskTicket::new(&ticket(), &contact, &history, Locale::En).unwrap();
        assert_eq!(d.subject, "[TK-4821-0937] Kargom nerede?");
        assert_eq!(d.message, "Siparişim 10 gündür gelmedi.");
        assert_eq!(d.requester.as_str(), "ayse@example.com");
        assert_eq!(
            d.tags,
            [
                "memnun",
                "tk-4821-0937",
                "memnun_complaint",
                "memnun_delivery",
                "memnun_email"
            ]
        );
        assert!(d.note.contains("First request"), "{}", d.note);
        let tr = DeskTicket::new(&ticket(), &contact, &history, Locale::Tr).unwrap();
        assert!(tr.note.contains("İlk talebi"), "{}", tr.note);
    }

    #[test]
    fn no_address_no_desk_ticket() {
        let history = History::summarise(
            "2026-12-01T10:00:00Z".parse().unwrap(),
            &[],
            &Footprint::default(),
        );
        let none = DeskTicket::new(&ticket(), &ContactDetails::default(), &history, Locale::En);
        assert!(none.is_none());
    }

    #[test]
    fn the_escalation_note_names_the_deadline_in_the_shops_time() {
        let e = TicketEscalated {
            ticket_id: TicketNumber::parse("TK-4821-0937").unwrap(),
            customer_id: CustomerId::parse("c-1").unwrap(),
            at: "2026-12-01T12:05:00Z".parse().unwrap(),
            missed: Goal::FirstReply,
            due: "2026-12-01T12:00:00Z".parse().unwrap(),
            priority: Priority::Urgent,
        };
        let tz = TimeZone::get("Europe/Istanbul").unwrap();
        let note = escalation_note(&e, Locale::Tr, &tz);
        assert!(note.contains("2026-12-01 15:00"), "{note}");
        assert_eq!(escalated_tag(Goal::Resolution), "memnun_missed_resolution");
    }
}
