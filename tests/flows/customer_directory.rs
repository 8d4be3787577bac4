//! customer-directory against the emulator: `customer.upserted` keeps a
//! customer current on the real table, consent holds against a replayed old
//! grant after an unsubscribe, and a bad event ends in the dead-letter queue.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use customer_directory::{Config, Handler};
use jiff::{SignedDuration, Timestamp};
use memnun_shared::adapters::directory::{BY_BIRTHDAY_INDEX, birthday_partition};
use memnun_shared::adapters::due::shard_of;
use memnun_shared::adapters::dynamodb::DynamoStore;
use memnun_shared::config::Env;
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::ports::{ConsentChannel, ConsentStore, Withdrawal};
use memnun_tests::deliver::{self, Delivery};
use memnun_tests::events::event;
use memnun_tests::stack::{Stack, attr};
use serde_json::{Value, json};

type Directory = Handler<DynamoStore>;

fn store(stack: &Stack) -> DynamoStore {
    DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&stack.aws),
        &stack.table,
        &stack.idempotency_table,
    )
}

fn handler(stack: &Stack) -> Directory {
    let config = Config::from_env(&Env::from_pairs(stack.function_env("customer-directory")))
        .expect("config");
    Handler::new(config, store(stack))
}

async fn deliver_all(stack: &Stack, h: &Directory) -> Vec<Delivery> {
    let q = stack.queue("customers");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| {
        h.handle(e, Timestamp::now() + SignedDuration::from_secs(30))
    })
    .await
}

/// A `customer.upserted` for `customer` at `time`, with `extra` over the
/// required fields.
fn upsert(id: &str, time: &str, customer: &str, extra: Value) -> String {
    let mut data = json!({"customer_id": customer, "email": format!("{customer}@example.com")});
    if let (Some(data), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
        data.extend(extra.clone());
    }
    event(id, "customer.upserted", time, data)
}

async fn profile(stack: &Stack, customer: &str) -> HashMap<String, AttributeValue> {
    stack
        .customer_items(customer)
        .await
        .into_iter()
        .find(|i| attr(i, "sk") == "PROFILE")
        .unwrap_or_else(|| panic!("{customer} has no profile"))
}

fn consent(item: &HashMap<String, AttributeValue>) -> Option<bool> {
    item.get("marketing_consent")
        .and_then(|v| v.as_bool().ok())
        .copied()
}

