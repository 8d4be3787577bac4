//! The weekly digest's figures, from counters kept as things happen.
//!
//! Every function that does something worth reporting adds to a counter of
//! the ISO week it happened in, on the shop's clock (weeks start on Monday at
//! 00:00 there): complaints by category and channel, first replies and
//! resolutions in time or late, breaches, coupons by reason with their
//! percentages, negative reviews, satisfaction answers with their score sum.
//! The digest reads two weeks of counters and never scans a table; this
//! module turns them into what the email shows: totals, deltas, "kept"
//! percentages, the average score, and the widths of the bar charts.
//!
//! Counter names are spelt here once ([`names`]), for the writers and the
//! reader alike.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, ISOWeekDate, Weekday};
use jiff::tz::TimeZone;

use crate::domain::coupon::CouponReason;
use crate::domain::sla::{Goal, Outcome};
use crate::domain::ticket::{Category, Channel};

/// An ISO week (`2026-W48`): Monday to Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Week {
    year: i16,
    week: i8,
}

impl Week {
    /// The week `t` falls in on the clock of `tz`.
    pub fn of(t: Timestamp, tz: &TimeZone) -> Week {
        Week::containing(t.to_zoned(tz.clone()).date())
    }

    /// The week `date` falls in.
    pub fn containing(date: Date) -> Week {
        let iso = date.iso_week_date();
        Week {
            year: iso.year(),
            week: iso.week(),
        }
    }

    /// Its Monday.
    pub fn monday(self) -> Date {
        ISOWeekDate::new(self.year, self.week, Weekday::Monday)
            .map(ISOWeekDate::date)
            // Every Week is built from a real date, so its Monday exists.
            .unwrap_or(Date::MIN)
    }

    /// Its Sunday.
    pub fn sunday(self) -> Date {
        self.monday()
            .checked_add(jiff::Span::new().days(6))
            .unwrap_or(Date::MAX)
    }

    /// The week before.
    pub fn previous(self) -> Week {
        Week::containing(
            self.monday()
                .checked_sub(jiff::Span::new().days(7))
                .unwrap_or(Date::MIN),
        )
    }

    /// The week's number within its ISO year.
    pub fn number(self) -> i8 {
        self.week
    }

    /// Reads `2026-W48` back.
    pub fn parse(s: &str) -> Option<Week> {
        let (year, week) = s.split_once("-W")?;
        let iso = ISOWeekDate::new(year.parse().ok()?, week.parse().ok()?, Weekday::Monday).ok()?;
        Some(Week::containing(iso.date()))
    }
}

impl fmt::Display for Week {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

/// The names of the counters.
pub mod names {
    use super::*;

    /// Complaints received (tickets opened by a complaint).
    pub const COMPLAINTS: &str = "complaints";
    /// Negative product reviews.
    pub const NEGATIVE_REVIEWS: &str = "reviews.negative";
    /// Satisfaction surveys answered.
    pub const SURVEYS: &str = "surveys.answered";
    /// The sum of their scores (1–5 each).
    pub const SURVEY_SCORE_SUM: &str = "surveys.score_sum";

    /// Complaints in `category`.
    pub fn complaints_in(category: Category) -> String {
        format!("complaints.category.{}", category.as_str())
    }

    /// Complaints through `channel`.
    pub fn complaints_via(channel: Channel) -> String {
        format!("complaints.channel.{}", channel.as_str())
    }

    /// First replies (or resolutions) that came in time or late.
    pub fn outcome(goal: Goal, outcome: Outcome) -> String {
        format!("{}.{}", goal.as_str(), outcome.as_str())
    }

    /// Deadlines of `goal` that were breached (escalated).
    pub fn breaches(goal: Goal) -> String {
        format!("breaches.{}", goal.as_str())
    }

    /// Coupons issued for `reason`.
    pub fn coupons(reason: CouponReason) -> String {
        format!("coupons.{}.count", reason.as_str())
    }

