//! The `birthday-scheduler` Lambda: config, clients and the handler, wired
//! once at init; each scheduled invocation is one run at the schedule's time.

use birthday_scheduler::{Config, Handler};
use memnun_shared::adapters::Clients;
use memnun_shared::lambda;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load()?;
    aws.prime()
        .table(&config.table)
        .queue(config.greetings_queue_url.as_str())
        .run()
        .await;
    // The scheduler claims nothing: it has no idempotency table.
    let store = aws.tables(&config.table, "");
    let handler = &Handler::new(config, store, aws.publisher());
    lambda::serve_schedule("birthday run", |now, deadline| handler.run(now, deadline)).await
}
