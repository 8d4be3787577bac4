//! A loopback stand-in for the AWS services the functions call: DynamoDB,
//! SQS, SES (v1) and SSM, answered plausibly and at once (or after a set
//! delay), so that what is measured is the function, not an emulator.
//!
//! Each service listens on its own port, as each has its own host on AWS:
//! an SDK keeps one connection pool per host, and a function's first call to
//! each service pays its own connection (and, over TLS, its own handshake).
//! Point a function at it with `AWS_ENDPOINT_URL_<SERVICE>`
//! ([`Stub::endpoint_env`]).
//!
//! DynamoDB keeps a small world of items (keyed by `pk` and, when present,
//! `sk`): puts, batch writes and the puts of a transaction store items, gets
//! read them, and queries find them by any key condition of the form
//! `a = :x [AND b <op> :y | b BETWEEN :y AND :z | begins_with(b, :y)]`, so a
//! function that reads what it finds in an index sees plausible data.
//! Conditions are not evaluated: every conditional write succeeds, updates
//! change nothing. [`Stub::seal`] keeps the world as it is now and
//! [`Stub::reset`] goes back to it before each invocation, so that every run
//! finds the same data.
//!
//! In [`Mode::Forward`] it sends every request on to another server (the
//! emulator) and relays the answer, counting as it goes; SQS sends it
//! answers itself (see [`Mode::Forward`] for why).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use memnun_tests::http_bridge::{HttpRequest, read_request};
use serde_json::{Map, Value, json};

use crate::Error;
use crate::billing::{Stored, Units, dynamodb_units, item_size};

/// The services a function may call, each on its own port.
pub const SERVICES: [Service; 4] = [Service::DynamoDb, Service::Sqs, Service::Ses, Service::Ssm];

/// An AWS service the stub answers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Service {
    /// DynamoDB (JSON 1.0).
    DynamoDb,
    /// SQS (JSON 1.0).
    Sqs,
    /// SES v1 (query protocol, XML answers).
    Ses,
    /// SSM (JSON 1.1).
    Ssm,
}

impl Service {
    /// The suffix of its `AWS_ENDPOINT_URL_<SERVICE>` variable.
    pub fn env_suffix(self) -> &'static str {
        match self {
            Service::DynamoDb => "DYNAMODB",
            Service::Sqs => "SQS",
            Service::Ses => "SES",
            Service::Ssm => "SSM",
        }
    }

    /// Its short name, as in the results.
    pub fn name(self) -> &'static str {
        match self {
            Service::DynamoDb => "dynamodb",
            Service::Sqs => "sqs",
            Service::Ses => "ses",
            Service::Ssm => "ssm",
        }
    }
}

/// One call the stub answered (or forwarded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The service.
    pub service: Service,
    /// The operation (`GetItem`, `SendMessageBatch`, `SendEmail`).
    pub operation: String,
    /// Messages in an SQS send (1 for `SendMessage`, the entries of a batch).
    pub messages: usize,
    /// DynamoDB's request units for it, as AWS would bill them
    /// ([`crate::billing`]); none when forwarded.
    pub units: Units,
}

/// How the stub answers.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Answers itself.
    Answer,
    /// Forwards every request to this loopback port and relays the answer,
    /// except SQS, which it answers itself: the emulator's SQS takes time in
    /// proportion to the messages already in the queue for every send (about
    /// 2.5 s per `SendMessageBatch` at 10,000 messages), which would measure
    /// the emulator, not the function.
    Forward(u16),
}

/// TLS for the stub's listeners: a certificate for 127.0.0.1.
#[derive(Clone)]
pub struct Tls {
    config: Arc<rustls::ServerConfig>,
}

impl Tls {
    /// Loads a PEM certificate chain and key.
    pub fn from_pem(cert: &std::path::Path, key: &std::path::Path) -> Result<Tls, Error> {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .map_err(|e| Error::Setup(format!("{}: {e}", cert.display())))?
            .collect::<Result<_, _>>()
            .map_err(|e| Error::Setup(format!("{}: {e}", cert.display())))?;
        let key = PrivateKeyDer::from_pem_file(key)
            .map_err(|e| Error::Setup(format!("{}: {e}", key.display())))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Setup(format!("TLS versions: {e}")))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| Error::Setup(format!("TLS certificate: {e}")))?;
        Ok(Tls {
            config: Arc::new(config),
        })
    }
}

