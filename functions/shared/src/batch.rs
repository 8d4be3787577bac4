//! The SQS batch runner: every message of a batch on its own.
//!
//! Messages run concurrently up to a bound (AWS calls are I/O; ten messages
//! take about as long as one). Each runs in a `message` span carrying the SQS
//! message id and, once parsed, the event id. The answer lists exactly the
//! messages that failed — by error or by panic — so SQS redelivers those and
//! only those, and after `maxReceiveCount` moves them to the dead-letter queue.
//! A handler whose effects on one outside thing must not overlap names that
//! thing per message ([`run_in_order`]): those messages run one after the
//! other.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures_util::{FutureExt as _, StreamExt as _, stream};
use tracing::{Instrument as _, Span, field};

use crate::Result;

/// What a handler did with a message, for the log (`apologized`, `duplicate`, …).
pub type Outcome = &'static str;

/// Runs `handle` over every message of `event`, at most `concurrency` at once,
/// and answers the failed ones.
pub async fn run<F, Fut>(event: SqsEvent, concurrency: usize, handle: F) -> SqsBatchResponse
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = Result<Outcome>>,
{
    run_in_order(event, concurrency, |_| None, handle).await
}

/// As [`run`], but messages that `subject` names alike run one after the
/// other, in the batch's order; different subjects (and messages naming
/// none) still run side by side.
///
/// For effects on one thing outside memnun that cannot be combined by the
/// other side: Freshdesk replaces a ticket's tags on every update, so two
/// notes on one ticket at once would each drop the other's tag.
pub async fn run_in_order<K, F, Fut>(
    event: SqsEvent,
    concurrency: usize,
    subject: K,
    handle: F,
) -> SqsBatchResponse
where
    K: Fn(&SqsMessage) -> Option<String>,
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = Result<Outcome>>,
{
    let total = event.records.len();
    let mut chains: Vec<(Option<String>, Vec<SqsMessage>)> = Vec::new();
    for message in event.records {
        let key = subject(&message);
        match chains.iter_mut().find(|(k, _)| key.is_some() && *k == key) {
            Some((_, chain)) => chain.push(message),
            None => chains.push((key, vec![message])),
        }
    }
    let handle = &handle;
    let results: Vec<Vec<Handled>> =
        stream::iter(chains.into_iter().map(|(_, chain)| async move {
            let mut done = Vec::with_capacity(chain.len());
            for message in chain {
                done.push(one(message, handle).await);
            }
            done
        }))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;

    let mut failures = Vec::new();
    for (id, span, result) in results.into_iter().flatten() {
        let _entered = span.enter();
        let failed = match result {
            Ok(Ok(outcome)) => {
                tracing::info!(outcome, "message done");
                false
            }
            Ok(Err(e)) if e.is_permanent() => {
                crate::metrics::count(crate::metrics::DEAD_LETTERS, &[e.class()]);
                tracing::error!(error = %crate::scrub::scrub(&e.to_string()), permanent = true, "message failed; it will reach the dead-letter queue");
                true
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %crate::scrub::scrub(&e.to_string()), permanent = false, "message failed; it will be retried");
                true
            }
            Err(_) => {
                tracing::error!("message handler panicked; the message will be retried");
                true
            }
        };
        if failed {
            match id {
                Some(id) => {
                    let mut failure = BatchItemFailure::default();
                    failure.item_identifier = id;
                    failures.push(failure);
                }
                None => {
                    tracing::error!("a failed message has no message id and cannot be reported")
                }
            }
        }
    }
    tracing::info!(messages = total, failed = failures.len(), "batch done");
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}

type Handled = (Option<String>, Span, std::thread::Result<Result<Outcome>>);

/// One message in its span, a panic caught as its failure.
async fn one<F, Fut>(message: SqsMessage, handle: &F) -> Handled
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = Result<Outcome>>,
{
    let id = message.message_id.clone();
    let span = tracing::info_span!(
        "message",
        message_id = id.as_deref().unwrap_or("-"),
        event_id = field::Empty,
        event_type = field::Empty,
    );
    let work = AssertUnwindSafe(handle(message))
        .catch_unwind()
        .instrument(span.clone());
    (id, span, work.await)
}

