//! Inbound email: which customers' replies join their tickets, and why the
//! others are set aside.
//!
//! With inbound email on, the emails about a ticket carry memnun's reply
//! address, and a customer who answers one writes to memnun. Such a reply
//! is joined to the ticket it names (its `[TK-…]`) as a `complaint.created`
//! on the email channel, which [`crate::domain::thread`] joins like any
//! other channel's message. Mail reaches that address from anyone, though,
//! so a reply joins only when every one of these holds:
//!
//! - SES found no virus and no spam, and the sender is not forged (DMARC
//!   did not fail, and SPF and DKIM did not both fail);
//! - it is a person's mail, not an out-of-office or other automatic reply
//!   (RFC 3834 `Auto-Submitted`, `Precedence: bulk`/`auto_reply`/`list`,
//!   the `X-Autoreply` family): an auto-reply to an acknowledgement would
//!   otherwise count as the customer's answer and restart the clock;
//! - it names a ticket (in the subject, the reply, the address it was sent
//!   to, or the quoted history, in that order) that exists;
//! - it comes from the address of the ticket's customer: a number anyone
//!   can read in a forwarded mail must not let a stranger write on the
//!   ticket;
//! - something is left once the quoted history and signature are cut
//!   ([`crate::domain::reply`]).
//!
//! Anything else is set aside for a [`SetAside`] reason: logged with the
//! reason and SES's message id, counted for the weekly digest, and kept in
//! the mail bucket until its retention ends, so nothing a customer wrote
//! is lost without a trace.

use crate::domain::mail::EmailAddress;
use crate::domain::reply::Reply;
use crate::domain::ticket::TicketNumber;

/// A received mail, as the MIME parser read it: only what deciding and
/// joining need.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InboundMail {
    /// The `From` address, when it is one.
    pub from: Option<EmailAddress>,
    /// The subject, decoded.
    pub subject: Option<String>,
    /// The `Message-ID`, without its angle brackets.
    pub message_id: Option<String>,
    /// The text of the first body: the `text/plain` part, or the HTML part
    /// made text when the mail has no plain part (above its quote).
    pub text: String,
    /// An HTML body's quoted history, made text (empty for a plain part,
    /// whose history [`Reply::of`] finds in [`InboundMail::text`]).
    pub quoted: String,
    /// Whether the headers mark it as sent automatically.
    pub automatic: bool,
    /// How many attachments it had (never read).
    pub attachments: usize,
}

/// Why a received mail was not joined to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetAside {
    /// SES's virus scan failed it.
    Virus,
    /// SES's spam scan failed it.
    Spam,
    /// DMARC failed, or SPF and DKIM both failed: the sender may be forged.
    Unauthenticated,
    /// Larger than the function reads.
    TooLarge,
    /// Not a MIME message the parser could read.
    Unreadable,
    /// An out-of-office or another automatic reply.
    Automatic,
    /// No ticket number anywhere in it.
    NoTicketNumber,
    /// The numbers it names are no tickets.
    NoSuchTicket,
    /// Not from the address of the ticket's customer.
    NotTheCustomer,
    /// Nothing left once the history and signature were cut.
    Empty,
}

impl SetAside {
    /// Every reason, in the order the digest lists them.
    pub const ALL: [SetAside; 10] = [
        SetAside::Virus,
        SetAside::Spam,
        SetAside::Unauthenticated,
        SetAside::TooLarge,
        SetAside::Unreadable,
        SetAside::Automatic,
        SetAside::NoTicketNumber,
        SetAside::NoSuchTicket,
        SetAside::NotTheCustomer,
        SetAside::Empty,
    ];

    /// The name logs and counters carry.
    pub fn as_str(self) -> &'static str {
        match self {
            SetAside::Virus => "virus",
            SetAside::Spam => "spam",
            SetAside::Unauthenticated => "unauthenticated",
            SetAside::TooLarge => "too_large",
            SetAside::Unreadable => "unreadable",
            SetAside::Automatic => "automatic",
            SetAside::NoTicketNumber => "no_ticket_number",
            SetAside::NoSuchTicket => "no_such_ticket",
            SetAside::NotTheCustomer => "not_the_customer",
            SetAside::Empty => "empty",
        }
    }

    /// What the log says.
    pub fn reason(self) -> &'static str {
        match self {
            SetAside::Virus => "SES's virus scan failed the mail",
            SetAside::Spam => "SES's spam scan failed the mail",
            SetAside::Unauthenticated => {
                "the sender may be forged: DMARC failed, or SPF and DKIM both failed"
            }
            SetAside::TooLarge => "the mail is larger than the function reads",
            SetAside::Unreadable => "the mail is not a MIME message the parser can read",
            SetAside::Automatic => "the mail is an automatic reply (out of office, a list)",
            SetAside::NoTicketNumber => "the mail names no ticket",
            SetAside::NoSuchTicket => "the ticket numbers the mail names are no tickets",
            SetAside::NotTheCustomer => "the sender is not the ticket's customer",
            SetAside::Empty => "nothing is left once the quoted history and signature are cut",
        }
    }
}

