//! The platforms' webhooks through the handler, in memory: every sample in
//! `events/<platform>/` signed the platform's way lands as the right memnun
//! event on the right queue; signatures valid, tampered, rotated, of
//! another shop or missing; retries one event; unused topics and unmappable
//! bodies answered without enqueuing anything; hostile bodies never panic.
//! The emulator test (`tests/flows/platforms.rs`) follows a Shopify order
//! through the real functions.

use jiff::Timestamp;
use lambda_http::{Body, Request};
use memnun_shared::contract::routing::Route;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::Handler;
use crate::platforms::{Platform, mac, shopify, to_base64, to_hex, zendesk};
use crate::testing::Queues;

const SHOPIFY: &[u8] = b"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";
const SHOPIFY_OLD: &[u8] = b"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";
const JUDGEME: &[u8] = b"jm_private_token_5d1c9e7a3b";
const WOO: &[u8] = b"wc_webhook_secret_4b8e1f0a9c";
const ZENDESK: &[u8] = b"zd_signing_secret_dGhpcyBpcyBhIHRlc3Q";
const IKAS: &[u8] = b"ikas_client_secret_6f0d2c9a";
const IDEASOFT: &[u8] = b"ideasoft_client_secret_9a7c";

fn handler() -> Handler<Queues> {
    crate::testing::handler(b"whsec_0123456789abcdef0123456789")
        .with_platform(
            Platform::Shopify,
            vec![SHOPIFY.to_vec(), SHOPIFY_OLD.to_vec()],
        )
        .with_platform(Platform::JudgeMe, vec![JUDGEME.to_vec()])
        .with_platform(Platform::WooCommerce, vec![WOO.to_vec()])
        .with_platform(Platform::Zendesk, vec![ZENDESK.to_vec()])
        .with_platform(Platform::Ikas, vec![IKAS.to_vec()])
        .with_platform(Platform::IdeaSoft, vec![IDEASOFT.to_vec()])
}

fn now() -> Timestamp {
    "2026-12-03T09:00:00Z".parse().unwrap()
}

