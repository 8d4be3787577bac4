//! How a memnun ticket becomes a Freshdesk ticket: the API v2 Tickets and
//! Notes endpoints, authenticated with an agent's API key (HTTP Basic,
//! `{key}:X`) over HTTPS.
//!
//! | memnun | Freshdesk (`POST /api/v2/tickets`) |
//! |---|---|
//! | number `TK-…` | the tag `tk-…` (Freshdesk has no external id on tickets) |
//! | `[TK-…] ` and the subject | `subject` |
//! | the customer's message | `description` (HTML, escaped) |
//! | the customer's address and name | `email`, `name` |
//! | priority urgent, high, normal, low | `priority` 4, 3, 2, 1 |
//! | — | `status` 2 (Open) |
//! | channel email, web, phone, chat, social | `source` 1 (Email), 2 (Portal), 3 (Phone), 7 (Chat), 2 |
//! | `memnun`, origin, category, channel | `tags` |
//! | the customer's history | a private note (`POST /api/v2/tickets/{id}/notes`, `private: true`), then the tag `memnun_history` |
//! | a missed deadline | a private note, then `priority: 4` with the tag `memnun_missed_<goal>` |
//! | a later message of the customer (`ticket.updated`) | a private note headed by the channel, then the tag `memnun_message_<n>` |
//! | memnun closed it (`ticket.closed`, no reply) | a private note, then `status: 4` (Resolved) with the tag `memnun_closed_no_reply` |
//!
//! Looking up: `GET /api/v2/search/tickets?query="tag:'tk-…'"`, then the
//! ticket itself (`GET /api/v2/tickets/{id}`) for its tags when the search
//! did not carry them. Freshdesk's search index follows its tickets within
//! moments, not at once: a create whose answer was lost and is retried
//! within that moment can open a second ticket (Zendesk, looked up by
//! external id, cannot). A `PUT` replaces the tags, so it sends the
//! ticket's tags with the new one; two notes on one ticket at once would
//! drop one's tag, which is why the outbound function carries one ticket's
//! events one after the other.
//!
//! Answers: 201 created, 200 for the rest; 400 "Validation failed" names
//! the fields in `errors` (memnun logs their names and codes only); 401,
//! 403, 429 with `Retry-After` and 5xx as every platform
//! ([`crate::adapters::http`]).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::{Found, Note, call_json, fields, tags_in};
use crate::adapters::http::{Answer, Credential, HttpClient, Method, Request, Verdict};
use crate::domain::desk::{DeskTicket, tag_of};
use crate::domain::ticket::{Channel, Priority, TicketNumber};
use crate::{Error, Result};

pub(crate) const PLATFORM: &str = "freshdesk";
const CREATE: &str = "POST tickets";
const FIND: &str = "GET search/tickets";
const READ: &str = "GET tickets/{id}";
const NOTE: &str = "POST tickets/{id}/notes";
const UPDATE: &str = "PUT tickets/{id}";

/// A Freshdesk account.
#[derive(Debug)]
pub struct Freshdesk {
    base: String,
    authorization: Credential,
}

