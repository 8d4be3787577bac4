//! The [`StatsStore`] over the main table: one item per ISO week.
//!
//! | item | pk | sk | what it holds |
//! |---|---|---|---|
//! | a week's counters | `STATS#<week>` (`STATS#2026-W47`) | `WEEK` | one number per counter ([`crate::domain::digest::names`]) |
//!
//! Counting is `UpdateItem … ADD`, atomic on the item, so functions count at
//! the same time without reading first and without losing an increment. The
//! digest reads two items. One item per week takes about 1,000 counted
//! effects a second (DynamoDB's per-key write rate), far above what a shop's
//! support produces; see the README for what to do beyond that.

use std::collections::{BTreeMap, HashMap};

use crate::Result;
use crate::adapters::aws_error;
use crate::adapters::dynamodb::{DynamoStore, key, n, s};
use crate::domain::digest::{Counters, Week};
use crate::ports::StatsStore;

const WEEK_SK: &str = "WEEK";

fn week_key(week: Week) -> String {
    format!("STATS#{week}")
}

impl StatsStore for DynamoStore {
    async fn add(&self, week: Week, amounts: &[(String, i64)]) -> Result<()> {
        let amounts: Vec<&(String, i64)> = amounts.iter().filter(|(_, v)| *v != 0).collect();
        if amounts.is_empty() {
            return Ok(());
        }
        let mut names = HashMap::from([("#week".to_string(), "week".to_string())]);
        let mut values = HashMap::from([(":week".to_string(), s(week.to_string()))]);
        let mut adds = Vec::with_capacity(amounts.len());
        for (i, (name, amount)) in amounts.iter().enumerate() {
            // Counter names contain dots: they are always placeholders.
            names.insert(format!("#c{i}"), name.clone());
            values.insert(format!(":v{i}"), n(*amount));
            adds.push(format!("#c{i} :v{i}"));
        }
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(week_key(week), WEEK_SK)))
            .update_expression(format!("SET #week = :week ADD {}", adds.join(", ")))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .send()
            .await
            .map_err(|e| aws_error("dynamodb", "UpdateItem", e))?;
        Ok(())
    }

    async fn counters(&self, week: Week) -> Result<Counters> {
        let item = self
            .get(&self.table, key(week_key(week), WEEK_SK))
            .await?
            .unwrap_or_default();
        let counters: BTreeMap<String, i64> = item
            .into_iter()
            .filter_map(|(name, v)| {
                let value = v.as_n().ok()?.parse().ok()?;
                Some((name, value))
            })
            .collect();
        Ok(Counters(counters))
    }
}
