//! `complaint-intake`: complaints become tickets, and the ticket's life is
//! followed to the end.
//!
//! On the tickets queue:
//! - `complaint.created` opens a ticket with a short number, classified from
//!   the text, prioritised from category, channel, wording and the
//!   customer's complaints of the last 30 days, with SLA deadlines in
//!   business hours; the customer is acknowledged at once, in their language,
//!   with the number and when they will hear from us (their local time).
//! - `ticket.replied` stops the first-reply clock and pauses or resumes the
//!   resolution clock; `ticket.resolved` stops it and asks the customer for a
//!   1–5 rating with five signed score links (each opens the `links` page,
//!   where one press sends the score).
//! - `survey.answered` records the rating (the first answer stands); a 1 or
//!   2 gets the apology policy of a negative review: an apology, a coupon
//!   under the same cap, and a follow-up ticket.
//! - `order.delayed` gets a proactive apology with the new date and the
//!   tracking link, and a coupon when the delay is long; once per order.
//!
//! A reply or resolution for a ticket not stored yet (events out of order)
//! fails and is retried; if the ticket never comes it rests in the
//! dead-letter queue with its reason. Every event is one unit of work
//! ([`memnun_shared::work`]): a redelivery costs one call and does nothing.
//! A complaint's ticket, contact details and counters land in one
//! transaction, its `ticket.opened` and acknowledgement follow as steps.
//! Effects several events can reach (the survey of a ticket, the apology of
//! an order) keep their own records.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::{Span, Timestamp, ToSpan};
use memnun_shared::app::unit::{self, Kept};
use memnun_shared::app::{self, Apology};
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::{
    Env, ResourceConfig, ShopConfig, apology_policy_from_env, calendar_from_env,
    delay_policy_from_env, links_base_url_from_env, sla_policy_from_env,
};
use memnun_shared::contract::payload::{
    ComplaintCreated, OrderDelayed, SurveyAnswered, TicketReplied, TicketResolved,
};
use memnun_shared::contract::{EventData, EventMeta, outbound};
use memnun_shared::domain::apology::{ApologyPolicy, Decision, follow_up_priority};
use memnun_shared::domain::calendar::BusinessCalendar;
use memnun_shared::domain::classification::classify;
use memnun_shared::domain::coupon::CouponReason;
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::domain::delay::DelayPolicy;
use memnun_shared::domain::digest::Week;
use memnun_shared::domain::lifecycle::{self, Change};
use memnun_shared::domain::mail::tickets::{
    self as mails, Acknowledgement, DelayApology, SatisfactionApology, SurveyRequest,
};
use memnun_shared::domain::mail::{OutgoingEmail, display_text};
use memnun_shared::domain::priority::{PriorityInput, priority, signals_urgency};
use memnun_shared::domain::sla::SlaPolicy;
use memnun_shared::domain::ticket::{Origin, Status, Ticket, TicketNumber};
use memnun_shared::domain::token::{Purpose, Signer};
use memnun_shared::idempotency::Idempotency;
use memnun_shared::ports::{
    Conflict, CouponStore, CustomerStore, IdempotencyStore, Mailer, ProfileWrite, Publisher,
    TicketStore, WorkStore, Write,
};
use memnun_shared::work::Unit;
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
    /// Late-order coupons.
    pub delay: DelayPolicy,
    /// Where the survey links point (`LINKS_BASE_URL`).
    pub links_base_url: String,
    /// The SSM parameter with the link-signing key(s) (`LINK_SECRET_PARAMETER`).
    pub link_secret_parameter: String,
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
            delay: delay_policy_from_env(env)?,
            links_base_url: links_base_url_from_env(env)?,
            link_secret_parameter: env.required("LINK_SECRET_PARAMETER")?,
        })
    }
}

/// The handler, generic over its ports.
pub struct Handler<S, M, P> {
    config: Config,
    signer: Signer,
    store: S,
    mailer: M,
    publisher: P,
}

/// The window of a customer's history that makes a complaint a repeat.
fn history_window() -> Span {
    (30 * 24).hours()
}

/// How often a ticket update is retried when another event changed the ticket
/// between our read and our write.
const UPDATE_ATTEMPTS: usize = 5;
/// A complaint's steps after its commit.
const PUBLISHED: u8 = 2;
const ACKNOWLEDGED: u8 = 3;

