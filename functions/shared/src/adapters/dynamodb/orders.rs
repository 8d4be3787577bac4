//! Orders in the main table: one item per order (`ORDER#<id>`, `ORDER`),
//! written over the version it was read at, so two events of one order that
//! race cannot lose each other's facts; and one per return request
//! (`RETURN#<id>`, `RETURN`), written once.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

use super::codec::customer_from;
use super::item::*;
use super::{DynamoStore, keys};
use crate::Result;
use crate::adapters::build_error;
use crate::domain::customer::{Customer, CustomerId};
use crate::domain::order::{Order, OrderId, Shipment, Stage};
use crate::domain::returns::{Return, ReturnId, ReturnKind};
use crate::domain::ticket::TicketNumber;
use crate::ports::OrderStore;
use crate::time::to_key;

/// The sort key of an order's item.
pub(crate) const ORDER: &str = "ORDER";
/// The sort key of a return request's item.
pub(crate) const RETURN: &str = "RETURN";

/// An order's item, at the version after `o.version`.
pub(crate) fn order_item(o: &Order) -> Item {
    let mut item = key(keys::order(&o.id), ORDER);
    item.insert("order_id".into(), s(o.id.as_str()));
    item.insert("customer_id".into(), s(o.customer_id.as_str()));
    item.insert("stage".into(), s(o.stage.as_str()));
    item.insert("version".into(), n(o.version.saturating_add(1) as i64));
    let time = |t: Option<jiff::Timestamp>| t.map(to_key);
    put_opt(&mut item, "placed_at", time(o.placed_at).as_deref());
    put_opt(&mut item, "shipped_at", time(o.shipped_at).as_deref());
    put_opt(&mut item, "delivered_at", time(o.delivered_at).as_deref());
    put_opt(&mut item, "cancelled_at", time(o.cancelled_at).as_deref());
    put_opt(
        &mut item,
        "promised_date",
        o.promised_date.map(|d| d.to_string()).as_deref(),
    );
    if let Some(sh) = &o.shipment {
        put_opt(&mut item, "carrier", sh.carrier.as_deref());
        put_opt(&mut item, "tracking_number", sh.tracking_number.as_deref());
        put_opt(&mut item, "tracking_url", sh.tracking_url.as_deref());
        put_opt(
            &mut item,
            "estimated_delivery",
            sh.estimated_delivery.map(|d| d.to_string()).as_deref(),
        );
    }
    item
}

/// An order read back.
pub(crate) fn order_from(item: &Item) -> Result<Order> {
    let r = Reader {
        item,
        what: "order",
    };
    let date = |name: &str| -> Result<Option<jiff::civil::Date>> {
        r.opt(name)
            .map(|d| {
                d.parse().map_err(|_| {
                    crate::Error::corrupt("order", format!("attribute {name} is not a date"))
                })
            })
            .transpose()
    };
    let shipped = r.opt("carrier").is_some()
        || r.opt("tracking_number").is_some()
        || r.opt("tracking_url").is_some()
        || r.opt("estimated_delivery").is_some();
    Ok(Order {
        id: r.parsed("order_id", |s| OrderId::parse(s).ok())?,
        customer_id: r.parsed("customer_id", |s| CustomerId::parse(s).ok())?,
        stage: r.parsed("stage", Stage::parse)?,
        placed_at: r.opt_time("placed_at")?,
        promised_date: date("promised_date")?,
        shipment: shipped
            .then(|| -> Result<Shipment> {
                Ok(Shipment {
                    carrier: r.opt("carrier").map(str::to_owned),
                    tracking_number: r.opt("tracking_number").map(str::to_owned),
                    tracking_url: r.opt("tracking_url").map(str::to_owned),
                    estimated_delivery: date("estimated_delivery")?,
                })
            })
            .transpose()?,
        shipped_at: r.opt_time("shipped_at")?,
        delivered_at: r.opt_time("delivered_at")?,
        cancelled_at: r.opt_time("cancelled_at")?,
        version: u64::try_from(r.num("version")?).unwrap_or(0),
    })
}

/// The transaction's put of an order: new, or over the version it was read
/// at.
pub(crate) fn order_put(table: &str, o: &Order) -> Result<TransactWriteItem> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(order_item(o)));
    let put = if o.version == 0 {
        put.condition_expression("attribute_not_exists(pk)")
    } else {
        put.condition_expression("version = :read")
            .expression_attribute_values(":read", n(o.version as i64))
    };
    let put = put
        .build()
        .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// A return request's item.
pub(crate) fn return_item(r: &Return) -> Item {
    let mut item = key(keys::return_request(&r.id), RETURN);
    item.insert("return_id".into(), s(r.id.as_str()));
    item.insert("order_id".into(), s(r.order_id.as_str()));
    item.insert("customer_id".into(), s(r.customer_id.as_str()));
    item.insert("kind".into(), s(r.kind.as_str()));
    item.insert("requested_at".into(), s(to_key(r.requested_at)));
    item.insert("ticket".into(), s(r.ticket.as_str()));
    item.insert("version".into(), n(r.version.saturating_add(1) as i64));
    put_opt(&mut item, "reason", r.reason.as_deref());
    item
}

/// A return request read back.
pub(crate) fn return_from(item: &Item) -> Result<Return> {
    let r = Reader {
        item,
        what: "return",
    };
    Ok(Return {
        id: r.parsed("return_id", |v| ReturnId::parse(v).ok())?,
        order_id: r.parsed("order_id", |v| OrderId::parse(v).ok())?,
        customer_id: r.parsed("customer_id", |v| CustomerId::parse(v).ok())?,
        kind: r.parsed("kind", ReturnKind::parse)?,
        reason: r.opt("reason").map(str::to_owned),
        requested_at: r.time("requested_at")?,
        ticket: r.parsed("ticket", TicketNumber::parse)?,
        version: u64::try_from(r.num("version")?).unwrap_or(0),
    })
}

/// The transaction's put of a new return request.
pub(crate) fn return_put(table: &str, r: &Return) -> Result<TransactWriteItem> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(return_item(r)))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

impl OrderStore for DynamoStore {
    async fn order_with_customer(
        &self,
        order: &OrderId,
        customer: &CustomerId,
    ) -> Result<(Option<Order>, Option<Customer>)> {
        let wanted = vec![
            key(keys::order(order), ORDER),
            key(keys::customer(customer), keys::PROFILE),
        ];
        let (mut found_order, mut found_customer) = (None, None);
        for item in self.batch_get(wanted).await? {
            match item
                .get("sk")
                .and_then(|v| v.as_s().ok())
                .map(String::as_str)
            {
                Some(ORDER) => found_order = Some(order_from(&item)?),
                Some(keys::PROFILE) => found_customer = Some(customer_from(&item)?),
                _ => {}
            }
        }
        Ok((found_order, found_customer))
    }

    async fn return_with_customer(
        &self,
        id: &ReturnId,
        customer: &CustomerId,
    ) -> Result<(Option<Return>, Option<Customer>)> {
        let wanted = vec![
            key(keys::return_request(id), RETURN),
            key(keys::customer(customer), keys::PROFILE),
        ];
        let (mut found_return, mut found_customer) = (None, None);
        for item in self.batch_get(wanted).await? {
            match item
                .get("sk")
                .and_then(|v| v.as_s().ok())
                .map(String::as_str)
            {
                Some(RETURN) => found_return = Some(return_from(&item)?),
                Some(keys::PROFILE) => found_customer = Some(customer_from(&item)?),
                _ => {}
            }
        }
        Ok((found_return, found_customer))
    }
}