#[derive(Default)]
struct World {
    /// (table, key) → item, in DynamoDB's JSON.
    items: BTreeMap<(String, String), Map<String, Value>>,
}

impl Stored for World {
    fn size(&self, table: &str, key: &Map<String, Value>) -> Option<usize> {
        self.items.get(&item_key(table, key)).map(item_size)
    }

    fn indexes(&self, table: &str, key: &Map<String, Value>) -> u32 {
        self.items.get(&item_key(table, key)).map_or(0, |item| {
            ["gsi1pk", "gsi2pk", "gsi3pk"]
                .iter()
                .filter(|k| item.contains_key(**k))
                .count() as u32
        })
    }

    fn queried(&self, table: &str, body: &Value) -> usize {
        let mut all = body.clone();
        all["Select"] = Value::String("ALL_ATTRIBUTES".into());
        query(table, &all, self)["Items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .map(item_size)
            .sum()
    }
}

struct State {
    mode: Mode,
    delay_ms: AtomicU64,
    calls: Mutex<Vec<Call>>,
    world: Mutex<World>,
    sealed: Mutex<World>,
    secrets: BTreeMap<String, String>,
    counter: AtomicU64,
}

/// The running stub; its listener threads live as long as the process.
pub struct Stub {
    /// Plain HTTP listeners.
    ports: BTreeMap<Service, u16>,
    /// TLS listeners over the same state, when a certificate was given.
    tls_ports: BTreeMap<Service, u16>,
    state: Arc<State>,
}

fn listen(service: Service, tls: Option<Tls>, state: &Arc<State>) -> Result<u16, Error> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| Error::Setup(format!("bind the stub: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::Setup(format!("the stub's address: {e}")))?
        .port();
    let state = Arc::clone(state);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let state = Arc::clone(&state);
            let tls = tls.clone();
            std::thread::spawn(move || connection(stream, tls, service, &state));
        }
    });
    Ok(port)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking connection thread leaves the data as it was: go on.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Stub {
    /// Starts one listener per service; `secrets` are the SSM parameters
    /// (name → value) it answers `GetParameter` with.
    pub fn start(
        mode: Mode,
        tls: Option<Tls>,
        secrets: BTreeMap<String, String>,
    ) -> Result<Stub, Error> {
        let state = Arc::new(State {
            mode,
            delay_ms: AtomicU64::new(0),
            calls: Mutex::default(),
            world: Mutex::default(),
            sealed: Mutex::default(),
            secrets,
            counter: AtomicU64::new(0),
        });
        let mut ports = BTreeMap::new();
        let mut tls_ports = BTreeMap::new();
        for service in SERVICES {
            ports.insert(service, listen(service, None, &state)?);
            if let Some(tls) = &tls {
                tls_ports.insert(service, listen(service, Some(tls.clone()), &state)?);
            }
        }
        Ok(Stub {
            ports,
            tls_ports,
            state,
        })
    }

    /// Whether it also listens over TLS.
    pub fn has_tls(&self) -> bool {
        !self.tls_ports.is_empty()
    }

    /// `AWS_ENDPOINT_URL_<SERVICE>` for every service, and
    /// `AWS_ENDPOINT_URL` (DynamoDB's) for anything else; over TLS when
    /// `tls` (and the stub has a certificate).
    pub fn endpoint_env(&self, tls: bool) -> Vec<(String, String)> {
        let (scheme, ports) = if tls && self.has_tls() {
            ("https", &self.tls_ports)
        } else {
            ("http", &self.ports)
        };
        let mut env: Vec<(String, String)> = ports
            .iter()
            .map(|(service, port)| {
                (
                    format!("AWS_ENDPOINT_URL_{}", service.env_suffix()),
                    format!("{scheme}://127.0.0.1:{port}"),
                )
            })
            .collect();
        let dynamodb = ports.get(&Service::DynamoDb).copied().unwrap_or(0);
        env.push((
            "AWS_ENDPOINT_URL".into(),
            format!("{scheme}://127.0.0.1:{dynamodb}"),
        ));
        env
    }

    /// The plain DynamoDB endpoint (to seed the world through the adapters).
    pub fn dynamodb_endpoint(&self) -> String {
        let port = self.ports.get(&Service::DynamoDb).copied().unwrap_or(0);
        format!("http://127.0.0.1:{port}")
    }

    /// Every answer waits this long first.
    pub fn set_delay(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.state.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// The calls since the last take, in the order they arrived.
    pub fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut *lock(&self.state.calls))
    }

    /// Keeps the world as it is now: [`Stub::reset`] goes back to it.
    pub fn seal(&self) {
        let items = lock(&self.state.world).items.clone();
        lock(&self.state.sealed).items = items;
    }

    /// Forgets everything written since [`Stub::seal`].
    pub fn reset(&self) {
        let items = lock(&self.state.sealed).items.clone();
        lock(&self.state.world).items = items;
    }

    /// Forgets every item, sealed or not.
    pub fn clear(&self) {
        lock(&self.state.world).items.clear();
        lock(&self.state.sealed).items.clear();
    }
}

