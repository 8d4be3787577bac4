//! Which coupons an order redeemed, once each: what marketing's figures
//! count and `coupon.redeemed` announces.
//!
//! An `order.placed` carries the discount codes the customer used. Those
//! of memnun's shape (`RVW-…`, `BDAY-…`: [`CouponCode::parse`], whatever
//! case the store wrote them in) are memnun's coupons; any other code is
//! the shop's own and is none of memnun's business. For each of memnun's:
//!
//! - the first order placed with it **redeems** it: the redemption is kept
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
//! "First" is by when the orders were placed (and, placed the same second,
//! by order id), not by which event came in first: two orders with one
//! code may arrive in either order (one batch is handled side by side; a
//! retry comes late). When an order placed earlier than the one holding
//! the redemption comes in, the redemption **moves** to it
//! ([`Use::Earlier`]): the later order becomes reuse, and its counts are
//! taken back from its week and made again as the earlier order's. So the
//! figures are those of the orders, whatever the delivery.
//!
//! `coupon.redeemed` is announced once per code, for the order memnun met
//! first: a message already sent is not taken back.
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
    /// No order redeemed it yet: this one does.
    First(Redemption),
    /// An order placed before the one holding the redemption: the
    /// redemption moves to it and the other becomes reuse.
    Earlier {
        /// The redemption as stored (its write is conditional on it).
        was: Redemption,
        /// The redemption as it becomes: this order's, the other's in
        /// `reused_by`.
        now: Redemption,
    },
    /// Another order, placed after the first: flagged on the redemption.
    Again {
        /// The code.
        code: CouponCode,
        /// Its flow.
        reason: CouponReason,
        /// The other order.
        order_id: OrderId,
        /// When it was placed: the week it is counted in.
        at: Timestamp,
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
        .map(|(code, reason, redemption, issued_at)| {
            let mine = || Redemption {
                code: code.clone(),
                reason: *reason,
                order_id: order.order_id.clone(),
                at: order.at,
                total_cents: order.total.and_then(cents),
                currency: order.currency.map(str::to_owned),
                issued_at: *issued_at,
                reused_by: Vec::new(),
            };
            match redemption {
                None => Use::First(mine()),
                Some(r)
                    if &r.order_id == order.order_id || r.reused_by.contains(order.order_id) =>
                {
                    Use::Known
                }
                Some(r) if (order.at, order.order_id) < (r.at, &r.order_id) => {
                    let mut now = mine();
                    // The coupon's issue as the redemption knew it, should
                    // its record be gone since.
                    now.issued_at = now.issued_at.or(r.issued_at);
                    now.reused_by = r.reused_by.clone();
                    now.reused_by.push(r.order_id.clone());
                    Use::Earlier {
                        was: r.clone(),
                        now,
                    }
                }
                Some(_) => Use::Again {
                    code: code.clone(),
                    reason: *reason,
                    order_id: order.order_id.clone(),
                    at: order.at,
                },
            }
        })
        .collect()
}

/// The digest's counters for `uses`: per flow, redemptions, revenue by
/// currency (in hundredths), days to redeem, and reuse, each with the
/// moment whose week it is counted in (when its order was placed). A
/// redemption that moves to an earlier order is taken back from the later
/// order's week (negative amounts) and counted there as reuse.
pub fn amounts(uses: &[Use]) -> Vec<(Timestamp, String, i64)> {
    let mut out = Vec::new();
    for u in uses {
        match u {
            Use::First(r) => redeemed(&mut out, r, 1),
            Use::Earlier { was, now } => {
                redeemed(&mut out, was, -1);
                out.push((was.at, names::reused(was.reason), 1));
                redeemed(&mut out, now, 1);
            }
            Use::Again { reason, at, .. } => out.push((*at, names::reused(*reason), 1)),
            Use::Known => {}
        }
    }
    out
}

