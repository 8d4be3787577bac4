//! `memnun-erase`: erases what memnun holds about one customer, on the
//! customer's request (KVKK article 7, GDPR article 17).
//!
//! Everything is found by key and by index query, never by a scan (the key
//! design is at the top of `functions/shared/src/adapters/dynamodb.rs`):
//!
//! 1. the customer's partition, `CUSTOMER#<id>`, in one query: the customer,
//!    reviews, coupons by cause, links to tickets, anything else;
//! 2. the customer's tickets, through the `by_customer` index and the links;
//! 3. each coupon's record by code, through the code on its coupon by cause;
//! 4. the messages held back for each ticket, by the ids derived from its
//!    number.
//!
//! What is deleted, what is kept anonymised and why is [`plan`]. The work
//! goes from the far end to the partition, and the customer's own item is
//! deleted last: a run cut off half way leaves the paths to what is left,
//! so running it again finishes the job. Every step is idempotent, so a
//! second run finds nothing and changes nothing.
//!
//! The tool talks to the main table only. Idempotency records are left to
//! expire by TTL: their keys carry the opaque customer id and no contact
//! detail, they cannot be found without a scan, and while they live they
//! keep a redelivered old event from acting again.

pub mod plan;

use std::collections::BTreeSet;
use std::fmt;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use jiff::Timestamp;
use memnun_shared::adapters::dynamodb::{BY_CUSTOMER_INDEX, keys};
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::domain::ticket::TicketNumber;

use plan::{COUPON_KEEPS, HELD_SK, Item, Kind, TICKET_KEEPS};

/// Why an erasure stopped. Whatever was done before stays done; running
/// again finishes the rest.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A DynamoDB call failed (after the SDK's retries).
    #[error("dynamodb {operation} failed: {message}")]
    Aws {
        /// The operation.
        operation: &'static str,
        /// The SDK's description.
        message: String,
    },
    /// The customer index holds an item this tool does not know how to
    /// erase. Nothing was changed in that run.
    #[error(
        "the customer index holds an item of a kind this tool does not know (`{0}`); nothing was changed"
    )]
    UnknownItem(String),
    /// A ticket kept changing under the anonymisation.
    #[error("ticket {0} kept changing while it was being anonymised; run again")]
    Busy(String),
    /// Items about the customer were still being written after several
    /// rounds: events about them are still arriving.
    #[error(
        "new items about the customer kept arriving while they were erased: stop the shop's events about this customer and run again"
    )]
    StillArriving,
}

/// Shorthand for this crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn aws<E: std::error::Error + 'static>(operation: &'static str) -> impl FnOnce(E) -> Error {
    move |e| Error::Aws {
        operation,
        message: DisplayErrorContext(&e).to_string(),
    }
}

/// What was erased (or, in a dry run, would be): counts only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Customer items deleted (0 or 1).
    pub profiles: usize,
    /// Reviews deleted.
    pub reviews: usize,
    /// Coupons by cause deleted.
    pub coupon_records: usize,
    /// Ticket links deleted.
    pub ticket_links: usize,
    /// Other items of the partition deleted.
    pub other_items: usize,
    /// Tickets reduced to shells.
    pub tickets: usize,
    /// Coupon records by code stripped of the customer.
    pub coupons: usize,
    /// Held messages deleted.
    pub held_messages: usize,
    /// Orders deleted (with their links).
    pub orders: usize,
    /// Returns deleted (with their links).
    pub returns: usize,
}

impl Report {
    /// True when nothing was (or would be) changed.
    pub fn is_empty(&self) -> bool {
        self.deleted() + self.tickets + self.coupons == 0
    }

    fn deleted(&self) -> usize {
        self.profiles
            + self.reviews
            + self.coupon_records
            + self.ticket_links
            + self.other_items
            + self.held_messages
            + self.orders
            + self.returns
    }
}

fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("nothing is stored about this customer: nothing to erase");
        }
        let (delete, anonymise) = if self.dry_run {
            ("would delete", "would anonymise")
        } else {
            ("deleted", "anonymised")
        };
        writeln!(
            f,
            "{delete}: {} (contact details, birthday, consent), {}, {}, {}, {}, {}, {}, {}",
            counted(self.profiles, "customer", "customers"),
            counted(self.reviews, "review", "reviews"),
            counted(self.orders, "order", "orders"),
            counted(self.returns, "return", "returns"),
            counted(self.coupon_records, "coupon record", "coupon records"),
            counted(self.ticket_links, "ticket link", "ticket links"),
            counted(self.held_messages, "held message", "held messages"),
            counted(self.other_items, "other item", "other items"),
        )?;
        writeln!(
            f,
            "{anonymise}: {} (number, category, priority, status and times kept for the help desk), {} (code, value and validity kept, since a code may still be redeemed)",
            counted(self.tickets, "ticket", "tickets"),
            counted(self.coupons, "coupon code", "coupon codes"),
        )?;
        write!(
            f,
            "kept: weekly counters (counts only), idempotency records (opaque ids; they expire after IDEMPOTENCY_TTL_DAYS), suppression entries (hashes of addresses that asked for no mail)"
        )
    }
}