    /// The sum of their percentages.
    pub fn coupon_percent(reason: CouponReason) -> String {
        format!("coupons.{}.percent", reason.as_str())
    }

    /// Coupons of a reason redeemed by an order
    /// ([`crate::domain::redemption`]).
    pub fn redeemed(reason: CouponReason) -> String {
        format!("coupons.{}.redeemed", reason.as_str())
    }

    /// The totals of the orders that redeemed them, in hundredths of
    /// `currency`.
    pub fn revenue(reason: CouponReason, currency: &str) -> String {
        format!("coupons.{}.revenue.{currency}", reason.as_str())
    }

    /// Redemptions `days` whole days after the coupon's issue.
    pub fn redeem_days(reason: CouponReason, days: i64) -> String {
        format!("coupons.{}.redeem_days.{days}", reason.as_str())
    }

    /// Orders placed within the attribution window of a flow's message
    /// ([`crate::domain::attribution`]), with its code or without.
    pub fn attributed(reason: CouponReason) -> String {
        format!("coupons.{}.attributed", reason.as_str())
    }

    /// Those orders' totals, in hundredths of `currency`.
    pub fn attributed_revenue(reason: CouponReason, currency: &str) -> String {
        format!("coupons.{}.attributed_revenue.{currency}", reason.as_str())
    }

    /// Reminders sent before an unused coupon of a reason ended.
    pub fn reminded(reason: CouponReason) -> String {
        format!("coupons.{}.reminded", reason.as_str())
    }

    /// Orders that used a code another order had redeemed.
    pub fn reused(reason: CouponReason) -> String {
        format!("coupons.{}.reused", reason.as_str())
    }

    /// Orders delivered.
    pub const DELIVERED: &str = "orders.delivered";
    /// Of those, delivered after the day they were promised for.
    pub const DELIVERED_LATE: &str = "orders.delivered_late";
    /// Late orders apologised to because the shop said so (`order.delayed`).
    pub const LATE_TOLD: &str = "orders.late.told";
    /// Late orders apologised to because memnun found the promise broken.
    pub const LATE_FOUND: &str = "orders.late.found";
    /// Return and exchange requests.
    pub const RETURNS: &str = "returns.requested";
    /// Refunds of returns made within the legal 14 days.
    pub const REFUNDS_ON_TIME: &str = "refunds.on_time";
    /// Refunds of returns made after them.
    pub const REFUNDS_LATE: &str = "refunds.late";
    /// Review requests sent after delivery.
    pub const REVIEW_REQUESTS: &str = "reviews.requested";
    /// Complaints that joined an open ticket instead of opening one
    /// (the customer wrote again, on any channel).
    pub const JOINED: &str = "complaints.joined";
    /// Received mails not joined to a ticket (inbound email,
    /// [`crate::domain::inbound::SetAside`]); by reason under
    /// `emails.set_aside.<reason>`.
    pub const SET_ASIDE: &str = "emails.set_aside";
    /// Reminders to customers a ticket waited on.
    pub const REMINDED: &str = "tickets.reminded";
    /// Tickets resolved as "no reply" after waiting on the customer.
    pub const NO_REPLY: &str = "tickets.no_reply";
    /// Tickets the customer said a suggested answer resolved.
    pub const SELF_SERVED: &str = "tickets.self_served";
    /// Complaints whose acknowledgement offered FAQ answers.
    pub const FAQ_OFFERED: &str = "faq.offered";

    /// Tickets the FAQ entry `id` resolved.
    pub fn faq_resolved(id: &str) -> String {
        format!("faq.resolved.{id}")
    }

    /// Complaints in `category` the FAQ had no answer for.
    pub fn faq_unanswered(category: Category) -> String {
        format!("faq.unanswered.{}", category.as_str())
    }

