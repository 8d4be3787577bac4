//! The `ingest` Lambda (a Function URL): config, the webhook secret from SSM,
//! clients and the handler, wired once at init.

use lambda_http::{Request, service_fn};
use memnun_shared::adapters::Clients;
use memnun_shared::lambda;

use ingest::{Config, Handler, secrets};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load().await;
    // The secret is read while the connection is primed: init waits for the
    // slower of the two, not their sum.
    let priming = aws
        .prime()
        .queue(config.queues.values().next().map(String::as_str))
        .run();
    let reading = aws.secret("WEBHOOK_SECRET_PARAMETER", &config.secret_parameter);
    let ((), secret) = tokio::join!(priming, reading);
    let secret =
        secret.inspect_err(|e| tracing::error!(error = %e, "cannot read the webhook secret"))?;
    let handler = &Handler::new(config, secrets(&secret)?, aws.publisher());
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, std::convert::Infallible>(handler.handle(request, jiff::Timestamp::now()).await)
    }))
    .await
}
