//! The `data` of each event type, checked field by field.
//!
//! Each type has a raw form (what serde reads, so type errors carry their
//! path) and a validated form (what handlers get: newtypes, enums, bounded
//! strings). Limits keep one event from costing unbounded work or storage.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::journey::{
    ExchangeShipped, OrderEnded, OrderPlaced, OrderShipped, RefundIssued, ReturnApproved,
    ReturnRejected, ReturnRequested, ReturnUpdate,
};
use crate::domain::customer::{Birthday, ContactDetails, CustomerId};
use crate::domain::mail::EmailAddress;
use crate::domain::rating::Rating;
use crate::domain::ticket::{Author, Channel, TicketNumber};
use crate::{Error, Result};

/// Longest complaint message or review text, in characters.
pub const MAX_MESSAGE_CHARS: usize = 10_000;
/// Longest name, subject or product name, in characters.
pub const MAX_SHORT_TEXT_CHARS: usize = 300;

/// The payload of every event type memnun accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum EventData {
    /// `customer.upserted`
    CustomerUpserted(CustomerUpserted),
    /// `complaint.created`
    ComplaintCreated(ComplaintCreated),
    /// `ticket.replied`
    TicketReplied(TicketReplied),
    /// `ticket.resolved`
    TicketResolved(TicketResolved),
    /// `survey.answered`
    SurveyAnswered(SurveyAnswered),
    /// `ticket.self_served`
    TicketSelfServed(TicketSelfServed),
    /// `review.posted`
    ReviewPosted(ReviewPosted),
    /// `order.delayed`
    OrderDelayed(OrderDelayed),
    /// `order.placed`
    OrderPlaced(OrderPlaced),
    /// `order.shipped`
    OrderShipped(OrderShipped),
    /// `order.delivered`
    OrderDelivered(OrderEnded),
    /// `order.cancelled`
    OrderCancelled(OrderEnded),
    /// `return.requested`
    ReturnRequested(ReturnRequested),
    /// `return.approved`
    ReturnApproved(ReturnApproved),
    /// `return.rejected`
    ReturnRejected(ReturnRejected),
    /// `return.received`
    ReturnReceived(ReturnUpdate),
    /// `refund.issued`
    RefundIssued(RefundIssued),
    /// `exchange.shipped`
    ExchangeShipped(ExchangeShipped),
}

impl EventData {
    /// Parses the payload of an event of type `kind`.
    pub fn parse(kind: &str, data: serde_json::Value) -> Result<Self> {
        if !data.is_object() {
            return Err(Error::contract("data", "must be a JSON object"));
        }
        Ok(match kind {
            "customer.upserted" => {
                EventData::CustomerUpserted(CustomerUpserted::from_raw(typed(data)?)?)
            }
            "complaint.created" => {
                EventData::ComplaintCreated(ComplaintCreated::from_raw(typed(data)?)?)
            }
            "ticket.replied" => EventData::TicketReplied(TicketReplied::from_raw(typed(data)?)?),
            "ticket.resolved" => EventData::TicketResolved(TicketResolved::from_raw(typed(data)?)?),
            "survey.answered" => EventData::SurveyAnswered(SurveyAnswered::from_raw(typed(data)?)?),
            "ticket.self_served" => {
                EventData::TicketSelfServed(TicketSelfServed::from_raw(typed(data)?)?)
            }
            "review.posted" => EventData::ReviewPosted(ReviewPosted::from_raw(typed(data)?)?),
            "order.delayed" => EventData::OrderDelayed(OrderDelayed::from_raw(typed(data)?)?),
            "order.placed" => EventData::OrderPlaced(OrderPlaced::from_raw(typed(data)?)?),
            "order.shipped" => EventData::OrderShipped(OrderShipped::from_raw(typed(data)?)?),
            "order.delivered" => EventData::OrderDelivered(OrderEnded::from_raw(typed(data)?)?),
            "order.cancelled" => EventData::OrderCancelled(OrderEnded::from_raw(typed(data)?)?),
            "return.requested" => {
                EventData::ReturnRequested(ReturnRequested::from_raw(typed(data)?)?)
            }
            "return.approved" => EventData::ReturnApproved(ReturnApproved::from_raw(typed(data)?)?),
            "return.rejected" => EventData::ReturnRejected(ReturnRejected::from_raw(typed(data)?)?),
            "return.received" => EventData::ReturnReceived(ReturnUpdate::from_raw(typed(data)?)?),
            "refund.issued" => EventData::RefundIssued(RefundIssued::from_raw(typed(data)?)?),
            "exchange.shipped" => {
                EventData::ExchangeShipped(ExchangeShipped::from_raw(typed(data)?)?)
            }
            other => {
                let shown = crate::domain::mail::display_text(other, 60);
                return Err(Error::contract(
                    "type",
                    format!("`{shown}` is not an event type memnun accepts"),
                ));
            }
        })
    }

