//! The acknowledgement of a new ticket: its number, its category and when
//! the customer will hear from us, on their clock; and the short note that
//! a later message was added to the open ticket
//! ([`crate::domain::thread`]).

use super::*;

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
    /// Whether a reply reaches the ticket (the email carries the help
    /// desk's `Reply-To`): only then does the email promise it.
    pub reply_reaches_ticket: bool,
    /// The shop's answers that may settle it at once
    /// ([`crate::domain::faq`]), each with its one-click link.
    pub answers: &'a [Suggestion],
    /// For a delivery complaint about an order memnun follows, the order:
    /// where it stands and how to track it ("where is my order?").
    pub order: Option<&'a crate::domain::order::Order>,
}

struct OrderView {
    /// The sentence saying where the order stands.
    state: String,
    tracking_number: Option<String>,
    tracking_url: Option<String>,
    expected: Option<String>,
}

/// Where `order` stands, in `locale`, with its dates on the customer's
/// clock.
fn order_view(locale: Locale, order: &crate::domain::order::Order, tz: &TimeZone) -> OrderView {
    use crate::domain::order::Stage;
    let n = display_text(order.known_as(), 40);
    let day = |t: Timestamp| format::date(locale, t.to_zoned(tz.clone()).date());
    let shipment = order.shipment.as_ref();
    let carrier = shipment
        .and_then(|s| s.carrier.as_deref())
        .map(|c| display_text(c, 60))
        .filter(|c| !c.is_empty());
    let state = match (locale, order.stage) {
        (Locale::Tr, Stage::Placed) => {
            format!("{n} numaralı siparişiniz hazırlanıyor; henüz kargoya verilmedi.")
        }
        (Locale::En, Stage::Placed) => {
            format!("Your order {n} is being prepared; it has not shipped yet.")
        }
        (Locale::Tr, Stage::Shipped) => {
            let when = order
                .shipped_at
                .map(|t| format!("{} tarihinde ", day(t)))
                .unwrap_or_default();
            let with = carrier.map(|c| format!("{c} ile ")).unwrap_or_default();
            format!("{n} numaralı siparişiniz {when}{with}kargoya verildi.")
        }
        (Locale::En, Stage::Shipped) => {
            let when = order
                .shipped_at
                .map(|t| format!(" on {}", day(t)))
                .unwrap_or_default();
            let with = carrier.map(|c| format!(" with {c}")).unwrap_or_default();
            format!("Your order {n} was shipped{when}{with}.")
        }
        (Locale::Tr, Stage::Delivered) => {
            let when = order
                .delivered_at
                .map(|t| format!(" {} tarihinde", day(t)))
                .unwrap_or_default();
            format!(
                "{n} numaralı siparişiniz kargo firmasına göre{when} teslim edildi. Elinize ulaşmadıysa bu e‑postayı yanıtlayın, hemen kargo firmasıyla görüşelim."
            )
        }
        (Locale::En, Stage::Delivered) => {
            let when = order
                .delivered_at
                .map(|t| format!(" on {}", day(t)))
                .unwrap_or_default();
            format!(
                "According to the carrier, your order {n} was delivered{when}. If it has not reached you, reply to this email and we will take it up with the carrier at once."
            )
        }
        (Locale::Tr, Stage::Cancelled) => format!("{n} numaralı siparişiniz iptal edildi."),
        (Locale::En, Stage::Cancelled) => format!("Your order {n} was cancelled."),
    };
    let shipped = order.stage == Stage::Shipped;
    OrderView {
        state,
        tracking_number: shipment
            .filter(|_| shipped)
            .and_then(|s| s.tracking_number.as_deref())
            .map(|t| display_text(t, 60))
            .filter(|t| !t.is_empty()),
        tracking_url: shipment
            .filter(|_| shipped)
            .and_then(|s| s.tracking_url.as_deref())
            .and_then(https_url),
        expected: shipment
            .filter(|_| shipped)
            .and_then(|s| s.estimated_delivery)
            .map(|d| format::date(locale, d)),
    }
}

/// A suggested answer as the acknowledgement shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The question, in the customer's language.
    pub question: String,
    /// The answer.
    pub answer: String,
    /// The signed "this answered my question" link (a page with one
    /// button: a mail scanner that opens it resolves nothing).
    pub link: String,
}

struct SuggestionView {
    question: String,
    paragraphs: Vec<String>,
    link: String,
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
    reply_reaches_ticket: bool,
    answers: Vec<SuggestionView>,
    order: Option<OrderView>,
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
        reply_reaches_ticket: a.reply_reaches_ticket,
        answers: a
            .answers
            .iter()
            .map(|s| SuggestionView {
                question: display_text(&s.question, 200),
                paragraphs: s
                    .answer
                    .split("\n\n")
                    .map(|p| display_text(p, 1500))
                    .filter(|p| !p.is_empty())
                    .collect(),
                link: s.link.clone(),
            })
            .collect(),
        order: a.order.map(|o| order_view(locale, o, a.customer_tz)),
    };
    let v = &v;
    match locale {
        Locale::Tr => finish("ack", &v.subject, &AckTrHtml { v }, &AckTrText { v }),
        Locale::En => finish("ack", &v.subject, &AckEnHtml { v }, &AckEnText { v }),
    }
}

templates! {
    AckTrHtml(AckView) => "ack_tr.html",
    AckTrText(AckView) => "ack_tr.txt",
    AckEnHtml(AckView) => "ack_en.html",
    AckEnText(AckView) => "ack_en.txt",
}

/// What the note that a message joined an open ticket says.
#[derive(Debug, Clone)]
pub struct Added<'a> {
    /// The shop's name.
    pub shop: &'a str,
    /// The customer's name, if known.
    pub name: Option<&'a str>,
    /// The ticket the message joined.
    pub ticket: &'a TicketNumber,
    /// Whether a reply reaches the ticket, as for [`Acknowledgement`].
    pub reply_reaches_ticket: bool,
}

struct AddedView {
    lang: &'static str,
    subject: String,
    shop: String,
    name: Option<String>,
    ticket: String,
    reply_reaches_ticket: bool,
}

/// Renders the note that the customer's message joined their open ticket.
pub fn added(locale: Locale, a: &Added<'_>) -> Result<Rendered> {
    let shop = shop_name(a.shop);
    let subject = match locale {
        Locale::Tr => format!("[{}] {shop}: Mesajınızı talebinize ekledik", a.ticket),
        Locale::En => format!(
            "[{}] {shop}: We added your message to your ticket",
            a.ticket
        ),
    };
    let v = AddedView {
        lang: locale.tag(),
        subject: header_text(&subject),
        shop,
        name: customer_name(a.name),
        ticket: a.ticket.to_string(),
        reply_reaches_ticket: a.reply_reaches_ticket,
    };
    let v = &v;
    match locale {
        Locale::Tr => finish("added", &v.subject, &AddedTrHtml { v }, &AddedTrText { v }),
        Locale::En => finish("added", &v.subject, &AddedEnHtml { v }, &AddedEnText { v }),
    }
}

templates! {
    AddedTrHtml(AddedView) => "added_tr.html",
    AddedTrText(AddedView) => "added_tr.txt",
    AddedEnHtml(AddedView) => "added_en.html",
    AddedEnText(AddedView) => "added_en.txt",
}
