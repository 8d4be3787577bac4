//! The SLA and digest functions' handlers against a stack, and the events
//! and checks their flow tests share (`flows/sla.rs`, `flows/digest.rs`).

#![allow(dead_code)] // Each flow test uses its own part of this.

use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};
use memnun_shared::Result;
use memnun_shared::adapters::{dynamodb::DynamoStore, ses::SesMailer, sqs::SqsPublisher};
use memnun_shared::config::Env;
use memnun_shared::contract::outbound::OutboundMessage;
use memnun_shared::domain::token::Signer;
use memnun_shared::ports::Publisher;
use memnun_tests::deliver::{self, Delivery};
use memnun_tests::emulator::SentEmail;
use memnun_tests::events::event;
use memnun_tests::stack::{LINK_SECRET, Stack};
use serde_json::json;

/// complaint-intake.
pub type Intake = complaint_intake::Handler<DynamoStore, SesMailer, SqsPublisher>;
/// review-responder.
pub type Responder = review_responder::Handler<DynamoStore, SesMailer, SqsPublisher>;
/// sla-monitor, with the publisher a test gives it.
pub type Monitor<P = SqsPublisher> = sla_monitor::Handler<DynamoStore, P>;
/// sla-escalator.
pub type Escalator = sla_escalator::Handler<DynamoStore, SesMailer, SqsPublisher>;
/// weekly-digest.
pub type Digest = weekly_digest::Handler<DynamoStore, SesMailer>;
/// order-journey on the emulator.
pub type Journey = order_journey::Handler<DynamoStore, SesMailer, SqsPublisher>;

/// The stack's tables, as every function reaches them.
pub fn store(stack: &Stack) -> DynamoStore {
    DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&stack.aws),
        &stack.table,
        &stack.idempotency_table,
    )
}

fn env(stack: &Stack, function: &str) -> Env {
    Env::from_pairs(stack.function_env(function))
}

fn mailer(stack: &Stack, shop: &memnun_shared::config::ShopConfig) -> SesMailer {
    SesMailer::new(
        aws_sdk_ses::Client::new(&stack.aws),
        &shop.name,
        &shop.sender,
        None,
    )
}

fn publisher(stack: &Stack) -> SqsPublisher {
    SqsPublisher::new(aws_sdk_sqs::Client::new(&stack.aws))
}

/// complaint-intake as the template configures it.
pub fn intake(stack: &Stack) -> Intake {
    let config =
        complaint_intake::Config::from_env(&env(stack, "complaint-intake")).expect("config");
    let mailer = mailer(stack, &config.shop);
    complaint_intake::Handler::new(
        config,
        Signer::from_secret(LINK_SECRET).expect("signer"),
        store(stack),
        mailer,
        publisher(stack),
    )
}

/// review-responder as the template configures it.
pub fn responder(stack: &Stack) -> Responder {
    let config =
        review_responder::Config::from_env(&env(stack, "review-responder")).expect("config");
    let mailer = mailer(stack, &config.shop);
    review_responder::Handler::new(config, store(stack), mailer, publisher(stack))
}

/// order-journey as the template configures it.
pub fn journey(stack: &Stack) -> Journey {
    let config = order_journey::Config::from_env(&env(stack, "order-journey")).expect("config");
    let mailer = mailer(stack, &config.shop);
    let signer = config
        .review
        .as_ref()
        .map(|_| Signer::from_secret(LINK_SECRET).expect("signer"));
    order_journey::Handler::new(config, signer, store(stack), mailer, publisher(stack))
}

/// Delivers the orders queue to order-journey until it is empty.
pub async fn deliver_orders(stack: &Stack, h: &Journey) -> Vec<Delivery> {
    let q = stack.queue("orders");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e, deadline())).await
}

/// sla-monitor as the template configures it, sending through `publisher`.
pub fn monitor_with<P: Publisher>(stack: &Stack, publisher: P) -> Monitor<P> {
    let config = sla_monitor::Config::from_env(&env(stack, "sla-monitor")).expect("config");
    sla_monitor::Handler::new(config, store(stack), publisher)
}

/// sla-monitor as the template configures it.
pub fn monitor(stack: &Stack) -> Monitor {
    monitor_with(stack, publisher(stack))
}

/// sla-escalator as the template configures it.
pub fn escalator(stack: &Stack) -> Escalator {
    let config = sla_escalator::Config::from_env(&env(stack, "sla-escalator")).expect("config");
    let mailer = mailer(stack, &config.shop);
    sla_escalator::Handler::new(config, store(stack), mailer, publisher(stack))
}

