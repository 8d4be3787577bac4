//! The emails of the complaint and SLA flows, in each language.
//!
//! To the customer: the acknowledgement of a new ticket, the satisfaction
//! survey when it is resolved, the apology after a low rating, the apology
//! for a late order and the apology for a missed SLA. To the team: the SLA
//! warning and breach alerts.
//!
//! Same rules as [`super::render`]: the words live in
//! `functions/shared/templates/` (`ack_tr.html`, `survey_en.txt`, …), every
//! HTML part extends `layout.html`, customer text goes through
//! [`display_text`] and is escaped by askama, subjects go through
//! [`header_text`]. Subjects of emails about a ticket start with `[TK-…]` so
//! that a reply by mail stays on the ticket. Times the customer must act on
//! are written on the customer's wall clock, with the zone named, because
//! the shop and the customer are often in different zones. Team alerts never
//! carry customer text or addresses: they go to a shared inbox and are
//! forwarded freely.

use askama::Template;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::domain::coupon::Coupon;
use crate::domain::locale::Locale;
use crate::domain::mail::render::{CouponView, Rendered, local_date_time};
use crate::domain::mail::{display_text, format, header_text};
use crate::domain::ticket::{Category, Priority, TicketNumber};
use crate::{Error, Result};

/// How a category reads inside a sentence to the customer ("Thank you for
/// contacting us about a damaged item", "… hasarlı ürün başlığı altında").
pub fn category_name(locale: Locale, c: Category) -> &'static str {
    match (locale, c) {
        (Locale::Tr, Category::Delivery) => "teslimat / kargo",
        (Locale::Tr, Category::Damaged) => "hasarlı ürün",
        (Locale::Tr, Category::WrongItem) => "yanlış ürün",
        (Locale::Tr, Category::ReturnExchange) => "iade / değişim",
        (Locale::Tr, Category::Quality) => "ürün kalitesi",
        (Locale::Tr, Category::Payment) => "ödeme",
        (Locale::Tr, Category::Other) => "diğer konular",
        (Locale::En, Category::Delivery) => "delivery",
        (Locale::En, Category::Damaged) => "a damaged item",
        (Locale::En, Category::WrongItem) => "a wrong item",
        (Locale::En, Category::ReturnExchange) => "a return or exchange",
        (Locale::En, Category::Quality) => "product quality",
        (Locale::En, Category::Payment) => "a payment",
        (Locale::En, Category::Other) => "your request",
    }
}

/// A category as a short label for the team: in alerts, lists and tables,
/// where the sentence forms of [`category_name`] ("your request", "a
/// damaged item") would read wrongly.
pub fn category_label(locale: Locale, c: Category) -> &'static str {
    match (locale, c) {
        (Locale::Tr, Category::Other) => "diğer",
        (Locale::Tr, c) => category_name(Locale::Tr, c),
        (Locale::En, Category::Delivery) => "delivery",
        (Locale::En, Category::Damaged) => "damaged item",
        (Locale::En, Category::WrongItem) => "wrong item",
        (Locale::En, Category::ReturnExchange) => "return / exchange",
        (Locale::En, Category::Quality) => "product quality",
        (Locale::En, Category::Payment) => "payment",
        (Locale::En, Category::Other) => "other",
    }
}

/// A priority's name: `acil`, `yüksek`, `normal`, `düşük` / `urgent`,
/// `high`, `normal`, `low`.
pub fn priority_name(locale: Locale, p: Priority) -> &'static str {
    match (locale, p) {
        (Locale::Tr, Priority::Urgent) => "acil",
        (Locale::Tr, Priority::High) => "yüksek",
        (Locale::Tr, Priority::Normal) => "normal",
        (Locale::Tr, Priority::Low) => "düşük",
        (Locale::En, Priority::Urgent) => "urgent",
        (Locale::En, Priority::High) => "high",
        (Locale::En, Priority::Normal) => "normal",
        (Locale::En, Priority::Low) => "low",
    }
}

/// Which of a ticket's two SLA deadlines an email is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missed {
    /// The first answer from a person.
    FirstReply,
    /// The ticket solved.
    Resolution,
}

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

/// What the acknowledgement of a new ticket says.
#[derive(Debug, Clone)]
pub struct Acknowledgement<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The new ticket.
    pub ticket: &'a TicketNumber,
    /// What the complaint is about.
    pub category: Category,
    /// When the first reply is due.
    pub first_reply_due: Timestamp,
    /// The customer's time zone, for writing the due time.
    pub customer_tz: &'a TimeZone,
}

/// What the satisfaction survey after a resolved ticket says.
#[derive(Debug, Clone)]
pub struct SurveyRequest<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The resolved ticket.
    pub ticket: &'a TicketNumber,
    /// One-click links for the scores 1 to 5, in that order; each must be an
    /// `https` URL.
    pub score_links: &'a [String; 5],
}

