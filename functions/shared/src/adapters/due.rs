//! The [`DueIndex`] over the main table: the `by_due` index.
//!
//! A sparse global secondary index on `gsi2pk`, `gsi2sk`. It carries what
//! the sweep decides with ([`PROJECTED`]: a ticket's clocks, priority,
//! category, customer and version; a held message whole), so a due ticket
//! costs the sweep no read: it is marked with one update conditional on
//! the version it saw ([`DueIndex::mark`]). The index trails the table by a
//! moment; a ticket changed in between fails the condition and is read
//! consistently then, and an alarm sent from a stale view is judged again
//! by the escalator, which reads the ticket itself.
//!
//! | entry | pk | sk | gsi2pk | gsi2sk |
//! |---|---|---|---|---|
//! | ticket with an alarm still to announce | `TICKET#<number>` | `TICKET` | `DUE#<shard of number>` | `<next due>#<number>` |
//! | message held until a time | `SCHEDULED#<id>` | `MESSAGE` | `DUE#<shard of id>` | `<send at>#<id>` |
//!
//! A ticket is in the index exactly while it has a warning or breach to
//! announce ([`crate::domain::sla::SlaClock::next_due`]): every write of the
//! ticket sets or drops the two attributes, so a resolved ticket, or one
//! whose only running clock is paused, leaves it by itself.
//!
//! The partition key is the shard alone; time is the sort key. A sweep at
//! `now` is one range query per shard, `gsi2sk <= "<now>#~"`, which finds
//! everything due however long ago it fell due: there is no look-back window
//! to choose, and nothing is missed when a sweep is late, or an event is
//! processed days after it happened (a redrive from a dead-letter queue).
//! Shards spread the writes (a burst of tickets opened in one minute, all due
//! in the same hour) over [`DUE_SHARDS`] keys, each good for DynamoDB's
//! per-key rate of about 1,000 writes a second.
//!
//! A held message sent is forgotten by a delete conditional on the time it
//! was sent for ([`DueIndex::unschedule`]): a message kept again under the
//! same id for another time while the sweep was sending the old one (an
//! order's promise moved at that moment) stays kept.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, PutRequest, TransactWriteItem, WriteRequest,
};
use jiff::Timestamp;

pub use crate::adapters::dynamodb::keys::{DUE_SHARDS, shard_of};
use crate::adapters::dynamodb::keys::{partition, ticket_index_keys};
use crate::adapters::dynamodb::{
    DynamoStore, Item, Reader, cancelled_items, key, keys, n, s, ticket_from, ticket_item,
};
use crate::adapters::{aws_error, build_error};
use crate::domain::ticket::{Ticket, TicketNumber};
use crate::ports::{DueCursor, DueEntry, DueIndex, DuePage, ScheduledMessage};
use crate::time::to_key;
use crate::{Error, Result};

/// The name of the due index.
pub const BY_DUE_INDEX: &str = "by_due";

const TICKET_PREFIX: &str = "TICKET#";
const MESSAGE_PREFIX: &str = "SCHEDULED#";
const MESSAGE_SK: &str = "MESSAGE";

fn message_item(m: &ScheduledMessage, gsi2pk: String, gsi2sk: String) -> Item {
    let mut item = key(format!("{MESSAGE_PREFIX}{}", m.id), MESSAGE_SK);
    item.extend([
        ("id".to_string(), s(&m.id)),
        ("kind".to_string(), s(&m.kind)),
        ("body".to_string(), s(&m.body)),
        ("due".to_string(), s(to_key(m.due))),
        ("gsi2pk".to_string(), s(gsi2pk)),
        ("gsi2sk".to_string(), s(gsi2sk)),
    ]);
    item
}

/// A held message's item, in the due index at its time (public for the
/// benchmark's seeding, which writes many at once).
pub fn scheduled_item(m: &ScheduledMessage) -> Item {
    message_item(
        m,
        partition(shard_of(&m.id)),
        format!("{}#{}", to_key(m.due), m.id),
    )
}

fn message_from(item: &Item) -> Result<ScheduledMessage> {
    let r = Reader {
        item,
        what: "scheduled message",
    };
    Ok(ScheduledMessage {
        id: r.req("id")?.to_owned(),
        kind: r.req("kind")?.to_owned(),
        body: r.req("body")?.to_owned(),
        due: r.time("due")?,
    })
}

/// The attributes the index carries besides its keys (the template's
/// `by_due` projection says the same; a test holds them together).
pub const PROJECTED: [&str; 27] = [
    "number",
    "customer_id",
    "origin",
    "category",
    "priority",
    "status",
    "opened_at",
    "source_event",
    "version",
    "first_reply_warning_at",
    "first_reply_due",
    "first_reply_warned",
    "first_reply_breached",
    "first_reply_stopped_at",
    "first_reply_outcome",
    "resolution_warning_at",
    "resolution_due",
    "resolution_warned",
    "resolution_breached",
    "resolution_stopped_at",
    "resolution_outcome",
    "paused_since",
    "paused_seconds",
    "id",
    "kind",
    "body",
    "due",
];

