//! An order's own events (placed, shipped, delivered, cancelled, delayed)
//! merged into the stored order and written back in one commit, with the
//! redemptions of memnun's coupons an `order.placed` carries.

use super::*;

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: OrderStore + TicketStore + CouponStore + WorkStore,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    /// What is kept under the memnun codes an order used: no read at all
    /// for an order that used none.
    pub(crate) async fn redemptions(&self, e: &Event<'_>) -> Result<Vec<redemption::Stored>> {
        if e.redeeming.codes.is_empty() {
            return Ok(Vec::new());
        }
        self.store.redemptions(&e.redeeming.codes).await
    }

    /// Merges the event into the order and commits it with any newer
    /// contact details; answers what to keep and the conflicts met.
    pub(crate) async fn commit(
        &self,
        meta: &EventMeta,
        e: &Event<'_>,
        unit: &Unit<'_, S>,
        stored: Option<&Order>,
        customer: &Option<Customer>,
        codes: &[redemption::Stored],
    ) -> Result<(Kept, Vec<Conflict>)> {
        let mut order = stored
            .cloned()
            .unwrap_or_else(|| Order::new(e.order_id.clone(), e.customer_id.clone()));
        if order.customer_id != *e.customer_id {
            return Err(Error::contract(
                "data.customer_id",
                "names another customer than the order's",
            ));
        }
        let was_placed = order.placed_at.is_some();
        let was_delivered = order.stage == Stage::Delivered;
        let promised = order.promise();
        let applied = order.apply(&e.step, meta.time);
        let mut writes = Vec::new();
        if !was_delivered && order.stage == Stage::Delivered {
            // For the digest: delivered, and late when after the promised
            // day (the shop's calendar).
            let tz = &self.config.shop.time_zone;
            let day = order
                .delivered_at
                .unwrap_or(meta.time)
                .to_zoned(tz.clone())
                .date();
            let late = order.promise().is_some_and(|p| day > p);
            let mut counts = vec![(names::DELIVERED.to_owned(), 1)];
            if late {
                counts.push((names::DELIVERED_LATE.to_owned(), 1));
            }
            writes.push(Write::Count(Week::of(meta.time, tz), counts));
            if self.config.review.is_some() {
                // A week on, on the customer's clock: the review request.
                let none = ContactDetails::default();
                let contact = known_contact(customer.as_ref(), e.contact.unwrap_or(&none));
                let tz = self.config.shop.clock_of(contact.time_zone.as_deref());
                if let Some(due) = self.config.policy.review_clock(&order, &tz) {
                    let clock = JourneyDue {
                        watch: Watch::ReviewRequest,
                        customer_id: order.customer_id.clone(),
                        about: Watched::Order(order.id.clone()),
                        promise: None,
                        due,
                    };
                    writes.push(Write::Schedule(clock.to_scheduled(SOURCE)));
                }
            }
        }
        if order.promise() != promised {
            // A promise set or moved later: its clock, on the customer's
            // clock.
            let none = ContactDetails::default();
            let contact = known_contact(customer.as_ref(), e.contact.unwrap_or(&none));
            writes.extend(self.promise_clock(&order, contact.time_zone.as_deref()));
        }
        if !was_placed && order.placed_at.is_some() {
            // Placed now: counted for the birthday flow when it follows the
            // greeting within the window, with or without its coupon.
            let greeted = customer.as_ref().and_then(|c| c.greeted_at);
            if self.config.attribution.attributed(greeted, meta.time) {
                let birthday = CouponReason::Birthday;
                let mut counts = vec![(names::attributed(birthday), 1)];
                if let (Some(cents), Some(currency)) = (
                    e.redeeming.total.and_then(redemption::cents),
                    e.redeeming.currency,
                ) {
                    counts.push((names::attributed_revenue(birthday, currency), cents));
                }
                writes.push(Write::Count(
                    Week::of(meta.time, &self.config.shop.time_zone),
                    counts,
                ));
            }
            // Placed now: its clocks start (held in the due index).
            let clocks = self
                .config
                .policy
                .order_clocks(&order, &self.config.calendar);
            for (watch, due) in clocks {
                if order.still_due(watch) {
                    let clock = JourneyDue {
                        watch,
                        customer_id: order.customer_id.clone(),
                        about: Watched::Order(order.id.clone()),
                        promise: None,
                        due,
                    };
                    writes.push(Write::Schedule(clock.to_scheduled(SOURCE)));
                }
            }
        }
        if applied != Applied::Unchanged {
            writes.push(Write::Order(Box::new(order)));
        }
        if let Some(contact) = e
            .contact
            .and_then(|c| unit::contact_write(customer.as_ref(), c, meta.time))
        {
            writes.push(Write::Profile(ProfileWrite::contact(
                e.customer_id.clone(),
                contact,
            )));
        }
        // memnun's coupons redeemed: once per code, by the order placed
        // first; reuse flagged once per order.
        let uses = redemption::uses(
            redemption::Redeeming {
                order_id: e.order_id,
                at: meta.time,
                total: e.redeeming.total,
                currency: e.redeeming.currency,
            },
            codes,
        );
        let mut redeemed = Vec::new();
        for u in &uses {
            match u {
                Use::First(r) => {
                    let message = outbound::coupon_redeemed(r, e.customer_id, SOURCE);
                    redeemed.push((message.id, message.body));
                    writes.push(Write::Redemption(Box::new(r.clone())));
                }
                // Announced already, for the order met first: only the
                // record and the figures move.
                Use::Earlier { was, now } => writes.push(Write::RedemptionMoved {
                    was: Box::new(was.clone()),
                    now: Box::new(now.clone()),
                }),
                Use::Again { code, order_id, .. } => writes.push(Write::Reused {
                    code: code.clone(),
                    order_id: order_id.clone(),
                }),
                Use::Known => {}
            }
        }
        // Each count in the week of the order it is about (a moved
        // redemption is taken back from the later order's).
        for (at, name, amount) in redemption::amounts(&uses) {
            let week = Week::of(at, &self.config.shop.time_zone);
            writes.push(Write::Count(week, vec![(name, amount)]));
        }
        let kept = Kept {
            tell: applied == Applied::Tell,
            redeemed,
        };
        let conflicts = unit.commit(&writes, &kept).await?;
        Ok((kept, conflicts))
    }
}
