//! The journey's policy in milliseconds, against the ports in memory; the
//! emulator test (`tests/flows/order_journey.rs`) proves the AWS side.

use std::collections::BTreeMap;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use memnun_shared::config::Env;
use memnun_shared::memory::{MemoryMailer, MemoryPublisher, MemoryStore};

use super::*;
use memnun_shared::domain::ticket::{Category, Origin};
use memnun_shared::domain::token::Signer;

type TestHandler = Handler<MemoryStore, MemoryMailer, MemoryPublisher>;

fn handler() -> TestHandler {
    handler_with(&[], None)
}

/// The handler over the shop's base settings and `extra` ones.
fn handler_with(extra: &[(&str, &str)], signer: Option<Signer>) -> TestHandler {
    let base = [
        ("TABLE_NAME", "t"),
        ("IDEMPOTENCY_TABLE_NAME", "i"),
        ("OUTBOUND_QUEUE_URL", "http://localhost/outbound"),
        ("SHOP_NAME", "Dükkan"),
        ("SENDER_EMAIL", "destek@dukkan.example"),
        ("SUPPORT_TEAM_EMAIL", "ekip@dukkan.example"),
        ("SUPPORT_LEAD_EMAIL", "lider@dukkan.example"),
        ("BUSINESS_DAYS", "mon-fri"),
    ];
    let env = Env::from_pairs(
        base.iter()
            .chain(extra)
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    Handler::new(
        Config::from_env(&env).unwrap(),
        signer,
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

fn cancelled(id: &str, time: &str) -> SqsEvent {
    event(id, "order.cancelled", time, serde_json::json!({}))
}

/// A refund of order 1001 itself (no return named), in TRY.
fn order_refunded(id: &str, time: &str, amount: &str) -> SqsEvent {
    event(
        id,
        "refund.issued",
        time,
        serde_json::json!({"amount": amount, "currency": "TRY"}),
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

fn step(id: &str, kind: &str, time: &str, data: serde_json::Value) -> SqsEvent {
    let mut data = data;
    data["return_id"] = "RMA-1".into();
    event(id, kind, time, data)
}

fn approved(id: &str) -> SqsEvent {
    step(
        id,
        "return.approved",
        "2026-12-05T12:00:00Z",
        serde_json::json!({"label_url": "https://kargo.example/label/1", "instructions": "Kutuyu kapatın."}),
    )
}

fn received(id: &str) -> SqsEvent {
    step(
        id,
        "return.received",
        "2026-12-08T12:00:00Z",
        serde_json::json!({}),
    )
}

fn refunded(id: &str) -> SqsEvent {
    step(
        id,
        "refund.issued",
        "2026-12-09T12:00:00Z",
        serde_json::json!({"amount": "149.90", "currency": "TRY", "method": "kart"}),
    )
}

fn subjects(h: &TestHandler) -> Vec<String> {
    h.mailer.sent().iter().map(|m| m.subject.clone()).collect()
}

#[tokio::test]
async fn a_return_is_followed_from_request_to_refund_one_email_a_step() {
    let h = handler();
    handle(&h, return_requested("rt-1", "RMA-1", "return")).await;
    h.store.world().calls.clear();
    handle(&h, approved("ra-1")).await;
    assert_eq!(
        h.store.world().calls,
        ["begin", "return_with_customer", "commit", "finish"],
        "five AWS calls with the email"
    );
    handle(&h, received("rr-1")).await;
    handle(&h, refunded("rf-1")).await;
    let subjects = subjects(&h);
    assert_eq!(subjects.len(), 4, "{subjects:#?}");
    assert!(subjects[1].contains("iade talebiniz onaylandı (RMA-1)"));
    assert!(subjects[2].contains("ürün bize ulaştı"));
    assert!(subjects[3].contains("ücret iadeniz yapıldı"));
    let ticket = h.store.world().returns["RMA-1"].ticket.to_string();
    assert!(
        subjects
            .iter()
            .all(|s| s.starts_with(&format!("[{ticket}]"))),
        "every email of the return stays on its ticket: {subjects:#?}"
    );
    let sent = h.mailer.sent();
    // Requested on 5 December (Istanbul): 10 days to ship, 14 to refund.
    assert!(sent[1].text.contains("15 Aralık 2026"), "{}", sent[1].text);
    assert!(sent[2].text.contains("19 Aralık 2026"), "{}", sent[2].text);
    assert!(sent[3].text.contains("149,90 TL"), "{}", sent[3].text);
    drop(sent);
    assert_eq!(
        h.store.world().returns["RMA-1"].stage(),
        ReturnStage::Refunded
    );

    // Every step again, under new ids (a platform's retries) and under the
    // same ids (SQS redelivery): nothing more.
    for e in [
        approved("ra-2"),
        received("rr-2"),
        refunded("rf-2"),
        approved("ra-1"),
        received("rr-1"),
        refunded("rf-1"),
    ] {
        handle(&h, e).await;
    }
    assert_eq!(h.mailer.sent().len(), 4);
}

#[tokio::test]
async fn a_step_arriving_after_a_later_one_is_recorded_not_told() {
    let h = handler();
    handle(&h, return_requested("rt-1", "RMA-1", "return")).await;
    handle(&h, refunded("rf-1")).await;
    handle(&h, received("rr-1")).await;
    handle(&h, approved("ra-1")).await;
    let subjects = subjects(&h);
    assert_eq!(
        subjects.len(),
        2,
        "the request and the refund: {subjects:#?}"
    );
    let world = h.store.world();
    let r = &world.returns["RMA-1"];
    assert!(
        r.approved.is_some() && r.received_at.is_some(),
        "still recorded"
    );
}

#[tokio::test]
async fn a_step_of_a_return_not_heard_of_yet_is_retried_and_then_told() {
    let h = handler();
    let response = h.handle(approved("ra-1"), deadline()).await;
    assert_eq!(
        response.batch_item_failures.len(),
        1,
        "retried: the request may still be on its way"
    );
    assert!(h.mailer.sent().is_empty());
    handle(&h, return_requested("rt-1", "RMA-1", "return")).await;
    handle(&h, approved("ra-1")).await;
    assert_eq!(h.mailer.sent().len(), 2);
}

#[tokio::test]
async fn a_step_naming_another_customer_or_order_dead_letters() {
    let h = handler();
    handle(&h, return_requested("rt-1", "RMA-1", "return")).await;
    let mut other = approved("ra-9");
    let body = other.records[0].body.take().unwrap();
    other.records[0].body = Some(body.replace("\"c-1\"", "\"c-2\""));
    assert_eq!(
        h.handle(other, deadline()).await.batch_item_failures.len(),
        1
    );
    let mut wrong_order = refunded("rf-9");
    let body = wrong_order.records[0].body.take().unwrap();
    wrong_order.records[0].body = Some(body.replace("\"1001\"", "\"2002\""));
    assert_eq!(
        h.handle(wrong_order, deadline())
            .await
            .batch_item_failures
            .len(),
        1
    );
    assert_eq!(h.mailer.sent().len(), 1, "only the confirmation");
}

#[tokio::test]
async fn a_rejection_and_an_exchange_parcel_are_told() {
    let h = handler();
    handle(&h, return_requested("rt-1", "RMA-1", "exchange")).await;
    handle(
        &h,
        step(
            "rx-1",
            "exchange.shipped",
            "2026-12-10T12:00:00Z",
            serde_json::json!({"carrier": "Aras", "tracking_number": "AR9", "tracking_url": "https://aras.example/AR9"}),
        ),
    )
    .await;
    handle(&h, return_requested("rt-2", "RMA-2", "return")).await;
    let mut rejected = step(
        "rj-1",
        "return.rejected",
        "2026-12-06T12:00:00Z",
        serde_json::json!({"reason": "Ürün kullanılmış"}),
    );
    let body = rejected.records[0].body.take().unwrap();
    rejected.records[0].body = Some(body.replace("RMA-1", "RMA-2"));
    handle(&h, rejected).await;
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 4);
    assert!(sent[1].subject.contains("yeni ürününüz kargoda"));
    assert!(sent[1].text.contains("AR9"), "{}", sent[1].text);
    assert!(sent[3].subject.contains("kabul edilmedi (RMA-2)"));
    assert!(sent[3].text.contains("Ürün kullanılmış"));
}

#[tokio::test]
async fn a_refund_of_the_order_itself_is_told_once_per_amount() {
    let h = handler();
    handle(&h, cancelled("oc-1", "2026-12-01T12:00:00Z")).await;
    let refund = |id: &str, amount: &str| order_refunded(id, "2026-12-02T12:00:00Z", amount);
    handle(&h, refund("of-1", "149.90")).await;
    handle(&h, refund("of-2", "149.90")).await;
    handle(&h, refund("of-3", "10")).await;
    let subjects = subjects(&h);
    assert_eq!(subjects.len(), 2, "{subjects:#?}");
    assert_eq!(
        subjects[0],
        "Dükkan: 1001 numaralı siparişiniz için ücret iadeniz yapıldı"
    );
    assert_eq!(h.store.world().orders["1001"].refunds.len(), 2);
}

#[tokio::test]
async fn a_refund_met_before_its_order_waits_and_is_told_once() {
    // A refund of the order brings no address. Met before the order's first
    // event (delivered side by side in one batch, or reordered), it waits
    // as a retried message: committed, it would be known, and the customer
    // never told once the cancellation brought the address.
    let h = handler();
    let refund = |id: &str| order_refunded(id, "2026-12-01T13:00:00Z", "149.90");
    let early = h.handle(refund("of-1"), deadline()).await;
    assert_eq!(early.batch_item_failures.len(), 1, "it waits");
    assert_eq!(
        h.store.world().calls,
        ["begin", "order_with_customer", "release"],
        "nothing committed"
    );
    assert!(h.store.world().orders.is_empty());
    assert!(h.mailer.sent().is_empty());
    handle(&h, cancelled("oc-1", "2026-12-01T12:00:00Z")).await;
    // The queue's retry, a duplicate and the platform's own retry.
    handle(&h, refund("of-1")).await;
    handle(&h, refund("of-1")).await;
    handle(&h, refund("of-1-retry")).await;
    let subjects = subjects(&h);
    assert_eq!(
        subjects,
        ["Dükkan: 1001 numaralı siparişiniz için ücret iadeniz yapıldı"]
    );
    assert_eq!(h.store.world().orders["1001"].refunds.len(), 1);

    // A customer memnun already knows, with an address, is told at once,
    // order or not (a refund of an order from before memnun was there).
    let h = handler();
    handle(&h, cancelled("os-1", "2026-11-20T12:00:00Z")).await;
    let mut other = refund("of-2");
    let body = other.records[0].body.take().unwrap();
    other.records[0].body = Some(body.replace("\"1001\"", "\"0999\""));
    handle(&h, other).await;
    assert_eq!(h.mailer.sent().len(), 1, "told from the customer's record");
}

#[tokio::test]
async fn an_english_customer_reads_every_step_in_english() {
    let h = handler();
    let english = |mut e: SqsEvent| {
        let body = e.records[0].body.take().unwrap();
        e.records[0].body = Some(body.replace("\"tr\"", "\"en\""));
        e
    };
    handle(&h, english(return_requested("rt-1", "RMA-1", "return"))).await;
    handle(&h, approved("ra-1")).await;
    handle(&h, received("rr-1")).await;
    handle(&h, refunded("rf-1")).await;
    let subjects = subjects(&h);
    assert!(
        subjects[1].ends_with("your return is approved (RMA-1)"),
        "{subjects:#?}"
    );
    assert!(subjects[2].ends_with("we have received your item (RMA-1)"));
    assert!(subjects[3].ends_with("your refund is on its way (RMA-1)"));
    assert!(h.mailer.sent()[3].text.contains("TRY 149.90"));
}

/// The held message of `watch` for `id`, as the sweep would send it.
fn fired(h: &TestHandler, watch: &str, id: &str) -> SqsEvent {
    let key = format!("journey.due:{watch}:{id}");
    let held = h
        .store
        .world()
        .held
        .get(&key)
        .unwrap_or_else(|| panic!("no clock {key}"))
        .clone();
    let mut message = SqsMessage::default();
    message.message_id = Some(key);
    message.body = Some(held.body);
    let mut event = SqsEvent::default();
    event.records = vec![message];
    event
}

fn recipients(h: &TestHandler) -> Vec<String> {
    h.mailer
        .sent()
        .iter()
        .map(|m| m.to.as_str().to_owned())
        .collect()
}

#[tokio::test]
async fn a_placed_order_sets_its_clocks_in_the_due_index() {
    let h = handler();
    // Tuesday 1 December 2026, 13:00 in Istanbul.
    handle(&h, placed()).await;
    {
        let world = h.store.world();
        let unshipped = &world.held["journey.due:unshipped:1001"];
        assert_eq!(unshipped.kind, "journey.due");
        // Wednesday and Thursday: due at midnight ending Thursday, Istanbul.
        assert_eq!(unshipped.due, "2026-12-03T21:00:00Z".parse().unwrap());
        let undelivered = &world.held["journey.due:undelivered:1001"];
        assert_eq!(undelivered.due, "2026-12-31T10:00:00Z".parse().unwrap());
    }
    // Placed again (a platform's retry): the clocks are not set again.
    h.store.world().held.clear();
    handle(
        &h,
        event(
            "o-1b",
            "order.placed",
            "2026-12-01T10:00:00Z",
            serde_json::json!({}),
        ),
    )
    .await;
    assert!(h.store.world().held.is_empty());
}

#[tokio::test]
async fn an_order_not_shipped_in_time_alerts_the_team_once_and_one_shipped_in_time_nothing() {
    let h = handler();
    handle(&h, placed()).await;
    let clock = fired(&h, "unshipped", "1001");
    h.store.world().calls.clear();
    handle(&h, clock.clone()).await;
    assert_eq!(
        h.store.world().calls,
        ["begin", "order_with_customer", "commit", "finish"],
        "five AWS calls with the alert"
    );
    assert_eq!(recipients(&h), ["ekip@dukkan.example"]);
    let sent = h.mailer.sent();
    assert!(
        sent[0]
            .subject
            .contains("Sipariş 1001 2 iş gününde kargoya verilmedi"),
        "{}",
        sent[0].subject
    );
    assert!(!sent[0].text.contains("Ayşe") && !sent[0].text.contains("ayse@"));
    drop(sent);
    assert_eq!(h.store.world().orders["1001"].alerted.len(), 1);
    // The sweep sends it again (a second sweep before the first forgot it).
    handle(&h, clock).await;
    assert_eq!(h.mailer.sent().len(), 1);

    let h = handler();
    handle(&h, placed()).await;
    handle(&h, shipped("o-2", "YK1")).await;
    let clock = fired(&h, "unshipped", "1001");
    h.store.world().calls.clear();
    handle(&h, clock).await;
    assert_eq!(
        h.store.world().calls,
        ["begin", "order_with_customer", "finish"],
        "nothing due: three calls"
    );
    assert_eq!(h.mailer.sent().len(), 1, "only the shipping notice");
}

#[tokio::test]
async fn an_order_undelivered_after_thirty_days_alerts_the_lead_unless_delivered() {
    let h = handler();
    handle(&h, placed()).await;
    handle(&h, shipped("o-2", "YK1")).await;
    handle(&h, fired(&h, "undelivered", "1001")).await;
    assert_eq!(recipients(&h), ["ayse@example.com", "lider@dukkan.example"]);
    assert!(
        h.mailer.sent()[1]
            .subject
            .contains("30 gündür teslim edilmedi")
    );

    let h = handler();
    handle(&h, placed()).await;
    handle(&h, delivered()).await;
    handle(&h, fired(&h, "undelivered", "1001")).await;
    assert!(h.mailer.sent().is_empty());
}

#[tokio::test]
async fn a_refund_is_warned_then_overdue_with_the_customer_told_once() {
    let h = handler();
    handle(&h, return_requested("rt-1", "RMA-1", "return")).await;
    assert!(
        h.store
            .world()
            .held
            .contains_key("journey.due:refund_warning:RMA-1")
    );
    handle(&h, fired(&h, "refund_warning", "RMA-1")).await;
    let overdue = fired(&h, "refund_overdue", "RMA-1");
    h.store.world().calls.clear();
    handle(&h, overdue.clone()).await;
    assert_eq!(
        h.store.world().calls,
        [
            "begin",
            "return_with_customer",
            "commit",
            "advance",
            "finish"
        ],
        "seven AWS calls with the two emails"
    );
    handle(&h, overdue).await;
    assert_eq!(
        recipients(&h),
        [
            "ayse@example.com",
            "ekip@dukkan.example",
            "lider@dukkan.example",
            "ayse@example.com"
        ]
    );
    let sent = h.mailer.sent();
    assert!(
        sent[1].subject.contains("son gün 19 Aralık 2026"),
        "{}",
        sent[1].subject
    );
    assert!(sent[2].subject.contains("yasal süresi doldu"));
    assert!(sent[3].subject.contains("ücret iadeniz gecikti"));
    assert!(sent[3].text.contains("23 Aralık 2026"), "{}", sent[3].text);
}

#[tokio::test]
async fn a_refund_made_in_time_stops_its_clock_and_an_exchange_has_none() {
    let h = handler();
    handle(&h, return_requested("rt-1", "RMA-1", "return")).await;
    handle(&h, refunded("rf-1")).await;
    handle(&h, fired(&h, "refund_warning", "RMA-1")).await;
    handle(&h, fired(&h, "refund_overdue", "RMA-1")).await;
    assert_eq!(h.mailer.sent().len(), 2, "the confirmation and the refund");

    let h = handler();
    handle(&h, return_requested("rt-1", "RMA-1", "exchange")).await;
    assert!(
        !h.store
            .world()
            .held
            .keys()
            .any(|k| k.starts_with("journey.due:refund")),
        "an exchange has no refund"
    );
}

#[tokio::test]
async fn a_clock_naming_nothing_memnun_keeps_is_done_and_a_bad_one_dead_letters() {
    let h = handler();
    handle(&h, placed()).await;
    let clock = fired(&h, "unshipped", "1001");
    h.store.world().orders.clear();
    handle(&h, clock).await;
    assert!(h.mailer.sent().is_empty());
    let mut bad = fired(&h, "undelivered", "1001");
    let body = bad.records[0].body.take().unwrap();
    bad.records[0].body = Some(body.replace("\"undelivered\"", "\"late\""));
    assert_eq!(h.handle(bad, deadline()).await.batch_item_failures.len(), 1);
}

fn delayed(id: &str, new_date: &str) -> SqsEvent {
    event(
        id,
        "order.delayed",
        "2026-12-04T09:00:00Z",
        serde_json::json!({"new_date": new_date, "tracking_url": "https://kargo.example/t/YK1"}),
    )
}

/// The held promise clock, fired as the sweep would send it.
fn promise_fired(h: &TestHandler) -> SqsEvent {
    fired(h, "promise", "1001")
}

#[tokio::test]
async fn a_promise_kept_in_time_says_nothing_and_a_broken_one_apologises_once() {
    // Promised for 6 December; the customer is in Istanbul (the shop's
    // zone): the day ends at 21:00 UTC.
    let h = handler();
    handle(&h, placed()).await;
    let clock = h.store.world().held["journey.due:promise:1001"].clone();
    assert_eq!(clock.due, "2026-12-06T21:00:00Z".parse().unwrap());
    // Delivered at 20:59 UTC, a minute before the day ends.
    handle(
        &h,
        event(
            "o-3",
            "order.delivered",
            "2026-12-06T20:59:00Z",
            serde_json::json!({}),
        ),
    )
    .await;
    handle(&h, promise_fired(&h)).await;
    assert!(h.mailer.sent().is_empty(), "delivered in time");

    let h = handler();
    handle(&h, placed()).await;
    let broken = promise_fired(&h);
    handle(&h, broken.clone()).await;
    handle(&h, broken).await;
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0]
            .subject
            .contains("1001 numaralı siparişiniz gecikiyor")
    );
    assert!(sent[0].text.contains("6 Aralık 2026"), "{}", sent[0].text);
    drop(sent);
    // The shop's delay notice afterwards: no second apology.
    handle(&h, delayed("dl-1", "2026-12-09")).await;
    assert_eq!(h.mailer.sent().len(), 1);
    let order = h.store.world().orders["1001"].clone();
    assert_eq!(order.apologized.map(|(_, l)| l), Some(Lateness::Found));
}

#[tokio::test]
async fn a_delay_told_first_apologises_once_and_the_old_promise_says_nothing() {
    let h = handler();
    handle(&h, placed()).await;
    let old_promise = promise_fired(&h);
    h.store.world().calls.clear();
    // Two days late: under the policy's three, no coupon.
    handle(&h, delayed("dl-1", "2026-12-08")).await;
    assert_eq!(
        h.store.world().calls,
        ["begin", "order_with_customer", "commit", "finish"],
        "five AWS calls with the apology and no coupon"
    );
    handle(&h, delayed("dl-2", "2026-12-12")).await;
    handle(&h, old_promise).await;
    let sent = h.mailer.sent();
    assert_eq!(
        sent.len(),
        1,
        "{:?}",
        sent.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(sent[0].text.contains("8 Aralık 2026"), "{}", sent[0].text);
    assert!(sent[0].text.contains("https://kargo.example/t/YK1"));
    drop(sent);
    assert_eq!(
        h.store.world().orders["1001"].promise(),
        Some(jiff::civil::Date::constant(2026, 12, 12))
    );
}

#[tokio::test]
async fn a_long_delay_brings_a_coupon_published_before_the_email() {
    let h = handler();
    handle(&h, placed()).await;
    handle(&h, delayed("dl-1", "2026-12-15")).await;
    let published: Vec<&str> = h.publisher.published().iter().map(|m| m.kind).collect();
    assert_eq!(published, ["coupon.issued"]);
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 1);
    let world = h.store.world();
    let coupon = world.coupons.values().next().expect("a coupon");
    assert!(sent[0].text.contains(coupon.code.as_str()));
    assert_eq!(coupon.source_event, "order:1001");
}

#[tokio::test]
async fn a_late_orders_coupon_is_in_the_store_before_its_email() {
    let h = handler().with_registry(memnun_shared::memory::MemoryRegistry::default());
    assert!(
        h.handle(placed(), deadline())
            .await
            .batch_item_failures
            .is_empty()
    );
    h.registry.fail_next(1);
    let failed = h.handle(delayed("dl-1", "2026-12-15"), deadline()).await;
    assert_eq!(failed.batch_item_failures.len(), 1);
    assert!(h.mailer.sent().is_empty() && h.publisher.published().is_empty());
    let again = h.handle(delayed("dl-1", "2026-12-15"), deadline()).await;
    assert!(again.batch_item_failures.is_empty());
    let registered = h.registry.registered();
    assert_eq!(registered.len(), 1);
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].text.contains(&registered[0]));
}

