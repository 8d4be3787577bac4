//! `order-journey`: each order followed from placed to delivered or
//! cancelled, the customer told when it ships, and a return request
//! confirmed at once with a ticket for the team.
//!
//! For each event on the orders queue (`order.placed`, `order.shipped`,
//! `order.delivered`, `order.cancelled`), one unit of work
//! (`event#order-journey#<source>#<id>`): the order and its customer are read
//! in one call, the event's facts are merged into the order
//! ([`memnun_shared::domain::order`]: a step is never undone by an earlier
//! one arriving late), and the order is written back over the version it was
//! read at, with any newer contact details, in one commit. When the merge
//! says so (a parcel the customer has not heard of, and the order not yet
//! delivered or cancelled), the shipping notice goes out as the unit's next
//! step: once per parcel, whatever the deliveries.
//!
//! A late order is apologised to once, whoever noticed: the shop
//! (`order.delayed`, with its new date) or memnun itself, when the promised
//! day ended on the customer's clock without `order.delivered` (the
//! `promise` clock, below). The apology is the late-order one, with a coupon
//! when the delay policy gives one (created in the shop's store when one is
//! configured, and `coupon.issued` published, before the email), and
//! the order notes it, so neither a second delay notice nor the clock says
//! it again. A delay notice also moves the promise to its new date.
//!
//! An event naming an order of another customer is refused: it would mix
//! two customers' orders, and a retry cannot fix it, so it dead-letters
//! with its reason.
//!
//! A `return.requested` heard of for the first time is kept (`RETURN#<id>`),
//! a ticket is opened for the team (origin `return_request`, category
//! `return_exchange`, no SLA of its own) and published as `ticket.opened`,
//! and the customer gets the confirmation the distance-sales rules ask for
//! at once, with the request's number and what happens next, in one unit of
//! work: commit, publish, email. The same request again, under any event
//! id, changes and sends nothing.
//!
//! Each later step of a return (`return.approved`, `return.rejected`,
//! `return.received`, `refund.issued` naming the return, `exchange.shipped`)
//! is merged into the kept return the same way
//! ([`memnun_shared::domain::returns`]), and the customer is told when the
//! step is news to them: never an approval after the goods came back, never
//! a receipt after the refund. A step of a return memnun has not heard of
//! yet (its request still on its way) is retried, and after the queue's
//! receive limit dead-letters with its reason, like a reply to an unknown
//! ticket. A `refund.issued` naming no return is a refund of the order
//! itself (a cancelled order paid back): told once per amount. It brings
//! no address: met before the order, for a customer memnun has no address
//! for, it waits on its queue for the order's first event.
//!
//! memnun also keeps the journey's own clocks ([`memnun_shared::domain::watch`]):
//! when an order is first known as placed, when its promise is set or moved
//! later, and when a return (not an exchange) is requested, their clocks are
//! committed with it as messages
//! held in the due index (`journey.due`); the SLA sweep sends each back to
//! this function at its time. Then the record is read as it stands: a
//! promise broken (not delivered, not apologised to, not moved since)
//! brings the apology; an order not shipped in time alerts the team, one undelivered after 30
//! days the lead; a refund still open on day `REFUND_WARNING_DAYS` warns
//! the team, and one past its legal date alerts the lead and tells the
//! customer, with the day it will be made by. Each alert once per record,
//! noted on it; nothing when the step came in time.
//!
//! A week after delivery (`REVIEW_REQUEST_DAYS`, at `REVIEW_REQUEST_HOUR`
//! on the customer's clock) the `review_request` clock asks the customer
//! for a review of what was delivered, once per order: a marketing email
//! under the greeter's checks, all taken again at the commit (consent as it
//! stands, an address SES has not reported, the order still delivered and
//! kept) and one-click unsubscribe; skipped for an order cancelled,
//! refunded or with a return requested, never for what the customer
//! thought of it ([`memnun_shared::domain::review_request`]). Off until the
//! shop names its review page (`REVIEW_URL`).
//!
//! An `order.placed` also measures marketing: memnun's coupons among its
//! discount codes are redeemed, once each, in the same commit
//! ([`memnun_shared::domain::redemption`]: by the order placed first,
//! whatever order they come in; a second order with a code is flagged, the
//! shop's own codes ignored) and published as
//! `coupon.redeemed`; and an order placed within `ATTRIBUTION_DAYS` of the
//! customer's birthday greeting counts for the birthday flow
//! ([`memnun_shared::domain::attribution`]).
//!
//! Calls: a duplicate 1; placed, delivered, cancelled 4 (begin, read,
//! commit, done); placed with memnun's coupons 6 (their redemptions read,
//! `coupon.redeemed` published); shipped 5 (and the notice); a return requested 7 (begin,
//! read, commit, publish, the step, email, done); a later step of a return,
//! or a refund, 5 (begin, read, commit, email, done), 4 when not told; a
//! clock come due 5 with its alert (begin, read, commit, email, done), 7
//! for an overdue refund (the lead's alert, a step, the customer's email),
//! 3 when nothing is due any more (begin, read, done); a review request 6
//! (begin, read, the order's returns, commit, email, done), 3 when skipped
//! before the returns are read (no consent, no address, not delivered).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::Timestamp;
use jiff::civil::Date;
use memnun_shared::adapters::store::StoreRegistry;
use memnun_shared::app::coupons;
use memnun_shared::app::unit::{self, Kept as Published, known_contact};
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::{
    Env, ResourceConfig, ShopConfig, calendar_from_env, delay_policy_from_env,
    links_base_url_from_env,
};
use memnun_shared::contract::internal::{JourneyDue, Watched};
use memnun_shared::contract::journey::{
    OrderEnded, OrderPlaced, OrderShipped, Owner, RefundIssued, ReturnRequested, ReturnUpdate,
    Unnamed,
};
use memnun_shared::contract::outbound::{self, OutboundMessage};
use memnun_shared::contract::payload::OrderDelayed;
use memnun_shared::contract::reminder::CouponExpiring;
use memnun_shared::contract::{EventData, EventMeta};
use memnun_shared::domain::attribution::AttributionPolicy;
use memnun_shared::domain::calendar::BusinessCalendar;
use memnun_shared::domain::classification::classify;
use memnun_shared::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
use memnun_shared::domain::customer::{ContactDetails, Customer, CustomerId};
use memnun_shared::domain::delay::DelayPolicy;
use memnun_shared::domain::digest::{Week, names};
use memnun_shared::domain::mail::review_request::{ReviewRequest, review_request};
use memnun_shared::domain::mail::tickets::{
    DelayApology, JourneyAlert, ReturnNews, ReturnProgress, ReturnReceived, ShippedNotice,
    delay_apology, journey_alert, return_progress, return_received, shipped_notice,
};
use memnun_shared::domain::mail::{EmailAddress, OutgoingEmail};
use memnun_shared::domain::order::{Applied, Lateness, Order, OrderId, Stage, Step};
use memnun_shared::domain::redemption::{self, Use};
use memnun_shared::domain::returns::{Return, ReturnKind, ReturnStage, ReturnStep};
use memnun_shared::domain::review_request::{ReviewLink, Skip, may_ask};
use memnun_shared::domain::ticket::{Category, Origin, Priority, Ticket, TicketNumber};
use memnun_shared::domain::token::Signer;
use memnun_shared::domain::watch::{JourneyPolicy, Watch, end_of_day};
use memnun_shared::ports::{
    Conflict, CouponRegistry, CouponStore, Holder, Mailer, OrderStore, ProfileWrite, Publisher,
    TicketStore, WorkStore, Write,
};
use memnun_shared::work::Unit;
use memnun_shared::{Error, Result};
use serde::{Deserialize, Serialize};

