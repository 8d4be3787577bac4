//! The `weekly-digest` Lambda: config, clients and the handler, wired once
//! at init; each scheduled invocation reports the week before its time.

use memnun_shared::adapters::{self, Prime, dynamodb::DynamoStore, ses::SesMailer};
use memnun_shared::lambda;
use weekly_digest::{Config, Handler};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = adapters::sdk_config()?;
    Prime::new(&aws).table(&config.table).email().run().await;
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&aws),
        &config.table,
        &config.idempotency_table,
    );
    let mailer = SesMailer::new(
        adapters::ses_client(&aws),
        &config.shop.name,
        &config.shop.sender,
        config.shop.configuration_set.clone(),
    );
    let handler = &Handler::new(config, store, mailer);
    lambda::serve_schedule("digest", |now, deadline| handler.run(now, deadline)).await
}
