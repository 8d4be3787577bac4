//! The [`WorkStore`] over DynamoDB: a unit's record in the idempotency table,
//! and its domain writes as one transaction.
//!
//! | attribute | meaning |
//! |---|---|
//! | `pk` | the unit's key (`event#<function>#<event>`, `alarm#…`, `greeting#…`) |
//! | `status` | `in_progress` or `done` |
//! | `lease`, `lease_until` | the holding attempt's token and its deadline (epoch ms) |
//! | `step`, `saved` | how far the unit got, and what its commit kept for a retry (JSON) |
//! | `expires_at` | epoch seconds: the table's TTL attribute |
//!
//! Records of effects several units can reach (`apology#sla#<ticket>#<day>`)
//! live beside them, written by the commit that claims them, with the
//! claiming unit's key as `owner`.
//!
//! A commit is one `TransactWriteItems`: each [`Write`] becomes one or two
//! items (a coupon by code and by cause, a ticket and its cause), and the
//! last item moves the unit's record to its step under the condition that
//! the lease is still this attempt's. A condition that fails cancels all of
//! it, and the cancellation reasons say which write to blame.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, ReturnValue, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};
use jiff::Timestamp;

use crate::adapters::dynamodb::{
    DynamoStore, Item, cancelled_items, coupon_item, key, keys, n, put, put_opt, review_item, s,
    ticket_item,
};
use crate::adapters::{aws_error, build_error};
use crate::keys::WorkKey;
use crate::ports::{Begun, Conflict, Lease, ProfileWrite, WorkStore, Write};
use crate::time::{epoch_seconds, to_key};
use crate::{Error, Result};

const IN_PROGRESS: &str = "in_progress";

/// Whether an update was refused by its condition (the lease is not ours).
fn refused(e: Option<&UpdateItemError>) -> bool {
    matches!(e, Some(UpdateItemError::ConditionalCheckFailedException(_)))
}
const DONE: &str = "done";

fn record_key(key: &WorkKey) -> Item {
    HashMap::from([("pk".to_string(), s(key.as_str()))])
}

