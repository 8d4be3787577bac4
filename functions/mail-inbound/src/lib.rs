//! `mail-inbound`: customers' email replies join their tickets.
//!
//! With `InboundEmailDomain` set, SES receives the mail sent to that
//! domain (the emails about a ticket carry an address there as
//! `Reply-To`), stores each in the mail bucket and notifies the inbound
//! queue. For each notification:
//!
//! 1. the mail is read from the bucket, at most `INBOUND_MAX_BYTES`;
//! 2. it is parsed ([`memnun_shared::adapters::mime`]) and the customer's
//!    words are cut from the quoted history and the signature
//!    ([`memnun_shared::domain::reply`]);
//! 3. the ticket it names is read, and the sender checked against the
//!    ticket's customer ([`memnun_shared::domain::inbound`] says which
//!    mail joins and why);
//! 4. a `complaint.created` on the email channel goes to the tickets
//!    queue, where complaint-intake joins it to the ticket as it joins any
//!    channel's message: the clock resumes, the help desk gets the words.
//!
//! A mail that does not join is set aside: its reason and SES's message
//! id are logged, it is counted once for the digest, and it stays in the
//! bucket until the retention ends. A notification that is not SES's is a
//! batch item failure naming the field, and ends in the dead-letter queue.
//!
//! Idempotent by construction: the event's id is made from the mail's
//! `Message-ID`, so a redelivered notification, or the same mail received
//! twice, is one event complaint-intake handles once. The `now` of it all
//! is the time SES received the mail. Four AWS calls per reply (one S3
//! read, two DynamoDB reads, one SQS send). Logs carry SES's message id,
//! the ticket's number and the reason, never an address, a subject or
//! the words.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use memnun_shared::adapters::mime;
use memnun_shared::app::count::count_once;
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::{Env, parse_url, shop_time_zone_from_env};
use memnun_shared::contract::outbound::OutboundMessage;
use memnun_shared::contract::payload::{MAX_MESSAGE_CHARS, MAX_SHORT_TEXT_CHARS};
use memnun_shared::contract::ses_inbound::{Received, SesReceipt};
use memnun_shared::domain::digest::names;
use memnun_shared::domain::inbound::{self, InboundMail, SetAside};
use memnun_shared::domain::reply::Reply;
use memnun_shared::domain::ticket::{Ticket, TicketNumber};
use memnun_shared::idempotency::Idempotency;
use memnun_shared::keys::WorkKey;
use memnun_shared::ports::{
    CustomerStore, Fetched, IdempotencyStore, MailBox, Publisher, StatsStore, TicketStore,
};
use memnun_shared::time::to_key;
use memnun_shared::{Error, Result};
use sha2::{Digest, Sha256};

/// The CloudEvents `source` of the replies this function forwards.
pub const SOURCE: &str = "memnun/mail-inbound";

/// The default bound on a mail's size: room for a reply with a few
/// phone photos attached, far under SES's 40 MB receiving limit.
pub const DEFAULT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// Everything the function reads at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main table (`TABLE_NAME`): tickets, customers, counters.
    pub table: String,
    /// The idempotency table (`IDEMPOTENCY_TABLE_NAME`): the set-aside
    /// counts' claims.
    pub idempotency_table: String,
    /// Where joined replies go (`TICKETS_QUEUE_URL`).
    pub tickets_queue_url: String,
    /// The largest mail read, in bytes (`INBOUND_MAX_BYTES`).
    pub max_bytes: usize,
    /// The shop's time zone (`SHOP_TIME_ZONE`): the digest's weeks.
    pub time_zone: TimeZone,
    /// How many messages of a batch run at once (`BATCH_CONCURRENCY`).
    pub batch_concurrency: usize,
    /// How long idempotency records live, in days (`IDEMPOTENCY_TTL_DAYS`).
    pub idempotency_ttl_days: i64,
}