/// What the apology after a satisfaction score of 1 or 2 says.
#[derive(Debug, Clone)]
pub struct SatisfactionApology<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The ticket that was rated.
    pub ticket: &'a TicketNumber,
    /// The follow-up ticket a person picks up; the subject carries it.
    pub follow_up: &'a TicketNumber,
    /// The coupon, when the policy gives one.
    pub coupon: Option<&'a Coupon>,
    /// The shop's time zone, for the coupon's last day.
    pub shop_tz: &'a TimeZone,
}

/// What the apology for a late order says.
#[derive(Debug, Clone)]
pub struct DelayApology<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The order's id as the customer knows it.
    pub order_id: &'a str,
    /// The delivery date first promised, if known.
    pub promised: Option<jiff::civil::Date>,
    /// The new expected delivery date, if known.
    pub new_date: Option<jiff::civil::Date>,
    /// The carrier's tracking page; shown only when it is an `https` URL.
    pub tracking_url: Option<&'a str>,
    /// The coupon, when the policy gives one.
    pub coupon: Option<&'a Coupon>,
    /// The shop's time zone, for the coupon's last day.
    pub shop_tz: &'a TimeZone,
}

/// What the apology for a missed SLA says to the customer.
#[derive(Debug, Clone)]
pub struct BreachApology<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The late ticket.
    pub ticket: &'a TicketNumber,
    /// Which promise was broken.
    pub missed: Missed,
    /// When the customer will hear from us, if the team has committed to it.
    pub expect_by: Option<Timestamp>,
    /// The customer's time zone, for writing `expect_by`.
    pub customer_tz: &'a TimeZone,
    /// The coupon, when the policy gives one.
    pub coupon: Option<&'a Coupon>,
    /// The shop's time zone, for the coupon's last day.
    pub shop_tz: &'a TimeZone,
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

/// A score as the survey shows it.
struct ScoreLink {
    score: u8,
    label: &'static str,
    url: String,
}

struct AckView {
    lang: &'static str,
    subject: String,
    shop: String,
    name: Option<String>,
    ticket: String,
    category: &'static str,
    due: String,
    zone: String,
}

struct SurveyView {
    lang: &'static str,
    subject: String,
    shop: String,
    name: Option<String>,
    ticket: String,
    links: Vec<ScoreLink>,
}

struct SatisfactionView {
    lang: &'static str,
    subject: String,
    shop: String,
    name: Option<String>,
    ticket: String,
    follow_up: String,
    coupon: Option<CouponView>,
}

struct DelayView {
    lang: &'static str,
    subject: String,
    shop: String,
    name: Option<String>,
    order: String,
    promised: Option<String>,
    new_date: Option<String>,
    tracking: Option<String>,
    coupon: Option<CouponView>,
}

struct BreachView {
    lang: &'static str,
    subject: String,
    shop: String,
    name: Option<String>,
    ticket: String,
    first_reply: bool,
    expect_by: Option<String>,
    zone: String,
    coupon: Option<CouponView>,
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

macro_rules! templates {
    ($($name:ident($view:ident) => $path:literal),+ $(,)?) => {
        $(
            #[derive(Template)]
            #[template(path = $path)]
            struct $name<'a> {
                v: &'a $view,
            }
        )+
    };
}

templates! {
    AckTrHtml(AckView) => "ack_tr.html",
    AckTrText(AckView) => "ack_tr.txt",
    AckEnHtml(AckView) => "ack_en.html",
    AckEnText(AckView) => "ack_en.txt",
    SurveyTrHtml(SurveyView) => "survey_tr.html",
    SurveyTrText(SurveyView) => "survey_tr.txt",
    SurveyEnHtml(SurveyView) => "survey_en.html",
    SurveyEnText(SurveyView) => "survey_en.txt",
    SatisfactionTrHtml(SatisfactionView) => "satisfaction_apology_tr.html",
    SatisfactionTrText(SatisfactionView) => "satisfaction_apology_tr.txt",
    SatisfactionEnHtml(SatisfactionView) => "satisfaction_apology_en.html",
    SatisfactionEnText(SatisfactionView) => "satisfaction_apology_en.txt",
    DelayTrHtml(DelayView) => "delay_apology_tr.html",
    DelayTrText(DelayView) => "delay_apology_tr.txt",
    DelayEnHtml(DelayView) => "delay_apology_en.html",
    DelayEnText(DelayView) => "delay_apology_en.txt",
    BreachTrHtml(BreachView) => "breach_apology_tr.html",
    BreachTrText(BreachView) => "breach_apology_tr.txt",
    BreachEnHtml(BreachView) => "breach_apology_en.html",
    BreachEnText(BreachView) => "breach_apology_en.txt",
    TeamTrHtml(TeamView) => "team_alert_tr.html",
    TeamTrText(TeamView) => "team_alert_tr.txt",
    TeamEnHtml(TeamView) => "team_alert_en.html",
    TeamEnText(TeamView) => "team_alert_en.txt",
}

