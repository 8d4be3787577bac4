//! `review-responder`: a low product review becomes an apology.
//!
//! For each `review.posted` on the reviews queue: the review is recorded and
//! the customer's contact details kept current. A review at or under the
//! threshold gets an apology email in the customer's language, a follow-up
//! ticket so a person reaches out, and — unless the customer had an apology
//! coupon within the cap window — a coupon, published as `coupon.issued` for
//! the shop's platform. A 3–5 star review is recorded and nothing is sent.
//!
//! Every step is keyed by the event, so redelivery repeats nothing and a
//! retry after a partial failure finishes the work with the same coupon and
//! the same ticket.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::Timestamp;
use memnun_shared::app::{self, Apology};
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::{Env, ResourceConfig, ShopConfig, apology_policy_from_env};
use memnun_shared::contract::payload::ReviewPosted;
use memnun_shared::contract::{EventData, EventMeta};
use memnun_shared::domain::apology::{ApologyPolicy, Decision, follow_up_priority};
use memnun_shared::domain::coupon::CouponReason;
use memnun_shared::domain::mail::OutgoingEmail;
use memnun_shared::domain::mail::render::{self, ReviewApology};
use memnun_shared::domain::ticket::{Category, Origin, Ticket, TicketNumber};
use memnun_shared::idempotency::Idempotency;
use memnun_shared::ports::{
    CouponStore, CustomerStore, IdempotencyStore, Mailer, Publisher, ReviewRecord, TicketStore,
};
use memnun_shared::{Error, Result};

/// The name events published by this function carry as their `source`.
pub const SOURCE: &str = "memnun/review-responder";
const TEMPLATE: &str = "review_apology";

/// Everything the function reads at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// Tables, queues, concurrency.
    pub resources: ResourceConfig,
    /// The shop's name, sender, language and time zone.
    pub shop: ShopConfig,
    /// When a review gets an apology and a coupon.
    pub policy: ApologyPolicy,
}

impl Config {
    /// Reads and validates the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        Ok(Config {
            resources: ResourceConfig::from_env(env)?,
            shop: ShopConfig::from_env(env)?,
            policy: apology_policy_from_env(env)?,
        })
    }
}

/// The handler, generic over its ports.
pub struct Handler<S, M, P> {
    config: Config,
    store: S,
    mailer: M,
    publisher: P,
}

impl<S, M, P> Handler<S, M, P>
where
    S: CustomerStore
        + CouponStore
        + TicketStore
        + IdempotencyStore
        + memnun_shared::ports::StatsStore,
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

    /// Handles one SQS batch; `deadline` is the invocation's.
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
        app::once_per_event(
            "review-responder",
            message,
            idempotency,
            |event| async move {
                let EventData::ReviewPosted(review) = &event.data else {
                    return Err(Error::contract(
                        "type",
                        format!(
                            "{} does not belong on the reviews queue (only review.posted)",
                            event.data.kind()
                        ),
                    ));
                };
                self.respond(&event.meta, review, idempotency).await
            },
        )
        .await
    }

    async fn respond(
        &self,
        meta: &EventMeta,
        review: &ReviewPosted,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Outcome> {
        let now = meta.time;
        let event_key = meta.key();
        let policy = &self.config.policy;
        let shop = &self.config.shop;

        let contact =
            app::refresh_customer(&self.store, &review.customer_id, &review.customer, now).await?;
        self.store
            .record_review(&ReviewRecord {
                customer_id: review.customer_id.clone(),
                event_key: event_key.clone(),
                posted_at: now,
                rating: review.rating,
                negative: policy.is_negative(review.rating),
                product_id: review.product_id.clone(),
                product_name: review.product_name.clone(),
                order_id: review.order_id.clone(),
                text: review.text.clone(),
            })
            .await?;
        if policy.is_negative(review.rating) {
            app::count::negative_review(idempotency, &self.store, &event_key, now, &shop.time_zone)
                .await?;
        }

        let Decision::Apologize { coupon: offer } = policy.decide(
            review.rating,
            contact.last_apology_coupon_at,
            now,
            &shop.time_zone,
        ) else {
            return Ok("recorded");
        };
        let Some(to) = contact.email.clone() else {
            tracing::warn!(customer_id = %review.customer_id, "negative review from a customer with no email: recorded, not answered");
            return Ok("recorded; no address to answer");
        };

        let mut follow_up = Ticket::new(
            TicketNumber::generate()?,
            review.customer_id.as_str(),
            Origin::NegativeReview,
            Category::Quality,
            follow_up_priority(review.rating),
            now,
            &event_key,
        );
        follow_up.order_id = review.order_id.clone();
        follow_up.product_id = review.product_id.clone();
        follow_up.summary = Some(match &review.product_name {
            Some(product) => format!("{}★ review of {product}", review.rating),
            None => format!("{}★ review", review.rating),
        });
        let done = app::apologize(
            &self.store,
            idempotency,
            &self.publisher,
            &self.config.resources.outbound_queue_url,
            SOURCE,
            Apology {
                customer: &review.customer_id,
                reason: CouponReason::NegativeReview,
                offer,
                cap_cutoff: (policy.cap_days > 0).then(|| policy.cap_cutoff(now)),
                source_key: &event_key,
                now,
                follow_up: Some(follow_up),
            },
        )
        .await?;
        if let Some(coupon) = &done.coupon {
            app::count::coupon_issued(idempotency, &self.store, coupon, &shop.time_zone).await?;
        }
        let ticket = done
            .ticket
            .ok_or_else(|| Error::corrupt(event_key.clone(), "the follow-up ticket is missing"))?;

        let locale = contact.locale(shop.default_locale);
        let rendered = render::review_apology(
            locale,
            &shop.time_zone,
            &ReviewApology {
                shop: &shop.name,
                name: contact.name.as_deref(),
                product: review.product_name.as_deref(),
                ticket: &ticket.number,
                coupon: done.coupon.as_ref(),
            },
        )?;
        let email = OutgoingEmail::new(to, rendered, TEMPLATE);
        app::send_once(
            idempotency,
            &self.mailer,
            &review.customer_id,
            &event_key,
            &email,
        )
        .await?;
        tracing::info!(ticket = %ticket.number, coupon = done.coupon.is_some(), locale = locale.tag(), "apology sent");
        Ok(if done.coupon.is_some() {
            "apologized with a coupon"
        } else {
            "apologized"
        })
    }
}
