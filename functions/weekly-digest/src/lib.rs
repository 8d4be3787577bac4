//! `weekly-digest`: once a week (Monday 08:00 on the shop's clock by
//! default), the support lead and marketing each get their week's figures
//! against the week before: the lead the support digest, marketing what
//! each coupon flow gave and brought back
//! ([`memnun_shared::domain::marketing`]).
//!
//! The figures are counters kept as things happen
//! ([`memnun_shared::app::count`]): complaints by category and channel,
//! first replies and resolutions in time, breaches, coupons by reason with
//! their percentages, negative reviews, satisfaction answers and their
//! average. The digest reads two weeks of them (two `GetItem`s, never a
//! scan), computes the comparison ([`memnun_shared::domain::digest`]) and
//! sends one email in the shop's language with bar charts made of HTML
//! tables.
//!
//! It takes its time from the schedule's input and reports the last full
//! week before it, so a late or retried run reports the same week. Each
//! role gets one digest per week (`digest#<week>#<role>`); one address for
//! both roles gets both, since they say different things.

use jiff::Timestamp;
use memnun_shared::Result;
use memnun_shared::config::{Env, ShopConfig};
use memnun_shared::domain::digest::{Figures, Week};
use memnun_shared::domain::mail::digest::{
    DigestMail, MarketingMail, marketing_digest, weekly_digest,
};
use memnun_shared::domain::mail::{EmailAddress, OutgoingEmail};
use memnun_shared::domain::marketing::Marketing;
use memnun_shared::idempotency::{Idempotency, Once};
use memnun_shared::keys::WorkKey;
use memnun_shared::ports::{IdempotencyStore, Mailer, StatsStore};
use serde::Serialize;

/// Everything the function reads at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main table, where the counters are (`TABLE_NAME`).
    pub table: String,
    /// The idempotency table (`IDEMPOTENCY_TABLE_NAME`).
    pub idempotency_table: String,
    /// How long "sent" is remembered, in days (`IDEMPOTENCY_TTL_DAYS`).
    pub idempotency_ttl_days: i64,
    /// The shop's name, sender, language and time zone (weeks start on
    /// Monday at 00:00 there).
    pub shop: ShopConfig,
    /// The support lead (`SUPPORT_LEAD_EMAIL`).
    pub lead: EmailAddress,
    /// Marketing (`MARKETING_EMAIL`).
    pub marketing: EmailAddress,
}

impl Config {
    /// Reads and validates the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        Ok(Config {
            table: env.required("TABLE_NAME")?,
            idempotency_table: env.required("IDEMPOTENCY_TABLE_NAME")?,
            idempotency_ttl_days: env.int_or("IDEMPOTENCY_TTL_DAYS", 30, 15..=365)?,
            shop: ShopConfig::from_env(env)?,
            lead: env.parsed("SUPPORT_LEAD_EMAIL", EmailAddress::parse)?,
            marketing: env.parsed("MARKETING_EMAIL", EmailAddress::parse)?,
        })
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The week reported (`2026-W47`).
    pub week: String,
    /// Digests sent now.
    pub sent: usize,
    /// Digests sent by an earlier run for this week.
    pub already_sent: usize,
}

/// The handler, generic over its ports.
pub struct Handler<S, M> {
    config: Config,
    store: S,
    mailer: M,
}

impl<S, M> Handler<S, M>
where
    S: StatsStore + IdempotencyStore,
    M: Mailer,
{
    /// Builds the handler once, at init.
    pub fn new(config: Config, store: S, mailer: M) -> Self {
        Handler {
            config,
            store,
            mailer,
        }
    }

    /// Sends the digest of the last full week before `now`; `deadline` is
    /// the invocation's.
    pub async fn run(&self, now: Timestamp, deadline: Timestamp) -> Result<Report> {
        let shop = &self.config.shop;
        let week = Week::of(now, &shop.time_zone).previous();
        let this = self.store.counters(week).await?;
        let last = self.store.counters(week.previous()).await?;
        let figures = Figures::compute(week, &this, &last);
        let rendered = weekly_digest(
            shop.default_locale,
            &DigestMail {
                shop: &shop.name,
                figures: &figures,
            },
        )?;
        let marketing = Marketing::compute(week, &this, &last);
        let for_marketing = marketing_digest(
            shop.default_locale,
            &MarketingMail {
                shop: &shop.name,
                marketing: &marketing,
            },
        )?;
        let idempotency = Idempotency::new(&self.store, deadline, self.config.idempotency_ttl_days);
        let recipients = [
            ("lead", &self.config.lead, rendered),
            ("marketing", &self.config.marketing, for_marketing),
        ];
        let mut report = Report {
            week: week.to_string(),
            sent: 0,
            already_sent: 0,
        };
        for (role, to, rendered) in recipients {
            let email = OutgoingEmail::new(to.clone(), rendered, "digest");
            let key = WorkKey::digest(&week.to_string(), role);
            match idempotency
                .once(&key, || async { self.mailer.send(&email).await.map(Some) })
                .await?
            {
                Once::Ran(_) => report.sent += 1,
                Once::AlreadyDone(_) => report.already_sent += 1,
            }
        }
        tracing::info!(
            week = %report.week,
            sent = report.sent,
            already_sent = report.already_sent,
            complaints = figures.complaints.this,
            "weekly digest done"
        );
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_recipients_are_required() {
        let base = [
            ("TABLE_NAME", "t"),
            ("IDEMPOTENCY_TABLE_NAME", "i"),
            ("SHOP_NAME", "Dükkan"),
            ("SENDER_EMAIL", "destek@dukkan.example"),
            ("SUPPORT_LEAD_EMAIL", "lider@dukkan.example"),
        ];
        let env = |pairs: &[(&str, &str)]| {
            Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        };
        let err = Config::from_env(&env(&base)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable MARKETING_EMAIL is not set"
        );
        let mut all = base.to_vec();
        all.push(("MARKETING_EMAIL", "pazarlama@dukkan.example"));
        let c = Config::from_env(&env(&all)).unwrap();
        assert_eq!(c.idempotency_ttl_days, 30);
    }
}
