//! The AWS adapters: the ports implemented over DynamoDB, SES and SQS.
//!
//! They translate between domain types and AWS calls and know nothing of
//! policy. Endpoints come from the standard AWS configuration chain, so
//! `AWS_ENDPOINT_URL` points a function at the local emulator with no code
//! path of its own.

pub mod consent;
pub mod directory;
pub mod due;
pub mod dynamodb;
pub mod ses;
pub mod sqs;
pub mod ssm;
pub mod stats;

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

/// The AWS clients a function builds once at init, from one configuration.
#[derive(Debug, Clone)]
pub struct Clients {
    config: SdkConfig,
}

impl Clients {
    /// Loads the configuration (see [`sdk_config`]).
    pub async fn load() -> Self {
        Clients {
            config: sdk_config().await,
        }
    }

    /// Wraps a configuration loaded elsewhere (tests, the local run).
    pub fn from_config(config: SdkConfig) -> Self {
        Clients { config }
    }

    /// Both tables.
    pub fn store(&self, resources: &crate::config::ResourceConfig) -> dynamodb::DynamoStore {
        dynamodb::DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&self.config),
            &resources.table,
            &resources.idempotency_table,
        )
    }

    /// SES, sending as the shop.
    pub fn mailer(&self, shop: &crate::config::ShopConfig) -> ses::SesMailer {
        ses::SesMailer::new(
            aws_sdk_ses::Client::new(&self.config),
            &shop.name,
            &shop.sender,
            shop.configuration_set.clone(),
        )
    }

    /// SQS.
    pub fn publisher(&self) -> sqs::SqsPublisher {
        sqs::SqsPublisher::new(aws_sdk_sqs::Client::new(&self.config))
    }

    /// The decrypted SSM parameter `name`, which the variable `var` named.
    pub async fn secret(&self, var: &'static str, name: &str) -> crate::Result<String> {
        ssm::secret(&aws_sdk_ssm::Client::new(&self.config), var, name).await
    }
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
