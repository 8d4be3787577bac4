//! What order-journey reads at init: the tables and the shop, the business
//! calendar, the journey's clocks, late orders' coupons, review requests,
//! the shop's stores, attribution and reminders. Every value is checked
//! here; an error names its variable.

use super::*;

/// Everything the function reads at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// Tables, the outbound queue (a return's ticket), concurrency.
    pub resources: ResourceConfig,
    /// The shop's name, sender, language and time zone.
    pub shop: ShopConfig,
    /// Working days, for how long an order may take to ship.
    pub calendar: BusinessCalendar,
    /// The journey's clocks (`SHIP_WITHIN_DAYS`, `REFUND_WARNING_DAYS`,
    /// `REFUND_LATE_DAYS`).
    pub policy: JourneyPolicy,
    /// Late-order coupons (`DELAY_COUPON_*`).
    pub delay: DelayPolicy,
    /// Where an order not shipped in time, or a refund nearing its legal
    /// date, is reported (`SUPPORT_TEAM_EMAIL`).
    pub team: EmailAddress,
    /// Where an order undelivered after 30 days, or a refund past its legal
    /// date, is reported (`SUPPORT_LEAD_EMAIL`).
    pub lead: EmailAddress,
    /// Review requests after delivery; `None` (off) unless `REVIEW_URL` is
    /// set and `REVIEW_REQUEST_DAYS` is above 0.
    pub review: Option<ReviewRequests>,
    /// Where late orders' coupons are registered before their emails.
    pub stores: memnun_shared::config::StoreConfig,
    /// The help desk's inbound address, the `Reply-To` of a return's emails
    /// (they name its ticket) (`SUPPORT_REPLY_TO_EMAIL`).
    pub reply_to: Option<EmailAddress>,
    /// How long after a birthday greeting an order counts for the birthday
    /// flow (`ATTRIBUTION_DAYS`).
    pub attribution: AttributionPolicy,
    /// Whether late orders' coupons are reminded of before they end
    /// (`APOLOGY_COUPON_REMINDER`, `COUPON_REMINDER_DAYS`).
    pub reminder: memnun_shared::domain::reminder::ReminderPolicy,
}

/// Where review requests send the customer, and how they unsubscribe.
#[derive(Debug, Clone)]
pub struct ReviewRequests {
    /// The shop's review page (`REVIEW_URL`).
    pub link: ReviewLink,
    /// Where the unsubscribe link points (`LINKS_BASE_URL`).
    pub links_base_url: String,
    /// The SSM parameter with the link-signing key(s)
    /// (`LINK_SECRET_PARAMETER`).
    pub link_secret_parameter: String,
}

impl Config {
    /// Reads and validates the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        let d = JourneyPolicy::default();
        let review_request_days =
            env.int_or("REVIEW_REQUEST_DAYS", d.review_request_days, 0..=60)?;
        let review_request_hour =
            env.int_or("REVIEW_REQUEST_HOUR", d.review_request_hour, 8..=20)?;
        let review = match env.optional("REVIEW_URL") {
            Some(_) if review_request_days > 0 => Some(ReviewRequests {
                link: env.parsed("REVIEW_URL", ReviewLink::parse)?,
                links_base_url: links_base_url_from_env(env)?,
                link_secret_parameter: env.required("LINK_SECRET_PARAMETER")?,
            }),
            Some(_) => {
                env.parsed("REVIEW_URL", ReviewLink::parse)?;
                None
            }
            None => None,
        };
        Ok(Config {
            resources: ResourceConfig::from_env(env)?,
            shop: ShopConfig::from_env(env)?,
            calendar: calendar_from_env(env)?,
            policy: JourneyPolicy {
                ship_within_days: env.int_or("SHIP_WITHIN_DAYS", d.ship_within_days, 0..=30)?,
                refund_warning_days: env.int_or(
                    "REFUND_WARNING_DAYS",
                    d.refund_warning_days,
                    0..=13,
                )?,
                refund_late_days: env.int_or("REFUND_LATE_DAYS", d.refund_late_days, 1..=30)?,
                review_request_days,
                review_request_hour,
                default_delivery_days: env.int_or(
                    "DEFAULT_DELIVERY_DAYS",
                    d.default_delivery_days,
                    0..=30,
                )?,
            },
            delay: delay_policy_from_env(env)?,
            team: env.parsed("SUPPORT_TEAM_EMAIL", EmailAddress::parse)?,
            lead: env.parsed("SUPPORT_LEAD_EMAIL", EmailAddress::parse)?,
            review,
            stores: memnun_shared::config::StoreConfig::from_env(env)?,
            reply_to: memnun_shared::config::reply_to_from_env(env)?,
            attribution: AttributionPolicy {
                days: env.int_or(
                    "ATTRIBUTION_DAYS",
                    AttributionPolicy::default().days,
                    0..=60,
                )?,
            },
            reminder: memnun_shared::config::reminder_policy_from_env(env)?,
        })
    }
}
