//! The router over in-memory ports: every page, every refusal, and property
//! tests that no input — method, path, query, body, token — panics or answers
//! anything but a page with a 2xx–4xx status.

use std::collections::HashMap;
use std::sync::Mutex;

use memnun_shared::contract::Event;
use memnun_shared::contract::payload::EventData;
use memnun_shared::domain::customer::{ContactDetails, Customer};
use memnun_shared::domain::ticket::{Category, Origin, Priority, Ticket};
use memnun_shared::ports::{OpenOutcome, Withdrawal};
use proptest::prelude::*;

use super::*;

const KEY: &str = "0123456789abcdef0123456789abcdef-test";
const TICKET: &str = "TK-1234-5678";
const RATED: &str = "TK-2222-3333";

#[derive(Default)]
struct Fake {
    tickets: HashMap<String, Ticket>,
    customers: HashMap<String, Customer>,
    withdrawn: Mutex<Vec<(String, ConsentChannel)>>,
    sent: Mutex<Vec<OutboundMessage>>,
    broken: bool,
}

fn down() -> Error {
    Error::Aws {
        service: "dynamodb",
        operation: "GetItem",
        message: "down".into(),
        permanent: false,
    }
}

impl CustomerStore for Fake {
    async fn customer(&self, id: &CustomerId) -> Result<Option<Customer>> {
        if self.broken {
            return Err(down());
        }
        Ok(self.customers.get(id.as_str()).cloned())
    }
    async fn customer_with_footprint(
        &self,
        id: &CustomerId,
    ) -> Result<(Option<Customer>, memnun_shared::domain::history::Footprint)> {
        Ok((self.customer(id).await?, Default::default()))
    }
    async fn save_contact(&self, _: &CustomerId, _: &ContactDetails, _: Timestamp) -> Result<()> {
        Ok(())
    }
    async fn record_review(&self, _: &memnun_shared::ports::ReviewRecord) -> Result<()> {
        Ok(())
    }
}

impl TicketStore for Fake {
    async fn ticket(&self, number: &TicketNumber) -> Result<Option<Ticket>> {
        if self.broken {
            return Err(down());
        }
        Ok(self.tickets.get(number.as_str()).cloned())
    }
    async fn save(&self, _: &Ticket) -> Result<bool> {
        Ok(true)
    }
    async fn tickets_between(
        &self,
        _: &CustomerId,
        _: Timestamp,
        _: Timestamp,
    ) -> Result<Vec<memnun_shared::domain::history::PastTicket>> {
        Ok(Vec::new())
    }
    async fn open(&self, t: &Ticket) -> Result<OpenOutcome> {
        Ok(OpenOutcome::Opened(t.clone()))
    }
    async fn opened_for(&self, _: &CustomerId, _: Origin, _: &str) -> Result<Option<Ticket>> {
        Ok(None)
    }
    async fn thread_message(
        &self,
        _: &CustomerId,
        _: &TicketNumber,
        _: u32,
    ) -> Result<Option<memnun_shared::domain::thread::ThreadMessage>> {
        Ok(None)
    }
    async fn ticket_with_customer(
        &self,
        number: &TicketNumber,
        id: &CustomerId,
    ) -> Result<(Option<Ticket>, Option<Customer>)> {
        Ok((self.ticket(number).await?, self.customer(id).await?))
    }
}

impl ConsentStore for Fake {
    async fn withdraw_marketing_consent(
        &self,
        id: &CustomerId,
        _: Timestamp,
        how: ConsentChannel,
    ) -> Result<Withdrawal> {
        if self.broken {
            return Err(down());
        }
        if !self.customers.contains_key(id.as_str()) {
            return Ok(Withdrawal::UnknownCustomer);
        }
        let mut withdrawn = self.withdrawn.lock().unwrap();
        if withdrawn.iter().any(|(c, _)| c == id.as_str()) {
            return Ok(Withdrawal::AlreadyWithdrawn);
        }
        withdrawn.push((id.as_str().to_string(), how));
        Ok(Withdrawal::Withdrawn)
    }
}

impl Publisher for Fake {
    async fn publish(&self, _: &str, messages: &[OutboundMessage]) -> Result<()> {
        if self.broken {
            return Err(down());
        }
        self.sent.lock().unwrap().extend_from_slice(messages);
        Ok(())
    }
    async fn publish_each(&self, _: &str, messages: &[OutboundMessage]) -> Vec<bool> {
        vec![!self.broken; messages.len()]
    }
}

