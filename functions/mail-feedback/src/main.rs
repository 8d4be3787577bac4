//! The `mail-feedback` Lambda: config, the store and the handler, wired once
//! at init.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};
use mail_feedback::{Config, Handler};
use memnun_shared::adapters::{dynamodb::DynamoStore, sdk_config};
use memnun_shared::{config::Env, telemetry};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init();
    let config = Config::from_env(&Env::from_process())
        .inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let aws = sdk_config().await;
    // No claims in the idempotency table: the suppression write is
    // conditional on the address not being suppressed yet, which makes a
    // repeat a no-op by itself. So the function has no idempotency table
    // (and no permission on it).
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), &config.table, "");
    let handler = &Handler::new(config, store);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, lambda_runtime::Error>(handler.handle(event.payload).await)
    }))
    .await
}
