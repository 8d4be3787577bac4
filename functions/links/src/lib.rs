//! `links`: the pages the links in memnun's emails open (a Function URL).
//!
//! | request | what it does | answers |
//! |---|---|---|
//! | `GET /survey?t=<token>&s=<1..5>` | nothing yet: shows the score the customer clicked, checked, with a button to send it | the form (200); already rated: the thank-you page with the first score |
//! | `POST /survey` (form: `t`, `s`) | enqueues `survey.answered` for the ticket on the tickets queue | the thank-you page (200) |
//! | `GET /unsubscribe?t=<token>` | nothing yet: one button | the confirmation form (200) |
//! | `POST /unsubscribe?t=<token>` | withdraws marketing consent at once, recording when and how | the confirmation (200) |
//! | `GET /answered?t=<token>` | nothing yet: "did that answer your question?", one button | the form (200); a ticket resolved already: says so |
//! | `POST /answered?t=<token>` | enqueues `ticket.self_served` for the ticket on the tickets queue | the confirmation (200) |
//!
//! The `POST /unsubscribe` is also the RFC 8058 one-click endpoint that mail
//! providers call (`List-Unsubscribe-Post: List-Unsubscribe=One-Click`): a
//! body with `List-Unsubscribe=One-Click` is recorded as `one-click`, the
//! page's own button as `unsubscribe-link`.
//!
//! **Why a button even for scores.** Mail security scanners fetch the links
//! of an email before (and when) it is read; a `GET` that recorded a score
//! would let a scanner rate a ticket 1 — the first link — and so trigger an
//! apology coupon and a follow-up ticket nobody asked for. So a `GET` never
//! changes anything: the customer's click opens a page with their score
//! already chosen, and one press sends it. RFC 8058 exists for the same reason
//! on the unsubscribe side.
//!
//! **A second answer changes nothing.** The event's id is
//! `survey-<ticket>` and its source `memnun/links`, whatever the score:
//! complaint-intake handles an event once per (source, id), and keeps the
//! first rating of a ticket anyway. A ticket already rated shows its first
//! score instead of the form. Two answers sent before complaint-intake has
//! handled either are both enqueued; the one it handles first counts.
//!
//! **Tokens** are [`Signer`] tokens: HMAC over purpose and subject (the
//! ticket number for a survey, the customer id for an unsubscribe), so a link
//! cannot be turned into another ticket's or customer's. Missing or cut-off
//! tokens get a 400 page, forged ones 403, a token for the other page 400, an
//! unknown ticket 404; none of them costs an AWS call. Only a failing AWS call
//! answers a 5xx (503, "try again in a few minutes").
//!
//! **Unknown customer** (a valid unsubscribe token for a customer no longer
//! stored, e.g. erased): the same confirmation page, and nothing is written —
//! a withdrawal never creates a customer record.
//!
//! Pages are in the customer's language (the shop's default when it is not
//! Turkish or English or the customer is unknown; error pages follow the
//! browser's `Accept-Language`). Every answer carries a strict content
//! security policy, `no-store`, `nosniff` and `no-referrer`.

pub mod pages;
pub mod query;

use jiff::Timestamp;
use lambda_http::http::{HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use memnun_shared::config::Env;
use memnun_shared::contract::outbound::OutboundMessage;
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::domain::locale::Locale;
use memnun_shared::domain::rating::Rating;
use memnun_shared::domain::ticket::TicketNumber;
use memnun_shared::domain::token::{Purpose, Signer, TokenError};
use memnun_shared::ports::{ConsentChannel, ConsentStore, CustomerStore, Publisher, TicketStore};
use memnun_shared::time::to_key;
use memnun_shared::{Error, Result};

use crate::pages::{Page, Problem};
use crate::query::Params;

/// The `source` of the events this function sends.
pub const SOURCE: &str = "memnun/links";

/// The headers every answer carries, whatever its status.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("content-type", "text/html; charset=utf-8"),
    ("cache-control", "no-store"),
    // No script, image, font or connection of any kind; forms post only
    // here; no other site may frame the unsubscribe button.
    (
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    // The token is in the URL: it must not leave in a Referer header.
    ("referrer-policy", "no-referrer"),
    ("x-robots-tag", "noindex, nofollow"),
];

/// Everything the function reads at init.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main table: tickets, customers (`TABLE_NAME`).
    pub table: String,
    /// Where `survey.answered` goes (`TICKETS_QUEUE_URL`).
    pub tickets_queue_url: String,
    /// The shop's name, at the top of every page (`SHOP_NAME`).
    pub shop_name: String,
    /// The language when the customer's is not Turkish or English (`DEFAULT_LOCALE`).
    pub default_locale: Locale,
    /// The SSM parameter with the link-signing key(s) (`LINK_SECRET_PARAMETER`).
    pub link_secret_parameter: String,
}

