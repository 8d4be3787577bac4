//! The per-function figures, measured against the stub: init, peak memory
//! over a batch, CPU per event and per AWS call, concurrency inside a
//! batch, and the first call over TLS with and without priming.

use std::collections::BTreeMap;
use std::time::Duration;

use memnun_tests::runtime_api::Answer;
use serde::Serialize;
use serde_json::Value;

use crate::Error;
use crate::billing::{PerEvent, Units};
use crate::process::{Invocation, Launch, Running};
use crate::stats::{Summary, summarize};
use crate::stub::{Call, Service, Stub};
use crate::workload::{Seeder, Work};

/// How many runs, how big a batch.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Plan {
    /// Measured runs per figure (at least 30 for the README).
    pub runs: usize,
    /// Runs before those, not counted.
    pub warmup: usize,
    /// Events in a batch.
    pub batch: usize,
    /// What every stub answer waits for the concurrency figure, in ms.
    pub delay_ms: u64,
}

/// Everything measured for one function (memnun's or the peer's).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    /// Spawn to first request for work, in ms (plain HTTP stub), measured
    /// with every function in turn ([`init_in_turn`]) when the run did so.
    pub init_ms: Option<Summary>,
    /// The same, measured in this function's own phase: the processes that
    /// each go on to run a batch, minutes from the other functions' phases.
    /// Kept beside `init_ms` for comparison (it comes out higher: see
    /// docs/performance.md, "How each figure is measured").
    pub init_own_phase_ms: Option<Summary>,
    /// Peak resident memory after init, in MiB.
    pub rss_after_init_mib: Option<Summary>,
    /// Peak resident memory over init and one batch, in MiB.
    pub rss_batch_mib: Option<Summary>,
    /// CPU per event, warm, in µs.
    pub cpu_per_event_us: Option<Summary>,
    /// CPU per AWS call, warm, in µs.
    pub cpu_per_call_us: Option<Summary>,
    /// AWS calls per event.
    pub calls_per_event: Option<f64>,
    /// What an event uses that AWS bills: request units, SQS requests,
    /// emails (one warm batch, per event).
    pub billed_per_event: Option<crate::billing::PerEvent>,
    /// The calls of one warm batch, by `service:operation`.
    pub calls_per_batch: BTreeMap<String, usize>,
    /// CPU over all warm runs from `/proc/<pid>/stat`, in clock ticks, and
    /// the events they handled (a cross-check of the CPU clock).
    pub stat_ticks: Option<(u64, usize)>,
    /// Wall time of one event alone with every AWS answer delayed, in ms.
    pub single_delayed_ms: Option<Summary>,
    /// Wall time of a batch with every AWS answer delayed, in ms.
    pub batch_delayed_ms: Option<Summary>,
    /// Batch time over single time (medians).
    pub concurrency_ratio: Option<f64>,
    /// Wall time of a warm batch without delay, in ms (for the cost line).
    pub batch_warm_ms: Option<Summary>,
    /// Init over TLS with priming, in ms.
    pub init_tls_primed_ms: Option<Summary>,
    /// Init over TLS without priming, in ms.
    pub init_tls_unprimed_ms: Option<Summary>,
    /// The first event's latency over TLS after a priming init, in ms.
    pub first_call_primed_ms: Option<Summary>,
    /// The first event's latency over TLS without priming, in ms.
    pub first_call_unprimed_ms: Option<Summary>,
    /// Events that failed (error answers or batch item failures), all runs.
    pub failed_events: usize,
    /// A failure's answer, to see why.
    pub failure_example: Option<String>,
    /// Why a figure is missing.
    pub notes: Vec<String>,
}

/// What a function is, measured with which launcher.
pub struct Subject<'a> {
    /// Its workload.
    pub work: &'a (dyn Work + Send + Sync),
    /// The launch against the stub, over plain HTTP or TLS.
    pub launch: &'a dyn Fn(&Stub, Transport) -> Launch,
    /// Whether it primes its connections during init (the peer does not).
    pub primes: bool,
}

/// How a function reaches the stub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Plain HTTP, the function as configured.
    Plain,
    /// TLS, the function priming its connections at init (memnun's default).
    TlsPrimed,
    /// TLS, priming switched off (`TLS_PRIMING=off`).
    TlsUnprimed,
}

const MIB: f64 = 1024.0;
const TIMEOUT: Duration = Duration::from_secs(120);

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Events that failed in an answer: an error counts all, a batch response
/// its item failures, an HTTP answer of 500 or more all.
fn failures(answer: &Answer, events: usize) -> usize {
    match answer {
        Answer::Error(_) => events,
        Answer::Response(body) => {
            let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            if let Some(f) = v["batchItemFailures"].as_array() {
                return f.len();
            }
            if v["statusCode"].as_u64().is_some_and(|s| s >= 400) {
                return events;
            }
            if v["failed"].as_u64().is_some_and(|f| f > 0) {
                return v["failed"].as_u64().unwrap_or(0) as usize;
            }
            0
        }
    }
}

struct Batch {
    wall: Duration,
    cpu_ns: u64,
    failed: usize,
    example: Option<String>,
}

