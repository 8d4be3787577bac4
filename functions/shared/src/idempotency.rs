//! Exactly-once effects on top of at-least-once delivery.
//!
//! SQS delivers twice, Lambda retries, batches fail half-way. Every piece of
//! work with an outside effect runs through [`Idempotency::once`] under a key
//! that names it: the event as a whole (`event#<function>#<source>#<id>`),
//! and inside it each email (`email#<template>#<customer>#<event>`) and each
//! publish (`publish#<message id>`). Coupons and tickets need no claim: their
//! conditional writes are keyed by (customer, reason or origin, event).
//!
//! A claim is a conditional write in the idempotency table. It holds a lease
//! until the invocation's deadline, so a claim left by a crashed invocation
//! stops blocking retries as soon as that invocation's time is up; a failed
//! attempt releases its claim at once. Records expire by TTL after
//! `IDEMPOTENCY_TTL_DAYS`, longer than any queue keeps a message.
//!
//! The one gap no store can close: the provider accepted an email and the
//! invocation died before recording it. The retry then sends it again.

use std::future::Future;

use jiff::{Span, Timestamp, ToSpan};

use crate::ports::{Claim, IdempotencyStore};
use crate::{Error, Result};

/// How a piece of work went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Once {
    /// It ran now; its result.
    Ran(Option<String>),
    /// It had run before; the result stored then.
    AlreadyDone(Option<String>),
}

/// Runs work once per key, for one invocation.
pub struct Idempotency<'a, S> {
    store: &'a S,
    lease_until: Timestamp,
    ttl: Span,
}

impl<'a, S: IdempotencyStore> Idempotency<'a, S> {
    /// Claims last until `lease_until` (the invocation's deadline); records
    /// live `ttl_days`.
    pub fn new(store: &'a S, lease_until: Timestamp, ttl_days: i64) -> Self {
        Idempotency {
            store,
            lease_until,
            ttl: ttl_days.days(),
        }
    }

    /// Runs `work` unless `key` is done; answers [`Error::InProgress`] while
    /// another invocation holds it. On failure the claim is released so the
    /// retry can start at once.
    pub async fn once<F, Fut>(&self, key: &str, work: F) -> Result<Once>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<String>>>,
    {
        let now = Timestamp::now();
        let expires_at = now.checked_add(self.ttl).unwrap_or(Timestamp::MAX);
        match self
            .store
            .claim(key, self.lease_until, now, expires_at)
            .await?
        {
            Claim::Done(result) => Ok(Once::AlreadyDone(result)),
            Claim::Held => Err(Error::InProgress(key.to_owned())),
            Claim::Acquired => match work().await {
                Ok(result) => {
                    self.store
                        .complete(key, result.as_deref(), expires_at)
                        .await?;
                    Ok(Once::Ran(result))
                }
                Err(e) => {
                    if let Err(release) = self.store.release(key).await {
                        // The lease still runs out at the deadline: the retry
                        // waits a little longer, nothing is lost.
                        tracing::warn!(error = %release, "could not release a claim");
                    }
                    Err(e)
                }
            },
        }
    }
}