impl Config {
    /// Reads the configuration; the error names the variable.
    pub fn from_env(env: &Env) -> Result<Self> {
        Ok(Config {
            table: env.required("TABLE_NAME")?,
            tickets_queue_url: env.parsed("TICKETS_QUEUE_URL", |v| {
                if (v.starts_with("https://") || v.starts_with("http://"))
                    && !v.contains(char::is_whitespace)
                {
                    Ok(v.to_owned())
                } else {
                    Err(format!("`{v}` is not an http(s) URL"))
                }
            })?,
            shop_name: env.parsed("SHOP_NAME", |v| {
                if v.chars().count() > 100 || v.chars().any(char::is_control) {
                    Err("must be at most 100 characters, without control characters".into())
                } else {
                    Ok(v.to_owned())
                }
            })?,
            default_locale: env.parsed_or("DEFAULT_LOCALE", Locale::Tr, |v| {
                Locale::parse(v).ok_or_else(|| format!("`{v}` is not one of: tr, en"))
            })?,
            link_secret_parameter: env.required("LINK_SECRET_PARAMETER")?,
        })
    }
}

/// Reads the signing keys from the secret's value; the error names the
/// variable that named the parameter.
pub fn signer(secret: &str) -> Result<Signer> {
    Signer::from_secret(secret).map_err(|reason| Error::Config {
        var: "LINK_SECRET_PARAMETER",
        reason: format!("names a parameter that {reason}"),
    })
}

/// A request, as the router sees it: plain strings and bytes, so that any
/// input can be routed (and property-tested) without building HTTP types.
#[derive(Debug, Clone, Copy, Default)]
pub struct Incoming<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: &'a [u8],
    /// The `content-type` header.
    pub content_type: Option<&'a str>,
    /// The `accept-language` header.
    pub accept_language: Option<&'a str>,
    /// The body (a form, for `POST`).
    pub body: &'a [u8],
}

/// An answer before it becomes an HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The page.
    pub page: Page,
    /// Set on 405: the methods the path answers.
    pub allow: Option<&'static str>,
}

impl From<Page> for Answer {
    fn from(page: Page) -> Self {
        Answer { page, allow: None }
    }
}

/// The handler, generic over its ports.
pub struct Handler<S, P> {
    config: Config,
    signer: Signer,
    store: S,
    publisher: P,
}

/// Which page a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Survey,
    Unsubscribe,
    Answered,
}

