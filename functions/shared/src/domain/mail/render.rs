//! Rendering each email in each language.
//!
//! The words live in `functions/shared/templates/`, one file per email,
//! language and part (`review_apology_tr.html`, `review_apology_en.txt`, …),
//! all sharing `layout.html`. Templates are compiled in (askama): a typo fails
//! the build, not a send, and customer text is data, never template source.
//! Subjects are here, beside the view they are built from.

use askama::Template;
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::domain::coupon::{Coupon, CouponValue};
use crate::domain::locale::Locale;
use crate::domain::mail::{display_text, format, header_text};
use crate::domain::ticket::TicketNumber;
use crate::{Error, Result};

/// Subject, HTML and text of one email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Safe for a header.
    pub subject: String,
    /// The HTML part.
    pub html: String,
    /// The plain-text part.
    pub text: String,
}

/// A coupon as an email shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponView {
    /// The code to type at checkout.
    pub code: String,
    /// `%20` / `20%`.
    pub discount: String,
    /// The last day it is valid, written for the locale.
    pub valid_until: String,
}

impl CouponView {
    /// Writes `coupon` for `locale`; the expiry day is the shop's day.
    pub fn new(coupon: &Coupon, locale: Locale, shop_tz: &TimeZone) -> Self {
        let CouponValue::Percent(p) = coupon.value;
        CouponView {
            code: coupon.code.as_str().to_owned(),
            discount: format::percent(locale, p),
            valid_until: format::date(locale, coupon.expires_at.to_zoned(shop_tz.clone()).date()),
        }
    }
}

/// What the apology for a low review says.
#[derive(Debug, Clone)]
pub struct ReviewApology<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The product reviewed, if named.
    pub product: Option<&'a str>,
    /// The follow-up ticket.
    pub ticket: &'a TicketNumber,
    /// The coupon, when the policy gives one.
    pub coupon: Option<&'a Coupon>,
}

/// The values every template sees.
struct View {
    lang: &'static str,
    subject: String,
    shop: String,
    name: Option<String>,
    product: Option<String>,
    ticket: String,
    coupon: Option<CouponView>,
}

macro_rules! templates {
    ($($name:ident => $path:literal),+ $(,)?) => {
        $(
            #[derive(Template)]
            #[template(path = $path)]
            struct $name<'a> {
                v: &'a View,
            }
        )+
    };
}

templates! {
    ReviewApologyTrHtml => "review_apology_tr.html",
    ReviewApologyTrText => "review_apology_tr.txt",
    ReviewApologyEnHtml => "review_apology_en.html",
    ReviewApologyEnText => "review_apology_en.txt",
}

/// Renders the apology for a low review in `locale`.
pub fn review_apology(
    locale: Locale,
    shop_tz: &TimeZone,
    a: &ReviewApology<'_>,
) -> Result<Rendered> {
    let shop = display_text(a.shop, 100);
    let subject = match locale {
        Locale::Tr => format!("[{}] {shop}: Özür dileriz", a.ticket),
        Locale::En => format!("[{}] {shop}: We are sorry", a.ticket),
    };
    let v = View {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop,
        name: a
            .name
            .map(|n| display_text(n, 80))
            .filter(|n| !n.is_empty()),
        product: a
            .product
            .map(|p| display_text(p, 120))
            .filter(|p| !p.is_empty()),
        ticket: a.ticket.to_string(),
        coupon: a.coupon.map(|c| CouponView::new(c, locale, shop_tz)),
    };
    let (html, text) = match locale {
        Locale::Tr => (
            ReviewApologyTrHtml { v: &v }.render(),
            ReviewApologyTrText { v: &v }.render(),
        ),
        Locale::En => (
            ReviewApologyEnHtml { v: &v }.render(),
            ReviewApologyEnText { v: &v }.render(),
        ),
    };
    let err = |e: askama::Error| Error::Render {
        template: "review_apology",
        reason: e.to_string(),
    };
    Ok(Rendered {
        subject: v.subject,
        html: html.map_err(err)?,
        text: text.map_err(err)?,
    })
}

