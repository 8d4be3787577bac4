//! The soak: many mixed events through the local run's real function
//! binaries, with duplicates, reordering and injected AWS faults, and the
//! checks of what memnun promises afterwards.
//!
//! It uses the local run's machinery (the template's stack in the emulator,
//! every queue-consuming function's real binary behind its Runtime API,
//! deliveries with batch item failures and the redrive to the dead-letter
//! queue) with the functions' `AWS_ENDPOINT_URL` pointed at a
//! [`FaultProxy`]. The harness itself talks to the emulator directly: faults
//! are for the functions, not for the stand-in of Lambda's event source.
//!
//! Two phases: first customers, reviews, complaints and late orders; then
//! replies and resolutions for the tickets the first phase opened (their
//! numbers are drawn at random, so they are read back from the table). A
//! share of the events is sent twice and a share is moved later in the
//! stream. A few events violate the contract on purpose: they must end in
//! the dead-letter queue with the contract's reason.
//!
//! The events are fed while the functions consume them, each queue held to
//! [`SoakOptions::max_depth`] waiting messages, as a shop's steady stream
//! would be (and because the emulator's queues slow down with every message
//! they hold). Each function runs [`SoakOptions::environments`] execution
//! environments, each taking one batch at a time, as Lambda's SQS poller
//! scales out. What the functions publish to the shop (the outbound queue)
//! is taken as it comes, as the shop's platform would, and checked at the
//! end.
//!
//! With [`SoakOptions::kill_every`], execution environments are also
//! killed: before an invocation, one in that many is armed to die at a point
//! the proxy catches ([`KillAt`]): right after an SES send the emulator
//! accepted (the email is out, its record never written), inside a
//! transaction (applied, unheard), or at another call of the invocation. The
//! process gets SIGKILL there, its batch fails as a whole as on Lambda, and a
//! fresh process (a new init) takes its place. Every SES send a killed
//! invocation made is counted as exposed to the kill: the only other way,
//! besides a lost answer, that an email may arrive twice.
//!
//! An invocation still running at its deadline ([`DEADLINE`]) is ended as
//! Lambda ends a timed-out one: its process is killed and replaced, its
//! batch fails, and its SES sends count as exposed to a kill. Only then may
//! its messages' lease, which runs out at that deadline, pass to another
//! delivery; a process left running past it would send beside the new
//! holder, which Lambda never allows.
//!
//! A difference from AWS, on purpose: a failed message comes back after
//! [`SoakOptions::retry_after`] (31 s: just past the 30 s deadline the local
//! Runtime API gives, as the template's visibility timeouts exceed the
//! functions' timeouts) instead of the queue's visibility timeout.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::SqsBatchResponse;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sqs::types::DeleteMessageBatchRequestEntry;
use serde_json::{Value, json};

use crate::deliver;
use crate::faults::{FaultConfig, FaultCounts, FaultProxy, KillAt};
use crate::local::lambda::FunctionProcess;
use crate::local::report::{self, DeadLetter};
use crate::runtime_api::{Answer, DEADLINE};
use crate::stack::{FunctionSpec, Stack};

/// What to run.
#[derive(Debug, Clone)]
pub struct SoakOptions {
    /// Distinct events to send (duplicates come on top).
    pub events: usize,
    /// Seeds the event stream (and, mixed, the proxy's draws).
    pub seed: u64,
    /// Share of events sent twice.
    pub duplicates: f64,
    /// Share of events moved later in the stream.
    pub out_of_order: f64,
    /// The faults, as fractions of the functions' AWS requests.
    pub faults: FaultConfig,
    /// How long a failed message stays invisible before it comes back.
    pub retry_after: Duration,
    /// Execution environments (processes) per function.
    pub environments: usize,
    /// Messages a queue may hold waiting before the feed pauses.
    pub max_depth: usize,
    /// One invocation in this many is armed to be killed (none when unset).
    pub kill_every: Option<u32>,
    /// Where to write `soak.json` and the functions' logs.
    pub out: PathBuf,
}

impl SoakOptions {
    /// The issue's soak: 10 % twice, 5 % out of order, 20 % faults.
    pub fn standard(events: usize, seed: u64, out: PathBuf) -> Self {
        SoakOptions {
            events,
            seed,
            duplicates: 0.10,
            out_of_order: 0.05,
            faults: FaultConfig::mix(seed, 0.20),
            retry_after: Duration::from_secs(31),
            environments: 4,
            max_depth: 100,
            kill_every: None,
            out,
        }
    }
}

