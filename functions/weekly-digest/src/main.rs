//! The `weekly-digest` Lambda: config, clients and the handler, wired once
//! at init; each scheduled invocation reports the week before its time.

use lambda_runtime::{LambdaEvent, service_fn};
use memnun_shared::adapters::{self, Prime, dynamodb::DynamoStore, ses::SesMailer};
use memnun_shared::contract::internal::scheduled_time;
use memnun_shared::{batch, config::Env, telemetry};
use weekly_digest::{Config, Handler};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init();
    let config = Config::from_env(&Env::from_process())
        .inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let aws = adapters::sdk_config().await;
    Prime::new(&aws).table(&config.table).email().run().await;
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&aws),
        &config.table,
        &config.idempotency_table,
    );
    let mailer = SesMailer::new(
        adapters::ses_client(&aws),
        &config.shop.name,
        &config.shop.sender,
        config.shop.configuration_set.clone(),
    );
    let handler = &Handler::new(config, store, mailer);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let now = scheduled_time(&event.payload)
                .inspect_err(|e| tracing::error!(error = %e, "the schedule's input has no time"))?;
            let report = handler
                .run(now, batch::deadline(&event.context))
                .await
                .inspect_err(|e| tracing::error!(error = %e, "digest failed"))?;
            Ok::<serde_json::Value, lambda_runtime::Error>(serde_json::to_value(&report)?)
        },
    ))
    .await
}
