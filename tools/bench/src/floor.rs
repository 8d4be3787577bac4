//! The SDK's floor: the CPU one AWS call costs with nothing else around it,
//! measured in a process of its own (`memnun-bench sdk-floor`) against the
//! stub, with the configuration every function loads
//! ([`memnun_shared::adapters::sdk_config`]). It tells what part of a
//! function's CPU per AWS call is the SDK's (signing, serialising, the
//! orchestrator, HTTP) and what part is memnun's own.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};

use crate::Error;
use crate::stub::Stub;

/// Calls per operation measured, after as many unmeasured.
const CALLS: usize = 2000;

/// This process's CPU time so far, in nanoseconds.
pub fn cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    u64::try_from(ts.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(ts.tv_nsec).unwrap_or(0)
}

/// Runs the calibration in a child process against `stub`; answers µs of
/// CPU per call by operation.
pub fn measure(stub: &Stub, table: &str, queue_url: &str) -> Result<BTreeMap<String, f64>, Error> {
    let exe =
        std::env::current_exe().map_err(|e| Error::Setup(format!("the bench's own path: {e}")))?;
    let output = Command::new(exe)
        .args(["sdk-floor", table, queue_url])
        .env_clear()
        .envs(stub.endpoint_env(false))
        .env("AWS_REGION", memnun_tests::template::LOCAL_REGION)
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Error::Run(format!("the SDK floor process: {e}")))?;
    if !output.status.success() {
        return Err(Error::Run(format!(
            "the SDK floor process failed: {}",
            output.status
        )));
    }
    let report: BTreeMap<String, f64> = serde_json::from_slice(&output.stdout)
        .map_err(|e| Error::Run(format!("the SDK floor's report: {e}")))?;
    Ok(report)
}

/// The child: times each operation alone and prints µs per call as JSON.
pub fn child(table: &str, queue_url: &str) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("a runtime: {e}")))?;
    let report: Result<Value, Error> = runtime.block_on(async {
        let aws = memnun_shared::adapters::sdk_config()
            .map_err(|e| Error::Setup(format!("the AWS configuration: {e}")))?;
        let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
        let sqs = aws_sdk_sqs::Client::new(&aws);
        let key = |i: usize| AttributeValue::S(format!("CUSTOMER#floor-{i}"));
        let mut out = serde_json::Map::new();
        for op in ["dynamodb:GetItem", "dynamodb:PutItem", "sqs:SendMessage"] {
            let mut started = 0;
            for i in 0..2 * CALLS {
                if i == CALLS {
                    started = cpu_ns();
                }
                let result = match op {
                    "dynamodb:GetItem" => dynamodb
                        .get_item()
                        .table_name(table)
                        .key("pk", key(i))
                        .key("sk", AttributeValue::S("PROFILE".into()))
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| e.to_string()),
                    "dynamodb:PutItem" => dynamodb
                        .put_item()
                        .table_name(table)
                        .item("pk", key(i))
                        .item("sk", AttributeValue::S("PROFILE".into()))
                        .item("email", AttributeValue::S(format!("floor-{i}@example.com")))
                        .condition_expression("attribute_not_exists(pk)")
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| e.to_string()),
                    _ => sqs
                        .send_message()
                        .queue_url(queue_url)
                        .message_body(json!({"id": i, "type": "floor"}).to_string())
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| e.to_string()),
                };
                result.map_err(|e| Error::Run(format!("{op}: {e}")))?;
            }
            let us = (cpu_ns() - started) as f64 / 1000.0 / CALLS as f64;
            out.insert(op.into(), json!(us));
        }
        Ok(Value::Object(out))
    });
    println!("{}", report?);
    Ok(())
}
