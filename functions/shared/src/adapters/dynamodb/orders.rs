//! Orders in the main table: one item per order (`ORDER#<id>`, `ORDER`) and
//! one per return (`RETURN#<id>`, `RETURN`), each written over the version
//! it was read at, so two events of one order or return that race cannot
//! lose each other's facts.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use super::codec::customer_from;
use super::item::*;
use super::{DynamoStore, keys};
use crate::adapters::{aws_error, build_error};
use crate::contract::journey::Owner;
use crate::domain::customer::{Customer, CustomerId};
use crate::domain::order::{Lateness, Order, OrderId, OrderItem, Shipment, Stage};
use crate::domain::returns::{Approval, Refund, Return, ReturnId, ReturnKind};
use crate::domain::ticket::TicketNumber;
use crate::domain::watch::Watch;
use crate::ports::OrderStore;
use crate::time::to_key;
use crate::{Error, Result};

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
    put_opt(&mut item, "number", o.number.as_deref());
    if !o.items.is_empty() {
        let lines = o
            .items
            .iter()
            .map(|line| {
                let mut m = HashMap::from([("quantity".to_string(), n(i64::from(line.quantity)))]);
                put_opt(&mut m, "product_id", line.product_id.as_deref());
                put_opt(&mut m, "name", line.name.as_deref());
                AttributeValue::M(m)
            })
            .collect();
        item.insert("items".into(), AttributeValue::L(lines));
    }
    if let Some(sh) = &o.shipment {
        put_shipment(&mut item, "", sh);
    }
    put_opt(
        &mut item,
        "delayed_to",
        o.delayed_to.map(|d| d.to_string()).as_deref(),
    );
    if let Some((at, who)) = o.apologized {
        item.insert("apologized_at".into(), s(to_key(at)));
        item.insert("lateness".into(), s(who.as_str()));
    }
    if !o.refunds.is_empty() {
        let refunds = o
            .refunds
            .iter()
            .map(|(at, r)| {
                let mut m = HashMap::from([("at".to_string(), s(to_key(*at)))]);
                put_refund(&mut m, "", r);
                AttributeValue::M(m)
            })
            .collect();
        item.insert("refunds".into(), AttributeValue::L(refunds));
    }
    put_alerted(&mut item, &o.alerted);
    item
}

/// The clocks that alerted, as a map of watch to time.
fn put_alerted(item: &mut Item, alerted: &[(Watch, jiff::Timestamp)]) {
    if !alerted.is_empty() {
        let map = alerted
            .iter()
            .map(|(w, at)| (w.as_str().to_string(), s(to_key(*at))))
            .collect();
        item.insert("alerted".into(), AttributeValue::M(map));
    }
}

fn alerted_from(item: &Item, what: &'static str) -> Result<Vec<(Watch, jiff::Timestamp)>> {
    let Some(v) = item.get("alerted") else {
        return Ok(Vec::new());
    };
    let map = v
        .as_m()
        .map_err(|_| Error::corrupt(what, "attribute alerted is not a map"))?;
    let r = Reader { item: map, what };
    let mut alerted = Vec::with_capacity(map.len());
    for name in map.keys() {
        let watch = Watch::parse(name)
            .ok_or_else(|| Error::corrupt(what, "attribute alerted names an unknown watch"))?;
        alerted.push((watch, r.time(name)?));
    }
    alerted.sort();
    Ok(alerted)
}

/// A parcel's attributes, their names after `prefix`.
fn put_shipment(item: &mut Item, prefix: &str, sh: &Shipment) {
    let name = |n: &str| format!("{prefix}{n}");
    put_opt(item, &name("carrier"), sh.carrier.as_deref());
    put_opt(
        item,
        &name("tracking_number"),
        sh.tracking_number.as_deref(),
    );
    put_opt(item, &name("tracking_url"), sh.tracking_url.as_deref());
    put_opt(
        item,
        &name("estimated_delivery"),
        sh.estimated_delivery.map(|d| d.to_string()).as_deref(),
    );
}