/// What the soak saw; written as `soak.json`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SoakReport {
    /// Distinct events sent.
    pub events: usize,
    /// Of those, sent twice.
    pub sent_twice: usize,
    /// Of those, moved later in the stream.
    pub out_of_order: usize,
    /// Of those, invalid on purpose.
    pub invalid_on_purpose: usize,
    /// Messages put on queues (duplicates included).
    pub messages: usize,
    /// Messages handed to functions, retries included.
    pub deliveries: usize,
    /// Of those, reported failed (and retried).
    pub failed_deliveries: usize,
    /// Deliveries whose invocation outlasted their lease: the message had
    /// come back to another environment meanwhile (a duplicate, as on AWS).
    pub lost_leases: usize,
    /// Events a function reported done.
    pub processed: usize,
    /// Invocations of the queue-consuming functions.
    pub invocations: usize,
    /// Of those, ended at their deadline (killed, as Lambda ends them).
    pub timed_out: usize,
    /// SES sends the emulator accepted during invocations that were killed
    /// (timed-out ones included): the sends a kill may make a retry repeat.
    pub kill_exposed_sends: u64,
    /// Messages in dead-letter queues, with their reasons.
    pub dead_letters: Vec<DeadLetter>,
    /// Dead letters that are not among the invalid-on-purpose events.
    pub unexpected_dead_letters: usize,
    /// Event ids neither processed nor in a dead-letter queue.
    pub lost: Vec<String>,
    /// What the proxy injected.
    pub faults: FaultCounts,
    /// Tickets in the table.
    pub tickets: usize,
    /// Causes (customer, origin, event) with more than one ticket.
    pub duplicate_tickets: usize,
    /// Coupons in the table.
    pub coupons: usize,
    /// Causes (customer, reason, event) with more than one coupon.
    pub duplicate_coupons: usize,
    /// `coupon.issued` messages whose code is not in the table.
    pub unknown_coupons_published: usize,
    /// Emails SES accepted.
    pub emails: usize,
    /// Copies beyond the first of an identical email (recipient, subject, body).
    pub emails_sent_twice: usize,
    /// `emails_sent_twice` / distinct emails.
    pub double_email_rate: f64,
    /// Each email sent more than once, named by the ticket numbers in it
    /// (never its recipient or text) and its copies, to find its event in
    /// the functions' logs.
    pub doubled_emails: Vec<String>,
    /// Seconds from the first send to the last check.
    pub wall_seconds: f64,
    /// When it ran (UTC).
    pub date: String,
    /// Where it ran.
    pub machine: String,
}

/// One message to send.
#[derive(Debug, Clone)]
struct Outgoing {
    id: String,
    queue: &'static str,
    body: String,
}

/// A small seeded generator (splitmix64): the stream is the same for a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

const COMPLAINTS: &[&str] = &[
    "Kargom hâlâ gelmedi, takip numarası da güncellenmiyor.",
    "Kupa kırık geldi, değişim istiyorum.",
    "Yanlış renk gönderilmiş, iade etmek istiyorum.",
    "The blender stopped working after two days.",
    "I was charged twice for the same order.",
    "Paketten eksik ürün çıktı.",
];

fn time_at(i: usize) -> String {
    let base: jiff::Timestamp = "2026-11-22T08:00:00Z"
        .parse()
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let at = base
        .checked_add(jiff::SignedDuration::from_secs(i as i64 * 7))
        .unwrap_or(base);
    memnun_shared::time::to_key(at)
}

fn envelope(id: &str, kind: &str, time: &str, data: Value) -> String {
    crate::events::event(id, kind, time, data)
}

/// What the first phase sends, and what waits for the second.
struct FirstPhase {
    events: Vec<Outgoing>,
    /// Events that violate the contract on purpose, by id.
    invalid: HashSet<String>,
    /// Later steps of returns the first phase requested.
    later: Vec<Outgoing>,
}