fn now() -> Timestamp {
    "2026-11-24T10:00:00Z".parse().unwrap()
}

fn customer(id: &str, locale: &str) -> Customer {
    Customer {
        id: CustomerId::parse(id).unwrap(),
        contact: ContactDetails {
            locale: Some(locale.into()),
            ..Default::default()
        },
        contact_updated_at: None,
        last_apology_coupon_at: None,
        marketing_consent: false,
        greeted_at: None,
    }
}

fn ticket(number: &str, customer: &str) -> Ticket {
    Ticket::new(
        TicketNumber::parse(number).unwrap(),
        &CustomerId::parse(customer).unwrap(),
        Origin::Complaint,
        Category::Delivery,
        Priority::Normal,
        now(),
        "shop/test#c-1",
    )
}

fn fake() -> Fake {
    let mut f = Fake::default();
    f.customers.insert("c-en".into(), customer("c-en", "en-GB"));
    f.customers.insert("c-tr".into(), customer("c-tr", "tr"));
    f.tickets.insert(TICKET.into(), ticket(TICKET, "c-en"));
    let mut rated = ticket(RATED, "c-tr");
    rated.survey = Some((Rating::new(5).unwrap(), now()));
    f.tickets.insert(RATED.into(), rated);
    f
}

fn config() -> Config {
    Config {
        table: "t".into(),
        tickets_queue_url: "http://localhost/q".into(),
        shop_name: "Dükkan".into(),
        default_locale: Locale::Tr,
        link_secret_parameter: "/p".into(),
    }
}

fn handler(store: Fake) -> Handler<Fake, Fake> {
    let publisher = Fake {
        broken: store.broken,
        ..Fake::default()
    };
    Handler::new(
        config(),
        Signer::from_secret(KEY).unwrap(),
        store,
        publisher,
    )
}

fn sign(purpose: Purpose, subject: &str) -> String {
    Signer::from_secret(KEY).unwrap().sign(purpose, subject)
}