/// Renders both parts and names the template in any error.
fn finish(
    template: &'static str,
    subject: &str,
    html: &impl Template,
    text: &impl Template,
) -> Result<Rendered> {
    let err = |e: askama::Error| Error::Render {
        template,
        reason: e.to_string(),
    };
    Ok(Rendered {
        subject: subject.to_owned(),
        html: html.render().map_err(err)?,
        text: text.render().map_err(err)?,
    })
}

fn shop_name(shop: &str) -> String {
    display_text(shop, 100)
}

fn customer_name(name: Option<&str>) -> Option<String> {
    name.map(|n| display_text(n, 80)).filter(|n| !n.is_empty())
}

/// The zone's IANA name, or its offset at `t` when it has none (a fixed
/// offset), so the reader always knows which clock a time is on.
fn zone_name(tz: &TimeZone, t: Timestamp) -> String {
    match tz.iana_name() {
        Some(name) => name.to_owned(),
        None => format!("UTC{}", t.to_zoned(tz.clone()).offset()),
    }
}

/// `s` if it is an `https` URL that is safe to print and to put in an
/// `href` (no spaces, controls or bidi tricks; not absurdly long). Askama
/// escapes it for HTML; this check keeps out `javascript:` and friends,
/// which escaping alone would not.
fn https_url(s: &str) -> Option<String> {
    let s = s.trim();
    let scheme = s.get(..8)?;
    let rest = &s[8..];
    let ok = scheme.eq_ignore_ascii_case("https://")
        && s.len() <= 2048
        && !rest.is_empty()
        && !rest.starts_with('/')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && display_text(s, 2048) == s;
    ok.then(|| s.to_owned())
}

/// The words of each score, 1 to 5.
fn score_labels(locale: Locale) -> [&'static str; 5] {
    match locale {
        Locale::Tr => [
            "Hiç memnun değilim",
            "Memnun değilim",
            "Kararsızım",
            "Memnunum",
            "Çok memnunum",
        ],
        Locale::En => [
            "Very dissatisfied",
            "Dissatisfied",
            "Neutral",
            "Satisfied",
            "Very satisfied",
        ],
    }
}

/// Renders the acknowledgement of a new ticket in `locale`.
pub fn acknowledgement(locale: Locale, a: &Acknowledgement<'_>) -> Result<Rendered> {
    let shop = shop_name(a.shop);
    let subject = match locale {
        Locale::Tr => format!("[{}] {shop}: Mesajınızı aldık", a.ticket),
        Locale::En => format!("[{}] {shop}: We have received your message", a.ticket),
    };
    let v = AckView {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop,
        name: customer_name(a.name),
        ticket: a.ticket.to_string(),
        category: category_name(locale, a.category),
        due: local_date_time(locale, a.first_reply_due, a.customer_tz),
        zone: zone_name(a.customer_tz, a.first_reply_due),
    };
    let v = &v;
    match locale {
        Locale::Tr => finish("ack", &v.subject, &AckTrHtml { v }, &AckTrText { v }),
        Locale::En => finish("ack", &v.subject, &AckEnHtml { v }, &AckEnText { v }),
    }
}

/// Renders the satisfaction survey for a resolved ticket in `locale`.
///
/// Fails if a score link is not an `https` URL: the links are built by
/// memnun itself, so a bad one is a bug to surface, not to paper over.
pub fn survey_request(locale: Locale, s: &SurveyRequest<'_>) -> Result<Rendered> {
    let shop = shop_name(s.shop);
    let subject = match locale {
        Locale::Tr => format!("[{}] {shop}: Hizmetimizi nasıl buldunuz?", s.ticket),
        Locale::En => format!("[{}] {shop}: How did we do?", s.ticket),
    };
    let mut links = Vec::with_capacity(5);
    for ((score, label), url) in (1u8..).zip(score_labels(locale)).zip(s.score_links) {
        let url = https_url(url).ok_or_else(|| Error::Render {
            template: "survey",
            // The URL itself stays out: it may carry a signed token.
            reason: format!("the link for score {score} is not an https URL"),
        })?;
        links.push(ScoreLink { score, label, url });
    }
    let v = SurveyView {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop,
        name: customer_name(s.name),
        ticket: s.ticket.to_string(),
        links,
    };
    let v = &v;
    match locale {
        Locale::Tr => finish(
            "survey",
            &v.subject,
            &SurveyTrHtml { v },
            &SurveyTrText { v },
        ),
        Locale::En => finish(
            "survey",
            &v.subject,
            &SurveyEnHtml { v },
            &SurveyEnText { v },
        ),
    }
}