/// The first phase: customers, reviews, complaints, late orders, orders'
/// journeys (placed to delivered, some returned and refunded), and a few
/// events that violate the contract.
fn first_phase(rng: &mut Rng, seed: u64, count: usize) -> FirstPhase {
    let customers = (count / 8).max(10);
    let mut out = Vec::with_capacity(count);
    let mut later = Vec::new();
    let mut invalid = HashSet::new();
    for i in 0..count {
        let c = rng.below(customers);
        let customer_id = format!("soak-{seed}-c{c}");
        let email = format!("soak.{seed}.c{c}@example.com");
        let locale = if c.is_multiple_of(3) { "en" } else { "tr" };
        let contact = json!({"email": email, "name": format!("Müşteri {c}"), "locale": locale, "time_zone": "Europe/Istanbul"});
        let time = time_at(i);
        let id = format!("soak-{seed}-e{i}");
        let roll = rng.below(1000);
        let (queue, body) = if roll < 8 {
            invalid.insert(id.clone());
            (
                "reviews",
                envelope(
                    &id,
                    "review.posted",
                    &time,
                    json!({"customer_id": customer_id, "rating": 9}),
                ),
            )
        } else if roll < 158 {
            let mut data = json!({
                "customer_id": customer_id, "email": email, "name": format!("Müşteri {c}"),
                "locale": locale, "time_zone": "Europe/Istanbul",
                "birthday": format!("--{:02}-{:02}", 1 + c % 12, 1 + c % 28),
            });
            if rng.chance(0.5) {
                data["marketing_consent"] = json!(true);
                data["consent_at"] = json!("2025-03-14T12:30:00Z");
                data["consent_source"] = json!("checkout");
            }
            ("customers", envelope(&id, "customer.upserted", &time, data))
        } else if roll < 458 {
            let rating = 1 + rng.below(5);
            (
                "reviews",
                envelope(
                    &id,
                    "review.posted",
                    &time,
                    json!({"customer_id": customer_id, "rating": rating, "product_id": format!("sku-{}", rng.below(50)),
                           "product_name": "Seramik Kupa 350 ml", "order_id": format!("ord-{i}"),
                           "text": "Paketten kırık çıktı.", "customer": contact}),
                ),
            )
        } else if roll < 758 {
            let channels = ["email", "web", "social", "phone", "chat"];
            (
                "tickets",
                envelope(
                    &id,
                    "complaint.created",
                    &time,
                    json!({"customer_id": customer_id, "channel": channels[rng.below(channels.len())],
                           "subject": "Siparişim", "message": COMPLAINTS[rng.below(COMPLAINTS.len())],
                           "order_id": format!("ord-{i}"), "customer": contact}),
                ),
            )
        } else if roll < 858 {
            (
                "orders",
                envelope(
                    &id,
                    "order.delayed",
                    &time,
                    json!({"customer_id": customer_id, "order_id": format!("ord-{i}"),
                           "promised_date": "2026-11-21", "new_date": "2026-11-26",
                           "tracking_url": format!("https://kargo.example.com/track/{i}"), "customer": contact}),
                ),
            )
        } else {
            // An order's journey, each step its own event (the shuffle
            // below delivers some twice and some out of order): placed,
            // shipped, delivered, and for some a return to its refund.
            let order = format!("ord-{i}");
            let rma = format!("RMA-{seed}-{i}");
            let mut steps = vec![
                (
                    "p",
                    "order.placed",
                    json!({"order_id": order, "promised_date": "2026-11-28",
                    "items": [{"product_id": format!("sku-{}", rng.below(50)), "name": "Seramik Kupa 350 ml"}],
                    "customer": contact}),
                ),
                (
                    "s",
                    "order.shipped",
                    json!({"order_id": order, "carrier": "Yurtiçi Kargo",
                    "tracking_number": format!("YK{seed}{i}"),
                    "tracking_url": format!("https://kargo.example.com/track/{i}"), "customer": contact}),
                ),
                (
                    "d",
                    "order.delivered",
                    json!({"order_id": order, "customer": contact}),
                ),
            ];
            if rng.chance(0.3) {
                steps.push((
                    "r",
                    "return.requested",
                    json!({"order_id": order, "return_id": rma,
                           "kind": "return", "reason": "Paketten kırık çıktı.", "customer": contact}),
                ));
                // Its later steps go in the second phase: a step of a return
                // not heard of yet is retried and then dead-lettered, which a
                // shuffle here could make of a request moved far enough.
                for (suffix, kind, mut data) in [
                    ("v", "return.received", json!({"return_id": rma})),
                    (
                        "f",
                        "refund.issued",
                        json!({"order_id": order, "return_id": rma,
                               "amount": "149.90", "currency": "TRY", "method": "card"}),
                    ),
                ] {
                    data["customer_id"] = json!(customer_id);
                    let step_id = format!("{id}-{suffix}");
                    let body = envelope(&step_id, kind, &time, data);
                    later.push(Outgoing {
                        id: step_id,
                        queue: "orders",
                        body,
                    });
                }
            }
            for (suffix, kind, mut data) in steps {
                data["customer_id"] = json!(customer_id);
                let step_id = format!("{id}-{suffix}");
                let body = envelope(&step_id, kind, &time, data);
                out.push(Outgoing {
                    id: step_id,
                    queue: "orders",
                    body,
                });
            }
            continue;
        };
        out.push(Outgoing { id, queue, body });
    }
    FirstPhase {
        events: out,
        invalid,
        later,
    }
}

/// The second phase: an agent's reply and then the resolution for tickets
/// the first phase opened, `count` events in all.
fn second_phase(rng: &mut Rng, seed: u64, tickets: &[String], count: usize) -> Vec<Outgoing> {
    let mut out = Vec::with_capacity(count);
    let mut order: Vec<&String> = tickets.iter().collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    for (n, ticket) in order.into_iter().enumerate() {
        if out.len() + 2 > count {
            break;
        }
        let time = time_at(100_000 + n * 2);
        let reply = format!("soak-{seed}-r{n}");
        out.push(Outgoing {
            body: envelope(
                &reply,
                "ticket.replied",
                &time,
                json!({"ticket_id": ticket, "author": "agent"}),
            ),
            id: reply,
            queue: "tickets",
        });
        let time = time_at(100_000 + n * 2 + 1);
        let resolve = format!("soak-{seed}-s{n}");
        out.push(Outgoing {
            body: envelope(
                &resolve,
                "ticket.resolved",
                &time,
                json!({"ticket_id": ticket}),
            ),
            id: resolve,
            queue: "tickets",
        });
    }
    out
}

/// The send order: each event once, a share twice (the copy later), a share
/// moved later. Answers the stream and (sent twice, moved).
fn shuffle(
    rng: &mut Rng,
    events: Vec<Outgoing>,
    options: &SoakOptions,
) -> (Vec<Outgoing>, usize, usize) {
    let mut stream: Vec<Outgoing> = Vec::with_capacity(events.len() * 11 / 10 + 1);
    let mut moved = Vec::new();
    let mut twice = Vec::new();
    let mut n_twice = 0;
    let mut n_moved = 0;
    for e in events {
        if rng.chance(options.duplicates) {
            twice.push((stream.len() + 1 + rng.below(200), e.clone()));
            n_twice += 1;
        }
        if rng.chance(options.out_of_order) {
            moved.push((stream.len() + 1 + rng.below(100), e));
            n_moved += 1;
        } else {
            stream.push(e);
        }
    }
    let mut later: Vec<(usize, Outgoing)> = moved.into_iter().chain(twice).collect();
    later.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    for (at, e) in later {
        let at = at.min(stream.len());
        stream.insert(at, e);
    }
    (stream, n_twice, n_moved)
}

/// One execution environment: a function's process, replaced when killed.
struct Running {
    process: tokio::sync::Mutex<FunctionProcess>,
    spec: FunctionSpec,
    /// What it signs its AWS requests with: `<function>.<environment>`.
    key_id: String,
    binary: PathBuf,
    log_path: PathBuf,
    endpoint: String,
    /// Draws its kills.
    rng: Mutex<Rng>,
}

