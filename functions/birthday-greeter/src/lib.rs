//! `birthday-greeter`: greets a customer on their birthday — a birthday
//! coupon and a marketing email with one-click unsubscribe — once a year and
//! only with consent.
//!
//! For each `birthday.due` (from `birthday-scheduler`, on the greetings
//! queue), one unit of work ([`memnun_shared::work`]) per customer and year,
//! `greeting#birthday.due:<customer>:<year>`, whatever the deliveries:
//!
//! 1. Read the customer in one consistent read: address, name, language,
//!    consent, and the last year greeted. [`may_greet`] decides; a refusal
//!    is an answer, not a failure, and is not retried.
//! 2. Commit, in one transaction: the year on the customer (`greeted_year`,
//!    which the scheduler reads, so a birthday changed after the greeting
//!    brings no second one) under the condition that consent still stands
//!    and the year is new; a check that SES has not reported the address
//!    (bounce or complaint); the birthday coupon ([`GreetingPolicy::coupon`],
//!    reason `birthday`, prefix `BDAY`, caused by the greeting's id) and its
//!    counters. A customer who unsubscribed since step 1 fails the
//!    condition: nothing is written, nothing leaves.
//! 3. Create the coupon in the shop's store when one is configured
//!    ([`memnun_shared::app::coupons`]), publish `coupon.issued` for the
//!    shop's platform, then send the
//!    greeting in the customer's language as marketing email:
//!    `List-Unsubscribe` with the links edge's unsubscribe URL (a signed
//!    token for the customer), `List-Unsubscribe-Post: List-Unsubscribe=One-Click`,
//!    and a visible unsubscribe link in the footer. A retry that finds the
//!    commit in reads consent again first: an unsubscribe in between stops
//!    what is left.
//!
//! The greeting's commit also keeps the coupon's reminder in the due index
//! (`coupon.expiring`, [`memnun_shared::domain::reminder`]): a few days
//! before the coupon ends, at 10:00 on the customer's clock, the SLA sweep
//! sends it back here. Its own unit of work then reads the customer and
//! the coupon's redemption, and sends one reminder only if the coupon is
//! live and unused and the customer still consents, the commit checking
//! consent and suppression once more.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::Timestamp;
use memnun_shared::adapters::store::StoreRegistry;
use memnun_shared::app::coupons;
use memnun_shared::app::unit::Kept;
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::{Env, ResourceConfig, ShopConfig, links_base_url_from_env};
use memnun_shared::contract::internal::BirthdayDue;
use memnun_shared::contract::outbound;
use memnun_shared::contract::reminder::{COUPON_EXPIRING, CouponExpiring};
use memnun_shared::domain::birthday::Refusal;
use memnun_shared::domain::birthday::{GreetingPolicy, may_greet};
use memnun_shared::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::domain::digest::Week;
use memnun_shared::domain::digest::names;
use memnun_shared::domain::locale::Locale;
use memnun_shared::domain::mail::birthday::{Greeting, coupon_reminder, greeting};
use memnun_shared::domain::mail::render::Rendered;
use memnun_shared::domain::mail::{EmailAddress, OutgoingEmail};
use memnun_shared::domain::reminder::{ReminderPolicy, Skip, may_remind};
use memnun_shared::domain::token::Signer;
use memnun_shared::keys::WorkKey;
use memnun_shared::ports::{
    BirthdayStore, Conflict, CouponRegistry, CouponStore, Greetee, Holder, Mailer, ProfileWrite,
    Publisher, WorkStore, Write,
};
use memnun_shared::work::Unit;
use memnun_shared::{Error, Result};

/// The function's name in unit-of-work keys.
pub const FUNCTION: &str = "birthday-greeter";
/// The name events published by this function carry as their `source`.
pub const SOURCE: &str = "memnun/birthday-greeter";
/// The template name in SES tags and idempotency keys.
const TEMPLATE: &str = "birthday";

/// Everything the function reads at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// Tables, queues, concurrency.
    pub resources: ResourceConfig,
    /// The shop's name, sender, language and time zone.
    pub shop: ShopConfig,
    /// The birthday coupon (`BIRTHDAY_COUPON_PERCENT`,
    /// `BIRTHDAY_COUPON_VALID_DAYS`); the timing fields are the scheduler's.
    pub policy: GreetingPolicy,
    /// Where the unsubscribe link points (`LINKS_BASE_URL`).
    pub links_base_url: String,
    /// The SSM parameter with the link-signing key(s) (`LINK_SECRET_PARAMETER`).
    pub link_secret_parameter: String,
    /// Where birthday coupons are registered before their greetings.
    pub stores: memnun_shared::config::StoreConfig,
    /// When an unused coupon is reminded of (`COUPON_REMINDER_DAYS` before
    /// its last day; 0: never) and whether apology coupons are
    /// (`APOLOGY_COUPON_REMINDER`).
    pub reminder: ReminderPolicy,
}

