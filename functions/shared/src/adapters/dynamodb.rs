//! The stores over DynamoDB, and the key design they share.
//!
//! # Main table (`TABLE_NAME`)
//!
//! Keys `pk` and `sk` (strings); one global secondary index, `by_customer`
//! (`gsi1pk`, `gsi1sk`). Times in keys are fixed-width UTC strings, so string
//! order is time order.
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
//! | a week's counters | `STATS#<week>` | `WEEK` | the digest's counters ([`super::stats`]) |
//!
//! A second index, `by_due` (`gsi2pk`, `gsi2sk`), holds the tickets with an
//! SLA alarm still to come and the held messages, by due time, in shards:
//! [`super::due`]. A third, `by_birthday` (`gsi3pk`, `gsi3sk`), holds the
//! customers with a birthday, by month-day in shards: [`super::directory`].
//!
//! Everything about one customer shares their partition (or points to it
//! through the index), so reading a customer's history is one query and
//! erasing a customer is a query and a delete per item. No request path scans.
//!
//! # Idempotency table (`IDEMPOTENCY_TABLE_NAME`)
//!
//! Key `pk`; `status` (`in_progress` or `done`), `lease_until` (epoch ms),
//! `result`, and `expires_at` (epoch seconds), the table's TTL attribute.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use jiff::{SignedDuration, Timestamp};

use crate::adapters::{aws_error, build_error};
use crate::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
use crate::domain::customer::{ContactDetails, Customer, CustomerId};
use crate::domain::mail::EmailAddress;
use crate::domain::rating::Rating;
use crate::domain::sla::{Outcome, SlaClock, Timer};
use crate::domain::ticket::{Category, Channel, Origin, Priority, Status, Ticket, TicketNumber};
use crate::ports::{
    Claim, CouponStore, CustomerStore, IdempotencyStore, IssueOutcome, OpenOutcome, ReviewRecord,
    TicketStore,
};
use crate::time::{epoch_seconds, to_key};
use crate::{Error, Result};

pub(crate) type Item = HashMap<String, AttributeValue>;

/// The name of the customer index.
pub const BY_CUSTOMER_INDEX: &str = "by_customer";

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
}

/// Key builders, so every key is spelt in one place.
pub mod keys {
    use super::*;

    /// A customer's partition.
    pub fn customer(id: &CustomerId) -> String {
        format!("CUSTOMER#{}", id.as_str())
    }

    /// The customer's own item.
    pub const PROFILE: &str = "PROFILE";

    /// A review's sort key.
    pub fn review(posted_at: Timestamp, event_key: &str) -> String {
        format!("REVIEW#{}#{event_key}", to_key(posted_at))
    }

    /// A coupon's sort key in its customer's partition.
    pub fn coupon_by_cause(reason: CouponReason, event_key: &str) -> String {
        format!("COUPON#{}#{event_key}", reason.as_str())
    }

    /// A coupon's own partition.
    pub fn coupon(code: &CouponCode) -> String {
        format!("COUPON#{}", code.as_str())
    }

    /// A ticket's own partition.
    pub fn ticket(number: &TicketNumber) -> String {
        format!("TICKET#{number}")
    }

    /// A ticket's sort key in its customer's partition.
    pub fn ticket_by_cause(origin: Origin, event_key: &str) -> String {
        format!("TICKET#{}#{event_key}", origin.as_str())
    }

    /// A ticket's sort key in the customer index.
    pub fn ticket_in_index(opened_at: Timestamp, number: &TicketNumber) -> String {
        format!("TICKET#{}#{number}", to_key(opened_at))
    }
}

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(crate) fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
}

pub(crate) fn put_opt(item: &mut Item, name: &str, v: Option<&str>) {
    if let Some(v) = v {
        item.insert(name.to_string(), s(v));
    }
}

/// Typed reads from an item, with errors that name the item.
pub(crate) struct Reader<'a> {
    pub(crate) item: &'a Item,
    pub(crate) what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn opt(&self, name: &str) -> Option<&'a str> {
        self.item
            .get(name)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
    }

    pub(crate) fn req(&self, name: &str) -> Result<&'a str> {
        self.opt(name)
            .ok_or_else(|| Error::corrupt(self.what, format!("attribute {name} is missing")))
    }

    pub(crate) fn num(&self, name: &str) -> Result<i64> {
        self.item
            .get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| Error::corrupt(self.what, format!("attribute {name} is not a number")))
    }

    pub(crate) fn time(&self, name: &str) -> Result<Timestamp> {
        self.req(name)?
            .parse()
            .map_err(|_| Error::corrupt(self.what, format!("attribute {name} is not a time")))
    }

    pub(crate) fn opt_time(&self, name: &str) -> Result<Option<Timestamp>> {
        self.opt(name).map(|_| self.time(name)).transpose()
    }

    fn parsed<T>(&self, name: &str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T> {
        parse(self.req(name)?).ok_or_else(|| {
            Error::corrupt(self.what, format!("attribute {name} has an unknown value"))
        })
    }
}