fn sample(platform: &str, file: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../events")
        .join(platform)
        .join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A Shopify delivery of `topic`, signed with `secret`.
fn shopify_post(topic: &str, event_id: &str, body: &[u8], secret: &[u8]) -> Request {
    lambda_http::http::Request::builder()
        .method("POST")
        .uri("/webhooks/shopify")
        .header("content-type", "application/json")
        .header("X-Shopify-Topic", topic)
        .header("X-Shopify-Hmac-Sha256", to_base64(&mac(secret, &[body])))
        .header("X-Shopify-Shop-Domain", "dukkan.myshopify.com")
        .header("X-Shopify-Event-Id", event_id)
        .header("X-Shopify-Triggered-At", "2026-11-23T08:42:19.123Z")
        .header(
            "X-Shopify-Webhook-Id",
            "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        )
        .header("X-Shopify-API-Version", "2025-10")
        .body(Body::Binary(body.to_vec()))
        .unwrap()
}

fn call(h: &Handler<Queues>, r: Request) -> (u16, Value) {
    crate::testing::call(h, r, now())
}

/// What was enqueued: (queue name, event).
fn enqueued(h: &Handler<Queues>) -> Vec<(String, Value)> {
    let sent = h.publisher.sent.lock().unwrap();
    let urls = h.publisher.urls.lock().unwrap();
    sent.iter()
        .zip(urls.iter())
        .map(|(m, url)| {
            let queue = url.rsplit('/').next().unwrap().to_string();
            (queue, serde_json::from_str(&m.body).unwrap())
        })
        .collect()
}

/// The types of what was enqueued, in order.
fn kinds(events: &[(String, Value)]) -> Vec<&str> {
    events
        .iter()
        .map(|(_, e)| e["type"].as_str().unwrap())
        .collect()
}

#[test]
fn every_shopify_sample_lands_as_its_event_on_its_queue() {
    let cases: &[(&str, &str, &str)] = &[
        ("orders-create.json", "orders/create", "order.placed"),
        (
            "orders-cancelled.json",
            "orders/cancelled",
            "order.cancelled",
        ),
        (
            "fulfillments-create.json",
            "fulfillments/create",
            "order.shipped",
        ),
        (
            "fulfillment_events-create.json",
            "fulfillment_events/create",
            "order.delivered",
        ),
        (
            "fulfillment_events-create.delayed.json",
            "fulfillment_events/create",
            "order.delayed",
        ),
        ("refunds-create.json", "refunds/create", "refund.issued"),
        (
            "returns-request.json",
            "returns/request",
            "return.requested",
        ),
        ("returns-approve.json", "returns/approve", "return.approved"),
        ("returns-decline.json", "returns/decline", "return.rejected"),
        ("returns-process.json", "returns/process", "return.received"),
        (
            "customers-create.json",
            "customers/create",
            "customer.upserted",
        ),
        (
            "customers_email_marketing_consent-update.json",
            "customers_email_marketing_consent/update",
            "customer.upserted",
        ),
    ];
    for (file, topic, kind) in cases {
        let h = handler();
        let (status, answer) = call(
            &h,
            shopify_post(topic, "e-1", &sample("shopify", file), SHOPIFY),
        );
        assert_eq!(status, 202, "{file}: {answer}");
        let events = enqueued(&h);
        assert_eq!(events.len(), 1, "{file}");
        let (queue, event) = &events[0];
        assert_eq!(event["type"], *kind, "{file}");
        assert_eq!(queue, Route::for_type(kind).unwrap().queue_name(), "{file}");
        assert_eq!(event["id"], format!("{topic}:e-1"), "{file}");
        assert_eq!(event["source"], "shopify/dukkan.myshopify.com", "{file}");
        assert_eq!(answer["accepted"], json!([format!("{topic}:e-1")]));
    }
}

/// The one event a Shopify sample maps to.
fn shopify_event(file: &str, topic: &str) -> Value {
    let h = handler();
    let (status, answer) = call(
        &h,
        shopify_post(topic, "e-1", &sample("shopify", file), SHOPIFY),
    );
    assert_eq!(status, 202, "{answer}");
    enqueued(&h).remove(0).1
}

#[test]
fn shopify_fields_map_as_the_table_says() {
    let order = shopify_event("orders-create.json", "orders/create");
    assert_eq!(
        order["time"], "2026-11-23T08:42:17Z",
        "the order's own time"
    );
    assert_eq!(
        order["data"],
        json!({
            "customer_id": "7390324674618",
            "order_id": "5839201374521",
            "number": "#1042",
            "total": "1249.80",
            "currency": "TRY",
            "discount_codes": ["KIS10"],
            "items": [
                {"product_id": "8123456789012", "name": "Seramik Kupa", "quantity": 2},
                {"product_id": "8123456789077", "name": "Keten Masa Örtüsü", "quantity": 1},
            ],
            "customer": {"email": "zeynep.kaya@example.com", "name": "Zeynep Kaya", "locale": "tr-TR"},
        })
    );
    let shipped = shopify_event("fulfillments-create.json", "fulfillments/create");
    assert_eq!(
        shipped["data"],
        json!({
            "order_id": "5839201374521",
            "carrier": "Yurtiçi Kargo",
            "tracking_number": "YK30418822",
            "tracking_url": "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code=YK30418822",
        }),
        "no customer: order-journey finds the order's"
    );
    let delivered = shopify_event(
        "fulfillment_events-create.json",
        "fulfillment_events/create",
    );
    assert_eq!(
        delivered["time"], "2026-11-26T13:20:00Z",
        "when it happened"
    );
    let delayed = shopify_event(
        "fulfillment_events-create.delayed.json",
        "fulfillment_events/create",
    );
    assert_eq!(delayed["data"]["new_date"], "2026-11-28");
    let refund = shopify_event("refunds-create.json", "refunds/create");
    assert_eq!(
        refund["data"],
        json!({"order_id": "5839201374521", "amount": "688.87", "currency": "TRY",
               "method": "shopify payments", "return_id": "21123456789"})
    );
    let request = shopify_event("returns-request.json", "returns/request");
    assert_eq!(
        request["data"],
        json!({"order_id": "5839201374521", "return_id": "21123456789", "kind": "return",
               "reason": "not as described"})
    );
    assert_eq!(
        request["time"], "2026-11-23T08:42:19.123Z",
        "Shopify's trigger time"
    );
    let declined = shopify_event("returns-decline.json", "returns/decline");
    assert!(
        declined["data"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("İade süresi")
    );
    let received = shopify_event("returns-process.json", "returns/process");
    assert_eq!(
        received["data"],
        json!({"return_id": "21123456789"}),
        "the return names its customer in order-journey"
    );
    assert_eq!(received["time"], "2026-11-23T08:42:19.123Z");
    let customer = shopify_event("customers-create.json", "customers/create");
    assert_eq!(
        customer["data"],
        json!({"customer_id": "7390324674618", "email": "zeynep.kaya@example.com",
               "name": "Zeynep Kaya", "birthday": "1994-12-09"})
    );
    let consent = shopify_event(
        "customers_email_marketing_consent-update.json",
        "customers_email_marketing_consent/update",
    );
    assert_eq!(consent["data"]["marketing_consent"], true);
    assert_eq!(consent["data"]["consent_at"], "2026-03-02T06:16:02Z");
    assert_eq!(consent["data"]["consent_source"], "shopify");
    let cancelled = shopify_event("orders-cancelled.json", "orders/cancelled");
    assert_eq!(
        cancelled["data"],
        json!({"order_id": "5839201374521", "customer_id": "7390324674618", "reason": "customer"})
    );
}

#[test]
fn shopify_signatures_valid_rotated_tampered_foreign_or_missing() {
    let body = sample("shopify", "orders-create.json");
    let h = handler();
    assert_eq!(
        call(&h, shopify_post("orders/create", "e-1", &body, SHOPIFY)).0,
        202
    );
    assert_eq!(
        call(&h, shopify_post("orders/create", "e-2", &body, SHOPIFY_OLD)).0,
        202,
        "the secret being rotated out still passes"
    );
    let foreign = call(
        &h,
        shopify_post(
            "orders/create",
            "e-3",
            &body,
            b"shpss_another_shops_secret_0000",
        ),
    );
    assert_eq!(foreign.0, 401, "{}", foreign.1);
    // The body changed after signing.
    let mut tampered = shopify_post("orders/create", "e-4", &body, SHOPIFY);
    let mut changed = body.clone();
    let at = changed.iter().position(|b| *b == b'2').unwrap();
    changed[at] = b'3';
    *tampered.body_mut() = Body::Binary(changed);
    assert_eq!(call(&h, tampered).0, 401);
    // Missing, malformed, or in lower case (HTTP/2): the header's name is
    // matched without regard to case.
    let mut missing = shopify_post("orders/create", "e-5", &body, SHOPIFY);
    missing.headers_mut().remove("x-shopify-hmac-sha256");
    let (status, answer) = call(&h, missing);
    assert_eq!(status, 401);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("X-Shopify-Hmac-Sha256")
    );
    let mut malformed = shopify_post("orders/create", "e-6", &body, SHOPIFY);
    malformed
        .headers_mut()
        .insert("x-shopify-hmac-sha256", "not base64!".parse().unwrap());
    assert_eq!(call(&h, malformed).0, 401);
    assert_eq!(enqueued(&h).len(), 2, "only the two signed ones");
}

#[test]
fn a_shopify_retry_is_the_same_event() {
    let body = sample("shopify", "fulfillments-create.json");
    let h = handler();
    let first = call(
        &h,
        shopify_post("fulfillments/create", "7c6e1a", &body, SHOPIFY),
    );
    let retry = call(
        &h,
        shopify_post("fulfillments/create", "7c6e1a", &body, SHOPIFY),
    );
    assert_eq!(first, retry);
    let events = enqueued(&h);
    assert_eq!(events[0].1, events[1].1, "byte for byte the same event");
    // The same action's delivery of another topic is another event.
    let update = call(
        &h,
        shopify_post("fulfillments/update", "7c6e1a", &body, SHOPIFY),
    );
    assert_ne!(update.1["accepted"], first.1["accepted"]);
}

#[test]
fn unused_topics_and_what_memnun_cannot_write_to_are_ignored_with_200() {
    let h = handler();
    let (status, answer) = call(
        &h,
        shopify_post(
            "products/update",
            "e-1",
            &sample("shopify", "products-update.json"),
            SHOPIFY,
        ),
    );
    assert_eq!(status, 200);
    assert!(
        answer["ignored"]
            .as_str()
            .unwrap()
            .contains("products/update")
    );
    // An order without a customer; a carrier's in-transit scan.
    let guest = json!({"id": 1, "created_at": "2026-11-23T11:42:17+03:00", "customer": null});
    let (status, _) = call(
        &h,
        shopify_post(
            "orders/create",
            "e-2",
            guest.to_string().as_bytes(),
            SHOPIFY,
        ),
    );
    assert_eq!(status, 200);
    let scan = json!({"id": 2, "order_id": 1, "status": "in_transit"});
    let (status, answer) = call(
        &h,
        shopify_post(
            "fulfillment_events/create",
            "e-3",
            scan.to_string().as_bytes(),
            SHOPIFY,
        ),
    );
    assert_eq!(status, 200, "{answer}");
    assert!(enqueued(&h).is_empty());
}

#[test]
fn a_signed_body_that_cannot_be_mapped_is_400_naming_the_field() {
    let h = handler();
    let cases: &[(&str, Value, &str)] = &[
        ("orders/create", json!({"customer": {"id": 5}}), "id"),
        (
            "fulfillments/create",
            json!({"id": 5, "tracking_number": "YK1"}),
            "order_id",
        ),
        (
            "orders/create",
            json!({"id": 1, "customer": {"id": 5, "email": "not an address"}}),
            "data.customer.email",
        ),
        (
            "refunds/create",
            json!({"order_id": 1, "transactions": [
                {"kind": "refund", "status": "success", "amount": "1,5", "currency": "TRY"}]}),
            "transactions[].amount",
        ),
        ("returns/request", json!({"id": 9}), "order"),
        (
            "orders/create",
            json!({"id": 1, "created_at": "yesterday", "customer": {"id": 5}}),
            "created_at",
        ),
    ];
    for (topic, body, field) in cases {
        let (status, answer) = call(
            &h,
            shopify_post(topic, "e-1", body.to_string().as_bytes(), SHOPIFY),
        );
        assert_eq!(status, 400, "{topic} {body}: {answer}");
        assert_eq!(answer["field"], *field, "{topic} {body}");
    }
    let (status, answer) = call(&h, shopify_post("orders/create", "e-1", b"[1,2]", SHOPIFY));
    assert_eq!((status, answer["field"].as_str()), (400, Some("body")));
    assert!(enqueued(&h).is_empty(), "nothing enqueued");
}

#[test]
fn platforms_unknown_or_not_enabled_answer_404_saying_so() {
    let h = crate::testing::handler(b"whsec_0123456789abcdef0123456789");
    let (status, answer) = call(&h, shopify_post("orders/create", "e", b"{}", SHOPIFY));
    assert_eq!(status, 404);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("ShopifySecretParameterName")
    );
    let mut other = shopify_post("orders/create", "e", b"{}", SHOPIFY);
    *other.uri_mut() = "/webhooks/magento".parse().unwrap();
    let (status, answer) = call(&handler(), other);
    assert_eq!(status, 404);
    assert!(answer["error"].as_str().unwrap().contains("shopify"));
}

/// A Judge.me delivery, its MAC spelled by `spell`.
fn judgeme_post(body: &[u8], secret: &[u8], spell: fn(&[u8]) -> String) -> Request {
    lambda_http::http::Request::builder()
        .method("POST")
        .uri("/webhooks/judgeme")
        .header("content-type", "application/json")
        .header("JUDGEME-HMAC-SHA256", spell(&mac(secret, &[body])))
        .body(Body::Binary(body.to_vec()))
        .unwrap()
}

#[test]
fn a_judgeme_review_lands_on_the_reviews_queue_once() {
    let body = sample("judgeme", "review-created.json");
    let h = handler();
    let (status, answer) = call(&h, judgeme_post(&body, JUDGEME, to_hex));
    assert_eq!(status, 202, "{answer}");
    let (status, _) = call(&h, judgeme_post(&body, JUDGEME, to_base64));
    assert_eq!(status, 202, "base64 proves the same MAC");
    let events = enqueued(&h);
    assert_eq!(events[0], events[1], "a retry is the same event");
    let (queue, review) = &events[0];
    assert_eq!(queue, "reviews");
    assert_eq!(review["type"], "review.posted");
    assert_eq!(review["id"], "review:301234567");
    assert_eq!(
        review["data"],
        json!({
            "customer_id": "7390324674618",
            "rating": 2,
            "text": "Örtünün rengi fotoğraftakinden çok farklı, dikişleri de özensiz.",
            "product_id": "8123456789077",
            "product_name": "Keten Masa Örtüsü",
            "customer": {"email": "zeynep.kaya@example.com", "name": "Zeynep Kaya"},
        })
    );
    assert_eq!(
        call(&h, judgeme_post(&body, b"jm_wrong_token_000000000", to_hex)).0,
        401
    );
    let mut missing = judgeme_post(&body, JUDGEME, to_hex);
    missing.headers_mut().remove("judgeme-hmac-sha256");
    assert_eq!(call(&h, missing).0, 401);
    let out_of_range =
        br#"{"review": {"id": 1, "rating": 9, "reviewer": {"id": 2, "email": "a@example.com"}}}"#;
    let (status, answer) = call(&h, judgeme_post(out_of_range, JUDGEME, to_hex));
    assert_eq!(
        (status, answer["field"].as_str()),
        (400, Some("data.rating"))
    );
    assert_eq!(enqueued(&h).len(), 2);
}

/// A WooCommerce delivery of `topic`, signed with `secret`.
fn woo_post(topic: &str, body: &[u8], secret: &[u8]) -> Request {
    lambda_http::http::Request::builder()
        .method("POST")
        .uri("/webhooks/woocommerce")
        .header("content-type", "application/json")
        .header("User-Agent", "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)")
        .header("X-WC-Webhook-Source", "https://dukkan.example/")
        .header("X-WC-Webhook-Topic", topic)
        .header("X-WC-Webhook-Resource", topic.split('.').next().unwrap())
        .header("X-WC-Webhook-Event", topic.split('.').nth(1).unwrap())
        .header("X-WC-Webhook-Signature", to_base64(&mac(secret, &[body])))
        .header("X-WC-Webhook-ID", "14")
        .header(
            "X-WC-Webhook-Delivery-ID",
            "5f1c0a9e8b7d6c5e4f3a2b1c0d9e8f7a",
        )
        .body(Body::Binary(body.to_vec()))
        .unwrap()
}

#[test]
fn woocommerce_orders_map_step_by_step_and_repeats_are_one_event() {
    let h = handler();
    let created = call(
        &h,
        woo_post(
            "order.created",
            &sample("woocommerce", "order.created.json"),
            WOO,
        ),
    );
    assert_eq!(created.0, 202, "{}", created.1);
    let completed = sample("woocommerce", "order.updated.completed.json");
    assert_eq!(call(&h, woo_post("order.updated", &completed, WOO)).0, 202);
    // WooCommerce sends order.updated on every change: the same step again
    // is the same event.
    assert_eq!(call(&h, woo_post("order.updated", &completed, WOO)).0, 202);
    let refunded = sample("woocommerce", "order.updated.refunded.json");
    assert_eq!(call(&h, woo_post("order.updated", &refunded, WOO)).0, 202);
    let (status, answer) = call(
        &h,
        woo_post(
            "order.updated",
            &sample("woocommerce", "order.updated.on-hold.json"),
            WOO,
        ),
    );
    assert_eq!((status, answer["ignored"].is_string()), (200, true));
    let events = enqueued(&h);
    assert_eq!(
        kinds(&events),
        [
            "order.placed",
            "order.shipped",
            "order.shipped",
            "refund.issued"
        ]
    );
    assert!(events.iter().all(|(q, _)| q == "orders"));
    assert_eq!(
        events[1].1, events[2].1,
        "a repeated step is byte for byte one event"
    );
    let placed = &events[0].1;
    assert_eq!(placed["source"], "woocommerce/dukkan.example");
    assert_eq!(
        placed["time"], "2026-11-23T11:05:12Z",
        "the GMT time, as UTC"
    );
    let guest = placed["data"]["customer_id"].as_str().unwrap();
    assert!(guest.starts_with("woo-guest-"), "{guest}");
    assert!(!guest.contains("elif"), "never the address in an id");
    assert_eq!(placed["data"]["discount_codes"], json!(["hosgeldin50"]));
    assert_eq!(placed["data"]["total"], "575.00");
    assert_eq!(
        placed["data"]["customer"],
        json!({"email": "elif.demir@example.com", "name": "Elif Demir"})
    );
    assert_eq!(
        events[1].1["data"],
        json!({"order_id": "7311", "carrier": "Aras Kargo", "tracking_number": "AR7730215588"})
    );
    assert_eq!(
        events[3].1["data"],
        json!({"order_id": "7311", "amount": "575.00", "currency": "TRY", "method": "kredi kartı"})
    );
    assert_eq!(events[3].1["id"], "refund:7402");
}

#[test]
fn woocommerce_customers_the_ping_and_bad_signatures() {
    let h = handler();
    let (status, answer) = call(
        &h,
        woo_post(
            "customer.updated",
            &sample("woocommerce", "customer.updated.json"),
            WOO,
        ),
    );
    assert_eq!(status, 202, "{answer}");
    let (_, customer) = &enqueued(&h)[0];
    assert_eq!(customer["type"], "customer.upserted");
    assert_eq!(
        customer["data"],
        json!({"customer_id": "218", "email": "elif.demir@example.com", "name": "Elif Demir"})
    );
    // The ping WooCommerce makes when the webhook is saved: unsigned, 200.
    let ping = lambda_http::http::Request::builder()
        .method("POST")
        .uri("/webhooks/woocommerce")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::Binary(sample("woocommerce", "ping.txt")))
        .unwrap();
    assert_eq!(call(&h, ping).0, 200);
    // Anything else unsigned is refused, the ping's body with a topic too.
    let mut unsigned = woo_post("order.created", b"webhook_id=14", WOO);
    unsigned.headers_mut().remove("x-wc-webhook-signature");
    assert_eq!(call(&h, unsigned).0, 401);
    let body = sample("woocommerce", "order.created.json");
    assert_eq!(
        call(
            &h,
            woo_post("order.created", &body, b"wc_other_shop_secret_0000")
        )
        .0,
        401
    );
    assert_eq!(
        call(&h, woo_post("product.updated", b"{\"id\": 4410}", WOO)).0,
        200,
        "a topic memnun does not use"
    );
    assert_eq!(enqueued(&h).len(), 1);
}

