//! The policy in milliseconds, against the ports in memory; the emulator
//! tests (`tests/flows/complaint_intake.rs`) prove the AWS side.

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use memnun_shared::domain::ticket::Channel;
use memnun_shared::memory::{MemoryMailer, MemoryPublisher, MemoryStore};
use serde_json::{Value, json};

use super::*;

type InMemory = Handler<MemoryStore, MemoryMailer, MemoryPublisher>;

fn handler() -> InMemory {
    handler_with(&[])
}

/// The handler with the tests' variables and `extra` over them.
fn handler_with(extra: &[(&str, &str)]) -> InMemory {
    let mut pairs = vec![
        ("TABLE_NAME", "t"),
        ("IDEMPOTENCY_TABLE_NAME", "i"),
        ("OUTBOUND_QUEUE_URL", "http://localhost/outbound"),
        ("SHOP_NAME", "Dükkan"),
        ("SENDER_EMAIL", "destek@dukkan.example"),
        ("LINKS_BASE_URL", "https://links.dukkan.example"),
        ("LINK_SECRET_PARAMETER", "/memnun/link-secret"),
    ];
    pairs.extend_from_slice(extra);
    let env = Env::from_pairs(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    Handler::new(
        Config::from_env(&env).unwrap(),
        Signer::from_secret("a-link-signing-key-for-the-tests-0123456789").unwrap(),
        MemoryStore::default(),
        MemoryMailer::default(),
        MemoryPublisher::default(),
    )
}

fn event(id: &str, kind: &str, time: &str, data: Value) -> SqsEvent {
    let body = json!({
        "specversion": "1.0", "id": id, "source": "shop/test",
        "type": kind, "time": time, "data": data,
    });
    let mut message = SqsMessage::default();
    message.message_id = Some(id.to_owned());
    message.body = Some(body.to_string());
    let mut e = SqsEvent::default();
    e.records = vec![message];
    e
}

async fn handle(h: &InMemory, e: SqsEvent) {
    let deadline = Timestamp::now() + jiff::SignedDuration::from_secs(30);
    assert!(h.handle(e, deadline).await.batch_item_failures.is_empty());
}

fn complaint(id: &str) -> SqsEvent {
    event(
        id,
        "complaint.created",
        "2026-11-23T09:00:00Z",
        json!({
            "customer_id": "c-1",
            "channel": "email",
            "subject": "Kargom gelmedi",
            "message": "Siparişim bir haftadır gelmedi.",
            "customer": {"email": "ayse@example.com", "name": "Ayşe", "locale": "tr-TR"},
        }),
    )
}

#[tokio::test]
async fn a_complaint_is_one_commit_and_a_duplicate_one_call() {
    let h = handler();
    handle(&h, complaint("k-1")).await;
    let number = {
        let world = h.store.world();
        assert_eq!(
            world.calls,
            [
                "begin",
                "customer_with_footprint",
                "tickets_between",
                "commit",
                "advance",
                "finish"
            ]
        );
        let ticket = world.tickets.values().next().unwrap();
        assert!(ticket.sla.is_some());
        ticket.number.clone()
    };
    let kinds: Vec<&str> = h.publisher.published().iter().map(|m| m.kind).collect();
    assert_eq!(kinds, ["ticket.opened"]);
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].subject.contains(number.as_str()));
    h.store.world().calls.clear();
    handle(&h, complaint("k-1")).await;
    assert_eq!(h.store.world().calls, ["begin"]);
    assert_eq!(h.mailer.sent().len(), 1);
}

#[tokio::test]
async fn a_resolved_complaint_asks_for_a_rating_once() {
    let h = handler();
    handle(&h, complaint("k-1")).await;
    let number = h.store.world().tickets.keys().next().unwrap().clone();
    for (id, time) in [
        ("s-1", "2026-11-24T09:00:00Z"),
        ("s-2", "2026-11-24T10:00:00Z"),
    ] {
        handle(
            &h,
            event(id, "ticket.resolved", time, json!({"ticket_id": number})),
        )
        .await;
    }
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 2, "the acknowledgement and one survey");
    assert_eq!(sent[1].template, "survey");
}

