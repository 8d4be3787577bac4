//! The scenario the local run replays: `events/scenario.json`.
//!
//! ```json
//! {"steps": [{"file": "review.posted.json", "deliveries": 2},
//!            {"file": "malformed/x.json", "queue": "reviews"},
//!            {"file": "ticket.resolved.json", "ticket_of": "cmp-1"},
//!            {"schedule": "sla-monitor", "at": "2026-11-23T12:05:00Z"},
//!            {"open": "survey", "score": 2},
//!            {"open": "unsubscribe"},
//!            {"mail": "mail/gmail-en.eml", "at": "2026-11-23T11:25:00Z", "ticket_of": "cmp-1"}]}
//! ```
//!
//! Steps run in order, every queue drained after each:
//! - a **file** step sends its event to the queue its type routes to (or the
//!   step's `queue`, for a file whose type cannot be read), `deliveries`
//!   times; with `"via": "webhook"` it is POSTed to the ingest function's
//!   URL instead, signed with the webhook secret as a shop's platform signs
//!   it; with `ticket_of`, its `data.ticket_id` becomes the number of the
//!   ticket the event with that id opened (ticket numbers are drawn at
//!   random, so a sample file cannot know it); with `"via"` a platform
//!   (`shopify` or `woocommerce` with their `topic`, `zendesk`, `judgeme`),
//!   the file is that platform's own payload, POSTed to
//!   `/webhooks/<platform>` signed as the platform signs it, each delivery
//!   with the same delivery id (a platform's retry); for Zendesk,
//!   `ticket_of` becomes the Zendesk ticket's `external_id`;
//! - a **schedule** step fires that function's schedules as EventBridge
//!   Scheduler would at `at`: the scenario keeps its own clock, so the story
//!   is the same on any day it is run;
//! - an **open** step is the customer clicking in an email sent so far: the
//!   survey's score (`score`, default 5), sent with the page's button, or the
//!   one-click unsubscribe a mail provider posts;
//! - a **mail** step is a customer's email as SES receiving delivers it
//!   (inbound email): the raw mail stored in the template's mail bucket, and
//!   SES's notice, received at `at`, on the inbound queue; with
//!   `ticket_of`, the sample's ticket number `TK-4821-0937` becomes that of
//!   the ticket the event with that id opened.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use memnun_shared::contract::routing::Route;

/// One message to put on a queue.
#[derive(Debug, Clone)]
pub struct Send {
    /// The file it came from.
    pub file: PathBuf,
    /// The queue's short name.
    pub queue: String,
    /// The body.
    pub body: String,
    /// How many times to deliver it.
    pub deliveries: usize,
    /// The event id whose ticket's number goes into `data.ticket_id`.
    pub ticket_of: Option<String>,
    /// Posted to the webhook rather than put on the queue.
    pub webhook: bool,
    /// A platform's own payload: posted to `/webhooks/<platform>` (the
    /// slug) with this topic, where the platform names one.
    pub platform: Option<(String, Option<String>)>,
}

/// A link in an email that the scenario's customer opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// The satisfaction survey, answered with this score.
    Survey(u8),
    /// The one-click unsubscribe.
    Unsubscribe,
}

/// One step of the scenario.
#[derive(Debug, Clone)]
pub enum Step {
    /// Events onto a queue.
    Send(Send),
    /// A function's schedules fired at a time.
    Schedule {
        /// The function (its crate name).
        function: String,
        /// When the schedule fires.
        at: Timestamp,
    },
    /// A link opened.
    Open(Link),
    /// A customer's email, received by SES.
    Mail(Mail),
}

/// A received mail: what SES stores and when.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The raw mail's file.
    pub file: PathBuf,
    /// The raw mail.
    pub raw: String,
    /// When SES received it.
    pub at: Timestamp,
    /// The event id whose ticket's number replaces the sample's.
    pub ticket_of: Option<String>,
}