/// A Zendesk delivery signed at `at` (its timestamp header).
fn zendesk_post(body: &[u8], secret: &[u8], at: &str) -> Request {
    lambda_http::http::Request::builder()
        .method("POST")
        .uri("/webhooks/zendesk")
        .header("content-type", "application/json")
        .header("User-Agent", "Zendesk Webhook")
        .header("X-Zendesk-Webhook-Id", "01GK8E6BKWMJZD2T8Y5AXJQMG5")
        .header("X-Zendesk-Webhook-Signature-Timestamp", at)
        .header(
            "X-Zendesk-Webhook-Signature",
            to_base64(&mac(secret, &[at.as_bytes(), body])),
        )
        .body(Body::Binary(body.to_vec()))
        .unwrap()
}

#[test]
fn zendesk_agent_replies_and_solved_tickets_reach_their_memnun_ticket() {
    let h = handler();
    let at = "2026-12-03T08:58:30Z";
    let reply = sample("zendesk", "ticket.comment_added.json");
    assert_eq!(call(&h, zendesk_post(&reply, ZENDESK, at)).0, 202);
    assert_eq!(
        call(&h, zendesk_post(&reply, ZENDESK, at)).0,
        202,
        "Zendesk's retry"
    );
    let solved = sample("zendesk", "ticket.status_changed.json");
    assert_eq!(call(&h, zendesk_post(&solved, ZENDESK, at)).0, 202);
    let private = sample("zendesk", "ticket.comment_added.private.json");
    assert_eq!(
        call(&h, zendesk_post(&private, ZENDESK, at)).0,
        200,
        "a private note"
    );
    let events = enqueued(&h);
    assert_eq!(events.len(), 3);
    assert_eq!(events[0], events[1], "a retry is the same event");
    let (queue, replied) = &events[0];
    assert_eq!(queue, "tickets");
    assert_eq!(replied["type"], "ticket.replied");
    assert_eq!(
        replied["data"],
        json!({"author": "agent", "ticket_id": "TK-4821-0937"})
    );
    assert_eq!(replied["source"], "zendesk/21825834");
    assert_eq!(replied["time"], "2026-11-28T13:40:22.512893104Z");
    assert_eq!(events[2].1["type"], "ticket.resolved");
    // A ticket memnun did not open: no external id, no number in its subject.
    let mut foreign: Value = serde_json::from_slice(&reply).unwrap();
    foreign["detail"]["external_id"] = Value::Null;
    foreign["detail"]["subject"] = "Kargo sorusu".into();
    let foreign = foreign.to_string();
    assert_eq!(
        call(&h, zendesk_post(foreign.as_bytes(), ZENDESK, at)).0,
        200
    );
    // Only the subject names it: still found.
    let mut subject_only: Value = serde_json::from_slice(&reply).unwrap();
    subject_only["id"] = "01JF7QZZZZZZZZZZZZZZZZZZZZ".into();
    subject_only["detail"]["external_id"] = Value::Null;
    subject_only["detail"]["subject"] = "Re: [tk-4821-0937] Yorumunuz".into();
    let subject_only = subject_only.to_string();
    assert_eq!(
        call(&h, zendesk_post(subject_only.as_bytes(), ZENDESK, at)).0,
        202
    );
    assert_eq!(enqueued(&h)[3].1["data"]["ticket_id"], "TK-4821-0937");
}

