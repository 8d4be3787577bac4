//! `memnun-import` (tools/import), the real binary, against the emulator: the
//! valid lines of a CSV reach the customers queue as `customer.upserted`, the
//! bad ones are reported by line and column without their values, and a
//! second run of the same file sends the same event ids, which the customer
//! directory recognises and skips.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Output;
use std::sync::Mutex;

use aws_sdk_dynamodb::types::AttributeValue;
use customer_directory::{Config, Handler};
use jiff::{SignedDuration, Timestamp};
use memnun_shared::adapters::dynamodb::DynamoStore;
use memnun_shared::config::Env;
use memnun_tests::deliver;
use memnun_tests::stack::{Stack, attr};

const CSV: &str = "customer_id,email,name,locale,time_zone,birthday,marketing_consent,consent_at,consent_source\r
c-1,ayse@example.com,\"Yılmaz, Ayşe\",tr,Europe/Istanbul,1990-03-14,true,2025-03-14T12:30:00Z,checkout\r
c-2,can@example.com,Can,en,,--07-01,no,,\r
c-3,bozuk-adres,Bora,tr,,,,,\r
c-4,deniz@example.com,Deniz,tr,,1990-02-30,,,\r
,emre@example.com,Emre,tr,,,,,\r
c-6,filiz@example.com,Filiz\r
c-7,gul@example.com,\"Gül\nÇiçek\",tr,Europe/Istanbul,,,,\r
";

fn run(stack: &Stack, args: &[&str]) -> Output {
    memnun_tests::tool("memnun-import", &stack.emulator.endpoint())
        .args(args)
        .output()
        .expect("run memnun-import")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write_csv(dir: &Path, content: &str) -> String {
    let path = dir.join("customers.csv");
    std::fs::write(&path, content).expect("write the CSV");
    path.to_string_lossy().into_owned()
}

fn directory(stack: &Stack) -> Handler<DynamoStore> {
    let config = Config::from_env(&Env::from_pairs(stack.function_env("customer-directory")))
        .expect("config");
    Handler::new(
        config,
        DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&stack.aws),
            &stack.table,
            &stack.idempotency_table,
        ),
    )
}

/// Delivers the customers queue to the directory; answers the event ids seen.
async fn deliver_to_directory(stack: &Stack, h: &Handler<DynamoStore>) -> Vec<String> {
    let seen = Mutex::new(Vec::new());
    let q = stack.queue("customers");
    let deliveries = deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| {
        if let Ok(mut seen) = seen.lock() {
            for m in &e.records {
                let body: serde_json::Value =
                    serde_json::from_str(m.body.as_deref().unwrap_or("null")).expect("JSON");
                seen.push(body["id"].as_str().unwrap_or_default().to_string());
            }
        }
        h.handle(e, Timestamp::now() + SignedDuration::from_secs(30))
    })
    .await;
    assert!(
        deliveries.iter().all(|d| d.failed.is_empty()),
        "{deliveries:?}"
    );
    seen.into_inner().expect("ids")
}

async fn profiles(stack: &Stack) -> Vec<HashMap<String, AttributeValue>> {
    let mut items: Vec<_> = stack
        .items_with_prefix("CUSTOMER#")
        .await
        .into_iter()
        .filter(|i| attr(i, "sk") == "PROFILE")
        .collect();
    items.sort_by(|a, b| attr(a, "pk").cmp(attr(b, "pk")));
    items
}

#[tokio::test(flavor = "multi_thread")]
async fn good_lines_are_imported_bad_ones_reported_and_a_rerun_changes_nothing() {
    let stack = Stack::start().await;
    let dir = std::env::temp_dir().join(format!("memnun-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = write_csv(&dir, CSV);
    let queue_url = stack.queue("customers").url.clone();

    let out = run(&stack, &["--queue-url", &queue_url, &file]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("lines read: 7, sent: 3, rejected: 4, failed to send: 0"),
        "{stdout}"
    );
    for expected in [
        "rejected line 4: email:",
        "rejected line 5: birthday:",
        "rejected line 6: customer_id: is required",
        "rejected line 7: line: has 3 fields where the header has 9 columns",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in {stderr}"
        );
    }
    for personal in ["bozuk-adres", "1990-02-30", "emre@example.com", "Filiz"] {
        assert!(!stderr.contains(personal), "{personal} in {stderr}");
    }
    assert!(stderr.contains("sent 3/3"), "{stderr}");

    let h = directory(&stack);
    let first: BTreeSet<String> = deliver_to_directory(&stack, &h).await.into_iter().collect();
    assert_eq!(first.len(), 3);
    assert!(
        first.iter().all(|id| id.starts_with("import-c-")),
        "{first:?}"
    );
    let stored = profiles(&stack).await;
    let ids: Vec<&str> = stored.iter().map(|i| attr(i, "customer_id")).collect();
    assert_eq!(ids, ["c-1", "c-2", "c-7"]);
    assert_eq!(attr(&stored[0], "name"), "Yılmaz, Ayşe");
    assert_eq!(attr(&stored[0], "birthday"), "1990-03-14");
    assert_eq!(
        stored[0]["marketing_consent"].as_bool().ok().copied(),
        Some(true)
    );
    assert_eq!(
        stored[1]["marketing_consent"].as_bool().ok().copied(),
        Some(false)
    );
    assert_eq!(attr(&stored[2], "name"), "Gül\nÇiçek");

    // The second run sends the same ids; the directory skips them all.
    let again = run(&stack, &["--queue-url", &queue_url, &file]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let second: BTreeSet<String> = deliver_to_directory(&stack, &h).await.into_iter().collect();
    assert_eq!(second, first);
    assert_eq!(profiles(&stack).await, stored);

    // A dry run checks and reports but sends nothing.
    let dry = run(&stack, &["--dry-run", &file]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(
        text(&dry.stdout).contains("lines read: 7, valid: 3, rejected: 4, failed to send: 0"),
        "{}",
        text(&dry.stdout)
    );
    assert!(stack.drain_raw(&queue_url).await.is_empty());

    // A file without the required columns is refused as a whole.
    let bad_header = write_csv(&dir, "id,mail\n1,a@example.com\n");
    let refused = run(&stack, &["--queue-url", &queue_url, &bad_header]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("line 1 (header)"));

    // A queue that does not exist: every valid line fails to send, exit 1.
    let good = write_csv(&dir, CSV);
    let missing = format!("{}-missing", queue_url);
    let failed = run(&stack, &["--queue-url", &missing, &good]);
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed.stderr));
    assert!(
        text(&failed.stdout).contains("sent: 0, rejected: 4, failed to send: 3"),
        "{}",
        text(&failed.stdout)
    );
    std::fs::remove_dir_all(&dir).expect("remove the temp dir");
}