#[tokio::test]
async fn a_moved_promise_sets_its_clock_again_on_the_customers_clock() {
    let h = handler();
    let mut new_york = placed();
    let body = new_york.records[0].body.take().unwrap();
    new_york.records[0].body = Some(body.replace(
        "\"locale\":\"tr\"",
        "\"locale\":\"en\",\"time_zone\":\"America/New_York\"",
    ));
    handle(&h, new_york).await;
    let first = h.store.world().held["journey.due:promise:1001"].clone();
    assert_eq!(first.due, "2026-12-07T05:00:00Z".parse().unwrap());
    // The carrier expects the 8th: the promise moves, and its clock.
    let mut later = shipped("o-2", "YK1");
    let body = later.records[0].body.take().unwrap();
    later.records[0].body = Some(body.replace("2026-12-05", "2026-12-08"));
    handle(&h, later).await;
    let moved = h.store.world().held["journey.due:promise:1001"].clone();
    assert_eq!(moved.due, "2026-12-09T05:00:00Z".parse().unwrap());
    // The old clock, had the sweep already sent it: nothing, and the new
    // one is kept.
    let mut stale = SqsEvent::default();
    let mut message = SqsMessage::default();
    message.body = Some(first.body);
    stale.records = vec![message];
    handle(&h, stale).await;
    assert_eq!(h.mailer.sent().len(), 1, "only the shipping notice");
    assert!(
        h.store
            .world()
            .held
            .contains_key("journey.due:promise:1001")
    );
}