#[test]
fn zendesk_signatures_are_bound_to_their_time() {
    let h = handler();
    let body = sample("zendesk", "ticket.status_changed.json");
    // now() is 09:00:00: five minutes either way pass, a second more not.
    assert_eq!(
        call(&h, zendesk_post(&body, ZENDESK, "2026-12-03T08:55:00Z")).0,
        202
    );
    let (status, answer) = call(&h, zendesk_post(&body, ZENDESK, "2026-12-03T08:54:59Z"));
    assert_eq!(status, 401);
    assert!(answer["error"].as_str().unwrap().contains("5 minutes"));
    assert_eq!(
        call(&h, zendesk_post(&body, ZENDESK, "2026-12-03T09:05:01Z")).0,
        401
    );
    // Another time in the header than the one signed.
    let mut moved = zendesk_post(&body, ZENDESK, "2026-12-03T08:58:00Z");
    moved
        .headers_mut()
        .insert(zendesk::TIMESTAMP, "2026-12-03T08:59:00Z".parse().unwrap());
    assert_eq!(call(&h, moved).0, 401);
    let mut missing = zendesk_post(&body, ZENDESK, "2026-12-03T08:58:00Z");
    missing.headers_mut().remove(zendesk::TIMESTAMP);
    assert_eq!(call(&h, missing).0, 401);
    assert_eq!(
        call(
            &h,
            zendesk_post(&body, b"zd_another_account_secret", "2026-12-03T08:58:00Z")
        )
        .0,
        401
    );
    assert_eq!(enqueued(&h).len(), 1);
}

