//! `outbound`: memnun's outbound events, carried to the shop's help desk and
//! to the shop's own URL.
//!
//! The flows publish `coupon.issued`, `ticket.opened`, `ticket.escalated`,
//! `ticket.updated` and `ticket.closed` on the outbound queue. This function
//! consumes it when the shop has somewhere for them to go; without, it is
//! not deployed and the queue stays the shop's to read.
//!
//! - **A help desk** (`ZendeskUrl` or `FreshdeskUrl`): `ticket.opened`
//!   opens the ticket there — requester, subject, the customer's message,
//!   priority, tags and the customer's history as an internal note
//!   ([`memnun_shared::domain::desk`]); `ticket.escalated` raises it to
//!   urgent with a note; `ticket.updated` adds the customer's later message
//!   (written again, on any channel, and joined to the open ticket) as a
//!   note; `ticket.closed` solves it with a note (memnun resolved it: no
//!   reply). The ticket's words and the customer's address are
//!   read from the main table (one consistent read), not carried on the
//!   queue; so is the history of a follow-up ticket, whose `ticket.opened`
//!   carries none (a complaint's does). Once per ticket whatever the
//!   retries ([`memnun_shared::adapters::helpdesk`]).
//! - **A webhook** (`OutboundWebhookUrl`): every event POSTed as it was
//!   published, byte for byte, signed with memnun's own
//!   `Memnun-Signature` ([`memnun_shared::adapters::webhook`]). Delivery is
//!   at least once: a receiver drops a repeat by `Memnun-Event-Id`.
//!
//! The events of one ticket in a batch are carried one after the other, in
//! the batch's order; different tickets side by side
//! ([`memnun_shared::batch::run_in_order`]).
//!
//! Each message is one unit of work ([`memnun_shared::work`]), keyed by the
//! message's id: a duplicate delivery costs one call and repeats nothing,
//! one delivered twice at once waits for the first, and a retry after the
//! webhook failed does not go back to the desk (the desk is step 1, the
//! webhook step 2). A call the desk or the receiver refuses or cannot take
//! is the message's failure: tried again within the invocation, then by the
//! queue (its visibility timeout), then resting in its dead-letter queue
//! with the reason logged and the alarm raised. A `ticket.escalated` or
//! `ticket.updated` that overtakes its `ticket.opened` finds no desk ticket
//! yet and is retried the same way.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::{Env, HelpDeskConfig, StoreSite, platform_site};
use memnun_shared::contract::outbound::{self, ForHelpDesk, OutboundMessage};
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::domain::desk::{
    DeskTicket, TicketClosed, TicketEscalated, TicketUpdated, closing_note, escalation_note,
    message_comment,
};
use memnun_shared::domain::history::{self, History};
use memnun_shared::domain::locale::Locale;
use memnun_shared::domain::ticket::TicketNumber;
use memnun_shared::keys::WorkKey;
use memnun_shared::ports::{
    CustomerStore, Deliverer, DeskOpened, HelpDesk, TicketStore, WorkStore,
};
use memnun_shared::work::Unit;
use memnun_shared::{Error, Result};

/// Everything the function reads at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// The shop's URL (`OUTBOUND_WEBHOOK_URL`, https or http on loopback)
    /// and the SSM SecureString with the signing secret(s)
    /// (`OUTBOUND_WEBHOOK_SECRET_PARAMETER`).
    pub webhook: Option<StoreSite>,
    /// The help desk tickets are opened in.
    pub desk: Option<HelpDeskConfig>,
    /// The main table (`TABLE_NAME`), where a ticket's words and its
    /// customer's address are read for the desk.
    pub table: String,
    /// The idempotency table (`IDEMPOTENCY_TABLE_NAME`), where each
    /// message's unit of work is recorded.
    pub idempotency_table: String,
    /// How long those records live, in days (`IDEMPOTENCY_TTL_DAYS`).
    pub idempotency_ttl_days: i64,
    /// The team's language, for the desk's notes (`DEFAULT_LOCALE`).
    pub team_locale: Locale,
    /// The shop's time zone, for the times in the notes (`SHOP_TIME_ZONE`).
    pub time_zone: TimeZone,
    /// How many messages of a batch are handled at once
    /// (`BATCH_CONCURRENCY`).
    pub batch_concurrency: usize,
}