/// The invocation's deadline, from the Lambda context: the lease of every
/// claim the invocation takes.
pub fn deadline(context: &lambda_runtime::Context) -> jiff::Timestamp {
    i64::try_from(context.deadline)
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .unwrap_or_else(|| jiff::Timestamp::now() + jiff::SignedDuration::from_secs(30))
}

/// Records the event's id and type on the current message span.
pub fn record_event(id: &str, kind: &str) {
    let span = Span::current();
    span.record("event_id", id);
    span.record("event_type", kind);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn batch(n: usize) -> SqsEvent {
        let mut event = SqsEvent::default();
        event.records = (0..n)
            .map(|i| {
                let mut m = SqsMessage::default();
                m.message_id = Some(format!("m-{i}"));
                m.body = Some(i.to_string());
                m
            })
            .collect();
        event
    }

    fn failed_ids(r: &SqsBatchResponse) -> Vec<String> {
        let mut ids: Vec<String> = r
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        ids.sort();
        ids
    }

    #[tokio::test]
    async fn reports_exactly_the_failed_and_panicked_messages() {
        let r = run(batch(10), 4, |m| async move {
            match m.body.as_deref() {
                Some("3") => Err(crate::Error::contract("data", "bad")),
                Some("7") => panic!("boom"),
                _ => Ok("done"),
            }
        })
        .await;
        assert_eq!(failed_ids(&r), ["m-3", "m-7"]);
    }

    #[tokio::test]
    async fn runs_messages_concurrently_within_the_bound() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let started = std::time::Instant::now();
        let r = run(batch(10), 5, |_| async {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            running.fetch_sub(1, Ordering::SeqCst);
            Ok("done")
        })
        .await;
        assert!(r.batch_item_failures.is_empty());
        assert_eq!(peak.load(Ordering::SeqCst), 5);
        // Two waves of 50 ms, not ten.
        assert!(
            started.elapsed() < Duration::from_millis(400),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn messages_about_one_subject_run_one_after_the_other_in_order() {
        let running: std::sync::Mutex<Vec<String>> = Default::default();
        let order: std::sync::Mutex<Vec<String>> = Default::default();
        let overlapped = AtomicUsize::new(0);
        // Even bodies are about "a", odd about "b"; 9 about nothing.
        let subject = |m: &SqsMessage| {
            let n: usize = m.body.as_deref()?.parse().ok()?;
            (n != 9).then(|| if n.is_multiple_of(2) { "a" } else { "b" }.to_owned())
        };
        let r = run_in_order(batch(10), 10, subject, |m| {
            let (running, order, overlapped) = (&running, &order, &overlapped);
            async move {
                let body = m.body.unwrap_or_default();
                let n: usize = body.parse().unwrap_or(9);
                let key = if n == 9 {
                    body.clone()
                } else {
                    (n % 2).to_string()
                };
                {
                    let mut now = running.lock().unwrap();
                    if now.contains(&key) {
                        overlapped.fetch_add(1, Ordering::SeqCst);
                    }
                    now.push(key.clone());
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
                running.lock().unwrap().retain(|k| *k != key);
                order.lock().unwrap().push(body.clone());
                if n == 4 {
                    Err(crate::Error::contract("data", "bad"))
                } else {
                    Ok("done")
                }
            }
        })
        .await;
        assert_eq!(overlapped.load(Ordering::SeqCst), 0);
        let order = order.into_inner().unwrap();
        let of = |parity: usize| -> Vec<&String> {
            order
                .iter()
                .filter(|b| b.parse::<usize>().is_ok_and(|n| n != 9 && n % 2 == parity))
                .collect()
        };
        assert_eq!(of(0), ["0", "2", "4", "6", "8"]);
        assert_eq!(of(1), ["1", "3", "5", "7"]);
        // A failure fails its message alone, not the rest of its chain.
        assert_eq!(failed_ids(&r), ["m-4"]);
    }
}
