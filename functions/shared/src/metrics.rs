//! Metrics for CloudWatch, as embedded metric format (EMF) log lines.
//!
//! Every function counts what the shop's people watch — emails sent by
//! kind, coupons issued and redeemed by reason, SLA warnings and breaches,
//! messages bound for the dead-letter queue by the class of their failure,
//! platforms' webhooks in and calls out by platform and outcome — and
//! writes the counts to standard output at the end of each invocation, one
//! JSON line per set of dimension values. CloudWatch Logs turns those lines into metrics in the
//! namespace `memnun/<stack>` (`METRICS_NAMESPACE`), which the template's
//! dashboard reads; no call, no permission, no latency on the way.
//!
//! Why this shape:
//!
//! - **A fixed catalogue** ([`CATALOGUE`]): a metric is a name and the
//!   names of its dimensions, declared once here. The template's dashboard
//!   may name only these (a test holds them together), and a dimension's
//!   value is always one of memnun's own words (`&'static str`): never an
//!   id, an address or a code, so no line can carry personal data and no
//!   value can multiply the shop's custom metrics.
//! - **Counted as it happens, written once per invocation**: recording is
//!   a map update behind a mutex; [`flush`], called by [`crate::lambda`]'s
//!   serving loops (and by ingest's) after each invocation, writes the
//!   lines. Unconfigured (tests, tools), recording does nothing.
//! - **The wall clock**: a metric says when the work was done. Decisions
//!   and emails take their time from the event; a replay of old events is
//!   counted when it is replayed, within CloudWatch's two-week window.
//! - **At INFO**: Lambda's JSON log format gives a line without a `level`
//!   the level INFO, so a `LogLevel` of WARN or above drops these lines
//!   with the logs (the template says so).
//!
//! The counts are of work done, and at least once: an invocation that
//! crashes after its effects but before its flush loses its counts, and a
//! retried message may count twice. The weekly digests, kept in DynamoDB
//! exactly once per event, remain the figures of record.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::config::Env;
use crate::{Error, Result};

/// One metric: its name and the names of its dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    /// The metric's name in CloudWatch.
    pub name: &'static str,
    /// Its dimensions' names, in order.
    pub dimensions: &'static [&'static str],
}

/// Emails SES took, by `Kind` (the template: `review_apology`,
/// `birthday`, `coupon_reminder`, …).
pub const EMAILS_SENT: Metric = Metric {
    name: "EmailsSent",
    dimensions: &["Kind"],
};
/// Coupons issued, by `Reason` (`negative_review`, `birthday`, …).
pub const COUPONS_ISSUED: Metric = Metric {
    name: "CouponsIssued",
    dimensions: &["Reason"],
};
/// Coupons redeemed by an order, by `Reason`.
pub const COUPONS_REDEEMED: Metric = Metric {
    name: "CouponsRedeemed",
    dimensions: &["Reason"],
};
/// SLA warnings announced, by `Goal` (`first_reply`, `resolution`).
pub const SLA_WARNINGS: Metric = Metric {
    name: "SlaWarnings",
    dimensions: &["Goal"],
};
/// SLA breaches announced, by `Goal`.
pub const SLA_BREACHES: Metric = Metric {
    name: "SlaBreaches",
    dimensions: &["Goal"],
};
/// Messages that failed for good and go to the dead-letter queue, by
/// `Class` ([`Error::class`]: `contract`, `corrupt`, `aws`, …).
pub const DEAD_LETTERS: Metric = Metric {
    name: "DeadLetters",
    dimensions: &["Class"],
};
/// Platforms' webhooks, by `Platform` and `Outcome` (`accepted`,
/// `ignored`, `ping`, `unauthorized`, `unmappable`, `not_enqueued`).
pub const CONNECTOR_EVENTS: Metric = Metric {
    name: "ConnectorEvents",
    dimensions: &["Platform", "Outcome"],
};

/// Calls to the shop's platforms (store, help desk, webhook), each
/// attempt by `Platform` (`shopify`, `woocommerce`, `zendesk`,
/// `freshdesk`, `webhook`) and `Outcome` (`ok`, `refused`, `unavailable`).
pub const PLATFORM_CALLS: Metric = Metric {
    name: "PlatformCalls",
    dimensions: &["Platform", "Outcome"],
};