/// The moment `t` as a date and time on the wall clock of `tz`, for a locale.
pub fn local_date_time(locale: Locale, t: Timestamp, tz: &TimeZone) -> String {
    format::date_time(locale, t.to_zoned(tz.clone()).datetime())
}

/// Renders both parts and names the template in any error.
pub(crate) fn finish(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coupon::{CouponCode, CouponReason};
    use crate::domain::customer::CustomerId;

    fn coupon() -> Coupon {
        Coupon {
            code: CouponCode::parse("RVW-ABCDE-23456").unwrap(),
            customer_id: CustomerId::parse("c-1").unwrap(),
            reason: CouponReason::NegativeReview,
            value: CouponValue::Percent(20),
            issued_at: "2026-11-22T10:15:00Z".parse().unwrap(),
            expires_at: "2026-12-22T20:59:59Z".parse().unwrap(),
            source_event: "shop/web#e-1".into(),
        }
    }

    fn ist() -> TimeZone {
        TimeZone::get("Europe/Istanbul").unwrap()
    }

    #[test]
    fn turkish_apology_has_ticket_coupon_and_expiry() {
        let ticket = TicketNumber::parse("TK-1234-5678").unwrap();
        let c = coupon();
        let r = review_apology(
            Locale::Tr,
            &ist(),
            &ReviewApology {
                shop: "Dükkan",
                name: Some("Ayşe"),
                product: Some("Kupa"),
                ticket: &ticket,
                coupon: Some(&c),
            },
        )
        .unwrap();
        assert_eq!(r.subject, "[TK-1234-5678] Dükkan: Özür dileriz");
        for part in [&r.html, &r.text] {
            assert!(part.contains("RVW-ABCDE-23456"), "{part}");
            assert!(part.contains("%20"), "{part}");
            assert!(part.contains("22 Aralık 2026"), "{part}");
            assert!(part.contains("Ayşe"), "{part}");
            assert!(part.contains("TK-1234-5678"), "{part}");
        }
        assert!(r.html.contains("lang=\"tr\""));
    }

    #[test]
    fn english_apology_without_coupon_says_nothing_of_one() {
        let ticket = TicketNumber::parse("TK-1234-5678").unwrap();
        let r = review_apology(
            Locale::En,
            &ist(),
            &ReviewApology {
                shop: "Shop",
                name: None,
                product: None,
                ticket: &ticket,
                coupon: None,
            },
        )
        .unwrap();
        assert_eq!(r.subject, "[TK-1234-5678] Shop: We are sorry");
        assert!(!r.text.to_lowercase().contains("coupon"), "{}", r.text);
        assert!(!r.html.to_lowercase().contains("coupon"));
        assert!(r.text.starts_with("Hello,"), "{}", r.text);
    }

    #[test]
    fn customer_text_is_escaped_and_cannot_break_headers() {
        let ticket = TicketNumber::parse("TK-1234-5678").unwrap();
        let r = review_apology(
            Locale::En,
            &ist(),
            &ReviewApology {
                shop: "Shop\r\nBcc: x@evil.test",
                name: Some("<script>alert(1)</script>\r\nBcc: x@evil.test"),
                product: Some("{{ v.shop }} <img src=x onerror=alert(1)>"),
                ticket: &ticket,
                coupon: None,
            },
        )
        .unwrap();
        assert!(!r.subject.contains('\n') && !r.subject.contains('\r'));
        assert!(!r.html.contains("<script>"));
        assert!(
            r.html.contains("&#60;script&#62;") || r.html.contains("&lt;script&gt;"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("<img"));
        assert!(
            r.html.contains("{{ v.shop }}"),
            "template syntax in data stays data"
        );
    }

    #[test]
    fn local_times_follow_the_zone() {
        let t: Timestamp = "2026-11-23T07:15:00Z".parse().unwrap();
        assert_eq!(
            local_date_time(Locale::Tr, t, &ist()),
            "23 Kasım 2026 Pazartesi, 10:15"
        );
    }
}
