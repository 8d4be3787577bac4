//! `birthday-greeter`: greets a customer on their birthday — a birthday
//! coupon and a marketing email with one-click unsubscribe — once a year and
//! only with consent.
//!
//! For each `birthday.due` (from `birthday-scheduler`, on the greetings
//! queue):
//!
//! 1. Read the customer in one consistent read: address, name, language,
//!    consent, and the last year greeted. Ask whether SES reported their
//!    address (bounce or complaint). [`may_greet`] decides; a refusal is an
//!    answer, not a failure, and is not retried.
//! 2. Issue the birthday coupon ([`GreetingPolicy::coupon`], reason
//!    `birthday`, prefix `BDAY`), one per customer and year whatever the
//!    deliveries: its cause is the greeting's id, `birthday.due:<customer>:<year>`.
//! 3. Read consent again, just before anything leaves: a customer who
//!    unsubscribed since the scheduler ran (or since step 1) gets nothing.
//!    A coupon issued in between stays unpublished, so it is never
//!    redeemable and never mailed.
//! 4. Publish `coupon.issued` for the shop's platform, then send the
//!    greeting in the customer's language as marketing email:
//!    `List-Unsubscribe` with the links edge's unsubscribe URL (a signed
//!    token for the customer), `List-Unsubscribe-Post: List-Unsubscribe=One-Click`,
//!    and a visible unsubscribe link in the footer. Each exactly once per
//!    customer and year.
//! 5. Record the year on the customer (`greeted_year`), which the scheduler
//!    reads: a birthday changed after the greeting brings no second one.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::Timestamp;
use memnun_shared::app::{self, CouponRequest};
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::{Env, ResourceConfig, ShopConfig, links_base_url_from_env};
use memnun_shared::contract::internal::BirthdayDue;
use memnun_shared::contract::outbound;
use memnun_shared::domain::birthday::{GreetingPolicy, may_greet};
use memnun_shared::domain::coupon::{CouponReason, CouponValue};
use memnun_shared::domain::locale::Locale;
use memnun_shared::domain::mail::OutgoingEmail;
use memnun_shared::domain::mail::birthday::{Greeting, greeting};
use memnun_shared::domain::token::{Purpose, Signer};
use memnun_shared::idempotency::Idempotency;
use memnun_shared::ports::{
    BirthdayStore, CouponStore, DirectoryStore, IdempotencyStore, Mailer, Publisher, StatsStore,
    SuppressionStore,
};
use memnun_shared::{Error, Result};

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

impl<S, M, P> Handler<S, M, P>
where
    S: BirthdayStore
        + DirectoryStore
        + CouponStore
        + IdempotencyStore
        + SuppressionStore
        + StatsStore,
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

    /// Handles one SQS batch; `deadline` is the invocation's. Every
    /// decision is taken at the `birthday.due` event's own time (the
    /// scheduler's run), never the wall clock: a redelivery or a redrive
    /// days later greets, and dates the coupon, as on the day.
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
        let (meta, due) = BirthdayDue::parse(&body)?;
        batch::record_event(&meta.id, memnun_shared::contract::internal::BIRTHDAY_DUE);
        self.greet(&due, meta.time, idempotency).await
    }

    async fn greet(
        &self,
        due: &BirthdayDue,
        now: Timestamp,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Outcome> {
        let customer = &due.customer_id;
        let Some(greetee) = self.store.greetee(customer).await? else {
            tracing::info!("not greeted: the customer is unknown");
            return Ok("skipped: unknown customer");
        };
        let suppressed = match &greetee.contact.email {
            Some(address) => self.store.is_suppressed(address).await?,
            None => false,
        };
        if let Err(refusal) = may_greet(
            greetee.contact.email.is_some(),
            &greetee.consent,
            suppressed,
            greetee.greeted_year,
            due.year,
        ) {
            tracing::info!(reason = refusal.as_str(), "not greeted");
            return Ok(refusal_outcome(refusal));
        }
        let Some(address) = greetee.contact.email.clone() else {
            return Ok(refusal_outcome(
                memnun_shared::domain::birthday::Refusal::NoAddress,
            ));
        };
        let shop = &self.config.shop;
        // One per customer and year, whatever the deliveries: the id of the
        // greeting, which names both (and which the shop sees as the coupon's
        // cause).
        let cause = due.event_id();

        let coupon = match self
            .store
            .issued_for(customer, CouponReason::Birthday, &cause)
            .await?
        {
            Some(existing) => Some(existing),
            None => match self.config.policy.coupon(now, &shop.time_zone) {
                Some(offer) => {
                    let request = CouponRequest {
                        customer,
                        reason: CouponReason::Birthday,
                        value: CouponValue::Percent(offer.percent),
                        issued_at: now,
                        expires_at: offer.expires_at,
                        source_event: &cause,
                        // Birthday coupons have their own policy: once a year,
                        // never counted against the apology cap.
                        cap_cutoff: None,
                    };
                    app::issue_coupon(&self.store, &request).await?
                }
                None => None,
            },
        };

        // The last look before anything leaves.
        let consent = self.store.consent_state(customer).await?;
        if let Err(refusal) = may_greet(true, &consent, false, None, due.year) {
            tracing::info!(
                reason = refusal.as_str(),
                "not greeted: consent changed while greeting"
            );
            return Ok(refusal_outcome(refusal));
        }

        if let Some(coupon) = &coupon {
            app::publish_once(
                idempotency,
                &self.publisher,
                &self.config.resources.outbound_queue_url,
                outbound::coupon_issued(coupon, SOURCE),
            )
            .await?;
            app::count::coupon_issued(idempotency, &self.store, coupon, &shop.time_zone).await?;
        }

        let locale = Locale::choose(greetee.contact.locale.as_deref(), shop.default_locale);
        let token = self.signer.sign(Purpose::Unsubscribe, customer.as_str());
        let unsubscribe = format!("{}/unsubscribe?t={token}", self.config.links_base_url);
        let rendered = greeting(
            locale,
            &Greeting {
                shop: &shop.name,
                name: greetee.contact.name.as_deref(),
                coupon: coupon.as_ref(),
                shop_tz: &shop.time_zone,
                unsubscribe_url: &unsubscribe,
            },
        )?;
        let email = OutgoingEmail::new(address, rendered, TEMPLATE).with_unsubscribe(unsubscribe);
        let sent = app::send_once(idempotency, &self.mailer, customer, &cause, &email).await?;

        self.store.mark_greeted(customer, due.year).await?;
        Ok(match sent {
            memnun_shared::idempotency::Once::Ran(_) => "greeted",
            memnun_shared::idempotency::Once::AlreadyDone(_) => "greeted before",
        })
    }
}

fn refusal_outcome(refusal: memnun_shared::domain::birthday::Refusal) -> Outcome {
    use memnun_shared::domain::birthday::Refusal;
    match refusal {
        Refusal::NoAddress => "skipped: no address",
        Refusal::NoConsent => "skipped: no consent",
        Refusal::Suppressed => "skipped: address suppressed",
        Refusal::AlreadyGreeted => "skipped: already greeted this year",
    }
}