pub(crate) fn customer_from(item: &Item) -> Result<Customer> {
    let r = Reader {
        item,
        what: "customer",
    };
    Ok(Customer {
        id: r.parsed("customer_id", |v| CustomerId::parse(v).ok())?,
        contact: ContactDetails {
            email: r
                .opt("email")
                .map(|e| {
                    EmailAddress::parse(e).map_err(|_| {
                        Error::corrupt("customer", "attribute email is not an address")
                    })
                })
                .transpose()?,
            name: r.opt("name").map(str::to_owned),
            locale: r.opt("locale").map(str::to_owned),
            time_zone: r.opt("time_zone").map(str::to_owned),
        },
        contact_updated_at: r.opt_time("contact_updated_at")?,
        last_apology_coupon_at: r.opt_time("last_apology_coupon_at")?,
    })
}

pub(crate) fn coupon_item(c: &Coupon) -> Item {
    let CouponValue::Percent(p) = c.value;
    HashMap::from([
        ("code".to_string(), s(c.code.as_str())),
        ("customer_id".to_string(), s(&c.customer_id)),
        ("reason".to_string(), s(c.reason.as_str())),
        ("percent".to_string(), n(i64::from(p))),
        ("issued_at".to_string(), s(to_key(c.issued_at))),
        ("expires_at".to_string(), s(to_key(c.expires_at))),
        ("source_event".to_string(), s(&c.source_event)),
    ])
}

pub(crate) fn coupon_from(item: &Item) -> Result<Coupon> {
    let r = Reader {
        item,
        what: "coupon",
    };
    let percent = u8::try_from(r.num("percent")?)
        .map_err(|_| Error::corrupt("coupon", "percent out of range"))?;
    Ok(Coupon {
        code: r.parsed("code", CouponCode::parse)?,
        customer_id: r.req("customer_id")?.to_owned(),
        reason: r.parsed("reason", CouponReason::parse)?,
        value: CouponValue::Percent(percent),
        issued_at: r.time("issued_at")?,
        expires_at: r.time("expires_at")?,
        source_event: r.req("source_event")?.to_owned(),
    })
}

pub(crate) fn ticket_item(t: &Ticket) -> Item {
    let mut item = key(keys::ticket(&t.number), "TICKET");
    item.extend([
        ("number".to_string(), s(t.number.as_str())),
        ("customer_id".to_string(), s(&t.customer_id)),
        ("origin".to_string(), s(t.origin.as_str())),
        ("category".to_string(), s(t.category.as_str())),
        ("priority".to_string(), s(t.priority.as_str())),
        ("status".to_string(), s(t.status.as_str())),
        ("opened_at".to_string(), s(to_key(t.opened_at))),
        ("source_event".to_string(), s(&t.source_event)),
        (
            "gsi1pk".to_string(),
            s(format!("CUSTOMER#{}", t.customer_id)),
        ),
        (
            "gsi1sk".to_string(),
            s(keys::ticket_in_index(t.opened_at, &t.number)),
        ),
        (
            "version".to_string(),
            n(i64::try_from(t.version).unwrap_or(i64::MAX)),
        ),
    ]);
    put_opt(&mut item, "order_id", t.order_id.as_deref());
    put_opt(&mut item, "product_id", t.product_id.as_deref());
    put_opt(&mut item, "summary", t.summary.as_deref());
    put_opt(&mut item, "channel", t.channel.map(Channel::as_str));
    put_opt(&mut item, "subject", t.subject.as_deref());
    let time = |t: Option<Timestamp>| t.map(to_key);
    put_opt(
        &mut item,
        "last_agent_reply_at",
        time(t.last_agent_reply_at).as_deref(),
    );
    put_opt(
        &mut item,
        "last_customer_reply_at",
        time(t.last_customer_reply_at).as_deref(),
    );
    put_opt(&mut item, "resolved_at", time(t.resolved_at).as_deref());
    if let Some((score, at)) = t.survey {
        item.insert("survey_score".to_string(), n(i64::from(score.stars())));
        item.insert("survey_at".to_string(), s(to_key(at)));
    }
    if let Some(sla) = &t.sla {
        for (prefix, timer) in [
            ("first_reply", &sla.first_reply),
            ("resolution", &sla.resolution),
        ] {
            item.insert(format!("{prefix}_warning_at"), s(to_key(timer.warning_at)));
            item.insert(format!("{prefix}_due"), s(to_key(timer.due)));
            item.insert(
                format!("{prefix}_warned"),
                AttributeValue::Bool(timer.warned),
            );
            item.insert(
                format!("{prefix}_breached"),
                AttributeValue::Bool(timer.breached),
            );
            if let Some((at, outcome)) = timer.stopped {
                item.insert(format!("{prefix}_stopped_at"), s(to_key(at)));
                item.insert(format!("{prefix}_outcome"), s(outcome.as_str()));
            }
        }
        put_opt(&mut item, "paused_since", time(sla.paused_since).as_deref());
        item.insert("paused_seconds".to_string(), n(sla.paused_total.as_secs()));
        put_opt(&mut item, "next_due", time(sla.next_due()).as_deref());
        // The due index (`by_due`, adapters/due.rs) holds the ticket while
        // an alarm is still to come; a put without these drops it.
        if let Some(next_due) = sla.next_due() {
            item.extend(crate::adapters::due::ticket_index_keys(&t.number, next_due));
        }
    }
    item
}

