//! Tickets that wait on the customer ([`memnun_shared::domain::waiting`]):
//! the clock kept when an agent's reply leaves a ticket waiting, and what
//! it does when the sweep sends it back, `ticket.waiting`.
//!
//! - **reminder**: one friendly email, and the next clock kept, in one
//!   commit with the count;
//! - **resolve**: the ticket resolved as "no reply" over the version it
//!   was read at, counted apart, and `ticket.closed` published so the help
//!   desk solves its ticket. No survey: there was nothing to rate.
//!
//! A clock whose ticket moved on since (the customer answered on any
//! channel, the agent wrote again, the ticket was resolved) does nothing.

use memnun_shared::contract::waiting::{TICKET_WAITING, TicketWaiting};
use memnun_shared::domain::digest::names;
use memnun_shared::domain::mail::tickets::Reminder;
use memnun_shared::domain::ticket::ResolvedAs;
use memnun_shared::domain::waiting::{self, Stage};
use memnun_shared::keys::WorkKey;

use super::*;

/// The reminder's email, step 2 of its unit.
const REMINDED: u8 = 2;

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: Store,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    /// Keeps the first clock of `ticket`, which waits on the customer since
    /// the agent's reply at `since` (keeping it again changes nothing).
    pub(crate) async fn start_waiting(&self, ticket: &Ticket, since: Timestamp) -> Result<()> {
        let Some(stage) = self.config.waiting.first() else {
            return Ok(());
        };
        let clock = self.clock(ticket, stage, since);
        self.store.schedule(&clock.to_scheduled(SOURCE)).await
    }

    fn clock(&self, ticket: &Ticket, stage: Stage, since: Timestamp) -> TicketWaiting {
        TicketWaiting {
            ticket_id: ticket.number.clone(),
            customer_id: ticket.customer_id.clone(),
            stage,
            since,
            due: self.config.waiting.due(stage, since, &self.config.calendar),
        }
    }

    /// A `ticket.waiting` from the sweep: one unit of work, by its id.
    pub(crate) async fn waiting_message(
        &self,
        message: SqsMessage,
        deadline: Timestamp,
    ) -> Result<Outcome> {
        let body = message
            .body
            .ok_or_else(|| Error::contract("body", "is empty"))?;
        let (meta, clock) = TicketWaiting::parse(&body)?;
        memnun_shared::batch::record_event(&meta.id, TICKET_WAITING);
        let key = WorkKey::event("complaint-intake", &meta);
        let ttl = self.config.resources.idempotency_ttl_days;
        let Some(unit) = Unit::begin(&self.store, key, deadline, ttl).await? else {
            return Ok("duplicate");
        };
        let result = self.waiting(&clock, &unit).await;
        unit.end(result).await
    }

    async fn waiting(&self, clock: &TicketWaiting, unit: &Unit<'_, S>) -> Result<Outcome> {
        let kept = match unit.saved::<Kept>()? {
            Some(kept) if unit.committed() => kept,
            _ => {
                let ticket = self
                    .store
                    .ticket(&clock.ticket_id)
                    .await?
                    .ok_or_else(|| Error::NotFound(format!("ticket {}", clock.ticket_id)))?;
                if !waiting::still_waiting(&ticket, clock.since) {
                    return Ok("no longer waiting: nothing to do");
                }
                let committed = match clock.stage {
                    Stage::Reminder => self.commit_reminder(clock, unit, &ticket).await?,
                    Stage::Resolve => self.commit_no_reply(clock, unit, ticket).await?,
                };
                match committed {
                    Some(kept) => kept,
                    None => return Ok("answered meanwhile: nothing to do"),
                }
            }
        };
        match clock.stage {
            Stage::Reminder => self.remind(clock, unit, &kept).await,
            Stage::Resolve => {
                let how = (clock.due, ResolvedAs::NoReply);
                self.publish_closed(unit, &clock.ticket_id, how, &kept)
                    .await?;
                Ok("resolved as no reply; the help desk told")
            }
        }
    }

    /// The reminder's count and the next clock, in one commit.
    async fn commit_reminder(
        &self,
        clock: &TicketWaiting,
        unit: &Unit<'_, S>,
        ticket: &Ticket,
    ) -> Result<Option<Kept>> {
        let week = Week::of(clock.due, &self.config.shop.time_zone);
        let mut writes = vec![Write::Count(week, vec![(names::REMINDED.to_owned(), 1)])];
        let next = self
            .config
            .waiting
            .after(Stage::Reminder)
            .map(|stage| self.clock(ticket, stage, clock.since));
        if let Some(next) = &next {
            writes.push(Write::Schedule(next.to_scheduled(SOURCE)));
        }
        let kept = Kept {
            ticket: Some(ticket.number.to_string()),
            at: next.map(|n| memnun_shared::time::to_key(n.due)),
            ..Kept::default()
        };
        if !unit.commit(&writes, &kept).await?.is_empty() {
            return Err(Error::Exhausted("reminder commit (the unit moved on)"));
        }
        Ok(Some(kept))
    }

    /// The reminder itself, to the customer's address.
    async fn remind(
        &self,
        clock: &TicketWaiting,
        unit: &Unit<'_, S>,
        kept: &Kept,
    ) -> Result<Outcome> {
        let contact = app::refresh_customer(
            &self.store,
            &clock.customer_id,
            &Default::default(),
            clock.due,
        )
        .await?;
        let Some(to) = contact.email.clone() else {
            return Ok("still waiting; no address to remind");
        };
        let shop = &self.config.shop;
        let closes_at = kept.at.as_deref().and_then(|at| at.parse().ok());
        let rendered = mails::reminder(
            contact.locale(shop.default_locale),
            &Reminder {
                shop: &shop.name,
                name: contact.name.as_deref(),
                ticket: &clock.ticket_id,
                asked_at: clock.since,
                closes_at,
                customer_tz: &contact.time_zone(&shop.time_zone),
                reply_reaches_ticket: self.config.reply_to.is_some(),
            },
        )?;
        let email = OutgoingEmail::new(to, rendered, "reminder")
            .with_reply_to(self.config.reply_to.clone());
        unit.effect(REMINDED, || self.mailer.send(&email)).await?;
        tracing::info!(ticket = %clock.ticket_id, "customer reminded");
        Ok("customer reminded")
    }

    /// The ticket resolved as no reply over its version, with its count;
    /// `None` when the customer answered in between.
    async fn commit_no_reply(
        &self,
        clock: &TicketWaiting,
        unit: &Unit<'_, S>,
        ticket: Ticket,
    ) -> Result<Option<Kept>> {
        let since = clock.since;
        self.commit_close(
            unit,
            ticket,
            (clock.due, ResolvedAs::NoReply),
            vec![(names::NO_REPLY.to_owned(), 1)],
            |t| waiting::still_waiting(t, since),
        )
        .await
    }
}