    /// The CloudEvents `type` of this payload.
    pub fn kind(&self) -> &'static str {
        match self {
            EventData::CustomerUpserted(_) => "customer.upserted",
            EventData::ComplaintCreated(_) => "complaint.created",
            EventData::TicketReplied(_) => "ticket.replied",
            EventData::TicketResolved(_) => "ticket.resolved",
            EventData::SurveyAnswered(_) => "survey.answered",
            EventData::TicketSelfServed(_) => "ticket.self_served",
            EventData::ReviewPosted(_) => "review.posted",
            EventData::OrderDelayed(_) => "order.delayed",
            EventData::OrderPlaced(_) => "order.placed",
            EventData::OrderShipped(_) => "order.shipped",
            EventData::OrderDelivered(_) => "order.delivered",
            EventData::OrderCancelled(_) => "order.cancelled",
            EventData::ReturnRequested(_) => "return.requested",
            EventData::ReturnApproved(_) => "return.approved",
            EventData::ReturnRejected(_) => "return.rejected",
            EventData::ReturnReceived(_) => "return.received",
            EventData::RefundIssued(_) => "refund.issued",
            EventData::ExchangeShipped(_) => "exchange.shipped",
        }
    }
}

fn typed<T: DeserializeOwned>(data: serde_json::Value) -> Result<T> {
    serde_path_to_error::deserialize(data).map_err(|e| super::serde_error("data", e))
}

pub(super) fn customer_id(field: &str, v: &str) -> Result<CustomerId> {
    CustomerId::parse(v).map_err(|r| Error::contract(field, r))
}

fn ticket_id(v: &str) -> Result<TicketNumber> {
    TicketNumber::parse(v).ok_or_else(|| {
        Error::contract(
            "data.ticket_id",
            "must be a ticket number such as TK-4821-0937",
        )
    })
}

pub(super) fn text(field: &str, v: Option<String>, max_chars: usize) -> Result<Option<String>> {
    match v {
        Some(s) if s.chars().count() > max_chars => Err(Error::contract(
            field,
            format!("must be at most {max_chars} characters"),
        )),
        Some(s) if s.trim().is_empty() => Ok(None),
        other => Ok(other),
    }
}

pub(super) fn required_text(field: &str, v: String, max_chars: usize) -> Result<String> {
    text(field, Some(v), max_chars)?.ok_or_else(|| Error::contract(field, "must not be empty"))
}

pub(super) fn short_id(field: &str, v: Option<String>) -> Result<Option<String>> {
    match v {
        Some(s) if s.is_empty() || s.len() > 128 || s.chars().any(char::is_control) => Err(
            Error::contract(field, "must be 1 to 128 bytes without control characters"),
        ),
        other => Ok(other),
    }
}

fn email(field: &str, v: &str) -> Result<EmailAddress> {
    EmailAddress::parse(v)
        .map_err(|r| Error::contract(field, format!("is not an email address: it {r}")))
}

