//! links against the emulator: the survey email's score link, followed to the
//! rating complaint-intake records; the unsubscribe page and the RFC 8058
//! one-click POST, down to the customer item; and every bad link answered
//! with a 4xx page that changes nothing.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use complaint_intake::Handler as Intake;
use jiff::{SignedDuration, Timestamp};
use lambda_http::{Body, Request};
use links::{Config, Handler};
use memnun_shared::adapters::{dynamodb::DynamoStore, ses::SesMailer, sqs::SqsPublisher};
use memnun_shared::config::Env;
use memnun_shared::domain::token::{Purpose, Signer};
use memnun_shared::time::to_key;
use memnun_tests::deliver;
use memnun_tests::events::event;
use memnun_tests::stack::{LINK_SECRET, Stack, attr};
use serde_json::{Value, json};

type Links = Handler<DynamoStore, SqsPublisher>;

fn links(stack: &Stack) -> Links {
    let config = Config::from_env(&Env::from_pairs(stack.function_env("links"))).expect("config");
    Handler::new(
        config.clone(),
        links::signer(LINK_SECRET).expect("signer"),
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&stack.aws), &config.table, ""),
        SqsPublisher::new(aws_sdk_sqs::Client::new(&stack.aws)),
    )
}

fn intake(stack: &Stack) -> Intake<DynamoStore, SesMailer, SqsPublisher> {
    intake_from(stack, stack.function_env("complaint-intake"))
}

/// complaint-intake on the stack with the variables `env`.
fn intake_from(
    stack: &Stack,
    env: Vec<(String, String)>,
) -> Intake<DynamoStore, SesMailer, SqsPublisher> {
    let config = complaint_intake::Config::from_env(&Env::from_pairs(env)).expect("config");
    Intake::new(
        config.clone(),
        Signer::from_secret(LINK_SECRET).expect("signer"),
        DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&stack.aws),
            &stack.table,
            &stack.idempotency_table,
        ),
        SesMailer::new(
            aws_sdk_ses::Client::new(&stack.aws),
            &config.shop.name,
            &config.shop.sender,
            None,
        ),
        SqsPublisher::new(aws_sdk_sqs::Client::new(&stack.aws)),
    )
}

async fn run_intake(stack: &Stack) {
    let h = intake(stack);
    let q = stack.queue("tickets");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| {
        h.handle(e, Timestamp::now() + SignedDuration::from_secs(30))
    })
    .await;
}

fn get(uri: &str) -> Request {
    lambda_http::http::Request::builder()
        .method("GET")
        .uri(uri)
        .header("accept-language", "tr-TR,tr;q=0.9")
        .body(Body::Empty)
        .unwrap()
}

fn post(uri: &str, form: &str) -> Request {
    lambda_http::http::Request::builder()
        .method("POST")
        .uri(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::Text(form.to_string()))
        .unwrap()
}

struct Page {
    status: u16,
    headers: lambda_http::http::HeaderMap,
    html: String,
}

async fn open(h: &Links, request: Request, now: Timestamp) -> Page {
    let response = h.handle(request, now).await;
    let body: &[u8] = response.body().as_ref();
    Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        html: String::from_utf8(body.to_vec()).expect("UTF-8"),
    }
}

fn now() -> Timestamp {
    "2026-11-24T12:00:00Z".parse().unwrap()
}

/// Opens a ticket for a customer writing in `locale` and resolves it; answers
/// the ticket number and the survey email's five links (path and query).
async fn resolved_ticket(stack: &Stack, locale: &str) -> (String, Vec<String>) {
    stack
        .send(
            "tickets",
            &event(
                "cmp-1",
                "complaint.created",
                "2026-11-22T10:00:00Z",
                json!({
                    "customer_id": "c-1", "channel": "web", "message": "Kargo gelmedi",
                    "customer": {"email": "ayse@example.com", "name": "Ayşe", "locale": locale}
                }),
            ),
        )
        .await;
    run_intake(stack).await;
    let tickets = stack.items_with_prefix("TICKET#").await;
    let number = attr(&tickets[0], "number").to_string();
    stack
        .send(
            "tickets",
            &event(
                "res-1",
                "ticket.resolved",
                "2026-11-24T09:00:00Z",
                json!({"ticket_id": number}),
            ),
        )
        .await;
    run_intake(stack).await;
    let survey = stack
        .emulator
        .sent_emails()
        .into_iter()
        .find(|e| e.body.contains("/survey?t="))
        .expect("the survey email");
    let base = "https://destek.dukkan.example";
    let links: Vec<String> = survey
        .body
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with(&format!("{base}/survey?")))
        .map(|href| {
            href[base.len()..]
                .replace("&#38;", "&")
                .replace("&amp;", "&")
        })
        .collect();
    assert_eq!(links.len(), 5, "five score links: {links:?}");
    (number, links)
}