fn run<T>(f: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn get(h: &Handler<Fake, Fake>, path: &str, query: &str) -> Answer {
    run(h.answer(
        &Incoming {
            method: "GET",
            path,
            query: query.as_bytes(),
            ..Default::default()
        },
        now(),
    ))
}

fn post(h: &Handler<Fake, Fake>, path: &str, query: &str, body: &str) -> Answer {
    run(h.answer(
        &Incoming {
            method: "POST",
            path,
            query: query.as_bytes(),
            content_type: Some("application/x-www-form-urlencoded"),
            body: body.as_bytes(),
            ..Default::default()
        },
        now(),
    ))
}

#[test]
fn a_score_link_shows_the_form_with_the_score_chosen_and_records_nothing() {
    let h = handler(fake());
    let t = sign(Purpose::Survey, TICKET);
    let a = get(&h, "/survey", &format!("t={t}&s=4"));
    assert_eq!(a.page.status, 200);
    assert!(
        a.page.html.contains("lang=\"en\""),
        "the customer's language"
    );
    assert!(a.page.html.contains("value=\"4\" required checked"));
    assert!(h.publisher.sent.lock().unwrap().is_empty());
}

#[test]
fn sending_the_form_enqueues_one_survey_answer_with_a_fixed_id() {
    let h = handler(fake());
    let t = sign(Purpose::Survey, TICKET);
    let a = post(&h, "/survey", "", &format!("t={t}&s=2"));
    assert_eq!(a.page.status, 200);
    assert!(a.page.html.contains("Thank you!"));
    let a = post(&h, "/survey", "", &format!("t={t}&s=5"));
    assert_eq!(a.page.status, 200);
    let sent = h.publisher.sent.lock().unwrap();
    assert_eq!(sent.len(), 2, "the ticket is not rated yet in the fake");
    assert!(sent.iter().all(|m| m.id == "survey-TK-1234-5678"));
    let event = Event::parse(&sent[0].body).expect("a valid event");
    assert_eq!(event.meta.source, SOURCE);
    assert_eq!(event.meta.time, now());
    let EventData::SurveyAnswered(s) = event.data else {
        panic!("not a survey answer")
    };
    assert_eq!(s.score.stars(), 2);
    assert_eq!(s.ticket_id.as_str(), TICKET);
}

#[test]
fn a_rated_ticket_shows_its_first_score_and_enqueues_nothing() {
    let h = handler(fake());
    let t = sign(Purpose::Survey, RATED);
    for a in [
        get(&h, "/survey", &format!("t={t}&s=1")),
        post(&h, "/survey", "", &format!("t={t}&s=1")),
    ] {
        assert_eq!(a.page.status, 200);
        assert!(a.page.html.contains("lang=\"tr\""));
        assert!(a.page.html.contains("5/5"), "{}", a.page.html);
    }
    assert!(h.publisher.sent.lock().unwrap().is_empty());
}

#[test]
fn bad_scores_ask_again() {
    let h = handler(fake());
    let t = sign(Purpose::Survey, TICKET);
    for s in ["0", "6", "x", "44", ""] {
        let a = get(&h, "/survey", &format!("t={t}&s={s}"));
        assert_eq!(a.page.status, 400, "s={s}");
        assert!(!a.page.html.contains(" checked"));
        let a = post(&h, "/survey", "", &format!("t={t}&s={s}"));
        assert_eq!(a.page.status, 400, "s={s}");
    }
    assert_eq!(get(&h, "/survey", &format!("t={t}")).page.status, 200);
    assert!(h.publisher.sent.lock().unwrap().is_empty());
}

#[test]
fn bad_tokens_get_clear_pages_and_cost_nothing() {
    let h = handler(Fake {
        broken: true,
        ..fake()
    });
    let survey = sign(Purpose::Survey, TICKET);
    let other_key = Signer::from_secret("another-shops-key-0123456789abcdef0123")
        .unwrap()
        .sign(Purpose::Survey, TICKET);
    let cases = [
        ("/survey", String::new(), 400),
        ("/survey", "t=".to_string(), 400),
        ("/survey", "t=garbage&s=1".to_string(), 400),
        (
            "/survey",
            format!("t={}&s=1", &survey[..survey.len() - 3]),
            400,
        ),
        ("/survey", format!("t={other_key}&s=1"), 403),
        (
            "/survey",
            format!("t={}&s=1", sign(Purpose::Unsubscribe, "c-en")),
            400,
        ),
        ("/unsubscribe", format!("t={survey}"), 400),
        (
            "/unsubscribe",
            "t=v1.u.YWJj.AAAAAAAAAAAAAAAAAAAAAA".to_string(),
            403,
        ),
    ];
    for (path, query, status) in cases {
        let a = get(&h, path, &query);
        assert_eq!(a.page.status, status, "{path}?{query}");
        assert!(a.page.html.contains("<h1>"));
        let a = post(&h, path, &query, "List-Unsubscribe=One-Click");
        assert_eq!(a.page.status, status, "POST {path}?{query}");
    }
    assert!(h.publisher.sent.lock().unwrap().is_empty());
}

#[test]
fn an_unknown_ticket_is_404_and_a_failing_store_503() {
    let h = handler(fake());
    let t = sign(Purpose::Survey, "TK-9999-0000");
    assert_eq!(get(&h, "/survey", &format!("t={t}&s=3")).page.status, 404);
    let h = handler(Fake {
        broken: true,
        ..fake()
    });
    let t = sign(Purpose::Survey, TICKET);
    assert_eq!(get(&h, "/survey", &format!("t={t}&s=3")).page.status, 503);
    let u = sign(Purpose::Unsubscribe, "c-en");
    assert_eq!(
        post(&h, "/unsubscribe", &format!("t={u}"), "").page.status,
        503
    );
    let response = respond(get(&h, "/survey", &format!("t={t}")), false);
    assert_eq!(response.headers()["retry-after"], "60");
}

#[test]
fn unsubscribe_shows_a_button_then_withdraws_once_recording_how() {
    let h = handler(fake());
    let t = sign(Purpose::Unsubscribe, "c-tr");
    let a = get(&h, "/unsubscribe", &format!("t={t}"));
    assert_eq!(a.page.status, 200);
    assert!(a.page.html.contains("lang=\"tr\""));
    assert!(a.page.html.contains("<button type=\"submit\">"));
    assert!(
        h.store.withdrawn.lock().unwrap().is_empty(),
        "GET changes nothing"
    );

    let a = post(
        &h,
        "/unsubscribe",
        &format!("t={t}"),
        "List-Unsubscribe=One-Click",
    );
    assert_eq!(a.page.status, 200);
    assert!(a.page.html.contains("Abonelikten çıktınız"));
    let a = post(&h, "/unsubscribe", "", &format!("t={t}"));
    assert_eq!(a.page.status, 200, "a repeat is harmless");
    assert_eq!(
        *h.store.withdrawn.lock().unwrap(),
        [("c-tr".to_string(), ConsentChannel::OneClick)]
    );

    let t = sign(Purpose::Unsubscribe, "c-en");
    post(&h, "/unsubscribe", &format!("t={t}"), &format!("t={t}"));
    assert_eq!(
        h.store.withdrawn.lock().unwrap()[1],
        ("c-en".to_string(), ConsentChannel::UnsubscribeLink)
    );
}

#[test]
fn multipart_one_click_is_recognised() {
    let h = handler(fake());
    let t = sign(Purpose::Unsubscribe, "c-en");
    let body = "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b--\r\n";
    let a = run(h.answer(
        &Incoming {
            method: "POST",
            path: "/unsubscribe",
            query: format!("t={t}").as_bytes(),
            content_type: Some("multipart/form-data; boundary=b"),
            body: body.as_bytes(),
            ..Default::default()
        },
        now(),
    ));
    assert_eq!(a.page.status, 200);
    assert_eq!(
        h.store.withdrawn.lock().unwrap()[0].1,
        ConsentChannel::OneClick
    );
}

#[test]
fn an_unknown_customer_gets_the_same_page_and_nothing_is_written() {
    let h = handler(fake());
    let t = sign(Purpose::Unsubscribe, "c-gone");
    let a = post(
        &h,
        "/unsubscribe",
        &format!("t={t}"),
        "List-Unsubscribe=One-Click",
    );
    assert_eq!(a.page.status, 200);
    assert!(h.store.withdrawn.lock().unwrap().is_empty());
}

#[test]
fn other_paths_and_methods_and_the_headers() {
    let h = handler(fake());
    assert_eq!(get(&h, "/", "").page.status, 404);
    assert_eq!(get(&h, "/favicon.ico", "").page.status, 404);
    let a = run(h.answer(
        &Incoming {
            method: "DELETE",
            path: "/unsubscribe",
            accept_language: Some("de-DE,en;q=0.8"),
            ..Default::default()
        },
        now(),
    ));
    assert_eq!(a.page.status, 405);
    assert!(
        a.page.html.contains("lang=\"en\""),
        "the browser's language"
    );
    let response = respond(a, false);
    assert_eq!(response.headers()["allow"], "GET, HEAD, POST");
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    assert!(
        response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    );
    let head = respond(get(&h, "/", ""), true);
    assert!(head.body().is_empty());
}

#[test]
fn locales_from_accept_language() {
    assert_eq!(preferred_locale(Some("tr-TR,tr;q=0.9")), Some(Locale::Tr));
    assert_eq!(preferred_locale(Some("fr, en-US;q=0.5")), Some(Locale::En));
    assert_eq!(preferred_locale(Some("de")), None);
    assert_eq!(preferred_locale(None), None);
}

#[test]
fn config_reads_exactly_its_variables() {
    let env = Env::from_pairs([
        ("TABLE_NAME", "t"),
        ("TICKETS_QUEUE_URL", "https://sqs/q"),
        ("SHOP_NAME", "Dükkan"),
        ("DEFAULT_LOCALE", "en"),
        ("LINK_SECRET_PARAMETER", "/memnun/link-secret"),
    ]);
    let c = Config::from_env(&env).unwrap();
    assert_eq!(c.default_locale, Locale::En);
    let mut read = env.names_read();
    read.sort();
    assert_eq!(
        read,
        [
            "DEFAULT_LOCALE",
            "LINK_SECRET_PARAMETER",
            "SHOP_NAME",
            "TABLE_NAME",
            "TICKETS_QUEUE_URL"
        ]
    );
    let err = Config::from_env(&Env::from_pairs([("TABLE_NAME", "t")])).unwrap_err();
    assert!(err.to_string().contains("TICKETS_QUEUE_URL"));
    assert!(
        signer("short")
            .unwrap_err()
            .to_string()
            .contains("LINK_SECRET_PARAMETER")
    );
}

/// Methods: the usual ones, and anything.
fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("GET".to_string()),
        Just("HEAD".to_string()),
        Just("POST".to_string()),
        Just("PUT".to_string()),
        "[A-Za-z]{0,8}",
        ".{0,12}",
    ]
}

