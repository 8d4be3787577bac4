//! `mail-feedback`: SES's bounces and complaints suppress marketing email.
//!
//! SES publishes what happens to the mail memnun sends (the template's
//! configuration set sends bounces and complaints to an SNS topic, which
//! delivers them to the mail feedback queue). For each message:
//!
//! - a permanent bounce or a complaint suppresses every recipient it names
//!   ([`memnun_shared::domain::suppression`] says why these and no others):
//!   the address's hash is stored, and the birthday greetings, or any other
//!   marketing email, check it before sending;
//! - a transient or undetermined bounce, a delivery, or any other event is
//!   logged as ignored and changes nothing;
//! - a body that is not SES feedback fails alone, with the field and the
//!   reason in the log, and after five receives rests in the dead-letter
//!   queue.
//!
//! Every write is conditional on the address not being suppressed yet, so a
//! redelivery, or a second report about the same address, writes nothing:
//! the function needs no idempotency claims. Logs carry SES's feedback and
//! message ids, the kind and counts, never an address or its hash.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::Env;
use memnun_shared::contract::ses_feedback::{SesFeedback, SesNotice};
use memnun_shared::domain::suppression::suppressions;
use memnun_shared::ports::{Suppressed, SuppressionStore};
use memnun_shared::{Error, Result};

/// Everything the function reads at init: it writes only suppression items
/// to the main table.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main table (`TABLE_NAME`).
    pub table: String,
    /// How many messages of a batch run at once (`BATCH_CONCURRENCY`).
    pub batch_concurrency: usize,
}

impl Config {
    /// Reads and validates the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        Ok(Config {
            table: env.required("TABLE_NAME")?,
            batch_concurrency: env.int_or("BATCH_CONCURRENCY", 10, 1..=100)?,
        })
    }
}

/// The handler, generic over its store.
pub struct Handler<S> {
    config: Config,
    store: S,
}

impl<S: SuppressionStore> Handler<S> {
    /// Builds the handler once, at init.
    pub fn new(config: Config, store: S) -> Self {
        Handler { config, store }
    }

