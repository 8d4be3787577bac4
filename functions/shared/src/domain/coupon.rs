//! Coupons: what they are worth, why they were issued, and their codes.
//!
//! A code is `PREFIX-XXXXX-XXXXX`: a prefix that tells the reason at a glance
//! (support agents read these aloud), then ten symbols drawn by the OS
//! generator from an alphabet of 30 without look-alikes (no 0/O, 1/I/L, U):
//! 30^10 ≈ 2^49 codes per prefix, so guessing one is hopeless and a
//! collision, which the store's conditional write would catch, is rare.

use std::fmt;

use jiff::Timestamp;

use crate::Result;
use crate::domain::customer::CustomerId;
use crate::domain::random;

/// Symbols a code is made of: digits 2–9 and capitals without I, L, O and U.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

const GROUPS: usize = 2;
const GROUP_LEN: usize = 5;

/// Why a coupon was issued. Each reason has its own code prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CouponReason {
    /// Apology for a low product review.
    NegativeReview,
    /// Apology for a low satisfaction rating of a ticket.
    LowSatisfaction,
    /// Apology for a missed SLA.
    SlaBreach,
    /// Apology for a late order.
    OrderDelay,
    /// Birthday gift.
    Birthday,
}

impl CouponReason {
    /// Every reason, in the order figures list them.
    pub const ALL: [CouponReason; 5] = [
        CouponReason::NegativeReview,
        CouponReason::LowSatisfaction,
        CouponReason::SlaBreach,
        CouponReason::OrderDelay,
        CouponReason::Birthday,
    ];

    /// The stable name used in events and records.
    pub fn as_str(self) -> &'static str {
        match self {
            CouponReason::NegativeReview => "negative_review",
            CouponReason::LowSatisfaction => "low_satisfaction",
            CouponReason::SlaBreach => "sla_breach",
            CouponReason::OrderDelay => "order_delay",
            CouponReason::Birthday => "birthday",
        }
    }

    /// Reads [`CouponReason::as_str`] back.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The code prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            CouponReason::NegativeReview => "RVW",
            CouponReason::LowSatisfaction => "CSAT",
            CouponReason::SlaBreach => "SLA",
            CouponReason::OrderDelay => "LATE",
            CouponReason::Birthday => "BDAY",
        }
    }

    /// Apology coupons share one cap per customer (no coupon farming);
    /// birthday gifts do not count against it.
    pub fn is_apology(self) -> bool {
        !matches!(self, CouponReason::Birthday)
    }
}

/// A coupon code. Its `Debug` form is redacted so it cannot reach a log.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CouponCode(String);

impl CouponCode {
    /// Draws a fresh code for `reason`.
    pub fn generate(reason: CouponReason) -> Result<Self> {
        let body = random::from_alphabet(CODE_ALPHABET, GROUPS * GROUP_LEN)?;
        let mut code = String::from(reason.prefix());
        for group in body.as_bytes().chunks(GROUP_LEN) {
            code.push('-');
            code.push_str(std::str::from_utf8(group).unwrap_or_default());
        }
        Ok(CouponCode(code))
    }

    /// Accepts a code as stored (any prefix, then the groups).
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split('-');
        let prefix = parts.next()?;
        let groups: Vec<&str> = parts.collect();
        let valid = !prefix.is_empty()
            && prefix.bytes().all(|b| b.is_ascii_uppercase())
            && groups.len() == GROUPS
            && groups
                .iter()
                .all(|g| g.len() == GROUP_LEN && g.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        valid.then(|| CouponCode(s.to_owned()))
    }

    /// The code as the customer types it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The reason a code of memnun's was issued for, read from its prefix;
    /// `None` for a code of this shape with another prefix (another
    /// system's).
    pub fn reason(&self) -> Option<CouponReason> {
        let prefix = self.0.split('-').next()?;
        CouponReason::ALL.into_iter().find(|r| r.prefix() == prefix)
    }
}

impl fmt::Debug for CouponCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CouponCode({}-…)",
            self.0.split('-').next().unwrap_or("")
        )
    }
}

/// What a coupon takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponValue {
    /// A percentage of the order.
    Percent(u8),
}

/// An issued coupon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coupon {
    /// The code.
    pub code: CouponCode,
    /// Whose it is.
    pub customer_id: CustomerId,
    /// Why it was issued.
    pub reason: CouponReason,
    /// What it is worth.
    pub value: CouponValue,
    /// When it was issued (the time of the event that caused it).
    pub issued_at: Timestamp,
    /// The last moment it can be redeemed.
    pub expires_at: Timestamp,
    /// The idempotency key of the event that caused it.
    pub source_event: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_have_the_documented_shape() {
        let code = CouponCode::generate(CouponReason::NegativeReview).unwrap();
        let s = code.as_str();
        assert_eq!(s.len(), "RVW-XXXXX-XXXXX".len());
        assert!(s.starts_with("RVW-"));
        assert_eq!(CouponCode::parse(s), Some(code.clone()));
        for b in s[4..].bytes().filter(|&b| b != b'-') {
            assert!(CODE_ALPHABET.contains(&b));
        }
    }

    #[test]
    fn alphabet_has_no_look_alikes_and_enough_entropy() {
        for bad in b"01ILOU" {
            assert!(!CODE_ALPHABET.contains(bad), "{}", char::from(*bad));
        }
        let bits = (GROUPS * GROUP_LEN) as f64 * (CODE_ALPHABET.len() as f64).log2();
        assert!(bits >= 40.0, "{bits} bits");
    }

    #[test]
    fn prefixes_differ_per_reason_and_names_round_trip() {
        let reasons = [
            CouponReason::NegativeReview,
            CouponReason::LowSatisfaction,
            CouponReason::SlaBreach,
            CouponReason::OrderDelay,
            CouponReason::Birthday,
        ];
        let prefixes: HashSet<_> = reasons.iter().map(|r| r.prefix()).collect();
        assert_eq!(prefixes.len(), reasons.len());
        for r in reasons {
            assert_eq!(CouponReason::parse(r.as_str()), Some(r));
        }
        assert!(!CouponReason::Birthday.is_apology());
    }

    #[test]
    fn codes_do_not_repeat() {
        let codes: HashSet<String> = (0..10_000)
            .map(|_| CouponCode::generate(CouponReason::Birthday).unwrap().0)
            .collect();
        assert_eq!(codes.len(), 10_000);
    }

    #[test]
    fn debug_hides_the_code() {
        let code = CouponCode::generate(CouponReason::SlaBreach).unwrap();
        let shown = format!("{code:?}");
        assert!(!shown.contains(&code.as_str()[4..]), "{shown}");
    }

    #[test]
    fn malformed_codes_are_rejected() {
        for bad in [
            "",
            "RVW",
            "RVW-AAAAA",
            "RVW-AAAAA-AAAA0",
            "rvw-AAAAA-AAAAA",
            "RVW-AAAAA-AAAAA-AAAAA",
        ] {
            assert_eq!(CouponCode::parse(bad), None, "{bad}");
        }
    }
}
