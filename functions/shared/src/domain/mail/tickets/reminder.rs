//! The friendly reminder to a customer a ticket waits on
//! ([`crate::domain::waiting`]): when the team asked, and, when tickets
//! close for no reply, by when they close, on the customer's clock.

use super::*;

/// What the reminder says.
#[derive(Debug, Clone)]
pub struct Reminder<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The ticket that waits.
    pub ticket: &'a TicketNumber,
    /// When the team's reply the ticket waits on was written.
    pub asked_at: Timestamp,
    /// When it closes for no reply, if it does.
    pub closes_at: Option<Timestamp>,
    /// The customer's time zone.
    pub customer_tz: &'a TimeZone,
    /// Whether a reply reaches the ticket, as for the acknowledgement.
    pub reply_reaches_ticket: bool,
}

struct ReminderView {
    lang: &'static str,
    subject: String,
    shop: String,
    name: Option<String>,
    ticket: String,
    asked: String,
    closes: Option<String>,
    zone: String,
    reply_reaches_ticket: bool,
}

/// Renders the reminder in `locale`.
pub fn reminder(locale: Locale, r: &Reminder<'_>) -> Result<Rendered> {
    let shop = shop_name(r.shop);
    let subject = match locale {
        Locale::Tr => format!("[{}] {shop}: Yanıtınızı bekliyoruz", r.ticket),
        Locale::En => format!("[{}] {shop}: We are waiting for your answer", r.ticket),
    };
    let v = ReminderView {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop,
        name: customer_name(r.name),
        ticket: r.ticket.to_string(),
        asked: local_date_time(locale, r.asked_at, r.customer_tz),
        closes: r
            .closes_at
            .map(|t| local_date_time(locale, t, r.customer_tz)),
        zone: zone_name(r.customer_tz, r.asked_at),
        reply_reaches_ticket: r.reply_reaches_ticket,
    };
    let v = &v;
    match locale {
        Locale::Tr => finish(
            "reminder",
            &v.subject,
            &ReminderTrHtml { v },
            &ReminderTrText { v },
        ),
        Locale::En => finish(
            "reminder",
            &v.subject,
            &ReminderEnHtml { v },
            &ReminderEnText { v },
        ),
    }
}

templates! {
    ReminderTrHtml(ReminderView) => "reminder_tr.html",
    ReminderTrText(ReminderView) => "reminder_tr.txt",
    ReminderEnHtml(ReminderView) => "reminder_en.html",
    ReminderEnText(ReminderView) => "reminder_en.txt",
}
