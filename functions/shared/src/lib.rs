//! The library every memnun function links.
//!
//! It is split the way the functions depend on it:
//!
//! - [`contract`]: the CloudEvents envelope and the payload of every event type,
//!   parsed and validated with errors that name the offending field.
//! - [`domain`]: policies over plain types — coupons, apologies, tickets,
//!   locales, email rendering. Nothing in it knows about AWS or does I/O.
//! - [`ports`]: the traits through which functions reach storage, mail and
//!   queues; [`adapters`] implements them over DynamoDB, SES and SQS.
//! - [`app`]: the steps several functions share (issue a coupon, open a
//!   ticket, send an email once), written over the ports.
//! - [`idempotency`]: exactly-once effects on top of at-least-once delivery;
//!   [`work`] the unit of work each event runs as; [`keys`] the names of both.
//! - [`batch`]: the SQS batch runner with per-message failures.
//! - [`config`] and [`telemetry`]: what every binary does at init.

pub mod adapters;
pub mod app;
pub mod batch;
pub mod config;
pub mod contract;
pub mod domain;
pub mod error;
pub mod idempotency;
pub mod keys;
pub mod lambda;
#[cfg(feature = "memory")]
pub mod memory;
pub mod metrics;
pub mod ports;
pub mod scrub;
pub mod telemetry;
pub mod time;
pub mod work;

pub use error::{Error, Result};
