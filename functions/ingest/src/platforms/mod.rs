//! The platforms' own webhooks: `POST /webhooks/<platform>`.
//!
//! A shop points its platform straight at memnun, with nothing of its own in
//! between: each platform signs its deliveries its own way and speaks its
//! own resources, so each has one module here holding both — how its
//! signature is checked, and one table of topic → memnun event and field →
//! field. What they share lives in this module: which platforms there are,
//! their secrets, the signature arithmetic, and the shape of a mapped event.
//!
//! Every mapped event is a CloudEvent of memnun's own contract, checked by
//! the same parser as `POST /events` ([`memnun_shared::contract::Event::check`]),
//! so a platform can never put on a queue what a shop could not. Its id is
//! built from the platform's own delivery or resource ids, so a platform's
//! retry of one delivery is the same memnun event and is handled once; its
//! time is the platform's time of the change, so a replay tells the same
//! story. Topics memnun does not use are answered 200 and counted as
//! ignored: the platforms disable a hook that keeps failing.

pub mod ideasoft;
pub mod ikas;
pub mod judgeme;
pub mod shopify;
pub mod woocommerce;
pub mod zendesk;

use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use lambda_http::http::HeaderMap;
use memnun_shared::{Error, Result};
use serde_json::{Map, Value, json};
use sha2::Sha256;

/// A platform memnun takes webhooks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// Shopify: orders, fulfillments, refunds, returns, customers.
    Shopify,
    /// WooCommerce: orders and their status, refunds, customers.
    WooCommerce,
    /// ikas: orders and their packages, customers.
    Ikas,
    /// IdeaSoft: orders and their status, members.
    IdeaSoft,
    /// Zendesk: agents' replies and solved tickets.
    Zendesk,
    /// Judge.me: product reviews.
    JudgeMe,
}

impl Platform {
    /// Every platform, in the order the docs list them.
    pub const ALL: &'static [Platform] = &[
        Platform::Shopify,
        Platform::WooCommerce,
        Platform::Ikas,
        Platform::IdeaSoft,
        Platform::Zendesk,
        Platform::JudgeMe,
    ];

    /// The platform named in the path (`/webhooks/<slug>`).
    pub fn from_slug(slug: &str) -> Option<Platform> {
        Platform::ALL.iter().copied().find(|p| p.slug() == slug)
    }

    /// Its name in the path.
    pub fn slug(self) -> &'static str {
        match self {
            Platform::Shopify => "shopify",
            Platform::WooCommerce => "woocommerce",
            Platform::Ikas => "ikas",
            Platform::IdeaSoft => "ideasoft",
            Platform::Zendesk => "zendesk",
            Platform::JudgeMe => "judgeme",
        }
    }

    /// The variable naming the SSM parameter with its signing secret(s);
    /// unset or empty: the platform's route answers 404.
    pub fn secret_variable(self) -> &'static str {
        match self {
            Platform::Shopify => "SHOPIFY_SECRET_PARAMETER",
            Platform::WooCommerce => "WOOCOMMERCE_SECRET_PARAMETER",
            Platform::Ikas => "IKAS_SECRET_PARAMETER",
            Platform::IdeaSoft => "IDEASOFT_SECRET_PARAMETER",
            Platform::Zendesk => "ZENDESK_SECRET_PARAMETER",
            Platform::JudgeMe => "JUDGEME_SECRET_PARAMETER",
        }
    }

    /// The template parameter that sets it.
    pub fn template_parameter(self) -> &'static str {
        match self {
            Platform::Shopify => "ShopifySecretParameterName",
            Platform::WooCommerce => "WooCommerceSecretParameterName",
            Platform::Ikas => "IkasSecretParameterName",
            Platform::IdeaSoft => "IdeaSoftSecretParameterName",
            Platform::Zendesk => "ZendeskSecretParameterName",
            Platform::JudgeMe => "JudgeMeSecretParameterName",
        }
    }

    /// Checks the delivery's signature against every secret.
    pub fn verify(self, delivery: &Delivery<'_>, secrets: &[Vec<u8>]) -> Result<(), Refusal> {
        match self {
            Platform::Shopify => shopify::verify(delivery, secrets),
            Platform::WooCommerce => woocommerce::verify(delivery, secrets),
            Platform::Ikas => ikas::verify(delivery, secrets),
            Platform::IdeaSoft => ideasoft::verify(delivery, secrets),
            Platform::Zendesk => zendesk::verify(delivery, secrets),
            Platform::JudgeMe => judgeme::verify(delivery, secrets),
        }
    }

    /// Whether the delivery is an unsigned check of the URL the platform
    /// makes when the webhook is saved (WooCommerce's ping): answered 200
    /// before any signature is asked for, and nothing is enqueued.
    pub fn is_ping(self, delivery: &Delivery<'_>) -> bool {
        self == Platform::WooCommerce && woocommerce::is_ping(delivery)
    }

    /// Maps a signed delivery to memnun's events.
    pub fn map(self, delivery: &Delivery<'_>) -> Result<Mapped> {
        match self {
            Platform::Shopify => shopify::map(delivery),
            Platform::WooCommerce => woocommerce::map(delivery),
            Platform::Ikas => ikas::map(delivery),
            Platform::IdeaSoft => ideasoft::map(delivery, delivery.topic),
            Platform::Zendesk => zendesk::map(delivery),
            Platform::JudgeMe => judgeme::map(delivery),
        }
    }
}