/// What a search for the customer found.
#[derive(Debug, Default)]
struct Found {
    /// The partition's items, the customer's own included.
    partition: Vec<Item>,
    /// Their tickets' numbers.
    tickets: BTreeSet<String>,
    /// The codes of their coupons.
    codes: BTreeSet<String>,
    /// Their orders' ids.
    orders: BTreeSet<String>,
    /// Their returns' ids.
    returns: BTreeSet<String>,
}

impl Found {
    fn is_empty(&self) -> bool {
        self.partition.is_empty() && self.tickets.is_empty()
    }
}

fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

fn key(pk: String, sk: &str) -> Item {
    Item::from([
        ("pk".to_string(), AttributeValue::S(pk)),
        ("sk".to_string(), AttributeValue::S(sk.to_string())),
    ])
}

/// Rounds of find-and-erase before giving up on events still arriving.
const ROUNDS: usize = 3;
/// Attempts at a ticket that keeps changing.
const TICKET_ATTEMPTS: usize = 5;

/// Erases customers from one stack's main table.
#[derive(Debug, Clone)]
pub struct Eraser {
    client: Client,
    table: String,
    dry_run: bool,
}

impl Eraser {
    /// An eraser of `table`'s items; with `dry_run`, it only counts.
    pub fn new(client: Client, table: impl Into<String>, dry_run: bool) -> Self {
        Eraser {
            client,
            table: table.into(),
            dry_run,
        }
    }

    /// Erases `customer` as of `now` (recorded on the shells) and answers
    /// what was done. Running it again answers an empty report.
    pub async fn erase(&self, customer: &CustomerId, now: Timestamp) -> Result<Report> {
        let mut report = Report {
            dry_run: self.dry_run,
            ..Report::default()
        };
        for _ in 0..ROUNDS {
            let found = self.find(customer).await?;
            if found.is_empty() {
                return Ok(report);
            }
            let before = report.clone();
            self.apply(customer, &found, now, &mut report).await?;
            // A round that changes nothing found only what the index (which
            // lags the table by a moment) still shows: the work is done.
            if self.dry_run || report == before {
                return Ok(report);
            }
        }
        Err(Error::StillArriving)
    }

