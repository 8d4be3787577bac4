//! `ticket.replied`: the first reply stops its clock; the resolution clock
//! pauses while the ticket waits on the customer and resumes when they
//! answer. A ticket the reply leaves waiting gets its first waiting clock
//! (`ticket.waiting`), kept in the due index.

use super::*;

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: Store,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    pub(crate) async fn replied(
        &self,
        meta: &EventMeta,
        r: &TicketReplied,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Outcome> {
        let calendar = &self.config.calendar;
        let (change, ticket) = self
            .update(&r.ticket_id, |t| {
                lifecycle::reply(t, r.author, meta.time, calendar)
            })
            .await?;
        // From the stored clocks, not this change: a retry counts what an
        // earlier attempt stored, and each outcome is counted once.
        let tz = &self.config.shop.time_zone;
        app::count::sla_outcomes(idempotency, &self.store, &ticket, tz).await?;
        // From the stored ticket too: a retry keeps the clock the first
        // attempt may not have kept (keeping it again changes nothing).
        if memnun_shared::domain::waiting::still_waiting(&ticket, meta.time) {
            self.start_waiting(&ticket, meta.time).await?;
        }
        Ok(match change {
            Change::Replied {
                first_reply: Some(outcome),
            } => {
                tracing::info!(ticket = %ticket.number, first_reply = %outcome, "first reply recorded");
                "first reply recorded"
            }
            Change::Replied { first_reply: None } => "reply recorded",
            _ => "reply changed nothing",
        })
    }
}