#[tokio::test]
async fn the_digest_counts_deliveries_lateness_returns_and_refunds_once() {
    use memnun_shared::domain::digest::{Week, names};
    let h = handler();
    handle(&h, placed()).await;
    // Promised for the 6th, delivered on the 8th: late.
    let late = event(
        "o-3",
        "order.delivered",
        "2026-12-08T10:00:00Z",
        serde_json::json!({}),
    );
    handle(&h, late.clone()).await;
    handle(&h, late).await;
    handle(&h, promise_fired(&h)).await;
    handle(&h, return_requested("rt-1", "RMA-1", "return")).await;
    handle(&h, refunded("rf-1")).await;
    handle(&h, refunded("rf-1b")).await;
    let world = h.store.world();
    let tz = jiff::tz::TimeZone::get("Europe/Istanbul").unwrap();
    let get = |at: &str, name: &str| {
        world
            .counters
            .get(&Week::of(at.parse().unwrap(), &tz))
            .and_then(|c| c.get(name).copied())
            .unwrap_or(0)
    };
    assert_eq!(get("2026-12-08T10:00:00Z", names::DELIVERED), 1);
    assert_eq!(get("2026-12-08T10:00:00Z", names::DELIVERED_LATE), 1);
    assert_eq!(
        get("2026-12-08T10:00:00Z", names::LATE_FOUND),
        0,
        "delivered before the clock was read: no apology"
    );
    assert_eq!(get("2026-12-05T09:00:00Z", names::RETURNS), 1);
    assert_eq!(get("2026-12-09T12:00:00Z", names::REFUNDS_ON_TIME), 1);
}

