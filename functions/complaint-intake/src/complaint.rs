//! `complaint.created`: a ticket with a number, a category, a priority and
//! SLA deadlines, opened in one commit with the contact details and the
//! counters; then `ticket.opened` and the acknowledgement. A complaint
//! that continues an open ticket joins it instead (`thread`).

use super::*;

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: Store,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    pub(crate) async fn complaint(
        &self,
        meta: &EventMeta,
        c: &ComplaintCreated,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let shop = &self.config.shop;
        // The profile with the customer's coupons and orders, in one read:
        // the contact to acknowledge, and the history for the agent.
        let (stored, footprint) = self.store.customer_with_footprint(&c.customer_id).await?;
        let kept = match unit.saved::<Kept>()? {
            Some(kept) if unit.committed() => kept,
            _ => match self.join(meta, c, unit, stored.clone(), &footprint).await? {
                Some(kept) => kept,
                None => self.open(meta, c, unit, stored.clone(), &footprint).await?,
            },
        };
        let contact = unit::known_contact(stored.as_ref(), &c.customer);
        if let Some(joined) = &kept.joined {
            return self.joined(meta, c, unit, &kept, joined, contact).await;
        }
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
        let number = kept
            .ticket_number(&meta.key())?
            .ok_or_else(|| Error::corrupt(meta.key(), "the commit kept no ticket number"))?;
        let Some(to) = contact.email.clone() else {
            tracing::warn!(customer_id = %c.customer_id, "complaint from a customer with no email: ticket opened, not acknowledged");
            return Ok("ticket opened; no address to acknowledge");
        };
        let first_reply_due: Timestamp = kept
            .at
            .as_deref()
            .and_then(|at| at.parse().ok())
            .ok_or_else(|| Error::corrupt(number.to_string(), "a complaint ticket without SLA"))?;
        // The same text classifies the same way on every attempt.
        let category = classify(c.subject.as_deref(), &c.message).category;
        let locale = contact.locale(shop.default_locale);
        let answers = self.suggestions(&number, category, c, locale);
        let order = self.order_asked_about(category, c, &footprint).await?;
        let rendered = mails::acknowledgement(
            locale,
            &Acknowledgement {
                shop: &shop.name,
                name: contact.name.as_deref(),
                ticket: &number,
                category,
                first_reply_due,
                customer_tz: &contact.time_zone(&shop.time_zone),
                reply_reaches_ticket: self.config.reply_to.is_some(),
                answers: &answers,
                order: order.as_ref(),
            },
        )?;
        let email =
            OutgoingEmail::new(to, rendered, "ack").with_reply_to(self.config.reply_to.clone());
        unit.effect(ACKNOWLEDGED, || self.mailer.send(&email))
            .await?;
        Ok("ticket opened and acknowledged")
    }

    /// The FAQ's answers for the complaint, with their signed links
    /// ([`memnun_shared::domain::faq`]); none without an FAQ.
    fn suggestions(
        &self,
        number: &TicketNumber,
        category: memnun_shared::domain::ticket::Category,
        c: &ComplaintCreated,
        locale: memnun_shared::domain::locale::Locale,
    ) -> Vec<mails::Suggestion> {
        let Some(faq) = &self.config.faq else {
            return Vec::new();
        };
        faq.suggest(category, c.subject.as_deref(), &c.message)
            .into_iter()
            .map(|entry| {
                let token = self
                    .signer
                    .sign(Purpose::Answered, &format!("{number}:{}", entry.id));
                let text = entry.text(locale);
                mails::Suggestion {
                    question: text.question.clone(),
                    answer: text.answer.clone(),
                    link: format!("{}/answered?t={token}", self.config.links_base_url),
                }
            })
            .collect()
    }

    /// For a delivery complaint about an order the journey follows, the
    /// order as it stands (one read, only then): "where is my order?"
    /// answered in the acknowledgement.
    async fn order_asked_about(
        &self,
        category: memnun_shared::domain::ticket::Category,
        c: &ComplaintCreated,
        footprint: &Footprint,
    ) -> Result<Option<memnun_shared::domain::order::Order>> {
        if category != memnun_shared::domain::ticket::Category::Delivery {
            return Ok(None);
        }
        let Some(known) = c
            .order_id
            .as_deref()
            .and_then(|id| footprint.orders.iter().find(|o| o.id.as_str() == id))
        else {
            return Ok(None);
        };
        let (order, _) = self
            .store
            .order_with_customer(&known.id, &c.customer_id)
            .await?;
        Ok(order.filter(|o| o.customer_id == c.customer_id))
    }

    /// What the FAQ adds to the week's counters for a new complaint: an
    /// offer, or the category it had no answer for (what to write next).
    fn faq_amounts(
        &self,
        category: memnun_shared::domain::ticket::Category,
        c: &ComplaintCreated,
    ) -> Vec<(String, i64)> {
        use memnun_shared::domain::digest::names;
        match &self.config.faq {
            None => Vec::new(),
            Some(faq)
                if faq
                    .suggest(category, c.subject.as_deref(), &c.message)
                    .is_empty() =>
            {
                vec![(names::faq_unanswered(category), 1)]
            }
            Some(_) => vec![(names::FAQ_OFFERED.to_owned(), 1)],
        }
    }

    /// Opens the complaint's ticket with the contact details and the
    /// counters, in one commit; its `ticket.opened` carries the customer's
    /// history ([`memnun_shared::domain::history`]).
    pub(crate) async fn open(
        &self,
        meta: &EventMeta,
        c: &ComplaintCreated,
        unit: &Unit<'_, S>,
        mut stored: Option<memnun_shared::domain::customer::Customer>,
        footprint: &Footprint,
    ) -> Result<Kept> {
        let now = meta.time;
        let event_key = meta.key();
        let tz = &self.config.shop.time_zone;
        // One read of the customer's tickets serves both: the complaints of
        // the last 30 days for the priority, the last 90 for the history.
        let since = now.checked_sub(history::WINDOW).unwrap_or(Timestamp::MIN);
        let past = self
            .store
            .tickets_between(&c.customer_id, since, now)
            .await?;
        let recent = now.checked_sub(repeat_window()).unwrap_or(Timestamp::MIN);
        let prior = u32::try_from(
            past.iter()
                .filter(|t| t.origin == Origin::Complaint && t.opened_at >= recent)
                .count(),
        )
        .unwrap_or(u32::MAX);
        let history = History::summarise(now, &past, footprint);
        let classification = classify(c.subject.as_deref(), &c.message);
        let priority = priority(&PriorityInput {
            category: classification.category,
            channel: c.channel,
            prior_complaints_30d: prior,
            urgent_language: signals_urgency(c.subject.as_deref(), &c.message),
        });
        // Opened by an earlier version of this function that stopped half
        // way: found only when a commit names the cause as taken.
        let mut prior_ticket: Option<Ticket> = None;
        for _ in 0..UPDATE_ATTEMPTS {
            let mut writes = Vec::new();
            let ticket = match &prior_ticket {
                Some(t) => t.clone(),
                None => {
                    let mut ticket = Ticket::new(
                        TicketNumber::generate()?,
                        &c.customer_id,
                        Origin::Complaint,
                        classification.category,
                        priority,
                        now,
                        &event_key,
                    );
                    ticket.channel = Some(c.channel);
                    ticket.order_id = c.order_id.clone();
                    ticket.subject = Some(display_text(
                        c.subject.as_deref().unwrap_or(&c.message),
                        200,
                    ));
                    ticket.summary = Some(display_text(&c.message, 1000));
                    ticket.sla = Some(self.config.sla.start(priority, now, &self.config.calendar));
                    writes.push(Write::Ticket(Box::new(ticket.clone())));
                    let mut amounts = app::count::complaint_amounts(&ticket);
                    amounts.extend(self.faq_amounts(classification.category, c));
                    writes.push(Write::Count(Week::of(now, tz), amounts));
                    ticket
                }
            };
            if let Some(contact) = unit::contact_write(stored.as_ref(), &c.customer, now) {
                writes.push(Write::Profile(ProfileWrite::contact(
                    c.customer_id.clone(),
                    contact,
                )));
            }
            let kept = Kept {
                ticket: Some(ticket.number.to_string()),
                at: ticket
                    .sla
                    .as_ref()
                    .map(|sla| memnun_shared::time::to_key(sla.first_reply.due)),
                ..Kept::default()
            }
            .with_messages(vec![outbound::ticket_opened(
                &ticket,
                Some(&history),
                SOURCE,
            )]);
            let conflicts = unit.commit(&writes, &kept).await?;
            if conflicts.is_empty() {
                tracing::info!(
                    ticket = %ticket.number,
                    category = %ticket.category,
                    priority = %ticket.priority,
                    prior_complaints = prior,
                    "ticket opened"
                );
                return Ok(kept);
            }
            if conflicts.contains(&Conflict::Profile) {
                stored = self.store.customer(&c.customer_id).await?;
            }
            if conflicts.contains(&Conflict::TicketCause) {
                prior_ticket = self
                    .store
                    .opened_for(&c.customer_id, Origin::Complaint, &event_key)
                    .await?;
            }
        }
        Err(Error::Exhausted("complaint commit (too many conflicts)"))
    }
}
