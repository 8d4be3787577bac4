//! `coupon.expiring`: an unused coupon's reminder came due
//! ([`crate::domain::reminder`]). The flow that issues a coupon keeps it in
//! the due index in the coupon's own commit ([`CouponExpiring::held`]):
//! birthday-greeter always, the apology flows when `ApologyCouponReminder`
//! is on. The SLA sweep sends it to the greetings queue at its time, where
//! birthday-greeter sends the reminder.
//!
//! | field | meaning |
//! | --- | --- |
//! | `code` | the coupon's code (the body is never logged) |
//! | `reason` | its flow (`birthday`, `negative_review`, …) |
//! | `customer_id` | whose |
//! | `percent` | its value |
//! | `expires_at` | its last moment |
//! | `due` | when the reminder falls due (also the envelope's `time`) |
//!
//! Held and identified as `coupon.expiring:<reason>:<cause>`, the cause
//! being the event that issued the coupon (`birthday.due:<customer>:<year>`):
//! one reminder per coupon, and no code in an id, which logs carry.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;
use serde_json::json;
use sha2::Digest;

use crate::contract::EventMeta;
use crate::contract::internal::{is_type, typed};
use crate::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
use crate::domain::customer::CustomerId;
use crate::domain::reminder::ReminderPolicy;
use crate::time::to_key;
use crate::{Error, Result};

/// The type's name.
pub const COUPON_EXPIRING: &str = "coupon.expiring";

/// An unused coupon's reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponExpiring {
    /// The coupon, as issued.
    pub coupon: Coupon,
    /// When the reminder falls due.
    pub due: Timestamp,
}

#[derive(Deserialize)]
struct Raw {
    code: String,
    reason: String,
    customer_id: String,
    percent: u8,
    issued_at: String,
    expires_at: String,
    cause: String,
    due: String,
}

impl CouponExpiring {
    /// The reminder `policy` keeps for `coupon`, on the clock of `tz` (the
    /// customer's, else the shop's), sent by `source`: `None` when its flow
    /// is not reminded of or the coupon is too short-lived. Kept over
    /// itself when a commit is tried again.
    pub fn held(
        policy: &ReminderPolicy,
        coupon: &Coupon,
        tz: &TimeZone,
        source: &str,
    ) -> Option<crate::ports::ScheduledMessage> {
        let due = policy.due(coupon, tz)?;
        let reminder = CouponExpiring {
            coupon: coupon.clone(),
            due,
        };
        Some(reminder.to_scheduled(source))
    }

    /// Where the reminder is held, and its event's id.
    pub fn id(&self) -> String {
        let reason = self.coupon.reason.as_str();
        let id = format!("{COUPON_EXPIRING}:{reason}:{}", self.coupon.source_event);
        if id.len() <= crate::contract::MAX_ID_BYTES {
            return id;
        }
        // A cause near the limit itself (a shop's long event id): its
        // digest, which is as unique and fits.
        let digest = sha2::Sha256::digest(self.coupon.source_event.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("{COUPON_EXPIRING}:{reason}:sha256-{hex}")
    }

    /// Whether `body` is a `coupon.expiring`, by its `type` alone.
    pub fn is_one(body: &str) -> bool {
        is_type(body, COUPON_EXPIRING)
    }

    /// Parses a message body; any other type is refused, a bad field
    /// named (never its value).
    pub fn parse(body: &str) -> Result<(EventMeta, CouponExpiring)> {
        let (meta, raw): (EventMeta, Raw) = typed(body, COUPON_EXPIRING)?;
        let bad = |field: &str, what: &str| Error::contract(format!("data.{field}"), what);
        let time = |field: &str, v: &str| -> Result<Timestamp> {
            v.parse()
                .map_err(|_| bad(field, "must be an RFC 3339 timestamp"))
        };
        if raw.percent > 100 {
            return Err(bad("percent", "must be 0 to 100"));
        }
        // An event key: a source and an id of up to 256 bytes each.
        if raw.cause.is_empty() || raw.cause.len() > 1024 {
            return Err(bad("cause", "must be 1 to 1024 bytes"));
        }
        let coupon = Coupon {
            code: CouponCode::parse(&raw.code)
                .ok_or_else(|| bad("code", "is not a coupon code"))?,
            reason: CouponReason::parse(&raw.reason)
                .ok_or_else(|| bad("reason", "is not a coupon reason"))?,
            customer_id: CustomerId::parse(&raw.customer_id)
                .map_err(|r| Error::contract("data.customer_id", r))?,
            value: CouponValue::Percent(raw.percent),
            issued_at: time("issued_at", &raw.issued_at)?,
            expires_at: time("expires_at", &raw.expires_at)?,
            source_event: raw.cause,
        };
        Ok((
            meta,
            CouponExpiring {
                coupon,
                due: time("due", &raw.due)?,
            },
        ))
    }

    /// The event held in the due index until `due`, sent by `source`; its
    /// `time` is `due`, however late the sweep that sends it.
    pub fn to_scheduled(&self, source: &str) -> crate::ports::ScheduledMessage {
        let CouponValue::Percent(percent) = self.coupon.value;
        let body = json!({
            "specversion": "1.0",
            "id": self.id(),
            "source": source,
            "type": COUPON_EXPIRING,
            "time": to_key(self.due),
            "datacontenttype": "application/json",
            "data": {
                "code": self.coupon.code.as_str(),
                "reason": self.coupon.reason.as_str(),
                "customer_id": self.coupon.customer_id.as_str(),
                "percent": percent,
                "issued_at": to_key(self.coupon.issued_at),
                "expires_at": to_key(self.coupon.expires_at),
                "cause": self.coupon.source_event,
                "due": to_key(self.due),
            },
        })
        .to_string();
        crate::ports::ScheduledMessage {
            id: self.id(),
            kind: COUPON_EXPIRING.to_owned(),
            body,
            due: self.due,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_reminder_reads_back_as_it_was_kept() {
        let coupon = Coupon {
            code: CouponCode::generate(CouponReason::Birthday).unwrap(),
            customer_id: CustomerId::parse("cust-1").unwrap(),
            reason: CouponReason::Birthday,
            value: CouponValue::Percent(15),
            issued_at: "2026-11-22T07:30:00Z".parse().unwrap(),
            expires_at: "2026-12-06T20:59:59Z".parse().unwrap(),
            source_event: "birthday.due:cust-1:2026".into(),
        };
        let r = CouponExpiring {
            coupon,
            due: "2026-12-03T07:00:00Z".parse().unwrap(),
        };
        let held = r.to_scheduled("memnun/birthday-greeter");
        assert_eq!(held.id, "coupon.expiring:birthday:birthday.due:cust-1:2026");
        assert!(!held.id.contains(r.coupon.code.as_str()));
        assert!(CouponExpiring::is_one(&held.body));
        let (meta, back) = CouponExpiring::parse(&held.body).unwrap();
        assert_eq!(back, r);
        assert_eq!(meta.time, r.due);
        // A cause as long as an event key may be still gives an id the
        // contract takes.
        let mut long = r.clone();
        long.coupon.source_event = format!("shop/{}#{}", "s".repeat(200), "e".repeat(256));
        let id = long.id();
        assert!(id.len() <= crate::contract::MAX_ID_BYTES, "{id}");
        assert_eq!(
            CouponExpiring::parse(&long.to_scheduled("memnun/review-responder").body)
                .unwrap()
                .1,
            long
        );
        let e = CouponExpiring::parse(&held.body.replace("\"percent\":15", "\"percent\":150"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("data.percent"), "{e}");
    }
}