    /// Return requests whose reason reads as `category`.
    pub fn returns_in(category: Category) -> String {
        format!("returns.category.{}", category.as_str())
    }
}

/// Every coupon reason, in the order the digest lists them.
pub const REASONS: [CouponReason; 5] = [
    CouponReason::NegativeReview,
    CouponReason::LowSatisfaction,
    CouponReason::SlaBreach,
    CouponReason::OrderDelay,
    CouponReason::Birthday,
];

/// One week's counters; a counter never written reads as zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters(pub BTreeMap<String, i64>);

impl Counters {
    /// The counter's value.
    pub fn get(&self, name: &str) -> i64 {
        self.0.get(name).copied().unwrap_or(0)
    }
}

/// A figure this week and last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pair {
    /// The week reported.
    pub this: i64,
    /// The week before.
    pub last: i64,
}

impl Pair {
    pub(crate) fn of(this: &Counters, last: &Counters, name: &str) -> Pair {
        Pair {
            this: this.get(name),
            last: last.get(name),
        }
    }

    /// This week minus last.
    pub fn delta(self) -> i64 {
        self.this - self.last
    }
}

/// A row of a bar chart: the figures and the bars' widths in percent of the
/// chart's largest value (of either week), so rows and weeks compare at a
/// glance. A value above zero always gets a visible bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bar<K> {
    /// What the row counts.
    pub key: K,
    /// The figures.
    pub value: Pair,
    /// Width of this week's bar, 0–100.
    pub this_width: u8,
    /// Width of last week's bar, 0–100.
    pub last_width: u8,
}

/// Deadlines kept and missed in one week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Kept {
    /// In time.
    pub met: i64,
    /// Late.
    pub missed: i64,
}

impl Kept {
    /// The share kept, in whole percent; `None` when nothing was due.
    pub fn percent(self) -> Option<u8> {
        let total = self.met + self.missed;
        (total > 0).then(|| {
            let p = (self.met.max(0) * 200 + total) / (2 * total);
            u8::try_from(p.clamp(0, 100)).unwrap_or(100)
        })
    }
}

/// A coupon reason's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CouponRow {
    /// How many, with the bar.
    pub count: Bar<CouponReason>,
    /// The sum of their percentages.
    pub percent: Pair,
}

/// Everything the digest shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    /// The week reported.
    pub week: Week,
    /// The week it is compared with.
    pub previous: Week,
    /// Complaints in all.
    pub complaints: Pair,
    /// By category: every category with a complaint in either week.
    pub by_category: Vec<Bar<Category>>,
    /// By channel, likewise.
    pub by_channel: Vec<Bar<Channel>>,
    /// First replies in time, this week and last.
    pub first_reply: (Kept, Kept),
    /// Resolutions in time.
    pub resolution: (Kept, Kept),
    /// Breaches of the first-reply deadline.
    pub first_reply_breaches: Pair,
    /// Breaches of the resolution deadline.
    pub resolution_breaches: Pair,
    /// Coupons by reason: every reason with a coupon in either week.
    pub coupons: Vec<CouponRow>,
    /// Coupons in all.
    pub coupon_count: Pair,
    /// The sum of all their percentages.
    pub coupon_percent: Pair,
    /// Negative product reviews.
    pub negative_reviews: Pair,
    /// Satisfaction surveys answered.
    pub surveys: Pair,
    /// The average score, in tenths (42 is 4.2), this week and last; `None`
    /// without answers.
    pub average_score: (Option<u16>, Option<u16>),
    /// The order journey's figures; `None` when the journey counted nothing
    /// in either week (a shop that sends no order events).
    pub journey: Option<Journey>,
    /// Conversations: messages joined to open tickets, reminders, tickets
    /// closed for no reply; `None` when there were none in either week.
    pub conversations: Option<Conversations>,
    /// Self-service: the FAQ's answers offered and what they resolved;
    /// `None` without an FAQ or anything counted in either week.
    pub self_service: Option<SelfService>,
}