impl Config {
    /// Reads and validates the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        let d = GreetingPolicy::default();
        Ok(Config {
            resources: ResourceConfig::from_env(env)?,
            shop: ShopConfig::from_env(env)?,
            policy: GreetingPolicy {
                coupon_percent: env.int_or("BIRTHDAY_COUPON_PERCENT", d.coupon_percent, 0..=100)?,
                coupon_valid_days: env.int_or(
                    "BIRTHDAY_COUPON_VALID_DAYS",
                    d.coupon_valid_days,
                    1..=365,
                )?,
                ..d
            },
            links_base_url: links_base_url_from_env(env)?,
            link_secret_parameter: env.required("LINK_SECRET_PARAMETER")?,
            stores: memnun_shared::config::StoreConfig::from_env(env)?,
            reminder: memnun_shared::config::reminder_policy_from_env(env)?,
        })
    }
}

/// The handler, generic over its ports; `R` is the shop's store, where the
/// birthday coupon is registered before the greeting (none by default).
pub struct Handler<S, M, P, R = StoreRegistry> {
    config: Config,
    signer: Signer,
    store: S,
    mailer: M,
    publisher: P,
    registry: R,
}

/// The unit's steps after its commit.
const PUBLISHED: u8 = 2;
const GREETED: u8 = 3;
/// A reminder's step after its commit.
const REMINDED: u8 = 2;
/// The template name of the reminder.
const REMINDER_TEMPLATE: &str = "coupon_reminder";
/// How often a commit is tried again after a conflict.
const ATTEMPTS: usize = 5;

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
    S: BirthdayStore + CouponStore + WorkStore,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    /// Handles one SQS batch; `deadline` is the invocation's. Every
    /// decision is taken at the `birthday.due` event's own time (the
    /// scheduler's run), never the wall clock: a redelivery or a redrive
    /// days later greets, and dates the coupon, as on the day.
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
        if CouponExpiring::is_one(&body) {
            return self.reminder_message(&body, deadline).await;
        }
        let (meta, due) = BirthdayDue::parse(&body)?;
        batch::record_event(&meta.id, memnun_shared::contract::internal::BIRTHDAY_DUE);
        let ttl = self.config.resources.idempotency_ttl_days;
        let key = WorkKey::greeting(&due.event_id());
        let Some(unit) = Unit::begin(&self.store, key, deadline, ttl).await? else {
            return Ok("duplicate");
        };
        let result = self.greet(&due, meta.time, &unit).await;
        unit.end(result).await
    }

    async fn greet(
        &self,
        due: &BirthdayDue,
        now: Timestamp,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let customer = &due.customer_id;
        let Some(greetee) = self.store.greetee(customer).await? else {
            tracing::info!("not greeted: the customer is unknown");
            return Ok("skipped: unknown customer");
        };
        let mut kept = match unit.saved::<Kept>()? {
            Some(kept) if unit.committed() => {
                // The last look before anything more leaves.
                if let Err(refusal) = may_greet(true, &greetee.consent, false, None, due.year) {
                    tracing::info!(
                        reason = refusal.as_str(),
                        "not greeted: consent changed while greeting"
                    );
                    return Ok(refusal_outcome(refusal));
                }
                kept
            }
            _ => match self.commit(due, now, greetee.clone(), unit).await? {
                Ok(kept) => kept,
                Err(refusal) => {
                    tracing::info!(reason = refusal.as_str(), "not greeted");
                    return Ok(refusal_outcome(refusal));
                }
            },
        };
        let Some(address) = greetee.contact.email.clone() else {
            return Ok(refusal_outcome(Refusal::NoAddress));
        };
        let holder = Holder {
            email: Some(&address),
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
        let email = self.marketing_email(
            customer,
            &greetee,
            address,
            TEMPLATE,
            coupon.as_ref(),
            greeting,
        )?;
        Ok(
            match unit.effect(GREETED, || self.mailer.send(&email)).await? {
                Some(_) => "greeted",
                None => "greeted before",
            },
        )
    }

    /// Decides and commits the greeting: the year, the suppression check,
    /// the coupon and its counters. A refusal (found at once, or by a
    /// condition of the commit) writes nothing.
    async fn commit(
        &self,
        due: &BirthdayDue,
        now: Timestamp,
        mut greetee: Greetee,
        unit: &Unit<'_, S>,
    ) -> Result<std::result::Result<Kept, Refusal>> {
        let customer = &due.customer_id;
        let shop = &self.config.shop;
        // The greeting's id names customer and year; the shop sees it as the
        // coupon's cause.
        let cause = due.event_id();
        let mut prior_coupon: Option<Coupon> = None;
        for _ in 0..ATTEMPTS {
            // Suppression is the commit's condition, not a read.
            if let Err(refusal) = may_greet(
                greetee.contact.email.is_some(),
                &greetee.consent,
                false,
                greetee.greeted_year,
                due.year,
            ) {
                return Ok(Err(refusal));
            }
            let Some(address) = greetee.contact.email.clone() else {
                return Ok(Err(Refusal::NoAddress));
            };
            let mut writes = vec![
                Write::Profile(ProfileWrite {
                    id: customer.clone(),
                    contact: None,
                    apology_coupon: None,
                    greeted: Some((due.year, now)),
                }),
                Write::NotSuppressed(address),
            ];
            let coupon = match &prior_coupon {
                Some(c) => Some(c.clone()),
                None => match self.config.policy.coupon(now, &shop.time_zone) {
                    Some(offer) => {
                        let c = Coupon {
                            code: CouponCode::generate(CouponReason::Birthday)?,
                            customer_id: customer.clone(),
                            reason: CouponReason::Birthday,
                            value: CouponValue::Percent(offer.percent),
                            issued_at: now,
                            expires_at: offer.expires_at,
                            source_event: cause.clone(),
                        };
                        // Birthday coupons have their own policy: once a
                        // year, never counted against the apology cap.
                        writes.push(Write::Coupon(c.clone()));
                        writes.push(Write::Count(
                            Week::of(now, &shop.time_zone),
                            memnun_shared::app::count::coupon_amounts(&c),
                        ));
                        Some(c)
                    }
                    None => None,
                },
            };
            // The coupon's reminder, on the customer's clock (held, sent
            // back by the sweep); kept again over itself on a retry.
            if let Some(c) = &coupon {
                let tz = self
                    .config
                    .shop
                    .clock_of(greetee.contact.time_zone.as_deref());
                if let Some(held) = CouponExpiring::held(&self.config.reminder, c, &tz, SOURCE) {
                    writes.push(Write::Schedule(held));
                }
            }
            let kept = Kept::default().with_coupon(coupon.as_ref()).with_messages(
                coupon
                    .iter()
                    .map(|c| outbound::coupon_issued(c, SOURCE))
                    .collect(),
            );
            let conflicts = unit.commit(&writes, &kept).await?;
            if conflicts.is_empty() {
                return Ok(Ok(kept));
            }
            if conflicts.contains(&Conflict::Suppressed) {
                return Ok(Err(Refusal::Suppressed));
            }
            if conflicts.contains(&Conflict::Profile) {
                // Consent withdrawn, or greeted, since the read.
                match self.store.greetee(customer).await? {
                    Some(fresh) => greetee = fresh,
                    None => return Ok(Err(Refusal::NoAddress)),
                }
            }
            if conflicts.contains(&Conflict::CouponCause) {
                prior_coupon = self
                    .store
                    .issued_for(customer, CouponReason::Birthday, &cause)
                    .await?;
            }
        }
        Err(Error::Exhausted("greeting commit (too many conflicts)"))
    }
}

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: BirthdayStore + CouponStore + WorkStore,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    /// A coupon's reminder come due: its own unit of work,
    /// `event#birthday-greeter#<source>#coupon.expiring:<reason>:<cause>`.
    async fn reminder_message(&self, body: &str, deadline: Timestamp) -> Result<Outcome> {
        let (meta, reminder) = CouponExpiring::parse(body)?;
        batch::record_event(&meta.id, COUPON_EXPIRING);
        let key = WorkKey::event(FUNCTION, &meta);
        let ttl = self.config.resources.idempotency_ttl_days;
        let Some(unit) = Unit::begin(&self.store, key, deadline, ttl).await? else {
            return Ok("duplicate");
        };
        let result = self.remind(meta.time, &reminder, &unit).await;
        unit.end(result).await
    }

    /// Reminds of an unused, live coupon a consenting customer holds; a
    /// reminder that may not go is an answer, not a failure.
    async fn remind(
        &self,
        now: Timestamp,
        reminder: &CouponExpiring,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let coupon = &reminder.coupon;
        let customer = &coupon.customer_id;
        let Some(greetee) = self.store.greetee(customer).await? else {
            return Ok("skipped: unknown customer");
        };
        let redeemed = self
            .store
            .redemptions(&[(coupon.code.clone(), coupon.reason)])
            .await?
            .first()
            .is_some_and(|(_, _, redemption, _)| redemption.is_some());
        if let Err(skip) = may_remind(
            &self.config.reminder,
            now,
            coupon,
            redeemed,
            greetee.contact.email.is_some(),
            greetee.consent.granted,
        ) {
            tracing::info!(reason = skip.as_str(), "no reminder");
            return Ok(skip_outcome(skip));
        }
        let Some(address) = greetee.contact.email.clone() else {
            return Ok(skip_outcome(Skip::NoAddress));
        };
        if !unit.committed() {
            // Consent and suppression as conditions of the commit, with
            // the count: a customer who unsubscribed since the read gets
            // nothing.
            let writes = [
                Write::Consented(customer.clone()),
                Write::NotSuppressed(address.clone()),
                Write::Count(
                    Week::of(now, &self.config.shop.time_zone),
                    vec![(names::reminded(coupon.reason), 1)],
                ),
            ];
            let conflicts = unit.commit(&writes, &()).await?;
            if conflicts.contains(&Conflict::Suppressed) {
                tracing::info!(reason = "suppressed", "no reminder");
                return Ok("no reminder: address suppressed");
            }
            if conflicts.contains(&Conflict::Profile) {
                tracing::info!(reason = "no_consent", "no reminder");
                return Ok(skip_outcome(Skip::NoConsent));
            }
            if !conflicts.is_empty() {
                return Err(Error::Exhausted("reminder commit (the unit moved on)"));
            }
        }
        let email = self.marketing_email(
            customer,
            &greetee,
            address,
            REMINDER_TEMPLATE,
            Some(coupon),
            |l, g| coupon_reminder(l, g, coupon),
        )?;
        Ok(
            match unit.effect(REMINDED, || self.mailer.send(&email)).await? {
                Some(_) => "reminded",
                None => "reminded before",
            },
        )
    }
}

