//! The emails of the support flows, in each language.
//!
//! To the customer: the acknowledgement of a new ticket (and the note that
//! a later message joined it), the reminder when it waits on them, the
//! satisfaction survey when it is resolved, the apology after a low rating, the apology for a late order,
//! the apology for a missed SLA, and the order journey's notices
//! (`orders`). To the team: the SLA warning and breach alerts.
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
use crate::domain::mail::render::{CouponView, Rendered, finish, local_date_time};
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

mod ack;
mod apologies;
mod journey;
mod orders;
mod reminder;
mod survey;
mod team;

pub use ack::{Acknowledgement, Added, Suggestion, acknowledgement, added};
pub use apologies::{
    BreachApology, DelayApology, SatisfactionApology, breach_apology, delay_apology,
    satisfaction_apology,
};
pub use journey::{JourneyAlert, journey_alert};
pub use orders::{
    ReturnNews, ReturnProgress, ReturnReceived, ShippedNotice, return_progress, return_received,
    shipped_notice,
};
pub use reminder::{Reminder, reminder};
pub use survey::{SurveyRequest, survey_request};
pub use team::{AlertKind, TeamAlert, team_alert};

#[cfg(test)]
mod tests;