/// What the shop's FAQ did in the week ([`crate::domain::faq`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfService {
    /// Complaints whose acknowledgement offered answers.
    pub offered: Pair,
    /// Tickets the customer closed with "this answered my question".
    pub self_served: Pair,
    /// The share of the offers that resolved a ticket, this week and last.
    pub rate: (Kept, Kept),
    /// The FAQ entries' ids, the labels of [`SelfService::by_entry`].
    pub entries: Vec<String>,
    /// Tickets each entry resolved (keys index [`SelfService::entries`]).
    pub by_entry: Vec<Bar<usize>>,
    /// Complaints the FAQ had no answer for, by category: what to write
    /// next.
    pub unanswered: Vec<Bar<Category>>,
}

impl SelfService {
    fn compute(this: &Counters, last: &Counters) -> Option<SelfService> {
        let pair = |name: &str| Pair::of(this, last, name);
        let offered = pair(names::FAQ_OFFERED);
        let self_served = pair(names::SELF_SERVED);
        let rate = |c: &Counters| {
            let served = c.get(names::SELF_SERVED);
            Kept {
                met: served,
                missed: (c.get(names::FAQ_OFFERED) - served).max(0),
            }
        };
        let prefix = "faq.resolved.";
        let mut entries: Vec<String> = this
            .0
            .keys()
            .chain(last.0.keys())
            .filter_map(|k| k.strip_prefix(prefix).map(str::to_owned))
            .collect();
        entries.sort();
        entries.dedup();
        let mut by_entry = bars(
            entries
                .iter()
                .enumerate()
                .map(|(i, id)| (i, pair(&names::faq_resolved(id)))),
        );
        by_entry.sort_by(|a, b| b.value.this.cmp(&a.value.this).then(a.key.cmp(&b.key)));
        let unanswered = bars(
            Category::ALL
                .iter()
                .map(|c| (*c, pair(&names::faq_unanswered(*c)))),
        );
        let any =
            offered != Pair::default() || self_served != Pair::default() || !unanswered.is_empty();
        any.then(|| SelfService {
            offered,
            self_served,
            rate: (rate(this), rate(last)),
            entries,
            by_entry,
            unanswered,
        })
    }
}

/// What happened to conversations in the week ([`crate::domain::thread`],
/// [`crate::domain::waiting`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversations {
    /// Complaints that joined an open ticket instead of opening one.
    pub joined: Pair,
    /// Reminders to customers a ticket waited on.
    pub reminded: Pair,
    /// Tickets resolved as no reply (apart from the team's resolutions).
    pub no_reply: Pair,
    /// Received emails set aside instead of joined (inbound email).
    pub set_aside: Pair,
}

impl Conversations {
    fn compute(this: &Counters, last: &Counters) -> Option<Conversations> {
        let pair = |name: &str| Pair::of(this, last, name);
        let c = Conversations {
            joined: pair(names::JOINED),
            reminded: pair(names::REMINDED),
            no_reply: pair(names::NO_REPLY),
            set_aside: pair(names::SET_ASIDE),
        };
        [c.joined, c.reminded, c.no_reply, c.set_aside]
            .iter()
            .any(|p| *p != Pair::default())
            .then_some(c)
    }
}

/// The order journey's week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journey {
    /// Orders delivered by their promised day (met) or after it (missed).
    pub delivered: (Kept, Kept),
    /// Late orders the shop told of.
    pub late_told: Pair,
    /// Late orders memnun found itself.
    pub late_found: Pair,
    /// Return and exchange requests.
    pub returns: Pair,
    /// By the reason given, read like a complaint.
    pub returns_by_reason: Vec<Bar<Category>>,
    /// Refunds within the legal 14 days (met) or after (missed).
    pub refunds: (Kept, Kept),
    /// Review requests sent after delivery.
    pub review_requests: Pair,
}