/// Every metric memnun emits; the dashboard names no other.
pub const CATALOGUE: [Metric; 8] = [
    EMAILS_SENT,
    COUPONS_ISSUED,
    COUPONS_REDEEMED,
    SLA_WARNINGS,
    SLA_BREACHES,
    DEAD_LETTERS,
    CONNECTOR_EVENTS,
    PLATFORM_CALLS,
];

/// The namespace, once configured.
static NAMESPACE: OnceLock<String> = OnceLock::new();

/// Counts not yet written: by metric and dimension values.
type Pending = BTreeMap<(&'static str, Vec<&'static str>), f64>;
static PENDING: Mutex<Pending> = Mutex::new(BTreeMap::new());

/// Reads `METRICS_NAMESPACE` (1 to 255 characters; unset: no metrics) and
/// turns recording on. Called once at init by [`crate::lambda`].
pub fn init(env: &Env) -> Result<()> {
    let Some(namespace) = namespace_from_env(env)? else {
        return Ok(());
    };
    // A second init (tests) keeps the first namespace.
    let _first = NAMESPACE.set(namespace);
    Ok(())
}

/// The namespace `METRICS_NAMESPACE` names, validated.
pub fn namespace_from_env(env: &Env) -> Result<Option<String>> {
    match env.optional("METRICS_NAMESPACE") {
        None => Ok(None),
        Some(v) if (1..=255).contains(&v.chars().count()) && !v.starts_with("AWS/") => Ok(Some(v)),
        Some(_) => Err(Error::Config {
            var: "METRICS_NAMESPACE",
            reason: "is invalid: 1 to 255 characters, not starting with AWS/".into(),
        }),
    }
}

