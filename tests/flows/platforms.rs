//! The platforms' own webhooks end to end, against the emulator: a Shopify
//! order placed, shipped and delivered through ingest's `/webhooks/shopify`
//! and the real order-journey (its fulfillment first, before the order, and
//! again as Shopify retries it), and a Judge.me review through
//! `/webhooks/judgeme` and the real review-responder. The platforms
//! themselves cannot run here: the payloads are theirs (`events/shopify/`,
//! `events/judgeme/`), signed as they sign them.

#[path = "support/functions.rs"]
mod functions;

use functions::{deadline, deliver_orders, deliver_reviews, emails_to, journey, responder};
use ingest::platforms::{Platform, mac, to_base64, to_hex};
use ingest::{Config, Handler, platform_secrets};
use jiff::Timestamp;
use lambda_http::{Body, Request};
use memnun_shared::adapters::sqs::SqsPublisher;
use memnun_shared::config::Env;
use memnun_tests::deliver;
use memnun_tests::stack::{JUDGEME_SECRET, SHOPIFY_SECRET, Stack, WEBHOOK_SECRET, attr};

type Ingest = Handler<SqsPublisher>;

/// ingest as the template configures it, with the test shop's platforms on.
fn ingest(stack: &Stack) -> Ingest {
    let config = Config::from_env(&Env::from_pairs(stack.function_env("ingest"))).expect("config");
    assert_eq!(config.platforms.len(), 2, "Shopify and Judge.me are on");
    Handler::new(
        config,
        ingest::secrets(WEBHOOK_SECRET).unwrap(),
        SqsPublisher::new(aws_sdk_sqs::Client::new(&stack.aws)),
    )
    .with_platform(
        Platform::Shopify,
        platform_secrets(Platform::Shopify, SHOPIFY_SECRET).unwrap(),
    )
    .with_platform(
        Platform::JudgeMe,
        platform_secrets(Platform::JudgeMe, JUDGEME_SECRET).unwrap(),
    )
}

fn sample(path: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../events")
            .join(path),
    )
    .unwrap()
}

fn shopify(topic: &str, event_id: &str, file: &str) -> Request {
    let body = sample(&format!("shopify/{file}"));
    lambda_http::http::Request::builder()
        .method("POST")
        .uri("/webhooks/shopify")
        .header("content-type", "application/json")
        .header("x-shopify-topic", topic)
        .header(
            "x-shopify-hmac-sha256",
            to_base64(&mac(SHOPIFY_SECRET.as_bytes(), &[&body])),
        )
        .header("x-shopify-shop-domain", "dukkan.myshopify.com")
        .header("x-shopify-event-id", event_id)
        .body(Body::Binary(body))
        .unwrap()
}

async fn post(h: &Ingest, request: Request) -> u16 {
    h.handle(request, Timestamp::now()).await.status().as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shopify_order_is_told_shipped_with_its_tracking_number_then_delivered() {
    let stack = Stack::start().await;
    let edge = ingest(&stack);
    let h = journey(&stack);
    let orders = stack.queue("orders");

    // The fulfillment arrives first: it names only its order, which memnun
    // does not know yet, so it waits on its queue.
    let fulfilled = || shopify("fulfillments/create", "a1b2c3", "fulfillments-create.json");
    assert_eq!(post(&edge, fulfilled()).await, 202);
    let early = deliver::once(&stack.sqs, &orders.url, &orders.arn, 10, |e| {
        h.handle(e, deadline())
    })
    .await;
    assert_eq!(early.failed.len(), 1, "retried, not lost: {early:?}");
    assert!(stack.emulator.sent_emails().is_empty());

    // Then the order, Shopify's retry of the fulfillment, and the carrier's
    // delivery scan.
    assert_eq!(
        post(
            &edge,
            shopify("orders/create", "o9d8e7", "orders-create.json")
        )
        .await,
        202
    );
    assert_eq!(post(&edge, fulfilled()).await, 202);
    deliver_orders(&stack, &h).await;
    let told = emails_to(&stack, "zeynep.kaya@example.com");
    assert_eq!(told.len(), 1, "one notice, whatever the retries: {told:?}");
    assert!(told[0].subject.contains("kargoda"), "{}", told[0].subject);
    assert!(told[0].body.contains("YK30418822"), "the tracking number");
    assert!(told[0].body.contains("Yurtiçi Kargo"), "the carrier");

    assert_eq!(
        post(
            &edge,
            shopify(
                "fulfillment_events/create",
                "f5e4d3",
                "fulfillment_events-create.json"
            )
        )
        .await,
        202
    );
    deliver_orders(&stack, &h).await;
    assert!(
        stack.drain(&orders.dlq_url).await.is_empty(),
        "nothing dead-lettered"
    );
    let order = stack
        .items_with_prefix("ORDER#5839201374521")
        .await
        .into_iter()
        .next()
        .expect("the order");
    assert_eq!(attr(&order, "customer_id"), "7390324674618");
    assert_eq!(attr(&order, "stage"), "delivered");
    assert_eq!(attr(&order, "tracking_number"), "YK30418822");
    assert_eq!(
        attr(&order, "delivered_at"),
        "2026-11-26T13:20:00Z",
        "the scan's own time"
    );
    assert_eq!(
        emails_to(&stack, "zeynep.kaya@example.com").len(),
        1,
        "a delivery is recorded, not told"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_low_judgeme_review_is_apologised_for_once() {
    let stack = Stack::start().await;
    let edge = ingest(&stack);
    let h = responder(&stack);
    let body = sample("judgeme/review-created.json");
    let request = || {
        lambda_http::http::Request::builder()
            .method("POST")
            .uri("/webhooks/judgeme")
            .header("content-type", "application/json")
            .header(
                "JUDGEME-HMAC-SHA256",
                to_hex(&mac(JUDGEME_SECRET.as_bytes(), &[&body])),
            )
            .body(Body::Binary(body.clone()))
            .unwrap()
    };
    assert_eq!(post(&edge, request()).await, 202);
    assert_eq!(post(&edge, request()).await, 202, "Judge.me's retry");
    deliver_reviews(&stack, &h).await;
    let told = emails_to(&stack, "zeynep.kaya@example.com");
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        stack
            .drain(&stack.queue("reviews").dlq_url)
            .await
            .is_empty(),
        "nothing dead-lettered"
    );
}
