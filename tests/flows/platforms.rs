//! The platforms' own webhooks end to end, against the emulator: a Shopify
//! order placed, shipped and delivered through ingest's `/webhooks/shopify`
//! and the real order-journey (its fulfillment first, before the order, and
//! again as Shopify retries it), and a return of it requested, approved,
//! processed and refunded; a WooCommerce guest's order completed with
//! its tracking; a Judge.me review through `/webhooks/judgeme` and the real
//! review-responder; and a Zendesk agent's reply and solve of a memnun
//! ticket through the real complaint-intake. The platforms
//! themselves cannot run here: the payloads are theirs (`events/shopify/`,
//! `events/judgeme/`), signed as they sign them.

#[path = "support/functions.rs"]
mod functions;

use functions::{
    complaint, deadline, deliver_orders, deliver_reviews, deliver_tickets, emails_to, intake,
    journey, responder, ticket_numbers,
};
use ingest::platforms::{Platform, mac, to_base64, to_hex};
use ingest::{Config, Handler, platform_secrets};
use jiff::Timestamp;
use lambda_http::{Body, Request};
use memnun_shared::adapters::sqs::SqsPublisher;
use memnun_shared::config::Env;
use memnun_tests::deliver;
use memnun_tests::stack::{
    IDEASOFT_SECRET, IKAS_SECRET, JUDGEME_SECRET, LOCAL_SECRETS, SHOPIFY_SECRET, Stack,
    WEBHOOK_SECRET, WOOCOMMERCE_SECRET, ZENDESK_SECRET, attr,
};
use serde_json::{Value, json};

type Ingest = Handler<SqsPublisher>;