/// Rows of a chart from (key, figures) pairs: rows that are zero in both
/// weeks are left out.
pub(crate) fn bars<K: Copy>(rows: impl IntoIterator<Item = (K, Pair)>) -> Vec<Bar<K>> {
    let rows: Vec<(K, Pair)> = rows
        .into_iter()
        .filter(|(_, p)| p.this != 0 || p.last != 0)
        .collect();
    let max = rows
        .iter()
        .map(|(_, p)| p.this.max(p.last))
        .max()
        .unwrap_or(0);
    rows.into_iter()
        .map(|(key, value)| Bar {
            key,
            value,
            this_width: width(value.this, max),
            last_width: width(value.last, max),
        })
        .collect()
}

/// `value` as a percentage of `max`, rounded; at least 1 for any value
/// above zero.
pub fn width(value: i64, max: i64) -> u8 {
    if value <= 0 || max <= 0 {
        return 0;
    }
    let w = (value.min(max) * 200 + max) / (2 * max);
    u8::try_from(w.clamp(1, 100)).unwrap_or(100)
}

fn average_tenths(sum: i64, count: i64) -> Option<u16> {
    (count > 0).then(|| {
        let tenths = (sum.max(0) * 20 + count) / (2 * count);
        u16::try_from(tenths).unwrap_or(u16::MAX)
    })
}

impl Journey {
    /// The journey's figures, or `None` when both weeks counted nothing.
    fn compute(this: &Counters, last: &Counters) -> Option<Journey> {
        let pair = |name: &str| Pair::of(this, last, name);
        let kept = |c: &Counters, all: &str, missed: &str| Kept {
            met: c.get(all) - c.get(missed),
            missed: c.get(missed),
        };
        let on_time = |c: &Counters| Kept {
            met: c.get(names::REFUNDS_ON_TIME),
            missed: c.get(names::REFUNDS_LATE),
        };
        let journey = Journey {
            delivered: (
                kept(this, names::DELIVERED, names::DELIVERED_LATE),
                kept(last, names::DELIVERED, names::DELIVERED_LATE),
            ),
            late_told: pair(names::LATE_TOLD),
            late_found: pair(names::LATE_FOUND),
            returns: pair(names::RETURNS),
            returns_by_reason: bars(
                Category::ALL
                    .iter()
                    .map(|c| (*c, pair(&names::returns_in(*c)))),
            ),
            refunds: (on_time(this), on_time(last)),
            review_requests: pair(names::REVIEW_REQUESTS),
        };
        let counted = |k: Kept| k.met + k.missed != 0;
        let any = counted(journey.delivered.0)
            || counted(journey.delivered.1)
            || counted(journey.refunds.0)
            || counted(journey.refunds.1)
            || [
                journey.late_told,
                journey.late_found,
                journey.returns,
                journey.review_requests,
            ]
            .iter()
            .any(|p| *p != Pair::default());
        any.then_some(journey)
    }
}

