//! order-journey against the emulator: an order followed from placed to
//! delivered on the real table, the shipping notice sent once whatever the
//! duplicates and the order of arrival, in the customer's language, and a
//! bad event ended in the dead-letter queue; a return told step by step;
//! and the journey's own clocks, held in the due index, sent back by the
//! real SLA sweep and alerted once.

#[path = "support/functions.rs"]
mod functions;

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::{SignedDuration, Timestamp};
use memnun_shared::adapters::dynamodb::DynamoStore;
use memnun_shared::adapters::ses::SesMailer;
use memnun_shared::adapters::sqs::SqsPublisher;
use memnun_shared::config::Env;
use memnun_shared::domain::token::Signer;
use memnun_tests::deliver::{self, Delivery};
use memnun_tests::events::event;
use memnun_tests::stack::{LINK_SECRET, Stack, attr};
use order_journey::{Config, Handler};
use serde_json::{Value, json};

type Journey = Handler<DynamoStore, SesMailer, SqsPublisher>;

fn handler(stack: &Stack) -> Journey {
    let config =
        Config::from_env(&Env::from_pairs(stack.function_env("order-journey"))).expect("config");
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&stack.aws),
        &stack.table,
        &stack.idempotency_table,
    );
    let mailer = SesMailer::new(
        aws_sdk_ses::Client::new(&stack.aws),
        &config.shop.name,
        &config.shop.sender,
        config.shop.configuration_set.clone(),
    );
    let signer = config
        .review
        .as_ref()
        .map(|_| Signer::from_secret(LINK_SECRET).expect("signer"));
    Handler::new(
        config,
        signer,
        store,
        mailer,
        SqsPublisher::new(aws_sdk_sqs::Client::new(&stack.aws)),
    )
}

async fn deliver_all(stack: &Stack, h: &Journey) -> Vec<Delivery> {
    let q = stack.queue("orders");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| {
        h.handle(e, Timestamp::now() + SignedDuration::from_secs(30))
    })
    .await
}

fn order_event(id: &str, kind: &str, time: &str, order: &str, extra: Value) -> String {
    let mut data = json!({
        "customer_id": "c-1",
        "order_id": order,
        "customer": {"email": "ayse@example.com", "name": "Ayşe", "locale": "tr"},
    });
    if let (Some(data), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
        data.extend(extra.clone());
    }
    event(id, kind, time, data)
}

fn shipped(id: &str, order: &str, number: &str) -> String {
    order_event(
        id,
        "order.shipped",
        "2026-12-02T10:00:00Z",
        order,
        json!({
            "carrier": "Yurtiçi Kargo",
            "tracking_number": number,
            "tracking_url": format!("https://kargo.example/t/{number}"),
            "estimated_delivery": "2026-12-05",
        }),
    )
}

async fn order_item(
    stack: &Stack,
    order: &str,
) -> std::collections::HashMap<String, AttributeValue> {
    stack
        .items_with_prefix(&format!("ORDER#{order}"))
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no order {order}"))
}

