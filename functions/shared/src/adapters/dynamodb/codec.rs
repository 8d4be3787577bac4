//! Customers, coupons, tickets and reviews to items and back, and the
//! transaction helpers every store shares.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use jiff::{SignedDuration, Timestamp};

use super::item::*;
use super::keys;
use crate::adapters::build_error;
use crate::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
use crate::domain::customer::{ContactDetails, Customer, CustomerId};
use crate::domain::history::{OrderTicket, PastCoupon, PastOrder, PastTicket};
use crate::domain::mail::EmailAddress;
use crate::domain::order::{OrderId, Stage};
use crate::domain::rating::Rating;
use crate::domain::sla::{Outcome, SlaClock, Timer};
use crate::domain::thread::ThreadMessage;
use crate::domain::ticket::{
    Category, Channel, Origin, Priority, ResolvedAs, Status, Ticket, TicketNumber,
};
use crate::ports::ReviewRecord;
use crate::time::to_key;
use crate::{Error, Result};

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
        marketing_consent: item
            .get("marketing_consent")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
        greeted_at: r.opt_time("greeted_at")?,
    })
}

pub(crate) fn coupon_item(c: &Coupon) -> Item {
    let CouponValue::Percent(p) = c.value;
    HashMap::from([
        ("code".to_string(), s(c.code.as_str())),
        ("customer_id".to_string(), s(c.customer_id.as_str())),
        ("reason".to_string(), s(c.reason.as_str())),
        ("percent".to_string(), n(i64::from(p))),
        ("issued_at".to_string(), s(to_key(c.issued_at))),
        ("expires_at".to_string(), s(to_key(c.expires_at))),
        ("source_event".to_string(), s(&c.source_event)),
    ])
}

/// A coupon's own item, under its code, with its place in the index of
/// coupons by issue day (`gsi4pk`, `gsi4sk`): what the export reads.
pub(crate) fn coupon_by_code_item(c: &Coupon) -> Item {
    let mut item = key(keys::coupon(&c.code), "COUPON");
    item.extend(coupon_item(c));
    let day = c.issued_at.to_zoned(jiff::tz::TimeZone::UTC).date();
    item.insert("gsi4pk".to_string(), s(keys::issued_day(day)));
    item.insert(
        "gsi4sk".to_string(),
        s(keys::issued_at(c.issued_at, &c.code)),
    );
    item
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
        customer_id: r.parsed("customer_id", |s| CustomerId::parse(s).ok())?,
        reason: r.parsed("reason", CouponReason::parse)?,
        value: CouponValue::Percent(percent),
        issued_at: r.time("issued_at")?,
        expires_at: r.time("expires_at")?,
        source_event: r.req("source_event")?.to_owned(),
    })
}

/// A coupon's redemption, under its code.
pub(crate) fn redemption_item(r: &crate::domain::redemption::Redemption) -> Item {
    let mut item = key(keys::redemption(&r.code), keys::REDEMPTION);
    item.extend([
        ("code".to_string(), s(r.code.as_str())),
        ("reason".to_string(), s(r.reason.as_str())),
        ("order_id".to_string(), s(r.order_id.as_str())),
        ("redeemed_at".to_string(), s(to_key(r.at))),
    ]);
    if let Some(cents) = r.total_cents {
        item.insert("total_cents".to_string(), n(cents));
    }
    if let Some(currency) = &r.currency {
        item.insert("currency".to_string(), s(currency));
    }
    if let Some(issued) = r.issued_at {
        item.insert("issued_at".to_string(), s(to_key(issued)));
    }
    if !r.reused_by.is_empty() {
        // A string set, as `ADD` builds it (it may hold no empty set).
        let orders = r.reused_by.iter().map(|o| o.as_str().to_owned()).collect();
        item.insert("reused_by".to_string(), AttributeValue::Ss(orders));
    }
    item
}

pub(crate) fn redemption_from(item: &Item) -> Result<crate::domain::redemption::Redemption> {
    let r = Reader {
        item,
        what: "redemption",
    };
    let reused_by = match item.get("reused_by") {
        Some(AttributeValue::Ss(orders)) => orders
            .iter()
            .filter_map(|o| OrderId::parse(o).ok())
            .collect(),
        _ => Vec::new(),
    };
    Ok(crate::domain::redemption::Redemption {
        code: r.parsed("code", CouponCode::parse)?,
        reason: r.parsed("reason", CouponReason::parse)?,
        order_id: r.parsed("order_id", |s| OrderId::parse(s).ok())?,
        at: r.time("redeemed_at")?,
        total_cents: r.num("total_cents").ok(),
        currency: r.opt("currency").map(str::to_owned),
        issued_at: r.opt_time("issued_at")?,
        reused_by,
    })
}

/// A coupon by cause, as the history counts it.
pub(crate) fn past_coupon_from(item: &Item) -> Result<PastCoupon> {
    let r = Reader {
        item,
        what: "coupon",
    };
    Ok(PastCoupon {
        reason: r.parsed("reason", CouponReason::parse)?,
        issued_at: r.time("issued_at")?,
    })
}

/// The order's last ticket, in its customer's partition.
pub(crate) fn order_ticket_from(item: &Item) -> Result<OrderTicket> {
    let r = Reader {
        item,
        what: "order's ticket",
    };
    Ok(OrderTicket {
        order_id: r.req("order_id")?.to_owned(),
        number: r.parsed("number", TicketNumber::parse)?,
    })
}

