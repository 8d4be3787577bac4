//! `complaint-intake`: complaints become tickets, and the ticket's life is
//! followed to the end.
//!
//! On the tickets queue:
//! - `complaint.created` opens a ticket with a short number, classified from
//!   the text, prioritised from category, channel, wording and the
//!   customer's complaints of the last 30 days, with SLA deadlines in
//!   business hours; the customer is acknowledged at once, in their language,
//!   with the number, when they will hear from us (their local time), up to
//!   three of the shop's FAQ answers with a one-click "this answered my
//!   question" link ([`memnun_shared::domain::faq`]) and, for a delivery
//!   complaint about an order the journey follows, where the order stands.
//!   A complaint that names an open ticket of the customer's, or is about
//!   the order of one, joins it instead: no new ticket, no new SLA, the
//!   message the customer's reply, `ticket.updated` for the help desk, and
//!   a short note to the customer unless they were told within the hour
//!   ([`memnun_shared::domain::thread`]).
//! - `ticket.replied` stops the first-reply clock and pauses or resumes the
//!   resolution clock; a ticket left waiting on the customer gets its
//!   clocks (`ticket.waiting`, held in the due index until due): one
//!   reminder after `CUSTOMER_REMINDER_DAYS` working days, resolved as "no
//!   reply" after `AUTO_RESOLVE_DAYS` ([`memnun_shared::domain::waiting`]).
//! - `ticket.resolved` stops the resolution clock and asks the customer for
//!   a 1–5 rating with five signed score links (each opens the `links`
//!   page, where one press sends the score); not for a ticket memnun
//!   resolved itself.
//! - `ticket.self_served` (the FAQ link's press) resolves the ticket as
//!   self-served: no survey, `ticket.closed` for the help desk.
//! - `survey.answered` records the rating (the first answer stands); a 1 or
//!   2 gets the apology policy of a negative review: an apology, a coupon
//!   under the same cap (created in the shop's store, when one is
//!   configured, before anything names it), and a follow-up ticket.
//!
//! A reply or resolution for a ticket not stored yet (events out of order)
//! fails and is retried; if the ticket never comes it rests in the
//! dead-letter queue with its reason. Every event is one unit of work
//! ([`memnun_shared::work`]): a redelivery costs one call and does nothing.
//! A complaint's ticket, contact details and counters land in one
//! transaction, its `ticket.opened` and acknowledgement follow as steps.
//! Effects several events can reach (the survey of a ticket) keep their own
//! records. A late order is the order journey's (`order-journey`).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::{Span, Timestamp, ToSpan};
use memnun_shared::adapters::store::StoreRegistry;
use memnun_shared::app::unit::{self, Kept};
use memnun_shared::app::{self, Apology};
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::{
    Env, ResourceConfig, ShopConfig, apology_policy_from_env, calendar_from_env,
    links_base_url_from_env, sla_policy_from_env,
};
use memnun_shared::contract::payload::{
    ComplaintCreated, SurveyAnswered, TicketReplied, TicketResolved,
};
use memnun_shared::contract::{EventData, EventMeta, outbound};
use memnun_shared::domain::apology::{ApologyPolicy, Decision, follow_up_priority};
use memnun_shared::domain::calendar::BusinessCalendar;
use memnun_shared::domain::classification::classify;
use memnun_shared::domain::coupon::CouponReason;
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::domain::digest::Week;
use memnun_shared::domain::history::{self, Footprint, History};
use memnun_shared::domain::lifecycle::{self, Change};
use memnun_shared::domain::mail::tickets::{
    self as mails, Acknowledgement, SatisfactionApology, SurveyRequest,
};
use memnun_shared::domain::mail::{OutgoingEmail, display_text};
use memnun_shared::domain::priority::{PriorityInput, priority, signals_urgency};
use memnun_shared::domain::sla::SlaPolicy;
use memnun_shared::domain::ticket::{Origin, Status, Ticket, TicketNumber};
use memnun_shared::domain::token::{Purpose, Signer};
use memnun_shared::idempotency::Idempotency;
use memnun_shared::ports::{
    Conflict, CouponRegistry, CouponStore, CustomerStore, DueIndex, Holder, IdempotencyStore,
    Mailer, OrderStore, ProfileWrite, Publisher, StatsStore, TicketStore, WorkStore, Write,
};
use memnun_shared::work::Unit;

mod closing;
mod complaint;
mod replied;
mod resolved;
mod survey;
mod thread;
mod waiting;
use memnun_shared::{Error, Result};

/// The name events published by this function carry as their `source`.
pub const SOURCE: &str = "memnun/complaint-intake";

/// Everything the function reads at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// Tables, queues, concurrency.
    pub resources: ResourceConfig,
    /// The shop's name, sender, language and time zone.
    pub shop: ShopConfig,
    /// The apology policy (low satisfaction ratings).
    pub policy: ApologyPolicy,
    /// Working days and hours, for SLA deadlines.
    pub calendar: BusinessCalendar,
    /// SLA targets.
    pub sla: SlaPolicy,
    /// Where the survey links point (`LINKS_BASE_URL`).
    pub links_base_url: String,
    /// The SSM parameter with the link-signing key(s) (`LINK_SECRET_PARAMETER`).
    pub link_secret_parameter: String,
    /// Where low ratings' coupons are registered before their emails.
    pub stores: memnun_shared::config::StoreConfig,
    /// The help desk's inbound address, the `Reply-To` of every email about
    /// a ticket (`SUPPORT_REPLY_TO_EMAIL`).
    pub reply_to: Option<memnun_shared::domain::mail::EmailAddress>,
    /// When a ticket waiting on the customer reminds them and closes
    /// (`CUSTOMER_REMINDER_DAYS`, `AUTO_RESOLVE_DAYS`).
    pub waiting: memnun_shared::domain::waiting::WaitingPolicy,
    /// The shop's FAQ, whose answers acknowledgements offer (`FAQ_FILE`).
    pub faq: Option<memnun_shared::domain::faq::Faq>,
    /// Whether this flow's coupons are reminded of before they end
    /// (`APOLOGY_COUPON_REMINDER`, `COUPON_REMINDER_DAYS`).
    pub reminder: memnun_shared::domain::reminder::ReminderPolicy,
}

