//! The `order-journey` Lambda: config, clients and the handler, wired once
//! at init.

use memnun_shared::adapters::Clients;
use memnun_shared::lambda;
use order_journey::{Config, Handler};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load().await;
    aws.prime()
        .table(&config.resources.table)
        .queue(config.resources.outbound_queue_url.as_str())
        .email()
        .run()
        .await;
    let (store, mailer) = (aws.store(&config.resources), aws.mailer(&config.shop));
    let handler = &Handler::new(config, store, mailer, aws.publisher());
    lambda::serve_sqs(|batch, deadline| handler.handle(batch, deadline)).await
}
