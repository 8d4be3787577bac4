//! `ingest`: the webhook through which a shop's platform sends events.
//!
//! `POST /events` with one CloudEvent or a JSON array of up to 100, signed in
//! the `Memnun-Signature` header (see [`signature`]). Each event is checked
//! against the contract; the valid ones go to the queue their type routes to,
//! in batched sends. The answer says exactly what happened:
//!
//! | status | when | body |
//! |---|---|---|
//! | 202 | every event enqueued | `accepted`: the ids |
//! | 400 | some events violate the contract (the others are enqueued) | `accepted`, `rejected` with index, id, field and reason |
//! | 401 | signature missing, malformed, older than 5 minutes or wrong | `error` |
//! | 413 | body over 1 MiB, or more than 100 events | `error` |
//! | 415 | body is not JSON | `error` |
//! | 503 | a queue did not take some events even after retries | `accepted`, `failed`: send those again |
//!
//! Nothing is claimed that was not enqueued. Duplicates are harmless: every
//! function downstream is idempotent on the event's `source` and `id`.
//!
//! `POST /webhooks/<platform>` takes a platform's own signed webhook as it
//! is ([`platforms`]); a platform without a configured secret answers 404.
//!
//! | status | when | body |
//! |---|---|---|
//! | 202 | the delivery's events enqueued | `accepted`: the ids |
//! | 200 | a topic memnun does not use, or WooCommerce's save-time ping | `ignored`: why |
//! | 400 | signed, but it cannot be mapped: nothing enqueued | `error`, `field` |
//! | 401 | the platform's signature is missing or wrong | `error` |
//! | 404 | no such platform, or not enabled | `error` |
//! | 503 | the queue did not take the event: the platform retries | `error` |

pub mod invocation;
pub mod platforms;
pub use memnun_shared::contract::signature;

use std::collections::HashMap;

use jiff::Timestamp;
use lambda_http::{Body, Request, Response};
use memnun_shared::config::Env;
use memnun_shared::contract::outbound::OutboundMessage;
use memnun_shared::contract::routing::Route;
use memnun_shared::contract::{Event, MAX_BODY_BYTES};
use memnun_shared::ports::Publisher;
use memnun_shared::{Error, Result};
use platforms::Platform;
use serde_json::{Value, json};

/// The largest request accepted.
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// The most events in one request.
pub const MAX_EVENTS: usize = 100;

/// Everything the function reads at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// Queue URL per route.
    pub queues: HashMap<Route, String>,
    /// The SSM parameter holding the webhook secret(s) (`WEBHOOK_SECRET_PARAMETER`).
    pub secret_parameter: String,
    /// The platforms enabled, each with the SSM parameter holding its
    /// signing secret(s) (`SHOPIFY_SECRET_PARAMETER`, …).
    pub platforms: Vec<(Platform, String)>,
    /// The Shopify partner event source whose EventBridge events are taken
    /// (`SHOPIFY_EVENT_SOURCE`; none: no EventBridge event is).
    pub shopify_event_source: Option<String>,
}

impl Config {
    /// Reads the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        let mut queues = HashMap::new();
        for route in Route::ALL {
            queues.insert(*route, env.required(route.url_variable())?);
        }
        let platforms = Platform::ALL
            .iter()
            .filter_map(|p| env.optional(p.secret_variable()).map(|name| (*p, name)))
            .collect();
        Ok(Config {
            queues,
            secret_parameter: env.required("WEBHOOK_SECRET_PARAMETER")?,
            platforms,
            shopify_event_source: env.optional("SHOPIFY_EVENT_SOURCE"),
        })
    }
}

/// Splits the secret parameter's value into secrets (one per line or comma).
pub fn secrets(value: &str) -> Result<Vec<Vec<u8>>> {
    signature::secrets("WEBHOOK_SECRET_PARAMETER", value, 24)
}

