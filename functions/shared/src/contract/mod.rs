//! The event contract: what producers send and what memnun publishes.
//!
//! Every message body is a CloudEvents 1.0 JSON object. [`Event::parse`]
//! checks the envelope and the payload of every known type and answers
//! either a fully typed [`Event`] or an [`Error::Contract`] naming the field
//! that is wrong (`data.rating: must be a whole number from 1 to 5`).

pub mod internal;
pub mod journey;
pub mod outbound;
pub mod payload;
pub mod reminder;
pub mod routing;
pub mod ses_feedback;
pub mod ses_inbound;
pub mod signature;
pub mod waiting;

use jiff::Timestamp;
use serde::Deserialize;

use crate::{Error, Result};
pub use payload::EventData;

/// The largest message body accepted (the SQS limit).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// The longest `id` or `source`.
pub const MAX_ID_BYTES: usize = 256;

/// The envelope fields every event has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMeta {
    /// The producer's unique id.
    pub id: String,
    /// Who produced it (`shop/web`, `memnun/sla-monitor`, …).
    pub source: String,
    /// When it happened: the `now` of everything the event causes.
    pub time: Timestamp,
}

impl EventMeta {
    /// The idempotency key: `id` is unique per `source` (CloudEvents 1.0).
    pub fn key(&self) -> String {
        format!("{}#{}", self.source, self.id)
    }
}

/// A parsed, validated event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The envelope.
    pub meta: EventMeta,
    /// The typed payload.
    pub data: EventData,
}

#[derive(Deserialize)]
struct RawEnvelope {
    specversion: String,
    id: String,
    source: String,
    #[serde(rename = "type")]
    kind: String,
    time: String,
    #[serde(default)]
    data: Option<serde_json::Value>,
}

impl Event {
    /// Parses and validates a message body.
    pub fn parse(body: &str) -> Result<Event> {
        if body.len() > MAX_BODY_BYTES {
            return Err(Error::contract(
                "body",
                format!("is larger than {MAX_BODY_BYTES} bytes"),
            ));
        }
        let value: serde_json::Value = serde_json::from_str(body)
            .map_err(|e| Error::contract("body", format!("is not JSON: {e}")))?;
        Self::from_value(value)
    }

    /// Validates an already decoded JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<Event> {
        if !value.is_object() {
            return Err(Error::contract("body", "must be a JSON object"));
        }
        let raw: RawEnvelope =
            serde_path_to_error::deserialize(value).map_err(|e| serde_error("", e))?;
        if raw.specversion != "1.0" {
            return Err(Error::contract("specversion", "must be \"1.0\""));
        }
        check_id("id", &raw.id)?;
        check_id("source", &raw.source)?;
        let time: Timestamp = raw.time.parse().map_err(|_| {
            Error::contract(
                "time",
                "must be an RFC 3339 timestamp such as 2026-11-22T10:15:00Z",
            )
        })?;
        let data = raw
            .data
            .ok_or_else(|| Error::contract("data", "is required"))?;
        let data = EventData::parse(&raw.kind, data)?;
        Ok(Event {
            meta: EventMeta {
                id: raw.id,
                source: raw.source,
                time,
            },
            data,
        })
    }
}

/// What the edge keeps of an event it has checked: its id and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The producer's id.
    pub id: String,
    /// Its type.
    pub kind: &'static str,
}

impl Event {
    /// Checks an event as a producer sends it, where a later step of an
    /// order may leave out its customer ([`journey::unnamed_customer`]):
    /// every other field is checked as [`Event::from_value`] checks it.
    pub fn check(mut value: serde_json::Value) -> Result<Checked> {
        let kind = value
            .get("type")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(data) = value.get_mut("data")
            && journey::unnamed_customer(&kind, data)?.is_some()
            && let Some(data) = data.as_object_mut()
        {
            // Stands in for the customer order-journey will find, only to
            // check the rest; the event sent on is the one received.
            data.insert("customer_id".into(), "-".into());
        }
        let event = Event::from_value(value)?;
        Ok(Checked {
            id: event.meta.id,
            kind: event.data.kind(),
        })
    }
}

/// Turns a serde error at a path into a contract error, without echoing the
/// offending value (it may be personal data) and naming a missing field
/// itself rather than its parent.
pub(crate) fn serde_error(prefix: &str, e: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let path = e.path().to_string();
    let message = e.into_inner().to_string();
    let join = |parent: &str, child: &str| match (parent, child) {
        ("", "") => "body".to_string(),
        ("", c) => c.to_string(),
        (p, "") => p.to_string(),
        (p, c) => format!("{p}.{c}"),
    };
    let parent = join(prefix, if path == "." { "" } else { &path });
    let parent = if parent == "body" && !prefix.is_empty() {
        prefix.to_string()
    } else {
        parent
    };
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
    {
        let base = if parent == "body" {
            String::new()
        } else {
            parent
        };
        return Error::contract(join(&base, missing), "is required");
    }
    // serde writes `invalid type: string "the value", expected u8`: keep the
    // kinds, drop the value.
    let reason = match (message.find("invalid type: "), message.rfind(", expected ")) {
        (Some(0), Some(at)) => {
            let found: String = message["invalid type: ".len()..at]
                .split([' ', '"', '`'])
                .next()
                .unwrap_or("value")
                .to_string();
            let expected = message[at + ", expected ".len()..]
                .split(" at line")
                .next()
                .unwrap_or("");
            format!("has the wrong type: expected {expected}, found {found}")
        }
        _ if message.starts_with("invalid value") || message.starts_with("invalid length") => {
            let expected = message
                .rsplit(", expected ")
                .next()
                .unwrap_or("")
                .split(" at line")
                .next()
                .unwrap_or("");
            format!("is out of range: expected {expected}")
        }
        _ => message
            .split(" at line")
            .next()
            .unwrap_or("is invalid")
            .to_string(),
    };
    Error::contract(parent, reason)
}

