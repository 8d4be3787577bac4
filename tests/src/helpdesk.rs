//! Contract stand-ins for the shop's help desks on loopback: Zendesk's
//! Support API and Freshdesk's API v2, as far as memnun's tickets use them.
//! No real help desk can be reached from a test; these follow the
//! documented contract instead:
//!
//! - **Zendesk** (`/api/v2/tickets.json`, `/api/v2/tickets/{id}.json`):
//!   HTTP Basic with `{email}/token:{token}`, else `401`
//!   `{"error":"Couldn't authenticate you"}`; `POST` checks `subject`,
//!   `comment.body`, `requester.email` and `priority` (urgent, high,
//!   normal, low) and answers `201` with the ticket, or `422`
//!   `RecordInvalid` with the fields in `details`; `GET ?external_id=`
//!   lists the tickets with that external id and their tags; `PUT` adds a
//!   comment, sets the priority and adds `additional_tags`.
//! - **Freshdesk** (`/api/v2/tickets`, `/api/v2/search/tickets`,
//!   `/api/v2/tickets/{id}/notes`): HTTP Basic with `{key}:X`, else `401`
//!   `invalid_credentials`; `POST` checks `email`, `subject`,
//!   `description`, `priority` (1–4), `status` (2–5) and answers `201`, or
//!   `400` "Validation failed" with each field's `code`; the search takes
//!   `query="tag:'…'"` and answers ids, subjects and priorities (no tags:
//!   the adapter reads the ticket for them); `PUT` replaces the tags and
//!   sets the priority; notes are kept with their `private` flag.
//!
//! Faults are queued, each for one operation or any, and spent by the
//! first request they match, in order: a status (`503`, …), `429` with
//! `Retry-After`, a hang past the caller's timeout (the request takes
//! effect, its answer comes too late), or a create that takes effect and
//! whose answer is lost (`500`). Every
//! request is recorded (desk, operation, status) so a test counts the calls
//! a flow made.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::loopback::{Incoming, Reply, Server};

/// The credentials the Zendesk stand-in accepts (`email/token:…`).
pub const ZENDESK_CREDENTIALS: &str =
    "destek@dukkan.example/token:6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv";
/// The API key the Freshdesk stand-in accepts.
pub const FRESHDESK_KEY: &str = "Jq8BAgU3xr7hUbC4vQ2a";

/// The template parameters that point the help desk at a stand-in at
/// `url` (the local run's and the tests': a shop sees the calls it would
/// make).
pub fn zendesk_parameters(url: &str) -> [(&'static str, String); 2] {
    [
        ("ZendeskUrl", url.to_owned()),
        (
            "ZendeskTokenParameterName",
            "/memnun/zendesk-token".to_owned(),
        ),
    ]
}

/// [`zendesk_parameters`] for Freshdesk.
pub fn freshdesk_parameters(url: &str) -> [(&'static str, String); 2] {
    [
        ("FreshdeskUrl", url.to_owned()),
        (
            "FreshdeskKeyParameterName",
            "/memnun/freshdesk-key".to_owned(),
        ),
    ]
}

/// A new Zendesk ticket's status.
const STATUS_NEW: &str = "new";

/// A fault the next request meets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer this status.
    Status(u16),
    /// `429` with `Retry-After` of this many seconds.
    TooMany(u64),
    /// Answer only after this long.
    Hang(Duration),
    /// The next create takes effect, and its answer is a `500`.
    LostAnswer,
}

/// One request the stand-in answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Call {
    /// `zendesk` or `freshdesk`.
    pub desk: &'static str,
    /// `create`, `find`, `read`, `update`, `note`, or `other`.
    pub operation: &'static str,
    /// The status answered.
    pub status: u16,
}

/// A ticket the desk holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeskTicket {
    /// The desk's id.
    pub id: u64,
    /// Which desk.
    pub desk: &'static str,
    /// The create's body as sent.
    pub created: Value,
    /// Its priority now (Zendesk's name, or Freshdesk's number as text).
    pub priority: String,
    /// Its tags now.
    pub tags: Vec<String>,
    /// Comments or notes after the create: (body, public).
    pub notes: Vec<(String, bool)>,
    /// Its status now (Zendesk's name, or Freshdesk's number as text).
    pub status: String,
}

