//! The `outbound` Lambda: config, the signing secret from SSM and the
//! handler, wired once at init. No table, no queue of its own to prime: it
//! only reads its queue (through the event source) and posts.

use memnun_shared::adapters::Clients;
use memnun_shared::adapters::http::HttpClient;
use memnun_shared::adapters::webhook::SignedWebhook;
use memnun_shared::contract::signature;
use memnun_shared::lambda;
use outbound::{Config, Handler, MIN_SECRET_BYTES};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load().await;
    let secret = aws
        .secret(
            "OUTBOUND_WEBHOOK_SECRET_PARAMETER",
            &config.secret_parameter,
        )
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot read the webhook's signing secret"))?;
    let secrets = signature::secrets(
        "OUTBOUND_WEBHOOK_SECRET_PARAMETER",
        &secret,
        MIN_SECRET_BYTES,
    )
    .inspect_err(|e| tracing::error!(error = %e, "invalid signing secret"))?;
    let webhook = SignedWebhook::new(HttpClient::default(), &config.url, secrets);
    let handler = &Handler::new(config, webhook);
    lambda::serve_sqs(|batch, deadline| handler.handle(batch, deadline)).await
}
