//! Marketing's week: what each coupon flow gave and what it brought back.
//!
//! Each flow that issues coupons (a low review's apology, a low rating's,
//! a missed SLA's, a late order's, a birthday gift) is one row: coupons
//! issued, coupons redeemed by an order (the first order placed with the code,
//! [`crate::domain::redemption`]), the redemption rate, the revenue of the
//! redeeming orders by currency, the average discount given, the median
//! days from issue to redemption, reminders sent before unused coupons
//! ended, and codes used again by another order.
//! This week against last, from the weekly counters alone.
//!
//! Why the rate is this week's redemptions over this week's issues and not
//! a cohort's: the counters are weekly sums, and a cohort would need each
//! coupon followed for weeks. Over a few weeks the two agree; a week with a
//! campaign's first coupons shows a low rate that the next weeks make up,
//! which is why last week stands beside it.

use crate::domain::coupon::CouponReason;
use crate::domain::digest::{Bar, Counters, Kept, Pair, Week, bars, names};
use crate::domain::redemption::DAYS_COUNTED;

/// One flow's week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// Which flow.
    pub reason: CouponReason,
    /// Coupons issued.
    pub issued: Pair,
    /// Coupons redeemed by an order.
    pub redeemed: Pair,
    /// Orders that used a code another order had redeemed.
    pub reused: Pair,
    /// Reminders sent before an unused coupon ended
    /// ([`crate::domain::reminder`]).
    pub reminded: Pair,
    /// Orders placed within the attribution window of the flow's message,
    /// with its code or without ([`crate::domain::attribution`]; the
    /// birthday flow's).
    pub attributed: Pair,
    /// Those orders' totals by currency, in hundredths.
    pub attributed_revenue: Vec<(String, Pair)>,
    /// The sum of the issued coupons' percentages.
    pub percent: Pair,
    /// The redeeming orders' totals by currency, in hundredths.
    pub revenue: Vec<(String, Pair)>,
    /// The median whole days from issue to redemption, this week and last
    /// (`None` without a redemption whose issue memnun knows).
    pub median_days: (Option<i64>, Option<i64>),
}

impl Flow {
    /// Redeemed against issued, as a share (a week with redemptions of
    /// earlier weeks' coupons can pass 100 %).
    pub fn rate(&self) -> (Kept, Kept) {
        let share = |redeemed: i64, issued: i64| Kept {
            met: redeemed.min(issued),
            missed: (issued - redeemed).max(0),
        };
        (
            share(self.redeemed.this, self.issued.this),
            share(self.redeemed.last, self.issued.last),
        )
    }

    /// The average discount given, in whole percent, this week and last.
    pub fn average_percent(&self) -> (Option<u8>, Option<u8>) {
        let average = |sum: i64, count: i64| {
            (count > 0).then(|| {
                u8::try_from(((sum * 2 + count) / (2 * count)).clamp(0, 100)).unwrap_or(100)
            })
        };
        (
            average(self.percent.this, self.issued.this),
            average(self.percent.last, self.issued.last),
        )
    }
}

/// The week's flows: every flow that issued or redeemed anything in either
/// week, in [`CouponReason::ALL`]'s order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marketing {
    /// The week reported.
    pub week: Week,
    /// The week it is compared with.
    pub previous: Week,
    /// The flows.
    pub flows: Vec<Flow>,
    /// Redemptions by flow, as bars.
    pub redeemed: Vec<Bar<CouponReason>>,
}

impl Marketing {
    /// The figures of `week` (`this`) against the week before (`last`).
    pub fn compute(week: Week, this: &Counters, last: &Counters) -> Marketing {
        let flows: Vec<Flow> = CouponReason::ALL
            .into_iter()
            .map(|reason| flow(reason, this, last))
            .filter(|f| {
                [f.issued, f.redeemed, f.reused, f.attributed]
                    .iter()
                    .any(|p| *p != Pair::default())
            })
            .collect();
        let redeemed = bars(flows.iter().map(|f| (f.reason, f.redeemed)));
        Marketing {
            week,
            previous: week.previous(),
            flows,
            redeemed,
        }
    }

    /// Nothing issued or redeemed in either week.
    pub fn is_quiet(&self) -> bool {
        self.flows.is_empty()
    }
}

