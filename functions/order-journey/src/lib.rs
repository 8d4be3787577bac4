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
//! itself (a cancelled order paid back): told once per amount.
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
//! ([`memnun_shared::domain::redemption`]: a second order with a code is
//! flagged, the shop's own codes ignored) and published as
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

/// Everything the function reads at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// Tables, the outbound queue (a return's ticket), concurrency.
    pub resources: ResourceConfig,
    /// The shop's name, sender, language and time zone.
    pub shop: ShopConfig,
    /// Working days, for how long an order may take to ship.
    pub calendar: BusinessCalendar,
    /// The journey's clocks (`SHIP_WITHIN_DAYS`, `REFUND_WARNING_DAYS`,
    /// `REFUND_LATE_DAYS`).
    pub policy: JourneyPolicy,
    /// Late-order coupons (`DELAY_COUPON_*`).
    pub delay: DelayPolicy,
    /// Where an order not shipped in time, or a refund nearing its legal
    /// date, is reported (`SUPPORT_TEAM_EMAIL`).
    pub team: EmailAddress,
    /// Where an order undelivered after 30 days, or a refund past its legal
    /// date, is reported (`SUPPORT_LEAD_EMAIL`).
    pub lead: EmailAddress,
    /// Review requests after delivery; `None` (off) unless `REVIEW_URL` is
    /// set and `REVIEW_REQUEST_DAYS` is above 0.
    pub review: Option<ReviewRequests>,
    /// Where late orders' coupons are registered before their emails.
    pub stores: memnun_shared::config::StoreConfig,
    /// The help desk's inbound address, the `Reply-To` of a return's emails
    /// (they name its ticket) (`SUPPORT_REPLY_TO_EMAIL`).
    pub reply_to: Option<EmailAddress>,
    /// How long after a birthday greeting an order counts for the birthday
    /// flow (`ATTRIBUTION_DAYS`).
    pub attribution: AttributionPolicy,
    /// Whether late orders' coupons are reminded of before they end
    /// (`APOLOGY_COUPON_REMINDER`, `COUPON_REMINDER_DAYS`).
    pub reminder: memnun_shared::domain::reminder::ReminderPolicy,
}

/// Where review requests send the customer, and how they unsubscribe.
#[derive(Debug, Clone)]
pub struct ReviewRequests {
    /// The shop's review page (`REVIEW_URL`).
    pub link: ReviewLink,
    /// Where the unsubscribe link points (`LINKS_BASE_URL`).
    pub links_base_url: String,
    /// The SSM parameter with the link-signing key(s)
    /// (`LINK_SECRET_PARAMETER`).
    pub link_secret_parameter: String,
}

