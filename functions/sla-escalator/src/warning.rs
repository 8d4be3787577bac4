//! `sla.warning`: a short alert to the support team before a deadline,
//! unless the deadline stopped or passed meanwhile; held until working hours
//! when it comes outside them (an urgent ticket's never waits).

use super::*;

impl<S, M, P, R> Handler<S, M, P, R>
where
    S: CustomerStore + CouponStore + TicketStore + WorkStore,
    M: Mailer,
    P: Publisher,
    R: CouponRegistry,
{
    pub(crate) async fn warning(
        &self,
        alarm: &SlaAlarm,
        at: Timestamp,
        unit: &Unit<'_, S>,
    ) -> Result<Outcome> {
        if alarm.part == Some(Part::Customer) {
            return Err(Error::contract(
                "data.part",
                "a warning has no customer part",
            ));
        }
        let ticket = self
            .store
            .ticket(&alarm.ticket_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("ticket {}", alarm.ticket_id)))?;
        let Some(sla) = &ticket.sla else {
            return Err(Error::corrupt(
                alarm.ticket_id.to_string(),
                "a warning for a ticket without SLA",
            ));
        };
        let timer = match alarm.goal {
            Goal::FirstReply => &sla.first_reply,
            Goal::Resolution => &sla.resolution,
        };
        if !unit.committed() {
            if timer.stopped.is_some() || ticket.status == Status::Resolved {
                return Ok("warning dropped: the deadline no longer runs");
            }
            // The deadline as it stands now: a pause may have moved it.
            if at >= timer.due {
                // Too late to warn (held through the night past the
                // deadline): the breach, announced on its own, says it.
                return Ok("warning dropped: the deadline has passed");
            }
            let send_at = team_send_at(at, alarm.priority, &self.config.calendar);
            if send_at > at {
                let event = InternalEvent::SlaWarning(alarm.clone());
                let hold = self.hold(&event, Part::Team, send_at);
                self.commit_all(unit, &[hold], &Kept::default()).await?;
                return Ok("warning held until working hours");
            }
        }
        let shop = &self.config.shop;
        let rendered = mails::team_alert(
            shop.default_locale,
            &TeamAlert {
                shop: &shop.name,
                ticket: &alarm.ticket_id,
                category: ticket.category,
                priority: ticket.priority,
                kind: AlertKind::Warning {
                    deadline: missed(alarm.goal),
                    time_left: timer.due.duration_since(at),
                },
                due: timer.due,
                shop_tz: &shop.time_zone,
            },
        )?;
        let email = OutgoingEmail::new(self.config.team.clone(), rendered, "team_alert");
        if unit
            .effect(TEAM_SENT, || self.mailer.send(&email))
            .await?
            .is_some()
        {
            memnun_shared::metrics::count(
                memnun_shared::metrics::SLA_WARNINGS,
                &[alarm.goal.as_str()],
            );
        }
        Ok("team warned")
    }
}
