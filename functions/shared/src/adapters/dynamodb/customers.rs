//! The [`CustomerStore`] over the main table: a customer's own item and
//! their reviews.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use jiff::Timestamp;

use super::DynamoStore;
use super::codec::*;
use super::item::*;
use super::keys;
use crate::Result;
use crate::adapters::aws_error;
use crate::domain::customer::{ContactDetails, Customer, CustomerId};
use crate::domain::history::Footprint;
use crate::domain::mail::EmailAddress;
use crate::ports::{CustomerStore, ReviewRecord};
use crate::time::to_key;

impl CustomerStore for DynamoStore {
    async fn customer(&self, id: &CustomerId) -> Result<Option<Customer>> {
        self.get(&self.table, key(keys::customer(id), keys::PROFILE))
            .await?
            .as_ref()
            .map(customer_from)
            .transpose()
    }

    async fn customer_with_footprint(
        &self,
        id: &CustomerId,
    ) -> Result<(Option<Customer>, Footprint)> {
        let mut customer = None;
        let mut footprint = Footprint::default();
        let mut start = None;
        loop {
            // `COUPON#…` < `OPENED#ORDER#…` < `ORDER#…` < `PROFILE`: the
            // coupons by cause, the orders' last tickets, the order links
            // and the profile, and nothing else of the partition (reviews,
            // returns, ticket causes and messages sort after).
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
                .expression_attribute_values(":pk", s(keys::customer(id)))
                .expression_attribute_values(":from", s("COUPON#"))
                .expression_attribute_values(":to", s(keys::PROFILE))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| aws_error("dynamodb", "Query", e))?;
            for item in out.items.unwrap_or_default() {
                let sk = item
                    .get("sk")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str);
                match sk {
                    Some(keys::PROFILE) => customer = Some(customer_from(&item)?),
                    Some(sk) if sk.starts_with("COUPON#") => {
                        footprint.coupons.push(past_coupon_from(&item)?);
                    }
                    Some(sk) if sk.starts_with("ORDER#") => {
                        footprint.orders.push(past_order_from(&item)?);
                    }
                    Some(sk) if sk.starts_with("OPENED#ORDER#") => {
                        footprint.order_tickets.push(order_ticket_from(&item)?);
                    }
                    _ => {}
                }
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok((customer, footprint)),
            }
        }
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
