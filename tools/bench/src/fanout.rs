//! Fan-out against the emulator: the SLA sweep over 100,000 open tickets
//! with 10,000 due, the same sweep over 100,000 orders' promise clocks with
//! 10,000 run out (the order journey's), and the birthday scheduler over
//! 100,000 customers with 10,000 birthdays today.
//!
//! Each case gets an emulator of its own (moto, from the template like the
//! tests), seeded fast with concurrent `BatchWriteItem`s (not measured).
//! The function's handler then runs once in a process of its own (this
//! binary, `memnun-bench fanout-child <function>`), built as its `main.rs`
//! builds it, from the template's environment, with a deadline long enough
//! for the emulator: moto reads every item of the table for each index query,
//! which DynamoDB does not, so a page that takes milliseconds on AWS takes
//! seconds here, and the 30 s deadline of the harness's Runtime API would end
//! every run after its first page. Between the process and the emulator
//! sits the counting stub ([`crate::stub::Mode::Forward`]): every AWS call
//! is counted by operation, and every message by SQS call. DynamoDB is the
//! emulator's; the SQS sends the stub accepts itself, because the emulator's
//! SQS slows down with every message its queue holds. The process reports
//! its resident memory before the run and its peak after, and its CPU.

use std::collections::{BTreeMap, HashMap};
use std::process::{Command, Stdio};
use std::time::Instant;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use futures_util::StreamExt as _;
use jiff::{SignedDuration, Timestamp};
use memnun_shared::adapters::directory::birthday_partition;
use memnun_shared::adapters::due::shard_of;
use memnun_shared::adapters::dynamodb::DynamoStore;
use memnun_shared::domain::calendar::BusinessCalendar;
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::domain::sla::SlaPolicy;
use memnun_shared::domain::ticket::{Category, Origin, Priority, Ticket, TicketNumber};
use memnun_tests::stack::Stack;
use serde::Serialize;
use serde_json::Value;

use crate::Error;
use crate::stub::{Mode, Stub};

/// The SLA sweep's time.
pub const SLA_NOW: &str = "2026-11-23T09:00:00Z";
/// The birthday run's time: 10:00 in Istanbul on 22 November.
pub const BIRTHDAY_NOW: &str = "2026-11-22T07:00:00Z";

/// The sizes of a fan-out case.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Scale {
    /// Items seeded (tickets or customers).
    pub total: usize,
    /// Of which due now.
    pub due: usize,
}

/// What a fan-out run measured.
#[derive(Debug, Clone, Serialize)]
pub struct FanOut {
    /// The function.
    pub function: String,
    /// The scale.
    pub scale: Scale,
    /// Seeding time (not part of the figures), in s.
    pub seed_s: f64,
    /// The run's wall time, in s.
    pub wall_s: f64,
    /// AWS calls by `service:operation`.
    pub calls: BTreeMap<String, usize>,
    /// Messages enqueued.
    pub messages: usize,
    /// SQS calls that sent them.
    pub sqs_calls: usize,
    /// Resident memory before the run, in MiB.
    pub rss_before_mib: f64,
    /// Peak resident memory, in MiB.
    pub peak_rss_mib: f64,
    /// CPU the function's process used for the run (the emulator's not
    /// included), in s.
    pub cpu_s: f64,
    /// The handler's own summary.
    pub summary: Value,
}

/// Runs the SLA sweep case.
pub fn sla_sweep(runtime: &tokio::runtime::Runtime, scale: Scale) -> Result<FanOut, Error> {
    let stack = runtime.block_on(Stack::start());
    let seeded = Instant::now();
    runtime.block_on(seed_tickets(&stack, scale))?;
    let seed_s = seeded.elapsed().as_secs_f64();
    run_child(&stack, "sla-monitor", SLA_NOW, scale, seed_s)
}

/// The journey sweep's time: the end of 6 December in Istanbul.
pub const JOURNEY_NOW: &str = "2026-12-06T21:00:00Z";