impl Config {
    /// Reads and validates the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        let d = JourneyPolicy::default();
        let review_request_days =
            env.int_or("REVIEW_REQUEST_DAYS", d.review_request_days, 0..=60)?;
        let review_request_hour =
            env.int_or("REVIEW_REQUEST_HOUR", d.review_request_hour, 8..=20)?;
        let review = match env.optional("REVIEW_URL") {
            Some(_) if review_request_days > 0 => Some(ReviewRequests {
                link: env.parsed("REVIEW_URL", ReviewLink::parse)?,
                links_base_url: links_base_url_from_env(env)?,
                link_secret_parameter: env.required("LINK_SECRET_PARAMETER")?,
            }),
            Some(_) => {
                env.parsed("REVIEW_URL", ReviewLink::parse)?;
                None
            }
            None => None,
        };
        Ok(Config {
            resources: ResourceConfig::from_env(env)?,
            shop: ShopConfig::from_env(env)?,
            calendar: calendar_from_env(env)?,
            policy: JourneyPolicy {
                ship_within_days: env.int_or("SHIP_WITHIN_DAYS", d.ship_within_days, 0..=30)?,
                refund_warning_days: env.int_or(
                    "REFUND_WARNING_DAYS",
                    d.refund_warning_days,
                    0..=13,
                )?,
                refund_late_days: env.int_or("REFUND_LATE_DAYS", d.refund_late_days, 1..=30)?,
                review_request_days,
                review_request_hour,
                default_delivery_days: env.int_or(
                    "DEFAULT_DELIVERY_DAYS",
                    d.default_delivery_days,
                    0..=30,
                )?,
            },
            delay: delay_policy_from_env(env)?,
            team: env.parsed("SUPPORT_TEAM_EMAIL", EmailAddress::parse)?,
            lead: env.parsed("SUPPORT_LEAD_EMAIL", EmailAddress::parse)?,
            review,
            stores: memnun_shared::config::StoreConfig::from_env(env)?,
            reply_to: memnun_shared::config::reply_to_from_env(env)?,
            attribution: AttributionPolicy {
                days: env.int_or(
                    "ATTRIBUTION_DAYS",
                    AttributionPolicy::default().days,
                    0..=60,
                )?,
            },
            reminder: memnun_shared::config::reminder_policy_from_env(env)?,
        })
    }
}

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

    /// A clock of the journey come due (`journey.due`, from the sweep): its
    /// own unit of work, `event#order-journey#memnun/order-journey#<id>`.
    async fn clock_message(&self, message: SqsMessage, deadline: Timestamp) -> Result<Outcome> {
        let body = message
            .body
            .ok_or_else(|| Error::contract("body", "is empty"))?;
        let (meta, due) = JourneyDue::parse(&body)?;
        memnun_shared::batch::record_event(
            &meta.id,
            memnun_shared::contract::internal::JOURNEY_DUE,
        );
        let key = memnun_shared::keys::WorkKey::event(FUNCTION, &meta);
        let ttl = self.config.resources.idempotency_ttl_days;
        let Some(unit) = Unit::begin(&self.store, key, deadline, ttl).await? else {
            return Ok("duplicate");
        };
        let result = match &due.about {
            Watched::Order(order) => self.order_clock(&meta, &due, order, &unit).await,
            Watched::Return(id) => self.return_clock(&meta, &due, id, &unit).await,
        };
        unit.end(result).await
    }

    /// An order's clock: the team or the lead alerted, once, when the order
    /// has still not reached the step the clock waited for.
    async fn order_clock(
        &self,
        meta: &EventMeta,
        due: &JourneyDue,
        id: &OrderId,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        if let (Watch::Promise, Some(promise)) = (due.watch, due.promise) {
            return self
                .late(meta, &due.customer_id, id, Late::Found(promise), unit)
                .await;
        }
        if due.watch == Watch::ReviewRequest {
            return self.review_request(meta, due, id, unit).await;
        }
        let (mut order, _) = self.store.order_with_customer(id, &due.customer_id).await?;
        let kept = match unit.saved::<Kept>()? {
            Some(kept) if unit.committed() => kept,
            _ => {
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let Some(known) = order.as_ref() else {
                        // Erased since the clock was set.
                        return Ok("clock of an order no longer kept");
                    };
                    if !known.still_due(due.watch) {
                        return Ok("clock due; the order moved on in time");
                    }
                    let mut marked = known.clone();
                    marked.alerted.push((due.watch, meta.time));
                    marked.alerted.sort();
                    let kept = Kept {
                        tell: true,
                        redeemed: Vec::new(),
                    };
                    let writes = [Write::Order(Box::new(marked))];
                    if unit.commit(&writes, &kept).await?.is_empty() {
                        break kept;
                    }
                    if attempts >= ATTEMPTS {
                        return Err(Error::Exhausted("order clock (too many conflicts)"));
                    }
                    (order, _) = self.store.order_with_customer(id, &due.customer_id).await?;
                }
            }
        };
        if !kept.tell {
            return Ok("clock due; nothing to tell");
        }
        let order = order.ok_or_else(|| Error::NotFound(format!("order {id}")))?;
        let tz = self.config.calendar.time_zone();
        let placed = order.placed_at.unwrap_or(due.due);
        let rendered = journey_alert(
            self.config.shop.default_locale,
            &JourneyAlert {
                shop: &self.config.shop.name,
                watch: due.watch,
                order: order.known_as(),
                about: None,
                since: placed.to_zoned(tz.clone()).date(),
                // The last day the clock allowed: the day before it ran out.
                due: (due.due - jiff::SignedDuration::from_secs(1))
                    .to_zoned(tz.clone())
                    .date(),
                ship_within_days: self.config.policy.ship_within_days,
            },
        )?;
        let email = OutgoingEmail::new(self.recipient(due.watch).clone(), rendered, ALERT_TEMPLATE);
        unit.effect(TOLD, || self.mailer.send(&email)).await?;
        tracing::info!(
            watch = due.watch.as_str(),
            to = alerted_one(due.watch),
            "journey clock alerted"
        );
        Ok("clock due; alerted")
    }

    /// A return's refund clock: the team warned, or, past the legal date,
    /// the lead alerted and the customer told with the day it will be made
    /// by; once each, and nothing once the refund is made or refused.
    async fn return_clock(
        &self,
        meta: &EventMeta,
        due: &JourneyDue,
        id: &memnun_shared::domain::returns::ReturnId,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let (mut stored, customer) = self
            .store
            .return_with_customer(id, &due.customer_id)
            .await?;
        let kept = match unit.saved::<Kept>()? {
            Some(kept) if unit.committed() => kept,
            _ => {
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let Some(known) = stored.as_ref() else {
                        return Ok("clock of a return no longer kept");
                    };
                    if !known.still_due(due.watch) {
                        return Ok("clock due; the refund was made or refused in time");
                    }
                    let mut marked = known.clone();
                    marked.alerted.push((due.watch, meta.time));
                    marked.alerted.sort();
                    let kept = Kept {
                        tell: true,
                        redeemed: Vec::new(),
                    };
                    let writes = [Write::Return(Box::new(marked))];
                    if unit.commit(&writes, &kept).await?.is_empty() {
                        break kept;
                    }
                    if attempts >= ATTEMPTS {
                        return Err(Error::Exhausted("refund clock (too many conflicts)"));
                    }
                    (stored, _) = self
                        .store
                        .return_with_customer(id, &due.customer_id)
                        .await?;
                }
            }
        };
        if !kept.tell {
            return Ok("clock due; nothing to tell");
        }
        let r = stored.ok_or_else(|| Error::NotFound(format!("return {id}")))?;
        let shop = &self.config.shop;
        let refund_due = r.refund_due(&shop.time_zone);
        let rendered = journey_alert(
            shop.default_locale,
            &JourneyAlert {
                shop: &shop.name,
                watch: due.watch,
                order: r.order_id.as_str(),
                about: Some((&r.id, &r.ticket)),
                since: r.requested_at.to_zoned(shop.time_zone.clone()).date(),
                due: refund_due,
                ship_within_days: self.config.policy.ship_within_days,
            },
        )?;
        let overdue = due.watch == Watch::RefundOverdue;
        let alert = OutgoingEmail::new(self.recipient(due.watch).clone(), rendered, ALERT_TEMPLATE);
        let step = if overdue { LEAD_TOLD } else { TOLD };
        unit.effect(step, || self.mailer.send(&alert)).await?;
        tracing::info!(watch = due.watch.as_str(), to = alerted_one(due.watch), ticket = %r.ticket, "refund clock alerted");
        if !overdue {
            return Ok("refund clock: team warned");
        }
        let contact = known_contact(customer.as_ref(), &ContactDetails::default());
        let Some(address) = contact.email.clone() else {
            tracing::warn!(customer_id = %r.customer_id, "a late refund for a customer with no email: the lead alerted, the customer not told");
            return Ok("refund overdue; lead alerted, no address to tell");
        };
        let locale = contact.locale(shop.default_locale);
        let rendered = return_progress(
            locale,
            &ReturnProgress {
                shop: &shop.name,
                name: contact.name.as_deref(),
                order: r.order_id.as_str(),
                about: Some((&r.id, &r.ticket)),
                kind: r.kind,
                news: ReturnNews::RefundLate {
                    was_due: refund_due,
                    new_date: self.config.policy.late_refund_by(&r, &shop.time_zone),
                },
            },
        )?;
        let email = OutgoingEmail::new(address, rendered, PROGRESS_TEMPLATE)
            .with_reply_to(self.config.reply_to.clone());
        unit.effect(CUSTOMER_TOLD, || self.mailer.send(&email))
            .await?;
        Ok("refund overdue; lead alerted and customer told")
    }

    /// Who a clock's alert goes to: the team while there is time, the lead
    /// once a limit is passed.
    fn recipient(&self, watch: Watch) -> &EmailAddress {
        match watch {
            Watch::Unshipped | Watch::RefundWarning | Watch::Promise | Watch::ReviewRequest => {
                &self.config.team
            }
            Watch::Undelivered | Watch::RefundOverdue => &self.config.lead,
        }
    }

    /// The review request come due: asked once, when the order is
    /// delivered and kept and the customer may receive marketing email.
    /// Each check is taken as the clock speaks, consent and suppression
    /// again as conditions of the commit, and consent once more on a retry
    /// before the email leaves.
    async fn review_request(
        &self,
        meta: &EventMeta,
        due: &JourneyDue,
        id: &OrderId,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let (Some(review), Some(signer)) = (&self.config.review, &self.signer) else {
            return Ok("review request: review requests are off");
        };
        let customer_id = &due.customer_id;
        let (mut order, mut customer) = self.store.order_with_customer(id, customer_id).await?;
        let skipped = |skip: Skip| {
            tracing::info!(reason = skip.outcome(), "review request not sent");
            Ok(skip.outcome())
        };
        if unit.saved::<Kept>()?.is_some() && unit.committed() {
            // The last look before it leaves: an unsubscribe in between
            // stops it.
            if !customer.as_ref().is_some_and(|c| c.marketing_consent) {
                return skipped(Skip::NoConsent);
            }
        } else {
            let mut returned = None;
            let mut attempts = 0;
            loop {
                attempts += 1;
                let Some(known) = order.as_ref() else {
                    return Ok("clock of an order no longer kept");
                };
                let address = customer.as_ref().and_then(|c| c.contact.email.clone());
                let consent = customer.as_ref().is_some_and(|c| c.marketing_consent);
                if let Err(skip) = may_ask(known, &review.link, false, address.is_some(), consent) {
                    return skipped(skip);
                }
                // Read only when everything else allows: one query.
                let was_returned = match returned {
                    Some(r) => r,
                    None => *returned.insert(self.store.returned(customer_id, id).await?),
                };
                if was_returned {
                    return skipped(Skip::Returned);
                }
                let Some(address) = address else {
                    return skipped(Skip::NoAddress);
                };
                let mut marked = known.clone();
                marked.alerted.push((Watch::ReviewRequest, meta.time));
                marked.alerted.sort();
                let tz = &self.config.shop.time_zone;
                let writes = [
                    Write::Order(Box::new(marked)),
                    Write::Consented(customer_id.clone()),
                    Write::NotSuppressed(address),
                    Write::Count(
                        Week::of(meta.time, tz),
                        vec![(names::REVIEW_REQUESTS.to_owned(), 1)],
                    ),
                ];
                let conflicts = unit
                    .commit(
                        &writes,
                        &Kept {
                            tell: true,
                            redeemed: Vec::new(),
                        },
                    )
                    .await?;
                if conflicts.is_empty() {
                    break;
                }
                if conflicts.contains(&Conflict::Suppressed) {
                    return skipped(Skip::Suppressed);
                }
                if attempts >= ATTEMPTS {
                    return Err(Error::Exhausted("review request (too many conflicts)"));
                }
                // The order moved on, or consent was withdrawn: read again.
                (order, customer) = self.store.order_with_customer(id, customer_id).await?;
            }
        }
        let order = order.ok_or_else(|| Error::NotFound(format!("order {id}")))?;
        let contact = known_contact(customer.as_ref(), &ContactDetails::default());
        let Some(to) = contact.email.clone() else {
            return skipped(Skip::NoAddress);
        };
        let shop = &self.config.shop;
        let locale = contact.locale(shop.default_locale);
        let tz = self.config.shop.clock_of(contact.time_zone.as_deref());
        let delivered = order.delivered_at.unwrap_or(due.due).to_zoned(tz).date();
        let unsubscribe = signer.unsubscribe_url(&review.links_base_url, customer_id.as_str());
        let links = review.link.links(&order);
        let rendered = review_request(
            locale,
            &ReviewRequest {
                shop: &shop.name,
                name: contact.name.as_deref(),
                order: order.known_as(),
                delivered,
                links: &links,
                more: review.link.unlisted(&order),
                unsubscribe_url: &unsubscribe,
            },
        )?;
        let email = OutgoingEmail::new(to, rendered, REVIEW_TEMPLATE).with_unsubscribe(unsubscribe);
        unit.effect(TOLD, || self.mailer.send(&email)).await?;
        tracing::info!(locale = locale.tag(), "review requested");
        Ok("review requested")
    }

    /// The clock of `order`'s promise, on the customer's clock (their time
    /// zone, else the shop's), while an apology is still due.
    fn promise_clock(&self, order: &Order, customer_tz: Option<&str>) -> Option<Write> {
        let tz = self.config.shop.clock_of(customer_tz);
        let (promise, due) = JourneyPolicy::promise_clock(order, &tz)?;
        let clock = JourneyDue {
            watch: Watch::Promise,
            customer_id: order.customer_id.clone(),
            about: Watched::Order(order.id.clone()),
            promise: Some(promise),
            due,
        };
        Some(Write::Schedule(clock.to_scheduled(SOURCE)))
    }

    /// A late order: told by the shop, or found by memnun when the promised
    /// day ended. The apology once per order (with a coupon by the delay
    /// policy, published before the email), the order noting it; a delay
    /// also moves the promise.
    async fn late(
        &self,
        meta: &EventMeta,
        customer_id: &CustomerId,
        order_id: &OrderId,
        late: Late<'_>,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let (mut stored, mut customer) = self
            .store
            .order_with_customer(order_id, customer_id)
            .await?;
        let mut kept = match unit.saved::<Published>()? {
            Some(kept) if unit.committed() => kept,
            _ => {
                let mut prior_coupon = None;
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let Some((kept, writes)) = self.late_commit(
                        meta,
                        customer_id,
                        order_id,
                        &late,
                        stored.as_ref(),
                        customer.as_ref(),
                        &prior_coupon,
                    )?
                    else {
                        return Ok("late: nothing to say (delivered, apologised or moved)");
                    };
                    let conflicts = unit.commit(&writes, &kept).await?;
                    if conflicts.is_empty() {
                        break kept;
                    }
                    if attempts >= ATTEMPTS {
                        return Err(Error::Exhausted("late order commit (too many conflicts)"));
                    }
                    if conflicts.contains(&Conflict::CouponCause) {
                        prior_coupon = self
                            .store
                            .issued_for(customer_id, CouponReason::OrderDelay, &late_key(order_id))
                            .await?;
                    }
                    (stored, customer) = self
                        .store
                        .order_with_customer(order_id, customer_id)
                        .await?;
                }
            }
        };
        if kept.sends.is_empty() {
            return Ok("late order recorded; nothing to tell");
        }
        let order = stored.unwrap_or_else(|| Order::new(order_id.clone(), customer_id.clone()));
        let none = ContactDetails::default();
        let (incoming, promised, new_date, tracking) = match &late {
            Late::Told(d) => (
                &d.customer,
                d.promised_date.or(order.promised_date),
                d.new_date,
                d.tracking_url.clone(),
            ),
            Late::Found(promise) => (&none, Some(*promise), None, None),
        };
        let tracking = tracking.or_else(|| {
            order
                .shipment
                .as_ref()
                .and_then(|sh| sh.tracking_url.clone())
        });
        let contact = known_contact(customer.as_ref(), incoming);
        let holder = Holder {
            email: contact.email.as_ref(),
        };
        let coupon = coupons::register_and_publish(
            unit,
            (&self.registry, &self.publisher),
            &self.config.resources.outbound_queue_url,
            PUBLISHED,
            &mut kept,
            holder,
            SOURCE,
        )
        .await?;
        let Some(to) = contact.email.clone() else {
            return Ok("late order; no address to apologise");
        };
        let shop = &self.config.shop;
        let locale = contact.locale(shop.default_locale);
        let rendered = delay_apology(
            locale,
            &DelayApology {
                shop: &shop.name,
                name: contact.name.as_deref(),
                order_id: order.known_as(),
                promised,
                new_date,
                tracking_url: tracking.as_deref(),
                coupon: coupon.as_ref(),
                shop_tz: &shop.time_zone,
            },
        )?;
        let email = OutgoingEmail::new(to, rendered, DELAY_TEMPLATE);
        // After the coupon's publish when there is one, else the first step.
        let step = if coupon.is_some() { CONFIRMED } else { TOLD };
        unit.effect(step, || self.mailer.send(&email)).await?;
        let found = matches!(late, Late::Found(_));
        tracing::info!(
            found,
            coupon = coupon.is_some(),
            locale = locale.tag(),
            "late order apologised"
        );
        Ok(match (found, coupon.is_some()) {
            (true, true) => "promise broken: apologised with a coupon",
            (true, false) => "promise broken: apologised",
            (false, true) => "late order: apologised with a coupon",
            (false, false) => "late order: apologised",
        })
    }

    /// What a late order commits: `None` when there is nothing to do (a
    /// clock whose order is gone, delivered or apologised to).
    #[allow(clippy::too_many_arguments)]
    fn late_commit(
        &self,
        meta: &EventMeta,
        customer_id: &CustomerId,
        order_id: &OrderId,
        late: &Late<'_>,
        stored: Option<&Order>,
        customer: Option<&Customer>,
        prior_coupon: &Option<Coupon>,
    ) -> Result<Option<(Published, Vec<Write>)>> {
        let none = ContactDetails::default();
        let incoming = match late {
            Late::Told(d) => &d.customer,
            Late::Found(_) => &none,
        };
        let contact = known_contact(customer, incoming);
        let mut writes = Vec::new();
        let (mut order, promised, new_date, lateness) = match late {
            Late::Told(d) => {
                let mut order = stored
                    .cloned()
                    .unwrap_or_else(|| Order::new(order_id.clone(), customer_id.clone()));
                if order.customer_id != *customer_id {
                    return Err(Error::contract(
                        "data.customer_id",
                        "names another customer than the order's",
                    ));
                }
                let promised = d.promised_date.or(order.promised_date);
                let before = order.promise();
                let step = Step::Delayed {
                    promised_date: d.promised_date,
                    new_date: d.new_date,
                };
                order.apply(&step, meta.time);
                if order.promise() != before && contact.email.is_none() {
                    // No apology can go: the moved promise is still watched.
                    writes.extend(self.promise_clock(&order, contact.time_zone.as_deref()));
                }
                if let Some(c) = unit::contact_write(customer, incoming, meta.time) {
                    writes.push(Write::Profile(ProfileWrite::contact(
                        customer_id.clone(),
                        c,
                    )));
                }
                (order, promised, d.new_date, Lateness::Told)
            }
            Late::Found(promise) => {
                let Some(order) = stored.cloned() else {
                    return Ok(None);
                };
                if !order.apology_due() {
                    return Ok(None);
                }
                if order.promise() != Some(*promise) {
                    // Moved later since this clock was set: the new
                    // promise has its own clock (the sweep forgets a clock
                    // only for the time it sent it). Writing it again costs
                    // nothing and keeps the watch should it have been lost.
                    writes.extend(self.promise_clock(&order, contact.time_zone.as_deref()));
                    return Ok(Some((Published::default(), writes)));
                }
                // The day the clock speaks: the first day after the promise.
                let today = meta
                    .time
                    .to_zoned(self.config.shop.time_zone.clone())
                    .date();
                (order, Some(*promise), Some(today), Lateness::Found)
            }
        };
        let mut kept = Published::default();
        if order.apology_due() && contact.email.is_some() {
            order.apologized = Some((meta.time, lateness));
            let tz = &self.config.shop.time_zone;
            let noticed = match lateness {
                Lateness::Told => names::LATE_TOLD,
                Lateness::Found => names::LATE_FOUND,
            };
            writes.push(Write::Count(
                Week::of(meta.time, tz),
                vec![(noticed.to_owned(), 1)],
            ));
            let coupon = match (
                prior_coupon,
                self.config.delay.coupon(promised, new_date, meta.time, tz),
            ) {
                (Some(c), _) => Some(c.clone()),
                (None, Some(offer)) => {
                    let c = Coupon {
                        code: CouponCode::generate(CouponReason::OrderDelay)?,
                        customer_id: customer_id.clone(),
                        reason: CouponReason::OrderDelay,
                        value: CouponValue::Percent(offer.percent),
                        issued_at: meta.time,
                        expires_at: offer.expires_at,
                        source_event: late_key(order_id),
                    };
                    writes.push(Write::Coupon(c.clone()));
                    writes.push(Write::Count(
                        Week::of(meta.time, tz),
                        memnun_shared::app::count::coupon_amounts(&c),
                    ));
                    Some(c)
                }
                (None, None) => None,
            };
            if let Some(c) = &coupon {
                let clock = self.config.shop.clock_of(contact.time_zone.as_deref());
                writes.extend(
                    CouponExpiring::held(&self.config.reminder, c, &clock, SOURCE)
                        .map(Write::Schedule),
                );
            }
            let messages = coupon
                .iter()
                .map(|c| outbound::coupon_issued(c, SOURCE))
                .collect();
            kept = Published {
                sends: vec!["customer".to_owned()],
                ..Published::default()
            }
            .with_coupon(coupon.as_ref())
            .with_messages(messages);
        }
        if stored != Some(&order) {
            writes.push(Write::Order(Box::new(order)));
        }
        Ok(Some((kept, writes)))
    }

    /// A later step of a return: merged into the kept return over the
    /// version it was read at, and the customer told when it is news.
    async fn progress(
        &self,
        meta: &EventMeta,
        about: &ReturnUpdate,
        order_id: Option<&OrderId>,
        step: ReturnStep,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let (mut stored, mut customer) = self
            .store
            .return_with_customer(&about.return_id, &about.customer_id)
            .await?;
        let kept = match unit.saved::<Kept>()? {
            Some(kept) if unit.committed() => kept,
            _ => {
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let mut r = known_return(stored.as_ref(), about, order_id)?.clone();
                    let applied = r.apply(&step, meta.time);
                    let mut writes = Vec::new();
                    if let (ReturnStep::Refunded(_), Applied::Tell, ReturnKind::Return) =
                        (&step, applied, r.kind)
                    {
                        // For the digest: within the legal 14 days or not.
                        let tz = &self.config.shop.time_zone;
                        let on_time = meta.time < end_of_day(r.refund_due(tz), tz);
                        let name = if on_time {
                            names::REFUNDS_ON_TIME
                        } else {
                            names::REFUNDS_LATE
                        };
                        writes.push(Write::Count(
                            Week::of(meta.time, tz),
                            vec![(name.to_owned(), 1)],
                        ));
                    }
                    if applied != Applied::Unchanged {
                        writes.push(Write::Return(Box::new(r)));
                    }
                    let kept = Kept {
                        tell: applied == Applied::Tell,
                        redeemed: Vec::new(),
                    };
                    if unit.commit(&writes, &kept).await?.is_empty() {
                        break kept;
                    }
                    if attempts >= ATTEMPTS {
                        return Err(Error::Exhausted("return commit (too many conflicts)"));
                    }
                    (stored, customer) = self
                        .store
                        .return_with_customer(&about.return_id, &about.customer_id)
                        .await?;
                }
            }
        };
        let step_name = ReturnStage::from(&step).as_str();
        if !kept.tell {
            return Ok("return step recorded");
        }
        // The return as committed (read again on a retry and merged again:
        // the merge is idempotent).
        let mut told = known_return(stored.as_ref(), about, order_id)?.clone();
        told.apply(&step, meta.time);
        let passed = match step {
            ReturnStep::Approved(_) | ReturnStep::Received | ReturnStep::Rejected(_) => {
                told.stage() != ReturnStage::from(&step)
            }
            ReturnStep::Refunded(_) | ReturnStep::ExchangeShipped(_) => false,
        };
        if passed {
            // A later step arrived between the commit and this retry.
            return Ok("return step recorded; the return moved on before the email");
        }
        let contact = known_contact(customer.as_ref(), &ContactDetails::default());
        let Some(to) = contact.email.clone() else {
            tracing::warn!(customer_id = %about.customer_id, step = step_name, "a return's news for a customer with no email: recorded, not told");
            return Ok("return step recorded; no address to tell");
        };
        let shop = &self.config.shop;
        let locale = contact.locale(shop.default_locale);
        let news = match &step {
            // The approval kept first (the merge keeps the first one heard).
            ReturnStep::Approved(approval) => ReturnNews::Approved {
                approval: told.approved.as_ref().map_or(approval, |(_, a)| a),
                ship_by: told.ship_by(&shop.time_zone),
            },
            ReturnStep::Rejected(reason) => ReturnNews::Rejected(reason),
            ReturnStep::Received => ReturnNews::Received {
                refund_by: (told.kind == ReturnKind::Return)
                    .then(|| told.refund_due(&shop.time_zone)),
            },
            ReturnStep::Refunded(refund) => ReturnNews::Refunded(refund),
            ReturnStep::ExchangeShipped(parcel) => ReturnNews::ExchangeShipped(parcel),
        };
        let rendered = return_progress(
            locale,
            &ReturnProgress {
                shop: &shop.name,
                name: contact.name.as_deref(),
                order: told.order_id.as_str(),
                about: Some((&told.id, &told.ticket)),
                kind: told.kind,
                news,
            },
        )?;
        let email = OutgoingEmail::new(to, rendered, PROGRESS_TEMPLATE)
            .with_reply_to(self.config.reply_to.clone());
        unit.effect(TOLD, || self.mailer.send(&email)).await?;
        tracing::info!(ticket = %told.ticket, step = step_name, locale = locale.tag(), "return step told");
        Ok("return step recorded; customer told")
    }

    /// A return request: kept, a ticket for the team published, the
    /// customer's confirmation sent; nothing when the request is known.
    async fn return_requested(
        &self,
        meta: &EventMeta,
        request: &ReturnRequested,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let (mut stored, mut customer) = self
            .store
            .return_with_customer(&request.return_id, &request.customer_id)
            .await?;
        let kept = match unit.saved::<Published>()? {
            Some(kept) if unit.committed() => kept,
            _ => {
                let mut prior_ticket = None;
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let (kept, conflicts) = self
                        .commit_return(
                            meta,
                            request,
                            unit,
                            stored.as_ref(),
                            &customer,
                            &prior_ticket,
                        )
                        .await?;
                    if conflicts.is_empty() {
                        break kept;
                    }
                    if attempts >= ATTEMPTS {
                        return Err(Error::Exhausted("return commit (too many conflicts)"));
                    }
                    if conflicts.contains(&Conflict::TicketCause) {
                        prior_ticket = self
                            .store
                            .opened_for(&request.customer_id, Origin::ReturnRequest, &meta.key())
                            .await?;
                    }
                    (stored, customer) = self
                        .store
                        .return_with_customer(&request.return_id, &request.customer_id)
                        .await?;
                }
            }
        };
        let Some(ticket) = kept.ticket_number(&meta.key())? else {
            return Ok("return known already");
        };
        unit::publish_with_ticket(
            unit,
            PUBLISHED,
            &self.store,
            &self.publisher,
            &self.config.resources.outbound_queue_url,
            &kept,
            SOURCE,
        )
        .await?;
        let contact = known_contact(customer.as_ref(), &request.customer);
        let Some(to) = contact.email.clone() else {
            tracing::warn!(customer_id = %request.customer_id, "return requested by a customer with no email: ticket opened, not confirmed");
            return Ok("return requested; no address to confirm");
        };
        let shop = &self.config.shop;
        let locale = contact.locale(shop.default_locale);
        let rendered = return_received(
            locale,
            &ReturnReceived {
                shop: &shop.name,
                name: contact.name.as_deref(),
                order: request.order_id.as_str(),
                return_id: &request.return_id,
                kind: request.kind,
                ticket: &ticket,
            },
        )?;
        let email = OutgoingEmail::new(to, rendered, RETURN_TEMPLATE)
            .with_reply_to(self.config.reply_to.clone());
        unit.effect(CONFIRMED, || self.mailer.send(&email)).await?;
        tracing::info!(ticket = %ticket, locale = locale.tag(), "return request confirmed");
        Ok("return requested; ticket opened and customer confirmed")
    }

    /// Keeps a new return request with its ticket and any newer contact
    /// details, in one commit; a request already kept commits nothing.
    async fn commit_return(
        &self,
        meta: &EventMeta,
        request: &ReturnRequested,
        unit: &Unit<'_, S>,
        stored: Option<&Return>,
        customer: &Option<memnun_shared::domain::customer::Customer>,
        prior_ticket: &Option<Ticket>,
    ) -> Result<(Published, Vec<Conflict>)> {
        if let Some(known) = stored {
            if known.customer_id != request.customer_id {
                return Err(Error::contract(
                    "data.customer_id",
                    "names another customer than the return's",
                ));
            }
            let conflicts = unit.commit(&[], &Published::default()).await?;
            return Ok((Published::default(), conflicts));
        }
        let mut writes = Vec::new();
        let ticket = match prior_ticket {
            Some(t) => t.clone(),
            None => {
                let t = self.return_ticket(meta, request)?;
                writes.push(Write::Ticket(Box::new(t.clone())));
                t
            }
        };
        let requested = Return::requested(
            request.return_id.clone(),
            request.order_id.clone(),
            request.customer_id.clone(),
            request.kind,
            request.reason.clone(),
            meta.time,
            ticket.number.clone(),
        );
        // For the digest: the request, and its reason read like a complaint.
        let reason = classify(None, request.reason.as_deref().unwrap_or_default()).category;
        writes.push(Write::Count(
            Week::of(meta.time, &self.config.shop.time_zone),
            vec![
                (names::RETURNS.to_owned(), 1),
                (names::returns_in(reason), 1),
            ],
        ));
        // The refund's clocks start with the request.
        for (watch, due) in self
            .config
            .policy
            .return_clocks(&requested, &self.config.shop.time_zone)
        {
            let clock = JourneyDue {
                watch,
                customer_id: request.customer_id.clone(),
                about: Watched::Return(request.return_id.clone()),
                promise: None,
                due,
            };
            writes.push(Write::Schedule(clock.to_scheduled(SOURCE)));
        }
        writes.push(Write::Return(Box::new(requested)));
        if let Some(contact) = unit::contact_write(customer.as_ref(), &request.customer, meta.time)
        {
            writes.push(Write::Profile(ProfileWrite::contact(
                request.customer_id.clone(),
                contact,
            )));
        }
        let kept = Published {
            ticket: Some(ticket.number.to_string()),
            ..Published::default()
        }
        .with_messages(vec![outbound::ticket_opened(&ticket, None, SOURCE)]);
        let conflicts = unit.commit(&writes, &kept).await?;
        Ok((kept, conflicts))
    }

    /// The team's ticket for a return request.
    fn return_ticket(&self, meta: &EventMeta, request: &ReturnRequested) -> Result<Ticket> {
        let mut ticket = Ticket::new(
            TicketNumber::generate()?,
            &request.customer_id,
            Origin::ReturnRequest,
            Category::ReturnExchange,
            Priority::Normal,
            meta.time,
            &meta.key(),
        );
        ticket.order_id = Some(request.order_id.as_str().to_owned());
        ticket.summary = Some(format!(
            "{} {} of order {}",
            request.kind.as_str(),
            request.return_id,
            request.order_id
        ));
        ticket.subject = request.reason.clone();
        Ok(ticket)
    }

    /// What is kept under the memnun codes an order used: no read at all
    /// for an order that used none.
    async fn redemptions(&self, e: &Event<'_>) -> Result<Vec<redemption::Stored>> {
        if e.redeeming.codes.is_empty() {
            return Ok(Vec::new());
        }
        self.store.redemptions(&e.redeeming.codes).await
    }

    /// Merges the event into the order and commits it with any newer
    /// contact details; answers what to keep and the conflicts met.
    async fn commit(
        &self,
        meta: &EventMeta,
        e: &Event<'_>,
        unit: &Unit<'_, S>,
        stored: Option<&Order>,
        customer: &Option<Customer>,
        codes: &[redemption::Stored],
    ) -> Result<(Kept, Vec<Conflict>)> {
        let mut order = stored
            .cloned()
            .unwrap_or_else(|| Order::new(e.order_id.clone(), e.customer_id.clone()));
        if order.customer_id != *e.customer_id {
            return Err(Error::contract(
                "data.customer_id",
                "names another customer than the order's",
            ));
        }
        let was_placed = order.placed_at.is_some();
        let was_delivered = order.stage == Stage::Delivered;
        let promised = order.promise();
        let applied = order.apply(&e.step, meta.time);
        let mut writes = Vec::new();
        if !was_delivered && order.stage == Stage::Delivered {
            // For the digest: delivered, and late when after the promised
            // day (the shop's calendar).
            let tz = &self.config.shop.time_zone;
            let day = order
                .delivered_at
                .unwrap_or(meta.time)
                .to_zoned(tz.clone())
                .date();
            let late = order.promise().is_some_and(|p| day > p);
            let mut counts = vec![(names::DELIVERED.to_owned(), 1)];
            if late {
                counts.push((names::DELIVERED_LATE.to_owned(), 1));
            }
            writes.push(Write::Count(Week::of(meta.time, tz), counts));
            if self.config.review.is_some() {
                // A week on, on the customer's clock: the review request.
                let none = ContactDetails::default();
                let contact = known_contact(customer.as_ref(), e.contact.unwrap_or(&none));
                let tz = self.config.shop.clock_of(contact.time_zone.as_deref());
                if let Some(due) = self.config.policy.review_clock(&order, &tz) {
                    let clock = JourneyDue {
                        watch: Watch::ReviewRequest,
                        customer_id: order.customer_id.clone(),
                        about: Watched::Order(order.id.clone()),
                        promise: None,
                        due,
                    };
                    writes.push(Write::Schedule(clock.to_scheduled(SOURCE)));
                }
            }
        }
        if order.promise() != promised {
            // A promise set or moved later: its clock, on the customer's
            // clock.
            let none = ContactDetails::default();
            let contact = known_contact(customer.as_ref(), e.contact.unwrap_or(&none));
            writes.extend(self.promise_clock(&order, contact.time_zone.as_deref()));
        }
        if !was_placed && order.placed_at.is_some() {
            // Placed now: counted for the birthday flow when it follows the
            // greeting within the window, with or without its coupon.
            let greeted = customer.as_ref().and_then(|c| c.greeted_at);
            if self.config.attribution.attributed(greeted, meta.time) {
                let birthday = CouponReason::Birthday;
                let mut counts = vec![(names::attributed(birthday), 1)];
                if let (Some(cents), Some(currency)) = (
                    e.redeeming.total.and_then(redemption::cents),
                    e.redeeming.currency,
                ) {
                    counts.push((names::attributed_revenue(birthday, currency), cents));
                }
                writes.push(Write::Count(
                    Week::of(meta.time, &self.config.shop.time_zone),
                    counts,
                ));
            }
            // Placed now: its clocks start (held in the due index).
            let clocks = self
                .config
                .policy
                .order_clocks(&order, &self.config.calendar);
            for (watch, due) in clocks {
                if order.still_due(watch) {
                    let clock = JourneyDue {
                        watch,
                        customer_id: order.customer_id.clone(),
                        about: Watched::Order(order.id.clone()),
                        promise: None,
                        due,
                    };
                    writes.push(Write::Schedule(clock.to_scheduled(SOURCE)));
                }
            }
        }
        if applied != Applied::Unchanged {
            writes.push(Write::Order(Box::new(order)));
        }
        if let Some(contact) = e
            .contact
            .and_then(|c| unit::contact_write(customer.as_ref(), c, meta.time))
        {
            writes.push(Write::Profile(ProfileWrite::contact(
                e.customer_id.clone(),
                contact,
            )));
        }
        // memnun's coupons redeemed: once per code, reuse flagged once per
        // order, counted in the week the order was placed.
        let uses = redemption::uses(
            redemption::Redeeming {
                order_id: e.order_id,
                at: meta.time,
                total: e.redeeming.total,
                currency: e.redeeming.currency,
            },
            codes,
        );
        let mut redeemed = Vec::new();
        for u in &uses {
            match u {
                Use::First(r) => {
                    let message = outbound::coupon_redeemed(r, e.customer_id, SOURCE);
                    redeemed.push((message.id, message.body));
                    writes.push(Write::Redemption(Box::new(r.clone())));
                }
                Use::Again { code, order_id, .. } => writes.push(Write::Reused {
                    code: code.clone(),
                    order_id: order_id.clone(),
                }),
                Use::Known => {}
            }
        }
        let counts = redemption::amounts(&uses);
        if !counts.is_empty() {
            writes.push(Write::Count(
                Week::of(meta.time, &self.config.shop.time_zone),
                counts,
            ));
        }
        let kept = Kept {
            tell: applied == Applied::Tell,
            redeemed,
        };
        let conflicts = unit.commit(&writes, &kept).await?;
        Ok((kept, conflicts))
    }
}

