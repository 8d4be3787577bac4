//! The shop's help desk as a [`HelpDesk`]: every memnun ticket opened in
//! Zendesk or Freshdesk with the customer's history as an internal note,
//! and raised there when a deadline is missed.
//!
//! Once, whatever the retries: a create's answer can be lost after the
//! desk took it (a timeout, a 5xx from a proxy), and neither desk drops a
//! repeated create. So a create is never repeated blindly: each attempt
//! first looks for memnun's ticket by its number — Zendesk's `external_id`,
//! Freshdesk's tag — and creates only when it is not there
//! ([`http::once`]). What follows a create (the history note, a raise) is
//! marked by a tag written with it ([`HISTORY_TAG`], [`escalated_tag`]), so
//! a retry that finds the ticket adds only what it lacks. So is a message
//! the customer added later on another channel ([`message_tag`]). It is an
//! internal note headed by where the customer wrote: a public comment made
//! through the API can set off the desk's "notify the requester" rules and
//! mail the customer their own words.
//!
//! Each desk is one module, with its field table: [`zendesk`] and
//! [`freshdesk`].

pub mod freshdesk;
pub mod zendesk;

use std::time::Duration;

use crate::adapters::http::{self, HttpClient, Request, Verdict};
use crate::domain::desk::{DeskTicket, HISTORY_TAG, closed_tag, escalated_tag, message_tag};
use crate::domain::sla::Goal;
use crate::domain::ticket::{Priority, ResolvedAs, TicketNumber};
use crate::ports::{DeskOpened, HelpDesk};
use crate::{Error, Result};

/// What one note does to a desk's ticket besides the note: the tag that
/// marks it done, and a raise or a solve.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Note<'a> {
    /// The internal note.
    pub(crate) body: &'a str,
    /// The tag written with it.
    pub(crate) tag: &'a str,
    /// A priority to raise the ticket to.
    pub(crate) raise: Option<Priority>,
    /// Whether to solve the ticket.
    pub(crate) solve: bool,
}

impl<'a> Note<'a> {
    fn new(body: &'a str, tag: &'a str) -> Self {
        Note {
            body,
            tag,
            raise: None,
            solve: false,
        }
    }
}

/// memnun's ticket as the desk holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// The desk's own id.
    pub(crate) id: u64,
    /// Its tags now.
    pub(crate) tags: Vec<String>,
}

impl Found {
    fn has(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

#[derive(Debug)]
enum Desk {
    Zendesk(zendesk::Zendesk),
    Freshdesk(freshdesk::Freshdesk),
}

/// The configured help desk.
#[derive(Debug)]
pub struct HelpDeskClient {
    desk: Desk,
    http: HttpClient,
}

impl HelpDeskClient {
    /// Zendesk at `url` (`https://<subdomain>.zendesk.com`), with
    /// `email/token:<API token>`.
    pub fn zendesk(http: HttpClient, url: &str, credentials: &str) -> Result<Self> {
        Ok(HelpDeskClient {
            desk: Desk::Zendesk(zendesk::Zendesk::new(url, credentials)?),
            http,
        })
    }

    /// Freshdesk at `url` (`https://<domain>.freshdesk.com`), with an
    /// agent's API key.
    pub fn freshdesk(http: HttpClient, url: &str, key: &str) -> Result<Self> {
        Ok(HelpDeskClient {
            desk: Desk::Freshdesk(freshdesk::Freshdesk::new(url, key)?),
            http,
        })
    }

    /// `zendesk` or `freshdesk`, for logs.
    pub fn name(&self) -> &'static str {
        match self.desk {
            Desk::Zendesk(_) => zendesk::PLATFORM,
            Desk::Freshdesk(_) => freshdesk::PLATFORM,
        }
    }

    async fn find(&self, number: &TicketNumber) -> Result<Option<Found>> {
        match &self.desk {
            Desk::Zendesk(z) => z.find(&self.http, number).await,
            Desk::Freshdesk(f) => f.find(&self.http, number).await,
        }
    }

    fn create(&self, ticket: &DeskTicket) -> (Request, fn(&http::Answer) -> Verdict<Found>) {
        match &self.desk {
            Desk::Zendesk(z) => (z.create(ticket), zendesk::created),
            Desk::Freshdesk(f) => (f.create(ticket), freshdesk::created),
        }
    }

    /// memnun's ticket in the desk, or [`Error::NotFound`].
    async fn found(&self, number: &TicketNumber) -> Result<Found> {
        self.find(number).await?.ok_or_else(|| {
            Error::NotFound(format!(
                "the help desk's ticket for {number} (not opened there yet)"
            ))
        })
    }

    async fn note(&self, found: &Found, note: Note<'_>) -> Result<()> {
        match &self.desk {
            Desk::Zendesk(z) => z.note(&self.http, found, note).await,
            Desk::Freshdesk(f) => f.note(&self.http, found, note).await,
        }
    }

    /// Finds memnun's ticket, or creates it: each attempt looks first.
    async fn find_or_create(&self, ticket: &DeskTicket) -> Result<(Found, DeskOpened)> {
        let platform = self.name();
        let mut last = String::new();
        for attempt in 0..http::ATTEMPTS {
            if let Some(found) = self.find(&ticket.number).await? {
                return Ok((found, DeskOpened::Before));
            }
            let (request, judge) = self.create(ticket);
            let wait = match http::once(&self.http, platform, &request, judge).await {
                Ok(Verdict::Done(found)) => return Ok((found, DeskOpened::Now)),
                Ok(Verdict::Fail(e)) => return Err(e),
                Ok(Verdict::Again(wait)) => {
                    last = "the create was refused for now".into();
                    wait
                }
                Err(reason) => {
                    last = reason;
                    Duration::ZERO
                }
            };
            if attempt + 1 == http::ATTEMPTS {
                break;
            }
            let Some(pause) = http::pause(attempt, wait) else {
                last = format!("{last}, and asked to wait {} s", wait.as_secs());
                break;
            };
            tracing::warn!(platform, attempt = attempt + 1, reason = %last, wait_ms = pause.as_millis() as u64, "help desk create failed; looking again before trying again");
            tokio::time::sleep(pause).await;
        }
        Err(Error::Platform {
            platform,
            operation: "create ticket",
            reason: last,
            permanent: false,
        })
    }
}

impl HelpDesk for HelpDeskClient {
    async fn open(&self, ticket: &DeskTicket) -> Result<DeskOpened> {
        let (found, how) = self.find_or_create(ticket).await?;
        if !found.has(HISTORY_TAG) {
            self.note(&found, Note::new(&ticket.note, HISTORY_TAG))
                .await?;
        }
        Ok(how)
    }

