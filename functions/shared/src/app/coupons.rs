//! A coupon is registered in the shop's store before anything names its
//! code: no email, no `coupon.issued`, until the store takes it at checkout.
//!
//! The flows that issue coupons call these between their commit and their
//! first effect. Registering is safe to repeat (the store recognises its
//! own earlier registration), so a retry that has not yet revealed the code
//! registers again rather than keeping a record of its own. When the store
//! has the code for something else — a code the shop made by hand — the
//! coupon gets a new code, written where the coupon lives and, for a unit of
//! work, in the same commit as what its retry reads, so no attempt ever
//! sends the old one.
//!
//! A store that fails is the message's failure: the queue retries it, and
//! after its last attempt it rests in the dead-letter queue with the reason
//! logged. The customer never receives a code checkout would refuse.

use crate::app::unit::Kept;
use crate::contract::outbound;
use crate::domain::coupon::{Coupon, CouponCode};
use crate::ports::{
    Conflict, CouponRegistry, CouponStore, Holder, Publisher, Registered, WorkStore, Write,
};
use crate::work::{COMMITTED, Unit};
use crate::{Error, Result};

/// How many new codes are tried when the store has them all already.
const DRAWS: usize = 5;

/// Registers the coupon `kept` holds, unless the unit got past its commit
/// (an earlier attempt registered it before its first effect). A code the
/// store has for something else is replaced, in `kept` and its messages
/// too, by a new commit of the unit. Answers the coupon as the email must
/// name it.
pub async fn register_kept<S: WorkStore, R: CouponRegistry>(
    unit: &Unit<'_, S>,
    registry: &R,
    kept: &mut Kept,
    holder: Holder<'_>,
    source: &str,
) -> Result<Option<Coupon>> {
    let Some(mut coupon) = kept.coupon()? else {
        return Ok(None);
    };
    if unit.step() > COMMITTED {
        return Ok(Some(coupon));
    }
    for _ in 0..DRAWS {
        match registry.register(&coupon, holder).await? {
            Registered::Taken => {}
            found => {
                log(&coupon, found);
                return Ok(Some(coupon));
            }
        }
        let code = CouponCode::generate(coupon.reason)?;
        let recoded = Coupon {
            code: code.clone(),
            ..coupon.clone()
        };
        let mut next = kept.clone().with_coupon(Some(&recoded));
        for message in &mut next.messages {
            if message.kind == "coupon.issued" {
                *message = outbound::coupon_issued(&recoded, source);
            }
        }
        let conflicts = unit
            .commit(&[Write::Recode(coupon.clone(), code)], &next)
            .await?;
        match conflicts.as_slice() {
            [] => {
                tracing::warn!(
                    reason = coupon.reason.as_str(),
                    "the store has this coupon's code for something else: the coupon has a new code"
                );
                coupon = recoded;
                *kept = next;
            }
            [Conflict::CouponCode] => {}
            _ => {
                return Err(Error::corrupt(
                    coupon.source_event.clone(),
                    "the coupon changed while its code was replaced",
                ));
            }
        }
    }
    Err(Error::Exhausted("coupon code the store does not have"))
}

/// What comes between a unit's commit and its emails when it publishes no
/// ticket: its coupon registered ([`register_kept`]), then its messages
/// published as step `step` ([`crate::app::unit::publish_kept`]). Answers
/// the coupon as the emails must name it.
pub async fn register_and_publish<S: WorkStore, R: CouponRegistry, P: Publisher>(
    unit: &Unit<'_, S>,
    (registry, publisher): (&R, &P),
    queue_url: &str,
    step: u8,
    kept: &mut Kept,
    holder: Holder<'_>,
    source: &str,
) -> Result<Option<Coupon>> {
    let coupon = register_kept(unit, registry, kept, holder, source).await?;
    crate::app::unit::publish_kept(unit, step, publisher, queue_url, kept, None, source).await?;
    Ok(coupon)
}

