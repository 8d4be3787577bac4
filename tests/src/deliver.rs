//! Delivering queue messages to a handler the way Lambda does.
//!
//! Lambda's SQS event source mapping receives up to the batch size, invokes
//! the function with the batch, deletes the messages not named in
//! `batchItemFailures`, and leaves the failed ones to reappear after the
//! visibility timeout (or to move to the dead-letter queue after
//! `maxReceiveCount` receives). Tests make failed messages visible at once,
//! so a retry does not wait 30 s.

use std::future::Future;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_sqs::types::MessageSystemAttributeName;

/// What one delivery did.
#[derive(Debug, Default, Clone)]
pub struct Delivery {
    /// Messages handed to the handler.
    pub received: usize,
    /// Message ids the handler reported failed.
    pub failed: Vec<String>,
}

/// Receives one batch of up to `batch_size` messages from `queue_url`,
/// invokes `handler`, deletes the successes and releases the failures.
pub async fn once<F, Fut>(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    queue_arn: &str,
    batch_size: i32,
    handler: F,
) -> Delivery
where
    F: FnOnce(SqsEvent) -> Fut,
    Fut: Future<Output = SqsBatchResponse>,
{
    let event = receive(sqs, queue_url, queue_arn, batch_size).await;
    if event.records.is_empty() {
        return Delivery::default();
    }
    let handles = handles(&event);
    let response = handler(event).await;
    settle(sqs, queue_url, &handles, &response).await
}

/// Each message's id and receipt handle, to settle the batch afterwards.
pub fn handles(event: &SqsEvent) -> Vec<(String, String)> {
    event
        .records
        .iter()
        .map(|m| {
            (
                m.message_id.clone().unwrap_or_default(),
                m.receipt_handle.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// Receives a batch and turns it into the event Lambda would pass; its
/// messages stay hidden for 30 s.
pub async fn receive(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    queue_arn: &str,
    batch_size: i32,
) -> SqsEvent {
    receive_leased(sqs, queue_url, queue_arn, batch_size, 30).await
}

/// [`receive`], its messages hidden for `lease_seconds` (the queue's
/// visibility timeout on AWS).
pub async fn receive_leased(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    queue_arn: &str,
    batch_size: i32,
    lease_seconds: i32,
) -> SqsEvent {
    let out = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(batch_size)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .visibility_timeout(lease_seconds)
        .send()
        .await
        .expect("receive");
    let mut event = SqsEvent::default();
    event.records = out
        .messages
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            let mut record = SqsMessage::default();
            record.message_id = m.message_id;
            record.receipt_handle = m.receipt_handle;
            record.md5_of_body = m.md5_of_body;
            record.body = m.body;
            record.attributes = m
                .attributes
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k.as_str().to_string(), v))
                .collect();
            record.event_source = Some("aws:sqs".into());
            record.event_source_arn = Some(queue_arn.to_string());
            record.aws_region = Some("eu-central-1".into());
            record
        })
        .collect();
    event
}

/// Deletes what succeeded; makes what failed visible again at once.
pub async fn settle(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    handles: &[(String, String)],
    response: &SqsBatchResponse,
) -> Delivery {
    let failed: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    for (id, receipt) in handles {
        if failed.contains(id) {
            sqs.change_message_visibility()
                .queue_url(queue_url)
                .receipt_handle(receipt)
                .visibility_timeout(0)
                .send()
                .await
                .expect("release failed message");
        } else {
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(receipt)
                .send()
                .await
                .expect("delete message");
        }
    }
    Delivery {
        received: handles.len(),
        failed,
    }
}

/// Delivers until the queue is empty (failed messages come back until SQS
/// moves them to the dead-letter queue); answers every delivery made.
pub async fn until_empty<F, Fut>(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    queue_arn: &str,
    batch_size: i32,
    handler: F,
) -> Vec<Delivery>
where
    F: Fn(SqsEvent) -> Fut,
    Fut: Future<Output = SqsBatchResponse>,
{
    let mut deliveries = Vec::new();
    for _ in 0..50 {
        let d = once(sqs, queue_url, queue_arn, batch_size, &handler).await;
        if d.received == 0 {
            return deliveries;
        }
        deliveries.push(d);
    }
    panic!("the queue did not empty in 50 deliveries");
}