    /// Handles one SQS batch; answers the messages that failed.
    pub async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        batch::run(event, self.config.batch_concurrency, |message| {
            self.message(message)
        })
        .await
    }

    async fn message(&self, message: SqsMessage) -> Result<Outcome> {
        let body = message
            .body
            .as_deref()
            .ok_or_else(|| Error::contract("body", "is missing"))?;
        match SesNotice::parse(body)? {
            SesNotice::Other(other) => {
                batch::record_event(
                    other.message_id.as_deref().unwrap_or("-"),
                    &other.event_type,
                );
                tracing::info!("not a bounce or a complaint: ignored");
                Ok("ignored")
            }
            SesNotice::Feedback(feedback) => self.feedback(&feedback).await,
        }
    }

    async fn feedback(&self, feedback: &SesFeedback) -> Result<Outcome> {
        let kind = feedback.kind.as_str();
        batch::record_event(&feedback.feedback_id, kind);
        let entries = suppressions(
            feedback.kind,
            &feedback.recipients,
            feedback.time,
            &feedback.feedback_id,
        );
        if entries.is_empty() {
            tracing::info!(
                kind,
                recipients = feedback.recipients.len(),
                ses_message_id = %feedback.message_id,
                "this kind of feedback suppresses nobody: ignored"
            );
            return Ok("ignored");
        }
        // One after another: a failure part-way fails the message, and the
        // retry finds the addresses done so far already suppressed.
        let mut now = 0;
        for entry in &entries {
            if self.store.suppress(entry).await? == Suppressed::Now {
                now += 1;
            }
        }
        tracing::info!(
            kind,
            recipients = entries.len(),
            newly_suppressed = now,
            already_suppressed = entries.len() - now,
            ses_message_id = %feedback.message_id,
            "recipients suppressed"
        );
        Ok(if now > 0 {
            "suppressed"
        } else {
            "already suppressed"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use memnun_shared::domain::mail::EmailAddress;
    use memnun_shared::domain::suppression::{AddressKey, Suppression, SuppressionReason};

    /// Suppressions in memory, by key.
    #[derive(Default)]
    struct Memory(Mutex<BTreeMap<AddressKey, Suppression>>);

    impl SuppressionStore for Memory {
        async fn is_suppressed(&self, address: &EmailAddress) -> Result<bool> {
            let map = self.0.lock().map_err(|_| Error::NotFound("lock".into()))?;
            Ok(map.contains_key(&AddressKey::of(address)))
        }

        async fn suppress(&self, entry: &Suppression) -> Result<Suppressed> {
            let mut map = self.0.lock().map_err(|_| Error::NotFound("lock".into()))?;
            if map.contains_key(&entry.key) {
                return Ok(Suppressed::Already);
            }
            map.insert(entry.key.clone(), entry.clone());
            Ok(Suppressed::Now)
        }
    }

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    fn handler() -> Handler<Memory> {
        let config = Config::from_env(&env(&[("TABLE_NAME", "t")])).unwrap();
        Handler::new(config, Memory::default())
    }

    fn notification(event_type: &str, detail: &str, recipients: &[&str]) -> String {
        let recipients: Vec<String> = recipients
            .iter()
            .map(|r| format!(r#"{{"emailAddress":"{r}"}}"#))
            .collect();
        let recipients = recipients.join(",");
        let inner = match event_type {
            "Bounce" => format!(
                r#"{{"eventType":"Bounce","bounce":{{"bounceType":"{detail}","bounceSubType":"General","bouncedRecipients":[{recipients}],"timestamp":"2026-11-22T10:15:00.000Z","feedbackId":"fb-{detail}"}},"mail":{{"messageId":"m-1"}}}}"#
            ),
            "Complaint" => format!(
                r#"{{"eventType":"Complaint","complaint":{{"complainedRecipients":[{recipients}],"timestamp":"2026-11-22T10:15:00.000Z","feedbackId":"fb-c"}},"mail":{{"messageId":"m-1"}}}}"#
            ),
            other => format!(r#"{{"eventType":"{other}","mail":{{"messageId":"m-1"}}}}"#),
        };
        let escaped = inner.replace('"', "\\\"");
        format!(r#"{{"Type":"Notification","Message":"{escaped}"}}"#)
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

    fn failed(r: &SqsBatchResponse) -> Vec<String> {
        r.batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect()
    }

    async fn suppressed(h: &Handler<Memory>, address: &str) -> bool {
        h.store
            .is_suppressed(&EmailAddress::parse(address).unwrap())
            .await
            .unwrap()
    }

    #[test]
    fn config_reads_only_the_table_and_the_batch_setting() {
        let e = env(&[("TABLE_NAME", "t")]);
        let config = Config::from_env(&e).unwrap();
        assert_eq!(config.batch_concurrency, 10);
        assert_eq!(e.names_read(), ["TABLE_NAME", "BATCH_CONCURRENCY"]);
        let err = Config::from_env(&env(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable TABLE_NAME is not set"
        );
    }

    #[tokio::test]
    async fn permanent_bounces_and_complaints_suppress_the_rest_does_not() {
        let h = handler();
        let r = h
            .handle(batch(&[
                notification(
                    "Bounce",
                    "Permanent",
                    &["ayse@example.com", "mert@example.com"],
                ),
                notification("Complaint", "", &["can@example.com"]),
                notification("Bounce", "Transient", &["deniz@example.com"]),
                notification("Bounce", "Undetermined", &["ece@example.com"]),
                notification("Delivery", "", &[]),
            ]))
            .await;
        assert!(failed(&r).is_empty(), "{:?}", failed(&r));
        for a in ["ayse@example.com", "MERT@example.com", " can@example.com "] {
            assert!(suppressed(&h, a).await, "{a}");
        }
        for a in ["deniz@example.com", "ece@example.com"] {
            assert!(!suppressed(&h, a).await, "{a}");
        }
        let map = h.store.0.lock().unwrap();
        assert_eq!(map.len(), 3);
        let can = &map[&AddressKey::of_text("can@example.com")];
        assert_eq!(can.reason, SuppressionReason::Complaint);
        assert_eq!(can.feedback_id, "fb-c");
    }

    #[tokio::test]
    async fn a_repeat_keeps_the_first_report_and_a_malformed_body_fails_alone() {
        let h = handler();
        let bounce = notification("Bounce", "Permanent", &["ayse@example.com"]);
        let r = h
            .handle(batch(&[
                bounce.clone(),
                "{\"Type\":\"Notification\",\"Message\":\"{}\"}".to_string(),
                bounce,
                notification("Complaint", "", &["ayse@example.com"]),
            ]))
            .await;
        assert_eq!(failed(&r), ["m-1"]);
        let map = h.store.0.lock().unwrap();
        assert_eq!(map.len(), 1);
        let entry = map.values().next().unwrap();
        assert_eq!(entry.reason, SuppressionReason::Bounce);
    }
}