// The review request after delivery.

fn reviewing_handler() -> TestHandler {
    handler_with(
        &[
            ("SHOP_TIME_ZONE", "Europe/Istanbul"),
            (
                "REVIEW_URL",
                "https://dukkan.example/urun/{product_id}#yorumlar",
            ),
            ("LINKS_BASE_URL", "https://destek.dukkan.example"),
            ("LINK_SECRET_PARAMETER", "/memnun/link-secret"),
        ],
        Some(Signer::from_secret("test-link-signing-key-0123456789abcdef").unwrap()),
    )
}

fn placed_with_items() -> SqsEvent {
    event(
        "o-1",
        "order.placed",
        "2026-12-01T10:00:00Z",
        serde_json::json!({
            "promised_date": "2026-12-06",
            "items": [
                {"product_id": "kupa-1", "name": "Kupa", "quantity": 2},
                {"product_id": "ortu-7", "name": "Masa örtüsü"}
            ]
        }),
    )
}

fn consent(h: &TestHandler, granted: bool) {
    let mut world = h.store.world();
    world
        .profiles
        .get_mut("c-1")
        .expect("the customer is kept")
        .consent
        .granted = granted;
}

async fn delivered_with_consent(h: &TestHandler) {
    handle(h, placed_with_items()).await;
    handle(h, delivered()).await;
    consent(h, true);
    h.store.world().calls.clear();
}

