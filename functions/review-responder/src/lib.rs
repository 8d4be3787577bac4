//! `review-responder`: a low product review becomes an apology.
//!
//! For each `review.posted` on the reviews queue: the review is recorded and
//! the customer's contact details kept current. A review at or under the
//! threshold gets an apology email in the customer's language, a follow-up
//! ticket so a person reaches out, and — unless the customer had an apology
//! coupon within the cap window — a coupon, published as `coupon.issued` for
//! the shop's platform. A 3–5 star review is recorded and nothing is sent.
//!
//! One unit of work per event ([`memnun_shared::work`]): the review, the
//! contact details, the coupon, the cap, the ticket and the counters land in
//! one transaction; the coupon is created in the shop's store, when one is
//! configured ([`memnun_shared::app::coupons`]: no email names a code
//! checkout would refuse); `coupon.issued` and `ticket.opened` leave in one
//! SQS batch; then the email. A redelivery costs one call and repeats nothing; a
//! retry after a partial failure goes on from the step it reached, with the
//! same coupon and the same ticket. The calls, one by one, are in
//! docs/life-of-an-event.md.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::Timestamp;
use memnun_shared::adapters::store::StoreRegistry;
use memnun_shared::app::coupons;
use memnun_shared::app::unit::{self, Kept};
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::{
    Env, ResourceConfig, ShopConfig, StoreConfig, apology_policy_from_env,
};
use memnun_shared::contract::outbound;
use memnun_shared::contract::payload::ReviewPosted;
use memnun_shared::contract::reminder::CouponExpiring;
use memnun_shared::contract::{EventData, EventMeta};
use memnun_shared::domain::apology::{ApologyPolicy, Decision, follow_up_priority};
use memnun_shared::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
use memnun_shared::domain::digest::{Week, names};
use memnun_shared::domain::mail::OutgoingEmail;
use memnun_shared::domain::mail::render::{self, ReviewApology};
use memnun_shared::domain::ticket::{Category, Origin, Ticket, TicketNumber};
use memnun_shared::ports::{
    Conflict, CouponRegistry, CouponStore, CustomerStore, Holder, Mailer, ProfileWrite, Publisher,
    ReviewRecord, TicketStore, WorkStore, Write,
};
use memnun_shared::work::Unit;
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
    /// Where coupons are registered before their emails.
    pub stores: StoreConfig,
    /// The help desk's inbound address, the apology's `Reply-To`
    /// (`SUPPORT_REPLY_TO_EMAIL`).
    pub reply_to: Option<memnun_shared::domain::mail::EmailAddress>,
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
            stores: StoreConfig::from_env(env)?,
            reply_to: memnun_shared::config::reply_to_from_env(env)?,
            reminder: memnun_shared::config::reminder_policy_from_env(env)?,
        })
    }
}

/// The handler, generic over its ports; `R` is the shop's store, where a
/// coupon is registered before its email (none by default).
pub struct Handler<S, M, P, R = StoreRegistry> {
    config: Config,
    store: S,
    mailer: M,
    publisher: P,
    registry: R,
}