#[tokio::test]
async fn a_low_ratings_coupon_is_in_the_store_before_the_apology() {
    let h = handler().with_registry(memnun_shared::memory::MemoryRegistry::default());
    let deadline = Timestamp::now() + jiff::SignedDuration::from_secs(30);
    let ok = |r: SqsBatchResponse| assert!(r.batch_item_failures.is_empty());
    ok(h.handle(complaint("k-1"), deadline).await);
    let number = h.store.world().tickets.keys().next().unwrap().clone();
    let rated = |id: &str| {
        event(
            id,
            "survey.answered",
            "2026-11-24T12:00:00Z",
            json!({"ticket_id": number, "score": 1}),
        )
    };
    h.registry.fail_next(1);
    let failed = h.handle(rated("s-1"), deadline).await;
    assert_eq!(failed.batch_item_failures.len(), 1);
    assert_eq!(h.mailer.sent().len(), 1, "the acknowledgement only");
    assert!(
        !h.publisher
            .published()
            .iter()
            .any(|m| m.kind == "coupon.issued")
    );
    ok(h.handle(rated("s-1"), deadline).await);
    ok(h.handle(rated("s-1"), deadline).await);
    let registered = h.registry.registered();
    assert_eq!(registered.len(), 1);
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 2);
    assert!(sent[1].text.contains(&registered[0]));
}

