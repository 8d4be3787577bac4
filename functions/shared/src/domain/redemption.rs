//! Which coupons an order redeemed, once each: what marketing's figures
//! count and `coupon.redeemed` announces.
//!
//! An `order.placed` carries the discount codes the customer used. Those
//! of memnun's shape (`RVW-…`, `BDAY-…`: [`CouponCode::parse`], whatever
//! case the store wrote them in) are memnun's coupons; any other code is
//! the shop's own and is none of memnun's business. For each of memnun's:
//!
//! - the first order that uses it **redeems** it: the redemption is kept
//!   under the code (so it is found by the code alone, also when the
//!   coupon's own record is not there yet: an order replayed before the
//!   event that issued its coupon), counted for its flow with the order's
//!   total and, when the coupon's issue is known, the days it took;
//! - the same order again (a duplicate, a retry, a replay) changes
//!   nothing;
//! - another order using it is **reuse**: the redemption stays the first
//!   order's, the other order is flagged on it and counted apart, once
//!   per order. A code is personal and meant for one use; a store that does
//!   not enforce that should hear about it.
//!
//! The flow is the code's: its prefix names the reason it was issued for,
//! so counting needs no read of the coupon.

use jiff::Timestamp;

use crate::domain::coupon::{CouponCode, CouponReason};
use crate::domain::digest::names;
use crate::domain::order::OrderId;

/// The most days to redeem counted one by one; later ones share the last
/// bucket.
pub const DAYS_COUNTED: i64 = 60;

/// A coupon redeemed by an order: what is kept under its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    /// The code.
    pub code: CouponCode,
    /// The flow it belongs to (its prefix's).
    pub reason: CouponReason,
    /// The order that redeemed it. No customer is kept here: the figures
    /// need none, and a customer's erasure then leaves nothing of them in
    /// it (the order's own record, which names them, is erased).
    pub order_id: OrderId,
    /// When the order was placed.
    pub at: Timestamp,
    /// The order's total in hundredths of its currency, when given.
    pub total_cents: Option<i64>,
    /// Its currency (ISO 4217), when given.
    pub currency: Option<String>,
    /// When the coupon was issued, when memnun knows it.
    pub issued_at: Option<Timestamp>,
    /// Other orders that used the code after it was redeemed.
    pub reused_by: Vec<OrderId>,
}

impl Redemption {
    /// Whole days from the coupon's issue to its redemption, when known.
    pub fn days(&self) -> Option<i64> {
        let issued = self.issued_at?;
        let seconds = self.at.as_second() - issued.as_second();
        (seconds >= 0).then_some(seconds / 86_400)
    }
}

/// What became of a coupon, as of a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// An order redeemed it.
    Redeemed,
    /// It ended unused.
    Expired,
    /// Still redeemable.
    Open,
}

impl State {
    /// Of a coupon ending at `expires_at`, `redeemed` or not, at `as_of`.
    pub fn of(expires_at: Timestamp, redeemed: bool, as_of: Timestamp) -> State {
        if redeemed {
            State::Redeemed
        } else if as_of >= expires_at {
            State::Expired
        } else {
            State::Open
        }
    }

    /// Its name in exports.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Redeemed => "redeemed",
            State::Expired => "expired",
            State::Open => "open",
        }
    }
}

/// What an order's use of one of memnun's codes comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Use {
    /// The first order to use it: redeemed now.
    First(Redemption),
    /// Another order, after the first: flagged on the redemption.
    Again {
        /// The code.
        code: CouponCode,
        /// Its flow.
        reason: CouponReason,
        /// The other order.
        order_id: OrderId,
    },
    /// Already recorded for this order: nothing to do.
    Known,
}

/// The order, as far as redeeming goes.
#[derive(Debug, Clone, Copy)]
pub struct Redeeming<'a> {
    /// Which order.
    pub order_id: &'a OrderId,
    /// When it was placed.
    pub at: Timestamp,
    /// Its total as the shop wrote it (`149.90`).
    pub total: Option<&'a str>,
    /// Its currency.
    pub currency: Option<&'a str>,
}

/// memnun's codes among an order's discount codes, each once with its
/// flow, in the order given; the shop's own codes are left out.
pub fn memnun_codes(codes: &[String]) -> Vec<(CouponCode, CouponReason)> {
    let mut found: Vec<(CouponCode, CouponReason)> = Vec::new();
    for code in codes {
        if let Some(c) = CouponCode::parse(&code.trim().to_ascii_uppercase())
            && let Some(reason) = c.reason()
            && !found.iter().any(|(f, _)| f == &c)
        {
            found.push((c, reason));
        }
    }
    found
}

/// What is stored about one of an order's codes: the code and its flow, its
/// redemption (if any), and when its coupon was issued (if memnun knows).
pub type Stored = (
    CouponCode,
    CouponReason,
    Option<Redemption>,
    Option<Timestamp>,
);

/// What each code comes to, given what is stored under it (the
/// redemption, if any) and when its coupon was issued (if memnun knows).
pub fn uses(order: Redeeming<'_>, stored: &[Stored]) -> Vec<Use> {
    stored
        .iter()
        .map(|(code, reason, redemption, issued_at)| match redemption {
            None => Use::First(Redemption {
                code: code.clone(),
                reason: *reason,
                order_id: order.order_id.clone(),
                at: order.at,
                total_cents: order.total.and_then(cents),
                currency: order.currency.map(str::to_owned),
                issued_at: *issued_at,
                reused_by: Vec::new(),
            }),
            Some(r) if &r.order_id == order.order_id || r.reused_by.contains(order.order_id) => {
                Use::Known
            }
            Some(_) => Use::Again {
                code: code.clone(),
                reason: *reason,
                order_id: order.order_id.clone(),
            },
        })
        .collect()
}

