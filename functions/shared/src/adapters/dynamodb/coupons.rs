//! The [`CouponStore`] over the main table: a coupon by code and by cause,
//! written together with the apology cap.

use aws_sdk_dynamodb::types::{Delete, TransactWriteItem, Update};
use jiff::Timestamp;

use super::DynamoStore;
use super::codec::*;
use super::item::*;
use super::keys;
use crate::adapters::build_error;
use crate::domain::coupon::{Coupon, CouponCode, CouponReason};
use crate::domain::customer::CustomerId;
use crate::ports::{Conflict, CouponStore, IssueOutcome};
use crate::time::to_key;
use crate::{Error, Result};

impl CouponStore for DynamoStore {
    async fn issued_for(
        &self,
        customer: &CustomerId,
        reason: CouponReason,
        source_event: &str,
    ) -> Result<Option<Coupon>> {
        self.get(
            &self.table,
            key(
                keys::customer(customer),
                keys::coupon_by_cause(reason, source_event),
            ),
        )
        .await?
        .as_ref()
        .map(coupon_from)
        .transpose()
    }

    async fn issue(&self, coupon: &Coupon, cap_cutoff: Option<Timestamp>) -> Result<IssueOutcome> {
        let customer = &coupon.customer_id;
        let by_code = coupon_by_code_item(coupon);
        let mut by_cause = key(
            keys::customer(customer),
            keys::coupon_by_cause(coupon.reason, &coupon.source_event),
        );
        by_cause.extend(coupon_item(coupon));
        let mut items = vec![
            put(&self.table, by_code, "attribute_not_exists(pk)")?,
            put(&self.table, by_cause, "attribute_not_exists(pk)")?,
        ];
        if let Some(cutoff) = cap_cutoff {
            // The cap is part of the same transaction: two negative reviews
            // processed at the same moment cannot both win a coupon.
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::customer(customer), keys::PROFILE)))
                .update_expression("SET last_apology_coupon_at = :issued, customer_id = :id")
                .condition_expression("attribute_not_exists(last_apology_coupon_at) OR last_apology_coupon_at <= :cutoff")
                .expression_attribute_values(":issued", s(to_key(coupon.issued_at)))
                .expression_attribute_values(":cutoff", s(to_key(cutoff)))
                .expression_attribute_values(":id", s(customer.as_str()))
                .build()
                .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        let failed = self.transact(items).await?;
        if failed.is_empty() {
            return Ok(IssueOutcome::Issued(coupon.clone()));
        }
        if failed.get(1) == Some(&true) {
            return match self
                .issued_for(customer, coupon.reason, &coupon.source_event)
                .await?
            {
                Some(existing) => Ok(IssueOutcome::AlreadyIssued(existing)),
                None => Err(Error::corrupt("coupon", "reported as issued but not found")),
            };
        }
        if failed.get(2) == Some(&true) {
            return Ok(IssueOutcome::CapReached);
        }
        Ok(IssueOutcome::CodeTaken)
    }

    async fn recode(&self, coupon: &Coupon, to: &CouponCode) -> Result<bool> {
        let items = recode_items(&self.table, coupon, to)?;
        let failed = self
            .transact(items.into_iter().map(|(item, _)| item).collect())
            .await?;
        Ok(failed.is_empty())
    }

    async fn redemptions(
        &self,
        codes: &[(CouponCode, CouponReason)],
    ) -> Result<Vec<crate::domain::redemption::Stored>> {
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        // Each code's redemption and its coupon, in one read.
        let wanted = codes
            .iter()
            .flat_map(|(code, _)| {
                [
                    key(keys::redemption(code), keys::REDEMPTION),
                    key(keys::coupon(code), "COUPON"),
                ]
            })
            .collect();
        let items = self.batch_get(wanted).await?;
        let pk_of = |item: &Item| item.get("pk").and_then(|v| v.as_s().ok()).cloned();
        codes
            .iter()
            .map(|(code, reason)| {
                let redemption = items
                    .iter()
                    .find(|i| pk_of(i).as_deref() == Some(keys::redemption(code).as_str()))
                    .map(redemption_from)
                    .transpose()?;
                let issued_at = items
                    .iter()
                    .find(|i| pk_of(i).as_deref() == Some(keys::coupon(code).as_str()))
                    .map(coupon_from)
                    .transpose()?
                    .map(|c| c.issued_at);
                Ok((code.clone(), *reason, redemption, issued_at))
            })
            .collect()
    }
}

/// The items that give `coupon` the code `to`: the old code's item goes,
/// the new one must be new, and the item by cause must still carry the old
/// code (a concurrent attempt that recoded first wins). Each with the
/// conflict it answers for.
pub(crate) fn recode_items(
    table: &str,
    coupon: &Coupon,
    to: &CouponCode,
) -> Result<Vec<(TransactWriteItem, Option<Conflict>)>> {
    let recoded = Coupon {
        code: to.clone(),
        ..coupon.clone()
    };
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key(keys::coupon(&coupon.code), "COUPON")))
        .build()
        .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
    let by_code = coupon_by_code_item(&recoded);
    let by_cause_key = key(
        keys::customer(&coupon.customer_id),
        keys::coupon_by_cause(coupon.reason, &coupon.source_event),
    );
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(by_cause_key))
        .update_expression("SET code = :to")
        .condition_expression("code = :from")
        .expression_attribute_values(":to", s(to.as_str()))
        .expression_attribute_values(":from", s(coupon.code.as_str()))
        .build()
        .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
    Ok(vec![
        (TransactWriteItem::builder().delete(delete).build(), None),
        (
            put(table, by_code, "attribute_not_exists(pk)")?,
            Some(Conflict::CouponCode),
        ),
        (
            TransactWriteItem::builder().update(update).build(),
            Some(Conflict::CouponCause),
        ),
    ])
}
