//! How a memnun coupon becomes a WooCommerce coupon: the REST API
//! (`/wp-json/wc/v3/coupons`), with the store's REST keys (`ck_…:cs_…`,
//! read/write) as HTTP Basic authentication over HTTPS.
//!
//! | memnun | `POST /wp-json/wc/v3/coupons` |
//! |---|---|
//! | code | `code` |
//! | `memnun <reason> <code>` ([`super::store_name`]) | `description` |
//! | percent | `discount_type: "percent"`, `amount` (`"15"`) |
//! | one use | `usage_limit: 1`, `usage_limit_per_user: 1`, `individual_use: true` |
//! | expires at | `date_expires_gmt` |
//! | the customer's address, when known | `email_restrictions: [address]` |
//!
//! Answers:
//! - 201: created.
//! - 400 with code `woocommerce_rest_coupon_code_already_exists`: the code
//!   exists. `GET /wp-json/wc/v3/coupons?code=<code>` finds it; its
//!   description says whether it is this coupon from an earlier attempt
//!   ([`Registered::Before`]) or the shop's own ([`Registered::Taken`]).
//! - Any other 4xx: a permanent failure naming the status and
//!   WooCommerce's error code (`woocommerce_rest_…`), never its message.
//! - 401, 403, 429 and 5xx as every platform ([`crate::adapters::http`]).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::store_name;
use crate::adapters::http::{self, Answer, Credential, HttpClient, Method, Request, Verdict};
use crate::domain::coupon::{Coupon, CouponValue};
use crate::ports::{Holder, Registered};
use crate::{Error, Result};

const PLATFORM: &str = "woocommerce";
const CREATE: &str = "POST coupons";
const LOOKUP: &str = "GET coupons";
const ALREADY_EXISTS: &str = "woocommerce_rest_coupon_code_already_exists";

/// A WooCommerce store.
#[derive(Debug)]
pub struct WooCommerce {
    http: HttpClient,
    coupons: String,
    authorization: Credential,
}

impl WooCommerce {
    /// The store whose site is at `url`, with its REST keys `ck_…:cs_…`.
    pub fn new(http: HttpClient, url: &str, keys: &str) -> Result<Self> {
        let keys = keys.trim();
        let valid = keys.split_once(':').is_some_and(|(key, secret)| {
            key.starts_with("ck_")
                && secret.starts_with("cs_")
                && !keys.chars().any(|c| c.is_whitespace() || c.is_control())
        });
        if !valid {
            return Err(Error::Config {
                var: "WOOCOMMERCE_KEYS_PARAMETER",
                reason: "names a parameter that does not hold `ck_…:cs_…`".into(),
            });
        }
        Ok(WooCommerce {
            http,
            coupons: format!("{url}/wp-json/wc/v3/coupons"),
            authorization: Credential::new(format!("Basic {}", STANDARD.encode(keys))),
        })
    }

    /// Creates the coupon, or finds it created before.
    pub async fn register(&self, coupon: &Coupon, holder: Holder<'_>) -> Result<Registered> {
        let request = Request {
            method: Method::POST,
            url: self.coupons.clone(),
            headers: vec![("authorization", self.authorization.expose().clone())],
            body: Some(body(coupon, holder).to_string().into_bytes()),
        };
        let created = http::call(&self.http, PLATFORM, CREATE, &request, |answer| {
            if let Some(verdict) = http::by_status(PLATFORM, CREATE, answer) {
                return verdict;
            }
            match answer.status {
                200 | 201 => Verdict::Done(true),
                400 if error_code(answer) == ALREADY_EXISTS => Verdict::Done(false),
                _ => refused(CREATE, answer),
            }
        })
        .await?;
        if created {
            return Ok(Registered::Now);
        }
        Ok(if self.is_ours(coupon).await? {
            Registered::Before
        } else {
            Registered::Taken
        })
    }

