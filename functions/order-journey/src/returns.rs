//! A return's life: the request kept with its ticket and confirmed at once, and
//! each later step (approved, rejected, received, refunded, exchange shipped)
//! merged into the kept return and told to the customer when it is news.

use super::*;

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: OrderStore + TicketStore + CouponStore + WorkStore,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    /// A later step of a return: merged into the kept return over the
    /// version it was read at, and the customer told when it is news.
    pub(crate) async fn progress(
        &self,
        meta: &EventMeta,
        about: &ReturnUpdate,
        order_id: Option<&OrderId>,
        step: ReturnStep,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let (mut stored, mut customer) = self
            .store
            .return_with_customer(&about.return_id, &about.customer_id)
            .await?;
        let kept = match unit.saved::<Kept>()? {
            Some(kept) if unit.committed() => kept,
            _ => {
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let mut r = known_return(stored.as_ref(), about, order_id)?.clone();
                    let applied = r.apply(&step, meta.time);
                    let mut writes = Vec::new();
                    if let (ReturnStep::Refunded(_), Applied::Tell, ReturnKind::Return) =
                        (&step, applied, r.kind)
                    {
                        // For the digest: within the legal 14 days or not.
                        let tz = &self.config.shop.time_zone;
                        let on_time = meta.time < end_of_day(r.refund_due(tz), tz);
                        let name = if on_time {
                            names::REFUNDS_ON_TIME
                        } else {
                            names::REFUNDS_LATE
                        };
                        writes.push(Write::Count(
                            Week::of(meta.time, tz),
                            vec![(name.to_owned(), 1)],
                        ));
                    }
                    if applied != Applied::Unchanged {
                        writes.push(Write::Return(Box::new(r)));
                    }
                    let kept = Kept {
                        tell: applied == Applied::Tell,
                        redeemed: Vec::new(),
                    };
                    if unit.commit(&writes, &kept).await?.is_empty() {
                        break kept;
                    }
                    if attempts >= ATTEMPTS {
                        return Err(Error::Exhausted("return commit (too many conflicts)"));
                    }
                    (stored, customer) = self
                        .store
                        .return_with_customer(&about.return_id, &about.customer_id)
                        .await?;
                }
            }
        };
        let step_name = ReturnStage::from(&step).as_str();
        if !kept.tell {
            return Ok("return step recorded");
        }
        // The return as committed (read again on a retry and merged again:
        // the merge is idempotent).
        let mut told = known_return(stored.as_ref(), about, order_id)?.clone();
        told.apply(&step, meta.time);
        let passed = match step {
            ReturnStep::Approved(_) | ReturnStep::Received | ReturnStep::Rejected(_) => {
                told.stage() != ReturnStage::from(&step)
            }
            ReturnStep::Refunded(_) | ReturnStep::ExchangeShipped(_) => false,
        };
        if passed {
            // A later step arrived between the commit and this retry.
            return Ok("return step recorded; the return moved on before the email");
        }
        let contact = known_contact(customer.as_ref(), &ContactDetails::default());
        let Some(to) = contact.email.clone() else {
            tracing::warn!(customer_id = %about.customer_id, step = step_name, "a return's news for a customer with no email: recorded, not told");
            return Ok("return step recorded; no address to tell");
        };
        let shop = &self.config.shop;
        let locale = contact.locale(shop.default_locale);
        let news = match &step {
            // The approval kept first (the merge keeps the first one heard).
            ReturnStep::Approved(approval) => ReturnNews::Approved {
                approval: told.approved.as_ref().map_or(approval, |(_, a)| a),
                ship_by: told.ship_by(&shop.time_zone),
            },
            ReturnStep::Rejected(reason) => ReturnNews::Rejected(reason),
            ReturnStep::Received => ReturnNews::Received {
                refund_by: (told.kind == ReturnKind::Return)
                    .then(|| told.refund_due(&shop.time_zone)),
            },
            ReturnStep::Refunded(refund) => ReturnNews::Refunded(refund),
            ReturnStep::ExchangeShipped(parcel) => ReturnNews::ExchangeShipped(parcel),
        };
        let rendered = return_progress(
            locale,
            &ReturnProgress {
                shop: &shop.name,
                name: contact.name.as_deref(),
                order: told.order_id.as_str(),
                about: Some((&told.id, &told.ticket)),
                kind: told.kind,
                news,
            },
        )?;
        let email = OutgoingEmail::new(to, rendered, PROGRESS_TEMPLATE)
            .with_reply_to(self.config.reply_to.clone());
        unit.effect(TOLD, || self.mailer.send(&email)).await?;
        tracing::info!(ticket = %told.ticket, step = step_name, locale = locale.tag(), "return step told");
        Ok("return step recorded; customer told")
    }

    /// A return request: kept, a ticket for the team published, the
    /// customer's confirmation sent; nothing when the request is known.
    pub(crate) async fn return_requested(
        &self,
        meta: &EventMeta,
        request: &ReturnRequested,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let (mut stored, mut customer) = self
            .store
            .return_with_customer(&request.return_id, &request.customer_id)
            .await?;
        let kept = match unit.saved::<Published>()? {
            Some(kept) if unit.committed() => kept,
            _ => {
                let mut prior_ticket = None;
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let (kept, conflicts) = self
                        .commit_return(
                            meta,
                            request,
                            unit,
                            stored.as_ref(),
                            &customer,
                            &prior_ticket,
                        )
                        .await?;
                    if conflicts.is_empty() {
                        break kept;
                    }
                    if attempts >= ATTEMPTS {
                        return Err(Error::Exhausted("return commit (too many conflicts)"));
                    }
                    if conflicts.contains(&Conflict::TicketCause) {
                        prior_ticket = self
                            .store
                            .opened_for(&request.customer_id, Origin::ReturnRequest, &meta.key())
                            .await?;
                    }
                    (stored, customer) = self
                        .store
                        .return_with_customer(&request.return_id, &request.customer_id)
                        .await?;
                }
            }
        };
        let Some(ticket) = kept.ticket_number(&meta.key())? else {
            return Ok("return known already");
        };
        unit::publish_with_ticket(
            unit,
            PUBLISHED,
            &self.store,
            &self.publisher,
            &self.config.resources.outbound_queue_url,
            &kept,
            SOURCE,
        )
        .await?;
        let contact = known_contact(customer.as_ref(), &request.customer);
        let Some(to) = contact.email.clone() else {
            tracing::warn!(customer_id = %request.customer_id, "return requested by a customer with no email: ticket opened, not confirmed");
            return Ok("return requested; no address to confirm");
        };
        let shop = &self.config.shop;
        let locale = contact.locale(shop.default_locale);
        let rendered = return_received(
            locale,
            &ReturnReceived {
                shop: &shop.name,
                name: contact.name.as_deref(),
                order: request.order_id.as_str(),
                return_id: &request.return_id,
                kind: request.kind,
                ticket: &ticket,
            },
        )?;
        let email = OutgoingEmail::new(to, rendered, RETURN_TEMPLATE)
            .with_reply_to(self.config.reply_to.clone());
        unit.effect(CONFIRMED, || self.mailer.send(&email)).await?;
        tracing::info!(ticket = %ticket, locale = locale.tag(), "return request confirmed");
        Ok("return requested; ticket opened and customer confirmed")
    }

    /// Keeps a new return request with its ticket and any newer contact
    /// details, in one commit; a request already kept commits nothing.
    pub(crate) async fn commit_return(
        &self,
        meta: &EventMeta,
        request: &ReturnRequested,
        unit: &Unit<'_, S>,
        stored: Option<&Return>,
        customer: &Option<memnun_shared::domain::customer::Customer>,
        prior_ticket: &Option<Ticket>,
    ) -> Result<(Published, Vec<Conflict>)> {
        if let Some(known) = stored {
            if known.customer_id != request.customer_id {
                return Err(Error::contract(
                    "data.customer_id",
                    "names another customer than the return's",
                ));
            }
            let conflicts = unit.commit(&[], &Published::default()).await?;
            return Ok((Published::default(), conflicts));
        }
        let mut writes = Vec::new();
        let ticket = match prior_ticket {
            Some(t) => t.clone(),
            None => {
                let t = self.return_ticket(meta, request)?;
                writes.push(Write::Ticket(Box::new(t.clone())));
                t
            }
        };
        let requested = Return::requested(
            request.return_id.clone(),
            request.order_id.clone(),
            request.customer_id.clone(),
            request.kind,
            request.reason.clone(),
            meta.time,
            ticket.number.clone(),
        );
        // For the digest: the request, and its reason read like a complaint.
        let reason = classify(None, request.reason.as_deref().unwrap_or_default()).category;
        writes.push(Write::Count(
            Week::of(meta.time, &self.config.shop.time_zone),
            vec![
                (names::RETURNS.to_owned(), 1),
                (names::returns_in(reason), 1),
            ],
        ));
        // The refund's clocks start with the request.
        for (watch, due) in self
            .config
            .policy
            .return_clocks(&requested, &self.config.shop.time_zone)
        {
            let clock = JourneyDue {
                watch,
                customer_id: request.customer_id.clone(),
                about: Watched::Return(request.return_id.clone()),
                promise: None,
                due,
            };
            writes.push(Write::Schedule(clock.to_scheduled(SOURCE)));
        }
        writes.push(Write::Return(Box::new(requested)));
        if let Some(contact) = unit::contact_write(customer.as_ref(), &request.customer, meta.time)
        {
            writes.push(Write::Profile(ProfileWrite::contact(
                request.customer_id.clone(),
                contact,
            )));
        }
        let kept = Published {
            ticket: Some(ticket.number.to_string()),
            ..Published::default()
        }
        .with_messages(vec![outbound::ticket_opened(&ticket, None, SOURCE)]);
        let conflicts = unit.commit(&writes, &kept).await?;
        Ok((kept, conflicts))
    }

    /// The team's ticket for a return request.
    pub(crate) fn return_ticket(
        &self,
        meta: &EventMeta,
        request: &ReturnRequested,
    ) -> Result<Ticket> {
        let mut ticket = Ticket::new(
            TicketNumber::generate()?,
            &request.customer_id,
            Origin::ReturnRequest,
            Category::ReturnExchange,
            Priority::Normal,
            meta.time,
            &meta.key(),
        );
        ticket.order_id = Some(request.order_id.as_str().to_owned());
        ticket.summary = Some(format!(
            "{} {} of order {}",
            request.kind.as_str(),
            request.return_id,
            request.order_id
        ));
        ticket.subject = request.reason.clone();
        Ok(ticket)
    }
}

/// The kept return an event names: it must be known (its request may still
/// be on its way: retried), of the event's customer, and of the event's
/// order when it names one.
pub(crate) fn known_return<'a>(
    stored: Option<&'a Return>,
    about: &ReturnUpdate,
    order_id: Option<&OrderId>,
) -> Result<&'a Return> {
    let r = stored.ok_or_else(|| Error::NotFound(format!("return {}", about.return_id)))?;
    if r.customer_id != about.customer_id {
        return Err(Error::contract(
            "data.customer_id",
            "names another customer than the return's",
        ));
    }
    if order_id.is_some_and(|o| *o != r.order_id) {
        return Err(Error::contract(
            "data.order_id",
            "names another order than the return's",
        ));
    }
    Ok(r)
}
