//! A fault-injecting proxy on loopback between the functions and the AWS
//! emulator.
//!
//! Functions reach AWS through `AWS_ENDPOINT_URL`; pointed at this proxy, each
//! of their requests is either forwarded to the emulator or, at set rates
//! drawn from a seeded generator, answered with a fault the way AWS fails:
//!
//! - **throttling**, with the real error code and shape of the protocol the
//!   SDK spoke: DynamoDB (JSON 1.0) `ProvisionedThroughputExceededException`
//!   or `ThrottlingException`; SQS (JSON 1.0, query-compatible, so the code
//!   also stands in `x-amzn-query-error`) `RequestThrottled` or
//!   `ThrottlingException`; SES (query protocol, XML) `Throttling`;
//! - **500s**: `InternalServerError` / `InternalFailure` in the same shapes;
//! - **resets**: the connection is torn down (a TCP reset) before the request
//!   reaches the emulator;
//! - **late answers**: the request *is* forwarded and applied, and its answer
//!   held 5.5 s: past the 5 s attempt timeout of DynamoDB and SQS calls, so
//!   the caller gives up on a call that took effect and retries it (a
//!   conditional write then finds its own earlier write), and inside SES's
//!   10 s, so a send that was merely slow is waited for and not repeated;
//! - **lost answers**: the request is forwarded and applied, and the
//!   connection then closed without an answer, as when the network drops it
//!   on the way back. The caller cannot know the call took effect and retries
//!   it. For an SES send that is the one duplicate no store can prevent: an
//!   email SES accepted, sent again.
//!
//! Every SES send the emulator accepted whose answer the caller did not get
//! (lost, or later than SES's attempt timeout for any reason, the emulator's
//! own slowness included) is counted in [`FaultCounts::lost_sends`]: the
//! sends a retry may repeat, and the only emails that may arrive twice.
//!
//! Throttling, 500s and resets never reach the emulator, as on AWS where
//! they are answered before the request is applied. Requests of any other
//! protocol (SSM at init) pass untouched. The proxy injects nothing until
//! [`FaultProxy::set_enabled`], so functions can finish their init first.
//!
//! The emulator answers one request at a time and closes each connection
//! (`tests/emulator/serve.py`); the proxy does the same towards the client.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use memnun_shared::adapters::SES_ATTEMPT_TIMEOUT;

/// A fault the proxy can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// A throttling error with the service's own code.
    Throttle,
    /// A 500 with the service's internal-error code.
    ServerError,
    /// The connection reset before the request was forwarded.
    Reset,
    /// Forwarded and applied; the answer held 5.5 s.
    Slow,
    /// Forwarded and applied; the connection closed without an answer.
    Lost,
}

/// How often each fault happens (fractions of the requests that can be
/// faulted), and the seed that makes a run repeatable in its draws.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FaultConfig {
    /// Seeds the generator.
    pub seed: u64,
    /// Throttling errors.
    pub throttle: f64,
    /// 500s.
    pub server_error: f64,
    /// Connection resets.
    pub reset: f64,
    /// Answers held [`FaultConfig::slow_for`].
    pub slow: f64,
    /// Answers lost after the request was applied.
    pub lost: f64,
    /// How long a late answer is held: past the 5 s attempt timeout of
    /// DynamoDB and SQS calls, inside SES's 10 s.
    #[serde(skip)]
    pub slow_for: Duration,
}

impl FaultConfig {
    /// No faults: a plain forwarding proxy.
    pub fn none(seed: u64) -> Self {
        FaultConfig {
            seed,
            throttle: 0.0,
            server_error: 0.0,
            reset: 0.0,
            slow: 0.0,
            lost: 0.0,
            slow_for: SLOW_FOR,
        }
    }