fn entry(item: &Item) -> Option<DueEntry> {
    let pk = item.get("pk")?.as_s().ok()?;
    if let Some(number) = pk.strip_prefix(TICKET_PREFIX) {
        let number = TicketNumber::parse(number)?;
        // An index with keys only (a table made before the projection)
        // carries no clocks: the sweep reads the ticket then.
        let seen = ticket_from(item).ok().map(Box::new);
        Some(DueEntry::Ticket { number, seen })
    } else {
        let id = pk.strip_prefix(MESSAGE_PREFIX)?.to_owned();
        let seen = message_from(item).ok();
        Some(DueEntry::Message { id, seen })
    }
}

/// Writes per `BatchWriteItem` (the service's limit).
const WRITES_PER_BATCH: usize = 25;
/// The most items one `TransactWriteItems` takes.
const FORGOTTEN_PER_TRANSACTION: usize = 100;
/// Rounds of re-sending what DynamoDB left unprocessed.
const UNPROCESSED_ROUNDS: u32 = 4;

impl DueIndex for DynamoStore {
    fn shards(&self) -> u32 {
        DUE_SHARDS
    }

    async fn due(
        &self,
        shard: u32,
        now: Timestamp,
        after: Option<DueCursor>,
        limit: i32,
    ) -> Result<DuePage> {
        let start: Option<Item> = after.map(|c| c.0.into_iter().map(|(k, v)| (k, s(v))).collect());
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_DUE_INDEX)
            .key_condition_expression("gsi2pk = :pk AND gsi2sk <= :upper")
            .expression_attribute_values(":pk", s(partition(shard)))
            // `~` sorts after every character of a ticket number or an id,
            // so everything due within the second of `now` is included.
            .expression_attribute_values(":upper", s(format!("{}#~", to_key(now))))
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| aws_error("dynamodb", "Query", e))?;
        let mut entries = Vec::new();
        for item in out.items.unwrap_or_default() {
            match entry(&item) {
                Some(e) => entries.push(e),
                // Only this code writes gsi2pk; an unknown entry is logged
                // (its key names no person) and left alone.
                None => tracing::warn!(
                    pk = item
                        .get("pk")
                        .and_then(|v| v.as_s().ok())
                        .map(String::as_str),
                    "an entry of the due index is neither a ticket nor a message"
                ),
            }
        }
        let next = out.last_evaluated_key.filter(|k| !k.is_empty()).map(|k| {
            DueCursor(
                k.into_iter()
                    .filter_map(|(name, v)| v.as_s().ok().map(|v| (name, v.clone())))
                    .collect(),
            )
        });
        Ok(DuePage { entries, next })
    }

    async fn mark(&self, ticket: &Ticket) -> Result<bool> {
        let Some(sla) = &ticket.sla else {
            return Ok(true);
        };
        let mut sets = vec!["version = :next".to_string()];
        let mut values = HashMap::from([
            (
                ":v".to_string(),
                n(i64::try_from(ticket.version).unwrap_or(i64::MAX)),
            ),
            (
                ":next".to_string(),
                n(i64::try_from(ticket.version + 1).unwrap_or(i64::MAX)),
            ),
        ]);
        for (prefix, timer) in [
            ("first_reply", &sla.first_reply),
            ("resolution", &sla.resolution),
        ] {
            for (flag, on) in [("warned", timer.warned), ("breached", timer.breached)] {
                let name = format!(":{prefix}_{flag}");
                sets.push(format!("{prefix}_{flag} = {name}"));
                values.insert(name, AttributeValue::Bool(on));
            }
        }
        // The index keys follow the next alarm, as a whole-ticket write
        // would set them (adapters/dynamodb.rs, `ticket_item`).
        let mut removes = Vec::new();
        match sla.next_due() {
            Some(next_due) => {
                let [(_, pk), (_, sk)] = ticket_index_keys(&ticket.number, next_due);
                values.insert(":gsi2pk".to_string(), pk);
                values.insert(":gsi2sk".to_string(), sk);
                values.insert(":next_due".to_string(), s(to_key(next_due)));
                sets.push("gsi2pk = :gsi2pk, gsi2sk = :gsi2sk, next_due = :next_due".to_string());
            }
            None => removes.push("gsi2pk, gsi2sk, next_due"),
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::ticket(&ticket.number), "TICKET")))
            .update_expression(expression)
            .condition_expression("version = :v")
            .set_expression_attribute_values(Some(values))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(aws_error("dynamodb", "UpdateItem", e)),
        }
    }

    async fn schedule(&self, message: &ScheduledMessage) -> Result<()> {
        let item = scheduled_item(message);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| aws_error("dynamodb", "PutItem", e))?;
        Ok(())
    }

    async fn scheduled(&self, id: &str) -> Result<Option<ScheduledMessage>> {
        self.get(
            &self.table,
            key(format!("{MESSAGE_PREFIX}{id}"), MESSAGE_SK),
        )
        .await?
        .as_ref()
        .map(message_from)
        .transpose()
    }

    async fn unschedule(&self, sent: &[(String, Timestamp)]) -> Result<()> {
        // A transaction of conditional deletes, a hundred to a call: each
        // only while the message is still kept for the time it was sent at.
        // A message kept again meanwhile for another time (a moved promise
        // writes its clock under the same id) fails its condition and stays;
        // the rest are tried again without it.
        for chunk in sent.chunks(FORGOTTEN_PER_TRANSACTION) {
            let mut pending: Vec<&(String, Timestamp)> = chunk.iter().collect();
            for round in 0..UNPROCESSED_ROUNDS {
                if pending.is_empty() {
                    break;
                }
                if round > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(50 << round)).await;
                }
                let items = pending
                    .iter()
                    .map(|(id, due)| {
                        Delete::builder()
                            .table_name(&self.table)
                            .set_key(Some(key(format!("{MESSAGE_PREFIX}{id}"), MESSAGE_SK)))
                            .condition_expression("#due = :due")
                            .expression_attribute_names("#due", "due")
                            .expression_attribute_values(":due", s(to_key(*due)))
                            .build()
                            .map(|d| TransactWriteItem::builder().delete(d).build())
                            .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))
                    })
                    .collect::<Result<Vec<_>>>()?;
                match self
                    .client
                    .transact_write_items()
                    .set_transact_items(Some(items))
                    .send()
                    .await
                {
                    Ok(_) => pending.clear(),
                    Err(e) => match e.as_service_error().and_then(cancelled_items) {
                        // Kept again, or already forgotten: leave those.
                        Some(failed) if failed.iter().any(|f| *f) => {
                            pending = pending
                                .into_iter()
                                .zip(failed)
                                .filter(|(_, f)| !f)
                                .map(|(m, _)| m)
                                .collect();
                        }
                        // A conflict with another write: again, later.
                        Some(_) => {}
                        None => return Err(aws_error("dynamodb", "TransactWriteItems", e)),
                    },
                }
            }
            if !pending.is_empty() {
                return Err(Error::Aws {
                    service: "dynamodb",
                    operation: "TransactWriteItems",
                    message: format!("{} held messages not forgotten", pending.len()),
                    permanent: false,
                });
            }
        }
        // Not forgotten means sent again by the next sweep, which each
        // receiver's once-per-event units make harmless.
        Ok(())
    }
}

