//! The `mail-feedback` Lambda: config, the store and the handler, wired once
//! at init.

use mail_feedback::{Config, Handler};
use memnun_shared::adapters::Clients;
use memnun_shared::lambda;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load()?;
    // No claims in the idempotency table: the suppression write is
    // conditional on the address not being suppressed yet, which makes a
    // repeat a no-op by itself. So the function has no idempotency table
    // (and no permission on it).
    let store = aws.tables(&config.table, "");
    let handler = &Handler::new(config, store);
    lambda::serve_sqs(|batch, _| handler.handle(batch)).await
}