impl<S, P> Handler<S, P>
where
    S: CustomerStore + TicketStore + ConsentStore,
    P: Publisher,
{
    /// Builds the handler once, at init.
    pub fn new(config: Config, signer: Signer, store: S, publisher: P) -> Self {
        Handler {
            config,
            signer,
            store,
            publisher,
        }
    }

    /// Answers one HTTP request; `now` is when it is answered.
    pub async fn handle(&self, request: Request, now: Timestamp) -> Response<Body> {
        let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
        let incoming = Incoming {
            method: request.method().as_str(),
            path: request.uri().path(),
            query: request.uri().query().unwrap_or_default().as_bytes(),
            content_type: header("content-type"),
            accept_language: header("accept-language"),
            body: request.body().as_ref(),
        };
        let answer = self.answer(&incoming, now).await;
        let head_only = request.method() == Method::HEAD;
        respond(answer, head_only)
    }

    /// Routes one request to its page. Total: any input gets a page.
    pub async fn answer(&self, incoming: &Incoming<'_>, now: Timestamp) -> Answer {
        let route = match incoming.path.trim_end_matches('/') {
            "/survey" => Route::Survey,
            "/unsubscribe" => Route::Unsubscribe,
            "/answered" => Route::Answered,
            _ => return self.problem(incoming, Problem::NotFound).into(),
        };
        let page = match (route, incoming.method) {
            (Route::Survey, "GET" | "HEAD") => self.survey_form(incoming).await,
            (Route::Survey, "POST") => self.survey_answer(incoming, now).await,
            (Route::Unsubscribe, "GET" | "HEAD") => self.unsubscribe_form(incoming).await,
            (Route::Unsubscribe, "POST") => self.unsubscribe(incoming, now).await,
            (Route::Answered, "GET" | "HEAD") => self.answered_form(incoming).await,
            (Route::Answered, "POST") => self.answered(incoming, now).await,
            _ => {
                return Answer {
                    page: self.problem(incoming, Problem::Method),
                    allow: Some("GET, HEAD, POST"),
                };
            }
        };
        let page = page.unwrap_or_else(|problem| self.problem(incoming, problem));
        tracing::info!(
            path = ?route,
            method = incoming.method,
            status = page.status,
            "page answered"
        );
        page.into()
    }

    /// The language for a page about no known customer: the browser's, else
    /// the shop's.
    fn browser_locale(&self, incoming: &Incoming<'_>) -> Locale {
        preferred_locale(incoming.accept_language).unwrap_or(self.config.default_locale)
    }

    fn problem(&self, incoming: &Incoming<'_>, problem: Problem) -> Page {
        if problem.status() >= 500 {
            tracing::error!(problem = problem.as_str(), "page failed");
        } else {
            tracing::info!(problem = problem.as_str(), "link refused");
        }
        pages::problem(
            self.browser_locale(incoming),
            &self.config.shop_name,
            problem,
        )
    }

    /// The query and, for a `POST`, the form body.
    fn params(incoming: &Incoming<'_>) -> std::result::Result<(Params, Params), Problem> {
        let query = query::parse(incoming.query).map_err(|_| Problem::TooLarge)?;
        let form = if incoming.method == "POST" {
            query::parse(incoming.body).map_err(|_| Problem::TooLarge)?
        } else {
            Params::default()
        };
        Ok((query, form))
    }

    fn verify(
        &self,
        purpose: Purpose,
        token: Option<&str>,
    ) -> std::result::Result<String, Problem> {
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or(Problem::IncompleteLink)?;
        self.signer.verify(purpose, token).map_err(|e| match e {
            TokenError::Malformed => Problem::IncompleteLink,
            TokenError::BadSignature => Problem::InvalidLink,
            TokenError::WrongPurpose => Problem::WrongPage,
        })
    }

    /// The customer's language; the browser's or the shop's when the customer
    /// is unknown or cannot be read (a page in another language beats none).
    async fn customer_locale(&self, incoming: &Incoming<'_>, id: Option<&CustomerId>) -> Locale {
        let fallback = self.browser_locale(incoming);
        let Some(id) = id else {
            return fallback;
        };
        match self.store.customer(id).await {
            Ok(Some(c)) => Locale::choose(c.contact.locale.as_deref(), fallback),
            Ok(None) => fallback,
            Err(e) => {
                tracing::warn!(error = %e, customer = %id, "customer not read; page in the fallback language");
                fallback
            }
        }
    }

    /// Verifies a survey token and reads its ticket: the ticket's number, its
    /// first score if rated, and the customer's language.
    async fn survey_ticket(
        &self,
        incoming: &Incoming<'_>,
        token: Option<&str>,
    ) -> std::result::Result<(TicketNumber, Option<Rating>, Locale), Problem> {
        let subject = self.verify(Purpose::Survey, token)?;
        let number = TicketNumber::parse(&subject).ok_or(Problem::IncompleteLink)?;
        let (ticket, locale) = self.ticket_page(incoming, &number).await?;
        Ok((number, ticket.survey.map(|(score, _)| score), locale))
    }

    /// The ticket a link names, and the language of its customer's page.
    async fn ticket_page(
        &self,
        incoming: &Incoming<'_>,
        number: &TicketNumber,
    ) -> std::result::Result<(memnun_shared::domain::ticket::Ticket, Locale), Problem> {
        let ticket = match self.store.ticket(number).await {
            Ok(Some(t)) => t,
            Ok(None) => return Err(Problem::UnknownTicket),
            Err(e) => {
                tracing::error!(error = %e, ticket = %number, "ticket not read");
                return Err(Problem::Unavailable);
            }
        };
        let locale = self
            .customer_locale(incoming, Some(&ticket.customer_id))
            .await;
        Ok((ticket, locale))
    }

    async fn survey_form(&self, incoming: &Incoming<'_>) -> std::result::Result<Page, Problem> {
        let (query, _) = Self::params(incoming)?;
        let token = query.get("t");
        let (number, rated, locale) = self.survey_ticket(incoming, token).await?;
        let shop = &self.config.shop_name;
        if let Some(first) = rated {
            return Ok(pages::thanks(locale, shop, &number, first.stars(), true));
        }
        let (selected, bad) = match query.get("s") {
            None => (None, false),
            Some(s) => match score(s) {
                Some(r) => (Some(r.stars()), false),
                None => (None, true),
            },
        };
        Ok(pages::survey(
            locale,
            shop,
            &number,
            token.unwrap_or_default(),
            selected,
            bad,
        ))
    }

    async fn survey_answer(
        &self,
        incoming: &Incoming<'_>,
        now: Timestamp,
    ) -> std::result::Result<Page, Problem> {
        let (query, form) = Self::params(incoming)?;
        let token = form.get("t").or(query.get("t"));
        let (number, rated, locale) = self.survey_ticket(incoming, token).await?;
        let shop = &self.config.shop_name;
        if let Some(first) = rated {
            tracing::info!(ticket = %number, outcome = "already rated", "survey answer");
            return Ok(pages::thanks(locale, shop, &number, first.stars(), true));
        }
        let Some(rating) = form.get("s").or(query.get("s")).and_then(score) else {
            return Ok(pages::survey(
                locale,
                shop,
                &number,
                token.unwrap_or_default(),
                None,
                true,
            ));
        };
        let message = survey_answered(&number, rating, now);
        self.enqueue(&message, &number, "survey answer").await?;
        tracing::info!(
            ticket = %number,
            score = rating.stars(),
            event_id = %message.id,
            outcome = "enqueued",
            "survey answer"
        );
        Ok(pages::thanks(locale, shop, &number, rating.stars(), false))
    }

    /// Puts `message` about `number` on the tickets queue; a failure is the
    /// page's 503, logged as `what`.
    async fn enqueue(
        &self,
        message: &OutboundMessage,
        number: &TicketNumber,
        what: &'static str,
    ) -> std::result::Result<(), Problem> {
        let queue = &self.config.tickets_queue_url;
        self.publisher
            .publish(queue, std::slice::from_ref(message))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, ticket = %number, what, "not enqueued");
                Problem::Unavailable
            })
    }

    /// Verifies an "answered" token and reads its ticket: the number, the
    /// FAQ entry, whether the ticket is resolved, the customer's language.
    async fn answered_ticket(
        &self,
        incoming: &Incoming<'_>,
        token: Option<&str>,
    ) -> std::result::Result<(TicketNumber, String, bool, Locale), Problem> {
        let subject = self.verify(Purpose::Answered, token)?;
        let (number, entry) = subject.split_once(':').ok_or(Problem::IncompleteLink)?;
        let number = TicketNumber::parse(number).ok_or(Problem::IncompleteLink)?;
        let (ticket, locale) = self.ticket_page(incoming, &number).await?;
        let resolved = ticket.status == memnun_shared::domain::ticket::Status::Resolved;
        Ok((number, entry.to_owned(), resolved, locale))
    }

    async fn answered_form(&self, incoming: &Incoming<'_>) -> std::result::Result<Page, Problem> {
        let (query, _) = Self::params(incoming)?;
        let token = query.get("t");
        let (number, _, resolved, locale) = self.answered_ticket(incoming, token).await?;
        let shop = &self.config.shop_name;
        if resolved {
            return Ok(pages::self_served(locale, shop, &number, true));
        }
        Ok(pages::answered(locale, shop, token.unwrap_or_default()))
    }

    async fn answered(
        &self,
        incoming: &Incoming<'_>,
        now: Timestamp,
    ) -> std::result::Result<Page, Problem> {
        let (query, form) = Self::params(incoming)?;
        let token = form.get("t").or(query.get("t"));
        let (number, entry, resolved, locale) = self.answered_ticket(incoming, token).await?;
        let shop = &self.config.shop_name;
        if resolved {
            tracing::info!(ticket = %number, outcome = "already resolved", "self-service answer");
            return Ok(pages::self_served(locale, shop, &number, true));
        }
        let message = self_served(&number, &entry, now);
        self.enqueue(&message, &number, "self-service answer")
            .await?;
        tracing::info!(ticket = %number, event_id = %message.id, outcome = "enqueued", "self-service answer");
        Ok(pages::self_served(locale, shop, &number, false))
    }

    async fn unsubscribe_customer(
        &self,
        token: Option<&str>,
    ) -> std::result::Result<CustomerId, Problem> {
        let subject = self.verify(Purpose::Unsubscribe, token)?;
        CustomerId::parse(&subject).map_err(|_| Problem::IncompleteLink)
    }

    async fn unsubscribe_form(
        &self,
        incoming: &Incoming<'_>,
    ) -> std::result::Result<Page, Problem> {
        let (query, _) = Self::params(incoming)?;
        let token = query.get("t");
        let customer = self.unsubscribe_customer(token).await?;
        let locale = self.customer_locale(incoming, Some(&customer)).await;
        Ok(pages::unsubscribe(
            locale,
            &self.config.shop_name,
            token.unwrap_or_default(),
        ))
    }

    async fn unsubscribe(
        &self,
        incoming: &Incoming<'_>,
        now: Timestamp,
    ) -> std::result::Result<Page, Problem> {
        let (query, form) = Self::params(incoming)?;
        // RFC 8058 keeps the token in the URL; the page's form also sends it.
        let customer = self
            .unsubscribe_customer(query.get("t").or(form.get("t")))
            .await?;
        let how = if one_click(incoming, &form) {
            ConsentChannel::OneClick
        } else {
            ConsentChannel::UnsubscribeLink
        };
        let outcome = match self
            .store
            .withdraw_marketing_consent(&customer, now, how)
            .await
        {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::error!(error = %e, customer = %customer, "consent not withdrawn");
                return Err(Problem::Unavailable);
            }
        };
        tracing::info!(
            customer = %customer,
            how = how.as_str(),
            outcome = ?outcome,
            "marketing consent"
        );
        let locale = self.customer_locale(incoming, Some(&customer)).await;
        Ok(pages::unsubscribed(locale, &self.config.shop_name))
    }
}