/// The shortest platform secret accepted: the platforms generate their own,
/// all longer than this; anything shorter is a paste gone wrong.
pub const MIN_PLATFORM_SECRET_BYTES: usize = 16;

/// Splits a platform's secret parameter's value into secrets.
pub fn platform_secrets(platform: Platform, value: &str) -> Result<Vec<Vec<u8>>> {
    signature::secrets(platform.secret_variable(), value, MIN_PLATFORM_SECRET_BYTES)
}

/// The handler.
pub struct Handler<P> {
    pub(crate) config: Config,
    secrets: Vec<Vec<u8>>,
    platforms: HashMap<Platform, Vec<Vec<u8>>>,
    publisher: P,
}

fn respond(status: u16, body: Value) -> Response<Body> {
    let mut response = Response::new(Body::Text(body.to_string()));
    *response.status_mut() = lambda_http::http::StatusCode::from_u16(status).unwrap_or_default();
    response.headers_mut().insert(
        "content-type",
        lambda_http::http::HeaderValue::from_static("application/json"),
    );
    response
}

fn error(status: u16, message: &str) -> Response<Body> {
    respond(status, json!({ "error": message }))
}

/// A request no route reads: not a POST (405), or a body over 1 MiB (413),
/// answered before any signature is checked.
fn unreadable(request: &Request) -> Option<Response<Body>> {
    if request.method() != lambda_http::http::Method::POST {
        let mut r = error(405, "use POST");
        r.headers_mut()
            .insert("allow", lambda_http::http::HeaderValue::from_static("POST"));
        return Some(r);
    }
    let body: &[u8] = request.body().as_ref();
    (body.len() > MAX_REQUEST_BYTES).then(|| error(413, "the body is larger than 1 MiB"))
}

/// The `topic` of a webhook address's query (`topic=order/update`), as
/// written or percent-encoded (`order%2Fupdate`).
fn topic_of(query: &str) -> Option<&'static str> {
    let value = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("topic="))?;
    let decoded = value.replace("%2F", "/").replace("%2f", "/");
    // Only the topics a platform has: the query never becomes free text.
    Some(
        platforms::ideasoft::TOPICS
            .iter()
            .copied()
            .find(|t| *t == decoded)
            .unwrap_or("another topic"),
    )
}

/// What became of a platform's delivery.
#[derive(Debug)]
pub enum Delivered {
    /// Its events were enqueued: their ids.
    Accepted(Vec<String>),
    /// Nothing memnun uses, and why.
    Ignored(String),
    /// It cannot be mapped (a contract error naming the field): nothing
    /// was enqueued.
    Unmappable(Error),
    /// A queue did not take an event: the platform's retry brings it again.
    NotEnqueued,
}

/// Logs a delivery that cannot be mapped, naming the field, never its
/// value.
fn refused(platform: &'static str, e: Error) -> Delivered {
    connector(platform, "unmappable");
    if let Error::Contract { field, reason } = &e {
        tracing::warn!(platform, field = %field, reason = %reason, "delivery refused: cannot be mapped");
    } else {
        tracing::warn!(platform, "delivery refused: cannot be mapped");
    }
    Delivered::Unmappable(e)
}

/// Counts one of `platform`'s deliveries by its outcome.
fn connector(platform: &'static str, outcome: &'static str) {
    memnun_shared::metrics::count(
        memnun_shared::metrics::CONNECTOR_EVENTS,
        &[platform, outcome],
    );
}

/// A signed delivery that cannot be mapped: 400 naming the field.
fn unmappable(e: &Error) -> Response<Body> {
    let (field, reason) = match e {
        Error::Contract { field, reason } => (field.as_str(), reason.as_str()),
        _ => ("body", "cannot be mapped"),
    };
    respond(
        400,
        json!({ "error": format!("{field} {reason}"), "field": field }),
    )
}

