//! `survey.answered`: the first answer stands; a low one gets the apology
//! policy of a low review.

use super::*;
use memnun_shared::contract::reminder::CouponExpiring;

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: Store,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    pub(crate) async fn survey(
        &self,
        meta: &EventMeta,
        s: &SurveyAnswered,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Outcome> {
        let now = meta.time;
        let (_, ticket) = self
            .update(&s.ticket_id, |t| lifecycle::rate(t, s.score, now))
            .await?;
        // The first answer stands: a later one never changes the outcome.
        let Some((score, _)) = ticket.survey else {
            return Err(Error::corrupt(
                ticket.number.to_string(),
                "survey not recorded",
            ));
        };
        let policy = &self.config.policy;
        let shop = &self.config.shop;
        app::count::survey_answered(idempotency, &self.store, &ticket, &shop.time_zone).await?;
        if !policy.is_negative(score) {
            return Ok("rating recorded");
        }
        let (customer, contact) = self.ticket_customer(&ticket, now).await?;
        let Decision::Apologize { coupon: offer } =
            policy.decide(score, contact.last_apology_coupon_at, now, &shop.time_zone)
        else {
            return Ok("rating recorded");
        };
        let source_key = format!("survey:{}", ticket.number);
        let mut follow_up = Ticket::new(
            TicketNumber::generate()?,
            &customer,
            Origin::LowSatisfaction,
            ticket.category,
            follow_up_priority(score),
            now,
            &source_key,
        );
        follow_up.order_id = ticket.order_id.clone();
        follow_up.summary = Some(format!(
            "{score}★ satisfaction rating for {}",
            ticket.number
        ));
        let done = app::apologize(
            &self.store,
            idempotency,
            (&self.publisher, &self.registry),
            &self.config.resources.outbound_queue_url,
            SOURCE,
            Apology {
                customer: &customer,
                reason: CouponReason::LowSatisfaction,
                offer,
                cap_cutoff: (policy.cap_days > 0).then(|| policy.cap_cutoff(now)),
                source_key: &source_key,
                now,
                follow_up: Some(follow_up),
                holder: Holder {
                    email: contact.email.as_ref(),
                },
            },
        )
        .await?;
        if let Some(coupon) = &done.coupon {
            app::count::coupon_issued(idempotency, &self.store, coupon, &shop.time_zone).await?;
            // Kept again over itself by a retry; sent back by the sweep.
            let clock = contact.time_zone(&shop.time_zone);
            let held = CouponExpiring::held(&self.config.reminder, coupon, &clock, SOURCE);
            if let Some(held) = held {
                self.store.schedule(&held).await?;
            }
        }
        let follow_up = done
            .ticket
            .ok_or_else(|| Error::corrupt(source_key.clone(), "the follow-up ticket is missing"))?;
        let Some(to) = contact.email.clone() else {
            return Ok("low rating followed up; no address to apologise");
        };
        let rendered = mails::satisfaction_apology(
            contact.locale(shop.default_locale),
            &SatisfactionApology {
                shop: &shop.name,
                name: contact.name.as_deref(),
                ticket: &ticket.number,
                follow_up: &follow_up.number,
                coupon: done.coupon.as_ref(),
                shop_tz: &shop.time_zone,
            },
        )?;
        app::send_once(
            idempotency,
            &self.mailer,
            &customer,
            &source_key,
            &OutgoingEmail::new(to, rendered, "satisfaction_apology")
                .with_reply_to(self.config.reply_to.clone()),
        )
        .await?;
        Ok(if done.coupon.is_some() {
            "low rating: apologized with a coupon"
        } else {
            "low rating: apologized"
        })
    }
}
