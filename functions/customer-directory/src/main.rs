//! The `customer-directory` Lambda: config, the store and the handler, wired
//! once at init.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use customer_directory::{Config, Handler};
use lambda_runtime::{LambdaEvent, service_fn};
use memnun_shared::adapters::{Prime, dynamodb::DynamoStore, sdk_config};
use memnun_shared::{batch, config::Env, telemetry};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init();
    let config = Config::from_env(&Env::from_process())
        .inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let aws = sdk_config().await;
    Prime::new(&aws).table(&config.table).run().await;
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&aws),
        &config.table,
        &config.idempotency_table,
    );
    let handler = &Handler::new(config, store);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let deadline = batch::deadline(&event.context);
        Ok::<SqsBatchResponse, lambda_runtime::Error>(handler.handle(event.payload, deadline).await)
    }))
    .await
}
