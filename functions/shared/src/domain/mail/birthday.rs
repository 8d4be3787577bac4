//! The birthday greeting: the one marketing email memnun sends.
//!
//! Marketing email must say why it came and how to stop it, so the
//! greeting always carries the unsubscribe link in its footer (and, as a
//! header, in [`super::mime`]); the words are in
//! `templates/birthday_{tr,en}.{html,txt}`.

use askama::Template;
use jiff::tz::TimeZone;

use crate::Result;
use crate::domain::coupon::Coupon;
use crate::domain::locale::Locale;
use crate::domain::mail::render::{CouponView, Rendered, finish};
use crate::domain::mail::{display_text, header_text};

/// What the greeting says.
#[derive(Debug, Clone)]
pub struct Greeting<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The birthday coupon, when the policy gives one.
    pub coupon: Option<&'a Coupon>,
    /// The shop's time zone, for the coupon's last day.
    pub shop_tz: &'a TimeZone,
    /// The page that withdraws marketing consent (an `https` URL).
    pub unsubscribe_url: &'a str,
}

struct View {
    lang: &'static str,
    subject: String,
    shop: String,
    name: Option<String>,
    coupon: Option<CouponView>,
    unsubscribe: String,
    /// A birthday gift, not a code sent with an apology: the reminder's
    /// words differ.
    gift: bool,
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
    BirthdayTrHtml => "birthday_tr.html",
    BirthdayTrText => "birthday_tr.txt",
    BirthdayEnHtml => "birthday_en.html",
    BirthdayEnText => "birthday_en.txt",
    ReminderTrHtml => "coupon_reminder_tr.html",
    ReminderTrText => "coupon_reminder_tr.txt",
    ReminderEnHtml => "coupon_reminder_en.html",
    ReminderEnText => "coupon_reminder_en.txt",
}

/// Renders the greeting in `locale`.
pub fn greeting(locale: Locale, g: &Greeting<'_>) -> Result<Rendered> {
    let shop = display_text(g.shop, 100);
    let name = g
        .name
        .map(|n| display_text(n, 80))
        .filter(|n| !n.is_empty());
    let subject = match (locale, &name) {
        (Locale::Tr, Some(n)) => format!("Doğum gününüz kutlu olsun, {n}!"),
        (Locale::Tr, None) => "Doğum gününüz kutlu olsun!".to_owned(),
        (Locale::En, Some(n)) => format!("Happy birthday, {n}!"),
        (Locale::En, None) => "Happy birthday!".to_owned(),
    };
    let v = View {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop,
        name,
        coupon: g.coupon.map(|c| CouponView::new(c, locale, g.shop_tz)),
        unsubscribe: display_text(g.unsubscribe_url, 2048),
        gift: true,
    };
    let v = &v;
    match locale {
        Locale::Tr => finish(
            "birthday",
            &v.subject,
            &BirthdayTrHtml { v },
            &BirthdayTrText { v },
        ),
        Locale::En => finish(
            "birthday",
            &v.subject,
            &BirthdayEnHtml { v },
            &BirthdayEnText { v },
        ),
    }
}

