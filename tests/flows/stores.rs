//! Coupons in the shop's store: review-responder against the emulator and
//! the contract stand-ins of Shopify's and WooCommerce's APIs
//! (`tests/src/stores.rs`), and the real binary wired from the template.
//!
//! What is proved: no email carries a code the store does not have; a
//! store that fails delays the email until it answers, and one that never
//! does leaves the message in the dead-letter queue and the customer
//! without a dead code; a duplicate registers nothing twice; a code the
//! shop has for something else is replaced before anything names it.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use memnun_shared::adapters::http::HttpClient;
use memnun_shared::adapters::store::{StoreRegistry, StoreSecrets};
use memnun_shared::adapters::{dynamodb::DynamoStore, ses::SesMailer, sqs::SqsPublisher};
use memnun_shared::config::Env;
use memnun_tests::deliver::{self, Delivery};
use memnun_tests::events::review;
use memnun_tests::stack::{Stack, attr};
use memnun_tests::stores::{Call, Fault, SHOPIFY_TOKEN, StoreStandIn, WOOCOMMERCE_KEYS};
use review_responder::{Config, Handler};

#[path = "support/functions.rs"]
mod functions;
use serde_json::Value;

type Responder = Handler<DynamoStore, SesMailer, SqsPublisher, StoreRegistry>;

const TOKEN_PARAMETER: &str = "/memnun/shopify-token";
const KEYS_PARAMETER: &str = "/memnun/woocommerce-keys";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Store {
    Shopify,
    WooCommerce,
}

async fn stack_for(store: Store, stand_in: &StoreStandIn) -> Stack {
    let url = stand_in.url();
    let parameters: Vec<(&str, &str)> = match store {
        Store::Shopify => vec![
            ("ShopifyStoreUrl", url.as_str()),
            ("ShopifyTokenParameterName", TOKEN_PARAMETER),
        ],
        Store::WooCommerce => vec![
            ("WooCommerceStoreUrl", url.as_str()),
            ("WooCommerceKeysParameterName", KEYS_PARAMETER),
        ],
    };
    Stack::start_with(&parameters, true).await
}

/// review-responder as the template configures it, its store reached
/// through `http`.
fn responder(stack: &Stack, http: HttpClient) -> Responder {
    let plain = functions::responder(stack);
    let config = Config::from_env(&Env::from_pairs(stack.env())).expect("config");
    let secrets = StoreSecrets {
        shopify_token: config.stores.shopify.as_ref().map(|_| SHOPIFY_TOKEN.into()),
        woocommerce_keys: config
            .stores
            .woocommerce
            .as_ref()
            .map(|_| WOOCOMMERCE_KEYS.into()),
    };
    let registry = StoreRegistry::with_client(&config.stores, secrets, http).expect("registry");
    plain.with_registry(registry)
}

fn deadline() -> Timestamp {
    Timestamp::now() + SignedDuration::from_secs(30)
}

async fn deliver_all(stack: &Stack, h: &Responder) -> Vec<Delivery> {
    let q = stack.queue("reviews");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e, deadline())).await
}

fn low_review(id: &str, customer: &str) -> String {
    review(
        id,
        "2026-11-22T10:15:00Z",
        customer,
        1,
        "ayse@example.com",
        "tr",
    )
}

/// The codes memnun holds in DynamoDB.
async fn codes(stack: &Stack) -> Vec<String> {
    stack
        .items_with_prefix("COUPON#")
        .await
        .iter()
        .map(|i| attr(i, "code").to_string())
        .collect()
}

fn apologies(stack: &Stack) -> Vec<String> {
    stack
        .emulator
        .sent_emails()
        .into_iter()
        .filter(|e| e.to.iter().any(|t| t == "ayse@example.com"))
        .map(|e| e.body)
        .collect()
}