/// An ikas delivery: the sample's envelope, its `signature` made over its
/// `data` string with `secret`, as ikas signs it.
fn ikas_post(file: &str, secret: &[u8]) -> Request {
    let mut envelope: Value = serde_json::from_slice(&sample("ikas", file)).unwrap();
    let data = envelope["data"].as_str().unwrap().to_string();
    envelope["signature"] = to_hex(&mac(secret, &[data.as_bytes()])).into();
    ikas_raw(envelope.to_string().into_bytes())
}

fn ikas_raw(body: Vec<u8>) -> Request {
    lambda_http::http::Request::builder()
        .method("POST")
        .uri("/webhooks/ikas")
        .header("content-type", "application/json")
        .body(Body::Binary(body))
        .unwrap()
}

#[test]
fn ikas_orders_and_customers_map_and_their_signature_covers_the_data() {
    let h = handler();
    for file in [
        "store-order-created.json",
        "store-order-updated.fulfilled.json",
        "store-order-updated.fulfilled.json",
        "store-order-updated.delivered.json",
        "store-customer-updated.json",
    ] {
        let (status, answer) = call(&h, ikas_post(file, IKAS));
        assert_eq!(status, 202, "{file}: {answer}");
    }
    let (status, _) = call(&h, ikas_post("store-product-updated.json", IKAS));
    assert_eq!(status, 200, "a scope memnun does not use");
    let events = enqueued(&h);
    assert_eq!(
        kinds(&events),
        [
            "order.placed",
            "order.shipped",
            "order.shipped",
            "order.delivered",
            "customer.upserted"
        ]
    );
    assert_eq!(
        events[1].1, events[2].1,
        "a step repeated by an update is one event"
    );
    let placed = &events[0].1;
    assert_eq!(
        placed["source"],
        "ikas/5e8f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
    );
    assert_eq!(
        placed["time"], "2026-11-29T10:42:17Z",
        "orderedAt, in milliseconds"
    );
    assert_eq!(
        placed["data"],
        json!({
            "customer_id": "b7e2d4f0-91c3-4a6e-8f25-0d3c5a7e9b21",
            "order_id": "6a1f0c52-3b7d-4e19-9d8a-2c4e6f8a0b13",
            "number": "1058",
            "total": "849.9",
            "currency": "TRY",
            "items": [{"product_id": "f0e1d2c3-b4a5-4968-8776-655443322110",
                       "name": "Yün Battaniye - Antrasit", "quantity": 1}],
            "customer": {"email": "can.ozturk@example.com", "name": "Can Öztürk"},
        })
    );
    assert_eq!(
        events[1].1["data"],
        json!({"order_id": "6a1f0c52-3b7d-4e19-9d8a-2c4e6f8a0b13", "carrier": "MNG Kargo",
               "tracking_number": "MNG5518273390",
               "tracking_url": "https://kargotakip.mngkargo.com.tr/?takipNo=MNG5518273390"})
    );
    // The signature covers the data string: another secret, or data changed
    // after signing, is refused; so is a body without its signature.
    assert_eq!(
        call(
            &h,
            ikas_post("store-order-created.json", b"ikas_other_app_secret_00")
        )
        .0,
        401
    );
    let mut tampered: Value =
        serde_json::from_slice(&sample("ikas", "store-order-created.json")).unwrap();
    let data = tampered["data"].as_str().unwrap().to_string();
    tampered["signature"] = to_hex(&mac(IKAS, &[data.as_bytes()])).into();
    tampered["data"] = data.replace("849.9", "8.49").into();
    assert_eq!(call(&h, ikas_raw(tampered.to_string().into_bytes())).0, 401);
    let mut unsigned: Value =
        serde_json::from_slice(&sample("ikas", "store-order-created.json")).unwrap();
    unsigned.as_object_mut().unwrap().remove("signature");
    let (status, answer) = call(&h, ikas_raw(unsigned.to_string().into_bytes()));
    assert_eq!(status, 401);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("signature field")
    );
    assert_eq!(call(&h, ikas_raw(b"not json".to_vec())).0, 401);
    assert_eq!(enqueued(&h).len(), 5);
}

