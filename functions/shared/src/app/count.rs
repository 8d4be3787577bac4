//! Counting for the weekly digest, once per effect.
//!
//! Each count runs under an idempotency claim named for the effect it counts
//! (`count#complaint#<ticket>`, `count#first_reply#<ticket>`,
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
use crate::domain::ticket::{Origin, Ticket, TicketNumber};
use crate::idempotency::Idempotency;
use crate::ports::{IdempotencyStore, StatsStore};

/// Adds `amounts` to the counters of the week of `at`, once per `key`.
pub async fn count_once<S, T>(
    idempotency: &Idempotency<'_, S>,
    stats: &T,
    key: &str,
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

/// A complaint was received: by category and by channel.
pub async fn complaint_opened<S, T>(
    idempotency: &Idempotency<'_, S>,
    stats: &T,
    ticket: &Ticket,
    tz: &TimeZone,
) -> Result<()>
where
    S: IdempotencyStore,
    T: StatsStore,
{
    if ticket.origin != Origin::Complaint {
        return Ok(());
    }
    let amounts = complaint_amounts(ticket);
    let key = format!("count#complaint#{}", ticket.number);
    count_once(idempotency, stats, &key, ticket.opened_at, tz, amounts).await
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
            let key = format!("count#{}#{}", goal.as_str(), ticket.number);
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
    let key = format!("count#survey#{}", ticket.number);
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
    let key = format!(
        "count#coupon#{}#{}#{}",
        coupon.reason.as_str(),
        coupon.source_event,
        coupon.customer_id
    );
    let amounts = coupon_amounts(coupon);
    count_once(idempotency, stats, &key, coupon.issued_at, tz, amounts).await
}

/// A negative product review arrived (`event_key` is its event's key).
pub async fn negative_review<S, T>(
    idempotency: &Idempotency<'_, S>,
    stats: &T,
    event_key: &str,
    posted_at: Timestamp,
    tz: &TimeZone,
) -> Result<()>
where
    S: IdempotencyStore,
    T: StatsStore,
{
    let key = format!("count#review#{event_key}");
    let amounts = vec![(names::NEGATIVE_REVIEWS.to_owned(), 1)];
    count_once(idempotency, stats, &key, posted_at, tz, amounts).await
}

/// A deadline was breached (and escalated), in the week of the deadline.
pub async fn breach<S, T>(
    idempotency: &Idempotency<'_, S>,
    stats: &T,
    ticket: &TicketNumber,
    goal: Goal,
    due: Timestamp,
    tz: &TimeZone,
) -> Result<()>
where
    S: IdempotencyStore,
    T: StatsStore,
{
    let key = format!("count#breach#{ticket}#{}", goal.as_str());
    let amounts = vec![(names::breaches(goal), 1)];
    count_once(idempotency, stats, &key, due, tz, amounts).await
}