/// One delivery from a platform, as received.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// Its headers (looked up without regard to case).
    pub headers: &'a HeaderMap,
    /// Its raw body: what the signature covers.
    pub body: &'a [u8],
    /// When memnun received it: the event's time only when the platform
    /// says none.
    pub received: Timestamp,
    /// The topic the webhook's address names (`?topic=`), for a platform
    /// that does not say it in the delivery.
    pub topic: Option<&'a str>,
}

impl Delivery<'_> {
    /// A header's value, when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// The body as a JSON object.
    pub fn json(&self) -> Result<Value> {
        match serde_json::from_slice::<Value>(self.body) {
            Ok(v @ Value::Object(_)) => Ok(v),
            Ok(_) => Err(Error::contract("body", "must be a JSON object")),
            Err(_) => Err(Error::contract("body", "is not JSON")),
        }
    }
}

/// What a delivery comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Mapped {
    /// Events of memnun's contract, to be checked and enqueued.
    Events(Vec<Value>),
    /// Nothing memnun uses: answered 200 and counted, with the reason.
    Ignored(String),
}

impl Mapped {
    /// The steps an order's update comes to; none is nothing memnun tells.
    pub(crate) fn steps(events: Vec<Value>) -> Mapped {
        if events.is_empty() {
            Mapped::Ignored("an order update that is no step memnun tells".into())
        } else {
            Mapped::Events(events)
        }
    }
}

/// The codes of an order's discount lines (`discount_codes[].code`), at
/// most as many as the contract keeps.
pub(crate) fn discount_codes(lines: Vec<Fields<'_>>) -> Vec<Value> {
    lines
        .iter()
        .filter_map(|c| c.text("code"))
        .take(memnun_shared::contract::journey::MAX_DISCOUNT_CODES)
        .map(Value::from)
        .collect()
}

/// Why a delivery's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The header is missing.
    Missing(&'static str),
    /// The header is not what the platform sends.
    Malformed(&'static str),
    /// The signed time is outside the replay window.
    Expired,
    /// No configured secret produced it.
    Mismatch,
}

impl Refusal {
    /// What the caller is told.
    pub fn message(&self) -> String {
        match self {
            Refusal::Missing(h) => format!("the {h} {} is missing", carrier(h)),
            Refusal::Malformed(h) => format!(
                "the {h} {} is not a signature of the expected form",
                carrier(h)
            ),
            Refusal::Expired => "the signature's timestamp is more than 5 minutes from now".into(),
            Refusal::Mismatch => {
                "the signature does not match the body with any configured secret".into()
            }
        }
    }
}

/// Where a signature is carried: a header (`X-Shopify-Hmac-Sha256`), or a
/// field of the body (ikas's `signature`).
fn carrier(name: &str) -> &'static str {
    if name.contains('-') {
        "header"
    } else {
        "field"
    }
}

