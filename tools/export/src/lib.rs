//! `memnun-export`: coupons and each coupon flow's figures as CSV, for a
//! range of days, for the spreadsheet or the BI tool marketing already uses.
//!
//! Two exports:
//!
//! - **coupons** ([`Exporter::coupons`]): one row per coupon issued in the
//!   range, with what became of it (`open`, `redeemed` with its order,
//!   total and days, or `expired`), as of the moment given;
//! - **flows** ([`Exporter::flows`]): one row per ISO week touching the
//!   range and per coupon flow, the figures of marketing's weekly digest
//!   ([`memnun_shared::domain::marketing`]), from the same counters.
//!
//! Why it reads the way it does:
//!
//! - **Never a scan.** Coupons come from the `by_issue_day` index, one
//!   query per UTC day and page; their redemptions and, with
//!   `--with-contact`, their customers by key, a hundred at a time; the
//!   figures from the week's counters by key. The cost follows the coupons
//!   exported, never the size of the table.
//! - **Flat memory.** A page of coupons is read, completed and written
//!   before the next is read: a year of coupons takes what a page takes.
//! - **Nothing personal by default.** A row names the customer by the
//!   shop's id only; their address and name are added only with
//!   `--with-contact`, and then guarded against spreadsheet formulas (a
//!   field starting with `=`, `+`, `-` or `@` is prefixed with `'`).
//!
//! Days are the shop's: `--from 2026-11-01 --to 2026-11-30` in
//! `Europe/Istanbul` is from the 1st at 00:00 there to the end of the 30th.

use std::io::Write;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ToSpan};
use memnun_shared::adapters::dynamodb::DynamoStore;
use memnun_shared::domain::coupon::Coupon;
use memnun_shared::domain::customer::Customer;
use memnun_shared::domain::digest::{Pair, Week};
use memnun_shared::domain::marketing::Marketing;
use memnun_shared::domain::redemption::{Redemption, State};
use memnun_shared::ports::StatsStore;
use memnun_shared::time::to_key;

/// Why an export stopped. The rows written before it are complete rows.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The range is not a range.
    #[error("the range is empty: --from {from} is after --to {to}")]
    EmptyRange {
        /// The first day.
        from: Date,
        /// The last day.
        to: Date,
    },
    /// A day of the range does not exist on the shop's clock.
    #[error("the range's days cannot be placed in the time zone: {0}")]
    Zone(String),
    /// A read failed (the store's error, scrubbed of personal data).
    #[error(transparent)]
    Store(#[from] memnun_shared::Error),
    /// The output could not be written.
    #[error("writing the CSV failed: {0}")]
    Write(#[from] std::io::Error),
}

/// This crate's result.
pub type Result<T> = std::result::Result<T, Error>;

/// The days exported, on the shop's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// The first day.
    pub from: Date,
    /// The last day (included).
    pub to: Date,
    /// The shop's time zone.
    pub tz: TimeZone,
}

impl Range {
    /// The range from `from` to `to`, both included, in `tz`.
    pub fn new(from: Date, to: Date, tz: TimeZone) -> Result<Range> {
        if from > to {
            return Err(Error::EmptyRange { from, to });
        }
        Ok(Range { from, to, tz })
    }

    /// Its first moment and the first moment after it.
    pub fn bounds(&self) -> Result<(Timestamp, Timestamp)> {
        let start = |d: Date| {
            d.to_zoned(self.tz.clone())
                .map(|z| z.timestamp())
                .map_err(|e| Error::Zone(e.to_string()))
        };
        let after = self
            .to
            .checked_add(1.day())
            .map_err(|e| Error::Zone(e.to_string()))?;
        Ok((start(self.from)?, start(after)?))
    }

    /// The UTC days its moments fall on, in order: the index's partitions.
    pub fn utc_days(&self) -> Result<Vec<Date>> {
        let (start, end) = self.bounds()?;
        let first = start.to_zoned(TimeZone::UTC).date();
        let last = (end - Span::new().seconds(1))
            .to_zoned(TimeZone::UTC)
            .date();
        let mut days = Vec::new();
        let mut day = first;
        while day <= last {
            days.push(day);
            day = day.tomorrow().map_err(|e| Error::Zone(e.to_string()))?;
        }
        Ok(days)
    }

    /// The ISO weeks it touches, in order.
    pub fn weeks(&self) -> Result<Vec<Week>> {
        let mut weeks: Vec<Week> = Vec::new();
        let mut day = self.from;
        while day <= self.to {
            let week = Week::containing(day);
            if weeks.last() != Some(&week) {
                weeks.push(week);
            }
            day = day.tomorrow().map_err(|e| Error::Zone(e.to_string()))?;
        }
        Ok(weeks)
    }
}

