//! The AWS calls of one event, counted: each flow's handler talks to the
//! emulator through the recording proxy, and its calls must stay within the
//! budgets of docs/life-of-an-event.md. A budget exceeded fails CI. The
//! test prints each flow's calls in order; the doc lists the same.
//!
//! Budgets are what one event needs, not what it happens to cost today:
//! one lease on the unit, the reads a decision needs, one transaction, one
//! SQS batch, the emails, and the steps between them. A duplicate costs one
//! call, the lease that finds the unit done.

#[path = "support/functions.rs"]
mod functions;

use aws_config::SdkConfig;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use functions::{deadline, ts};
use memnun_shared::adapters::dynamodb::DynamoStore;
use memnun_shared::adapters::ses::SesMailer;
use memnun_shared::adapters::sqs::SqsPublisher;
use memnun_shared::config::Env;
use memnun_shared::contract::internal::{
    BirthdayDue, InternalEvent, JourneyDue, SlaAlarm, Watched,
};
use memnun_shared::domain::calendar::BusinessCalendar;
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::domain::order::OrderId;
use memnun_shared::domain::sla::{Goal, SlaPolicy};
use memnun_shared::domain::ticket::{Category, Origin, Priority, Ticket, TicketNumber};
use memnun_shared::domain::token::Signer;
use memnun_shared::domain::watch::Watch;
use memnun_tests::events::{event, review};
use memnun_tests::faults::{FaultConfig, FaultProxy, RecordedCall};
use memnun_tests::stack::{LINK_SECRET, Stack, client_config};
use serde_json::json;

/// The budgets, per event (docs/life-of-an-event.md).
const REVIEW_BUDGET: usize = 8;
const COMPLAINT_BUDGET: usize = 9;
const BREACH_BUDGET: usize = 10;
const BIRTHDAY_BUDGET: usize = 9;
/// An order's step with nothing to tell (placed, delivered, cancelled).
const ORDER_STEP_BUDGET: usize = 4;
/// An order shipped, with its notice.
const SHIPPED_BUDGET: usize = 5;
/// An order placed with memnun's coupons: the codes' redemptions read, and
/// `coupon.redeemed` published.
const REDEEMING_BUDGET: usize = 6;
/// `order.placed` with a code another order holds: the reuse flagged, or
/// the redemption moved to this order when it was placed first; nothing
/// published.
const REUSE_BUDGET: usize = 5;
/// A return requested: its ticket published, the customer confirmed.
const RETURN_BUDGET: usize = 7;
/// A later step of a return, or a refund, with its email.
const RETURN_STEP_BUDGET: usize = 5;
/// A late order apologised to, with a coupon published first.
const LATE_BUDGET: usize = 7;
/// A journey clock come due, with its alert.
const CLOCK_BUDGET: usize = 5;
/// A clock come due with nothing left to say (the order moved on in time).
const CLOCK_IDLE_BUDGET: usize = 3;
/// A review request: begin, the order and customer, the order's returns,
/// the commit (with its consent and suppression checks), the email, done.
const REVIEW_REQUEST_BUDGET: usize = 6;
const DUPLICATE_BUDGET: usize = 1;
/// Per due ticket, the sweep's marking and sending (its index queries are
/// a fixed cost per shard and page, reported beside).
const SWEEP_BUDGET_PER_TICKET: f64 = 1.1;
/// Per due journey clock, the sweep's sending and forgetting (a held
/// message needs no marking: it is deleted, 25 to a batch).
const SWEEP_BUDGET_PER_CLOCK: f64 = 0.2;

struct Counted {
    stack: Stack,
    proxy: FaultProxy,
    aws: SdkConfig,
}

impl Counted {
    async fn start() -> Counted {
        let stack = Stack::start().await;
        let proxy = FaultProxy::start(stack.emulator.port(), FaultConfig::none(0)).expect("proxy");
        let aws = client_config(&proxy.endpoint()).await;
        Counted { stack, proxy, aws }
    }

    fn env(&self, function: &str) -> Env {
        Env::from_pairs(self.stack.function_env(function))
    }

