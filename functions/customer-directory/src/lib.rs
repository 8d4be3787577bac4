//! `customer-directory`: `customer.upserted` keeps customers current.
//!
//! For each `customer.upserted` on the customers queue: the contact details
//! (email, name, locale, time zone) are stored when new or changed, never
//! over newer ones; the birthday is stored and filed in the birthday index
//! the birthday scheduler reads; marketing consent follows
//! [`memnun_shared::domain::consent::apply`]: a withdrawal always holds, and a
//! grant applies only when it is newer than the last withdrawal, so a sync
//! that replays an old consent never undoes an unsubscribe.
//!
//! The event is claimed once (`event#customer-directory#<source>#<id>`), so a
//! redelivery, or a bulk import run twice, writes nothing the second time.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::Timestamp;
use memnun_shared::app;
use memnun_shared::batch::{self, Outcome};
use memnun_shared::config::Env;
use memnun_shared::contract::payload::{Consent, CustomerUpserted};
use memnun_shared::contract::{EventData, EventMeta};
use memnun_shared::domain::consent::{ConsentClaim, apply};
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::ports::{CustomerStore, DirectoryStore, WorkStore};
use memnun_shared::time::to_key;
use memnun_shared::{Error, Result};

/// The function's name in its idempotency keys.
pub const FUNCTION: &str = "customer-directory";

/// How often a consent write that lost to a concurrent change is retried
/// (read again, reapplied) before the message fails and is redelivered.
const CONSENT_ATTEMPTS: usize = 5;

/// Everything the function reads at init: it only writes to the main table,
/// so it needs neither a queue to send to nor a shop.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main table (`TABLE_NAME`).
    pub table: String,
    /// The idempotency table (`IDEMPOTENCY_TABLE_NAME`).
    pub idempotency_table: String,
    /// How many messages of a batch run at once (`BATCH_CONCURRENCY`).
    pub batch_concurrency: usize,
    /// How long idempotency records live, in days (`IDEMPOTENCY_TTL_DAYS`).
    pub idempotency_ttl_days: i64,
}

impl Config {
    /// Reads and validates the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        Ok(Config {
            table: env.required("TABLE_NAME")?,
            idempotency_table: env.required("IDEMPOTENCY_TABLE_NAME")?,
            batch_concurrency: env.int_or("BATCH_CONCURRENCY", 10, 1..=100)?,
            // The same bounds as every function's: longer than a queue keeps
            // a message, so a redelivery finds the record of its first run.
            idempotency_ttl_days: env.int_or("IDEMPOTENCY_TTL_DAYS", 30, 15..=365)?,
        })
    }
}

/// The handler, generic over its store.
pub struct Handler<S> {
    config: Config,
    store: S,
}

impl<S> Handler<S>
where
    S: CustomerStore + DirectoryStore + WorkStore,
{
    /// Builds the handler once, at init.
    pub fn new(config: Config, store: S) -> Self {
        Handler { config, store }
    }

    /// Handles one SQS batch; `deadline` is the invocation's.
    pub async fn handle(&self, event: SqsEvent, deadline: Timestamp) -> SqsBatchResponse {
        batch::run(event, self.config.batch_concurrency, |message| {
            self.message(message, deadline)
        })
        .await
    }

    async fn message(&self, message: SqsMessage, deadline: Timestamp) -> Result<Outcome> {
        let ttl = self.config.idempotency_ttl_days;
        app::once_per_event(
            FUNCTION,
            message,
            &self.store,
            deadline,
            ttl,
            |event| async move {
                let EventData::CustomerUpserted(customer) = &event.data else {
                    return Err(Error::contract(
                        "type",
                        format!(
                            "{} does not belong on the customers queue (only customer.upserted)",
                            event.data.kind()
                        ),
                    ));
                };
                self.upsert(&event.meta, customer).await
            },
        )
        .await
    }

    async fn upsert(&self, meta: &EventMeta, customer: &CustomerUpserted) -> Result<Outcome> {
        let id = &customer.customer_id;
        app::refresh_customer(&self.store, id, &customer.contact, meta.time).await?;
        if let Some(birthday) = &customer.birthday {
            self.store.save_birthday(id, birthday, meta.time).await?;
        }
        let consent = match &customer.consent {
            Some(consent) => self.consent(id, consent, meta.time).await?,
            None => "no consent stated",
        };
        tracing::info!(
            birthday = customer.birthday.is_some(),
            consent,
            "customer stored"
        );
        Ok("stored")
    }

    /// Applies the event's consent to the stored state; answers what
    /// happened, for the log.
    async fn consent(
        &self,
        id: &CustomerId,
        consent: &Consent,
        event_time: Timestamp,
    ) -> Result<&'static str> {
        let claim = ConsentClaim {
            granted: consent.granted,
            // Stored to the second: compare at the same precision, so a
            // replay of the stored consent is recognised as one.
            at: consent.at.map(to_second),
            source: consent.source.clone(),
        };
        for _ in 0..CONSENT_ATTEMPTS {
            let stored = self.store.consent_state(id).await?;
            let Some(new) = apply(&stored, &claim, to_second(event_time)) else {
                return Ok(if claim.granted && !stored.granted {
                    "grant not newer than the withdrawal: kept withdrawn"
                } else {
                    "unchanged"
                });
            };
            if self.store.save_consent(id, &stored, &new).await? {
                return Ok(if new.granted { "granted" } else { "withdrawn" });
            }
            tracing::info!("consent changed while it was applied: reading it again");
        }
        Err(Error::Exhausted("consent write attempts"))
    }
}

fn to_second(t: Timestamp) -> Timestamp {
    memnun_shared::time::parse(&to_key(t)).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn config_reads_only_the_tables_and_the_batch_settings() {
        let e = env(&[("TABLE_NAME", "t"), ("IDEMPOTENCY_TABLE_NAME", "i")]);
        let config = Config::from_env(&e).unwrap();
        assert_eq!(config.batch_concurrency, 10);
        assert_eq!(config.idempotency_ttl_days, 30);
        assert_eq!(
            e.names_read(),
            [
                "TABLE_NAME",
                "IDEMPOTENCY_TABLE_NAME",
                "BATCH_CONCURRENCY",
                "IDEMPOTENCY_TTL_DAYS"
            ]
        );
        let err = Config::from_env(&env(&[("TABLE_NAME", "t")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable IDEMPOTENCY_TABLE_NAME is not set"
        );
    }

    #[test]
    fn times_are_kept_to_the_second() {
        let t: Timestamp = "2026-11-22T10:15:00.750Z".parse().unwrap();
        assert_eq!(to_second(t), "2026-11-22T10:15:00Z".parse().unwrap());
    }
}