/// Renders the reminder of an unused coupon ([`crate::domain::reminder`])
/// in `locale`: the same marketing email as the greeting, its coupon, the
/// day it ends, and the unsubscribe link. A birthday coupon is a gift; an
/// apology's is recalled as the code sent earlier, without reopening what
/// went wrong.
pub fn coupon_reminder(locale: Locale, g: &Greeting<'_>, coupon: &Coupon) -> Result<Rendered> {
    let shop = display_text(g.shop, 100);
    let name = g
        .name
        .map(|n| display_text(n, 80))
        .filter(|n| !n.is_empty());
    let view = CouponView::new(coupon, locale, g.shop_tz);
    let gift = !coupon.reason.is_apology();
    let day = &view.valid_until;
    let subject = match (locale, gift) {
        (Locale::Tr, true) => format!("Doğum günü hediyeniz {day} tarihinde sona eriyor"),
        (Locale::Tr, false) => format!("İndirim kodunuz {day} tarihinde sona eriyor"),
        (Locale::En, true) => format!("Your birthday gift ends on {day}"),
        (Locale::En, false) => format!("Your discount code ends on {day}"),
    };
    let v = View {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop,
        name,
        coupon: Some(view),
        unsubscribe: display_text(g.unsubscribe_url, 2048),
        gift,
    };
    let v = &v;
    match locale {
        Locale::Tr => finish(
            "coupon_reminder",
            &v.subject,
            &ReminderTrHtml { v },
            &ReminderTrText { v },
        ),
        Locale::En => finish(
            "coupon_reminder",
            &v.subject,
            &ReminderEnHtml { v },
            &ReminderEnText { v },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coupon::{CouponCode, CouponReason, CouponValue};
    use crate::domain::customer::CustomerId;

    fn coupon() -> Coupon {
        Coupon {
            code: CouponCode::parse("BDAY-ABCDE-FGHJK").unwrap(),
            customer_id: CustomerId::parse("c-1").unwrap(),
            reason: CouponReason::Birthday,
            value: CouponValue::Percent(15),
            issued_at: "2026-11-22T07:00:00Z".parse().unwrap(),
            expires_at: "2026-12-06T20:59:59Z".parse().unwrap(),
            source_event: "birthday:2026".into(),
        }
    }

    #[test]
    fn the_greeting_carries_the_gift_and_the_way_out_in_both_languages() {
        let tz = TimeZone::get("Europe/Istanbul").unwrap();
        let c = coupon();
        let url = "https://links.example.com/unsubscribe?t=tok.en";
        for (locale, words, valid) in [
            (
                Locale::Tr,
                "Doğum gününüz kutlu olsun, Ayşe!",
                "6 Aralık 2026",
            ),
            (Locale::En, "Happy birthday, Ayşe!", "6 December 2026"),
        ] {
            let r = greeting(
                locale,
                &Greeting {
                    shop: "Dükkân",
                    name: Some("Ayşe"),
                    coupon: Some(&c),
                    shop_tz: &tz,
                    unsubscribe_url: url,
                },
            )
            .unwrap();
            assert_eq!(r.subject, words);
            for part in [&r.html, &r.text] {
                assert!(part.contains("BDAY-ABCDE-FGHJK"), "{part}");
                assert!(part.contains(valid), "{part}");
                assert!(part.contains(url), "{part}");
                assert!(!part.contains("apology") && !part.contains("özür"));
            }
        }
    }

    #[test]
    fn a_reminder_recalls_a_gift_or_a_code_sent_earlier_in_both_languages() {
        let tz = TimeZone::get("Europe/Istanbul").unwrap();
        let url = "https://links.example.com/unsubscribe?t=tok.en";
        let mut c = coupon();
        let g = Greeting {
            shop: "Dükkân",
            name: Some("Ayşe"),
            coupon: None,
            shop_tz: &tz,
            unsubscribe_url: url,
        };
        for (reason, locale, subject, words) in [
            (
                CouponReason::Birthday,
                Locale::Tr,
                "Doğum günü hediyeniz 6 Aralık 2026 tarihinde sona eriyor",
                "doğum günü hediyeniz hâlâ sizi bekliyor",
            ),
            (
                CouponReason::Birthday,
                Locale::En,
                "Your birthday gift ends on 6 December 2026",
                "your birthday gift is still waiting",
            ),
            (
                CouponReason::NegativeReview,
                Locale::Tr,
                "İndirim kodunuz 6 Aralık 2026 tarihinde sona eriyor",
                "size gönderdiğimiz indirim kodu henüz kullanılmadı",
            ),
            (
                CouponReason::OrderDelay,
                Locale::En,
                "Your discount code ends on 6 December 2026",
                "the discount code we sent you has not been used yet",
            ),
        ] {
            c.reason = reason;
            let r = coupon_reminder(locale, &g, &c).unwrap();
            assert_eq!(r.subject, subject);
            for part in [&r.html, &r.text] {
                assert!(part.contains(words), "{part}");
                assert!(part.contains("BDAY-ABCDE-FGHJK"), "{part}");
                assert!(part.contains(url), "{part}");
                // An apology's reminder does not reopen what went wrong,
                // nor call the code a gift.
                if reason.is_apology() {
                    let lower = part.to_lowercase();
                    for word in [
                        "apolog", "sorry", "özür", "birthday", "doğum", "gift", "hediye",
                    ] {
                        assert!(!lower.contains(word), "{word} in {part}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_name_is_text_not_markup_and_cannot_break_the_subject() {
        let tz = TimeZone::UTC;
        let r = greeting(
            Locale::En,
            &Greeting {
                shop: "Shop",
                name: Some("<script>x</script>\r\nBcc: e@x.com {{ v.shop }}"),
                coupon: None,
                shop_tz: &tz,
                unsubscribe_url: "https://l.example.com/unsubscribe?t=a\"b",
            },
        )
        .unwrap();
        assert!(!r.subject.contains('\n'));
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("&#60;script&#62;") || r.html.contains("&lt;script&gt;"));
        assert!(r.html.contains("{{ v.shop }}"));
        assert!(!r.html.contains("a\"b"));
    }
}
