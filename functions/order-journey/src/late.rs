//! A late order's apology, once per order whoever noticed: the shop
//! (`order.delayed`) or the promise clock. The coupon the delay policy gives is
//! committed with it, created in the shop's store and published before the email.

use super::*;

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: OrderStore + TicketStore + CouponStore + WorkStore,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    /// A late order: told by the shop, or found by memnun when the promised
    /// day ended. The apology once per order (with a coupon by the delay
    /// policy, published before the email), the order noting it; a delay
    /// also moves the promise.
    pub(crate) async fn late(
        &self,
        meta: &EventMeta,
        customer_id: &CustomerId,
        order_id: &OrderId,
        late: Late<'_>,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let (mut stored, mut customer) = self
            .store
            .order_with_customer(order_id, customer_id)
            .await?;
        let mut kept = match unit.saved::<Published>()? {
            Some(kept) if unit.committed() => kept,
            _ => {
                let mut prior_coupon = None;
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let Some((kept, writes)) = self.late_commit(
                        meta,
                        customer_id,
                        order_id,
                        &late,
                        stored.as_ref(),
                        customer.as_ref(),
                        &prior_coupon,
                    )?
                    else {
                        return Ok("late: nothing to say (delivered, apologised or moved)");
                    };
                    let conflicts = unit.commit(&writes, &kept).await?;
                    if conflicts.is_empty() {
                        break kept;
                    }
                    if attempts >= ATTEMPTS {
                        return Err(Error::Exhausted("late order commit (too many conflicts)"));
                    }
                    if conflicts.contains(&Conflict::CouponCause) {
                        prior_coupon = self
                            .store
                            .issued_for(customer_id, CouponReason::OrderDelay, &late_key(order_id))
                            .await?;
                    }
                    (stored, customer) = self
                        .store
                        .order_with_customer(order_id, customer_id)
                        .await?;
                }
            }
        };
        if kept.sends.is_empty() {
            return Ok("late order recorded; nothing to tell");
        }
        let order = stored.unwrap_or_else(|| Order::new(order_id.clone(), customer_id.clone()));
        let none = ContactDetails::default();
        let (incoming, promised, new_date, tracking) = match &late {
            Late::Told(d) => (
                &d.customer,
                d.promised_date.or(order.promised_date),
                d.new_date,
                d.tracking_url.clone(),
            ),
            Late::Found(promise) => (&none, Some(*promise), None, None),
        };
        let tracking = tracking.or_else(|| {
            order
                .shipment
                .as_ref()
                .and_then(|sh| sh.tracking_url.clone())
        });
        let contact = known_contact(customer.as_ref(), incoming);
        let holder = Holder {
            email: contact.email.as_ref(),
        };
        let coupon = coupons::register_and_publish(
            unit,
            (&self.registry, &self.publisher),
            &self.config.resources.outbound_queue_url,
            PUBLISHED,
            &mut kept,
            holder,
            SOURCE,
        )
        .await?;
        let Some(to) = contact.email.clone() else {
            return Ok("late order; no address to apologise");
        };
        let shop = &self.config.shop;
        let locale = contact.locale(shop.default_locale);
        let rendered = delay_apology(
            locale,
            &DelayApology {
                shop: &shop.name,
                name: contact.name.as_deref(),
                order_id: order.known_as(),
                promised,
                new_date,
                tracking_url: tracking.as_deref(),
                coupon: coupon.as_ref(),
                shop_tz: &shop.time_zone,
            },
        )?;
        let email = OutgoingEmail::new(to, rendered, DELAY_TEMPLATE);
        // After the coupon's publish when there is one, else the first step.
        let step = if coupon.is_some() { CONFIRMED } else { TOLD };
        unit.effect(step, || self.mailer.send(&email)).await?;
        let found = matches!(late, Late::Found(_));
        tracing::info!(
            found,
            coupon = coupon.is_some(),
            locale = locale.tag(),
            "late order apologised"
        );
        Ok(match (found, coupon.is_some()) {
            (true, true) => "promise broken: apologised with a coupon",
            (true, false) => "promise broken: apologised",
            (false, true) => "late order: apologised with a coupon",
            (false, false) => "late order: apologised",
        })
    }

    /// What a late order commits: `None` when there is nothing to do (a
    /// clock whose order is gone, delivered or apologised to).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn late_commit(
        &self,
        meta: &EventMeta,
        customer_id: &CustomerId,
        order_id: &OrderId,
        late: &Late<'_>,
        stored: Option<&Order>,
        customer: Option<&Customer>,
        prior_coupon: &Option<Coupon>,
    ) -> Result<Option<(Published, Vec<Write>)>> {
        let none = ContactDetails::default();
        let incoming = match late {
            Late::Told(d) => &d.customer,
            Late::Found(_) => &none,
        };
        let contact = known_contact(customer, incoming);
        let mut writes = Vec::new();
        let (mut order, promised, new_date, lateness) = match late {
            Late::Told(d) => {
                let mut order = stored
                    .cloned()
                    .unwrap_or_else(|| Order::new(order_id.clone(), customer_id.clone()));
                if order.customer_id != *customer_id {
                    return Err(Error::contract(
                        "data.customer_id",
                        "names another customer than the order's",
                    ));
                }
                let promised = d.promised_date.or(order.promised_date);
                let before = order.promise();
                let step = Step::Delayed {
                    promised_date: d.promised_date,
                    new_date: d.new_date,
                };
                order.apply(&step, meta.time);
                if order.promise() != before && contact.email.is_none() {
                    // No apology can go: the moved promise is still watched.
                    writes.extend(self.promise_clock(&order, contact.time_zone.as_deref()));
                }
                if let Some(c) = unit::contact_write(customer, incoming, meta.time) {
                    writes.push(Write::Profile(ProfileWrite::contact(
                        customer_id.clone(),
                        c,
                    )));
                }
                (order, promised, d.new_date, Lateness::Told)
            }
            Late::Found(promise) => {
                let Some(order) = stored.cloned() else {
                    return Ok(None);
                };
                if !order.apology_due() {
                    return Ok(None);
                }
                if order.promise() != Some(*promise) {
                    // Moved later since this clock was set: the new
                    // promise has its own clock (the sweep forgets a clock
                    // only for the time it sent it). Writing it again costs
                    // nothing and keeps the watch should it have been lost.
                    writes.extend(self.promise_clock(&order, contact.time_zone.as_deref()));
                    return Ok(Some((Published::default(), writes)));
                }
                // The day the clock speaks: the first day after the promise.
                let today = meta
                    .time
                    .to_zoned(self.config.shop.time_zone.clone())
                    .date();
                (order, Some(*promise), Some(today), Lateness::Found)
            }
        };
        let mut kept = Published::default();
        if order.apology_due() && contact.email.is_some() {
            order.apologized = Some((meta.time, lateness));
            let tz = &self.config.shop.time_zone;
            let noticed = match lateness {
                Lateness::Told => names::LATE_TOLD,
                Lateness::Found => names::LATE_FOUND,
            };
            writes.push(Write::Count(
                Week::of(meta.time, tz),
                vec![(noticed.to_owned(), 1)],
            ));
            let coupon = match (
                prior_coupon,
                self.config.delay.coupon(promised, new_date, meta.time, tz),
            ) {
                (Some(c), _) => Some(c.clone()),
                (None, Some(offer)) => {
                    let c = Coupon {
                        code: CouponCode::generate(CouponReason::OrderDelay)?,
                        customer_id: customer_id.clone(),
                        reason: CouponReason::OrderDelay,
                        value: CouponValue::Percent(offer.percent),
                        issued_at: meta.time,
                        expires_at: offer.expires_at,
                        source_event: late_key(order_id),
                    };
                    writes.push(Write::Coupon(c.clone()));
                    writes.push(Write::Count(
                        Week::of(meta.time, tz),
                        memnun_shared::app::count::coupon_amounts(&c),
                    ));
                    Some(c)
                }
                (None, None) => None,
            };
            if let Some(c) = &coupon {
                let clock = self.config.shop.clock_of(contact.time_zone.as_deref());
                writes.extend(
                    CouponExpiring::held(&self.config.reminder, c, &clock, SOURCE)
                        .map(Write::Schedule),
                );
            }
            let messages = coupon
                .iter()
                .map(|c| outbound::coupon_issued(c, SOURCE))
                .collect();
            kept = Published {
                sends: vec!["customer".to_owned()],
                ..Published::default()
            }
            .with_coupon(coupon.as_ref())
            .with_messages(messages);
        }
        if stored != Some(&order) {
            writes.push(Write::Order(Box::new(order)));
        }
        Ok(Some((kept, writes)))
    }
}

/// The cause of a late order's apology and coupon, whoever noticed: one
/// per order (the same as before order-journey took over `order.delayed`).
pub(crate) fn late_key(order: &OrderId) -> String {
    format!("order:{order}")
}

/// Who noticed an order is late, and what they said.
pub(crate) enum Late<'a> {
    /// The shop: `order.delayed`.
    Told(&'a OrderDelayed),
    /// memnun: the promised day ended without a delivery.
    Found(Date),
}