fn flow(reason: CouponReason, this: &Counters, last: &Counters) -> Flow {
    let pair = |name: &str| Pair::of(this, last, name);
    // `coupons.<flow>.revenue.` (or `.attributed_revenue.`): each currency
    // follows it.
    let by_currency = |prefix: String, name: &dyn Fn(&str) -> String| -> Vec<(String, Pair)> {
        let mut currencies: Vec<String> = this
            .0
            .keys()
            .chain(last.0.keys())
            .filter_map(|k| k.strip_prefix(prefix.as_str()))
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        currencies.sort();
        currencies.dedup();
        currencies
            .into_iter()
            .map(|c| {
                let p = pair(&name(&c));
                (c, p)
            })
            .collect()
    };
    Flow {
        reason,
        issued: pair(&names::coupons(reason)),
        redeemed: pair(&names::redeemed(reason)),
        reused: pair(&names::reused(reason)),
        reminded: pair(&names::reminded(reason)),
        percent: pair(&names::coupon_percent(reason)),
        revenue: by_currency(names::revenue(reason, ""), &|c| names::revenue(reason, c)),
        attributed: pair(&names::attributed(reason)),
        attributed_revenue: by_currency(names::attributed_revenue(reason, ""), &|c| {
            names::attributed_revenue(reason, c)
        }),
        median_days: (median_days(reason, this), median_days(reason, last)),
    }
}

/// The median of the week's days-to-redeem histogram.
fn median_days(reason: CouponReason, c: &Counters) -> Option<i64> {
    let counts: Vec<i64> = (0..=DAYS_COUNTED)
        .map(|d| c.get(&names::redeem_days(reason, d)).max(0))
        .collect();
    let total: i64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    // The lower median: the first day by which half are redeemed.
    let half = (total + 1) / 2;
    let mut seen = 0;
    for (day, n) in counts.iter().enumerate() {
        seen += n;
        if seen >= half {
            return i64::try_from(day).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters(pairs: &[(&str, i64)]) -> Counters {
        Counters(pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect())
    }

    #[test]
    fn a_flow_is_issued_redeemed_revenue_discount_and_days() {
        let this = counters(&[
            ("coupons.birthday.count", 10),
            ("coupons.birthday.percent", 150),
            ("coupons.birthday.redeemed", 3),
            ("coupons.birthday.revenue.TRY", 104_970),
            ("coupons.birthday.redeem_days.2", 1),
            ("coupons.birthday.redeem_days.4", 1),
            ("coupons.birthday.redeem_days.9", 1),
            ("coupons.birthday.reused", 1),
            ("coupons.negative_review.count", 2),
            ("coupons.negative_review.percent", 20),
        ]);
        let last = counters(&[
            ("coupons.birthday.count", 4),
            ("coupons.birthday.percent", 80),
            ("coupons.birthday.redeemed", 1),
        ]);
        let m = Marketing::compute(Week::parse("2026-W49").unwrap(), &this, &last);
        assert_eq!(
            m.flows.iter().map(|f| f.reason).collect::<Vec<_>>(),
            [CouponReason::NegativeReview, CouponReason::Birthday]
        );
        let b = &m.flows[1];
        assert_eq!(b.issued, Pair { this: 10, last: 4 });
        assert_eq!(b.redeemed, Pair { this: 3, last: 1 });
        assert_eq!(b.rate().0.percent(), Some(30));
        assert_eq!(b.rate().1.percent(), Some(25));
        assert_eq!(
            b.revenue,
            [(
                "TRY".to_owned(),
                Pair {
                    this: 104_970,
                    last: 0
                }
            )]
        );
        assert_eq!(b.average_percent(), (Some(15), Some(20)));
        assert_eq!(b.median_days, (Some(4), None));
        assert_eq!(b.reused.this, 1);
        let r = &m.flows[0];
        assert_eq!(r.rate().0.percent(), Some(0));
        assert_eq!(r.median_days, (None, None));
        assert_eq!(
            m.redeemed.len(),
            1,
            "only flows with a redemption have a bar"
        );
    }

    #[test]
    fn nothing_counted_is_quiet() {
        let m = Marketing::compute(
            Week::parse("2026-W49").unwrap(),
            &Counters::default(),
            &Counters::default(),
        );
        assert!(m.is_quiet());
    }
}