impl<P: Publisher> Handler<P> {
    /// Builds the handler once, at init.
    pub fn new(config: Config, secrets: Vec<Vec<u8>>, publisher: P) -> Self {
        Handler {
            config,
            secrets,
            platforms: HashMap::new(),
            publisher,
        }
    }

    /// Enables `platform`'s webhook with its signing secrets.
    pub fn with_platform(mut self, platform: Platform, secrets: Vec<Vec<u8>>) -> Self {
        self.platforms.insert(platform, secrets);
        self
    }

    /// Answers one request; `now` judges the signature's age.
    pub async fn handle(&self, request: Request, now: Timestamp) -> Response<Body> {
        let path = request.uri().path();
        if let Some(slug) = path.strip_prefix("/webhooks/") {
            return self.platform(slug, &request, now).await;
        }
        if path != "/events" {
            return error(
                404,
                "not found: events are posted to /events, platforms' webhooks to /webhooks/<platform>",
            );
        }
        if let Some(refused) = unreadable(&request) {
            return refused;
        }
        let body: &[u8] = request.body().as_ref();
        let header = request
            .headers()
            .get(signature::HEADER)
            .and_then(|v| v.to_str().ok());
        if let Err(refusal) = signature::verify(header, body, &self.secrets, now) {
            tracing::warn!(reason = refusal.message(), "request refused: signature");
            return error(401, refusal.message());
        }
        let content_type = request
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json");
        if !content_type.to_ascii_lowercase().contains("json") {
            return error(
                415,
                "send JSON (application/json or application/cloudevents-batch+json)",
            );
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return error(
                400,
                "the body is empty: send one CloudEvent or an array of them",
            );
        }
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            return error(415, "the body is not JSON");
        };
        let events = match value {
            Value::Array(items) if items.len() > MAX_EVENTS => {
                return error(
                    413,
                    &format!(
                        "{} events in one request; at most {MAX_EVENTS}",
                        items.len()
                    ),
                );
            }
            Value::Array(items) if items.is_empty() => {
                return error(400, "the array holds no events");
            }
            Value::Array(items) => items,
            one @ Value::Object(_) => vec![one],
            _ => return error(400, "send one CloudEvent object or an array of them"),
        };
        self.accept(events).await
    }

    /// A platform's own webhook: its signature, its mapping, the queues.
    async fn platform(&self, slug: &str, request: &Request, now: Timestamp) -> Response<Body> {
        let Some(platform) = Platform::from_slug(slug) else {
            let known: Vec<&str> = Platform::ALL.iter().map(|p| p.slug()).collect();
            return error(
                404,
                &format!("not found: memnun takes webhooks from {}", known.join(", ")),
            );
        };
        let Some(secrets) = self.platforms.get(&platform) else {
            return error(
                404,
                &format!(
                    "the {} webhook is not enabled: set {} to the SSM parameter with its signing secret",
                    platform.slug(),
                    platform.template_parameter()
                ),
            );
        };
        if let Some(refused) = unreadable(request) {
            return refused;
        }
        let body: &[u8] = request.body().as_ref();
        let delivery = platforms::Delivery {
            headers: request.headers(),
            body,
            received: now,
            topic: request.uri().query().and_then(topic_of),
        };
        let platform_name = platform.slug();
        if platform.is_ping(&delivery) {
            connector(platform_name, "ping");
            tracing::info!(platform = platform_name, outcome = "ping", "webhook saved");
            return respond(
                200,
                json!({ "ignored": "the webhook's ping: the URL works" }),
            );
        }
        if let Err(refusal) = platform.verify(&delivery, secrets) {
            let message = refusal.message();
            connector(platform_name, "unauthorized");
            tracing::warn!(platform = platform_name, reason = %message, "delivery refused: signature");
            return error(401, &message);
        }
        match self.deliver(platform, &delivery).await {
            Delivered::Accepted(ids) => respond(202, json!({ "accepted": ids })),
            Delivered::Ignored(reason) => respond(200, json!({ "ignored": reason })),
            Delivered::Unmappable(e) => unmappable(&e),
            Delivered::NotEnqueued => error(
                503,
                "the event could not be enqueued; the platform's retry will bring it again",
            ),
        }
    }

    /// Maps a delivery whose origin is proven, checks every event it makes
    /// against the contract, and enqueues them: nothing is enqueued unless
    /// all of them pass.
    pub async fn deliver(
        &self,
        platform: Platform,
        delivery: &platforms::Delivery<'_>,
    ) -> Delivered {
        let platform_name = platform.slug();
        let events = match platform.map(delivery) {
            Ok(platforms::Mapped::Ignored(reason)) => {
                connector(platform_name, "ignored");
                tracing::info!(platform = platform_name, outcome = "ignored", reason = %reason, "delivery ignored");
                return Delivered::Ignored(reason);
            }
            Ok(platforms::Mapped::Events(events)) => events,
            Err(e) => return refused(platform_name, e),
        };
        let mut messages: Vec<(Route, OutboundMessage)> = Vec::with_capacity(events.len());
        for value in events {
            let body = value.to_string();
            let checked = Event::check(value).and_then(|e| {
                let route = Route::for_type(e.kind)
                    .ok_or_else(|| Error::contract("type", "has no queue"))?;
                Ok((e, route))
            });
            match checked {
                Ok((event, route)) => messages.push((
                    route,
                    OutboundMessage {
                        id: event.id,
                        kind: event.kind,
                        body,
                    },
                )),
                Err(e) => return refused(platform_name, e),
            }
        }
        let mut accepted = Vec::with_capacity(messages.len());
        for (route, message) in messages {
            let sent = match self.config.queues.get(&route) {
                Some(url) => {
                    self.publisher
                        .publish_each(url, std::slice::from_ref(&message))
                        .await
                }
                None => Vec::new(),
            };
            if sent.first() != Some(&true) {
                connector(platform_name, "not_enqueued");
                tracing::warn!(platform = platform_name, "a mapped event was not enqueued");
                return Delivered::NotEnqueued;
            }
            tracing::info!(
                platform = platform_name,
                outcome = "accepted",
                kind = message.kind,
                "delivery accepted"
            );
            accepted.push(message.id);
        }
        connector(platform_name, "accepted");
        Delivered::Accepted(accepted)
    }

    async fn accept(&self, events: Vec<Value>) -> Response<Body> {
        let mut rejected = Vec::new();
        let mut by_queue: HashMap<Route, Vec<OutboundMessage>> = HashMap::new();
        for (index, value) in events.into_iter().enumerate() {
            let id = value.get("id").and_then(Value::as_str).map(str::to_string);
            let body = value.to_string();
            let checked = if body.len() > MAX_BODY_BYTES {
                Err(Error::contract(
                    "body",
                    format!("is larger than {MAX_BODY_BYTES} bytes"),
                ))
            } else {
                Event::check(value)
            };
            match checked.and_then(|e| {
                let route = Route::for_type(e.kind)
                    .ok_or_else(|| Error::contract("type", "has no queue"))?;
                Ok((e, route))
            }) {
                Ok((event, route)) => by_queue.entry(route).or_default().push(OutboundMessage {
                    id: event.id,
                    kind: event.kind,
                    body,
                }),
                Err(Error::Contract { field, reason }) => {
                    rejected.push(
                        json!({ "index": index, "id": id, "field": field, "reason": reason }),
                    );
                }
                Err(other) => {
                    rejected.push(json!({ "index": index, "id": id, "reason": other.to_string() }))
                }
            }
        }
        let mut accepted = Vec::new();
        let mut failed = Vec::new();
        for (route, messages) in &by_queue {
            let Some(url) = self.config.queues.get(route) else {
                continue;
            };
            let sent = self.publisher.publish_each(url, messages).await;
            for (message, ok) in messages.iter().zip(sent) {
                if ok {
                    accepted.push(message.id.clone());
                } else {
                    failed.push(message.id.clone());
                }
            }
        }
        tracing::info!(
            accepted = accepted.len(),
            rejected = rejected.len(),
            failed = failed.len(),
            "events received"
        );
        if !failed.is_empty() {
            return respond(
                503,
                json!({
                    "accepted": accepted, "rejected": rejected, "failed": failed,
                    "message": "some events could not be enqueued; send the failed ones again (the accepted ones are safe to resend too)",
                }),
            );
        }
        if !rejected.is_empty() {
            let message = format!(
                "{} event(s) rejected; the other {} accepted",
                rejected.len(),
                accepted.len()
            );
            return respond(
                400,
                json!({ "accepted": accepted, "rejected": rejected, "message": message }),
            );
        }
        respond(202, json!({ "accepted": accepted }))
    }
}