/// Renders the apology after a low satisfaction score in `locale`; the
/// subject carries the follow-up ticket, the one a reply should land on.
pub fn satisfaction_apology(locale: Locale, a: &SatisfactionApology<'_>) -> Result<Rendered> {
    let shop = shop_name(a.shop);
    let subject = match locale {
        Locale::Tr => format!(
            "[{}] {shop}: Sizi memnun edemediğimiz için özür dileriz",
            a.follow_up
        ),
        Locale::En => format!("[{}] {shop}: We are sorry we let you down", a.follow_up),
    };
    let v = SatisfactionView {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop,
        name: customer_name(a.name),
        ticket: a.ticket.to_string(),
        follow_up: a.follow_up.to_string(),
        coupon: a.coupon.map(|c| CouponView::new(c, locale, a.shop_tz)),
    };
    let v = &v;
    let name = "satisfaction_apology";
    match locale {
        Locale::Tr => finish(
            name,
            &v.subject,
            &SatisfactionTrHtml { v },
            &SatisfactionTrText { v },
        ),
        Locale::En => finish(
            name,
            &v.subject,
            &SatisfactionEnHtml { v },
            &SatisfactionEnText { v },
        ),
    }
}

/// Renders the apology for a late order in `locale`. A tracking URL that is
/// not `https` is left out rather than failing the email: it comes from the
/// shop's systems, and the apology matters more than the link.
pub fn delay_apology(locale: Locale, a: &DelayApology<'_>) -> Result<Rendered> {
    let order = display_text(a.order_id, 64);
    let subject = match locale {
        Locale::Tr => format!("{order} numaralı siparişiniz gecikiyor — özür dileriz"),
        Locale::En => format!("Your order {order} is running late — we are sorry"),
    };
    let v = DelayView {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop: shop_name(a.shop),
        name: customer_name(a.name),
        order,
        promised: a.promised.map(|d| format::date(locale, d)),
        new_date: a.new_date.map(|d| format::date(locale, d)),
        tracking: a.tracking_url.and_then(https_url),
        coupon: a.coupon.map(|c| CouponView::new(c, locale, a.shop_tz)),
    };
    let v = &v;
    match locale {
        Locale::Tr => finish(
            "delay_apology",
            &v.subject,
            &DelayTrHtml { v },
            &DelayTrText { v },
        ),
        Locale::En => finish(
            "delay_apology",
            &v.subject,
            &DelayEnHtml { v },
            &DelayEnText { v },
        ),
    }
}

