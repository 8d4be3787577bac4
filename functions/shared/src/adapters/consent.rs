//! The [`ConsentStore`] over DynamoDB: marketing consent on the customer's
//! own item.
//!
//! # Attributes on the customer item (`pk = CUSTOMER#<id>`, `sk = PROFILE`)
//!
//! | attribute | type | meaning | [`ConsentState`](crate::domain::consent::ConsentState) field |
//! |---|---|---|---|
//! | `marketing_consent` | BOOL | may marketing email (birthday greetings, offers) go to this customer? Absent: never given, so no | `granted` |
//! | `consent_at` | S, fixed-width UTC ([`to_key`]) | when consent was given, as the producer recorded it (`customer.upserted`); a withdrawal leaves it | `granted_at` |
//! | `consent_source` | S | where consent was last given or withdrawn: `unsubscribe-link` (the button on the unsubscribe page), `one-click` (the mail provider's RFC 8058 POST), or the source a producer gave | `source` |
//! | `consent_withdrawn_at` | S, fixed-width UTC | when it was last withdrawn; a grant must be newer to apply | `withdrawn_at` |
//!
//! Readers (the customer directory, the birthday greetings) send marketing
//! email only when `marketing_consent` is `true`. Writers follow
//! [`crate::domain::consent::apply`].
//!
//! A withdrawal through a link is that rule as one conditional `UpdateItem`:
//! it writes unless the customer is unknown (a withdrawal never creates a
//! customer) or consent is already withdrawn at that time or later. So a
//! repeat in the same second (a double click, a provider retrying its
//! one-click POST) writes nothing, and a later click moves
//! `consent_withdrawn_at` forward: the latest wish is what a re-grant must be
//! newer than.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;

use crate::Result;
use crate::adapters::aws_error;
use crate::adapters::dynamodb::{DynamoStore, key, keys, s};
use crate::domain::customer::CustomerId;
use crate::ports::{ConsentChannel, ConsentStore, Withdrawal};
use crate::time::to_key;

impl ConsentStore for DynamoStore {
    async fn withdraw_marketing_consent(
        &self,
        id: &CustomerId,
        at: Timestamp,
        how: ConsentChannel,
    ) -> Result<Withdrawal> {
        let profile = key(keys::customer(id), keys::PROFILE);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(profile.clone()))
            .update_expression(
                "SET marketing_consent = :no, consent_withdrawn_at = :at, consent_source = :how",
            )
            // Never create a customer; never move a withdrawal back in time.
            .condition_expression(
                "attribute_exists(pk) AND \
                 NOT (marketing_consent = :no AND consent_withdrawn_at >= :at)",
            )
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .expression_attribute_values(":at", s(to_key(at)))
            .expression_attribute_values(":how", s(how.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Withdrawal::Withdrawn),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(UpdateItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                // Only a repeat reads: which of the two conditions failed.
                Ok(match self.get(&self.table, profile).await? {
                    Some(_) => Withdrawal::AlreadyWithdrawn,
                    None => Withdrawal::UnknownCustomer,
                })
            }
            Err(e) => Err(aws_error("dynamodb", "UpdateItem", e)),
        }
    }
}
