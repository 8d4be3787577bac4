//! The `order-journey` Lambda: config, the link-signing secret (with review
//! requests on) and the stores' credentials from SSM, clients and the
//! handler, wired once at init.

use memnun_shared::Error;
use memnun_shared::adapters::Clients;
use memnun_shared::domain::token::Signer;
use memnun_shared::lambda;
use order_journey::{Config, Handler};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load()?;
    let priming = aws
        .prime()
        .table(&config.resources.table)
        .queue(config.resources.outbound_queue_url.as_str())
        .email()
        .run();
    // The secrets — the link-signing key with review requests on, the
    // stores' credentials when configured — are read while the connections
    // are primed: init waits for the slowest.
    let reading = async {
        match &config.review {
            Some(review) => aws
                .secret("LINK_SECRET_PARAMETER", &review.link_secret_parameter)
                .await
                .map(Some),
            None => Ok(None),
        }
    };
    let ((), secret, registry) = tokio::join!(priming, reading, aws.store_registry(&config.stores));
    let registry = registry
        .inspect_err(|e| tracing::error!(error = %e, "cannot read the store's credentials"))?;
    let secret = secret
        .inspect_err(|e| tracing::error!(error = %e, "cannot read the link-signing secret"))?;
    let signer = secret
        .map(|secret| {
            Signer::from_secret(&secret).map_err(|reason| Error::Config {
                var: "LINK_SECRET_PARAMETER",
                reason: format!("names a parameter that {reason}"),
            })
        })
        .transpose()?;
    let (store, mailer) = (aws.store(&config.resources), aws.mailer(&config.shop));
    let handler =
        &Handler::new(config, signer, store, mailer, aws.publisher()).with_registry(registry);
    lambda::serve_sqs(|batch, deadline| handler.handle(batch, deadline)).await
}