impl Figures {
    /// The figures of `week` (`this`) compared with the week before (`last`).
    pub fn compute(week: Week, this: &Counters, last: &Counters) -> Figures {
        let pair = |name: &str| Pair::of(this, last, name);
        let kept = |c: &Counters, goal: Goal| Kept {
            met: c.get(&names::outcome(goal, Outcome::Met)),
            missed: c.get(&names::outcome(goal, Outcome::Missed)),
        };
        let coupon_bars = bars(REASONS.iter().map(|r| (*r, pair(&names::coupons(*r)))));
        let coupons: Vec<CouponRow> = coupon_bars
            .into_iter()
            .map(|count| CouponRow {
                percent: pair(&names::coupon_percent(count.key)),
                count,
            })
            .collect();
        let sum = |f: &dyn Fn(&CouponRow) -> Pair| {
            coupons.iter().fold(Pair::default(), |acc, row| {
                let p = f(row);
                Pair {
                    this: acc.this + p.this,
                    last: acc.last + p.last,
                }
            })
        };
        let coupon_count = sum(&|r| r.count.value);
        let coupon_percent = sum(&|r| r.percent);
        let surveys = pair(names::SURVEYS);
        let scores = pair(names::SURVEY_SCORE_SUM);
        Figures {
            week,
            previous: week.previous(),
            complaints: pair(names::COMPLAINTS),
            by_category: bars(
                Category::ALL
                    .iter()
                    .map(|c| (*c, pair(&names::complaints_in(*c)))),
            ),
            by_channel: bars(
                Channel::ALL
                    .iter()
                    .map(|c| (*c, pair(&names::complaints_via(*c)))),
            ),
            first_reply: (kept(this, Goal::FirstReply), kept(last, Goal::FirstReply)),
            resolution: (kept(this, Goal::Resolution), kept(last, Goal::Resolution)),
            first_reply_breaches: pair(&names::breaches(Goal::FirstReply)),
            resolution_breaches: pair(&names::breaches(Goal::Resolution)),
            coupons,
            coupon_count,
            coupon_percent,
            negative_reviews: pair(names::NEGATIVE_REVIEWS),
            surveys,
            average_score: (
                average_tenths(scores.this, surveys.this),
                average_tenths(scores.last, surveys.last),
            ),
            journey: Journey::compute(this, last),
            conversations: Conversations::compute(this, last),
            self_service: SelfService::compute(this, last),
        }
    }