/// How far an export has come, for its progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Days read.
    pub days_done: usize,
    /// Days to read.
    pub days: usize,
    /// Rows written so far.
    pub rows: usize,
}

/// What a coupons export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// Rows (coupons).
    pub rows: usize,
    /// Of which redeemed.
    pub redeemed: usize,
    /// Of which ended unused.
    pub expired: usize,
    /// The most coupons held at once: one page.
    pub most_held: usize,
}

/// The coupons export's columns.
pub const COUPON_COLUMNS: &[&str] = &[
    "code",
    "flow",
    "percent",
    "customer_id",
    "issued_at",
    "expires_at",
    "state",
    "redeemed_at",
    "order_id",
    "order_total",
    "currency",
    "days_to_redeem",
    "reused_by_orders",
    "cause",
];

/// The columns `--with-contact` adds.
pub const CONTACT_COLUMNS: &[&str] = &["email", "name"];

/// The flows export's columns.
pub const FLOW_COLUMNS: &[&str] = &[
    "week",
    "flow",
    "issued",
    "redeemed",
    "redemption_rate_percent",
    "average_discount_percent",
    "median_days_to_redeem",
    "revenue",
    "reminded",
    "reused",
    "attributed_orders",
    "attributed_revenue",
];

/// Reads the table and writes CSV.
pub struct Exporter {
    store: DynamoStore,
    page: i32,
}

impl Exporter {
    /// Over `store`, reading `page` coupons at a time (1 to 1,000).
    pub fn new(store: DynamoStore, page: i32) -> Exporter {
        Exporter {
            store,
            page: page.clamp(1, 1_000),
        }
    }

    /// Writes the coupons issued in `range` to `out`, their state as of
    /// `as_of`; with `with_contact`, the customer's address and name too.
    /// `progress` hears after each page.
    pub async fn coupons(
        &self,
        range: &Range,
        as_of: Timestamp,
        with_contact: bool,
        out: &mut impl Write,
        progress: &mut impl FnMut(Progress),
    ) -> Result<Written> {
        let bounds = range.bounds()?;
        let days = range.utc_days()?;
        let mut header: Vec<&str> = COUPON_COLUMNS.to_vec();
        if with_contact {
            header.extend(CONTACT_COLUMNS);
        }
        write_row(out, header.iter().map(|h| (*h).to_owned()))?;
        let mut written = Written::default();
        for (done, day) in days.iter().enumerate() {
            let mut after = None;
            loop {
                let (coupons, next) = self
                    .store
                    .coupons_issued(*day, bounds, after, self.page)
                    .await?;
                written.most_held = written.most_held.max(coupons.len());
                let codes: Vec<_> = coupons.iter().map(|c| c.code.clone()).collect();
                let redemptions = self.store.redemptions_by_code(&codes).await?;
                let customers = if with_contact {
                    let ids: Vec<_> = coupons.iter().map(|c| c.customer_id.clone()).collect();
                    self.store.customers_by_id(&ids).await?
                } else {
                    Vec::new()
                };
                for (coupon, redemption) in coupons.iter().zip(&redemptions) {
                    let state = State::of(coupon.expires_at, redemption.is_some(), as_of);
                    match state {
                        State::Redeemed => written.redeemed += 1,
                        State::Expired => written.expired += 1,
                        State::Open => {}
                    }
                    let mut row = coupon_row(coupon, redemption.as_ref(), state);
                    if with_contact {
                        let customer = customers.iter().find(|c| c.id == coupon.customer_id);
                        row.extend(contact_fields(customer));
                    }
                    write_row(out, row)?;
                    written.rows += 1;
                }
                progress(Progress {
                    days_done: done + usize::from(next.is_none()),
                    days: days.len(),
                    rows: written.rows,
                });
                match next {
                    Some(cursor) => after = Some(cursor),
                    None => break,
                }
            }
        }
        out.flush()?;
        Ok(written)
    }

    /// Writes each coupon flow's figures for every ISO week `range`
    /// touches (the week against the one before, as marketing's digest
    /// shows them); answers the rows written.
    pub async fn flows(&self, range: &Range, out: &mut impl Write) -> Result<usize> {
        write_row(out, FLOW_COLUMNS.iter().map(|h| (*h).to_owned()))?;
        let mut rows = 0;
        let mut previous = None;
        for week in range.weeks()? {
            let last = match previous.take() {
                Some(counters) => counters,
                None => self.store.counters(week.previous()).await?,
            };
            let this = self.store.counters(week).await?;
            let marketing = Marketing::compute(week, &this, &last);
            for flow in &marketing.flows {
                let (rate, _) = flow.rate();
                let (average, _) = flow.average_percent();
                let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
                write_row(
                    out,
                    [
                        week.to_string(),
                        flow.reason.as_str().to_owned(),
                        flow.issued.this.to_string(),
                        flow.redeemed.this.to_string(),
                        opt(rate.percent().map(i64::from)),
                        opt(average.map(i64::from)),
                        opt(flow.median_days.0),
                        amounts(&flow.revenue),
                        flow.reminded.this.to_string(),
                        flow.reused.this.to_string(),
                        flow.attributed.this.to_string(),
                        amounts(&flow.attributed_revenue),
                    ],
                )?;
                rows += 1;
            }
            previous = Some(this);
        }
        out.flush()?;
        Ok(rows)
    }
}

