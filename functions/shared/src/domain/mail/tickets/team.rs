//! The team's SLA alerts: a warning before a deadline, a breach after it.
//! Never customer text or addresses: they go to a shared inbox.

use super::*;

/// What a team alert reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// A deadline is near.
    Warning {
        /// Which deadline.
        deadline: Missed,
        /// How long until it passes (zero or less reads as zero).
        time_left: SignedDuration,
    },
    /// A deadline has passed.
    Breach {
        /// Which deadline.
        missed: Missed,
        /// How long ago it passed.
        overdue: SignedDuration,
    },
}

/// What an SLA alert to the team says. There is deliberately no field for
/// the customer: the team opens the ticket to see who it is.
#[derive(Debug, Clone)]
pub struct TeamAlert<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The ticket.
    pub ticket: &'a TicketNumber,
    /// What it is about.
    pub category: Category,
    /// How soon it must be handled.
    pub priority: Priority,
    /// Warning or breach, and how close or how late.
    pub kind: AlertKind,
    /// The deadline.
    pub due: Timestamp,
    /// The shop's time zone, for writing `due`.
    pub shop_tz: &'a TimeZone,
}

struct TeamView {
    lang: &'static str,
    subject: String,
    shop: String,
    ticket: String,
    category: &'static str,
    priority: &'static str,
    breach: bool,
    first_reply: bool,
    due: String,
    zone: String,
    /// Time left for a warning, time overdue for a breach.
    span: String,
}

/// Renders an SLA warning or breach alert for the team in `locale` (the
/// shop's default language).
pub fn team_alert(locale: Locale, a: &TeamAlert<'_>) -> Result<Rendered> {
    let (breach, deadline, span) = match a.kind {
        AlertKind::Warning {
            deadline,
            time_left,
        } => (false, deadline, time_left.max(SignedDuration::ZERO)),
        AlertKind::Breach { missed, overdue } => (true, missed, overdue),
    };
    let span = format::duration(locale, span);
    let category = category_label(locale, a.category);
    let priority = priority_name(locale, a.priority);
    let what = match (locale, breach, deadline) {
        (Locale::Tr, false, Missed::FirstReply) => format!("ilk yanıta {span} kaldı"),
        (Locale::Tr, false, Missed::Resolution) => format!("çözüme {span} kaldı"),
        (Locale::Tr, true, Missed::FirstReply) => format!("ilk yanıt {span} gecikti"),
        (Locale::Tr, true, Missed::Resolution) => format!("çözüm {span} gecikti"),
        (Locale::En, false, Missed::FirstReply) => format!("first reply due in {span}"),
        (Locale::En, false, Missed::Resolution) => format!("resolution due in {span}"),
        (Locale::En, true, Missed::FirstReply) => format!("first reply overdue by {span}"),
        (Locale::En, true, Missed::Resolution) => format!("resolution overdue by {span}"),
    };
    let headline = match (locale, breach) {
        (Locale::Tr, false) => "SLA uyarısı",
        (Locale::Tr, true) => "SLA aşıldı",
        (Locale::En, false) => "SLA warning",
        (Locale::En, true) => "SLA breached",
    };
    let subject = format!("[{}] {headline}: {what} ({priority}, {category})", a.ticket);
    let v = TeamView {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop: shop_name(a.shop),
        ticket: a.ticket.to_string(),
        category,
        priority,
        breach,
        first_reply: deadline == Missed::FirstReply,
        due: local_date_time(locale, a.due, a.shop_tz),
        zone: zone_name(a.shop_tz, a.due),
        span,
    };
    let v = &v;
    match locale {
        Locale::Tr => finish(
            "team_alert",
            &v.subject,
            &TeamTrHtml { v },
            &TeamTrText { v },
        ),
        Locale::En => finish(
            "team_alert",
            &v.subject,
            &TeamEnHtml { v },
            &TeamEnText { v },
        ),
    }
}

templates! {
    TeamTrHtml(TeamView) => "team_alert_tr.html",
    TeamTrText(TeamView) => "team_alert_tr.txt",
    TeamEnHtml(TeamView) => "team_alert_en.html",
    TeamEnText(TeamView) => "team_alert_en.txt",
}