/// Runs the journey clocks' case: the SLA sweep over held `journey.due`
/// messages, as order-journey holds them.
pub fn journey_sweep(runtime: &tokio::runtime::Runtime, scale: Scale) -> Result<FanOut, Error> {
    let stack = runtime.block_on(Stack::start());
    let seeded = Instant::now();
    runtime.block_on(seed_clocks(&stack, scale))?;
    let seed_s = seeded.elapsed().as_secs_f64();
    let mut run = run_child(&stack, "sla-monitor", JOURNEY_NOW, scale, seed_s)?;
    run.function = "sla-monitor (journey clocks)".into();
    Ok(run)
}

/// Runs the birthday case.
pub fn birthdays(runtime: &tokio::runtime::Runtime, scale: Scale) -> Result<FanOut, Error> {
    let stack = runtime.block_on(Stack::start());
    let seeded = Instant::now();
    runtime.block_on(seed_customers(&stack, scale))?;
    let seed_s = seeded.elapsed().as_secs_f64();
    run_child(&stack, "birthday-scheduler", BIRTHDAY_NOW, scale, seed_s)
}

fn run_child(
    stack: &Stack,
    function: &str,
    now: &str,
    scale: Scale,
    seed_s: f64,
) -> Result<FanOut, Error> {
    let proxy = Stub::start(Mode::Forward(stack.emulator.port()), None, BTreeMap::new())?;
    let exe =
        std::env::current_exe().map_err(|e| Error::Setup(format!("the bench's own path: {e}")))?;
    let started = Instant::now();
    let output = Command::new(exe)
        .args(["fanout-child", function, now])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(stack.function_env(function))
        .envs(proxy.endpoint_env(false))
        .env("AWS_REGION", memnun_tests::template::LOCAL_REGION)
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("LOG_LEVEL", "warn")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Error::Run(format!("the {function} fan-out process: {e}")))?;
    let wall_s = started.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(Error::Run(format!(
            "the {function} fan-out failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stdout)
        )));
    }
    let report: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| Error::Run(format!("the {function} fan-out's report: {e}")))?;
    let calls = proxy.take_calls();
    let mut by_op = BTreeMap::new();
    for c in &calls {
        *by_op
            .entry(format!("{}:{}", c.service.name(), c.operation))
            .or_insert(0) += 1;
    }
    let sends: Vec<_> = calls
        .iter()
        .filter(|c| c.operation == "SendMessage" || c.operation == "SendMessageBatch")
        .collect();
    let kib = |name: &str| report[name].as_f64().unwrap_or(0.0) / 1024.0;
    Ok(FanOut {
        function: function.to_string(),
        scale,
        seed_s,
        wall_s,
        calls: by_op,
        messages: sends.iter().map(|c| c.messages).sum(),
        sqs_calls: sends.len(),
        rss_before_mib: kib("rss_before_kib"),
        peak_rss_mib: kib("peak_rss_kib"),
        cpu_s: report["cpu_s"].as_f64().unwrap_or(0.0),
        summary: report["summary"].clone(),
    })
}