fn timer_from(r: &Reader<'_>, prefix: &str) -> Result<Timer> {
    let stopped = match r.opt_time(&format!("{prefix}_stopped_at"))? {
        Some(at) => Some((at, r.parsed(&format!("{prefix}_outcome"), Outcome::parse)?)),
        None => None,
    };
    let flag = |name: String| {
        r.item
            .get(&name)
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false)
    };
    Ok(Timer {
        warning_at: r.time(&format!("{prefix}_warning_at"))?,
        due: r.time(&format!("{prefix}_due"))?,
        stopped,
        warned: flag(format!("{prefix}_warned")),
        breached: flag(format!("{prefix}_breached")),
    })
}

pub(crate) fn ticket_from(item: &Item) -> Result<Ticket> {
    let r = Reader {
        item,
        what: "ticket",
    };
    let sla = if r.opt("first_reply_due").is_some() {
        Some(SlaClock {
            first_reply: timer_from(&r, "first_reply")?,
            resolution: timer_from(&r, "resolution")?,
            paused_since: r.opt_time("paused_since")?,
            paused_total: SignedDuration::from_secs(r.num("paused_seconds").unwrap_or(0)),
        })
    } else {
        None
    };
    let survey = match r.opt_time("survey_at")? {
        Some(at) => Some((
            u8::try_from(r.num("survey_score")?)
                .ok()
                .and_then(Rating::new)
                .ok_or_else(|| Error::corrupt("ticket", "survey_score out of range"))?,
            at,
        )),
        None => None,
    };
    Ok(Ticket {
        number: r.parsed("number", TicketNumber::parse)?,
        customer_id: r.req("customer_id")?.to_owned(),
        origin: r.parsed("origin", Origin::parse)?,
        category: r.parsed("category", Category::parse)?,
        priority: r.parsed("priority", Priority::parse)?,
        status: r.parsed("status", Status::parse)?,
        opened_at: r.time("opened_at")?,
        source_event: r.req("source_event")?.to_owned(),
        order_id: r.opt("order_id").map(str::to_owned),
        product_id: r.opt("product_id").map(str::to_owned),
        summary: r.opt("summary").map(str::to_owned),
        channel: r.opt("channel").and_then(Channel::parse),
        subject: r.opt("subject").map(str::to_owned),
        sla,
        last_agent_reply_at: r.opt_time("last_agent_reply_at")?,
        last_customer_reply_at: r.opt_time("last_customer_reply_at")?,
        resolved_at: r.opt_time("resolved_at")?,
        survey,
        version: u64::try_from(r.num("version").unwrap_or(0)).unwrap_or(0),
    })
}

/// Which items of a cancelled transaction failed their condition.
pub(crate) fn cancelled_items(err: &TransactWriteItemsError) -> Option<Vec<bool>> {
    match err {
        TransactWriteItemsError::TransactionCanceledException(e) => Some(
            e.cancellation_reasons()
                .iter()
                .map(|r| r.code() == Some("ConditionalCheckFailed"))
                .collect(),
        ),
        _ => None,
    }
}

