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
//! Each alarm is one unit of work ([`memnun_shared::work`]) keyed by what it
//! is (`alarm#<type>#<ticket>#<goal>#<part>`), not by the delivery:
//! repeated, concurrent or held-back deliveries of one alarm do each effect
//! once. Its commit counts the breach, holds what must wait, claims the
//! customer's apology of the day (`apology#sla#<ticket>#<day>`, shared by
//! both deadlines) and issues the coupon (`sla:<ticket>:<goal>`, one per
//! ticket); then `coupon.issued`, the lead's alert and the apology follow
//! as steps.
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
use memnun_shared::app::unit::{self, Kept};
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::{Env, ResourceConfig, ShopConfig, calendar_from_env};
use memnun_shared::contract::internal::{InternalEvent, Part, SlaAlarm};
use memnun_shared::contract::outbound;
use memnun_shared::domain::calendar::{BusinessCalendar, WorkingHours};
use memnun_shared::domain::coupon::CouponReason;
use memnun_shared::domain::coupon::{Coupon, CouponCode, CouponValue};
use memnun_shared::domain::customer::{ContactDetails, Customer};
use memnun_shared::domain::digest::{Week, names};
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
use memnun_shared::ports::{
    Conflict, CouponStore, CustomerStore, Mailer, ProfileWrite, Publisher, ScheduledMessage,
    TicketStore, WorkStore, Write,
};
use memnun_shared::work::Unit;
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

/// The steps of an alarm's unit after its commit.
const PUBLISHED: u8 = 2;
const TEAM_SENT: u8 = 3;
const CUSTOMER_SENT: u8 = 4;

/// What a breach's commit decided for each side, as kept for a retry.
const TEAM: &str = "team";
const TEAM_HELD: &str = "team-held";
const CUSTOMER: &str = "customer";
const CUSTOMER_HELD: &str = "customer-held";

/// How often a commit is tried again after a conflict.
const ATTEMPTS: usize = 5;

