//! The emails of the order journey: the order on its way, with its carrier,
//! tracking number, tracking link and expected date; a return request
//! confirmed at once, with its number and what happens next; and each later
//! step of a return (approved, rejected, received, refunded, the
//! replacement shipped) or a refund of the order itself. Transactional:
//! they carry no offer and need no marketing consent.

use jiff::civil::Date;

use super::*;
use crate::domain::order::Shipment;
use crate::domain::returns::{Approval, Refund, ReturnId, ReturnKind};

/// What the shipping notice says.
#[derive(Debug, Clone)]
pub struct ShippedNotice<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The order, as the customer knows it ([`crate::domain::order::Order::known_as`]).
    pub order: &'a str,
    /// The parcel.
    pub shipment: &'a Shipment,
}

struct ShippedView {
    lang: &'static str,
    subject: String,
    shop: String,
    name: Option<String>,
    order: String,
    carrier: Option<String>,
    tracking_number: Option<String>,
    tracking_url: Option<String>,
    estimated: Option<String>,
}

/// Renders the shipping notice in `locale`. A tracking URL that is not a
/// safe `https` URL is left out rather than failing the email: the carrier
/// and the number still let the customer follow the parcel.
pub fn shipped_notice(locale: Locale, n: &ShippedNotice<'_>) -> Result<Rendered> {
    let shop = shop_name(n.shop);
    let order = display_text(n.order, 64);
    let subject = match locale {
        Locale::Tr => format!("{shop}: {order} numaralı siparişiniz kargoda"),
        Locale::En => format!("{shop}: your order {order} is on its way"),
    };
    let date = |d: Date| format::date(locale, d);
    let v = ShippedView {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop,
        name: customer_name(n.name),
        order,
        carrier: n.shipment.carrier.as_deref().map(|c| display_text(c, 80)),
        tracking_number: n
            .shipment
            .tracking_number
            .as_deref()
            .map(|t| display_text(t, 64)),
        tracking_url: n.shipment.tracking_url.as_deref().and_then(https_url),
        estimated: n.shipment.estimated_delivery.map(date),
    };
    let v = &v;
    match locale {
        Locale::Tr => finish(
            "shipped",
            &v.subject,
            &ShippedTrHtml { v },
            &ShippedTrText { v },
        ),
        Locale::En => finish(
            "shipped",
            &v.subject,
            &ShippedEnHtml { v },
            &ShippedEnText { v },
        ),
    }
}

templates! {
    ShippedTrHtml(ShippedView) => "shipped_tr.html",
    ShippedTrText(ShippedView) => "shipped_tr.txt",
    ShippedEnHtml(ShippedView) => "shipped_en.html",
    ShippedEnText(ShippedView) => "shipped_en.txt",
}

/// What the confirmation of a return request says.
#[derive(Debug, Clone)]
pub struct ReturnReceived<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The order, as the customer knows it ([`crate::domain::order::Order::known_as`]).
    pub order: &'a str,
    /// The request.
    pub return_id: &'a ReturnId,
    /// A return or an exchange.
    pub kind: ReturnKind,
    /// The team's ticket for it (in the subject, so a reply finds it).
    pub ticket: &'a TicketNumber,
}

struct ReturnView {
    lang: &'static str,
    subject: String,
    shop: String,
    name: Option<String>,
    order: String,
    return_id: String,
    exchange: bool,
    ticket: String,
}

/// Renders the confirmation of a return request in `locale`.
pub fn return_received(locale: Locale, r: &ReturnReceived<'_>) -> Result<Rendered> {
    let shop = shop_name(r.shop);
    let return_id = display_text(r.return_id.as_str(), 64);
    let exchange = r.kind == ReturnKind::Exchange;
    let subject = match (locale, exchange) {
        (Locale::Tr, false) => {
            format!("[{}] {shop}: iade talebinizi aldık ({return_id})", r.ticket)
        }
        (Locale::Tr, true) => format!(
            "[{}] {shop}: değişim talebinizi aldık ({return_id})",
            r.ticket
        ),
        (Locale::En, false) => format!(
            "[{}] {shop}: we have your return request {return_id}",
            r.ticket
        ),
        (Locale::En, true) => format!(
            "[{}] {shop}: we have your exchange request {return_id}",
            r.ticket
        ),
    };
    let v = ReturnView {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop,
        name: customer_name(r.name),
        order: display_text(r.order, 64),
        return_id,
        exchange,
        ticket: r.ticket.to_string(),
    };
    let v = &v;
    match locale {
        Locale::Tr => finish(
            "return_received",
            &v.subject,
            &ReturnTrHtml { v },
            &ReturnTrText { v },
        ),
        Locale::En => finish(
            "return_received",
            &v.subject,
            &ReturnEnHtml { v },
            &ReturnEnText { v },
        ),
    }
}