/// A stream that is plain TCP or TLS over it.
enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

fn connection(stream: TcpStream, tls: Option<Tls>, listener: Service, state: &State) {
    // Errors below mean the client went away: nothing to answer.
    let _ = stream.set_nodelay(true);
    let conn = match tls {
        None => Conn::Plain(stream),
        Some(tls) => match rustls::ServerConnection::new(Arc::clone(&tls.config)) {
            Ok(server) => Conn::Tls(Box::new(rustls::StreamOwned::new(server, stream))),
            Err(_) => return,
        },
    };
    let mut reader = BufReader::new(conn);
    loop {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) | Err(_) => return,
        };
        let delay = state.delay_ms.load(Ordering::SeqCst);
        let service = service_of(&request, listener);
        let (call, response) = match &state.mode {
            Mode::Answer => answer(service, &request, state),
            Mode::Forward(_) if service == Service::Sqs => answer(service, &request, state),
            Mode::Forward(port) => forward(*port, service, &request),
        };
        lock(&state.calls).push(call);
        if delay > 0 {
            std::thread::sleep(Duration::from_millis(delay));
        }
        let writer = reader.get_mut();
        if writer.write_all(&response).is_err() || writer.flush().is_err() {
            return;
        }
        if request
            .headers
            .get("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"))
        {
            return;
        }
    }
}

/// The service a request is for, from its protocol: `X-Amz-Target`'s
/// prefix for the JSON protocols, SES for the query protocol; `listener`
/// (the port's service) when neither says.
fn service_of(request: &HttpRequest, listener: Service) -> Service {
    match request.headers.get("x-amz-target") {
        Some(t) if t.starts_with("DynamoDB") => Service::DynamoDb,
        Some(t) if t.starts_with("AmazonSQS") => Service::Sqs,
        Some(t) if t.starts_with("AmazonSSM") => Service::Ssm,
        Some(_) => listener,
        None if form(&request.body).contains_key("Action") => Service::Ses,
        None => listener,
    }
}

/// The operation a request asks for: `X-Amz-Target`'s suffix for the JSON
/// protocols, the `Action` form field for the query protocol.
fn operation(request: &HttpRequest) -> String {
    if let Some(target) = request.headers.get("x-amz-target") {
        return target.rsplit('.').next().unwrap_or_default().to_string();
    }
    form(&request.body)
        .get("Action")
        .cloned()
        .unwrap_or_else(|| "Unknown".into())
}

fn form(body: &[u8]) -> BTreeMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn messages_in(operation: &str, body: &Value) -> usize {
    match operation {
        "SendMessage" => 1,
        "SendMessageBatch" => body["Entries"].as_array().map_or(0, Vec::len),
        _ => 0,
    }
}