impl Running {
    fn start(
        spec: &FunctionSpec,
        environment: usize,
        options: &SoakOptions,
        endpoint: &str,
    ) -> Result<Running, String> {
        let key_id = format!("{}.{environment}", spec.name);
        let binary = crate::function_binary(&spec.name);
        let log_path = options.out.join("logs").join(format!("{key_id}.log"));
        let running = Running {
            process: tokio::sync::Mutex::new(Self::spawn(
                spec, &key_id, &binary, &log_path, endpoint,
            )?),
            spec: spec.clone(),
            rng: Mutex::new(Rng(options.seed
                ^ (environment as u64) << 32
                ^ key_id.len() as u64)),
            key_id,
            binary,
            log_path,
            endpoint: endpoint.to_string(),
        };
        Ok(running)
    }

    /// A process for this environment, its log appended to.
    fn spawn(
        spec: &FunctionSpec,
        key_id: &str,
        binary: &std::path::Path,
        log_path: &std::path::Path,
        endpoint: &str,
    ) -> Result<FunctionProcess, String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path)
            .map_err(|e| format!("{}: {e}", log_path.display()))?;
        FunctionProcess::start_signed(&spec.name, key_id, binary, &spec.env, endpoint, log)
    }

    /// A new process after a kill. An init can fail under the soak's load
    /// and faults (its secret read meeting the proxy's errors several times
    /// over, say); Lambda then starts another environment for the next
    /// invocation, and so does this, up to six times, waiting a little
    /// longer each time.
    async fn restart(&self) -> Result<FunctionProcess, String> {
        let mut last = String::new();
        for attempt in 1..=6 {
            // Waiting for an init blocks, so it waits on a thread of its
            // own. Not `block_in_place`: every environment's deliveries are
            // joined in one task, which would stop with this thread, and a
            // request of theirs caught between its connect and its first
            // byte would hold the emulator (one request at a time) against
            // the very init being waited for.
            let (spec, key_id, binary, log_path, endpoint) = (
                self.spec.clone(),
                self.key_id.clone(),
                self.binary.clone(),
                self.log_path.clone(),
                self.endpoint.clone(),
            );
            let started = tokio::task::spawn_blocking(move || {
                Self::spawn(&spec, &key_id, &binary, &log_path, &endpoint)
            })
            .await
            .map_err(|e| format!("the thread starting {} failed: {e}", self.key_id))?;
            match started {
                Ok(process) => return Ok(process),
                Err(e) => last = e,
            }
            tokio::time::sleep(Duration::from_secs(attempt)).await;
        }
        Err(last)
    }

    /// Where this invocation is to be killed, if it is.
    fn draw_kill(&self, options: &SoakOptions) -> Option<KillAt> {
        let every = options.kill_every?;
        let mut rng = self.rng.lock().ok()?;
        if !rng.chance(1.0 / f64::from(every.max(1))) {
            return None;
        }
        Some(match rng.below(3) {
            0 => KillAt::SesSend,
            1 => KillAt::Transaction,
            _ => KillAt::Request(1 + rng.below(12) as u32),
        })
    }
}

/// Runs the soak; answers its report (also written to `<out>/soak.json`).
pub async fn run(options: SoakOptions, mut say: impl FnMut(&str)) -> Result<SoakReport, String> {
    std::fs::create_dir_all(options.out.join("logs"))
        .map_err(|e| format!("{}: {e}", options.out.display()))?;
    say("starting the AWS emulator and creating the template's resources");
    let stack = Stack::start().await;
    let proxy = FaultProxy::start(stack.emulator.port(), options.faults.clone())
        .map_err(|e| format!("cannot start the fault proxy: {e}"))?;
    say(&format!(
        "fault proxy {} → emulator {}",
        proxy.endpoint(),
        stack.emulator.endpoint()
    ));

    let mut running = Vec::new();
    for spec in stack.function_specs()? {
        if spec.queues.is_empty() {
            continue;
        }
        for environment in 1..=options.environments.max(1) {
            running.push(Running::start(
                &spec,
                environment,
                &options,
                &proxy.endpoint(),
            )?);
        }
        say(&format!(
            "  {} is up ({} environments)",
            spec.name,
            options.environments.max(1)
        ));
    }
    proxy.set_enabled(true);

    let started = Instant::now();
    let mut rng = Rng(options.seed);
    let first_count = options.events * 4 / 5;
    let FirstPhase {
        events: first,
        invalid,
        later,
    } = first_phase(&mut rng, options.seed, first_count);
    let mut report = SoakReport {
        invalid_on_purpose: invalid.len(),
        ..SoakReport::default()
    };
    let mut sent: HashSet<String> = HashSet::new();
    let tally = Tally::default();

    let phases = Phases {
        stack: &stack,
        proxy: &proxy,
        running: &running,
        options: &options,
        tally: &tally,
    };
    phases
        .run(
            "phase 1",
            &mut rng,
            first,
            (&mut sent, &mut report),
            &mut say,
        )
        .await?;
    say(&format!(
        "phase 1 done in {:.0} s; faults so far: {}",
        started.elapsed().as_secs_f64(),
        proxy.counts().injected()
    ));

    let tickets: Vec<String> = scan(&stack, "TICKET#")
        .await
        .iter()
        .filter(|i| str_attr(i, "sk") == Some("TICKET"))
        .filter_map(|i| str_attr(i, "number").map(str::to_string))
        .collect();
    let mut second = second_phase(
        &mut rng,
        options.seed,
        &tickets,
        options.events.saturating_sub(first_count),
    );
    second.extend(later);
    phases
        .run(
            "phase 2",
            &mut rng,
            second,
            (&mut sent, &mut report),
            &mut say,
        )
        .await?;
    proxy.set_enabled(false);
    report.wall_seconds = started.elapsed().as_secs_f64();
    say(&format!(
        "phase 2 done at {:.0} s; checking",
        report.wall_seconds
    ));

    report.events = sent.len();
    report.faults = proxy.counts();
    let (deliveries, failed, lost_leases) = tally.counters.lock().map(|c| *c).unwrap_or_default();
    let ended = tally.invocations.lock().map(|k| *k).unwrap_or_default();
    report.invocations = ended.invocations;
    report.timed_out = ended.timed_out;
    report.kill_exposed_sends = ended.exposed_sends;
    report.lost_leases = lost_leases;
    report.deliveries = deliveries;
    report.failed_deliveries = failed;
    let processed = tally
        .processed
        .lock()
        .map(|p| p.clone())
        .unwrap_or_default();
    report.processed = processed.len();
    let mut published = tally
        .published
        .lock()
        .map(|p| p.clone())
        .unwrap_or_default();
    published.extend(stack.drain_raw(&stack.queue("outbound").url).await);
    check(&stack, &sent, &processed, &published, &invalid, &mut report).await;
    report.date = jiff::Timestamp::now().to_string();
    report.machine = machine();
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(options.out.join("soak.json"), json).map_err(|e| e.to_string())?;
    drop(running);
    Ok(report)
}