/// The digest's counters for `uses`: per flow, redemptions, revenue by
/// currency (in hundredths), days to redeem, and reuse.
pub fn amounts(uses: &[Use]) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for u in uses {
        match u {
            Use::First(r) => {
                out.push((names::redeemed(r.reason), 1));
                if let (Some(cents), Some(currency)) = (r.total_cents, &r.currency) {
                    out.push((names::revenue(r.reason, currency), cents));
                }
                if let Some(days) = r.days() {
                    out.push((names::redeem_days(r.reason, days.min(DAYS_COUNTED)), 1));
                }
            }
            Use::Again { reason, .. } => out.push((names::reused(*reason), 1)),
            Use::Known => {}
        }
    }
    out
}

/// A total as the shop wrote it, in hundredths (`149.9` → 14990; a third
/// decimal is dropped): `None` when it is no such number.
pub fn cents(total: &str) -> Option<i64> {
    let (whole, fraction) = total.trim().split_once('.').unwrap_or((total.trim(), ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let mut hundredths = 0;
    for (i, b) in fraction.bytes().take(2).enumerate() {
        hundredths += i64::from(b - b'0') * if i == 0 { 10 } else { 1 };
    }
    whole.checked_mul(100)?.checked_add(hundredths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(reason: CouponReason) -> CouponCode {
        CouponCode::generate(reason).unwrap()
    }

    fn order(id: &str) -> OrderId {
        OrderId::parse(id).unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn only_memnuns_codes_count_in_any_case_and_once() {
        let c = code(CouponReason::Birthday);
        let codes = vec![
            "KIS10".to_owned(),
            c.as_str().to_ascii_lowercase(),
            format!(" {} ", c.as_str()),
            "RVW-NOT-A-CODE".to_owned(),
            // Another system's code of the same shape.
            c.as_str().replacen("BDAY", "KIS", 1),
        ];
        assert_eq!(memnun_codes(&codes), [(c, CouponReason::Birthday)]);
    }

    #[test]
    fn the_first_order_redeems_the_same_again_is_known_another_is_reuse() {
        let c = code(CouponReason::NegativeReview);
        let first = order("ord-1");
        let redeeming = |o| Redeeming {
            order_id: o,
            at: ts("2026-11-30T10:00:00Z"),
            total: Some("149.90"),
            currency: Some("TRY"),
        };
        let issued = Some(ts("2026-11-22T10:00:00Z"));
        let rvw = CouponReason::NegativeReview;
        let mut first_use = uses(redeeming(&first), &[(c.clone(), rvw, None, issued)]);
        assert_eq!(first_use.len(), 1);
        let Some(Use::First(r)) = first_use.pop() else {
            panic!("not first")
        };
        assert_eq!(r.total_cents, Some(14990));
        assert_eq!(r.days(), Some(8));
        assert_eq!(
            amounts(&[Use::First(r.clone())]),
            [
                ("coupons.negative_review.redeemed".to_owned(), 1),
                ("coupons.negative_review.revenue.TRY".to_owned(), 14990),
                ("coupons.negative_review.redeem_days.8".to_owned(), 1),
            ]
        );
        let stored = [(c.clone(), rvw, Some(r.clone()), issued)];
        assert_eq!(uses(redeeming(&first), &stored), [Use::Known]);
        let second = order("ord-2");
        let again = uses(redeeming(&second), &stored);
        assert_eq!(
            again,
            [Use::Again {
                code: c.clone(),
                reason: rvw,
                order_id: second.clone()
            }]
        );
        assert_eq!(
            amounts(&again),
            [("coupons.negative_review.reused".to_owned(), 1)]
        );
        let mut flagged = r;
        flagged.reused_by.push(second.clone());
        assert_eq!(
            uses(redeeming(&second), &[(c, rvw, Some(flagged), issued)]),
            [Use::Known]
        );
    }

    #[test]
    fn an_order_before_its_coupons_issue_is_redeemed_without_days() {
        let c = code(CouponReason::OrderDelay);
        let o = order("ord-1");
        let mut found = uses(
            Redeeming {
                order_id: &o,
                at: ts("2026-11-30T10:00:00Z"),
                total: None,
                currency: None,
            },
            &[(c, CouponReason::OrderDelay, None, None)],
        );
        let Some(Use::First(r)) = found.pop() else {
            panic!("not first")
        };
        assert_eq!(r.days(), None);
        assert_eq!(
            amounts(&[Use::First(r)]),
            [("coupons.order_delay.redeemed".to_owned(), 1)]
        );
    }

    #[test]
    fn totals_become_hundredths() {
        for (total, expected) in [
            ("149.90", Some(14990)),
            ("149.9", Some(14990)),
            ("149", Some(14900)),
            ("0.055", Some(5)),
            ("", None),
            ("-1", None),
            ("1e3", None),
            ("1.2.3", None),
        ] {
            assert_eq!(cents(total), expected, "{total}");
        }
    }
}