fn time_zone(field: &str, v: Option<String>) -> Result<Option<String>> {
    match v {
        Some(tz) if jiff::tz::TimeZone::get(&tz).is_err() => Err(Error::contract(
            field,
            "must be an IANA time zone such as Europe/Istanbul",
        )),
        other => Ok(other),
    }
}

fn locale(field: &str, v: Option<String>) -> Result<Option<String>> {
    match v {
        Some(l)
            if l.is_empty()
                || l.len() > 35
                || !l
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            Err(Error::contract(
                field,
                "must be a language tag such as tr or en-GB",
            ))
        }
        other => Ok(other),
    }
}

pub(super) fn date(field: &str, v: Option<String>) -> Result<Option<Date>> {
    v.map(|d| {
        d.parse::<Date>()
            .map_err(|_| Error::contract(field, "must be a date YYYY-MM-DD"))
    })
    .transpose()
}

/// Contact details as producers send them.
#[derive(Debug, Deserialize, Default)]
pub struct RawContact {
    email: Option<String>,
    name: Option<String>,
    locale: Option<String>,
    time_zone: Option<String>,
}

pub(super) fn contact(raw: Option<RawContact>) -> Result<ContactDetails> {
    let Some(raw) = raw else {
        return Ok(ContactDetails::default());
    };
    Ok(ContactDetails {
        email: raw
            .email
            .as_deref()
            .map(|e| email("data.customer.email", e))
            .transpose()?,
        name: text("data.customer.name", raw.name, MAX_SHORT_TEXT_CHARS)?,
        locale: locale("data.customer.locale", raw.locale)?,
        time_zone: time_zone("data.customer.time_zone", raw.time_zone)?,
    })
}

/// A customer's marketing consent as last given or withdrawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Granted (true) or withdrawn (false).
    pub granted: bool,
    /// When, as the producer recorded it.
    pub at: Option<Timestamp>,
    /// Where (`checkout`, `newsletter-form`, …).
    pub source: Option<String>,
}

/// `customer.upserted`: the customer directory's source of truth.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerUpserted {
    /// The shop's id.
    pub customer_id: CustomerId,
    /// Contact details (email required).
    pub contact: ContactDetails,
    /// Birthday, if known.
    pub birthday: Option<Birthday>,
    /// Marketing consent, if the event speaks of it.
    pub consent: Option<Consent>,
}

#[derive(Deserialize)]
struct RawCustomerUpserted {
    customer_id: String,
    email: String,
    name: Option<String>,
    locale: Option<String>,
    time_zone: Option<String>,
    birthday: Option<String>,
    marketing_consent: Option<bool>,
    consent_at: Option<String>,
    consent_source: Option<String>,
}

impl CustomerUpserted {
    fn from_raw(r: RawCustomerUpserted) -> Result<Self> {
        let consent = match r.marketing_consent {
            None => None,
            Some(granted) => Some(Consent {
                granted,
                at: r
                    .consent_at
                    .map(|t| {
                        t.parse().map_err(|_| {
                            Error::contract("data.consent_at", "must be an RFC 3339 timestamp")
                        })
                    })
                    .transpose()?,
                source: text("data.consent_source", r.consent_source, 100)?,
            }),
        };
        Ok(CustomerUpserted {
            customer_id: customer_id("data.customer_id", &r.customer_id)?,
            contact: ContactDetails {
                email: Some(email("data.email", &r.email)?),
                name: text("data.name", r.name, MAX_SHORT_TEXT_CHARS)?,
                locale: locale("data.locale", r.locale)?,
                time_zone: time_zone("data.time_zone", r.time_zone)?,
            },
            birthday: r
                .birthday
                .map(|b| Birthday::parse(&b).map_err(|e| Error::contract("data.birthday", e)))
                .transpose()?,
            consent,
        })
    }
}