/// What every phase of a soak shares.
struct Phases<'a> {
    stack: &'a Stack,
    proxy: &'a FaultProxy,
    running: &'a [Running],
    options: &'a SoakOptions,
    tally: &'a Tally,
}

/// What the deliveries of a soak count as they go.
#[derive(Default)]
struct Tally {
    /// Ids of the events whose delivery succeeded.
    processed: Mutex<HashSet<String>>,
    /// Deliveries, failed deliveries, deliveries that outlasted their lease.
    counters: Mutex<(usize, usize, usize)>,
    /// Bodies of the messages the functions published to the shop.
    published: Mutex<Vec<String>>,
    /// How the invocations ended.
    invocations: Mutex<Invocations>,
}

/// How the invocations of a soak ended, as they go.
#[derive(Default, Clone, Copy)]
struct Invocations {
    invocations: usize,
    /// Of those, ended at their deadline.
    timed_out: usize,
    /// SES sends accepted during invocations that were killed.
    exposed_sends: u64,
}

impl Phases<'_> {
    /// Sends `events` in stream order (a share twice, a share late) while
    /// the functions consume them, and waits until every queue is empty.
    async fn run(
        &self,
        name: &str,
        rng: &mut Rng,
        events: Vec<Outgoing>,
        (sent, report): (&mut HashSet<String>, &mut SoakReport),
        say: &mut impl FnMut(&str),
    ) -> Result<(), String> {
        let (stream, twice, moved) = shuffle(rng, events, self.options);
        report.sent_twice += twice;
        report.out_of_order += moved;
        say(&format!("{name}: sending {} messages", stream.len()));
        feed_and_drain(
            self.stack,
            self.proxy,
            self.running,
            self.options,
            &stream,
            (sent, report),
            self.tally,
        )
        .await
    }
}

/// Sends `stream` while the functions consume it, then waits until every
/// queue is empty with nothing in flight.
async fn feed_and_drain(
    stack: &Stack,
    proxy: &FaultProxy,
    running: &[Running],
    options: &SoakOptions,
    stream: &[Outgoing],
    (sent, report): (&mut HashSet<String>, &mut SoakReport),
    tally: &Tally,
) -> Result<(), String> {
    let fed = AtomicBool::new(false);
    let feed = async {
        send_all(stack, stream, options.max_depth, sent, report).await;
        fed.store(true, Ordering::SeqCst);
    };
    let ((), drained) = tokio::join!(feed, drain(stack, proxy, running, options, &fed, tally));
    drained
}

