//! The [`IdempotencyStore`] over the idempotency table: a claim per effect,
//! for the paths not written as one unit of work ([`crate::work`]).

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use jiff::Timestamp;

use super::DynamoStore;
use super::item::*;
use crate::Result;
use crate::adapters::aws_error;
use crate::keys::WorkKey;
use crate::ports::{Claim, IdempotencyStore};
use crate::time::epoch_seconds;

const IN_PROGRESS: &str = "in_progress";
const DONE: &str = "done";

impl IdempotencyStore for DynamoStore {
    async fn claim(
        &self,
        claim_key: &WorkKey,
        lease_until: Timestamp,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Claim> {
        let item = HashMap::from([
            ("pk".to_string(), s(claim_key.as_str())),
            ("status".to_string(), s(IN_PROGRESS)),
            ("lease_until".to_string(), n(lease_until.as_millisecond())),
            ("expires_at".to_string(), n(epoch_seconds(expires_at))),
        ]);
        let result = self
            .client
            .put_item()
            .table_name(&self.idempotency_table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(pk) OR (#status = :in_progress AND lease_until < :now)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .expression_attribute_values(":now", n(now.as_millisecond()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Acquired),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                let existing = self
                    .get(
                        &self.idempotency_table,
                        HashMap::from([("pk".to_string(), s(claim_key.as_str()))]),
                    )
                    .await?;
                let reader = existing.as_ref().map(|item| Reader {
                    item,
                    what: "claim",
                });
                Ok(match reader {
                    Some(r) if r.opt("status") == Some(DONE) => {
                        Claim::Done(r.opt("result").map(str::to_owned))
                    }
                    // Released between our write and our read, or still held.
                    _ => Claim::Held,
                })
            }
            Err(e) => Err(aws_error("dynamodb", "PutItem", e)),
        }
    }

    async fn complete(
        &self,
        claim_key: &WorkKey,
        result: Option<&str>,
        expires_at: Timestamp,
    ) -> Result<()> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.idempotency_table)
            .key("pk", s(claim_key.as_str()))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":done", s(DONE))
            .expression_attribute_values(":expires", n(epoch_seconds(expires_at)));
        request = match result {
            Some(r) => request
                .update_expression("SET #status = :done, expires_at = :expires, #result = :result REMOVE lease_until")
                .expression_attribute_names("#result", "result")
                .expression_attribute_values(":result", s(r)),
            None => request.update_expression("SET #status = :done, expires_at = :expires REMOVE lease_until"),
        };
        request
            .send()
            .await
            .map_err(|e| aws_error("dynamodb", "UpdateItem", e))?;
        Ok(())
    }

    async fn release(&self, claim_key: &WorkKey) -> Result<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.idempotency_table)
            .key("pk", s(claim_key.as_str()))
            .condition_expression("#status = :in_progress")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(aws_error("dynamodb", "DeleteItem", e)),
        }
    }
}