#[tokio::test]
async fn ticket_emails_carry_the_help_desks_reply_to_only_when_configured() {
    let plain = handler();
    handle(&plain, complaint("k-1")).await;
    let sent = plain.mailer.sent();
    assert_eq!(sent[0].reply_to, None);
    assert!(!sent[0].text.contains("goes straight to the same ticket"));

    let env = Env::from_pairs(
        [
            ("TABLE_NAME", "t"),
            ("IDEMPOTENCY_TABLE_NAME", "i"),
            ("OUTBOUND_QUEUE_URL", "http://localhost/outbound"),
            ("SHOP_NAME", "Dükkan"),
            ("SENDER_EMAIL", "destek@dukkan.example"),
            ("LINKS_BASE_URL", "https://links.dukkan.example"),
            ("LINK_SECRET_PARAMETER", "/memnun/link-secret"),
            ("SUPPORT_REPLY_TO_EMAIL", "talep@dukkan.zendesk.com"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let desk = Handler::new(
        Config::from_env(&env).unwrap(),
        Signer::from_secret("a-link-signing-key-for-the-tests-0123456789").unwrap(),
        MemoryStore::default(),
        MemoryMailer::default(),
        MemoryPublisher::default(),
    );
    handle(&desk, complaint("k-1")).await;
    let number = desk.store.world().tickets.keys().next().unwrap().clone();
    handle(
        &desk,
        event(
            "s-1",
            "ticket.resolved",
            "2026-11-24T09:00:00Z",
            json!({"ticket_id": number}),
        ),
    )
    .await;
    let sent = desk.mailer.sent();
    assert_eq!(sent.len(), 2, "the acknowledgement and the survey");
    for email in &sent {
        assert_eq!(
            email.reply_to.as_ref().map(|a| a.as_str()),
            Some("talep@dukkan.zendesk.com"),
            "{}",
            email.template
        );
    }
    assert!(
        sent[0].text.contains("goes straight to the same ticket")
            || sent[0].text.contains("doğrudan aynı talebe eklenir")
    );
}

/// A complaint of `customer` at `time` on `channel`.
fn complaint_by(id: &str, time: &str, customer: &str, channel: &str, extra: Value) -> SqsEvent {
    let mut data = json!({
        "customer_id": customer,
        "channel": channel,
        "message": "Siparişim hâlâ gelmedi.",
        "customer": {"email": format!("{customer}@example.com"), "locale": "tr-TR"},
    });
    if let (Some(data), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
        data.extend(extra.clone());
    }
    event(id, "complaint.created", time, data)
}

fn only_ticket(h: &InMemory) -> Ticket {
    let world = h.store.world();
    assert_eq!(world.tickets.len(), 1, "one ticket");
    world.tickets.values().next().unwrap().clone()
}

#[tokio::test]
async fn a_complaint_naming_its_ticket_joins_it_on_any_channel_with_one_sla() {
    let h = handler();
    handle(&h, complaint("k-1")).await;
    let opened = only_ticket(&h);
    let number = opened.number.as_str().to_owned();
    let mangled = number.to_ascii_lowercase().replace('-', " ");
    // Chat, 20 minutes later: joined, nobody told again.
    handle(
        &h,
        complaint_by(
            "k-2",
            "2026-11-23T09:20:00Z",
            "c-1",
            "chat",
            json!({"message": format!("talep no {mangled}, ne zaman gelir?")}),
        ),
    )
    .await;
    // Web, two hours later, the number in a mail-client subject: joined,
    // told briefly.
    handle(
        &h,
        complaint_by(
            "k-3",
            "2026-11-23T11:00:00Z",
            "c-1",
            "web",
            json!({"subject": format!("Re: RE: [{number}] Kargom gelmedi")}),
        ),
    )
    .await;
    let ticket = only_ticket(&h);
    assert_eq!(ticket.sla, opened.sla, "one SLA, never restarted");
    assert_eq!(ticket.messages, 2);
    assert_eq!(
        ticket.channels,
        [Channel::Email, Channel::Chat, Channel::Web]
    );
    let templates: Vec<&str> = h.mailer.sent().iter().map(|m| m.template).collect();
    assert_eq!(templates, ["ack", "added"]);
    assert!(h.mailer.sent()[1].subject.contains(&number));
    let published = h.publisher.published();
    let ids: Vec<&str> = published.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            format!("ticket.opened:{number}"),
            format!("ticket.updated:{number}:1"),
            format!("ticket.updated:{number}:2"),
        ]
    );
    let world = h.store.world();
    let kept: Vec<(u32, Channel)> = world
        .messages
        .values()
        .map(|m| (m.message, m.channel))
        .collect();
    assert_eq!(kept, [(1, Channel::Chat), (2, Channel::Web)]);
}

#[tokio::test]
async fn a_complaint_about_the_same_order_joins_while_its_ticket_is_open() {
    let h = handler();
    let order = json!({"order_id": "o-77"});
    handle(
        &h,
        complaint_by("k-1", "2026-11-23T09:00:00Z", "c-1", "web", order.clone()),
    )
    .await;
    handle(
        &h,
        complaint_by("k-2", "2026-11-24T09:00:00Z", "c-1", "phone", order.clone()),
    )
    .await;
    let ticket = only_ticket(&h);
    assert_eq!(ticket.messages, 1);
    // Another order of the same customer is another conversation.
    handle(
        &h,
        complaint_by(
            "k-3",
            "2026-11-24T10:00:00Z",
            "c-1",
            "web",
            json!({"order_id": "o-78"}),
        ),
    )
    .await;
    assert_eq!(h.store.world().tickets.len(), 2);
    // Once the first is resolved, the order opens a new ticket.
    handle(
        &h,
        event(
            "r-1",
            "ticket.resolved",
            "2026-11-25T09:00:00Z",
            json!({"ticket_id": ticket.number.as_str()}),
        ),
    )
    .await;
    handle(
        &h,
        complaint_by("k-4", "2026-11-26T09:00:00Z", "c-1", "email", order),
    )
    .await;
    let world = h.store.world();
    assert_eq!(world.tickets.len(), 3);
    assert_eq!(world.tickets[ticket.number.as_str()].messages, 1);
}

#[tokio::test]
async fn a_number_of_another_customers_ticket_never_joins_it() {
    let h = handler();
    handle(
        &h,
        complaint_by(
            "k-1",
            "2026-11-23T09:00:00Z",
            "c-1",
            "web",
            json!({"order_id": "o-1"}),
        ),
    )
    .await;
    let theirs = only_ticket(&h);
    handle(
        &h,
        complaint_by(
            "k-2",
            "2026-11-23T10:00:00Z",
            "c-2",
            "email",
            json!({"subject": format!("[{}]", theirs.number), "order_id": "o-1"}),
        ),
    )
    .await;
    let world = h.store.world();
    assert_eq!(world.tickets.len(), 2, "a ticket of c-2's own");
    assert_eq!(world.tickets[theirs.number.as_str()].messages, 0);
    assert!(world.messages.is_empty());
}

#[tokio::test]
async fn a_joined_message_resumes_the_clock_the_team_paused_and_repeats_nothing() {
    let h = handler();
    handle(&h, complaint("k-1")).await;
    let number = only_ticket(&h).number;
    handle(
        &h,
        event(
            "p-1",
            "ticket.replied",
            "2026-11-23T10:00:00Z",
            json!({"ticket_id": number.as_str(), "author": "agent"}),
        ),
    )
    .await;
    let waiting = only_ticket(&h);
    assert_eq!(waiting.status, Status::WaitingOnCustomer);
    let answer = complaint_by(
        "k-2",
        "2026-11-23T12:00:00Z",
        "c-1",
        "chat",
        json!({"message": format!("{number} için cevabım: adresim doğru.")}),
    );
    handle(&h, answer.clone()).await;
    let resumed = only_ticket(&h);
    assert_eq!(resumed.status, Status::Open);
    assert!(!resumed.sla.as_ref().unwrap().is_paused());
    assert_eq!(
        resumed.last_customer_reply_at,
        Some("2026-11-23T12:00:00Z".parse().unwrap())
    );
    let (sent, published) = (h.mailer.sent().len(), h.publisher.published().len());
    h.store.world().calls.clear();
    handle(&h, answer).await;
    assert_eq!(
        h.store.world().calls,
        ["begin"],
        "a duplicate costs one call"
    );
    assert_eq!(only_ticket(&h).messages, 1);
    assert_eq!(
        (h.mailer.sent().len(), h.publisher.published().len()),
        (sent, published)
    );
}

#[tokio::test]
async fn a_join_whose_email_failed_is_retried_without_joining_twice() {
    let h = handler();
    handle(&h, complaint("k-1")).await;
    let number = only_ticket(&h).number;
    let later = complaint_by(
        "k-2",
        "2026-11-23T15:00:00Z",
        "c-1",
        "web",
        json!({"subject": format!("{number}")}),
    );
    h.mailer.fail_next(1);
    let deadline = Timestamp::now() + jiff::SignedDuration::from_secs(30);
    let failed = h.handle(later.clone(), deadline).await;
    assert_eq!(failed.batch_item_failures.len(), 1);
    handle(&h, later).await;
    assert_eq!(only_ticket(&h).messages, 1);
    let templates: Vec<&str> = h.mailer.sent().iter().map(|m| m.template).collect();
    assert_eq!(templates, ["ack", "added"]);
    assert_eq!(
        h.publisher
            .published()
            .iter()
            .filter(|m| m.kind == "ticket.updated")
            .count(),
        1
    );
}

/// The handler with a Monday-to-Friday calendar, 09:00–18:00 in Istanbul.
fn weekday_handler() -> InMemory {
    handler_with(&[
        ("BUSINESS_DAYS", "mon-fri"),
        ("BUSINESS_HOURS", "09:00-18:00"),
    ])
}

/// Sends what the due index holds at `now` back to the handler, as the
/// sweep would: every due held message, `times` times.
async fn sweep(h: &InMemory, now: &str, times: usize) -> usize {
    let now: Timestamp = now.parse().unwrap();
    let due: Vec<String> = {
        let world = h.store.world();
        world
            .held
            .values()
            .filter(|m| m.due <= now)
            .map(|m| m.body.clone())
            .collect()
    };
    for _ in 0..times {
        for body in &due {
            let mut message = SqsMessage::default();
            message.message_id = Some("held".into());
            message.body = Some(body.clone());
            let mut e = SqsEvent::default();
            e.records = vec![message];
            handle(h, e).await;
        }
    }
    due.len()
}

fn held(h: &InMemory) -> Vec<(String, Timestamp)> {
    let mut held: Vec<(String, Timestamp)> = h
        .store
        .world()
        .held
        .values()
        .map(|m| (m.id.clone(), m.due))
        .collect();
    held.sort();
    held
}

/// A complaint on Thursday 26 November, the agent's question on Friday
/// 27th at 15:10 in Istanbul.
async fn asked_on_friday(h: &InMemory) -> TicketNumber {
    handle(
        h,
        complaint_by("k-1", "2026-11-26T09:00:00Z", "c-1", "web", json!({})),
    )
    .await;
    let number = only_ticket(h).number;
    handle(
        h,
        event(
            "p-1",
            "ticket.replied",
            "2026-11-27T12:10:00Z",
            json!({"ticket_id": number.as_str(), "author": "agent"}),
        ),
    )
    .await;
    number
}

#[tokio::test]
async fn a_ticket_waiting_over_a_weekend_is_reminded_once_then_closed_as_no_reply() {
    let h = weekday_handler();
    let number = asked_on_friday(&h).await;
    // Mon 30 Nov, Tue 1, Wed 2 Dec: reminded on Wednesday at 15:10.
    assert_eq!(
        held(&h),
        [(
            format!("ticket.waiting:{number}:reminder"),
            "2026-12-02T12:10:00Z".parse().unwrap()
        )]
    );
    assert_eq!(sweep(&h, "2026-12-02T12:05:00Z", 1).await, 0, "not yet");
    // The sweep sends it twice (a retry): one reminder.
    sweep(&h, "2026-12-02T12:10:00Z", 2).await;
    let sent = h.mailer.sent();
    let templates: Vec<&str> = sent.iter().map(|m| m.template).collect();
    assert_eq!(templates, ["ack", "reminder"]);
    assert!(sent[1].subject.contains(number.as_str()));
    // "… by Tuesday 8 December, 15:10" on the customer's clock.
    assert!(sent[1].text.contains("8 Aralık 2026"), "{}", sent[1].text);
    // Seven working days after Friday: Tuesday 8 December.
    let resolve_at: Timestamp = "2026-12-08T12:10:00Z".parse().unwrap();
    assert!(held(&h).contains(&(format!("ticket.waiting:{number}:resolve"), resolve_at)));
    h.store
        .world()
        .held
        .retain(|_, m| m.due > "2026-12-02T12:10:00Z".parse().unwrap());
    sweep(&h, "2026-12-08T12:10:00Z", 2).await;
    let ticket = only_ticket(&h);
    assert_eq!(ticket.status, Status::Resolved);
    assert_eq!(
        ticket.resolved_as,
        Some(memnun_shared::domain::ticket::ResolvedAs::NoReply)
    );
    assert_eq!(ticket.resolved_at, Some(resolve_at));
    let closed: Vec<String> = h
        .publisher
        .published()
        .iter()
        .filter(|m| m.kind == "ticket.closed")
        .map(|m| m.id.clone())
        .collect();
    assert_eq!(closed, [format!("ticket.closed:{number}")]);
    // The desk solves its ticket in turn, and its webhook says so: no
    // survey for a ticket nobody answered.
    handle(
        &h,
        event(
            "r-desk",
            "ticket.resolved",
            "2026-12-08T12:11:00Z",
            json!({"ticket_id": number.as_str()}),
        ),
    )
    .await;
    assert_eq!(
        h.mailer.sent().len(),
        2,
        "the acknowledgement and the reminder only"
    );
    let week = memnun_shared::domain::digest::Week::of(
        resolve_at,
        &jiff::tz::TimeZone::get("Europe/Istanbul").unwrap(),
    );
    let world = h.store.world();
    assert_eq!(world.counters[&week].get("tickets.no_reply"), Some(&1));
}

#[tokio::test]
async fn an_answer_on_any_channel_stops_the_clocks_and_a_new_question_starts_its_own() {
    let h = weekday_handler();
    let number = asked_on_friday(&h).await;
    // Monday: the customer writes on chat naming the ticket (joined).
    handle(
        &h,
        complaint_by(
            "k-2",
            "2026-11-30T08:00:00Z",
            "c-1",
            "chat",
            json!({"message": format!("{number}: adresim doğru.")}),
        ),
    )
    .await;
    sweep(&h, "2026-12-02T12:10:00Z", 1).await;
    let templates: Vec<&str> = h.mailer.sent().iter().map(|m| m.template).collect();
    assert_eq!(
        templates,
        ["ack", "added"],
        "no reminder once they answered"
    );
    // The agent asks again on Tuesday 1 December at 10:00: its own clock.
    handle(
        &h,
        event(
            "p-2",
            "ticket.replied",
            "2026-12-01T07:00:00Z",
            json!({"ticket_id": number.as_str(), "author": "agent"}),
        ),
    )
    .await;
    assert!(held(&h).contains(&(
        format!("ticket.waiting:{number}:reminder"),
        "2026-12-04T07:00:00Z".parse().unwrap()
    )));
    sweep(&h, "2026-12-04T07:00:00Z", 1).await;
    let templates: Vec<&str> = h.mailer.sent().iter().map(|m| m.template).collect();
    assert_eq!(templates, ["ack", "added", "reminder"]);
}

/// The handler with the example FAQ.
fn faq_handler() -> InMemory {
    let mut h = handler();
    h.config.faq = Some(
        memnun_shared::domain::faq::Faq::parse(include_bytes!("../../../infra/faq.example.json"))
            .unwrap(),
    );
    h
}

#[tokio::test]
async fn the_acknowledgement_offers_the_faqs_answers_and_a_press_resolves_as_self_served() {
    let h = faq_handler();
    handle(
        &h,
        complaint_by(
            "k-1",
            "2026-11-23T09:00:00Z",
            "c-1",
            "web",
            json!({"subject": "KARGOM NERDE", "message": "Siparişim gelmedi."}),
        ),
    )
    .await;
    let number = only_ticket(&h).number;
    let ack = &h.mailer.sent()[0];
    assert!(
        ack.text.contains("Siparişim nerede, nasıl takip ederim?"),
        "{}",
        ack.text
    );
    let link = ack
        .text
        .lines()
        .find_map(|l| {
            l.split_once("https://links.dukkan.example/answered?t=")
                .map(|(_, t)| t.trim().to_owned())
        })
        .expect("a link");
    let signer = Signer::from_secret("a-link-signing-key-for-the-tests-0123456789").unwrap();
    assert_eq!(
        signer.verify(Purpose::Answered, &link).unwrap(),
        format!("{number}:kargo-nerede")
    );
    // The press, delivered twice.
    let pressed = event(
        &format!("self-served-{number}"),
        "ticket.self_served",
        "2026-11-23T09:20:00Z",
        json!({"ticket_id": number.as_str(), "faq_id": "kargo-nerede"}),
    );
    handle(&h, pressed.clone()).await;
    handle(&h, pressed).await;
    let ticket = only_ticket(&h);
    assert_eq!(ticket.status, Status::Resolved);
    assert_eq!(
        ticket.resolved_as,
        Some(memnun_shared::domain::ticket::ResolvedAs::SelfServed)
    );
    let closed: Vec<String> = h
        .publisher
        .published()
        .iter()
        .filter(|m| m.kind == "ticket.closed")
        .map(|m| m.body.clone())
        .collect();
    assert_eq!(closed.len(), 1);
    assert!(closed[0].contains("self_served"));
    // No survey, even when the desk reports the ticket solved after.
    handle(
        &h,
        event(
            "r-desk",
            "ticket.resolved",
            "2026-11-23T09:30:00Z",
            json!({"ticket_id": number.as_str()}),
        ),
    )
    .await;
    assert_eq!(h.mailer.sent().len(), 1);
    let week = memnun_shared::domain::digest::Week::of(
        "2026-11-23T09:00:00Z".parse().unwrap(),
        &jiff::tz::TimeZone::get("Europe/Istanbul").unwrap(),
    );
    let world = h.store.world();
    let counters = &world.counters[&week];
    assert_eq!(counters.get("faq.offered"), Some(&1));
    assert_eq!(counters.get("tickets.self_served"), Some(&1));
    assert_eq!(counters.get("faq.resolved.kargo-nerede"), Some(&1));
}

#[tokio::test]
async fn a_complaint_the_faq_cannot_answer_is_counted_by_category_and_a_late_press_changes_nothing()
{
    let h = faq_handler();
    handle(
        &h,
        complaint_by(
            "k-1",
            "2026-11-23T09:00:00Z",
            "c-1",
            "web",
            json!({"subject": "Fatura", "message": "Faturamı bulamıyorum, ödeme onaylandı mı?"}),
        ),
    )
    .await;
    let number = only_ticket(&h).number;
    assert!(!h.mailer.sent()[0].text.contains("answered?t="));
    // Resolved by the team first; a press afterwards changes nothing.
    handle(
        &h,
        event(
            "r-1",
            "ticket.resolved",
            "2026-11-23T10:00:00Z",
            json!({"ticket_id": number.as_str()}),
        ),
    )
    .await;
    handle(
        &h,
        event(
            &format!("self-served-{number}"),
            "ticket.self_served",
            "2026-11-23T10:05:00Z",
            json!({"ticket_id": number.as_str(), "faq_id": "kargo-nerede"}),
        ),
    )
    .await;
    let ticket = only_ticket(&h);
    assert_eq!(ticket.resolved_as, None, "the team resolved it");
    let week = memnun_shared::domain::digest::Week::of(
        "2026-11-23T09:00:00Z".parse().unwrap(),
        &jiff::tz::TimeZone::get("Europe/Istanbul").unwrap(),
    );
    let world = h.store.world();
    let counters = &world.counters[&week];
    assert_eq!(counters.get("faq.unanswered.payment"), Some(&1));
    assert_eq!(counters.get("tickets.self_served"), None);
}

#[tokio::test]
async fn where_is_my_order_is_answered_with_its_shipping_state_and_tracking_link() {
    use memnun_shared::domain::order::{Order, OrderId, Shipment, Stage};
    let h = handler();
    let mut order = Order::new(
        OrderId::parse("1001").unwrap(),
        memnun_shared::domain::customer::CustomerId::parse("c-1").unwrap(),
    );
    order.stage = Stage::Shipped;
    order.placed_at = Some("2026-11-20T10:00:00Z".parse().unwrap());
    order.shipped_at = Some("2026-11-21T10:00:00Z".parse().unwrap());
    order.shipment = Some(Shipment {
        carrier: Some("Yurtiçi Kargo".into()),
        tracking_number: Some("YK123".into()),
        tracking_url: Some("https://kargo.example/t/YK123".into()),
        estimated_delivery: Some(jiff::civil::date(2026, 11, 24)),
    });
    h.store.world().orders.insert("1001".into(), order);
    handle(
        &h,
        complaint_by(
            "k-1",
            "2026-11-23T09:00:00Z",
            "c-1",
            "web",
            json!({"subject": "Kargom nerede?", "message": "Siparişim gelmedi.", "order_id": "1001"}),
        ),
    )
    .await;
    let ack = &h.mailer.sent()[0];
    for needle in [
        "1001 numaralı siparişiniz 21 Kasım 2026 tarihinde Yurtiçi Kargo ile kargoya verildi.",
        "YK123",
        "https://kargo.example/t/YK123",
        "24 Kasım 2026",
    ] {
        assert!(ack.text.contains(needle), "lacks {needle}: {}", ack.text);
        assert!(ack.html.contains(needle), "lacks {needle}: {}", ack.html);
    }
    // An order memnun does not follow: nothing said about it.
    handle(
        &h,
        complaint_by(
            "k-2",
            "2026-11-23T10:00:00Z",
            "c-2",
            "web",
            json!({"subject": "Kargom nerede?", "message": "Gelmedi.", "order_id": "7777"}),
        ),
    )
    .await;
    assert!(!h.mailer.sent()[1].text.contains("Siparişiniz nerede?"));
}