    /// Breaches of both deadlines.
    pub fn breaches(&self) -> Pair {
        Pair {
            this: self.first_reply_breaches.this + self.resolution_breaches.this,
            last: self.first_reply_breaches.last + self.resolution_breaches.last,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters(pairs: &[(&str, i64)]) -> Counters {
        Counters(pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect())
    }

    #[test]
    fn weeks_start_on_monday_on_the_shops_clock() {
        let istanbul = TimeZone::get("Europe/Istanbul").unwrap();
        // Sunday 22 November 2026, 23:30 in Istanbul, is 20:30 UTC.
        let sunday_night: Timestamp = "2026-11-22T20:30:00Z".parse().unwrap();
        let week = Week::of(sunday_night, &istanbul);
        assert_eq!(week.to_string(), "2026-W47");
        assert_eq!(week.monday(), jiff::civil::date(2026, 11, 16));
        assert_eq!(week.sunday(), jiff::civil::date(2026, 11, 22));
        // 21:30 UTC is already Monday 00:30 there: next week.
        let monday: Timestamp = "2026-11-22T21:30:00Z".parse().unwrap();
        assert_eq!(Week::of(monday, &istanbul).to_string(), "2026-W48");
        assert_eq!(Week::of(monday, &TimeZone::UTC).to_string(), "2026-W47");
        assert_eq!(Week::of(monday, &istanbul).previous(), week);
        assert_eq!(Week::parse("2026-W47"), Some(week));
        assert_eq!(Week::parse("2026-W54"), None);
    }

    #[test]
    fn weeks_cross_years_the_iso_way() {
        // 1 January 2027 is a Friday: it belongs to 2026's week 53.
        let w = Week::containing(jiff::civil::date(2027, 1, 1));
        assert_eq!(w.to_string(), "2026-W53");
        assert_eq!(w.previous().to_string(), "2026-W52");
        let first = Week::containing(jiff::civil::date(2027, 1, 4));
        assert_eq!(first.to_string(), "2027-W01");
        assert_eq!(first.previous(), w);
        assert_eq!(first.number(), 1);
    }

    #[test]
    fn bars_are_widths_of_the_largest_value_and_never_vanish() {
        assert_eq!(width(0, 10), 0);
        assert_eq!(width(10, 10), 100);
        assert_eq!(width(5, 10), 50);
        assert_eq!(width(1, 1000), 1, "a value above zero is visible");
        assert_eq!(width(2, 3), 67);
        assert_eq!(width(1, 0), 0);
    }

    #[test]
    fn kept_percentages_round_and_say_nothing_without_data() {
        assert_eq!(Kept { met: 0, missed: 0 }.percent(), None);
        assert_eq!(Kept { met: 2, missed: 1 }.percent(), Some(67));
        assert_eq!(Kept { met: 1, missed: 2 }.percent(), Some(33));
        assert_eq!(Kept { met: 5, missed: 0 }.percent(), Some(100));
        assert_eq!(Kept { met: 0, missed: 4 }.percent(), Some(0));
    }

    #[test]
    fn figures_compare_the_two_weeks() {
        let week = Week::parse("2026-W47").unwrap();
        let this = counters(&[
            ("complaints", 5),
            ("complaints.category.damaged", 3),
            ("complaints.category.delivery", 2),
            ("complaints.channel.web", 4),
            ("complaints.channel.email", 1),
            ("first_reply.met", 3),
            ("first_reply.missed", 1),
            ("resolution.met", 1),
            ("breaches.first_reply", 1),
            ("coupons.negative_review.count", 2),
            ("coupons.negative_review.percent", 35),
            ("coupons.order_delay.count", 1),
            ("coupons.order_delay.percent", 10),
            ("reviews.negative", 2),
            ("surveys.answered", 3),
            ("surveys.score_sum", 10),
        ]);
        let last = counters(&[
            ("complaints", 2),
            ("complaints.category.damaged", 1),
            ("complaints.category.quality", 1),
            ("complaints.channel.web", 2),
            ("breaches.resolution", 2),
            ("surveys.answered", 1),
            ("surveys.score_sum", 5),
        ]);
        let f = Figures::compute(week, &this, &last);
        assert_eq!(f.previous.to_string(), "2026-W46");
        assert_eq!(f.complaints, Pair { this: 5, last: 2 });
        assert_eq!(f.complaints.delta(), 3);
        let categories: Vec<(Category, i64, i64, u8, u8)> = f
            .by_category
            .iter()
            .map(|b| {
                (
                    b.key,
                    b.value.this,
                    b.value.last,
                    b.this_width,
                    b.last_width,
                )
            })
            .collect();
        assert_eq!(
            categories,
            [
                (Category::Delivery, 2, 0, 67, 0),
                (Category::Damaged, 3, 1, 100, 33),
                (Category::Quality, 0, 1, 0, 33),
            ]
        );
        assert_eq!(f.by_channel.len(), 2);
        assert_eq!(f.first_reply.0.percent(), Some(75));
        assert_eq!(f.first_reply.1.percent(), None);
        assert_eq!(f.resolution.0.percent(), Some(100));
        assert_eq!(f.breaches(), Pair { this: 1, last: 2 });
        assert_eq!(f.coupons.len(), 2);
        assert_eq!(f.coupons[0].count.key, CouponReason::NegativeReview);
        assert_eq!(f.coupons[0].count.this_width, 100);
        assert_eq!(f.coupons[1].count.this_width, 50);
        assert_eq!(f.coupon_count, Pair { this: 3, last: 0 });
        assert_eq!(f.coupon_percent, Pair { this: 45, last: 0 });
        assert_eq!(f.negative_reviews, Pair { this: 2, last: 0 });
        assert_eq!(f.surveys, Pair { this: 3, last: 1 });
        assert_eq!(f.average_score, (Some(33), Some(50)));
    }

    #[test]
    fn an_empty_week_has_no_rows_and_no_averages() {
        let week = Week::parse("2026-W01").unwrap();
        let f = Figures::compute(week, &Counters::default(), &Counters::default());
        assert!(f.by_category.is_empty() && f.by_channel.is_empty() && f.coupons.is_empty());
        assert_eq!(f.average_score, (None, None));
        assert_eq!(f.first_reply.0.percent(), None);
    }
}
