//! `sla-escalator`: what happens when a deadline is near or has passed.
//!
//! On the escalations queue (from sla-monitor):
//! - `sla.warning` emails the support team's address a short alert: the
//!   ticket number, category, priority, the deadline and the time left. It
//!   never carries the customer's message or address. A warning whose
//!   deadline has stopped in the meantime (the reply came), or passed (the
//!   breach says it), is dropped.
//! - `sla.breached` emails the support lead the same kind of alert, and
//!   sends the customer an apology in their language that says we are late
//!   and when they will hear from us, with a coupon by policy
//!   ([`BreachCoupon`]): for a missed resolution, and for a missed first
//!   reply only when configured; at most one per ticket, under the apology
//!   cap. A customer gets at most one breach apology per ticket per day:
//!   a second deadline of the same ticket missed that day goes to the lead
//!   only.
//!
//! Team emails respect the quiet hours of the business calendar (an urgent
//! ticket's do not); the customer's apology goes out at a civil hour on
//! their own clock. An email that must wait is kept in the due index until
//! its time ([`DueIndex::schedule`]); the monitor's sweep sends it back here
//! then, as the same event with `part` naming what is left to do. A night or
//! a long weekend is one wait, not a chain of queue delays.
//!
//! Before acting the escalator reads the ticket: the monitor announces an
//! alarm before it marks it, so a reply recorded in time at that very moment
//! withdraws a breach, and a warning whose deadline stopped or passed is
//! dropped.
//!
//! Every effect is keyed by what it is (`email#sla_breach#<ticket>#<goal>`,
//! the coupon by `sla:<ticket>:<goal>`, the breach counter), not by the
//! delivery: repeated, concurrent or held-back deliveries of one alarm do
//! each effect once.
//!
//! The clock: every decision about an alarm — is the deadline still ahead,
//! how late is it, may the email go now or wait for working or civil hours,
//! which coupon, what to promise — is taken at the alarm's own time (the
//! sweep that raised it, or the hour a held part was due), never the wall
//! clock. A redelivery, a redrive or a replay at any later date sends what
//! the alarm sent on its day; on Lambda the alarm's time is seconds before
//! the wall clock anyway.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::Timestamp;
use memnun_shared::app::{self, Apology};
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::{Env, ResourceConfig, ShopConfig, calendar_from_env};
use memnun_shared::contract::internal::{InternalEvent, Part, SlaAlarm};
use memnun_shared::domain::calendar::{BusinessCalendar, WorkingHours};
use memnun_shared::domain::coupon::CouponReason;
use memnun_shared::domain::escalation::{
    BreachCoupon, customer_send_at, default_civil_hours, promise_after_breach, team_send_at,
};
use memnun_shared::domain::locale::Locale;
use memnun_shared::domain::mail::tickets::{
    self as mails, AlertKind, BreachApology, Missed, TeamAlert,
};
use memnun_shared::domain::mail::{EmailAddress, OutgoingEmail};
use memnun_shared::domain::sla::{self, Goal, SlaTargets};
use memnun_shared::domain::ticket::Status;
use memnun_shared::idempotency::{Idempotency, Once};
use memnun_shared::ports::{
    CouponStore, CustomerStore, DueIndex, IdempotencyStore, Mailer, Publisher, ScheduledMessage,
    StatsStore, TicketStore,
};
use memnun_shared::{Error, Result};

/// The name events published by this function carry as their `source`.
pub const SOURCE: &str = "memnun/sla-escalator";

/// Everything the function reads at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// Tables, the outbound queue (`coupon.issued`), concurrency.
    pub resources: ResourceConfig,
    /// The shop's name, sender, language and time zone.
    pub shop: ShopConfig,
    /// Working time: the team's quiet hours are outside it.
    pub calendar: BusinessCalendar,
    /// SLA targets: after a breach the customer is promised the urgent
    /// first-reply target (`SLA_TARGETS`).
    pub targets: SlaTargets,
    /// Where warnings go (`SUPPORT_TEAM_EMAIL`).
    pub team: EmailAddress,
    /// Where breaches go (`SUPPORT_LEAD_EMAIL`).
    pub lead: EmailAddress,
    /// When customers may be written to, on their clock
    /// (`CUSTOMER_MAIL_HOURS`, default `08:00-21:00`).
    pub civil_hours: WorkingHours,
    /// The coupon of a breach apology (`SLA_BREACH_COUPON_PERCENT`,
    /// `SLA_BREACH_COUPON_FIRST_REPLY`, `APOLOGY_COUPON_VALID_DAYS`,
    /// `APOLOGY_COUPON_CAP_DAYS`).
    pub coupon: BreachCoupon,
}

