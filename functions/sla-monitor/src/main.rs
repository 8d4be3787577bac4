//! The `sla-monitor` Lambda: config, clients and the handler, wired once at
//! init; each scheduled invocation is one sweep at the schedule's time.

use memnun_shared::Error;
use memnun_shared::adapters::Clients;
use memnun_shared::lambda;
use sla_monitor::{Config, Handler};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = lambda::init(Config::from_env)?;
    let aws = Clients::load()?;
    aws.prime()
        .table(&config.table)
        .queue(config.escalations_queue_url.as_str())
        .run()
        .await;
    // The monitor claims nothing: it has no idempotency table.
    let store = aws.tables(&config.table, "");
    let handler = &Handler::new(config, store, aws.publisher());
    lambda::serve_schedule("sweep", |now, deadline| async move {
        // Boxed: the sweep's future nested in the runtime's is deeper than
        // the compiler's default limit for layouts.
        let sweep = Box::pin(handler.sweep(now, deadline)).await?;
        if sweep.failed > 0 {
            // Reported as a failed invocation so the errors alarm sees it;
            // the retry (or the next sweep) does only what is left.
            return Err(Error::Exhausted("sweep: some entries failed (see the log)"));
        }
        Ok(sweep)
    })
    .await
}