/// The function's name in its idempotency keys.
pub const FUNCTION: &str = "order-journey";
/// The name events published by this function carry as their `source`.
pub const SOURCE: &str = "memnun/order-journey";
const TEMPLATE: &str = "shipped";
const RETURN_TEMPLATE: &str = "return_received";
const PROGRESS_TEMPLATE: &str = "return_update";
const ALERT_TEMPLATE: &str = "journey_alert";
const DELAY_TEMPLATE: &str = "delay_apology";
const REVIEW_TEMPLATE: &str = "review_request";

/// How often a commit is tried again after the order or the customer
/// changed in between.
const ATTEMPTS: usize = 5;
/// The unit's step after its commit: the customer told (the shipping
/// notice, a return's news, a refund).
const TOLD: u8 = 2;
/// A return request's steps after its commit: the ticket published, the
/// customer's confirmation sent.
const PUBLISHED: u8 = 2;
const CONFIRMED: u8 = 3;
/// An overdue refund's steps after its commit: the lead alerted, the
/// customer told.
const LEAD_TOLD: u8 = 2;
const CUSTOMER_TOLD: u8 = 3;
/// An order placed with memnun's coupons: `coupon.redeemed` published (a
/// step of its own, after [`TOLD`], which an order placed never uses).
const REDEEMED: u8 = 3;