impl<S, M, P> Handler<S, M, P>
where
    S: CustomerStore
        + CouponStore
        + TicketStore
        + IdempotencyStore
        + WorkStore
        + memnun_shared::ports::StatsStore,
    M: Mailer,
    P: Publisher,
{
    /// Builds the handler once, at init.
    pub fn new(config: Config, signer: Signer, store: S, mailer: M, publisher: P) -> Self {
        Handler {
            config,
            signer,
            store,
            mailer,
            publisher,
        }
    }

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
            EventData::OrderDelayed(d) => self.delayed(meta, d, idempotency).await,
            other => Err(Error::contract(
                "type",
                format!("{} does not belong on the tickets queue", other.kind()),
            )),
        };
        unit.end(result).await
    }

    /// The customer a ticket belongs to, with what is known of them now.
    async fn ticket_customer(
        &self,
        ticket: &Ticket,
        now: Timestamp,
    ) -> Result<(CustomerId, app::Contact)> {
        let customer = CustomerId::parse(&ticket.customer_id)
            .map_err(|e| Error::corrupt(ticket.number.to_string(), e))?;
        let contact =
            app::refresh_customer(&self.store, &customer, &Default::default(), now).await?;
        Ok((customer, contact))
    }

    async fn complaint(
        &self,
        meta: &EventMeta,
        c: &ComplaintCreated,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let shop = &self.config.shop;
        let stored = self.store.customer(&c.customer_id).await?;
        let kept = match unit.saved::<Kept>()? {
            Some(kept) if unit.committed() => kept,
            _ => self.open(meta, c, unit, stored.clone()).await?,
        };
        let contact = unit::known_contact(stored.as_ref(), &c.customer);
        unit::publish_kept(
            unit,
            PUBLISHED,
            &self.publisher,
            &self.config.resources.outbound_queue_url,
            &kept,
        )
        .await?;
        let number = kept
            .ticket
            .as_deref()
            .and_then(TicketNumber::parse)
            .ok_or_else(|| Error::corrupt(meta.key(), "the kept ticket number is malformed"))?;
        let Some(to) = contact.email.clone() else {
            tracing::warn!(customer_id = %c.customer_id, "complaint from a customer with no email: ticket opened, not acknowledged");
            return Ok("ticket opened; no address to acknowledge");
        };
        let first_reply_due: Timestamp = kept
            .at
            .as_deref()
            .and_then(|at| at.parse().ok())
            .ok_or_else(|| Error::corrupt(number.to_string(), "a complaint ticket without SLA"))?;
        // The same text classifies the same way on every attempt.
        let category = classify(c.subject.as_deref(), &c.message).category;
        let locale = contact.locale(shop.default_locale);
        let rendered = mails::acknowledgement(
            locale,
            &Acknowledgement {
                shop: &shop.name,
                name: contact.name.as_deref(),
                ticket: &number,
                category,
                first_reply_due,
                customer_tz: &contact.time_zone(&shop.time_zone),
            },
        )?;
        let email = OutgoingEmail::new(to, rendered, "ack");
        unit.effect(ACKNOWLEDGED, || self.mailer.send(&email))
            .await?;
        Ok("ticket opened and acknowledged")
    }

    /// Opens the complaint's ticket with the contact details and the
    /// counters, in one commit.
    async fn open(
        &self,
        meta: &EventMeta,
        c: &ComplaintCreated,
        unit: &Unit<'_, S>,
        mut stored: Option<memnun_shared::domain::customer::Customer>,
    ) -> Result<Kept> {
        let now = meta.time;
        let event_key = meta.key();
        let tz = &self.config.shop.time_zone;
        let since = now.checked_sub(history_window()).unwrap_or(Timestamp::MIN);
        let prior = self
            .store
            .complaints_between(&c.customer_id, since, now)
            .await?;
        let classification = classify(c.subject.as_deref(), &c.message);
        let priority = priority(&PriorityInput {
            category: classification.category,
            channel: c.channel,
            prior_complaints_30d: prior,
            urgent_language: signals_urgency(c.subject.as_deref(), &c.message),
        });
        // Opened by an earlier version of this function that stopped half
        // way: found only when a commit names the cause as taken.
        let mut prior_ticket: Option<Ticket> = None;
        for _ in 0..UPDATE_ATTEMPTS {
            let mut writes = Vec::new();
            let ticket = match &prior_ticket {
                Some(t) => t.clone(),
                None => {
                    let mut ticket = Ticket::new(
                        TicketNumber::generate()?,
                        c.customer_id.as_str(),
                        Origin::Complaint,
                        classification.category,
                        priority,
                        now,
                        &event_key,
                    );
                    ticket.channel = Some(c.channel);
                    ticket.order_id = c.order_id.clone();
                    ticket.subject = Some(display_text(
                        c.subject.as_deref().unwrap_or(&c.message),
                        200,
                    ));
                    ticket.summary = Some(display_text(&c.message, 1000));
                    ticket.sla = Some(self.config.sla.start(priority, now, &self.config.calendar));
                    writes.push(Write::Ticket(Box::new(ticket.clone())));
                    writes.push(Write::Count(
                        Week::of(now, tz),
                        app::count::complaint_amounts(&ticket),
                    ));
                    ticket
                }
            };
            if let Some(contact) = unit::contact_write(stored.as_ref(), &c.customer, now) {
                writes.push(Write::Profile(ProfileWrite {
                    id: c.customer_id.clone(),
                    contact: Some(contact),
                    apology_coupon: None,
                    greeted: None,
                }));
            }
            let kept = Kept {
                ticket: Some(ticket.number.to_string()),
                at: ticket
                    .sla
                    .as_ref()
                    .map(|sla| memnun_shared::time::to_key(sla.first_reply.due)),
                ..Kept::default()
            }
            .with_messages(vec![outbound::ticket_opened(&ticket, SOURCE)]);
            let conflicts = unit.commit(&writes, &kept).await?;
            if conflicts.is_empty() {
                tracing::info!(
                    ticket = %ticket.number,
                    category = %ticket.category,
                    priority = %ticket.priority,
                    prior_complaints = prior,
                    "ticket opened"
                );
                return Ok(kept);
            }
            if conflicts.contains(&Conflict::Profile) {
                stored = self.store.customer(&c.customer_id).await?;
            }
            if conflicts.contains(&Conflict::TicketCause) {
                prior_ticket = self
                    .store
                    .opened_for(&c.customer_id, Origin::Complaint, &event_key)
                    .await?;
            }
        }
        Err(Error::Exhausted("complaint commit (too many conflicts)"))
    }

    /// Reads, changes and stores a ticket, again from the read when another
    /// event changed it in between.
    async fn update(
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

    async fn replied(
        &self,
        meta: &EventMeta,
        r: &TicketReplied,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Outcome> {
        let calendar = &self.config.calendar;
        let (change, ticket) = self
            .update(&r.ticket_id, |t| {
                lifecycle::reply(t, r.author, meta.time, calendar)
            })
            .await?;
        // From the stored clocks, not this change: a retry counts what an
        // earlier attempt stored, and each outcome is counted once.
        let tz = &self.config.shop.time_zone;
        app::count::sla_outcomes(idempotency, &self.store, &ticket, tz).await?;
        Ok(match change {
            Change::Replied {
                first_reply: Some(outcome),
            } => {
                tracing::info!(ticket = %ticket.number, first_reply = %outcome, "first reply recorded");
                "first reply recorded"
            }
            Change::Replied { first_reply: None } => "reply recorded",
            _ => "reply changed nothing",
        })
    }

    async fn resolved(
        &self,
        meta: &EventMeta,
        r: &TicketResolved,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Outcome> {
        let (change, ticket) = self
            .update(&r.ticket_id, |t| lifecycle::resolve(t, meta.time))
            .await?;
        if let Change::Resolved {
            outcome: Some(outcome),
        } = change
        {
            tracing::info!(ticket = %ticket.number, resolution = %outcome, "ticket resolved");
        }
        let tz = &self.config.shop.time_zone;
        app::count::sla_outcomes(idempotency, &self.store, &ticket, tz).await?;
        // Asked even when this event changed nothing: an earlier attempt may
        // have stored the resolution and then failed to send.
        if ticket.status != Status::Resolved || ticket.origin != Origin::Complaint {
            return Ok("resolution recorded");
        }
        let (customer, contact) = self.ticket_customer(&ticket, meta.time).await?;
        let Some(to) = contact.email.clone() else {
            return Ok("resolution recorded; no address for the survey");
        };
        let token = self.signer.sign(Purpose::Survey, ticket.number.as_str());
        let base = &self.config.links_base_url;
        let links: [String; 5] =
            std::array::from_fn(|i| format!("{base}/survey?t={token}&s={}", i + 1));
        let shop = &self.config.shop;
        let rendered = mails::survey_request(
            contact.locale(shop.default_locale),
            &SurveyRequest {
                shop: &shop.name,
                name: contact.name.as_deref(),
                ticket: &ticket.number,
                score_links: &links,
            },
        )?;
        let once_per_ticket = format!("ticket:{}", ticket.number);
        app::send_once(
            idempotency,
            &self.mailer,
            &customer,
            &once_per_ticket,
            &OutgoingEmail::new(to, rendered, "survey"),
        )
        .await?;
        Ok("resolved; survey sent")
    }

    async fn survey(
        &self,
        meta: &EventMeta,
        s: &SurveyAnswered,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Outcome> {
        let now = meta.time;
        let (_, ticket) = self
            .update(&s.ticket_id, |t| lifecycle::rate(t, s.score, now))
            .await?;
        // The first answer stands: a later one never changes the outcome.
        let Some((score, _)) = ticket.survey else {
            return Err(Error::corrupt(
                ticket.number.to_string(),
                "survey not recorded",
            ));
        };
        let policy = &self.config.policy;
        let shop = &self.config.shop;
        app::count::survey_answered(idempotency, &self.store, &ticket, &shop.time_zone).await?;
        if !policy.is_negative(score) {
            return Ok("rating recorded");
        }
        let (customer, contact) = self.ticket_customer(&ticket, now).await?;
        let Decision::Apologize { coupon: offer } =
            policy.decide(score, contact.last_apology_coupon_at, now, &shop.time_zone)
        else {
            return Ok("rating recorded");
        };
        let source_key = format!("survey:{}", ticket.number);
        let mut follow_up = Ticket::new(
            TicketNumber::generate()?,
            customer.as_str(),
            Origin::LowSatisfaction,
            ticket.category,
            follow_up_priority(score),
            now,
            &source_key,
        );
        follow_up.order_id = ticket.order_id.clone();
        follow_up.summary = Some(format!(
            "{score}★ satisfaction rating for {}",
            ticket.number
        ));
        let done = app::apologize(
            &self.store,
            idempotency,
            &self.publisher,
            &self.config.resources.outbound_queue_url,
            SOURCE,
            Apology {
                customer: &customer,
                reason: CouponReason::LowSatisfaction,
                offer,
                cap_cutoff: (policy.cap_days > 0).then(|| policy.cap_cutoff(now)),
                source_key: &source_key,
                now,
                follow_up: Some(follow_up),
            },
        )
        .await?;
        if let Some(coupon) = &done.coupon {
            app::count::coupon_issued(idempotency, &self.store, coupon, &shop.time_zone).await?;
        }
        let follow_up = done
            .ticket
            .ok_or_else(|| Error::corrupt(source_key.clone(), "the follow-up ticket is missing"))?;
        let Some(to) = contact.email.clone() else {
            return Ok("low rating followed up; no address to apologise");
        };
        let rendered = mails::satisfaction_apology(
            contact.locale(shop.default_locale),
            &SatisfactionApology {
                shop: &shop.name,
                name: contact.name.as_deref(),
                ticket: &ticket.number,
                follow_up: &follow_up.number,
                coupon: done.coupon.as_ref(),
                shop_tz: &shop.time_zone,
            },
        )?;
        app::send_once(
            idempotency,
            &self.mailer,
            &customer,
            &source_key,
            &OutgoingEmail::new(to, rendered, "satisfaction_apology"),
        )
        .await?;
        Ok(if done.coupon.is_some() {
            "low rating: apologized with a coupon"
        } else {
            "low rating: apologized"
        })
    }

    async fn delayed(
        &self,
        meta: &EventMeta,
        d: &OrderDelayed,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Outcome> {
        let now = meta.time;
        let shop = &self.config.shop;
        let contact = app::refresh_customer(&self.store, &d.customer_id, &d.customer, now).await?;
        let Some(to) = contact.email.clone() else {
            tracing::warn!(customer_id = %d.customer_id, "late order of a customer with no email: recorded, not answered");
            return Ok("late order; no address to apologise");
        };
        // Once per order, whatever the event's id: a second notice about the
        // same order sends nothing new.
        let source_key = format!("order:{}", d.order_id);
        let done = app::apologize(
            &self.store,
            idempotency,
            &self.publisher,
            &self.config.resources.outbound_queue_url,
            SOURCE,
            Apology {
                customer: &d.customer_id,
                reason: CouponReason::OrderDelay,
                offer: self
                    .config
                    .delay
                    .coupon(d.promised_date, d.new_date, now, &shop.time_zone),
                cap_cutoff: None,
                source_key: &source_key,
                now,
                follow_up: None,
            },
        )
        .await?;
        if let Some(coupon) = &done.coupon {
            app::count::coupon_issued(idempotency, &self.store, coupon, &shop.time_zone).await?;
        }
        let rendered = mails::delay_apology(
            contact.locale(shop.default_locale),
            &DelayApology {
                shop: &shop.name,
                name: contact.name.as_deref(),
                order_id: &d.order_id,
                promised: d.promised_date,
                new_date: d.new_date,
                tracking_url: d.tracking_url.as_deref(),
                coupon: done.coupon.as_ref(),
                shop_tz: &shop.time_zone,
            },
        )?;
        app::send_once(
            idempotency,
            &self.mailer,
            &d.customer_id,
            &source_key,
            &OutgoingEmail::new(to, rendered, "delay_apology"),
        )
        .await?;
        Ok(if done.coupon.is_some() {
            "late order: apologized with a coupon"
        } else {
            "late order: apologized"
        })
    }
}