/// Adds `amount` to `metric` for these dimension `values` (one per
/// dimension, in order). Nothing when metrics are off.
pub fn add(metric: Metric, values: &[&'static str], amount: f64) {
    if NAMESPACE.get().is_none() || values.len() != metric.dimensions.len() {
        return;
    }
    let mut pending = PENDING.lock().unwrap_or_else(PoisonError::into_inner);
    *pending.entry((metric.name, values.to_vec())).or_insert(0.0) += amount;
}

/// Adds one.
pub fn count(metric: Metric, values: &[&'static str]) {
    add(metric, values, 1.0);
}

/// The counts a commit's weekly counters stand for: coupons issued and
/// redeemed, SLA breaches (the escalator counts them once per breach).
/// Called by the stores once the counters are written, so a count is made
/// where its digest figure is.
pub fn counted(counts: &[(String, i64)]) {
    if NAMESPACE.get().is_none() {
        return;
    }
    for (metric, value, amount) in of_counters(counts) {
        add(metric, &[value], amount);
    }
}

/// The metrics among weekly counters (`coupons.<reason>.count`,
/// `coupons.<reason>.redeemed`, `breaches.<goal>`), with their dimension's
/// value; other counters are the digest's alone.
pub fn of_counters(counts: &[(String, i64)]) -> Vec<(Metric, &'static str, f64)> {
    use crate::domain::coupon::CouponReason;
    use crate::domain::sla::Goal;
    let mut out = Vec::new();
    for (name, amount) in counts {
        // Counts are small whole numbers: exact as f64.
        let amount = *amount as f64;
        if let Some(goal) = name.strip_prefix("breaches.") {
            if let Some(goal) = [Goal::FirstReply, Goal::Resolution]
                .into_iter()
                .find(|g| g.as_str() == goal)
            {
                out.push((SLA_BREACHES, goal.as_str(), amount));
            }
            continue;
        }
        let Some((reason, what)) = name
            .strip_prefix("coupons.")
            .and_then(|rest| rest.split_once('.'))
        else {
            continue;
        };
        let Some(reason) = CouponReason::parse(reason) else {
            continue;
        };
        match what {
            "count" => out.push((COUPONS_ISSUED, reason.as_str(), amount)),
            "redeemed" => out.push((COUPONS_REDEEMED, reason.as_str(), amount)),
            _ => {}
        }
    }
    out
}

/// Writes what was counted since the last flush to standard output, one
/// EMF line per metric and set of dimension values, and forgets it.
pub fn flush() {
    let lines = take_lines();
    if lines.is_empty() {
        return;
    }
    let mut out = std::io::stdout().lock();
    for line in lines {
        if let Err(e) = writeln!(out, "{line}") {
            tracing::warn!(error = %e, "metrics could not be written");
            return;
        }
    }
    if let Err(e) = out.flush() {
        tracing::warn!(error = %e, "metrics could not be written");
    }
}

/// The EMF lines of what was counted since the last flush, now, and
/// forgets it: what [`flush`] writes (public for the tests that read the
/// lines a handler's work makes).
pub fn take_lines() -> Vec<String> {
    let Some(namespace) = NAMESPACE.get() else {
        return Vec::new();
    };
    let pending = std::mem::take(&mut *PENDING.lock().unwrap_or_else(PoisonError::into_inner));
    lines(namespace, jiff::Timestamp::now().as_millisecond(), &pending)
}

/// The EMF lines of `pending` at `millis` (public for the tests that check
/// them against the specification).
pub fn lines(namespace: &str, millis: i64, pending: &Pending) -> Vec<String> {
    pending
        .iter()
        .filter_map(|((name, values), amount)| {
            let metric = CATALOGUE.iter().find(|m| m.name == *name)?;
            let mut line = serde_json::Map::new();
            line.insert(
                "_aws".into(),
                serde_json::json!({
                    "Timestamp": millis,
                    "CloudWatchMetrics": [{
                        "Namespace": namespace,
                        "Dimensions": [metric.dimensions],
                        "Metrics": [{"Name": metric.name, "Unit": "Count"}],
                    }],
                }),
            );
            for (dimension, value) in metric.dimensions.iter().zip(values) {
                line.insert((*dimension).into(), (*value).into());
            }
            line.insert(metric.name.into(), (*amount).into());
            Some(serde_json::Value::Object(line).to_string())
        })
        .collect()
}

/// A set of counts, for [`lines`] in tests.
pub fn pending_of(counts: &[(Metric, &[&'static str], f64)]) -> Pending {
    counts
        .iter()
        .map(|(m, values, amount)| ((m.name, values.to_vec()), *amount))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_its_dimensions_and_carries_its_value() {
        let pending = pending_of(&[
            (EMAILS_SENT, &["birthday"], 2.0),
            (CONNECTOR_EVENTS, &["shopify", "accepted"], 1.0),
        ]);
        let lines = lines("memnun/shop", 1_764_000_000_000, &pending);
        assert_eq!(lines.len(), 2);
        let v: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
        assert_eq!(v["EmailsSent"], 2.0);
        assert_eq!(v["Kind"], "birthday");
        assert_eq!(
            v["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            serde_json::json!([["Kind"]])
        );
        let v: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(
            (v["Platform"].as_str(), v["Outcome"].as_str()),
            (Some("shopify"), Some("accepted"))
        );
    }

    #[test]
    fn the_digests_counters_of_coupons_and_breaches_are_metrics_too() {
        use crate::domain::coupon::CouponReason;
        use crate::domain::digest::names;
        use crate::domain::sla::Goal;
        let counts = vec![
            (names::coupons(CouponReason::Birthday), 1),
            (names::coupon_percent(CouponReason::Birthday), 15),
            (names::redeemed(CouponReason::SlaBreach), 1),
            (names::revenue(CouponReason::SlaBreach, "TRY"), 45_000),
            (names::breaches(Goal::FirstReply), 1),
            (names::NEGATIVE_REVIEWS.to_owned(), 1),
        ];
        assert_eq!(
            of_counters(&counts),
            [
                (COUPONS_ISSUED, "birthday", 1.0),
                (COUPONS_REDEEMED, "sla_breach", 1.0),
                (SLA_BREACHES, "first_reply", 1.0),
            ]
        );
    }

    #[test]
    fn a_bad_namespace_stops_the_init_naming_the_variable() {
        for bad in ["AWS/Lambda", &"x".repeat(256)] {
            let env = Env::from_pairs([("METRICS_NAMESPACE", bad)]);
            let e = namespace_from_env(&env).unwrap_err().to_string();
            assert!(e.contains("METRICS_NAMESPACE"), "{e}");
        }
        let env = Env::from_pairs([("METRICS_NAMESPACE", "memnun/shop")]);
        assert_eq!(
            namespace_from_env(&env).unwrap().as_deref(),
            Some("memnun/shop")
        );
    }
}