    /// `total` of the requests faulted, in the soak's mix: half throttling
    /// (the common fault under load), a quarter 500s, the rest resets, one
    /// in 400 of the faults a late answer and one in 1,000 a lost one.
    ///
    /// Late and lost answers are kept rare because on AWS they are far rarer
    /// than throttling (each late one also costs the caller 5 s). At 20 %
    /// faults, one request in 5,000 loses its answer: still hundreds of times
    /// what AWS loses, so that a soak of 10,000 events meets a few lost SES
    /// sends (each one an email sent twice) and a few dozen lost DynamoDB
    /// and SQS answers (each one a retried call that must do no harm: a
    /// conditional write finds its own, a message repeated keeps its id).
    pub fn mix(seed: u64, total: f64) -> Self {
        let slow = total / 400.0;
        let lost = total / 1_000.0;
        FaultConfig {
            seed,
            throttle: total * 0.5,
            server_error: total * 0.25,
            reset: total * 0.25 - slow - lost,
            slow,
            lost,
            slow_for: SLOW_FOR,
        }
    }

    /// The fraction of requests faulted.
    pub fn total(&self) -> f64 {
        self.throttle + self.server_error + self.reset + self.slow + self.lost
    }

    fn pick(&self, draw: f64) -> Option<Fault> {
        let mut edge = self.throttle;
        if draw < edge {
            return Some(Fault::Throttle);
        }
        edge += self.server_error;
        if draw < edge {
            return Some(Fault::ServerError);
        }
        edge += self.reset;
        if draw < edge {
            return Some(Fault::Reset);
        }
        edge += self.slow;
        if draw < edge {
            return Some(Fault::Slow);
        }
        edge += self.lost;
        (draw < edge).then_some(Fault::Lost)
    }
}

/// How long a late answer is held.
const SLOW_FOR: Duration = Duration::from_millis(5_500);

/// An SES send answered later than this after the proxy read it was given
/// up on by the caller ([`SES_ATTEMPT_TIMEOUT`], less a margin for the time
/// the request took to reach the proxy).
const SES_GIVEN_UP_AFTER: Duration = SES_ATTEMPT_TIMEOUT.saturating_sub(Duration::from_millis(100));

/// What the proxy saw and did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FaultCounts {
    /// Requests received.
    pub requests: u64,
    /// Requests forwarded to the emulator (slow ones included).
    pub forwarded: u64,
    /// Faults injected, by kind.
    pub by_kind: BTreeMap<String, u64>,
    /// Faults injected, by `service:error code` (resets, late and lost
    /// answers by `service:reset`, `service:slow`, `service:lost`).
    pub by_code: BTreeMap<String, u64>,
    /// SES sends the emulator accepted whose answer the caller did not get:
    /// lost, or later than SES's attempt timeout. The sends a retry may
    /// repeat.
    pub lost_sends: u64,
    /// SES sends the emulator accepted whose caller was killed before it
    /// heard the answer ([`KillAt::SesSend`]): the other sends a retry may
    /// repeat.
    pub killed_sends: u64,
    /// Processes killed, by where the kill struck ([`KillAt::name`]).
    pub kills: BTreeMap<String, u64>,
}

impl FaultCounts {
    /// All faults injected.
    pub fn injected(&self) -> u64 {
        self.by_kind.values().sum()
    }
}

struct Shared {
    config: FaultConfig,
    upstream: u16,
    enabled: AtomicBool,
    stop: AtomicBool,
    rng: Mutex<u64>,
    counts: Mutex<FaultCounts>,
    /// SES sends the emulator accepted, by key id.
    ses_accepted: Mutex<HashMap<String, u64>>,
    /// Kills armed, by key id, with the requests seen since.
    armed: Mutex<HashMap<String, (KillAt, u32)>>,
    /// Kills due: the key id's process must die now.
    due: Mutex<HashMap<String, KillAt>>,
    /// Whether requests are kept for [`FaultProxy::recorded`].
    recording: AtomicBool,
    recorded: Mutex<Vec<RecordedCall>>,
}

