//! Tickets: the unit of work a person in the support team picks up.
//!
//! Complaints open tickets, and so do negative reviews and low satisfaction
//! ratings (a follow-up, so that a person reaches out). A ticket's number is
//! `TK-` and two groups of four digits: short enough to read out on the
//! phone, drawn at random so it tells nothing about the shop's volume, and
//! reserved with a conditional write so it is never reused.

use std::fmt;

use jiff::Timestamp;

use crate::domain::customer::CustomerId;
use crate::domain::random;
use crate::domain::rating::Rating;
use crate::domain::sla::SlaClock;

pub use crate::domain::labels::{Author, Category, Channel, Origin, Priority, ResolvedAs, Status};

/// A ticket number such as `TK-4821-0937`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketNumber(String);

impl TicketNumber {
    /// Draws a fresh number.
    pub fn generate() -> crate::Result<Self> {
        let digits = random::from_alphabet(b"0123456789", 8)?;
        Ok(TicketNumber(format!(
            "TK-{}-{}",
            &digits[..4],
            &digits[4..]
        )))
    }

    /// Reads a number, forgiving case, spaces and missing dashes
    /// (`tk 4821 0937` is what an agent types after a phone call).
    pub fn parse(s: &str) -> Option<Self> {
        let compact: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        let digits = compact.strip_prefix("TK")?;
        (digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| TicketNumber(format!("TK-{}-{}", &digits[..4], &digits[4..])))
    }

    /// The first ticket number written somewhere in `text` (a subject line:
    /// `Re: [TK-4821-0937] Kargo`), as [`TicketNumber::all_in`] reads them.
    pub fn find_in(text: &str) -> Option<Self> {
        TicketNumber::all_in(text).into_iter().next()
    }