/// Registers `coupon`, issued outside a unit of work (the coupon store is
/// its record: a retry reads it again), giving it a new code when the store
/// has this one for something else. Answers the coupon as the email must
/// name it.
pub async fn register_issued<S: CouponStore, R: CouponRegistry>(
    store: &S,
    registry: &R,
    mut coupon: Coupon,
    holder: Holder<'_>,
) -> Result<Coupon> {
    for _ in 0..DRAWS {
        match registry.register(&coupon, holder).await? {
            Registered::Taken => {}
            found => {
                log(&coupon, found);
                return Ok(coupon);
            }
        }
        let code = CouponCode::generate(coupon.reason)?;
        if store.recode(&coupon, &code).await? {
            tracing::warn!(
                reason = coupon.reason.as_str(),
                "the store has this coupon's code for something else: the coupon has a new code"
            );
            coupon.code = code;
        } else {
            // Taken here too, or recoded by a concurrent attempt: the
            // coupon as stored now decides.
            coupon = store
                .issued_for(&coupon.customer_id, coupon.reason, &coupon.source_event)
                .await?
                .ok_or_else(|| {
                    Error::corrupt(coupon.source_event.clone(), "the coupon vanished")
                })?;
        }
    }
    Err(Error::Exhausted("coupon code the store does not have"))
}

fn log(coupon: &Coupon, found: Registered) {
    match found {
        Registered::Now => {
            tracing::info!(
                reason = coupon.reason.as_str(),
                "coupon registered in the store"
            )
        }
        Registered::Before => tracing::info!(
            reason = coupon.reason.as_str(),
            "coupon was registered in the store before"
        ),
        Registered::Nowhere | Registered::Taken => {}
    }
}

#[cfg(test)]
#[cfg(feature = "memory")]
mod tests {
    use super::*;
    use crate::domain::coupon::{CouponReason, CouponValue};
    use crate::domain::customer::CustomerId;
    use crate::keys::WorkKey;
    use crate::memory::{MemoryRegistry, MemoryStore};

    fn coupon() -> Coupon {
        Coupon {
            code: CouponCode::generate(CouponReason::NegativeReview).unwrap(),
            customer_id: CustomerId::parse("c-1").unwrap(),
            reason: CouponReason::NegativeReview,
            value: CouponValue::Percent(15),
            issued_at: "2026-11-23T10:00:00Z".parse().unwrap(),
            expires_at: "2026-12-23T20:59:59Z".parse().unwrap(),
            source_event: "shop/test#r-1".into(),
        }
    }

    fn deadline() -> jiff::Timestamp {
        jiff::Timestamp::now() + jiff::SignedDuration::from_secs(30)
    }

    #[tokio::test]
    async fn a_code_the_store_has_for_something_else_is_replaced_in_the_same_commit() {
        let store = MemoryStore::default();
        let registry = MemoryRegistry::default();
        let c = coupon();
        registry.taken_by_shop(c.code.as_str());
        let unit = Unit::begin(&store, WorkKey::from_stored("event#t#1"), deadline(), 1)
            .await
            .unwrap()
            .unwrap();
        let mut kept = Kept::default()
            .with_coupon(Some(&c))
            .with_messages(vec![outbound::coupon_issued(&c, "memnun/test")]);
        assert!(
            unit.commit(&[Write::Coupon(c.clone())], &kept)
                .await
                .unwrap()
                .is_empty()
        );
        let sent = register_kept(
            &unit,
            &registry,
            &mut kept,
            Holder::default(),
            "memnun/test",
        )
        .await
        .unwrap()
        .unwrap();
        assert_ne!(sent.code, c.code);
        assert_eq!(registry.registered(), [sent.code.as_str().to_owned()]);
        assert!(kept.messages[0].body.contains(sent.code.as_str()));
        assert_eq!(kept.coupon().unwrap().unwrap().code, sent.code);
        let stored = store
            .issued_for(&c.customer_id, c.reason, &c.source_event)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.code, sent.code);
        // The retry reads what the commit kept: the new code.
        let saved: Kept = unit.saved().unwrap().unwrap();
        assert_eq!(saved.coupon().unwrap().unwrap().code, sent.code);
    }

    #[tokio::test]
    async fn outside_a_unit_the_stored_coupon_is_recoded() {
        let store = MemoryStore::default();
        let registry = MemoryRegistry::default();
        let c = coupon();
        store.issue(&c, None).await.unwrap();
        registry.taken_by_shop(c.code.as_str());
        let sent = register_issued(&store, &registry, c.clone(), Holder::default())
            .await
            .unwrap();
        assert_ne!(sent.code, c.code);
        let stored = store
            .issued_for(&c.customer_id, c.reason, &c.source_event)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.code, sent.code);
        // Registering it again is the same coupon, registered before.
        let again = register_issued(&store, &registry, stored, Holder::default())
            .await
            .unwrap();
        assert_eq!(again.code, sent.code);
        assert_eq!(registry.registered().len(), 1);
    }
}