/// Whether HMAC-SHA256 of `parts` (concatenated) under any of `secrets` is
/// `expected`, compared in constant time.
pub(crate) fn signed_by_any(secrets: &[Vec<u8>], parts: &[&[u8]], expected: &[u8]) -> bool {
    secrets.iter().any(|secret| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
            return false;
        };
        for part in parts {
            mac.update(part);
        }
        mac.verify_slice(expected).is_ok()
    })
}

/// Checks a MAC of the raw body carried in the header `header` (its name
/// as the platform writes it: `name`), spelled as `decode` reads it: the
/// scheme of Shopify, WooCommerce and IdeaSoft (base64) and Judge.me.
pub(crate) fn verify_body_mac(
    delivery: &Delivery<'_>,
    secrets: &[Vec<u8>],
    header: &str,
    name: &'static str,
    decode: fn(&str) -> Option<Vec<u8>>,
) -> Result<(), Refusal> {
    let value = delivery.header(header).ok_or(Refusal::Missing(name))?;
    let mac = decode(value).ok_or(Refusal::Malformed(name))?;
    if signed_by_any(secrets, &[delivery.body], &mac) {
        Ok(())
    } else {
        Err(Refusal::Mismatch)
    }
}

/// A customer known only by email (a guest checkout, a platform that keys
/// its customers by email): `<prefix>-<hash>`, the same for the same
/// address in any case, and never the address itself in an id that may be
/// logged.
pub(crate) fn email_customer(prefix: &str, email: &str) -> String {
    use sha2::Digest as _;
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("{prefix}-{hex}")
}

/// HMAC-SHA256 of `parts` under `secret`: what a platform sends (tests,
/// the local run, the docs' examples).
pub fn mac(secret: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            for part in parts {
                mac.update(part);
            }
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// A 32-byte MAC written in base64.
pub(crate) fn from_base64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .ok()
        .filter(|m| m.len() == 32)
}

/// A 32-byte MAC written in hex (either case).
pub(crate) fn from_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The base64 spelling of a MAC.
pub fn to_base64(mac: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(mac)
}

/// The hex spelling of a MAC.
pub fn to_hex(mac: &[u8]) -> String {
    mac.iter().map(|b| format!("{b:02x}")).collect()
}

/// A memnun CloudEvent made from a platform's delivery.
pub(crate) fn cloudevent(
    source: &str,
    id: &str,
    time: Timestamp,
    kind: &str,
    data: Map<String, Value>,
) -> Value {
    json!({
        "specversion": "1.0",
        "id": id,
        "source": source,
        "type": kind,
        "time": time.to_string(),
        "data": Value::Object(data),
    })
}

/// Reading a platform's JSON: every accessor names the platform's field in
/// its error, so a 400 says which of the platform's fields was wrong.
pub(crate) struct Fields<'a> {
    value: &'a Value,
    path: String,
}

impl<'a> Fields<'a> {
    /// The body's top level.
    pub(crate) fn top(value: &'a Value) -> Self {
        Fields {
            value,
            path: String::new(),
        }
    }