impl DynamoStore {
    /// Writes tickets as they are, 25 to a `BatchWriteItem`, with their due
    /// index entries and without the once-per-cause pointer that
    /// [`crate::ports::TicketStore::open`] writes: for bringing open tickets
    /// over from another help desk, and for load tests of the sweep. Existing
    /// tickets with the same numbers are overwritten.
    pub async fn import_tickets(&self, tickets: &[Ticket]) -> Result<()> {
        let requests = tickets
            .iter()
            .map(|t| {
                let mut stored = t.clone();
                stored.version = stored.version.max(1);
                PutRequest::builder()
                    .set_item(Some(ticket_item(&stored)))
                    .build()
                    .map(|p| WriteRequest::builder().put_request(p).build())
                    .map_err(|e| build_error("dynamodb", "BatchWriteItem", e))
            })
            .collect::<Result<Vec<_>>>()?;
        self.batch_write(requests).await
    }

    /// Sends write requests in batches, again for what DynamoDB left
    /// unprocessed (it does under throttling), a few rounds with backoff.
    async fn batch_write(&self, requests: Vec<WriteRequest>) -> Result<()> {
        for chunk in requests.chunks(WRITES_PER_BATCH) {
            let mut pending = chunk.to_vec();
            for round in 0..UNPROCESSED_ROUNDS {
                if round > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(50 << round)).await;
                }
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(self.table.clone(), pending)
                    .send()
                    .await
                    .map_err(|e| aws_error("dynamodb", "BatchWriteItem", e))?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut u: HashMap<String, Vec<WriteRequest>>| u.remove(&self.table))
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
            }
            if !pending.is_empty() {
                return Err(Error::Aws {
                    service: "dynamodb",
                    operation: "BatchWriteItem",
                    message: format!("{} writes left unprocessed", pending.len()),
                    permanent: false,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_and_spread() {
        // Fixed values: a change here would strand every indexed ticket.
        assert_eq!(shard_of("TK-1234-5678"), shard_of("TK-1234-5678"));
        let mut counts = [0u32; DUE_SHARDS as usize];
        for i in 0..1600 {
            counts[shard_of(&format!("TK-{:04}-{:04}", i / 7, i * 13 % 10_000)) as usize] += 1;
        }
        assert!(counts.iter().all(|c| (50..=150).contains(c)), "{counts:?}");
    }

    #[test]
    fn index_keys_follow_the_next_due_time() {
        let number = TicketNumber::parse("TK-1234-5678").unwrap();
        let [(pk_name, pk), (sk_name, sk)] =
            ticket_index_keys(&number, "2026-11-22T13:40:00Z".parse().unwrap());
        assert_eq!((pk_name.as_str(), sk_name.as_str()), ("gsi2pk", "gsi2sk"));
        assert_eq!(
            pk.as_s().unwrap(),
            &format!("DUE#{}", shard_of("TK-1234-5678"))
        );
        assert_eq!(sk.as_s().unwrap(), "2026-11-22T13:40:00Z#TK-1234-5678");
    }
}
