//! How a memnun ticket becomes a Zendesk ticket: the Support API's Tickets
//! endpoints, authenticated with an API token (HTTP Basic,
//! `{agent email}/token:{token}`) over HTTPS.
//!
//! | memnun | Zendesk (`POST /api/v2/tickets.json`, `ticket`) |
//! |---|---|
//! | number `TK-…` | `external_id`, and a tag |
//! | `[TK-…] ` and the subject | `subject` |
//! | the customer's message | `comment.body`, public |
//! | the customer's address and name | `requester.email`, `requester.name` |
//! | priority urgent, high, normal, low | `priority` urgent, high, normal, low |
//! | `memnun`, origin, category, channel | `tags` (`memnun_complaint`, `memnun_delivery`, `memnun_email`, …) |
//! | the customer's history | a private comment (`public: false`) with the tag `memnun_history` |
//! | a missed deadline | `priority: urgent`, a private comment, the tag `memnun_missed_<goal>` |
//! | a later message of the customer (`ticket.updated`) | a private comment headed by the channel, the tag `memnun_message_<n>` |
//! | memnun closed it (`ticket.closed`, no reply) | `status: solved`, a private comment, the tag `memnun_closed_no_reply`; a ticket Zendesk will not solve as it stands (`422`: no assignee, a required field) gets the comment and the tag, and the team solves it |
//!
//! Looking up: `GET /api/v2/tickets.json?external_id=TK-…` lists the
//! tickets with that external id, with their tags. Notes and raises are
//! `PUT /api/v2/tickets/{id}.json` with `additional_tags`, which adds to
//! the ticket's tags instead of replacing them.
//!
//! Answers: 201 created, 200 for the rest; 422 `RecordInvalid` names the
//! fields in `details` (memnun logs their names only); 401, 403, 429 with
//! `Retry-After` and 5xx as every platform ([`crate::adapters::http`]).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::{Found, Note, call_json, fields, tags_in};
use crate::adapters::http::{Answer, Credential, HttpClient, Method, Request, Verdict};
use crate::domain::desk::DeskTicket;
use crate::domain::ticket::{Priority, TicketNumber};
use crate::{Error, Result};

pub(crate) const PLATFORM: &str = "zendesk";
const CREATE: &str = "POST tickets";
const FIND: &str = "GET tickets?external_id";
const UPDATE: &str = "PUT tickets/{id}";

/// A Zendesk account.
#[derive(Debug)]
pub struct Zendesk {
    base: String,
    authorization: Credential,
}

impl Zendesk {
    /// The account at `url`, with `email/token:<token>`.
    pub fn new(url: &str, credentials: &str) -> Result<Self> {
        let credentials = credentials.trim();
        let valid = credentials
            .split_once("/token:")
            .is_some_and(|(email, token)| email.contains('@') && !token.is_empty())
            && !credentials
                .chars()
                .any(|c| c.is_whitespace() || c.is_control());
        if !valid {
            return Err(Error::Config {
                var: "ZENDESK_TOKEN_PARAMETER",
                reason: "names a parameter that does not hold `<agent email>/token:<API token>`"
                    .into(),
            });
        }
        Ok(Zendesk {
            base: format!("{url}/api/v2"),
            authorization: Credential::new(format!("Basic {}", STANDARD.encode(credentials))),
        })
    }

    fn request(&self, method: Method, path: &str, body: Option<Value>) -> Request {
        Request {
            method,
            url: format!("{}{path}", self.base),
            headers: vec![("authorization", self.authorization.expose().clone())],
            body: body.map(|b| b.to_string().into_bytes()),
        }
    }

    pub(crate) async fn find(
        &self,
        client: &HttpClient,
        number: &TicketNumber,
    ) -> Result<Option<Found>> {
        // A ticket number is letters, digits and dashes: nothing to escape.
        let request = self.request(
            Method::GET,
            &format!("/tickets.json?external_id={}", number.as_str()),
            None,
        );
        let body = call_json(client, (PLATFORM, FIND), &request, &[200], refused).await?;
        Ok(body["tickets"]
            .as_array()
            .and_then(|tickets| tickets.iter().filter_map(found_in).min_by_key(|f| f.id)))
    }

