//! What the handlers built on [`crate::work::Unit`] share: starting the
//! unit of an event, what a commit keeps for a retry, the customer's
//! contact as one read and one write, and publishing a unit's messages in
//! one batch.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::contract::outbound::OutboundMessage;
use crate::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
use crate::domain::customer::{ContactDetails, Customer, contact_update};
use crate::ports::{Publisher, WorkStore};
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
    let key = format!("event#{function}#{}", event.meta.key());
    Ok(Unit::begin(store, key, deadline, ttl_days)
        .await?
        .map(|unit| (event, unit)))
}

/// A message a commit keeps to publish.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeptMessage {
    id: String,
    kind: String,
    body: String,
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

/// What a unit's commit keeps for a retry that finds it committed: the
/// messages still to publish and what its emails say.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Kept {
    /// `coupon.issued`, `ticket.opened`, …, in order.
    pub messages: Vec<KeptMessage>,
    /// The coupon issued, if any.
    pub coupon: Option<KeptCoupon>,
    /// The ticket opened, if any (its number).
    pub ticket: Option<String>,
    /// A time the email names (a deadline), as a fixed-width UTC key.
    pub at: Option<String>,
    /// Whether a later step has nobody or nothing to do.
    pub skip: bool,
    /// What the unit sends after its commit, by name (`team`, `customer`,
    /// `team-held`, …): decided once, kept for the retry.
    pub sends: Vec<String>,
}

impl Kept {
    /// Keeps `messages` to publish.
    pub fn with_messages(mut self, messages: Vec<OutboundMessage>) -> Self {
        self.messages = messages
            .into_iter()
            .map(|m| KeptMessage {
                id: m.id,
                kind: m.kind.to_owned(),
                body: m.body,
            })
            .collect();
        self
    }

    /// Keeps the coupon.
    pub fn with_coupon(mut self, coupon: Option<&Coupon>) -> Self {
        self.coupon = coupon.map(|c| {
            let CouponValue::Percent(percent) = c.value;
            KeptCoupon {
                code: c.code.as_str().to_owned(),
                customer_id: c.customer_id.clone(),
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
            customer_id: c.customer_id.clone(),
            reason: CouponReason::parse(&c.reason).ok_or_else(|| bad("reason"))?,
            value: CouponValue::Percent(c.percent),
            issued_at: c.issued_at.parse().map_err(|_| bad("issued_at"))?,
            expires_at: c.expires_at.parse().map_err(|_| bad("expires_at"))?,
            source_event: c.source_event.clone(),
        }))
    }

    /// The messages kept, as the publisher takes them.
    pub fn outbound(&self) -> Result<Vec<OutboundMessage>> {
        self.messages
            .iter()
            .map(|m| {
                let kind = crate::contract::outbound::known_kind(&m.kind).ok_or_else(|| {
                    Error::corrupt(m.id.clone(), "a kept message of an unknown type")
                })?;
                Ok(OutboundMessage {
                    id: m.id.clone(),
                    kind,
                    body: m.body.clone(),
                })
            })
            .collect()
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

/// Publishes the kept messages, all in one batch, as the unit's step `step`.
pub async fn publish_kept<S: WorkStore, P: Publisher>(
    unit: &Unit<'_, S>,
    step: u8,
    publisher: &P,
    queue_url: &str,
    kept: &Kept,
) -> Result<()> {
    let messages = kept.outbound()?;
    if messages.is_empty() {
        return Ok(());
    }
    unit.effect(step, || publisher.publish(queue_url, &messages))
        .await?;
    Ok(())
}