/// A score from a form or link: `1` to `5`.
pub fn score(s: &str) -> Option<Rating> {
    let s = s.trim();
    if s.len() != 1 {
        return None;
    }
    s.parse::<u8>().ok().and_then(Rating::new)
}

/// Whether a `POST` is a mail provider's RFC 8058 one-click request: its body
/// is `List-Unsubscribe=One-Click`, form-encoded or (as the RFC also allows)
/// as `multipart/form-data`.
fn one_click(incoming: &Incoming<'_>, form: &Params) -> bool {
    if form.get("List-Unsubscribe") == Some("One-Click") {
        return true;
    }
    let multipart = incoming.content_type.is_some_and(|c| {
        c.trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/form-data")
    });
    multipart
        && contains(incoming.body, b"name=\"List-Unsubscribe\"")
        && contains(incoming.body, b"One-Click")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The first language of `Accept-Language` that memnun writes, in the order
/// given (browsers list them by preference).
pub fn preferred_locale(header: Option<&str>) -> Option<Locale> {
    header?
        .split(',')
        .take(16)
        .filter_map(|item| item.split(';').next())
        .find_map(Locale::parse)
}

/// `survey.answered` for `ticket`, with the id every answer for the ticket
/// shares (`survey-<ticket>`), so that only the first counts.
pub fn survey_answered(ticket: &TicketNumber, score: Rating, now: Timestamp) -> OutboundMessage {
    let id = format!("survey-{ticket}");
    let body = serde_json::json!({
        "specversion": "1.0",
        "id": id,
        "source": SOURCE,
        "type": "survey.answered",
        "time": to_key(now),
        "datacontenttype": "application/json",
        "data": { "ticket_id": ticket.as_str(), "score": score.stars() },
    })
    .to_string();
    OutboundMessage {
        id,
        kind: "survey.answered",
        body,
    }
}

/// `ticket.self_served` for `ticket`, answered by the FAQ entry `entry`:
/// one id per ticket (`self-served-<ticket>`), so a second press is a
/// repeat complaint-intake drops.
pub fn self_served(ticket: &TicketNumber, entry: &str, now: Timestamp) -> OutboundMessage {
    let id = format!("self-served-{ticket}");
    let body = serde_json::json!({
        "specversion": "1.0",
        "id": id,
        "source": SOURCE,
        "type": "ticket.self_served",
        "time": to_key(now),
        "datacontenttype": "application/json",
        "data": { "ticket_id": ticket.as_str(), "faq_id": entry },
    })
    .to_string();
    OutboundMessage {
        id,
        kind: "ticket.self_served",
        body,
    }
}

/// The HTTP response for `answer`, with the security headers; `head_only`
/// drops the body (a `HEAD`).
pub fn respond(answer: Answer, head_only: bool) -> Response<Body> {
    let body = if head_only {
        Body::Empty
    } else {
        Body::Text(answer.page.html)
    };
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(answer.page.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(*name, HeaderValue::from_static(value));
    }
    if let Some(allow) = answer.allow {
        headers.insert("allow", HeaderValue::from_static(allow));
    }
    if answer.page.status == 503 {
        headers.insert("retry-after", HeaderValue::from_static("60"));
    }
    response
}

#[cfg(test)]
mod tests;
