//! The stores over DynamoDB, and the key design they share.
//!
//! # Main table (`TABLE_NAME`)
//!
//! Keys `pk` and `sk` (strings); a global secondary index `by_customer`
//! (`gsi1pk`, `gsi1sk`, carrying the keys and `origin`). Times in keys are
//! fixed-width UTC strings, so string order is time order. Every key is
//! spelt in [`keys`].
//!
//! | item | pk | sk | what it holds |
//! |---|---|---|---|
//! | customer | `CUSTOMER#<id>` | `PROFILE` | contact details, when they were set, when the last apology coupon was issued |
//! | review | `CUSTOMER#<id>` | `REVIEW#<posted at>#<event>` | stars, product, text |
//! | coupon, by cause | `CUSTOMER#<id>` | `COUPON#<reason>#<event>` | the coupon; its key makes it one per (customer, reason, event) |
//! | coupon, by code | `COUPON#<code>` | `COUPON` | the same coupon; its key makes codes unique and lets a code be looked up |
//! | ticket | `TICKET#<number>` | `TICKET` | the ticket; `gsi1pk = CUSTOMER#<id>`, `gsi1sk = TICKET#<opened at>#<number>` list a customer's tickets in time order |
//! | ticket, by cause | `CUSTOMER#<id>` | `TICKET#<origin>#<event>` | the number; one ticket per (customer, origin, event) |
//! | message held until a time | `SCHEDULED#<id>` | `MESSAGE` | the body; in the due index (below) |
//! | a shard of a week's counters | `STATS#<week>#<shard>` | `WEEK` | the digest's counters ([`super::stats`]) |
//!
//! A second index, `by_due` (`gsi2pk`, `gsi2sk`), holds the tickets with an
//! SLA alarm still to come and the held messages, by due time, in shards,
//! with what the sweep decides with: [`super::due`]. A third, `by_birthday` (`gsi3pk`, `gsi3sk`), holds the
//! customers with a birthday, by month-day in shards: [`super::directory`].
//!
//! Everything about one customer shares their partition (or points to it
//! through the index), so reading a customer's history is one query and
//! erasing a customer is a query and a delete per item. No request path scans.
//!
//! # Idempotency table (`IDEMPOTENCY_TABLE_NAME`)
//!
//! Key `pk`; `status` (`in_progress` or `done`), `lease_until` (epoch ms),
//! and `expires_at` (epoch seconds), the table's TTL attribute. A unit of
//! work's record also has its `lease` token, `step` and `saved`
//! ([`super::work`]); a claim of the per-effect paths its `result`
//! ([`claims`]).
//!
//! # The files
//!
//! [`item`] reads and writes attributes, [`keys`] spells the keys,
//! [`codec`] maps customers, coupons, tickets and reviews to items; one file
//! per store: [`customers`], [`coupons`], [`tickets`], [`claims`].

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{KeysAndAttributes, TransactWriteItem};

use crate::Result;
use crate::adapters::{aws_error, build_error};

/// Rounds of asking again for what a `BatchGetItem` left unprocessed.
const BATCH_GET_ROUNDS: usize = 5;

mod claims;
mod codec;
mod coupons;
mod customers;
mod export;
mod item;
pub mod keys;
mod orders;
mod tickets;

pub(crate) use codec::{
    cancelled_items, coupon_by_code_item, coupon_item, customer_from, put, redemption_item,
    review_item, thread_message_item, ticket_from, ticket_item,
};
pub(crate) use coupons::recode_items;
pub use export::{IssuedCursor, coupon_record, redemption_record};
pub(crate) use item::{Item, Reader, key, n, put_opt, s};
pub(crate) use orders::{order_put, return_put};

/// The name of the customer index.
pub const BY_CUSTOMER_INDEX: &str = "by_customer";
/// What the customer index carries besides its keys: what a new
/// complaint's priority and its agent's history read
/// ([`crate::ports::TicketStore::tickets_between`]). The template's
/// projection must be exactly this (a test reads it).
pub const BY_CUSTOMER_PROJECTED: [&str; 4] = ["origin", "status", "survey_score", "survey_at"];

/// Both tables, through one client.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    pub(crate) client: Client,
    pub(crate) table: String,
    pub(crate) idempotency_table: String,
}

impl DynamoStore {
    /// Wraps a client and the two table names.
    pub fn new(
        client: Client,
        table: impl Into<String>,
        idempotency_table: impl Into<String>,
    ) -> Self {
        DynamoStore {
            client,
            table: table.into(),
            idempotency_table: idempotency_table.into(),
        }
    }

    /// Runs a transaction; answers which items failed their condition (empty
    /// when it went through). Any other failure is an error.
    pub(crate) async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<Vec<bool>> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(Vec::new()),
            Err(e) => match e.as_service_error().and_then(cancelled_items) {
                Some(failed) if failed.iter().any(|f| *f) => Ok(failed),
                _ => Err(aws_error("dynamodb", "TransactWriteItems", e)),
            },
        }
    }

    pub(crate) async fn get(&self, table: &str, key: Item) -> Result<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| aws_error("dynamodb", "GetItem", e))?;
        Ok(out.item)
    }

    /// Reads `keys` of the main table in one `BatchGetItem`, consistently,
    /// asking again for what DynamoDB leaves unprocessed (a few rounds).
    pub(crate) async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>> {
        let mut wanted = keys;
        let mut found = Vec::new();
        for _ in 0..BATCH_GET_ROUNDS {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut wanted)))
                .consistent_read(true)
                .build()
                .map_err(|e| build_error("dynamodb", "BatchGetItem", e))?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(|e| aws_error("dynamodb", "BatchGetItem", e))?;
            found.extend(
                out.responses
                    .unwrap_or_default()
                    .remove(&self.table)
                    .unwrap_or_default(),
            );
            match out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)) {
                Some(left) if !left.keys.is_empty() => wanted = left.keys,
                _ => return Ok(found),
            }
        }
        Err(crate::Error::Exhausted(
            "a batch read (keys left unprocessed)",
        ))
    }
}