fn step_of(item: &Item) -> u8 {
    item.get("step")
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn text_of<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// What one item of the transaction answers for when its condition fails.
type Blame = Option<Conflict>;

/// The transaction's items for `writes`, with what each is blamed for.
fn transaction(
    store: &DynamoStore,
    lease: &Lease,
    writes: &[Write],
) -> Result<Vec<(TransactWriteItem, Blame)>> {
    let table = &store.table;
    let mut items = Vec::with_capacity(writes.len() + 2);
    // A transaction names each item once: the counts of one week (one
    // shard, the unit's) become one update.
    let mut weeks: Vec<(crate::domain::digest::Week, Vec<(String, i64)>)> = Vec::new();
    for write in writes {
        if let Write::Count(week, amounts) = write {
            match weeks.iter_mut().find(|(w, _)| w == week) {
                Some((_, all)) => all.extend(amounts.iter().cloned()),
                None => weeks.push((*week, amounts.clone())),
            }
        }
    }
    for (week, amounts) in &weeks {
        let mut summed: Vec<(String, i64)> = Vec::new();
        for (name, amount) in amounts {
            match summed.iter_mut().find(|(n, _)| n == name) {
                Some((_, total)) => *total += amount,
                None => summed.push((name.clone(), *amount)),
            }
        }
        if let Some(update) =
            crate::adapters::stats::count_update(table, *week, lease.key.as_str(), &summed)?
        {
            items.push((update, None));
        }
    }
    for write in writes {
        match write {
            Write::Profile(profile) => {
                items.push((profile_update(table, profile)?, Some(Conflict::Profile)));
            }
            Write::Review(review) => items.push((put_over(table, review_item(review))?, None)),
            Write::Coupon(coupon) => {
                let by_code = crate::adapters::dynamodb::coupon_by_code_item(coupon);
                let mut by_cause = key(
                    keys::customer(&coupon.customer_id),
                    keys::coupon_by_cause(coupon.reason, &coupon.source_event),
                );
                by_cause.extend(coupon_item(coupon));
                items.push((
                    put(table, by_code, "attribute_not_exists(pk)")?,
                    Some(Conflict::CouponCode),
                ));
                items.push((
                    put(table, by_cause, "attribute_not_exists(pk)")?,
                    Some(Conflict::CouponCause),
                ));
            }
            Write::Order(order) => {
                items.push((
                    crate::adapters::dynamodb::order_put(table, order)?,
                    Some(Conflict::Order),
                ));
                // The link from the customer's partition, so erasure finds
                // the order (tools/erase) and the history of a ticket reads
                // where it stands with the customer (domain::history):
                // written with every change of the order.
                let mut link = key(keys::customer(&order.customer_id), keys::order(&order.id));
                link.insert("order_id".into(), s(order.id.as_str()));
                link.insert("stage".into(), s(order.stage.as_str()));
                put_opt(
                    &mut link,
                    "placed_at",
                    order.placed_at.map(to_key).as_deref(),
                );
                items.push((put_over(table, link)?, None));
            }
            Write::Return(r) => {
                items.push((
                    crate::adapters::dynamodb::return_put(table, r)?,
                    Some(Conflict::Return),
                ));
                if r.version == 0 {
                    let mut link = key(keys::customer(&r.customer_id), keys::return_request(&r.id));
                    link.insert("return_id".into(), s(r.id.as_str()));
                    // Which order: a review request is not sent for it.
                    link.insert("order_id".into(), s(r.order_id.as_str()));
                    items.push((put_over(table, link)?, None));
                }
            }
            Write::Recode(coupon, to) => {
                items.extend(crate::adapters::dynamodb::recode_items(table, coupon, to)?);
            }
            Write::Ticket(ticket) => {
                let mut by_cause = key(
                    keys::customer(&ticket.customer_id),
                    keys::ticket_by_cause(ticket.origin, &ticket.source_event),
                );
                by_cause.insert("number".to_string(), s(ticket.number.as_str()));
                items.push((
                    put(table, ticket_item(ticket), "attribute_not_exists(pk)")?,
                    Some(Conflict::TicketNumber),
                ));
                items.push((
                    put(table, by_cause, "attribute_not_exists(pk)")?,
                    Some(Conflict::TicketCause),
                ));
                if let Some(order) = &ticket.order_id {
                    // The order's last ticket, for a later complaint about
                    // it to join (domain::thread): a hint, checked against
                    // the ticket before any join.
                    let mut hint = key(
                        keys::customer(&ticket.customer_id),
                        keys::order_ticket(order),
                    );
                    hint.insert("order_id".into(), s(order));
                    hint.insert("number".into(), s(ticket.number.as_str()));
                    items.push((put_over(table, hint)?, None));
                }
            }
            Write::TicketChange(ticket) => {
                let mut stored = (**ticket).clone();
                stored.version = ticket.version + 1;
                let put = aws_sdk_dynamodb::types::Put::builder()
                    .table_name(table)
                    .set_item(Some(ticket_item(&stored)))
                    .condition_expression("version = :v")
                    .expression_attribute_values(
                        ":v",
                        n(i64::try_from(ticket.version).unwrap_or(i64::MAX)),
                    )
                    .build()
                    .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
                items.push((
                    TransactWriteItem::builder().put(put).build(),
                    Some(Conflict::Ticket),
                ));
            }
            Write::Message(m) => {
                items.push((
                    put_over(table, crate::adapters::dynamodb::thread_message_item(m))?,
                    None,
                ));
            }
            Write::NoCoupon {
                customer,
                reason,
                source_event,
            } => {
                let check = key(
                    keys::customer(customer),
                    keys::coupon_by_cause(*reason, source_event),
                );
                items.push((absent(table, check)?, Some(Conflict::OtherCoupon)));
            }
            Write::Consented(id) => {
                let check = ConditionCheck::builder()
                    .table_name(table)
                    .set_key(Some(key(keys::customer(id), keys::PROFILE)))
                    .condition_expression("marketing_consent = :yes")
                    .expression_attribute_values(":yes", AttributeValue::Bool(true))
                    .build()
                    .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
                items.push((
                    TransactWriteItem::builder().condition_check(check).build(),
                    Some(Conflict::Profile),
                ));
            }
            Write::NotSuppressed(address) => {
                let check = crate::adapters::suppression::suppression_key(address);
                items.push((absent(table, check)?, Some(Conflict::Suppressed)));
            }
            // Above, a week at a time.
            Write::Count(..) => {}
            Write::Schedule(message) => {
                let item = crate::adapters::due::scheduled_item(message);
                items.push((put_over(table, item)?, None));
            }
            Write::Redemption(redemption) => {
                items.push((
                    put(
                        table,
                        crate::adapters::dynamodb::redemption_item(redemption),
                        "attribute_not_exists(pk)",
                    )?,
                    Some(Conflict::Redeemed),
                ));
            }
            Write::RedemptionMoved { was, now } => {
                // Over the redemption as read: the same order holds it and
                // no reuse was flagged since (`reused_by` only grows).
                let put = aws_sdk_dynamodb::types::Put::builder()
                    .table_name(table)
                    .set_item(Some(crate::adapters::dynamodb::redemption_item(now)))
                    .expression_attribute_values(":was", s(was.order_id.as_str()));
                let put = if was.reused_by.is_empty() {
                    put.condition_expression("order_id = :was AND attribute_not_exists(reused_by)")
                } else {
                    put.condition_expression("order_id = :was AND size(reused_by) = :reused")
                        .expression_attribute_values(":reused", n(was.reused_by.len() as i64))
                }
                .build()
                .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
                items.push((
                    TransactWriteItem::builder().put(put).build(),
                    Some(Conflict::Redeemed),
                ));
            }
            Write::Reused { code, order_id } => {
                let update = aws_sdk_dynamodb::types::Update::builder()
                    .table_name(table)
                    .set_key(Some(key(keys::redemption(code), keys::REDEMPTION)))
                    .update_expression("ADD reused_by :order")
                    .condition_expression("attribute_exists(pk)")
                    .expression_attribute_values(
                        ":order",
                        AttributeValue::Ss(vec![order_id.as_str().to_owned()]),
                    )
                    .build()
                    .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
                items.push((
                    TransactWriteItem::builder().update(update).build(),
                    Some(Conflict::Redeemed),
                ));
            }
            Write::Claim(claim) => {
                let item = HashMap::from([
                    ("pk".to_string(), s(claim.as_str())),
                    ("status".to_string(), s(DONE)),
                    ("owner".to_string(), s(lease.key.as_str())),
                    ("expires_at".to_string(), n(epoch_seconds(lease.expires_at))),
                ]);
                items.push((
                    put(&store.idempotency_table, item, "attribute_not_exists(pk)")?,
                    Some(Conflict::Claimed(claim.clone())),
                ));
            }
        }
    }
    Ok(items)
}

/// A put that may replace what is there (a repeat writes the same).
fn put_over(table: &str, item: Item) -> Result<TransactWriteItem> {
    let put = aws_sdk_dynamodb::types::Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .build()
        .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

fn absent(table: &str, item_key: Item) -> Result<TransactWriteItem> {
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(item_key))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// The customer's item as one update: each part adds its assignments and
/// its condition.
fn profile_update(table: &str, p: &ProfileWrite) -> Result<TransactWriteItem> {
    let mut sets = vec!["customer_id = :id".to_string()];
    let mut conditions = Vec::new();
    let mut names = HashMap::new();
    let mut values = HashMap::from([(":id".to_string(), s(p.id.as_str()))]);
    if let Some((contact, as_of)) = &p.contact {
        values.insert(":t".to_string(), s(to_key(*as_of)));
        sets.push("created_at = if_not_exists(created_at, :t)".to_string());
        let fields = [
            (
                "email",
                contact
                    .email
                    .as_ref()
                    .map(crate::domain::mail::EmailAddress::as_str),
            ),
            ("name", contact.name.as_deref()),
            ("locale", contact.locale.as_deref()),
            ("time_zone", contact.time_zone.as_deref()),
        ];
        let mut any = false;
        for (field, value) in fields {
            if let Some(v) = value {
                names.insert(format!("#{field}"), field.to_string());
                values.insert(format!(":{field}"), s(v));
                sets.push(format!("#{field} = :{field}"));
                any = true;
            }
        }
        if any {
            sets.push("contact_updated_at = :t".to_string());
            // Details from an older event than the stored ones are stale:
            // the unit reads the profile again and leaves them out.
            conditions.push(
                "(attribute_not_exists(contact_updated_at) OR contact_updated_at <= :t)"
                    .to_string(),
            );
        }
    }
    if let Some((issued, cutoff)) = &p.apology_coupon {
        values.insert(":issued".to_string(), s(to_key(*issued)));
        sets.push("last_apology_coupon_at = :issued".to_string());
        if let Some(cutoff) = cutoff {
            // The cap is part of the same transaction: two apologies
            // committed at the same moment cannot both win a coupon.
            values.insert(":cutoff".to_string(), s(to_key(*cutoff)));
            conditions.push(
                "(attribute_not_exists(last_apology_coupon_at) OR last_apology_coupon_at <= :cutoff)"
                    .to_string(),
            );
        }
    }
    if let Some((year, at)) = p.greeted {
        values.insert(":y".to_string(), n(i64::from(year)));
        values.insert(":greeted_at".to_string(), s(to_key(at)));
        values.insert(":yes".to_string(), AttributeValue::Bool(true));
        sets.push("greeted_year = :y".to_string());
        sets.push("greeted_at = :greeted_at".to_string());
        // Never creates a customer; consent as it stands at the commit, the
        // last look before the greeting leaves.
        conditions.push(
            "attribute_exists(pk) AND marketing_consent = :yes AND (attribute_not_exists(greeted_year) OR greeted_year < :y)"
                .to_string(),
        );
    }
    let mut update = Update::builder()
        .table_name(table)
        .set_key(Some(key(keys::customer(&p.id), keys::PROFILE)))
        .update_expression(format!("SET {}", sets.join(", ")))
        .set_expression_attribute_values(Some(values));
    if !names.is_empty() {
        update = update.set_expression_attribute_names(Some(names));
    }
    if !conditions.is_empty() {
        update = update.condition_expression(conditions.join(" AND "));
    }
    let update = update
        .build()
        .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
    Ok(TransactWriteItem::builder().update(update).build())
}

impl WorkStore for DynamoStore {
    async fn begin(&self, lease: &Lease, now: Timestamp) -> Result<Begun> {
        let result = self
            .client
            .update_item()
            .table_name(&self.idempotency_table)
            .set_key(Some(record_key(&lease.key)))
            .update_expression(
                "SET #status = :in_progress, lease = :token, lease_until = :until, expires_at = :expires",
            )
            .condition_expression(
                "attribute_not_exists(pk) OR (#status = :in_progress AND lease_until < :now)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .expression_attribute_values(":token", s(&lease.token))
            .expression_attribute_values(":until", n(lease.until.as_millisecond()))
            .expression_attribute_values(":expires", n(epoch_seconds(lease.expires_at)))
            .expression_attribute_values(":now", n(now.as_millisecond()))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => {
                let old = out.attributes.unwrap_or_default();
                Ok(Begun::Held {
                    step: step_of(&old),
                    saved: text_of(&old, "saved").map(str::to_owned),
                })
            }
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    // The record as it stands came back with the refusal:
                    // a duplicate costs this one call.
                    let done = failed
                        .item()
                        .and_then(|item| text_of(item, "status"))
                        .is_some_and(|status| status == DONE);
                    Ok(if done { Begun::Done } else { Begun::Busy })
                }
                _ => Err(aws_error("dynamodb", "UpdateItem", e)),
            },
        }
    }

    async fn commit(
        &self,
        lease: &Lease,
        writes: &[Write],
        step: u8,
        saved: Option<&str>,
    ) -> Result<Vec<Conflict>> {
        let mut items = transaction(self, lease, writes)?;
        let mut record = Update::builder()
            .table_name(&self.idempotency_table)
            .set_key(Some(record_key(&lease.key)))
            .condition_expression("lease = :token AND #status = :in_progress")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":token", s(&lease.token))
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .expression_attribute_values(":step", n(i64::from(step)));
        record = match saved {
            Some(saved) => record
                .update_expression("SET step = :step, saved = :saved")
                .expression_attribute_values(":saved", s(saved)),
            None => record.update_expression("SET step = :step"),
        };
        let record = record
            .build()
            .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
        items.push((
            TransactWriteItem::builder().update(record).build(),
            Some(Conflict::Lease),
        ));
        let (transact, blame): (Vec<_>, Vec<_>) = items.into_iter().unzip();
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(transact))
            .send()
            .await;
        let failed = match result {
            Ok(_) => {
                for write in writes {
                    if let Write::Count(_, amounts) = write {
                        crate::metrics::counted(amounts);
                    }
                }
                return Ok(Vec::new());
            }
            Err(e) => match e.as_service_error().and_then(cancelled_items) {
                Some(failed) if failed.iter().any(|f| *f) => failed,
                _ => return Err(aws_error("dynamodb", "TransactWriteItems", e)),
            },
        };
        let conflicts: Vec<Conflict> = failed
            .iter()
            .zip(blame)
            .filter(|(failed, _)| **failed)
            .filter_map(|(_, blame)| blame)
            .collect();
        if conflicts.contains(&Conflict::Lease) {
            // A transaction that went through and whose answer was lost is
            // sent again by the SDK; its second run finds its own step. The
            // record tells whether this attempt's commit is in.
            let record = self
                .get(&self.idempotency_table, record_key(&lease.key))
                .await?
                .unwrap_or_default();
            if text_of(&record, "lease") == Some(lease.token.as_str()) && step_of(&record) >= step {
                return Ok(Vec::new());
            }
        }
        Ok(conflicts)
    }

    async fn advance(&self, lease: &Lease, step: u8) -> Result<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.idempotency_table)
            .set_key(Some(record_key(&lease.key)))
            .update_expression("SET step = :step")
            .condition_expression("lease = :token")
            .expression_attribute_values(":step", n(i64::from(step)))
            .expression_attribute_values(":token", s(&lease.token))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if refused(e.as_service_error()) => {
                Err(Error::InProgress(lease.key.to_string()))
            }
            Err(e) => Err(aws_error("dynamodb", "UpdateItem", e)),
        }
    }

    async fn finish(&self, lease: &Lease) -> Result<()> {
        self.client
            .update_item()
            .table_name(&self.idempotency_table)
            .set_key(Some(record_key(&lease.key)))
            .update_expression(
                "SET #status = :done, expires_at = :expires REMOVE lease_until, lease, saved",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":done", s(DONE))
            .expression_attribute_values(":expires", n(epoch_seconds(lease.expires_at)))
            .send()
            .await
            .map_err(|e| aws_error("dynamodb", "UpdateItem", e))?;
        Ok(())
    }

    async fn release(&self, lease: &Lease, step: u8) -> Result<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.idempotency_table)
            .set_key(Some(record_key(&lease.key)))
            .update_expression("SET lease_until = :zero, step = :step")
            .condition_expression("lease = :token AND #status = :in_progress")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":step", n(i64::from(step)))
            .expression_attribute_values(":token", s(&lease.token))
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Taken over or done meanwhile: nothing of ours to let go.
            Err(e) if refused(e.as_service_error()) => Ok(()),
            Err(e) => Err(aws_error("dynamodb", "UpdateItem", e)),
        }
    }
}
