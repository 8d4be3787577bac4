//! complaint-intake against the emulator: tickets, SLA clocks, the
//! acknowledgement, the survey, low ratings and late orders; duplicates and
//! events out of order.

use complaint_intake::{Config, Handler};
use jiff::{SignedDuration, Timestamp};
use memnun_shared::adapters::{dynamodb::DynamoStore, ses::SesMailer, sqs::SqsPublisher};
use memnun_shared::config::Env;
use memnun_shared::domain::token::{Purpose, Signer};
use memnun_tests::deliver::{self, Delivery};
use memnun_tests::events::event;
use memnun_tests::stack::{LINK_SECRET, Stack, attr};
use serde_json::{Value, json};

type Intake = Handler<DynamoStore, SesMailer, SqsPublisher>;

fn handler(stack: &Stack) -> Intake {
    let config =
        Config::from_env(&Env::from_pairs(stack.function_env("complaint-intake"))).expect("config");
    Handler::new(
        config.clone(),
        Signer::from_secret(LINK_SECRET).expect("signer"),
        DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&stack.aws),
            &stack.table,
            &stack.idempotency_table,
        ),
        SesMailer::new(
            aws_sdk_ses::Client::new(&stack.aws),
            &config.shop.name,
            &config.shop.sender,
            None,
        ),
        SqsPublisher::new(aws_sdk_sqs::Client::new(&stack.aws)),
    )
}

fn deadline() -> Timestamp {
    Timestamp::now() + SignedDuration::from_secs(30)
}

async fn deliver_all(stack: &Stack, h: &Intake) -> Vec<Delivery> {
    let q = stack.queue("tickets");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e, deadline())).await
}

// A fixture: its arguments are the event's fields, in the order they are read.
#[allow(clippy::too_many_arguments)]
fn complaint(
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

async fn tickets(
    stack: &Stack,
) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    stack.items_with_prefix("TICKET#").await
}