impl Config {
    /// Reads and validates the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        let webhook = platform_site(
            env,
            "OUTBOUND_WEBHOOK_URL",
            "OUTBOUND_WEBHOOK_SECRET_PARAMETER",
        )?;
        let desk = HelpDeskConfig::from_env(env)?;
        if webhook.is_none() && desk.is_none() {
            return Err(Error::Config {
                var: "OUTBOUND_WEBHOOK_URL",
                reason: "is not set, and no help desk is (ZENDESK_URL, FRESHDESK_URL): there is nowhere to deliver to".into(),
            });
        }
        Ok(Config {
            webhook,
            desk,
            table: env.required("TABLE_NAME")?,
            idempotency_table: env.required("IDEMPOTENCY_TABLE_NAME")?,
            idempotency_ttl_days: env.int_or("IDEMPOTENCY_TTL_DAYS", 30, 15..=365)?,
            team_locale: env.parsed_or("DEFAULT_LOCALE", Locale::Tr, |v| {
                Locale::parse(v).ok_or_else(|| format!("`{v}` is not one of: tr, en"))
            })?,
            time_zone: memnun_shared::config::shop_time_zone_from_env(env)?.0,
            batch_concurrency: env.int_or("BATCH_CONCURRENCY", 10, 1..=100)?,
        })
    }
}

/// The shortest signing secret accepted, as for the inbound webhook.
pub const MIN_SECRET_BYTES: usize = 24;

/// The desk's part of a message, step 1 of its unit.
const DESK: u8 = 1;
/// The webhook's part, step 2.
const WEBHOOK: u8 = 2;

/// The handler, generic over where it delivers: `D` the webhook, `H` the
/// help desk, `S` the tables (the tickets read for the desk, the units of
/// work).
pub struct Handler<D, H, S> {
    config: Config,
    store: S,
    webhook: Option<D>,
    desk: Option<H>,
}

impl<D: Deliverer, H: HelpDesk, S: CustomerStore + TicketStore + WorkStore> Handler<D, H, S> {
    /// Builds the handler once, at init.
    pub fn new(config: Config, store: S, webhook: Option<D>, desk: Option<H>) -> Self {
        Handler {
            config,
            store,
            webhook,
            desk,
        }
    }

    /// Handles one SQS batch; answers the messages that failed.
    pub async fn handle(&self, event: SqsEvent, deadline: Timestamp) -> SqsBatchResponse {
        // One ticket's events one after the other: a desk note is a read of
        // the ticket's tags and a write of them all (Freshdesk replaces
        // them), so two at once would lose one's tag.
        let ticket = |m: &SqsMessage| m.body.as_deref().and_then(outbound::ticket_of);
        batch::run_in_order(event, self.config.batch_concurrency, ticket, |message| {
            self.message(message, deadline)
        })
        .await
    }

    async fn message(&self, message: SqsMessage, deadline: Timestamp) -> Result<Outcome> {
        let body = message
            .body
            .ok_or_else(|| Error::contract("body", "is empty"))?;
        let outbound = OutboundMessage::parse(&body)?;
        batch::record_event(&outbound.id, outbound.kind);
        let key = WorkKey::delivery(&outbound.id);
        let ttl = self.config.idempotency_ttl_days;
        let Some(unit) = Unit::begin(&self.store, key, deadline, ttl).await? else {
            return Ok("duplicate: carried before");
        };
        let result = self.carry(&outbound, &unit).await;
        unit.end(result).await
    }

    async fn carry(&self, outbound: &OutboundMessage, unit: &Unit<'_, S>) -> Result<Outcome> {
        // The desk first: a retry after the webhook failed skips it.
        let desk = match &self.desk {
            Some(desk) => match ForHelpDesk::read(outbound)? {
                Some(what) => unit.effect(DESK, || self.desk(desk, what)).await?,
                None => None,
            },
            None => None,
        };
        if let Some(webhook) = &self.webhook {
            unit.effect(WEBHOOK, || webhook.deliver(outbound)).await?;
            tracing::info!(kind = outbound.kind, "delivered to the shop's webhook");
        }
        Ok(match (desk, self.webhook.is_some()) {
            (Some(done), false) => done,
            (Some(_), true) => "done in the help desk and delivered to the webhook",
            (None, true) => "delivered",
            (None, false) => "nothing for the help desk",
        })
    }

