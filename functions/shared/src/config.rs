//! Configuration from environment variables, read once at init.
//!
//! Each function's config is built through an [`Env`], which records every
//! variable it reads: a test compares that list with the variables the
//! deployment template sets, so the two cannot drift. A missing or invalid
//! value stops the init with an [`Error::Config`] that names the variable.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::str::FromStr;

use jiff::tz::TimeZone;

use crate::domain::apology::{ApologyPolicy, PercentByRating};
use crate::domain::delay::DelayPolicy;
use crate::domain::locale::Locale;
use crate::domain::mail::EmailAddress;
use crate::{Error, Result};

/// A source of environment variables that remembers which ones were read.
pub struct Env {
    vars: BTreeMap<String, String>,
    read: RefCell<Vec<&'static str>>,
}

impl Env {
    /// The process environment.
    pub fn from_process() -> Self {
        Self::from_pairs(std::env::vars())
    }

    /// A given set of variables (tests, the local run).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            read: RefCell::new(Vec::new()),
        }
    }

    /// The names read so far, in the order first read.
    pub fn names_read(&self) -> Vec<&'static str> {
        self.read.borrow().clone()
    }

    fn raw(&self, var: &'static str) -> Option<&str> {
        let mut read = self.read.borrow_mut();
        if !read.contains(&var) {
            read.push(var);
        }
        self.vars
            .get(var)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// A required string.
    pub fn required(&self, var: &'static str) -> Result<String> {
        self.raw(var).map(str::to_owned).ok_or(Error::Config {
            var,
            reason: "is not set".into(),
        })
    }

    /// An optional string (unset and empty are the same).
    pub fn optional(&self, var: &'static str) -> Option<String> {
        self.raw(var).map(str::to_owned)
    }

    /// A value parsed with `parse`, or `default` when unset.
    pub fn parsed_or<T>(
        &self,
        var: &'static str,
        default: T,
        parse: impl FnOnce(&str) -> std::result::Result<T, String>,
    ) -> Result<T> {
        match self.raw(var) {
            None => Ok(default),
            Some(v) => parse(v).map_err(|reason| Error::Config {
                var,
                reason: crate::scrub::scrub(&format!("is invalid: {reason}")),
            }),
        }
    }

    /// A required value parsed with `parse`.
    pub fn parsed<T>(
        &self,
        var: &'static str,
        parse: impl FnOnce(&str) -> std::result::Result<T, String>,
    ) -> Result<T> {
        let v = self.required(var)?;
        parse(&v).map_err(|reason| Error::Config {
            var,
            reason: crate::scrub::scrub(&format!("is invalid: {reason}")),
        })
    }

    /// `true` or `false` (in any case), or `default` when unset.
    pub fn flag_or(&self, var: &'static str, default: bool) -> Result<bool> {
        self.parsed_or(var, default, |v| match v.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!("`{v}` is not true or false")),
        })
    }

    /// An integer within `range`, or `default` when unset.
    pub fn int_or<T>(
        &self,
        var: &'static str,
        default: T,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<T>
    where
        T: FromStr + PartialOrd + std::fmt::Display + Copy,
    {
        self.parsed_or(var, default, |v| {
            let n: T = v
                .parse()
                .map_err(|_| format!("`{v}` is not a whole number"))?;
            if range.contains(&n) {
                Ok(n)
            } else {
                Err(format!(
                    "{n} is outside {}..={}",
                    range.start(),
                    range.end()
                ))
            }
        })
    }
}

/// What a shop is called and how it writes to its customers.
#[derive(Debug, Clone)]
pub struct ShopConfig {
    /// The shop's name as customers know it (`SHOP_NAME`).
    pub name: String,
    /// The verified SES identity mail comes from (`SENDER_EMAIL`).
    pub sender: EmailAddress,
    /// The language for customers whose own is not supported (`DEFAULT_LOCALE`).
    pub default_locale: Locale,
    /// The shop's time zone, for coupon expiry days (`SHOP_TIME_ZONE`).
    pub time_zone: TimeZone,
    /// The IANA name of [`ShopConfig::time_zone`].
    pub time_zone_name: String,
    /// The SES configuration set every send is tagged with (`SES_CONFIGURATION_SET`).
    pub configuration_set: Option<String>,
}

