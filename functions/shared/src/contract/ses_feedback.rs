//! What SES publishes about a sent email, as it arrives on the mail feedback
//! queue.
//!
//! SES reports bounces and complaints (and, when asked, deliveries, opens and
//! more) to an SNS topic, which delivers them to an SQS queue. A message body
//! there is one of:
//!
//! - the SNS envelope, `{"Type": "Notification", "Message": "<JSON text>",
//!   "MessageId": …, "Timestamp": …, "Signature": …}`, whose `Message` is
//!   SES's notification as a string (the subscription's default);
//! - SES's notification itself, when the subscription has raw message
//!   delivery on.
//!
//! The notification comes in two shapes, and both are read:
//!
//! - configuration-set event publishing (what memnun's template sets up):
//!   `{"eventType": "Bounce", "bounce": {…}, "mail": {…}}`, with `eventType`
//!   one of `Send`, `Reject`, `Bounce`, `Complaint`, `Delivery`, `Open`,
//!   `Click`, `Rendering Failure`, `DeliveryDelay`, `Subscription`;
//! - identity notifications: `{"notificationType": "Bounce", …}`, with
//!   `Bounce`, `Complaint`, `Delivery`, or SES's own
//!   `AmazonSnsSubscriptionSucceeded` notice (which has no `mail`).
//!
//! [`SesNotice::parse`] answers either a bounce or complaint with everything
//! suppression needs ([`SesFeedback`]), or the name of any other event. A
//! body that is not one of these is an [`Error::Contract`] naming the field
//! (`Message.bounce.bouncedRecipients[0].emailAddress`); an error never
//! quotes a value, since most values here are addresses.

use jiff::Timestamp;
use serde::Deserialize;

use crate::contract::{MAX_BODY_BYTES, MAX_ID_BYTES, serde_error};
use crate::domain::mail::EmailAddress;
use crate::domain::suppression::FeedbackKind;
use crate::{Error, Result};

/// The most recipients one report may name: SES sends a message to at most
/// 50.
pub const MAX_RECIPIENTS: usize = 50;
/// The longest event type name accepted.
pub const MAX_EVENT_TYPE_BYTES: usize = 64;

/// What one message on the feedback queue says.
#[derive(Debug, Clone, PartialEq)]
pub enum SesNotice {
    /// A bounce or a complaint about recipients of a sent message.
    Feedback(SesFeedback),
    /// Any other event (a delivery, a send, an open, SES's subscription
    /// notice): nothing went wrong with a recipient.
    Other(OtherNotice),
}

/// A bounce or a complaint.
#[derive(Debug, Clone, PartialEq)]
pub struct SesFeedback {
    /// Which kind: a permanent, transient or undetermined bounce, or a
    /// complaint (never [`FeedbackKind::Other`]).
    pub kind: FeedbackKind,
    /// The recipients it is about (`bouncedRecipients`,
    /// `complainedRecipients`): at least one, at most [`MAX_RECIPIENTS`].
    pub recipients: Vec<EmailAddress>,
    /// SES's id of this report (`feedbackId`): two deliveries of one report
    /// carry the same.
    pub feedback_id: String,
    /// When the bounce or complaint was reported (its `timestamp`).
    pub time: Timestamp,
    /// SES's id of the message that bounced or was complained about
    /// (`mail.messageId`, what the mailer's send answered).
    pub message_id: String,
}

/// An event that is neither a bounce nor a complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherNotice {
    /// SES's name for it (`Delivery`, `Open`, …).
    pub event_type: String,
    /// The message it is about, when SES says.
    pub message_id: Option<String>,
}

impl SesNotice {
    /// The kind, for the policy and the log.
    pub fn kind(&self) -> FeedbackKind {
        match self {
            SesNotice::Feedback(f) => f.kind,
            SesNotice::Other(_) => FeedbackKind::Other,
        }
    }

    /// SES's message id, when there is one.
    pub fn message_id(&self) -> Option<&str> {
        match self {
            SesNotice::Feedback(f) => Some(&f.message_id),
            SesNotice::Other(o) => o.message_id.as_deref(),
        }
    }

    /// Parses a message body: an SNS envelope or a raw notification.
    pub fn parse(body: &str) -> Result<SesNotice> {
        let (value, prefix) = sns_message(body, "the template's SES feedback topic")?;
        Self::from_notification(value, prefix)
    }