/// weekly-digest as the template configures it.
pub fn digest(stack: &Stack) -> Digest {
    let config = weekly_digest::Config::from_env(&env(stack, "weekly-digest")).expect("config");
    let mailer = mailer(stack, &config.shop);
    weekly_digest::Handler::new(config, store(stack), mailer)
}

/// A time written in a test.
pub fn ts(s: &str) -> Timestamp {
    s.parse().expect("a timestamp")
}

/// An invocation's deadline: a minute from the wall clock.
pub fn deadline() -> Timestamp {
    Timestamp::now() + SignedDuration::from_secs(60)
}

/// Delivers the tickets queue to complaint-intake until it is empty.
pub async fn deliver_tickets(stack: &Stack, h: &Intake) -> Vec<Delivery> {
    let q = stack.queue("tickets");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e, deadline())).await
}

/// Delivers the reviews queue to review-responder until it is empty.
pub async fn deliver_reviews(stack: &Stack, h: &Responder) -> Vec<Delivery> {
    let q = stack.queue("reviews");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e, deadline())).await
}

/// One sweep as if scheduled at `at`.
pub async fn sweep<S, P>(m: &sla_monitor::Handler<S, P>, at: &str) -> sla_monitor::Sweep
where
    S: memnun_shared::ports::TicketStore + memnun_shared::ports::DueIndex,
    P: Publisher,
{
    m.sweep(ts(at), deadline()).await.expect("sweep")
}

/// Delivers the escalations queue to the escalator until it is empty;
/// nothing may fail for good. The escalator handles each alarm at the
/// alarm's own time, whatever the wall clock says.
pub async fn escalate(stack: &Stack, h: &Escalator) -> Vec<Delivery> {
    let q = stack.queue("escalations");
    let deliveries =
        deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e, deadline())).await;
    // Two copies of one alarm in one batch: one waits for the other's claim
    // and is delivered again. Nothing may end in the dead-letter queue.
    assert!(
        stack.drain_raw(&q.dlq_url).await.is_empty(),
        "escalations failed: {deliveries:?}"
    );
    deliveries
}

/// A `complaint.created` with contact details.
#[allow(clippy::too_many_arguments)] // The event's fields, in order.
pub fn complaint(
    id: &str,
    time: &str,
    customer: &str,
    channel: &str,
    message: &str,
    email: &str,
    locale: &str,
    tz: &str,
) -> String {
    event(
        id,
        "complaint.created",
        time,
        json!({
            "customer_id": customer, "channel": channel, "message": message, "order_id": format!("ord-{id}"),
            "customer": {"email": email, "name": "Ayşe Yılmaz", "locale": locale, "time_zone": tz}
        }),
    )
}

/// A `ticket.replied`.
pub fn reply(id: &str, time: &str, ticket: &str, author: &str) -> String {
    event(
        id,
        "ticket.replied",
        time,
        json!({"ticket_id": ticket, "author": author}),
    )
}

/// A `ticket.resolved`.
pub fn resolved(id: &str, time: &str, ticket: &str) -> String {
    event(id, "ticket.resolved", time, json!({"ticket_id": ticket}))
}

/// The emails SES accepted for `to`.
pub fn emails_to(stack: &Stack, to: &str) -> Vec<SentEmail> {
    stack
        .emulator
        .sent_emails()
        .into_iter()
        .filter(|e| e.to.iter().any(|t| t == to))
        .collect()
}

/// The ticket numbers of every ticket, in no order.
pub async fn ticket_numbers(stack: &Stack) -> Vec<String> {
    stack
        .items_with_prefix("TICKET#")
        .await
        .iter()
        .map(|i| memnun_tests::stack::attr(i, "number").to_string())
        .collect()
}

/// A publisher that records how many messages each call carried.
pub struct Counting<P> {
    inner: P,
    /// Messages per call, in call order.
    pub calls: Mutex<Vec<usize>>,
}

impl<P> Counting<P> {
    /// Wraps `inner`.
    pub fn new(inner: P) -> Self {
        Counting {
            inner,
            calls: Mutex::new(Vec::new()),
        }
    }

    /// The wrapped publisher.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    /// Messages per call so far.
    pub fn calls(&self) -> Vec<usize> {
        self.calls.lock().expect("lock").clone()
    }
}

impl<P: Publisher> Publisher for Counting<P> {
    async fn publish(&self, queue_url: &str, messages: &[OutboundMessage]) -> Result<()> {
        self.calls.lock().expect("lock").push(messages.len());
        self.inner.publish(queue_url, messages).await
    }