async fn send_and_deliver(stack: &Stack, h: &Directory, bodies: &[String]) {
    for body in bodies {
        stack.send("customers", body).await;
    }
    let deliveries = deliver_all(stack, h).await;
    assert!(
        deliveries.iter().all(|d| d.failed.is_empty()),
        "{deliveries:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_customer_is_stored_and_indexed_and_later_details_win() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    send_and_deliver(
        &stack,
        &h,
        &[upsert(
            "u-1",
            "2026-11-01T09:00:00Z",
            "c-1",
            json!({"name": "Ayşe Yılmaz", "locale": "tr", "time_zone": "Europe/Istanbul",
                   "birthday": "1990-03-14", "marketing_consent": true,
                   "consent_at": "2025-03-14T12:30:00Z", "consent_source": "checkout"}),
        )],
    )
    .await;

    let item = profile(&stack, "c-1").await;
    assert_eq!(attr(&item, "email"), "c-1@example.com");
    assert_eq!(attr(&item, "name"), "Ayşe Yılmaz");
    assert_eq!(attr(&item, "time_zone"), "Europe/Istanbul");
    assert_eq!(attr(&item, "birthday"), "1990-03-14");
    assert_eq!(consent(&item), Some(true));
    assert_eq!(attr(&item, "consent_at"), "2025-03-14T12:30:00Z");
    assert_eq!(attr(&item, "consent_source"), "checkout");
    let partition = birthday_partition(3, 14, shard_of("c-1"));
    assert_eq!(attr(&item, "gsi3pk"), partition);
    assert_eq!(attr(&item, "gsi3sk"), "c-1");

    // The scheduler's query: one month-day, one shard, no scan.
    let hits = stack
        .dynamodb
        .query()
        .table_name(&stack.table)
        .index_name(BY_BIRTHDAY_INDEX)
        .key_condition_expression("gsi3pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(partition))
        .send()
        .await
        .expect("query the birthday index")
        .items
        .unwrap_or_default();
    assert_eq!(hits.len(), 1);
    assert_eq!(attr(&hits[0], "gsi3sk"), "c-1");
    assert_eq!(attr(&hits[0], "time_zone"), "Europe/Istanbul");
    assert_eq!(consent(&hits[0]), Some(true));

    // A later upsert renames; an older one, arriving after it, changes
    // neither the name nor the birthday.
    send_and_deliver(
        &stack,
        &h,
        &[upsert(
            "u-2",
            "2026-11-10T09:00:00Z",
            "c-1",
            json!({"name": "Ayşe Demir", "birthday": "--03-15"}),
        )],
    )
    .await;
    send_and_deliver(
        &stack,
        &h,
        &[upsert(
            "u-0",
            "2026-10-01T09:00:00Z",
            "c-1",
            json!({"name": "A. Yılmaz", "birthday": "1990-03-14"}),
        )],
    )
    .await;
    let item = profile(&stack, "c-1").await;
    assert_eq!(attr(&item, "name"), "Ayşe Demir");
    assert_eq!(attr(&item, "birthday"), "--03-15");
    assert_eq!(
        attr(&item, "gsi3pk"),
        birthday_partition(3, 15, shard_of("c-1"))
    );
    // Consent was not stated by either: it stays as given.
    assert_eq!(consent(&item), Some(true));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unsubscribe_holds_against_a_replayed_consent_and_yields_to_a_newer_one() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let granted = upsert(
        "sync-1",
        "2026-11-01T00:00:00Z",
        "c-2",
        json!({"marketing_consent": true, "consent_at": "2025-03-14T12:30:00Z",
               "consent_source": "checkout"}),
    );
    send_and_deliver(&stack, &h, std::slice::from_ref(&granted)).await;
    assert_eq!(consent(&profile(&stack, "c-2").await), Some(true));

    // The customer unsubscribes through the link in an email, as `links` does.
    let id = CustomerId::parse("c-2").expect("id");
    let unsubscribed_at: Timestamp = "2026-11-05T08:00:00Z".parse().expect("time");
    let withdrawal = store(&stack)
        .withdraw_marketing_consent(&id, unsubscribed_at, ConsentChannel::UnsubscribeLink)
        .await
        .expect("withdraw");
    assert_eq!(withdrawal, Withdrawal::Withdrawn);

    // The nightly sync replays the old consent (a new event, a later time).
    send_and_deliver(
        &stack,
        &h,
        &[upsert(
            "sync-2",
            "2026-11-06T00:00:00Z",
            "c-2",
            json!({"marketing_consent": true, "consent_at": "2025-03-14T12:30:00Z",
                   "consent_source": "checkout"}),
        )],
    )
    .await;
    let item = profile(&stack, "c-2").await;
    assert_eq!(consent(&item), Some(false));
    assert_eq!(attr(&item, "consent_withdrawn_at"), "2026-11-05T08:00:00Z");
    assert_eq!(attr(&item, "consent_source"), "unsubscribe-link");

    // A consent without a date cannot prove it is newer either.
    send_and_deliver(
        &stack,
        &h,
        &[upsert(
            "sync-3",
            "2026-11-07T00:00:00Z",
            "c-2",
            json!({"marketing_consent": true}),
        )],
    )
    .await;
    assert_eq!(consent(&profile(&stack, "c-2").await), Some(false));

    // The customer opts in again at checkout, after the unsubscribe.
    send_and_deliver(
        &stack,
        &h,
        &[upsert(
            "checkout-9",
            "2026-11-20T10:00:00Z",
            "c-2",
            json!({"marketing_consent": true, "consent_at": "2026-11-20T10:00:00Z",
                   "consent_source": "checkout"}),
        )],
    )
    .await;
    let item = profile(&stack, "c-2").await;
    assert_eq!(consent(&item), Some(true));
    assert_eq!(attr(&item, "consent_at"), "2026-11-20T10:00:00Z");
    assert_eq!(attr(&item, "consent_source"), "checkout");
    assert_eq!(attr(&item, "consent_withdrawn_at"), "2026-11-05T08:00:00Z");

    // A withdrawal by upsert applies at once.
    send_and_deliver(
        &stack,
        &h,
        &[upsert(
            "sync-4",
            "2026-11-21T00:00:00Z",
            "c-2",
            json!({"marketing_consent": false, "consent_source": "account-settings"}),
        )],
    )
    .await;
    let item = profile(&stack, "c-2").await;
    assert_eq!(consent(&item), Some(false));
    assert_eq!(attr(&item, "consent_withdrawn_at"), "2026-11-21T00:00:00Z");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_changes_nothing() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let body = upsert(
        "u-dup",
        "2026-11-01T09:00:00Z",
        "c-3",
        json!({"name": "Can", "birthday": "--07-01", "marketing_consent": true,
               "consent_at": "2026-01-01T00:00:00Z"}),
    );
    send_and_deliver(&stack, &h, std::slice::from_ref(&body)).await;
    let first = profile(&stack, "c-3").await;

    // Someone changes the item by hand; the redelivered event must not touch it.
    stack
        .dynamodb
        .update_item()
        .table_name(&stack.table)
        .key("pk", AttributeValue::S("CUSTOMER#c-3".into()))
        .key("sk", AttributeValue::S("PROFILE".into()))
        .update_expression("SET #n = :n")
        .expression_attribute_names("#n", "name")
        .expression_attribute_values(":n", AttributeValue::S("by hand".into()))
        .send()
        .await
        .expect("update by hand");
    send_and_deliver(&stack, &h, &[body]).await;
    let second = profile(&stack, "c-3").await;
    assert_eq!(attr(&second, "name"), "by hand");
    let mut expected = first;
    expected.insert("name".into(), AttributeValue::S("by hand".into()));
    assert_eq!(second, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_upsert_ends_in_the_dead_letter_queue_alone() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let good = upsert("u-ok", "2026-11-01T09:00:00Z", "c-4", json!({}));
    let no_email = event(
        "u-bad",
        "customer.upserted",
        "2026-11-01T09:00:00Z",
        json!({"customer_id": "c-5", "birthday": "1990-02-30"}),
    );
    let wrong_queue = event(
        "r-1",
        "review.posted",
        "2026-11-01T09:00:00Z",
        json!({"customer_id": "c-6", "rating": 1}),
    );
    for body in [&good, &no_email, &wrong_queue] {
        stack.send("customers", body).await;
    }
    let deliveries = deliver_all(&stack, &h).await;
    assert_eq!(deliveries[0].received, 3);
    assert_eq!(deliveries[0].failed.len(), 2);
    assert_eq!(
        deliveries.iter().map(|d| d.received).sum::<usize>(),
        3 + 2 * 4,
        "each bad message received five times in all"
    );
    let q = stack.queue("customers");
    let mut dead: Vec<String> = stack
        .drain(&q.dlq_url)
        .await
        .iter()
        .map(|m| m["id"].as_str().unwrap_or_default().to_string())
        .collect();
    dead.sort();
    assert_eq!(dead, ["r-1", "u-bad"]);
    assert_eq!(
        attr(&profile(&stack, "c-4").await, "email"),
        "c-4@example.com"
    );
    assert!(stack.customer_items("c-5").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_consent_write_computed_before_an_unsubscribe_is_refused() {
    use memnun_shared::domain::consent::{ConsentClaim, apply};
    use memnun_shared::ports::DirectoryStore;

    let stack = Stack::start().await;
    let h = handler(&stack);
    send_and_deliver(
        &stack,
        &h,
        &[upsert("u-1", "2026-11-01T00:00:00Z", "c-7", json!({}))],
    )
    .await;
    let store = store(&stack);
    let id = CustomerId::parse("c-7").expect("id");

    // The directory reads and computes a grant...
    let read = store.consent_state(&id).await.expect("read");
    let grant = apply(
        &read,
        &ConsentClaim {
            granted: true,
            at: Some("2026-11-02T00:00:00Z".parse().expect("time")),
            source: Some("checkout".into()),
        },
        "2026-11-02T00:00:00Z".parse().expect("time"),
    )
    .expect("a first grant applies");
    // ...the customer unsubscribes in between...
    store
        .withdraw_marketing_consent(
            &id,
            "2026-11-03T00:00:00Z".parse().expect("time"),
            ConsentChannel::OneClick,
        )
        .await
        .expect("withdraw");
    // ...and the grant computed from the old state is not written.
    assert!(!store.save_consent(&id, &read, &grant).await.expect("save"));
    let item = profile(&stack, "c-7").await;
    assert_eq!(consent(&item), Some(false));
    assert_eq!(attr(&item, "consent_source"), "one-click");

    // Read again, the same claim is older than the withdrawal: nothing to write.
    let again = store.consent_state(&id).await.expect("read");
    assert!(!again.granted);
    assert_eq!(
        apply(
            &again,
            &ConsentClaim {
                granted: true,
                at: Some("2026-11-02T00:00:00Z".parse().expect("time")),
                source: Some("checkout".into()),
            },
            "2026-11-02T00:00:00Z".parse().expect("time"),
        ),
        None
    );
}