templates! {
    ReturnTrHtml(ReturnView) => "return_received_tr.html",
    ReturnTrText(ReturnView) => "return_received_tr.txt",
    ReturnEnHtml(ReturnView) => "return_received_en.html",
    ReturnEnText(ReturnView) => "return_received_en.txt",
}

/// The step of a return the customer is told of.
#[derive(Debug, Clone)]
pub enum ReturnNews<'a> {
    /// Approved: how to send the goods, and the last day to.
    Approved {
        /// The shop's label, instructions and date.
        approval: &'a Approval,
        /// The last day to send the goods (the shop's, or the law's).
        ship_by: Date,
    },
    /// Refused, with the shop's reason.
    Rejected(&'a str),
    /// The goods are back; for a return, the day the refund is due by.
    Received {
        /// The last day of the refund's legal period (none for an exchange).
        refund_by: Option<Date>,
    },
    /// Money paid back.
    Refunded(&'a Refund),
    /// An exchange's replacement on its way.
    ExchangeShipped(&'a Shipment),
    /// The refund missed its legal date: an apology and the day it will be
    /// made by.
    RefundLate {
        /// The legal date that passed.
        was_due: Date,
        /// The day it will be made by.
        new_date: Date,
    },
}

/// What an email about a return's progress, or a refund of an order, says.
#[derive(Debug, Clone)]
pub struct ReturnProgress<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The order, as the customer knows it ([`crate::domain::order::Order::known_as`]).
    pub order: &'a str,
    /// The return and its ticket; none for a refund of the order itself.
    pub about: Option<(&'a ReturnId, &'a TicketNumber)>,
    /// A return or an exchange.
    pub kind: ReturnKind,
    /// What happened.
    pub news: ReturnNews<'a>,
}

struct ProgressView {
    lang: &'static str,
    subject: String,
    shop: String,
    name: Option<String>,
    order: String,
    return_id: Option<String>,
    ticket: Option<String>,
    exchange: bool,
    step: &'static str,
    label_url: Option<String>,
    instructions: Option<String>,
    ship_by: Option<String>,
    reason: Option<String>,
    refund_by: Option<String>,
    amount: Option<String>,
    method: Option<String>,
    carrier: Option<String>,
    tracking_number: Option<String>,
    tracking_url: Option<String>,
    estimated: Option<String>,
    was_due: Option<String>,
    new_date: Option<String>,
}

/// The subject's words for each step, before the return's number.
fn progress_subject(locale: Locale, news: &ReturnNews<'_>, exchange: bool) -> &'static str {
    match (locale, news, exchange) {
        (Locale::Tr, ReturnNews::Approved { .. }, false) => "iade talebiniz onaylandı",
        (Locale::Tr, ReturnNews::Approved { .. }, true) => "değişim talebiniz onaylandı",
        (Locale::Tr, ReturnNews::Rejected(_), false) => "iade talebiniz kabul edilmedi",
        (Locale::Tr, ReturnNews::Rejected(_), true) => "değişim talebiniz kabul edilmedi",
        (Locale::Tr, ReturnNews::Received { .. }, _) => "gönderdiğiniz ürün bize ulaştı",
        (Locale::Tr, ReturnNews::Refunded(_), _) => "ücret iadeniz yapıldı",
        (Locale::Tr, ReturnNews::ExchangeShipped(_), _) => "yeni ürününüz kargoda",
        (Locale::Tr, ReturnNews::RefundLate { .. }, _) => "ücret iadeniz gecikti, özür dileriz",
        (Locale::En, ReturnNews::Approved { .. }, false) => "your return is approved",
        (Locale::En, ReturnNews::Approved { .. }, true) => "your exchange is approved",
        (Locale::En, ReturnNews::Rejected(_), false) => "your return request was not accepted",
        (Locale::En, ReturnNews::Rejected(_), true) => "your exchange request was not accepted",
        (Locale::En, ReturnNews::Received { .. }, _) => "we have received your item",
        (Locale::En, ReturnNews::Refunded(_), _) => "your refund is on its way",
        (Locale::En, ReturnNews::ExchangeShipped(_), _) => "your replacement is on its way",
        (Locale::En, ReturnNews::RefundLate { .. }, _) => "we are sorry, your refund is late",
    }
}

/// Renders the news of a return (or of an order's refund) in `locale`.
pub fn return_progress(locale: Locale, p: &ReturnProgress<'_>) -> Result<Rendered> {
    let shop = shop_name(p.shop);
    let order = display_text(p.order, 64);
    let exchange = p.kind == ReturnKind::Exchange;
    let words = progress_subject(locale, &p.news, exchange);
    let subject = match p.about {
        Some((id, ticket)) => format!(
            "[{ticket}] {shop}: {words} ({})",
            display_text(id.as_str(), 64)
        ),
        None => match locale {
            Locale::Tr => format!("{shop}: {order} numaralı siparişiniz için {words}"),
            Locale::En => format!("{shop}: {words} (order {order})"),
        },
    };
    let date = |d: Date| format::date(locale, d);
    let mut v = ProgressView {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop,
        name: customer_name(p.name),
        order,
        return_id: p.about.map(|(id, _)| display_text(id.as_str(), 64)),
        ticket: p.about.map(|(_, t)| t.to_string()),
        exchange,
        step: "",
        label_url: None,
        instructions: None,
        ship_by: None,
        reason: None,
        refund_by: None,
        amount: None,
        method: None,
        carrier: None,
        tracking_number: None,
        tracking_url: None,
        estimated: None,
        was_due: None,
        new_date: None,
    };
    match &p.news {
        ReturnNews::Approved { approval, ship_by } => {
            v.step = "approved";
            v.label_url = approval.label_url.as_deref().and_then(https_url);
            v.instructions = approval
                .instructions
                .as_deref()
                .map(|i| display_text(i, 2000))
                .filter(|i| !i.is_empty());
            v.ship_by = Some(date(*ship_by));
        }
        ReturnNews::Rejected(reason) => {
            v.step = "rejected";
            v.reason = Some(display_text(reason, 300)).filter(|r| !r.is_empty());
        }
        ReturnNews::Received { refund_by } => {
            v.step = "received";
            v.refund_by = refund_by.map(date);
        }
        ReturnNews::Refunded(refund) => {
            v.step = "refunded";
            v.amount = Some(format::money(locale, &refund.amount, &refund.currency));
            v.method = refund.method.as_deref().map(|m| display_text(m, 80));
        }
        ReturnNews::ExchangeShipped(parcel) => {
            v.step = "exchange_shipped";
            v.carrier = parcel.carrier.as_deref().map(|c| display_text(c, 80));
            v.tracking_number = parcel
                .tracking_number
                .as_deref()
                .map(|t| display_text(t, 64));
            v.tracking_url = parcel.tracking_url.as_deref().and_then(https_url);
            v.estimated = parcel.estimated_delivery.map(date);
        }
        ReturnNews::RefundLate { was_due, new_date } => {
            v.step = "refund_late";
            v.was_due = Some(date(*was_due));
            v.new_date = Some(date(*new_date));
        }
    }
    let v = &v;
    match locale {
        Locale::Tr => finish(
            "return_update",
            &v.subject,
            &ProgressTrHtml { v },
            &ProgressTrText { v },
        ),
        Locale::En => finish(
            "return_update",
            &v.subject,
            &ProgressEnHtml { v },
            &ProgressEnText { v },
        ),
    }
}

templates! {
    ProgressTrHtml(ProgressView) => "return_update_tr.html",
    ProgressTrText(ProgressView) => "return_update_tr.txt",
    ProgressEnHtml(ProgressView) => "return_update_en.html",
    ProgressEnText(ProgressView) => "return_update_en.txt",
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipment() -> Shipment {
        Shipment {
            carrier: Some("Yurtiçi Kargo".into()),
            tracking_number: Some("YK123456789".into()),
            tracking_url: Some("https://kargo.example/t/YK123456789".into()),
            estimated_delivery: Some(Date::constant(2026, 12, 5)),
        }
    }

    fn render(locale: Locale, s: &Shipment) -> Rendered {
        let order = crate::domain::order::OrderId::parse("1001").unwrap();
        shipped_notice(
            locale,
            &ShippedNotice {
                shop: "Örnek Mağaza",
                name: Some("Ayşe"),
                order: order.as_str(),
                shipment: s,
            },
        )
        .unwrap()
    }

    #[test]
    fn the_notice_says_carrier_number_link_and_date_in_both_languages() {
        let tr = render(Locale::Tr, &shipment());
        assert_eq!(
            tr.subject,
            "Örnek Mağaza: 1001 numaralı siparişiniz kargoda"
        );
        for part in [&tr.html, &tr.text] {
            for needle in [
                "Yurtiçi Kargo",
                "YK123456789",
                "https://kargo.example/t/YK123456789",
                "5 Aralık 2026",
                "Merhaba Ayşe",
            ] {
                assert!(part.contains(needle), "tr lacks {needle}: {part}");
            }
        }
        let en = render(Locale::En, &shipment());
        assert_eq!(en.subject, "Örnek Mağaza: your order 1001 is on its way");
        for part in [&en.html, &en.text] {
            for needle in [
                "Yurtiçi Kargo",
                "YK123456789",
                "https://kargo.example/t/YK123456789",
                "Hello Ayşe",
            ] {
                assert!(part.contains(needle), "en lacks {needle}: {part}");
            }
        }
        assert!(en.text.contains("Expected delivery: "), "{}", en.text);
    }

    #[test]
    fn a_return_request_is_confirmed_with_its_number_in_both_languages() {
        let order = crate::domain::order::OrderId::parse("1001").unwrap();
        let id = ReturnId::parse("RMA-77").unwrap();
        let ticket = TicketNumber::parse("TK-1234-5678").unwrap();
        let render = |locale, kind| {
            return_received(
                locale,
                &ReturnReceived {
                    shop: "Dükkan",
                    name: Some("Ayşe"),
                    order: order.as_str(),
                    return_id: &id,
                    kind,
                    ticket: &ticket,
                },
            )
            .unwrap()
        };
        let tr = render(Locale::Tr, ReturnKind::Return);
        assert_eq!(
            tr.subject,
            "[TK-1234-5678] Dükkan: iade talebinizi aldık (RMA-77)"
        );
        assert!(
            tr.text
                .contains("1001 numaralı siparişiniz için iade talebinizi aldık"),
            "{}",
            tr.text
        );
        let en = render(Locale::En, ReturnKind::Exchange);
        assert_eq!(
            en.subject,
            "[TK-1234-5678] Dükkan: we have your exchange request RMA-77"
        );
        for part in [&en.html, &en.text] {
            assert!(part.contains("exchange request for order"), "{part}");
            assert!(
                part.contains("RMA-77") && part.contains("TK-1234-5678"),
                "{part}"
            );
        }
    }

    fn progress(
        locale: Locale,
        kind: ReturnKind,
        news: ReturnNews<'_>,
        with_return: bool,
    ) -> Rendered {
        let order = crate::domain::order::OrderId::parse("1001").unwrap();
        let id = ReturnId::parse("RMA-77").unwrap();
        let ticket = TicketNumber::parse("TK-1234-5678").unwrap();
        return_progress(
            locale,
            &ReturnProgress {
                shop: "Dükkan",
                name: Some("Ayşe"),
                order: order.as_str(),
                about: with_return.then_some((&id, &ticket)),
                kind,
                news,
            },
        )
        .unwrap()
    }

    fn has_all(r: &Rendered, needles: &[&str]) {
        for part in [&r.html, &r.text] {
            for needle in needles {
                assert!(part.contains(needle), "lacks {needle}: {part}");
            }
        }
    }

    #[test]
    fn every_step_of_a_return_reads_in_both_languages() {
        let approval = Approval {
            label_url: Some("https://kargo.example/label/77".into()),
            instructions: Some("Kutuyu kapatın.\nEtiketi yapıştırın.".into()),
            ship_by: None,
        };
        let ship_by = Date::constant(2026, 12, 16);
        let refund = Refund {
            amount: "1249.90".into(),
            currency: "TRY".into(),
            method: Some("kredi kartı".into()),
        };
        let parcel = shipment();
        let cases: Vec<(Locale, ReturnKind, ReturnNews<'_>, &str, Vec<&str>)> = vec![
            (
                Locale::Tr,
                ReturnKind::Return,
                ReturnNews::Approved {
                    approval: &approval,
                    ship_by,
                },
                "[TK-1234-5678] Dükkan: iade talebiniz onaylandı (RMA-77)",
                vec![
                    "16 Aralık 2026",
                    "https://kargo.example/label/77",
                    "Kutuyu kapatın. Etiketi yapıştırın.",
                ],
            ),
            (
                Locale::En,
                ReturnKind::Exchange,
                ReturnNews::Approved {
                    approval: &approval,
                    ship_by,
                },
                "[TK-1234-5678] Dükkan: your exchange is approved (RMA-77)",
                vec!["16 December 2026", "https://kargo.example/label/77"],
            ),
            (
                Locale::Tr,
                ReturnKind::Return,
                ReturnNews::Rejected("Ürün kullanılmış"),
                "[TK-1234-5678] Dükkan: iade talebiniz kabul edilmedi (RMA-77)",
                vec!["Ürün kullanılmış", "TK-1234-5678"],
            ),
            (
                Locale::En,
                ReturnKind::Return,
                ReturnNews::Rejected("Used item"),
                "[TK-1234-5678] Dükkan: your return request was not accepted (RMA-77)",
                vec!["Used item", "reply to this email"],
            ),
            (
                Locale::Tr,
                ReturnKind::Return,
                ReturnNews::Received {
                    refund_by: Some(Date::constant(2026, 12, 20)),
                },
                "[TK-1234-5678] Dükkan: gönderdiğiniz ürün bize ulaştı (RMA-77)",
                vec!["20 Aralık 2026"],
            ),
            (
                Locale::En,
                ReturnKind::Exchange,
                ReturnNews::Received { refund_by: None },
                "[TK-1234-5678] Dükkan: we have received your item (RMA-77)",
                vec!["replacement"],
            ),
            (
                Locale::Tr,
                ReturnKind::Return,
                ReturnNews::Refunded(&refund),
                "[TK-1234-5678] Dükkan: ücret iadeniz yapıldı (RMA-77)",
                vec!["1.249,90 TL", "kredi kartı", "bankanıza bağlı"],
            ),
            (
                Locale::En,
                ReturnKind::Return,
                ReturnNews::Refunded(&refund),
                "[TK-1234-5678] Dükkan: your refund is on its way (RMA-77)",
                vec!["TRY 1,249.90", "Depending on your bank"],
            ),
            (
                Locale::Tr,
                ReturnKind::Exchange,
                ReturnNews::ExchangeShipped(&parcel),
                "[TK-1234-5678] Dükkan: yeni ürününüz kargoda (RMA-77)",
                vec![
                    "YK123456789",
                    "Yurtiçi Kargo",
                    "https://kargo.example/t/YK123456789",
                ],
            ),
            (
                Locale::En,
                ReturnKind::Exchange,
                ReturnNews::ExchangeShipped(&parcel),
                "[TK-1234-5678] Dükkan: your replacement is on its way (RMA-77)",
                vec!["YK123456789", "5 December 2026"],
            ),
        ];
        for (locale, kind, news, subject, needles) in cases {
            let r = progress(locale, kind, news, true);
            assert_eq!(r.subject, subject);
            has_all(&r, &needles);
            has_all(&r, &["Ayşe", "1001"]);
        }
    }

    #[test]
    fn a_late_refund_apologises_with_the_new_date_in_both_languages() {
        let late = || ReturnNews::RefundLate {
            was_due: Date::constant(2026, 12, 19),
            new_date: Date::constant(2026, 12, 23),
        };
        let tr = progress(Locale::Tr, ReturnKind::Return, late(), true);
        assert_eq!(
            tr.subject,
            "[TK-1234-5678] Dükkan: ücret iadeniz gecikti, özür dileriz (RMA-77)"
        );
        has_all(&tr, &["19 Aralık 2026", "23 Aralık 2026"]);
        let en = progress(Locale::En, ReturnKind::Return, late(), true);
        assert_eq!(
            en.subject,
            "[TK-1234-5678] Dükkan: we are sorry, your refund is late (RMA-77)"
        );
        has_all(&en, &["19 December 2026", "23 December 2026"]);
    }

    #[test]
    fn a_refund_of_the_order_itself_names_the_order_not_a_return() {
        let refund = Refund {
            amount: "149.90".into(),
            currency: "TRY".into(),
            method: None,
        };
        let tr = progress(
            Locale::Tr,
            ReturnKind::Return,
            ReturnNews::Refunded(&refund),
            false,
        );
        assert_eq!(
            tr.subject,
            "Dükkan: 1001 numaralı siparişiniz için ücret iadeniz yapıldı"
        );
        assert!(!tr.text.contains("TK-"), "{}", tr.text);
        let en = progress(
            Locale::En,
            ReturnKind::Return,
            ReturnNews::Refunded(&refund),
            false,
        );
        assert_eq!(en.subject, "Dükkan: your refund is on its way (order 1001)");
        has_all(&en, &["TRY 149.90"]);
    }

    #[test]
    fn an_unsafe_link_is_left_out_and_missing_facts_are_not_printed() {
        let bare = Shipment {
            tracking_url: Some("javascript:alert(1)".into()),
            ..Shipment::default()
        };
        let en = render(Locale::En, &bare);
        assert!(!en.html.contains("javascript"), "{}", en.html);
        assert!(!en.text.contains("Carrier:"), "{}", en.text);
        assert!(!en.text.contains("Tracking number:"), "{}", en.text);
    }
}