    fn name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// A nested object, if there (and not null).
    pub(crate) fn object(&self, key: &str) -> Option<Fields<'a>> {
        self.value
            .get(key)
            .filter(|v| v.is_object())
            .map(|value| Fields {
                value,
                path: self.name(key),
            })
    }

    /// The elements of a list (none when absent or null).
    pub(crate) fn list(&self, key: &str) -> Vec<Fields<'a>> {
        let path = self.name(key);
        self.value
            .get(key)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .enumerate()
                    .map(|(i, value)| Fields {
                        value,
                        path: format!("{path}[{i}]"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A string, trimmed, when present and not empty.
    pub(crate) fn text(&self, key: &str) -> Option<String> {
        self.value
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    /// An id the platform writes as a number or a string.
    pub(crate) fn id(&self, key: &str) -> Option<String> {
        match self.value.get(key)? {
            Value::Number(n) if n.as_u64().is_some_and(|n| n > 0) => Some(n.to_string()),
            Value::String(s) if !s.trim().is_empty() && s.trim() != "0" => Some(s.trim().into()),
            _ => None,
        }
    }

    /// An id that must be there.
    pub(crate) fn required_id(&self, key: &str) -> Result<String> {
        self.id(key)
            .ok_or_else(|| Error::contract(self.name(key), "is required (a number or a string)"))
    }

    /// A time the platform writes in RFC 3339 (any offset).
    pub(crate) fn time(&self, key: &str) -> Result<Option<Timestamp>> {
        match self.text(key) {
            None => Ok(None),
            Some(t) => t
                .parse::<Timestamp>()
                .map(Some)
                .map_err(|_| Error::contract(self.name(key), "must be an RFC 3339 time")),
        }
    }

    /// An amount written as a number (`1249.8`) or a string, as the
    /// decimal the contract checks.
    pub(crate) fn amount(&self, key: &str) -> Option<String> {
        match self.value.get(key)? {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            _ => None,
        }
    }

    /// A whole number, when present.
    pub(crate) fn number(&self, key: &str) -> Option<u64> {
        match self.value.get(key)? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// `data` built field by field, leaving out what the platform did not say
/// (memnun never overwrites a stored value with an absent one).
#[derive(Default)]
pub(crate) struct Data(Map<String, Value>);

impl Data {
    pub(crate) fn set(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key.into(), value.into());
        self
    }

    pub(crate) fn opt(mut self, key: &str, value: Option<impl Into<Value>>) -> Self {
        if let Some(v) = value {
            self.0.insert(key.into(), v.into());
        }
        self
    }

    pub(crate) fn into_map(self) -> Map<String, Value> {
        self.0
    }
}

/// An order's lines (the first [`MAX_ORDER_ITEMS`] of them) as the contract
/// writes them; `read` gives one line's product id, name and quantity under
/// the platform's own names. A line without a quantity is one.
///
/// [`MAX_ORDER_ITEMS`]: memnun_shared::contract::journey::MAX_ORDER_ITEMS
pub(crate) fn order_lines<'a>(
    lines: Vec<Fields<'a>>,
    read: impl Fn(&Fields<'a>) -> (Option<String>, Option<String>, Option<u64>),
) -> Vec<Value> {
    lines
        .iter()
        .take(memnun_shared::contract::journey::MAX_ORDER_ITEMS)
        .map(|line| {
            let (product, name, quantity) = read(line);
            Data::default()
                .opt("product_id", product)
                .opt("name", name)
                .set("quantity", quantity.unwrap_or(1).max(1))
                .into_map()
                .into()
        })
        .collect()
}

/// A person's name from its parts, as platforms split it.
pub(crate) fn full_name(first: Option<String>, last: Option<String>) -> Option<String> {
    match (first, last) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.or(l),
    }
}

/// A link memnun may put in an email: https only. A carrier's plain-http
/// link is left out rather than refusing the whole delivery.
pub(crate) fn https(url: Option<String>) -> Option<String> {
    url.filter(|u| u.starts_with("https://"))
}

/// A platform's code word made readable: `return_period_ended` →
/// `return period ended`.
pub(crate) fn words(code: &str) -> String {
    code.replace(['_', '-'], " ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_read_back_in_both_spellings_and_nothing_else() {
        let m = mac(b"k", &[b"body"]);
        assert_eq!(from_base64(&to_base64(&m)), Some(m.clone()));
        assert_eq!(from_hex(&to_hex(&m)), Some(m.clone()));
        assert_eq!(from_hex(&to_hex(&m).to_uppercase()), Some(m.clone()));
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_base64("c2hvcnQ="), None, "a MAC is 32 bytes");
        assert!(signed_by_any(
            &[b"x".to_vec(), b"k".to_vec()],
            &[b"bo", b"dy"],
            &m
        ));
        assert!(!signed_by_any(&[b"x".to_vec()], &[b"body"], &m));
    }

    #[test]
    fn ids_come_as_numbers_or_strings_and_zero_is_none() {
        let v = json!({"a": 820982911946154508_u64, "b": "gid-1", "c": 0, "d": "", "e": null});
        let f = Fields::top(&v);
        assert_eq!(f.id("a").as_deref(), Some("820982911946154508"));
        assert_eq!(f.id("b").as_deref(), Some("gid-1"));
        assert_eq!(f.id("c"), None);
        assert_eq!(f.id("d"), None);
        assert_eq!(f.id("e"), None);
        match f.required_id("e") {
            Err(Error::Contract { field, .. }) => assert_eq!(field, "e"),
            other => panic!("{other:?}"),
        }
    }
}
