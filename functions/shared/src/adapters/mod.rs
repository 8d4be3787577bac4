//! The AWS adapters: the ports implemented over DynamoDB, SES and SQS.
//!
//! They translate between domain types and AWS calls and know nothing of
//! policy. Endpoints come from the standard AWS configuration chain, so
//! `AWS_ENDPOINT_URL` points a function at the local emulator with no code
//! path of its own.

pub mod dynamodb;
pub mod ses;
pub mod sqs;
pub mod ssm;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

use crate::Error;

/// Loads the shared AWS configuration with memnun's timeouts and retries.
///
/// Why these numbers: a Lambda invocation has a budget (the template gives
/// 30 s), and a message that waits long on one AWS call holds its whole batch.
/// A connection that is not up in 2 s will not come; an attempt that has not
/// answered in 5 s is retried rather than waited on; three attempts with the
/// SDK's jittered backoff ride out throttling bursts; 12 s caps one operation,
/// so a stuck message fails (and is redelivered) well before the deadline.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(5))
                .operation_timeout(Duration::from_secs(12))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .load()
        .await
}

/// Error codes that mean the request itself is wrong: retrying cannot help.
const PERMANENT_CODES: &[&str] = &[
    "ValidationException",
    "MessageRejected",
    "InvalidParameterValue",
    "InvalidParameterCombination",
];

/// Converts an SDK error, keeping the service's code and message.
pub(crate) fn aws_error<E>(service: &'static str, operation: &'static str, err: E) -> Error
where
    E: std::error::Error + aws_sdk_dynamodb::error::ProvideErrorMetadata + 'static,
{
    let permanent = err.code().is_some_and(|c| PERMANENT_CODES.contains(&c));
    let message = match (err.code(), err.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code.to_string(),
        _ => aws_sdk_dynamodb::error::DisplayErrorContext(&err).to_string(),
    };
    Error::Aws {
        service,
        operation,
        message,
        permanent,
    }
}

/// Converts a request builder's error (a required field left unset: a bug
/// here, never fixed by retrying).
pub(crate) fn build_error(
    service: &'static str,
    operation: &'static str,
    err: impl std::fmt::Display,
) -> Error {
    Error::Aws {
        service,
        operation,
        message: format!("invalid request: {err}"),
        permanent: true,
    }
}