#[tokio::test]
async fn a_week_after_delivery_the_customer_is_asked_for_a_review_once() {
    let h = reviewing_handler();
    delivered_with_consent(&h).await;
    // Delivered Friday 4 December at 18:00 in Istanbul: asked Friday the
    // 11th at 10:00 there.
    let due = h.store.world().held["journey.due:review_request:1001"].due;
    assert_eq!(due, "2026-12-11T07:00:00Z".parse().unwrap());
    handle(&h, fired(&h, "review_request", "1001")).await;
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 1);
    let mail = &sent[0];
    assert_eq!(mail.subject, "Siparişiniz nasıldı? #1001");
    assert!(
        mail.text
            .contains("Kupa - Değerlendir: https://dukkan.example/urun/kupa-1#yorumlar"),
        "{}",
        mail.text
    );
    assert!(
        mail.text
            .contains("https://dukkan.example/urun/ortu-7#yorumlar")
    );
    assert!(mail.text.contains("4 Aralık 2026"), "{}", mail.text);
    let unsubscribe = mail.unsubscribe.as_deref().expect("a marketing email");
    assert!(unsubscribe.starts_with("https://destek.dukkan.example/unsubscribe?t="));
    assert!(mail.text.contains(unsubscribe));
    assert_eq!(
        h.store.world().calls,
        [
            "begin",
            "order_with_customer",
            "returned",
            "commit",
            "finish"
        ],
        "six AWS calls with the email"
    );
    let week = Week::of(due, &jiff::tz::TimeZone::get("Europe/Istanbul").unwrap());
    assert_eq!(h.store.world().counters[&week]["reviews.requested"], 1);
    // The sweep's message again, and the clock set again by a redelivered
    // delivery: asked once.
    handle(&h, fired(&h, "review_request", "1001")).await;
    let mut again = fired(&h, "review_request", "1001");
    again.records[0].message_id = Some("another".into());
    handle(&h, delivered()).await;
    handle(&h, again).await;
    assert_eq!(h.mailer.sent().len(), 1);
}