/// SES's verdicts on a received mail (`PASS`, `FAIL`, `GRAY`,
/// `PROCESSING_FAILED`, `DISABLED`): only a `FAIL` counts against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Verdicts {
    /// The spam scan failed it.
    pub spam: bool,
    /// The virus scan failed it.
    pub virus: bool,
    /// SPF failed.
    pub spf: bool,
    /// DKIM failed.
    pub dkim: bool,
    /// DMARC failed.
    pub dmarc: bool,
}

impl Verdicts {
    /// The reason to set the mail aside before reading it, if any.
    pub fn refusal(self) -> Option<SetAside> {
        if self.virus {
            Some(SetAside::Virus)
        } else if self.spam {
            Some(SetAside::Spam)
        } else if self.dmarc || (self.spf && self.dkim) {
            Some(SetAside::Unauthenticated)
        } else {
            None
        }
    }
}

/// The ticket numbers a mail names, the likeliest first: the subject, the
/// reply itself, the addresses it was sent to (a reply address may carry
/// the number), then the quoted history (a subject the customer rewrote
/// still quotes the email they answered).
pub fn ticket_numbers(
    mail: &InboundMail,
    reply: &Reply,
    recipients: &[String],
) -> Vec<TicketNumber> {
    let mut found: Vec<TicketNumber> = Vec::new();
    let mut add = |text: &str| {
        for n in TicketNumber::all_in(text) {
            if !found.contains(&n) {
                found.push(n);
            }
        }
    };
    add(mail.subject.as_deref().unwrap_or_default());
    add(&reply.text);
    for r in recipients {
        add(r.split('@').next().unwrap_or_default());
    }
    add(&reply.quoted);
    found
}

/// Whether `from` is the customer's address: compared without regard to
/// case, as every mail provider delivers it.
pub fn is_customer(from: &EmailAddress, customer: &EmailAddress) -> bool {
    from.as_str().to_lowercase() == customer.as_str().to_lowercase()
}

/// The subject the joined message carries: the mail's, with the ticket's
/// number added when the mail named it only elsewhere, so the help desk
/// and the join both see it.
pub fn subject_naming(subject: Option<&str>, ticket: &TicketNumber) -> String {
    let subject = subject.map(str::trim).unwrap_or_default();
    if TicketNumber::all_in(subject).contains(ticket) {
        subject.to_owned()
    } else if subject.is_empty() {
        format!("[{ticket}]")
    } else {
        format!("{subject} [{ticket}]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(s: &str) -> TicketNumber {
        TicketNumber::all_in(s).remove(0)
    }

    #[test]
    fn the_subject_comes_first_then_the_reply_then_the_address_then_the_quote() {
        let mail = InboundMail {
            subject: Some("Re: [TK-1111-1111]".into()),
            ..InboundMail::default()
        };
        let reply = Reply {
            text: "see TK 2222 2222".into(),
            quoted: "> TK-4444-4444".into(),
        };
        let found = ticket_numbers(&mail, &reply, &["tk-3333-3333@cevap.dukkan.example".into()]);
        let printed: Vec<&str> = found.iter().map(TicketNumber::as_str).collect();
        assert_eq!(
            printed,
            [
                "TK-1111-1111",
                "TK-2222-2222",
                "TK-3333-3333",
                "TK-4444-4444"
            ]
        );
    }

    #[test]
    fn verdicts_refuse_viruses_spam_and_forged_senders_only() {
        assert_eq!(Verdicts::default().refusal(), None);
        let spf_only = Verdicts {
            spf: true,
            ..Verdicts::default()
        };
        assert_eq!(spf_only.refusal(), None);
        let both = Verdicts {
            spf: true,
            dkim: true,
            ..Verdicts::default()
        };
        assert_eq!(both.refusal(), Some(SetAside::Unauthenticated));
        let dmarc = Verdicts {
            dmarc: true,
            ..Verdicts::default()
        };
        assert_eq!(dmarc.refusal(), Some(SetAside::Unauthenticated));
        let all = Verdicts {
            spam: true,
            virus: true,
            ..Verdicts::default()
        };
        assert_eq!(all.refusal(), Some(SetAside::Virus));
    }

    #[test]
    fn the_subject_names_the_ticket_once() {
        let t = number("TK-4821-0937");
        assert_eq!(
            subject_naming(Some("Re: [tk 4821 0937]"), &t),
            "Re: [tk 4821 0937]"
        );
        assert_eq!(subject_naming(Some("kargo"), &t), "kargo [TK-4821-0937]");
        assert_eq!(subject_naming(None, &t), "[TK-4821-0937]");
    }

    #[test]
    fn the_sender_is_compared_without_case() {
        let a = EmailAddress::parse("Ayse@Example.com").unwrap();
        let b = EmailAddress::parse("ayse@example.com").unwrap();
        let c = EmailAddress::parse("ayse@example.org").unwrap();
        assert!(is_customer(&a, &b));
        assert!(!is_customer(&a, &c));
    }
}