#[derive(Debug, Default)]
struct State {
    tickets: Vec<DeskTicket>,
    faults: VecDeque<(Option<&'static str>, Fault)>,
    calls: Vec<Call>,
}

/// Both desks on one port; it stops accepting when dropped.
pub struct HelpDeskStandIn {
    server: Server,
    state: Arc<Mutex<State>>,
}

impl HelpDeskStandIn {
    /// Starts both desks on one free loopback port.
    pub fn start() -> HelpDeskStandIn {
        let state = Arc::new(Mutex::new(State::default()));
        let serving = Arc::clone(&state);
        let server = Server::start(move |request| answer(&serving, request));
        HelpDeskStandIn { server, state }
    }

    /// `http://127.0.0.1:<port>`: both desks' base URL.
    pub fn url(&self) -> String {
        self.server.url()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues faults for the next requests, one each.
    pub fn fail(&self, faults: impl IntoIterator<Item = Fault>) {
        self.state()
            .faults
            .extend(faults.into_iter().map(|f| (None, f)));
    }

    /// Queues faults for the next requests of `operation` (`find`,
    /// `create`, `update`, `note`, `read`), one each.
    pub fn fail_on(&self, operation: &'static str, faults: impl IntoIterator<Item = Fault>) {
        self.state()
            .faults
            .extend(faults.into_iter().map(|f| (Some(operation), f)));
    }

    /// Every request answered, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// Every ticket, in the order created.
    pub fn tickets(&self) -> Vec<DeskTicket> {
        self.state().tickets.clone()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Which desk and operation a request is for.
fn route(r: &Incoming) -> (&'static str, &'static str) {
    let path = r.path.as_str();
    let zendesk = path == "/api/v2/tickets.json"
        || (path.starts_with("/api/v2/tickets/") && path.ends_with(".json"));
    if zendesk {
        return (
            "zendesk",
            match r.method.as_str() {
                "GET" => "find",
                "POST" => "create",
                "PUT" => "update",
                _ => "other",
            },
        );
    }
    if path == "/api/v2/search/tickets" {
        return ("freshdesk", "find");
    }
    if path == "/api/v2/tickets" && r.method == "POST" {
        return ("freshdesk", "create");
    }
    if path.starts_with("/api/v2/tickets/") {
        return (
            "freshdesk",
            match (r.method.as_str(), path.ends_with("/notes")) {
                ("POST", true) => "note",
                ("GET", false) => "read",
                ("PUT", false) => "update",
                _ => "other",
            },
        );
    }
    ("other", "other")
}

fn answer(state: &Mutex<State>, r: Incoming) -> Reply {
    let (desk, operation) = route(&r);
    let fault = if desk == "other" {
        None
    } else {
        let mut s = lock(state);
        s.faults
            .iter()
            .position(|(on, _)| on.is_none_or(|on| on == operation))
            .and_then(|i| s.faults.remove(i))
            .map(|(_, fault)| fault)
    };
    let mut reply = match fault {
        Some(Fault::Status(status)) => Reply::json(status, json!({"error": "stand-in fault"})),
        Some(Fault::TooMany(seconds)) => {
            let mut reply = Reply::json(429, json!({"error": "APIRateLimitExceeded"}));
            reply.headers.push(("Retry-After", seconds.to_string()));
            reply
        }
        Some(Fault::Hang(d)) => {
            let mut reply = handle(state, desk, operation, &r);
            reply.delay = Some(d);
            reply
        }
        Some(Fault::LostAnswer) => {
            let done = handle(state, desk, operation, &r);
            if done.status < 300 {
                Reply::json(500, json!({"error": "stand-in: the answer was lost"}))
            } else {
                done
            }
        }
        None => handle(state, desk, operation, &r),
    };
    if reply.delay.is_none() && desk == "other" {
        reply = Reply::json(404, json!({"error": "InvalidEndpoint"}));
    }
    lock(state).calls.push(Call {
        desk,
        operation,
        status: reply.status,
    });
    reply
}

fn handle(state: &Mutex<State>, desk: &'static str, operation: &str, r: &Incoming) -> Reply {
    let authorized = match desk {
        "zendesk" => basic(r) == Some(ZENDESK_CREDENTIALS.to_owned()),
        "freshdesk" => basic(r) == Some(format!("{FRESHDESK_KEY}:X")),
        _ => false,
    };
    if !authorized {
        return match desk {
            "zendesk" => Reply::json(401, json!({"error": "Couldn't authenticate you"})),
            _ => Reply::json(
                401,
                json!({"code": "invalid_credentials", "message": "You have to be logged in to perform this action."}),
            ),
        };
    }
    let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    let mut s = lock(state);
    match (desk, operation) {
        ("zendesk", "find") => {
            let external = r
                .query
                .split('&')
                .find_map(|kv| kv.strip_prefix("external_id="))
                .unwrap_or_default();
            let tickets: Vec<Value> = s
                .tickets
                .iter()
                .filter(|t| t.desk == "zendesk" && t.created["ticket"]["external_id"] == external)
                .map(|t| json!({"id": t.id, "external_id": external, "priority": t.priority, "tags": t.tags}))
                .collect();
            Reply::json(
                200,
                json!({"count": tickets.len(), "tickets": tickets, "next_page": null, "previous_page": null}),
            )
        }
        ("zendesk", "create") => {
            let t = &body["ticket"];
            let mut details = serde_json::Map::new();
            if t["subject"].as_str().is_none_or(str::is_empty) {
                details.insert(
                    "subject".into(),
                    json!([{"description": "Subject: cannot be blank", "error": "BlankValue"}]),
                );
            }
            if t["comment"]["body"].as_str().is_none_or(str::is_empty) {
                details.insert(
                    "base".into(),
                    json!([{"description": "Description: cannot be blank", "error": "BlankValue"}]),
                );
            }
            if !t["requester"]["email"]
                .as_str()
                .is_some_and(|e| e.contains('@'))
            {
                details.insert("requester".into(), json!([{"description": "Requester: Email is invalid", "error": "InvalidValue"}]));
            }
            if !matches!(
                t["priority"].as_str(),
                Some("urgent" | "high" | "normal" | "low")
            ) {
                details.insert(
                    "priority".into(),
                    json!([{"description": "Priority: is invalid", "error": "InvalidValue"}]),
                );
            }
            if !details.is_empty() {
                return Reply::json(
                    422,
                    json!({"error": "RecordInvalid", "description": "Record validation errors", "details": details}),
                );
            }
            let id = 35_436 + s.tickets.len() as u64;
            let tags = strings(&t["tags"]);
            s.tickets.push(DeskTicket {
                id,
                desk: "zendesk",
                created: body.clone(),
                priority: t["priority"].as_str().unwrap_or_default().to_owned(),
                tags: tags.clone(),
                notes: Vec::new(),
                status: STATUS_NEW.to_owned(),
            });
            Reply::json(
                201,
                json!({"ticket": {"id": id, "external_id": t["external_id"], "subject": t["subject"], "priority": t["priority"], "status": "new", "tags": tags}}),
            )
        }
        ("zendesk", "update") => {
            let id = number_in(&r.path);
            let Some(ticket) = s
                .tickets
                .iter_mut()
                .find(|t| Some(t.id) == id && t.desk == "zendesk")
            else {
                return Reply::json(
                    404,
                    json!({"error": "RecordNotFound", "description": "Not found"}),
                );
            };
            let t = &body["ticket"];
            if let Some(p) = t["priority"].as_str() {
                ticket.priority = p.to_owned();
            }
            if let Some(status) = t["status"].as_str() {
                ticket.status = status.to_owned();
            }
            if let Some(comment) = t["comment"]["body"].as_str() {
                ticket.notes.push((
                    comment.to_owned(),
                    t["comment"]["public"].as_bool().unwrap_or(true),
                ));
            }
            for tag in strings(&t["additional_tags"]) {
                if !ticket.tags.contains(&tag) {
                    ticket.tags.push(tag);
                }
            }
            Reply::json(
                200,
                json!({"ticket": {"id": ticket.id, "priority": ticket.priority, "tags": ticket.tags}}),
            )
        }
        ("freshdesk", "find") => {
            let query = r
                .query
                .replace("%22", "\"")
                .replace("%3A", ":")
                .replace("%27", "'");
            let Some(tag) = query
                .strip_prefix("query=\"tag:'")
                .and_then(|rest| rest.strip_suffix("'\""))
            else {
                return Reply::json(
                    400,
                    json!({"description": "Validation failed", "errors": [{"field": "query", "message": "Given query is invalid", "code": "invalid_value"}]}),
                );
            };
            let results: Vec<Value> = s
                .tickets
                .iter()
                .filter(|t| t.desk == "freshdesk" && t.tags.iter().any(|t| t == tag))
                .map(|t| json!({"id": t.id, "subject": t.created["subject"], "priority": t.priority.parse::<u8>().unwrap_or(0), "status": 2}))
                .collect();
            Reply::json(200, json!({"results": results, "total": results.len()}))
        }
        ("freshdesk", "create") => {
            let mut errors = Vec::new();
            let mut invalid = |field: &str, code: &str| {
                errors.push(json!({"field": field, "message": "It should be valid", "code": code}))
            };
            if !body["email"].as_str().is_some_and(|e| e.contains('@')) {
                invalid("email", "invalid_value");
            }
            if body["subject"].as_str().is_none_or(str::is_empty) {
                invalid("subject", "missing_field");
            }
            if body["description"].as_str().is_none_or(str::is_empty) {
                invalid("description", "missing_field");
            }
            if !body["priority"]
                .as_u64()
                .is_some_and(|p| (1..=4).contains(&p))
            {
                invalid("priority", "invalid_value");
            }
            if !body["status"]
                .as_u64()
                .is_some_and(|p| (2..=5).contains(&p))
            {
                invalid("status", "invalid_value");
            }
            if !errors.is_empty() {
                return Reply::json(
                    400,
                    json!({"description": "Validation failed", "errors": errors}),
                );
            }
            let id = 1_001 + s.tickets.len() as u64;
            let tags = strings(&body["tags"]);
            let priority = body["priority"].as_u64().unwrap_or_default();
            s.tickets.push(DeskTicket {
                id,
                desk: "freshdesk",
                created: body.clone(),
                priority: priority.to_string(),
                tags: tags.clone(),
                notes: Vec::new(),
                status: body["status"].as_u64().unwrap_or(2).to_string(),
            });
            Reply::json(
                201,
                json!({"id": id, "subject": body["subject"], "priority": priority, "status": 2, "tags": tags}),
            )
        }
        ("freshdesk", op @ ("read" | "update" | "note")) => {
            let id = number_in(r.path.trim_end_matches("/notes"));
            let Some(ticket) = s
                .tickets
                .iter_mut()
                .find(|t| Some(t.id) == id && t.desk == "freshdesk")
            else {
                return Reply::json(404, json!({}));
            };
            match op {
                "note" => {
                    let Some(note) = body["body"].as_str().filter(|b| !b.is_empty()) else {
                        return Reply::json(
                            400,
                            json!({"description": "Validation failed", "errors": [{"field": "body", "message": "It should not be blank", "code": "missing_field"}]}),
                        );
                    };
                    ticket
                        .notes
                        .push((note.to_owned(), !body["private"].as_bool().unwrap_or(false)));
                    Reply::json(
                        201,
                        json!({"id": 5000 + ticket.notes.len(), "body": note, "private": body["private"]}),
                    )
                }
                "update" => {
                    if body.get("tags").is_some() {
                        ticket.tags = strings(&body["tags"]);
                    }
                    if let Some(p) = body["priority"].as_u64() {
                        ticket.priority = p.to_string();
                    }
                    if let Some(status) = body["status"].as_u64() {
                        ticket.status = status.to_string();
                    }
                    Reply::json(
                        200,
                        json!({"id": ticket.id, "priority": ticket.priority.parse::<u8>().unwrap_or(0), "tags": ticket.tags}),
                    )
                }
                _ => Reply::json(
                    200,
                    json!({"id": ticket.id, "priority": ticket.priority.parse::<u8>().unwrap_or(0), "status": 2, "tags": ticket.tags}),
                ),
            }
        }
        _ => Reply::json(404, json!({"error": "InvalidEndpoint"})),
    }
}

fn basic(r: &Incoming) -> Option<String> {
    let encoded = r.header("authorization")?.strip_prefix("Basic ")?;
    String::from_utf8(STANDARD.decode(encoded).ok()?).ok()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The number in `/api/v2/tickets/{id}` or `/api/v2/tickets/{id}.json`.
fn number_in(path: &str) -> Option<u64> {
    path.strip_prefix("/api/v2/tickets/")?
        .trim_end_matches(".json")
        .parse()
        .ok()
}