/// How often a commit is tried again after a conflict (a code or number
/// drawn twice, the customer changed in between).
const ATTEMPTS: usize = 5;
/// The unit's steps after its commit.
const PUBLISHED: u8 = 2;
const ANSWERED: u8 = 3;

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
    /// Handles one SQS batch; `deadline` is the invocation's.
    pub async fn handle(&self, event: SqsEvent, deadline: Timestamp) -> SqsBatchResponse {
        batch::run(event, self.config.resources.batch_concurrency, |message| {
            self.message(message, deadline)
        })
        .await
    }

    async fn message(&self, message: SqsMessage, deadline: Timestamp) -> Result<Outcome> {
        let ttl = self.config.resources.idempotency_ttl_days;
        let Some((event, unit)) =
            unit::begin_event("review-responder", message, &self.store, deadline, ttl).await?
        else {
            return Ok("duplicate");
        };
        let result = match &event.data {
            EventData::ReviewPosted(review) => self.respond(&event.meta, review, &unit).await,
            other => Err(Error::contract(
                "type",
                format!(
                    "{} does not belong on the reviews queue (only review.posted)",
                    other.kind()
                ),
            )),
        };
        unit.end(result).await
    }

    async fn respond(
        &self,
        meta: &EventMeta,
        review: &ReviewPosted,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let shop = &self.config.shop;
        let stored = self.store.customer(&review.customer_id).await?;
        let mut kept = match unit.saved::<Kept>()? {
            Some(kept) if unit.committed() => kept,
            _ => self.commit(meta, review, unit, stored.clone()).await?,
        };
        let contact = unit::known_contact(stored.as_ref(), &review.customer);
        let (Some(ticket), Some(to)) = (kept.ticket_number(&meta.key())?, contact.email.clone())
        else {
            if self.config.policy.is_negative(review.rating) && contact.email.is_none() {
                tracing::warn!(customer_id = %review.customer_id, "negative review from a customer with no email: recorded, not answered");
                return Ok("recorded; no address to answer");
            }
            return Ok("recorded");
        };
        let coupon = coupons::register_kept(
            unit,
            &self.registry,
            &mut kept,
            Holder { email: Some(&to) },
            SOURCE,
        )
        .await?;
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
        let locale = contact.locale(shop.default_locale);
        let rendered = render::review_apology(
            locale,
            &shop.time_zone,
            &ReviewApology {
                shop: &shop.name,
                name: contact.name.as_deref(),
                product: review.product_name.as_deref(),
                ticket: &ticket,
                coupon: coupon.as_ref(),
            },
        )?;
        let email =
            OutgoingEmail::new(to, rendered, TEMPLATE).with_reply_to(self.config.reply_to.clone());
        unit.effect(ANSWERED, || self.mailer.send(&email)).await?;
        tracing::info!(ticket = %ticket, coupon = coupon.is_some(), locale = locale.tag(), "apology sent");
        Ok(if coupon.is_some() {
            "apologized with a coupon"
        } else {
            "apologized"
        })
    }

    /// Decides and writes everything the review changes, in one commit;
    /// again from a fresh read when the customer changed in between.
    async fn commit(
        &self,
        meta: &EventMeta,
        review: &ReviewPosted,
        unit: &Unit<'_, S>,
        mut stored: Option<memnun_shared::domain::customer::Customer>,
    ) -> Result<Kept> {
        let now = meta.time;
        let event_key = meta.key();
        let policy = &self.config.policy;
        let tz = &self.config.shop.time_zone;
        let negative = policy.is_negative(review.rating);
        // Written by an earlier version of this function that stopped half
        // way: found only when a commit names them as taken.
        let mut prior_coupon: Option<Coupon> = None;
        let mut prior_ticket: Option<Ticket> = None;
        for _ in 0..ATTEMPTS {
            let contact = unit::known_contact(stored.as_ref(), &review.customer);
            let mut writes = vec![Write::Review(ReviewRecord {
                customer_id: review.customer_id.clone(),
                event_key: event_key.clone(),
                posted_at: now,
                rating: review.rating,
                negative,
                product_id: review.product_id.clone(),
                product_name: review.product_name.clone(),
                order_id: review.order_id.clone(),
                text: review.text.clone(),
            })];
            let mut counts = Vec::new();
            if negative {
                counts.push((names::NEGATIVE_REVIEWS.to_owned(), 1));
            }
            let mut kept = Kept::default();
            let mut apology_coupon = None;
            let decision = policy.decide(review.rating, contact.last_apology_coupon_at, now, tz);
            if let (Decision::Apologize { coupon: offer }, Some(_)) = (decision, &contact.email) {
                let ticket = match &prior_ticket {
                    Some(t) => t.clone(),
                    None => {
                        let t = self.follow_up(review, now, &event_key)?;
                        writes.push(Write::Ticket(Box::new(t.clone())));
                        t
                    }
                };
                let coupon = match (&prior_coupon, offer) {
                    (Some(c), _) => Some(c.clone()),
                    (None, Some(offer)) => {
                        let c = Coupon {
                            code: CouponCode::generate(CouponReason::NegativeReview)?,
                            customer_id: review.customer_id.clone(),
                            reason: CouponReason::NegativeReview,
                            value: CouponValue::Percent(offer.percent),
                            issued_at: now,
                            expires_at: offer.expires_at,
                            source_event: event_key.clone(),
                        };
                        writes.push(Write::Coupon(c.clone()));
                        apology_coupon =
                            Some((now, (policy.cap_days > 0).then(|| policy.cap_cutoff(now))));
                        counts.extend(memnun_shared::app::count::coupon_amounts(&c));
                        Some(c)
                    }
                    (None, None) => None,
                };
                let mut messages = Vec::new();
                if let Some(c) = &coupon {
                    messages.push(outbound::coupon_issued(c, SOURCE));
                    let clock = contact.time_zone(tz);
                    writes.extend(
                        CouponExpiring::held(&self.config.reminder, c, &clock, SOURCE)
                            .map(Write::Schedule),
                    );
                }
                messages.push(outbound::ticket_opened(&ticket, None, SOURCE));
                kept = Kept {
                    ticket: Some(ticket.number.to_string()),
                    ..Kept::default()
                }
                .with_coupon(coupon.as_ref())
                .with_messages(messages);
            }
            let contact_write = unit::contact_write(stored.as_ref(), &review.customer, now);
            if contact_write.is_some() || apology_coupon.is_some() {
                writes.push(Write::Profile(ProfileWrite {
                    id: review.customer_id.clone(),
                    contact: contact_write,
                    apology_coupon,
                    greeted: None,
                }));
            }
            if !counts.is_empty() {
                writes.push(Write::Count(Week::of(now, tz), counts));
            }
            let conflicts = unit.commit(&writes, &kept).await?;
            if conflicts.is_empty() {
                return Ok(kept);
            }
            if conflicts.contains(&Conflict::Profile) {
                stored = self.store.customer(&review.customer_id).await?;
            }
            if conflicts.contains(&Conflict::CouponCause) {
                prior_coupon = self
                    .store
                    .issued_for(
                        &review.customer_id,
                        CouponReason::NegativeReview,
                        &event_key,
                    )
                    .await?;
            }
            if conflicts.contains(&Conflict::TicketCause) {
                prior_ticket = self
                    .store
                    .opened_for(&review.customer_id, Origin::NegativeReview, &event_key)
                    .await?;
            }
        }
        Err(Error::Exhausted("review commit (too many conflicts)"))
    }

    fn follow_up(&self, review: &ReviewPosted, now: Timestamp, event_key: &str) -> Result<Ticket> {
        let mut ticket = Ticket::new(
            TicketNumber::generate()?,
            &review.customer_id,
            Origin::NegativeReview,
            Category::Quality,
            follow_up_priority(review.rating),
            now,
            event_key,
        );
        ticket.order_id = review.order_id.clone();
        ticket.product_id = review.product_id.clone();
        ticket.summary = Some(match &review.product_name {
            Some(product) => format!("{}★ review of {product}", review.rating),
            None => format!("{}★ review", review.rating),
        });
        Ok(ticket)
    }
}