    async fn is_ours(&self, coupon: &Coupon) -> Result<bool> {
        let request = Request {
            method: Method::GET,
            // Codes are capitals, digits and dashes: nothing to escape.
            url: format!("{}?code={}", self.coupons, coupon.code.as_str()),
            headers: vec![("authorization", self.authorization.expose().clone())],
            body: None,
        };
        let found = http::call(&self.http, PLATFORM, LOOKUP, &request, |answer| {
            if let Some(verdict) = http::by_status(PLATFORM, LOOKUP, answer) {
                return verdict;
            }
            match (answer.status, answer.json()) {
                (200, Value::Array(found)) => Verdict::Done(found),
                _ => refused(LOOKUP, answer),
            }
        })
        .await?;
        let name = store_name(coupon);
        Ok(found.iter().any(|c| {
            c.get("description").and_then(Value::as_str) == Some(name.as_str())
                && c.get("code")
                    .and_then(Value::as_str)
                    .is_some_and(|code| code.eq_ignore_ascii_case(coupon.code.as_str()))
        }))
    }
}

/// The coupon's body.
fn body(coupon: &Coupon, holder: Holder<'_>) -> Value {
    let CouponValue::Percent(percent) = coupon.value;
    let expires = coupon.expires_at.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let mut body = json!({
        "code": coupon.code.as_str(),
        "description": store_name(coupon),
        "discount_type": "percent",
        "amount": percent.to_string(),
        "date_expires_gmt": expires,
        "individual_use": true,
        "usage_limit": 1,
        "usage_limit_per_user": 1,
    });
    if let Some(email) = holder.email {
        body["email_restrictions"] = json!([email.as_str()]);
    }
    body
}

/// WooCommerce's error code (`woocommerce_rest_…`), when it is one.
fn error_code(answer: &Answer) -> String {
    answer
        .json()
        .get("code")
        .and_then(Value::as_str)
        .filter(|c| c.len() <= 80 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .unwrap_or("")
        .to_owned()
}

fn refused<T>(operation: &'static str, answer: &Answer) -> Verdict<T> {
    let code = error_code(answer);
    Verdict::Fail(Error::Platform {
        platform: PLATFORM,
        operation,
        reason: if code.is_empty() {
            format!("answered {}", answer.status)
        } else {
            format!("answered {} {code}", answer.status)
        },
        permanent: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coupon::{CouponCode, CouponReason};
    use crate::domain::customer::CustomerId;
    use crate::domain::mail::EmailAddress;

    #[test]
    fn the_coupon_is_memnuns() {
        let coupon = Coupon {
            code: CouponCode::parse("BDAY-ABCDE-23456").unwrap(),
            customer_id: CustomerId::parse("42").unwrap(),
            reason: CouponReason::Birthday,
            value: CouponValue::Percent(20),
            issued_at: "2026-11-23T10:00:00Z".parse().unwrap(),
            expires_at: "2026-12-23T20:59:59Z".parse().unwrap(),
            source_event: "greeting#42#2026".into(),
        };
        let email = EmailAddress::parse("ayse@example.com").unwrap();
        let b = body(
            &coupon,
            Holder {
                email: Some(&email),
            },
        );
        assert_eq!(b["code"], "BDAY-ABCDE-23456");
        assert_eq!(b["amount"], "20");
        assert_eq!(b["discount_type"], "percent");
        assert_eq!(b["date_expires_gmt"], "2026-12-23T20:59:59");
        assert_eq!(b["usage_limit"], 1);
        assert_eq!(b["individual_use"], true);
        assert_eq!(b["email_restrictions"][0], "ayse@example.com");
        assert!(
            body(&coupon, Holder::default())
                .get("email_restrictions")
                .is_none()
        );
    }

    #[test]
    fn keys_must_be_a_consumer_key_and_secret() {
        let http = HttpClient::default();
        assert!(WooCommerce::new(http.clone(), "https://s.example", "ck_1:cs_2").is_ok());
        for bad in ["ck_1", "cs_2:ck_1", "ck_1:cs 2", ""] {
            let e = WooCommerce::new(http.clone(), "https://s.example", bad).unwrap_err();
            assert!(e.to_string().contains("WOOCOMMERCE_KEYS_PARAMETER"));
        }
    }
}
