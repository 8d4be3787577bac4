//! Marketing consent: what an upsert may change, and what it may not.
//!
//! In Turkey a birthday greeting with a coupon is a commercial message that
//! needs prior consent (İYS), and a withdrawal must hold. So:
//!
//! - a withdrawal always applies, from whichever side it comes;
//! - a grant applies unless consent was withdrawn later than the grant was
//!   given: an upsert that replays an old "consent: true" (the platform's
//!   nightly sync, say) never re-grants what the customer withdrew by
//!   unsubscribing. Only a newer consent, with its `consent_at`, does;
//! - a grant without `consent_at` cannot prove it is newer, so it does not
//!   override a withdrawal.

use jiff::Timestamp;

/// The stored consent state of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConsentState {
    /// Whether marketing messages may be sent.
    pub granted: bool,
    /// When consent was given (as the producer recorded it).
    pub granted_at: Option<Timestamp>,
    /// Where it was given or withdrawn (`checkout`, `unsubscribe-link`, …).
    pub source: Option<String>,
    /// When it was last withdrawn.
    pub withdrawn_at: Option<Timestamp>,
}

/// Consent as an upsert states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentClaim {
    /// Granted (true) or withdrawn (false).
    pub granted: bool,
    /// When, as the producer recorded it.
    pub at: Option<Timestamp>,
    /// Where.
    pub source: Option<String>,
}

/// The state after applying `claim`, received at `event_time`; `None` when
/// nothing changes.
pub fn apply(
    stored: &ConsentState,
    claim: &ConsentClaim,
    event_time: Timestamp,
) -> Option<ConsentState> {
    let at = claim.at.unwrap_or(event_time);
    if !claim.granted {
        if !stored.granted && stored.withdrawn_at.is_some_and(|w| w >= at) {
            return None;
        }
        return Some(ConsentState {
            granted: false,
            granted_at: stored.granted_at,
            source: claim.source.clone().or_else(|| stored.source.clone()),
            withdrawn_at: Some(at),
        });
    }
    if let Some(withdrawn) = stored.withdrawn_at {
        // Only a consent stamped after the withdrawal re-grants.
        match claim.at {
            Some(given) if given > withdrawn => {}
            _ => return None,
        }
    }
    if stored.granted && stored.granted_at == Some(at) {
        return None;
    }
    Some(ConsentState {
        granted: true,
        granted_at: Some(at),
        source: claim.source.clone(),
        withdrawn_at: stored.withdrawn_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn claim(granted: bool, at: Option<&str>) -> ConsentClaim {
        ConsentClaim {
            granted,
            at: at.map(ts),
            source: Some("checkout".into()),
        }
    }

    #[test]
    fn a_first_grant_and_a_withdrawal_apply() {
        let granted = apply(
            &ConsentState::default(),
            &claim(true, Some("2026-01-01T00:00:00Z")),
            ts("2026-01-02T00:00:00Z"),
        )
        .unwrap();
        assert!(granted.granted);
        let withdrawn = apply(&granted, &claim(false, None), ts("2026-02-01T00:00:00Z")).unwrap();
        assert!(!withdrawn.granted);
        assert_eq!(withdrawn.withdrawn_at, Some(ts("2026-02-01T00:00:00Z")));
    }

    #[test]
    fn an_old_grant_never_re_grants_a_withdrawal() {
        let unsubscribed = ConsentState {
            granted: false,
            granted_at: Some(ts("2025-03-14T12:30:00Z")),
            source: Some("unsubscribe-link".into()),
            withdrawn_at: Some(ts("2026-11-01T08:00:00Z")),
        };
        // The nightly sync replays the original consent.
        assert_eq!(
            apply(
                &unsubscribed,
                &claim(true, Some("2025-03-14T12:30:00Z")),
                ts("2026-11-20T00:00:00Z")
            ),
            None
        );
        // A consent without a date cannot prove it is newer.
        assert_eq!(
            apply(
                &unsubscribed,
                &claim(true, None),
                ts("2026-11-20T00:00:00Z")
            ),
            None
        );
        // A newer consent does.
        let again = apply(
            &unsubscribed,
            &claim(true, Some("2026-11-15T10:00:00Z")),
            ts("2026-11-20T00:00:00Z"),
        )
        .unwrap();
        assert!(again.granted);
    }

    #[test]
    fn repeats_change_nothing() {
        let state = apply(
            &ConsentState::default(),
            &claim(true, Some("2026-01-01T00:00:00Z")),
            ts("2026-01-02T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(
            apply(
                &state,
                &claim(true, Some("2026-01-01T00:00:00Z")),
                ts("2026-01-03T00:00:00Z")
            ),
            None
        );
        let off = apply(
            &state,
            &claim(false, Some("2026-02-01T00:00:00Z")),
            ts("2026-02-01T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(
            apply(
                &off,
                &claim(false, Some("2026-01-15T00:00:00Z")),
                ts("2026-02-02T00:00:00Z")
            ),
            None
        );
    }
}
