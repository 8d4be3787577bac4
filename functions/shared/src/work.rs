//! One unit of work per event: a single record that leases the work, tells
//! a retry how far the last attempt got, and marks it done.
//!
//! Why one record and not a claim per effect: a claim costs a write before
//! and a write after every email, publish and counter, so the bookkeeping
//! outweighed the work (23 calls for a low review). Here a unit
//!
//! 1. **begins**: one conditional update of its record in the idempotency
//!    table. A record already done answers "duplicate" in that same call
//!    (`ReturnValuesOnConditionCheckFailure`); one left by a crashed attempt
//!    whose lease ran out is taken over, and the call returns how far that
//!    attempt got;
//! 2. **commits** its domain writes — review, coupon, cap, ticket, counters,
//!    held messages — in one transaction whose conditions are the claims
//!    (a coupon's cause, a ticket's cause, the cap) and which also records
//!    step 1 and what the retry needs ([`Unit::commit`]);
//! 3. runs its **effects** (an SQS batch, each email) in order, each under
//!    a step number ([`Unit::effect`]). A step is written to the record just
//!    before the next effect runs, or with the unit's end (done, or the
//!    lease let go): at any moment only the effect just run can be missing
//!    from the record, so a retry repeats none of the others;
//! 4. **ends**: done, or, on failure, its lease let go (progress kept) so
//!    the retry can go on at once.
//!
//! The gap no store closes is the one it always was: the provider accepted
//! an email and the invocation died before the step was written; the retry
//! sends it again.
//!
//! Effects several units can reach (one breach apology per ticket and day)
//! keep a record of their own, as a [`Write::Claim`] inside the commit.

use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::batch::Outcome;
use crate::keys::WorkKey;
use crate::ports::{Begun, Conflict, Lease, WorkStore, Write};
use crate::{Error, Result};

/// The step a commit records.
pub const COMMITTED: u8 = 1;

#[derive(Debug)]
struct Progress {
    /// How far the unit got (in this attempt or an earlier one).
    step: u8,
    /// How far the record says it got.
    recorded: u8,
    /// What the commit kept for a retry.
    saved: Option<String>,
}

/// A unit of work in progress: the lease on its record and how far it got.
#[derive(Debug)]
pub struct Unit<'a, S> {
    store: &'a S,
    lease: Lease,
    progress: Mutex<Progress>,
}

impl<'a, S: WorkStore> Unit<'a, S> {
    /// Claims the unit `key` until `deadline`; `None` when it was done
    /// before (a duplicate), [`Error::InProgress`] while another invocation
    /// holds it. The record lives `ttl_days`.
    pub async fn begin(
        store: &'a S,
        key: WorkKey,
        deadline: Timestamp,
        ttl_days: i64,
    ) -> Result<Option<Unit<'a, S>>> {
        // The wall clock, only to judge a lease: never a decision of the
        // work, which takes its time from the event.
        let now = Timestamp::now();
        // Seconds, not a span of days: a timestamp has no calendar.
        let ttl = SignedDuration::from_secs(ttl_days.saturating_mul(24 * 3600));
        let lease = Lease {
            token: crate::domain::random::from_alphabet(b"0123456789abcdef", 16)?,
            until: deadline,
            expires_at: now.checked_add(ttl).unwrap_or(Timestamp::MAX),
            key,
        };
        match store.begin(&lease, now).await? {
            Begun::Done => Ok(None),
            Begun::Busy => Err(Error::InProgress(lease.key.to_string())),
            Begun::Held { step, saved } => Ok(Some(Unit {
                store,
                lease,
                progress: Mutex::new(Progress {
                    step,
                    recorded: step,
                    saved,
                }),
            })),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Progress) -> T) -> T {
        // A poisoned lock means a panic elsewhere in this unit; its data is
        // still a plain step number.
        let mut guard = self
            .progress
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// How far the unit got: 0 before its commit.
    pub fn step(&self) -> u8 {
        self.with(|p| p.step)
    }

    /// Whether the domain writes are in (now or by an earlier attempt).
    pub fn committed(&self) -> bool {
        self.step() >= COMMITTED
    }

    /// What the commit kept for a retry.
    pub fn saved<T: DeserializeOwned>(&self) -> Result<Option<T>> {
        self.with(|p| p.saved.clone())
            .map(|json| {
                serde_json::from_str(&json)
                    .map_err(|e| Error::corrupt(self.lease.key.to_string(), e.to_string()))
            })
            .transpose()
    }

    /// Writes everything in `writes` and step [`COMMITTED`] with `saved`, in
    /// one transaction. Answers the writes whose condition failed (nothing
    /// was written then: decide again and commit what is right now). A lost
    /// lease is an [`Error::InProgress`].
    pub async fn commit<T: Serialize>(&self, writes: &[Write], saved: &T) -> Result<Vec<Conflict>> {
        let json = serde_json::to_string(saved)
            .map_err(|e| Error::corrupt(self.lease.key.to_string(), e.to_string()))?;
        let conflicts = self
            .store
            .commit(&self.lease, writes, COMMITTED, Some(&json))
            .await?;
        if conflicts.contains(&Conflict::Lease) {
            return Err(Error::InProgress(self.lease.key.to_string()));
        }
        if conflicts.is_empty() {
            self.with(|p| {
                p.step = COMMITTED;
                p.recorded = COMMITTED;
                p.saved = Some(json);
            });
        }
        Ok(conflicts)
    }

    /// Runs `work` as step `step` unless the unit got that far before;
    /// answers its result, `None` when skipped. The step before is written
    /// first if it is not yet, so no two effects are ever unrecorded.
    pub async fn effect<F, Fut, T>(&self, step: u8, work: F) -> Result<Option<T>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let (current, recorded) = self.with(|p| (p.step, p.recorded));
        if current >= step {
            return Ok(None);
        }
        if recorded < current {
            self.store.advance(&self.lease, current).await?;
            self.with(|p| p.recorded = current);
        }
        let result = work().await?;
        self.with(|p| p.step = step);
        Ok(Some(result))
    }

    /// Ends the unit with the work's result: done, or its lease let go (the
    /// progress kept) so a retry can go on at once.
    pub async fn end(self, result: Result<Outcome>) -> Result<Outcome> {
        match result {
            Ok(outcome) => {
                self.finish().await?;
                Ok(outcome)
            }
            Err(e) => {
                // An effect may have run with its step not yet written: the
                // release writes it, or the retry would repeat the effect.
                let current = self.step();
                if let Err(keep) = self.store.release(&self.lease, current).await {
                    // The lease still runs out at the deadline: the retry
                    // waits a little longer.
                    tracing::warn!(error = %keep, "could not let go of the work's lease");
                }
                Err(e)
            }
        }
    }

    async fn finish(&self) -> Result<()> {
        // The effects have happened: losing the record would repeat them,
        // so writing it gets more tries than any other call (each already
        // the SDK's three attempts).
        let mut tries = 0;
        loop {
            tries += 1;
            match self.store.finish(&self.lease).await {
                Ok(()) => return Ok(()),
                Err(e) if tries >= FINISH_TRIES => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, tries, "recording done work failed; trying again")
                }
            }
        }
    }
}

/// How many times the record of done work is written before giving up.
const FINISH_TRIES: u32 = 3;