    async fn desk(&self, desk: &H, what: ForHelpDesk) -> Result<Outcome> {
        match what {
            ForHelpDesk::Opened(opened) => {
                self.open(desk, &opened.ticket_id, &opened.customer_id, opened.history)
                    .await
            }
            ForHelpDesk::Escalated(e) => self.escalate(desk, &e).await,
            ForHelpDesk::Updated(u) => self.comment(desk, &u).await,
            ForHelpDesk::Closed(c) => self.close(desk, &c).await,
        }
    }

    /// Opens memnun's ticket in the desk, with `history`, or with the
    /// history read now when none came with it.
    async fn open(
        &self,
        desk: &H,
        number: &TicketNumber,
        customer: &CustomerId,
        history: Option<History>,
    ) -> Result<Outcome> {
        let missing = || Error::NotFound(format!("ticket {number}"));
        let (ticket, stored, history) = match history {
            Some(history) => {
                let (ticket, stored) = self.store.ticket_with_customer(number, customer).await?;
                (ticket.ok_or_else(missing)?, stored, history)
            }
            None => {
                // A follow-up's `ticket.opened` (a low review, a low rating,
                // a return) carries no history: its flow has no call to
                // spare. It is read here, as complaint-intake reads it.
                let ticket = self.store.ticket(number).await?.ok_or_else(missing)?;
                let (stored, footprint) = self.store.customer_with_footprint(customer).await?;
                let at = ticket.opened_at;
                let since = at.checked_sub(history::WINDOW).unwrap_or(Timestamp::MIN);
                let past: Vec<_> = self
                    .store
                    .tickets_between(customer, since, at)
                    .await?
                    .into_iter()
                    .filter(|t| t.number != ticket.number)
                    .collect();
                let history = History::summarise(at, &past, &footprint);
                (ticket, stored, history)
            }
        };
        let contact = stored.map(|c| c.contact).unwrap_or_default();
        let team = self.config.team_locale;
        let Some(desk_ticket) = DeskTicket::new(&ticket, &contact, &history, team) else {
            tracing::warn!(ticket = %number, "the customer left no address: not opened in the help desk");
            return Ok(NO_ADDRESS);
        };
        Ok(match desk.open(&desk_ticket).await? {
            DeskOpened::Now => {
                tracing::info!(ticket = %number, "opened in the help desk");
                "opened in the help desk"
            }
            DeskOpened::Before => {
                tracing::info!(ticket = %number, "found in the help desk, opened before");
                "found in the help desk, opened before"
            }
        })
    }

    async fn escalate(&self, desk: &H, e: &TicketEscalated) -> Result<Outcome> {
        let note = escalation_note(e, self.config.team_locale, &self.config.time_zone);
        let raised = match desk
            .escalate(&e.ticket_id, e.missed, e.priority, &note)
            .await
        {
            Err(Error::NotFound(reason)) => {
                if !self
                    .open_late(desk, &e.ticket_id, &e.customer_id, e.at, reason)
                    .await?
                {
                    return Ok(NO_ADDRESS);
                }
                desk.escalate(&e.ticket_id, e.missed, e.priority, &note)
                    .await?
            }
            other => other?,
        };
        Ok(if raised {
            tracing::info!(ticket = %e.ticket_id, missed = e.missed.as_str(), "raised in the help desk");
            "raised in the help desk"
        } else {
            "raised in the help desk before"
        })
    }