async fn write_all(
    stack: &Stack,
    items: Vec<HashMap<String, AttributeValue>>,
) -> Result<(), Error> {
    let requests: Vec<Vec<WriteRequest>> = items
        .chunks(25)
        .map(|chunk| {
            chunk
                .iter()
                .map(|item| {
                    PutRequest::builder()
                        .set_item(Some(item.clone()))
                        .build()
                        .map(|p| WriteRequest::builder().put_request(p).build())
                        .map_err(|e| Error::Setup(format!("a put request: {e}")))
                })
                .collect()
        })
        .collect::<Result<_, _>>()?;
    let results: Vec<Result<(), Error>> = futures_util::stream::iter(requests)
        .map(|requests| {
            let client = stack.dynamodb.clone();
            let table = stack.table.clone();
            async move {
                let mut pending = requests;
                // The emulator leaves nothing unprocessed, DynamoDB might.
                for _ in 0..5 {
                    let out = client
                        .batch_write_item()
                        .request_items(table.clone(), pending)
                        .send()
                        .await
                        .map_err(|e| Error::Setup(format!("seeding: {e}")))?;
                    pending = out
                        .unprocessed_items
                        .and_then(|mut u| u.remove(&table))
                        .unwrap_or_default();
                    if pending.is_empty() {
                        return Ok(());
                    }
                }
                Err(Error::Setup("seeding: writes left unprocessed".into()))
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    results.into_iter().collect()
}

async fn seed_tickets(stack: &Stack, scale: Scale) -> Result<(), Error> {
    let now: Timestamp = SLA_NOW
        .parse()
        .map_err(|e| Error::Setup(format!("{SLA_NOW}: {e}")))?;
    let policy = SlaPolicy::default();
    let calendar = BusinessCalendar::default();
    // Normal priority: first reply due 24 h after opening. The due ones were
    // opened 30 h ago (breached 6 h ago), the others an hour ago (nothing due
    // for 18 hours).
    let tickets: Vec<Ticket> = (0..scale.total)
        .map(|i| {
            let age = if i < scale.due { 30 } else { 1 };
            let at = now - SignedDuration::from_hours(age);
            let number = TicketNumber::parse(&format!("TK-{:04}-{:04}", i / 10_000, i % 10_000))
                .ok_or_else(|| Error::Setup("a ticket number".into()))?;
            let mut t = Ticket::new(
                number,
                &CustomerId::parse(&format!("c-{i}")).map_err(Error::Setup)?,
                Origin::Complaint,
                Category::Delivery,
                Priority::Normal,
                at,
                &format!("shop/bench#seed-{i}"),
            );
            t.sla = Some(policy.start(Priority::Normal, at, &calendar));
            Ok(t)
        })
        .collect::<Result<_, Error>>()?;
    let store = DynamoStore::new(stack.dynamodb.clone(), &stack.table, String::new());
    let results: Vec<Result<(), Error>> = futures_util::stream::iter(tickets.chunks(500))
        .map(|chunk| {
            let store = &store;
            async move {
                store
                    .import_tickets(chunk)
                    .await
                    .map_err(|e| Error::Setup(format!("seeding tickets: {e}")))
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    results.into_iter().collect()
}

async fn seed_clocks(stack: &Stack, scale: Scale) -> Result<(), Error> {
    use memnun_shared::contract::internal::{JourneyDue, Watched};
    use memnun_shared::domain::order::OrderId;
    use memnun_shared::domain::watch::Watch;
    // Promise clocks: the due ones promised for 6 December, the others for
    // the days after (nothing due for a day at least).
    let items: Vec<HashMap<String, AttributeValue>> = (0..scale.total)
        .map(|i| {
            let offset = if i < scale.due { 0 } else { 1 + (i % 9) as i8 };
            let day = jiff::civil::Date::new(2026, 12, 6 + offset)
                .map_err(|e| Error::Setup(format!("a promised day: {e}")))?;
            let due = day
                .to_zoned(
                    jiff::tz::TimeZone::get("Europe/Istanbul")
                        .map_err(|e| Error::Setup(e.to_string()))?,
                )
                .map_err(|e| Error::Setup(e.to_string()))?
                .timestamp()
                + SignedDuration::from_hours(24);
            let clock = JourneyDue {
                watch: Watch::Promise,
                customer_id: CustomerId::parse(&format!("c-{i}")).map_err(Error::Setup)?,
                about: Watched::Order(OrderId::parse(&format!("o-{i}")).map_err(Error::Setup)?),
                promise: Some(day),
                due,
            };
            Ok(memnun_shared::adapters::due::scheduled_item(
                &clock.to_scheduled("memnun/order-journey"),
            ))
        })
        .collect::<Result<_, Error>>()?;
    write_all(stack, items).await
}

async fn seed_customers(stack: &Stack, scale: Scale) -> Result<(), Error> {
    // The due ones were born on 22 November; the others on the other days
    // of the year, spread evenly (2026 is not a leap year: 29 February is
    // left out).
    let others: Vec<(i8, i8)> = (1..=12i8)
        .flat_map(|m| {
            let days = match m {
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            (1..=days).map(move |d| (m, d))
        })
        .filter(|md| *md != (11, 22))
        .collect();
    let items: Vec<HashMap<String, AttributeValue>> = (0..scale.total)
        .map(|i| {
            let id = format!("c-{i:06}");
            let (month, day) = if i < scale.due {
                (11, 22)
            } else {
                others[i % others.len()]
            };
            let s = |v: &str| AttributeValue::S(v.to_string());
            HashMap::from([
                ("pk".to_string(), s(&format!("CUSTOMER#{id}"))),
                ("sk".to_string(), s("PROFILE")),
                ("customer_id".to_string(), s(&id)),
                ("email".to_string(), s(&format!("{id}@example.com"))),
                ("birthday".to_string(), s(&format!("--{month:02}-{day:02}"))),
                ("marketing_consent".to_string(), AttributeValue::Bool(true)),
                (
                    "gsi3pk".to_string(),
                    s(&birthday_partition(month, day, shard_of(&id))),
                ),
                ("gsi3sk".to_string(), s(&id)),
            ])
        })
        .collect();
    write_all(stack, items).await
}

/// The child: runs `function`'s handler once at `now` with everything from
/// the environment, and prints its summary with its memory as JSON.
pub fn child(function: &str, now: &str) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("a runtime: {e}")))?;
    let now: Timestamp = now
        .parse()
        .map_err(|e| Error::Setup(format!("{now}: {e}")))?;
    let env = memnun_shared::config::Env::from_process();
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .map_err(|_| Error::Setup("AWS_ENDPOINT_URL is not set".into()))?;
    let summary = runtime.block_on(async {
        // The tests' client configuration: no operation timeouts, which an
        // index query of the emulator over 100,000 items would exceed.
        let aws = memnun_tests::stack::client_config(&endpoint).await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
        let publisher =
            memnun_shared::adapters::sqs::SqsPublisher::new(aws_sdk_sqs::Client::new(&aws));
        let deadline = Timestamp::now() + SignedDuration::from_hours(2);
        let rss_before = crate::process::own_status("VmRSS");
        let cpu_before = crate::floor::cpu_ns();
        let summary = match function {
            "sla-monitor" => {
                let config =
                    sla_monitor::Config::from_env(&env).map_err(|e| Error::Setup(e.to_string()))?;
                let store = DynamoStore::new(dynamodb, &config.table, String::new());
                let handler = sla_monitor::Handler::new(config, store, publisher);
                let sweep = handler
                    .sweep(now, deadline)
                    .await
                    .map_err(|e| Error::Run(e.to_string()))?;
                serde_json::to_value(&sweep)
            }
            "birthday-scheduler" => {
                let config = birthday_scheduler::Config::from_env(&env)
                    .map_err(|e| Error::Setup(e.to_string()))?;
                let store = DynamoStore::new(dynamodb, &config.table, String::new());
                let handler = birthday_scheduler::Handler::new(config, store, publisher);
                let run = handler
                    .run(now, deadline)
                    .await
                    .map_err(|e| Error::Run(e.to_string()))?;
                serde_json::to_value(&run)
            }
            other => return Err(Error::Setup(format!("no fan-out case for {other}"))),
        }
        .map_err(|e| Error::Run(e.to_string()))?;
        Ok::<_, Error>(serde_json::json!({
            "summary": summary,
            "rss_before_kib": rss_before?,
            "peak_rss_kib": crate::process::own_status("VmHWM")?,
            "cpu_s": (crate::floor::cpu_ns() - cpu_before) as f64 / 1e9,
        }))
    })?;
    println!("{summary}");
    Ok(())
}