/// `complaint.created`: a customer complains through some channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintCreated {
    /// Who complains.
    pub customer_id: CustomerId,
    /// Where.
    pub channel: Channel,
    /// What they wrote (or what the agent logged).
    pub message: String,
    /// A subject line, if the channel has one.
    pub subject: Option<String>,
    /// The order it is about.
    pub order_id: Option<String>,
    /// Contact details the producer knows.
    pub customer: ContactDetails,
}

#[derive(Deserialize)]
struct RawComplaintCreated {
    customer_id: String,
    channel: String,
    message: String,
    subject: Option<String>,
    order_id: Option<String>,
    customer: Option<RawContact>,
}

impl ComplaintCreated {
    fn from_raw(r: RawComplaintCreated) -> Result<Self> {
        Ok(ComplaintCreated {
            customer_id: customer_id("data.customer_id", &r.customer_id)?,
            channel: Channel::parse(&r.channel).ok_or_else(|| {
                Error::contract(
                    "data.channel",
                    "must be one of email, web, social, phone, chat",
                )
            })?,
            message: required_text("data.message", r.message, MAX_MESSAGE_CHARS)?,
            subject: text("data.subject", r.subject, MAX_SHORT_TEXT_CHARS)?,
            order_id: short_id("data.order_id", r.order_id)?,
            customer: contact(r.customer)?,
        })
    }
}

/// `ticket.replied`: someone wrote on a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketReplied {
    /// The ticket.
    pub ticket_id: TicketNumber,
    /// Who wrote.
    pub author: Author,
}

#[derive(Deserialize)]
struct RawTicketReplied {
    ticket_id: String,
    author: String,
}

impl TicketReplied {
    fn from_raw(r: RawTicketReplied) -> Result<Self> {
        Ok(TicketReplied {
            ticket_id: ticket_id(&r.ticket_id)?,
            author: Author::parse(&r.author)
                .ok_or_else(|| Error::contract("data.author", "must be agent or customer"))?,
        })
    }
}

/// `ticket.resolved`: the team closed a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketResolved {
    /// The ticket.
    pub ticket_id: TicketNumber,
}

#[derive(Deserialize)]
struct RawTicketResolved {
    ticket_id: String,
}

impl TicketResolved {
    fn from_raw(r: RawTicketResolved) -> Result<Self> {
        Ok(TicketResolved {
            ticket_id: ticket_id(&r.ticket_id)?,
        })
    }
}

/// `survey.answered`: a satisfaction rating for a resolved ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyAnswered {
    /// The ticket rated.
    pub ticket_id: TicketNumber,
    /// 1–5.
    pub score: Rating,
    /// Free text, if any.
    pub comment: Option<String>,
}

#[derive(Deserialize)]
struct RawSurveyAnswered {
    ticket_id: String,
    score: u8,
    comment: Option<String>,
}

impl SurveyAnswered {
    fn from_raw(r: RawSurveyAnswered) -> Result<Self> {
        Ok(SurveyAnswered {
            ticket_id: ticket_id(&r.ticket_id)?,
            score: Rating::new(r.score).ok_or_else(|| {
                Error::contract("data.score", "must be a whole number from 1 to 5")
            })?,
            comment: text("data.comment", r.comment, MAX_MESSAGE_CHARS)?,
        })
    }
}

/// `ticket.self_served`: the customer said a suggested answer answered
/// their question (the acknowledgement's one-click link, or the shop's own
/// self-service page): the ticket is resolved as self-served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketSelfServed {
    /// The ticket.
    pub ticket_id: TicketNumber,
    /// The FAQ entry that answered it, if known.
    pub faq_id: Option<String>,
}

#[derive(Deserialize)]
struct RawTicketSelfServed {
    ticket_id: String,
    faq_id: Option<String>,
}

