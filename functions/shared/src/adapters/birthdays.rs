//! The [`BirthdayStore`] over DynamoDB: the birthday index, the scheduler's
//! progress mark, and the greeter's record on the customer item.
//!
//! # Reading the index
//!
//! One `Query` per month-day and shard on `by_birthday`
//! (`gsi3pk = BDAY#<MM-DD>#<shard>`, see [`super::directory`]), paginated by
//! the key DynamoDB returns. The index projects `birthday`, `time_zone`,
//! `marketing_consent` and `greeted_year`, so the scheduler decides from the
//! index alone and never reads the customers it does not greet. An index is
//! eventually consistent: a customer greeted a moment ago may still show
//! last year's `greeted_year`. That only sends a `birthday.due` again, which
//! the greeter recognises.
//!
//! # Attributes
//!
//! | item | attribute | meaning |
//! |---|---|---|
//! | customer (`CUSTOMER#<id>` / `PROFILE`) | `greeted_year` (N) | the last year the customer was greeted for; only raised |
//! | `SCHEDULE#birthday` / `PROGRESS` | `swept_to` (S, fixed-width UTC) | the end of the scheduler's last complete run; only moved forward |

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use jiff::Timestamp;

use crate::Result;
use crate::adapters::aws_error;
use crate::adapters::directory::{
    BIRTHDAY_SHARDS, BY_BIRTHDAY_INDEX, birthday_partition, consent_from,
};
use crate::adapters::dynamodb::{DynamoStore, Item, Reader, customer_from, key, keys, n, s};
use crate::domain::birthday::Candidate;
use crate::domain::customer::{Birthday, CustomerId};
use crate::ports::{BirthdayEntry, BirthdayPage, BirthdayStore, DueCursor, Greetee};
use crate::time::to_key;

/// The scheduler's progress item.
const PROGRESS_PK: &str = "SCHEDULE#birthday";
const PROGRESS_SK: &str = "PROGRESS";

fn is_conditional_failure(e: &aws_sdk_dynamodb::error::SdkError<UpdateItemError>) -> bool {
    matches!(
        e.as_service_error(),
        Some(UpdateItemError::ConditionalCheckFailedException(_))
    )
}

/// An index entry, or `None` when it cannot be read (only this code writes
/// the index, so that is damage, logged by the caller).
fn entry(item: &Item) -> Option<BirthdayEntry> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
    let customer_id = CustomerId::parse(text("gsi3sk")?).ok()?;
    let birthday = Birthday::parse(text("birthday")?).ok()?;
    let greeted_year = match item.get("greeted_year") {
        None => None,
        Some(v) => Some(v.as_n().ok()?.parse::<i16>().ok()?),
    };
    Some(BirthdayEntry {
        customer_id,
        candidate: Candidate {
            birthday,
            time_zone: text("time_zone").cloned(),
            consent: item
                .get("marketing_consent")
                .and_then(|v| v.as_bool().ok())
                .copied()
                .unwrap_or(false),
            greeted_year,
        },
    })
}

impl BirthdayStore for DynamoStore {
    fn birthday_shards(&self) -> u32 {
        BIRTHDAY_SHARDS
    }

    async fn birthdays(
        &self,
        month: i8,
        day: i8,
        shard: u32,
        after: Option<DueCursor>,
        limit: i32,
    ) -> Result<BirthdayPage> {
        let start: Option<Item> = after.map(|c| c.0.into_iter().map(|(k, v)| (k, s(v))).collect());
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_BIRTHDAY_INDEX)
            .key_condition_expression("gsi3pk = :pk")
            .expression_attribute_values(":pk", s(birthday_partition(month, day, shard)))
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| aws_error("dynamodb", "Query", e))?;
        let mut page = BirthdayPage::default();
        for item in out.items.unwrap_or_default() {
            match entry(&item) {
                Some(e) => page.entries.push(e),
                None => {
                    page.unreadable += 1;
                    // The key names no person, only an opaque id.
                    tracing::warn!(
                        pk = item
                            .get("pk")
                            .and_then(|v| v.as_s().ok())
                            .map(String::as_str),
                        "an entry of the birthday index cannot be read"
                    );
                }
            }
        }
        page.next = out.last_evaluated_key.filter(|k| !k.is_empty()).map(|k| {
            DueCursor(
                k.into_iter()
                    .filter_map(|(name, v)| v.as_s().ok().map(|v| (name, v.clone())))
                    .collect(),
            )
        });
        Ok(page)
    }

    async fn swept_to(&self) -> Result<Option<Timestamp>> {
        let Some(item) = self
            .get(&self.table, key(PROGRESS_PK.into(), PROGRESS_SK))
            .await?
        else {
            return Ok(None);
        };
        Reader {
            item: &item,
            what: "birthday schedule progress",
        }
        .opt_time("swept_to")
    }

    async fn sweep_done(&self, to: Timestamp) -> Result<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(PROGRESS_PK.into(), PROGRESS_SK)))
            .update_expression("SET swept_to = :to")
            .condition_expression("attribute_not_exists(swept_to) OR swept_to < :to")
            .expression_attribute_values(":to", s(to_key(to)))
            .send()
            .await;
        match result {
            // Another run got further: its mark stands.
            Ok(_) => Ok(()),
            Err(e) if is_conditional_failure(&e) => Ok(()),
            Err(e) => Err(aws_error("dynamodb", "UpdateItem", e)),
        }
    }

    async fn greetee(&self, id: &CustomerId) -> Result<Option<Greetee>> {
        let Some(item) = self
            .get(&self.table, key(keys::customer(id), keys::PROFILE))
            .await?
        else {
            return Ok(None);
        };
        let customer = customer_from(&item)?;
        let greeted_year = match item.get("greeted_year") {
            None => None,
            Some(_) => Some(
                i16::try_from(
                    Reader {
                        item: &item,
                        what: "customer",
                    }
                    .num("greeted_year")?,
                )
                .map_err(|_| crate::Error::corrupt("customer", "greeted_year out of range"))?,
            ),
        };
        Ok(Some(Greetee {
            contact: customer.contact,
            consent: consent_from(&item)?,
            greeted_year,
        }))
    }

    async fn mark_greeted(&self, id: &CustomerId, year: i16) -> Result<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::customer(id), keys::PROFILE)))
            .update_expression("SET greeted_year = :y")
            // Never creates a customer, never lowers the year.
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(greeted_year) OR greeted_year < :y)",
            )
            .expression_attribute_values(":y", n(i64::from(year)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_conditional_failure(&e) => Ok(()),
            Err(e) => Err(aws_error("dynamodb", "UpdateItem", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use aws_sdk_dynamodb::types::AttributeValue;

    use super::*;

    #[test]
    fn index_entries_are_read_back_and_damage_is_refused() {
        let mut item: Item = HashMap::from([
            ("gsi3sk".to_string(), s("c-1")),
            ("birthday".to_string(), s("--02-29")),
            ("time_zone".to_string(), s("Asia/Tokyo")),
            ("marketing_consent".to_string(), AttributeValue::Bool(true)),
            ("greeted_year".to_string(), n(2027)),
        ]);
        let e = entry(&item).unwrap();
        assert_eq!(e.customer_id.as_str(), "c-1");
        assert_eq!(e.candidate.greeted_year, Some(2027));
        assert!(e.candidate.consent);
        item.insert("birthday".into(), s("02-30"));
        assert!(entry(&item).is_none());
    }
}
