//! The apologies about a ticket or an order: after a low rating, for a
//! late order, for a missed SLA deadline.

use super::*;

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
    /// Whether a reply reaches the ticket (the email carries the help
    /// desk's `Reply-To`): only then does the email promise it.
    pub reply_reaches_ticket: bool,
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
    reply_reaches_ticket: bool,
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
        reply_reaches_ticket: a.reply_reaches_ticket,
    };
    let v = &v;
    let name = "breach_apology";
    match locale {
        Locale::Tr => finish(name, &v.subject, &BreachTrHtml { v }, &BreachTrText { v }),
        Locale::En => finish(name, &v.subject, &BreachEnHtml { v }, &BreachEnText { v }),
    }
}

templates! {
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
}
