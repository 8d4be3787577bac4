//! The `ingest` Lambda (a Function URL, and the target of Shopify's
//! EventBridge rule when there is one): config, the webhook secret and the
//! enabled platforms' secrets from SSM, clients and the handler, wired once
//! at init.

use futures_util::future::try_join_all;
use lambda_http::{LambdaEvent, service_fn};
use memnun_shared::adapters::Clients;
use memnun_shared::lambda;
use serde_json::Value;

use ingest::{Config, Handler, invocation, platform_secrets, secrets};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load()?;
    // The secrets are read while the connection is primed: init waits for
    // the slowest, not their sum.
    let priming = aws
        .prime()
        .queue(config.queues.values().next().map(String::as_str))
        .run();
    let reading = aws.secret("WEBHOOK_SECRET_PARAMETER", &config.secret_parameter);
    let platforms = try_join_all(config.platforms.iter().map(|(platform, name)| {
        let aws = &aws;
        async move {
            let value = aws.secret(platform.secret_variable(), name).await?;
            Ok::<_, memnun_shared::Error>((*platform, platform_secrets(*platform, &value)?))
        }
    }));
    let ((), secret, platforms) = tokio::join!(priming, reading, platforms);
    let secret =
        secret.inspect_err(|e| tracing::error!(error = %e, "cannot read the webhook secret"))?;
    let platforms = platforms
        .inspect_err(|e| tracing::error!(error = %e, "cannot read a platform's secret"))?;
    let handler = platforms.into_iter().fold(
        Handler::new(config, secrets(&secret)?, aws.publisher()),
        |handler, (platform, secrets)| handler.with_platform(platform, secrets),
    );
    let handler = &handler;
    // Function URL requests and, with ShopifyEventSourceName, Shopify's
    // EventBridge events: one entry point tells them apart.
    lambda_http::lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let answer = invocation::invoke(handler, event.payload, jiff::Timestamp::now()).await;
        memnun_shared::metrics::flush();
        answer.map_err(lambda_http::Error::from)
    }))
    .await
}
