//! The outbound webhook: memnun's outbound events, delivered by the
//! `outbound` function to the shop's URL (a receiver on loopback that
//! checks `Memnun-Signature` with the documented recipe,
//! `tests/src/receiver.rs`), from the real outbound queue of the emulator.

use jiff::{SignedDuration, Timestamp};
use memnun_shared::adapters::http::HttpClient;
use memnun_shared::adapters::webhook::SignedWebhook;
use memnun_shared::config::Env;
use memnun_tests::deliver::{self, Delivery};
use memnun_tests::events::review;
use memnun_tests::receiver::{OUTBOUND_WEBHOOK_SECRET, WebhookReceiver};
use memnun_tests::stack::Stack;
use serde_json::Value;

#[path = "support/functions.rs"]
mod functions;

fn deadline() -> Timestamp {
    Timestamp::now() + SignedDuration::from_secs(30)
}

async fn stack_for(receiver: &WebhookReceiver) -> Stack {
    let parameters = memnun_tests::receiver::parameters(&receiver.url());
    let parameters: Vec<(&str, &str)> = parameters
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    Stack::start_with(&parameters, true).await
}

/// The outbound function as the template configures it.
fn outbound(stack: &Stack, secret: &str) -> outbound::Handler<SignedWebhook> {
    let config = outbound::Config::from_env(&Env::from_pairs(stack.function_env("outbound")))
        .expect("config");
    let secrets = vec![secret.as_bytes().to_vec()];
    let webhook = SignedWebhook::new(HttpClient::default(), &config.url, secrets);
    outbound::Handler::new(config, webhook)
}

/// A low review through review-responder: `coupon.issued` and
/// `ticket.opened` on the outbound queue.
async fn publish_two(stack: &Stack) {
    let responder = functions::responder(stack);
    let body = review(
        "r-1",
        "2026-11-22T10:15:00Z",
        "c-1",
        1,
        "ayse@example.com",
        "tr",
    );
    stack.send("reviews", &body).await;
    let q = stack.queue("reviews");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| {
        responder.handle(e, deadline())
    })
    .await;
}

async fn deliver_outbound(stack: &Stack, h: &outbound::Handler<SignedWebhook>) -> Vec<Delivery> {
    let q = stack.queue("outbound");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e, deadline())).await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_outbound_event_reaches_the_shops_url_signed_as_published() {
    let receiver = WebhookReceiver::start(OUTBOUND_WEBHOOK_SECRET);
    let stack = stack_for(&receiver).await;
    publish_two(&stack).await;
    let h = outbound(&stack, OUTBOUND_WEBHOOK_SECRET);
    let deliveries = deliver_outbound(&stack, &h).await;
    assert!(deliveries.iter().all(|d| d.failed.is_empty()));
    let received = receiver.received();
    let kinds: Vec<&str> = received.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds.len(), 2);
    assert!(kinds.contains(&"coupon.issued") && kinds.contains(&"ticket.opened"));
    for r in &received {
        let event: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(
            event["id"],
            r.id.as_str(),
            "Memnun-Event-Id is the event's id"
        );
        assert_eq!(event["type"], r.kind.as_str());
        assert_eq!(event["specversion"], "1.0");
    }
    assert_eq!(receiver.refused(), 0);
    assert!(
        stack
            .drain_raw(&stack.queue("outbound").dlq_url)
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_down_twice_gets_it_the_third_time_and_one_that_refuses_leaves_it_dead_lettered()
{
    let receiver = WebhookReceiver::start(OUTBOUND_WEBHOOK_SECRET);
    let stack = stack_for(&receiver).await;
    publish_two(&stack).await;
    // The first event meets two 503s, then is taken; the second is refused
    // for good (a receiver whose secret is another).
    receiver.fail([503, 503]);
    let h = outbound(&stack, OUTBOUND_WEBHOOK_SECRET);
    let q = stack.queue("outbound");
    let first = deliver::once(&stack.sqs, &q.url, &q.arn, 1, |e| h.handle(e, deadline())).await;
    assert!(first.failed.is_empty());
    assert_eq!((receiver.requests(), receiver.received().len()), (3, 1));

    let wrong = outbound(&stack, "another-secret-the-receiver-does-not-hold-0123");
    let deliveries = deliver_outbound(&stack, &wrong).await;
    assert_eq!(deliveries.len(), 5, "the queue's five receives");
    assert_eq!(
        receiver.refused(),
        5,
        "401 is final: one request per receive"
    );
    assert_eq!(receiver.received().len(), 1);
    let dead = stack.drain_raw(&q.dlq_url).await;
    assert_eq!(dead.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_reads_its_secret_from_ssm_and_delivers() {
    use memnun_tests::runtime_api::Answer;
    let receiver = WebhookReceiver::start(OUTBOUND_WEBHOOK_SECRET);
    let stack = stack_for(&receiver).await;
    publish_two(&stack).await;
    let (function, log) = stack.start_binary("outbound");
    let q = stack.queue("outbound");
    let batch = deliver::receive(&stack.sqs, &q.url, &q.arn, 10).await;
    assert_eq!(batch.records.len(), 2);
    let Answer::Response(answer) = function
        .invoke(serde_json::to_string(&batch).unwrap())
        .await
    else {
        panic!(
            "the invocation failed: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    };
    assert!(answer.contains("\"batchItemFailures\":[]"), "{answer}");
    assert_eq!(receiver.received().len(), 2);
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        logged.contains("delivered to the shop's webhook"),
        "{logged}"
    );
    assert!(!logged.contains(OUTBOUND_WEBHOOK_SECRET));
}
