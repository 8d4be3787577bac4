//! The `birthday-greeter` Lambda: config, the link-signing secret from SSM,
//! clients and the handler, wired once at init.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use birthday_greeter::{Config, Handler};
use lambda_runtime::{LambdaEvent, service_fn};
use memnun_shared::adapters::Clients;
use memnun_shared::domain::token::Signer;
use memnun_shared::{Error, batch, config::Env, telemetry};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init();
    let config = Config::from_env(&Env::from_process())
        .inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let aws = Clients::load().await;
    let secret = aws
        .secret("LINK_SECRET_PARAMETER", &config.link_secret_parameter)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot read the link-signing secret"))?;
    let signer = Signer::from_secret(&secret).map_err(|reason| Error::Config {
        var: "LINK_SECRET_PARAMETER",
        reason: format!("names a parameter that {reason}"),
    })?;
    aws.prime()
        .table(&config.resources.table)
        .queue(config.resources.outbound_queue_url.as_str())
        .email()
        .run()
        .await;
    let (store, mailer) = (aws.store(&config.resources), aws.mailer(&config.shop));
    let handler = &Handler::new(config, signer, store, mailer, aws.publisher());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let deadline = batch::deadline(&event.context);
        Ok::<SqsBatchResponse, lambda_runtime::Error>(handler.handle(event.payload, deadline).await)
    }))
    .await
}
