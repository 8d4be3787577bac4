//! The [`DirectoryStore`] over DynamoDB: a customer's birthday and marketing
//! consent on their own item, and the birthday index.
//!
//! # Attributes on the customer item (`pk = CUSTOMER#<id>`, `sk = PROFILE`)
//!
//! | attribute | type | meaning |
//! |---|---|---|
//! | `birthday` | S | `YYYY-MM-DD`, or `--MM-DD` when the year is unknown |
//! | `birthday_at` | S, fixed-width UTC | the time of the event that set it: an older event does not roll it back |
//! | `gsi3pk`, `gsi3sk` | S | the birthday index (below) |
//! | `marketing_consent`, `consent_at`, `consent_source`, `consent_withdrawn_at` | | consent, as documented in [`super::consent`] |
//!
//! # The birthday index, `by_birthday`
//!
//! A sparse global secondary index on `gsi3pk = BDAY#<MM-DD>#<shard>` and
//! `gsi3sk = <customer id>`; only customers with a birthday are in it. The
//! birthday scheduler reads one month-day at a time, one query per shard,
//! and never scans. The shard is [`shard_of`] the customer id (FNV-1a, the
//! same in every build), `0..`[`BIRTHDAY_SHARDS`]: a month-day with many
//! customers (1 January, for imported data that defaulted it) spreads over
//! many keys. The index projects what the scheduler decides with
//! (`birthday`, `time_zone`, `marketing_consent`, `greeted_year`), so it
//! reads items only to greet.
//!
//! # Consent writes
//!
//! A consent change is computed by [`crate::domain::consent::apply`] from the
//! state read, then written with a condition that the state is still the one
//! read (`marketing_consent`, `consent_at`, `consent_withdrawn_at`). An
//! unsubscribe through a link ([`super::consent`]) that lands between the
//! read and the write makes the write fail; the caller reads again and
//! reapplies, so a withdrawal is never overwritten by a grant computed
//! before it.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;

use crate::Result;
use crate::adapters::aws_error;
use crate::adapters::due::{DUE_SHARDS, shard_of};
use crate::adapters::dynamodb::{DynamoStore, Reader, key, keys, s};
use crate::domain::consent::ConsentState;
use crate::domain::customer::{Birthday, CustomerId};
use crate::ports::DirectoryStore;
use crate::time::to_key;

/// The name of the birthday index.
pub const BY_BIRTHDAY_INDEX: &str = "by_birthday";

/// How many shards each month-day of the birthday index has (the shards of
/// [`shard_of`]): writers and the scheduler must agree on it.
pub const BIRTHDAY_SHARDS: u32 = DUE_SHARDS;

/// The birthday index's partition for a month-day and a shard.
pub fn birthday_partition(month: i8, day: i8, shard: u32) -> String {
    format!("BDAY#{month:02}-{day:02}#{shard}")
}

/// A birthday as stored: `YYYY-MM-DD` or `--MM-DD`.
pub fn birthday_text(b: &Birthday) -> String {
    match b.year {
        Some(y) => format!("{y:04}-{:02}-{:02}", b.month, b.day),
        None => format!("--{:02}-{:02}", b.month, b.day),
    }
}

/// The consent state stored on a customer item.
pub(crate) fn consent_from(item: &crate::adapters::dynamodb::Item) -> Result<ConsentState> {
    let r = Reader {
        item,
        what: "customer",
    };
    Ok(ConsentState {
        granted: item
            .get("marketing_consent")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
        granted_at: r.opt_time("consent_at")?,
        source: r.opt("consent_source").map(str::to_owned),
        withdrawn_at: r.opt_time("consent_withdrawn_at")?,
    })
}

fn is_conditional_failure(e: &aws_sdk_dynamodb::error::SdkError<UpdateItemError>) -> bool {
    matches!(
        e.as_service_error(),
        Some(UpdateItemError::ConditionalCheckFailedException(_))
    )
}