fn check_id(field: &str, v: &str) -> Result<()> {
    if v.is_empty() || v.len() > MAX_ID_BYTES {
        return Err(Error::contract(
            field,
            format!("must be 1 to {MAX_ID_BYTES} bytes"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(Error::contract(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn review(data: serde_json::Value) -> String {
        json!({"specversion": "1.0", "id": "e-1", "source": "shop/web", "type": "review.posted",
               "time": "2026-11-22T10:15:00Z", "data": data})
        .to_string()
    }

    fn field_of(body: &str) -> String {
        match Event::parse(body) {
            Err(Error::Contract { field, .. }) => field,
            other => panic!("expected a contract error, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_review_parses() {
        let e = Event::parse(&review(
            json!({"customer_id": "c-1", "rating": 2, "text": "kırık"}),
        ))
        .unwrap();
        assert_eq!(e.meta.key(), "shop/web#e-1");
        match e.data {
            EventData::ReviewPosted(r) => assert_eq!(r.rating.stars(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_do_not_echo_values() {
        let body = review(json!({"customer_id": "c-1", "rating": "ayse@example.com"}));
        let err = Event::parse(&body).unwrap_err().to_string();
        assert!(!err.contains("ayse"), "{err}");
        assert!(err.contains("data.rating"), "{err}");
        let err = Event::parse(&review(json!({"customer_id": "c-1", "rating": 300})))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("data.rating") && err.contains("out of range"),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(field_of("not json"), "body");
        assert_eq!(field_of("[1]"), "body");
        assert_eq!(field_of(r#"{"specversion":"1.0"}"#), "id");
        assert_eq!(
            field_of(&review(json!({"customer_id": "c-1", "rating": 9}))),
            "data.rating"
        );
        assert_eq!(
            field_of(&review(json!({"customer_id": "c-1", "rating": "two"}))),
            "data.rating"
        );
        assert_eq!(field_of(&review(json!({"rating": 1}))), "data.customer_id");
        assert_eq!(
            field_of(&review(
                json!({"customer_id": "c-1", "rating": 1, "customer": {"email": "nope"}})
            )),
            "data.customer.email"
        );
        let bad_time = review(json!({"customer_id": "c-1", "rating": 1}))
            .replace("2026-11-22T10:15:00Z", "yesterday");
        assert_eq!(field_of(&bad_time), "time");
        let bad_type = review(json!({})).replace("review.posted", "review.deleted");
        assert_eq!(field_of(&bad_type), "type");
        let bad_version = review(json!({})).replace("\"1.0\"", "\"0.3\"");
        assert_eq!(field_of(&bad_version), "specversion");
        let huge =
            review(json!({"customer_id": "c-1", "rating": 1, "text": "x".repeat(MAX_BODY_BYTES)}));
        assert_eq!(field_of(&huge), "body");
    }
}

#[cfg(test)]
mod properties {
    //! Whatever arrives on a queue, parsing answers an event or a contract
    //! error naming a field: it never panics.

    use super::*;
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            ".{0,40}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("customer_id".to_string()),
                        Just("rating".to_string()),
                        Just("customer".to_string()),
                        Just("email".to_string()),
                        Just("ticket_id".to_string()),
                        "[a-z_]{1,12}"
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_text_is_an_event_or_a_named_error(body in ".{0,300}") {
            match Event::parse(&body) {
                Ok(_) => {}
                Err(Error::Contract { field, .. }) => prop_assert!(!field.is_empty()),
                Err(other) => prop_assert!(false, "unexpected error {other}"),
            }
        }

        #[test]
        fn any_payload_of_any_type_is_checked_without_panic(
            kind in prop_oneof![
                Just("customer.upserted"), Just("complaint.created"), Just("ticket.replied"),
                Just("ticket.resolved"), Just("survey.answered"), Just("review.posted"),
                Just("ticket.self_served"),
                Just("order.delayed"), Just("nonsense")
            ],
            data in json_value(),
            id in ".{0,300}",
        ) {
            let envelope = serde_json::json!({
                "specversion": "1.0", "id": id, "source": "shop/p", "type": kind,
                "time": "2026-11-22T10:15:00Z", "data": data,
            });
            match Event::from_value(envelope) {
                Ok(event) => prop_assert_eq!(event.data.kind(), kind),
                Err(Error::Contract { field, .. }) => prop_assert!(!field.is_empty()),
                Err(other) => prop_assert!(false, "unexpected error {other}"),
            }
        }
    }
}
