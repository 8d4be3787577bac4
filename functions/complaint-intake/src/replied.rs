//! `ticket.replied`: the first reply stops its clock; the resolution clock
//! pauses while the ticket waits on the customer and resumes when they
//! answer.

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