impl TicketSelfServed {
    fn from_raw(r: RawTicketSelfServed) -> Result<Self> {
        let faq_id = match r.faq_id {
            None => None,
            Some(id)
                if !id.is_empty()
                    && id.len() <= 40
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
            {
                Some(id)
            }
            Some(_) => {
                return Err(Error::contract(
                    "data.faq_id",
                    "must be 1 to 40 lower-case letters, digits and dashes",
                ));
            }
        };
        Ok(TicketSelfServed {
            ticket_id: ticket_id(&r.ticket_id)?,
            faq_id,
        })
    }
}

/// `review.posted`: a product review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewPosted {
    /// The reviewer.
    pub customer_id: CustomerId,
    /// 1–5 stars.
    pub rating: Rating,
    /// The product's id.
    pub product_id: Option<String>,
    /// The product's name as the shop shows it.
    pub product_name: Option<String>,
    /// The order the product came with.
    pub order_id: Option<String>,
    /// The review's text.
    pub text: Option<String>,
    /// Contact details the producer knows.
    pub customer: ContactDetails,
}

#[derive(Deserialize)]
struct RawReviewPosted {
    customer_id: String,
    rating: u8,
    product_id: Option<String>,
    product_name: Option<String>,
    order_id: Option<String>,
    text: Option<String>,
    customer: Option<RawContact>,
}

impl ReviewPosted {
    fn from_raw(r: RawReviewPosted) -> Result<Self> {
        Ok(ReviewPosted {
            customer_id: customer_id("data.customer_id", &r.customer_id)?,
            rating: Rating::new(r.rating).ok_or_else(|| {
                Error::contract("data.rating", "must be a whole number from 1 to 5")
            })?,
            product_id: short_id("data.product_id", r.product_id)?,
            product_name: text("data.product_name", r.product_name, MAX_SHORT_TEXT_CHARS)?,
            order_id: short_id("data.order_id", r.order_id)?,
            text: text("data.text", r.text, MAX_MESSAGE_CHARS)?,
            customer: contact(r.customer)?,
        })
    }
}

/// `order.delayed`: an order will arrive later than promised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDelayed {
    /// Whose order.
    pub customer_id: CustomerId,
    /// Which order.
    pub order_id: String,
    /// The date first promised.
    pub promised_date: Option<Date>,
    /// The new expected date.
    pub new_date: Option<Date>,
    /// Where to follow the parcel (https only).
    pub tracking_url: Option<String>,
    /// Contact details the producer knows.
    pub customer: ContactDetails,
}

#[derive(Deserialize)]
struct RawOrderDelayed {
    customer_id: String,
    order_id: String,
    promised_date: Option<String>,
    new_date: Option<String>,
    tracking_url: Option<String>,
    customer: Option<RawContact>,
}

/// An `https` URL of at most 2048 bytes without spaces or control
/// characters (a tracking link, a return label).
pub(super) fn https_url(field: &str, v: Option<String>) -> Result<Option<String>> {
    match v {
        Some(u)
            if !u.starts_with("https://")
                || u.len() > 2048
                || u.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            Err(Error::contract(
                field,
                "must be an https URL of at most 2048 bytes",
            ))
        }
        other => Ok(other),
    }
}