#[cfg(test)]
mod testing;
#[cfg(test)]
mod webhook_tests;

#[cfg(test)]
mod hostile {
    //! Hostile requests at the edge: any body, any header, the nasty inputs
    //! of `tests/corpus/`. Every answer is a 2xx or 4xx with a JSON body;
    //! nothing panics, nothing over a limit is read, and a rejection names
    //! the field without repeating the value.

    use super::*;
    use crate::testing::Queues;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"whsec_hostile_0123456789abcdef012345";

    fn handler() -> Handler<Queues> {
        crate::testing::handler(SECRET)
    }

    fn now() -> Timestamp {
        Timestamp::from_second(1_795_000_000).unwrap()
    }

    fn request(body: Vec<u8>, header: Option<lambda_http::http::HeaderValue>) -> Request {
        let mut builder = lambda_http::http::Request::builder()
            .method("POST")
            .uri("/events")
            .header("content-type", "application/json");
        if let Some(h) = header {
            builder = builder.header(signature::HEADER, h);
        }
        builder.body(Body::Binary(body)).unwrap()
    }

    fn signed(body: Vec<u8>) -> Request {
        let header = signature::sign(SECRET, now().as_second(), &body);
        request(body, Some(header.parse().unwrap()))
    }

    fn call(h: &Handler<Queues>, r: Request) -> (u16, Value) {
        crate::testing::call(h, r, now())
    }

