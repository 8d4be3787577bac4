//! `sla.breached`: the lead's alert and the customer's apology, each at its
//! hour, decided once and committed with the breach's counter, the day's
//! apology claim and the coupon ([`crate`] docs, "one unit per alarm").

use super::*;

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: CustomerStore + CouponStore + TicketStore + WorkStore,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    pub(crate) async fn breach(
        &self,
        alarm: &SlaAlarm,
        at: Timestamp,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        let wants_customer = alarm.part != Some(Part::Team);
        let (ticket, mut customer) = if wants_customer {
            self.store
                .ticket_with_customer(&alarm.ticket_id, &alarm.customer_id)
                .await?
        } else {
            (self.store.ticket(&alarm.ticket_id).await?, None)
        };
        let ticket =
            ticket.ok_or_else(|| Error::NotFound(format!("ticket {}", alarm.ticket_id)))?;
        let mut kept = match unit.saved::<Kept>()? {
            Some(kept) if unit.committed() => kept,
            _ => {
                // The monitor sends before it marks: a reply that was in
                // time and recorded at that very moment withdraws the
                // breach.
                let stopped = ticket.sla.as_ref().and_then(|clock| match alarm.goal {
                    Goal::FirstReply => clock.first_reply.stopped,
                    Goal::Resolution => clock.resolution.stopped,
                });
                if let Some((_, sla::Outcome::Met)) = stopped {
                    return Ok("breach withdrawn: the deadline was met after all");
                }
                self.decide(alarm, at, &ticket, &mut customer, unit).await?
            }
        };
        let holder = Holder {
            email: customer.as_ref().and_then(|c| c.contact.email.as_ref()),
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
        let has = |what: &str| kept.sends.iter().any(|s| s == what);
        let team = if has(TEAM) {
            self.breach_team(alarm, at, unit).await?;
            Done::Sent
        } else if has(TEAM_HELD) {
            Done::Held
        } else {
            Done::Skipped
        };
        let customer = if has(CUSTOMER) {
            let contact = customer.map(|c| c.contact).unwrap_or_default();
            self.breach_customer(alarm, at, contact, coupon, unit)
                .await?
        } else if has(CUSTOMER_HELD) {
            Done::Held
        } else {
            Done::Skipped
        };
        Ok(match (team, customer) {
            (Done::Sent, Done::Sent) => "breach: lead alerted, customer apologised to",
            (Done::Sent, Done::Held) => "breach: lead alerted, apology held until a civil hour",
            (Done::Sent, Done::Skipped) => "breach: lead alerted",
            (Done::Held, Done::Sent) => {
                "breach: lead alert held until working hours, customer apologised to"
            }
            (Done::Held, Done::Held) => "breach: both held until a civil hour",
            (Done::Held, Done::Skipped) => "breach: lead alert held until working hours",
            (Done::Skipped, Done::Sent) => "breach: customer apologised to",
            (Done::Skipped, Done::Held) => "breach: apology held until a civil hour",
            (Done::Skipped, Done::Skipped) => "breach: nothing to send",
        })
    }

    /// Decides what the breach does for the lead and for the customer, and
    /// commits it: the breach counted, parts held, the day's apology claimed,
    /// the coupon under the cap and one per ticket.
    async fn decide(
        &self,
        alarm: &SlaAlarm,
        at: Timestamp,
        ticket: &memnun_shared::domain::ticket::Ticket,
        customer: &mut Option<Customer>,
        unit: &Unit<'_, S>,
    ) -> Result<Kept> {
        let shop = &self.config.shop;
        let event = InternalEvent::SlaBreached(alarm.clone());
        let source_key = format!("sla:{}:{}", alarm.ticket_id, alarm.goal.as_str());
        let other = match alarm.goal {
            Goal::FirstReply => Goal::Resolution,
            Goal::Resolution => Goal::FirstReply,
        };
        let other_key = format!("sla:{}:{}", alarm.ticket_id, other.as_str());
        // What a conflict rules out, for the next attempt.
        let mut day_taken = false;
        let mut no_coupon = false;
        let mut prior_coupon: Option<Coupon> = None;
        for _ in 0..ATTEMPTS {
            let mut writes = Vec::new();
            let mut sends = Vec::new();
            let mut messages = Vec::new();
            let mut coupon = None;
            if alarm.part.is_none() {
                writes.push(Write::Count(
                    Week::of(alarm.due, &shop.time_zone),
                    vec![(names::breaches(alarm.goal), 1)],
                ));
                // The help desk raises the ticket (the outbound function),
                // whenever the emails go out.
                messages.push(outbound::ticket_escalated(alarm, at, SOURCE));
            }
            if alarm.part != Some(Part::Customer) {
                let send_at = team_send_at(at, alarm.priority, &self.config.calendar);
                if send_at > at {
                    writes.push(self.hold(&event, Part::Team, send_at));
                    sends.push(TEAM_HELD.to_owned());
                } else {
                    sends.push(TEAM.to_owned());
                }
            }
            // Both deadlines missed at once (a sweep after an outage): the
            // resolution's apology, which may carry a coupon, is the one the
            // customer gets; the first reply's goes to the lead only.
            let both_missed = alarm.goal == Goal::FirstReply
                && ticket
                    .sla
                    .as_ref()
                    .is_some_and(|c| c.resolution.stopped.is_none() && c.resolution.due <= at);
            let contact = customer
                .as_ref()
                .map(|c| c.contact.clone())
                .unwrap_or_default();
            if alarm.part != Some(Part::Team) && !both_missed && !day_taken {
                match &contact.email {
                    None => {
                        tracing::warn!(customer_id = %alarm.customer_id, ticket = %alarm.ticket_id, "breach for a customer with no email: nobody to apologise to");
                    }
                    Some(_) => {
                        let customer_tz = self.config.shop.clock_of(contact.time_zone.as_deref());
                        let send_at = customer_send_at(at, &customer_tz, &self.config.civil_hours);
                        if send_at > at {
                            writes.push(self.hold(&event, Part::Customer, send_at));
                            sends.push(CUSTOMER_HELD.to_owned());
                        } else {
                            // One apology per ticket per day on the
                            // customer's clock: the first breach to claim
                            // the day apologises, the other goes to the lead
                            // only.
                            let day = at.to_zoned(customer_tz.clone()).date();
                            writes.push(Write::Claim(WorkKey::sla_apology(&alarm.ticket_id, day)));
                            sends.push(CUSTOMER.to_owned());
                            let last = customer.as_ref().and_then(|c| c.last_apology_coupon_at);
                            let policy = &self.config.coupon;
                            coupon = match (&prior_coupon, no_coupon) {
                                (Some(c), _) => Some(c.clone()),
                                (None, true) => None,
                                (None, false) => {
                                    match policy.offer(alarm.goal, at, last, &shop.time_zone) {
                                        Some(offer) => {
                                            let c = Coupon {
                                                code: CouponCode::generate(
                                                    CouponReason::SlaBreach,
                                                )?,
                                                customer_id: alarm.customer_id.clone(),
                                                reason: CouponReason::SlaBreach,
                                                value: CouponValue::Percent(offer.percent),
                                                issued_at: at,
                                                expires_at: offer.expires_at,
                                                source_event: source_key.clone(),
                                            };
                                            // One coupon per ticket: the other
                                            // deadline's breach may have brought
                                            // one already.
                                            writes.push(Write::NoCoupon {
                                                customer: alarm.customer_id.clone(),
                                                reason: CouponReason::SlaBreach,
                                                source_event: other_key.clone(),
                                            });
                                            writes.push(Write::Coupon(c.clone()));
                                            writes.push(Write::Profile(ProfileWrite {
                                                id: alarm.customer_id.clone(),
                                                contact: None,
                                                apology_coupon: Some((at, policy.cap_cutoff(at))),
                                                greeted: None,
                                            }));
                                            writes.push(Write::Count(
                                                Week::of(at, &shop.time_zone),
                                                memnun_shared::app::count::coupon_amounts(&c),
                                            ));
                                            Some(c)
                                        }
                                        None => None,
                                    }
                                }
                            };
                            if let Some(c) = &coupon {
                                messages.push(outbound::coupon_issued(c, SOURCE));
                                writes.extend(
                                    CouponExpiring::held(
                                        &self.config.reminder,
                                        c,
                                        &customer_tz,
                                        SOURCE,
                                    )
                                    .map(Write::Schedule),
                                );
                            }
                        }
                    }
                }
            }
            let kept = Kept {
                sends,
                ..Kept::default()
            }
            .with_coupon(coupon.as_ref())
            .with_messages(messages);
            let conflicts = unit.commit(&writes, &kept).await?;
            if conflicts.is_empty() {
                return Ok(kept);
            }
            for conflict in conflicts {
                match conflict {
                    Conflict::Claimed(_) => {
                        tracing::info!(ticket = %alarm.ticket_id, goal = alarm.goal.as_str(), "the customer had this ticket's apology today; the lead only");
                        day_taken = true;
                    }
                    Conflict::OtherCoupon => no_coupon = true,
                    Conflict::Profile => {
                        *customer = self.store.customer(&alarm.customer_id).await?;
                    }
                    Conflict::CouponCause => {
                        prior_coupon = self
                            .store
                            .issued_for(&alarm.customer_id, CouponReason::SlaBreach, &source_key)
                            .await?;
                    }
                    _ => {}
                }
            }
        }
        Err(Error::Exhausted("breach commit (too many conflicts)"))
    }

    async fn breach_team(&self, alarm: &SlaAlarm, at: Timestamp, unit: &Unit<'_, S>) -> Result<()> {
        let shop = &self.config.shop;
        let rendered = mails::team_alert(
            shop.default_locale,
            &TeamAlert {
                shop: &shop.name,
                ticket: &alarm.ticket_id,
                category: alarm.category,
                priority: alarm.priority,
                kind: AlertKind::Breach {
                    missed: missed(alarm.goal),
                    overdue: at.duration_since(alarm.due),
                },
                due: alarm.due,
                shop_tz: &shop.time_zone,
            },
        )?;
        let email = OutgoingEmail::new(self.config.lead.clone(), rendered, "team_alert");
        unit.effect(TEAM_SENT, || self.mailer.send(&email)).await?;
        Ok(())
    }

    async fn breach_customer(
        &self,
        alarm: &SlaAlarm,
        at: Timestamp,
        contact: ContactDetails,
        coupon: Option<Coupon>,
        unit: &Unit<'_, S>,
    ) -> Result<Done> {
        let shop = &self.config.shop;
        let Some(to) = contact.email.clone() else {
            return Ok(Done::Skipped);
        };
        let customer_tz = self.config.shop.clock_of(contact.time_zone.as_deref());
        let locale = Locale::choose(contact.locale.as_deref(), shop.default_locale);
        let rendered = mails::breach_apology(
            locale,
            &BreachApology {
                shop: &shop.name,
                name: contact.name.as_deref(),
                ticket: &alarm.ticket_id,
                missed: missed(alarm.goal),
                expect_by: Some(promise_after_breach(
                    at,
                    self.config.targets.urgent.first_reply,
                    &self.config.calendar,
                )),
                customer_tz: &customer_tz,
                coupon: coupon.as_ref(),
                shop_tz: &shop.time_zone,
                reply_reaches_ticket: self.config.reply_to.is_some(),
            },
        )?;
        let email = OutgoingEmail::new(to, rendered, "breach_apology")
            .with_reply_to(self.config.reply_to.clone());
        unit.effect(CUSTOMER_SENT, || self.mailer.send(&email))
            .await?;
        tracing::info!(ticket = %alarm.ticket_id, goal = alarm.goal.as_str(), coupon = coupon.is_some(), locale = locale.tag(), "breach apology sent");
        Ok(Done::Sent)
    }
}
