//! The journey's policy in milliseconds, against the ports in memory; the
//! emulator test (`tests/flows/order_journey.rs`) proves the AWS side.

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use memnun_shared::config::Env;
use memnun_shared::memory::{MemoryMailer, MemoryPublisher, MemoryStore};

use super::*;
use memnun_shared::domain::ticket::{Category, Origin};

type TestHandler = Handler<MemoryStore, MemoryMailer, MemoryPublisher>;

fn handler() -> TestHandler {
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
    Handler::new(
        Config::from_env(&env).unwrap(),
        MemoryStore::default(),
        MemoryMailer::default(),
        MemoryPublisher::default(),
    )
}

fn event(id: &str, kind: &str, time: &str, data: serde_json::Value) -> SqsEvent {
    let mut data = data;
    data["customer_id"] = "c-1".into();
    data["order_id"] = "1001".into();
    data["customer"] =
        serde_json::json!({"email": "ayse@example.com", "name": "Ayşe", "locale": "tr"});
    let body = serde_json::json!({
        "specversion": "1.0",
        "id": id,
        "source": "shop/test",
        "type": kind,
        "time": time,
        "data": data,
    });
    let mut message = SqsMessage::default();
    message.message_id = Some(id.to_owned());
    message.body = Some(body.to_string());
    let mut event = SqsEvent::default();
    event.records = vec![message];
    event
}

fn placed() -> SqsEvent {
    event(
        "o-1",
        "order.placed",
        "2026-12-01T10:00:00Z",
        serde_json::json!({"promised_date": "2026-12-06", "total": "149.90", "currency": "TRY"}),
    )
}

fn shipped(id: &str, number: &str) -> SqsEvent {
    event(
        id,
        "order.shipped",
        "2026-12-02T10:00:00Z",
        serde_json::json!({
            "carrier": "Yurtiçi Kargo",
            "tracking_number": number,
            "tracking_url": format!("https://kargo.example/t/{number}"),
            "estimated_delivery": "2026-12-05",
        }),
    )
}

fn delivered() -> SqsEvent {
    event(
        "o-3",
        "order.delivered",
        "2026-12-04T15:00:00Z",
        serde_json::json!({}),
    )
}

fn deadline() -> Timestamp {
    Timestamp::now() + jiff::SignedDuration::from_secs(30)
}

async fn handle(h: &TestHandler, e: SqsEvent) {
    let response = h.handle(e, deadline()).await;
    assert!(response.batch_item_failures.is_empty());
}

#[tokio::test]
async fn a_shipped_order_is_told_once_with_its_parcel() {
    let h = handler();
    handle(&h, placed()).await;
    handle(&h, shipped("o-2", "YK1")).await;
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].text.contains("YK1"), "{}", sent[0].text);
    assert!(
        sent[0].subject.contains("kargoda"),
        "Turkish for a tr customer"
    );
    drop(sent);
    // The same parcel again, under another event id (a platform's retry):
    // nothing new to tell.
    h.store.world().calls.clear();
    handle(&h, shipped("o-2b", "YK1")).await;
    assert_eq!(h.mailer.sent().len(), 1);
    assert_eq!(
        h.store.world().calls,
        ["begin", "order_with_customer", "commit", "finish"]
    );
    // The same event again: one call.
    h.store.world().calls.clear();
    handle(&h, shipped("o-2", "YK1")).await;
    assert_eq!(h.store.world().calls, ["begin"]);
    assert_eq!(h.mailer.sent().len(), 1);
}

#[tokio::test]
async fn a_shipment_is_five_calls() {
    // Four to the store and the email: the notice needs no step of its own
    // written before it, since the commit recorded the step it follows.
    let h = handler();
    handle(&h, shipped("o-2", "YK1")).await;
    assert_eq!(
        h.store.world().calls,
        ["begin", "order_with_customer", "commit", "finish"]
    );
    assert_eq!(h.mailer.sent().len(), 1);
}

#[tokio::test]
async fn a_second_parcel_is_told_too() {
    let h = handler();
    handle(&h, shipped("o-2", "YK1")).await;
    handle(&h, shipped("o-4", "YK2")).await;
    assert_eq!(h.mailer.sent().len(), 2);
}