/// `r`'s redemption counts, `sign` times (1 to count, -1 to take back).
fn redeemed(out: &mut Vec<(Timestamp, String, i64)>, r: &Redemption, sign: i64) {
    out.push((r.at, names::redeemed(r.reason), sign));
    if let (Some(cents), Some(currency)) = (r.total_cents, &r.currency) {
        out.push((r.at, names::revenue(r.reason, currency), sign * cents));
    }
    if let Some(days) = r.days() {
        out.push((
            r.at,
            names::redeem_days(r.reason, days.min(DAYS_COUNTED)),
            sign,
        ));
    }
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
        let at = ts("2026-11-30T10:00:00Z");
        assert_eq!(
            amounts(&[Use::First(r.clone())]),
            [
                (at, "coupons.negative_review.redeemed".to_owned(), 1),
                (at, "coupons.negative_review.revenue.TRY".to_owned(), 14990),
                (at, "coupons.negative_review.redeem_days.8".to_owned(), 1),
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
                order_id: second.clone(),
                at,
            }]
        );
        assert_eq!(
            amounts(&again),
            [(at, "coupons.negative_review.reused".to_owned(), 1)]
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
            [(
                ts("2026-11-30T10:00:00Z"),
                "coupons.order_delay.redeemed".to_owned(),
                1
            )]
        );
    }

    /// Summed per week, as the counters are.
    fn by_week(counts: &[(Timestamp, String, i64)]) -> Vec<(i8, String, i64)> {
        let mut out: Vec<(i8, String, i64)> = Vec::new();
        for (at, name, amount) in counts {
            let week = at
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date()
                .iso_week_date()
                .week();
            match out.iter_mut().find(|(w, n, _)| *w == week && n == name) {
                Some((_, _, total)) => *total += amount,
                None => out.push((week, name.clone(), *amount)),
            }
        }
        out.retain(|(_, _, amount)| *amount != 0);
        out.sort();
        out
    }

    #[test]
    fn an_earlier_order_met_later_takes_the_redemption_and_the_figures_are_the_same() {
        let rvw = CouponReason::NegativeReview;
        let c = code(rvw);
        let issued = Some(ts("2026-11-22T10:00:00Z"));
        let (early, late, third) = (order("ord-9"), order("ord-1"), order("ord-5"));
        let placed = |o, at, total| Redeeming {
            order_id: o,
            at: ts(at),
            total: Some(total),
            currency: Some("TRY"),
        };
        let early_o = placed(&early, "2026-11-24T12:00:00Z", "100.00");
        let late_o = placed(&late, "2026-12-02T12:00:00Z", "250.00");
        let third_o = placed(&third, "2026-12-03T12:00:00Z", "80.00");

        // Each order in turn against what the one before left, as the
        // store keeps it; the counts of every step.
        let run = |orders: &[Redeeming<'_>]| {
            let mut stored: Option<Redemption> = None;
            let mut counts = Vec::new();
            for o in orders {
                let found = uses(*o, &[(c.clone(), rvw, stored.clone(), issued)]);
                counts.extend(amounts(&found));
                match found.into_iter().next() {
                    Some(Use::First(r)) | Some(Use::Earlier { now: r, .. }) => stored = Some(r),
                    Some(Use::Again { order_id, .. }) => {
                        if let Some(r) = stored.as_mut() {
                            r.reused_by.push(order_id);
                        }
                    }
                    _ => {}
                }
            }
            (stored, by_week(&counts))
        };
        let (kept, counted) = run(&[early_o, late_o, third_o]);
        let kept = kept.unwrap();
        assert_eq!(kept.order_id, early);
        assert_eq!(kept.days(), Some(2));
        assert_eq!(kept.total_cents, Some(10000));
        assert_eq!(
            counted,
            [
                (48, "coupons.negative_review.redeem_days.2".to_owned(), 1),
                (48, "coupons.negative_review.redeemed".to_owned(), 1),
                (48, "coupons.negative_review.revenue.TRY".to_owned(), 10000),
                (49, "coupons.negative_review.reused".to_owned(), 2),
            ]
        );
        for order in [
            [late_o, early_o, third_o],
            [late_o, third_o, early_o],
            [third_o, late_o, early_o],
            [third_o, early_o, late_o],
            // A duplicate of each, late.
            [early_o, late_o, third_o],
        ] {
            let mut with_repeats = order.to_vec();
            with_repeats.extend(order);
            let (k, n) = run(&with_repeats);
            let mut k = k.unwrap();
            k.reused_by.sort();
            let mut expected = kept.clone();
            expected.reused_by.sort();
            assert_eq!((k, n), (expected, counted.clone()));
        }

        // The move itself: conditional on what was read, the later order
        // and its own reuses carried over.
        let mut held = late_o;
        held.at = ts("2026-12-02T12:00:00Z");
        let Some(Use::First(mut was)) = uses(held, &[(c.clone(), rvw, None, issued)]).pop() else {
            panic!("not first")
        };
        was.reused_by.push(third.clone());
        let found = uses(early_o, &[(c.clone(), rvw, Some(was.clone()), issued)]);
        let [Use::Earlier { was: w, now }] = found.as_slice() else {
            panic!("not earlier: {found:?}")
        };
        assert_eq!(w, &was);
        assert_eq!(
            (&now.order_id, &now.reused_by),
            (&early, &vec![third.clone(), late.clone()])
        );
        // The coupon's record gone since: its issue as the redemption knew.
        let found = uses(early_o, &[(c.clone(), rvw, Some(was.clone()), None)]);
        let [Use::Earlier { now, .. }] = found.as_slice() else {
            panic!("not earlier: {found:?}")
        };
        assert_eq!(now.days(), Some(2));
        // Placed the same second: the smaller order id is first.
        let (before, after) = (order("ord-0"), order("ord-z"));
        let stored = [(c.clone(), rvw, Some(kept.clone()), issued)];
        let same = placed(&before, "2026-11-24T12:00:00Z", "80.00");
        assert!(matches!(
            uses(same, &stored).as_slice(),
            [Use::Earlier { .. }]
        ));
        let same = placed(&after, "2026-11-24T12:00:00Z", "80.00");
        assert!(matches!(
            uses(same, &stored).as_slice(),
            [Use::Again { .. }]
        ));
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
