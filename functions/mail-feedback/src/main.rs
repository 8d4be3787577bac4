//! The `mail-feedback` Lambda: config, the store and the handler, wired once
//! at init.

use mail_feedback::{Config, Handler};
use memnun_shared::adapters::{dynamodb::DynamoStore, sdk_config};
use memnun_shared::lambda;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = sdk_config()?;
    // No claims in the idempotency table: the suppression write is
    // conditional on the address not being suppressed yet, which makes a
    // repeat a no-op by itself. So the function has no idempotency table
    // (and no permission on it).
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), &config.table, "");
    let handler = &Handler::new(config, store);
    lambda::serve_sqs(|batch, _| handler.handle(batch)).await
}
