//! The `sla-escalator` Lambda: config, clients and the handler, wired once
//! at init. The clock is the wall clock: quiet hours depend on when an email
//! actually goes out.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};
use memnun_shared::adapters::Clients;
use memnun_shared::{batch, config::Env, telemetry};
use sla_escalator::{Config, Handler};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init();
    let config = Config::from_env(&Env::from_process())
        .inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let aws = Clients::load().await;
    aws.prime()
        .table(&config.resources.table)
        .queue(config.resources.outbound_queue_url.as_str())
        .email()
        .run()
        .await;
    let (store, mailer) = (aws.store(&config.resources), aws.mailer(&config.shop));
    let handler = &Handler::new(config, store, mailer, aws.publisher());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let deadline = batch::deadline(&event.context);
        Ok::<SqsBatchResponse, lambda_runtime::Error>(handler.handle(event.payload, deadline).await)
    }))
    .await
}