pub(crate) fn put(table: &str, item: Item, condition: &str) -> Result<TransactWriteItem> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression(condition)
        .build()
        .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// A review's item in its customer's partition.
pub(crate) fn review_item(review: &ReviewRecord) -> Item {
    let mut item = key(
        keys::customer(&review.customer_id),
        keys::review(review.posted_at, &review.event_key),
    );
    item.extend([
        ("customer_id".to_string(), s(review.customer_id.as_str())),
        ("event".to_string(), s(&review.event_key)),
        ("posted_at".to_string(), s(to_key(review.posted_at))),
        ("rating".to_string(), n(i64::from(review.rating.stars()))),
        (
            "negative".to_string(),
            AttributeValue::Bool(review.negative),
        ),
    ]);
    put_opt(&mut item, "product_id", review.product_id.as_deref());
    put_opt(&mut item, "product_name", review.product_name.as_deref());
    put_opt(&mut item, "order_id", review.order_id.as_deref());
    put_opt(&mut item, "text", review.text.as_deref());
    item
}

impl CustomerStore for DynamoStore {
    async fn customer(&self, id: &CustomerId) -> Result<Option<Customer>> {
        self.get(&self.table, key(keys::customer(id), keys::PROFILE))
            .await?
            .as_ref()
            .map(customer_from)
            .transpose()
    }

    async fn save_contact(
        &self,
        id: &CustomerId,
        contact: &ContactDetails,
        as_of: Timestamp,
    ) -> Result<()> {
        let mut sets = vec![
            "customer_id = :id",
            "created_at = if_not_exists(created_at, :t)",
        ];
        let mut names = HashMap::new();
        let mut values = HashMap::from([
            (":id".to_string(), s(id.as_str())),
            (":t".to_string(), s(to_key(as_of))),
        ]);
        let fields = [
            ("email", contact.email.as_ref().map(EmailAddress::as_str)),
            ("name", contact.name.as_deref()),
            ("locale", contact.locale.as_deref()),
            ("time_zone", contact.time_zone.as_deref()),
        ];
        let mut assignments = Vec::new();
        for (field, value) in fields {
            if let Some(v) = value {
                names.insert(format!("#{field}"), field.to_string());
                values.insert(format!(":{field}"), s(v));
                assignments.push(format!("#{field} = :{field}"));
            }
        }
        let has_details = !assignments.is_empty();
        if has_details {
            sets.push("contact_updated_at = :t");
        }
        let expression = format!(
            "SET {}",
            sets.iter()
                .map(|s| s.to_string())
                .chain(assignments)
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::customer(id), keys::PROFILE)))
            .update_expression(expression)
            .set_expression_attribute_values(Some(values));
        if has_details {
            // Details from an older event than the stored ones are stale.
            request = request
                .condition_expression(
                    "attribute_not_exists(contact_updated_at) OR contact_updated_at <= :t",
                )
                .set_expression_attribute_names(Some(names));
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(UpdateItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                tracing::info!("contact details older than the stored ones were not written");
                Ok(())
            }
            Err(e) => Err(aws_error("dynamodb", "UpdateItem", e)),
        }
    }

    async fn record_review(&self, review: &ReviewRecord) -> Result<()> {
        let item = review_item(review);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| aws_error("dynamodb", "PutItem", e))?;
        Ok(())
    }
}

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
        let customer =
            CustomerId::parse(&coupon.customer_id).map_err(|e| Error::corrupt("coupon", e))?;
        let mut by_code = key(keys::coupon(&coupon.code), "COUPON");
        by_code.extend(coupon_item(coupon));
        let mut by_cause = key(
            keys::customer(&customer),
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
                .set_key(Some(key(keys::customer(&customer), keys::PROFILE)))
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
                .issued_for(&customer, coupon.reason, &coupon.source_event)
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
}

impl TicketStore for DynamoStore {
    async fn open(&self, ticket: &Ticket) -> Result<OpenOutcome> {
        let customer =
            CustomerId::parse(&ticket.customer_id).map_err(|e| Error::corrupt("ticket", e))?;
        let mut by_cause = key(
            keys::customer(&customer),
            keys::ticket_by_cause(ticket.origin, &ticket.source_event),
        );
        by_cause.insert("number".to_string(), s(ticket.number.as_str()));
        let items = vec![
            put(&self.table, ticket_item(ticket), "attribute_not_exists(pk)")?,
            put(&self.table, by_cause, "attribute_not_exists(pk)")?,
        ];
        let failed = self.transact(items).await?;
        if failed.is_empty() {
            return Ok(OpenOutcome::Opened(ticket.clone()));
        }
        if failed.get(1) == Some(&true) {
            return match self
                .opened_for(&customer, ticket.origin, &ticket.source_event)
                .await?
            {
                Some(existing) => Ok(OpenOutcome::AlreadyOpened(existing)),
                None => Err(Error::corrupt("ticket", "reported as opened but not found")),
            };
        }
        Ok(OpenOutcome::NumberTaken)
    }