    async fn escalate(
        &self,
        number: &TicketNumber,
        missed: Goal,
        priority: Priority,
        note: &str,
    ) -> Result<bool> {
        let found = self.found(number).await?;
        let tag = escalated_tag(missed);
        if found.has(&tag) {
            return Ok(false);
        }
        let note = Note {
            raise: Some(priority),
            ..Note::new(note, &tag)
        };
        self.note(&found, note).await?;
        Ok(true)
    }

    async fn comment(&self, number: &TicketNumber, message: u32, body: &str) -> Result<bool> {
        let found = self.found(number).await?;
        let tag = message_tag(message);
        if found.has(&tag) {
            return Ok(false);
        }
        self.note(&found, Note::new(body, &tag)).await?;
        Ok(true)
    }

    async fn close(
        &self,
        number: &TicketNumber,
        resolved_as: ResolvedAs,
        note: &str,
    ) -> Result<bool> {
        let found = self.found(number).await?;
        let tag = closed_tag(resolved_as);
        if found.has(&tag) {
            return Ok(false);
        }
        let note = Note {
            solve: true,
            ..Note::new(note, &tag)
        };
        self.note(&found, note).await?;
        Ok(true)
    }
}

/// Sends `request` within the rules of every platform call; an answer
/// whose status is in `ok` is done, and its body answered as JSON; any other
/// is `refused`'s permanent failure.
pub(crate) async fn call_json(
    client: &HttpClient,
    (platform, operation): (&'static str, &'static str),
    request: &Request,
    ok: &[u16],
    refused: fn(&'static str, &http::Answer) -> Error,
) -> Result<serde_json::Value> {
    http::call(client, platform, operation, request, |answer| {
        if let Some(verdict) = http::by_status(platform, operation, answer) {
            return verdict;
        }
        if ok.contains(&answer.status) {
            Verdict::Done(answer.json())
        } else {
            Verdict::Fail(refused(operation, answer))
        }
    })
    .await
}

/// The verdict of a create's answer: 200 or 201 with the ticket `found`
/// reads in the body; a 2xx without it is a passing failure (the next
/// attempt looks before it creates).
pub(crate) fn created(
    (platform, operation): (&'static str, &'static str),
    answer: &http::Answer,
    found: impl FnOnce(&serde_json::Value) -> Option<Found>,
    refused: fn(&'static str, &http::Answer) -> Error,
) -> Verdict<Found> {
    if let Some(verdict) = http::by_status(platform, operation, answer) {
        return verdict;
    }
    match answer.status {
        200 | 201 => match found(&answer.json()) {
            Some(found) => Verdict::Done(found),
            None => Verdict::Fail(Error::Platform {
                platform,
                operation,
                reason: format!("answered {} without the ticket's id", answer.status),
                permanent: false,
            }),
        },
        _ => Verdict::Fail(refused(operation, answer)),
    }
}

/// A JSON array of tags as strings (empty when it is not one).
pub(crate) fn tags_in(tags: &serde_json::Value) -> Vec<String> {
    tags.as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Field names of a desk's validation error, never its messages (which may
/// quote the address or the text): `email, subject`.
pub(crate) fn fields(names: impl IntoIterator<Item = String>) -> String {
    let mut names: Vec<String> = names
        .into_iter()
        .filter(|n| !n.is_empty() && n.len() <= 64 && n.bytes().all(|b| b.is_ascii_graphic()))
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        "no field named".into()
    } else {
        names.join(", ")
    }
}