    /// Every ticket number written in `text`, in order, each once: however
    /// mail clients and people wrote it (`Re: RE: [tk-4821-0937]`,
    /// `TK 4821 0937`, `TK48210937`, `TK–4821–0937` with the dashes a word
    /// processor puts in). Two groups of four digits, apart or joined by
    /// at most three dashes or spaces, after a `TK` that does not end a
    /// longer word, and no digit straight after: `TK-4821-09377` is no
    /// number, nor is `STK48210937`.
    pub fn all_in(text: &str) -> Vec<Self> {
        let mut found: Vec<TicketNumber> = Vec::new();
        // ASCII lower-casing keeps every byte where it was.
        let lower = text.to_ascii_lowercase();
        for (at, _) in lower.match_indices("tk") {
            let starts_word = text[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            if let Some(n) = starts_word.then(|| number_after(&text[at + 2..])).flatten()
                && !found.contains(&n)
            {
                found.push(n);
            }
        }
        found
    }

    /// The number as printed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The number whose digits start `rest` (what follows a `TK`).
fn number_after(rest: &str) -> Option<TicketNumber> {
    const SEPARATORS: [char; 6] = ['-', '\u{2013}', '\u{2014}', ' ', '\u{a0}', '_'];
    let mut digits = String::with_capacity(8);
    let mut gap = 0;
    let mut chars = rest.chars();
    while digits.len() < 8 {
        match chars.next()? {
            c if c.is_ascii_digit() => {
                digits.push(c);
                gap = 0;
            }
            // Only before the digits and between the two groups.
            c if SEPARATORS.contains(&c) && gap < 3 && digits.len().is_multiple_of(4) => gap += 1,
            _ => return None,
        }
    }
    if chars.next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(TicketNumber(format!(
        "TK-{}-{}",
        &digits[..4],
        &digits[4..]
    )))
}

impl fmt::Debug for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Its number.
    pub number: TicketNumber,
    /// Whose it is.
    pub customer_id: CustomerId,
    /// Why it exists.
    pub origin: Origin,
    /// What it is about.
    pub category: Category,
    /// How soon.
    pub priority: Priority,
    /// Where it stands.
    pub status: Status,
    /// When it was opened (the time of the event that opened it).
    pub opened_at: Timestamp,
    /// The idempotency key of the event that opened it.
    pub source_event: String,
    /// The order it is about, if known.
    pub order_id: Option<String>,
    /// The product it is about, if known.
    pub product_id: Option<String>,
    /// A one-line summary for the agent (not shown in logs).
    pub summary: Option<String>,
    /// Where a complaint was made.
    pub channel: Option<Channel>,
    /// The complaint's subject or message, for the agent (not shown in logs).
    pub subject: Option<String>,
    /// Every channel the customer wrote on about it, the first first, each
    /// once ([`crate::domain::thread`]).
    pub channels: Vec<Channel>,
    /// How many later messages joined it (the first is the one that opened
    /// it); the `n`-th is kept as message `n`.
    pub messages: u32,
    /// When the customer was last told about it (acknowledged, or told a
    /// message was added): a message within the hour after gets no email.
    pub acknowledged_at: Option<Timestamp>,
    /// The SLA clocks; follow-up tickets have none.
    pub sla: Option<SlaClock>,
    /// The latest reply by an agent.
    pub last_agent_reply_at: Option<Timestamp>,
    /// The latest reply by the customer.
    pub last_customer_reply_at: Option<Timestamp>,
    /// When it was resolved.
    pub resolved_at: Option<Timestamp>,
    /// How, when memnun resolved it rather than the team (no reply).
    pub resolved_as: Option<ResolvedAs>,
    /// The satisfaction score, when the customer answered the survey.
    pub survey: Option<(Rating, Timestamp)>,
    /// The stored version, for optimistic concurrency (0: not stored yet).
    pub version: u64,
}

impl Ticket {
    /// A new open ticket with nothing recorded yet.
    pub fn new(
        number: TicketNumber,
        customer_id: &CustomerId,
        origin: Origin,
        category: Category,
        priority: Priority,
        opened_at: Timestamp,
        source_event: &str,
    ) -> Self {
        Ticket {
            number,
            customer_id: customer_id.clone(),
            origin,
            category,
            priority,
            status: Status::Open,
            opened_at,
            source_event: source_event.to_owned(),
            order_id: None,
            product_id: None,
            summary: None,
            channel: None,
            subject: None,
            channels: Vec::new(),
            messages: 0,
            acknowledged_at: None,
            sla: None,
            last_agent_reply_at: None,
            last_customer_reply_at: None,
            resolved_at: None,
            resolved_as: None,
            survey: None,
            version: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_found_in_a_subject_however_mail_clients_wrote_it() {
        let n = TicketNumber::parse("TK-4821-0937");
        for subject in [
            "[TK-4821-0937] Kargo nerede?",
            "Re: RE: [tk-4821-0937] Kargo",
            "Fwd: TK 4821 0937",
            "siparişim (TK48210937) hâlâ gelmedi",
            "Re: Fw: TK – 4821 – 0937",
            "tk-4821-0937 2 adet ürün eksik",
            "bilet\u{a0}TK\u{a0}4821\u{a0}0937",
        ] {
            assert_eq!(TicketNumber::find_in(subject), n, "{subject}");
        }
        for subject in [
            "TK-4821-093",
            "TK-4821-09377",
            "Kargo gecikti",
            "tkx 4821 0937",
            "STK48210937",
            "TK-48-210937",
            "",
        ] {
            assert_eq!(TicketNumber::find_in(subject), None, "{subject}");
        }
    }

    #[test]
    fn every_number_is_found_once_in_order() {
        let all = TicketNumber::all_in("TK-1111-2222 ve tk 3333 4444, yine [TK-1111-2222]");
        let all: Vec<&str> = all.iter().map(TicketNumber::as_str).collect();
        assert_eq!(all, ["TK-1111-2222", "TK-3333-4444"]);
    }

    #[test]
    fn numbers_are_short_and_read_back_forgivingly() {
        let n = TicketNumber::generate().unwrap();
        assert_eq!(n.as_str().len(), "TK-0000-0000".len());
        assert_eq!(TicketNumber::parse(n.as_str()), Some(n.clone()));
        assert_eq!(
            TicketNumber::parse("tk 4821 0937").unwrap().as_str(),
            "TK-4821-0937"
        );
        assert_eq!(TicketNumber::parse("TK-4821-093"), None);
        assert_eq!(TicketNumber::parse("XX-4821-0937"), None);
    }

    #[test]
    fn names_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Priority::parse("urgent"), Some(Priority::Urgent));
        assert_eq!(Status::parse("closed"), None);
    }
}