async fn only_ticket(
    stack: &Stack,
) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
    let mut all = tickets(stack).await;
    assert_eq!(all.len(), 1, "one ticket");
    all.remove(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_complaint_opens_a_classified_ticket_with_deadlines_and_is_acknowledged() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    stack
        .send(
            "tickets",
            &complaint(
                "cmp-1",
                "2026-11-22T09:40:00Z",
                "c-1",
                "web",
                "Kupa KIRIK geldi, değişim istiyorum",
                "ayse@example.com",
                "tr",
                "Europe/Istanbul",
            ),
        )
        .await;
    assert!(
        deliver_all(&stack, &h)
            .await
            .iter()
            .all(|d| d.failed.is_empty())
    );

    let t = only_ticket(&stack).await;
    let number = attr(&t, "number").to_string();
    assert_eq!(attr(&t, "origin"), "complaint");
    assert_eq!(attr(&t, "category"), "damaged");
    assert_eq!(attr(&t, "priority"), "high");
    assert_eq!(attr(&t, "channel"), "web");
    assert_eq!(attr(&t, "status"), "open");
    // High: 4 h to the first reply, 24 h to resolution, every hour counts by default.
    assert_eq!(attr(&t, "first_reply_due"), "2026-11-22T13:40:00Z");
    assert_eq!(attr(&t, "resolution_due"), "2026-11-23T09:40:00Z");
    assert_eq!(attr(&t, "first_reply_warning_at"), "2026-11-22T12:52:00Z");

    let profile = stack
        .customer_items("c-1")
        .await
        .into_iter()
        .find(|i| attr(i, "sk") == "PROFILE")
        .unwrap();
    assert_eq!(attr(&profile, "email"), "ayse@example.com");

    let emails = stack.emulator.sent_emails();
    assert_eq!(emails.len(), 1);
    let ack = &emails[0];
    assert!(
        ack.subject.starts_with(&format!("[{number}]")),
        "{}",
        ack.subject
    );
    assert!(ack.body.contains(&number));
    assert!(ack.body.contains("hasarlı ürün"), "{}", ack.body);
    // 13:40 UTC is 16:40 in Istanbul.
    assert!(
        ack.body.contains("22 Kasım 2026 Pazar, 16:40"),
        "{}",
        ack.body
    );

    let opened: Vec<Value> = stack.drain(&stack.queue("outbound").url).await;
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0]["type"], "ticket.opened");
    assert_eq!(
        opened[0]["data"]["deadlines"]["first_reply_due"],
        "2026-11-22T13:40:00Z"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_acknowledgement_speaks_the_customers_language_and_time_zone() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    stack
        .send(
            "tickets",
            &complaint(
                "cmp-en",
                "2026-11-22T09:40:00Z",
                "c-en",
                "email",
                "My parcel has not arrived yet",
                "john@example.com",
                "en-US",
                "America/New_York",
            ),
        )
        .await;
    deliver_all(&stack, &h).await;
    let t = only_ticket(&stack).await;
    assert_eq!(attr(&t, "category"), "delivery");
    assert_eq!(attr(&t, "priority"), "normal");
    let ack = &stack.emulator.sent_emails()[0];
    // Normal: 24 h. 2026-11-23T09:40Z is 04:40 in New York.
    assert!(
        ack.body.contains("Monday, 23 November 2026, 04:40"),
        "{}",
        ack.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_third_complaint_within_thirty_days_is_not_normal() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    for (i, day) in ["2026-11-01", "2026-11-10", "2026-11-20"]
        .iter()
        .enumerate()
    {
        stack
            .send(
                "tickets",
                &complaint(
                    &format!("cmp-{i}"),
                    &format!("{day}T10:00:00Z"),
                    "c-rep",
                    "email",
                    "Kargo gecikti",
                    "rep@example.com",
                    "tr",
                    "Europe/Istanbul",
                ),
            )
            .await;
        deliver_all(&stack, &h).await;
    }
    let mut priorities: Vec<(String, String)> = tickets(&stack)
        .await
        .iter()
        .map(|t| {
            (
                attr(t, "opened_at").to_string(),
                attr(t, "priority").to_string(),
            )
        })
        .collect();
    priorities.sort();
    let p: Vec<&str> = priorities.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(p, ["normal", "normal", "high"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_stop_and_pause_the_clocks_and_resolution_asks_for_a_rating() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    stack
        .send(
            "tickets",
            &complaint(
                "cmp-1",
                "2026-11-22T10:00:00Z",
                "c-1",
                "web",
                "Kargo gelmedi",
                "a@example.com",
                "en",
                "Europe/Istanbul",
            ),
        )
        .await;
    deliver_all(&stack, &h).await;
    let number = attr(&only_ticket(&stack).await, "number").to_string();

    let reply = |id: &str, time: &str, author: &str| {
        event(
            id,
            "ticket.replied",
            time,
            json!({"ticket_id": number, "author": author}),
        )
    };
    stack
        .send("tickets", &reply("rep-1", "2026-11-22T12:00:00Z", "agent"))
        .await;
    deliver_all(&stack, &h).await;
    let t = only_ticket(&stack).await;
    assert_eq!(attr(&t, "first_reply_outcome"), "met");
    assert_eq!(attr(&t, "status"), "waiting_on_customer");
    assert_eq!(attr(&t, "paused_since"), "2026-11-22T12:00:00Z");

    stack
        .send(
            "tickets",
            &reply("rep-2", "2026-11-22T18:00:00Z", "customer"),
        )
        .await;
    deliver_all(&stack, &h).await;
    let t = only_ticket(&stack).await;
    assert_eq!(attr(&t, "status"), "open");
    // Normal: 72 h from 10:00 on the 22nd, plus 6 h waiting on the customer.
    assert_eq!(attr(&t, "resolution_due"), "2026-11-25T16:00:00Z");

    stack
        .send(
            "tickets",
            &event(
                "res-1",
                "ticket.resolved",
                "2026-11-24T09:00:00Z",
                json!({"ticket_id": number}),
            ),
        )
        .await;
    deliver_all(&stack, &h).await;
    let t = only_ticket(&stack).await;
    assert_eq!(attr(&t, "status"), "resolved");
    assert_eq!(attr(&t, "resolution_outcome"), "met");

    let emails = stack.emulator.sent_emails();
    assert_eq!(emails.len(), 2, "acknowledgement and survey");
    let survey = emails
        .iter()
        .find(|e| e.body.contains("/survey?t="))
        .expect("survey email");
    assert!(survey.subject.starts_with(&format!("[{number}]")));
    let signer = Signer::from_secret(LINK_SECRET).unwrap();
    for score in 1..=5 {
        let marker = format!("&#38;s={score}\"");
        assert!(
            survey.body.contains(&marker),
            "link for {score}: {}",
            survey.body
        );
    }
    let token = survey
        .body
        .split("/survey?t=")
        .nth(1)
        .unwrap()
        .split("&#38;")
        .next()
        .unwrap();
    assert_eq!(signer.verify(Purpose::Survey, token), Ok(number.clone()));

    // The same resolution again, and a late reply: nothing changes, nothing is sent.
    stack
        .send(
            "tickets",
            &event(
                "res-2",
                "ticket.resolved",
                "2026-11-24T10:00:00Z",
                json!({"ticket_id": number}),
            ),
        )
        .await;
    stack
        .send(
            "tickets",
            &reply("rep-3", "2026-11-24T11:00:00Z", "customer"),
        )
        .await;
    deliver_all(&stack, &h).await;
    assert_eq!(stack.emulator.sent_emails().len(), 2);
    assert_eq!(
        attr(&only_ticket(&stack).await, "resolved_at"),
        "2026-11-24T09:00:00Z"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_low_rating_gets_the_apology_policy_once() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    stack
        .send(
            "tickets",
            &complaint(
                "cmp-1",
                "2026-11-22T10:00:00Z",
                "c-1",
                "web",
                "Ürün kalitesiz",
                "a@example.com",
                "tr",
                "Europe/Istanbul",
            ),
        )
        .await;
    deliver_all(&stack, &h).await;
    let number = attr(&only_ticket(&stack).await, "number").to_string();
    stack
        .send(
            "tickets",
            &event(
                "res-1",
                "ticket.resolved",
                "2026-11-23T10:00:00Z",
                json!({"ticket_id": number}),
            ),
        )
        .await;
    stack
        .send(
            "tickets",
            &event(
                "srv-1",
                "survey.answered",
                "2026-11-23T12:00:00Z",
                json!({"ticket_id": number, "score": 1}),
            ),
        )
        .await;
    deliver_all(&stack, &h).await;
    // A second answer (another click) changes nothing.
    stack
        .send(
            "tickets",
            &event(
                "srv-2",
                "survey.answered",
                "2026-11-23T12:05:00Z",
                json!({"ticket_id": number, "score": 2}),
            ),
        )
        .await;
    deliver_all(&stack, &h).await;

    let all = tickets(&stack).await;
    assert_eq!(all.len(), 2, "the complaint and one follow-up");
    let original = all.iter().find(|t| attr(t, "number") == number).unwrap();
    assert_eq!(original["survey_score"].as_n().unwrap(), "1");
    let follow_up = all
        .iter()
        .find(|t| attr(t, "origin") == "low_satisfaction")
        .expect("follow-up");
    assert_eq!(attr(follow_up, "priority"), "high");
    let coupons = stack.items_with_prefix("COUPON#").await;
    assert_eq!(coupons.len(), 1);
    let code = attr(&coupons[0], "code");
    assert!(code.starts_with("CSAT-"));
    assert_eq!(coupons[0]["percent"].as_n().unwrap(), "20");
    let emails = stack.emulator.sent_emails();
    assert_eq!(emails.len(), 3, "acknowledgement, survey, apology");
    let apology = emails
        .iter()
        .find(|e| e.body.contains(code))
        .expect("apology with the coupon");
    assert!(
        apology
            .subject
            .starts_with(&format!("[{}]", attr(follow_up, "number")))
    );
    let published: Vec<Value> = stack.drain(&stack.queue("outbound").url).await;
    assert_eq!(
        published
            .iter()
            .filter(|m| m["type"] == "coupon.issued")
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicates_and_unknown_tickets_never_crash_the_batch() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let body = complaint(
        "cmp-dup",
        "2026-11-22T10:00:00Z",
        "c-1",
        "chat",
        "Ödeme iki kez çekildi",
        "a@example.com",
        "tr",
        "Europe/Istanbul",
    );
    stack.send("tickets", &body).await;
    stack.send("tickets", &body).await;
    let unknown = event(
        "rep-x",
        "ticket.replied",
        "2026-11-22T10:05:00Z",
        json!({"ticket_id": "TK-0000-0001", "author": "agent"}),
    );
    stack.send("tickets", &unknown).await;
    let deliveries = deliver_all(&stack, &h).await;
    assert_eq!(deliveries[0].received, 3);
    let t = only_ticket(&stack).await;
    assert_eq!(attr(&t, "category"), "payment");
    assert_eq!(stack.emulator.sent_emails().len(), 1);
    // The reply to a ticket that never comes rests in the dead-letter queue.
    let dead = stack.drain(&stack.queue("tickets").dlq_url).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["id"], "rep-x");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_that_overtakes_its_ticket_is_applied_once_the_ticket_exists() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    stack
        .send(
            "tickets",
            &complaint(
                "cmp-1",
                "2026-11-22T10:00:00Z",
                "c-1",
                "web",
                "Kargo gelmedi",
                "a@example.com",
                "tr",
                "Europe/Istanbul",
            ),
        )
        .await;
    deliver_all(&stack, &h).await;
    let number = attr(&only_ticket(&stack).await, "number").to_string();
    // The customer's answer arrives before the agent reply it answers.
    stack
        .send(
            "tickets",
            &event(
                "rep-c",
                "ticket.replied",
                "2026-11-22T18:00:00Z",
                json!({"ticket_id": number, "author": "customer"}),
            ),
        )
        .await;
    deliver_all(&stack, &h).await;
    stack
        .send(
            "tickets",
            &event(
                "rep-a",
                "ticket.replied",
                "2026-11-22T12:00:00Z",
                json!({"ticket_id": number, "author": "agent"}),
            ),
        )
        .await;
    deliver_all(&stack, &h).await;
    let t = only_ticket(&stack).await;
    assert_eq!(attr(&t, "status"), "open");
    assert!(!t.contains_key("paused_since"));
    assert_eq!(attr(&t, "first_reply_outcome"), "met");
    assert_eq!(attr(&t, "resolution_due"), "2026-11-25T16:00:00Z");
}

/// A complaint of `customer` about `order` on `channel`, with `subject`.
fn written(
    id: &str,
    time: &str,
    customer: &str,
    channel: &str,
    order: &str,
    subject: Option<&str>,
) -> String {
    event(
        id,
        "complaint.created",
        time,
        json!({
            "customer_id": customer, "channel": channel, "order_id": order,
            "subject": subject, "message": "Kargom hâlâ gelmedi, ne zaman gelir?",
            "customer": {"email": format!("{customer}@example.com"), "locale": "tr"}
        }),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn one_conversation_across_channels_is_one_ticket_with_one_sla_and_never_anothers() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let first = written(
        "th-1",
        "2026-11-23T09:00:00Z",
        "c-th",
        "web",
        "ord-th",
        None,
    );
    stack.send("tickets", &first).await;
    deliver_all(&stack, &h).await;
    let opened = only_ticket(&stack).await;
    let number = attr(&opened, "number").to_string();
    let mangled = format!(
        "Re: RE: [{}]",
        number.to_ascii_lowercase().replace('-', " ")
    );
    // By number, mangled, on chat within the hour; by order, on the phone,
    // later; a duplicate; and another customer naming the number.
    for body in [
        written(
            "th-2",
            "2026-11-23T09:20:00Z",
            "c-th",
            "chat",
            "ord-other",
            Some(&mangled),
        ),
        written(
            "th-3",
            "2026-11-23T12:00:00Z",
            "c-th",
            "phone",
            "ord-th",
            None,
        ),
        written(
            "th-3",
            "2026-11-23T12:00:00Z",
            "c-th",
            "phone",
            "ord-th",
            None,
        ),
        written(
            "th-4",
            "2026-11-23T12:30:00Z",
            "c-else",
            "email",
            "ord-th",
            Some(&format!("[{number}]")),
        ),
    ] {
        stack.send("tickets", &body).await;
        deliver_all(&stack, &h).await;
    }
    let all = tickets(&stack).await;
    assert_eq!(all.len(), 2, "c-th's one ticket and c-else's own");
    let joined = all
        .iter()
        .find(|t| attr(t, "number") == number)
        .expect("the first ticket");
    assert_eq!(
        joined
            .get("messages")
            .and_then(|v| v.as_n().ok())
            .map(String::as_str),
        Some("2")
    );
    assert_eq!(attr(joined, "channels"), "web,chat,phone");
    for clock in [
        "first_reply_due",
        "first_reply_warning_at",
        "resolution_due",
    ] {
        assert_eq!(
            attr(joined, clock),
            attr(&opened, clock),
            "{clock}: one SLA"
        );
    }
    let kept: Vec<String> = stack
        .customer_items("c-th")
        .await
        .iter()
        .filter(|i| attr(i, "sk").starts_with("THREAD#"))
        .map(|i| format!("{} {}", attr(i, "sk"), attr(i, "channel")))
        .collect();
    assert_eq!(
        kept,
        [
            format!("THREAD#{number}#0001 chat"),
            format!("THREAD#{number}#0002 phone"),
        ]
    );
    let subjects: Vec<String> = stack
        .emulator
        .sent_emails()
        .iter()
        .map(|e| e.subject.clone())
        .collect();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert!(subjects[1].contains("talebinize ekledik") && subjects[1].contains(&number));
    assert!(
        !subjects[2].contains(&number),
        "c-else's own ticket: {}",
        subjects[2]
    );
    let published: Vec<Value> = stack.drain(&stack.queue("outbound").url).await;
    let mut kinds: Vec<String> = published
        .iter()
        .map(|m| {
            format!(
                "{} {}",
                m["type"].as_str().unwrap_or(""),
                m["data"]["joined_by"].as_str().unwrap_or("")
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "ticket.opened ",
            "ticket.opened ",
            "ticket.updated number",
            "ticket.updated order"
        ]
    );
}