#[tokio::test]
async fn an_english_customer_is_asked_in_english_on_their_own_clock() {
    let h = reviewing_handler();
    handle(&h, placed_with_items()).await;
    let mut e = delivered();
    let mut body: serde_json::Value =
        serde_json::from_str(e.records[0].body.as_deref().unwrap()).unwrap();
    body["data"]["customer"] = serde_json::json!({
        "email": "ayse@example.com", "locale": "en", "time_zone": "America/New_York"
    });
    e.records[0].body = Some(body.to_string());
    handle(&h, e).await;
    consent(&h, true);
    // Delivered at 10:00 on the 4th in New York: asked at 10:00 there on
    // the 11th.
    let due = h.store.world().held["journey.due:review_request:1001"].due;
    assert_eq!(due, "2026-12-11T15:00:00Z".parse().unwrap());
    handle(&h, fired(&h, "review_request", "1001")).await;
    let sent = h.mailer.sent();
    assert_eq!(sent[0].subject, "How was your order #1001?");
    assert!(sent[0].text.contains("4 December 2026"), "{}", sent[0].text);
}

#[tokio::test]
async fn without_consent_nobody_is_asked_and_it_costs_three_calls() {
    let h = reviewing_handler();
    handle(&h, placed_with_items()).await;
    handle(&h, delivered()).await;
    h.store.world().calls.clear();
    handle(&h, fired(&h, "review_request", "1001")).await;
    assert!(h.mailer.sent().is_empty());
    assert_eq!(
        h.store.world().calls,
        ["begin", "order_with_customer", "finish"]
    );
    assert!(
        h.store
            .world()
            .counters
            .values()
            .all(|c| !c.contains_key("reviews.requested"))
    );
}

#[tokio::test]
async fn an_unsubscribe_between_the_commit_and_the_email_stops_it() {
    let h = reviewing_handler();
    delivered_with_consent(&h).await;
    // Committed, then SES unreachable: the message is retried.
    h.mailer.fail_next(1);
    let response = h
        .handle(fired(&h, "review_request", "1001"), deadline())
        .await;
    assert_eq!(response.batch_item_failures.len(), 1);
    // The customer unsubscribes before the retry.
    consent(&h, false);
    handle(&h, fired(&h, "review_request", "1001")).await;
    assert!(h.mailer.sent().is_empty(), "the last look found no consent");
}

#[tokio::test]
async fn a_returned_cancelled_refunded_or_suppressed_order_is_not_asked() {
    // A return requested for the order.
    let h = reviewing_handler();
    delivered_with_consent(&h).await;
    handle(
        &h,
        event(
            "r-1",
            "return.requested",
            "2026-12-06T10:00:00Z",
            serde_json::json!({"return_id": "RMA-1", "reason": "kırık geldi"}),
        ),
    )
    .await;
    let before = h.mailer.sent().len();
    handle(&h, fired(&h, "review_request", "1001")).await;
    assert_eq!(h.mailer.sent().len(), before, "returned: not asked");

    // The order refunded.
    let h = reviewing_handler();
    delivered_with_consent(&h).await;
    handle(
        &h,
        event(
            "rf-1",
            "refund.issued",
            "2026-12-06T10:00:00Z",
            serde_json::json!({"amount": "149.90", "currency": "TRY"}),
        ),
    )
    .await;
    let before = h.mailer.sent().len();
    handle(&h, fired(&h, "review_request", "1001")).await;
    assert_eq!(h.mailer.sent().len(), before, "refunded: not asked");

    // The address suppressed since (a bounce): the commit's check.
    let h = reviewing_handler();
    delivered_with_consent(&h).await;
    h.store
        .world()
        .suppressed
        .insert("ayse@example.com".to_owned());
    handle(&h, fired(&h, "review_request", "1001")).await;
    assert!(h.mailer.sent().is_empty(), "suppressed: not asked");
    assert!(
        h.store.world().orders["1001"].alerted.is_empty(),
        "nothing written"
    );
}

#[tokio::test]
async fn with_review_requests_off_no_clock_is_set() {
    let h = handler();
    handle(&h, placed_with_items()).await;
    handle(&h, delivered()).await;
    assert!(
        !h.store
            .world()
            .held
            .keys()
            .any(|k| k.starts_with("journey.due:review_request")),
    );
}

/// `event` without `customer_id`, as a platform that knows only the order
/// sends a later step.
fn unnamed(e: SqsEvent) -> SqsEvent {
    let mut e = e;
    let message = &mut e.records[0];
    let mut body: serde_json::Value =
        serde_json::from_str(message.body.as_deref().unwrap()).unwrap();
    let data = body["data"].as_object_mut().unwrap();
    data.remove("customer_id");
    data.remove("customer");
    message.body = Some(body.to_string());
    e
}

#[tokio::test]
async fn a_step_that_names_only_its_order_reaches_the_orders_customer() {
    let h = handler();
    // Before its order is known the step waits: a batch item failure,
    // retried by the queue, with nothing claimed.
    let early = h.handle(unnamed(shipped("o-2", "YK1")), deadline()).await;
    assert_eq!(early.batch_item_failures.len(), 1);
    assert_eq!(h.store.world().calls, ["owner"], "nothing claimed");
    handle(&h, placed()).await;
    h.store.world().calls.clear();
    handle(&h, unnamed(shipped("o-2", "YK1"))).await;
    let sent = h.mailer.sent();
    assert_eq!(sent.len(), 1, "the customer of order 1001 is told");
    assert_eq!(sent[0].to.as_str(), "ayse@example.com");
    assert!(sent[0].text.contains("YK1"));
    drop(sent);
    assert_eq!(
        h.store.world().calls,
        ["owner", "begin", "order_with_customer", "commit", "finish"],
        "one read finds the customer"
    );
    // The duplicate costs that read and the claim.
    h.store.world().calls.clear();
    handle(&h, unnamed(shipped("o-2", "YK1"))).await;
    assert_eq!(h.store.world().calls, ["owner", "begin"]);
    handle(&h, unnamed(delivered())).await;
    assert_eq!(
        h.store.world().orders["1001"].stage,
        memnun_shared::domain::order::Stage::Delivered
    );
}

