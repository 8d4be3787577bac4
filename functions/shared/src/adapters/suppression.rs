//! The [`SuppressionStore`] over DynamoDB: addresses that get no more
//! marketing email, kept by their hash in the main table.
//!
//! # The suppression item (`pk = SUPPRESSED#<key>`, `sk = SUPPRESSION`)
//!
//! `<key>` is the [`AddressKey`]: the SHA-256, in 64 lowercase hex digits,
//! of the address trimmed and lowercased. No attribute holds the address.
//!
//! | attribute | type | meaning |
//! |---|---|---|
//! | `reason` | S | `bounce` (a permanent bounce) or `complaint` |
//! | `first_reported_at` | S, fixed-width UTC ([`to_key`]) | when the provider reported it, the first time |
//! | `feedback_id` | S | the provider's id of that first report (SES's `feedbackId`) |
//!
//! One item per address, in its own partition: checking an address before a
//! marketing email is one read by key, and no request path scans. The item
//! is written once, with `attribute_not_exists(pk)`: a duplicate delivery
//! of the same report, or a later report about the same address (a complaint
//! after a bounce), writes nothing, so the item keeps the first report. It
//! has no TTL and belongs to no customer's partition, so it outlives the
//! erasure of the customer's data (see [`crate::domain::suppression`] for
//! why). Lifting a suppression is deleting the item.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::put_item::PutItemError;

use crate::Result;
use crate::adapters::aws_error;
use crate::adapters::dynamodb::{DynamoStore, Item, key, s};
use crate::domain::mail::EmailAddress;
use crate::domain::suppression::{AddressKey, Suppression};
use crate::ports::{Suppressed, SuppressionStore};
use crate::time::to_key;

/// The sort key of a suppression item.
pub const SUPPRESSION: &str = "SUPPRESSION";

/// The key of an address's suppression item.
pub(crate) fn suppression_key(address: &EmailAddress) -> Item {
    key(partition(&AddressKey::of(address)), SUPPRESSION)
}

/// The partition of a suppressed address.
pub fn partition(address: &AddressKey) -> String {
    format!("SUPPRESSED#{}", address.as_str())
}

impl SuppressionStore for DynamoStore {
    async fn is_suppressed(&self, address: &EmailAddress) -> Result<bool> {
        let item = self
            .get(
                &self.table,
                key(partition(&AddressKey::of(address)), SUPPRESSION),
            )
            .await?;
        Ok(item.is_some())
    }

    async fn suppress(&self, entry: &Suppression) -> Result<Suppressed> {
        let mut item = key(partition(&entry.key), SUPPRESSION);
        item.extend(HashMap::from([
            ("reason".to_string(), s(entry.reason.as_str())),
            (
                "first_reported_at".to_string(),
                s(to_key(entry.reported_at)),
            ),
            ("feedback_id".to_string(), s(&entry.feedback_id)),
        ]));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            // The first report stands; a repeat writes nothing.
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(Suppressed::Now),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(Suppressed::Already)
            }
            Err(e) => Err(aws_error("dynamodb", "PutItem", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partition_is_spelt_as_documented() {
        let key = AddressKey::of_text("ayse@example.com");
        assert_eq!(
            partition(&key),
            "SUPPRESSED#9b00b0b820caf9556ca074ae455f87d32be94b9543993df0b71176d755f720f7"
        );
    }
}
