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
//! ticket); then the coupon is created in the shop's store (when one is
//! configured), and `coupon.issued`, the lead's alert and the apology follow
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
use memnun_shared::adapters::store::StoreRegistry;
use memnun_shared::app::coupons;
use memnun_shared::app::unit::Kept;
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::{Env, ResourceConfig, ShopConfig, calendar_from_env};
use memnun_shared::contract::internal::{InternalEvent, Part, SlaAlarm};
use memnun_shared::contract::outbound;
use memnun_shared::contract::reminder::CouponExpiring;
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
use memnun_shared::keys::WorkKey;
use memnun_shared::ports::{
    Conflict, CouponRegistry, CouponStore, CustomerStore, Holder, Mailer, ProfileWrite, Publisher,
    ScheduledMessage, TicketStore, WorkStore, Write,
};
use memnun_shared::work::Unit;

mod breach;
mod warning;
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
    /// Where breach coupons are registered before their emails.
    pub stores: memnun_shared::config::StoreConfig,
    /// The help desk's inbound address, the apology's `Reply-To`
    /// (`SUPPORT_REPLY_TO_EMAIL`).
    pub reply_to: Option<EmailAddress>,
    /// Whether this flow's coupons are reminded of before they end
    /// (`APOLOGY_COUPON_REMINDER`, `COUPON_REMINDER_DAYS`).
    pub reminder: memnun_shared::domain::reminder::ReminderPolicy,
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
                first_reply: env.flag_or("SLA_BREACH_COUPON_FIRST_REPLY", d.first_reply)?,
                valid_days: env.int_or("APOLOGY_COUPON_VALID_DAYS", d.valid_days, 1..=365)?,
                cap_days: env.int_or("APOLOGY_COUPON_CAP_DAYS", d.cap_days, 0..=365)?,
            },
            stores: memnun_shared::config::StoreConfig::from_env(env)?,
            reply_to: memnun_shared::config::reply_to_from_env(env)?,
            reminder: memnun_shared::config::reminder_policy_from_env(env)?,
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

/// The handler, generic over its ports; `R` is the shop's store, where a
/// breach's coupon is registered before its email (none by default).
pub struct Handler<S, M, P, R = StoreRegistry> {
    config: Config,
    store: S,
    mailer: M,
    publisher: P,
    registry: R,
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

impl<S, M, P> Handler<S, M, P> {
    /// Builds the handler once, at init.
    pub fn new(config: Config, store: S, mailer: M, publisher: P) -> Self {
        Handler {
            config,
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
            store: self.store,
            mailer: self.mailer,
            publisher: self.publisher,
            registry,
        }
    }
}

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: CustomerStore + CouponStore + TicketStore + WorkStore,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
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
        let part = match alarm.part {
            None => "all",
            Some(Part::Team) => "team",
            Some(Part::Customer) => "customer",
        };
        let key = WorkKey::alarm(event.kind(), &alarm.ticket_id, alarm.goal, part);
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
    pub(crate) fn hold(&self, event: &InternalEvent, part: Part, at: Timestamp) -> Write {
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

    /// Commits writes that cannot conflict (held messages, counters).
    pub(crate) async fn commit_all(
        &self,
        unit: &Unit<'_, S>,
        writes: &[Write],
        kept: &Kept,
    ) -> Result<()> {
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

#[cfg(test)]
mod policy_tests;