/// An IdeaSoft delivery to the subscription whose address names `topic`.
fn ideasoft_post(topic: &str, body: &[u8], secret: &[u8]) -> Request {
    lambda_http::http::Request::builder()
        .method("POST")
        .uri(format!(
            "/webhooks/ideasoft?topic={}",
            topic.replace('/', "%2F")
        ))
        .header("content-type", "application/json")
        .header("X-Ideashop-Hmac-Sha256", to_base64(&mac(secret, &[body])))
        .body(Body::Binary(body.to_vec()))
        .unwrap()
}

#[test]
fn ideasoft_orders_and_members_map_from_the_fields_that_changed() {
    let h = handler();
    for (topic, file, status) in [
        ("order/create", "order-create.json", 202),
        ("order/update", "order-update.payment.json", 200),
        ("order/update", "order-update.fulfilled.json", 202),
        ("order/update", "order-update.fulfilled.json", 202),
        ("order/update", "order-update.delivered.json", 202),
        ("member/create", "member-create.json", 202),
        ("member/update", "member-update.consent-only.json", 200),
        ("product/update", "order-create.json", 200),
    ] {
        let (got, answer) = call(
            &h,
            ideasoft_post(topic, &sample("ideasoft", file), IDEASOFT),
        );
        assert_eq!(got, status, "{topic} {file}: {answer}");
    }
    let events = enqueued(&h);
    assert_eq!(
        kinds(&events),
        [
            "order.placed",
            "order.shipped",
            "order.shipped",
            "order.delivered",
            "customer.upserted"
        ]
    );
    assert_eq!(events[1].1, events[2].1, "IdeaSoft's retry is one event");
    let placed = &events[0].1;
    let customer = placed["data"]["customer_id"].as_str().unwrap();
    assert!(customer.starts_with("ideasoft-") && !customer.contains("ayse"));
    assert_eq!(
        events[4].1["data"]["customer_id"], customer,
        "the member and the order's customer are one person, by email"
    );
    assert_eq!(placed["time"], "2026-11-23T11:05:12Z");
    assert_eq!(
        placed["data"]["items"],
        json!([{"product_id": "3301", "name": "Bakır Cezve", "quantity": 2}])
    );
    assert_eq!(placed["data"]["total"], "1499.9");
    assert_eq!(
        events[1].1["data"],
        json!({"order_id": "48213", "carrier": "Yurtiçi Kargo", "tracking_number": "YK88120033"})
    );
    let member = &events[4].1["data"];
    assert_eq!(member["birthday"], "1991-04-23");
    assert_eq!(member["marketing_consent"], true);
    assert_eq!(member["consent_source"], "ideasoft");
    // The topic from a header or the body serves too; none at all is a 400.
    let body = sample("ideasoft", "order-update.delivered.json");
    let mut untitled = ideasoft_post("order/update", &body, IDEASOFT);
    *untitled.uri_mut() = "/webhooks/ideasoft".parse().unwrap();
    let (status, answer) = call(&h, untitled);
    assert_eq!((status, answer["field"].as_str()), (400, Some("topic")));
    let mut by_header = ideasoft_post("order/update", &body, IDEASOFT);
    *by_header.uri_mut() = "/webhooks/ideasoft".parse().unwrap();
    by_header
        .headers_mut()
        .insert("x-ideashop-topic", "order/update".parse().unwrap());
    assert_eq!(call(&h, by_header).0, 202);
    // The signature: another secret, or none.
    assert_eq!(
        call(
            &h,
            ideasoft_post("order/update", &body, b"ideasoft_other_secret_0")
        )
        .0,
        401
    );
    let mut unsigned = ideasoft_post("order/update", &body, IDEASOFT);
    unsigned.headers_mut().remove("x-ideashop-hmac-sha256");
    assert_eq!(call(&h, unsigned).0, 401);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_signed_shopify_body_is_answered_and_never_half_enqueued(
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..400),
            ".{0,400}".prop_map(String::into_bytes),
            (any::<u64>(), ".{0,40}", ".{0,40}").prop_map(|(id, email, code)| json!({
                "id": id, "order_id": id, "customer": {"id": id, "email": email},
                "discount_codes": [{"code": code}], "transactions": [{"kind": "refund",
                "status": "success", "amount": code, "currency": "TRY"}],
            }).to_string().into_bytes()),
        ],
        topic in prop::sample::select(vec![
            "orders/create", "orders/cancelled", "fulfillments/create",
            "fulfillment_events/create", "refunds/create", "returns/request",
            "returns/approve", "returns/decline", "returns/process", "customers/update",
            "customers_email_marketing_consent/update", "app/uninstalled",
        ]),
    ) {
        let h = handler();
        let (status, answer) = call(&h, shopify_post(topic, "e-1", &body, SHOPIFY));
        prop_assert!(matches!(status, 200 | 202 | 400), "{status} {answer}");
        let accepted = answer["accepted"].as_array().map_or(0, Vec::len);
        prop_assert_eq!(enqueued(&h).len(), accepted);
        if status == 400 {
            prop_assert!(answer["field"].is_string());
        }
    }

    #[test]
    fn any_signed_body_to_the_other_platforms_is_answered_and_never_half_enqueued(
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            (any::<u64>(), ".{0,30}", 0u64..8, ".{0,20}").prop_map(|(id, text, rating, status)| json!({
                "id": id, "status": status, "customer_id": id, "total": text,
                "billing": {"email": text}, "refunds": [{"id": id, "total": text}],
                "review": {"id": id, "rating": rating, "reviewer": {"id": id, "email": text}},
                "type": "zen:event-type:ticket.status_changed", "event": {"current": status},
                "detail": {"external_id": text, "subject": text},
            }).to_string().into_bytes()),
        ],
        which in 0usize..8,
    ) {
        let h = handler();
        // ikas signs its `data` string: the body goes in as that string.
        let ikas = |scope: &str| {
            let data = String::from_utf8_lossy(&body).into_owned();
            let signature = to_hex(&mac(IKAS, &[data.as_bytes()]));
            ikas_raw(json!({"id": "wh-1", "scope": scope, "merchantId": "m-1",
                            "data": data, "signature": signature}).to_string().into_bytes())
        };
        let request = match which {
            0 => woo_post("order.created", &body, WOO),
            1 => woo_post("order.updated", &body, WOO),
            2 => judgeme_post(&body, JUDGEME, to_hex),
            3 => ikas("store/order/created"),
            4 => ikas("store/order/updated"),
            5 => ideasoft_post("order/create", &body, IDEASOFT),
            6 => ideasoft_post("member/update", &body, IDEASOFT),
            _ => zendesk_post(&body, ZENDESK, "2026-12-03T09:00:00Z"),
        };
        let (status, answer) = call(&h, request);
        prop_assert!(matches!(status, 200 | 202 | 400), "{status} {answer}");
        let accepted = answer["accepted"].as_array().map_or(0, Vec::len);
        prop_assert_eq!(enqueued(&h).len(), accepted);
    }

    #[test]
    fn no_shopify_header_passes_unless_it_signs_the_body(
        header in ".{0,100}",
        body in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let Ok(value) = lambda_http::http::HeaderValue::from_str(&header) else {
            return Ok(());
        };
        let h = handler();
        let mut request = shopify_post("orders/create", "e-1", &body, SHOPIFY);
        request.headers_mut().insert(shopify::SIGNATURE, value);
        let (status, _) = call(&h, request);
        prop_assert_eq!(status, 401);
        prop_assert!(enqueued(&h).is_empty());
    }
}