/// `TRY 1234.50; EUR 20.00`: this week's amounts by currency, from
/// hundredths.
fn amounts(by_currency: &[(String, Pair)]) -> String {
    by_currency
        .iter()
        .filter(|(_, pair)| pair.this != 0)
        .map(|(currency, pair)| format!("{currency} {}", money(pair.this)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Hundredths as a decimal with two places.
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

fn coupon_row(coupon: &Coupon, redemption: Option<&Redemption>, state: State) -> Vec<String> {
    let memnun_shared::domain::coupon::CouponValue::Percent(percent) = coupon.value;
    let r = redemption;
    vec![
        coupon.code.as_str().to_owned(),
        coupon.reason.as_str().to_owned(),
        percent.to_string(),
        coupon.customer_id.as_str().to_owned(),
        to_key(coupon.issued_at),
        to_key(coupon.expires_at),
        state.as_str().to_owned(),
        r.map(|r| to_key(r.at)).unwrap_or_default(),
        r.map(|r| r.order_id.as_str().to_owned())
            .unwrap_or_default(),
        r.and_then(|r| r.total_cents).map(money).unwrap_or_default(),
        r.and_then(|r| r.currency.clone()).unwrap_or_default(),
        r.and_then(Redemption::days)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        r.map(|r| r.reused_by.len().to_string()).unwrap_or_default(),
        coupon.source_event.clone(),
    ]
}

/// The customer's address and name, guarded against formulas; empty when
/// the customer is not stored (erased, or never known).
fn contact_fields(customer: Option<&Customer>) -> [String; 2] {
    let contact = customer.map(|c| &c.contact);
    [
        contact
            .and_then(|c| c.email.as_ref())
            .map(|e| guarded(e.as_str()))
            .unwrap_or_default(),
        contact
            .and_then(|c| c.name.as_deref())
            .map(guarded)
            .unwrap_or_default(),
    ]
}

/// A value a spreadsheet would run as a formula gets a leading `'`.
fn guarded(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// Writes one CSV record (RFC 4180): a field with a comma, a quote or a
/// line break is quoted, its quotes doubled; records end with CRLF.
pub fn write_row(out: &mut impl Write, fields: impl IntoIterator<Item = String>) -> Result<()> {
    let mut line = String::new();
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&field);
        }
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_the_shops_days_read_as_utc_days_and_iso_weeks() {
        let ist = TimeZone::get("Europe/Istanbul").unwrap();
        let r = Range::new(
            Date::constant(2026, 11, 16),
            Date::constant(2026, 11, 23),
            ist,
        )
        .unwrap();
        let (start, end) = r.bounds().unwrap();
        assert_eq!(to_key(start), "2026-11-15T21:00:00Z");
        assert_eq!(to_key(end), "2026-11-23T21:00:00Z");
        let days = r.utc_days().unwrap();
        assert_eq!(days.first(), Some(&Date::constant(2026, 11, 15)));
        assert_eq!(days.last(), Some(&Date::constant(2026, 11, 23)));
        assert_eq!(days.len(), 9);
        let weeks: Vec<String> = r.weeks().unwrap().iter().map(Week::to_string).collect();
        assert_eq!(weeks, ["2026-W47", "2026-W48"]);
        let backwards = Range::new(
            Date::constant(2026, 11, 23),
            Date::constant(2026, 11, 16),
            TimeZone::UTC,
        );
        assert!(backwards.unwrap_err().to_string().contains("--from"));
    }

    #[test]
    fn fields_are_quoted_as_csv_wants_and_formulas_are_defused() {
        let mut out = Vec::new();
        write_row(
            &mut out,
            [
                "plain".to_owned(),
                "a, b".to_owned(),
                "say \"hi\"".to_owned(),
                "two\nlines".to_owned(),
                guarded("=HYPERLINK(\"x\")"),
                guarded("-1+2"),
                guarded("Ayşe"),
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\",\"'=HYPERLINK(\"\"x\"\")\",'-1+2,Ayşe\r\n"
        );
        assert_eq!(money(123_450), "1234.50");
        assert_eq!(money(-5), "-0.05");
    }
}