#[tokio::test]
async fn an_order_without_a_promise_gets_the_shops_default_one() {
    let h = handler_with(&[("DEFAULT_DELIVERY_DAYS", "3")], None);
    // Tuesday 1 December, 13:00 in Istanbul: Wednesday, Thursday, Friday.
    handle(
        &h,
        event(
            "o-1",
            "order.placed",
            "2026-12-01T10:00:00Z",
            serde_json::json!({}),
        ),
    )
    .await;
    assert_eq!(
        h.store.world().orders["1001"].promised_date,
        Some(jiff::civil::Date::constant(2026, 12, 4))
    );
    // A promise the order comes with is kept as it is.
    let h = handler_with(&[("DEFAULT_DELIVERY_DAYS", "3")], None);
    handle(&h, placed()).await;
    assert_eq!(
        h.store.world().orders["1001"].promised_date,
        Some(jiff::civil::Date::constant(2026, 12, 6))
    );
}

#[tokio::test]
async fn emails_call_the_order_by_the_number_its_customer_knows() {
    let h = handler();
    handle(
        &h,
        event(
            "o-1",
            "order.placed",
            "2026-12-01T10:00:00Z",
            serde_json::json!({"number": "#1042"}),
        ),
    )
    .await;
    handle(&h, shipped("o-2", "YK1")).await;
    let sent = h.mailer.sent();
    assert!(sent[0].subject.contains("1042"), "{}", sent[0].subject);
    assert!(
        !sent[0].subject.contains("#1042"),
        "the email adds its own #, or none"
    );
    assert!(!sent[0].text.contains("1001"), "not the shop's internal id");
}

/// An `order.placed` of order `order` with these discount codes.
fn placed_with(id: &str, order: &str, time: &str, codes: &[&str]) -> SqsEvent {
    let mut e = event(
        id,
        "order.placed",
        time,
        serde_json::json!({"total": "149.90", "currency": "TRY", "discount_codes": codes}),
    );
    let body = e.records[0].body.take().unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&body).unwrap();
    value["data"]["order_id"] = order.into();
    e.records[0].body = Some(value.to_string());
    e
}

/// A coupon memnun issued to the test customer on 22 November.
fn issued(h: &TestHandler, reason: CouponReason) -> CouponCode {
    let code = CouponCode::generate(reason).unwrap();
    let coupon = Coupon {
        code: code.clone(),
        customer_id: CustomerId::parse("c-1").unwrap(),
        reason,
        value: CouponValue::Percent(15),
        issued_at: "2026-11-22T07:30:00Z".parse().unwrap(),
        expires_at: "2026-12-06T20:59:59Z".parse().unwrap(),
        source_event: "shop/test#cause".into(),
    };
    h.store
        .world()
        .coupons
        .insert(code.as_str().to_owned(), coupon);
    code
}