/// Reads `events/scenario.json` (relative to `events_dir`).
pub fn load(events_dir: &Path) -> Result<Vec<Step>, String> {
    let manifest = events_dir.join("scenario.json");
    let text =
        std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let steps = value["steps"]
        .as_array()
        .ok_or_else(|| format!("{}: no steps", manifest.display()))?;
    steps
        .iter()
        .map(|step| {
            let at = |what: &str| format!("{}: a step {what}: {step}", manifest.display());
            if let Some(function) = step["schedule"].as_str() {
                let time = step["at"].as_str().ok_or_else(|| at("without \"at\""))?;
                let at = time
                    .parse()
                    .map_err(|e| at(&format!("with an unreadable time ({e})")))?;
                return Ok(Step::Schedule {
                    function: function.to_string(),
                    at,
                });
            }
            if let Some(link) = step["open"].as_str() {
                return match link {
                    "survey" => {
                        let score = step["score"].as_u64().unwrap_or(5);
                        if !(1..=5).contains(&score) {
                            return Err(at("with a score outside 1..5"));
                        }
                        Ok(Step::Open(Link::Survey(score as u8)))
                    }
                    "unsubscribe" => Ok(Step::Open(Link::Unsubscribe)),
                    _ => Err(at("opening neither \"survey\" nor \"unsubscribe\"")),
                };
            }
            if let Some(file) = step["mail"].as_str() {
                let path = events_dir.join(file);
                let raw = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let time = step["at"].as_str().ok_or_else(|| at("without \"at\""))?;
                return Ok(Step::Mail(Mail {
                    file: path,
                    raw,
                    at: time
                        .parse()
                        .map_err(|e| at(&format!("with an unreadable time ({e})")))?,
                    ticket_of: step["ticket_of"].as_str().map(str::to_string),
                }));
            }
            let file = step["file"]
                .as_str()
                .ok_or_else(|| at("with no file, schedule, open or mail"))?;
            let deliveries = step["deliveries"].as_u64().unwrap_or(1).max(1) as usize;
            if let Some(platform @ ("shopify" | "woocommerce" | "zendesk" | "judgeme")) =
                step["via"].as_str()
            {
                let path = events_dir.join(file);
                let body = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let topic = step["topic"].as_str().map(str::to_string);
                if matches!(platform, "shopify" | "woocommerce") && topic.is_none() {
                    return Err(at("posted to Shopify or WooCommerce without a topic"));
                }
                return Ok(Step::Send(Send {
                    file: path,
                    queue: String::new(),
                    body,
                    deliveries,
                    ticket_of: step["ticket_of"].as_str().map(str::to_string),
                    webhook: false,
                    platform: Some((platform.to_string(), topic)),
                }));
            }
            let mut send = one(&events_dir.join(file), step["queue"].as_str(), deliveries)?;
            send.ticket_of = step["ticket_of"].as_str().map(str::to_string);
            send.webhook = match step["via"].as_str() {
                None | Some("queue") => false,
                Some("webhook") => true,
                Some(_) => {
                    return Err(at(
                        "whose \"via\" is not \"queue\", \"webhook\" or a platform",
                    ));
                }
            };
            Ok(Step::Send(send))
        })
        .collect()
}

/// Reads one event file, routed by its type unless `queue` is given.
pub fn one(file: &Path, queue: Option<&str>, deliveries: usize) -> Result<Send, String> {
    let body = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let queue = match queue {
        Some(q) => q.to_string(),
        None => {
            let kind = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["type"].as_str().map(str::to_string))
                .ok_or_else(|| {
                    format!(
                        "{}: no readable type; give the step a queue",
                        file.display()
                    )
                })?;
            Route::for_type(&kind)
                .ok_or_else(|| {
                    format!(
                        "{}: memnun accepts no events of type {kind}",
                        file.display()
                    )
                })?
                .queue_name()
                .to_string()
        }
    };
    // Compact the JSON (as a producer would send it) when it parses.
    let body = serde_json::from_str::<serde_json::Value>(&body)
        .map(|v| v.to_string())
        .unwrap_or(body);
    Ok(Send {
        file: file.to_path_buf(),
        queue,
        body,
        deliveries,
        ticket_of: None,
        webhook: false,
        platform: None,
    })
}