    pub(crate) fn create(&self, t: &DeskTicket) -> Request {
        let mut requester = json!({"email": t.requester.as_str()});
        if let Some(name) = &t.requester_name {
            requester["name"] = json!(name);
        }
        self.request(
            Method::POST,
            "/tickets.json",
            Some(json!({"ticket": {
                "external_id": t.number.as_str(),
                "subject": t.subject,
                "comment": {"body": t.message, "public": true},
                "requester": requester,
                "priority": priority(t.priority),
                "tags": t.tags,
            }})),
        )
    }

    pub(crate) async fn note(
        &self,
        client: &HttpClient,
        found: &Found,
        note: Note<'_>,
    ) -> Result<()> {
        let mut ticket = json!({
            "comment": {"body": note.body, "public": false},
            "additional_tags": [note.tag],
        });
        if let Some(p) = note.raise {
            ticket["priority"] = json!(priority(p));
        }
        let path = format!("/tickets/{}.json", found.id);
        if note.solve {
            let mut solving = ticket.clone();
            solving["status"] = json!("solved");
            let request = self.request(Method::PUT, &path, Some(json!({ "ticket": solving })));
            match call_json(client, (PLATFORM, UPDATE), &request, &[200], refused).await {
                // A ticket Zendesk will not solve as it stands (no assignee,
                // a required field empty): the note and the tag still go
                // in, and the team solves it.
                Err(Error::Platform { reason, .. }) if reason.starts_with("answered 422") => {
                    tracing::warn!(platform = PLATFORM, reason = %reason, "the desk would not solve the ticket; noted for the team");
                }
                other => return other.map(|_| ()),
            }
        }
        let request = self.request(Method::PUT, &path, Some(json!({ "ticket": ticket })));
        call_json(client, (PLATFORM, UPDATE), &request, &[200], refused).await?;
        Ok(())
    }
}

/// The verdict of a create's answer.
pub(crate) fn created(answer: &Answer) -> Verdict<Found> {
    super::created(
        (PLATFORM, CREATE),
        answer,
        |body| found_in(&body["ticket"]),
        refused,
    )
}

fn found_in(ticket: &Value) -> Option<Found> {
    Some(Found {
        id: ticket["id"].as_u64()?,
        tags: tags_in(&ticket["tags"]),
    })
}

fn priority(p: Priority) -> &'static str {
    match p {
        Priority::Urgent => "urgent",
        Priority::High => "high",
        Priority::Normal => "normal",
        Priority::Low => "low",
    }
}

/// A 4xx as a permanent failure: the status, Zendesk's `error` and the
/// names of the fields in `details`.
fn refused(operation: &'static str, answer: &Answer) -> Error {
    let body = answer.json();
    let error = body["error"]
        .as_str()
        .filter(|e| e.len() <= 64 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or("no error code");
    let named = body["details"]
        .as_object()
        .map(|d| fields(d.keys().cloned()))
        .unwrap_or_else(|| fields([]));
    Error::Platform {
        platform: PLATFORM,
        operation,
        reason: format!("answered {} {error} ({named})", answer.status),
        permanent: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_email_slash_token() {
        assert!(Zendesk::new("https://d.zendesk.com", "agent@dukkan.example/token:abc123").is_ok());
        for bad in [
            "abc123",
            "agent@dukkan.example:abc123",
            "agent/token:",
            "a@b/token:x y",
        ] {
            let e = Zendesk::new("https://d.zendesk.com", bad)
                .unwrap_err()
                .to_string();
            assert!(e.contains("ZENDESK_TOKEN_PARAMETER"), "{bad}: {e}");
            assert!(!e.contains("abc123"), "never the token: {e}");
        }
    }

    #[test]
    fn a_422_names_fields_never_messages() {
        let answer = Answer {
            status: 422,
            retry_after: None,
            body: bytes::Bytes::from(
                r#"{"error":"RecordInvalid","description":"Record validation errors","details":{"requester":[{"description":"Requester: Email ayse@example.com is invalid"}]}}"#,
            ),
        };
        let Verdict::Fail(e) = created(&answer) else {
            panic!("not a failure")
        };
        let text = e.to_string();
        assert!(text.contains("422 RecordInvalid (requester)"), "{text}");
        assert!(!text.contains("ayse"), "{text}");
        assert!(e.is_permanent());
    }
}