    async fn publish_each(&self, queue_url: &str, messages: &[OutboundMessage]) -> Vec<bool> {
        self.calls.lock().expect("lock").push(messages.len());
        self.inner.publish_each(queue_url, messages).await
    }
}

/// A publisher whose queue is down: nothing is ever enqueued.
pub struct Down;

impl Publisher for Down {
    async fn publish(&self, _: &str, _: &[OutboundMessage]) -> Result<()> {
        Err(memnun_shared::Error::Aws {
            service: "sqs",
            operation: "SendMessageBatch",
            message: "the queue is down (a test)".into(),
            permanent: false,
        })
    }

    async fn publish_each(&self, _: &str, messages: &[OutboundMessage]) -> Vec<bool> {
        vec![false; messages.len()]
    }
}

/// The stack's tables, except that no ticket can be stored: as if the
/// invocation died right after sending the events, before marking.
pub struct NoMarks(pub DynamoStore);

impl memnun_shared::ports::TicketStore for NoMarks {
    async fn ticket(
        &self,
        number: &memnun_shared::domain::ticket::TicketNumber,
    ) -> Result<Option<memnun_shared::domain::ticket::Ticket>> {
        self.0.ticket(number).await
    }

    async fn save(&self, _: &memnun_shared::domain::ticket::Ticket) -> Result<bool> {
        Err(memnun_shared::Error::Aws {
            service: "dynamodb",
            operation: "PutItem",
            message: "the invocation died (a test)".into(),
            permanent: false,
        })
    }

    async fn tickets_between(
        &self,
        customer: &memnun_shared::domain::customer::CustomerId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<memnun_shared::domain::history::PastTicket>> {
        self.0.tickets_between(customer, from, to).await
    }

    async fn open(
        &self,
        ticket: &memnun_shared::domain::ticket::Ticket,
    ) -> Result<memnun_shared::ports::OpenOutcome> {
        self.0.open(ticket).await
    }

    async fn opened_for(
        &self,
        customer: &memnun_shared::domain::customer::CustomerId,
        origin: memnun_shared::domain::ticket::Origin,
        source_event: &str,
    ) -> Result<Option<memnun_shared::domain::ticket::Ticket>> {
        self.0.opened_for(customer, origin, source_event).await
    }

    async fn thread_message(
        &self,
        customer: &memnun_shared::domain::customer::CustomerId,
        ticket: &memnun_shared::domain::ticket::TicketNumber,
        message: u32,
    ) -> Result<Option<memnun_shared::domain::thread::ThreadMessage>> {
        self.0.thread_message(customer, ticket, message).await
    }

    async fn ticket_with_customer(
        &self,
        number: &memnun_shared::domain::ticket::TicketNumber,
        customer: &memnun_shared::domain::customer::CustomerId,
    ) -> Result<(
        Option<memnun_shared::domain::ticket::Ticket>,
        Option<memnun_shared::domain::customer::Customer>,
    )> {
        self.0.ticket_with_customer(number, customer).await
    }
}

impl memnun_shared::ports::DueIndex for NoMarks {
    fn shards(&self) -> u32 {
        self.0.shards()
    }

    async fn mark(&self, _: &memnun_shared::domain::ticket::Ticket) -> Result<bool> {
        Err(memnun_shared::Error::Aws {
            service: "dynamodb",
            operation: "UpdateItem",
            message: "the invocation died (a test)".into(),
            permanent: false,
        })
    }

    async fn due(
        &self,
        shard: u32,
        now: Timestamp,
        after: Option<memnun_shared::ports::DueCursor>,
        limit: i32,
    ) -> Result<memnun_shared::ports::DuePage> {
        self.0.due(shard, now, after, limit).await
    }

    async fn schedule(&self, message: &memnun_shared::ports::ScheduledMessage) -> Result<()> {
        self.0.schedule(message).await
    }

    async fn scheduled(&self, id: &str) -> Result<Option<memnun_shared::ports::ScheduledMessage>> {
        self.0.scheduled(id).await
    }

    async fn unschedule(&self, sent: &[(String, jiff::Timestamp)]) -> Result<()> {
        self.0.unschedule(sent).await
    }
}

/// sla-monitor over [`NoMarks`].
pub fn monitor_that_dies_before_marking(
    stack: &Stack,
) -> sla_monitor::Handler<NoMarks, SqsPublisher> {
    let config = sla_monitor::Config::from_env(&env(stack, "sla-monitor")).expect("config");
    sla_monitor::Handler::new(config, NoMarks(store(stack)), publisher(stack))
}
