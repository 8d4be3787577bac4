//! The [`Publisher`] over SQS.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};

use crate::adapters::{aws_error, build_error};
use crate::contract::outbound::OutboundMessage;
use crate::ports::Publisher;
use crate::{Error, Result};

/// How often entries that SQS refused inside a batch are sent again.
const ENTRY_RETRIES: usize = 3;

/// Publishes with `SendMessageBatch`, ten at a time.
#[derive(Debug, Clone)]
pub struct SqsPublisher {
    client: Client,
}

impl SqsPublisher {
    /// Wraps a client.
    pub fn new(client: Client) -> Self {
        SqsPublisher { client }
    }
}

impl Publisher for SqsPublisher {
    async fn publish(&self, queue_url: &str, messages: &[OutboundMessage]) -> Result<()> {
        for chunk in messages.chunks(10) {
            let mut pending: Vec<(usize, &OutboundMessage)> = chunk.iter().enumerate().collect();
            for attempt in 0..=ENTRY_RETRIES {
                let mut entries = Vec::with_capacity(pending.len());
                for (i, m) in &pending {
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
                let out = self
                    .client
                    .send_message_batch()
                    .queue_url(queue_url)
                    .set_entries(Some(entries))
                    .send()
                    .await
                    .map_err(|e| aws_error("sqs", "SendMessageBatch", e))?;
                let failed: Vec<String> = out.failed.iter().map(|f| f.id.clone()).collect();
                if failed.is_empty() {
                    break;
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
                if attempt == ENTRY_RETRIES {
                    return Err(Error::Aws {
                        service: "sqs",
                        operation: "SendMessageBatch",
                        message: format!(
                            "{} entries still refused after {ENTRY_RETRIES} retries",
                            failed.len()
                        ),
                        permanent: false,
                    });
                }
                pending.retain(|(i, _)| failed.contains(&i.to_string()));
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
            }
        }
        Ok(())
    }
}
