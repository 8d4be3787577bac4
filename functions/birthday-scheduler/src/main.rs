//! The `birthday-scheduler` Lambda: config, clients and the handler, wired
//! once at init; each scheduled invocation is one run at the schedule's time.

use birthday_scheduler::{Config, Handler};
use lambda_runtime::{LambdaEvent, service_fn};
use memnun_shared::adapters::{self, Prime, dynamodb::DynamoStore, sqs::SqsPublisher};
use memnun_shared::contract::internal::scheduled_time;
use memnun_shared::{batch, config::Env, telemetry};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init();
    let config = Config::from_env(&Env::from_process())
        .inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let aws = adapters::sdk_config().await;
    Prime::new(&aws)
        .table(&config.table)
        .queue(config.greetings_queue_url.as_str())
        .run()
        .await;
    // The scheduler claims nothing: it has no idempotency table.
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&aws),
        &config.table,
        String::new(),
    );
    let publisher = SqsPublisher::new(aws_sdk_sqs::Client::new(&aws));
    let handler = &Handler::new(config, store, publisher);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let now = scheduled_time(&event.payload)
                .inspect_err(|e| tracing::error!(error = %e, "the schedule's input has no time"))?;
            let run = handler
                .run(now, batch::deadline(&event.context))
                .await
                .inspect_err(|e| tracing::error!(error = %e, "birthday run failed"))?;
            Ok::<serde_json::Value, lambda_runtime::Error>(serde_json::to_value(&run)?)
        },
    ))
    .await
}
