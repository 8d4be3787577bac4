//! The domain: what memnun decides, over plain types, without I/O.
//!
//! Every policy lives in a file named for it, so "how is a coupon's expiry
//! computed" or "when does a review get an apology" has one place to look.

pub mod apology;
pub mod attribution;
pub mod birthday;
pub mod calendar;
pub mod classification;
pub mod consent;
pub mod coupon;
pub mod customer;
pub mod delay;
pub mod desk;
pub mod digest;
pub mod escalation;
pub mod faq;
pub mod history;
pub mod inbound;
pub mod labels;
pub mod lifecycle;
pub mod locale;
pub mod mail;
pub mod marketing;
pub mod order;
pub mod priority;
pub mod random;
pub mod rating;
pub mod redemption;
pub mod reminder;
pub mod reply;
pub mod returns;
pub mod review_request;
pub mod sla;
pub mod suppression;
pub mod text;
pub mod thread;
pub mod ticket;
pub mod token;
pub mod waiting;
pub mod watch;
