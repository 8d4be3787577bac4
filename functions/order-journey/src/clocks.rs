//! The journey's own clocks come due (`journey.due`, sent back by the SLA sweep):
//! an order not shipped or delivered in time, a refund nearing or past its legal
//! date, a promise broken, the review request a week after delivery. Each is
//! read against the record as it stands, and alerts once.

use memnun_shared::domain::returns::ReturnId;
use memnun_shared::domain::watch::Clocked;

use super::*;

/// What marking a clock's record came to.
enum Marked<T> {
    /// Marked now (or before this retry): the record and its customer, to tell.
    Tell(T, Option<Customer>),
    /// Nothing to tell, and why.
    Quiet(Outcome),
}

/// How the clocks read and store the record they watch.
trait Clock: Clocked + Sized {
    /// What names it.
    type Id: std::fmt::Display + ?Sized;
    /// What it is called in an error.
    const KIND: &'static str;
    /// The outcome when it is no longer kept.
    const GONE: Outcome;
    /// The outcome when it reached the step the clock waited for in time.
    const IN_TIME: Outcome;
    /// What could not be committed.
    const EXHAUSTED: &'static str;

    /// The record and its customer, in one read.
    async fn read<S: OrderStore>(
        store: &S,
        id: &Self::Id,
        customer: &CustomerId,
    ) -> Result<(Option<Self>, Option<Customer>)>;

    /// The write that stores it.
    fn write(self) -> Write;
}

impl Clock for Order {
    type Id = OrderId;
    const KIND: &'static str = "order";
    const GONE: Outcome = "clock of an order no longer kept";
    const IN_TIME: Outcome = "clock due; the order moved on in time";
    const EXHAUSTED: &'static str = "order clock (too many conflicts)";

    async fn read<S: OrderStore>(
        store: &S,
        id: &OrderId,
        customer: &CustomerId,
    ) -> Result<(Option<Self>, Option<Customer>)> {
        store.order_with_customer(id, customer).await
    }

    fn write(self) -> Write {
        Write::Order(Box::new(self))
    }
}

impl Clock for Return {
    type Id = ReturnId;
    const KIND: &'static str = "return";
    const GONE: Outcome = "clock of a return no longer kept";
    const IN_TIME: Outcome = "clock due; the refund was made or refused in time";
    const EXHAUSTED: &'static str = "refund clock (too many conflicts)";

    async fn read<S: OrderStore>(
        store: &S,
        id: &ReturnId,
        customer: &CustomerId,
    ) -> Result<(Option<Self>, Option<Customer>)> {
        store.return_with_customer(id, customer).await
    }

