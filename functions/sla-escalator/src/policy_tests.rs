//! The policy in milliseconds, against the ports in memory; the emulator
//! tests (`tests/flows/sla.rs`) prove the AWS side.

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use memnun_shared::domain::customer::{ContactDetails, Customer, CustomerId};
use memnun_shared::domain::sla::SlaPolicy;
use memnun_shared::domain::ticket::{Category, Origin, Priority, Ticket, TicketNumber};
use memnun_shared::memory::{MemoryMailer, MemoryPublisher, MemoryStore, Profile};

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
            ("SUPPORT_TEAM_EMAIL", "ekip@dukkan.example"),
            ("SUPPORT_LEAD_EMAIL", "lider@dukkan.example"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let config = Config::from_env(&env).unwrap();
    let h = Handler::new(
        config,
        MemoryStore::default(),
        MemoryMailer::default(),
        MemoryPublisher::default(),
    );
    // A ticket opened ten days before the alarms, of a customer in Istanbul.
    let opened: Timestamp = "2026-11-13T09:00:00Z".parse().unwrap();
    let mut ticket = Ticket::new(
        TicketNumber::parse("TK-1234-5678").unwrap(),
        &CustomerId::parse("c-1").unwrap(),
        Origin::Complaint,
        Category::Delivery,
        Priority::Normal,
        opened,
        "shop/test#k-1",
    );
    ticket.sla = Some(SlaPolicy::default().start(Priority::Normal, opened, &h.config.calendar));
    let mut world = h.store.world();
    world.tickets.insert("TK-1234-5678".into(), ticket);
    world.profiles.insert(
        "c-1".into(),
        Profile {
            customer: Some(Customer {
                id: CustomerId::parse("c-1").unwrap(),
                contact: ContactDetails {
                    email: memnun_shared::domain::mail::EmailAddress::parse("ayse@example.com")
                        .ok(),
                    name: Some("Ayşe".into()),
                    locale: Some("tr-TR".into()),
                    time_zone: Some("Europe/Istanbul".into()),
                },
                contact_updated_at: None,
                last_apology_coupon_at: None,
                marketing_consent: false,
                greeted_at: None,
            }),
            ..Profile::default()
        },
    );
    drop(world);
    h
}

/// A breach of `goal` announced on a Monday at noon in Istanbul.
fn breach(h: &InMemory, goal: Goal) -> SqsEvent {
    let at: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
    let world = h.store.world();
    let sla = world.tickets["TK-1234-5678"].sla.clone().unwrap();
    let due = match goal {
        Goal::FirstReply => sla.first_reply.due,
        Goal::Resolution => sla.resolution.due,
    };
    let body = InternalEvent::SlaBreached(SlaAlarm {
        ticket_id: TicketNumber::parse("TK-1234-5678").unwrap(),
        goal,
        due,
        priority: Priority::Normal,
        category: Category::Delivery,
        customer_id: CustomerId::parse("c-1").unwrap(),
        part: None,
    })
    .to_message(at, "memnun/sla-monitor")
    .body;
    let mut message = SqsMessage::default();
    message.message_id = Some(format!("m-{}", goal.as_str()));
    message.body = Some(body);
    let mut e = SqsEvent::default();
    e.records = vec![message];
    e
}

async fn handle(h: &InMemory, e: SqsEvent) {
    let deadline = Timestamp::now() + jiff::SignedDuration::from_secs(30);
    assert!(h.handle(e, deadline).await.batch_item_failures.is_empty());
}

#[tokio::test]
async fn a_missed_resolution_alerts_the_lead_and_apologises_with_a_coupon_once() {
    let h = handler();
    handle(&h, breach(&h, Goal::Resolution)).await;
    let to: Vec<String> = h
        .mailer
        .sent()
        .iter()
        .map(|e| e.template.to_string())
        .collect();
    assert_eq!(to, ["team_alert", "breach_apology"]);
    assert_eq!(h.store.world().coupons.len(), 1);
    let kinds: Vec<&str> = h.publisher.published().iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        ["ticket.escalated", "coupon.issued"],
        "the help desk raises the ticket; the coupon is registered"
    );
    h.store.world().calls.clear();
    handle(&h, breach(&h, Goal::Resolution)).await;
    assert_eq!(h.store.world().calls, ["begin"]);
    assert_eq!(h.mailer.sent().len(), 2);
}

#[tokio::test]
async fn both_deadlines_missed_bring_one_apology_and_two_lead_alerts() {
    let h = handler();
    handle(&h, breach(&h, Goal::FirstReply)).await;
    handle(&h, breach(&h, Goal::Resolution)).await;
    let templates: Vec<&str> = h.mailer.sent().iter().map(|e| e.template).collect();
    assert_eq!(templates, ["team_alert", "team_alert", "breach_apology"]);
    assert_eq!(h.store.world().coupons.len(), 1);
}

#[tokio::test]
async fn a_breach_coupon_is_in_the_store_before_the_apology() {
    let h = handler();
    let event = breach(&h, Goal::Resolution);
    let h = h.with_registry(memnun_shared::memory::MemoryRegistry::default());
    h.registry.fail_next(1);
    let deadline = Timestamp::now() + jiff::SignedDuration::from_secs(30);
    let failed = h.handle(event.clone(), deadline).await;
    assert_eq!(failed.batch_item_failures.len(), 1);
    assert!(
        h.mailer.sent().is_empty(),
        "not even the lead's alert goes first"
    );
    assert!(
        h.handle(event, deadline)
            .await
            .batch_item_failures
            .is_empty()
    );
    let registered = h.registry.registered();
    assert_eq!(registered.len(), 1);
    let sent = h.mailer.sent();
    let apology = sent
        .iter()
        .find(|e| e.template == "breach_apology")
        .unwrap();
    assert!(apology.text.contains(&registered[0]));
}