    async fn ticket(&self, number: &TicketNumber) -> Result<Option<Ticket>> {
        self.get(&self.table, key(keys::ticket(number), "TICKET"))
            .await?
            .as_ref()
            .map(ticket_from)
            .transpose()
    }

    async fn save(&self, ticket: &Ticket) -> Result<bool> {
        let mut stored = ticket.clone();
        stored.version = ticket.version + 1;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(ticket_item(&stored)))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", n(i64::try_from(ticket.version).unwrap_or(i64::MAX)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(aws_error("dynamodb", "PutItem", e)),
        }
    }

    async fn complaints_between(
        &self,
        customer: &CustomerId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<u32> {
        let mut count = 0u32;
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(BY_CUSTOMER_INDEX)
                .key_condition_expression("gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to")
                .filter_expression("origin = :complaint")
                .expression_attribute_values(":pk", s(keys::customer(customer)))
                .expression_attribute_values(":from", s(format!("TICKET#{}", to_key(from))))
                .expression_attribute_values(":to", s(format!("TICKET#{}", to_key(to))))
                .expression_attribute_values(":complaint", s(Origin::Complaint.as_str()))
                .select(aws_sdk_dynamodb::types::Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| aws_error("dynamodb", "Query", e))?;
            count += u32::try_from(out.count).unwrap_or(0);
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(count),
            }
        }
    }

    async fn ticket_with_customer(
        &self,
        number: &TicketNumber,
        customer: &CustomerId,
    ) -> Result<(Option<Ticket>, Option<Customer>)> {
        let ticket_key = key(keys::ticket(number), "TICKET");
        let customer_key = key(keys::customer(customer), keys::PROFILE);
        let mut wanted = vec![ticket_key, customer_key];
        let (mut ticket, mut found) = (None, None);
        // Keys DynamoDB left unprocessed are asked again.
        for _ in 0..5 {
            let request = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
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
            for item in out
                .responses
                .unwrap_or_default()
                .remove(&self.table)
                .unwrap_or_default()
            {
                match item
                    .get("sk")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                {
                    Some("TICKET") => ticket = Some(ticket_from(&item)?),
                    Some(keys::PROFILE) => found = Some(customer_from(&item)?),
                    _ => {}
                }
            }
            match out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)) {
                Some(left) if !left.keys.is_empty() => wanted = left.keys,
                _ => return Ok((ticket, found)),
            }
        }
        Err(Error::Exhausted("reading a ticket and its customer"))
    }

    async fn opened_for(
        &self,
        customer: &CustomerId,
        origin: Origin,
        source_event: &str,
    ) -> Result<Option<Ticket>> {
        let Some(pointer) = self
            .get(
                &self.table,
                key(
                    keys::customer(customer),
                    keys::ticket_by_cause(origin, source_event),
                ),
            )
            .await?
        else {
            return Ok(None);
        };
        let number = Reader {
            item: &pointer,
            what: "ticket pointer",
        }
        .parsed("number", TicketNumber::parse)?;
        match self
            .get(&self.table, key(keys::ticket(&number), "TICKET"))
            .await?
        {
            Some(item) => ticket_from(&item).map(Some),
            None => Err(Error::corrupt(
                number.to_string(),
                "the ticket a pointer names is missing",
            )),
        }
    }
}

const IN_PROGRESS: &str = "in_progress";
const DONE: &str = "done";

impl IdempotencyStore for DynamoStore {
    async fn claim(
        &self,
        claim_key: &str,
        lease_until: Timestamp,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Claim> {
        let item = HashMap::from([
            ("pk".to_string(), s(claim_key)),
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
                        HashMap::from([("pk".to_string(), s(claim_key))]),
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
        claim_key: &str,
        result: Option<&str>,
        expires_at: Timestamp,
    ) -> Result<()> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.idempotency_table)
            .key("pk", s(claim_key))
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

    async fn release(&self, claim_key: &str) -> Result<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.idempotency_table)
            .key("pk", s(claim_key))
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