/// A message that joined a ticket, in its customer's partition.
pub(crate) fn thread_message_item(m: &ThreadMessage) -> Item {
    let mut item = key(
        keys::customer(&m.customer_id),
        keys::thread_message(&m.ticket, m.message),
    );
    item.extend([
        ("ticket".to_string(), s(m.ticket.as_str())),
        ("customer_id".to_string(), s(m.customer_id.as_str())),
        ("message".to_string(), n(i64::from(m.message))),
        ("channel".to_string(), s(m.channel.as_str())),
        ("at".to_string(), s(to_key(m.at))),
        ("text".to_string(), s(&m.text)),
    ]);
    put_opt(&mut item, "subject", m.subject.as_deref());
    item
}

/// A message that joined a ticket, read back.
pub(crate) fn thread_message_from(item: &Item) -> Result<ThreadMessage> {
    let r = Reader {
        item,
        what: "ticket message",
    };
    Ok(ThreadMessage {
        ticket: r.parsed("ticket", TicketNumber::parse)?,
        customer_id: r.parsed("customer_id", |s| CustomerId::parse(s).ok())?,
        message: u32::try_from(r.num("message")?)
            .map_err(|_| Error::corrupt("ticket message", "its place is out of range"))?,
        channel: r.parsed("channel", Channel::parse)?,
        at: r.time("at")?,
        subject: r.opt("subject").map(str::to_owned),
        text: r.req("text")?.to_owned(),
    })
}

/// An order's link in its customer's partition.
pub(crate) fn past_order_from(item: &Item) -> Result<PastOrder> {
    let r = Reader {
        item,
        what: "order link",
    };
    Ok(PastOrder {
        id: r.parsed("order_id", |v| OrderId::parse(v).ok())?,
        stage: r.opt("stage").and_then(Stage::parse),
        placed_at: r.opt_time("placed_at")?,
    })
}

pub(crate) fn ticket_item(t: &Ticket) -> Item {
    let mut item = key(keys::ticket(&t.number), "TICKET");
    item.extend([
        ("number".to_string(), s(t.number.as_str())),
        ("customer_id".to_string(), s(t.customer_id.as_str())),
        ("origin".to_string(), s(t.origin.as_str())),
        ("category".to_string(), s(t.category.as_str())),
        ("priority".to_string(), s(t.priority.as_str())),
        ("status".to_string(), s(t.status.as_str())),
        ("opened_at".to_string(), s(to_key(t.opened_at))),
        ("source_event".to_string(), s(&t.source_event)),
        ("gsi1pk".to_string(), s(keys::customer(&t.customer_id))),
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
    if !t.channels.is_empty() {
        let channels: Vec<&str> = t.channels.iter().map(|c| c.as_str()).collect();
        item.insert("channels".to_string(), s(channels.join(",")));
    }
    if t.messages > 0 {
        item.insert("messages".to_string(), n(i64::from(t.messages)));
    }
    let time = |t: Option<Timestamp>| t.map(to_key);
    put_opt(
        &mut item,
        "acknowledged_at",
        time(t.acknowledged_at).as_deref(),
    );
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
    put_opt(
        &mut item,
        "resolved_as",
        t.resolved_as.map(ResolvedAs::as_str),
    );
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
            item.extend(keys::ticket_index_keys(&t.number, next_due));
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

/// A ticket as the customer index carries it: its number and opening time
/// from the index's sort key (`TICKET#<opened at>#<number>`), origin,
/// status and survey from the projection.
pub(crate) fn past_ticket_from(item: &Item) -> Result<PastTicket> {
    let r = Reader {
        item,
        what: "ticket in the customer index",
    };
    let (opened_at, number) = r
        .req("gsi1sk")?
        .strip_prefix("TICKET#")
        .and_then(|rest| rest.rsplit_once('#'))
        .and_then(|(at, number)| Some((at.parse().ok()?, TicketNumber::parse(number)?)))
        .ok_or_else(|| {
            Error::corrupt(
                "ticket in the customer index",
                "gsi1sk is not TICKET#<time>#<number>",
            )
        })?;
    Ok(PastTicket {
        number,
        origin: r.parsed("origin", Origin::parse)?,
        opened_at,
        status: r.parsed("status", Status::parse)?,
        survey: survey_from(&r)?,
    })
}

fn survey_from(r: &Reader<'_>) -> Result<Option<(Rating, Timestamp)>> {
    Ok(match r.opt_time("survey_at")? {
        Some(at) => Some((
            u8::try_from(r.num("survey_score")?)
                .ok()
                .and_then(Rating::new)
                .ok_or_else(|| Error::corrupt(r.what, "survey_score out of range"))?,
            at,
        )),
        None => None,
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
    let survey = survey_from(&r)?;
    Ok(Ticket {
        number: r.parsed("number", TicketNumber::parse)?,
        customer_id: r.parsed("customer_id", |s| CustomerId::parse(s).ok())?,
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
        channels: r
            .opt("channels")
            .map(|all| all.split(',').filter_map(Channel::parse).collect())
            .unwrap_or_default(),
        messages: u32::try_from(r.num("messages").unwrap_or(0)).unwrap_or(u32::MAX),
        acknowledged_at: r.opt_time("acknowledged_at")?,
        sla,
        last_agent_reply_at: r.opt_time("last_agent_reply_at")?,
        last_customer_reply_at: r.opt_time("last_customer_reply_at")?,
        resolved_at: r.opt_time("resolved_at")?,
        resolved_as: r.opt("resolved_as").and_then(ResolvedAs::parse),
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
