//! mail-feedback against the emulator: SES's permanent bounces and
//! complaints, in their SNS envelope on the real queue, suppress the
//! addresses in the real table, whatever their case; transient bounces and
//! deliveries do not; a redelivery writes nothing; a body that is not SES
//! feedback fails alone and ends in the dead-letter queue. The real binary
//! does the same behind a local Runtime API, and logs no address.

use std::collections::HashMap;

use aws_lambda_events::event::sqs::SqsBatchResponse;
use aws_sdk_dynamodb::types::AttributeValue;
use mail_feedback::{Config, Handler};
use memnun_shared::adapters::dynamodb::DynamoStore;
use memnun_shared::config::Env;
use memnun_shared::contract::ses_feedback::SesNotice;
use memnun_shared::domain::mail::EmailAddress;
use memnun_shared::domain::suppression::{AddressKey, FeedbackKind};
use memnun_shared::ports::SuppressionStore;
use memnun_tests::deliver::{self, Delivery};
use memnun_tests::local::lambda::FunctionProcess;
use memnun_tests::runtime_api::Answer;
use memnun_tests::stack::{Stack, attr};
use serde_json::{Value, json};

type Feedback = Handler<DynamoStore>;

/// The store as the function and the birthday greetings build it: the main
/// table only.
fn store(stack: &Stack) -> DynamoStore {
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&stack.aws), &stack.table, "")
}

fn handler(stack: &Stack) -> Feedback {
    let config =
        Config::from_env(&Env::from_pairs(stack.function_env("mail-feedback"))).expect("config");
    Handler::new(config, store(stack))
}

async fn deliver_all(stack: &Stack, h: &Feedback) -> Vec<Delivery> {
    let q = stack.queue("mail-feedback");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e)).await
}

/// A sample from `events/ses/` (an SNS envelope), as a JSON value.
fn sample(file: &str) -> Value {
    let path = memnun_tests::workspace_root().join("events/ses").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("a JSON sample")
}

/// The sample `file` about `recipient`, with its own feedback id, wrapped
/// as SNS wraps it.
fn notification(file: &str, recipient: &str, feedback_id: &str) -> String {
    let mut envelope = sample(file);
    let mut inner: Value =
        serde_json::from_str(envelope["Message"].as_str().expect("Message")).expect("inner JSON");
    let report = match inner["eventType"].as_str() {
        Some("Bounce") => Some(("bounce", "bouncedRecipients")),
        Some("Complaint") => Some(("complaint", "complainedRecipients")),
        _ => None,
    };
    if let Some((object, list)) = report {
        inner[object][list][0]["emailAddress"] = json!(recipient);
        inner[object]["feedbackId"] = json!(feedback_id);
    } else {
        inner["delivery"]["recipients"] = json!([recipient]);
    }
    inner["mail"]["destination"] = json!([recipient]);
    envelope["Message"] = json!(inner.to_string());
    envelope.to_string()
}

async fn suppressed(store: &DynamoStore, address: &str) -> bool {
    let address = EmailAddress::parse(address).expect("an address");
    store.is_suppressed(&address).await.expect("is_suppressed")
}

async fn suppression_items(stack: &Stack) -> Vec<HashMap<String, AttributeValue>> {
    stack.items_with_prefix("SUPPRESSED#").await
}

