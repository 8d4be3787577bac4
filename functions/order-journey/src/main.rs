//! The `order-journey` Lambda: config, the link-signing secret from SSM
//! (with review requests on), clients and the handler, wired once at init.

use memnun_shared::Error;
use memnun_shared::adapters::Clients;
use memnun_shared::domain::token::Signer;
use memnun_shared::lambda;
use order_journey::{Config, Handler};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load().await;
    let priming = aws
        .prime()
        .table(&config.resources.table)
        .queue(config.resources.outbound_queue_url.as_str())
        .email()
        .run();
    // The secret, when review requests are on, is read while the
    // connections are primed: init waits for the slower of the two.
    let signer = match &config.review {
        Some(review) => {
            let reading = aws.secret("LINK_SECRET_PARAMETER", &review.link_secret_parameter);
            let ((), secret) = tokio::join!(priming, reading);
            let secret = secret.inspect_err(
                |e| tracing::error!(error = %e, "cannot read the link-signing secret"),
            )?;
            Some(
                Signer::from_secret(&secret).map_err(|reason| Error::Config {
                    var: "LINK_SECRET_PARAMETER",
                    reason: format!("names a parameter that {reason}"),
                })?,
            )
        }
        None => {
            priming.await;
            None
        }
    };
    let (store, mailer) = (aws.store(&config.resources), aws.mailer(&config.shop));
    let handler = &Handler::new(config, signer, store, mailer, aws.publisher());
    lambda::serve_sqs(|batch, deadline| handler.handle(batch, deadline)).await
}