    fn corpus(file: &str) -> Vec<Value> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/corpus")
            .join(file);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// `tests/corpus/raw-bodies.json`, `\xNN` decoded to raw bytes.
    fn raw_bodies() -> Vec<(String, Vec<u8>)> {
        corpus("raw-bodies.json")
            .iter()
            .map(|e| {
                let s = e["bytes"].as_str().unwrap();
                let mut out = Vec::new();
                let mut i = 0;
                while i < s.len() {
                    match s.get(i..i + 4).filter(|p| p.starts_with("\\x")) {
                        Some(p) => {
                            out.push(u8::from_str_radix(&p[2..], 16).unwrap());
                            i += 4;
                        }
                        None => {
                            out.push(s.as_bytes()[i]);
                            i += 1;
                        }
                    }
                }
                (e["name"].as_str().unwrap().to_string(), out)
            })
            .collect()
    }

    fn review(id: &str, name: &str) -> Value {
        json!({"specversion": "1.0", "id": id, "source": "shop/web", "type": "review.posted",
               "time": "2026-11-22T10:15:00Z",
               "data": {"customer_id": "c-1", "rating": 1, "text": name,
                        "customer": {"name": name, "email": "ayse@example.com"}}})
    }

    /// A rejection's reason names a field and never repeats `value`.
    fn check_rejections(answer: &Value, value: &str) {
        for r in answer["rejected"].as_array().into_iter().flatten() {
            let reason = r["reason"].as_str().unwrap_or_default();
            assert!(!r["field"].as_str().unwrap_or_default().is_empty(), "{r}");
            if value.trim().chars().count() >= 6 {
                assert!(!reason.contains(value.trim()), "the value is repeated: {r}");
            }
        }
    }