    fn write(self) -> Write {
        Write::Return(Box::new(self))
    }
}

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: OrderStore + TicketStore + CouponStore + WorkStore,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    /// A clock of the journey come due (`journey.due`, from the sweep): its
    /// own unit of work, `event#order-journey#memnun/order-journey#<id>`.
    pub(crate) async fn clock_message(
        &self,
        message: SqsMessage,
        deadline: Timestamp,
    ) -> Result<Outcome> {
        let body = message
            .body
            .ok_or_else(|| Error::contract("body", "is empty"))?;
        let (meta, due) = JourneyDue::parse(&body)?;
        memnun_shared::batch::record_event(
            &meta.id,
            memnun_shared::contract::internal::JOURNEY_DUE,
        );
        let key = memnun_shared::keys::WorkKey::event(FUNCTION, &meta);
        let ttl = self.config.resources.idempotency_ttl_days;
        let Some(unit) = Unit::begin(&self.store, key, deadline, ttl).await? else {
            return Ok("duplicate");
        };
        let result = match &due.about {
            Watched::Order(order) => self.order_clock(&meta, &due, order, &unit).await,
            Watched::Return(id) => self.return_clock(&meta, &due, id, &unit).await,
        };
        unit.end(result).await
    }

    /// Marks the record a clock watches (`T`: an order or a return) as
    /// alerted of it, once: read, asked whether the clock still has
    /// something to say, marked and committed; read again and retried while
    /// another writer wins. Answers the record and its customer when there
    /// is something to tell, and on a retry after the commit, the record as
    /// it now stands.
    async fn mark_alerted<T: Clock>(
        &self,
        meta: &EventMeta,
        due: &JourneyDue,
        id: &T::Id,
        unit: &Unit<'_, S>,
    ) -> Result<Marked<T>> {
        let (mut stored, mut customer) = T::read(&self.store, id, &due.customer_id).await?;
        let kept = match unit.saved::<Kept>()? {
            Some(kept) if unit.committed() => kept,
            _ => {
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let Some(known) = stored.as_ref() else {
                        // Erased since the clock was set.
                        return Ok(Marked::Quiet(T::GONE));
                    };
                    if !known.still_due(due.watch) {
                        return Ok(Marked::Quiet(T::IN_TIME));
                    }
                    let kept = Kept {
                        tell: true,
                        redeemed: Vec::new(),
                    };
                    let writes = [known.alerted_of(due.watch, meta.time).write()];
                    if unit.commit(&writes, &kept).await?.is_empty() {
                        break kept;
                    }
                    if attempts >= ATTEMPTS {
                        return Err(Error::Exhausted(T::EXHAUSTED));
                    }
                    (stored, customer) = T::read(&self.store, id, &due.customer_id).await?;
                }
            }
        };
        if !kept.tell {
            return Ok(Marked::Quiet("clock due; nothing to tell"));
        }
        let record = stored.ok_or_else(|| Error::NotFound(format!("{} {id}", T::KIND)))?;
        Ok(Marked::Tell(record, customer))
    }

    /// An order's clock: the team or the lead alerted, once, when the order
    /// has still not reached the step the clock waited for.
    pub(crate) async fn order_clock(
        &self,
        meta: &EventMeta,
        due: &JourneyDue,
        id: &OrderId,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        if let (Watch::Promise, Some(promise)) = (due.watch, due.promise) {
            return self
                .late(meta, &due.customer_id, id, Late::Found(promise), unit)
                .await;
        }
        if due.watch == Watch::ReviewRequest {
            return self.review_request(meta, due, id, unit).await;
        }
        let order = match self.mark_alerted::<Order>(meta, due, id, unit).await? {
            Marked::Tell(order, _) => order,
            Marked::Quiet(outcome) => return Ok(outcome),
        };
        let tz = self.config.calendar.time_zone();
        let placed = order.placed_at.unwrap_or(due.due);
        let rendered = journey_alert(
            self.config.shop.default_locale,
            &JourneyAlert {
                shop: &self.config.shop.name,
                watch: due.watch,
                order: order.known_as(),
                about: None,
                since: placed.to_zoned(tz.clone()).date(),
                // The last day the clock allowed: the day before it ran out.
                due: (due.due - jiff::SignedDuration::from_secs(1))
                    .to_zoned(tz.clone())
                    .date(),
                ship_within_days: self.config.policy.ship_within_days,
            },
        )?;
        let email = OutgoingEmail::new(self.recipient(due.watch).clone(), rendered, ALERT_TEMPLATE);
        unit.effect(TOLD, || self.mailer.send(&email)).await?;
        tracing::info!(
            watch = due.watch.as_str(),
            to = alerted_one(due.watch),
            "journey clock alerted"
        );
        Ok("clock due; alerted")
    }

    /// A return's refund clock: the team warned, or, past the legal date,
    /// the lead alerted and the customer told with the day it will be made
    /// by; once each, and nothing once the refund is made or refused.
    pub(crate) async fn return_clock(
        &self,
        meta: &EventMeta,
        due: &JourneyDue,
        id: &ReturnId,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let (r, customer) = match self.mark_alerted::<Return>(meta, due, id, unit).await? {
            Marked::Tell(r, customer) => (r, customer),
            Marked::Quiet(outcome) => return Ok(outcome),
        };
        let shop = &self.config.shop;
        let refund_due = r.refund_due(&shop.time_zone);
        let rendered = journey_alert(
            shop.default_locale,
            &JourneyAlert {
                shop: &shop.name,
                watch: due.watch,
                order: r.order_id.as_str(),
                about: Some((&r.id, &r.ticket)),
                since: r.requested_at.to_zoned(shop.time_zone.clone()).date(),
                due: refund_due,
                ship_within_days: self.config.policy.ship_within_days,
            },
        )?;
        let overdue = due.watch == Watch::RefundOverdue;
        let alert = OutgoingEmail::new(self.recipient(due.watch).clone(), rendered, ALERT_TEMPLATE);
        let step = if overdue { LEAD_TOLD } else { TOLD };
        unit.effect(step, || self.mailer.send(&alert)).await?;
        tracing::info!(watch = due.watch.as_str(), to = alerted_one(due.watch), ticket = %r.ticket, "refund clock alerted");
        if !overdue {
            return Ok("refund clock: team warned");
        }
        let contact = known_contact(customer.as_ref(), &ContactDetails::default());
        let Some(address) = contact.email.clone() else {
            tracing::warn!(customer_id = %r.customer_id, "a late refund for a customer with no email: the lead alerted, the customer not told");
            return Ok("refund overdue; lead alerted, no address to tell");
        };
        let locale = contact.locale(shop.default_locale);
        let rendered = return_progress(
            locale,
            &ReturnProgress {
                shop: &shop.name,
                name: contact.name.as_deref(),
                order: r.order_id.as_str(),
                about: Some((&r.id, &r.ticket)),
                kind: r.kind,
                news: ReturnNews::RefundLate {
                    was_due: refund_due,
                    new_date: self.config.policy.late_refund_by(&r, &shop.time_zone),
                },
            },
        )?;
        let email = OutgoingEmail::new(address, rendered, PROGRESS_TEMPLATE)
            .with_reply_to(self.config.reply_to.clone());
        unit.effect(CUSTOMER_TOLD, || self.mailer.send(&email))
            .await?;
        Ok("refund overdue; lead alerted and customer told")
    }

    /// Who a clock's alert goes to: the team while there is time, the lead
    /// once a limit is passed.
    pub(crate) fn recipient(&self, watch: Watch) -> &EmailAddress {
        match watch {
            Watch::Unshipped | Watch::RefundWarning | Watch::Promise | Watch::ReviewRequest => {
                &self.config.team
            }
            Watch::Undelivered | Watch::RefundOverdue => &self.config.lead,
        }
    }

    /// The review request come due: asked once, when the order is
    /// delivered and kept and the customer may receive marketing email.
    /// Each check is taken as the clock speaks, consent and suppression
    /// again as conditions of the commit, and consent once more on a retry
    /// before the email leaves.
    pub(crate) async fn review_request(
        &self,
        meta: &EventMeta,
        due: &JourneyDue,
        id: &OrderId,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let (Some(review), Some(signer)) = (&self.config.review, &self.signer) else {
            return Ok("review request: review requests are off");
        };
        let customer_id = &due.customer_id;
        let (mut order, mut customer) = self.store.order_with_customer(id, customer_id).await?;
        let skipped = |skip: Skip| {
            tracing::info!(reason = skip.outcome(), "review request not sent");
            Ok(skip.outcome())
        };
        if unit.saved::<Kept>()?.is_some() && unit.committed() {
            // The last look before it leaves: an unsubscribe in between
            // stops it.
            if !customer.as_ref().is_some_and(|c| c.marketing_consent) {
                return skipped(Skip::NoConsent);
            }
        } else {
            let mut returned = None;
            let mut attempts = 0;
            loop {
                attempts += 1;
                let Some(known) = order.as_ref() else {
                    return Ok("clock of an order no longer kept");
                };
                let address = customer.as_ref().and_then(|c| c.contact.email.clone());
                let consent = customer.as_ref().is_some_and(|c| c.marketing_consent);
                if let Err(skip) = may_ask(known, &review.link, false, address.is_some(), consent) {
                    return skipped(skip);
                }
                // Read only when everything else allows: one query.
                let was_returned = match returned {
                    Some(r) => r,
                    None => *returned.insert(self.store.returned(customer_id, id).await?),
                };
                if was_returned {
                    return skipped(Skip::Returned);
                }
                let Some(address) = address else {
                    return skipped(Skip::NoAddress);
                };
                let tz = &self.config.shop.time_zone;
                let writes = [
                    known.alerted_of(Watch::ReviewRequest, meta.time).write(),
                    Write::Consented(customer_id.clone()),
                    Write::NotSuppressed(address),
                    Write::Count(
                        Week::of(meta.time, tz),
                        vec![(names::REVIEW_REQUESTS.to_owned(), 1)],
                    ),
                ];
                let conflicts = unit
                    .commit(
                        &writes,
                        &Kept {
                            tell: true,
                            redeemed: Vec::new(),
                        },
                    )
                    .await?;
                if conflicts.is_empty() {
                    break;
                }
                if conflicts.contains(&Conflict::Suppressed) {
                    return skipped(Skip::Suppressed);
                }
                if attempts >= ATTEMPTS {
                    return Err(Error::Exhausted("review request (too many conflicts)"));
                }
                // The order moved on, or consent was withdrawn: read again.
                (order, customer) = self.store.order_with_customer(id, customer_id).await?;
            }
        }
        let order = order.ok_or_else(|| Error::NotFound(format!("order {id}")))?;
        let contact = known_contact(customer.as_ref(), &ContactDetails::default());
        let Some(to) = contact.email.clone() else {
            return skipped(Skip::NoAddress);
        };
        let shop = &self.config.shop;
        let locale = contact.locale(shop.default_locale);
        let tz = self.config.shop.clock_of(contact.time_zone.as_deref());
        let delivered = order.delivered_at.unwrap_or(due.due).to_zoned(tz).date();
        let unsubscribe = signer.unsubscribe_url(&review.links_base_url, customer_id.as_str());
        let links = review.link.links(&order);
        let rendered = review_request(
            locale,
            &ReviewRequest {
                shop: &shop.name,
                name: contact.name.as_deref(),
                order: order.known_as(),
                delivered,
                links: &links,
                more: review.link.unlisted(&order),
                unsubscribe_url: &unsubscribe,
            },
        )?;
        let email = OutgoingEmail::new(to, rendered, REVIEW_TEMPLATE).with_unsubscribe(unsubscribe);
        unit.effect(TOLD, || self.mailer.send(&email)).await?;
        tracing::info!(locale = locale.tag(), "review requested");
        Ok("review requested")
    }

    /// The clock of `order`'s promise, on the customer's clock (their time
    /// zone, else the shop's), while an apology is still due.
    pub(crate) fn promise_clock(&self, order: &Order, customer_tz: Option<&str>) -> Option<Write> {
        let tz = self.config.shop.clock_of(customer_tz);
        let (promise, due) = JourneyPolicy::promise_clock(order, &tz)?;
        let clock = JourneyDue {
            watch: Watch::Promise,
            customer_id: order.customer_id.clone(),
            about: Watched::Order(order.id.clone()),
            promise: Some(promise),
            due,
        };
        Some(Write::Schedule(clock.to_scheduled(SOURCE)))
    }
}

/// Who a clock's alert goes to.
pub(crate) fn alerted_one(watch: Watch) -> &'static str {
    match watch {
        Watch::Promise | Watch::ReviewRequest => "customer",
        Watch::Unshipped | Watch::RefundWarning => "team",
        Watch::Undelivered | Watch::RefundOverdue => "lead",
    }
}
