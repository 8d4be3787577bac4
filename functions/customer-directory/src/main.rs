//! The `customer-directory` Lambda: config, the store and the handler, wired
//! once at init.

use customer_directory::{Config, Handler};
use memnun_shared::adapters::Clients;
use memnun_shared::lambda;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load()?;
    aws.prime().table(&config.table).run().await;
    let store = aws.tables(&config.table, &config.idempotency_table);
    let handler = &Handler::new(config, store);
    lambda::serve_sqs(|batch, deadline| handler.handle(batch, deadline)).await
}