fn answer(service: Service, request: &HttpRequest, state: &State) -> (Call, Vec<u8>) {
    let op = operation(request);
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let units = if service == Service::DynamoDb {
        dynamodb_units(&op, &body, &*lock(&state.world))
    } else {
        Units::default()
    };
    let call = Call {
        service,
        operation: op.clone(),
        messages: if service == Service::Sqs {
            messages_in(&op, &body)
        } else {
            0
        },
        units,
    };
    let n = state.counter.fetch_add(1, Ordering::SeqCst);
    let request_id = format!("00000000-0000-4000-8000-{n:012}");
    let response = match service {
        Service::DynamoDb => json_response(
            "application/x-amz-json-1.0",
            &request_id,
            &dynamodb(&op, &body, state),
        ),
        Service::Sqs => json_response(
            "application/x-amz-json-1.0",
            &request_id,
            &sqs(&op, &body, n),
        ),
        Service::Ssm => json_response(
            "application/x-amz-json-1.1",
            &request_id,
            &ssm(&op, &body, state),
        ),
        Service::Ses => xml_response(&request_id, &ses(&op, n, &request_id)),
    };
    (call, response)
}

fn json_response(content_type: &str, request_id: &str, body: &Value) -> Vec<u8> {
    let body = body.to_string();
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nx-amzn-RequestId: {request_id}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn xml_response(request_id: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nx-amzn-RequestId: {request_id}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The MD5 of a message body, as SQS answers it (the SDK for JavaScript
/// checks it).
fn md5_of(body: &Value) -> String {
    use md5::Digest as _;
    let digest = md5::Md5::digest(body.as_str().unwrap_or_default().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn sqs(op: &str, body: &Value, n: u64) -> Value {
    match op {
        "SendMessage" => json!({
            "MessageId": format!("00000000-0000-4000-9000-{n:012}"),
            "MD5OfMessageBody": md5_of(&body["MessageBody"]),
        }),
        "SendMessageBatch" => {
            let entries = body["Entries"].as_array().cloned().unwrap_or_default();
            let successful: Vec<Value> = entries
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    json!({
                        "Id": e["Id"],
                        "MessageId": format!("00000000-0000-4000-9000-{n:08}{i:04}"),
                        "MD5OfMessageBody": md5_of(&e["MessageBody"]),
                    })
                })
                .collect();
            json!({"Successful": successful, "Failed": []})
        }
        "GetQueueAttributes" => {
            let name = body["QueueUrl"]
                .as_str()
                .and_then(|u| u.rsplit('/').next())
                .unwrap_or("queue");
            json!({"Attributes": {"QueueArn": format!("arn:aws:sqs:eu-central-1:123456789012:{name}")}})
        }
        _ => json!({}),
    }
}

fn ssm(op: &str, body: &Value, state: &State) -> Value {
    match op {
        "GetParameter" => {
            let name = body["Name"].as_str().unwrap_or_default();
            let value = state.secrets.get(name).cloned().unwrap_or_default();
            json!({"Parameter": {
                "Name": name,
                "Type": "SecureString",
                "Value": value,
                "Version": 1,
                "ARN": format!("arn:aws:ssm:eu-central-1:123456789012:parameter{name}"),
                "DataType": "text",
            }})
        }
        _ => json!({}),
    }
}

fn ses(op: &str, n: u64, request_id: &str) -> String {
    let ns = "http://ses.amazonaws.com/doc/2010-12-01/";
    let result = match op {
        "SendEmail" | "SendRawEmail" => format!(
            "<{op}Result><MessageId>0100018c-0000-0000-0000-{n:012}-000000</MessageId></{op}Result>"
        ),
        "GetSendQuota" => "<GetSendQuotaResult><Max24HourSend>50000.0</Max24HourSend><MaxSendRate>14.0</MaxSendRate><SentLast24Hours>0.0</SentLast24Hours></GetSendQuotaResult>".to_string(),
        _ => String::new(),
    };
    format!(
        "<{op}Response xmlns=\"{ns}\">{result}<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{op}Response>"
    )
}

/// The world's key of an item or a `Key`: `pk`, then `sk` when present.
fn item_key(table: &str, item: &Map<String, Value>) -> (String, String) {
    let part = |name: &str| item.get(name).map(|v| v.to_string()).unwrap_or_default();
    (table.to_string(), format!("{}|{}", part("pk"), part("sk")))
}

fn dynamodb(op: &str, body: &Value, state: &State) -> Value {
    let table = body["TableName"].as_str().unwrap_or_default();
    let mut world = lock(&state.world);
    match op {
        "GetItem" => {
            let key = body["Key"].as_object().cloned().unwrap_or_default();
            match world.items.get(&item_key(table, &key)) {
                Some(item) => json!({"Item": item}),
                None => json!({}),
            }
        }
        "PutItem" => {
            if let Some(item) = body["Item"].as_object() {
                world.items.insert(item_key(table, item), item.clone());
            }
            json!({})
        }
        "DeleteItem" => {
            let key = body["Key"].as_object().cloned().unwrap_or_default();
            world.items.remove(&item_key(table, &key));
            json!({})
        }
        "TransactWriteItems" => {
            for entry in body["TransactItems"].as_array().into_iter().flatten() {
                if let Some(put) = entry.get("Put") {
                    let table = put["TableName"].as_str().unwrap_or_default();
                    if let Some(item) = put["Item"].as_object() {
                        world.items.insert(item_key(table, item), item.clone());
                    }
                }
                if let Some(delete) = entry.get("Delete") {
                    let table = delete["TableName"].as_str().unwrap_or_default();
                    let key = delete["Key"].as_object().cloned().unwrap_or_default();
                    world.items.remove(&item_key(table, &key));
                }
            }
            json!({})
        }
        "BatchWriteItem" => {
            for (table, requests) in body["RequestItems"].as_object().into_iter().flatten() {
                for request in requests.as_array().into_iter().flatten() {
                    if let Some(item) = request["PutRequest"]["Item"].as_object() {
                        world.items.insert(item_key(table, item), item.clone());
                    }
                    if let Some(key) = request["DeleteRequest"]["Key"].as_object() {
                        world.items.remove(&item_key(table, key));
                    }
                }
            }
            json!({"UnprocessedItems": {}})
        }
        "BatchGetItem" => {
            let mut responses = Map::new();
            for (table, request) in body["RequestItems"].as_object().into_iter().flatten() {
                let found: Vec<Value> = request["Keys"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_object)
                    .filter_map(|key| world.items.get(&item_key(table, key)))
                    .map(|item| Value::Object(item.clone()))
                    .collect();
                responses.insert(table.clone(), Value::Array(found));
            }
            json!({"Responses": responses, "UnprocessedKeys": {}})
        }
        "Query" => query(table, body, &world),
        "UpdateItem" => match body["ReturnValues"].as_str() {
            Some("ALL_NEW" | "UPDATED_NEW" | "ALL_OLD" | "UPDATED_OLD") => {
                json!({"Attributes": {}})
            }
            _ => json!({}),
        },
        _ => json!({}),
    }
}

/// A key condition: the partition attribute and value, and an optional
/// test on the sort attribute.
struct KeyCondition {
    hash: (String, Value),
    range: Option<(String, RangeTest)>,
}

enum RangeTest {
    Cmp(String, Value),
    Between(Value, Value),
    BeginsWith(String),
}

fn resolve_name(token: &str, body: &Value) -> String {
    let token = token.trim();
    if token.starts_with('#') {
        body["ExpressionAttributeNames"][token]
            .as_str()
            .unwrap_or(token)
            .to_string()
    } else {
        token.to_string()
    }
}

fn resolve_value(token: &str, body: &Value) -> Value {
    body["ExpressionAttributeValues"][token.trim()].clone()
}

fn parse_condition(body: &Value) -> Option<KeyCondition> {
    let expression = body["KeyConditionExpression"].as_str()?;
    // "a = :x AND <range>"; BETWEEN has its own AND, so split on the first.
    let (hash, range) = match expression.split_once(" AND ") {
        Some((h, r)) => (h, Some(r.trim())),
        None => (expression, None),
    };
    let (name, value) = hash.split_once('=')?;
    let hash = (resolve_name(name, body), resolve_value(value, body));
    let range = range.and_then(|r| {
        if let Some(inner) = r
            .strip_prefix("begins_with(")
            .and_then(|x| x.strip_suffix(')'))
        {
            let (name, value) = inner.split_once(',')?;
            let prefix = resolve_value(value, body)["S"].as_str()?.to_string();
            return Some((resolve_name(name, body), RangeTest::BeginsWith(prefix)));
        }
        if let Some((name, bounds)) = r.split_once(" BETWEEN ") {
            let (low, high) = bounds.split_once(" AND ")?;
            return Some((
                resolve_name(name, body),
                RangeTest::Between(resolve_value(low, body), resolve_value(high, body)),
            ));
        }
        for op in ["<=", ">=", "<", ">", "="] {
            if let Some((name, value)) = r.split_once(op) {
                return Some((
                    resolve_name(name, body),
                    RangeTest::Cmp(op.to_string(), resolve_value(value, body)),
                ));
            }
        }
        None
    });
    Some(KeyCondition { hash, range })
}

/// A comparable form of a string or number attribute value.
fn scalar(v: &Value) -> Option<Scalar> {
    if let Some(s) = v["S"].as_str() {
        return Some(Scalar::S(s.to_string()));
    }
    v["N"]
        .as_str()
        .and_then(|n| n.parse::<f64>().ok())
        .map(Scalar::N)
}

#[derive(PartialEq, PartialOrd)]
enum Scalar {
    S(String),
    N(f64),
}

fn matches(item: &Map<String, Value>, condition: &KeyCondition) -> bool {
    let (name, value) = &condition.hash;
    if item.get(name) != Some(value) {
        return false;
    }
    let Some((name, test)) = &condition.range else {
        return true;
    };
    let Some(actual) = item.get(name).and_then(scalar) else {
        return false;
    };
    match test {
        RangeTest::BeginsWith(prefix) => matches!(&actual, Scalar::S(s) if s.starts_with(prefix)),
        RangeTest::Between(low, high) => match (scalar(low), scalar(high)) {
            (Some(low), Some(high)) => actual >= low && actual <= high,
            _ => false,
        },
        RangeTest::Cmp(op, value) => {
            let Some(other) = scalar(value) else {
                return false;
            };
            match op.as_str() {
                "<=" => actual <= other,
                ">=" => actual >= other,
                "<" => actual < other,
                ">" => actual > other,
                _ => actual == other,
            }
        }
    }
}

fn query(table: &str, body: &Value, world: &World) -> Value {
    let Some(condition) = parse_condition(body) else {
        return json!({"Items": [], "Count": 0, "ScannedCount": 0});
    };
    let sort_name = condition.range.as_ref().map(|(n, _)| n.clone());
    let mut found: Vec<&Map<String, Value>> = world
        .items
        .iter()
        .filter(|((t, _), _)| t == table)
        .map(|(_, item)| item)
        .filter(|item| matches(item, &condition))
        .collect();
    let sort_of = |item: &Map<String, Value>| -> String {
        let sort = sort_name
            .as_ref()
            .and_then(|n| item.get(n))
            .map(|v| v.to_string())
            .unwrap_or_default();
        format!("{sort}|{}", item_key(table, item).1)
    };
    found.sort_by_key(|item| sort_of(item));
    if body["ScanIndexForward"] == Value::Bool(false) {
        found.reverse();
    }
    if let Some(start) = body["ExclusiveStartKey"].as_object() {
        let start = sort_of(start);
        let forward = body["ScanIndexForward"] != Value::Bool(false);
        found.retain(|item| {
            let here = sort_of(item);
            if forward { here > start } else { here < start }
        });
    }
    let limit = body["Limit"]
        .as_u64()
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(usize::MAX);
    let more = found.len() > limit;
    found.truncate(limit);
    let count = found.len();
    let mut out = Map::new();
    if body["Select"] != Value::String("COUNT".into()) {
        let items: Vec<Value> = found.iter().map(|i| Value::Object((*i).clone())).collect();
        out.insert("Items".into(), Value::Array(items));
    }
    out.insert("Count".into(), json!(count));
    out.insert("ScannedCount".into(), json!(count));
    if more && let Some(last) = found.last() {
        // The last item's key attributes: the table's and the index's.
        let mut key = Map::new();
        for name in ["pk", "sk"]
            .into_iter()
            .map(str::to_string)
            .chain(std::iter::once(condition.hash.0.clone()))
            .chain(sort_name.clone())
        {
            if let Some(v) = last.get(&name) {
                key.insert(name, v.clone());
            }
        }
        out.insert("LastEvaluatedKey".into(), Value::Object(key));
    }
    Value::Object(out)
}

/// Sends `request` to the server on `port` and relays its answer with a
/// length, whatever framing the server used (the emulator closes each
/// connection).
fn forward(port: u16, service: Service, request: &HttpRequest) -> (Call, Vec<u8>) {
    let op = operation(request);
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let call = Call {
        service,
        operation: op.clone(),
        messages: if service == Service::Sqs {
            messages_in(&op, &body)
        } else {
            0
        },
        units: Units::default(),
    };
    let response = relay(port, request).unwrap_or_else(|e| {
        let body = format!("the emulator did not answer: {e}");
        format!(
            "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    });
    (call, response)
}

fn relay(port: u16, request: &HttpRequest) -> std::io::Result<Vec<u8>> {
    let mut upstream = TcpStream::connect(("127.0.0.1", port))?;
    upstream.set_nodelay(true)?;
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.target);
    for (name, value) in &request.headers {
        if name == "connection" || name == "content-length" {
            continue;
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "connection: close\r\ncontent-length: {}\r\n\r\n",
        request.body.len()
    ));
    upstream.write_all(head.as_bytes())?;
    upstream.write_all(&request.body)?;
    let mut reader = BufReader::new(upstream);
    let mut status = String::new();
    reader.read_line(&mut status)?;
    let status = status.trim_end().replacen("HTTP/1.0", "HTTP/1.1", 1);
    let mut headers = Vec::new();
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let lower = name.trim().to_ascii_lowercase();
            match lower.as_str() {
                "content-length" => length = value.trim().parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
                "connection" | "keep-alive" => {}
                _ => headers.push(line.to_string()),
            }
        }
    }
    let mut body = Vec::new();
    match (chunked, length) {
        (false, Some(n)) => {
            body.resize(n, 0);
            reader.read_exact(&mut body)?;
        }
        (true, _) => loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            chunk.truncate(n);
            body.extend(chunk);
        },
        (false, None) => {
            reader.read_to_end(&mut body)?;
        }
    }
    let mut out = format!("{status}\r\n");
    for h in headers {
        out.push_str(&h);
        out.push_str("\r\n");
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend(body);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> Value {
        v
    }

    #[test]
    fn a_query_finds_by_index_keys_in_order_and_pages() {
        let mut world = World::default();
        for (i, due) in ["2026-01-02", "2026-01-01", "2026-01-03", "2026-02-01"]
            .iter()
            .enumerate()
        {
            let mut item = Map::new();
            item.insert("pk".into(), json!({"S": format!("TICKET#{i}")}));
            item.insert("sk".into(), json!({"S": "TICKET"}));
            item.insert("gsi2pk".into(), json!({"S": "DUE#1"}));
            item.insert("gsi2sk".into(), json!({"S": format!("{due}#{i}")}));
            world.items.insert(item_key("t", &item), item);
        }
        let request = body(json!({
            "TableName": "t",
            "IndexName": "by_due",
            "KeyConditionExpression": "gsi2pk = :pk AND gsi2sk <= :upper",
            "ExpressionAttributeValues": {":pk": {"S": "DUE#1"}, ":upper": {"S": "2026-01-31#~"}},
            "Limit": 2,
        }));
        let first = query("t", &request, &world);
        let pks: Vec<&str> = first["Items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["pk"]["S"].as_str().unwrap())
            .collect();
        assert_eq!(pks, ["TICKET#1", "TICKET#0"]);
        let mut next = request.clone();
        next["ExclusiveStartKey"] = first["LastEvaluatedKey"].clone();
        let second = query("t", &next, &world);
        assert_eq!(second["Items"][0]["pk"]["S"], "TICKET#2");
        assert!(second.get("LastEvaluatedKey").is_none());
    }

    #[test]
    fn form_fields_are_decoded() {
        let f = form(b"Action=SendEmail&Source=a%40b.example&Message.Subject.Data=hi+there");
        assert_eq!(f["Action"], "SendEmail");
        assert_eq!(f["Source"], "a@b.example");
        assert_eq!(f["Message.Subject.Data"], "hi there");
    }
}
