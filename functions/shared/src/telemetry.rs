//! Logging: `tracing` everywhere, JSON lines on Lambda, plain text locally.
//!
//! Lambda sets `AWS_LAMBDA_LOG_FORMAT=JSON` when the function's logging config
//! asks for JSON (the template does) and `AWS_LAMBDA_LOG_LEVEL` for the level;
//! `LOG_FORMAT` and `LOG_LEVEL` do the same outside Lambda.
//!
//! The level (`AWS_LAMBDA_LOG_LEVEL`, from the template's `LogLevel`) governs
//! memnun's own crates only ([`OWN_CRATES`]). Every other crate — the AWS
//! SDK, the Lambda runtime, hyper — stays at WARN whatever it says: at DEBUG
//! and TRACE they print request and response bodies (the raw event,
//! DynamoDB items, SES messages), which no level of memnun's may let through.
//!
//! Below INFO nothing is compiled in at all: the workspace builds `tracing`
//! with `max_level_info` and `log` with `max_level_off` (root `Cargo.toml`).
//! memnun logs nothing below INFO, so DEBUG and TRACE log what INFO logs;
//! the other crates' DEBUG and TRACE lines, bodies and all, are not in the
//! binary for any setting to let through, and every function is about half
//! a megabyte smaller for it. A `tracing::debug!` anywhere in memnun prints
//! nothing: log at INFO what an operator needs.
//!
//! What may be logged: ids (event, message, customer, ticket), counts, types,
//! outcomes. What must never be: email addresses, names, coupon codes, message
//! or review text, tokens. Handlers log ids only; [`redact`] exists for the
//! rare place where a value helps to tell two things apart.

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The crates whose logs follow the configured level: the library and every
/// function (their targets are their crate names).
pub const OWN_CRATES: &[&str] = &[
    "memnun_shared",
    "ingest",
    "links",
    "review_responder",
    "complaint_intake",
    "customer_directory",
    "sla_monitor",
    "sla_escalator",
    "weekly_digest",
    "birthday_scheduler",
    "birthday_greeter",
    "mail_feedback",
    "mail_inbound",
    "order_journey",
    "outbound",
];

/// The most any other crate may log: never their DEBUG or TRACE, which
/// print bodies.
pub const OTHER_CRATES_MAX: LevelFilter = LevelFilter::WARN;

/// What is logged at `level`: memnun's crates at it, others at most at
/// [`OTHER_CRATES_MAX`].
pub fn filter(level: LevelFilter) -> Targets {
    OWN_CRATES.iter().fold(
        Targets::new().with_default(level.min(OTHER_CRATES_MAX)),
        |targets, name| targets.with_target(*name, level),
    )
}

/// Installs the global subscriber. Safe to call more than once (tests): only
/// the first call installs anything.
pub fn init() {
    let format = var("AWS_LAMBDA_LOG_FORMAT").or_else(|| var("LOG_FORMAT"));
    let level = var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|| var("LOG_LEVEL"))
        .and_then(|l| parse_level(&l))
        .unwrap_or(LevelFilter::INFO);
    let json = format.is_some_and(|f| f.eq_ignore_ascii_case("json"));
    let layer = tracing_subscriber::fmt::layer()
        .with_target(false)
        .with_ansi(false)
        .with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(filter(level));
    // Errors only mean a subscriber is already installed.
    let _already_installed = if json {
        registry
            .with(
                layer
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init()
    } else {
        registry.with(layer.compact()).try_init()
    };
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn parse_level(level: &str) -> Option<LevelFilter> {
    match level.to_ascii_lowercase().as_str() {
        "trace" => Some(LevelFilter::TRACE),
        "debug" => Some(LevelFilter::DEBUG),
        "info" => Some(LevelFilter::INFO),
        "warn" => Some(LevelFilter::WARN),
        "error" | "fatal" => Some(LevelFilter::ERROR),
        "off" => Some(LevelFilter::OFF),
        _ => None,
    }
}

/// A short, stable, non-reversible tag for a sensitive value (FNV-1a, 32 bits):
/// enough to see that two log lines speak of the same thing, useless for
/// recovering the value.
pub fn redact(value: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for b in value.bytes() {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("#{hash:08x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_governs_memnuns_crates_and_others_never_pass_warn() {
        use tracing::Level;
        let f = filter(LevelFilter::TRACE);
        for name in OWN_CRATES {
            assert!(f.would_enable(name, &Level::TRACE), "{name}");
        }
        for other in [
            "aws_smithy_runtime",
            "lambda_runtime",
            "hyper",
            "aws_sdk_ses",
        ] {
            assert!(!f.would_enable(other, &Level::DEBUG), "{other}");
            assert!(!f.would_enable(other, &Level::INFO), "{other}");
            assert!(f.would_enable(other, &Level::WARN), "{other}");
        }
        let quiet = filter(LevelFilter::ERROR);
        assert!(!quiet.would_enable("aws_smithy_runtime", &Level::WARN));
        assert!(!quiet.would_enable("memnun_shared", &Level::WARN));
    }

    #[test]
    fn nothing_below_info_is_compiled_in() {
        // The caps come from features (root Cargo.toml); a dependency change
        // that loses them would bring the other crates' DEBUG and TRACE
        // lines, which print bodies, back into every binary.
        assert_eq!(tracing::level_filters::STATIC_MAX_LEVEL, LevelFilter::INFO);
        assert_eq!(log::STATIC_MAX_LEVEL, log::LevelFilter::Off);
    }

    #[test]
    fn redaction_is_stable_and_hides_the_value() {
        let tag = redact("ayse@example.com");
        assert_eq!(tag, redact("ayse@example.com"));
        assert_ne!(tag, redact("ayse@example.org"));
        assert!(!tag.contains("ayse"));
    }

    #[test]
    fn levels_parse() {
        assert_eq!(parse_level("DEBUG"), Some(LevelFilter::DEBUG));
        assert_eq!(parse_level("loud"), None);
    }
}