impl Config {
    /// Reads and validates the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        let d = BreachCoupon::default();
        Ok(Config {
            resources: ResourceConfig::from_env(env)?,
            shop: ShopConfig::from_env(env)?,
            calendar: calendar_from_env(env)?,
            targets: env.parsed_or("SLA_TARGETS", SlaTargets::default(), SlaTargets::parse)?,
            team: env.parsed("SUPPORT_TEAM_EMAIL", EmailAddress::parse)?,
            lead: env.parsed("SUPPORT_LEAD_EMAIL", EmailAddress::parse)?,
            civil_hours: env.parsed_or(
                "CUSTOMER_MAIL_HOURS",
                default_civil_hours(),
                WorkingHours::parse,
            )?,
            coupon: BreachCoupon {
                percent: env.int_or("SLA_BREACH_COUPON_PERCENT", d.percent, 0..=100)?,
                first_reply: env.parsed_or(
                    "SLA_BREACH_COUPON_FIRST_REPLY",
                    d.first_reply,
                    |v| match v.to_ascii_lowercase().as_str() {
                        "true" => Ok(true),
                        "false" => Ok(false),
                        _ => Err(format!("`{v}` is not true or false")),
                    },
                )?,
                valid_days: env.int_or("APOLOGY_COUPON_VALID_DAYS", d.valid_days, 1..=365)?,
                cap_days: env.int_or("APOLOGY_COUPON_CAP_DAYS", d.cap_days, 0..=365)?,
            },
        })
    }
}

/// How one part of an alarm went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Done {
    /// Sent now (or before, by an earlier delivery).
    Sent,
    /// Kept until a civil hour.
    Held,
    /// Not for anyone: no address, or no longer needed.
    Skipped,
}

/// The handler, generic over its ports.
pub struct Handler<S, M, P> {
    config: Config,
    store: S,
    mailer: M,
    publisher: P,
}

fn missed(goal: Goal) -> Missed {
    match goal {
        Goal::FirstReply => Missed::FirstReply,
        Goal::Resolution => Missed::Resolution,
    }
}