/// One AWS request as the proxy read it, for the IAM proof
/// ([`crate::iam`]): who made it and what it asked.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RecordedCall {
    /// The access key id the request was signed with: the functions of the
    /// local run each sign with their own name.
    pub key_id: String,
    /// The `X-Amz-Target` header (DynamoDB, SQS, SSM), empty for SES's query
    /// protocol.
    pub target: String,
    /// The body as text (JSON, or a form for SES).
    pub body: String,
    /// The request line's method and path (`GET /bucket/key`): what names
    /// an S3 call, which has neither target nor body.
    #[serde(default)]
    pub request: String,
}

/// Where an armed kill strikes the process that signs with a key id: after
/// the proxy forwarded that request to the emulator (it took effect) and
/// before the process hears the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KillAt {
    /// At its next SES send: the email is sent, its record never written.
    SesSend,
    /// At its next `TransactWriteItems`: the transaction applied, unheard.
    Transaction,
    /// At its `n`th request from now, whatever it is.
    Request(u32),
}

impl RecordedCall {
    /// `service:Operation`, as the life of an event lists it
    /// (`dynamodb:PutItem`, `sqs:SendMessageBatch`, `ses:SendRawEmail`).
    pub fn operation(&self) -> String {
        if let Some((service, operation)) = self.target.split_once('.') {
            let service = match service {
                s if s.starts_with("DynamoDB") => "dynamodb",
                "AmazonSQS" => "sqs",
                "AmazonSSM" => "ssm",
                other => other,
            };
            return format!("{service}:{operation}");
        }
        if self.request.starts_with("GET /") && self.body.is_empty() {
            return "s3:GetObject".into();
        }
        let action = self
            .body
            .split('&')
            .find_map(|pair| pair.strip_prefix("Action="))
            .unwrap_or("?");
        format!("ses:{action}")
    }
}

impl KillAt {
    /// The name the soak's report counts kills under.
    pub fn name(self) -> &'static str {
        match self {
            KillAt::SesSend => "after an SES send",
            KillAt::Transaction => "inside a transaction",
            KillAt::Request(_) => "at another call",
        }
    }
}

