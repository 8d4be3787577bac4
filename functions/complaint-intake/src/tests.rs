//! The policy in milliseconds, against the ports in memory; the emulator
//! tests (`tests/flows/complaint_intake.rs`) prove the AWS side.

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use memnun_shared::memory::{MemoryMailer, MemoryPublisher, MemoryStore};
use serde_json::{Value, json};

use super::*;

type InMemory = Handler<MemoryStore, MemoryMailer, MemoryPublisher>;

fn handler() -> InMemory {
    let env = Env::from_pairs(
        [
            ("TABLE_NAME", "t"),
            ("IDEMPOTENCY_TABLE_NAME", "i"),
            ("OUTBOUND_QUEUE_URL", "http://localhost/outbound"),
            ("SHOP_NAME", "Dükkan"),
            ("SENDER_EMAIL", "destek@dukkan.example"),
            ("LINKS_BASE_URL", "https://links.dukkan.example"),
            ("LINK_SECRET_PARAMETER", "/memnun/link-secret"),
        ]
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
