//! What SES publishes when it receives a mail, as it arrives on the inbound
//! email queue.
//!
//! The template's receipt rule stores each mail sent to the inbound domain
//! in the mail bucket (an S3 action) and has SES notify a topic, which
//! delivers to the inbound queue. The notification (in the SNS envelope,
//! or raw) reads:
//!
//! ```json
//! {"notificationType": "Received",
//!  "mail": {"timestamp": "2026-11-23T09:12:40.512Z", "messageId": "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1",
//!           "source": "…", "destination": ["…"], "commonHeaders": {…}},
//!  "receipt": {"timestamp": "…", "recipients": ["…"],
//!              "spamVerdict": {"status": "PASS"}, "virusVerdict": {"status": "PASS"},
//!              "spfVerdict": {"status": "PASS"}, "dkimVerdict": {"status": "PASS"},
//!              "dmarcVerdict": {"status": "PASS"},
//!              "action": {"type": "S3", "topicArn": "…", "bucketName": "…",
//!                         "objectKeyPrefix": "inbound/", "objectKey": "inbound/o3vr…"}}}
//! ```
//!
//! [`SesReceipt::parse`] answers the mail's id and time, where the mail
//! is, its recipients and the verdicts; any other notification type is
//! [`Received::Other`]. Errors name the field, never a value: recipients
//! are addresses. The headers SES copies are not read: the mail itself is.

use jiff::Timestamp;
use serde::Deserialize;

use crate::contract::ses_feedback::{check_text, join, sns_message};
use crate::contract::{MAX_ID_BYTES, serde_error};
use crate::domain::inbound::Verdicts;
use crate::{Error, Result};

/// The most recipients read from one notification (SES accepts a message
/// for at most 50).
pub const MAX_RECIPIENTS: usize = 50;
/// The longest S3 key accepted (S3's own limit).
pub const MAX_KEY_BYTES: usize = 1024;

/// One message of the inbound queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// A mail SES received and stored.
    Mail(SesReceipt),
    /// Any other notification (SES's own notice that the topic works):
    /// nothing to read.
    Other(String),
}