impl ShopConfig {
    /// Reads the shop's settings.
    pub fn from_env(env: &Env) -> Result<Self> {
        let name = env.parsed("SHOP_NAME", |v| {
            if v.chars().count() > 100 || v.chars().any(char::is_control) {
                Err("must be at most 100 characters, without control characters".into())
            } else {
                Ok(v.to_owned())
            }
        })?;
        let sender = env.parsed("SENDER_EMAIL", EmailAddress::parse)?;
        let default_locale = env.parsed_or("DEFAULT_LOCALE", Locale::Tr, |v| {
            Locale::parse(v).ok_or_else(|| format!("`{v}` is not one of: tr, en"))
        })?;
        let (time_zone, time_zone_name) = shop_time_zone_from_env(env)?;
        let configuration_set = env.optional("SES_CONFIGURATION_SET");
        Ok(ShopConfig {
            name,
            sender,
            default_locale,
            time_zone,
            time_zone_name,
            configuration_set,
        })
    }

    /// The customer's clock: their IANA zone when they gave one that
    /// exists, else the shop's.
    pub fn clock_of(&self, customer_zone: Option<&str>) -> TimeZone {
        customer_zone
            .and_then(|z| TimeZone::get(z).ok())
            .unwrap_or_else(|| self.time_zone.clone())
    }
}

/// The help desk's inbound address that emails about a ticket carry as
/// `Reply-To` (`SUPPORT_REPLY_TO_EMAIL`), so a customer's reply lands on the
/// ticket; unset or empty, replies go to the sender and the emails do not
/// promise they reach the ticket.
pub fn reply_to_from_env(env: &Env) -> Result<Option<EmailAddress>> {
    match env.optional("SUPPORT_REPLY_TO_EMAIL") {
        Some(v) if !v.trim().is_empty() => env
            .parsed("SUPPORT_REPLY_TO_EMAIL", EmailAddress::parse)
            .map(Some),
        _ => Ok(None),
    }
}

/// A platform memnun calls (a store it registers coupons in, a help desk
/// it opens tickets in): its URL and the SSM parameter with its
/// credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSite {
    /// The platform's base URL (`https://…`; `http://` only on loopback).
    pub url: String,
    /// The SSM SecureString with its credentials.
    pub secret_parameter: String,
}

/// Where coupons are registered before their codes are emailed: Shopify,
/// WooCommerce, both, or neither (`SHOPIFY_STORE_URL` with
/// `SHOPIFY_TOKEN_PARAMETER`, `WOOCOMMERCE_STORE_URL` with
/// `WOOCOMMERCE_KEYS_PARAMETER`; a URL without its parameter stops the
/// init).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreConfig {
    /// The Shopify store and its Admin API token's parameter.
    pub shopify: Option<StoreSite>,
    /// The WooCommerce store and its REST keys' parameter.
    pub woocommerce: Option<StoreSite>,
}

impl StoreConfig {
    /// Reads both stores' settings.
    pub fn from_env(env: &Env) -> Result<Self> {
        Ok(StoreConfig {
            shopify: platform_site(env, "SHOPIFY_STORE_URL", "SHOPIFY_TOKEN_PARAMETER")?,
            woocommerce: platform_site(env, "WOOCOMMERCE_STORE_URL", "WOOCOMMERCE_KEYS_PARAMETER")?,
        })
    }
}

/// A platform's URL and credentials parameter: both set, or neither (the
/// error names the one missing).
pub fn platform_site(
    env: &Env,
    url_var: &'static str,
    secret_var: &'static str,
) -> Result<Option<StoreSite>> {
    let url = env.optional(url_var).filter(|v| !v.trim().is_empty());
    let secret = env.optional(secret_var).filter(|v| !v.trim().is_empty());
    match (url, secret) {
        (None, None) => Ok(None),
        (Some(url), Some(secret_parameter)) => Ok(Some(StoreSite {
            url: crate::adapters::http::platform_url(url_var, &url)?,
            secret_parameter,
        })),
        (Some(_), None) => Err(Error::Config {
            var: secret_var,
            reason: format!(
                "is not set, but {url_var} is: name the SSM parameter with the credentials"
            ),
        }),
        (None, Some(_)) => Err(Error::Config {
            var: url_var,
            reason: format!("is not set, but {secret_var} is: give the platform's URL"),
        }),
    }
}