impl<S, M, P> Handler<S, M, P>
where
    S: CustomerStore + CouponStore + TicketStore + WorkStore,
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
        batch::run(event, self.config.resources.batch_concurrency, |message| {
            self.message(message, deadline)
        })
        .await
    }

    async fn message(&self, message: SqsMessage, deadline: Timestamp) -> Result<Outcome> {
        let body = message
            .body
            .ok_or_else(|| Error::contract("body", "is empty"))?;
        let (meta, event) = InternalEvent::parse(&body)?;
        batch::record_event(&meta.id, event.kind());
        // One unit per alarm and part, whatever the delivery: repeated,
        // concurrent and held-back deliveries of one alarm share it.
        let alarm = event.alarm();
        let key = format!(
            "alarm#{}#{}#{}#{}",
            event.kind(),
            alarm.ticket_id,
            alarm.goal.as_str(),
            match alarm.part {
                None => "all",
                Some(Part::Team) => "team",
                Some(Part::Customer) => "customer",
            }
        );
        let ttl = self.config.resources.idempotency_ttl_days;
        let Some(unit) = Unit::begin(&self.store, key, deadline, ttl).await? else {
            return Ok("duplicate");
        };
        let at = meta.time;
        let result = match &event {
            InternalEvent::SlaWarning(alarm) => self.warning(alarm, at, &unit).await,
            InternalEvent::SlaBreached(alarm) => self.breach(alarm, at, &unit).await,
        };
        unit.end(result).await
    }

    /// The rest of an alarm (`part`), kept until `at`; the monitor sends it
    /// back here then.
    fn hold(&self, event: &InternalEvent, part: Part, at: Timestamp) -> Write {
        let mut alarm = event.alarm().clone();
        alarm.part = Some(part);
        let held = match event {
            InternalEvent::SlaWarning(_) => InternalEvent::SlaWarning(alarm),
            InternalEvent::SlaBreached(_) => InternalEvent::SlaBreached(alarm),
        };
        let message = held.to_message(at, SOURCE);
        tracing::info!(message = %message.id, until = %memnun_shared::time::to_key(at), "held until a civil hour");
        Write::Schedule(ScheduledMessage {
            id: message.id,
            kind: message.kind.to_owned(),
            body: message.body,
            due: at,
        })
    }

    async fn warning(
        &self,
        alarm: &SlaAlarm,
        at: Timestamp,
        unit: &Unit<'_, S>,
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
        if !unit.committed() {
            if timer.stopped.is_some() || ticket.status == Status::Resolved {
                return Ok("warning dropped: the deadline no longer runs");
            }
            // The deadline as it stands now: a pause may have moved it.
            if at >= timer.due {
                // Too late to warn (held through the night past the
                // deadline): the breach, announced on its own, says it.
                return Ok("warning dropped: the deadline has passed");
            }
            let send_at = team_send_at(at, alarm.priority, &self.config.calendar);
            if send_at > at {
                let event = InternalEvent::SlaWarning(alarm.clone());
                let hold = self.hold(&event, Part::Team, send_at);
                self.commit_all(unit, &[hold], &Kept::default()).await?;
                return Ok("warning held until working hours");
            }
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
                    time_left: timer.due.duration_since(at),
                },
                due: timer.due,
                shop_tz: &shop.time_zone,
            },
        )?;
        let email = OutgoingEmail::new(self.config.team.clone(), rendered, "team_alert");
        unit.effect(TEAM_SENT, || self.mailer.send(&email)).await?;
        Ok("team warned")
    }

    /// Commits writes that cannot conflict (held messages, counters).
    async fn commit_all(&self, unit: &Unit<'_, S>, writes: &[Write], kept: &Kept) -> Result<()> {
        let conflicts = unit.commit(writes, kept).await?;
        if conflicts.is_empty() {
            Ok(())
        } else {
            Err(Error::corrupt(
                "alarm commit",
                format!("unexpected conflicts: {conflicts:?}"),
            ))
        }
    }

    async fn breach(&self, alarm: &SlaAlarm, at: Timestamp, unit: &Unit<'_, S>) -> Result<Outcome> {
        let wants_customer = alarm.part != Some(Part::Team);
        let (ticket, mut customer) = if wants_customer {
            self.store
                .ticket_with_customer(&alarm.ticket_id, &alarm.customer_id)
                .await?
        } else {
            (self.store.ticket(&alarm.ticket_id).await?, None)
        };
        let ticket =
            ticket.ok_or_else(|| Error::NotFound(format!("ticket {}", alarm.ticket_id)))?;
        let kept = match unit.saved::<Kept>()? {
            Some(kept) if unit.committed() => kept,
            _ => {
                // The monitor sends before it marks: a reply that was in
                // time and recorded at that very moment withdraws the
                // breach.
                let stopped = ticket.sla.as_ref().and_then(|clock| match alarm.goal {
                    Goal::FirstReply => clock.first_reply.stopped,
                    Goal::Resolution => clock.resolution.stopped,
                });
                if let Some((_, sla::Outcome::Met)) = stopped {
                    return Ok("breach withdrawn: the deadline was met after all");
                }
                self.decide(alarm, at, &ticket, &mut customer, unit).await?
            }
        };
        unit::publish_kept(
            unit,
            PUBLISHED,
            &self.publisher,
            &self.config.resources.outbound_queue_url,
            &kept,
        )
        .await?;
        let has = |what: &str| kept.sends.iter().any(|s| s == what);
        let team = if has(TEAM) {
            self.breach_team(alarm, at, unit).await?;
            Done::Sent
        } else if has(TEAM_HELD) {
            Done::Held
        } else {
            Done::Skipped
        };
        let customer = if has(CUSTOMER) {
            let contact = customer.map(|c| c.contact).unwrap_or_default();
            self.breach_customer(alarm, at, contact, kept.coupon()?, unit)
                .await?
        } else if has(CUSTOMER_HELD) {
            Done::Held
        } else {
            Done::Skipped
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

    /// Decides what the breach does for the lead and for the customer, and
    /// commits it: the breach counted, parts held, the day's apology claimed,
    /// the coupon under the cap and one per ticket.
    async fn decide(
        &self,
        alarm: &SlaAlarm,
        at: Timestamp,
        ticket: &memnun_shared::domain::ticket::Ticket,
        customer: &mut Option<Customer>,
        unit: &Unit<'_, S>,
    ) -> Result<Kept> {
        let shop = &self.config.shop;
        let event = InternalEvent::SlaBreached(alarm.clone());
        let source_key = format!("sla:{}:{}", alarm.ticket_id, alarm.goal.as_str());
        let other = match alarm.goal {
            Goal::FirstReply => Goal::Resolution,
            Goal::Resolution => Goal::FirstReply,
        };
        let other_key = format!("sla:{}:{}", alarm.ticket_id, other.as_str());
        // What a conflict rules out, for the next attempt.
        let mut day_taken = false;
        let mut no_coupon = false;
        let mut prior_coupon: Option<Coupon> = None;
        for _ in 0..ATTEMPTS {
            let mut writes = Vec::new();
            let mut sends = Vec::new();
            let mut messages = Vec::new();
            let mut coupon = None;
            if alarm.part.is_none() {
                writes.push(Write::Count(
                    Week::of(alarm.due, &shop.time_zone),
                    vec![(names::breaches(alarm.goal), 1)],
                ));
            }
            if alarm.part != Some(Part::Customer) {
                let send_at = team_send_at(at, alarm.priority, &self.config.calendar);
                if send_at > at {
                    writes.push(self.hold(&event, Part::Team, send_at));
                    sends.push(TEAM_HELD.to_owned());
                } else {
                    sends.push(TEAM.to_owned());
                }
            }
            // Both deadlines missed at once (a sweep after an outage): the
            // resolution's apology, which may carry a coupon, is the one the
            // customer gets; the first reply's goes to the lead only.
            let both_missed = alarm.goal == Goal::FirstReply
                && ticket
                    .sla
                    .as_ref()
                    .is_some_and(|c| c.resolution.stopped.is_none() && c.resolution.due <= at);
            let contact = customer
                .as_ref()
                .map(|c| c.contact.clone())
                .unwrap_or_default();
            if alarm.part != Some(Part::Team) && !both_missed && !day_taken {
                match &contact.email {
                    None => {
                        tracing::warn!(customer_id = %alarm.customer_id, ticket = %alarm.ticket_id, "breach for a customer with no email: nobody to apologise to");
                    }
                    Some(_) => {
                        let customer_tz = self.customer_tz(&contact);
                        let send_at = customer_send_at(at, &customer_tz, &self.config.civil_hours);
                        if send_at > at {
                            writes.push(self.hold(&event, Part::Customer, send_at));
                            sends.push(CUSTOMER_HELD.to_owned());
                        } else {
                            // One apology per ticket per day on the
                            // customer's clock: the first breach to claim
                            // the day apologises, the other goes to the lead
                            // only.
                            let day = at.to_zoned(customer_tz).date();
                            writes.push(Write::Claim(format!(
                                "apology#sla#{}#{day}",
                                alarm.ticket_id
                            )));
                            sends.push(CUSTOMER.to_owned());
                            let last = customer.as_ref().and_then(|c| c.last_apology_coupon_at);
                            let policy = &self.config.coupon;
                            coupon = match (&prior_coupon, no_coupon) {
                                (Some(c), _) => Some(c.clone()),
                                (None, true) => None,
                                (None, false) => {
                                    match policy.offer(alarm.goal, at, last, &shop.time_zone) {
                                        Some(offer) => {
                                            let c = Coupon {
                                                code: CouponCode::generate(
                                                    CouponReason::SlaBreach,
                                                )?,
                                                customer_id: alarm.customer_id.as_str().to_owned(),
                                                reason: CouponReason::SlaBreach,
                                                value: CouponValue::Percent(offer.percent),
                                                issued_at: at,
                                                expires_at: offer.expires_at,
                                                source_event: source_key.clone(),
                                            };
                                            // One coupon per ticket: the other
                                            // deadline's breach may have brought
                                            // one already.
                                            writes.push(Write::NoCoupon {
                                                customer: alarm.customer_id.clone(),
                                                reason: CouponReason::SlaBreach,
                                                source_event: other_key.clone(),
                                            });
                                            writes.push(Write::Coupon(c.clone()));
                                            writes.push(Write::Profile(ProfileWrite {
                                                id: alarm.customer_id.clone(),
                                                contact: None,
                                                apology_coupon: Some((at, policy.cap_cutoff(at))),
                                                greeted: None,
                                            }));
                                            writes.push(Write::Count(
                                                Week::of(at, &shop.time_zone),
                                                memnun_shared::app::count::coupon_amounts(&c),
                                            ));
                                            Some(c)
                                        }
                                        None => None,
                                    }
                                }
                            };
                            if let Some(c) = &coupon {
                                messages.push(outbound::coupon_issued(c, SOURCE));
                            }
                        }
                    }
                }
            }
            let kept = Kept {
                sends,
                ..Kept::default()
            }
            .with_coupon(coupon.as_ref())
            .with_messages(messages);
            let conflicts = unit.commit(&writes, &kept).await?;
            if conflicts.is_empty() {
                return Ok(kept);
            }
            for conflict in conflicts {
                match conflict {
                    Conflict::Claimed(_) => {
                        tracing::info!(ticket = %alarm.ticket_id, goal = alarm.goal.as_str(), "the customer had this ticket's apology today; the lead only");
                        day_taken = true;
                    }
                    Conflict::OtherCoupon => no_coupon = true,
                    Conflict::Profile => {
                        *customer = self.store.customer(&alarm.customer_id).await?;
                    }
                    Conflict::CouponCause => {
                        prior_coupon = self
                            .store
                            .issued_for(&alarm.customer_id, CouponReason::SlaBreach, &source_key)
                            .await?;
                    }
                    _ => {}
                }
            }
        }
        Err(Error::Exhausted("breach commit (too many conflicts)"))
    }

    fn customer_tz(&self, contact: &ContactDetails) -> jiff::tz::TimeZone {
        contact
            .time_zone
            .as_deref()
            .and_then(|tz| jiff::tz::TimeZone::get(tz).ok())
            .unwrap_or_else(|| self.config.shop.time_zone.clone())
    }

    async fn breach_team(&self, alarm: &SlaAlarm, at: Timestamp, unit: &Unit<'_, S>) -> Result<()> {
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
        unit.effect(TEAM_SENT, || self.mailer.send(&email)).await?;
        Ok(())
    }

    async fn breach_customer(
        &self,
        alarm: &SlaAlarm,
        at: Timestamp,
        contact: ContactDetails,
        coupon: Option<Coupon>,
        unit: &Unit<'_, S>,
    ) -> Result<Done> {
        let shop = &self.config.shop;
        let Some(to) = contact.email.clone() else {
            return Ok(Done::Skipped);
        };
        let customer_tz = self.customer_tz(&contact);
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
                coupon: coupon.as_ref(),
                shop_tz: &shop.time_zone,
            },
        )?;
        let email = OutgoingEmail::new(to, rendered, "breach_apology");
        unit.effect(CUSTOMER_SENT, || self.mailer.send(&email))
            .await?;
        tracing::info!(ticket = %alarm.ticket_id, goal = alarm.goal.as_str(), coupon = coupon.is_some(), locale = locale.tag(), "breach apology sent");
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
