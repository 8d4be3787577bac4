//! What `memnun-export` reads: coupons by the day they were issued (the
//! `by_issue_day` index, a page at a time), their redemptions and, when
//! asked, their customers, each by key in reads of 100. Never a scan: an
//! export of a month costs about one query per day and page and one read
//! per hundred coupons, whatever else the table holds.

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use jiff::civil::Date;

use super::DynamoStore;
use super::codec::*;
use super::item::*;
use super::keys;
use crate::Result;
use crate::adapters::aws_error;
use crate::domain::coupon::{Coupon, CouponCode};
use crate::domain::customer::{Customer, CustomerId};
use crate::domain::redemption::Redemption;
use crate::time::to_key;

/// Where a day's read stopped: the index's last key, handed back to read on.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedCursor(Item);

/// The most keys one `BatchGetItem` takes.
const KEYS_PER_READ: usize = 100;

impl DynamoStore {
    /// Coupons issued on the UTC `day`, at or after `from` and before `to`,
    /// in issue order, one page (at most `limit`) at a time: `after` is
    /// where the last page stopped, and the answer's cursor where this one
    /// did (`None`: the day is done).
    pub async fn coupons_issued(
        &self,
        day: Date,
        (from, to): (Timestamp, Timestamp),
        after: Option<IssuedCursor>,
        limit: i32,
    ) -> Result<(Vec<Coupon>, Option<IssuedCursor>)> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::ISSUED_INDEX)
            // `<to>` sorts before every `<to>#<code>`: the end is excluded.
            .key_condition_expression("gsi4pk = :day AND gsi4sk BETWEEN :from AND :to")
            .expression_attribute_values(":day", s(keys::issued_day(day)))
            .expression_attribute_values(":from", s(to_key(from)))
            .expression_attribute_values(":to", s(to_key(to)))
            .set_exclusive_start_key(after.map(|c| c.0))
            .limit(limit)
            .send()
            .await
            .map_err(|e| aws_error("dynamodb", "Query", e))?;
        let coupons = out
            .items
            .unwrap_or_default()
            .iter()
            .map(coupon_from)
            .collect::<Result<Vec<_>>>()?;
        let next = out
            .last_evaluated_key
            .filter(|k| !k.is_empty())
            .map(IssuedCursor);
        Ok((coupons, next))
    }

    /// Each code's redemption, if an order redeemed it, in `codes`' order.
    pub async fn redemptions_by_code(
        &self,
        codes: &[CouponCode],
    ) -> Result<Vec<Option<Redemption>>> {
        let mut found = Vec::with_capacity(codes.len());
        for chunk in codes.chunks(KEYS_PER_READ) {
            let items = self
                .batch_get(
                    chunk
                        .iter()
                        .map(|c| key(keys::redemption(c), keys::REDEMPTION))
                        .collect(),
                )
                .await?;
            for code in chunk {
                let pk = keys::redemption(code);
                found.push(
                    items
                        .iter()
                        .find(|i| text(i, "pk") == Some(pk.as_str()))
                        .map(redemption_from)
                        .transpose()?,
                );
            }
        }
        Ok(found)
    }

    /// The stored customers among `ids` (each read once, whatever its
    /// repeats), in no particular order.
    pub async fn customers_by_id(&self, ids: &[CustomerId]) -> Result<Vec<Customer>> {
        let mut unique: Vec<&CustomerId> = ids.iter().collect();
        unique.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        unique.dedup_by(|a, b| a.as_str() == b.as_str());
        let mut found = Vec::with_capacity(unique.len());
        for chunk in unique.chunks(KEYS_PER_READ) {
            let items = self
                .batch_get(
                    chunk
                        .iter()
                        .map(|id| key(keys::customer(id), keys::PROFILE))
                        .collect(),
                )
                .await?;
            for item in &items {
                found.push(customer_from(item)?);
            }
        }
        Ok(found)
    }
}

fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Some(v.as_str()),
        _ => None,
    }
}

/// A coupon's own item as the stores write it, in the index of coupons by
/// issue day (public for the export's tests, which seed many at once).
pub fn coupon_record(c: &Coupon) -> Item {
    coupon_by_code_item(c)
}

/// A redemption's item as order-journey writes it (public for the same).
pub fn redemption_record(r: &Redemption) -> Item {
    redemption_item(r)
}