/// One platform's valid delivery, signed with a given secret, and how to
/// spoil it.
struct Signed {
    platform: Platform,
    /// The platform's secret in [`handler`].
    secret: &'static [u8],
    deliver: fn(&[u8]) -> Request,
    /// Where the delivery's events go.
    queue: &'static str,
    /// A change of the signed bytes (`from` → `to`).
    tamper: (&'static str, &'static str),
    /// Takes the signature away.
    unsign: fn(&mut Request),
}

fn remove_header(name: &'static str) -> impl Fn(&mut Request) {
    move |r: &mut Request| {
        r.headers_mut().remove(name);
    }
}

fn every_platform() -> Vec<Signed> {
    vec![
        Signed {
            platform: Platform::Shopify,
            secret: SHOPIFY,
            deliver: |s| {
                shopify_post(
                    "orders/create",
                    "e-1",
                    &sample("shopify", "orders-create.json"),
                    s,
                )
            },
            queue: "orders",
            tamper: ("1249.80", "1.80"),
            unsign: |r| remove_header("x-shopify-hmac-sha256")(r),
        },
        Signed {
            platform: Platform::WooCommerce,
            secret: WOO,
            deliver: |s| {
                woo_post(
                    "order.created",
                    &sample("woocommerce", "order.created.json"),
                    s,
                )
            },
            queue: "orders",
            tamper: ("575.00", "5.00"),
            unsign: |r| remove_header("x-wc-webhook-signature")(r),
        },
        Signed {
            platform: Platform::Ikas,
            secret: IKAS,
            deliver: |s| ikas_post("store-order-created.json", s),
            queue: "orders",
            tamper: ("849.9", "8.49"),
            unsign: |r| {
                let mut v: Value = serde_json::from_slice(r.body().as_ref()).unwrap();
                v.as_object_mut().unwrap().remove("signature");
                *r.body_mut() = Body::Binary(v.to_string().into_bytes());
            },
        },
        Signed {
            platform: Platform::IdeaSoft,
            secret: IDEASOFT,
            deliver: |s| ideasoft_post("order/create", &sample("ideasoft", "order-create.json"), s),
            queue: "orders",
            tamper: ("1499.9", "1.9"),
            unsign: |r| remove_header("x-ideashop-hmac-sha256")(r),
        },
        Signed {
            platform: Platform::Zendesk,
            secret: ZENDESK,
            deliver: |s| {
                zendesk_post(
                    &sample("zendesk", "ticket.status_changed.json"),
                    s,
                    "2026-12-03T08:59:00Z",
                )
            },
            queue: "tickets",
            tamper: ("TK-4821-0937", "TK-4821-0938"),
            unsign: |r| remove_header("x-zendesk-webhook-signature")(r),
        },
        Signed {
            platform: Platform::JudgeMe,
            secret: JUDGEME,
            deliver: |s| judgeme_post(&sample("judgeme", "review-created.json"), s, to_hex),
            queue: "reviews",
            tamper: ("\"rating\": 2", "\"rating\": 5"),
            unsign: |r| remove_header("judgeme-hmac-sha256")(r),
        },
    ]
}