impl DirectoryStore for DynamoStore {
    async fn consent_state(&self, id: &CustomerId) -> Result<ConsentState> {
        let Some(item) = self
            .get(&self.table, key(keys::customer(id), keys::PROFILE))
            .await?
        else {
            return Ok(ConsentState::default());
        };
        consent_from(&item)
    }

    async fn save_consent(
        &self,
        id: &CustomerId,
        read: &ConsentState,
        new: &ConsentState,
    ) -> Result<bool> {
        let mut values = HashMap::from([
            (":id".to_string(), s(id.as_str())),
            (":c".to_string(), AttributeValue::Bool(new.granted)),
            (":yes".to_string(), AttributeValue::Bool(true)),
        ]);
        let mut sets = vec!["customer_id = :id", "marketing_consent = :c"];
        let mut removes = Vec::new();
        for (name, assignment, placeholder, value) in [
            (
                "consent_at",
                "consent_at = :at",
                ":at",
                new.granted_at.map(to_key),
            ),
            (
                "consent_source",
                "consent_source = :src",
                ":src",
                new.source.clone(),
            ),
            (
                "consent_withdrawn_at",
                "consent_withdrawn_at = :w",
                ":w",
                new.withdrawn_at.map(to_key),
            ),
        ] {
            match value {
                Some(v) => {
                    values.insert(placeholder.to_string(), s(v));
                    sets.push(assignment);
                }
                None => removes.push(name),
            }
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }

        // The state must still be the one `read`: the optimistic lock that
        // keeps a concurrent unsubscribe from being overwritten.
        let mut conditions = vec![if read.granted {
            "marketing_consent = :yes".to_string()
        } else {
            "(attribute_not_exists(marketing_consent) OR marketing_consent <> :yes)".to_string()
        }];
        for (name, placeholder, value) in [
            ("consent_at", ":read_at", read.granted_at),
            ("consent_withdrawn_at", ":read_w", read.withdrawn_at),
        ] {
            conditions.push(match value {
                Some(t) => {
                    values.insert(placeholder.to_string(), s(to_key(t)));
                    format!("{name} = {placeholder}")
                }
                None => format!("attribute_not_exists({name})"),
            });
        }

        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::customer(id), keys::PROFILE)))
            .update_expression(expression)
            .condition_expression(conditions.join(" AND "))
            .set_expression_attribute_values(Some(values))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_conditional_failure(&e) => Ok(false),
            Err(e) => Err(aws_error("dynamodb", "UpdateItem", e)),
        }
    }

    async fn save_birthday(
        &self,
        id: &CustomerId,
        birthday: &Birthday,
        as_of: Timestamp,
    ) -> Result<()> {
        let partition = birthday_partition(birthday.month, birthday.day, shard_of(id.as_str()));
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::customer(id), keys::PROFILE)))
            .update_expression(
                "SET customer_id = :id, birthday = :b, birthday_at = :t, \
                 gsi3pk = :pk, gsi3sk = :id",
            )
            // A birthday from an older event than the stored one is stale.
            .condition_expression("attribute_not_exists(birthday_at) OR birthday_at <= :t")
            .expression_attribute_values(":id", s(id.as_str()))
            .expression_attribute_values(":b", s(birthday_text(birthday)))
            .expression_attribute_values(":t", s(to_key(as_of)))
            .expression_attribute_values(":pk", s(partition))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_conditional_failure(&e) => {
                tracing::info!("a birthday older than the stored one was not written");
                Ok(())
            }
            Err(e) => Err(aws_error("dynamodb", "UpdateItem", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birthdays_and_partitions_are_spelt_as_documented() {
        let with_year = Birthday::parse("1990-02-03").unwrap();
        let without = Birthday::parse("--12-31").unwrap();
        assert_eq!(birthday_text(&with_year), "1990-02-03");
        assert_eq!(birthday_text(&without), "--12-31");
        assert_eq!(birthday_partition(2, 3, 15), "BDAY#02-03#15");
        assert!(shard_of("c-1") < BIRTHDAY_SHARDS);
    }
}