/// The cause of a late order's apology and coupon, whoever noticed: one
/// per order (the same as before order-journey took over `order.delayed`).
fn late_key(order: &OrderId) -> String {
    format!("order:{order}")
}

/// Who a clock's alert goes to.
fn alerted_one(watch: Watch) -> &'static str {
    match watch {
        Watch::Promise | Watch::ReviewRequest => "customer",
        Watch::Unshipped | Watch::RefundWarning => "team",
        Watch::Undelivered | Watch::RefundOverdue => "lead",
    }
}

/// Who noticed an order is late, and what they said.
enum Late<'a> {
    /// The shop: `order.delayed`.
    Told(&'a OrderDelayed),
    /// memnun: the promised day ended without a delivery.
    Found(Date),
}

/// The kept return an event names: it must be known (its request may still
/// be on its way: retried), of the event's customer, and of the event's
/// order when it names one.
fn known_return<'a>(
    stored: Option<&'a Return>,
    about: &ReturnUpdate,
    order_id: Option<&OrderId>,
) -> Result<&'a Return> {
    let r = stored.ok_or_else(|| Error::NotFound(format!("return {}", about.return_id)))?;
    if r.customer_id != about.customer_id {
        return Err(Error::contract(
            "data.customer_id",
            "names another customer than the return's",
        ));
    }
    if order_id.is_some_and(|o| *o != r.order_id) {
        return Err(Error::contract(
            "data.order_id",
            "names another order than the return's",
        ));
    }
    Ok(r)
}

#[cfg(test)]
mod tests;