    /// Adds the customer's later message to the desk's ticket, as an
    /// internal note headed by the channel.
    async fn comment(&self, desk: &H, u: &TicketUpdated) -> Result<Outcome> {
        let Some(message) = self
            .store
            .thread_message(&u.customer_id, &u.ticket_id, u.message)
            .await?
        else {
            // Written in the commit that published this event: gone only
            // with the customer's data, erased since.
            tracing::warn!(ticket = %u.ticket_id, message = u.message, "the joined message is gone (erased): nothing to add");
            return Ok("message erased: nothing to add");
        };
        let body = message_comment(&message, self.config.team_locale);
        let added = match desk.comment(&u.ticket_id, u.message, &body).await {
            Err(Error::NotFound(reason)) => {
                if !self
                    .open_late(desk, &u.ticket_id, &u.customer_id, u.at, reason)
                    .await?
                {
                    return Ok(NO_ADDRESS);
                }
                desk.comment(&u.ticket_id, u.message, &body).await?
            }
            other => other?,
        };
        Ok(if added {
            tracing::info!(ticket = %u.ticket_id, message = u.message, channel = %u.channel, "message added in the help desk");
            "message added in the help desk"
        } else {
            "message added in the help desk before"
        })
    }

    /// Solves the desk's ticket that memnun resolved, with a note.
    async fn close(&self, desk: &H, c: &TicketClosed) -> Result<Outcome> {
        let note = closing_note(c, self.config.team_locale, &self.config.time_zone);
        let closed = match desk.close(&c.ticket_id, c.resolved_as, &note).await {
            Err(Error::NotFound(reason)) => {
                if !self
                    .open_late(desk, &c.ticket_id, &c.customer_id, c.at, reason)
                    .await?
                {
                    return Ok(NO_ADDRESS);
                }
                desk.close(&c.ticket_id, c.resolved_as, &note).await?
            }
            other => other?,
        };
        Ok(if closed {
            tracing::info!(ticket = %c.ticket_id, resolved_as = c.resolved_as.as_str(), "closed in the help desk");
            "closed in the help desk"
        } else {
            "closed in the help desk before"
        })
    }

    /// For an event about a ticket the desk does not have. Its
    /// `ticket.opened` may be on its way: within [`OPENING_GRACE`] of the
    /// opening, the event fails with `reason` and is retried. Past it, the
    /// ticket was opened before the desk was configured, or for a customer
    /// with no address: it is opened now (`true`), or known to have no
    /// place in the desk (`false`).
    async fn open_late(
        &self,
        desk: &H,
        number: &TicketNumber,
        customer: &CustomerId,
        at: Timestamp,
        reason: String,
    ) -> Result<bool> {
        let ticket = self
            .store
            .ticket(number)
            .await?
            .ok_or_else(|| Error::NotFound(format!("ticket {number}")))?;
        if at.duration_since(ticket.opened_at) < OPENING_GRACE {
            return Err(Error::NotFound(reason));
        }
        Ok(self.open(desk, number, customer, None).await? != NO_ADDRESS)
    }
}

/// The outcome of a ticket whose customer left no address.
const NO_ADDRESS: &str = "no address: not opened in the help desk";