impl<S, M, P, R> Handler<S, M, P, R> {
    /// A marketing email to `address` in the customer's language, rendered
    /// by `render`, with the unsubscribe link in its footer and as the
    /// one-click header: the greeting and the reminder alike.
    fn marketing_email(
        &self,
        customer: &CustomerId,
        greetee: &Greetee,
        address: EmailAddress,
        template: &'static str,
        coupon: Option<&Coupon>,
        render: impl FnOnce(Locale, &Greeting<'_>) -> Result<Rendered>,
    ) -> Result<OutgoingEmail> {
        let shop = &self.config.shop;
        let locale = Locale::choose(greetee.contact.locale.as_deref(), shop.default_locale);
        let unsubscribe = self
            .signer
            .unsubscribe_url(&self.config.links_base_url, customer.as_str());
        let rendered = render(
            locale,
            &Greeting {
                shop: &shop.name,
                name: greetee.contact.name.as_deref(),
                coupon,
                shop_tz: &shop.time_zone,
                unsubscribe_url: &unsubscribe,
            },
        )?;
        Ok(OutgoingEmail::new(address, rendered, template).with_unsubscribe(unsubscribe))
    }
}

fn skip_outcome(skip: Skip) -> Outcome {
    match skip {
        Skip::Off => "no reminder: the shop no longer reminds of this flow",
        Skip::Expired => "no reminder: the coupon has ended",
        Skip::Redeemed => "no reminder: the coupon was redeemed",
        Skip::NoAddress => "no reminder: no address",
        Skip::NoConsent => "no reminder: no consent",
    }
}

fn refusal_outcome(refusal: Refusal) -> Outcome {
    match refusal {
        Refusal::NoAddress => "skipped: no address",
        Refusal::NoConsent => "skipped: no consent",
        Refusal::Suppressed => "skipped: address suppressed",
        Refusal::AlreadyGreeted => "skipped: already greeted this year",
    }
}