fn run_batch(running: &Running, payloads: &[String], events: usize) -> Result<Batch, Error> {
    let per = events / payloads.len().max(1);
    let mut batch = Batch {
        wall: Duration::ZERO,
        cpu_ns: 0,
        failed: 0,
        example: None,
    };
    for payload in payloads {
        let Invocation {
            answer,
            wall,
            cpu_ns,
        } = running.invoke(payload, TIMEOUT)?;
        batch.wall += wall;
        batch.cpu_ns += cpu_ns;
        let failed = failures(&answer, per.max(1));
        if failed > 0 {
            batch.failed += failed;
            if batch.example.is_none() {
                batch.example = Some(match &answer {
                    Answer::Error(e) => e.clone(),
                    Answer::Response(r) => r.chars().take(600).collect(),
                });
            }
        }
    }
    Ok(batch)
}

fn note_failures(figures: &mut Figures, batch: &Batch) {
    figures.failed_events += batch.failed;
    if figures.failure_example.is_none() {
        figures.failure_example.clone_from(&batch.example);
    }
}

fn count_calls(calls: &[Call]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for c in calls {
        *out.entry(format!("{}:{}", c.service.name(), c.operation))
            .or_default() += 1;
    }
    out
}

/// What `calls` for `n` events use that AWS bills, per event.
fn billed(calls: &[Call], n: usize) -> PerEvent {
    let mut units = Units::default();
    let (mut sqs, mut emails) = (0usize, 0usize);
    for c in calls {
        units += c.units;
        match (c.service, c.operation.as_str()) {
            (Service::Sqs, _) => sqs += 1,
            (Service::Ses, "SendEmail" | "SendRawEmail") => emails += 1,
            _ => {}
        }
    }
    let n = n.max(1) as f64;
    PerEvent {
        write_units: f64::from(units.write) / n,
        read_units: f64::from(units.read_halves) / 2.0 / n,
        sqs_requests: sqs as f64 / n,
        emails: emails as f64 / n,
    }
}

/// Measures `subject` against the stub, over plain HTTP and (when the stub
/// has a certificate) over TLS.
pub fn measure(
    plan: &Plan,
    subject: &Subject<'_>,
    seeder: &Seeder<'_>,
    progress: &dyn Fn(&str),
) -> Result<Figures, Error> {
    let mut f = Figures::default();
    let stub = seeder.stub;
    let n = plan.batch;
    let total = plan.warmup + plan.runs;

    // Init and memory: a fresh process per run, one batch each.
    progress("init and memory");
    stub.set_delay(Duration::ZERO);
    subject.work.prepare(seeder, n)?;
    let (mut init, mut idle, mut peak) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..total {
        let running = Running::start(&(subject.launch)(stub, Transport::Plain))?;
        let after_init = running.peak_rss_kib()?;
        stub.reset();
        let batch = run_batch(&running, &subject.work.payloads(n, run)?, n)?;
        let after_batch = running.peak_rss_kib()?;
        if run >= plan.warmup {
            init.push(ms(running.init));
            idle.push(after_init as f64 / MIB);
            peak.push(after_batch as f64 / MIB);
            note_failures(&mut f, &batch);
        }
    }
    f.init_ms = summarize(&init);
    f.rss_after_init_mib = summarize(&idle);
    f.rss_batch_mib = summarize(&peak);

    // CPU: one warm process, a batch per run.
    progress("CPU per event");
    let running = Running::start(&(subject.launch)(stub, Transport::Plain))?;
    let (mut per_event, mut per_call, mut warm_wall) = (Vec::new(), Vec::new(), Vec::new());
    let mut calls_per_event = Vec::new();
    let mut ticks_before = None;
    for run in 0..total {
        if run == plan.warmup {
            ticks_before = Some(running.stat_cpu()?);
        }
        stub.reset();
        stub.take_calls();
        let batch = run_batch(&running, &subject.work.payloads(n, total + run)?, n)?;
        let calls = stub.take_calls();
        if run >= plan.warmup {
            note_failures(&mut f, &batch);
            let cpu_us = batch.cpu_ns as f64 / 1000.0;
            per_event.push(cpu_us / n as f64);
            if !calls.is_empty() {
                per_call.push(cpu_us / calls.len() as f64);
            }
            calls_per_event.push(calls.len() as f64 / n as f64);
            warm_wall.push(ms(batch.wall));
            f.calls_per_batch = count_calls(&calls);
            f.billed_per_event = Some(billed(&calls, n));
        }
    }
    if let Some(before) = ticks_before {
        f.stat_ticks = Some((running.stat_cpu()?.saturating_sub(before), plan.runs * n));
    }
    drop(running);
    f.cpu_per_event_us = summarize(&per_event);
    f.cpu_per_call_us = summarize(&per_call);
    f.calls_per_event = summarize(&calls_per_event).map(|s| s.median);
    f.batch_warm_ms = summarize(&warm_wall);

    // Concurrency: every answer 20 ms late; one event, then a batch.
    if subject.work.concurrent() {
        progress("concurrency");
        stub.set_delay(Duration::from_millis(plan.delay_ms));
        let mut walls = Vec::new();
        for size in [1, n] {
            subject.work.prepare(seeder, size)?;
            let running = Running::start(&(subject.launch)(stub, Transport::Plain))?;
            let mut wall = Vec::new();
            for run in 0..total {
                stub.reset();
                let batch = run_batch(&running, &subject.work.alike(size, 3 * total + run)?, size)?;
                if run >= plan.warmup {
                    note_failures(&mut f, &batch);
                    wall.push(ms(batch.wall));
                }
            }
            walls.push(summarize(&wall));
        }
        stub.set_delay(Duration::ZERO);
        f.single_delayed_ms = walls[0];
        f.batch_delayed_ms = walls[1];
        if let (Some(one), Some(all)) = (walls[0], walls[1]) {
            f.concurrency_ratio = Some(all.median / one.median);
        }
    } else {
        f.notes
            .push("concurrency: one event per invocation, nothing to run at the same time".into());
    }

    // The first call over TLS, with and without priming.
    if stub.has_tls() {
        progress("first call over TLS");
        subject.work.prepare(seeder, 1)?;
        let modes: &[Transport] = if subject.primes {
            &[Transport::TlsPrimed, Transport::TlsUnprimed]
        } else {
            &[Transport::TlsUnprimed]
        };
        for mode in modes {
            let (mut inits, mut firsts) = (Vec::new(), Vec::new());
            for run in 0..total {
                stub.reset();
                let running = Running::start(&(subject.launch)(stub, *mode))?;
                let batch = run_batch(&running, &subject.work.payloads(1, 5 * total + run)?, 1)?;
                if run >= plan.warmup {
                    note_failures(&mut f, &batch);
                    inits.push(ms(running.init));
                    firsts.push(ms(batch.wall));
                }
            }
            if *mode == Transport::TlsPrimed {
                f.init_tls_primed_ms = summarize(&inits);
                f.first_call_primed_ms = summarize(&firsts);
            } else {
                f.init_tls_unprimed_ms = summarize(&inits);
                f.first_call_unprimed_ms = summarize(&firsts);
            }
        }
    } else {
        f.notes
            .push("TLS first call: not measured (no certificate; is openssl installed?)".into());
    }
    Ok(f)
}