pub use config::{Config, ReviewRequests};

/// The handler, generic over its ports.
pub struct Handler<S, M, P, R = StoreRegistry> {
    config: Config,
    /// Signs the review request's unsubscribe link (with review requests
    /// on).
    signer: Option<Signer>,
    store: S,
    mailer: M,
    publisher: P,
    /// The shop's store, where a late order's coupon is registered before
    /// its email.
    registry: R,
}

/// One event of an order, as the handler needs it.
struct Event<'a> {
    customer_id: &'a CustomerId,
    order_id: &'a OrderId,
    step: Step,
    /// The producer's contact details (a refund carries none).
    contact: Option<&'a ContactDetails>,
    /// memnun's coupons an order placed used, with its total
    /// ([`memnun_shared::domain::redemption`]); empty for any other step.
    redeeming: Redeeming<'a>,
}

/// What an order placed brings to redeeming memnun's coupons.
#[derive(Default)]
struct Redeeming<'a> {
    codes: Vec<(CouponCode, CouponReason)>,
    total: Option<&'a str>,
    currency: Option<&'a str>,
}

impl<'a> Event<'a> {
    fn of(data: &'a EventData) -> Result<Event<'a>> {
        let ended = |e: &'a OrderEnded, step| Event {
            customer_id: &e.customer_id,
            order_id: &e.order_id,
            step,
            contact: Some(&e.customer),
            redeeming: Redeeming::default(),
        };
        Ok(match data {
            EventData::OrderPlaced(OrderPlaced {
                customer_id,
                order_id,
                promised_date,
                number,
                items,
                customer,
                total,
                currency,
                discount_codes,
            }) => Event {
                customer_id,
                order_id,
                step: Step::Placed {
                    promised_date: *promised_date,
                    items: items.clone(),
                    number: number.clone(),
                },
                contact: Some(customer),
                redeeming: Redeeming {
                    codes: redemption::memnun_codes(discount_codes),
                    total: total.as_deref(),
                    currency: currency.as_deref(),
                },
            },
            EventData::OrderShipped(OrderShipped {
                customer_id,
                order_id,
                shipment,
                customer,
            }) => Event {
                customer_id,
                order_id,
                step: Step::Shipped(shipment.clone()),
                contact: Some(customer),
                redeeming: Redeeming::default(),
            },
            EventData::OrderDelivered(e) => ended(e, Step::Delivered),
            EventData::OrderCancelled(e) => ended(e, Step::Cancelled),
            EventData::RefundIssued(RefundIssued {
                customer_id,
                order_id,
                return_id: None,
                refund,
            }) => Event {
                customer_id,
                order_id,
                step: Step::Refunded(refund.clone()),
                contact: None,
                redeeming: Redeeming::default(),
            },
            other => {
                return Err(Error::contract(
                    "type",
                    format!(
                        "{} does not belong on the orders queue (only order.*, \
                         return.*, refund.issued and exchange.shipped)",
                        other.kind()
                    ),
                ));
            }
        })
    }
}

/// What a commit keeps for a retry: whether the customer is to be told,
/// and the `coupon.redeemed` messages to publish (id and body).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Kept {
    tell: bool,
    #[serde(default)]
    redeemed: Vec<(String, String)>,
}

impl<S, M, P> Handler<S, M, P> {
    /// Builds the handler once, at init; `signer` signs the review
    /// request's unsubscribe link (none with review requests off).
    pub fn new(config: Config, signer: Option<Signer>, store: S, mailer: M, publisher: P) -> Self {
        Handler {
            config,
            signer,
            store,
            mailer,
            publisher,
            registry: StoreRegistry::default(),
        }
    }
}

