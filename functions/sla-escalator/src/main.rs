//! The `sla-escalator` Lambda: config, clients, the shop's store and the
//! handler, wired once at init. The clock is the wall clock: quiet hours depend on when an email
//! actually goes out.

use memnun_shared::adapters::Clients;
use memnun_shared::lambda;
use sla_escalator::{Config, Handler};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load()?;
    let priming = aws
        .prime()
        .table(&config.resources.table)
        .queue(config.resources.outbound_queue_url.as_str())
        .email()
        .run();
    let registry = aws.primed_with_stores(priming, &config.stores).await?;
    let (store, mailer) = (aws.store(&config.resources), aws.mailer(&config.shop));
    let handler = &Handler::new(config, store, mailer, aws.publisher()).with_registry(registry);
    lambda::serve_sqs(|batch, deadline| handler.handle(batch, deadline)).await
}