/// Sends the stream in order, pausing while the next message's queue holds
/// `max_depth` or more messages waiting.
async fn send_all(
    stack: &Stack,
    stream: &[Outgoing],
    max_depth: usize,
    sent: &mut HashSet<String>,
    report: &mut SoakReport,
) {
    let mut since_check: HashMap<&str, usize> = HashMap::new();
    for e in stream {
        let count = since_check.entry(e.queue).or_default();
        if *count >= max_depth / 4 {
            while waiting(stack, e.queue).await >= max_depth as u64 {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            *count = 0;
        }
        *count += 1;
        stack.send(e.queue, &e.body).await;
        sent.insert(e.id.clone());
        report.messages += 1;
    }
}

/// Messages waiting (visible) in a queue.
async fn waiting(stack: &Stack, queue: &str) -> u64 {
    stack
        .queue_depth(queue)
        .await
        .map_or(0, |(waiting, _)| waiting)
}

/// Delivers every consumed queue to its function's environments, each
/// environment one invocation at a time (all at once), until the feed is
/// done and every queue is empty with nothing in flight.
///
/// The emulator serves one request at a time, so polling is its load: an
/// environment that finds its queue empty waits longer each time (up to
/// [`EMPTY_PAUSE_MAX`]) before it asks again, and one watcher, not every
/// environment, asks whether everything is done.
async fn drain(
    stack: &Stack,
    proxy: &FaultProxy,
    running: &[Running],
    options: &SoakOptions,
    fed: &AtomicBool,
    tally: &Tally,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(4 * 3600);
    let done = AtomicBool::new(false);
    let done = &done;
    let loops = running.iter().flat_map(|r| {
        r.spec.queues.iter().map(move |(queue, batch)| async move {
            let mut pause = EMPTY_PAUSE_MIN;
            loop {
                if Instant::now() > deadline {
                    return Err(format!("{queue} did not empty within four hours"));
                }
                if deliver_once(stack, proxy, r, queue, *batch, options, tally).await? {
                    pause = EMPTY_PAUSE_MIN;
                    continue;
                }
                if done.load(Ordering::SeqCst) {
                    return Ok(());
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(EMPTY_PAUSE_MAX);
            }
        })
    });
    let mut queues: Vec<&str> = running
        .iter()
        .flat_map(|r| r.spec.queues.iter().map(|(queue, _)| queue.as_str()))
        .collect();
    queues.sort_unstable();
    queues.dedup();
    let watch = async {
        while Instant::now() <= deadline {
            if fed.load(Ordering::SeqCst) && idle(stack, &queues).await {
                done.store(true, Ordering::SeqCst);
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    };
    // The shop's integration takes what the functions publish as it comes,
    // as a shop's platform would: a queue nobody empties makes the
    // emulator slower with every message it holds.
    let shop = async {
        let url = &stack.queue("outbound").url;
        let mut pause = EMPTY_PAUSE_MIN;
        loop {
            let bodies = take(stack, url).await;
            if !bodies.is_empty() {
                if let Ok(mut published) = tally.published.lock() {
                    published.extend(bodies);
                }
                pause = EMPTY_PAUSE_MIN;
                continue;
            }
            if done.load(Ordering::SeqCst) || Instant::now() > deadline {
                return;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(EMPTY_PAUSE_MAX);
        }
    };
    let ((), (), drained) = tokio::join!(watch, shop, futures_util::future::join_all(loops));
    drained
        .into_iter()
        .collect::<Result<Vec<()>, String>>()
        .map(|_| ())
}

/// Receives up to ten messages from the queue at `url` and deletes them;
/// answers their bodies (none when the queue is empty or the emulator
/// refused: the next call tries again).
async fn take(stack: &Stack, url: &str) -> Vec<String> {
    let Ok(out) = stack
        .sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .send()
        .await
    else {
        return Vec::new();
    };
    let messages = out.messages.unwrap_or_default();
    let entries: Vec<DeleteMessageBatchRequestEntry> = messages
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            DeleteMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .set_receipt_handle(m.receipt_handle.clone())
                .build()
                .ok()
        })
        .collect();
    if !entries.is_empty() {
        let deleted = stack
            .sqs
            .delete_message_batch()
            .queue_url(url)
            .set_entries(Some(entries))
            .send()
            .await;
        if deleted.is_err() {
            // Not deleted: they come back after their visibility timeout
            // and are taken again; the check counts codes, not copies.
            return Vec::new();
        }
    }
    messages.into_iter().filter_map(|m| m.body).collect()
}

/// The first wait of an environment that found its queue empty.
const EMPTY_PAUSE_MIN: Duration = Duration::from_millis(100);
/// The longest wait of an environment whose queue stays empty.
const EMPTY_PAUSE_MAX: Duration = Duration::from_secs(2);

/// One receive-invoke-settle round; answers whether there were messages, or
/// why a killed environment could not be started again.
async fn deliver_once(
    stack: &Stack,
    proxy: &FaultProxy,
    r: &Running,
    queue: &str,
    batch_size: i32,
    options: &SoakOptions,
    tally: &Tally,
) -> Result<bool, String> {
    let q = stack.queue(queue);
    // Leased for longer than an invocation may run, as the template's
    // visibility timeouts exceed the functions' timeouts.
    let event =
        deliver::receive_leased(&stack.sqs, &q.url, &q.arn, batch_size, LEASE_SECONDS).await;
    if event.records.is_empty() {
        return Ok(false);
    }
    let handles = deliver::handles(&event);
    let ids: HashMap<String, Option<String>> = event
        .records
        .iter()
        .map(|m| {
            let id = m
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str::<Value>(b).ok())
                .and_then(|v| v["id"].as_str().map(str::to_string));
            (m.message_id.clone().unwrap_or_default(), id)
        })
        .collect();
    let payload = serde_json::to_string(&event).unwrap_or_default();
    let answer = invoke(proxy, r, payload, options, tally).await?;
    let failed: Vec<String> = match answer {
        Answer::Response(body) => serde_json::from_str::<SqsBatchResponse>(&body)
            .unwrap_or_default()
            .batch_item_failures
            .into_iter()
            .map(|f| f.item_identifier)
            .collect(),
        // An invocation error fails the whole batch, as on Lambda.
        Answer::Error(_) => handles.iter().map(|(id, _)| id.clone()).collect(),
    };
    // An invocation that outlasted its messages' lease would lose them:
    // they would have come back to another environment under a new receipt
    // handle, and the old one is refused. The lease outlasts the deadline,
    // so this is counted, not expected; were it to happen, the later
    // delivery counts, as on AWS, and nothing is lost or settled here.
    for (message, receipt) in &handles {
        if failed.contains(message) {
            let seconds = i32::try_from(options.retry_after.as_secs()).unwrap_or(30);
            let released = stack
                .sqs
                .change_message_visibility()
                .queue_url(&q.url)
                .receipt_handle(receipt)
                .visibility_timeout(seconds)
                .send()
                .await;
            if released.is_err() {
                count_lost_lease(&tally.counters);
            }
        } else {
            let deleted = stack
                .sqs
                .delete_message()
                .queue_url(&q.url)
                .receipt_handle(receipt)
                .send()
                .await;
            if deleted.is_err() {
                count_lost_lease(&tally.counters);
            }
            if let (Ok(mut done), Some(Some(id))) = (tally.processed.lock(), ids.get(message)) {
                done.insert(id.clone());
            }
        }
    }
    if let Ok(mut c) = tally.counters.lock() {
        c.0 += handles.len();
        c.1 += failed.len();
    }
    Ok(true)
}

/// Invokes the environment's process with `payload`; when the invocation
/// was drawn to be killed and the kill strikes, or it is still running at
/// its deadline, kills the process, starts a fresh one in its place and
/// answers the error Lambda reports.
async fn invoke(
    proxy: &FaultProxy,
    r: &Running,
    payload: String,
    options: &SoakOptions,
    tally: &Tally,
) -> Result<Answer, String> {
    let mut process = r.process.lock().await;
    let kill = r.draw_kill(options);
    let sends_before = proxy.ses_sends_of(&r.key_id);
    if let Some(at) = kill {
        proxy.arm_kill(&r.key_id, at);
    }
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let mut timed_out = false;
    let answer = {
        let invocation = process.invoke(payload);
        tokio::pin!(invocation);
        loop {
            tokio::select! {
                answer = &mut invocation => break Some(answer),
                () = tokio::time::sleep_until(deadline) => {
                    timed_out = true;
                    break None;
                }
                () = tokio::time::sleep(Duration::from_millis(5)), if kill.is_some() => {
                    if proxy.kill_due(&r.key_id).is_some() {
                        break None;
                    }
                }
            }
        }
    };
    let exposed = match answer {
        Some(_) => 0,
        None => {
            process.kill();
            proxy.killed(&r.key_id);
            // A send of another message of the batch may have reached the
            // emulator before the kill and be accepted just after it: it
            // is the dead invocation's too. Counted once those have
            // landed, before a fresh process signs with the same key.
            tokio::time::sleep(KILL_SETTLE).await;
            proxy.ses_sends_of(&r.key_id).saturating_sub(sends_before)
        }
    };
    if let Ok(mut ended) = tally.invocations.lock() {
        ended.invocations += 1;
        ended.exposed_sends += exposed;
        ended.timed_out += usize::from(timed_out);
    }
    match answer {
        Some(answer) => {
            proxy.disarm(&r.key_id);
            Ok(answer)
        }
        None => {
            proxy.disarm(&r.key_id);
            *process = r.restart().await?;
            Ok(Answer::Error(if timed_out {
                "Sandbox.Timedout: Task timed out".into()
            } else {
                "Runtime.ExitError: killed".into()
            }))
        }
    }
}

/// How long a received message stays hidden: past the deadline and the
/// restart of a timed-out environment, as the template's visibility timeout
/// (180 s) is past the functions' timeout (30 s).
const LEASE_SECONDS: i32 = 180;

/// How long a killed process's requests already on their way are given to
/// land before its SES sends are counted (the emulator answers in
/// milliseconds).
const KILL_SETTLE: Duration = Duration::from_millis(500);

/// Counts a delivery whose lease ran out before its invocation ended.
fn count_lost_lease(counters: &Mutex<(usize, usize, usize)>) {
    if let Ok(mut c) = counters.lock() {
        c.2 += 1;
    }
}

/// Whether every queue is empty with nothing in flight (a queue whose
/// counts cannot be read counts as busy).
async fn idle(stack: &Stack, queues: &[&str]) -> bool {
    for queue in queues {
        if stack.queue_depth(queue).await != Some((0, 0)) {
            return false;
        }
    }
    true
}

type Item = HashMap<String, AttributeValue>;

fn str_attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// Every item of the main table whose `pk` starts with `prefix`, all pages.
async fn scan(stack: &Stack, prefix: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start: Option<Item> = None;
    loop {
        let out = stack
            .dynamodb
            .scan()
            .table_name(&stack.table)
            .filter_expression("begins_with(pk, :p)")
            .expression_attribute_values(":p", AttributeValue::S(prefix.to_string()))
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .expect("scan");
        items.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return items,
        }
    }
}

/// The ticket numbers (`TK-1234-5678`) in a text, as memnun reads them.
fn ticket_numbers(text: &str) -> Vec<String> {
    memnun_shared::domain::ticket::TicketNumber::all_in(text)
        .iter()
        .map(|n| n.as_str().to_owned())
        .collect()
}

/// The checks: every event accounted for; tickets, coupons and emails once.
async fn check(
    stack: &Stack,
    sent: &HashSet<String>,
    processed: &HashSet<String>,
    published: &[String],
    invalid: &HashSet<String>,
    report: &mut SoakReport,
) {
    let mut dead: HashSet<String> = HashSet::new();
    for (name, queue) in &stack.queues {
        for body in stack.drain_raw(&queue.dlq_url).await {
            let letter = report::dead_letter(name, &body);
            if let Some(id) = &letter.event_id {
                dead.insert(id.clone());
                if !invalid.contains(id) {
                    report.unexpected_dead_letters += 1;
                }
            } else {
                report.unexpected_dead_letters += 1;
            }
            report.dead_letters.push(letter);
        }
    }
    let mut lost: Vec<String> = sent
        .iter()
        .filter(|id| !processed.contains(*id) && !dead.contains(*id))
        .cloned()
        .collect();
    lost.sort();
    report.lost = lost;

    let tickets: Vec<Item> = scan(stack, "TICKET#")
        .await
        .into_iter()
        .filter(|i| str_attr(i, "sk") == Some("TICKET"))
        .collect();
    report.tickets = tickets.len();
    report.duplicate_tickets = duplicates(&tickets, &["customer_id", "origin", "source_event"]);
    let coupons: Vec<Item> = scan(stack, "COUPON#")
        .await
        .into_iter()
        .filter(|i| str_attr(i, "sk") == Some("COUPON"))
        .collect();
    report.coupons = coupons.len();
    report.duplicate_coupons = duplicates(&coupons, &["customer_id", "reason", "source_event"]);
    let codes: HashSet<&str> = coupons.iter().filter_map(|c| str_attr(c, "code")).collect();
    report.unknown_coupons_published = published
        .iter()
        .filter_map(|b| serde_json::from_str::<Value>(b).ok())
        .filter(|m| m["type"] == "coupon.issued")
        .filter(|m| {
            !m["data"]["code"]
                .as_str()
                .is_some_and(|c| codes.contains(c))
        })
        .count();

    let emails = stack.emulator.sent_emails();
    report.emails = emails.len();
    let mut copies: HashMap<(Vec<String>, String, String), usize> = HashMap::new();
    for e in &emails {
        *copies
            .entry((e.to.clone(), e.subject.clone(), e.body.clone()))
            .or_default() += 1;
    }
    report.emails_sent_twice = copies.values().map(|n| n - 1).sum();
    report.doubled_emails = copies
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|((_, subject, body), n)| {
            let mut tickets = ticket_numbers(subject);
            tickets.extend(ticket_numbers(body));
            tickets.sort();
            tickets.dedup();
            let named = if tickets.is_empty() {
                "no ticket number".to_string()
            } else {
                tickets.join(" ")
            };
            format!("{named} ({n} copies)")
        })
        .collect();
    report.doubled_emails.sort();
    report.double_email_rate = if copies.is_empty() {
        0.0
    } else {
        report.emails_sent_twice as f64 / copies.len() as f64
    };
}