async fn send_and_deliver(stack: &Stack, h: &Feedback, bodies: &[String]) {
    for body in bodies {
        stack.send("mail-feedback", body).await;
    }
    let deliveries = deliver_all(stack, h).await;
    assert!(
        deliveries.iter().all(|d| d.failed.is_empty()),
        "{deliveries:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn permanent_bounces_and_complaints_suppress_transient_bounces_and_deliveries_do_not() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let store = store(&stack);
    send_and_deliver(
        &stack,
        &h,
        &[
            notification("bounce.permanent.json", "Selin.Kaya@Example.com", "fb-hard"),
            notification("complaint.json", "can@example.com", "fb-spam"),
            notification("bounce.transient.json", "deniz@example.com", "fb-soft"),
            notification("delivery.json", "ece@example.com", "-"),
        ],
    )
    .await;

    for address in [
        "selin.kaya@example.com",
        "SELIN.KAYA@EXAMPLE.COM",
        "  Selin.Kaya@example.com\t",
        "can@example.com",
        "Can@Example.Com ",
    ] {
        assert!(suppressed(&store, address).await, "{address:?}");
    }
    for address in ["deniz@example.com", "ece@example.com", "selin@example.com"] {
        assert!(!suppressed(&store, address).await, "{address:?}");
    }

    let items = suppression_items(&stack).await;
    assert_eq!(items.len(), 2);
    let by_reason: HashMap<&str, &HashMap<String, AttributeValue>> =
        items.iter().map(|i| (attr(i, "reason"), i)).collect();
    let bounce = by_reason["bounce"];
    assert_eq!(
        attr(bounce, "pk"),
        format!(
            "SUPPRESSED#{}",
            AddressKey::of_text("selin.kaya@example.com").as_str()
        )
    );
    assert_eq!(attr(bounce, "sk"), "SUPPRESSION");
    assert_eq!(attr(bounce, "feedback_id"), "fb-hard");
    assert_eq!(attr(bounce, "first_reported_at"), "2026-11-22T07:00:04Z");
    let complaint = by_reason["complaint"];
    assert_eq!(attr(complaint, "feedback_id"), "fb-spam");
    assert_eq!(attr(complaint, "first_reported_at"), "2026-11-22T09:41:17Z");
    // Nothing readable is kept: no attribute holds an address.
    for item in &items {
        for (name, value) in item {
            let text = value.as_s().map(String::as_str).unwrap_or_default();
            assert!(!text.contains('@'), "{name} holds an address");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_notification_twice_and_a_later_report_leave_one_record() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let bounce = notification("bounce.permanent.json", "mert@example.com", "fb-1");
    send_and_deliver(&stack, &h, &[bounce.clone(), bounce.clone()]).await;
    let first = suppression_items(&stack).await;
    assert_eq!(first.len(), 1);

    // Delivered again later, and then a complaint about the same address
    // spelt differently: the first report stands.
    send_and_deliver(
        &stack,
        &h,
        &[
            bounce,
            notification("complaint.json", " MERT@example.com", "fb-2"),
        ],
    )
    .await;
    let after = suppression_items(&stack).await;
    assert_eq!(after, first, "a repeat writes nothing");
    assert_eq!(attr(&after[0], "reason"), "bounce");
    assert_eq!(attr(&after[0], "feedback_id"), "fb-1");
    assert!(suppressed(&store(&stack), "mert@example.com").await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_body_fails_alone_and_ends_in_the_dead_letter_queue() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let good: Vec<String> = (0..4)
        .map(|i| {
            notification(
                "bounce.permanent.json",
                &format!("r{i}@example.com"),
                &format!("fb-{i}"),
            )
        })
        .collect();
    for body in &good {
        stack.send("mail-feedback", body).await;
    }
    // An SNS envelope whose bounce names its recipient wrongly.
    let malformed = notification("bounce.permanent.json", "not-an-address", "fb-bad");
    stack.send("mail-feedback", &malformed).await;

    let q = stack.queue("mail-feedback");
    let first = deliver::once(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e)).await;
    assert_eq!(first.received, 5);
    assert_eq!(first.failed.len(), 1, "{first:?}");
    assert_eq!(suppression_items(&stack).await.len(), 4);

    // Redelivered until SQS gives up on it after five receives.
    let rest = deliver_all(&stack, &h).await;
    assert_eq!(rest.len(), 4, "received five times in all");
    assert!(rest.iter().all(|d| d.received == 1 && d.failed.len() == 1));
    let dead = stack.drain_raw(&q.dlq_url).await;
    assert_eq!(dead, [malformed]);
    assert_eq!(suppression_items(&stack).await.len(), 4);
    let store = store(&stack);
    for i in 0..4 {
        assert!(suppressed(&store, &format!("R{i}@example.com")).await);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_real_binary_suppresses_reports_failures_and_logs_no_address() {
    let binary = memnun_tests::function_binary("mail-feedback");
    let stack = Stack::start().await;
    let log_path =
        std::env::temp_dir().join(format!("memnun-mail-feedback-{}.log", std::process::id()));
    let log = std::fs::File::create(&log_path).expect("log file");
    let process = FunctionProcess::start(
        "mail-feedback",
        &binary,
        &stack.function_env("mail-feedback"),
        &stack.emulator.endpoint(),
        log,
    )
    .expect("the function starts");

    let address = "Zeynep.Demir@example.com";
    stack
        .send(
            "mail-feedback",
            &notification("complaint.json", address, "fb-bin"),
        )
        .await;
    stack
        .send(
            "mail-feedback",
            &notification("bounce.permanent.json", "zeynep-at-example.com", "fb-bad"),
        )
        .await;
    let q = stack.queue("mail-feedback");
    let event = deliver::receive(&stack.sqs, &q.url, &q.arn, 10).await;
    assert_eq!(event.records.len(), 2);
    let bad_id = event
        .records
        .iter()
        .find(|m| m.body.as_deref().is_some_and(|b| b.contains("fb-bad")))
        .and_then(|m| m.message_id.clone())
        .expect("the malformed message");
    let response = match process
        .invoke(serde_json::to_string(&event).expect("event JSON"))
        .await
    {
        Answer::Response(body) => {
            serde_json::from_str::<SqsBatchResponse>(&body).expect("a batch response")
        }
        Answer::Error(e) => panic!("the invocation failed: {e}"),
    };
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, [bad_id.as_str()]);
    assert!(suppressed(&store(&stack), address).await);
    drop(process);

    let logs = std::fs::read_to_string(&log_path).expect("the log");
    let _ = std::fs::remove_file(&log_path);
    assert!(logs.contains("recipients suppressed"), "{logs}");
    assert!(
        logs.contains("Message.bounce.bouncedRecipients[0].emailAddress"),
        "{logs}"
    );
    let hash = AddressKey::of_text(address);
    for secret in ["zeynep", "Zeynep", hash.as_str()] {
        assert!(!logs.contains(secret), "the log holds {secret:?}:\n{logs}");
    }
}

#[test]
fn every_ses_sample_parses_to_its_kind() {
    let expected = [
        ("bounce.permanent.json", FeedbackKind::PermanentBounce),
        ("bounce.transient.json", FeedbackKind::TransientBounce),
        ("complaint.json", FeedbackKind::Complaint),
        ("delivery.json", FeedbackKind::Other),
    ];
    let dir = memnun_tests::workspace_root().join("events/ses");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("events/ses")
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|name| name.ends_with(".json"))
        .collect();
    files.sort();
    let mut named: Vec<String> = expected.iter().map(|(f, _)| f.to_string()).collect();
    named.sort();
    assert_eq!(files, named, "every sample has its expected kind here");
    for (file, kind) in expected {
        let body = std::fs::read_to_string(dir.join(file)).expect("sample");
        let notice = SesNotice::parse(&body).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(notice.kind(), kind, "{file}");
        assert!(notice.message_id().is_some(), "{file}");
        if let SesNotice::Feedback(f) = notice {
            assert_eq!(f.recipients.len(), 1, "{file}");
            assert_eq!(f.recipients[0].as_str(), "selin.kaya@example.com");
        }
    }
}
