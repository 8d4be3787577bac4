//! Steps several functions share, written over the ports: issue a coupon,
//! open a ticket, send an email or publish an event exactly once.
//!
//! These orchestrate; the decisions stay in [`crate::domain`].

pub mod count;
pub mod coupons;
pub mod unit;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::contract::outbound::{self, OutboundMessage};
use crate::domain::apology::CouponOffer;
use crate::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
use crate::domain::customer::{ContactDetails, CustomerId, contact_update};
use crate::domain::locale::Locale;
use crate::domain::mail::{EmailAddress, OutgoingEmail};
use crate::domain::ticket::{Ticket, TicketNumber};
use crate::idempotency::{Idempotency, Once};
use crate::keys::WorkKey;
use crate::ports::{
    CouponStore, CustomerStore, IdempotencyStore, IssueOutcome, Mailer, OpenOutcome, Publisher,
    TicketStore,
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
            customer_id: req.customer.clone(),
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
    let key = WorkKey::email(email.template, customer, source_event);
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
    let key = WorkKey::publish(&message.id);
    idempotency
        .once(&key, || async {
            publisher
                .publish(queue_url, std::slice::from_ref(&message))
                .await
                .map(|()| None)
        })
        .await
}

/// A customer's freshest contact details: the event's, with the stored ones
/// filling the gaps.
#[derive(Debug, Clone, Default)]
pub struct Contact {
    /// Where to write, if known.
    pub email: Option<EmailAddress>,
    /// What to call them.
    pub name: Option<String>,
    /// Their language tag.
    pub locale: Option<String>,
    /// Their IANA time zone.
    pub time_zone: Option<String>,
    /// When they last received an apology coupon.
    pub last_apology_coupon_at: Option<Timestamp>,
}

impl Contact {
    /// The language to write in.
    pub fn locale(&self, shop_default: Locale) -> Locale {
        Locale::choose(self.locale.as_deref(), shop_default)
    }

    /// Their time zone, else the shop's.
    pub fn time_zone(&self, shop: &TimeZone) -> TimeZone {
        self.time_zone
            .as_deref()
            .and_then(|tz| TimeZone::get(tz).ok())
            .unwrap_or_else(|| shop.clone())
    }
}

/// Finds the customer, stores the event's contact details when they are new
/// or changed (a minimal record for a new customer), and answers what is
/// known now.
pub async fn refresh_customer<S: CustomerStore>(
    store: &S,
    id: &CustomerId,
    incoming: &ContactDetails,
    as_of: Timestamp,
) -> Result<Contact> {
    let stored = store.customer(id).await?;
    if let Some(update) = contact_update(stored.as_ref(), incoming) {
        store.save_contact(id, &update, as_of).await?;
    }
    let last_apology_coupon_at = stored.as_ref().and_then(|c| c.last_apology_coupon_at);
    let known = stored.map(|c| c.contact).unwrap_or_default();
    Ok(Contact {
        email: incoming.email.clone().or(known.email),
        name: incoming.name.clone().or(known.name),
        locale: incoming.locale.clone().or(known.locale),
        time_zone: incoming.time_zone.clone().or(known.time_zone),
        last_apology_coupon_at,
    })
}

/// An apology's effects, once per `source_key`.
#[derive(Debug, Clone)]
pub struct Apology<'a> {
    /// To whom.
    pub customer: &'a CustomerId,
    /// Why (the coupon's reason).
    pub reason: CouponReason,
    /// The coupon the policy offers, if any.
    pub offer: Option<CouponOffer>,
    /// When the apology cap applies: a coupon issued after this blocks it.
    pub cap_cutoff: Option<Timestamp>,
    /// What makes it once: an event key, `survey:<ticket>`, `order:<id>`.
    pub source_key: &'a str,
    /// The event's time.
    pub now: Timestamp,
    /// A follow-up ticket to open (its number is drawn afresh if taken).
    pub follow_up: Option<Ticket>,
    /// Whom the coupon is for, as the shop's store can limit it.
    pub holder: crate::ports::Holder<'a>,
}

/// What an apology produced.
#[derive(Debug, Clone)]
pub struct Apologized {
    /// The coupon (issued now or on an earlier attempt), if any.
    pub coupon: Option<Coupon>,
    /// The follow-up ticket, if one was asked for.
    pub ticket: Option<Ticket>,
}

/// Issues the coupon (reusing the one an earlier attempt issued, whatever the
/// cap says now) and registers it in the shop's store, opens the follow-up
/// ticket, and publishes `coupon.issued` and `ticket.opened` for the shop,
/// each exactly once.
pub async fn apologize<S, P, R>(
    store: &S,
    idempotency: &Idempotency<'_, S>,
    (publisher, registry): (&P, &R),
    outbound_queue: &str,
    source: &str,
    apology: Apology<'_>,
) -> Result<Apologized>
where
    S: CouponStore + TicketStore + IdempotencyStore,
    P: Publisher,
    R: crate::ports::CouponRegistry,
{
    let coupon = match store
        .issued_for(apology.customer, apology.reason, apology.source_key)
        .await?
    {
        Some(existing) => Some(existing),
        None => match apology.offer {
            Some(offer) => {
                let request = CouponRequest {
                    customer: apology.customer,
                    reason: apology.reason,
                    value: CouponValue::Percent(offer.percent),
                    issued_at: apology.now,
                    expires_at: offer.expires_at,
                    source_event: apology.source_key,
                    cap_cutoff: apology.cap_cutoff,
                };
                issue_coupon(store, &request).await?
            }
            None => None,
        },
    };
    let coupon = match coupon {
        Some(c) => Some(coupons::register_issued(store, registry, c, apology.holder).await?),
        None => None,
    };
    if let Some(coupon) = &coupon {
        publish_once(
            idempotency,
            publisher,
            outbound_queue,
            outbound::coupon_issued(coupon, source),
        )
        .await?;
    }
    let ticket = match apology.follow_up {
        Some(ticket) => {
            let ticket = open_ticket(store, ticket).await?;
            publish_once(
                idempotency,
                publisher,
                outbound_queue,
                outbound::ticket_opened(&ticket, None, source),
            )
            .await?;
            Some(ticket)
        }
        None => None,
    };
    Ok(Apologized { coupon, ticket })
}

/// Runs `work` on the event in `message` once per event: parses it (a
/// contract violation is the message's failure), names it on the message's
/// span, and runs it as the unit `event#<function>#<source>#<id>`
/// ([`crate::work`]). A repeat answers `duplicate` after one call.
pub async fn once_per_event<S, F, Fut>(
    function: &str,
    message: aws_lambda_events::event::sqs::SqsMessage,
    store: &S,
    deadline: Timestamp,
    ttl_days: i64,
    work: F,
) -> Result<crate::batch::Outcome>
where
    S: crate::ports::WorkStore,
    F: FnOnce(crate::contract::Event) -> Fut,
    Fut: std::future::Future<Output = Result<crate::batch::Outcome>>,
{
    let Some((event, unit)) =
        unit::begin_event(function, message, store, deadline, ttl_days).await?
    else {
        return Ok("duplicate");
    };
    let result = work(event).await;
    unit.end(result).await
}