/// The proxy, stopped on drop.
pub struct FaultProxy {
    port: u16,
    shared: Arc<Shared>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to the emulator on
    /// `upstream`; injects nothing until enabled.
    pub fn start(upstream: u16, config: FaultConfig) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            rng: Mutex::new(config.seed ^ 0x9E37_79B9_7F4A_7C15),
            config,
            upstream,
            enabled: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            counts: Mutex::new(FaultCounts::default()),
            recording: AtomicBool::new(false),
            recorded: Mutex::new(Vec::new()),
            armed: Mutex::new(HashMap::new()),
            ses_accepted: Mutex::new(HashMap::new()),
            due: Mutex::new(HashMap::new()),
        });
        let accept = Arc::clone(&shared);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if accept.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let conn = Arc::clone(&accept);
                thread::spawn(move || {
                    // A client that went away mid-request is not the proxy's concern.
                    let _ = serve(stream, &conn);
                });
            }
        });
        Ok(FaultProxy { port, shared })
    }

    /// The endpoint to give the functions as `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts (or stops) injecting faults.
    pub fn set_enabled(&self, on: bool) {
        self.shared.enabled.store(on, Ordering::SeqCst);
    }

    /// Arms a kill of the process signing with `key_id` at `at`
    /// ([`FaultProxy::kill_due`] then says when).
    pub fn arm_kill(&self, key_id: &str, at: KillAt) {
        if let Ok(mut armed) = self.shared.armed.lock() {
            armed.insert(key_id.to_string(), (at, 0));
        }
    }

    /// SES sends the emulator accepted from the process signing with
    /// `key_id`, so far.
    pub fn ses_sends_of(&self, key_id: &str) -> u64 {
        self.shared
            .ses_accepted
            .lock()
            .ok()
            .and_then(|s| s.get(key_id).copied())
            .unwrap_or(0)
    }

    /// Disarms `key_id` (its invocation ended before the kill struck).
    pub fn disarm(&self, key_id: &str) {
        if let Ok(mut armed) = self.shared.armed.lock() {
            armed.remove(key_id);
        }
    }

    /// Whether the process signing with `key_id` must be killed now, and
    /// where it was struck. The proxy holds that request's answer until
    /// [`FaultProxy::killed`].
    pub fn kill_due(&self, key_id: &str) -> Option<KillAt> {
        self.shared
            .due
            .lock()
            .ok()
            .and_then(|due| due.get(key_id).copied())
    }

    /// The process signing with `key_id` is dead: the held answer is dropped.
    pub fn killed(&self, key_id: &str) {
        if let Ok(mut due) = self.shared.due.lock() {
            due.remove(key_id);
        }
    }

    /// Starts (or stops) keeping every request for [`FaultProxy::recorded`].
    pub fn set_recording(&self, on: bool) {
        self.shared.recording.store(on, Ordering::SeqCst);
    }

    /// The requests kept while recording, in the order they were read.
    pub fn recorded(&self) -> Vec<RecordedCall> {
        self.shared
            .recorded
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// The requests kept while recording, taken: the next call answers only
    /// what comes after.
    pub fn take_recorded(&self) -> Vec<RecordedCall> {
        self.shared
            .recorded
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }

    /// What was seen and injected so far.
    pub fn counts(&self) -> FaultCounts {
        self.shared
            .counts
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag; failing only means
        // it is gone already.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// The AWS protocol a request speaks, from its headers and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// DynamoDB, JSON 1.0 (`X-Amz-Target: DynamoDB_20120810.*`).
    DynamoDb,
    /// SQS, JSON 1.0 (`X-Amz-Target: AmazonSQS.*`).
    SqsJson,
    /// SES v1, the query protocol (form body, XML answers).
    SesQuery,
    /// Anything else (SSM at init): never faulted.
    Other,
}

impl Protocol {
    fn service(self) -> &'static str {
        match self {
            Protocol::DynamoDb => "dynamodb",
            Protocol::SqsJson => "sqs",
            Protocol::SesQuery => "ses",
            Protocol::Other => "other",
        }
    }
}

struct Request {
    head: Vec<u8>,
    body: Vec<u8>,
    protocol: Protocol,
    /// The SES action, for counting lost sends.
    ses_send: bool,
    /// A DynamoDB `TransactWriteItems`.
    transaction: bool,
    /// The access key id it was signed with.
    key_id: String,
    /// When the proxy had read the whole request.
    read_at: Instant,
}