/// A parcel read back from the attributes `put_shipment` wrote.
fn shipment_from(r: &Reader<'_>, prefix: &str) -> Result<Option<Shipment>> {
    let name = |n: &str| format!("{prefix}{n}");
    let sh = Shipment {
        carrier: r.opt(&name("carrier")).map(str::to_owned),
        tracking_number: r.opt(&name("tracking_number")).map(str::to_owned),
        tracking_url: r.opt(&name("tracking_url")).map(str::to_owned),
        estimated_delivery: opt_date(r, &name("estimated_delivery"))?,
    };
    Ok((sh != Shipment::default()).then_some(sh))
}

fn put_refund(item: &mut Item, prefix: &str, refund: &Refund) {
    item.insert(format!("{prefix}amount"), s(&refund.amount));
    item.insert(format!("{prefix}currency"), s(&refund.currency));
    put_opt(item, &format!("{prefix}method"), refund.method.as_deref());
}

fn refund_from(r: &Reader<'_>, prefix: &str) -> Result<Refund> {
    Ok(Refund {
        amount: r.req(&format!("{prefix}amount"))?.to_owned(),
        currency: r.req(&format!("{prefix}currency"))?.to_owned(),
        method: r.opt(&format!("{prefix}method")).map(str::to_owned),
    })
}

fn opt_date(r: &Reader<'_>, name: &str) -> Result<Option<jiff::civil::Date>> {
    r.opt(name)
        .map(|d| {
            d.parse()
                .map_err(|_| Error::corrupt(r.what, format!("attribute {name} is not a date")))
        })
        .transpose()
}

/// An order read back.
pub(crate) fn order_from(item: &Item) -> Result<Order> {
    let r = Reader {
        item,
        what: "order",
    };
    let mut refunds = Vec::new();
    if let Some(list) = item.get("refunds") {
        let list = list
            .as_l()
            .map_err(|_| Error::corrupt("order", "attribute refunds is not a list"))?;
        for entry in list {
            let m = entry
                .as_m()
                .map_err(|_| Error::corrupt("order", "a refund is not a map"))?;
            let refund = Reader {
                item: m,
                what: "order refund",
            };
            refunds.push((refund.time("at")?, refund_from(&refund, "")?));
        }
    }
    let mut items = Vec::new();
    if let Some(list) = item.get("items") {
        let list = list
            .as_l()
            .map_err(|_| Error::corrupt("order", "attribute items is not a list"))?;
        for entry in list {
            let m = entry
                .as_m()
                .map_err(|_| Error::corrupt("order", "an item is not a map"))?;
            let line = Reader {
                item: m,
                what: "order item",
            };
            items.push(OrderItem {
                product_id: line.opt("product_id").map(str::to_owned),
                name: line.opt("name").map(str::to_owned),
                quantity: u32::try_from(line.num("quantity")?).unwrap_or(1),
            });
        }
    }
    Ok(Order {
        id: r.parsed("order_id", |s| OrderId::parse(s).ok())?,
        customer_id: r.parsed("customer_id", |s| CustomerId::parse(s).ok())?,
        stage: r.parsed("stage", Stage::parse)?,
        placed_at: r.opt_time("placed_at")?,
        promised_date: opt_date(&r, "promised_date")?,
        number: r.opt("number").map(str::to_owned),
        items,
        shipment: shipment_from(&r, "")?,
        shipped_at: r.opt_time("shipped_at")?,
        delivered_at: r.opt_time("delivered_at")?,
        cancelled_at: r.opt_time("cancelled_at")?,
        delayed_to: opt_date(&r, "delayed_to")?,
        apologized: r
            .opt_time("apologized_at")?
            .map(|at| -> Result<_> { Ok((at, r.parsed("lateness", Lateness::parse)?)) })
            .transpose()?,
        refunds,
        alerted: alerted_from(item, "order")?,
        version: u64::try_from(r.num("version")?).unwrap_or(0),
    })
}

/// The transaction's put of an order: new, or over the version it was read
/// at.
pub(crate) fn order_put(table: &str, o: &Order) -> Result<TransactWriteItem> {
    versioned_put(table, order_item(o), o.version)
}