impl Config {
    /// Reads and validates the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        Ok(Config {
            table: env.required("TABLE_NAME")?,
            idempotency_table: env.required("IDEMPOTENCY_TABLE_NAME")?,
            tickets_queue_url: env.parsed("TICKETS_QUEUE_URL", parse_url)?,
            max_bytes: env.int_or(
                "INBOUND_MAX_BYTES",
                DEFAULT_MAX_BYTES,
                64 * 1024..=40 * 1024 * 1024,
            )?,
            time_zone: shop_time_zone_from_env(env)?.0,
            batch_concurrency: env.int_or("BATCH_CONCURRENCY", 10, 1..=100)?,
            idempotency_ttl_days: env.int_or("IDEMPOTENCY_TTL_DAYS", 30, 15..=365)?,
        })
    }
}

/// Everything the handler reads and counts in the tables.
pub trait Store: TicketStore + CustomerStore + IdempotencyStore + StatsStore {}
impl<T: TicketStore + CustomerStore + IdempotencyStore + StatsStore> Store for T {}

/// The handler, generic over its ports.
pub struct Handler<B, S, P> {
    config: Config,
    mail_box: B,
    store: S,
    publisher: P,
}

/// What one received mail came to.
enum Fate {
    /// Joined: the message to send to the tickets queue.
    Joined(TicketNumber, OutboundMessage),
    /// Set aside, for this reason.
    SetAside(SetAside),
}

impl<B: MailBox, S: Store, P: Publisher> Handler<B, S, P> {
    /// Builds the handler once, at init.
    pub fn new(config: Config, mail_box: B, store: S, publisher: P) -> Self {
        Handler {
            config,
            mail_box,
            store,
            publisher,
        }
    }

    /// Handles one SQS batch; answers the messages that failed. `deadline`
    /// is the invocation's: the set-aside counts' claims last until then.
    pub async fn handle(&self, event: SqsEvent, deadline: Timestamp) -> SqsBatchResponse {
        batch::run(event, self.config.batch_concurrency, |message| {
            self.message(message, deadline)
        })
        .await
    }

    async fn message(&self, message: SqsMessage, deadline: Timestamp) -> Result<Outcome> {
        let body = message
            .body
            .as_deref()
            .ok_or_else(|| Error::contract("body", "is missing"))?;
        let receipt = match SesReceipt::parse(body)? {
            Received::Other(kind) => {
                batch::record_event("-", &kind);
                tracing::info!("not a received mail: ignored");
                return Ok("ignored");
            }
            Received::Mail(receipt) => receipt,
        };
        batch::record_event(&receipt.message_id, "email.received");
        match self.fate(&receipt).await? {
            Fate::Joined(ticket, message) => {
                self.publisher
                    .publish(
                        &self.config.tickets_queue_url,
                        std::slice::from_ref(&message),
                    )
                    .await?;
                tracing::info!(ticket = %ticket, event_id = %message.id, "reply sent to its ticket");
                Ok("forwarded")
            }
            Fate::SetAside(reason) => {
                tracing::info!(
                    reason = reason.as_str(),
                    why = reason.reason(),
                    bucket = %receipt.bucket,
                    key = %receipt.key,
                    "mail set aside: kept in the bucket until its retention ends"
                );
                self.count_set_aside(&receipt, reason, deadline).await?;
                Ok("set aside")
            }
        }
    }

