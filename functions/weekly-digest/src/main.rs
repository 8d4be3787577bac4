//! The `weekly-digest` Lambda: config, clients and the handler, wired once
//! at init; each scheduled invocation reports the week before its time.

use memnun_shared::adapters::Clients;
use memnun_shared::lambda;
use weekly_digest::{Config, Handler};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load()?;
    aws.prime().table(&config.table).email().run().await;
    let store = aws.tables(&config.table, &config.idempotency_table);
    let mailer = aws.mailer(&config.shop);
    let handler = &Handler::new(config, store, mailer);
    lambda::serve_schedule("digest", |now, deadline| handler.run(now, deadline)).await
}