/// Sends and delivers until the queue is empty. A duplicate in the same
/// batch finds its twin's unit held and fails, to be delivered again: what
/// counts is that nothing ends in the dead-letter queue.
async fn send_and_deliver(stack: &Stack, h: &Journey, bodies: &[&String]) {
    for body in bodies {
        stack.send("orders", body).await;
    }
    let deliveries = deliver_all(stack, h).await;
    let dead = stack.drain(&stack.queue("orders").dlq_url).await;
    assert!(dead.is_empty(), "{dead:?} after {deliveries:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_is_followed_and_its_parcel_told_once() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let placed = order_event(
        "o-1",
        "order.placed",
        "2026-12-01T10:00:00Z",
        "1001",
        json!({"promised_date": "2026-12-06", "total": 149.9, "currency": "TRY"}),
    );
    let ship = shipped("o-2", "1001", "YK1");
    // Shipped twice (a duplicate delivery and a platform's retry under a new
    // id), before placed arrives.
    let retry = shipped("o-2-retry", "1001", "YK1");
    send_and_deliver(&stack, &h, &[&ship, &ship, &retry, &placed]).await;
    let sent = stack.emulator.sent_emails();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].to, ["ayse@example.com"]);
    assert!(sent[0].subject.contains("kargoda"), "{}", sent[0].subject);
    assert!(sent[0].body.contains("YK1"));
    let item = order_item(&stack, "1001").await;
    assert_eq!(attr(&item, "stage"), "shipped");
    assert_eq!(attr(&item, "promised_date"), "2026-12-06");
    assert_eq!(attr(&item, "tracking_number"), "YK1");

    let delivered = order_event(
        "o-3",
        "order.delivered",
        "2026-12-04T15:00:00Z",
        "1001",
        json!({}),
    );
    // A parcel heard of only after delivery is recorded, not told. (Sent
    // after the delivery was handled: in one batch, the two would race.)
    let late_parcel = shipped("o-4", "1001", "YK2");
    send_and_deliver(&stack, &h, &[&delivered]).await;
    send_and_deliver(&stack, &h, &[&late_parcel]).await;
    assert_eq!(stack.emulator.sent_emails().len(), 1);
    let item = order_item(&stack, "1001").await;
    assert_eq!(attr(&item, "stage"), "delivered");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_order_event_ends_in_the_dead_letter_queue_alone() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let good = order_event(
        "o-ok",
        "order.placed",
        "2026-12-01T10:00:00Z",
        "2001",
        json!({}),
    );
    let bad_total = order_event(
        "o-bad",
        "order.placed",
        "2026-12-01T10:00:00Z",
        "2002",
        json!({"total": "twelve"}),
    );
    let other_customer = event(
        "o-other",
        "order.shipped",
        "2026-12-02T10:00:00Z",
        json!({"customer_id": "c-2", "order_id": "2001"}),
    );
    send_and_deliver(&stack, &h, &[&good]).await;
    for body in [&bad_total, &other_customer] {
        stack.send("orders", body).await;
    }
    let deliveries = deliver_all(&stack, &h).await;
    assert_eq!(deliveries[0].failed.len(), 2, "{deliveries:?}");
    let q = stack.queue("orders");
    let mut dead: Vec<String> = stack
        .drain(&q.dlq_url)
        .await
        .iter()
        .map(|m| m["id"].as_str().unwrap_or_default().to_string())
        .collect();
    dead.sort();
    assert_eq!(dead, ["o-bad", "o-other"]);
    assert_eq!(
        attr(&order_item(&stack, "2001").await, "customer_id"),
        "c-1"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_return_request_is_confirmed_once_and_its_ticket_published() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let request = order_event(
        "rt-1",
        "return.requested",
        "2026-12-05T09:00:00Z",
        "1001",
        json!({"return_id": "RMA-1", "reason": "beden küçük"}),
    );
    let again = order_event(
        "rt-1-retry",
        "return.requested",
        "2026-12-05T09:00:05Z",
        "1001",
        json!({"return_id": "RMA-1", "reason": "beden küçük"}),
    );
    send_and_deliver(&stack, &h, &[&request, &request, &again]).await;
    let sent = stack.emulator.sent_emails();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].subject.contains("iade talebinizi aldık (RMA-1)"),
        "{}",
        sent[0].subject
    );
    let outbound = stack.drain(&stack.queue("outbound").url).await;
    assert_eq!(outbound.len(), 1, "{outbound:?}");
    assert_eq!(outbound[0]["type"], "ticket.opened");
    assert_eq!(outbound[0]["data"]["category"], "return_exchange");
    let number = outbound[0]["data"]["ticket_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        sent[0].subject.starts_with(&format!("[{number}]")),
        "{}",
        sent[0].subject
    );
    let kept = stack
        .items_with_prefix("RETURN#RMA-1")
        .await
        .into_iter()
        .next()
        .expect("the return is kept");
    assert_eq!(attr(&kept, "ticket"), number);
    assert_eq!(attr(&kept, "order_id"), "1001");
}