/// ingest as the template configures it, with the test shop's platforms on
/// and their secrets as the local stack stores them.
fn ingest(stack: &Stack) -> Ingest {
    let config = Config::from_env(&Env::from_pairs(stack.function_env("ingest"))).expect("config");
    assert_eq!(
        config.platforms.len(),
        Platform::ALL.len(),
        "every platform is on"
    );
    let platforms = config.platforms.clone();
    platforms.into_iter().fold(
        Handler::new(
            config,
            ingest::secrets(WEBHOOK_SECRET).unwrap(),
            SqsPublisher::new(aws_sdk_sqs::Client::new(&stack.aws)),
        ),
        |h, (platform, _)| {
            let (_, secret) = LOCAL_SECRETS
                .iter()
                .find(|(p, _)| *p == platform.template_parameter())
                .expect("a local secret");
            h.with_platform(platform, platform_secrets(platform, secret).unwrap())
        },
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

/// A Shopify delivery of `topic` that Shopify triggered `at` (its return
/// topics carry no time of their own).
fn shopify_at(topic: &str, event_id: &str, file: &str, at: &str) -> Request {
    let mut request = shopify(topic, event_id, file);
    request
        .headers_mut()
        .insert("x-shopify-triggered-at", at.parse().unwrap());
    request
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shopify_return_is_told_approved_received_and_refunded_once_each() {
    let stack = Stack::start().await;
    let edge = ingest(&stack);
    let h = journey(&stack);
    for request in [
        shopify("orders/create", "o9d8e7", "orders-create.json"),
        shopify("fulfillments/create", "a1b2c3", "fulfillments-create.json"),
    ] {
        assert_eq!(post(&edge, request).await, 202);
    }
    deliver_orders(&stack, &h).await;
    let steps = [
        (
            "returns/request",
            "r1",
            "returns-request.json",
            "2026-11-27T09:00:00Z",
        ),
        (
            "returns/approve",
            "r2",
            "returns-approve.json",
            "2026-11-27T11:00:00Z",
        ),
        // Processed (the items confirmed back), and Shopify retries it.
        (
            "returns/process",
            "r3",
            "returns-process.json",
            "2026-12-01T14:00:00Z",
        ),
        (
            "returns/process",
            "r3",
            "returns-process.json",
            "2026-12-01T14:00:00Z",
        ),
    ];
    for (topic, id, file, at) in steps {
        assert_eq!(post(&edge, shopify_at(topic, id, file, at)).await, 202);
        deliver_orders(&stack, &h).await;
    }
    assert_eq!(
        post(
            &edge,
            shopify("refunds/create", "r4", "refunds-create.json")
        )
        .await,
        202
    );
    deliver_orders(&stack, &h).await;
    assert!(stack.drain(&stack.queue("orders").dlq_url).await.is_empty());

    let told = emails_to(&stack, "zeynep.kaya@example.com");
    let with = |words: &str| told.iter().filter(|m| m.body.contains(words)).count();
    assert_eq!(
        told.len(),
        5,
        "shipped, request, approval, receipt, refund: {told:?}"
    );
    assert_eq!(
        with("bize ulaştı"),
        1,
        "the receipt once, whatever the retries"
    );
    let receipt = told
        .iter()
        .find(|m| m.body.contains("bize ulaştı"))
        .unwrap();
    assert!(receipt.body.contains("21123456789"), "the return's number");
    assert_eq!(with("ücret iadeniz yapıldı"), 1, "the refund");
    let stored = stack
        .items_with_prefix("RETURN#21123456789")
        .await
        .into_iter()
        .next()
        .expect("the return");
    assert_eq!(attr(&stored, "customer_id"), "7390324674618");
    assert_eq!(attr(&stored, "order_id"), "5839201374521");
    assert!(stored.contains_key("refunded_at"), "refunded");
    assert_eq!(
        attr(&stored, "received_at"),
        "2026-12-01T14:00:00Z",
        "when Shopify says it was processed"
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

fn woocommerce(topic: &str, file: &str) -> Request {
    let body = sample(&format!("woocommerce/{file}"));
    lambda_http::http::Request::builder()
        .method("POST")
        .uri("/webhooks/woocommerce")
        .header("content-type", "application/json")
        .header("x-wc-webhook-source", "https://dukkan.example/")
        .header("x-wc-webhook-topic", topic)
        .header(
            "x-wc-webhook-signature",
            to_base64(&mac(WOOCOMMERCE_SECRET.as_bytes(), &[&body])),
        )
        .body(Body::Binary(body))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_woocommerce_guests_order_is_told_shipped_once_then_refunded() {
    let stack = Stack::start().await;
    let edge = ingest(&stack);
    let h = journey(&stack);
    for (topic, file) in [
        ("order.created", "order.created.json"),
        ("order.updated", "order.updated.completed.json"),
        // WooCommerce sends every later change as order.updated too.
        ("order.updated", "order.updated.completed.json"),
        ("order.updated", "order.updated.refunded.json"),
    ] {
        assert_eq!(post(&edge, woocommerce(topic, file)).await, 202, "{file}");
    }
    deliver_orders(&stack, &h).await;
    assert!(stack.drain(&stack.queue("orders").dlq_url).await.is_empty());
    let told = emails_to(&stack, "elif.demir@example.com");
    assert_eq!(told.len(), 2, "shipped once, refunded once: {told:?}");
    // The two steps may be handled side by side: found by what they say.
    let shipped = told
        .iter()
        .find(|e| e.subject.contains("kargoda"))
        .expect("the shipping notice");
    assert!(shipped.body.contains("AR7730215588"), "the tracking number");
    assert!(shipped.body.contains("Aras Kargo"));
    let refunded = told
        .iter()
        .find(|e| e.subject.contains("iade"))
        .expect("the refund notice");
    assert!(refunded.body.contains("575"), "the amount refunded");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_zendesk_agents_reply_and_solve_reach_the_memnun_ticket() {
    let stack = Stack::start().await;
    let edge = ingest(&stack);
    let h = intake(&stack);
    stack
        .send(
            "tickets",
            &complaint(
                "cmp-1",
                "2026-11-28T12:00:00Z",
                "7390324674618",
                "web",
                "Örtü fotoğraftaki gibi değil, değişim istiyorum",
                "zeynep.kaya@example.com",
                "tr",
                "Europe/Istanbul",
            ),
        )
        .await;
    deliver_tickets(&stack, &h).await;
    let number = ticket_numbers(&stack).await.remove(0);
    // Zendesk's ticket carries memnun's number (as "Platforms out" writes
    // it) and is signed now: its replay window is five minutes.
    let zendesk = |file: &str| {
        let body = sample(&format!("zendesk/{file}")).replace_number(&number);
        let at = Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        lambda_http::http::Request::builder()
            .method("POST")
            .uri("/webhooks/zendesk")
            .header("content-type", "application/json")
            .header("x-zendesk-webhook-signature-timestamp", at.as_str())
            .header(
                "x-zendesk-webhook-signature",
                to_base64(&mac(ZENDESK_SECRET.as_bytes(), &[at.as_bytes(), &body])),
            )
            .body(Body::Binary(body))
            .unwrap()
    };
    assert_eq!(post(&edge, zendesk("ticket.comment_added.json")).await, 202);
    assert_eq!(
        post(&edge, zendesk("ticket.comment_added.private.json")).await,
        200
    );
    deliver_tickets(&stack, &h).await;
    // A day later the agent solves it.
    assert_eq!(
        post(&edge, zendesk("ticket.status_changed.json")).await,
        202
    );
    deliver_tickets(&stack, &h).await;
    assert!(
        stack
            .drain(&stack.queue("tickets").dlq_url)
            .await
            .is_empty()
    );
    let ticket = stack
        .items_with_prefix(&format!("TICKET#{number}"))
        .await
        .into_iter()
        .find(|i| attr(i, "sk") == "TICKET")
        .expect("the ticket");
    assert_eq!(
        attr(&ticket, "last_agent_reply_at"),
        "2026-11-28T13:40:22Z",
        "the agent's reply, at Zendesk's time"
    );
    assert_eq!(attr(&ticket, "status"), "resolved");
    let told = emails_to(&stack, "zeynep.kaya@example.com");
    assert_eq!(
        told.len(),
        2,
        "the acknowledgement, then the survey: {told:?}"
    );
}

/// A sample with the samples' ticket number replaced by `number`.
trait ReplaceNumber {
    fn replace_number(self, number: &str) -> Vec<u8>;
}

impl ReplaceNumber for Vec<u8> {
    fn replace_number(self, number: &str) -> Vec<u8> {
        String::from_utf8(self)
            .unwrap()
            .replace("TK-4821-0937", number)
            .into_bytes()
    }
}

/// The real `ingest` binary, as Lambda runs it, invoked by the template's
/// EventBridge rule with Shopify's events: its init reads every enabled
/// secret, and its one entry point maps the events as `/webhooks/shopify`
/// does; an event it cannot map fails the invocation (Lambda then retries
/// it and keeps it in the on-failure queue).
#[tokio::test(flavor = "multi_thread")]
async fn the_binary_takes_shopify_events_from_eventbridge() {
    use memnun_tests::runtime_api::Answer;
    let source = "aws.partner/shopify.com/1830279/memnun";
    let stack = Stack::start_with(&[("ShopifyEventSourceName", source)], true).await;
    let (ingest, _log) = stack.start_binary("ingest");
    let event = |topic: &str, file: &str| {
        let payload: Value = serde_json::from_slice(&sample(&format!("shopify/{file}"))).unwrap();
        json!({
            "version": "0", "id": format!("eb-{file}"), "detail-type": "shopifyWebhook",
            "source": source, "account": "123456789012", "time": "2026-11-24T11:05:32Z",
            "region": "eu-central-1", "resources": [],
            "detail": {"payload": payload, "metadata": {
                "Content-Type": "application/json", "X-Shopify-Topic": topic,
                "X-Shopify-Shop-Domain": "dukkan.myshopify.com",
                "X-Shopify-Event-Id": format!("evt-{file}"),
            }},
        })
        .to_string()
    };
    let Answer::Response(answer) = ingest
        .invoke(event("orders/create", "orders-create.json"))
        .await
    else {
        panic!("orders/create failed");
    };
    assert!(
        answer.contains("orders/create:evt-orders-create.json"),
        "{answer}"
    );
    let Answer::Response(_) = ingest
        .invoke(event("fulfillments/create", "fulfillments-create.json"))
        .await
    else {
        panic!("fulfillments/create failed");
    };
    let Answer::Error(_) = ingest
        .invoke(event(
            "orders/create",
            "customers_email_marketing_consent-update.json",
        ))
        .await
    else {
        panic!("a payload that is no order must fail the invocation");
    };
    let h = journey(&stack);
    deliver_orders(&stack, &h).await;
    let told = emails_to(&stack, "zeynep.kaya@example.com");
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].body.contains("YK30418822"));
    // The Function URL is still answered by the same binary.
    let url_request = json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/events", "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {"accountId": "anonymous", "apiId": "x", "domainName": "x", "domainPrefix": "x",
            "http": {"method": "GET", "path": "/events", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "curl"},
            "requestId": "r", "routeKey": "$default", "stage": "$default",
            "time": "03/Dec/2026:09:00:00 +0000", "timeEpoch": 1796288400000_u64},
        "isBase64Encoded": false
    });
    let Answer::Response(answer) = ingest.invoke(url_request.to_string()).await else {
        panic!("the Function URL request failed");
    };
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["statusCode"], 405, "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ikas_order_is_told_shipped_with_its_package_tracking() {
    let stack = Stack::start().await;
    let edge = ingest(&stack);
    let h = journey(&stack);
    let ikas = |file: &str| {
        let mut envelope: Value = serde_json::from_slice(&sample(&format!("ikas/{file}"))).unwrap();
        let data = envelope["data"].as_str().unwrap().to_string();
        envelope["signature"] = to_hex(&mac(IKAS_SECRET.as_bytes(), &[data.as_bytes()])).into();
        lambda_http::http::Request::builder()
            .method("POST")
            .uri("/webhooks/ikas")
            .header("content-type", "application/json")
            .body(Body::Text(envelope.to_string()))
            .unwrap()
    };
    // The package's update first: it waits for its order. The delivery
    // comes days later.
    let fulfilled = ikas("store-order-updated.fulfilled.json");
    assert_eq!(post(&edge, fulfilled).await, 202);
    assert_eq!(post(&edge, ikas("store-order-created.json")).await, 202);
    deliver_orders(&stack, &h).await;
    let delivered = ikas("store-order-updated.delivered.json");
    assert_eq!(post(&edge, delivered).await, 202);
    deliver_orders(&stack, &h).await;
    assert!(stack.drain(&stack.queue("orders").dlq_url).await.is_empty());
    let told = emails_to(&stack, "can.ozturk@example.com");
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].body.contains("MNG5518273390"),
        "the package's tracking number"
    );
    let order = stack
        .items_with_prefix("ORDER#6a1f0c52-3b7d-4e19-9d8a-2c4e6f8a0b13")
        .await
        .into_iter()
        .next()
        .expect("the order");
    assert_eq!(attr(&order, "stage"), "delivered");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ideasoft_order_is_told_shipped_from_the_fields_that_changed() {
    let stack = Stack::start().await;
    let edge = ingest(&stack);
    let h = journey(&stack);
    let ideasoft = |topic: &str, file: &str| {
        let body = sample(&format!("ideasoft/{file}"));
        lambda_http::http::Request::builder()
            .method("POST")
            .uri(format!("/webhooks/ideasoft?topic={topic}"))
            .header("content-type", "application/json")
            .header(
                "x-ideashop-hmac-sha256",
                to_base64(&mac(IDEASOFT_SECRET.as_bytes(), &[&body])),
            )
            .body(Body::Binary(body))
            .unwrap()
    };
    assert_eq!(
        post(&edge, ideasoft("order/create", "order-create.json")).await,
        202
    );
    let paid = ideasoft("order/update", "order-update.payment.json");
    assert_eq!(post(&edge, paid).await, 200, "a change that is no step");
    deliver_orders(&stack, &h).await;
    let shipped = ideasoft("order/update", "order-update.fulfilled.json");
    assert_eq!(post(&edge, shipped).await, 202);
    deliver_orders(&stack, &h).await;
    assert!(stack.drain(&stack.queue("orders").dlq_url).await.is_empty());
    let told = emails_to(&stack, "ayse.yildiz@example.com");
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].body.contains("YK88120033"), "the tracking code");
}
