//! What the handlers built on [`crate::work::Unit`] share: starting the
//! unit of an event, what a commit keeps for a retry, the customer's
//! contact as one read and one write, and publishing a unit's messages in
//! one batch.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::contract::outbound::{self, OutboundMessage};
use crate::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
use crate::domain::customer::{ContactDetails, Customer, CustomerId, contact_update};
use crate::domain::ticket::{Ticket, TicketNumber};
use crate::keys::WorkKey;
use crate::ports::{Publisher, TicketStore, WorkStore};
use crate::time::to_key;
use crate::work::Unit;
use crate::{Error, app::Contact};

/// Parses the event in `message` (a contract violation is the message's
/// failure), names it on the message's span, and begins its unit,
/// `event#<function>#<source>#<id>`. `None`: a duplicate, done before; this
/// cost one call.
pub async fn begin_event<'a, S: WorkStore>(
    function: &str,
    message: aws_lambda_events::event::sqs::SqsMessage,
    store: &'a S,
    deadline: Timestamp,
    ttl_days: i64,
) -> Result<Option<(crate::contract::Event, Unit<'a, S>)>> {
    let body = message
        .body
        .ok_or_else(|| Error::contract("body", "is empty"))?;
    let event = crate::contract::Event::parse(&body)?;
    crate::batch::record_event(&event.meta.id, event.data.kind());
    let key = WorkKey::event(function, &event.meta);
    Ok(Unit::begin(store, key, deadline, ttl_days)
        .await?
        .map(|unit| (event, unit)))
}

/// A coupon as a commit keeps it (the email needs it on a retry).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeptCoupon {
    code: String,
    customer_id: String,
    reason: String,
    percent: u8,
    issued_at: String,
    expires_at: String,
    source_event: String,
}

/// What a unit's commit keeps for a retry that finds it committed: what its
/// messages and emails say. Small on purpose (the record is written at every
/// step, and DynamoDB bills writes by the kilobyte): the messages themselves
/// are kept in memory only, and a retry rebuilds them ([`publish_kept`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Kept {
    /// `coupon.issued`, `ticket.opened`, …, in order: this attempt's.
    #[serde(skip)]
    pub messages: Vec<OutboundMessage>,
    /// The coupon issued, if any.
    pub coupon: Option<KeptCoupon>,
    /// The ticket opened, if any (its number).
    pub ticket: Option<String>,
    /// A time the email names (a deadline), as a fixed-width UTC key.
    pub at: Option<String>,
    /// What the unit sends after its commit, by name (`team`, `customer`,
    /// `team-held`, …): decided once, kept for the retry.
    pub sends: Vec<String>,
    /// A complaint that joined an open ticket instead of opening one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined: Option<KeptJoin>,
}

/// A join as a commit keeps it ([`crate::domain::thread`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeptJoin {
    /// The message's place on the ticket.
    pub message: u32,
    /// `number` or `order`.
    pub by: String,
    /// Whether the customer is told.
    pub tell: bool,
}

impl Kept {
    /// Keeps `messages` to publish (in memory).
    pub fn with_messages(mut self, messages: Vec<OutboundMessage>) -> Self {
        self.messages = messages;
        self
    }

    /// The kept ticket's number, if the commit opened one; `event` names
    /// the work in the error when the kept number cannot be read.
    pub fn ticket_number(&self, event: &str) -> Result<Option<TicketNumber>> {
        self.ticket
            .as_deref()
            .map(|n| {
                TicketNumber::parse(n)
                    .ok_or_else(|| Error::corrupt(event, "the kept ticket number is malformed"))
            })
            .transpose()
    }

    /// The ticket to read again before publishing: on a retry that found
    /// the commit in, its `ticket.opened` is rebuilt from the stored ticket.
    pub fn ticket_to_read(&self) -> Option<TicketNumber> {
        if self.messages.is_empty() {
            self.ticket.as_deref().and_then(TicketNumber::parse)
        } else {
            None
        }
    }

