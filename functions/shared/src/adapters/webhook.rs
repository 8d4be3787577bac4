//! The shop's outbound webhook: memnun's outbound events POSTed to the shop's
//! URL, signed with memnun's own `Memnun-Signature`, for a platform memnun has
//! no adapter for.
//!
//! What the shop's URL receives, per event:
//!
//! - `POST`, the body the CloudEvent exactly as published on the outbound
//!   queue (`coupon.issued`, `ticket.opened`), `Content-Type:
//!   application/cloudevents+json; charset=utf-8`;
//! - `Memnun-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256 of
//!   `<t>.<body>` with each configured secret (one `v1` per secret, so the
//!   receiver can rotate): the same recipe the ingest function checks
//!   ([`crate::contract::signature`]). `t` is the wall clock at sending, not
//!   the event's time: it is there so a receiver can refuse a replay;
//! - `Memnun-Event-Id` and `Memnun-Event-Type`: the CloudEvent's `id` and
//!   `type`, so a receiver can drop a repeat before parsing the body. A
//!   delivery may repeat (a lost answer, a redrive): the id is the same.
//!
//! Answers: any 2xx is delivered. 408, 429 (its `Retry-After` honoured) and
//! 5xx, a refused connection or no answer in 10 s are tried again
//! ([`crate::adapters::http`]), then left to the queue's retry and its
//! dead-letter queue. 401 and 403 (the receiver refused the signature) and
//! every other 4xx fail the message at once, named in the log; a
//! receiver's error text is never logged.

use crate::adapters::http::{self, Credential, HttpClient, Method, Request, Verdict};
use crate::contract::outbound::OutboundMessage;
use crate::contract::signature;
use crate::ports::Deliverer;
use crate::{Error, Result};

const PLATFORM: &str = "webhook";
const POST: &str = "POST";

/// The shop's URL and the secrets that sign what is sent to it.
#[derive(Debug)]
pub struct SignedWebhook {
    http: HttpClient,
    url: String,
    secrets: Credential<Vec<Vec<u8>>>,
}

impl SignedWebhook {
    /// Delivers to `url` (as the configuration checked it with
    /// [`http::platform_url`]), signing with every one of `secrets`.
    pub fn new(http: HttpClient, url: &str, secrets: Vec<Vec<u8>>) -> Self {
        SignedWebhook {
            http,
            url: url.to_owned(),
            secrets: Credential::new(secrets),
        }
    }
}

impl Deliverer for SignedWebhook {
    async fn deliver(&self, message: &OutboundMessage) -> Result<()> {
        let body = message.body.as_bytes();
        // Signed afresh for each attempt: a retry must not arrive with a
        // stale time.
        let request = || Request {
            method: Method::POST,
            url: self.url.clone(),
            headers: vec![
                (
                    "content-type",
                    "application/cloudevents+json; charset=utf-8".to_owned(),
                ),
                (
                    signature::HEADER,
                    signature::sign_all(
                        self.secrets.expose(),
                        jiff::Timestamp::now().as_second(),
                        body,
                    ),
                ),
                ("memnun-event-id", message.id.clone()),
                ("memnun-event-type", message.kind.to_owned()),
            ],
            body: Some(body.to_vec()),
        };
        http::call_with(&self.http, PLATFORM, POST, request, judge).await
    }
}

fn judge(answer: &http::Answer) -> Verdict<()> {
    match answer.status {
        200..=299 => Verdict::Done(()),
        401 | 403 => Verdict::Fail(Error::Platform {
            platform: PLATFORM,
            operation: POST,
            reason: format!(
                "answered {}: the receiver refused the signature (check that it holds the secret in OUTBOUND_WEBHOOK_SECRET_PARAMETER)",
                answer.status
            ),
            permanent: true,
        }),
        408 => Verdict::Again(std::time::Duration::ZERO),
        _ => match http::by_status::<()>(PLATFORM, POST, answer) {
            Some(verdict) => verdict,
            None => Verdict::Fail(Error::Platform {
                platform: PLATFORM,
                operation: POST,
                reason: format!("answered {}", answer.status),
                permanent: true,
            }),
        },
    }
}
