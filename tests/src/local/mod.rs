//! The local run: the whole system on this machine, the way Lambda runs it.
//!
//! It starts the emulator, creates the template's tables, queues and SES
//! identity, builds and starts every function's real binary behind its own
//! Lambda Runtime API, replays the scenario in `events/` (or the files given),
//! delivers each queue to its function with the template's batch size —
//! honouring batch item failures and the redrive to the dead-letter queue —
//! fires the schedules at the scenario's own times, opens the links of the
//! emails as the customer would, and then reports what happened. Every AWS
//! call the functions make passes a recording proxy, each signed with its
//! function's name, for the IAM proof. On the way out it
//! stops every process it started. HTTP functions (`ingest`, `links`) answer
//! on loopback through the same bridge a Function URL would be, so a signed
//! webhook can be posted with curl, and a link from an email opened by
//! swapping its base for the printed address.
//!
//! One difference from AWS, on purpose: a failed message becomes visible again
//! at once instead of after the queue's visibility timeout, so five attempts
//! and the move to the dead-letter queue take seconds, not minutes.

pub mod lambda;
pub mod report;
pub mod run;
pub mod scenario;