/// The token of a link (its `t`).
fn token(link: &str) -> String {
    link.split("t=")
        .nth(1)
        .and_then(|t| t.split('&').next())
        .expect("a token")
        .to_string()
}

async fn tickets_queue(stack: &Stack) -> Vec<Value> {
    stack.drain(&stack.queue("tickets").url).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_score_from_the_survey_email_is_recorded_once() {
    let stack = Stack::start().await;
    let h = links(&stack);
    let (number, links) = resolved_ticket(&stack, "en").await;
    let four = &links[3];
    assert!(four.ends_with("&s=4"), "{four}");

    // The click shows the customer's score, chosen, in their language, and
    // records nothing (a scanner fetching the link changes nothing).
    let page = open(&h, get(four), now()).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("<html lang=\"en\">"));
    assert!(page.html.contains(&number));
    assert!(page.html.contains("value=\"4\" required checked"));
    assert!(tickets_queue(&stack).await.is_empty());

    // Pressing the button: one survey.answered on the tickets queue.
    let t = token(four);
    let page = open(&h, post("/survey", &format!("t={t}&s=4")), now()).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("Thank you!"));
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.headers["cache-control"], "no-store");
    let queued = tickets_queue(&stack).await;
    assert_eq!(queued.len(), 1);
    let answer = &queued[0];
    assert_eq!(answer["type"], "survey.answered");
    assert_eq!(answer["id"], format!("survey-{number}"));
    assert_eq!(answer["source"], "memnun/links");
    assert_eq!(answer["time"], to_key(now()));
    assert_eq!(answer["data"], json!({"ticket_id": number, "score": 4}));

    // Another score before complaint-intake has run: the same event id.
    let page = open(&h, post("/survey", &format!("t={t}&s=1")), now()).await;
    assert_eq!(page.status, 200);
    let again = tickets_queue(&stack).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["id"], answer["id"]);

    // complaint-intake records the first and drops the second as a duplicate
    // (same source and id): no apology for the 1. (Two answers handled at the
    // same moment would race for the one claim; either way one counts.)
    for body in [answer, &again[0]] {
        stack.send("tickets", &body.to_string()).await;
        run_intake(&stack).await;
    }
    let tickets = stack.items_with_prefix("TICKET#").await;
    assert_eq!(tickets.len(), 1, "no follow-up ticket");
    assert_eq!(tickets[0]["survey_score"].as_n().unwrap(), "4");
    assert!(stack.items_with_prefix("COUPON#").await.is_empty());

    // Once rated, every link shows the first score and enqueues nothing.
    let page = open(&h, get(&links[0]), now()).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("4 out of 5"), "{}", page.html);
    assert!(!page.html.contains("<form"));
    let page = open(&h, post("/survey", &format!("t={t}&s=1")), now()).await;
    assert!(page.html.contains("4 out of 5"));
    assert!(tickets_queue(&stack).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_links_get_clear_pages_and_change_nothing() {
    let stack = Stack::start().await;
    let h = links(&stack);
    let (_, links) = resolved_ticket(&stack, "tr").await;
    let good = token(&links[4]);
    let signer = Signer::from_secret(LINK_SECRET).unwrap();
    // The subject swapped for another ticket, the tag kept.
    let mut parts: Vec<&str> = good.split('.').collect();
    let other = signer.sign(Purpose::Survey, "TK-0000-0001");
    let other_subject = other.split('.').nth(2).unwrap().to_string();
    parts[2] = &other_subject;
    let tampered = parts.join(".");
    let cases = [
        ("/survey?s=5".to_string(), 400, "Bu bağlantı eksik"),
        ("/survey?t=&s=5".to_string(), 400, "Bu bağlantı eksik"),
        (
            "/survey?t=%ZZ%00garbage&s=5".to_string(),
            400,
            "Bu bağlantı eksik",
        ),
        (
            format!("/survey?t={tampered}&s=5"),
            403,
            "Bu bağlantı geçerli değil",
        ),
        (
            format!("/survey?t={}&s=5", signer.sign(Purpose::Unsubscribe, "c-1")),
            400,
            "Bu bağlantı bu sayfa için değil",
        ),
        (
            format!(
                "/survey?t={}&s=5",
                signer.sign(Purpose::Survey, "TK-0000-0001")
            ),
            404,
            "Bu talebi bulamadık",
        ),
        (
            format!("/unsubscribe?t={good}"),
            400,
            "Bu bağlantı bu sayfa için değil",
        ),
        ("/unsubscribe".to_string(), 400, "Bu bağlantı eksik"),
        ("/nothing-here".to_string(), 404, "Sayfa bulunamadı"),
    ];
    for (uri, status, heading) in &cases {
        for request in [get(uri), post(uri, "List-Unsubscribe=One-Click")] {
            let method = request.method().clone();
            let page = open(&h, request, now()).await;
            assert_eq!(page.status, *status, "{method} {uri}: {}", page.html);
            assert!(page.html.contains(heading), "{method} {uri}: {}", page.html);
            assert!(page.html.contains("<html lang=\"tr\">"));
        }
    }
    assert!(tickets_queue(&stack).await.is_empty());
    let customer = &stack.customer_items("c-1").await;
    assert!(
        customer
            .iter()
            .all(|item| !item.contains_key("marketing_consent")),
        "no consent written"
    );
}

/// A customer who gave marketing consent, as `customer.upserted` stores it.
async fn consenting_customer(stack: &Stack, id: &str, locale: &str) {
    let item: HashMap<String, AttributeValue> = [
        ("pk", AttributeValue::S(format!("CUSTOMER#{id}"))),
        ("sk", AttributeValue::S("PROFILE".into())),
        ("customer_id", AttributeValue::S(id.into())),
        ("email", AttributeValue::S("ayse@example.com".into())),
        ("locale", AttributeValue::S(locale.into())),
        ("marketing_consent", AttributeValue::Bool(true)),
        (
            "consent_at",
            AttributeValue::S("2026-01-01T00:00:00Z".into()),
        ),
        ("consent_source", AttributeValue::S("shop/web".into())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    stack
        .dynamodb
        .put_item()
        .table_name(&stack.table)
        .set_item(Some(item))
        .send()
        .await
        .expect("put customer");
}

async fn profile(stack: &Stack, id: &str) -> Option<HashMap<String, AttributeValue>> {
    stack
        .customer_items(id)
        .await
        .into_iter()
        .find(|item| attr(item, "sk") == "PROFILE")
}

#[tokio::test(flavor = "multi_thread")]
async fn one_click_unsubscribe_withdraws_consent_at_once_and_a_repeat_is_harmless() {
    let stack = Stack::start().await;
    let h = links(&stack);
    consenting_customer(&stack, "c-7", "en").await;
    let t = Signer::from_secret(LINK_SECRET)
        .unwrap()
        .sign(Purpose::Unsubscribe, "c-7");
    let uri = format!("/unsubscribe?t={t}");

    let page = open(&h, get(&uri), now()).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("<html lang=\"en\">"));
    assert!(page.html.contains("<form method=\"post\""));
    assert!(
        page.html
            .contains("<button type=\"submit\">Unsubscribe</button>")
    );
    assert_eq!(
        profile(&stack, "c-7").await.unwrap()["marketing_consent"],
        AttributeValue::Bool(true),
        "showing the page changes nothing"
    );

    // What a mail provider sends for List-Unsubscribe-Post.
    let page = open(&h, post(&uri, "List-Unsubscribe=One-Click"), now()).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("You are unsubscribed"));
    let item = profile(&stack, "c-7").await.unwrap();
    assert_eq!(item["marketing_consent"], AttributeValue::Bool(false));
    assert_eq!(attr(&item, "consent_withdrawn_at"), to_key(now()));
    assert_eq!(
        attr(&item, "consent_at"),
        "2026-01-01T00:00:00Z",
        "when consent was given stays on record"
    );
    assert_eq!(attr(&item, "consent_source"), "one-click");
    assert_eq!(
        attr(&item, "email"),
        "ayse@example.com",
        "nothing else changed"
    );

    // The provider retrying in the same second: nothing is written.
    let page = open(&h, post(&uri, "List-Unsubscribe=One-Click"), now()).await;
    assert_eq!(page.status, 200);
    assert_eq!(profile(&stack, "c-7").await.unwrap(), item);

    // The button an hour later: still withdrawn, the latest wish recorded.
    let later = now() + SignedDuration::from_hours(1);
    let page = open(&h, post(&uri, &format!("t={t}")), later).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("You are unsubscribed"));
    let item = profile(&stack, "c-7").await.unwrap();
    assert_eq!(item["marketing_consent"], AttributeValue::Bool(false));
    assert_eq!(attr(&item, "consent_withdrawn_at"), to_key(later));
    assert_eq!(attr(&item, "consent_source"), "unsubscribe-link");
    assert_eq!(attr(&item, "consent_at"), "2026-01-01T00:00:00Z");

    // An older request that arrives late moves nothing back.
    let page = open(&h, post(&uri, "List-Unsubscribe=One-Click"), now()).await;
    assert_eq!(page.status, 200);
    assert_eq!(profile(&stack, "c-7").await.unwrap(), item);

    // Another customer, through the page's button, in Turkish.
    consenting_customer(&stack, "c-8", "tr").await;
    let t8 = Signer::from_secret(LINK_SECRET)
        .unwrap()
        .sign(Purpose::Unsubscribe, "c-8");
    let page = open(
        &h,
        post(&format!("/unsubscribe?t={t8}"), &format!("t={t8}")),
        later,
    )
    .await;
    assert!(page.html.contains("Abonelikten çıktınız"));
    let item = profile(&stack, "c-8").await.unwrap();
    assert_eq!(attr(&item, "consent_source"), "unsubscribe-link");
    assert_eq!(attr(&item, "consent_withdrawn_at"), to_key(later));

    // A customer no longer stored: the same page, and no record is created.
    let gone = Signer::from_secret(LINK_SECRET)
        .unwrap()
        .sign(Purpose::Unsubscribe, "c-gone");
    let page = open(
        &h,
        post(
            &format!("/unsubscribe?t={gone}"),
            "List-Unsubscribe=One-Click",
        ),
        now(),
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(profile(&stack, "c-gone").await.is_none());
}

/// complaint-intake with the example FAQ (`infra/faq.example.json`), as the
/// deployed function reads it beside its binary.
fn intake_with_faq(stack: &Stack) -> Intake<DynamoStore, SesMailer, SqsPublisher> {
    let mut env = stack.function_env("complaint-intake");
    env.retain(|(k, _)| k != "FAQ_FILE");
    env.push((
        "FAQ_FILE".into(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/faq.example.json").into(),
    ));
    intake_from(stack, env)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_faq_answer_pressed_in_the_acknowledgement_resolves_the_ticket_as_self_served_once() {
    let stack = Stack::start().await;
    let intake = intake_with_faq(&stack);
    let deliver = || async {
        let q = stack.queue("tickets");
        deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| {
            intake.handle(e, Timestamp::now() + SignedDuration::from_secs(30))
        })
        .await;
    };
    stack
        .send(
            "tickets",
            &event(
                "faq-1",
                "complaint.created",
                "2026-11-24T09:00:00Z",
                json!({"customer_id": "c-faq", "channel": "web", "subject": "Kupa kırık geldi",
                       "message": "Kutudan kırık çıktı.",
                       "customer": {"email": "faq@example.com", "locale": "tr"}}),
            ),
        )
        .await;
    deliver().await;
    let ack = stack.emulator.sent_emails().remove(0);
    assert!(
        ack.body.contains("Ürün kırık ya da hasarlı geldi"),
        "{}",
        ack.body
    );
    let href = ack
        .body
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|href| href.contains("/answered?t="))
        .expect("the answer's link")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    let query = href
        .split_once('?')
        .map(|(_, q)| q.to_owned())
        .expect("query");
    let token = query.trim_start_matches("t=").to_owned();
    let h = links(&stack);
    let form = open(
        &h,
        get(&format!("https://links.example/answered?{query}")),
        now(),
    )
    .await;
    assert_eq!(form.status, 200, "{}", form.html);
    assert!(form.html.contains("Evet, talebimi kapatın"));
    // Pressed twice.
    for _ in 0..2 {
        let done = open(
            &h,
            post(
                &format!("https://links.example/answered?{query}"),
                &format!("t={token}"),
            ),
            now(),
        )
        .await;
        assert_eq!(done.status, 200, "{}", done.html);
    }
    deliver().await;
    let ticket = stack.items_with_prefix("TICKET#").await.remove(0);
    assert_eq!(attr(&ticket, "status"), "resolved");
    assert_eq!(attr(&ticket, "resolved_as"), "self_served");
    let closed: Vec<Value> = stack
        .drain(&stack.queue("outbound").url)
        .await
        .into_iter()
        .filter(|m| m["type"] == "ticket.closed")
        .collect();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0]["data"]["resolved_as"], "self_served");
    assert_eq!(stack.emulator.sent_emails().len(), 1, "no survey");
    // The link again, once the ticket is resolved: it says so.
    let again = open(
        &h,
        get(&format!("https://links.example/answered?{query}")),
        now(),
    )
    .await;
    assert!(again.html.contains("zaten kapatılmış"), "{}", again.html);
}