fn serve(mut client: TcpStream, shared: &Shared) -> std::io::Result<()> {
    client.set_nodelay(true)?;
    let fault = if shared.enabled.load(Ordering::SeqCst) {
        let draw = next_draw(shared);
        shared.config.pick(draw)
    } else {
        None
    };
    if fault == Some(Fault::Reset) {
        // Reads a few bytes and closes with the rest unread: the kernel then
        // answers with a reset (RST), not an orderly close, so the client sees
        // "connection reset" mid-request, as when a load balancer drops it.
        let mut first = [0u8; 16];
        let n = client.read(&mut first)?;
        let head = String::from_utf8_lossy(&first[..n]).to_string();
        count(shared, |c| {
            c.requests += 1;
            *c.by_kind.entry("reset".into()).or_default() += 1;
            // The service is not known from 16 bytes; the method is.
            let key = format!("{}:reset", head.split(' ').next().unwrap_or("?"));
            *c.by_code.entry(key).or_default() += 1;
        });
        drop(client);
        return Ok(());
    }
    let request = read_request(&mut client)?;
    if shared.recording.load(Ordering::SeqCst) {
        record(shared, &request);
    }
    let protocol = request.protocol;
    let fault = if protocol == Protocol::Other {
        None
    } else {
        fault
    };
    count(shared, |c| c.requests += 1);
    match fault {
        Some(kind @ (Fault::Throttle | Fault::ServerError)) => {
            let throttle = kind == Fault::Throttle;
            let (code, answer) = error_answer(protocol, throttle, next_draw(shared) < 0.5);
            count(shared, |c| {
                let kind = if throttle { "throttle" } else { "server_error" };
                *c.by_kind.entry(kind.into()).or_default() += 1;
                *c.by_code
                    .entry(format!("{}:{code}", protocol.service()))
                    .or_default() += 1;
            });
            client.write_all(answer.as_bytes())?;
            client.flush()?;
            client.shutdown(Shutdown::Both)
        }
        Some(kind @ (Fault::Slow | Fault::Lost)) => {
            let answer = forward(shared.upstream, &request)?;
            let lost = kind == Fault::Lost;
            let name = if lost { "lost" } else { "slow" };
            count(shared, |c| {
                *c.by_kind.entry(name.into()).or_default() += 1;
                *c.by_code
                    .entry(format!("{}:{name}", protocol.service()))
                    .or_default() += 1;
            });
            if lost {
                forwarded(shared, &request, &answer, true);
                // Closed with the answer unsent: the caller reads the end of
                // the connection where the answer should be.
                return client.shutdown(Shutdown::Both);
            }
            thread::sleep(shared.config.slow_for);
            answer_with(client, shared, &request, &answer)
        }
        _ => {
            let answer = forward(shared.upstream, &request)?;
            let accepted =
                answer.starts_with(b"HTTP/1.1 200") || answer.starts_with(b"HTTP/1.0 200");
            if let Some(at) = strike(shared, &request, accepted) {
                // Applied; the process is killed before it hears the answer.
                count(shared, |c| {
                    c.forwarded += 1;
                    *c.kills.entry(at.name().into()).or_default() += 1;
                    if request.ses_send && accepted {
                        c.killed_sends += 1;
                    }
                });
                return client.shutdown(Shutdown::Both);
            }
            answer_with(client, shared, &request, &answer)
        }
    }
}