/// Which help desk memnun opens its tickets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpDeskKind {
    /// Zendesk (`ZENDESK_URL`, `ZENDESK_TOKEN_PARAMETER`).
    Zendesk,
    /// Freshdesk (`FRESHDESK_URL`, `FRESHDESK_KEY_PARAMETER`).
    Freshdesk,
}

/// The help desk memnun's tickets are opened in, if any: Zendesk or
/// Freshdesk, never both (a shop works its tickets in one place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpDeskConfig {
    /// Which desk.
    pub kind: HelpDeskKind,
    /// Its URL and credentials parameter.
    pub site: StoreSite,
}

impl HelpDeskConfig {
    /// Reads the desk's settings; `None` when no desk is configured.
    pub fn from_env(env: &Env) -> Result<Option<Self>> {
        let zendesk = platform_site(env, "ZENDESK_URL", "ZENDESK_TOKEN_PARAMETER")?;
        let freshdesk = platform_site(env, "FRESHDESK_URL", "FRESHDESK_KEY_PARAMETER")?;
        match (zendesk, freshdesk) {
            (Some(_), Some(_)) => Err(Error::Config {
                var: "FRESHDESK_URL",
                reason: "is set, and so is ZENDESK_URL: memnun opens its tickets in one help desk"
                    .into(),
            }),
            (Some(site), None) => Ok(Some(HelpDeskConfig {
                kind: HelpDeskKind::Zendesk,
                site,
            })),
            (None, Some(site)) => Ok(Some(HelpDeskConfig {
                kind: HelpDeskKind::Freshdesk,
                site,
            })),
            (None, None) => Ok(None),
        }
    }
}

/// Reads the shop's time zone (`SHOP_TIME_ZONE`, IANA, default
/// Europe/Istanbul) and its name.
pub fn shop_time_zone_from_env(env: &Env) -> Result<(TimeZone, String)> {
    let name = env
        .optional("SHOP_TIME_ZONE")
        .unwrap_or_else(|| "Europe/Istanbul".into());
    let tz = TimeZone::get(&name).map_err(|_| Error::Config {
        var: "SHOP_TIME_ZONE",
        reason: format!("is invalid: `{name}` is not an IANA time zone"),
    })?;
    Ok((tz, name))
}

/// Where a function keeps its state and sends its output.
#[derive(Debug, Clone)]
pub struct ResourceConfig {
    /// The main table (`TABLE_NAME`).
    pub table: String,
    /// The idempotency table (`IDEMPOTENCY_TABLE_NAME`).
    pub idempotency_table: String,
    /// The queue the shop's systems read (`OUTBOUND_QUEUE_URL`).
    pub outbound_queue_url: String,
    /// How many messages of a batch run at once (`BATCH_CONCURRENCY`).
    pub batch_concurrency: usize,
    /// How long idempotency records live, in days (`IDEMPOTENCY_TTL_DAYS`).
    pub idempotency_ttl_days: i64,
}

impl ResourceConfig {
    /// Reads the resource names.
    pub fn from_env(env: &Env) -> Result<Self> {
        Ok(ResourceConfig {
            table: env.required("TABLE_NAME")?,
            idempotency_table: env.required("IDEMPOTENCY_TABLE_NAME")?,
            outbound_queue_url: env.parsed("OUTBOUND_QUEUE_URL", parse_url)?,
            batch_concurrency: env.int_or("BATCH_CONCURRENCY", 10, 1..=100)?,
            // Longer than any queue keeps a message (SQS: 14 days at most), so a
            // redelivery always finds the record of its first delivery.
            idempotency_ttl_days: env.int_or("IDEMPOTENCY_TTL_DAYS", 30, 15..=365)?,
        })
    }
}