/// How long a ticket may be missing from the desk because its
/// `ticket.opened` is still on its way; past it, an escalation opens the
/// desk's ticket itself.
const OPENING_GRACE: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use memnun_shared::contract::internal::SlaAlarm;
    use memnun_shared::contract::outbound;
    use memnun_shared::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
    use memnun_shared::domain::customer::{ContactDetails, Customer, CustomerId};
    use memnun_shared::domain::history::{Footprint, History};
    use memnun_shared::domain::sla::Goal;
    use memnun_shared::domain::ticket::{
        Category, Channel, Origin, Priority, Ticket, TicketNumber,
    };
    use memnun_shared::memory::{MemoryDesk, MemoryStore, Profile};

    use super::*;

    #[derive(Default)]
    struct Kept {
        delivered: Mutex<Vec<OutboundMessage>>,
        failing: Mutex<usize>,
    }

    impl Deliverer for Kept {
        async fn deliver(&self, message: &OutboundMessage) -> Result<()> {
            let mut failing = self.failing.lock().unwrap();
            if *failing > 0 {
                *failing -= 1;
                return Err(Error::Platform {
                    platform: "webhook",
                    operation: "POST",
                    reason: "answered 503".into(),
                    permanent: false,
                });
            }
            self.delivered.lock().unwrap().push(message.clone());
            Ok(())
        }
    }

    type Desked = Handler<Kept, MemoryDesk, MemoryStore>;

    const WEBHOOK: [(&str, &str); 2] = [
        (
            "OUTBOUND_WEBHOOK_URL",
            "https://hooks.dukkan.example/memnun",
        ),
        (
            "OUTBOUND_WEBHOOK_SECRET_PARAMETER",
            "/memnun/outbound-webhook-secret",
        ),
    ];
    const ZENDESK: [(&str, &str); 2] = [
        ("ZENDESK_URL", "https://dukkan.zendesk.com"),
        ("ZENDESK_TOKEN_PARAMETER", "/memnun/zendesk-token"),
    ];
    const TABLES: [(&str, &str); 2] = [
        ("TABLE_NAME", "memnun-main"),
        ("IDEMPOTENCY_TABLE_NAME", "memnun-idempotency"),
    ];

    fn config(pairs: &[(&'static str, &'static str)]) -> Config {
        Config::from_env(&Env::from_pairs(pairs.iter().copied())).unwrap()
    }

    fn webhook_only() -> Desked {
        let mut pairs = TABLES.to_vec();
        pairs.extend(WEBHOOK);
        Handler::new(
            config(&pairs),
            MemoryStore::default(),
            Some(Kept::default()),
            None,
        )
    }

    fn with_desk(webhook: bool) -> Desked {
        let mut pairs = TABLES.to_vec();
        pairs.extend(ZENDESK);
        if webhook {
            pairs.extend(WEBHOOK);
        }
        Handler::new(
            config(&pairs),
            MemoryStore::default(),
            webhook.then(Kept::default),
            Some(MemoryDesk::default()),
        )
    }

    fn batch(bodies: &[String]) -> SqsEvent {
        let mut event = SqsEvent::default();
        event.records = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                let mut m = SqsMessage::default();
                m.message_id = Some(format!("m-{i}"));
                m.body = Some(body.clone());
                m
            })
            .collect();
        event
    }

    fn failed(answer: &SqsBatchResponse) -> Vec<&str> {
        answer
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect()
    }

    fn issued() -> OutboundMessage {
        outbound::coupon_issued(
            &Coupon {
                code: CouponCode::parse("RVW-ABCDE-23456").unwrap(),
                customer_id: CustomerId::parse("c-1").unwrap(),
                reason: CouponReason::NegativeReview,
                value: CouponValue::Percent(15),
                issued_at: "2026-11-22T10:15:00Z".parse().unwrap(),
                expires_at: "2026-12-22T20:59:59Z".parse().unwrap(),
                source_event: "shop/test#r-1".into(),
            },
            "memnun/review-responder",
        )
    }

    fn deadline() -> Timestamp {
        Timestamp::now() + jiff::SignedDuration::from_secs(30)
    }

    /// A complaint's ticket stored as complaint-intake leaves it, and its
    /// `ticket.opened`; `email` decides whether the customer left an
    /// address.
    fn complaint(h: &Desked, email: Option<&str>) -> (Ticket, OutboundMessage) {
        let opened: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        let mut ticket = Ticket::new(
            TicketNumber::parse("TK-1234-5678").unwrap(),
            &CustomerId::parse("c-1").unwrap(),
            Origin::Complaint,
            Category::Delivery,
            Priority::High,
            opened,
            "shop/test#k-1",
        );
        ticket.subject = Some("Kargom nerede?".into());
        ticket.summary = Some("Siparişim 10 gündür gelmedi.".into());
        let mut world = h.store.world();
        world.tickets.insert("TK-1234-5678".into(), ticket.clone());
        world.profiles.insert(
            "c-1".into(),
            Profile {
                customer: Some(Customer {
                    id: CustomerId::parse("c-1").unwrap(),
                    contact: ContactDetails {
                        email: email
                            .and_then(|e| memnun_shared::domain::mail::EmailAddress::parse(e).ok()),
                        name: Some("Ayşe".into()),
                        ..ContactDetails::default()
                    },
                    contact_updated_at: None,
                    last_apology_coupon_at: None,
                    marketing_consent: false,
                    greeted_at: None,
                }),
                ..Profile::default()
            },
        );
        let history = History::summarise(opened, &[], &Footprint::default());
        let message = outbound::ticket_opened(&ticket, Some(&history), "memnun/complaint-intake");
        (ticket, message)
    }

    /// A breach of `ticket`'s `goal` announced at `at`.
    fn escalated(ticket: &Ticket, goal: Goal, at: &str) -> OutboundMessage {
        outbound::ticket_escalated(
            &SlaAlarm {
                ticket_id: ticket.number.clone(),
                goal,
                due: "2026-11-23T13:00:00Z".parse().unwrap(),
                priority: ticket.priority,
                category: ticket.category,
                customer_id: ticket.customer_id.clone(),
                part: None,
            },
            at.parse().unwrap(),
            "memnun/sla-escalator",
        )
    }

    fn desk(h: &Desked) -> &MemoryDesk {
        h.desk.as_ref().unwrap()
    }

    #[tokio::test]
    async fn each_event_is_delivered_as_published_and_a_bad_one_fails_alone() {
        let h = webhook_only();
        let good = issued();
        let bad = serde_json::json!({"specversion": "1.0", "id": "x", "type": "review.posted", "data": {}})
            .to_string();
        let answer = h.handle(batch(&[good.body.clone(), bad]), deadline()).await;
        assert_eq!(failed(&answer), ["m-1"]);
        let delivered = h
            .webhook
            .as_ref()
            .unwrap()
            .delivered
            .lock()
            .unwrap()
            .clone();
        assert_eq!(delivered.len(), 1);
        assert_eq!(delivered[0].body, good.body, "byte for byte");
        assert_eq!(delivered[0].id, good.id);
    }

    #[tokio::test]
    async fn a_failed_delivery_is_the_messages_failure_and_its_retry_delivers() {
        let h = webhook_only();
        let kept = h.webhook.as_ref().unwrap();
        *kept.failing.lock().unwrap() = 1;
        let body = issued().body;
        let first = h
            .handle(batch(std::slice::from_ref(&body)), deadline())
            .await;
        assert_eq!(first.batch_item_failures.len(), 1);
        let again = h.handle(batch(&[body]), deadline()).await;
        assert!(again.batch_item_failures.is_empty());
        assert_eq!(kept.delivered.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_ticket_opens_once_in_the_desk_with_its_history_and_a_breach_raises_it_once() {
        let h = with_desk(false);
        let (ticket, opened) = complaint(&h, Some("ayse@example.com"));
        // The breach overtakes the opening: retried, not lost.
        let early = h
            .handle(
                batch(&[escalated(&ticket, Goal::FirstReply, "2026-11-23T09:30:00Z").body]),
                deadline(),
            )
            .await;
        assert_eq!(failed(&early), ["m-0"]);
        for _ in 0..2 {
            let answer = h
                .handle(batch(std::slice::from_ref(&opened.body)), deadline())
                .await;
            assert!(answer.batch_item_failures.is_empty());
        }
        let tickets = desk(&h).tickets();
        assert_eq!(tickets.len(), 1, "one desk ticket for two deliveries");
        let t = &tickets[0];
        assert_eq!(t.ticket.subject, "[TK-1234-5678] Kargom nerede?");
        assert_eq!(t.ticket.requester.as_str(), "ayse@example.com");
        assert_eq!(t.priority, Priority::High);
        assert!(
            t.notes[0].contains("geçmişi"),
            "the team's language: {}",
            t.notes[0]
        );
        for _ in 0..2 {
            let answer = h
                .handle(
                    batch(&[escalated(&ticket, Goal::FirstReply, "2026-11-23T13:05:00Z").body]),
                    deadline(),
                )
                .await;
            assert!(answer.batch_item_failures.is_empty());
        }
        let t = &desk(&h).tickets()[0];
        assert_eq!(t.priority, Priority::Urgent);
        assert_eq!(t.raised_for, [Goal::FirstReply]);
        assert_eq!(t.notes.len(), 2, "one note for the breach: {:?}", t.notes);
        // Coupons are nothing to the desk.
        assert!(
            h.handle(batch(&[issued().body]), deadline())
                .await
                .batch_item_failures
                .is_empty()
        );
    }

    #[tokio::test]
    async fn no_address_no_desk_ticket_and_the_webhook_still_gets_the_event() {
        let h = with_desk(true);
        let (_, opened) = complaint(&h, None);
        let answer = h
            .handle(batch(std::slice::from_ref(&opened.body)), deadline())
            .await;
        assert!(answer.batch_item_failures.is_empty());
        assert!(desk(&h).tickets().is_empty());
        assert_eq!(
            h.webhook.as_ref().unwrap().delivered.lock().unwrap().len(),
            1
        );
    }

    #[tokio::test]
    async fn a_breach_of_a_ticket_the_desk_never_had_opens_it_or_knows_it_has_no_place() {
        // Opened before the desk was configured: the breach, hours later,
        // opens the desk's ticket with its history and raises it.
        let h = with_desk(false);
        let (ticket, _) = complaint(&h, Some("ayse@example.com"));
        let late = escalated(&ticket, Goal::FirstReply, "2026-11-23T13:05:00Z");
        let answer = h.handle(batch(&[late.body]), deadline()).await;
        assert!(answer.batch_item_failures.is_empty());
        let tickets = desk(&h).tickets();
        assert_eq!(tickets.len(), 1);
        assert_eq!(tickets[0].priority, Priority::Urgent);
        assert!(
            tickets[0].notes[0].contains("geçmişi"),
            "{:?}",
            tickets[0].notes
        );
        // No address: no place in the desk, and no dead letter either.
        let h = with_desk(false);
        let (ticket, _) = complaint(&h, None);
        let late = escalated(&ticket, Goal::Resolution, "2026-11-25T13:05:00Z");
        let answer = h.handle(batch(&[late.body]), deadline()).await;
        assert!(answer.batch_item_failures.is_empty());
        assert!(desk(&h).tickets().is_empty());
    }

    #[tokio::test]
    async fn one_tickets_events_in_one_batch_reach_the_desk_one_at_a_time_in_order() {
        let h = with_desk(false);
        let (ticket, opened) = complaint(&h, Some("ayse@example.com"));
        let bodies = [
            opened.body,
            escalated(&ticket, Goal::FirstReply, "2026-11-23T13:05:00Z").body,
            issued().body,
            joined(&h, &ticket, 1, "2026-11-23T14:00:00Z").body,
            joined(&h, &ticket, 2, "2026-11-23T15:00:00Z").body,
        ];
        let answer = h.handle(batch(&bodies), deadline()).await;
        assert!(
            answer.batch_item_failures.is_empty(),
            "{:?}",
            failed(&answer)
        );
        assert_eq!(
            desk(&h).overlaps(),
            0,
            "never two calls on one ticket at once"
        );
        let t = &desk(&h).tickets()[0];
        assert_eq!(t.raised_for, [Goal::FirstReply]);
        let comments: Vec<u32> = t.comments.iter().map(|(n, _)| *n).collect();
        assert_eq!(comments, [1, 2]);
    }

    /// The `n`-th message that joined `ticket`, stored as complaint-intake
    /// stores it, and its `ticket.updated` at `at`.
    fn joined(h: &Desked, ticket: &Ticket, n: u32, at: &str) -> OutboundMessage {
        let at: Timestamp = at.parse().unwrap();
        let message = memnun_shared::domain::thread::ThreadMessage {
            ticket: ticket.number.clone(),
            customer_id: ticket.customer_id.clone(),
            message: n,
            channel: Channel::Chat,
            at,
            subject: None,
            text: format!("Ek bilgi {n}: kapı kodu 1234."),
        };
        h.store
            .world()
            .messages
            .insert((ticket.number.as_str().to_owned(), n), message);
        outbound::ticket_updated(
            ticket,
            n,
            Channel::Chat,
            memnun_shared::domain::thread::JoinedBy::Number,
            at,
            "memnun/complaint-intake",
        )
    }

    #[tokio::test]
    async fn a_joined_message_is_added_to_the_desks_ticket_once_and_waits_for_its_opening() {
        let h = with_desk(false);
        let (ticket, opened) = complaint(&h, Some("ayse@example.com"));
        // Overtaking its ticket.opened within the hour: retried.
        let first = joined(&h, &ticket, 1, "2026-11-23T09:30:00Z");
        let answer = h
            .handle(batch(std::slice::from_ref(&first.body)), deadline())
            .await;
        assert_eq!(failed(&answer), ["m-0"]);
        assert!(desk(&h).tickets().is_empty());
        let answer = h.handle(batch(&[opened.body]), deadline()).await;
        assert!(answer.batch_item_failures.is_empty());
        let answer = h
            .handle(batch(std::slice::from_ref(&first.body)), deadline())
            .await;
        assert!(answer.batch_item_failures.is_empty());
        let second = joined(&h, &ticket, 2, "2026-11-23T11:00:00Z");
        for _ in 0..2 {
            let answer = h
                .handle(batch(std::slice::from_ref(&second.body)), deadline())
                .await;
            assert!(answer.batch_item_failures.is_empty());
        }
        let tickets = desk(&h).tickets();
        let comments: Vec<u32> = tickets[0].comments.iter().map(|(n, _)| *n).collect();
        assert_eq!(comments, [1, 2], "each once");
        let (_, body) = &tickets[0].comments[1];
        assert!(
            body.contains("chat") && body.contains("Ek bilgi 2"),
            "{body}"
        );
    }

    #[tokio::test]
    async fn a_message_joined_to_a_ticket_the_desk_never_had_opens_it_and_an_erased_one_is_done() {
        let h = with_desk(false);
        let (ticket, _) = complaint(&h, Some("ayse@example.com"));
        let late = joined(&h, &ticket, 1, "2026-11-24T09:00:00Z");
        let answer = h.handle(batch(&[late.body]), deadline()).await;
        assert!(answer.batch_item_failures.is_empty());
        let tickets = desk(&h).tickets();
        assert_eq!(tickets.len(), 1, "opened past the grace");
        assert_eq!(tickets[0].comments.len(), 1);
        // The customer's data erased since: nothing to add, no dead letter.
        let gone = joined(&h, &ticket, 2, "2026-11-24T10:00:00Z");
        h.store.world().messages.clear();
        let answer = h.handle(batch(&[gone.body]), deadline()).await;
        assert!(answer.batch_item_failures.is_empty());
        assert_eq!(desk(&h).tickets()[0].comments.len(), 1);
    }

    #[test]
    fn the_configuration_names_what_is_missing() {
        let e = Config::from_env(&Env::from_pairs([
            ("OUTBOUND_WEBHOOK_URL", "http://hooks.dukkan.example"),
            (
                "OUTBOUND_WEBHOOK_SECRET_PARAMETER",
                "/memnun/outbound-webhook-secret",
            ),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("OUTBOUND_WEBHOOK_URL"), "{e}");
        let mut loopback = TABLES.to_vec();
        loopback.extend([
            ("OUTBOUND_WEBHOOK_URL", "http://127.0.0.1:8080/hook"),
            ("OUTBOUND_WEBHOOK_SECRET_PARAMETER", "/p"),
        ]);
        assert!(Config::from_env(&Env::from_pairs(loopback)).is_ok());
        let nothing =
            Config::from_env(&Env::from_pairs([("OUTBOUND_WEBHOOK_URL", "")])).unwrap_err();
        assert!(
            nothing.to_string().contains("nowhere to deliver"),
            "{nothing}"
        );
        let no_table = Config::from_env(&Env::from_pairs(ZENDESK)).unwrap_err();
        assert!(no_table.to_string().contains("TABLE_NAME"), "{no_table}");
        let mut both = ZENDESK.to_vec();
        both.extend([
            ("FRESHDESK_URL", "https://dukkan.freshdesk.com"),
            ("FRESHDESK_KEY_PARAMETER", "/memnun/freshdesk-key"),
        ]);
        let two = Config::from_env(&Env::from_pairs(both)).unwrap_err();
        assert!(two.to_string().contains("one help desk"), "{two}");
    }
}
