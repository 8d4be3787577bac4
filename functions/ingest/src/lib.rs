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

pub mod signature;

use std::collections::HashMap;

use jiff::Timestamp;
use lambda_http::{Body, Request, Response};
use memnun_shared::config::Env;
use memnun_shared::contract::outbound::OutboundMessage;
use memnun_shared::contract::routing::Route;
use memnun_shared::contract::{Event, MAX_BODY_BYTES};
use memnun_shared::ports::Publisher;
use memnun_shared::{Error, Result};
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
}

impl Config {
    /// Reads the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        let mut queues = HashMap::new();
        for route in Route::ALL {
            queues.insert(*route, env.required(route.url_variable())?);
        }
        Ok(Config {
            queues,
            secret_parameter: env.required("WEBHOOK_SECRET_PARAMETER")?,
        })
    }
}

/// Splits the secret parameter's value into secrets (one per line or comma).
pub fn secrets(value: &str) -> Result<Vec<Vec<u8>>> {
    let secrets: Vec<Vec<u8>> = value
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.as_bytes().to_vec())
        .collect();
    if secrets.is_empty() || secrets.iter().any(|s| s.len() < 24) {
        return Err(Error::Config {
            var: "WEBHOOK_SECRET_PARAMETER",
            reason: "names a parameter that must hold one or more secrets of at least 24 bytes"
                .into(),
        });
    }
    Ok(secrets)
}

/// The handler.
pub struct Handler<P> {
    config: Config,
    secrets: Vec<Vec<u8>>,
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

impl<P: Publisher> Handler<P> {
    /// Builds the handler once, at init.
    pub fn new(config: Config, secrets: Vec<Vec<u8>>, publisher: P) -> Self {
        Handler {
            config,
            secrets,
            publisher,
        }
    }

    /// Answers one request; `now` judges the signature's age.
    pub async fn handle(&self, request: Request, now: Timestamp) -> Response<Body> {
        let path = request.uri().path();
        if path != "/events" {
            return error(404, "not found: events are posted to /events");
        }
        if request.method() != lambda_http::http::Method::POST {
            let mut r = error(405, "use POST");
            r.headers_mut()
                .insert("allow", lambda_http::http::HeaderValue::from_static("POST"));
            return r;
        }
        let body: &[u8] = request.body().as_ref();
        if body.len() > MAX_REQUEST_BYTES {
            return error(413, "the body is larger than 1 MiB");
        }
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
                Event::from_value(value)
            };
            match checked.and_then(|e| {
                let route = Route::for_type(e.data.kind())
                    .ok_or_else(|| Error::contract("type", "has no queue"))?;
                Ok((e, route))
            }) {
                Ok((event, route)) => by_queue.entry(route).or_default().push(OutboundMessage {
                    id: event.meta.id,
                    kind: event.data.kind(),
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