/// A received mail, where SES stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesReceipt {
    /// SES's id of the mail (`mail.messageId`): also the stored object's
    /// name.
    pub message_id: String,
    /// When SES received it (`mail.timestamp`): the `now` of what it
    /// causes.
    pub received_at: Timestamp,
    /// The addresses of the inbound domain it was sent to
    /// (`receipt.recipients`).
    pub recipients: Vec<String>,
    /// The bucket (`receipt.action.bucketName`).
    pub bucket: String,
    /// The object's key (`receipt.action.objectKey`).
    pub key: String,
    /// SES's verdicts.
    pub verdicts: Verdicts,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawNotification {
    notification_type: String,
    mail: Option<RawMail>,
    receipt: Option<RawReceipt>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMail {
    message_id: String,
    timestamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawReceipt {
    #[serde(default)]
    recipients: Vec<String>,
    action: RawAction,
    spam_verdict: Option<RawVerdict>,
    virus_verdict: Option<RawVerdict>,
    spf_verdict: Option<RawVerdict>,
    dkim_verdict: Option<RawVerdict>,
    dmarc_verdict: Option<RawVerdict>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAction {
    #[serde(rename = "type")]
    kind: String,
    bucket_name: Option<String>,
    object_key: Option<String>,
}

#[derive(Deserialize)]
struct RawVerdict {
    status: String,
}

fn failed(verdict: Option<&RawVerdict>) -> bool {
    verdict.is_some_and(|v| v.status.eq_ignore_ascii_case("FAIL"))
}

impl SesReceipt {
    /// Parses a message body: an SNS envelope or a raw notification.
    pub fn parse(body: &str) -> Result<Received> {
        let (value, prefix) = sns_message(body, "the template's inbound email topic")?;
        let raw: RawNotification =
            serde_path_to_error::deserialize(value).map_err(|e| serde_error(prefix, e))?;
        let at = |name: &str| join(prefix, name);
        check_text(&at("notificationType"), &raw.notification_type, 64)?;
        if raw.notification_type != "Received" {
            return Ok(Received::Other(raw.notification_type));
        }
        let mail = raw
            .mail
            .ok_or_else(|| Error::contract(at("mail"), "is required for Received"))?;
        let receipt = raw
            .receipt
            .ok_or_else(|| Error::contract(at("receipt"), "is required for Received"))?;
        check_text(&at("mail.messageId"), &mail.message_id, MAX_ID_BYTES)?;
        let received_at: Timestamp = mail
            .timestamp
            .parse()
            .map_err(|_| Error::contract(at("mail.timestamp"), "must be an RFC 3339 timestamp"))?;
        if receipt.action.kind != "S3" {
            return Err(Error::contract(
                at("receipt.action.type"),
                "must be S3 (the template's receipt rule stores the mail in its bucket)",
            ));
        }
        let bucket = receipt.action.bucket_name.ok_or_else(|| {
            Error::contract(at("receipt.action.bucketName"), "is required for S3")
        })?;
        check_text(&at("receipt.action.bucketName"), &bucket, 63)?;
        let key = receipt
            .action
            .object_key
            .ok_or_else(|| Error::contract(at("receipt.action.objectKey"), "is required for S3"))?;
        check_text(&at("receipt.action.objectKey"), &key, MAX_KEY_BYTES)?;
        if receipt.recipients.len() > MAX_RECIPIENTS {
            return Err(Error::contract(
                at("receipt.recipients"),
                format!("must name at most {MAX_RECIPIENTS} addresses"),
            ));
        }
        let verdicts = Verdicts {
            spam: failed(receipt.spam_verdict.as_ref()),
            virus: failed(receipt.virus_verdict.as_ref()),
            spf: failed(receipt.spf_verdict.as_ref()),
            dkim: failed(receipt.dkim_verdict.as_ref()),
            dmarc: failed(receipt.dmarc_verdict.as_ref()),
        };
        Ok(Received::Mail(SesReceipt {
            message_id: mail.message_id,
            received_at,
            recipients: receipt.recipients,
            bucket,
            key,
            verdicts,
        }))
    }
}

/// A notification as SES writes it for a mail stored in `bucket` under
/// `key`: what the tests and the local run put on the queue.
pub fn notification(
    message_id: &str,
    received_at: Timestamp,
    recipients: &[&str],
    bucket: &str,
    key: &str,
) -> String {
    serde_json::json!({
        "notificationType": "Received",
        "mail": {
            "timestamp": received_at.to_string(),
            "messageId": message_id,
            "destination": recipients,
        },
        "receipt": {
            "timestamp": received_at.to_string(),
            "recipients": recipients,
            "spamVerdict": {"status": "PASS"},
            "virusVerdict": {"status": "PASS"},
            "spfVerdict": {"status": "PASS"},
            "dkimVerdict": {"status": "PASS"},
            "dmarcVerdict": {"status": "PASS"},
            "action": {
                "type": "S3",
                "topicArn": "arn:aws:sns:eu-west-1:000000000000:inbound",
                "bucketName": bucket,
                "objectKeyPrefix": "inbound/",
                "objectKey": key,
            },
        },
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Timestamp {
        "2026-11-23T09:12:40.512Z".parse().unwrap()
    }

    #[test]
    fn reads_the_raw_notification_and_the_envelope() {
        let raw = notification("m-1", at(), &["cevap@dukkan.example"], "b", "inbound/m-1");
        let Received::Mail(mail) = SesReceipt::parse(&raw).unwrap() else {
            panic!("not a mail")
        };
        assert_eq!(mail.message_id, "m-1");
        assert_eq!(mail.received_at, at());
        assert_eq!(mail.key, "inbound/m-1");
        assert_eq!(mail.verdicts, Verdicts::default());
        let envelope = serde_json::json!({"Type": "Notification", "Message": raw}).to_string();
        assert_eq!(SesReceipt::parse(&envelope).unwrap(), Received::Mail(mail));
    }

    #[test]
    fn a_failed_verdict_is_read_and_other_types_pass_by() {
        let raw = notification("m-1", at(), &[], "b", "k").replace(
            r#""spamVerdict":{"status":"PASS"}"#,
            r#""spamVerdict":{"status":"FAIL"}"#,
        );
        let Received::Mail(mail) = SesReceipt::parse(&raw).unwrap() else {
            panic!("not a mail")
        };
        assert!(mail.verdicts.spam);
        let other = r#"{"notificationType":"AmazonSnsSubscriptionSucceeded","message":"x"}"#;
        assert_eq!(
            SesReceipt::parse(other).unwrap(),
            Received::Other("AmazonSnsSubscriptionSucceeded".into())
        );
    }

    #[test]
    fn errors_name_the_field() {
        let raw = notification("m-1", at(), &[], "b", "k")
            .replace(r#""type":"S3""#, r#""type":"Lambda""#);
        let e = SesReceipt::parse(&raw).unwrap_err().to_string();
        assert!(e.contains("receipt.action.type"), "{e}");
        let e = SesReceipt::parse(r#"{"notificationType":"Received"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`mail`"), "{e}");
        let e = SesReceipt::parse("[1]").unwrap_err().to_string();
        assert!(e.contains("body"), "{e}");
    }
}