    /// Reads the mail and decides.
    async fn fate(&self, receipt: &SesReceipt) -> Result<Fate> {
        if let Some(reason) = receipt.verdicts.refusal() {
            return Ok(Fate::SetAside(reason));
        }
        let raw = match self
            .mail_box
            .fetch(&receipt.bucket, &receipt.key, self.config.max_bytes)
            .await?
        {
            Fetched::Mail(raw) => raw,
            Fetched::TooLarge(size) => {
                tracing::info!(
                    size = size.unwrap_or_default(),
                    max = self.config.max_bytes,
                    "mail too large"
                );
                return Ok(Fate::SetAside(SetAside::TooLarge));
            }
        };
        let Some(mail) = mime::read(&raw) else {
            return Ok(Fate::SetAside(SetAside::Unreadable));
        };
        if mail.automatic {
            return Ok(Fate::SetAside(SetAside::Automatic));
        }
        let mut reply = Reply::of(&mail.text);
        if !mail.quoted.is_empty() {
            reply.quoted.push('\n');
            reply.quoted.push_str(&mail.quoted);
        }
        let numbers = inbound::ticket_numbers(&mail, &reply, &receipt.recipients);
        if numbers.is_empty() {
            return Ok(Fate::SetAside(SetAside::NoTicketNumber));
        }
        let Some(ticket) = self.first_ticket(&numbers).await? else {
            return Ok(Fate::SetAside(SetAside::NoSuchTicket));
        };
        let customer = self.store.customer(&ticket.customer_id).await?;
        let address = customer.and_then(|c| c.contact.email);
        let sender_is_customer = match (&mail.from, &address) {
            (Some(from), Some(customer)) => inbound::is_customer(from, customer),
            _ => false,
        };
        if !sender_is_customer {
            return Ok(Fate::SetAside(SetAside::NotTheCustomer));
        }
        if reply.text.trim().is_empty() {
            return Ok(Fate::SetAside(SetAside::Empty));
        }
        tracing::info!(
            attachments = mail.attachments,
            chars = reply.text.chars().count(),
            "reply read"
        );
        let message = complaint(receipt, &mail, &reply, &ticket);
        Ok(Fate::Joined(ticket.number.clone(), message))
    }

    /// The first of `numbers` that is a ticket: one read each, and a mail
    /// rarely names more than one.
    async fn first_ticket(&self, numbers: &[TicketNumber]) -> Result<Option<Ticket>> {
        for number in numbers.iter().take(3) {
            if let Some(ticket) = self.store.ticket(number).await? {
                return Ok(Some(ticket));
            }
        }
        Ok(None)
    }

    /// Counts the mail set aside, once per SES message id, in the week SES
    /// received it.
    async fn count_set_aside(
        &self,
        receipt: &SesReceipt,
        reason: SetAside,
        deadline: Timestamp,
    ) -> Result<()> {
        let idempotency = Idempotency::new(&self.store, deadline, self.config.idempotency_ttl_days);
        count_once(
            &idempotency,
            &self.store,
            &WorkKey::set_aside_counted(&receipt.message_id),
            receipt.received_at,
            &self.config.time_zone,
            vec![
                (names::SET_ASIDE.to_owned(), 1),
                (format!("{}.{}", names::SET_ASIDE, reason.as_str()), 1),
            ],
        )
        .await
    }
}

/// The `complaint.created` a reply becomes: the ticket's customer and
/// order, the email channel, the reply's words, a subject naming the
/// ticket. Its id is the mail's `Message-ID` hashed (SES's id when the
/// mail has none), so the same mail is one event however often it comes.
pub fn complaint(
    receipt: &SesReceipt,
    mail: &InboundMail,
    reply: &Reply,
    ticket: &Ticket,
) -> OutboundMessage {
    let origin = mail.message_id.as_deref().unwrap_or(&receipt.message_id);
    let digest = Sha256::digest(origin.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let id = format!("email-{hex}");
    let subject = clip(
        &one_line(mail.subject.as_deref().unwrap_or_default()),
        MAX_SHORT_TEXT_CHARS - 20,
    );
    let mut data = serde_json::json!({
        "customer_id": ticket.customer_id.as_str(),
        "channel": "email",
        "message": clip(&reply.text, MAX_MESSAGE_CHARS),
        "subject": inbound::subject_naming(Some(&subject), &ticket.number),
    });
    if let Some(order) = &ticket.order_id {
        data["order_id"] = serde_json::Value::String(order.clone());
    }
    let body = serde_json::json!({
        "specversion": "1.0",
        "id": id,
        "source": SOURCE,
        "type": "complaint.created",
        "time": to_key(receipt.received_at),
        "datacontenttype": "application/json",
        "data": data,
    })
    .to_string();
    OutboundMessage {
        id,
        kind: "complaint.created",
        body,
    }
}

/// A header's text on one line: control characters (a folded subject's
/// tabs) made spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// At most `max` characters, the last of them an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests;
