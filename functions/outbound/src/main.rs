//! The `outbound` Lambda: config, the webhook's signing secret and the help
//! desk's credentials from SSM, the tables and the handler, wired once at
//! init. It reads its queue through the event source.

use memnun_shared::adapters::Clients;
use memnun_shared::adapters::http::HttpClient;
use memnun_shared::adapters::webhook::SignedWebhook;
use memnun_shared::contract::signature;
use memnun_shared::lambda;
use outbound::{Config, Handler, MIN_SECRET_BYTES};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load()?;
    // The webhook's secret and the desk's credentials are read side by
    // side: init waits for the slower, not their sum.
    let webhook = async {
        let Some(site) = &config.webhook else {
            return Ok(None);
        };
        let var = "OUTBOUND_WEBHOOK_SECRET_PARAMETER";
        let secret = aws.secret(var, &site.secret_parameter).await.inspect_err(
            |e| tracing::error!(error = %e, "cannot read the webhook's signing secret"),
        )?;
        let secrets = signature::secrets(var, &secret, MIN_SECRET_BYTES)
            .inspect_err(|e| tracing::error!(error = %e, "invalid signing secret"))?;
        Ok::<_, memnun_shared::Error>(Some(SignedWebhook::new(
            HttpClient::default(),
            &site.url,
            secrets,
        )))
    };
    let desk = async {
        match &config.desk {
            Some(desk) => aws.help_desk(desk).await.map(Some).inspect_err(
                |e| tracing::error!(error = %e, "cannot read the help desk's credentials"),
            ),
            None => Ok(None),
        }
    };
    let (webhook, desk) = tokio::join!(webhook, desk);
    let (webhook, desk) = (webhook?, desk?);
    let store = aws.tables(&config.table, &config.idempotency_table);
    let handler = &Handler::new(config, store, webhook, desk);
    lambda::serve_sqs(|batch, deadline| handler.handle(batch, deadline)).await
}
