//! The `links` Lambda (a Function URL): config, the link-signing secret from
//! SSM, clients and the handler, wired once at init.

use lambda_http::{Request, service_fn};
use links::{Config, Handler, signer};
use memnun_shared::adapters::{self, Prime, dynamodb::DynamoStore, sqs::SqsPublisher, ssm};
use memnun_shared::lambda;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = adapters::sdk_config()?;
    // The link-signing secret is read while the connections are primed:
    // init waits for the slower of the two, not their sum.
    let ssm = aws_sdk_ssm::Client::new(&aws);
    let priming = Prime::new(&aws)
        .table(&config.table)
        .queue(config.tickets_queue_url.as_str())
        .run();
    let reading = ssm::secret(&ssm, "LINK_SECRET_PARAMETER", &config.link_secret_parameter);
    let ((), secret) = tokio::join!(priming, reading);
    let secret = secret
        .inspect_err(|e| tracing::error!(error = %e, "cannot read the link-signing secret"))?;
    let signer = signer(&secret)?;
    // The links claim nothing in the idempotency table: the consent update is
    // conditional and the survey event's id is fixed per ticket, so this
    // function has no idempotency table (and no permission on it).
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), &config.table, "");
    let publisher = SqsPublisher::new(aws_sdk_sqs::Client::new(&aws));
    let handler = &Handler::new(config, signer, store, publisher);
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, std::convert::Infallible>(handler.handle(request, jiff::Timestamp::now()).await)
    }))
    .await
}