/// Paths: the real ones, near misses, and anything.
fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/survey".to_string()),
        Just("/unsubscribe".to_string()),
        Just("/survey/".to_string()),
        "/[a-z/]{0,20}",
        ".{0,40}",
    ]
}

/// Queries and bodies: valid tokens with odd scores, mangled tokens, and bytes.
fn query() -> impl Strategy<Value = Vec<u8>> {
    let survey = sign(Purpose::Survey, TICKET);
    let rated = sign(Purpose::Survey, RATED);
    let unsubscribe = sign(Purpose::Unsubscribe, "c-en");
    let unknown = sign(Purpose::Unsubscribe, "c-gone");
    let tokens = prop_oneof![
        Just(survey),
        Just(rated),
        Just(unsubscribe),
        Just(unknown),
        "[A-Za-z0-9._%+-]{0,80}",
    ];
    prop_oneof![
        (tokens.clone(), ".{0,6}").prop_map(|(t, s)| format!("t={t}&s={s}").into_bytes()),
        tokens
            .clone()
            .prop_map(|t| format!("t={t}&List-Unsubscribe=One-Click").into_bytes()),
        (tokens, 0..200usize, any::<u8>()).prop_map(|(t, at, b)| {
            let mut q = format!("t={t}&s=3").into_bytes();
            let at = at.min(q.len());
            q.insert(at, b);
            q
        }),
        proptest::collection::vec(any::<u8>(), 0..300),
        Just(vec![b'%'; query::MAX_INPUT_BYTES + 1]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_request_gets_a_page_never_a_panic_or_a_5xx(
        method in method(),
        path in path(),
        query in query(),
        body in query(),
        content_type in proptest::option::of(prop_oneof![
            Just("application/x-www-form-urlencoded".to_string()),
            Just("multipart/form-data; boundary=x".to_string()),
            ".{0,30}",
        ]),
        accept_language in proptest::option::of(".{0,40}"),
    ) {
        let h = handler(fake());
        let answer = run(h.answer(
            &Incoming {
                method: &method,
                path: &path,
                query: &query,
                content_type: content_type.as_deref(),
                accept_language: accept_language.as_deref(),
                body: &body,
            },
            now(),
        ));
        prop_assert!((200..500).contains(&answer.page.status), "{}", answer.page.status);
        prop_assert!(answer.page.html.starts_with("<!DOCTYPE html>"));
        for m in h.publisher.sent.lock().unwrap().iter() {
            prop_assert_eq!(&m.id, "survey-TK-1234-5678");
        }
    }

    #[test]
    fn verify_never_panics_and_accepts_only_what_was_signed(token in ".{0,600}") {
        let signer = Signer::from_secret(KEY).unwrap();
        for purpose in [Purpose::Survey, Purpose::Unsubscribe] {
            if let Ok(subject) = signer.verify(purpose, &token) {
                prop_assert_eq!(signer.sign(purpose, &subject), token.clone());
            }
        }
    }

    #[test]
    fn a_changed_character_never_verifies(subject in "[ -~]{1,40}", at in 0..200usize, c in any::<char>()) {
        let signer = Signer::from_secret(KEY).unwrap();
        let token = signer.sign(Purpose::Unsubscribe, &subject);
        let mut chars: Vec<char> = token.chars().collect();
        let at = at % chars.len();
        prop_assume!(chars[at] != c);
        chars[at] = c;
        let changed: String = chars.into_iter().collect();
        let verified = signer.verify(Purpose::Unsubscribe, &changed);
        // base64url without padding has slack bits in its last symbol: a change
        // there may decode to the same bytes, so the same subject is fine.
        if let Ok(s) = verified {
            prop_assert_eq!(s, subject);
        }
    }

    #[test]
    fn http_requests_of_any_shape_get_a_response(path in "/[!-~]{0,60}", body in proptest::collection::vec(any::<u8>(), 0..100)) {
        let h = handler(fake());
        if let Ok(request) = lambda_http::http::Request::builder()
            .method("POST")
            .uri(path.as_str())
            .body(Body::Binary(body))
        {
            let response = run(h.handle(request, now()));
            prop_assert!(response.status().as_u16() < 500);
        }
    }
}

/// Where a browser sends a form whose page was opened at `page`: the
/// `action` resolved against the page's path, as RFC 3986 resolves a
/// reference.
fn form_target(page: &str, html: &str) -> String {
    let action = html
        .split("action=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form with an action")
        .replace("&amp;", "&");
    if action.starts_with('/') {
        return action;
    }
    let dir = &page[..=page.rfind('/').unwrap_or(0)];
    format!("{dir}{action}")
}

#[test]
fn both_spellings_of_each_page_post_their_form_to_a_page_that_answers() {
    let h = handler(fake());
    let survey = sign(Purpose::Survey, TICKET);
    let unsubscribe = sign(Purpose::Unsubscribe, "c-tr");
    for (page, query, field) in [
        (
            "/survey",
            format!("t={survey}&s=3"),
            format!("t={survey}&s=3"),
        ),
        (
            "/survey/",
            format!("t={survey}&s=3"),
            format!("t={survey}&s=3"),
        ),
        (
            "/unsubscribe",
            format!("t={unsubscribe}"),
            format!("t={unsubscribe}"),
        ),
        (
            "/unsubscribe/",
            format!("t={unsubscribe}"),
            format!("t={unsubscribe}"),
        ),
    ] {
        let form = get(&h, page, &query);
        assert_eq!(form.page.status, 200, "{page}");
        let target = form_target(page, &form.page.html);
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        assert!(
            !path.contains("//") && path.matches('/').count() == 1,
            "{page} posts to {target}"
        );
        let sent = post(&h, path, query, &field);
        assert_eq!(
            sent.page.status, 200,
            "{page} → {target}: {}",
            sent.page.html
        );
    }
}

#[test]
fn this_answered_my_question_opens_one_button_and_its_press_closes_the_ticket_once() {
    let h = handler(fake());
    let t = sign(Purpose::Answered, &format!("{TICKET}:kargo-nerede"));
    let query = format!("t={t}");
    // Opening the link (a mail scanner does) changes nothing.
    let form = get(&h, "/answered", &query);
    assert_eq!(form.page.status, 200);
    assert!(
        form.page.html.contains("Yes, close my ticket"),
        "{}",
        form.page.html
    );
    assert!(form.page.html.contains("action=\"/answered?t="));
    assert!(h.publisher.sent.lock().unwrap().is_empty());
    // Pressed twice: the same event twice, which complaint-intake takes once.
    for _ in 0..2 {
        let done = post(&h, "/answered", &query, &format!("t={t}"));
        assert_eq!(done.page.status, 200);
        assert!(done.page.html.contains("We have closed ticket"));
    }
    let sent = h.publisher.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|m| m.id == format!("self-served-{TICKET}")));
    let event = Event::parse(&sent[0].body).unwrap();
    let EventData::TicketSelfServed(s) = event.data else {
        panic!("not a ticket.self_served");
    };
    assert_eq!(s.ticket_id.as_str(), TICKET);
    assert_eq!(s.faq_id.as_deref(), Some("kargo-nerede"));
}

