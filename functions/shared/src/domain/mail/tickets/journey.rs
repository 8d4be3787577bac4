//! The team's alerts about the order journey's clocks
//! ([`crate::domain::watch`]): an order not shipped in time, an order not
//! delivered in 30 days, a refund nearing or past its legal date. Like the
//! SLA alerts they carry ids and dates, never the customer's name, address
//! or words: they go to a shared inbox.

use jiff::civil::Date;

use super::*;
use crate::domain::returns::ReturnId;
use crate::domain::watch::{UNDELIVERED_DAYS, Watch};

/// What a journey alert reports.
#[derive(Debug, Clone)]
pub struct JourneyAlert<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// Which clock ran out.
    pub watch: Watch,
    /// The order, as the customer knows it ([`crate::domain::order::Order::known_as`]).
    pub order: &'a str,
    /// The return and its ticket, for a refund's clock.
    pub about: Option<(&'a ReturnId, &'a TicketNumber)>,
    /// The day the order was placed, or the return requested (the shop's
    /// calendar).
    pub since: Date,
    /// The day it was due by: the last working day to ship, the refund's
    /// legal date.
    pub due: Date,
    /// For `unshipped`: the working days allowed.
    pub ship_within_days: i64,
}

struct AlertView {
    lang: &'static str,
    subject: String,
    shop: String,
    urgent: bool,
    headline: String,
    rows: Vec<(&'static str, String)>,
    action: &'static str,
    footer: &'static str,
}

/// Renders a journey alert for the team in `locale` (the shop's).
pub fn journey_alert(locale: Locale, a: &JourneyAlert<'_>) -> Result<Rendered> {
    let shop = shop_name(a.shop);
    let order = display_text(a.order, 64);
    let date = |d: Date| format::date(locale, d);
    let tr = locale == Locale::Tr;
    let (subject, headline, action) = match (a.watch, a.about) {
        (Watch::Unshipped, _) => {
            let n = a.ship_within_days;
            if tr {
                (
                    format!("Sipariş {order} {n} iş gününde kargoya verilmedi"),
                    format!("{order} numaralı sipariş {n} iş gününde kargoya verilmedi."),
                    "Siparişi bugün kargoya verin ya da müşteriye gecikmeyi bildirin.",
                )
            } else {
                (
                    format!("Order {order} not shipped within {n} working days"),
                    format!("Order {order} has not shipped within {n} working days."),
                    "Please ship it today, or tell the customer about the delay.",
                )
            }
        }
        (Watch::Undelivered, _) => {
            let n = UNDELIVERED_DAYS;
            if tr {
                (
                    format!("Sipariş {order} {n} gündür teslim edilmedi"),
                    format!(
                        "{order} numaralı sipariş verileli {n} gün oldu ve hâlâ teslim edilmedi. Mesafeli sözleşmelerde teslim süresi en çok {n} gündür."
                    ),
                    "Kargonun durumunu bugün kontrol edin; teslim edilemiyorsa müşteriyi arayın.",
                )
            } else {
                (
                    format!("Order {order} still undelivered after {n} days"),
                    format!(
                        "Order {order} was placed {n} days ago and is still not delivered. Distance sales allow {n} days at most."
                    ),
                    "Please check the parcel today and call the customer if it cannot be delivered.",
                )
            }
        }
        (watch, about) => {
            let (id, ticket) = match about {
                Some((id, ticket)) => (display_text(id.as_str(), 64), format!("[{ticket}] ")),
                None => (order.clone(), String::new()),
            };
            let due = date(a.due);
            match (watch == Watch::RefundOverdue, tr) {
                (false, true) => (
                    format!("{ticket}İade {id}: ücret iadesi için son gün {due}"),
                    format!(
                        "{id} numaralı iadenin ücreti henüz iade edilmedi. Yasal süre {due} günü doluyor."
                    ),
                    "Ücreti bu tarihten önce iade edin.",
                ),
                (false, false) => (
                    format!("{ticket}Return {id}: refund due by {due}"),
                    format!(
                        "The refund of return {id} is still open. Its legal period ends on {due}."
                    ),
                    "Please refund it before then.",
                ),
                (true, true) => (
                    format!("{ticket}İade {id}: ücret iadesinin yasal süresi doldu"),
                    format!(
                        "{id} numaralı iadenin ücreti {due} gününe kadar iade edilmedi. Müşteriye gecikme bildirildi."
                    ),
                    "Ücreti bugün iade edin.",
                ),
                (true, false) => (
                    format!("{ticket}Return {id}: refund past its legal date"),
                    format!(
                        "The refund of return {id} was not made by {due}. The customer has been told of the delay."
                    ),
                    "Please refund it today.",
                ),
            }
        }
    };
    let (l_order, l_return, l_ticket, l_since_order, l_since_return, l_due) = if tr {
        (
            "Sipariş",
            "İade",
            "Talep",
            "Sipariş tarihi",
            "Talep tarihi",
            "Son gün",
        )
    } else {
        (
            "Order",
            "Return",
            "Ticket",
            "Placed on",
            "Requested on",
            "Due by",
        )
    };
    let mut rows = vec![(l_order, order)];
    if let Some((id, ticket)) = a.about {
        rows.push((l_return, display_text(id.as_str(), 64)));
        rows.push((l_ticket, ticket.to_string()));
        rows.push((l_since_return, date(a.since)));
    } else {
        rows.push((l_since_order, date(a.since)));
    }
    rows.push((l_due, date(a.due)));
    let v = AlertView {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop,
        urgent: matches!(a.watch, Watch::Undelivered | Watch::RefundOverdue),
        headline,
        rows,
        action,
        footer: if tr {
            "ekibi için otomatik bildirim. Müşteri bilgileri bilerek yazılmadı: siparişi ya da talebi sisteminizde açın."
        } else {
            "support team: automatic notice. Customer details are left out on purpose: open the order or the ticket in your tools to see them."
        },
    };
    let v = &v;
    finish(
        "journey_alert",
        &v.subject,
        &AlertHtml { v },
        &AlertText { v },
    )
}

templates! {
    AlertHtml(AlertView) => "journey_alert.html",
    AlertText(AlertView) => "journey_alert.txt",
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(locale: Locale, watch: Watch, with_return: bool) -> Rendered {
        let order = crate::domain::order::OrderId::parse("1001").unwrap();
        let id = ReturnId::parse("RMA-7").unwrap();
        let ticket = TicketNumber::parse("TK-1234-5678").unwrap();
        journey_alert(
            locale,
            &JourneyAlert {
                shop: "Dükkan",
                watch,
                order: order.as_str(),
                about: with_return.then_some((&id, &ticket)),
                since: Date::constant(2026, 12, 5),
                due: Date::constant(2026, 12, 19),
                ship_within_days: 2,
            },
        )
        .unwrap()
    }

    #[test]
    fn each_alert_says_what_ran_out_in_both_languages_and_nothing_of_the_customer() {
        let cases = [
            (
                Locale::Tr,
                Watch::Unshipped,
                false,
                "Sipariş 1001 2 iş gününde kargoya verilmedi",
            ),
            (
                Locale::En,
                Watch::Unshipped,
                false,
                "Order 1001 not shipped within 2 working days",
            ),
            (
                Locale::Tr,
                Watch::Undelivered,
                false,
                "Sipariş 1001 30 gündür teslim edilmedi",
            ),
            (
                Locale::En,
                Watch::Undelivered,
                false,
                "Order 1001 still undelivered after 30 days",
            ),
            (
                Locale::Tr,
                Watch::RefundWarning,
                true,
                "[TK-1234-5678] İade RMA-7: ücret iadesi için son gün 19 Aralık 2026",
            ),
            (
                Locale::En,
                Watch::RefundWarning,
                true,
                "[TK-1234-5678] Return RMA-7: refund due by 19 December 2026",
            ),
            (
                Locale::Tr,
                Watch::RefundOverdue,
                true,
                "[TK-1234-5678] İade RMA-7: ücret iadesinin yasal süresi doldu",
            ),
            (
                Locale::En,
                Watch::RefundOverdue,
                true,
                "[TK-1234-5678] Return RMA-7: refund past its legal date",
            ),
        ];
        for (locale, watch, with_return, subject) in cases {
            let r = render(locale, watch, with_return);
            assert_eq!(r.subject, subject);
            for part in [&r.html, &r.text] {
                assert!(part.contains("1001"), "{part}");
                assert!(part.contains("19"), "the due day: {part}");
                assert!(!part.contains('@'), "no address: {part}");
            }
        }
    }
}
