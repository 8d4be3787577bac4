//! ingest against the emulator: signed POSTs become messages on the right
//! queues; everything else gets the right 4xx and enqueues nothing.

use std::collections::HashMap;

use ingest::signature::sign;
use ingest::{Config, Handler};
use jiff::Timestamp;
use lambda_http::{Body, Request};
use memnun_shared::adapters::sqs::SqsPublisher;
use memnun_shared::contract::routing::Route;
use memnun_tests::events::{event, review};
use memnun_tests::stack::Stack;
use serde_json::{Value, json};

const SECRET: &[u8] = b"whsec_test_0123456789abcdef0123456789";
const OLD_SECRET: &[u8] = b"whsec_prev_0123456789abcdef0123456789";

fn handler(stack: &Stack) -> Handler<SqsPublisher> {
    let queues: HashMap<Route, String> = Route::ALL
        .iter()
        .map(|r| (*r, stack.queue(r.queue_name()).url.clone()))
        .collect();
    let config = Config {
        queues,
        secret_parameter: "/memnun/webhook-secret".into(),
        platforms: Vec::new(),
        shopify_event_source: None,
    };
    Handler::new(
        config,
        vec![SECRET.to_vec(), OLD_SECRET.to_vec()],
        SqsPublisher::new(aws_sdk_sqs::Client::new(&stack.aws)),
    )
}

fn post(body: &str, signature: Option<String>) -> Request {
    let mut builder = lambda_http::http::Request::builder()
        .method("POST")
        .uri("/events")
        .header("content-type", "application/json");
    if let Some(s) = signature {
        builder = builder.header("memnun-signature", s);
    }
    builder.body(Body::Text(body.to_string())).unwrap()
}

fn signed(body: &str) -> Request {
    post(
        body,
        Some(sign(SECRET, Timestamp::now().as_second(), body.as_bytes())),
    )
}

async fn answer(h: &Handler<SqsPublisher>, request: Request) -> (u16, Value) {
    let response = h.handle(request, Timestamp::now()).await;
    let status = response.status().as_u16();
    let body: &[u8] = response.body().as_ref();
    (status, serde_json::from_slice(body).unwrap_or(Value::Null))
}

async fn queued(stack: &Stack, queue: &str) -> Vec<Value> {
    stack.drain(&stack.queue(queue).url).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_batch_is_routed_by_type() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let complaint = event(
        "c-1",
        "complaint.created",
        "2026-11-22T10:00:00Z",
        json!({"customer_id": "c", "channel": "web", "message": "Kargo gelmedi"}),
    );
    let shipped = event(
        "o-1",
        "order.shipped",
        "2026-11-22T10:00:00Z",
        json!({"customer_id": "c", "order_id": "1001", "tracking_number": "YK1"}),
    );
    let body = format!(
        "[{}, {}, {}]",
        review("r-1", "2026-11-22T10:00:00Z", "c", 1, "a@example.com", "tr"),
        complaint,
        shipped
    );
    let (status, answer) = answer(&h, signed(&body)).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["accepted"].as_array().unwrap().len(), 3);
    let orders = queued(&stack, "orders").await;
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["type"], "order.shipped");
    let reviews = queued(&stack, "reviews").await;
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["id"], "r-1");
    let tickets = queued(&stack, "tickets").await;
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0]["type"], "complaint.created");
}

#[tokio::test(flavor = "multi_thread")]
async fn signatures_expired_tampered_missing_or_rotated() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let body = review("r-1", "2026-11-22T10:00:00Z", "c", 1, "a@example.com", "tr");
    let now = Timestamp::now().as_second();

    let (status, _) = answer(
        &h,
        post(&body, Some(sign(SECRET, now - 301, body.as_bytes()))),
    )
    .await;
    assert_eq!(status, 401, "expired");
    let (status, _) = answer(
        &h,
        post(
            &body.replace("r-1", "r-2"),
            Some(sign(SECRET, now, body.as_bytes())),
        ),
    )
    .await;
    assert_eq!(status, 401, "tampered");
    let (status, answer_missing) = answer(&h, post(&body, None)).await;
    assert_eq!(status, 401, "missing");
    assert!(
        answer_missing["error"]
            .as_str()
            .unwrap()
            .contains("missing")
    );
    let (status, _) = answer(
        &h,
        post(
            &body,
            Some(sign(
                b"whsec_some_other_shop_0123456789abcd",
                now,
                body.as_bytes(),
            )),
        ),
    )
    .await;
    assert_eq!(status, 401, "another secret");
    assert!(queued(&stack, "reviews").await.is_empty());

    let (status, _) = answer(
        &h,
        post(&body, Some(sign(OLD_SECRET, now, body.as_bytes()))),
    )
    .await;
    assert_eq!(
        status, 202,
        "the previous secret still works during a rotation"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_bodies_get_clear_client_errors() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let (status, a) = answer(&h, signed("")).await;
    assert_eq!(status, 400, "{a}");
    let (status, a) = answer(&h, signed("{not json")).await;
    assert_eq!(status, 415, "{a}");
    let mut xml = signed("<a/>");
    xml.headers_mut()
        .insert("content-type", "application/xml".parse().unwrap());
    assert_eq!(answer(&h, xml).await.0, 415);
    let big = format!("\"{}\"", "x".repeat(ingest::MAX_REQUEST_BYTES));
    assert_eq!(answer(&h, signed(&big)).await.0, 413);
    let many: Vec<String> = (0..101)
        .map(|i| {
            review(
                &format!("r-{i}"),
                "2026-11-22T10:00:00Z",
                "c",
                5,
                "a@example.com",
                "tr",
            )
        })
        .collect();
    let (status, a) = answer(&h, signed(&format!("[{}]", many.join(",")))).await;
    assert_eq!(status, 413, "{a}");
    assert!(a["error"].as_str().unwrap().contains("101"));
    assert_eq!(answer(&h, signed("[]")).await.0, 400);
    assert_eq!(answer(&h, signed("42")).await.0, 400);
    let mut get = signed("{}");
    *get.method_mut() = lambda_http::http::Method::GET;
    assert_eq!(answer(&h, get).await.0, 405);
    assert!(queued(&stack, "reviews").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn mixed_valid_and_invalid_events_accept_the_valid_ones() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let good = review(
        "r-good",
        "2026-11-22T10:00:00Z",
        "c",
        2,
        "a@example.com",
        "tr",
    );
    let bad_rating = event(
        "r-bad",
        "review.posted",
        "2026-11-22T10:00:00Z",
        json!({"customer_id": "c", "rating": 9}),
    );
    let unknown = event("x-1", "order.exploded", "2026-11-22T10:00:00Z", json!({}));
    let body = format!("[{good},{bad_rating},{unknown}]");
    let (status, a) = answer(&h, signed(&body)).await;
    assert_eq!(status, 400, "{a}");
    assert_eq!(a["accepted"], json!(["r-good"]));
    let rejected = a["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0]["index"], 1);
    assert_eq!(rejected[0]["field"], "data.rating");
    assert_eq!(rejected[1]["field"], "type");
    assert!(a["message"].as_str().unwrap().contains("1 accepted"));
    let reviews = queued(&stack, "reviews").await;
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["id"], "r-good");
}
