//! Steps several functions share, written over the ports: issue a coupon,
//! open a ticket, send an email or publish an event exactly once.
//!
//! These orchestrate; the decisions stay in [`crate::domain`].

use jiff::Timestamp;

use crate::contract::outbound::OutboundMessage;
use crate::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
use crate::domain::customer::CustomerId;
use crate::domain::mail::OutgoingEmail;
use crate::domain::ticket::{Ticket, TicketNumber};
use crate::idempotency::{Idempotency, Once};
use crate::ports::{
    CouponStore, IdempotencyStore, IssueOutcome, Mailer, OpenOutcome, Publisher, TicketStore,
};
use crate::{Error, Result};

/// How many fresh codes or numbers to draw before giving up on collisions.
const DRAWS: usize = 5;

/// A coupon to issue for one event.
#[derive(Debug, Clone)]
pub struct CouponRequest<'a> {
    /// Whose.
    pub customer: &'a CustomerId,
    /// Why.
    pub reason: CouponReason,
    /// Worth.
    pub value: CouponValue,
    /// When (the event's time).
    pub issued_at: Timestamp,
    /// Until.
    pub expires_at: Timestamp,
    /// The causing event's key.
    pub source_event: &'a str,
    /// For capped (apology) coupons: a coupon issued after this blocks it.
    pub cap_cutoff: Option<Timestamp>,
}

/// Issues the coupon, or answers the one this event issued before; `None`
/// when the cap was reached by a concurrent event.
pub async fn issue_coupon<S: CouponStore>(
    store: &S,
    req: &CouponRequest<'_>,
) -> Result<Option<Coupon>> {
    for _ in 0..DRAWS {
        let coupon = Coupon {
            code: CouponCode::generate(req.reason)?,
            customer_id: req.customer.as_str().to_owned(),
            reason: req.reason,
            value: req.value,
            issued_at: req.issued_at,
            expires_at: req.expires_at,
            source_event: req.source_event.to_owned(),
        };
        match store.issue(&coupon, req.cap_cutoff).await? {
            IssueOutcome::Issued(c) | IssueOutcome::AlreadyIssued(c) => return Ok(Some(c)),
            IssueOutcome::CapReached => return Ok(None),
            IssueOutcome::CodeTaken => continue,
        }
    }
    Err(Error::Exhausted("coupon code"))
}

/// Opens `ticket` (its number is replaced when taken), or answers the ticket
/// this event opened before.
pub async fn open_ticket<S: TicketStore>(store: &S, mut ticket: Ticket) -> Result<Ticket> {
    for _ in 0..DRAWS {
        match store.open(&ticket).await? {
            OpenOutcome::Opened(t) | OpenOutcome::AlreadyOpened(t) => return Ok(t),
            OpenOutcome::NumberTaken => ticket.number = TicketNumber::generate()?,
        }
    }
    Err(Error::Exhausted("ticket number"))
}

/// Sends `email` once per (template, customer, event).
pub async fn send_once<S: IdempotencyStore, M: Mailer>(
    idempotency: &Idempotency<'_, S>,
    mailer: &M,
    customer: &CustomerId,
    source_event: &str,
    email: &OutgoingEmail,
) -> Result<Once> {
    let key = format!(
        "email#{}#{}#{source_event}",
        email.template,
        customer.as_str()
    );
    idempotency
        .once(&key, || async { mailer.send(email).await.map(Some) })
        .await
}

/// Publishes `message` once per message id.
pub async fn publish_once<S: IdempotencyStore, P: Publisher>(
    idempotency: &Idempotency<'_, S>,
    publisher: &P,
    queue_url: &str,
    message: OutboundMessage,
) -> Result<Once> {
    let key = format!("publish#{}", message.id);
    idempotency
        .once(&key, || async {
            publisher
                .publish(queue_url, std::slice::from_ref(&message))
                .await
                .map(|()| None)
        })
        .await
}
