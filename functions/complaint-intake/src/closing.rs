//! Resolutions memnun makes itself ([`ResolvedAs`]): no reply after the
//! customer went quiet (`waiting`), self-served when the customer said a
//! suggested answer answered them (`ticket.self_served`). Either is one
//! commit — the ticket over the version it was read at, with its counts —
//! and then `ticket.closed`, so the help desk solves its ticket too. No
//! survey follows either: nobody of the team resolved it.

use memnun_shared::contract::payload::TicketSelfServed;
use memnun_shared::domain::digest::names;
use memnun_shared::domain::ticket::ResolvedAs;

use super::*;

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: Store,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    /// Resolves `ticket` as `how` at `at`, with `counts`, in one commit;
    /// `None` when, read again after a conflict, it no longer `qualifies`.
    pub(crate) async fn commit_close(
        &self,
        unit: &Unit<'_, S>,
        mut ticket: Ticket,
        (at, how): (Timestamp, ResolvedAs),
        counts: Vec<(String, i64)>,
        qualifies: impl Fn(&Ticket) -> bool,
    ) -> Result<Option<Kept>> {
        let week = Week::of(at, &self.config.shop.time_zone);
        for _ in 0..UPDATE_ATTEMPTS {
            lifecycle::resolve_as(&mut ticket, at, how);
            let writes = [
                Write::TicketChange(Box::new(ticket.clone())),
                Write::Count(week, counts.clone()),
            ];
            let kept = Kept {
                ticket: Some(ticket.number.to_string()),
                ..Kept::default()
            }
            .with_messages(vec![outbound::ticket_closed(&ticket, how, at, SOURCE)]);
            let conflicts = unit.commit(&writes, &kept).await?;
            if conflicts.is_empty() {
                tracing::info!(ticket = %ticket.number, resolved_as = how.as_str(), "resolved by memnun");
                return Ok(Some(kept));
            }
            if !conflicts.contains(&Conflict::Ticket) {
                return Err(Error::Exhausted("closing commit (the unit moved on)"));
            }
            match self.store.ticket(&ticket.number).await? {
                Some(t) if qualifies(&t) => ticket = t,
                _ => return Ok(None),
            }
        }
        Err(Error::Exhausted(
            "closing commit (too many concurrent changes)",
        ))
    }

    /// `ticket.closed`, as the commit kept it or, on a retry, rebuilt from
    /// the stored ticket.
    pub(crate) async fn publish_closed(
        &self,
        unit: &Unit<'_, S>,
        number: &TicketNumber,
        (at, how): (Timestamp, ResolvedAs),
        kept: &Kept,
    ) -> Result<()> {
        if unit.step() >= PUBLISHED {
            return Ok(());
        }
        let messages = if kept.messages.is_empty() {
            let ticket = self
                .store
                .ticket(number)
                .await?
                .ok_or_else(|| Error::NotFound(format!("ticket {number}")))?;
            vec![outbound::ticket_closed(&ticket, how, at, SOURCE)]
        } else {
            kept.messages.clone()
        };
        let queue = &self.config.resources.outbound_queue_url;
        unit.effect(PUBLISHED, || self.publisher.publish(queue, &messages))
            .await?;
        Ok(())
    }

    /// `ticket.self_served`: the customer's one press on "this answered my
    /// question". A ticket resolved before (by the team, or an earlier
    /// press) stays as it is.
    pub(crate) async fn self_served(
        &self,
        meta: &EventMeta,
        s: &TicketSelfServed,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let how = (meta.time, ResolvedAs::SelfServed);
        let kept = match unit.saved::<Kept>()? {
            Some(kept) if unit.committed() => kept,
            _ => {
                let ticket = self
                    .store
                    .ticket(&s.ticket_id)
                    .await?
                    .ok_or_else(|| Error::NotFound(format!("ticket {}", s.ticket_id)))?;
                let open = |t: &Ticket| t.status != Status::Resolved;
                if !open(&ticket) {
                    return Ok("resolved before: nothing to do");
                }
                let mut counts = vec![(names::SELF_SERVED.to_owned(), 1)];
                if let Some(id) = &s.faq_id {
                    counts.push((names::faq_resolved(id), 1));
                }
                match self.commit_close(unit, ticket, how, counts, open).await? {
                    Some(kept) => kept,
                    None => return Ok("resolved meanwhile: nothing to do"),
                }
            }
        };
        self.publish_closed(unit, &s.ticket_id, how, &kept).await?;
        Ok("resolved as self-served; the help desk told")
    }
}