impl<S, M, P> Handler<S, M, P>
where
    S: CustomerStore + CouponStore + TicketStore + IdempotencyStore + DueIndex + StatsStore,
    M: Mailer,
    P: Publisher,
{
    /// Builds the handler once, at init.
    pub fn new(config: Config, store: S, mailer: M, publisher: P) -> Self {
        Handler {
            config,
            store,
            mailer,
            publisher,
        }
    }

    /// Handles one SQS batch; `deadline` is the invocation's. Each alarm is
    /// handled at its own time (module docs, "The clock").
    pub async fn handle(&self, event: SqsEvent, deadline: Timestamp) -> SqsBatchResponse {
        let idempotency = Idempotency::new(
            &self.store,
            deadline,
            self.config.resources.idempotency_ttl_days,
        );
        batch::run(event, self.config.resources.batch_concurrency, |message| {
            self.message(message, &idempotency)
        })
        .await
    }

    async fn message(
        &self,
        message: SqsMessage,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Outcome> {
        let body = message
            .body
            .ok_or_else(|| Error::contract("body", "is empty"))?;
        let (meta, event) = InternalEvent::parse(&body)?;
        batch::record_event(&meta.id, event.kind());
        let at = meta.time;
        match &event {
            InternalEvent::SlaWarning(alarm) => self.warning(alarm, at, idempotency).await,
            InternalEvent::SlaBreached(alarm) => self.breach(alarm, at, idempotency).await,
        }
    }

    /// Keeps the rest of an alarm (`part`) until `at`; the monitor sends it
    /// back here then.
    async fn hold(&self, event: &InternalEvent, part: Part, at: Timestamp) -> Result<()> {
        let mut alarm = event.alarm().clone();
        alarm.part = Some(part);
        let held = match event {
            InternalEvent::SlaWarning(_) => InternalEvent::SlaWarning(alarm),
            InternalEvent::SlaBreached(_) => InternalEvent::SlaBreached(alarm),
        };
        let message = held.to_message(at, SOURCE);
        tracing::info!(message = %message.id, until = %memnun_shared::time::to_key(at), "held until a civil hour");
        self.store
            .schedule(&ScheduledMessage {
                id: message.id,
                kind: message.kind.to_owned(),
                body: message.body,
                due: at,
            })
            .await
    }

    async fn warning(
        &self,
        alarm: &SlaAlarm,
        at: Timestamp,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Outcome> {
        if alarm.part == Some(Part::Customer) {
            return Err(Error::contract(
                "data.part",
                "a warning has no customer part",
            ));
        }
        let ticket = self
            .store
            .ticket(&alarm.ticket_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("ticket {}", alarm.ticket_id)))?;
        let Some(sla) = &ticket.sla else {
            return Err(Error::corrupt(
                alarm.ticket_id.to_string(),
                "a warning for a ticket without SLA",
            ));
        };
        let timer = match alarm.goal {
            Goal::FirstReply => &sla.first_reply,
            Goal::Resolution => &sla.resolution,
        };
        if timer.stopped.is_some() || ticket.status == Status::Resolved {
            return Ok("warning dropped: the deadline no longer runs");
        }
        // The deadline as it stands now: a pause may have moved it.
        let due = timer.due;
        if at >= due {
            // Too late to warn (held through the night past the deadline):
            // the breach, announced on its own, says it instead.
            return Ok("warning dropped: the deadline has passed");
        }
        let send_at = team_send_at(at, alarm.priority, &self.config.calendar);
        if send_at > at {
            let event = InternalEvent::SlaWarning(alarm.clone());
            self.hold(&event, Part::Team, send_at).await?;
            return Ok("warning held until working hours");
        }
        let shop = &self.config.shop;
        let rendered = mails::team_alert(
            shop.default_locale,
            &TeamAlert {
                shop: &shop.name,
                ticket: &alarm.ticket_id,
                category: ticket.category,
                priority: ticket.priority,
                kind: AlertKind::Warning {
                    deadline: missed(alarm.goal),
                    time_left: due.duration_since(at),
                },
                due,
                shop_tz: &shop.time_zone,
            },
        )?;
        let email = OutgoingEmail::new(self.config.team.clone(), rendered, "team_alert");
        let key = format!(
            "email#sla_warning#{}#{}",
            alarm.ticket_id,
            alarm.goal.as_str()
        );
        idempotency
            .once(&key, || async { self.mailer.send(&email).await.map(Some) })
            .await?;
        Ok("team warned")
    }

    async fn breach(
        &self,
        alarm: &SlaAlarm,
        at: Timestamp,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Outcome> {
        // The monitor sends before it marks: a reply that was in time and
        // recorded at that very moment withdraws the breach.
        let ticket = self
            .store
            .ticket(&alarm.ticket_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("ticket {}", alarm.ticket_id)))?;
        let stopped = ticket.sla.as_ref().and_then(|clock| match alarm.goal {
            Goal::FirstReply => clock.first_reply.stopped,
            Goal::Resolution => clock.resolution.stopped,
        });
        if let Some((_, sla::Outcome::Met)) = stopped {
            return Ok("breach withdrawn: the deadline was met after all");
        }
        let shop_tz = &self.config.shop.time_zone;
        app::count::breach(
            idempotency,
            &self.store,
            &alarm.ticket_id,
            alarm.goal,
            alarm.due,
            shop_tz,
        )
        .await?;
        let event = InternalEvent::SlaBreached(alarm.clone());
        let team = match alarm.part {
            Some(Part::Customer) => Done::Skipped,
            _ => self.breach_team(&event, alarm, at, idempotency).await?,
        };
        let customer = match alarm.part {
            Some(Part::Team) => Done::Skipped,
            // Both deadlines missed at once (a sweep after an outage): the
            // resolution's apology, which may carry a coupon, is the one the
            // customer gets; the first reply's goes to the lead only.
            _ if alarm.goal == Goal::FirstReply
                && ticket
                    .sla
                    .as_ref()
                    .is_some_and(|c| c.resolution.stopped.is_none() && c.resolution.due <= at) =>
            {
                Done::Skipped
            }
            _ => self.breach_customer(&event, alarm, at, idempotency).await?,
        };
        Ok(match (team, customer) {
            (Done::Sent, Done::Sent) => "breach: lead alerted, customer apologised to",
            (Done::Sent, Done::Held) => "breach: lead alerted, apology held until a civil hour",
            (Done::Sent, Done::Skipped) => "breach: lead alerted",
            (Done::Held, Done::Sent) => {
                "breach: lead alert held until working hours, customer apologised to"
            }
            (Done::Held, Done::Held) => "breach: both held until a civil hour",
            (Done::Held, Done::Skipped) => "breach: lead alert held until working hours",
            (Done::Skipped, Done::Sent) => "breach: customer apologised to",
            (Done::Skipped, Done::Held) => "breach: apology held until a civil hour",
            (Done::Skipped, Done::Skipped) => "breach: nothing to send",
        })
    }

    async fn breach_team(
        &self,
        event: &InternalEvent,
        alarm: &SlaAlarm,
        at: Timestamp,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Done> {
        let send_at = team_send_at(at, alarm.priority, &self.config.calendar);
        if send_at > at {
            self.hold(event, Part::Team, send_at).await?;
            return Ok(Done::Held);
        }
        let shop = &self.config.shop;
        let rendered = mails::team_alert(
            shop.default_locale,
            &TeamAlert {
                shop: &shop.name,
                ticket: &alarm.ticket_id,
                category: alarm.category,
                priority: alarm.priority,
                kind: AlertKind::Breach {
                    missed: missed(alarm.goal),
                    overdue: at.duration_since(alarm.due),
                },
                due: alarm.due,
                shop_tz: &shop.time_zone,
            },
        )?;
        let email = OutgoingEmail::new(self.config.lead.clone(), rendered, "team_alert");
        let key = format!(
            "email#sla_breach#{}#{}",
            alarm.ticket_id,
            alarm.goal.as_str()
        );
        idempotency
            .once(&key, || async { self.mailer.send(&email).await.map(Some) })
            .await?;
        Ok(Done::Sent)
    }

    async fn breach_customer(
        &self,
        event: &InternalEvent,
        alarm: &SlaAlarm,
        at: Timestamp,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Done> {
        let shop = &self.config.shop;
        let customer = self.store.customer(&alarm.customer_id).await?;
        let last_coupon = customer.as_ref().and_then(|c| c.last_apology_coupon_at);
        let contact = customer.map(|c| c.contact).unwrap_or_default();
        let Some(to) = contact.email.clone() else {
            tracing::warn!(customer_id = %alarm.customer_id, ticket = %alarm.ticket_id, "breach for a customer with no email: nobody to apologise to");
            return Ok(Done::Skipped);
        };
        let customer_tz = contact
            .time_zone
            .as_deref()
            .and_then(|tz| jiff::tz::TimeZone::get(tz).ok())
            .unwrap_or_else(|| shop.time_zone.clone());
        let send_at = customer_send_at(at, &customer_tz, &self.config.civil_hours);
        if send_at > at {
            self.hold(event, Part::Customer, send_at).await?;
            return Ok(Done::Held);
        }
        // One apology per ticket per day on the customer's clock: when both
        // deadlines of a ticket pass in one sweep (or one day), the first
        // breach to claim the day apologises and the other goes to the lead
        // only. The claim records which goal owns the day, so a retry of the
        // owner carries on.
        let day = at.to_zoned(customer_tz.clone()).date();
        let day_key = format!("apology#sla#{}#{day}", alarm.ticket_id);
        let goal = alarm.goal.as_str();
        let owner = match idempotency
            .once(&day_key, || async { Ok(Some(goal.to_owned())) })
            .await?
        {
            Once::Ran(owner) | Once::AlreadyDone(owner) => owner,
        };
        if owner.as_deref() != Some(goal) {
            tracing::info!(ticket = %alarm.ticket_id, goal, "the customer had this ticket's apology today; the lead only");
            return Ok(Done::Skipped);
        }
        let source_key = format!("sla:{}:{}", alarm.ticket_id, alarm.goal.as_str());
        let policy = &self.config.coupon;
        // One coupon per ticket: a breach of the other deadline may have
        // brought one already.
        let other = match alarm.goal {
            Goal::FirstReply => Goal::Resolution,
            Goal::Resolution => Goal::FirstReply,
        };
        let other_key = format!("sla:{}:{}", alarm.ticket_id, other.as_str());
        let offer = match self
            .store
            .issued_for(&alarm.customer_id, CouponReason::SlaBreach, &other_key)
            .await?
        {
            Some(_) => None,
            None => policy.offer(alarm.goal, at, last_coupon, &shop.time_zone),
        };
        let done = app::apologize(
            &self.store,
            idempotency,
            &self.publisher,
            &self.config.resources.outbound_queue_url,
            SOURCE,
            Apology {
                customer: &alarm.customer_id,
                reason: CouponReason::SlaBreach,
                offer,
                cap_cutoff: policy.cap_cutoff(at),
                source_key: &source_key,
                now: at,
                follow_up: None,
            },
        )
        .await?;
        if let Some(coupon) = &done.coupon {
            app::count::coupon_issued(idempotency, &self.store, coupon, &shop.time_zone).await?;
        }
        let locale = Locale::choose(contact.locale.as_deref(), shop.default_locale);
        let rendered = mails::breach_apology(
            locale,
            &BreachApology {
                shop: &shop.name,
                name: contact.name.as_deref(),
                ticket: &alarm.ticket_id,
                missed: missed(alarm.goal),
                expect_by: Some(promise_after_breach(
                    at,
                    self.config.targets.urgent.first_reply,
                    &self.config.calendar,
                )),
                customer_tz: &customer_tz,
                coupon: done.coupon.as_ref(),
                shop_tz: &shop.time_zone,
            },
        )?;
        app::send_once(
            idempotency,
            &self.mailer,
            &alarm.customer_id,
            &source_key,
            &OutgoingEmail::new(to, rendered, "breach_apology"),
        )
        .await?;
        tracing::info!(ticket = %alarm.ticket_id, goal = alarm.goal.as_str(), coupon = done.coupon.is_some(), locale = locale.tag(), "breach apology sent");
        Ok(Done::Sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(extra: &[(&str, &str)]) -> Env {
        let base = [
            ("TABLE_NAME", "t"),
            ("IDEMPOTENCY_TABLE_NAME", "i"),
            ("OUTBOUND_QUEUE_URL", "http://localhost/q"),
            ("SHOP_NAME", "Dükkan"),
            ("SENDER_EMAIL", "destek@dukkan.example"),
            ("SUPPORT_TEAM_EMAIL", "ekip@dukkan.example"),
            ("SUPPORT_LEAD_EMAIL", "lider@dukkan.example"),
        ];
        Env::from_pairs(
            base.iter()
                .chain(extra)
                .map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    #[test]
    fn defaults_and_the_variable_named_in_every_error() {
        let c = Config::from_env(&env(&[])).unwrap();
        assert_eq!(c.coupon, BreachCoupon::default());
        assert_eq!(c.civil_hours.ranges(), [(480, 1260)]);
        for (var, value) in [
            ("SLA_BREACH_COUPON_FIRST_REPLY", "yes"),
            ("SLA_BREACH_COUPON_PERCENT", "101"),
            ("CUSTOMER_MAIL_HOURS", "21:00-08:00"),
            ("SUPPORT_LEAD_EMAIL", "lead"),
        ] {
            let err = Config::from_env(&env(&[(var, value)])).unwrap_err();
            assert!(
                matches!(err, Error::Config { var: v, .. } if v == var),
                "{err}"
            );
        }
        let c = Config::from_env(&env(&[("SLA_BREACH_COUPON_FIRST_REPLY", "TRUE")])).unwrap();
        assert!(c.coupon.first_reply);
    }
}