/// A put of `item`: new when `version` is 0, else over that version.
fn versioned_put(table: &str, item: Item, version: u64) -> Result<TransactWriteItem> {
    let put = Put::builder().table_name(table).set_item(Some(item));
    let put = if version == 0 {
        put.condition_expression("attribute_not_exists(pk)")
    } else {
        put.condition_expression("version = :read")
            .expression_attribute_values(":read", n(version as i64))
    };
    let put = put
        .build()
        .map_err(|e| build_error("dynamodb", "TransactWriteItems", e))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// A return's item, at the version after `r.version`.
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
    if let Some((at, a)) = &r.approved {
        item.insert("approved_at".into(), s(to_key(*at)));
        put_opt(&mut item, "label_url", a.label_url.as_deref());
        put_opt(&mut item, "instructions", a.instructions.as_deref());
        put_opt(
            &mut item,
            "ship_by",
            a.ship_by.map(|d| d.to_string()).as_deref(),
        );
    }
    if let Some((at, why)) = &r.rejected {
        item.insert("rejected_at".into(), s(to_key(*at)));
        item.insert("rejection".into(), s(why));
    }
    put_opt(
        &mut item,
        "received_at",
        r.received_at.map(to_key).as_deref(),
    );
    if let Some((at, refund)) = &r.refunded {
        item.insert("refunded_at".into(), s(to_key(*at)));
        put_refund(&mut item, "refund_", refund);
    }
    if let Some((at, parcel)) = &r.exchange {
        item.insert("exchange_at".into(), s(to_key(*at)));
        put_shipment(&mut item, "exchange_", parcel);
    }
    put_alerted(&mut item, &r.alerted);
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
        approved: r
            .opt_time("approved_at")?
            .map(|at| -> Result<_> {
                Ok((
                    at,
                    Approval {
                        label_url: r.opt("label_url").map(str::to_owned),
                        instructions: r.opt("instructions").map(str::to_owned),
                        ship_by: opt_date(&r, "ship_by")?,
                    },
                ))
            })
            .transpose()?,
        rejected: r
            .opt_time("rejected_at")?
            .map(|at| -> Result<_> { Ok((at, r.req("rejection")?.to_owned())) })
            .transpose()?,
        received_at: r.opt_time("received_at")?,
        refunded: r
            .opt_time("refunded_at")?
            .map(|at| -> Result<_> { Ok((at, refund_from(&r, "refund_")?)) })
            .transpose()?,
        exchange: r
            .opt_time("exchange_at")?
            .map(|at| -> Result<_> {
                Ok((at, shipment_from(&r, "exchange_")?.unwrap_or_default()))
            })
            .transpose()?,
        alerted: alerted_from(item, "return")?,
        version: u64::try_from(r.num("version")?).unwrap_or(0),
    })
}

/// The transaction's put of a return: new, or over the version it was read
/// at.
pub(crate) fn return_put(table: &str, r: &Return) -> Result<TransactWriteItem> {
    versioned_put(table, return_item(r), r.version)
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

    async fn owner(&self, owner: &Owner) -> Result<Option<CustomerId>> {
        let (pk, sk) = match owner {
            Owner::Order(id) => (keys::order(id), ORDER),
            Owner::Return(id) => (keys::return_request(id), RETURN),
        };
        let Some(item) = self.get(&self.table, key(pk, sk)).await? else {
            return Ok(None);
        };
        let r = Reader {
            item: &item,
            what: if sk == ORDER { "order" } else { "return" },
        };
        r.parsed("customer_id", |v| CustomerId::parse(v).ok())
            .map(Some)
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

    async fn returned(&self, customer: &CustomerId, order: &OrderId) -> Result<bool> {
        // The customer's return links (`RETURN#<id>`, written with each
        // return), filtered to this order: a customer has few returns.
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("pk = :pk AND begins_with(sk, :returns)")
                .filter_expression("order_id = :order")
                .expression_attribute_values(":pk", s(keys::customer(customer)))
                .expression_attribute_values(":returns", s("RETURN#"))
                .expression_attribute_values(":order", s(order.as_str()))
                .select(aws_sdk_dynamodb::types::Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| aws_error("dynamodb", "Query", e))?;
            if out.count > 0 {
                return Ok(true);
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(false),
            }
        }
    }
}