    async fn find(&self, customer: &CustomerId) -> Result<Found> {
        let pk = keys::customer(customer);
        let mut found = Found::default();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(aws("Query"))?;
            found.partition.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        for item in &found.partition {
            match Kind::of(text(item, "sk").unwrap_or_default()) {
                Kind::Coupon => found.codes.extend(text(item, "code").map(str::to_owned)),
                Kind::TicketLink => found
                    .tickets
                    .extend(text(item, "number").map(str::to_owned)),
                Kind::OrderLink => found
                    .orders
                    .extend(text(item, "order_id").map(str::to_owned)),
                Kind::ReturnLink => found
                    .returns
                    .extend(text(item, "return_id").map(str::to_owned)),
                _ => {}
            }
        }
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(BY_CUSTOMER_INDEX)
                .key_condition_expression("gsi1pk = :pk")
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(aws("Query"))?;
            for item in page.items.unwrap_or_default() {
                let item_pk = text(&item, "pk").unwrap_or_default();
                match item_pk.strip_prefix("TICKET#") {
                    Some(number) => {
                        found.tickets.insert(number.to_owned());
                    }
                    None => {
                        let kind = item_pk.split('#').next().unwrap_or_default();
                        return Err(Error::UnknownItem(kind.to_owned()));
                    }
                }
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        Ok(found)
    }

    /// Works from the far end to the partition, the customer's own item
    /// last, so that an interrupted run leaves the paths to what is left.
    async fn apply(
        &self,
        customer: &CustomerId,
        found: &Found,
        now: Timestamp,
        report: &mut Report,
    ) -> Result<()> {
        for number in &found.tickets {
            if self.anonymise_ticket(customer, number, now).await? {
                report.tickets += 1;
            }
            // Held messages come after the shell: a shell has no clock, so
            // no new alarm is held back for it once this is done.
            if let Some(ticket) = TicketNumber::parse(number) {
                for pk in plan::held_message_keys(&ticket) {
                    if self.delete(key(pk, HELD_SK)).await? {
                        report.held_messages += 1;
                    }
                }
            }
        }
        // An order or a return, then the clocks held for it (a clock that
        // fires in between finds nothing and does nothing).
        for (ids, is_order, count) in [
            (&found.orders, true, &mut report.orders),
            (&found.returns, false, &mut report.returns),
        ] {
            for id in ids {
                let (pk, sk) = if is_order {
                    (format!("ORDER#{id}"), "ORDER")
                } else {
                    (format!("RETURN#{id}"), "RETURN")
                };
                if self.delete(key(pk, sk)).await? {
                    *count += 1;
                }
                for pk in plan::journey_clock_keys(id, is_order) {
                    if self.delete(key(pk, HELD_SK)).await? {
                        report.held_messages += 1;
                    }
                }
            }
        }
        for code in &found.codes {
            let pk = format!("COUPON#{code}");
            if self
                .anonymise(customer, key(pk, "COUPON"), COUPON_KEEPS, now)
                .await?
            {
                report.coupons += 1;
            }
        }
        let mut profile = None;
        for item in &found.partition {
            let Some(sk) = text(item, "sk") else {
                continue;
            };
            let kind = Kind::of(sk);
            if kind == Kind::Profile {
                profile = Some(sk);
                continue;
            }
            if self.delete(key(keys::customer(customer), sk)).await? {
                *match kind {
                    Kind::Review => &mut report.reviews,
                    Kind::Coupon => &mut report.coupon_records,
                    Kind::TicketLink => &mut report.ticket_links,
                    Kind::OrderLink | Kind::ReturnLink | Kind::Other | Kind::Profile => {
                        &mut report.other_items
                    }
                } += 1;
            }
        }
        if let Some(sk) = profile
            && self.delete(key(keys::customer(customer), sk)).await?
        {
            report.profiles += 1;
        }
        Ok(())
    }

    async fn get(&self, key: Item) -> Result<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("GetItem"))?;
        Ok(out.item)
    }

    /// Deletes the item at `key`; answers whether it was there.
    async fn delete(&self, key: Item) -> Result<bool> {
        if self.dry_run {
            return Ok(self.get(key).await?.is_some());
        }
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(aws("DeleteItem"))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    /// Replaces the item at `key`, if it is still the customer's, by its
    /// shell; answers whether it was the customer's.
    async fn anonymise(
        &self,
        customer: &CustomerId,
        key: Item,
        keeps: &[&str],
        now: Timestamp,
    ) -> Result<bool> {
        let Some(item) = self.get(key).await? else {
            return Ok(false);
        };
        if text(&item, "customer_id") != Some(customer.as_str()) {
            return Ok(false);
        }
        if self.dry_run {
            return Ok(true);
        }
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(plan::shell(&item, keeps, now)))
            .condition_expression("customer_id = :id")
            .expression_attribute_values(":id", AttributeValue::S(customer.as_str().to_owned()))
            .send()
            .await;
        match written {
            Ok(_) => Ok(true),
            // Anonymised by a run at the same moment.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(aws("PutItem")(e)),
        }
    }

    /// Reduces the ticket to its shell under the ticket's version condition,
    /// so that a function saving the ticket at the same moment fails its
    /// condition, reads the shell and applies its change to that.
    async fn anonymise_ticket(
        &self,
        customer: &CustomerId,
        number: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let key = key(format!("TICKET#{number}"), "TICKET");
        for _ in 0..TICKET_ATTEMPTS {
            let Some(item) = self.get(key.clone()).await? else {
                return Ok(false);
            };
            if text(&item, "customer_id") != Some(customer.as_str()) {
                return Ok(false);
            }
            if self.dry_run {
                return Ok(true);
            }
            let version = item
                .get("version")
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0);
            let mut shell = plan::shell(&item, TICKET_KEEPS, now);
            shell.insert(
                "version".to_string(),
                AttributeValue::N((version + 1).to_string()),
            );
            let written = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(shell))
                .condition_expression(
                    "customer_id = :id AND (version = :v OR attribute_not_exists(version))",
                )
                .expression_attribute_values(":id", AttributeValue::S(customer.as_str().to_owned()))
                .expression_attribute_values(":v", AttributeValue::N(version.to_string()))
                .send()
                .await;
            match written {
                Ok(_) => return Ok(true),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
                {
                    continue;
                }
                Err(e) => return Err(aws("PutItem")(e)),
            }
        }
        Err(Error::Busy(number.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_counts_and_names_nothing_personal() {
        let report = Report {
            dry_run: false,
            profiles: 1,
            reviews: 2,
            coupon_records: 2,
            ticket_links: 2,
            other_items: 0,
            tickets: 2,
            coupons: 2,
            held_messages: 1,
            orders: 1,
            returns: 0,
        };
        let shown = report.to_string();
        assert!(
            shown.starts_with("deleted: 1 customer (contact details"),
            "{shown}"
        );
        assert!(
            shown.contains("2 reviews, 1 order, 0 returns") && shown.contains("1 held message,"),
            "{shown}"
        );
        assert!(shown.contains("anonymised: 2 tickets"), "{shown}");
        assert!(shown.contains("kept: weekly counters"), "{shown}");
        let dry = Report {
            dry_run: true,
            ..report
        };
        assert!(dry.to_string().starts_with("would delete: "));
        assert_eq!(
            Report::default().to_string(),
            "nothing is stored about this customer: nothing to erase"
        );
    }
}