/// Reads the apology coupon policy (`APOLOGY_*`).
pub fn apology_policy_from_env(env: &Env) -> Result<ApologyPolicy> {
    let defaults = ApologyPolicy::default();
    let threshold = env.int_or("APOLOGY_RATING_THRESHOLD", defaults.threshold, 1..=4)?;
    let percents = env.parsed_or(
        "APOLOGY_COUPON_PERCENTS",
        defaults.percent_by_rating.clone(),
        PercentByRating::parse,
    )?;
    if let Some(missing) = (1..=threshold).find(|r| percents.get(*r).is_none()) {
        return Err(Error::Config {
            var: "APOLOGY_COUPON_PERCENTS",
            reason: format!(
                "is invalid: it has no percent for {missing} stars, which is at or under \
                 APOLOGY_RATING_THRESHOLD ({threshold})"
            ),
        });
    }
    Ok(ApologyPolicy {
        threshold,
        percent_by_rating: percents,
        valid_days: env.int_or("APOLOGY_COUPON_VALID_DAYS", defaults.valid_days, 1..=365)?,
        cap_days: env.int_or("APOLOGY_COUPON_CAP_DAYS", defaults.cap_days, 0..=365)?,
    })
}

/// Reads when unused coupons are reminded of (`COUPON_REMINDER_DAYS`,
/// `APOLOGY_COUPON_REMINDER`): the greeter, which sends reminders, and
/// every flow that issues a coupon read the same two.
pub fn reminder_policy_from_env(env: &Env) -> Result<crate::domain::reminder::ReminderPolicy> {
    let d = crate::domain::reminder::ReminderPolicy::default();
    Ok(crate::domain::reminder::ReminderPolicy {
        days: env.int_or("COUPON_REMINDER_DAYS", d.days, 0..=30)?,
        apology: env.flag_or("APOLOGY_COUPON_REMINDER", d.apology)?,
    })
}

/// Reads the late-order coupon policy (`DELAY_COUPON_*`).
pub fn delay_policy_from_env(env: &Env) -> Result<DelayPolicy> {
    let d = DelayPolicy::default();
    Ok(DelayPolicy {
        min_days: env.int_or("DELAY_COUPON_MIN_DAYS", d.min_days, 0..=60)?,
        percent: env.int_or("DELAY_COUPON_PERCENT", d.percent, 1..=100)?,
        valid_days: env.int_or("DELAY_COUPON_VALID_DAYS", d.valid_days, 1..=365)?,
    })
}

/// Reads the base URL of the links in emails (`LINKS_BASE_URL`): https, no
/// trailing slash.
pub fn links_base_url_from_env(env: &Env) -> Result<String> {
    env.parsed("LINKS_BASE_URL", |v| {
        let v = v.trim_end_matches('/');
        if v.starts_with("https://") && !v.contains(char::is_whitespace) && !v.contains(['?', '#'])
        {
            Ok(v.to_owned())
        } else {
            Err(format!(
                "`{v}` is not an https URL without query or fragment"
            ))
        }
    })
}

