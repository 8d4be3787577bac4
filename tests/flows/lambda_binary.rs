//! The real `review-responder` binary, run the way Lambda runs it: against a
//! Runtime API on loopback, with the emulator as its AWS endpoint. This
//! proves the init, the config and the wiring, not only the handler.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use memnun_tests::deliver;
use memnun_tests::events::{event, review};
use memnun_tests::runtime_api::{Answer, RuntimeApi};
use memnun_tests::stack::Stack;
use serde_json::json;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn lambda_command(binary: &std::path::Path, api: &RuntimeApi, stack: &Stack) -> Command {
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", api.address())
        .env("AWS_LAMBDA_FUNCTION_NAME", "review-responder")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_ENDPOINT_URL", stack.emulator.endpoint())
        .env("AWS_REGION", "eu-central-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .envs(stack.env())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_answers_a_batch_with_exactly_its_failures() {
    let binary = memnun_tests::function_binary("review-responder");
    let stack = Stack::start().await;
    stack
        .send(
            "reviews",
            &review(
                "r-bin",
                "2026-11-22T10:15:00Z",
                "c-bin",
                1,
                "bin@example.com",
                "tr",
            ),
        )
        .await;
    stack
        .send(
            "reviews",
            &event(
                "r-broken",
                "review.posted",
                "2026-11-22T10:15:00Z",
                json!({"rating": 1}),
            ),
        )
        .await;
    let q = stack.queue("reviews");
    let batch = deliver::receive(&stack.sqs, &q.url, &q.arn, 10).await;
    assert_eq!(batch.records.len(), 2);
    let broken_id = batch
        .records
        .iter()
        .find(|m| m.body.as_deref().is_some_and(|b| b.contains("r-broken")))
        .and_then(|m| m.message_id.clone())
        .unwrap();

    let api = RuntimeApi::start();
    let _process = Killed(
        lambda_command(&binary, &api, &stack)
            .spawn()
            .expect("start binary"),
    );
    api.wait_ready(Duration::from_secs(20)).expect("init");
    let payload = serde_json::to_string(&batch).unwrap();
    let answer = tokio::task::spawn_blocking(move || api.invoke(&payload, Duration::from_secs(60)))
        .await
        .unwrap();
    let Answer::Response(body) = answer else {
        panic!("invocation failed: {answer:?}")
    };
    let response: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        response,
        json!({"batchItemFailures": [{"itemIdentifier": broken_id}]})
    );
    let emails = stack.emulator.sent_emails();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].to, ["bin@example.com"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_config_stops_the_init_and_names_the_variable() {
    let binary = memnun_tests::function_binary("review-responder");
    let stack = Stack::start().await;
    let api = RuntimeApi::start();
    // A bundle for the AWS clients that holds no certificate, or one that
    // is not there: the SDK would stop at its first connection instead.
    let no_roots = std::env::temp_dir().join(format!("memnun-no-roots-{}.pem", std::process::id()));
    std::fs::write(&no_roots, "not a certificate\n").unwrap();
    let no_roots = no_roots.display().to_string();
    for (var, value) in [
        ("SENDER_EMAIL", None),
        ("APOLOGY_COUPON_PERCENTS", Some("1=twenty")),
        ("AWS_CA_BUNDLE", Some(no_roots.as_str())),
        ("AWS_CA_BUNDLE", Some("/nonexistent/ca.pem")),
        // What Lambda itself sets: without it, no call could be signed.
        ("AWS_REGION", None),
        ("AWS_SECRET_ACCESS_KEY", None),
    ] {
        let mut cmd = lambda_command(&binary, &api, &stack);
        match value {
            None => cmd.env_remove(var),
            Some(v) => cmd.env(var, v),
        };
        let mut child = cmd.spawn().expect("start binary");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the binary kept running with a bad {var}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(!status.success());
        let mut stderr = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        assert!(stderr.contains(var), "stderr does not name {var}: {stderr}");
    }
    std::fs::remove_file(&no_roots).unwrap();
}
