//! A complaint that continues an open ticket joins it
//! ([`memnun_shared::domain::thread`]): found by the number it names or by
//! its order, checked against the stored ticket, and committed as the
//! ticket's next message in one transaction with the contact details; then
//! `ticket.updated` and, unless the customer was told within the hour, a
//! short note that the message reached the ticket.

use memnun_shared::app::unit::KeptJoin;
use memnun_shared::domain::digest::names;
use memnun_shared::domain::history::Footprint;
use memnun_shared::domain::mail::tickets::Added;
use memnun_shared::domain::thread::{self, JoinedBy, MESSAGE_CHARS, ThreadMessage};

use super::*;

/// How many of the tickets a complaint names are looked up (each costs a
/// read): a message listing a dozen numbers must not cost a dozen calls.
const LOOKED_UP: usize = 3;

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: Store,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    /// The open ticket the complaint continues, read now, and how it was
    /// found; `None` when it continues none.
    async fn thread_of(
        &self,
        c: &ComplaintCreated,
        footprint: &Footprint,
    ) -> Result<Option<(Ticket, JoinedBy)>> {
        let order = c.order_id.as_deref();
        let candidates = thread::candidates(
            c.subject.as_deref(),
            &c.message,
            order,
            &footprint.order_tickets,
        );
        for (number, by) in candidates.into_iter().take(LOOKED_UP) {
            let Some(ticket) = self.store.ticket(&number).await? else {
                continue;
            };
            if thread::may_join(&ticket, &c.customer_id, order, by) {
                return Ok(Some((ticket, by)));
            }
            if ticket.customer_id != c.customer_id {
                tracing::warn!(ticket = %number, "the complaint names another customer's ticket: not joined");
            }
        }
        Ok(None)
    }

    /// Joins the complaint to the open ticket it continues, in one commit;
    /// `None` when it continues none (or the ticket was resolved meanwhile):
    /// a new ticket opens.
    pub(crate) async fn join(
        &self,
        meta: &EventMeta,
        c: &ComplaintCreated,
        unit: &Unit<'_, S>,
        mut stored: Option<memnun_shared::domain::customer::Customer>,
        footprint: &Footprint,
    ) -> Result<Option<Kept>> {
        let Some((mut ticket, by)) = self.thread_of(c, footprint).await? else {
            return Ok(None);
        };
        let now = meta.time;
        let order = c.order_id.as_deref();
        for _ in 0..UPDATE_ATTEMPTS {
            let read = ticket.clone();
            let joined = thread::join(&mut ticket, c.channel, now, &self.config.calendar);
            let message = ThreadMessage {
                ticket: ticket.number.clone(),
                customer_id: c.customer_id.clone(),
                message: joined.message,
                channel: c.channel,
                at: now,
                subject: c.subject.as_deref().map(|s| display_text(s, 200)),
                text: display_text(&c.message, MESSAGE_CHARS),
            };
            let mut writes = vec![
                Write::TicketChange(Box::new(ticket.clone())),
                Write::Message(message),
                Write::Count(
                    Week::of(now, &self.config.shop.time_zone),
                    vec![(names::JOINED.to_owned(), 1)],
                ),
            ];
            if let Some(contact) = unit::contact_write(stored.as_ref(), &c.customer, now) {
                writes.push(Write::Profile(ProfileWrite::contact(
                    c.customer_id.clone(),
                    contact,
                )));
            }
            let kept = Kept {
                ticket: Some(ticket.number.to_string()),
                joined: Some(KeptJoin {
                    message: joined.message,
                    by: by.as_str().to_owned(),
                    tell: joined.tell,
                }),
                ..Kept::default()
            }
            .with_messages(vec![outbound::ticket_updated(
                &ticket,
                joined.message,
                c.channel,
                by,
                now,
                SOURCE,
            )]);
            let conflicts = unit.commit(&writes, &kept).await?;
            if conflicts.is_empty() {
                tracing::info!(
                    ticket = %ticket.number,
                    joined_by = by.as_str(),
                    message = joined.message,
                    channel = %c.channel,
                    "complaint joined its open ticket"
                );
                return Ok(Some(kept));
            }
            if conflicts.contains(&Conflict::Profile) {
                stored = self.store.customer(&c.customer_id).await?;
            }
            ticket = if conflicts.contains(&Conflict::Ticket) {
                // Changed in between (a reply, another message): join what
                // it is now, if it still takes the complaint.
                match self.store.ticket(&read.number).await? {
                    Some(t) if thread::may_join(&t, &c.customer_id, order, by) => t,
                    _ => return Ok(None),
                }
            } else {
                read
            };
        }
        Err(Error::Exhausted("complaint join (too many conflicts)"))
    }

    /// After a join's commit: `ticket.updated`, then the note to the
    /// customer when it is due.
    pub(crate) async fn joined(
        &self,
        meta: &EventMeta,
        c: &ComplaintCreated,
        unit: &Unit<'_, S>,
        kept: &Kept,
        joined: &KeptJoin,
        contact: app::Contact,
    ) -> Result<Outcome> {
        let number = kept
            .ticket_number(&meta.key())?
            .ok_or_else(|| Error::corrupt(meta.key(), "the join kept no ticket number"))?;
        if unit.step() < PUBLISHED {
            let messages = if kept.messages.is_empty() {
                // A retry that found the commit in: rebuilt from the ticket.
                let ticket = self
                    .store
                    .ticket(&number)
                    .await?
                    .ok_or_else(|| Error::NotFound(format!("ticket {number}")))?;
                let by = JoinedBy::parse(&joined.by)
                    .ok_or_else(|| Error::corrupt(meta.key(), "the kept join is malformed"))?;
                vec![outbound::ticket_updated(
                    &ticket,
                    joined.message,
                    c.channel,
                    by,
                    meta.time,
                    SOURCE,
                )]
            } else {
                kept.messages.clone()
            };
            let queue = &self.config.resources.outbound_queue_url;
            unit.effect(PUBLISHED, || self.publisher.publish(queue, &messages))
                .await?;
        }
        if !joined.tell {
            return Ok("joined its open ticket; told within the hour before");
        }
        let Some(to) = contact.email.clone() else {
            return Ok("joined its open ticket; no address to tell");
        };
        let shop = &self.config.shop;
        let rendered = mails::added(
            contact.locale(shop.default_locale),
            &Added {
                shop: &shop.name,
                name: contact.name.as_deref(),
                ticket: &number,
                reply_reaches_ticket: self.config.reply_to.is_some(),
            },
        )?;
        let email =
            OutgoingEmail::new(to, rendered, "added").with_reply_to(self.config.reply_to.clone());
        unit.effect(ACKNOWLEDGED, || self.mailer.send(&email))
            .await?;
        Ok("joined its open ticket and told the customer")
    }
}