/// An http(s) URL with no whitespace: a queue's URL (http only locally).
pub fn parse_url(v: &str) -> std::result::Result<String, String> {
    if (v.starts_with("https://") || v.starts_with("http://")) && !v.contains(char::is_whitespace) {
        Ok(v.to_owned())
    } else {
        Err(format!("`{v}` is not an http(s) URL"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_faq_file_is_read_none_is_no_faq_and_a_bad_one_names_the_variable() {
        let env = |path: &str| Env::from_pairs([("FAQ_FILE", path)]);
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/faq.example.json");
        assert!(faq_from_env(&env(example)).unwrap().is_some());
        assert!(
            faq_from_env(&env("/nonexistent/faq.json"))
                .unwrap()
                .is_none()
        );
        assert!(
            faq_from_env(&Env::from_pairs([("X", "y")]))
                .unwrap()
                .is_none()
        );
        let bad = std::env::temp_dir().join(format!("memnun-bad-faq-{}.json", std::process::id()));
        std::fs::write(&bad, r#"{"entries":[{"id":"Bad","keywords":["a"],"tr":{"question":"s","answer":"c"},"en":{"question":"q","answer":"a"}}]}"#).unwrap();
        let e = faq_from_env(&env(bad.to_str().unwrap()))
            .unwrap_err()
            .to_string();
        std::fs::remove_file(&bad).unwrap();
        assert!(e.contains("FAQ_FILE") && e.contains("entry 1 (Bad)"), "{e}");
    }

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn missing_variable_is_named() {
        let err = ShopConfig::from_env(&env(&[("SENDER_EMAIL", "a@b.co")])).unwrap_err();
        assert_eq!(err.to_string(), "environment variable SHOP_NAME is not set");
    }

    #[test]
    fn invalid_variable_is_named() {
        let err = ShopConfig::from_env(&env(&[
            ("SHOP_NAME", "Dükkan"),
            ("SENDER_EMAIL", "a@b.co"),
            ("SHOP_TIME_ZONE", "Mars/Olympus"),
        ]))
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("environment variable SHOP_TIME_ZONE is invalid")
        );
    }

    #[test]
    fn defaults_apply_and_names_are_recorded() {
        let e = env(&[
            ("SHOP_NAME", "Dükkan"),
            ("SENDER_EMAIL", "destek@dukkan.com.tr"),
        ]);
        let shop = ShopConfig::from_env(&e).unwrap();
        assert_eq!(shop.default_locale, Locale::Tr);
        assert_eq!(shop.time_zone_name, "Europe/Istanbul");
        assert_eq!(
            e.names_read(),
            [
                "SHOP_NAME",
                "SENDER_EMAIL",
                "DEFAULT_LOCALE",
                "SHOP_TIME_ZONE",
                "SES_CONFIGURATION_SET"
            ]
        );
    }

    #[test]
    fn policy_needs_a_percent_for_every_negative_rating() {
        let err = apology_policy_from_env(&env(&[
            ("APOLOGY_RATING_THRESHOLD", "3"),
            ("APOLOGY_COUPON_PERCENTS", "1=20,2=15"),
        ]))
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("APOLOGY_COUPON_PERCENTS is invalid")
        );
        let ok = apology_policy_from_env(&env(&[
            ("APOLOGY_RATING_THRESHOLD", "3"),
            ("APOLOGY_COUPON_PERCENTS", "1=25, 2=20, 3=10"),
        ]))
        .unwrap();
        assert_eq!(ok.percent_by_rating.get(3), Some(10));
    }

    #[test]
    fn out_of_range_numbers_are_rejected() {
        let err = ResourceConfig::from_env(&env(&[
            ("TABLE_NAME", "t"),
            ("IDEMPOTENCY_TABLE_NAME", "i"),
            ("OUTBOUND_QUEUE_URL", "http://localhost/q"),
            ("BATCH_CONCURRENCY", "0"),
        ]))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable BATCH_CONCURRENCY is invalid: 0 is outside 1..=100"
        );
    }
}

/// Reads the business calendar SLA time is counted in: the shop's zone
/// (`SHOP_TIME_ZONE`, IANA, default Europe/Istanbul: business hours are the
/// shop's, so one variable says both), `BUSINESS_DAYS` (e.g. `mon-fri`, default
/// every day), `BUSINESS_HOURS` (e.g. `09:00-18:00`, default `00:00-24:00`)
/// and `BUSINESS_HOLIDAYS` (e.g. `2026-01-01,2026-03-20..2026-03-22`,
/// default none).
pub fn calendar_from_env(env: &Env) -> Result<crate::domain::calendar::BusinessCalendar> {
    use crate::domain::calendar::{BusinessCalendar, Holidays, WorkingDays, WorkingHours};

    let defaults = BusinessCalendar::default();
    let time_zone = env.parsed_or("SHOP_TIME_ZONE", defaults.time_zone().clone(), |v| {
        TimeZone::get(v).map_err(|_| format!("`{v}` is not an IANA time zone"))
    })?;
    let days = env.parsed_or("BUSINESS_DAYS", defaults.days(), WorkingDays::parse)?;
    let hours = env.parsed_or(
        "BUSINESS_HOURS",
        defaults.hours().clone(),
        WorkingHours::parse,
    )?;
    let holidays = env.parsed_or(
        "BUSINESS_HOLIDAYS",
        defaults.holidays().clone(),
        Holidays::parse,
    )?;
    Ok(BusinessCalendar::new(time_zone, days, hours, holidays))
}

/// The shop's FAQ ([`crate::domain::faq`]), read from `FAQ_FILE` (the
/// template sets `faq.json`: beside the function's binary, where `memnun-faq
/// check --into` puts it; a relative path is taken from Lambda's
/// `LAMBDA_TASK_ROOT` when the runtime sets it). Unset, or no file there: no FAQ, and
/// acknowledgements carry no answers. A file that is not a good FAQ stops
/// the init, naming the variable and the first bad entry (`memnun-faq
/// check` names them all before a deploy).
pub fn faq_from_env(env: &Env) -> Result<Option<crate::domain::faq::Faq>> {
    let Some(path) = env.optional("FAQ_FILE").filter(|p| !p.trim().is_empty()) else {
        return Ok(None);
    };
    // Relative to the package (Lambda's task root), wherever the process
    // was started from.
    let path = match std::env::var_os("LAMBDA_TASK_ROOT") {
        Some(root) if std::path::Path::new(&path).is_relative() => {
            std::path::Path::new(&root).join(&path)
        }
        _ => std::path::PathBuf::from(&path),
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Config {
                var: "FAQ_FILE",
                reason: format!("names a file that cannot be read ({})", e.kind()),
            });
        }
    };
    crate::domain::faq::Faq::parse(&bytes)
        .map(Some)
        .map_err(|errors| Error::Config {
            var: "FAQ_FILE",
            reason: format!(
                "names a file that is not a good FAQ: {} ({} problem(s); memnun-faq check names them all)",
                errors.first().map(ToString::to_string).unwrap_or_default(),
                errors.len()
            ),
        })
}