#[test]
fn a_tampered_answered_link_a_survey_token_and_a_resolved_ticket_close_nothing() {
    let mut store = fake();
    let mut resolved = ticket("TK-9999-0000", "c-tr");
    resolved.status = memnun_shared::domain::ticket::Status::Resolved;
    store.tickets.insert("TK-9999-0000".into(), resolved);
    let h = handler(store);
    let good = sign(Purpose::Answered, &format!("{TICKET}:kargo-nerede"));
    // The subject changed to another ticket, the signature kept.
    let other = sign(Purpose::Answered, "TK-2222-3333:kargo-nerede");
    let (head, _) = good.rsplit_once('.').unwrap();
    let (_, tag) = other.rsplit_once('.').unwrap();
    let forged = format!("{head}.{tag}");
    assert_eq!(
        post(&h, "/answered", &format!("t={forged}"), "")
            .page
            .status,
        403
    );
    let survey = sign(Purpose::Survey, TICKET);
    assert_eq!(
        post(&h, "/answered", &format!("t={survey}"), "")
            .page
            .status,
        400
    );
    assert_eq!(post(&h, "/answered", "", "").page.status, 400);
    let closed = sign(Purpose::Answered, "TK-9999-0000:kargo-nerede");
    for page in [
        get(&h, "/answered", &format!("t={closed}")),
        post(&h, "/answered", &format!("t={closed}"), ""),
    ] {
        assert_eq!(page.page.status, 200);
        assert!(
            page.page.html.contains("zaten kapatılmış"),
            "{}",
            page.page.html
        );
    }
    assert!(h.publisher.sent.lock().unwrap().is_empty());
}