    fn store(&self) -> DynamoStore {
        DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&self.aws),
            &self.stack.table,
            &self.stack.idempotency_table,
        )
    }

    fn mailer(&self, shop: &memnun_shared::config::ShopConfig) -> SesMailer {
        SesMailer::new(
            aws_sdk_ses::Client::new(&self.aws),
            &shop.name,
            &shop.sender,
            None,
        )
    }

    fn publisher(&self) -> SqsPublisher {
        SqsPublisher::new(aws_sdk_sqs::Client::new(&self.aws))
    }

    /// order-journey as the template configures it, through the proxy.
    fn journey(&self) -> order_journey::Handler<DynamoStore, SesMailer, SqsPublisher> {
        let config = order_journey::Config::from_env(&self.env("order-journey")).expect("config");
        let mailer = self.mailer(&config.shop);
        let signer = config
            .review
            .as_ref()
            .map(|_| Signer::from_secret(LINK_SECRET).expect("signer"));
        order_journey::Handler::new(config, signer, self.store(), mailer, self.publisher())
    }

    /// The calls `work` makes, by `service:Operation`, in order.
    async fn count<F: std::future::Future>(&self, work: F) -> (F::Output, Vec<String>) {
        self.proxy.take_recorded();
        self.proxy.set_recording(true);
        let out = work.await;
        self.proxy.set_recording(false);
        let calls = self
            .proxy
            .take_recorded()
            .iter()
            .map(RecordedCall::operation)
            .collect();
        (out, calls)
    }
}

fn batch(body: &str) -> SqsEvent {
    let mut message = SqsMessage::default();
    message.message_id = Some("m-1".into());
    message.body = Some(body.to_owned());
    let mut e = SqsEvent::default();
    e.records = vec![message];
    e
}

fn no_failures(response: &aws_lambda_events::event::sqs::SqsBatchResponse) {
    assert!(
        response.batch_item_failures.is_empty(),
        "{:?}",
        response.batch_item_failures
    );
}