fn coupon_counters(h: &TestHandler) -> BTreeMap<String, i64> {
    h.store
        .world()
        .counters
        .values()
        .flat_map(|c| c.iter())
        .filter(|(k, _)| k.contains(".rede") || k.contains(".reve") || k.contains(".reus"))
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

#[tokio::test]
async fn an_order_redeems_memnuns_coupon_once_and_the_shops_own_codes_are_ignored() {
    let h = handler();
    let code = issued(&h, CouponReason::Birthday);
    // The store wrote the code in lower case, beside a code of its own.
    let lower = code.as_str().to_ascii_lowercase();
    let order = placed_with("p-1", "2001", "2026-11-30T10:00:00Z", &["KIS10", &lower]);
    handle(&h, order.clone()).await;
    // A duplicate, and the same order under another event id (a replay).
    handle(&h, order).await;
    handle(
        &h,
        placed_with("p-1b", "2001", "2026-11-30T10:00:00Z", &[&lower]),
    )
    .await;
    let published = h.publisher.published();
    let redeemed: Vec<_> = published
        .iter()
        .filter(|m| m.kind == "coupon.redeemed")
        .collect();
    assert_eq!(redeemed.len(), 1, "{published:?}");
    let body: serde_json::Value = serde_json::from_str(&redeemed[0].body).unwrap();
    assert_eq!(body["data"]["code"], code.as_str());
    assert_eq!(body["data"]["reason"], "birthday");
    assert_eq!(body["data"]["order_id"], "2001");
    assert_eq!(body["data"]["total_cents"], 14990);
    assert_eq!(body["data"]["days_to_redeem"], 8);
    assert_eq!(
        coupon_counters(&h),
        BTreeMap::from([
            ("coupons.birthday.redeem_days.8".to_owned(), 1),
            ("coupons.birthday.redeemed".to_owned(), 1),
            ("coupons.birthday.revenue.TRY".to_owned(), 14990),
        ])
    );
    let world = h.store.world();
    let kept = &world.redemptions[code.as_str()];
    assert_eq!(kept.order_id.as_str(), "2001");
    assert!(kept.reused_by.is_empty());
}

#[tokio::test]
async fn a_second_order_with_a_redeemed_code_is_flagged_once_and_counted_apart() {
    let h = handler();
    let code = issued(&h, CouponReason::NegativeReview);
    handle(
        &h,
        placed_with("p-1", "2001", "2026-11-30T10:00:00Z", &[code.as_str()]),
    )
    .await;
    let again = placed_with("p-2", "2002", "2026-12-01T10:00:00Z", &[code.as_str()]);
    handle(&h, again.clone()).await;
    handle(&h, again).await;
    handle(
        &h,
        placed_with("p-2b", "2002", "2026-12-01T10:00:00Z", &[code.as_str()]),
    )
    .await;
    let redeemed = h
        .publisher
        .published()
        .iter()
        .filter(|m| m.kind == "coupon.redeemed")
        .count();
    assert_eq!(redeemed, 1, "the first order's only");
    let counters = coupon_counters(&h);
    assert_eq!(counters["coupons.negative_review.redeemed"], 1);
    assert_eq!(counters["coupons.negative_review.reused"], 1);
    let world = h.store.world();
    let kept = &world.redemptions[code.as_str()];
    assert_eq!(kept.order_id.as_str(), "2001");
    assert_eq!(kept.reused_by, [OrderId::parse("2002").unwrap()]);
}

/// Every week's counters, without those that came to nothing.
fn weekly_counters(h: &TestHandler) -> BTreeMap<String, BTreeMap<String, i64>> {
    h.store
        .world()
        .counters
        .iter()
        .map(|(week, c)| {
            let kept = c.iter().filter(|(_, v)| **v != 0);
            (
                week.to_string(),
                kept.map(|(k, v)| (k.clone(), *v)).collect(),
            )
        })
        .filter(|(_, c): &(String, BTreeMap<String, i64>)| !c.is_empty())
        .collect()
}

#[tokio::test]
async fn an_order_placed_earlier_but_met_later_redeems_the_code_and_the_figures_are_the_same() {
    // 2001 placed on Thursday 26 November, 2002 on Tuesday 1 December
    // (the next week), both with one code.
    let early = |id: &str, code: &CouponCode| {
        placed_with(id, "2001", "2026-11-26T10:00:00Z", &[code.as_str()])
    };
    let late = |id: &str, code: &CouponCode| {
        placed_with(id, "2002", "2026-12-01T10:00:00Z", &[code.as_str()])
    };
    let in_order = handler();
    let code = issued(&in_order, CouponReason::NegativeReview);
    handle(&in_order, early("p-1", &code)).await;
    handle(&in_order, late("p-2", &code)).await;

    let reversed = handler();
    let code = issued(&reversed, CouponReason::NegativeReview);
    handle(&reversed, late("p-2", &code)).await;
    handle(&reversed, early("p-1", &code)).await;
    // Duplicates and replays of both change nothing more.
    handle(&reversed, late("p-2", &code)).await;
    handle(&reversed, early("p-1", &code)).await;
    handle(&reversed, late("p-2b", &code)).await;
    handle(&reversed, early("p-1b", &code)).await;

    let world = reversed.store.world();
    let kept = &world.redemptions[code.as_str()];
    assert_eq!(kept.order_id.as_str(), "2001");
    assert_eq!(kept.days(), Some(4));
    assert_eq!(kept.reused_by, [OrderId::parse("2002").unwrap()]);
    drop(world);
    let counted = weekly_counters(&reversed);
    assert_eq!(counted, weekly_counters(&in_order));
    assert_eq!(
        counted["2026-W48"]["coupons.negative_review.redeem_days.4"],
        1
    );
    assert_eq!(counted["2026-W49"]["coupons.negative_review.reused"], 1);
    assert!(!counted["2026-W49"].contains_key("coupons.negative_review.redeemed"));
    // Announced once, for the order met first: a message sent is not
    // taken back.
    let redeemed: Vec<serde_json::Value> = reversed
        .publisher
        .published()
        .iter()
        .filter(|m| m.kind == "coupon.redeemed")
        .map(|m| serde_json::from_str(&m.body).unwrap())
        .collect();
    assert_eq!(redeemed.len(), 1);
    assert_eq!(redeemed[0]["data"]["order_id"], "2002");
}

#[tokio::test]
async fn an_order_replayed_before_its_coupons_event_still_redeems_it_once() {
    let h = handler();
    // The code is memnun's (its prefix), the coupon not stored yet.
    let code = CouponCode::generate(CouponReason::OrderDelay).unwrap();
    handle(
        &h,
        placed_with("p-1", "2001", "2026-11-30T10:00:00Z", &[code.as_str()]),
    )
    .await;
    // The coupon's own event comes after: the redemption stands, once.
    issued(&h, CouponReason::OrderDelay);
    handle(
        &h,
        placed_with("p-1", "2001", "2026-11-30T10:00:00Z", &[code.as_str()]),
    )
    .await;
    assert_eq!(
        coupon_counters(&h),
        BTreeMap::from([
            ("coupons.order_delay.redeemed".to_owned(), 1),
            ("coupons.order_delay.revenue.TRY".to_owned(), 14990),
        ])
    );
    assert_eq!(
        h.publisher
            .published()
            .iter()
            .filter(|m| m.kind == "coupon.redeemed")
            .count(),
        1
    );
}

#[tokio::test]
async fn orders_within_a_week_of_the_greeting_count_for_the_birthday_flow_once() {
    let h = handler();
    // The customer was greeted at 10:00 Istanbul on 22 November.
    let customer = CustomerId::parse("c-1").unwrap();
    {
        let mut world = h.store.world();
        let profile = world.profiles.entry("c-1".into()).or_default();
        profile.customer = Some(Customer {
            id: customer.clone(),
            contact: ContactDetails::default(),
            contact_updated_at: None,
            last_apology_coupon_at: None,
            marketing_consent: true,
            greeted_at: Some("2026-11-22T07:00:00Z".parse().unwrap()),
        });
    }
    // Without the code, six days on; twice (a duplicate under another id).
    let inside = placed_with("a-1", "3001", "2026-11-28T12:00:00Z", &["KIS10"]);
    handle(&h, inside).await;
    handle(
        &h,
        placed_with("a-1b", "3001", "2026-11-28T12:00:00Z", &["KIS10"]),
    )
    .await;
    // At the window's last moment, and a second past it.
    handle(&h, placed_with("a-2", "3002", "2026-11-29T07:00:00Z", &[])).await;
    handle(&h, placed_with("a-3", "3003", "2026-11-29T07:00:01Z", &[])).await;
    let counted: BTreeMap<String, i64> = h
        .store
        .world()
        .counters
        .values()
        .flat_map(|c| c.iter())
        .filter(|(k, _)| k.contains(".attributed"))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(
        counted,
        BTreeMap::from([
            ("coupons.birthday.attributed".to_owned(), 2),
            ("coupons.birthday.attributed_revenue.TRY".to_owned(), 29980),
        ])
    );
}
