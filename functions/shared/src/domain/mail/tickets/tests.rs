//! The ticket emails in both languages, against hostile input.

use super::survey::score_labels;
use super::*;
use crate::domain::coupon::{CouponCode, CouponReason, CouponValue};
use crate::domain::customer::CustomerId;
use jiff::civil::date;

const LOCALES: [Locale; 2] = [Locale::Tr, Locale::En];
const HOSTILE_NAME: &str = "<script>alert(1)</script>\r\nBcc: x@evil.test {{ x }}";

fn coupon(reason: CouponReason) -> Coupon {
    Coupon {
        code: CouponCode::parse("SLA-ABCDE-23456").unwrap(),
        customer_id: CustomerId::parse("c-1").unwrap(),
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
    ack_replying(locale, name, category, tz, true)
}

fn ack_replying(
    locale: Locale,
    name: Option<&str>,
    category: Category,
    tz: &TimeZone,
    reply_reaches_ticket: bool,
) -> Rendered {
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
            reply_reaches_ticket,
            answers: &[],
            order: None,
        },
    )
    .unwrap()
}

#[test]
fn only_an_email_whose_reply_reaches_the_ticket_promises_it() {
    for locale in LOCALES {
        let promised = ack_replying(locale, None, Category::Other, &ist(), true);
        let not = ack_replying(locale, None, Category::Other, &ist(), false);
        let promise = match locale {
            Locale::Tr => "doğrudan aynı talebe eklenir",
            Locale::En => "goes straight to the same ticket",
        };
        in_both(&promised, promise);
        assert!(!not.text.contains(promise) && !not.html.contains(promise));
        in_both(
            &not,
            match locale {
                Locale::Tr => "talep numarasını silmeden",
                Locale::En => "keep the ticket number in the subject",
            },
        );
    }
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
                    r.text
                        .contains("1 – Hiç memnun değilim: https://shop.example/s?t=TOKEN1&s=1\n")
                );
                assert!(
                    r.text
                        .contains("5 – Çok memnunum: https://shop.example/s?t=TOKEN5&s=5\n")
                );
            }
            Locale::En => {
                assert_eq!(r.subject, "[TK-1234-5678] Dükkan: How did we do?");
                assert!(
                    r.text
                        .contains("1 – Very dissatisfied: https://shop.example/s?t=TOKEN1&s=1\n")
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
            reply_reaches_ticket: true,
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
                    reply_reaches_ticket: true,
                    answers: &[],
                    order: None,
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

#[test]
fn the_acknowledgement_offers_the_faqs_answers_with_their_links() {
    let t = ticket();
    let answers = [Suggestion {
        question: "Kargom nerede?".into(),
        answer: "Takip numarasını e-postayla göndeririz.\n\nHesabım sayfasından da görebilirsiniz."
            .into(),
        link: "https://links.dukkan.example/answered?t=v1.a.x.y".into(),
    }];
    for (locale, heading, press) in [
        (
            Locale::Tr,
            "Belki hemen yardımcı olur",
            "Bu yanıt sorumu karşıladı",
        ),
        (
            Locale::En,
            "This may help right away",
            "This answered my question",
        ),
    ] {
        let r = acknowledgement(
            locale,
            &Acknowledgement {
                shop: "Dükkan",
                name: None,
                ticket: &t,
                category: Category::Delivery,
                first_reply_due: due(),
                customer_tz: &ist(),
                reply_reaches_ticket: true,
                answers: &answers,
                order: None,
            },
        )
        .unwrap();
        for part in [&r.html, &r.text] {
            assert!(part.contains(heading), "{part}");
            assert!(part.contains(press), "{part}");
            assert!(part.contains("https://links.dukkan.example/answered?t=v1.a.x.y"));
            assert!(part.contains("Hesabım sayfasından da görebilirsiniz."));
        }
        // Two paragraphs in HTML.
        assert_eq!(r.html.matches("Takip numarasını").count(), 1);
    }
    let none = ack_replying(Locale::Tr, None, Category::Delivery, &ist(), true);
    assert!(!none.html.contains("Belki hemen"));
}