    /// Keeps the coupon.
    pub fn with_coupon(mut self, coupon: Option<&Coupon>) -> Self {
        self.coupon = coupon.map(|c| {
            let CouponValue::Percent(percent) = c.value;
            KeptCoupon {
                code: c.code.as_str().to_owned(),
                customer_id: c.customer_id.as_str().to_owned(),
                reason: c.reason.as_str().to_owned(),
                percent,
                issued_at: to_key(c.issued_at),
                expires_at: to_key(c.expires_at),
                source_event: c.source_event.clone(),
            }
        });
        self
    }

    /// The coupon kept.
    pub fn coupon(&self) -> Result<Option<Coupon>> {
        let Some(c) = &self.coupon else {
            return Ok(None);
        };
        let bad = |what: &str| Error::corrupt("kept coupon", format!("{what} is malformed"));
        Ok(Some(Coupon {
            code: CouponCode::parse(&c.code).ok_or_else(|| bad("code"))?,
            customer_id: CustomerId::parse(&c.customer_id).map_err(|_| bad("customer_id"))?,
            reason: CouponReason::parse(&c.reason).ok_or_else(|| bad("reason"))?,
            value: CouponValue::Percent(c.percent),
            issued_at: c.issued_at.parse().map_err(|_| bad("issued_at"))?,
            expires_at: c.expires_at.parse().map_err(|_| bad("expires_at"))?,
            source_event: c.source_event.clone(),
        }))
    }
}

/// What to write of the event's contact details: all of them for a new
/// customer, the changed ones' whole set otherwise, nothing when the stored
/// details are newer than the event (out-of-order delivery) or the same.
pub fn contact_write(
    stored: Option<&Customer>,
    incoming: &ContactDetails,
    as_of: Timestamp,
) -> Option<(ContactDetails, Timestamp)> {
    if stored
        .and_then(|c| c.contact_updated_at)
        .is_some_and(|at| at > as_of)
    {
        return None;
    }
    contact_update(stored, incoming).map(|contact| (contact, as_of))
}

/// The freshest contact: the event's details, the stored ones filling the
/// gaps.
pub fn known_contact(stored: Option<&Customer>, incoming: &ContactDetails) -> Contact {
    let known = stored.map(|c| c.contact.clone()).unwrap_or_default();
    Contact {
        email: incoming.email.clone().or(known.email),
        name: incoming.name.clone().or(known.name),
        locale: incoming.locale.clone().or(known.locale),
        time_zone: incoming.time_zone.clone().or(known.time_zone),
        last_apology_coupon_at: stored.and_then(|c| c.last_apology_coupon_at),
    }
}

/// Publishes the unit's messages, all in one batch, as its step `step`:
/// this attempt's, or on a retry the ones its commit stood for, rebuilt
/// from the kept coupon and `ticket` (read again: [`Kept::ticket_to_read`]).
pub async fn publish_kept<S: WorkStore, P: Publisher>(
    unit: &Unit<'_, S>,
    step: u8,
    publisher: &P,
    queue_url: &str,
    kept: &Kept,
    ticket: Option<&Ticket>,
    source: &str,
) -> Result<()> {
    if unit.step() >= step {
        return Ok(());
    }
    let messages = if kept.messages.is_empty() {
        let mut rebuilt = Vec::new();
        if let Some(coupon) = kept.coupon()? {
            rebuilt.push(outbound::coupon_issued(&coupon, source));
        }
        if let Some(ticket) = ticket {
            rebuilt.push(outbound::ticket_opened(ticket, None, source));
        }
        rebuilt
    } else {
        kept.messages.clone()
    };
    if messages.is_empty() {
        return Ok(());
    }
    unit.effect(step, || publisher.publish(queue_url, &messages))
        .await?;
    Ok(())
}

/// [`publish_kept`] for a unit that opened a ticket: on a retry that found
/// the commit in, the ticket is read again (once) to rebuild `ticket.opened`.
pub async fn publish_with_ticket<S: WorkStore, T: TicketStore, P: Publisher>(
    unit: &Unit<'_, S>,
    step: u8,
    tickets: &T,
    publisher: &P,
    queue_url: &str,
    kept: &Kept,
    source: &str,
) -> Result<()> {
    let ticket = match kept.ticket_to_read() {
        Some(number) if unit.step() < step => tickets.ticket(&number).await?,
        _ => None,
    };
    publish_kept(
        unit,
        step,
        publisher,
        queue_url,
        kept,
        ticket.as_ref(),
        source,
    )
    .await
}