    fn from_notification(value: serde_json::Value, prefix: &str) -> Result<SesNotice> {
        let raw: RawNotification =
            serde_path_to_error::deserialize(value).map_err(|e| serde_error(prefix, e))?;
        let at = |name: &str| join(prefix, name);
        let (event_type, type_field) = match (raw.event_type, raw.notification_type) {
            (Some(t), _) => (t, "eventType"),
            (None, Some(t)) => (t, "notificationType"),
            (None, None) => {
                return Err(Error::contract(
                    at("eventType"),
                    "is required (or notificationType)",
                ));
            }
        };
        check_text(&at(type_field), &event_type, MAX_EVENT_TYPE_BYTES)?;
        let message_id = raw.mail.and_then(|m| m.message_id);

        let (kind, report, what) = match event_type.as_str() {
            "Bounce" => {
                let bounce = raw
                    .bounce
                    .ok_or_else(|| Error::contract(at("bounce"), "is required for a Bounce"))?;
                let kind = match bounce.bounce_type.as_str() {
                    "Permanent" => FeedbackKind::PermanentBounce,
                    "Transient" => FeedbackKind::TransientBounce,
                    "Undetermined" => FeedbackKind::UndeterminedBounce,
                    _ => {
                        return Err(Error::contract(
                            at("bounce.bounceType"),
                            "must be Permanent, Transient or Undetermined",
                        ));
                    }
                };
                let report = Report {
                    recipients: bounce.bounced_recipients,
                    feedback_id: bounce.feedback_id,
                    timestamp: bounce.timestamp,
                };
                (kind, report, ("bounce", "bouncedRecipients"))
            }
            "Complaint" => {
                let complaint = raw.complaint.ok_or_else(|| {
                    Error::contract(at("complaint"), "is required for a Complaint")
                })?;
                let report = Report {
                    recipients: complaint.complained_recipients,
                    feedback_id: complaint.feedback_id,
                    timestamp: complaint.timestamp,
                };
                (
                    FeedbackKind::Complaint,
                    report,
                    ("complaint", "complainedRecipients"),
                )
            }
            _ => {
                if let Some(id) = &message_id {
                    check_text(&at("mail.messageId"), id, MAX_ID_BYTES)?;
                }
                return Ok(SesNotice::Other(OtherNotice {
                    event_type,
                    message_id,
                }));
            }
        };

        let (object, list) = what;
        let recipients_field = at(&format!("{object}.{list}"));
        if report.recipients.is_empty() || report.recipients.len() > MAX_RECIPIENTS {
            return Err(Error::contract(
                recipients_field,
                format!("must list 1 to {MAX_RECIPIENTS} recipients"),
            ));
        }
        let recipients = report
            .recipients
            .iter()
            .enumerate()
            .map(|(i, r)| {
                EmailAddress::parse(bare_address(&r.email_address)).map_err(|reason| {
                    Error::contract(format!("{recipients_field}[{i}].emailAddress"), reason)
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let feedback_field = at(&format!("{object}.feedbackId"));
        check_text(&feedback_field, &report.feedback_id, MAX_ID_BYTES)?;
        let time: Timestamp = report.timestamp.parse().map_err(|_| {
            Error::contract(
                at(&format!("{object}.timestamp")),
                "must be an RFC 3339 timestamp such as 2026-11-22T10:15:00.000Z",
            )
        })?;
        let message_id =
            message_id.ok_or_else(|| Error::contract(at("mail.messageId"), "is required"))?;
        check_text(&at("mail.messageId"), &message_id, MAX_ID_BYTES)?;
        Ok(SesNotice::Feedback(SesFeedback {
            kind,
            recipients,
            feedback_id: report.feedback_id,
            time,
            message_id,
        }))
    }
}

/// The fields of a bounce or a complaint that matter here.
struct Report {
    recipients: Vec<RawRecipient>,
    feedback_id: String,
    timestamp: String,
}

/// SES's notification in a queue message body, as a JSON object: the SNS
/// envelope's `Message` (its path prefix `Message`), or the body itself
/// under raw message delivery (prefix empty). `topic` names, in the error,
/// the one topic the queue takes.
pub(crate) fn sns_message(body: &str, topic: &str) -> Result<(serde_json::Value, &'static str)> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Error::contract(
            "body",
            format!("is larger than {MAX_BODY_BYTES} bytes"),
        ));
    }
    let value: serde_json::Value = serde_json::from_str(body).map_err(|e| not_json("body", &e))?;
    let Some(object) = value.as_object() else {
        return Err(Error::contract("body", "must be a JSON object"));
    };
    let raw = object.contains_key("eventType") || object.contains_key("notificationType");
    if raw || !(object.contains_key("Type") || object.contains_key("Message")) {
        return Ok((value, ""));
    }
    let envelope: RawEnvelope =
        serde_path_to_error::deserialize(value).map_err(|e| serde_error("", e))?;
    if envelope.kind != "Notification" {
        // A SubscriptionConfirmation means a topic the template did not
        // subscribe is sending here: worth a look, so it is refused.
        return Err(Error::contract(
            "Type",
            format!("must be Notification (the queue takes only {topic})"),
        ));
    }
    let inner: serde_json::Value =
        serde_json::from_str(&envelope.message).map_err(|e| not_json("Message", &e))?;
    if !inner.is_object() {
        return Err(Error::contract("Message", "must be a JSON object"));
    }
    Ok((inner, "Message"))
}

#[derive(Deserialize)]
struct RawEnvelope {
    #[serde(rename = "Type")]
    kind: String,
    #[serde(rename = "Message")]
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawNotification {
    #[serde(default)]
    event_type: Option<String>,
    #[serde(default)]
    notification_type: Option<String>,
    #[serde(default)]
    mail: Option<RawMail>,
    #[serde(default)]
    bounce: Option<RawBounce>,
    #[serde(default)]
    complaint: Option<RawComplaint>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMail {
    #[serde(default)]
    message_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBounce {
    bounce_type: String,
    bounced_recipients: Vec<RawRecipient>,
    feedback_id: String,
    timestamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawComplaint {
    complained_recipients: Vec<RawRecipient>,
    feedback_id: String,
    timestamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRecipient {
    email_address: String,
}

pub(crate) fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// A JSON syntax error, by its kind and place only.
fn not_json(field: &str, e: &serde_json::Error) -> Error {
    Error::contract(
        field,
        format!("is not JSON (line {}, column {})", e.line(), e.column()),
    )
}

pub(crate) fn check_text(field: &str, v: &str, max_bytes: usize) -> Result<()> {
    if v.is_empty() || v.len() > max_bytes {
        return Err(Error::contract(
            field,
            format!("must be 1 to {max_bytes} bytes"),
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

/// The address in `"Name" <address>`, or the text as it is: a recipient is
/// normally a bare address, but a report may carry the display name the
/// message was addressed with.
fn bare_address(s: &str) -> &str {
    let s = s.trim();
    match (s.rfind('<'), s.strip_suffix('>')) {
        (Some(open), Some(inner)) => &inner[open + 1..],
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// The `mail` object of SES's samples, trimmed of what is not read.
    fn mail() -> Value {
        json!({
            "timestamp": "2026-11-22T10:14:58.012Z",
            "source": "Dükkan <destek@dukkan.example>",
            "sourceArn": "arn:aws:ses:eu-central-1:123456789012:identity/destek@dukkan.example",
            "sendingAccountId": "123456789012",
            "messageId": "0107019b2f6a2c11-8f0e7a42-6c1d-4c1e-9d53-1f0a8c2b7e61-000000",
            "destination": ["ayse@example.com"],
            "headersTruncated": false,
            "headers": [
                {"name": "From", "value": "Dükkan <destek@dukkan.example>"},
                {"name": "To", "value": "ayse@example.com"},
                {"name": "Subject", "value": "Doğum gününüz kutlu olsun"}
            ],
            "commonHeaders": {
                "from": ["Dükkan <destek@dukkan.example>"],
                "to": ["ayse@example.com"],
                "messageId": "0107019b2f6a2c11-8f0e7a42-6c1d-4c1e-9d53-1f0a8c2b7e61-000000",
                "subject": "Doğum gününüz kutlu olsun"
            },
            "tags": {
                "ses:configuration-set": ["memnun-SesConfigurationSet"],
                "ses:source-ip": ["192.0.2.10"],
                "template": ["birthday"]
            }
        })
    }

    fn bounce(bounce_type: &str, sub_type: &str, recipients: Value) -> Value {
        json!({
            "eventType": "Bounce",
            "bounce": {
                "bounceType": bounce_type,
                "bounceSubType": sub_type,
                "bouncedRecipients": recipients,
                "timestamp": "2026-11-22T10:15:00.669Z",
                "feedbackId": "0107019b2f6a3d4e-7c1f2a9b-2b44-4d0a-a0a4-66c2f1e0d8b3-000000",
                "reportingMTA": "dsn; e226-55.smtp-out.eu-central-1.amazonses.com"
            },
            "mail": mail()
        })
    }

    fn permanent() -> Value {
        bounce(
            "Permanent",
            "General",
            json!([{
                "emailAddress": "ayse@example.com",
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 user unknown"
            }]),
        )
    }

    fn complaint() -> Value {
        json!({
            "eventType": "Complaint",
            "complaint": {
                "feedbackId": "0107019b2f6b9a10-2f3e4d5c-1a2b-4c3d-9e8f-0a1b2c3d4e5f-000000",
                "complaintSubType": null,
                "complainedRecipients": [{"emailAddress": "can@example.com"}],
                "timestamp": "2026-11-22T11:02:11.000Z",
                "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
                "complaintFeedbackType": "abuse",
                "arrivalDate": "2026-11-22T11:02:10.000Z"
            },
            "mail": mail()
        })
    }

    fn delivery() -> Value {
        json!({
            "eventType": "Delivery",
            "mail": mail(),
            "delivery": {
                "timestamp": "2026-11-22T10:14:59.430Z",
                "processingTimeMillis": 546,
                "recipients": ["ayse@example.com"],
                "smtpResponse": "250 2.6.0 Message received",
                "reportingMTA": "e226-55.smtp-out.eu-central-1.amazonses.com"
            }
        })
    }

    /// The notification as SNS wraps it on its way to SQS.
    fn envelope(notification: &Value) -> String {
        json!({
            "Type": "Notification",
            "MessageId": "4b1f3c2a-0d9e-5f6a-8b7c-1d2e3f4a5b6c",
            "TopicArn": "arn:aws:sns:eu-central-1:123456789012:memnun-MailFeedbackTopic",
            "Message": notification.to_string(),
            "Timestamp": "2026-11-22T10:15:01.123Z",
            "SignatureVersion": "1",
            "Signature": "EXAMPLEpH+..",
            "SigningCertURL": "https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
            "UnsubscribeURL": "https://sns.eu-central-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:eu-central-1:123456789012:memnun-MailFeedbackTopic:0000"
        })
        .to_string()
    }

    fn feedback(body: &str) -> SesFeedback {
        match SesNotice::parse(body) {
            Ok(SesNotice::Feedback(f)) => f,
            other => panic!("expected feedback, got {other:?}"),
        }
    }

    fn field_of(body: &str) -> String {
        match SesNotice::parse(body) {
            Err(Error::Contract { field, .. }) => field,
            other => panic!("expected a contract error, got {other:?}"),
        }
    }

    #[test]
    fn a_permanent_bounce_in_an_sns_envelope() {
        let f = feedback(&envelope(&permanent()));
        assert_eq!(f.kind, FeedbackKind::PermanentBounce);
        assert_eq!(f.recipients.len(), 1);
        assert_eq!(f.recipients[0].as_str(), "ayse@example.com");
        assert_eq!(
            f.feedback_id,
            "0107019b2f6a3d4e-7c1f2a9b-2b44-4d0a-a0a4-66c2f1e0d8b3-000000"
        );
        assert_eq!(f.time, "2026-11-22T10:15:00.669Z".parse().unwrap());
        assert_eq!(
            f.message_id,
            "0107019b2f6a2c11-8f0e7a42-6c1d-4c1e-9d53-1f0a8c2b7e61-000000"
        );
    }

    #[test]
    fn raw_delivery_reads_the_same() {
        assert_eq!(
            feedback(&permanent().to_string()),
            feedback(&envelope(&permanent()))
        );
        assert_eq!(
            feedback(&complaint().to_string()),
            feedback(&envelope(&complaint()))
        );
    }

    #[test]
    fn transient_and_undetermined_bounces() {
        let soft = bounce(
            "Transient",
            "MailboxFull",
            json!([{"emailAddress": "ayse@example.com", "action": "delayed", "status": "4.2.2"}]),
        );
        assert_eq!(
            feedback(&envelope(&soft)).kind,
            FeedbackKind::TransientBounce
        );
        let unknown = bounce(
            "Undetermined",
            "Undetermined",
            json!([{"emailAddress": "ayse@example.com"}]),
        );
        assert_eq!(
            feedback(&unknown.to_string()).kind,
            FeedbackKind::UndeterminedBounce
        );
    }

    #[test]
    fn a_complaint() {
        let f = feedback(&envelope(&complaint()));
        assert_eq!(f.kind, FeedbackKind::Complaint);
        assert_eq!(f.recipients[0].as_str(), "can@example.com");
        assert_eq!(f.time, "2026-11-22T11:02:11Z".parse().unwrap());
        assert!(f.feedback_id.starts_with("0107019b2f6b9a10"));
    }

    #[test]
    fn identity_notifications_read_like_events() {
        let mut n = permanent();
        let o = n.as_object_mut().unwrap();
        o.remove("eventType");
        o.insert("notificationType".into(), json!("Bounce"));
        let f = feedback(&envelope(&n));
        assert_eq!(f.kind, FeedbackKind::PermanentBounce);
        // SES's notice that the topic was set up has no mail at all.
        let notice = json!({
            "notificationType": "AmazonSnsSubscriptionSucceeded",
            "message": "You have successfully subscribed your Amazon SNS topic to receive 'Bounce' notifications from Amazon SES for identity 'destek@dukkan.example'."
        });
        match SesNotice::parse(&envelope(&notice)).unwrap() {
            SesNotice::Other(o) => {
                assert_eq!(o.event_type, "AmazonSnsSubscriptionSucceeded");
                assert_eq!(o.message_id, None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_delivery_is_other() {
        let n = SesNotice::parse(&envelope(&delivery())).unwrap();
        assert_eq!(n.kind(), FeedbackKind::Other);
        assert_eq!(
            n.message_id(),
            Some("0107019b2f6a2c11-8f0e7a42-6c1d-4c1e-9d53-1f0a8c2b7e61-000000")
        );
        match n {
            SesNotice::Other(o) => assert_eq!(o.event_type, "Delivery"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn several_recipients_and_display_names() {
        let n = bounce(
            "Permanent",
            "NoEmail",
            json!([
                {"emailAddress": "ayse@example.com"},
                {"emailAddress": "\"Can Yılmaz\" <Can@Example.com>"}
            ]),
        );
        let f = feedback(&n.to_string());
        let got: Vec<&str> = f.recipients.iter().map(EmailAddress::as_str).collect();
        assert_eq!(got, ["ayse@example.com", "Can@Example.com"]);
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(field_of("not json"), "body");
        assert_eq!(field_of("[1]"), "body");
        assert_eq!(field_of("{}"), "eventType");
        assert_eq!(
            field_of(&json!({"Type": "Notification", "Message": "{oops"}).to_string()),
            "Message"
        );
        assert_eq!(
            field_of(&json!({"Type": "Notification", "Message": 7}).to_string()),
            "Message"
        );
        assert_eq!(
            field_of(&json!({"Type": "Notification"}).to_string()),
            "Message"
        );
        assert_eq!(
            field_of(&json!({"Type": "SubscriptionConfirmation", "Message": "{}"}).to_string()),
            "Type"
        );
        assert_eq!(
            field_of(&envelope(&json!({"eventType": "Bounce", "mail": mail()}))),
            "Message.bounce"
        );
        assert_eq!(
            field_of(&envelope(&bounce(
                "Hard",
                "General",
                json!([{"emailAddress": "a@b.example"}])
            ))),
            "Message.bounce.bounceType"
        );
        assert_eq!(
            field_of(&envelope(&bounce("Permanent", "General", json!([])))),
            "Message.bounce.bouncedRecipients"
        );
        assert_eq!(
            field_of(&envelope(&bounce(
                "Permanent",
                "General",
                json!([{"status": "5.1.1"}])
            ))),
            "Message.bounce.bouncedRecipients[0].emailAddress"
        );
        let mut no_id = permanent();
        no_id["mail"].as_object_mut().unwrap().remove("messageId");
        assert_eq!(field_of(&envelope(&no_id)), "Message.mail.messageId");
        let mut bad_time = complaint();
        bad_time["complaint"]["timestamp"] = json!("yesterday");
        assert_eq!(field_of(&bad_time.to_string()), "complaint.timestamp");
        let mut no_feedback = complaint();
        no_feedback["complaint"]
            .as_object_mut()
            .unwrap()
            .remove("feedbackId");
        assert_eq!(
            field_of(&envelope(&no_feedback)),
            "Message.complaint.feedbackId"
        );
        let many: Vec<Value> = (0..=MAX_RECIPIENTS)
            .map(|i| json!({"emailAddress": format!("r{i}@example.com")}))
            .collect();
        assert_eq!(
            field_of(&bounce("Permanent", "General", Value::from(many)).to_string()),
            "bounce.bouncedRecipients"
        );
        let huge = json!({"eventType": "Delivery", "pad": "x".repeat(MAX_BODY_BYTES)});
        assert_eq!(field_of(&huge.to_string()), "body");
    }

    #[test]
    fn errors_do_not_echo_values() {
        let bad = bounce(
            "Permanent",
            "General",
            json!([{"emailAddress": "ayse.yilmaz-at-example.com"}]),
        );
        let err = SesNotice::parse(&envelope(&bad)).unwrap_err().to_string();
        assert!(err.contains("bouncedRecipients[0].emailAddress"), "{err}");
        assert!(!err.contains("ayse"), "{err}");
        let wrong_type = bounce("Permanent", "General", json!([{"emailAddress": 42}]));
        let err = SesNotice::parse(&wrong_type.to_string())
            .unwrap_err()
            .to_string();
        assert!(!err.contains("42"), "{err}");
        let mut secret_type = permanent();
        secret_type["bounce"]["bounceType"] = json!("ayse@example.com");
        let err = SesNotice::parse(&secret_type.to_string())
            .unwrap_err()
            .to_string();
        assert!(!err.contains("ayse"), "{err}");
        let broken = r#"{"eventType": "Bounce", "x": "ayse@example.com" oops}"#;
        let err = SesNotice::parse(broken).unwrap_err().to_string();
        assert!(!err.contains("ayse"), "{err}");
    }

    #[test]
    fn addresses_are_stripped_of_display_names() {
        assert_eq!(bare_address(" a@b.example "), "a@b.example");
        assert_eq!(bare_address("\"A B\" <a@b.example>"), "a@b.example");
        assert_eq!(bare_address("A <x> <a@b.example>"), "a@b.example");
        assert_eq!(bare_address("<a@b.example"), "<a@b.example");
    }
}

#[cfg(test)]
mod properties {
    //! Whatever arrives on the feedback queue, parsing answers a notice or a
    //! contract error naming a field: it never panics.

    use super::*;
    use proptest::prelude::*;

    fn check(result: Result<SesNotice>) -> std::result::Result<(), TestCaseError> {
        match result {
            Ok(_) => Ok(()),
            Err(Error::Contract { field, .. }) => {
                prop_assert!(!field.is_empty());
                Ok(())
            }
            Err(other) => Err(TestCaseError::fail(format!("unexpected error {other}"))),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_text_is_a_notice_or_a_named_error(body in ".{0,300}") {
            check(SesNotice::parse(&body))?;
        }

        #[test]
        fn any_bounce_fields_are_a_notice_or_a_named_error(
            kind in prop_oneof![Just("Bounce".to_string()), Just("Complaint".to_string()), Just("Delivery".to_string()), ".{0,12}"],
            bounce_type in prop_oneof![Just("Permanent".to_string()), Just("Transient".to_string()), ".{0,12}"],
            address in prop_oneof![Just("a@b.example".to_string()), ".{0,40}"],
            id in ".{0,300}",
            time in prop_oneof![Just("2026-11-22T10:15:00Z".to_string()), ".{0,30}"],
            wrap in any::<bool>(),
        ) {
            let notification = serde_json::json!({
                "eventType": kind,
                "bounce": {"bounceType": bounce_type, "bouncedRecipients": [{"emailAddress": address}],
                           "feedbackId": id, "timestamp": time},
                "complaint": {"complainedRecipients": [{"emailAddress": address}],
                              "feedbackId": id, "timestamp": time},
                "mail": {"messageId": id},
            });
            let body = if wrap {
                serde_json::json!({"Type": "Notification", "Message": notification.to_string()})
                    .to_string()
            } else {
                notification.to_string()
            };
            check(SesNotice::parse(&body))?;
        }
    }
}
