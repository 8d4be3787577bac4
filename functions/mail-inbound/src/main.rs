//! The `mail-inbound` Lambda: config, clients and the handler, wired once
//! at init.

use mail_inbound::{Config, Handler};
use memnun_shared::adapters::Clients;
use memnun_shared::lambda;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load()?;
    aws.prime()
        .table(&config.table)
        .queue(config.tickets_queue_url.as_str())
        .run()
        .await;
    let store = aws.tables(&config.table, &config.idempotency_table);
    let handler = &Handler::new(config, aws.mail_box(), store, aws.publisher());
    lambda::serve_sqs(|batch, deadline| handler.handle(batch, deadline)).await
}