impl<S, M, P, R> Handler<S, M, P, R> {
    /// The same handler, registering coupons in `registry`.
    pub fn with_registry<T>(self, registry: T) -> Handler<S, M, P, T> {
        Handler {
            config: self.config,
            signer: self.signer,
            store: self.store,
            mailer: self.mailer,
            publisher: self.publisher,
            registry,
        }
    }
}

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: OrderStore + TicketStore + CouponStore + WorkStore,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    /// Handles one SQS batch; `deadline` is the invocation's.
    pub async fn handle(&self, event: SqsEvent, deadline: Timestamp) -> SqsBatchResponse {
        batch::run(event, self.config.resources.batch_concurrency, |message| {
            self.message(message, deadline)
        })
        .await
    }

    async fn message(&self, message: SqsMessage, deadline: Timestamp) -> Result<Outcome> {
        let ttl = self.config.resources.idempotency_ttl_days;
        if message.body.as_deref().is_some_and(JourneyDue::is_one) {
            return self.clock_message(message, deadline).await;
        }
        let message = self.with_customer(message).await?;
        let Some((event, unit)) =
            unit::begin_event(FUNCTION, message, &self.store, deadline, ttl).await?
        else {
            return Ok("duplicate");
        };
        let meta = &event.meta;
        let result = match &event.data {
            EventData::ReturnRequested(request) => {
                self.return_requested(meta, request, &unit).await
            }
            EventData::ReturnApproved(a) => {
                let step = ReturnStep::Approved(a.approval.clone());
                self.progress(meta, &a.about, None, step, &unit).await
            }
            EventData::ReturnRejected(r) => {
                let step = ReturnStep::Rejected(r.reason.clone());
                self.progress(meta, &r.about, None, step, &unit).await
            }
            EventData::ReturnReceived(about) => {
                self.progress(meta, about, None, ReturnStep::Received, &unit)
                    .await
            }
            EventData::ExchangeShipped(x) => {
                let step = ReturnStep::ExchangeShipped(x.shipment.clone());
                self.progress(meta, &x.about, None, step, &unit).await
            }
            EventData::OrderDelayed(d) => match OrderId::parse(&d.order_id) {
                Ok(order_id) => {
                    self.late(meta, &d.customer_id, &order_id, Late::Told(d), &unit)
                        .await
                }
                Err(reason) => Err(Error::contract("data.order_id", reason)),
            },
            EventData::RefundIssued(RefundIssued {
                customer_id,
                order_id,
                return_id: Some(return_id),
                refund,
            }) => {
                let about = ReturnUpdate {
                    customer_id: customer_id.clone(),
                    return_id: return_id.clone(),
                };
                let step = ReturnStep::Refunded(refund.clone());
                self.progress(meta, &about, Some(order_id), step, &unit)
                    .await
            }
            data => match Event::of(data) {
                Ok(mut journey) => {
                    if let Step::Placed { promised_date, .. } = &mut journey.step
                        && promised_date.is_none()
                    {
                        *promised_date = self
                            .config
                            .policy
                            .default_promise(meta.time, &self.config.calendar);
                    }
                    self.follow(&event.meta, &journey, &unit).await
                }
                Err(e) => Err(e),
            },
        };
        unit.end(result).await
    }

    /// A later step that names only its order or return gets the customer
    /// memnun kept with it; a step whose order is not known yet waits, as a
    /// retried message, for the order to arrive.
    async fn with_customer(&self, mut message: SqsMessage) -> Result<SqsMessage> {
        let Some(unnamed) = message
            .body
            .as_deref()
            .map(Unnamed::of)
            .transpose()?
            .flatten()
        else {
            return Ok(message);
        };
        let Some(customer) = self.store.owner(&unnamed.owner).await? else {
            return Err(Error::NotFound(match unnamed.owner {
                Owner::Order(_) => "the order this step names".into(),
                Owner::Return(_) => "the return this step names".into(),
            }));
        };
        message.body = Some(unnamed.name(&customer));
        Ok(message)
    }

    async fn follow(&self, meta: &EventMeta, e: &Event<'_>, unit: &Unit<'_, S>) -> Result<Outcome> {
        let (mut order, mut customer) = self
            .store
            .order_with_customer(e.order_id, e.customer_id)
            .await?;
        if !unit.committed() && waits_for_its_order(e, order.as_ref(), customer.as_ref()) {
            return Err(Error::NotFound("the order this refund names".into()));
        }
        let kept = match unit.saved::<Kept>()? {
            Some(kept) if unit.committed() => kept,
            _ => {
                // memnun's coupons the order used: one more read, only
                // for an order that used one.
                let mut codes = self.redemptions(e).await?;
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let (kept, conflicts) = self
                        .commit(meta, e, unit, order.as_ref(), &customer, &codes)
                        .await?;
                    if conflicts.is_empty() {
                        break kept;
                    }
                    if attempts >= ATTEMPTS {
                        return Err(Error::Exhausted("order commit (too many conflicts)"));
                    }
                    (order, customer) = self
                        .store
                        .order_with_customer(e.order_id, e.customer_id)
                        .await?;
                    codes = self.redemptions(e).await?;
                }
            }
        };
        if !kept.redeemed.is_empty() {
            let messages: Vec<OutboundMessage> = kept
                .redeemed
                .iter()
                .map(|(id, body)| OutboundMessage {
                    id: id.clone(),
                    kind: "coupon.redeemed",
                    body: body.clone(),
                })
                .collect();
            let queue = &self.config.resources.outbound_queue_url;
            unit.effect(REDEEMED, || self.publisher.publish(queue, &messages))
                .await?;
            tracing::info!(coupons = messages.len(), "coupons redeemed");
            if !kept.tell {
                return Ok("recorded; coupons redeemed");
            }
        }
        if !kept.tell {
            return Ok("recorded");
        }
        // The order as committed: read again on a retry, merged again here
        // (the merge is idempotent), so the email names this parcel.
        let mut told =
            order.unwrap_or_else(|| Order::new(e.order_id.clone(), e.customer_id.clone()));
        told.apply(&e.step, meta.time);
        let none = ContactDetails::default();
        let contact = known_contact(customer.as_ref(), e.contact.unwrap_or(&none));
        let Some(to) = contact.email.clone() else {
            tracing::warn!(customer_id = %e.customer_id, "an order's news for a customer with no email: recorded, not told");
            return Ok("recorded; no address to tell");
        };
        let shop = &self.config.shop;
        let locale = contact.locale(shop.default_locale);
        let (rendered, template, outcome) = match &e.step {
            Step::Shipped(_) => {
                let Some(shipment) = &told.shipment else {
                    return Ok("recorded");
                };
                if told.stage != Stage::Shipped {
                    // Delivered or cancelled since the commit (a retry after
                    // a crash): the customer has passed this step.
                    return Ok("recorded; the order moved on before the notice");
                }
                let notice = ShippedNotice {
                    shop: &shop.name,
                    name: contact.name.as_deref(),
                    order: told.known_as(),
                    shipment,
                };
                (
                    shipped_notice(locale, &notice)?,
                    TEMPLATE,
                    "shipped; customer told",
                )
            }
            Step::Refunded(refund) => {
                let news = ReturnProgress {
                    shop: &shop.name,
                    name: contact.name.as_deref(),
                    order: told.known_as(),
                    about: None,
                    kind: ReturnKind::Return,
                    news: ReturnNews::Refunded(refund),
                };
                (
                    return_progress(locale, &news)?,
                    PROGRESS_TEMPLATE,
                    "order refunded; customer told",
                )
            }
            Step::Placed { .. } | Step::Delivered | Step::Cancelled | Step::Delayed { .. } => {
                return Ok("recorded");
            }
        };
        let email = OutgoingEmail::new(to, rendered, template);
        unit.effect(TOLD, || self.mailer.send(&email)).await?;
        tracing::info!(template, locale = locale.tag(), "customer told");
        Ok(outcome)
    }
}

/// Whether `e` must wait for its order: a step that brings no address (a
/// refund of the order) for an order memnun has not met and a customer it
/// has no address for. Committed now, the step would be known, and the
/// customer never told once the order's first event brought the address;
/// so it is retried like a step that names only its order, and
/// dead-letters with its reason when the order never comes.
fn waits_for_its_order(e: &Event<'_>, order: Option<&Order>, customer: Option<&Customer>) -> bool {
    e.contact.is_none() && order.is_none() && customer.is_none_or(|c| c.contact.email.is_none())
}

mod clocks;
mod commit;
mod config;
mod late;
mod returns;

use late::Late;

#[cfg(test)]
mod tests;