impl OrderDelayed {
    fn from_raw(r: RawOrderDelayed) -> Result<Self> {
        let tracking_url = https_url("data.tracking_url", r.tracking_url)?;
        Ok(OrderDelayed {
            customer_id: customer_id("data.customer_id", &r.customer_id)?,
            order_id: short_id("data.order_id", Some(r.order_id))?.unwrap_or_default(),
            promised_date: date("data.promised_date", r.promised_date)?,
            new_date: date("data.new_date", r.new_date)?,
            tracking_url,
            customer: contact(r.customer)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(kind: &str, data: serde_json::Value) -> String {
        match EventData::parse(kind, data) {
            Err(Error::Contract { field, .. }) => field,
            other => panic!("expected a contract error, got {other:?}"),
        }
    }

    #[test]
    fn every_type_parses_its_minimal_form() {
        let cases = [
            (
                "customer.upserted",
                json!({"customer_id": "c", "email": "a@b.co"}),
            ),
            (
                "complaint.created",
                json!({"customer_id": "c", "channel": "web", "message": "Kargo gelmedi"}),
            ),
            (
                "ticket.replied",
                json!({"ticket_id": "TK-1234-5678", "author": "agent"}),
            ),
            ("ticket.resolved", json!({"ticket_id": "TK-1234-5678"})),
            (
                "survey.answered",
                json!({"ticket_id": "TK-1234-5678", "score": 1}),
            ),
            ("review.posted", json!({"customer_id": "c", "rating": 5})),
            (
                "order.delayed",
                json!({"customer_id": "c", "order_id": "o-1"}),
            ),
        ];
        for (kind, data) in cases {
            let parsed = EventData::parse(kind, data).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(parsed.kind(), kind);
        }
    }

    #[test]
    fn each_rule_names_its_field() {
        assert_eq!(
            field(
                "complaint.created",
                json!({"customer_id": "c", "channel": "fax", "message": "x"})
            ),
            "data.channel"
        );
        assert_eq!(
            field(
                "complaint.created",
                json!({"customer_id": "c", "channel": "web", "message": "  "})
            ),
            "data.message"
        );
        assert_eq!(
            field(
                "complaint.created",
                json!({"customer_id": "c", "channel": "web"})
            ),
            "data.message"
        );
        assert_eq!(
            field(
                "ticket.replied",
                json!({"ticket_id": "42", "author": "agent"})
            ),
            "data.ticket_id"
        );
        assert_eq!(
            field(
                "ticket.replied",
                json!({"ticket_id": "TK-1234-5678", "author": "bot"})
            ),
            "data.author"
        );
        assert_eq!(
            field(
                "survey.answered",
                json!({"ticket_id": "TK-1234-5678", "score": 0})
            ),
            "data.score"
        );
        assert_eq!(
            field(
                "customer.upserted",
                json!({"customer_id": "c", "email": "a@b.co", "birthday": "--02-30"})
            ),
            "data.birthday"
        );
        assert_eq!(
            field(
                "customer.upserted",
                json!({"customer_id": "c", "email": "a@b.co", "time_zone": "Nowhere/City"})
            ),
            "data.time_zone"
        );
        assert_eq!(
            field(
                "order.delayed",
                json!({"customer_id": "c", "order_id": "o", "tracking_url": "javascript:alert(1)"})
            ),
            "data.tracking_url"
        );
        assert_eq!(
            field(
                "order.delayed",
                json!({"customer_id": "c", "order_id": "o", "new_date": "soon"})
            ),
            "data.new_date"
        );
        assert_eq!(
            field(
                "review.posted",
                json!({"customer_id": "c", "rating": 1, "text": "x".repeat(MAX_MESSAGE_CHARS + 1)})
            ),
            "data.text"
        );
        assert_eq!(
            field(
                "review.posted",
                json!({"customer_id": "c", "rating": 1, "customer": {"locale": "tr TR"}})
            ),
            "data.customer.locale"
        );
        assert_eq!(field("review.posted", json!("a string")), "data");
    }

    #[test]
    fn consent_is_read_with_its_when_and_where() {
        let d = EventData::parse(
            "customer.upserted",
            json!({"customer_id": "c", "email": "a@b.co", "marketing_consent": true,
                   "consent_at": "2026-01-01T09:00:00Z", "consent_source": "checkout"}),
        )
        .unwrap();
        let EventData::CustomerUpserted(c) = d else {
            panic!()
        };
        let consent = c.consent.unwrap();
        assert!(consent.granted);
        assert_eq!(consent.source.as_deref(), Some("checkout"));
    }
}