/// Whether an armed kill strikes at `request` (already applied), and where:
/// if so, it is made due and the answer held until the process is dead (5 s
/// at most).
fn strike(shared: &Shared, request: &Request, accepted: bool) -> Option<KillAt> {
    let at = {
        let Ok(mut armed) = shared.armed.lock() else {
            return None;
        };
        let (at, seen) = armed.get_mut(&request.key_id)?;
        *seen += 1;
        let hit = match *at {
            KillAt::SesSend => request.ses_send,
            KillAt::Transaction => request.transaction,
            KillAt::Request(n) => *seen >= n,
        };
        if !hit {
            return None;
        }
        let at = *at;
        armed.remove(&request.key_id);
        at
    };
    // Counted before the kill is due, so that the soak sees the send among
    // those its killed invocation made.
    if request.ses_send
        && accepted
        && let Ok(mut sends) = shared.ses_accepted.lock()
    {
        *sends.entry(request.key_id.clone()).or_default() += 1;
    }
    if let Ok(mut due) = shared.due.lock() {
        due.insert(request.key_id.clone(), at);
    }
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        let pending = shared
            .due
            .lock()
            .map(|due| due.contains_key(&request.key_id))
            .unwrap_or(false);
        if !pending {
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    Some(at)
}

/// Writes the emulator's `answer` to the caller, and counts it.
fn answer_with(
    mut client: TcpStream,
    shared: &Shared,
    request: &Request,
    answer: &[u8],
) -> std::io::Result<()> {
    let late = request.read_at.elapsed() >= SES_GIVEN_UP_AFTER;
    forwarded(shared, request, answer, late);
    // A caller that has given up has closed its end; writing may then fail,
    // and nobody is left to tell.
    let written = client.write_all(answer).and_then(|()| client.flush());
    if written.is_ok() {
        client.shutdown(Shutdown::Both)
    } else {
        Ok(())
    }
}

/// Counts a request the emulator answered; `unheard` when the caller did
/// not get the answer (or not in time).
fn forwarded(shared: &Shared, request: &Request, answer: &[u8], unheard: bool) {
    let accepted = answer.starts_with(b"HTTP/1.0 200") || answer.starts_with(b"HTTP/1.1 200");
    if request.ses_send
        && accepted
        && let Ok(mut sends) = shared.ses_accepted.lock()
    {
        *sends.entry(request.key_id.clone()).or_default() += 1;
    }
    count(shared, |c| {
        c.forwarded += 1;
        if request.ses_send && accepted && unheard {
            c.lost_sends += 1;
        }
    });
}

/// A header's value in a request head, by name in any case.
fn header_in(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// The access key id a request was signed with:
/// `Credential=<key id>/<date>/<region>/<service>/aws4_request`.
fn key_id_of(head: &str) -> String {
    header_in(head, "authorization")
        .and_then(|a| {
            let rest = a.split("Credential=").nth(1)?;
            rest.split('/').next().map(str::to_string)
        })
        .unwrap_or_default()
}

/// Keeps `request` as a [`RecordedCall`].
fn record(shared: &Shared, request: &Request) {
    let head = String::from_utf8_lossy(&request.head);
    let call = RecordedCall {
        key_id: request.key_id.clone(),
        target: header_in(&head, "x-amz-target").unwrap_or_default(),
        body: String::from_utf8_lossy(&request.body).into_owned(),
        request: head
            .lines()
            .next()
            .and_then(|line| line.rsplit_once(' ').map(|(r, _)| r.to_owned()))
            .unwrap_or_default(),
    };
    if let Ok(mut recorded) = shared.recorded.lock() {
        recorded.push(call);
    }
}

fn count(shared: &Shared, f: impl FnOnce(&mut FaultCounts)) {
    if let Ok(mut c) = shared.counts.lock() {
        f(&mut c);
    }
}

/// The next draw in [0, 1) from the seeded generator (splitmix64).
fn next_draw(shared: &Shared) -> f64 {
    let Ok(mut state) = shared.rng.lock() else {
        return 1.0;
    };
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Reads one request: the head, then a `Content-Length` body (the SDK sends
/// one for every operation these functions use).
fn read_request(client: &mut TcpStream) -> std::io::Result<Request> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = client.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed before the head ended",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head_text = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let header = |name: &str| {
        head_text.lines().find_map(|l| {
            l.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(|v| v.trim().to_string())
        })
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = client.read(&mut chunk)?;
        if n == 0 {
            // A process killed while sending: the request never reached
            // AWS whole, so it is not forwarded (the emulator, serving one
            // request at a time, would wait for the rest of it for ever).
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed before the body ended",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf.split_off(head_end);
    let target = header("x-amz-target").unwrap_or_default();
    let form = header("content-type").is_some_and(|t| t.contains("x-www-form-urlencoded"));
    let body_text = String::from_utf8_lossy(&body);
    let protocol = if target.starts_with("dynamodb_") {
        Protocol::DynamoDb
    } else if target.starts_with("amazonsqs.") {
        Protocol::SqsJson
    } else if form && body_text.contains("Version=2010-12-01") {
        Protocol::SesQuery
    } else {
        Protocol::Other
    };
    let ses_send = protocol == Protocol::SesQuery
        && (body_text.contains("Action=SendEmail") || body_text.contains("Action=SendRawEmail"));
    let transaction = target.ends_with(".transactwriteitems");
    // The head was lowercased above; the key id keeps its case here.
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    Ok(Request {
        key_id: key_id_of(&head),
        head: buf,
        body,
        protocol,
        ses_send,
        transaction,
        read_at: Instant::now(),
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Sends the request to the emulator and answers its whole response (the
/// emulator closes the connection after each one).
fn forward(upstream: u16, request: &Request) -> std::io::Result<Vec<u8>> {
    let mut up = TcpStream::connect(("127.0.0.1", upstream))?;
    up.set_nodelay(true)?;
    up.set_read_timeout(Some(Duration::from_secs(120)))?;
    up.write_all(&request.head)?;
    up.write_all(&request.body)?;
    up.flush()?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    Ok(answer)
}

/// The error answer AWS gives for a throttle (or a 500) in `protocol`;
/// `alternate` picks the service's second throttling code. Answers the code
/// and the whole HTTP response.
fn error_answer(protocol: Protocol, throttle: bool, alternate: bool) -> (&'static str, String) {
    let request_id = "00000000-0000-4000-8000-00000000f417";
    let (status, reason) = if throttle {
        (400, "Bad Request")
    } else {
        (500, "Internal Server Error")
    };
    let (code, content_type, extra, body) = match protocol {
        Protocol::DynamoDb => {
            let (code, namespace, message) = match (throttle, alternate) {
                (true, false) => (
                    "ProvisionedThroughputExceededException",
                    "com.amazonaws.dynamodb.v20120810",
                    "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
                ),
                (true, true) => (
                    "ThrottlingException",
                    "com.amazon.coral.availability",
                    "Rate of requests exceeds the allowed throughput.",
                ),
                (false, _) => (
                    "InternalServerError",
                    "com.amazonaws.dynamodb.v20120810",
                    "Internal server error",
                ),
            };
            (
                code,
                "application/x-amz-json-1.0",
                String::new(),
                format!(r#"{{"__type":"{namespace}#{code}","message":"{message}"}}"#),
            )
        }
        Protocol::SqsJson => {
            let (code, fault, message) = match (throttle, alternate) {
                (true, false) => ("RequestThrottled", "Sender", "Request is throttled."),
                (true, true) => ("ThrottlingException", "Sender", "Rate exceeded"),
                (false, _) => (
                    "InternalFailure",
                    "Receiver",
                    "The request processing has failed because of an unknown error, exception or failure.",
                ),
            };
            (
                code,
                "application/x-amz-json-1.0",
                format!("x-amzn-query-error: {code};{fault}\r\n"),
                format!(r#"{{"__type":"com.amazonaws.sqs#{code}","message":"{message}"}}"#),
            )
        }
        Protocol::SesQuery | Protocol::Other => {
            let (code, fault, message) = if throttle {
                ("Throttling", "Sender", "Maximum sending rate exceeded.")
            } else {
                (
                    "InternalFailure",
                    "Receiver",
                    "The request processing has failed because of an unknown error, exception or failure.",
                )
            };
            (
                code,
                "text/xml",
                String::new(),
                format!(
                    "<ErrorResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">\n  <Error>\n    <Type>{fault}</Type>\n    <Code>{code}</Code>\n    <Message>{message}</Message>\n  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
                ),
            )
        }
    };
    let answer = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nx-amzn-RequestId: {request_id}\r\n{extra}Connection: close\r\n\r\n{body}",
        body.len()
    );
    (code, answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_adds_up_to_its_total() {
        let c = FaultConfig::mix(1, 0.2);
        assert!((c.total() - 0.2).abs() < 1e-12);
        assert_eq!(c.pick(0.0), Some(Fault::Throttle));
        assert_eq!(c.pick(0.149), Some(Fault::ServerError));
        assert_eq!(c.pick(0.19), Some(Fault::Reset));
        assert_eq!(c.pick(0.199_6), Some(Fault::Slow));
        assert_eq!(c.pick(0.199_9), Some(Fault::Lost));
        assert_eq!(c.pick(0.200_1), None);
    }
}
