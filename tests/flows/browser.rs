//! The unsubscribe page in a real browser: Debian's headless chromium, driven
//! by playwright-core (`tests/browser/unsubscribe.mjs`), opens a customer's
//! unsubscribe link, presses the button and sees the confirmation; then the
//! customer's consent is withdrawn in the table. The page is served by the
//! real `links` binary behind a Runtime API, reached over HTTP on loopback
//! through [`memnun_tests::http_bridge`], as a Function URL would reach it.
//!
//! Needs `tests/browser/install.sh` (chromium and playwright-core); `make
//! browser` runs both, and `make test` runs it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use memnun_shared::domain::token::{Purpose, Signer};
use memnun_tests::http_bridge::HttpBridge;
use memnun_tests::local::lambda::FunctionProcess;
use memnun_tests::runtime_api::Answer;
use memnun_tests::stack::{LINK_SECRET, Stack, attr};
use serde_json::Value;

const CHROMIUM: &str = "/usr/bin/chromium";

fn browser_dir() -> PathBuf {
    memnun_tests::workspace_root().join("tests/browser")
}

/// Fails with what to run when the browser tools are not installed.
fn require_tools() {
    let missing: Vec<&str> = [
        (!Path::new(CHROMIUM).is_file()).then_some("chromium (/usr/bin/chromium)"),
        (!browser_dir()
            .join("node_modules/playwright-core/package.json")
            .is_file())
        .then_some("playwright-core (tests/browser/node_modules)"),
        Command::new("node")
            .arg("--version")
            .output()
            .is_err()
            .then_some("node"),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(
        missing.is_empty(),
        "the browser test needs {missing:?}: run tests/browser/install.sh (or `make browser`)"
    );
}

async fn consenting_customer(stack: &Stack, id: &str) {
    let item: HashMap<String, AttributeValue> = [
        ("pk", AttributeValue::S(format!("CUSTOMER#{id}"))),
        ("sk", AttributeValue::S("PROFILE".into())),
        ("customer_id", AttributeValue::S(id.into())),
        ("email", AttributeValue::S("ayse@example.com".into())),
        ("locale", AttributeValue::S("tr".into())),
        ("marketing_consent", AttributeValue::Bool(true)),
        (
            "consent_at",
            AttributeValue::S("2026-01-01T00:00:00Z".into()),
        ),
        ("consent_source", AttributeValue::S("shop/web".into())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    stack
        .dynamodb
        .put_item()
        .table_name(&stack.table)
        .set_item(Some(item))
        .send()
        .await
        .expect("put customer");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_unsubscribes_in_a_real_browser() {
    require_tools();
    let binary = memnun_tests::function_binary("links");
    let stack = Stack::start().await;
    consenting_customer(&stack, "c-web").await;

    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&out).expect("screenshot dir");
    let log = std::fs::File::create(out.join("links.log")).expect("log file");
    let process = Arc::new(
        FunctionProcess::start(
            "links",
            &binary,
            &stack.function_env("links"),
            &stack.emulator.endpoint(),
            log,
        )
        .unwrap_or_else(|e| panic!("{e}")),
    );
    let runtime = tokio::runtime::Handle::current();
    let function = Arc::clone(&process);
    let bridge =
        HttpBridge::start(
            move |payload| match runtime.block_on(function.invoke(payload)) {
                Answer::Response(body) => Ok(body),
                Answer::Error(error) => Err(error),
            },
        )
        .expect("start the HTTP bridge");

    let token = Signer::from_secret(LINK_SECRET)
        .unwrap()
        .sign(Purpose::Unsubscribe, "c-web");
    let url = format!("{}/unsubscribe?t={token}", bridge.url());
    let script = browser_dir().join("unsubscribe.mjs");
    let shots = out.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(url)
            .arg(shots)
            .arg("Abonelikten çıktınız")
            .output()
            .expect("run node")
    })
    .await
    .expect("the browser thread");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser run failed: {stderr}\n{stdout}\n(links log: {})",
        out.join("links.log").display()
    );
    let seen: Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no report from the browser: {stdout}"));
    println!(
        "screenshots: {}",
        seen["screenshots"]
            .as_array()
            .map(|a| a
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "))
            .unwrap_or_default()
    );

    assert_eq!(seen["formStatus"], 200);
    assert_eq!(seen["lang"], "tr");
    assert_eq!(
        seen["formHeading"],
        "Pazarlama e\u{2011}postalarından çıkılsın mı?"
    );
    assert_eq!(seen["buttonText"], "Abonelikten çık");
    assert_eq!(seen["focused"], "BUTTON", "the keyboard reaches the button");
    assert_eq!(
        seen["overflowsPhone"], false,
        "no sideways scrolling at 390 px"
    );
    assert_eq!(
        seen["overflows320"], false,
        "no sideways scrolling at 320 px"
    );
    assert_eq!(seen["confirmStatus"], 200);
    assert_eq!(seen["confirmHeading"], "Abonelikten çıktınız");
    assert_eq!(
        seen["otherRequests"],
        serde_json::json!([]),
        "the page loads nothing else"
    );

    let item = stack
        .customer_items("c-web")
        .await
        .into_iter()
        .find(|i| attr(i, "sk") == "PROFILE")
        .expect("the customer");
    assert_eq!(item["marketing_consent"], AttributeValue::Bool(false));
    assert_eq!(attr(&item, "consent_source"), "unsubscribe-link");
    assert!(attr(&item, "consent_withdrawn_at").ends_with('Z'));
    drop(bridge);
    drop(process);
}