fn creates(stand_in: &StoreStandIn) -> Vec<Call> {
    stand_in
        .calls()
        .into_iter()
        .filter(|c| c.operation == "create")
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_low_review_registers_one_shopify_code_and_the_email_carries_exactly_it() {
    let stand_in = StoreStandIn::start();
    let stack = stack_for(Store::Shopify, &stand_in).await;
    let h = responder(&stack, HttpClient::default());
    // Shopify's customer ids are numbers: the code is limited to them.
    stack.send("reviews", &low_review("r-1", "207119551")).await;
    stack.send("reviews", &low_review("r-1", "207119551")).await;
    // Both in one batch: the second waits for the first's lease, and its
    // redelivery finds the work done.
    deliver_all(&stack, &h).await;

    let discounts = stand_in.shopify_discounts();
    assert_eq!(discounts.len(), 1, "one registration for two deliveries");
    let (code, input) = discounts.into_iter().next().unwrap();
    assert_eq!(codes(&stack).await, std::slice::from_ref(&code));
    assert_eq!(input["title"], format!("memnun negative_review {code}"));
    assert_eq!(input["customerGets"]["value"]["percentage"], 0.2);
    assert_eq!(input["usageLimit"], 1);
    assert_eq!(input["appliesOncePerCustomer"], true);
    assert_eq!(input["startsAt"], "2026-11-22T10:15:00Z");
    assert_eq!(
        input["context"]["customers"]["add"][0],
        "gid://shopify/Customer/207119551"
    );
    let coupon = stack.items_with_prefix("COUPON#").await.remove(0);
    assert_eq!(input["endsAt"], attr(&coupon, "expires_at"));

    let sent = apologies(&stack);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains(&code),
        "the email names the registered code"
    );
    let published = stack.drain(&stack.queue("outbound").url).await;
    let issued: Vec<&Value> = published
        .iter()
        .filter(|m| m["type"] == "coupon.issued")
        .collect();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0]["data"]["code"], code.as_str());
    assert_eq!(
        creates(&stand_in).len(),
        1,
        "the duplicate asked the store nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn shopify_answering_503_twice_holds_the_email_until_the_third_attempt() {
    let stand_in = StoreStandIn::start();
    let stack = stack_for(Store::Shopify, &stand_in).await;
    let h = responder(&stack, HttpClient::default());
    stand_in.fail([Fault::Status(503), Fault::Status(503)]);
    stack.send("reviews", &low_review("r-1", "207119551")).await;
    let deliveries = deliver_all(&stack, &h).await;
    assert!(deliveries.iter().all(|d| d.failed.is_empty()));
    let statuses: Vec<u16> = creates(&stand_in).iter().map(|c| c.status).collect();
    assert_eq!(statuses, [503, 503, 200]);
    let discounts = stand_in.shopify_discounts();
    assert_eq!(discounts.len(), 1);
    let sent = apologies(&stack);
    assert_eq!(sent.len(), 1);
    assert!(discounts.keys().all(|code| sent[0].contains(code.as_str())));
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_and_retry_after_are_waited_for() {
    let stand_in = StoreStandIn::start();
    let stack = stack_for(Store::Shopify, &stand_in).await;
    let h = responder(&stack, HttpClient::default());
    stand_in.fail([Fault::Throttled, Fault::TooMany(1)]);
    stack.send("reviews", &low_review("r-1", "207119551")).await;
    let started = std::time::Instant::now();
    let deliveries = deliver_all(&stack, &h).await;
    assert!(deliveries.iter().all(|d| d.failed.is_empty()));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    let statuses: Vec<u16> = creates(&stand_in).iter().map(|c| c.status).collect();
    assert_eq!(statuses, [200, 429, 200], "throttled, too many, created");
    assert_eq!(stand_in.shopify_discounts().len(), 1);
    assert_eq!(apologies(&stack).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn shopify_down_for_good_sends_nothing_and_the_message_dead_letters() {
    let stand_in = StoreStandIn::start();
    let stack = stack_for(Store::Shopify, &stand_in).await;
    let h = responder(&stack, HttpClient::default());
    stand_in.fail(std::iter::repeat_n(Fault::Status(503), 100));
    stack.send("reviews", &low_review("r-1", "207119551")).await;
    let deliveries = deliver_all(&stack, &h).await;
    assert_eq!(deliveries.len(), 5, "the queue's five receives");
    assert!(deliveries.iter().all(|d| d.failed.len() == 1));
    assert!(apologies(&stack).is_empty(), "no email with a dead code");
    let published = stack.drain(&stack.queue("outbound").url).await;
    assert!(published.is_empty(), "nor a coupon.issued: {published:?}");
    let dead = stack.drain_raw(&stack.queue("reviews").dlq_url).await;
    assert_eq!(dead.len(), 1);
    assert!(dead[0].contains("\"id\":\"r-1\""));
    // Its coupon waits in DynamoDB, unsent: a redrive sends that one.
    assert_eq!(codes(&stack).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_credentials_and_a_refused_discount_fail_without_an_email() {
    let stand_in = StoreStandIn::start();
    let stack = stack_for(Store::Shopify, &stand_in).await;
    let h = responder(&stack, HttpClient::default());
    stand_in.fail([Fault::Status(401), Fault::Status(422)]);
    stack.send("reviews", &low_review("r-1", "207119551")).await;
    let q = stack.queue("reviews");
    let first = deliver::once(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e, deadline())).await;
    let second = deliver::once(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e, deadline())).await;
    assert_eq!((first.failed.len(), second.failed.len()), (1, 1));
    // Each permanent: one request per delivery, never retried in place.
    let statuses: Vec<u16> = creates(&stand_in).iter().map(|c| c.status).collect();
    assert_eq!(statuses, [401, 422]);
    assert!(apologies(&stack).is_empty());
    // The store back, the next receive apologises with the registered code.
    deliver_all(&stack, &h).await;
    let sent = apologies(&stack);
    assert_eq!(sent.len(), 1);
    let discounts = stand_in.shopify_discounts();
    assert!(discounts.keys().all(|code| sent[0].contains(code.as_str())));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_the_shop_has_for_something_else_is_replaced_before_the_email() {
    let stand_in = StoreStandIn::start();
    let stack = stack_for(Store::Shopify, &stand_in).await;
    let h = responder(&stack, HttpClient::default());
    stand_in.fail([Fault::ShopHasTheCode]);
    stack.send("reviews", &low_review("r-1", "207119551")).await;
    deliver_all(&stack, &h).await;
    let ours: Vec<String> = stand_in
        .shopify_discounts()
        .into_iter()
        .filter(|(_, input)| {
            input["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("memnun "))
        })
        .map(|(code, _)| code)
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(
        codes(&stack).await,
        ours,
        "memnun's coupon has the new code"
    );
    let sent = apologies(&stack);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains(&ours[0]));
    let lookups = stand_in
        .calls()
        .iter()
        .filter(|c| c.operation == "lookup")
        .count();
    assert_eq!(lookups, 1, "the taken code was looked up once");
}

#[tokio::test(flavor = "multi_thread")]
async fn woocommerce_gets_the_coupon_limited_to_the_customers_address_once() {
    let stand_in = StoreStandIn::start();
    let stack = stack_for(Store::WooCommerce, &stand_in).await;
    let h = responder(&stack, HttpClient::default());
    stand_in.fail([Fault::Status(503), Fault::TooMany(1)]);
    stack.send("reviews", &low_review("r-1", "c-1")).await;
    stack.send("reviews", &low_review("r-1", "c-1")).await;
    deliver_all(&stack, &h).await;
    let coupons = stand_in.woocommerce_coupons();
    assert_eq!(coupons.len(), 1);
    let coupon = coupons.values().next().unwrap();
    let code = codes(&stack).await.remove(0);
    assert_eq!(coupon["code"], code.to_ascii_lowercase());
    assert_eq!(coupon["discount_type"], "percent");
    assert_eq!(coupon["amount"], "20");
    assert_eq!(coupon["usage_limit"], 1);
    assert_eq!(coupon["individual_use"], true);
    assert_eq!(coupon["email_restrictions"][0], "ayse@example.com");
    assert_eq!(
        coupon["description"],
        format!("memnun negative_review {code}")
    );
    let statuses: Vec<u16> = creates(&stand_in).iter().map(|c| c.status).collect();
    assert_eq!(statuses, [503, 429, 201]);
    let sent = apologies(&stack);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains(&code));
}

#[tokio::test(flavor = "multi_thread")]
async fn woocommerce_down_for_good_dead_letters_and_a_retry_after_a_crash_registers_nothing_twice()
{
    let stand_in = StoreStandIn::start();
    let stack = stack_for(Store::WooCommerce, &stand_in).await;
    let h = responder(&stack, HttpClient::default());
    stand_in.fail(std::iter::repeat_n(Fault::Status(500), 15));
    stack.send("reviews", &low_review("r-1", "c-1")).await;
    let deliveries = deliver_all(&stack, &h).await;
    assert_eq!(deliveries.len(), 5);
    assert!(apologies(&stack).is_empty());
    assert_eq!(
        stack.drain_raw(&stack.queue("reviews").dlq_url).await.len(),
        1
    );

    // A registration whose answer was lost: the code is in the store, the
    // attempt failed. The retry finds its own code there and sends it.
    stack.send("reviews", &low_review("r-2", "c-2")).await;
    stand_in.fail([Fault::Hang(Duration::from_millis(400))]);
    let quick = responder(&stack, HttpClient::with_timeout(Duration::from_millis(200)));
    let q = stack.queue("reviews");
    let first = deliver::once(&stack.sqs, &q.url, &q.arn, 10, |e| {
        quick.handle(e, deadline())
    })
    .await;
    assert!(
        first.failed.is_empty(),
        "the attempt after the hang found its code"
    );
    let calls: Vec<(&str, u16)> = stand_in
        .calls()
        .iter()
        .skip(15)
        .map(|c| (c.operation, c.status))
        .collect();
    assert_eq!(calls, [("create", 201), ("create", 400), ("lookup", 200)]);
    assert_eq!(stand_in.woocommerce_coupons().len(), 1);
    let sent = apologies(&stack);
    assert_eq!(sent.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hang_past_the_timeout_is_a_passing_failure() {
    use memnun_shared::ports::{CouponRegistry, Holder};
    let stand_in = StoreStandIn::start();
    let config = memnun_shared::config::StoreConfig {
        shopify: Some(memnun_shared::config::StoreSite {
            url: stand_in.url(),
            secret_parameter: TOKEN_PARAMETER.into(),
        }),
        woocommerce: None,
    };
    let registry = StoreRegistry::with_client(
        &config,
        StoreSecrets {
            shopify_token: Some(SHOPIFY_TOKEN.into()),
            woocommerce_keys: None,
        },
        HttpClient::with_timeout(Duration::from_millis(200)),
    )
    .unwrap();
    stand_in.fail(std::iter::repeat_n(
        Fault::Hang(Duration::from_millis(500)),
        3,
    ));
    let coupon = memnun_shared::domain::coupon::Coupon {
        code: memnun_shared::domain::coupon::CouponCode::parse("RVW-ABCDE-23456").unwrap(),
        customer_id: memnun_shared::domain::customer::CustomerId::parse("42").unwrap(),
        reason: memnun_shared::domain::coupon::CouponReason::NegativeReview,
        value: memnun_shared::domain::coupon::CouponValue::Percent(15),
        issued_at: "2026-11-22T10:15:00Z".parse().unwrap(),
        expires_at: "2026-12-22T20:59:59Z".parse().unwrap(),
        source_event: "shop/test#r-1".into(),
    };
    let e = registry
        .register(&coupon, Holder::default())
        .await
        .unwrap_err();
    assert!(!e.is_permanent(), "{e}");
    let text = e.to_string();
    assert!(text.contains("no answer within 200 ms"), "{text}");
    assert!(
        !text.contains(SHOPIFY_TOKEN) && !text.contains("RVW-"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_reads_its_token_from_ssm_and_registers_before_it_writes() {
    use memnun_tests::runtime_api::Answer;
    let stand_in = StoreStandIn::start();
    let stack = stack_for(Store::Shopify, &stand_in).await;
    let (function, log) = stack.start_binary("review-responder");
    let q = stack.queue("reviews");
    stack.send("reviews", &low_review("r-1", "207119551")).await;
    let batch = deliver::receive(&stack.sqs, &q.url, &q.arn, 10).await;
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
    let discounts = stand_in.shopify_discounts();
    assert_eq!(discounts.len(), 1);
    let sent = apologies(&stack);
    assert_eq!(sent.len(), 1);
    assert!(discounts.keys().all(|code| sent[0].contains(code.as_str())));
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        logged.contains("coupon registered in the store"),
        "{logged}"
    );
    assert!(!logged.contains(SHOPIFY_TOKEN), "the token is never logged");
}
