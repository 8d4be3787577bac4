//! The `birthday-greeter` Lambda: config, the link-signing secret and the
//! stores' credentials from SSM, clients and the handler, wired once at init.

use birthday_greeter::{Config, Handler};
use memnun_shared::Error;
use memnun_shared::adapters::Clients;
use memnun_shared::domain::token::Signer;
use memnun_shared::lambda;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load()?;
    // The secrets (the link-signing key, the stores' credentials) are read
    // while the connections are primed: init waits for the slowest, not
    // their sum.
    let priming = aws
        .prime()
        .table(&config.resources.table)
        .queue(config.resources.outbound_queue_url.as_str())
        .email()
        .run();
    let reading = aws.secret("LINK_SECRET_PARAMETER", &config.link_secret_parameter);
    let ((), secret, registry) = tokio::join!(priming, reading, aws.store_registry(&config.stores));
    let registry = registry
        .inspect_err(|e| tracing::error!(error = %e, "cannot read the store's credentials"))?;
    let secret = secret
        .inspect_err(|e| tracing::error!(error = %e, "cannot read the link-signing secret"))?;
    let signer = Signer::from_secret(&secret).map_err(|reason| Error::Config {
        var: "LINK_SECRET_PARAMETER",
        reason: format!("names a parameter that {reason}"),
    })?;
    let (store, mailer) = (aws.store(&config.resources), aws.mailer(&config.shop));
    let handler =
        &Handler::new(config, signer, store, mailer, aws.publisher()).with_registry(registry);
    lambda::serve_sqs(|batch, deadline| handler.handle(batch, deadline)).await
}