/// How long a ticket waits on the customer before its reminder and its
/// resolution as no reply (`CUSTOMER_REMINDER_DAYS`, `AUTO_RESOLVE_DAYS`,
/// working days; 0 turns one off). The resolution must come after the
/// reminder.
pub fn waiting_policy_from_env(env: &Env) -> Result<crate::domain::waiting::WaitingPolicy> {
    let defaults = crate::domain::waiting::WaitingPolicy::default();
    let policy = crate::domain::waiting::WaitingPolicy {
        remind_after: env.int_or("CUSTOMER_REMINDER_DAYS", defaults.remind_after, 0..=30)?,
        resolve_after: env.int_or("AUTO_RESOLVE_DAYS", defaults.resolve_after, 0..=60)?,
    };
    if policy.remind_after > 0
        && policy.resolve_after > 0
        && policy.resolve_after <= policy.remind_after
    {
        return Err(Error::Config {
            var: "AUTO_RESOLVE_DAYS",
            reason: format!(
                "is {}, not more than CUSTOMER_REMINDER_DAYS ({}): the ticket would be resolved before the reminder",
                policy.resolve_after, policy.remind_after
            ),
        });
    }
    Ok(policy)
}

/// Reads the SLA policy: `SLA_TARGETS` (e.g.
/// `urgent=1h/8h,high=4h/24h,normal=24h/72h,low=48h/120h`, which is the
/// default; a priority left out keeps its default) and `SLA_WARNING_PERCENT`
/// (1 to 99, default 80).
pub fn sla_policy_from_env(env: &Env) -> Result<crate::domain::sla::SlaPolicy> {
    use crate::domain::sla::{SlaPolicy, SlaTargets};

    let defaults = SlaPolicy::default();
    Ok(SlaPolicy {
        targets: env.parsed_or("SLA_TARGETS", defaults.targets, SlaTargets::parse)?,
        warning_percent: env.int_or("SLA_WARNING_PERCENT", defaults.warning_percent, 1..=99)?,
    })
}

#[cfg(test)]
mod business_time_tests {
    use jiff::civil::{Date, Weekday};
    use jiff::{SignedDuration, Timestamp};

