//! `outbound`: memnun's outbound events, delivered to the shop's own URL.
//!
//! The flows publish `coupon.issued` and `ticket.opened` on the outbound
//! queue. A shop whose platform memnun has no adapter for, and which would
//! rather not read a queue, sets `OutboundWebhookUrl`: this function then
//! consumes the queue and POSTs each event to that URL, signed with
//! memnun's own `Memnun-Signature` ([`memnun_shared::adapters::webhook`]).
//! Without it, the function is not deployed and the queue stays the shop's
//! to read.
//!
//! Each message is delivered as it was published, byte for byte. A delivery
//! the receiver refuses or cannot take is the message's failure: tried
//! again within the invocation, then by the queue (its visibility timeout),
//! then resting in its dead-letter queue with the reason logged and the
//! alarm raised. Delivery is at least once: a receiver drops a repeat by
//! `Memnun-Event-Id`, which a retry keeps. There is no state of its own:
//! no table is read or written.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::Timestamp;
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::Env;
use memnun_shared::contract::outbound::OutboundMessage;
use memnun_shared::ports::Deliverer;
use memnun_shared::{Error, Result};

/// Everything the function reads at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// The shop's URL (`OUTBOUND_WEBHOOK_URL`): https, or http on loopback.
    pub url: String,
    /// The SSM SecureString with the signing secret(s)
    /// (`OUTBOUND_WEBHOOK_SECRET_PARAMETER`).
    pub secret_parameter: String,
    /// How many messages of a batch are delivered at once
    /// (`BATCH_CONCURRENCY`).
    pub batch_concurrency: usize,
}

impl Config {
    /// Reads and validates the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        Ok(Config {
            url: env.parsed("OUTBOUND_WEBHOOK_URL", |v| {
                memnun_shared::adapters::http::platform_url("OUTBOUND_WEBHOOK_URL", v).map_err(
                    |e| match e {
                        Error::Config { reason, .. } => reason,
                        other => other.to_string(),
                    },
                )
            })?,
            secret_parameter: env.required("OUTBOUND_WEBHOOK_SECRET_PARAMETER")?,
            batch_concurrency: env.int_or("BATCH_CONCURRENCY", 10, 1..=100)?,
        })
    }
}

/// The shortest signing secret accepted, as for the inbound webhook.
pub const MIN_SECRET_BYTES: usize = 24;

/// The handler, generic over where it delivers.
pub struct Handler<D> {
    config: Config,
    deliverer: D,
}

impl<D: Deliverer> Handler<D> {
    /// Builds the handler once, at init.
    pub fn new(config: Config, deliverer: D) -> Self {
        Handler { config, deliverer }
    }

    /// Handles one SQS batch; answers the messages that failed.
    pub async fn handle(&self, event: SqsEvent, _deadline: Timestamp) -> SqsBatchResponse {
        batch::run(event, self.config.batch_concurrency, |message| {
            self.message(message)
        })
        .await
    }

    async fn message(&self, message: SqsMessage) -> Result<Outcome> {
        let body = message
            .body
            .ok_or_else(|| Error::contract("body", "is empty"))?;
        let outbound = OutboundMessage::parse(&body)?;
        batch::record_event(&outbound.id, outbound.kind);
        self.deliverer.deliver(&outbound).await?;
        tracing::info!(kind = outbound.kind, "delivered to the shop's webhook");
        Ok("delivered")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use memnun_shared::contract::outbound;
    use memnun_shared::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
    use memnun_shared::domain::customer::CustomerId;

    use super::*;

    #[derive(Default)]
    struct Kept {
        delivered: Mutex<Vec<OutboundMessage>>,
        failing: Mutex<usize>,
    }

    impl Deliverer for Kept {
        async fn deliver(&self, message: &OutboundMessage) -> Result<()> {
            let mut failing = self.failing.lock().unwrap();
            if *failing > 0 {
                *failing -= 1;
                return Err(Error::Platform {
                    platform: "webhook",
                    operation: "POST",
                    reason: "answered 503".into(),
                    permanent: false,
                });
            }
            self.delivered.lock().unwrap().push(message.clone());
            Ok(())
        }
    }

    fn config() -> Config {
        Config::from_env(&Env::from_pairs([
            (
                "OUTBOUND_WEBHOOK_URL",
                "https://hooks.dukkan.example/memnun",
            ),
            (
                "OUTBOUND_WEBHOOK_SECRET_PARAMETER",
                "/memnun/outbound-webhook-secret",
            ),
        ]))
        .unwrap()
    }

    fn batch(bodies: &[String]) -> SqsEvent {
        let mut event = SqsEvent::default();
        event.records = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                let mut m = SqsMessage::default();
                m.message_id = Some(format!("m-{i}"));
                m.body = Some(body.clone());
                m
            })
            .collect();
        event
    }

    fn issued() -> OutboundMessage {
        outbound::coupon_issued(
            &Coupon {
                code: CouponCode::parse("RVW-ABCDE-23456").unwrap(),
                customer_id: CustomerId::parse("c-1").unwrap(),
                reason: CouponReason::NegativeReview,
                value: CouponValue::Percent(15),
                issued_at: "2026-11-22T10:15:00Z".parse().unwrap(),
                expires_at: "2026-12-22T20:59:59Z".parse().unwrap(),
                source_event: "shop/test#r-1".into(),
            },
            "memnun/review-responder",
        )
    }

    fn deadline() -> Timestamp {
        Timestamp::now() + jiff::SignedDuration::from_secs(30)
    }

    #[tokio::test]
    async fn each_event_is_delivered_as_published_and_a_bad_one_fails_alone() {
        let h = Handler::new(config(), Kept::default());
        let good = issued();
        let bad = serde_json::json!({"specversion": "1.0", "id": "x", "type": "review.posted", "data": {}})
            .to_string();
        let answer = h.handle(batch(&[good.body.clone(), bad]), deadline()).await;
        let failed: Vec<&str> = answer
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["m-1"]);
        let delivered = h.deliverer.delivered.lock().unwrap().clone();
        assert_eq!(delivered.len(), 1);
        assert_eq!(delivered[0].body, good.body, "byte for byte");
        assert_eq!(delivered[0].id, good.id);
    }

    #[tokio::test]
    async fn a_failed_delivery_is_the_messages_failure_and_its_retry_delivers() {
        let h = Handler::new(config(), Kept::default());
        *h.deliverer.failing.lock().unwrap() = 1;
        let body = issued().body;
        let first = h
            .handle(batch(std::slice::from_ref(&body)), deadline())
            .await;
        assert_eq!(first.batch_item_failures.len(), 1);
        let again = h.handle(batch(&[body]), deadline()).await;
        assert!(again.batch_item_failures.is_empty());
        assert_eq!(h.deliverer.delivered.lock().unwrap().len(), 1);
    }

    #[test]
    fn the_url_must_be_https_but_on_loopback() {
        let e = Config::from_env(&Env::from_pairs([
            ("OUTBOUND_WEBHOOK_URL", "http://hooks.dukkan.example"),
            (
                "OUTBOUND_WEBHOOK_SECRET_PARAMETER",
                "/memnun/outbound-webhook-secret",
            ),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("OUTBOUND_WEBHOOK_URL"), "{e}");
        assert!(
            Config::from_env(&Env::from_pairs([
                ("OUTBOUND_WEBHOOK_URL", "http://127.0.0.1:8080/hook"),
                ("OUTBOUND_WEBHOOK_SECRET_PARAMETER", "/p"),
            ]))
            .is_ok()
        );
    }
}
