//! Counting for the weekly digest, once per effect.
//!
//! Where an effect is created inside a unit's commit (a complaint's ticket,
//! a coupon, a breach), its counters are items of the same transaction
//! ([`complaint_amounts`], [`coupon_amounts`]): counted exactly when the
//! effect is written. The effects that several events reach outside a
//! commit count here, each under an idempotency claim named for the effect
//! (`count#first_reply#<ticket>`, `count#survey#<ticket>`,
//! `count#coupon#<reason>#<cause>#<customer>`, …), never for the event that
//! happened to cause it. So a redelivered event, a retry after a partial
//! failure, or a second path that meets the same effect (a reply and then a
//! resolution both see the first reply stopped) counts nothing twice, and a
//! count that failed is made by the next attempt. The counter lands in the
//! ISO week, on the shop's clock, in which the effect happened.
//!
//! What a claim cannot close is the same as for email: the counter was added
//! and the invocation died before recording it; the retry adds again.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::Result;
use crate::domain::coupon::{Coupon, CouponValue};
use crate::domain::digest::{Week, names};
use crate::domain::sla::Goal;
use crate::domain::ticket::Ticket;
use crate::idempotency::Idempotency;
use crate::keys::WorkKey;
use crate::ports::{IdempotencyStore, StatsStore};

/// Adds `amounts` to the counters of the week of `at`, once per `key`.
pub async fn count_once<S, T>(
    idempotency: &Idempotency<'_, S>,
    stats: &T,
    key: &WorkKey,
    at: Timestamp,
    tz: &TimeZone,
    amounts: Vec<(String, i64)>,
) -> Result<()>
where
    S: IdempotencyStore,
    T: StatsStore,
{
    let week = Week::of(at, tz);
    idempotency
        .once(key, || async {
            stats.add(week, &amounts).await?;
            Ok(None)
        })
        .await?;
    Ok(())
}

/// The counters a complaint adds: one more, by category and by channel.
pub fn complaint_amounts(ticket: &Ticket) -> Vec<(String, i64)> {
    let mut amounts = vec![
        (names::COMPLAINTS.to_owned(), 1),
        (names::complaints_in(ticket.category), 1),
    ];
    if let Some(channel) = ticket.channel {
        amounts.push((names::complaints_via(channel), 1));
    }
    amounts
}

/// The first reply and the resolution, each once its clock has stopped: in
/// time or late, in the week it stopped. Safe to call after every change.
pub async fn sla_outcomes<S, T>(
    idempotency: &Idempotency<'_, S>,
    stats: &T,
    ticket: &Ticket,
    tz: &TimeZone,
) -> Result<()>
where
    S: IdempotencyStore,
    T: StatsStore,
{
    let Some(sla) = &ticket.sla else {
        return Ok(());
    };
    for (goal, timer) in [
        (Goal::FirstReply, &sla.first_reply),
        (Goal::Resolution, &sla.resolution),
    ] {
        if let Some((at, outcome)) = timer.stopped {
            let key = WorkKey::goal_counted(goal, &ticket.number);
            let amounts = vec![(names::outcome(goal, outcome), 1)];
            count_once(idempotency, stats, &key, at, tz, amounts).await?;
        }
    }
    Ok(())
}

/// A satisfaction survey was answered: one more answer, and its score.
pub async fn survey_answered<S, T>(
    idempotency: &Idempotency<'_, S>,
    stats: &T,
    ticket: &Ticket,
    tz: &TimeZone,
) -> Result<()>
where
    S: IdempotencyStore,
    T: StatsStore,
{
    let Some((score, at)) = ticket.survey else {
        return Ok(());
    };
    let key = WorkKey::survey_counted(&ticket.number);
    let amounts = vec![
        (names::SURVEYS.to_owned(), 1),
        (names::SURVEY_SCORE_SUM.to_owned(), i64::from(score.stars())),
    ];
    count_once(idempotency, stats, &key, at, tz, amounts).await
}

/// The counters a coupon adds: one more for its reason, and its percentage.
pub fn coupon_amounts(coupon: &Coupon) -> Vec<(String, i64)> {
    let CouponValue::Percent(percent) = coupon.value;
    vec![
        (names::coupons(coupon.reason), 1),
        (names::coupon_percent(coupon.reason), i64::from(percent)),
    ]
}

/// A coupon was issued: one more for its reason, and its percentage. Keyed
/// by its cause, not its code, which must never reach a log (an error
/// message can carry the key).
pub async fn coupon_issued<S, T>(
    idempotency: &Idempotency<'_, S>,
    stats: &T,
    coupon: &Coupon,
    tz: &TimeZone,
) -> Result<()>
where
    S: IdempotencyStore,
    T: StatsStore,
{
    let key = WorkKey::coupon_counted(coupon.reason, &coupon.source_event, &coupon.customer_id);
    let amounts = coupon_amounts(coupon);
    count_once(idempotency, stats, &key, coupon.issued_at, tz, amounts).await
}
