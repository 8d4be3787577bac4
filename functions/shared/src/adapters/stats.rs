//! The [`StatsStore`] over the main table: each ISO week's counters, spread
//! over a few items.
//!
//! | item | pk | sk | what it holds |
//! |---|---|---|---|
//! | a shard of a week's counters | `STATS#<week>#<shard>` (`STATS#2026-W47#3`) | `WEEK` | one number per counter ([`crate::domain::digest::names`]) |
//! | a week's counters, as written before shards | `STATS#<week>` | `WEEK` | the same; still read and summed |
//!
//! Counting is `UpdateItem … ADD` (or the same update inside a unit's
//! commit), atomic on the item, so functions count at the same time without
//! reading first and without losing an increment. One item takes about
//! 1,000 writes a second (DynamoDB's per-key rate); [`STATS_SHARDS`] items
//! per week take that many times more. The shard is the hash of what is
//! counted (a unit's key), so a retry lands on the same item. The digest
//! reads every shard of two weeks in one `BatchGetItem` and sums them.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

use crate::Result;
use crate::adapters::dynamodb::{DynamoStore, Item, key, n, s};
use crate::adapters::{aws_error, build_error};
use crate::domain::digest::{Counters, Week};
use crate::ports::StatsStore;

const WEEK_SK: &str = "WEEK";

/// How many items share a week's counters. Raising it is safe at any time
/// (the digest reads the new range); lowering it would leave counts unread.
pub const STATS_SHARDS: u32 = 8;

fn week_key(week: Week) -> String {
    format!("STATS#{week}")
}

fn shard_key(week: Week, shard: u32) -> String {
    format!("STATS#{week}#{shard}")
}

/// The update adding `amounts` to `week`'s shard for `what` (`None` when
/// every amount is zero).
fn update(
    table: &str,
    week: Week,
    what: &str,
    amounts: &[(String, i64)],
    operation: &'static str,
) -> Result<Option<Update>> {
    let amounts: Vec<&(String, i64)> = amounts.iter().filter(|(_, v)| *v != 0).collect();
    if amounts.is_empty() {
        return Ok(None);
    }
    let shard = crate::adapters::due::shard_of(what) % STATS_SHARDS;
    let mut names = HashMap::from([("#week".to_string(), "week".to_string())]);
    let mut values = HashMap::from([(":week".to_string(), s(week.to_string()))]);
    let mut adds = Vec::with_capacity(amounts.len());
    for (i, (name, amount)) in amounts.iter().enumerate() {
        names.insert(format!("#c{i}"), name.clone());
        values.insert(format!(":v{i}"), n(*amount));
        adds.push(format!("#c{i} :v{i}"));
    }
    Update::builder()
        .table_name(table)
        .set_key(Some(key(shard_key(week, shard), WEEK_SK)))
        .update_expression(format!("SET #week = :week ADD {}", adds.join(", ")))
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .build()
        .map(Some)
        .map_err(|e| build_error("dynamodb", operation, e))
}

/// The same count as an item of a unit's commit.
pub(crate) fn count_update(
    table: &str,
    week: Week,
    what: &str,
    amounts: &[(String, i64)],
) -> Result<Option<TransactWriteItem>> {
    Ok(update(table, week, what, amounts, "TransactWriteItems")?
        .map(|update| TransactWriteItem::builder().update(update).build()))
}

impl StatsStore for DynamoStore {
    async fn add(&self, week: Week, amounts: &[(String, i64)]) -> Result<()> {
        // A counter outside a unit of work: the names pick the shard.
        let what: String = amounts.iter().map(|(name, _)| name.as_str()).collect();
        let Some(update) = update(&self.table, week, &what, amounts, "UpdateItem")? else {
            return Ok(());
        };
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(update.key))
            .update_expression(update.update_expression)
            .set_expression_attribute_names(update.expression_attribute_names)
            .set_expression_attribute_values(update.expression_attribute_values)
            .send()
            .await
            .map_err(|e| aws_error("dynamodb", "UpdateItem", e))?;
        crate::metrics::counted(amounts);
        Ok(())
    }

    async fn counters(&self, week: Week) -> Result<Counters> {
        let mut wanted: Vec<Item> = (0..STATS_SHARDS)
            .map(|shard| key(shard_key(week, shard), WEEK_SK))
            .collect();
        wanted.push(key(week_key(week), WEEK_SK));
        let mut counters: BTreeMap<String, i64> = BTreeMap::new();
        for item in self.batch_get(wanted).await? {
            for (name, v) in item {
                if let Some(value) = v.as_n().ok().and_then(|v| v.parse::<i64>().ok()) {
                    *counters.entry(name).or_default() += value;
                }
            }
        }
        Ok(Counters(counters))
    }
}