    #[test]
    fn raw_bodies_that_are_not_utf8_get_a_4xx() {
        let h = handler();
        for (name, body) in raw_bodies() {
            let (status, answer) = call(&h, signed(body));
            assert!(matches!(status, 400 | 415), "{name}: {status} {answer}");
            assert!(answer["error"].is_string(), "{name}: {answer}");
        }
        assert!(h.publisher.sent.lock().unwrap().is_empty());
    }

    #[test]
    fn nasty_strings_in_events_are_enqueued_or_rejected_by_field() {
        let h = handler();
        for entry in corpus("strings.json") {
            let value = entry["value"]
                .as_str()
                .unwrap()
                .repeat(usize::try_from(entry["repeat"].as_u64().unwrap_or(1)).unwrap());
            let events = json!([review("e-ok", &value), review(&value, "Ayşe")]);
            let (status, answer) = call(&h, signed(events.to_string().into_bytes()));
            assert!(matches!(status, 202 | 400), "{}: {status}", entry["name"]);
            check_rejections(&answer, &value);
        }
    }

    #[test]
    fn limits_are_answered_before_the_work() {
        let h = handler();
        // Over 1 MiB: refused before the signature is even checked.
        let (status, _) = call(&h, request(vec![b' '; MAX_REQUEST_BYTES + 1], None));
        assert_eq!(status, 413);
        // More than 100 events.
        let many = Value::Array(vec![review("e-1", "Ayşe"); MAX_EVENTS + 1]);
        let (status, _) = call(&h, signed(many.to_string().into_bytes()));
        assert_eq!(status, 413);
        // One event over the 256 KiB an SQS message may hold, beside a good one.
        let big = review("e-big", &"ş".repeat(MAX_BODY_BYTES / 2));
        let both = json!([review("e-1", "Ayşe"), big]);
        let (status, answer) = call(&h, signed(both.to_string().into_bytes()));
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["accepted"], json!(["e-1"]));
        assert_eq!(answer["rejected"][0]["field"], "body");
        // Nested past the parser's limit: an error, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let (status, _) = call(&h, signed(deep.into_bytes()));
        assert!(matches!(status, 400 | 415));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_signed_body_gets_a_4xx_or_is_enqueued(body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..400),
            ".{0,400}".prop_map(String::into_bytes),
            ("[a-zA-Z0-9 _.-]{0,40}", ".{0,80}")
                .prop_map(|(id, name)| json!([review(&id, &name)]).to_string().into_bytes()),
        ]) {
            let h = handler();
            let (status, answer) = call(&h, signed(body));
            prop_assert!(matches!(status, 202 | 400 | 413 | 415), "{status} {answer}");
            let enqueued = h.publisher.sent.lock().unwrap().len();
            let accepted = answer["accepted"].as_array().map_or(0, Vec::len);
            prop_assert_eq!(enqueued, accepted, "the answer claims exactly what was enqueued");
        }

        #[test]
        fn any_signature_header_is_refused_unless_it_signs_the_body(
            header in prop_oneof![
                ".{0,200}".prop_map(String::into_bytes),
                prop::collection::vec(any::<u8>(), 0..200),
                "t=[0-9]{0,12},v1=[0-9a-f]{0,70}".prop_map(String::into_bytes),
            ],
            body in prop::collection::vec(any::<u8>(), 0..200),
        ) {
            // What HTTP can carry at all (no control characters).
            let Ok(header) = lambda_http::http::HeaderValue::from_bytes(&header) else {
                return Ok(());
            };
            let h = handler();
            let (status, answer) = call(&h, request(body, Some(header)));
            prop_assert_eq!(status, 401, "{}", answer);
            prop_assert!(h.publisher.sent.lock().unwrap().is_empty());
        }
    }
}
