//! The [`TicketStore`] over the main table: tickets by number, by cause
//! and through the customer index.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use jiff::Timestamp;

use super::codec::*;
use super::item::*;
use super::keys;
use super::{BY_CUSTOMER_INDEX, DynamoStore};
use crate::adapters::aws_error;
use crate::domain::customer::{Customer, CustomerId};
use crate::domain::history::PastTicket;
use crate::domain::ticket::{Origin, Ticket, TicketNumber};
use crate::ports::{OpenOutcome, TicketStore};
use crate::time::to_key;
use crate::{Error, Result};

impl TicketStore for DynamoStore {
    async fn open(&self, ticket: &Ticket) -> Result<OpenOutcome> {
        let mut by_cause = key(
            keys::customer(&ticket.customer_id),
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
                .opened_for(&ticket.customer_id, ticket.origin, &ticket.source_event)
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

    async fn tickets_between(
        &self,
        customer: &CustomerId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<PastTicket>> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            // The index carries origin, status and the survey's score
            // besides the keys: what the priority and the history read.
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(BY_CUSTOMER_INDEX)
                .key_condition_expression("gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to")
                .expression_attribute_values(":pk", s(keys::customer(customer)))
                .expression_attribute_values(":from", s(format!("TICKET#{}", to_key(from))))
                .expression_attribute_values(":to", s(format!("TICKET#{}~", to_key(to))))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| aws_error("dynamodb", "Query", e))?;
            for item in out.items.unwrap_or_default() {
                found.push(past_ticket_from(&item)?);
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(found),
            }
        }
    }

    async fn ticket_with_customer(
        &self,
        number: &TicketNumber,
        customer: &CustomerId,
    ) -> Result<(Option<Ticket>, Option<Customer>)> {
        let wanted = vec![
            key(keys::ticket(number), "TICKET"),
            key(keys::customer(customer), keys::PROFILE),
        ];
        let (mut ticket, mut found) = (None, None);
        for item in self.batch_get(wanted).await? {
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
        Ok((ticket, found))
    }

    async fn thread_message(
        &self,
        customer: &CustomerId,
        ticket: &TicketNumber,
        message: u32,
    ) -> Result<Option<crate::domain::thread::ThreadMessage>> {
        self.get(
            &self.table,
            key(
                keys::customer(customer),
                keys::thread_message(ticket, message),
            ),
        )
        .await?
        .as_ref()
        .map(thread_message_from)
        .transpose()
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
