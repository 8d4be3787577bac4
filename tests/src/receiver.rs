//! The shop's own URL on loopback: receives memnun's outbound webhook as a
//! shop's server would, checking each delivery's `Memnun-Signature` with
//! the documented recipe (HMAC-SHA256 of `<t>.<body>`, within 5 minutes)
//! and keeping what it accepted. Faults are queued, one per request: a
//! status to answer (`503`, `401`, …) instead of `200`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use memnun_shared::contract::signature;

use crate::loopback::{Incoming, Reply, Server};

/// The signing secret of the local run and the tests.
pub const OUTBOUND_WEBHOOK_SECRET: &str = "local-outbound-webhook-secret-0123456789";

/// One delivery the receiver accepted.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Received {
    /// `Memnun-Event-Id`.
    pub id: String,
    /// `Memnun-Event-Type`.
    pub kind: String,
    /// The body, as sent.
    pub body: String,
}

#[derive(Debug, Default)]
struct State {
    received: Vec<Received>,
    refused: usize,
    faults: VecDeque<u16>,
    requests: usize,
}

/// The receiver; it stops accepting when dropped.
pub struct WebhookReceiver {
    server: Server,
    state: Arc<Mutex<State>>,
}

impl WebhookReceiver {
    /// Starts on a free loopback port, accepting deliveries signed with
    /// `secret`.
    pub fn start(secret: &str) -> WebhookReceiver {
        let state = Arc::new(Mutex::new(State::default()));
        let serving = Arc::clone(&state);
        let secret = secret.as_bytes().to_vec();
        let server = Server::start(move |request| receive(&serving, &secret, &request));
        WebhookReceiver { server, state }
    }

    /// The URL to configure as `OutboundWebhookUrl`.
    pub fn url(&self) -> String {
        format!("{}/memnun", self.server.url())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Answers the next requests with these statuses, one each.
    pub fn fail(&self, statuses: impl IntoIterator<Item = u16>) {
        self.state().faults.extend(statuses);
    }

    /// The deliveries accepted, in order.
    pub fn received(&self) -> Vec<Received> {
        self.state().received.clone()
    }

    /// How many requests had a signature that did not verify.
    pub fn refused(&self) -> usize {
        self.state().refused
    }

    /// How many requests came in, faults included.
    pub fn requests(&self) -> usize {
        self.state().requests
    }
}

fn receive(state: &Mutex<State>, secret: &[u8], request: &Incoming) -> Reply {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    s.requests += 1;
    let status = match s.faults.pop_front() {
        Some(status) => status,
        None => {
            let verified = signature::verify(
                request.header(signature::HEADER),
                &request.body,
                &[secret.to_vec()],
                jiff::Timestamp::now(),
            );
            if verified.is_ok() {
                let header = |name| request.header(name).unwrap_or_default().to_owned();
                s.received.push(Received {
                    id: header("memnun-event-id"),
                    kind: header("memnun-event-type"),
                    body: String::from_utf8_lossy(&request.body).into_owned(),
                });
                200
            } else {
                s.refused += 1;
                401
            }
        }
    };
    Reply::json(status, serde_json::json!({}))
}

/// The template parameters that point the outbound webhook at `url`.
pub fn parameters(url: &str) -> [(&'static str, String); 2] {
    [
        ("OutboundWebhookUrl", url.to_owned()),
        (
            "OutboundWebhookSecretParameterName",
            "/memnun/outbound-webhook-secret".to_owned(),
        ),
    ]
}