#[tokio::test]
async fn shipped_arriving_after_delivered_is_recorded_and_not_told() {
    let h = handler();
    handle(&h, delivered()).await;
    handle(&h, shipped("o-2", "YK1")).await;
    assert!(h.mailer.sent().is_empty());
    let world = h.store.world();
    let order = &world.orders["1001"];
    assert_eq!(order.stage, Stage::Delivered);
    assert!(order.shipment.is_some(), "the parcel is still recorded");
}

#[tokio::test]
async fn every_order_of_arrival_builds_the_same_order() {
    let sequences: [[fn() -> SqsEvent; 3]; 3] = [
        [placed, || shipped("o-2", "YK1"), delivered],
        [delivered, placed, || shipped("o-2", "YK1")],
        [|| shipped("o-2", "YK1"), delivered, placed],
    ];
    let mut seen = Vec::new();
    for sequence in sequences {
        let h = handler();
        for e in sequence {
            handle(&h, e()).await;
        }
        let mut order = h.store.world().orders["1001"].clone();
        order.version = 0;
        seen.push(order);
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:#?}");
    assert_eq!(seen[0].stage, Stage::Delivered);
}

#[tokio::test]
async fn an_event_naming_another_customers_order_dead_letters() {
    let h = handler();
    handle(&h, placed()).await;
    let mut other = shipped("o-9", "YK9");
    let body = other.records[0].body.take().unwrap();
    other.records[0].body = Some(body.replace("\"c-1\"", "\"c-2\""));
    let response = h.handle(other, deadline()).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    assert!(h.mailer.sent().is_empty());
    assert_eq!(h.store.world().orders["1001"].customer_id.as_str(), "c-1");
}

#[tokio::test]
async fn an_event_of_another_queue_dead_letters() {
    let h = handler();
    let review = event(
        "r-1",
        "review.posted",
        "2026-12-01T10:00:00Z",
        serde_json::json!({"rating": 5}),
    );
    let response = h.handle(review, deadline()).await;
    assert_eq!(response.batch_item_failures.len(), 1);
}

fn return_requested(id: &str, return_id: &str, kind: &str) -> SqsEvent {
    event(
        id,
        "return.requested",
        "2026-12-05T09:00:00Z",
        serde_json::json!({"return_id": return_id, "kind": kind, "reason": "beden küçük"}),
    )
}

#[tokio::test]
async fn a_return_request_is_confirmed_once_with_a_ticket_for_the_team() {
    let h = handler();
    handle(&h, return_requested("rt-1", "RMA-1", "exchange")).await;
    {
        let world = h.store.world();
        assert_eq!(
            world.calls,
            [
                "begin",
                "return_with_customer",
                "commit",
                "advance",
                "finish"
            ],
            "seven AWS calls with the publish and the email"
        );
        assert_eq!(world.returns.len(), 1);
        assert_eq!(world.tickets.len(), 1);
        let ticket = world.tickets.values().next().unwrap();
        assert_eq!(ticket.origin, Origin::ReturnRequest);
        assert_eq!(ticket.category, Category::ReturnExchange);
        assert!(
            ticket.sla.is_none(),
            "the refund has its own clock, not an SLA"
        );
        assert_eq!(world.returns["RMA-1"].ticket, ticket.number);
    }
    let published: Vec<&str> = h.publisher.published().iter().map(|m| m.kind).collect();
    assert_eq!(published, ["ticket.opened"]);
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].subject.contains("değişim talebinizi aldık (RMA-1)"),
        "{}",
        sent[0].subject
    );
    assert!(
        sent[0].subject.starts_with("[TK-"),
        "a reply finds the ticket"
    );
    drop(sent);

    // The same request under another event id (a platform's retry), and
    // the same event again: nothing new.
    handle(&h, return_requested("rt-1b", "RMA-1", "exchange")).await;
    handle(&h, return_requested("rt-1", "RMA-1", "exchange")).await;
    assert_eq!(h.mailer.sent().len(), 1);
    assert_eq!(h.publisher.published().len(), 1);
    assert_eq!(h.store.world().tickets.len(), 1);
}

#[tokio::test]
async fn a_return_of_another_customer_dead_letters() {
    let h = handler();
    handle(&h, return_requested("rt-1", "RMA-1", "return")).await;
    let mut other = return_requested("rt-2", "RMA-1", "return");
    let body = other.records[0].body.take().unwrap();
    other.records[0].body = Some(body.replace("\"c-1\"", "\"c-2\""));
    let response = h.handle(other, deadline()).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    assert_eq!(h.mailer.sent().len(), 1);
}