impl Config {
    /// Reads and validates the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        Ok(Config {
            resources: ResourceConfig::from_env(env)?,
            shop: ShopConfig::from_env(env)?,
            policy: apology_policy_from_env(env)?,
            calendar: calendar_from_env(env)?,
            sla: sla_policy_from_env(env)?,
            links_base_url: links_base_url_from_env(env)?,
            link_secret_parameter: env.required("LINK_SECRET_PARAMETER")?,
            stores: memnun_shared::config::StoreConfig::from_env(env)?,
            reply_to: memnun_shared::config::reply_to_from_env(env)?,
            waiting: memnun_shared::config::waiting_policy_from_env(env)?,
            faq: memnun_shared::config::faq_from_env(env)?,
            reminder: memnun_shared::config::reminder_policy_from_env(env)?,
        })
    }
}

/// The handler, generic over its ports; `R` is the shop's store, where a
/// low rating's coupon is registered before its email (none by default).
pub struct Handler<S, M, P, R = StoreRegistry> {
    config: Config,
    signer: Signer,
    store: S,
    mailer: M,
    publisher: P,
    registry: R,
}

/// How far back an earlier complaint makes a new one a repeat (its
/// priority counts them).
fn repeat_window() -> Span {
    (30 * 24).hours()
}

/// How often a ticket update is retried when another event changed the ticket
/// between our read and our write.
const UPDATE_ATTEMPTS: usize = 5;
/// A complaint's steps after its commit.
const PUBLISHED: u8 = 2;
const ACKNOWLEDGED: u8 = 3;

/// Everything the handler keeps in the tables.
pub trait Store:
    CustomerStore
    + CouponStore
    + TicketStore
    + IdempotencyStore
    + WorkStore
    + StatsStore
    + DueIndex
    + OrderStore
{
}

impl<T> Store for T where
    T: CustomerStore
        + CouponStore
        + TicketStore
        + IdempotencyStore
        + WorkStore
        + StatsStore
        + DueIndex
        + OrderStore
{
}

impl<S, M, P> Handler<S, M, P> {
    /// Builds the handler once, at init.
    pub fn new(config: Config, signer: Signer, store: S, mailer: M, publisher: P) -> Self {
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
    S: Store,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    /// Handles one SQS batch; `deadline` is the invocation's.
    pub async fn handle(&self, event: SqsEvent, deadline: Timestamp) -> SqsBatchResponse {
        let idempotency = Idempotency::new(
            &self.store,
            deadline,
            self.config.resources.idempotency_ttl_days,
        );
        batch::run(event, self.config.resources.batch_concurrency, |message| {
            self.message(message, &idempotency, deadline)
        })
        .await
    }

    async fn message(
        &self,
        message: SqsMessage,
        idempotency: &Idempotency<'_, S>,
        deadline: Timestamp,
    ) -> Result<Outcome> {
        let ttl = self.config.resources.idempotency_ttl_days;
        if message
            .body
            .as_deref()
            .is_some_and(memnun_shared::contract::waiting::TicketWaiting::is_one)
        {
            return self.waiting_message(message, deadline).await;
        }
        let Some((event, unit)) =
            unit::begin_event("complaint-intake", message, &self.store, deadline, ttl).await?
        else {
            return Ok("duplicate");
        };
        let meta = &event.meta;
        let result = match &event.data {
            EventData::ComplaintCreated(c) => self.complaint(meta, c, &unit).await,
            EventData::TicketReplied(r) => self.replied(meta, r, idempotency).await,
            EventData::TicketResolved(r) => self.resolved(meta, r, idempotency).await,
            EventData::SurveyAnswered(s) => self.survey(meta, s, idempotency).await,
            EventData::TicketSelfServed(s) => self.self_served(meta, s, &unit).await,
            other => Err(Error::contract(
                "type",
                format!("{} does not belong on the tickets queue", other.kind()),
            )),
        };
        unit.end(result).await
    }
    /// The customer a ticket belongs to, with what is known of them now.
    pub(crate) async fn ticket_customer(
        &self,
        ticket: &Ticket,
        now: Timestamp,
    ) -> Result<(CustomerId, app::Contact)> {
        let customer = ticket.customer_id.clone();
        let contact =
            app::refresh_customer(&self.store, &customer, &Default::default(), now).await?;
        Ok((customer, contact))
    }

    /// Reads, changes and stores a ticket, again from the read when another
    /// event changed it in between.
    pub(crate) async fn update(
        &self,
        number: &TicketNumber,
        apply: impl Fn(&mut Ticket) -> Change,
    ) -> Result<(Change, Ticket)> {
        for _ in 0..UPDATE_ATTEMPTS {
            let mut ticket = self
                .store
                .ticket(number)
                .await?
                .ok_or_else(|| Error::NotFound(format!("ticket {number}")))?;
            let change = apply(&mut ticket);
            if change == Change::Nothing || self.store.save(&ticket).await? {
                return Ok((change, ticket));
            }
        }
        Err(Error::Exhausted(
            "ticket update (too many concurrent changes)",
        ))
    }
}

#[cfg(test)]
mod tests;
