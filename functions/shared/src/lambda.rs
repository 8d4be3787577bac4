//! How a memnun Lambda starts and serves: the part every `main.rs` would
//! otherwise repeat.
//!
//! A function's `main` reads its configuration with [`init`] (logging set
//! up first, a bad variable stopping the init with its name), builds its
//! clients and handler once, and hands the handler to [`serve_sqs`] (queue
//! consumers) or [`serve_schedule`] (scheduled runs). Each invocation gets
//! its deadline from the Lambda context; a scheduled one also its time from
//! the schedule's input, never the wall clock.

use std::future::Future;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use jiff::Timestamp;
use lambda_runtime::{LambdaEvent, service_fn};
use serde::Serialize;

use crate::config::Env;
use crate::contract::internal::scheduled_time;
use crate::{Result, batch, telemetry};

/// Sets up logging and reads the configuration from the process's
/// environment; the error (which names the variable) is logged and stops
/// the init.
pub fn init<C>(read: impl FnOnce(&Env) -> Result<C>) -> Result<C, lambda_runtime::Error> {
    telemetry::init();
    let env = Env::from_process();
    read_common(&env)
        .and_then(|()| read(&env))
        .inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))
        .map_err(Into::into)
}

/// What every function reads at init besides its own configuration: the
/// metrics' namespace (`METRICS_NAMESPACE`, [`crate::metrics`]).
pub fn read_common(env: &Env) -> Result<()> {
    crate::metrics::init(env)
}

/// Serves SQS batches: `handle` gets each batch and the invocation's
/// deadline, and answers the messages that failed.
pub async fn serve_sqs<F, Fut>(handle: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(SqsEvent, Timestamp) -> Fut,
    Fut: Future<Output = SqsBatchResponse>,
{
    let handle = &handle;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let deadline = batch::deadline(&event.context);
        let answer = handle(event.payload, deadline);
        async move {
            let answer = answer.await;
            crate::metrics::flush();
            Ok::<SqsBatchResponse, lambda_runtime::Error>(answer)
        }
    }))
    .await
}

/// Serves scheduled runs: `run` gets the schedule's time (from its input,
/// `{"time": "<aws.scheduler.scheduled-time>"}`) and the invocation's
/// deadline, and answers a report, returned as the invocation's result. A
/// failed run is logged as `what` and fails the invocation, for the
/// schedule's retry and the errors alarm.
pub async fn serve_schedule<F, Fut, R>(what: &str, run: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(Timestamp, Timestamp) -> Fut,
    Fut: Future<Output = Result<R>>,
    R: Serialize,
{
    let run = &run;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let now = scheduled_time(&event.payload)
                .inspect_err(|e| tracing::error!(error = %e, "the schedule's input has no time"))?;
            let report = run(now, batch::deadline(&event.context)).await;
            crate::metrics::flush();
            let report = report.inspect_err(|e| tracing::error!(error = %e, "{what} failed"))?;
            Ok::<serde_json::Value, lambda_runtime::Error>(serde_json::to_value(&report)?)
        },
    ))
    .await
}