#[test]
fn every_platform_valid_rotated_tampered_foreign_and_missing_signatures() {
    const NEXT: &[u8] = b"the_next_secret_being_rotated_in";
    let cases = every_platform();
    assert_eq!(cases.len(), Platform::ALL.len(), "every platform is here");
    for case in cases {
        let name = case.platform.slug();
        // Valid: its event on its queue.
        let h = handler();
        let (status, answer) = call(&h, (case.deliver)(case.secret));
        assert_eq!(status, 202, "{name}: {answer}");
        assert_eq!(enqueued(&h)[0].0, case.queue, "{name}");
        // Rotating: the next secret configured first, the current one still
        // signing, then the next one signing.
        let rotating =
            handler().with_platform(case.platform, vec![NEXT.to_vec(), case.secret.to_vec()]);
        assert_eq!(
            call(&rotating, (case.deliver)(case.secret)).0,
            202,
            "{name}: old secret"
        );
        assert_eq!(
            call(&rotating, (case.deliver)(NEXT)).0,
            202,
            "{name}: new secret"
        );
        // Refused, and nothing enqueued: another shop's secret, bytes
        // changed after signing, no signature.
        let h = handler();
        assert_eq!(
            call(&h, (case.deliver)(b"another_shops_secret_0123456")).0,
            401,
            "{name}"
        );
        let mut tampered = (case.deliver)(case.secret);
        let body = String::from_utf8(tampered.body().as_ref().to_vec()).unwrap();
        assert!(
            body.contains(case.tamper.0),
            "{name}: the tamper must change the body"
        );
        *tampered.body_mut() =
            Body::Binary(body.replacen(case.tamper.0, case.tamper.1, 1).into_bytes());
        assert_eq!(call(&h, tampered).0, 401, "{name}: tampered");
        let mut unsigned = (case.deliver)(case.secret);
        (case.unsign)(&mut unsigned);
        let (status, answer) = call(&h, unsigned);
        assert_eq!(status, 401, "{name}: unsigned {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains("missing"),
            "{name}: {answer}"
        );
        assert!(enqueued(&h).is_empty(), "{name}");
    }
}
