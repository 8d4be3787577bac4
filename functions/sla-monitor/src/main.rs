//! The `sla-monitor` Lambda: config, clients and the handler, wired once at
//! init; each scheduled invocation is one sweep at the schedule's time.

use lambda_runtime::{LambdaEvent, service_fn};
use memnun_shared::adapters::{self, Prime, dynamodb::DynamoStore, sqs::SqsPublisher};
use memnun_shared::contract::internal::scheduled_time;
use memnun_shared::{Error, batch, config::Env, telemetry};
use sla_monitor::{Config, Handler};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init();
    let config = Config::from_env(&Env::from_process())
        .inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let aws = adapters::sdk_config().await;
    Prime::new(&aws)
        .table(&config.table)
        .queue(config.escalations_queue_url.as_str())
        .run()
        .await;
    // The monitor claims nothing: it has no idempotency table.
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
            let sweep = handler
                .sweep(now, batch::deadline(&event.context))
                .await
                .inspect_err(|e| tracing::error!(error = %e, "sweep failed"))?;
            if sweep.failed > 0 {
                // Reported as a failed invocation so the errors alarm sees
                // it; the retry (or the next sweep) does only what is left.
                return Err(Error::Exhausted("sweep: some entries failed (see the log)").into());
            }
            Ok::<serde_json::Value, lambda_runtime::Error>(serde_json::to_value(&sweep)?)
        },
    ))
    .await
}
