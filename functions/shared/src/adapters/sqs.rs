//! The [`Publisher`] over SQS.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};

use crate::adapters::{aws_error, build_error};
use crate::contract::outbound::OutboundMessage;
use crate::ports::Publisher;
use crate::{Error, Result};

/// How often entries that SQS refused (or a call that failed) are sent again.
const RETRIES: u32 = 3;
/// Entries per `SendMessageBatch` (the SQS limit).
const BATCH_ENTRIES: usize = 10;
/// Bytes per `SendMessageBatch`, kept under the 256 KiB that every queue accepts.
const BATCH_BYTES: usize = 250 * 1024;

/// Publishes with `SendMessageBatch`.
#[derive(Debug, Clone)]
pub struct SqsPublisher {
    client: Client,
}

impl SqsPublisher {
    /// Wraps a client.
    pub fn new(client: Client) -> Self {
        SqsPublisher { client }
    }

    /// Sends one batch (indexes into `messages`), retrying what SQS refused
    /// for a reason that is not the sender's fault. Answers what was sent.
    async fn send_batch(
        &self,
        queue_url: &str,
        messages: &[OutboundMessage],
        batch: &[usize],
        sent: &mut [bool],
    ) -> Result<()> {
        let mut pending: Vec<usize> = batch.to_vec();
        let mut last_error = None;
        for attempt in 0..=RETRIES {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
            }
            let mut entries = Vec::with_capacity(pending.len());
            for &i in &pending {
                let m = &messages[i];
                let kind = MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(m.kind)
                    .build()
                    .map_err(|e| build_error("sqs", "SendMessageBatch", e))?;
                entries.push(
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(&m.body)
                        .message_attributes("type", kind)
                        .build()
                        .map_err(|e| build_error("sqs", "SendMessageBatch", e))?,
                );
            }
            let out = match self
                .client
                .send_message_batch()
                .queue_url(queue_url)
                .set_entries(Some(entries))
                .send()
                .await
            {
                Ok(out) => out,
                Err(e) => {
                    // The SDK has retried already; one more round costs little.
                    last_error = Some(aws_error("sqs", "SendMessageBatch", e));
                    continue;
                }
            };
            for ok in &out.successful {
                if let Ok(i) = ok.id.parse::<usize>() {
                    sent[i] = true;
                }
            }
            pending.retain(|i| !sent[*i]);
            if pending.is_empty() {
                return Ok(());
            }
            // A refused entry that the sender caused will be refused again.
            if let Some(f) = out.failed.iter().find(|f| f.sender_fault) {
                return Err(Error::Aws {
                    service: "sqs",
                    operation: "SendMessageBatch",
                    message: format!("entry refused: {}", f.code),
                    permanent: true,
                });
            }
            last_error = Some(Error::Aws {
                service: "sqs",
                operation: "SendMessageBatch",
                message: format!("{} entries refused", pending.len()),
                permanent: false,
            });
        }
        Err(last_error.unwrap_or(Error::Exhausted("queue send attempts")))
    }
}

/// Splits messages into batches of at most ten entries and `BATCH_BYTES`.
fn batches(messages: &[OutboundMessage]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut bytes = 0;
    for (i, m) in messages.iter().enumerate() {
        let fits = out
            .last()
            .is_some_and(|b| b.len() < BATCH_ENTRIES && bytes + m.body.len() <= BATCH_BYTES);
        if !fits {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += m.body.len();
        if let Some(last) = out.last_mut() {
            last.push(i);
        }
    }
    out
}

impl Publisher for SqsPublisher {
    async fn publish(&self, queue_url: &str, messages: &[OutboundMessage]) -> Result<()> {
        let mut sent = vec![false; messages.len()];
        for batch in batches(messages) {
            self.send_batch(queue_url, messages, &batch, &mut sent)
                .await?;
        }
        Ok(())
    }

    async fn publish_each(&self, queue_url: &str, messages: &[OutboundMessage]) -> Vec<bool> {
        let mut sent = vec![false; messages.len()];
        for batch in batches(messages) {
            if let Err(e) = self
                .send_batch(queue_url, messages, &batch, &mut sent)
                .await
            {
                tracing::warn!(error = %e, "some messages could not be enqueued");
            }
        }
        sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(bytes: usize) -> OutboundMessage {
        OutboundMessage {
            id: "x".into(),
            kind: "t",
            body: "a".repeat(bytes),
        }
    }

    #[test]
    fn batches_respect_count_and_size() {
        let small: Vec<_> = (0..25).map(|_| msg(10)).collect();
        let sizes: Vec<usize> = batches(&small).iter().map(Vec::len).collect();
        assert_eq!(sizes, [10, 10, 5]);
        let big: Vec<_> = (0..4).map(|_| msg(100 * 1024)).collect();
        let sizes: Vec<usize> = batches(&big).iter().map(Vec::len).collect();
        assert_eq!(sizes, [2, 2]);
        assert!(batches(&[]).is_empty());
    }
}
