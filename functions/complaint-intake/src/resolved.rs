//! `ticket.resolved`: the resolution clock stops, and a complaint's customer
//! is asked for a rating, once per ticket.

use super::*;

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: Store,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    pub(crate) async fn resolved(
        &self,
        meta: &EventMeta,
        r: &TicketResolved,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Outcome> {
        let (change, ticket) = self
            .update(&r.ticket_id, |t| lifecycle::resolve(t, meta.time))
            .await?;
        if let Change::Resolved {
            outcome: Some(outcome),
        } = change
        {
            tracing::info!(ticket = %ticket.number, resolution = %outcome, "ticket resolved");
        }
        if ticket.resolved_as.is_some() {
            // memnun resolved it before (no reply): the desk's own
            // resolution that follows asks nothing and counts nothing.
            return Ok("resolved by memnun before: no survey");
        }
        let tz = &self.config.shop.time_zone;
        app::count::sla_outcomes(idempotency, &self.store, &ticket, tz).await?;
        // Asked even when this event changed nothing: an earlier attempt may
        // have stored the resolution and then failed to send.
        if ticket.status != Status::Resolved || ticket.origin != Origin::Complaint {
            return Ok("resolution recorded");
        }
        let (customer, contact) = self.ticket_customer(&ticket, meta.time).await?;
        let Some(to) = contact.email.clone() else {
            return Ok("resolution recorded; no address for the survey");
        };
        let token = self.signer.sign(Purpose::Survey, ticket.number.as_str());
        let base = &self.config.links_base_url;
        let links: [String; 5] =
            std::array::from_fn(|i| format!("{base}/survey?t={token}&s={}", i + 1));
        let shop = &self.config.shop;
        let rendered = mails::survey_request(
            contact.locale(shop.default_locale),
            &SurveyRequest {
                shop: &shop.name,
                name: contact.name.as_deref(),
                ticket: &ticket.number,
                score_links: &links,
            },
        )?;
        let once_per_ticket = format!("ticket:{}", ticket.number);
        app::send_once(
            idempotency,
            &self.mailer,
            &customer,
            &once_per_ticket,
            &OutgoingEmail::new(to, rendered, "survey").with_reply_to(self.config.reply_to.clone()),
        )
        .await?;
        Ok("resolved; survey sent")
    }
}