    use super::*;
    use crate::domain::calendar::{BusinessCalendar, WorkingDays};
    use crate::domain::sla::SlaPolicy;
    use crate::domain::ticket::Priority;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn calendar_defaults_to_every_hour_in_istanbul() {
        let e = env(&[]);
        let cal = calendar_from_env(&e).unwrap();
        assert_eq!(cal, BusinessCalendar::default());
        assert_eq!(cal.time_zone().iana_name(), Some("Europe/Istanbul"));
        assert_eq!(
            e.names_read(),
            [
                "SHOP_TIME_ZONE",
                "BUSINESS_DAYS",
                "BUSINESS_HOURS",
                "BUSINESS_HOLIDAYS"
            ]
        );
    }

    #[test]
    fn calendar_is_read_from_every_variable() {
        let cal = calendar_from_env(&env(&[
            ("SHOP_TIME_ZONE", "Europe/Berlin"),
            ("BUSINESS_DAYS", "mon-fri"),
            ("BUSINESS_HOURS", "09:00-18:00"),
            ("BUSINESS_HOLIDAYS", "2026-01-01, 2026-12-24..2026-12-26"),
        ]))
        .unwrap();
        assert_eq!(cal.time_zone().iana_name(), Some("Europe/Berlin"));
        assert_eq!(cal.days(), WorkingDays::MON_FRI);
        assert!(!cal.days().contains(Weekday::Saturday));
        assert_eq!(cal.hours().ranges(), [(540, 1080)]);
        assert_eq!(cal.holidays().len(), 4);
        assert!(!cal.is_working_day(Date::constant(2026, 12, 24)));
        let friday: Timestamp = "2026-12-23T17:00:00+01:00".parse().unwrap();
        assert_eq!(
            cal.add_business(friday, SignedDuration::from_hours(2)),
            "2026-12-28T10:00:00+01:00".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn every_bad_calendar_value_names_its_variable() {
        for (var, value) in [
            ("SHOP_TIME_ZONE", "Mars/Olympus"),
            ("BUSINESS_DAYS", "weekdays"),
            ("BUSINESS_HOURS", "18:00-09:00"),
            ("BUSINESS_HOLIDAYS", "2026-02-30"),
        ] {
            let err = calendar_from_env(&env(&[(var, value)])).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with(&format!("environment variable {var} is invalid: ")),
                "{err}"
            );
            assert!(matches!(err, Error::Config { var: v, .. } if v == var));
        }
    }

    #[test]
    fn sla_policy_defaults_and_overrides() {
        let e = env(&[]);
        assert_eq!(sla_policy_from_env(&e).unwrap(), SlaPolicy::default());
        assert_eq!(e.names_read(), ["SLA_TARGETS", "SLA_WARNING_PERCENT"]);

        let policy = sla_policy_from_env(&env(&[
            ("SLA_TARGETS", "urgent=30m/4h, high=2h/12h"),
            ("SLA_WARNING_PERCENT", "75"),
        ]))
        .unwrap();
        assert_eq!(policy.warning_percent, 75);
        assert_eq!(
            policy.targets.get(Priority::Urgent).first_reply,
            SignedDuration::from_mins(30)
        );
        assert_eq!(
            policy.targets.get(Priority::Normal),
            SlaPolicy::default().targets.get(Priority::Normal)
        );
    }

    #[test]
    fn every_bad_sla_value_names_its_variable() {
        let err = sla_policy_from_env(&env(&[("SLA_TARGETS", "urgent=8h/1h")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable SLA_TARGETS is invalid: urgent: the first reply (8h) is due \
             after the resolution (1h)"
        );
        for percent in ["0", "100", "eighty", "-5"] {
            let err = sla_policy_from_env(&env(&[("SLA_WARNING_PERCENT", percent)])).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("environment variable SLA_WARNING_PERCENT is invalid"),
                "{err}"
            );
        }
    }
}

/// Reads the URL of a queue a function sends to (`http://` or `https://`)
/// from `var`.
pub fn queue_url_from_env(env: &Env, var: &'static str) -> Result<String> {
    env.parsed(var, parse_url)
}