impl Freshdesk {
    /// The account at `url`, with an agent's API key.
    pub fn new(url: &str, key: &str) -> Result<Self> {
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::Config {
                var: "FRESHDESK_KEY_PARAMETER",
                reason:
                    "names a parameter that does not hold a Freshdesk API key (letters and digits)"
                        .into(),
            });
        }
        Ok(Freshdesk {
            base: format!("{url}/api/v2"),
            authorization: Credential::new(format!(
                "Basic {}",
                STANDARD.encode(format!("{key}:X"))
            )),
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
        // `"tag:'tk-4821-0937'"`, URL-encoded; a tag is letters, digits and
        // dashes.
        let request = self.request(
            Method::GET,
            &format!("/search/tickets?query=%22tag%3A%27{}%27%22", tag_of(number)),
            None,
        );
        let body = call_json(client, (PLATFORM, FIND), &request, &[200], refused).await?;
        let hit = body["results"].as_array().and_then(|results| {
            results
                .iter()
                .filter_map(|t| Some((t["id"].as_u64()?, t.get("tags").map(tags_in))))
                .min_by_key(|(id, _)| *id)
        });
        match hit {
            None => Ok(None),
            Some((id, Some(tags))) => Ok(Some(Found { id, tags })),
            Some((id, None)) => {
                let request = self.request(Method::GET, &format!("/tickets/{id}"), None);
                let ticket = call_json(client, (PLATFORM, READ), &request, &[200], refused).await?;
                Ok(Some(Found {
                    id,
                    tags: tags_in(&ticket["tags"]),
                }))
            }
        }
    }

    pub(crate) fn create(&self, t: &DeskTicket) -> Request {
        let mut body = json!({
            "email": t.requester.as_str(),
            "subject": t.subject,
            "description": html(&t.message),
            "priority": priority(t.priority),
            "status": 2,
            "source": source(t.channel),
            "tags": t.tags,
        });
        if let Some(name) = &t.requester_name {
            body["name"] = json!(name);
        }
        self.request(Method::POST, "/tickets", Some(body))
    }

    pub(crate) async fn note(
        &self,
        client: &HttpClient,
        found: &Found,
        note: Note<'_>,
    ) -> Result<()> {
        let request = self.request(
            Method::POST,
            &format!("/tickets/{}/notes", found.id),
            Some(json!({"body": html(note.body), "private": true})),
        );
        call_json(client, (PLATFORM, NOTE), &request, &[200, 201], refused).await?;
        // The tag last: a retry that finds it knows the note is in.
        let mut tags = found.tags.clone();
        tags.push(note.tag.to_owned());
        let mut update = json!({ "tags": tags });
        if let Some(p) = note.raise {
            update["priority"] = json!(priority(p));
        }
        if note.solve {
            // 4: Resolved.
            update["status"] = json!(4);
        }
        let request = self.request(Method::PUT, &format!("/tickets/{}", found.id), Some(update));
        call_json(client, (PLATFORM, UPDATE), &request, &[200], refused).await?;
        Ok(())
    }
}

/// The verdict of a create's answer.
pub(crate) fn created(answer: &Answer) -> Verdict<Found> {
    let found = |body: &Value| {
        Some(Found {
            id: body["id"].as_u64()?,
            tags: tags_in(&body["tags"]),
        })
    };
    super::created((PLATFORM, CREATE), answer, found, refused)
}

fn priority(p: Priority) -> u8 {
    match p {
        Priority::Low => 1,
        Priority::Normal => 2,
        Priority::High => 3,
        Priority::Urgent => 4,
    }
}

fn source(channel: Option<Channel>) -> u8 {
    match channel {
        Some(Channel::Email) => 1,
        Some(Channel::Phone) => 3,
        Some(Channel::Chat) => 7,
        Some(Channel::Web | Channel::Social) | None => 2,
    }
}

/// Text as Freshdesk's HTML fields want it: escaped, a line a `<br>`.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// A 4xx as a permanent failure: the status and each error's field and
/// code (`email invalid_value`), never the messages.
fn refused(operation: &'static str, answer: &Answer) -> Error {
    let body = answer.json();
    let named = body["errors"]
        .as_array()
        .map(|errors| {
            fields(errors.iter().map(|e| {
                format!(
                    "{} {}",
                    e["field"].as_str().unwrap_or("-"),
                    e["code"].as_str().unwrap_or("-")
                )
                .replace(' ', ":")
            }))
        })
        .unwrap_or_else(|| fields([]));
    Error::Platform {
        platform: PLATFORM,
        operation,
        reason: format!("answered {} ({named})", answer.status),
        permanent: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_into_html() {
        assert_eq!(
            html("a < b & \"c\"\nd"),
            "a &lt; b &amp; &quot;c&quot;<br>d"
        );
    }

    #[test]
    fn a_400_names_fields_and_codes_never_messages() {
        let answer = Answer {
            status: 400,
            retry_after: None,
            body: bytes::Bytes::from(
                r#"{"description":"Validation failed","errors":[{"field":"email","message":"There is no contact matching the given email ayse@example.com","code":"invalid_value"}]}"#,
            ),
        };
        let Verdict::Fail(e) = created(&answer) else {
            panic!("not a failure")
        };
        let text = e.to_string();
        assert!(text.contains("400 (email:invalid_value)"), "{text}");
        assert!(!text.contains("ayse"), "{text}");
    }

    #[test]
    fn the_key_is_letters_and_digits() {
        assert!(Freshdesk::new("https://d.freshdesk.com", "AbC123xyz").is_ok());
        let e = Freshdesk::new("https://d.freshdesk.com", "a:b")
            .unwrap_err()
            .to_string();
        assert!(e.contains("FRESHDESK_KEY_PARAMETER"), "{e}");
    }
}
