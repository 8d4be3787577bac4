//! The `links` Lambda (a Function URL): config, the link-signing secret from
//! SSM, clients and the handler, wired once at init.

use lambda_http::{Request, service_fn};
use links::{Config, Handler, signer};
use memnun_shared::adapters::Clients;
use memnun_shared::lambda;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load()?;
    // The link-signing secret is read while the connections are primed:
    // init waits for the slower of the two, not their sum.
    let priming = aws
        .prime()
        .table(&config.table)
        .queue(config.tickets_queue_url.as_str())
        .run();
    let reading = aws.secret("LINK_SECRET_PARAMETER", &config.link_secret_parameter);
    let ((), secret) = tokio::join!(priming, reading);
    let secret = secret
        .inspect_err(|e| tracing::error!(error = %e, "cannot read the link-signing secret"))?;
    let signer = signer(&secret)?;
    // The links claim nothing in the idempotency table: the consent update is
    // conditional and the survey event's id is fixed per ticket, so this
    // function has no idempotency table (and no permission on it).
    let store = aws.tables(&config.table, "");
    let handler = &Handler::new(config, signer, store, aws.publisher());
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, std::convert::Infallible>(handler.handle(request, jiff::Timestamp::now()).await)
    }))
    .await
}