/// The init of every launch, measured in turn.
pub struct InTurn {
    /// Per launch, in the order given, in ms.
    pub init_ms: Vec<Option<Summary>>,
    /// Processes started, warm-up rounds included.
    pub processes: usize,
    /// How long the whole phase took.
    pub wall: Duration,
}

/// Measures the init of every launch in turn: round `k` starts each launch
/// once before round `k + 1` starts any, beginning one launch further on
/// each round. Measured one function after another, as each function's
/// own phase does, init moves with whatever else the machine is doing in
/// that function's quarter of an hour: identical binaries have moved by
/// 2.7 ms between runs. In turn, the phase takes seconds and what the
/// machine does falls on every function alike, so they compare fairly with
/// each other and with a target.
pub fn init_in_turn(
    plan: &Plan,
    launches: &[Launch],
    progress: &dyn Fn(&str),
) -> Result<InTurn, Error> {
    progress(&format!(
        "{} programs, {} rounds",
        launches.len(),
        plan.warmup + plan.runs
    ));
    let started = std::time::Instant::now();
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); launches.len()];
    let mut processes = 0;
    for round in 0..plan.warmup + plan.runs {
        for index in turn(round, launches.len()) {
            let running = Running::start(&launches[index])?;
            processes += 1;
            if round >= plan.warmup {
                samples[index].push(ms(running.init));
            }
        }
    }
    Ok(InTurn {
        init_ms: samples.iter().map(|s| summarize(s)).collect(),
        processes,
        wall: started.elapsed(),
    })
}

/// The order of round `round` over `n` launches: each once, beginning one
/// further on each round, so none always follows the same neighbour.
fn turn(round: usize, n: usize) -> impl Iterator<Item = usize> {
    (0..n).map(move |i| (round + i) % n)
}

/// Init and memory only, for a function without a workload.
pub fn measure_init_only(
    plan: &Plan,
    launch: &Launch,
    progress: &dyn Fn(&str),
) -> Result<Figures, Error> {
    progress("init and memory");
    let mut f = Figures::default();
    let (mut init, mut idle) = (Vec::new(), Vec::new());
    for run in 0..plan.warmup + plan.runs {
        let running = Running::start(launch)?;
        if run >= plan.warmup {
            init.push(ms(running.init));
            idle.push(running.peak_rss_kib()? as f64 / MIB);
        }
    }
    f.init_ms = summarize(&init);
    f.rss_after_init_mib = summarize(&idle);
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::turn;

    #[test]
    fn each_round_starts_every_launch_once_beginning_one_further_on() {
        for round in 0..7 {
            let order: Vec<usize> = turn(round, 3).collect();
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, vec![0, 1, 2], "round {round}: {order:?}");
            assert_eq!(order[0], round % 3);
        }
        assert_eq!(turn(1, 3).collect::<Vec<_>>(), vec![1, 2, 0]);
        assert_eq!(turn(4, 0).count(), 0);
    }
}