fn return_step(id: &str, kind: &str, time: &str, return_id: &str, extra: Value) -> String {
    let mut data = json!({"customer_id": "c-1", "return_id": return_id});
    if let (Some(data), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
        data.extend(extra.clone());
    }
    event(id, kind, time, data)
}

async fn kept_return(stack: &Stack, id: &str) -> std::collections::HashMap<String, AttributeValue> {
    stack
        .items_with_prefix(&format!("RETURN#{id}"))
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no return {id}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_return_is_told_each_step_once_and_never_a_step_already_passed() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let request = order_event(
        "rt-1",
        "return.requested",
        "2026-12-05T09:00:00Z",
        "1001",
        json!({"return_id": "RMA-1", "kind": "return"}),
    );
    let approved = return_step(
        "ra-1",
        "return.approved",
        "2026-12-05T12:00:00Z",
        "RMA-1",
        json!({"label_url": "https://kargo.example/label/RMA-1", "ship_by": "2026-12-14"}),
    );
    // The approval is sent before its request was handled: it comes back
    // until the request is kept, then is told.
    send_and_deliver(&stack, &h, &[&approved, &request]).await;
    let subjects = |stack: &Stack| -> Vec<String> {
        stack
            .emulator
            .sent_emails()
            .iter()
            .map(|m| m.subject.clone())
            .collect()
    };
    let sent = subjects(&stack);
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert!(
        sent.iter()
            .any(|s| s.contains("iade talebiniz onaylandı (RMA-1)"))
    );

    // The refund overtakes the receipt; both delivered twice, the refund
    // also retried by the shop under a new id.
    let refund = return_step(
        "rf-1",
        "refund.issued",
        "2026-12-09T12:00:00Z",
        "RMA-1",
        json!({"order_id": "1001", "amount": "149.90", "currency": "TRY", "method": "kart"}),
    );
    let refund_retry = return_step(
        "rf-1-retry",
        "refund.issued",
        "2026-12-09T12:00:30Z",
        "RMA-1",
        json!({"order_id": "1001", "amount": "149.90", "currency": "TRY", "method": "kart"}),
    );
    send_and_deliver(&stack, &h, &[&refund, &refund, &refund_retry]).await;
    let received = return_step(
        "rr-1",
        "return.received",
        "2026-12-08T12:00:00Z",
        "RMA-1",
        json!({}),
    );
    send_and_deliver(&stack, &h, &[&received, &received]).await;
    let sent = stack.emulator.sent_emails();
    assert_eq!(sent.len(), 3, "the receipt came after the refund: not told");
    assert!(sent[2].subject.contains("ücret iadeniz yapıldı (RMA-1)"));
    assert!(sent[2].body.contains("149,90 TL"), "{}", sent[2].body);

    // Every fact kept, read back from the table.
    let item = kept_return(&stack, "RMA-1").await;
    assert_eq!(attr(&item, "ship_by"), "2026-12-14");
    assert_eq!(
        attr(&item, "label_url"),
        "https://kargo.example/label/RMA-1"
    );
    assert_eq!(attr(&item, "received_at"), "2026-12-08T12:00:00Z");
    assert_eq!(attr(&item, "refund_amount"), "149.90");
    assert_eq!(attr(&item, "refund_method"), "kart");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_step_of_a_return_never_requested_and_a_refund_of_another_order_dead_letter() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let request = order_event(
        "rt-1",
        "return.requested",
        "2026-12-05T09:00:00Z",
        "1001",
        json!({"return_id": "RMA-1"}),
    );
    send_and_deliver(&stack, &h, &[&request]).await;
    let never = return_step(
        "rr-never",
        "return.received",
        "2026-12-08T12:00:00Z",
        "RMA-404",
        json!({}),
    );
    let wrong_order = return_step(
        "rf-wrong",
        "refund.issued",
        "2026-12-09T12:00:00Z",
        "RMA-1",
        json!({"order_id": "9999", "amount": "1", "currency": "TRY"}),
    );
    for body in [&never, &wrong_order] {
        stack.send("orders", body).await;
    }
    deliver_all(&stack, &h).await;
    let mut dead: Vec<String> = stack
        .drain(&stack.queue("orders").dlq_url)
        .await
        .iter()
        .map(|m| m["id"].as_str().unwrap_or_default().to_string())
        .collect();
    dead.sort();
    assert_eq!(dead, ["rf-wrong", "rr-never"]);
    assert_eq!(
        stack.emulator.sent_emails().len(),
        1,
        "only the confirmation"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_orders_refund_is_told_once() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let cancelled = order_event(
        "oc-1",
        "order.cancelled",
        "2026-12-01T10:00:00Z",
        "3001",
        json!({"reason": "stok yok"}),
    );
    let refund = |id: &str| {
        event(
            id,
            "refund.issued",
            "2026-12-01T11:00:00Z",
            json!({"customer_id": "c-1", "order_id": "3001", "amount": "89.90", "currency": "TRY"}),
        )
    };
    let (first, retry) = (refund("of-1"), refund("of-1-retry"));
    // The refund ahead of the cancellation that brings the address, in one
    // batch handled side by side: it waits for the order, then is told.
    send_and_deliver(&stack, &h, &[&first, &cancelled, &first]).await;
    send_and_deliver(&stack, &h, &[&retry]).await;
    let sent = stack.emulator.sent_emails();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        sent[0].subject,
        "Dükkan: 3001 numaralı siparişiniz için ücret iadeniz yapıldı"
    );
    let item = order_item(&stack, "3001").await;
    assert_eq!(attr(&item, "stage"), "cancelled");
    assert!(item.contains_key("refunds"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_journeys_clocks_are_swept_back_and_alert_once() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let monitor = functions::monitor(&stack);
    // Order 4001 is placed and never ships; 4002 ships and arrives in time.
    // Return RMA-9 is never refunded; RMA-8 is refunded in time.
    let placed = |id: &str, order: &str| {
        order_event(id, "order.placed", "2026-12-01T10:00:00Z", order, json!({}))
    };
    let request = |id: &str, order: &str, rma: &str| {
        order_event(
            id,
            "return.requested",
            "2026-12-05T09:00:00Z",
            order,
            json!({"return_id": rma}),
        )
    };
    let (p1, p2) = (placed("p-1", "4001"), placed("p-2", "4002"));
    let (r9, r8) = (
        request("r-9", "4001", "RMA-9"),
        request("r-8", "4002", "RMA-8"),
    );
    send_and_deliver(&stack, &h, &[&p1, &p2, &r9, &r8]).await;
    let ship = shipped("s-2", "4002", "YK42");
    let refund = return_step(
        "rf-8",
        "refund.issued",
        "2026-12-09T12:00:00Z",
        "RMA-8",
        json!({"order_id": "4002", "amount": "10", "currency": "TRY"}),
    );
    let arrived = order_event(
        "d-2",
        "order.delivered",
        "2026-12-04T10:00:00Z",
        "4002",
        json!({}),
    );
    send_and_deliver(&stack, &h, &[&ship, &refund, &arrived]).await;
    let before = stack.emulator.sent_emails().len();

    // Nothing is due before its time.
    let early = functions::sweep(&monitor, "2026-12-02T09:00:00Z").await;
    assert_eq!(early.waiting, 0, "{early:?}");

    // A sweep after every clock ran out: ten clocks go back to the orders
    // queue (4002's parcel gave it a promise too, and its delivery a review
    // request, skipped: a return was requested); the journey alerts for
    // 4001 and RMA-9 only.
    let late = functions::sweep(&monitor, "2027-01-05T09:00:00Z").await;
    assert_eq!(late.waiting, 10, "{late:?}");
    send_and_deliver(&stack, &h, &[]).await;
    let sent = stack.emulator.sent_emails();
    let new: Vec<(String, String)> = sent[before..]
        .iter()
        .map(|m| (m.to[0].clone(), m.subject.clone()))
        .collect();
    let has = |to: &str, words: &str| {
        new.iter()
            .filter(|(t, s)| t == to && s.contains(words))
            .count()
    };
    assert_eq!(new.len(), 5, "{new:#?}");
    let function = stack.function_env("order-journey");
    let env = |name: &str| {
        function
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let (team, lead) = (env("SUPPORT_TEAM_EMAIL"), env("SUPPORT_LEAD_EMAIL"));
    assert_eq!(has(&team, "Sipariş 4001"), 1, "{new:#?}");
    assert_eq!(has(&lead, "Sipariş 4001 30 gündür"), 1, "{new:#?}");
    assert_eq!(has(&team, "İade RMA-9: ücret iadesi için son gün"), 1);
    assert_eq!(
        has(&lead, "İade RMA-9: ücret iadesinin yasal süresi doldu"),
        1
    );
    assert_eq!(has("ayse@example.com", "ücret iadeniz gecikti"), 1);
    assert!(
        new.iter()
            .all(|(_, s)| !s.contains("4002") && !s.contains("RMA-8")),
        "in time: nothing"
    );
    let item = order_item(&stack, "4001").await;
    assert!(item.contains_key("alerted"));

    // The clocks were forgotten once sent: a second sweep finds nothing.
    let again = functions::sweep(&monitor, "2027-01-05T09:05:00Z").await;
    assert_eq!(again.waiting, 0, "{again:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_order_is_apologised_for_once_with_a_coupon_when_long() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let delayed = |id: &str, new_date: &str| {
        event(
            id,
            "order.delayed",
            "2026-11-22T07:00:00Z",
            json!({"customer_id": "c-late", "order_id": "ord-9", "promised_date": "2026-11-21", "new_date": new_date,
                   "tracking_url": "https://kargo.example.com/t/9",
                   "customer": {"email": "late@example.com", "name": "Mehmet", "locale": "tr"}}),
        )
    };
    let first = delayed("d-1", "2026-11-26");
    send_and_deliver(&stack, &h, &[&first, &first]).await;
    // A second notice about the same order, under another id.
    send_and_deliver(&stack, &h, &[&delayed("d-2", "2026-11-28")]).await;

    let emails = stack.emulator.sent_emails();
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    assert!(email.subject.contains("ord-9"), "{}", email.subject);
    assert!(email.body.contains("26 Kasım 2026"), "{}", email.body);
    assert!(email.body.contains("https://kargo.example.com/t/9"));
    let coupons = stack.items_with_prefix("COUPON#").await;
    assert_eq!(coupons.len(), 1);
    assert!(attr(&coupons[0], "code").starts_with("LATE-"));
    assert!(email.body.contains(attr(&coupons[0], "code")));
    let outbound = stack.drain(&stack.queue("outbound").url).await;
    assert_eq!(outbound.len(), 1, "{outbound:?}");
    assert_eq!(outbound[0]["type"], "coupon.issued");
    let order = order_item(&stack, "ord-9").await;
    assert_eq!(attr(&order, "lateness"), "told");
    assert_eq!(
        attr(&order, "delayed_to"),
        "2026-11-28",
        "the promise moved to the latest date"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_promise_is_found_by_the_sweep_and_apologised_for_once() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let monitor = functions::monitor(&stack);
    // Promised for 5 December; the customer is in New York, so the day ends
    // at 05:00 UTC on the 6th. Order 5002 is delivered in time.
    let placed = |id: &str, order: &str| {
        event(
            id,
            "order.placed",
            "2026-12-01T10:00:00Z",
            json!({"customer_id": "c-ny", "order_id": order, "promised_date": "2026-12-05",
                   "customer": {"email": "ny@example.com", "locale": "en", "time_zone": "America/New_York"}}),
        )
    };
    let delivered = event(
        "d-5002",
        "order.delivered",
        "2026-12-06T04:59:00Z",
        json!({"customer_id": "c-ny", "order_id": "5002"}),
    );
    send_and_deliver(
        &stack,
        &h,
        &[&placed("p-5001", "5001"), &placed("p-5002", "5002")],
    )
    .await;
    send_and_deliver(&stack, &h, &[&delivered]).await;

    // At 04:59 UTC the promised day has not ended in New York (what is due
    // is the team's: neither order shipped in two working days).
    let to_customer = |stack: &Stack| -> Vec<memnun_tests::emulator::SentEmail> {
        stack
            .emulator
            .sent_emails()
            .into_iter()
            .filter(|m| m.to == ["ny@example.com"])
            .collect()
    };
    let early = functions::sweep(&monitor, "2026-12-06T04:59:00Z").await;
    assert_eq!(early.waiting, 2, "the two unshipped clocks: {early:?}");
    send_and_deliver(&stack, &h, &[]).await;
    assert!(to_customer(&stack).is_empty());
    let at_midnight = functions::sweep(&monitor, "2026-12-06T05:00:00Z").await;
    assert_eq!(at_midnight.waiting, 2, "the two promises: {at_midnight:?}");
    send_and_deliver(&stack, &h, &[]).await;
    let sent = to_customer(&stack);
    assert_eq!(
        sent.len(),
        1,
        "5002 was delivered a minute before: {sent:?}"
    );
    assert_eq!(sent[0].to, ["ny@example.com"]);
    assert!(
        sent[0].subject.contains("Your order 5001 is running late"),
        "{}",
        sent[0].subject
    );
    assert!(sent[0].body.contains("5 December 2026"), "{}", sent[0].body);
    assert_eq!(attr(&order_item(&stack, "5001").await, "lateness"), "found");

    // The shop's own delay notice afterwards apologises no second time.
    let told = event(
        "late-5001",
        "order.delayed",
        "2026-12-06T09:00:00Z",
        json!({"customer_id": "c-ny", "order_id": "5001", "new_date": "2026-12-09"}),
    );
    send_and_deliver(&stack, &h, &[&told]).await;
    assert_eq!(to_customer(&stack).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_promise_moved_while_the_sweep_sends_its_old_clock_keeps_its_new_one() {
    use memnun_shared::ports::DueIndex as _;
    let stack = Stack::start().await;
    let h = handler(&stack);
    let store = functions::store(&stack);
    let id = "journey.due:promise:6001";
    // Promised for 5 December: its clock runs out at midnight in Istanbul.
    let placed = order_event(
        "p-6001",
        "order.placed",
        "2026-12-01T10:00:00Z",
        "6001",
        json!({"promised_date": "2026-12-05"}),
    );
    send_and_deliver(&stack, &h, &[&placed]).await;
    let old = store.scheduled(id).await.expect("read").expect("held");
    assert_eq!(old.due, functions::ts("2026-12-05T21:00:00Z"));
    // The sweep has read and sent that clock when the carrier's estimate
    // moves the promise to the 7th: the new clock is held under the same id.
    let shipped = shipped("s-6001", "6001", "YK61").replace("2026-12-05", "2026-12-07");
    send_and_deliver(&stack, &h, &[&shipped]).await;
    let new = store.scheduled(id).await.expect("read").expect("held");
    assert_eq!(new.due, functions::ts("2026-12-07T21:00:00Z"));
    // The sweep then forgets what it sent: the old clock. The new one stays.
    store
        .unschedule(&[(id.to_owned(), old.due)])
        .await
        .expect("forget");
    let kept = store.scheduled(id).await.expect("read");
    assert_eq!(
        kept.map(|m| m.due),
        Some(new.due),
        "the moved promise is still watched"
    );
    store
        .unschedule(&[(id.to_owned(), new.due)])
        .await
        .expect("forget");
    assert!(store.scheduled(id).await.expect("read").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_coupon_is_redeemed_once_and_a_second_order_with_it_is_flagged() {
    use memnun_shared::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
    use memnun_shared::domain::customer::CustomerId;
    use memnun_shared::ports::CouponStore;

    let stack = Stack::start().await;
    memnun_shared::metrics::init(&memnun_shared::config::Env::from_pairs([(
        "METRICS_NAMESPACE",
        "memnun/test",
    )]))
    .expect("metrics");
    let h = handler(&stack);
    // A birthday coupon memnun issued on 22 November, in the real table.
    let code = CouponCode::generate(CouponReason::Birthday).expect("a code");
    let coupon = Coupon {
        code: code.clone(),
        customer_id: CustomerId::parse("c-1").expect("id"),
        reason: CouponReason::Birthday,
        value: CouponValue::Percent(15),
        issued_at: "2026-11-22T07:30:00Z".parse().expect("time"),
        expires_at: "2026-12-06T20:59:59Z".parse().expect("time"),
        source_event: "memnun/birthday-scheduler#bday-c-1-2026".into(),
    };
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&stack.aws),
        &stack.table,
        &stack.idempotency_table,
    );
    store.issue(&coupon, None).await.expect("issue");

    let placed = |id: &str, order: &str, time: &str| {
        order_event(
            id,
            "order.placed",
            time,
            order,
            json!({"total": "349.90", "currency": "TRY",
                   "discount_codes": ["YENIYIL", code.as_str().to_ascii_lowercase()]}),
        )
    };
    let first = placed("p-1", "ord-5001", "2026-11-28T12:00:00Z");
    let second = placed("p-2", "ord-5002", "2026-11-30T12:00:00Z");
    // One after the other: `coupon.redeemed` names the order met first
    // (the record and the figures follow the order placed first whatever
    // the delivery: the next test).
    send_and_deliver(&stack, &h, &[&first, &first]).await;
    send_and_deliver(&stack, &h, &[&second, &second]).await;

    let kept = stack.items_with_prefix("REDEEMED#").await;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(attr(&kept[0], "order_id"), "ord-5001");
    assert_eq!(attr(&kept[0], "reason"), "birthday");
    assert!(
        !kept[0].contains_key("customer_id"),
        "no customer is kept with a redemption"
    );
    assert_eq!(
        kept[0].get("reused_by").and_then(|v| v.as_ss().ok()),
        Some(&vec!["ord-5002".to_owned()])
    );
    let redeemed: Vec<Value> = stack
        .drain(&stack.queue("outbound").url)
        .await
        .into_iter()
        .filter(|m| m["type"] == "coupon.redeemed")
        .collect();
    assert_eq!(redeemed.len(), 1, "{redeemed:?}");
    assert_eq!(redeemed[0]["data"]["order_id"], "ord-5001");
    assert_eq!(redeemed[0]["data"]["total_cents"], 34990);
    assert_eq!(redeemed[0]["data"]["days_to_redeem"], 6);
    assert_eq!(stack.counted("coupons.birthday.redeemed").await, 1);
    assert_eq!(stack.counted("coupons.birthday.revenue.TRY").await, 34990);
    assert_eq!(stack.counted("coupons.birthday.redeem_days.6").await, 1);
    assert_eq!(stack.counted("coupons.birthday.reused").await, 1);
    // The dashboard's metric, once too, as CloudWatch will read it.
    let mut redeemed_metric = 0.0;
    for line in memnun_shared::metrics::take_lines() {
        for m in memnun_tests::emf::check(&line).unwrap_or_else(|e| panic!("{e}: {line}")) {
            if m.name == "CouponsRedeemed" {
                assert_eq!(m.dimensions, [("Reason".to_owned(), "birthday".to_owned())]);
                redeemed_metric += m.value;
            }
        }
    }
    assert_eq!(redeemed_metric, 1.0);
}

/// Orders with one code met in any order, side by side in one batch and
/// again: the order placed first holds the redemption, the others are
/// reuse, and the figures are the same in every round. Rounds in which the
/// earliest order comes last move a redemption that already has reuse
/// flagged (the write over `size(reused_by)`); side by side, a move and a
/// reuse meet as a conflict and are read again.
#[tokio::test(flavor = "multi_thread")]
async fn orders_met_in_any_order_leave_the_redemption_with_the_order_placed_first() {
    use memnun_shared::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
    use memnun_shared::domain::customer::CustomerId;
    use memnun_shared::ports::CouponStore;

    let stack = Stack::start().await;
    let h = handler(&stack);
    let store = functions::store(&stack);
    // Placed on Saturday 28 November (A) and the Sunday after (B, C): one
    // ISO week, so a round's counters are one item's.
    let times = [
        ("A", "2026-11-28T12:00:00Z"),
        ("B", "2026-11-29T09:00:00Z"),
        ("C", "2026-11-29T18:00:00Z"),
    ];
    let rounds: [&[usize]; 4] = [&[1, 2, 0], &[2, 1, 0, 0, 2], &[0, 2, 1], &[1, 0, 2, 1]];
    for (round, order) in rounds.iter().enumerate() {
        let code = CouponCode::generate(CouponReason::NegativeReview).expect("a code");
        let coupon = Coupon {
            code: code.clone(),
            customer_id: CustomerId::parse("c-1").expect("id"),
            reason: CouponReason::NegativeReview,
            value: CouponValue::Percent(10),
            issued_at: "2026-11-22T07:30:00Z".parse().expect("time"),
            expires_at: "2026-12-06T20:59:59Z".parse().expect("time"),
            source_event: format!("shop/web#r-{round}"),
        };
        store.issue(&coupon, None).await.expect("issue");
        let bodies: Vec<String> = order
            .iter()
            .map(|&i| {
                let (name, time) = times[i];
                order_event(
                    &format!("p-{round}-{name}"),
                    "order.placed",
                    time,
                    &format!("ord-{round}-{name}"),
                    json!({"total": "100.00", "currency": "TRY",
                           "discount_codes": [code.as_str()]}),
                )
            })
            .collect();
        // The whole round in one batch, handled side by side; then all of
        // it again.
        let all: Vec<&String> = bodies.iter().collect();
        send_and_deliver(&stack, &h, &all).await;
        send_and_deliver(&stack, &h, &all).await;

        let kept = stack
            .items_with_prefix(&format!("REDEEMED#{}", code.as_str()))
            .await;
        assert_eq!(kept.len(), 1, "round {round}: {kept:?}");
        assert_eq!(
            attr(&kept[0], "order_id"),
            format!("ord-{round}-A"),
            "round {round}"
        );
        assert_eq!(attr(&kept[0], "redeemed_at"), "2026-11-28T12:00:00Z");
        let mut reused = kept[0]
            .get("reused_by")
            .and_then(|v| v.as_ss().ok())
            .cloned()
            .unwrap_or_default();
        reused.sort();
        assert_eq!(reused, [format!("ord-{round}-B"), format!("ord-{round}-C")]);
    }
    // Four rounds, each counted as A's redemption and two reuses.
    assert_eq!(stack.counted("coupons.negative_review.redeemed").await, 4);
    assert_eq!(
        stack.counted("coupons.negative_review.revenue.TRY").await,
        40000
    );
    assert_eq!(
        stack.counted("coupons.negative_review.redeem_days.6").await,
        4
    );
    assert_eq!(
        stack.counted("coupons.negative_review.redeem_days.7").await,
        0
    );
    assert_eq!(stack.counted("coupons.negative_review.reused").await, 8);
    let dead = stack.drain(&stack.queue("orders").dlq_url).await;
    assert!(dead.is_empty(), "{dead:?}");
}