/// How many causes (the values of `fields`) have more than one item.
fn duplicates(items: &[Item], fields: &[&str]) -> usize {
    let mut by_cause: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for i in items {
        let key = fields
            .iter()
            .map(|f| str_attr(i, f).unwrap_or("").to_string())
            .collect();
        *by_cause.entry(key).or_default() += 1;
    }
    by_cause.values().filter(|n| **n > 1).count()
}

/// The machine, for the record: CPU model, cores, kernel.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, Linux {kernel}")
}

impl SoakReport {
    /// The figures as lines for a terminal.
    pub fn lines(&self) -> String {
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        line(format!(
            "events {} (sent twice {}, out of order {}, invalid on purpose {}), messages {}",
            self.events, self.sent_twice, self.out_of_order, self.invalid_on_purpose, self.messages
        ));
        line(format!(
            "deliveries {} (failed and retried {}, outlasted their lease {}), processed {}, dead letters {} (unexpected {}), lost {}",
            self.deliveries,
            self.failed_deliveries,
            self.lost_leases,
            self.processed,
            self.dead_letters.len(),
            self.unexpected_dead_letters,
            self.lost.len()
        ));
        line(format!(
            "invocations {} (timed out {}), processes killed {:?}, SES sends exposed to kills {} (of them struck right after the send {})",
            self.invocations,
            self.timed_out,
            self.faults.kills,
            self.kill_exposed_sends,
            self.faults.killed_sends
        ));
        line(format!(
            "AWS requests {} (forwarded {}), faults injected {}: {:?}",
            self.faults.requests,
            self.faults.forwarded,
            self.faults.injected(),
            self.faults.by_kind
        ));
        line(format!("faults by code: {:?}", self.faults.by_code));
        line(format!(
            "tickets {} (duplicated {}), coupons {} (duplicated {}, published but unknown {})",
            self.tickets,
            self.duplicate_tickets,
            self.coupons,
            self.duplicate_coupons,
            self.unknown_coupons_published
        ));
        line(format!(
            "emails {} (sent twice {}, rate {:.4} %; SES answers lost after acceptance {})",
            self.emails,
            self.emails_sent_twice,
            self.double_email_rate * 100.0,
            self.faults.lost_sends
        ));
        if !self.doubled_emails.is_empty() {
            line(format!(
                "emails sent twice: {}",
                self.doubled_emails.join(", ")
            ));
        }
        line(format!(
            "wall {:.0} s, {} on {}",
            self.wall_seconds, self.date, self.machine
        ));
        for d in self.dead_letters.iter().take(20) {
            line(format!(
                "dead letter on {}: {} — {}",
                d.queue,
                d.event_id.as_deref().unwrap_or("(no id)"),
                d.reason
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::ticket_numbers;

    #[test]
    fn ticket_numbers_are_read_from_any_text_and_nothing_else() {
        assert_eq!(
            ticket_numbers("Şikâyetiniz TK-4821-0937 alındı; TK-12 değil, TK-0001-0002 de"),
            vec!["TK-4821-0937", "TK-0001-0002"]
        );
        assert!(ticket_numbers("no number here, TK-").is_empty());
    }
}
