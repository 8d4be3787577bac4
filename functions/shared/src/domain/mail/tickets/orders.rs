//! The emails of the order journey: the order on its way, with its carrier,
//! tracking number, tracking link and expected date; a return request
//! confirmed at once, with its number and what happens next. Transactional:
//! they carry no offer and need no marketing consent.

use jiff::civil::Date;

use super::*;
use crate::domain::order::{OrderId, Shipment};
use crate::domain::returns::{ReturnId, ReturnKind};

/// What the shipping notice says.
#[derive(Debug, Clone)]
pub struct ShippedNotice<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The order.
    pub order: &'a OrderId,
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
    let order = display_text(n.order.as_str(), 64);
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
    /// The order.
    pub order: &'a OrderId,
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
        order: display_text(r.order.as_str(), 64),
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
        let order = OrderId::parse("1001").unwrap();
        shipped_notice(
            locale,
            &ShippedNotice {
                shop: "Örnek Mağaza",
                name: Some("Ayşe"),
                order: &order,
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
        let order = OrderId::parse("1001").unwrap();
        let id = ReturnId::parse("RMA-77").unwrap();
        let ticket = TicketNumber::parse("TK-1234-5678").unwrap();
        let render = |locale, kind| {
            return_received(
                locale,
                &ReturnReceived {
                    shop: "Dükkan",
                    name: Some("Ayşe"),
                    order: &order,
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