#[cfg(test)]
mod tests {
    //! The policy in milliseconds, against the ports in memory; the
    //! emulator tests (`tests/flows/review_responder.rs`) prove the AWS side.

    use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
    use memnun_shared::config::Env;
    use memnun_shared::memory::{MemoryMailer, MemoryPublisher, MemoryRegistry, MemoryStore};

    use super::*;

    fn handler() -> Handler<MemoryStore, MemoryMailer, MemoryPublisher> {
        let env = Env::from_pairs(
            [
                ("TABLE_NAME", "t"),
                ("IDEMPOTENCY_TABLE_NAME", "i"),
                ("OUTBOUND_QUEUE_URL", "http://localhost/outbound"),
                ("SHOP_NAME", "Dükkan"),
                ("SENDER_EMAIL", "destek@dukkan.example"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let config = Config::from_env(&env).unwrap();
        Handler::new(
            config,
            MemoryStore::default(),
            MemoryMailer::default(),
            MemoryPublisher::default(),
        )
    }

    fn review(id: &str, time: &str, rating: u8) -> SqsEvent {
        let body = serde_json::json!({
            "specversion": "1.0",
            "id": id,
            "source": "shop/test",
            "type": "review.posted",
            "time": time,
            "data": {
                "customer_id": "c-1",
                "rating": rating,
                "product_name": "Seramik Kupa",
                "customer": {"email": "ayse@example.com", "name": "Ayşe", "locale": "tr-TR"},
            },
        });
        let mut message = SqsMessage::default();
        message.message_id = Some(id.to_owned());
        message.body = Some(body.to_string());
        let mut event = SqsEvent::default();
        event.records = vec![message];
        event
    }

    fn deadline() -> Timestamp {
        Timestamp::now() + jiff::SignedDuration::from_secs(30)
    }

    async fn handle<R: CouponRegistry>(
        h: &Handler<MemoryStore, MemoryMailer, MemoryPublisher, R>,
        e: SqsEvent,
    ) {
        let response = h.handle(e, deadline()).await;
        assert!(response.batch_item_failures.is_empty());
    }

    #[tokio::test]
    async fn a_low_review_is_one_commit_and_a_duplicate_one_call() {
        let h = handler();
        handle(&h, review("r-1", "2026-11-23T10:00:00Z", 1)).await;
        let kinds: Vec<&str> = h.publisher.published().iter().map(|m| m.kind).collect();
        assert_eq!(kinds, ["coupon.issued", "ticket.opened"]);
        assert_eq!(h.mailer.sent().len(), 1);
        {
            let world = h.store.world();
            assert_eq!(world.coupons.len(), 1);
            assert_eq!(world.tickets.len(), 1);
            assert_eq!(world.reviews.len(), 1);
            assert_eq!(
                world.calls,
                ["begin", "customer", "commit", "advance", "finish"]
            );
        }
        h.store.world().calls.clear();
        handle(&h, review("r-1", "2026-11-23T10:00:00Z", 1)).await;
        assert_eq!(h.store.world().calls, ["begin"]);
        assert_eq!(h.mailer.sent().len(), 1);
        assert_eq!(h.publisher.published().len(), 2);
    }

    #[tokio::test]
    async fn a_second_low_review_within_the_cap_is_answered_without_a_coupon() {
        let h = handler();
        handle(&h, review("r-1", "2026-11-23T10:00:00Z", 1)).await;
        handle(&h, review("r-2", "2026-12-01T10:00:00Z", 2)).await;
        let world = h.store.world();
        assert_eq!((world.coupons.len(), world.tickets.len()), (1, 2));
        assert_eq!(h.mailer.sent().len(), 2);
    }

    #[tokio::test]
    async fn a_good_review_is_recorded_and_nothing_leaves() {
        let h = handler();
        handle(&h, review("r-1", "2026-11-23T10:00:00Z", 5)).await;
        let world = h.store.world();
        assert_eq!(world.reviews.len(), 1);
        assert!(world.coupons.is_empty() && world.tickets.is_empty());
        assert!(h.mailer.sent().is_empty() && h.publisher.published().is_empty());
    }

    #[tokio::test]
    async fn the_coupon_is_in_the_store_before_its_email_and_only_once() {
        let h = handler().with_registry(MemoryRegistry::default());
        h.registry.fail_next(1);
        let failed = h
            .handle(review("r-1", "2026-11-23T10:00:00Z", 1), deadline())
            .await;
        assert_eq!(failed.batch_item_failures.len(), 1);
        assert!(
            h.mailer.sent().is_empty(),
            "no email while the store is down"
        );
        assert!(
            h.publisher.published().is_empty(),
            "no coupon.issued either"
        );
        handle(&h, review("r-1", "2026-11-23T10:00:00Z", 1)).await;
        handle(&h, review("r-1", "2026-11-23T10:00:00Z", 1)).await;
        let registered = h.registry.registered();
        assert_eq!(registered.len(), 1);
        let sent = h.mailer.sent();
        assert_eq!(sent.len(), 1);
        assert!(sent[0].text.contains(&registered[0]));
        assert_eq!(
            h.registry.calls(),
            2,
            "the duplicate asked the store nothing"
        );
    }

    #[tokio::test]
    async fn a_code_the_shop_has_is_never_emailed() {
        let h = handler().with_registry(MemoryRegistry::default());
        h.registry.shop_takes_next(2);
        handle(&h, review("r-1", "2026-11-23T10:00:00Z", 1)).await;
        let sent = h.mailer.sent();
        let registered = h.registry.registered();
        assert_eq!((sent.len(), registered.len()), (1, 1));
        assert!(sent[0].text.contains(&registered[0]));
        for shops in h.registry.shop_codes() {
            assert!(!sent[0].text.contains(&shops));
            assert!(!h.publisher.published()[0].body.contains(&shops));
        }
        let world = h.store.world();
        assert_eq!(world.coupons.keys().collect::<Vec<_>>(), [&registered[0]]);
    }
}
