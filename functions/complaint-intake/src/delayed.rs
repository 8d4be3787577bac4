//! `order.delayed`: a proactive apology with the new date, and a coupon when
//! the delay is long; once per order.

use super::*;

impl<S, M, P> Handler<S, M, P>
where
    S: Store,
    M: Mailer,
    P: Publisher,
{
    pub(crate) async fn delayed(
        &self,
        meta: &EventMeta,
        d: &OrderDelayed,
        idempotency: &Idempotency<'_, S>,
    ) -> Result<Outcome> {
        let now = meta.time;
        let shop = &self.config.shop;
        let contact = app::refresh_customer(&self.store, &d.customer_id, &d.customer, now).await?;
        let Some(to) = contact.email.clone() else {
            tracing::warn!(customer_id = %d.customer_id, "late order of a customer with no email: recorded, not answered");
            return Ok("late order; no address to apologise");
        };
        // Once per order, whatever the event's id: a second notice about the
        // same order sends nothing new.
        let source_key = format!("order:{}", d.order_id);
        let done = app::apologize(
            &self.store,
            idempotency,
            &self.publisher,
            &self.config.resources.outbound_queue_url,
            SOURCE,
            Apology {
                customer: &d.customer_id,
                reason: CouponReason::OrderDelay,
                offer: self
                    .config
                    .delay
                    .coupon(d.promised_date, d.new_date, now, &shop.time_zone),
                cap_cutoff: None,
                source_key: &source_key,
                now,
                follow_up: None,
            },
        )
        .await?;
        if let Some(coupon) = &done.coupon {
            app::count::coupon_issued(idempotency, &self.store, coupon, &shop.time_zone).await?;
        }
        let rendered = mails::delay_apology(
            contact.locale(shop.default_locale),
            &DelayApology {
                shop: &shop.name,
                name: contact.name.as_deref(),
                order_id: &d.order_id,
                promised: d.promised_date,
                new_date: d.new_date,
                tracking_url: d.tracking_url.as_deref(),
                coupon: done.coupon.as_ref(),
                shop_tz: &shop.time_zone,
            },
        )?;
        app::send_once(
            idempotency,
            &self.mailer,
            &d.customer_id,
            &source_key,
            &OutgoingEmail::new(to, rendered, "delay_apology"),
        )
        .await?;
        Ok(if done.coupon.is_some() {
            "late order: apologized with a coupon"
        } else {
            "late order: apologized"
        })
    }
}