fn report(flow: &str, calls: &[String], budget: usize) {
    println!("{flow}: {} calls (budget {budget})", calls.len());
    for (i, call) in calls.iter().enumerate() {
        println!("  {:>2}. {call}", i + 1);
    }
    assert!(
        calls.len() <= budget,
        "{flow} made {} AWS calls, over its budget of {budget}: {calls:#?}",
        calls.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_low_review_a_complaint_and_their_duplicates_stay_within_budget() {
    let c = Counted::start().await;

    let config = review_responder::Config::from_env(&c.env("review-responder")).expect("config");
    let mailer = c.mailer(&config.shop);
    let responder = review_responder::Handler::new(config, c.store(), mailer, c.publisher());
    let body = review(
        "r-budget",
        "2026-11-23T10:00:00Z",
        "c-new",
        1,
        "yeni@example.com",
        "tr-TR",
    );
    let (response, calls) = c.count(responder.handle(batch(&body), deadline())).await;
    no_failures(&response);
    report("review.posted 1★ (new customer)", &calls, REVIEW_BUDGET);
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("ses:")).count(),
        1,
        "one apology"
    );
    let (response, calls) = c.count(responder.handle(batch(&body), deadline())).await;
    no_failures(&response);
    report("review.posted, delivered again", &calls, DUPLICATE_BUDGET);

    let config = complaint_intake::Config::from_env(&c.env("complaint-intake")).expect("config");
    let mailer = c.mailer(&config.shop);
    let intake = complaint_intake::Handler::new(
        config,
        Signer::from_secret(LINK_SECRET).expect("signer"),
        c.store(),
        mailer,
        c.publisher(),
    );
    let body = event(
        "k-budget",
        "complaint.created",
        "2026-11-23T10:00:00Z",
        json!({
            "customer_id": "c-complains",
            "channel": "email",
            "subject": "Siparişim gelmedi",
            "message": "Kargom bir haftadır gelmedi.",
            "order_id": "o-9",
            "customer": {"email": "sikayet@example.com", "name": "Ali", "locale": "tr-TR"},
        }),
    );
    let (response, calls) = c.count(intake.handle(batch(&body), deadline())).await;
    no_failures(&response);
    report("complaint.created", &calls, COMPLAINT_BUDGET);
    let (response, calls) = c.count(intake.handle(batch(&body), deadline())).await;
    no_failures(&response);
    report(
        "complaint.created, delivered again",
        &calls,
        DUPLICATE_BUDGET,
    );

    // The customer writes again on chat, two hours later, naming the ticket:
    // it joins, and they are told (the dearest join).
    let number = c
        .stack
        .items_with_prefix("TICKET#")
        .await
        .iter()
        .find(|t| memnun_tests::stack::attr(t, "customer_id") == "c-complains")
        .map(|t| memnun_tests::stack::attr(t, "number").to_owned())
        .expect("the complaint's ticket");
    let again = event(
        "k-budget-2",
        "complaint.created",
        "2026-11-23T12:00:00Z",
        json!({
            "customer_id": "c-complains",
            "channel": "chat",
            "message": format!("{number} için yazıyorum, kapı kodu 1234."),
            "customer": {"email": "sikayet@example.com", "locale": "tr-TR"},
        }),
    );
    let (response, calls) = c.count(intake.handle(batch(&again), deadline())).await;
    no_failures(&response);
    report(
        "complaint.created joining its open ticket",
        &calls,
        COMPLAINT_BUDGET,
    );
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("ses:")).count(),
        1,
        "the note that it was added"
    );
    assert_eq!(
        c.stack.items_with_prefix("TICKET#").await.len(),
        2,
        "the review's and the complaint's, no new one"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_breach_with_an_apology_and_a_coupon_and_a_birthday_stay_within_budget() {
    let c = Counted::start().await;

    // A customer who complained a month ago, stored as the intake stores
    // them (not counted).
    let intake = functions::intake(&c.stack);
    c.stack
        .send(
            "tickets",
            &event(
                "k-old",
                "complaint.created",
                "2026-11-02T07:00:00Z",
                json!({
                    "customer_id": "c-waits",
                    "channel": "email",
                    "message": "Ürün bozuk geldi.",
                    "customer": {"email": "bekler@example.com", "name": "Zeynep", "locale": "tr-TR", "time_zone": "Europe/Istanbul"},
                }),
            ),
        )
        .await;
    functions::deliver_tickets(&c.stack, &intake).await;
    let opened = c
        .stack
        .drain(&c.stack.queue("outbound").url)
        .await
        .into_iter()
        .find(|m| m["type"] == "ticket.opened")
        .expect("ticket.opened");
    let number = TicketNumber::parse(opened["data"]["ticket_id"].as_str().unwrap()).unwrap();
    let resolution_due = opened["data"]["deadlines"]["resolution_due"]
        .as_str()
        .map(ts)
        .unwrap();

    // Its resolution deadline missed; the alarm on a Wednesday at ten in
    // Istanbul: working hours for the lead, a civil hour for the customer.
    let at = ts("2026-12-02T07:00:00Z");
    assert!(resolution_due < at);
    let alarm = InternalEvent::SlaBreached(SlaAlarm {
        ticket_id: number,
        goal: Goal::Resolution,
        due: resolution_due,
        priority: Priority::Normal,
        category: Category::Quality,
        customer_id: CustomerId::parse("c-waits").unwrap(),
        part: None,
    })
    .to_message(at, "memnun/sla-monitor");
    let config = sla_escalator::Config::from_env(&c.env("sla-escalator")).expect("config");
    let mailer = c.mailer(&config.shop);
    let escalator = sla_escalator::Handler::new(config, c.store(), mailer, c.publisher());
    let (response, calls) = c
        .count(escalator.handle(batch(&alarm.body), deadline()))
        .await;
    no_failures(&response);
    report(
        "sla.breached with the customer's apology and a coupon",
        &calls,
        BREACH_BUDGET,
    );
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("ses:")).count(),
        2,
        "the lead's alert and the customer's apology"
    );
    assert!(
        calls.iter().any(|c| c == "sqs:SendMessageBatch"),
        "coupon.issued"
    );
    let (response, calls) = c
        .count(escalator.handle(batch(&alarm.body), deadline()))
        .await;
    no_failures(&response);
    report("sla.breached, delivered again", &calls, DUPLICATE_BUDGET);

    // A customer with consent and a birthday, stored by customer-directory
    // (not counted).
    let directory = customer_directory::Handler::new(
        customer_directory::Config::from_env(&Env::from_pairs(
            c.stack.function_env("customer-directory"),
        ))
        .expect("config"),
        functions::store(&c.stack),
    );
    let upsert = event(
        "u-born",
        "customer.upserted",
        "2026-01-10T12:00:00Z",
        json!({
            "customer_id": "c-born",
            "email": "dogdu@example.com",
            "name": "Deniz",
            "locale": "tr-TR",
            "birthday": "1990-12-02",
            "marketing_consent": true,
            "consent_at": "2026-01-10T12:00:00Z",
            "consent_source": "checkout",
        }),
    );
    no_failures(&directory.handle(batch(&upsert), deadline()).await);
    let due = BirthdayDue {
        customer_id: CustomerId::parse("c-born").unwrap(),
        year: 2026,
        due: at,
    }
    .to_message(at, "memnun/birthday-scheduler");
    let config = birthday_greeter::Config::from_env(&c.env("birthday-greeter")).expect("config");
    let mailer = c.mailer(&config.shop);
    let greeter = birthday_greeter::Handler::new(
        config,
        Signer::from_secret(LINK_SECRET).expect("signer"),
        c.store(),
        mailer,
        c.publisher(),
    );
    let (response, calls) = c.count(greeter.handle(batch(&due.body), deadline())).await;
    no_failures(&response);
    report("birthday.due", &calls, BIRTHDAY_BUDGET);
    assert_eq!(calls.iter().filter(|c| c.starts_with("ses:")).count(), 1);
    let (response, calls) = c.count(greeter.handle(batch(&due.body), deadline())).await;
    no_failures(&response);
    report("birthday.due, delivered again", &calls, DUPLICATE_BUDGET);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_orders_steps_and_its_shipping_notice_stay_within_budget() {
    let c = Counted::start().await;
    let journey = c.journey();
    let customer = json!({"email": "siparis@example.com", "name": "Elif", "locale": "tr"});
    let placed = event(
        "o-budget-1",
        "order.placed",
        "2026-12-01T10:00:00Z",
        json!({"customer_id": "c-orders", "order_id": "o-77", "promised_date": "2026-12-05", "customer": customer}),
    );
    let (response, calls) = c.count(journey.handle(batch(&placed), deadline())).await;
    no_failures(&response);
    report("order.placed", &calls, ORDER_STEP_BUDGET);
    // An order that used one of memnun's coupons (a code of memnun's shape
    // that memnun has not issued here: read and redeemed all the same).
    let code = memnun_shared::domain::coupon::CouponCode::generate(
        memnun_shared::domain::coupon::CouponReason::Birthday,
    )
    .expect("a code");
    let redeeming = event(
        "o-budget-coupon",
        "order.placed",
        "2026-12-01T11:00:00Z",
        json!({"customer_id": "c-orders", "order_id": "o-78", "total": "99.90", "currency": "TRY",
               "discount_codes": [code.as_str()], "customer": customer}),
    );
    let (response, calls) = c.count(journey.handle(batch(&redeeming), deadline())).await;
    no_failures(&response);
    report(
        "order.placed with memnun's coupon (redeemed, published)",
        &calls,
        REDEEMING_BUDGET,
    );
    // The same code on an order placed later (reuse) and on one placed
    // earlier but met now (the redemption moves to it).
    for (id, order, time, what) in [
        (
            "o-budget-reuse",
            "o-79",
            "2026-12-01T12:00:00Z",
            "reuse flagged",
        ),
        (
            "o-budget-moved",
            "o-76",
            "2026-12-01T09:00:00Z",
            "redemption moved",
        ),
    ] {
        let again = event(
            id,
            "order.placed",
            time,
            json!({"customer_id": "c-orders", "order_id": order, "total": "99.90", "currency": "TRY",
                   "discount_codes": [code.as_str()], "customer": customer}),
        );
        let (response, calls) = c.count(journey.handle(batch(&again), deadline())).await;
        no_failures(&response);
        report(
            &format!("order.placed with a redeemed coupon ({what})"),
            &calls,
            REUSE_BUDGET,
        );
        assert!(!calls.iter().any(|c| c.starts_with("sqs:")), "{calls:?}");
    }
    let shipped = event(
        "o-budget-2",
        "order.shipped",
        "2026-12-02T10:00:00Z",
        json!({"customer_id": "c-orders", "order_id": "o-77", "carrier": "Aras Kargo", "tracking_number": "AR-1"}),
    );
    let (response, calls) = c.count(journey.handle(batch(&shipped), deadline())).await;
    no_failures(&response);
    report("order.shipped, with its notice", &calls, SHIPPED_BUDGET);
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("ses:")).count(),
        1,
        "one notice"
    );
    let (response, calls) = c.count(journey.handle(batch(&shipped), deadline())).await;
    no_failures(&response);
    report("order.shipped, delivered again", &calls, DUPLICATE_BUDGET);

    // "Where is my order?": a delivery complaint about it reads the order
    // for its shipping state and tracking link (the dearest complaint).
    let config = complaint_intake::Config::from_env(&c.env("complaint-intake")).expect("config");
    let mailer = c.mailer(&config.shop);
    let intake = complaint_intake::Handler::new(
        config,
        Signer::from_secret(LINK_SECRET).expect("signer"),
        c.store(),
        mailer,
        c.publisher(),
    );
    let wismo = event(
        "k-wismo",
        "complaint.created",
        "2026-12-03T10:00:00Z",
        json!({"customer_id": "c-orders", "channel": "web", "order_id": "o-77",
               "subject": "Kargom nerede?", "message": "Siparişim hâlâ gelmedi.",
               "customer": customer}),
    );
    let (response, calls) = c.count(intake.handle(batch(&wismo), deadline())).await;
    no_failures(&response);
    report(
        "complaint.created about a shipped order (where is my order?)",
        &calls,
        COMPLAINT_BUDGET,
    );
    let requested = event(
        "o-budget-3",
        "return.requested",
        "2026-12-06T10:00:00Z",
        json!({"customer_id": "c-orders", "order_id": "o-77", "return_id": "RMA-77"}),
    );
    let (response, calls) = c.count(journey.handle(batch(&requested), deadline())).await;
    no_failures(&response);
    report(
        "return.requested, ticket and confirmation",
        &calls,
        RETURN_BUDGET,
    );
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("sqs:")).count(),
        1,
        "one publish"
    );
    for (id, kind, data) in [
        (
            "o-budget-4",
            "return.approved",
            json!({"ship_by": "2026-12-15"}),
        ),
        ("o-budget-5", "return.received", json!({})),
        (
            "o-budget-6",
            "refund.issued",
            json!({"order_id": "o-77", "amount": "99.90", "currency": "TRY"}),
        ),
    ] {
        let mut data = data;
        data["customer_id"] = "c-orders".into();
        data["return_id"] = "RMA-77".into();
        let step = event(id, kind, "2026-12-08T10:00:00Z", data);
        let (response, calls) = c.count(journey.handle(batch(&step), deadline())).await;
        no_failures(&response);
        report(
            &format!("{kind}, with its email"),
            &calls,
            RETURN_STEP_BUDGET,
        );
        assert_eq!(calls.iter().filter(|c| c.starts_with("ses:")).count(), 1);
    }
    let late = event(
        "o-budget-7",
        "order.delayed",
        "2026-12-06T08:00:00Z",
        json!({"customer_id": "c-orders", "order_id": "o-77", "new_date": "2026-12-12"}),
    );
    let (response, calls) = c.count(journey.handle(batch(&late), deadline())).await;
    no_failures(&response);
    report("order.delayed, apology and coupon", &calls, LATE_BUDGET);
    assert_eq!(calls.iter().filter(|c| c.starts_with("sqs:")).count(), 1);
    assert_eq!(calls.iter().filter(|c| c.starts_with("ses:")).count(), 1);
    // The order's clocks, as the sweep sends them back: shipped, so the
    // first has nothing to say; undelivered, so the second alerts the lead.
    for (watch, budget, emails) in [
        (Watch::Unshipped, CLOCK_IDLE_BUDGET, 0),
        (Watch::Undelivered, CLOCK_BUDGET, 1),
    ] {
        let clock = JourneyDue {
            watch,
            customer_id: CustomerId::parse("c-orders").unwrap(),
            about: Watched::Order(OrderId::parse("o-77").unwrap()),
            promise: None,
            due: ts("2026-12-31T10:00:00Z"),
        }
        .to_scheduled("memnun/order-journey");
        let (response, calls) = c
            .count(journey.handle(batch(&clock.body), deadline()))
            .await;
        no_failures(&response);
        report(&format!("journey.due {}", watch.as_str()), &calls, budget);
        assert_eq!(
            calls.iter().filter(|c| c.starts_with("ses:")).count(),
            emails
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_review_request_stays_within_budget() {
    let c = Counted::start().await;
    let journey = c.journey();
    let customer = json!({"email": "yorum@example.com", "name": "Elif", "locale": "tr"});
    for (id, kind, time, data) in [
        (
            "o-review-1",
            "order.placed",
            "2026-12-01T10:00:00Z",
            json!({"items": [{"product_id": "sku-1", "name": "Kupa"}]}),
        ),
        (
            "o-review-2",
            "order.delivered",
            "2026-12-03T10:00:00Z",
            json!({}),
        ),
    ] {
        let mut data = data;
        data["customer_id"] = "c-review".into();
        data["order_id"] = "o-88".into();
        data["customer"] = customer.clone();
        let e = event(id, kind, time, data);
        no_failures(&journey.handle(batch(&e), deadline()).await);
    }
    let clock = JourneyDue {
        watch: Watch::ReviewRequest,
        customer_id: CustomerId::parse("c-review").unwrap(),
        about: Watched::Order(OrderId::parse("o-88").unwrap()),
        promise: None,
        due: ts("2026-12-10T07:00:00Z"),
    }
    .to_scheduled("memnun/order-journey");
    // Without consent: skipped before the returns are read.
    let (response, calls) = c
        .count(journey.handle(batch(&clock.body), deadline()))
        .await;
    no_failures(&response);
    report(
        "journey.due review_request, no consent",
        &calls,
        CLOCK_IDLE_BUDGET,
    );
    // With consent (another delivery of the clock, as after a redrive).
    aws_sdk_dynamodb::Client::new(&c.aws)
        .update_item()
        .table_name(&c.stack.table)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S("CUSTOMER#c-review".into()),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("PROFILE".into()),
        )
        .update_expression("SET marketing_consent = :yes")
        .expression_attribute_values(":yes", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
        .send()
        .await
        .expect("consent");
    let mut again = batch(&clock.body);
    again.records[0].message_id = Some("m-2".into());
    let body = clock.body.replace(
        "journey.due:review_request:o-88",
        "journey.due:review_request:o-88:again",
    );
    again.records[0].body = Some(body);
    let (response, calls) = c.count(journey.handle(again, deadline())).await;
    no_failures(&response);
    report(
        "journey.due review_request, asked",
        &calls,
        REVIEW_REQUEST_BUDGET,
    );
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("ses:")).count(),
        1,
        "one request"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sweep_marks_a_due_ticket_with_one_call() {
    let c = Counted::start().await;
    let policy = SlaPolicy::default();
    let calendar = BusinessCalendar::default();
    let now = ts("2026-11-23T09:00:00Z");
    // 200 due (opened 30 hours ago, first reply breached), 100 not yet.
    let tickets: Vec<Ticket> = (0..300u32)
        .map(|i| {
            let at = now - jiff::SignedDuration::from_hours(if i < 200 { 30 } else { 1 });
            let number = TicketNumber::parse(&format!("TK-{:04}-{:04}", i / 100, i)).unwrap();
            let mut t = Ticket::new(
                number,
                &CustomerId::parse(&format!("c-{i}")).unwrap(),
                Origin::Complaint,
                Category::Delivery,
                Priority::Normal,
                at,
                &format!("seed#{i}"),
            );
            t.sla = Some(policy.start(Priority::Normal, at, &calendar));
            t
        })
        .collect();
    functions::store(&c.stack)
        .import_tickets(&tickets)
        .await
        .expect("import");
    let config = sla_monitor::Config::from_env(&c.env("sla-monitor")).expect("config");
    let monitor = sla_monitor::Handler::new(config, c.store(), c.publisher());
    let (sweep, calls) = c.count(monitor.sweep(now, deadline())).await;
    let sweep = sweep.expect("sweep");
    assert_eq!((sweep.breaches, sweep.sent, sweep.failed), (200, 200, 0));
    let queries = calls.iter().filter(|c| *c == "dynamodb:Query").count();
    let per_ticket = (calls.len() - queries) as f64 / 200.0;
    let mut by_operation = std::collections::BTreeMap::<&str, usize>::new();
    for call in &calls {
        *by_operation.entry(call.as_str()).or_default() += 1;
    }
    println!(
        "SLA sweep, 200 due of 300: {} calls, {queries} of them index queries; {per_ticket:.2} per due ticket (budget {SWEEP_BUDGET_PER_TICKET}); {by_operation:?}",
        calls.len()
    );
    assert!(
        per_ticket <= SWEEP_BUDGET_PER_TICKET,
        "{per_ticket:.2} calls per due ticket: {by_operation:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_broken_promises_among_ten_thousand_orders_cost_the_sweep_a_fifth_of_a_call_each()
 {
    use futures_util::{StreamExt as _, stream};
    use memnun_shared::ports::DueIndex as _;
    let c = Counted::start().await;
    let now = ts("2026-12-06T21:00:00Z");
    // 10,000 orders' promise clocks: 1,000 ran out by `now` (promised for
    // the 6th, Istanbul), 9,000 run out over the next nine days. Held as
    // order-journey holds them, written through the emulator directly.
    let seeding = functions::store(&c.stack);
    let clocks = (0..10_000u32).map(|i| {
        let day = jiff::civil::Date::constant(2026, 12, 6 + (i / 1_000) as i8);
        JourneyDue {
            watch: Watch::Promise,
            customer_id: CustomerId::parse(&format!("c-{i}")).unwrap(),
            about: Watched::Order(OrderId::parse(&format!("o-{i}")).unwrap()),
            promise: Some(day),
            due: ts(&format!("{day}T21:00:00Z")),
        }
        .to_scheduled("memnun/order-journey")
    });
    let seeded: Vec<_> = stream::iter(clocks)
        .map(|clock| {
            let store = &seeding;
            async move { store.schedule(&clock).await }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(seeded.iter().all(Result::is_ok));

    let config = sla_monitor::Config::from_env(&c.env("sla-monitor")).expect("config");
    let monitor = sla_monitor::Handler::new(config, c.store(), c.publisher());
    let (sweep, calls) = c.count(monitor.sweep(now, deadline())).await;
    let sweep = sweep.expect("sweep");
    assert_eq!((sweep.waiting, sweep.sent, sweep.failed), (1_000, 1_000, 0));
    let queries = calls.iter().filter(|c| *c == "dynamodb:Query").count();
    let per_clock = (calls.len() - queries) as f64 / 1_000.0;
    let mut by_operation = std::collections::BTreeMap::<&str, usize>::new();
    for call in &calls {
        *by_operation.entry(call.as_str()).or_default() += 1;
    }
    println!(
        "journey sweep, 1,000 due of 10,000: {} calls, {queries} of them index queries; {per_clock:.2} per due clock (budget {SWEEP_BUDGET_PER_CLOCK}); {by_operation:?}",
        calls.len()
    );
    assert!(
        per_clock <= SWEEP_BUDGET_PER_CLOCK,
        "{per_clock:.2} calls per due clock: {by_operation:?}"
    );
    // Each went to the orders queue, where it is one unit of work of
    // order-journey (`journey.due`: 3 to 7 calls, budgeted above).
    let orders = c.stack.queue("orders");
    let waiting = c
        .stack
        .sqs
        .get_queue_attributes()
        .queue_url(&orders.url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .expect("attributes");
    let count = waiting
        .attributes
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
                .cloned()
        })
        .unwrap_or_default();
    assert_eq!(count, "1000");
}