/// Renders the apology for a missed SLA in `locale`.
pub fn breach_apology(locale: Locale, a: &BreachApology<'_>) -> Result<Rendered> {
    let shop = shop_name(a.shop);
    let subject = match locale {
        Locale::Tr => format!(
            "[{}] {shop}: Sizi beklettiğimiz için özür dileriz",
            a.ticket
        ),
        Locale::En => format!("[{}] {shop}: Sorry for keeping you waiting", a.ticket),
    };
    let v = BreachView {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop,
        name: customer_name(a.name),
        ticket: a.ticket.to_string(),
        first_reply: a.missed == Missed::FirstReply,
        expect_by: a
            .expect_by
            .map(|t| local_date_time(locale, t, a.customer_tz)),
        // Only shown beside `expect_by`.
        zone: a
            .expect_by
            .map(|t| zone_name(a.customer_tz, t))
            .unwrap_or_default(),
        coupon: a.coupon.map(|c| CouponView::new(c, locale, a.shop_tz)),
    };
    let v = &v;
    let name = "breach_apology";
    match locale {
        Locale::Tr => finish(name, &v.subject, &BreachTrHtml { v }, &BreachTrText { v }),
        Locale::En => finish(name, &v.subject, &BreachEnHtml { v }, &BreachEnText { v }),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coupon::{CouponCode, CouponReason, CouponValue};
    use jiff::civil::date;

    const LOCALES: [Locale; 2] = [Locale::Tr, Locale::En];
    const HOSTILE_NAME: &str = "<script>alert(1)</script>\r\nBcc: x@evil.test {{ x }}";

    fn coupon(reason: CouponReason) -> Coupon {
        Coupon {
            code: CouponCode::parse("SLA-ABCDE-23456").unwrap(),
            customer_id: "c-1".into(),
            reason,
            value: CouponValue::Percent(15),
            issued_at: "2026-11-22T10:15:00Z".parse().unwrap(),
            expires_at: "2026-12-22T20:59:59Z".parse().unwrap(),
            source_event: "shop/web#e-1".into(),
        }
    }

    fn ist() -> TimeZone {
        TimeZone::get("Europe/Istanbul").unwrap()
    }

    fn ticket() -> TicketNumber {
        TicketNumber::parse("TK-1234-5678").unwrap()
    }

    fn due() -> Timestamp {
        "2026-11-23T07:15:00Z".parse().unwrap()
    }

    fn in_both(r: &Rendered, needle: &str) {
        assert!(
            r.html.contains(needle),
            "{needle:?} not in HTML:\n{}",
            r.html
        );
        assert!(
            r.text.contains(needle),
            "{needle:?} not in text:\n{}",
            r.text
        );
    }

    fn in_neither(r: &Rendered, needle: &str) {
        assert!(!r.html.contains(needle), "{needle:?} in HTML:\n{}", r.html);
        assert!(!r.text.contains(needle), "{needle:?} in text:\n{}", r.text);
    }

    fn coupon_shown(r: &Rendered, locale: Locale) {
        in_both(r, "SLA-ABCDE-23456");
        in_both(r, format::percent(locale, 15).as_str());
        in_both(
            r,
            match locale {
                Locale::Tr => "22 Aralık 2026",
                Locale::En => "22 December 2026",
            },
        );
    }

    fn no_coupon_shown(r: &Rendered) {
        in_neither(r, "SLA-ABCDE");
        for word in ["coupon", "indirim", "as an apology", "göstergesi"] {
            assert!(!r.html.to_lowercase().contains(word), "{word}: {}", r.html);
            assert!(!r.text.to_lowercase().contains(word), "{word}: {}", r.text);
        }
    }

    /// The hostile name is escaped in HTML, kept as plain data in text, and
    /// the subject stays one line.
    fn hostile_is_harmless(r: &Rendered) {
        assert!(!r.subject.contains('\n') && !r.subject.contains('\r'));
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(
            r.html.contains("&#60;script&#62;") || r.html.contains("&lt;script&gt;"),
            "{}",
            r.html
        );
        assert!(r.html.contains("{{ x }}"), "template syntax stays data");
        assert!(!r.text.contains('\r'));
        assert!(!r.text.contains("\nBcc:"), "{}", r.text);
    }

    fn html_is_well_formed_enough(r: &Rendered, locale: Locale) {
        assert!(r.html.starts_with("<!DOCTYPE html>"));
        assert!(r.html.contains(&format!("lang=\"{}\"", locale.tag())));
        // No external resources: no images, no stylesheets, no scripts.
        for banned in ["<img", "<link", "<script", "src=", "<style"] {
            assert!(!r.html.contains(banned), "{banned}: {}", r.html);
        }
    }

    fn ack(locale: Locale, name: Option<&str>, category: Category, tz: &TimeZone) -> Rendered {
        let t = ticket();
        acknowledgement(
            locale,
            &Acknowledgement {
                shop: "Dükkan",
                name,
                ticket: &t,
                category,
                first_reply_due: due(),
                customer_tz: tz,
            },
        )
        .unwrap()
    }

    #[test]
    fn acknowledgement_gives_number_topic_and_local_due_time() {
        let r = ack(Locale::Tr, Some("Ayşe"), Category::Damaged, &ist());
        assert_eq!(r.subject, "[TK-1234-5678] Dükkan: Mesajınızı aldık");
        html_is_well_formed_enough(&r, Locale::Tr);
        for fact in [
            "TK-1234-5678",
            "Ayşe",
            "hasarlı ürün",
            "23 Kasım 2026 Pazartesi, 10:15",
            "Europe/Istanbul",
        ] {
            in_both(&r, fact);
        }

        let r = ack(Locale::En, None, Category::Delivery, &ist());
        assert_eq!(
            r.subject,
            "[TK-1234-5678] Dükkan: We have received your message"
        );
        html_is_well_formed_enough(&r, Locale::En);
        for fact in [
            "TK-1234-5678",
            "about delivery",
            "Monday, 23 November 2026, 10:15",
            "Europe/Istanbul",
        ] {
            in_both(&r, fact);
        }
        assert!(r.text.starts_with("Hello,"), "{}", r.text);
        assert!(r.text.contains("reply to this email"));
    }

    #[test]
    fn acknowledgement_uses_the_customers_zone_not_the_shops() {
        let ny = TimeZone::get("America/New_York").unwrap();
        let r = ack(Locale::En, None, Category::Other, &ny);
        in_both(&r, "Monday, 23 November 2026, 02:15");
        in_both(&r, "America/New_York");
        in_both(&r, "about your request");
        in_neither(&r, "10:15");

        let fixed = TimeZone::fixed(jiff::tz::offset(3));
        let r = ack(Locale::Tr, None, Category::Payment, &fixed);
        in_both(&r, "10:15");
        in_both(&r, "UTC+03");
    }

    #[test]
    fn every_category_and_priority_has_words_in_both_languages() {
        for locale in LOCALES {
            for c in Category::ALL {
                assert!(!category_name(locale, *c).is_empty());
                assert!(!category_label(locale, *c).is_empty());
                let r = ack(locale, None, *c, &ist());
                in_both(&r, category_name(locale, *c));
            }
        }
        assert_eq!(
            category_name(Locale::Tr, Category::Delivery),
            "teslimat / kargo"
        );
        assert_eq!(
            category_name(Locale::En, Category::Damaged),
            "a damaged item"
        );
        assert_eq!(category_label(Locale::En, Category::Other), "other");
        let names = |l| {
            Priority::ALL
                .iter()
                .map(|p| priority_name(l, *p))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Locale::Tr), ["acil", "yüksek", "normal", "düşük"]);
        assert_eq!(names(Locale::En), ["urgent", "high", "normal", "low"]);
    }

    fn links() -> [String; 5] {
        std::array::from_fn(|i| format!("https://shop.example/s?t=TOKEN{}&s={}", i + 1, i + 1))
    }

    #[test]
    fn survey_offers_five_scores_in_order_with_words() {
        let t = ticket();
        let links = links();
        for locale in LOCALES {
            let r = survey_request(
                locale,
                &SurveyRequest {
                    shop: "Dükkan",
                    name: Some("Ayşe"),
                    ticket: &t,
                    score_links: &links,
                },
            )
            .unwrap();
            html_is_well_formed_enough(&r, locale);
            in_both(&r, "TK-1234-5678");
            match locale {
                Locale::Tr => {
                    assert_eq!(
                        r.subject,
                        "[TK-1234-5678] Dükkan: Hizmetimizi nasıl buldunuz?"
                    );
                    assert!(
                        r.text.contains(
                            "1 – Hiç memnun değilim: https://shop.example/s?t=TOKEN1&s=1\n"
                        )
                    );
                    assert!(
                        r.text
                            .contains("5 – Çok memnunum: https://shop.example/s?t=TOKEN5&s=5\n")
                    );
                }
                Locale::En => {
                    assert_eq!(r.subject, "[TK-1234-5678] Dükkan: How did we do?");
                    assert!(
                        r.text.contains(
                            "1 – Very dissatisfied: https://shop.example/s?t=TOKEN1&s=1\n"
                        )
                    );
                    assert!(
                        r.text
                            .contains("5 – Very satisfied: https://shop.example/s?t=TOKEN5&s=5\n")
                    );
                }
            }
            for label in score_labels(locale) {
                in_both(&r, label);
            }
            // In order, in both parts; `&` is escaped inside the href.
            let positions = |part: &str, escaped: bool| -> Vec<usize> {
                (1..=5)
                    .map(|i| {
                        let amp = if escaped { "&#38;" } else { "&" };
                        let url = format!("https://shop.example/s?t=TOKEN{i}{amp}s={i}");
                        part.find(&url).unwrap_or_else(|| panic!("{url} in {part}"))
                    })
                    .collect()
            };
            for p in [positions(&r.html, true), positions(&r.text, false)] {
                assert!(p.windows(2).all(|w| w[0] < w[1]), "{p:?}");
            }
            assert_eq!(r.html.matches("<a href=").count(), 5);
        }
    }

    #[test]
    fn survey_refuses_links_that_are_not_https() {
        let t = ticket();
        for bad in [
            "javascript:alert(1)",
            "http://shop.example/s",
            "https://",
            "https:///path",
            "https://shop.example/a b",
            "https://shop.example/\u{202E}x",
            "\"><script>",
        ] {
            let mut links = links();
            links[2] = bad.to_owned();
            let e = survey_request(
                Locale::En,
                &SurveyRequest {
                    shop: "Shop",
                    name: None,
                    ticket: &t,
                    score_links: &links,
                },
            )
            .unwrap_err();
            assert!(e.to_string().contains("score 3"), "{e}");
            assert!(!e.to_string().contains("TOKEN"), "no link in the error");
        }
    }

    fn satisfaction(locale: Locale, name: Option<&str>, coupon: Option<&Coupon>) -> Rendered {
        let (t, f) = (ticket(), TicketNumber::parse("TK-8765-4321").unwrap());
        satisfaction_apology(
            locale,
            &SatisfactionApology {
                shop: "Dükkan",
                name,
                ticket: &t,
                follow_up: &f,
                coupon,
                shop_tz: &ist(),
            },
        )
        .unwrap()
    }

    #[test]
    fn satisfaction_apology_names_the_follow_up_and_the_coupon() {
        let c = coupon(CouponReason::LowSatisfaction);
        for locale in LOCALES {
            let r = satisfaction(locale, Some("Ayşe"), Some(&c));
            assert!(
                r.subject.starts_with("[TK-8765-4321] Dükkan: "),
                "{}",
                r.subject
            );
            html_is_well_formed_enough(&r, locale);
            in_both(&r, "TK-1234-5678");
            in_both(&r, "TK-8765-4321");
            coupon_shown(&r, locale);
            in_both(
                &r,
                match locale {
                    Locale::Tr => "her durumda sizindir",
                    Locale::En => "the coupon is yours either way",
                },
            );

            let r = satisfaction(locale, None, None);
            in_both(&r, "TK-8765-4321");
            no_coupon_shown(&r);
            in_neither(&r, "either way");
            in_neither(&r, "her durumda");
        }
        assert_eq!(
            satisfaction(Locale::En, None, None).subject,
            "[TK-8765-4321] Dükkan: We are sorry we let you down"
        );
        assert_eq!(
            satisfaction(Locale::Tr, None, None).subject,
            "[TK-8765-4321] Dükkan: Sizi memnun edemediğimiz için özür dileriz"
        );
    }

    fn delay(
        locale: Locale,
        name: Option<&str>,
        order_id: &str,
        known: bool,
        tracking_url: Option<&str>,
        coupon: Option<&Coupon>,
    ) -> Rendered {
        delay_apology(
            locale,
            &DelayApology {
                shop: "Dükkan",
                name,
                order_id,
                promised: known.then(|| date(2026, 11, 20)),
                new_date: known.then(|| date(2026, 11, 25)),
                tracking_url,
                coupon,
                shop_tz: &ist(),
            },
        )
        .unwrap()
    }

    #[test]
    fn delay_apology_gives_dates_tracking_and_coupon() {
        let c = coupon(CouponReason::OrderDelay);
        let url = "https://kargo.example/track/ABC123";
        let r = delay(
            Locale::Tr,
            Some("Ayşe"),
            "SP-1001",
            true,
            Some(url),
            Some(&c),
        );
        assert_eq!(
            r.subject,
            "SP-1001 numaralı siparişiniz gecikiyor — özür dileriz"
        );
        html_is_well_formed_enough(&r, Locale::Tr);
        for fact in ["SP-1001", "20 Kasım 2026", "25 Kasım 2026", url, "Ayşe"] {
            in_both(&r, fact);
        }
        assert!(r.html.contains(&format!("href=\"{url}\"")));
        coupon_shown(&r, Locale::Tr);

        let r = delay(Locale::En, None, "SP-1001", true, Some(url), Some(&c));
        assert_eq!(
            r.subject,
            "Your order SP-1001 is running late — we are sorry"
        );
        html_is_well_formed_enough(&r, Locale::En);
        for fact in ["SP-1001", "20 November 2026", "25 November 2026", url] {
            in_both(&r, fact);
        }
        coupon_shown(&r, Locale::En);
    }

    #[test]
    fn delay_apology_without_extras_says_nothing_of_them() {
        for locale in LOCALES {
            let r = delay(locale, None, "SP-1001", false, None, None);
            in_both(&r, "SP-1001");
            in_neither(&r, "2026");
            in_neither(&r, "https://");
            no_coupon_shown(&r);
            // A tracking link that is not https is dropped, not rendered.
            let r = delay(
                locale,
                None,
                "SP-1",
                false,
                Some("javascript:alert(1)"),
                None,
            );
            in_neither(&r, "javascript");
            assert!(!r.html.contains("<a "), "{}", r.html);
        }
    }

    fn breach(
        locale: Locale,
        name: Option<&str>,
        missed: Missed,
        expect_by: Option<Timestamp>,
        coupon: Option<&Coupon>,
    ) -> Rendered {
        let t = ticket();
        breach_apology(
            locale,
            &BreachApology {
                shop: "Dükkan",
                name,
                ticket: &t,
                missed,
                expect_by,
                customer_tz: &ist(),
                coupon,
                shop_tz: &ist(),
            },
        )
        .unwrap()
    }

    #[test]
    fn breach_apology_says_when_to_expect_us_and_offers_the_coupon() {
        let c = coupon(CouponReason::SlaBreach);
        let r = breach(
            Locale::Tr,
            Some("Ayşe"),
            Missed::FirstReply,
            Some(due()),
            Some(&c),
        );
        assert_eq!(
            r.subject,
            "[TK-1234-5678] Dükkan: Sizi beklettiğimiz için özür dileriz"
        );
        html_is_well_formed_enough(&r, Locale::Tr);
        for fact in [
            "TK-1234-5678",
            "yanıt veremedik",
            "23 Kasım 2026 Pazartesi, 10:15",
            "Europe/Istanbul",
        ] {
            in_both(&r, fact);
        }
        coupon_shown(&r, Locale::Tr);

        let r = breach(Locale::En, None, Missed::Resolution, Some(due()), Some(&c));
        assert_eq!(
            r.subject,
            "[TK-1234-5678] Dükkan: Sorry for keeping you waiting"
        );
        html_is_well_formed_enough(&r, Locale::En);
        for fact in [
            "TK-1234-5678",
            "longer to resolve",
            "Monday, 23 November 2026, 10:15",
        ] {
            in_both(&r, fact);
        }
        coupon_shown(&r, Locale::En);
    }

    #[test]
    fn breach_apology_without_a_time_or_coupon_promises_neither() {
        for locale in LOCALES {
            let r = breach(locale, None, Missed::FirstReply, None, None);
            in_both(&r, "TK-1234-5678");
            in_neither(&r, "2026");
            in_neither(&r, "Europe/Istanbul");
            no_coupon_shown(&r);
        }
    }

    #[test]
    fn hostile_customer_text_stays_data_everywhere() {
        let (t, f) = (ticket(), TicketNumber::parse("TK-8765-4321").unwrap());
        let c = coupon(CouponReason::SlaBreach);
        let links = links();
        let shop = "Shop\r\nBcc: x@evil.test";
        for locale in LOCALES {
            let n = Some(HOSTILE_NAME);
            let rendered = [
                acknowledgement(
                    locale,
                    &Acknowledgement {
                        shop,
                        name: n,
                        ticket: &t,
                        category: Category::Quality,
                        first_reply_due: due(),
                        customer_tz: &ist(),
                    },
                )
                .unwrap(),
                survey_request(
                    locale,
                    &SurveyRequest {
                        shop,
                        name: n,
                        ticket: &t,
                        score_links: &links,
                    },
                )
                .unwrap(),
                satisfaction_apology(
                    locale,
                    &SatisfactionApology {
                        shop,
                        name: n,
                        ticket: &t,
                        follow_up: &f,
                        coupon: Some(&c),
                        shop_tz: &ist(),
                    },
                )
                .unwrap(),
                delay(
                    locale,
                    n,
                    "SP-1\r\nBcc: x@evil.test <b>",
                    true,
                    None,
                    Some(&c),
                ),
                breach(locale, n, Missed::Resolution, Some(due()), Some(&c)),
            ];
            for r in &rendered {
                hostile_is_harmless(r);
            }
            assert!(!rendered[3].html.contains("<b>"));
        }
    }

    fn alert(locale: Locale, kind: AlertKind) -> Rendered {
        let t = ticket();
        team_alert(
            locale,
            &TeamAlert {
                shop: "Dükkan",
                ticket: &t,
                category: Category::Delivery,
                priority: Priority::High,
                kind,
                due: due(),
                shop_tz: &ist(),
            },
        )
        .unwrap()
    }

    #[test]
    fn team_warning_says_how_long_is_left() {
        let kind = AlertKind::Warning {
            deadline: Missed::FirstReply,
            time_left: SignedDuration::from_mins(45),
        };
        let r = alert(Locale::En, kind);
        assert_eq!(
            r.subject,
            "[TK-1234-5678] SLA warning: first reply due in 45 min (high, delivery)"
        );
        html_is_well_formed_enough(&r, Locale::En);
        for fact in [
            "TK-1234-5678",
            "45 min",
            "Time left",
            "Monday, 23 November 2026, 10:15",
            "Europe/Istanbul",
            "high",
            "delivery",
        ] {
            in_both(&r, fact);
        }
        let r = alert(Locale::Tr, kind);
        assert_eq!(
            r.subject,
            "[TK-1234-5678] SLA uyarısı: ilk yanıta 45 dk kaldı (yüksek, teslimat / kargo)"
        );
        html_is_well_formed_enough(&r, Locale::Tr);
        for fact in [
            "45 dk",
            "Kalan süre",
            "23 Kasım 2026 Pazartesi, 10:15",
            "yüksek",
            "teslimat / kargo",
        ] {
            in_both(&r, fact);
        }
        // A warning that arrives late does not claim time that is gone.
        let late = AlertKind::Warning {
            deadline: Missed::Resolution,
            time_left: SignedDuration::from_mins(-5),
        };
        assert_eq!(
            alert(Locale::En, late).subject,
            "[TK-1234-5678] SLA warning: resolution due in 0 min (high, delivery)"
        );
    }

    #[test]
    fn team_breach_says_how_late_in_words() {
        let kind = AlertKind::Breach {
            missed: Missed::Resolution,
            overdue: SignedDuration::from_mins(130),
        };
        let r = alert(Locale::En, kind);
        assert_eq!(
            r.subject,
            "[TK-1234-5678] SLA breached: resolution overdue by 2 h 10 min (high, delivery)"
        );
        for fact in ["2 h 10 min", "Overdue by", "Resolution"] {
            in_both(&r, fact);
        }
        let r = alert(Locale::Tr, kind);
        assert_eq!(
            r.subject,
            "[TK-1234-5678] SLA aşıldı: çözüm 2 sa 10 dk gecikti (yüksek, teslimat / kargo)"
        );
        for fact in ["2 sa 10 dk", "Gecikme", "Çözüm"] {
            in_both(&r, fact);
        }
        let days = AlertKind::Breach {
            missed: Missed::FirstReply,
            overdue: SignedDuration::from_hours(27),
        };
        assert!(
            alert(Locale::En, days)
                .subject
                .contains("first reply overdue by 1 day 3 h")
        );
        assert!(
            alert(Locale::Tr, days)
                .subject
                .contains("ilk yanıt 1 gün 3 sa gecikti")
        );
    }

    #[test]
    fn team_alerts_carry_no_customer_details() {
        // The struct has no field for them; the copy must not greet anyone
        // either, as team inboxes are shared and forwarded.
        let kind = AlertKind::Breach {
            missed: Missed::FirstReply,
            overdue: SignedDuration::from_mins(5),
        };
        for locale in LOCALES {
            let r = alert(locale, kind);
            for word in ["Hello", "Merhaba", "@"] {
                in_neither(&r, word);
            }
        }
    }
}
