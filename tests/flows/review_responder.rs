//! review-responder against the AWS emulator: real queue, real tables, real
//! SES, delivered the way Lambda delivers.

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use jiff::{SignedDuration, Timestamp};
use memnun_shared::adapters::{dynamodb::DynamoStore, ses::SesMailer, sqs::SqsPublisher};
use memnun_shared::config::Env;
use memnun_shared::keys::WorkKey;
use memnun_tests::deliver::{self, Delivery};
use memnun_tests::events::{event, review};
use memnun_tests::stack::{Stack, attr};
use review_responder::{Config, Handler};
use serde_json::json;

type Responder = Handler<DynamoStore, SesMailer, SqsPublisher>;

fn handler(stack: &Stack) -> Responder {
    let config = Config::from_env(&Env::from_pairs(stack.env())).expect("config");
    Handler::new(
        config.clone(),
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

fn deadline() -> Timestamp {
    Timestamp::now() + SignedDuration::from_secs(30)
}

async fn deliver_all(stack: &Stack, h: &Responder) -> Vec<Delivery> {
    let q = stack.queue("reviews");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e, deadline())).await
}

async fn coupons(stack: &Stack) -> Vec<String> {
    stack
        .items_with_prefix("COUPON#")
        .await
        .iter()
        .map(|i| attr(i, "code").to_string())
        .collect()
}

async fn outbound(stack: &Stack, kind: &str) -> Vec<serde_json::Value> {
    stack
        .drain(&stack.queue("outbound").url)
        .await
        .into_iter()
        .filter(|m| m["type"] == kind)
        .collect()
}

fn batch_of(bodies: &[&str]) -> SqsEvent {
    let mut e = SqsEvent::default();
    e.records = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let mut m = SqsMessage::default();
            m.message_id = Some(format!("m-{i}"));
            m.body = Some((*b).to_string());
            m
        })
        .collect();
    e
}

#[tokio::test(flavor = "multi_thread")]
async fn a_negative_review_gets_an_apology_a_coupon_and_a_ticket() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    stack
        .send(
            "reviews",
            &review(
                "r-1",
                "2026-11-22T10:15:00Z",
                "c-1",
                1,
                "ayse@example.com",
                "tr",
            ),
        )
        .await;

    let deliveries = deliver_all(&stack, &h).await;
    assert_eq!(deliveries.len(), 1);
    assert!(deliveries[0].failed.is_empty());

    // DynamoDB: the customer, the review, the coupon by cause, the ticket pointer.
    let items = stack.customer_items("c-1").await;
    let sks: Vec<&str> = items.iter().map(|i| attr(i, "sk")).collect();
    assert!(sks.contains(&"PROFILE"), "{sks:?}");
    assert!(
        sks.iter()
            .any(|s| s.starts_with("REVIEW#2026-11-22T10:15:00Z#")),
        "{sks:?}"
    );
    assert!(
        sks.contains(&"COUPON#negative_review#shop/test#r-1"),
        "{sks:?}"
    );
    assert!(
        sks.contains(&"TICKET#negative_review#shop/test#r-1"),
        "{sks:?}"
    );
    let profile = items.iter().find(|i| attr(i, "sk") == "PROFILE").unwrap();
    assert_eq!(attr(profile, "email"), "ayse@example.com");
    assert_eq!(attr(profile, "locale"), "tr");
    assert_eq!(
        attr(profile, "last_apology_coupon_at"),
        "2026-11-22T10:15:00Z"
    );

    let codes = coupons(&stack).await;
    assert_eq!(codes.len(), 1);
    let code = &codes[0];
    assert!(code.starts_with("RVW-"), "{code}");
    let coupon = stack.items_with_prefix("COUPON#").await.remove(0);
    // 1 star: 20 %, valid through the end of 22 December in Istanbul.
    assert_eq!(coupon["percent"].as_n().unwrap(), "20");
    assert_eq!(attr(&coupon, "expires_at"), "2026-12-22T20:59:59Z");

    let tickets = stack.items_with_prefix("TICKET#").await;
    assert_eq!(tickets.len(), 1);
    let ticket_number = attr(&tickets[0], "number").to_string();
    assert_eq!(attr(&tickets[0], "priority"), "high");
    assert_eq!(attr(&tickets[0], "gsi1pk"), "CUSTOMER#c-1");

    // SES: one email to the customer, in Turkish, with the coupon and ticket.
    let emails = stack.emulator.sent_emails();
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    assert_eq!(email.to, ["ayse@example.com"]);
    assert_eq!(
        email.subject,
        format!("[{ticket_number}] Dükkan: Özür dileriz")
    );
    assert!(
        email.source.ends_with("<destek@dukkan.example>"),
        "{}",
        email.source
    );
    for expected in [
        code.as_str(),
        "%20",
        "22 Aralık 2026",
        "Ayşe Yılmaz",
        "Seramik Kupa",
        &ticket_number,
    ] {
        assert!(
            email.body.contains(expected),
            "missing {expected} in {}",
            email.body
        );
    }

    // The outbound queue: coupon.issued and ticket.opened.
    let messages = stack.drain(&stack.queue("outbound").url).await;
    let issued: Vec<_> = messages
        .iter()
        .filter(|m| m["type"] == "coupon.issued")
        .collect();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0]["data"]["code"], json!(code));
    assert_eq!(issued[0]["data"]["customer_id"], "c-1");
    assert_eq!(issued[0]["data"]["percent"], 20);
    assert_eq!(issued[0]["data"]["reason"], "negative_review");
    assert_eq!(issued[0]["specversion"], "1.0");
    let opened: Vec<_> = messages
        .iter()
        .filter(|m| m["type"] == "ticket.opened")
        .collect();
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0]["data"]["ticket_id"], json!(ticket_number));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_event_twice_has_its_effects_once() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let body = review(
        "r-dup",
        "2026-11-22T10:15:00Z",
        "c-dup",
        2,
        "can@example.com",
        "tr",
    );
    stack.send("reviews", &body).await;
    stack.send("reviews", &body).await;
    deliver_all(&stack, &h).await;
    // And once more, long after the first two were handled.
    stack.send("reviews", &body).await;
    deliver_all(&stack, &h).await;

    assert_eq!(coupons(&stack).await.len(), 1);
    assert_eq!(stack.emulator.sent_emails().len(), 1);
    assert_eq!(stack.items_with_prefix("TICKET#").await.len(), 1);
    assert_eq!(outbound(&stack, "coupon.issued").await.len(), 1);
    let reviews = stack
        .customer_items("c-dup")
        .await
        .into_iter()
        .filter(|i| attr(i, "sk").starts_with("REVIEW#"))
        .count();
    assert_eq!(reviews, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_event_in_two_concurrent_invocations_issues_one_coupon() {
    let stack = Stack::start().await;
    let (a, b) = (handler(&stack), handler(&stack));
    let body = review(
        "r-race",
        "2026-11-22T10:15:00Z",
        "c-race",
        1,
        "deniz@example.com",
        "en",
    );
    let (ra, rb) = tokio::join!(
        a.handle(batch_of(&[&body]), deadline()),
        b.handle(batch_of(&[&body]), deadline())
    );
    let failed = ra.batch_item_failures.len() + rb.batch_item_failures.len();
    // The loser (if the two overlapped) is told to retry; its retry is a duplicate.
    if failed > 0 {
        let retry = a.handle(batch_of(&[&body]), deadline()).await;
        assert!(retry.batch_item_failures.is_empty());
    }
    assert_eq!(coupons(&stack).await.len(), 1);
    assert_eq!(stack.emulator.sent_emails().len(), 1);
    assert_eq!(stack.items_with_prefix("TICKET#").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_negative_reviews_at_the_same_moment_win_one_coupon() {
    let stack = Stack::start().await;
    let (a, b) = (handler(&stack), handler(&stack));
    let first = review(
        "r-a",
        "2026-11-22T10:15:00Z",
        "c-farm",
        1,
        "farm@example.com",
        "tr",
    );
    let second = review(
        "r-b",
        "2026-11-22T10:16:00Z",
        "c-farm",
        1,
        "farm@example.com",
        "tr",
    );
    let (ra, rb) = tokio::join!(
        a.handle(batch_of(&[&first]), deadline()),
        b.handle(batch_of(&[&second]), deadline())
    );
    // Two transactions on one customer at once may conflict: the loser fails
    // and is redelivered, as SQS would.
    for (body, response) in [(&first, ra), (&second, rb)] {
        if !response.batch_item_failures.is_empty() {
            let retry = a.handle(batch_of(&[body]), deadline()).await;
            assert!(retry.batch_item_failures.is_empty());
        }
    }
    assert_eq!(
        coupons(&stack).await.len(),
        1,
        "the cap holds under concurrency"
    );
    // Both reviews are apologised for, one of them without a coupon.
    let emails = stack.emulator.sent_emails();
    assert_eq!(emails.len(), 2);
    assert_eq!(emails.iter().filter(|e| e.body.contains("RVW-")).count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_malformed_message_fails_alone_and_ends_in_the_dead_letter_queue() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    for i in 0..9 {
        stack
            .send(
                "reviews",
                &review(
                    &format!("r-{i}"),
                    "2026-11-22T10:15:00Z",
                    &format!("c-{i}"),
                    2,
                    &format!("c{i}@example.com"),
                    "tr",
                ),
            )
            .await;
    }
    let malformed = event(
        "r-bad",
        "review.posted",
        "2026-11-22T10:15:00Z",
        json!({"customer_id": "c-x", "rating": 7}),
    );
    stack.send("reviews", &malformed).await;

    let q = stack.queue("reviews");
    let first = deliver::once(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e, deadline())).await;
    assert_eq!(first.received, 10);
    assert_eq!(first.failed.len(), 1);
    assert_eq!(stack.emulator.sent_emails().len(), 9);
    assert_eq!(coupons(&stack).await.len(), 9);

    // Redelivered until SQS gives up on it after five receives.
    let rest = deliver_all(&stack, &h).await;
    assert_eq!(rest.len(), 4, "received five times in all");
    assert!(rest.iter().all(|d| d.received == 1 && d.failed.len() == 1));
    let dead = stack.drain(&q.dlq_url).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["id"], "r-bad");
    assert_eq!(stack.emulator.sent_emails().len(), 9);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_send_fails_its_message_and_the_retry_reuses_the_coupon() {
    let stack = Stack::start_unverified().await;
    let h = handler(&stack);
    stack
        .send(
            "reviews",
            &review(
                "r-ses",
                "2026-11-22T10:15:00Z",
                "c-ses",
                1,
                "mert@example.com",
                "tr",
            ),
        )
        .await;
    stack
        .send(
            "reviews",
            &review(
                "r-ok",
                "2026-11-22T10:15:00Z",
                "c-ok",
                5,
                "ok@example.com",
                "tr",
            ),
        )
        .await;

    let q = stack.queue("reviews");
    let first = deliver::once(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e, deadline())).await;
    assert_eq!(first.received, 2);
    assert_eq!(
        first.failed.len(),
        1,
        "only the message whose send was refused fails"
    );
    assert!(stack.emulator.sent_emails().is_empty());
    let issued = coupons(&stack).await;
    assert_eq!(issued.len(), 1);

    stack.verify_sender().await;
    deliver_all(&stack, &h).await;
    let emails = stack.emulator.sent_emails();
    assert_eq!(emails.len(), 1);
    assert!(
        emails[0].body.contains(&issued[0]),
        "the retry sends the coupon issued the first time"
    );
    assert_eq!(coupons(&stack).await, issued);
    assert_eq!(outbound(&stack, "coupon.issued").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_negative_review_within_thirty_days_gets_an_apology_without_a_coupon() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    stack
        .send(
            "reviews",
            &review(
                "r-1",
                "2026-11-01T10:00:00Z",
                "c-cap",
                1,
                "cap@example.com",
                "en",
            ),
        )
        .await;
    deliver_all(&stack, &h).await;
    stack
        .send(
            "reviews",
            &review(
                "r-2",
                "2026-11-20T10:00:00Z",
                "c-cap",
                2,
                "cap@example.com",
                "en",
            ),
        )
        .await;
    deliver_all(&stack, &h).await;
    assert_eq!(coupons(&stack).await.len(), 1);
    let emails = stack.emulator.sent_emails();
    assert_eq!(emails.len(), 2);
    assert!(
        emails
            .iter()
            .any(|e| !e.body.contains("RVW-") && e.subject.ends_with("We are sorry"))
    );
    // After the window, a new negative review earns a coupon again.
    stack
        .send(
            "reviews",
            &review(
                "r-3",
                "2026-12-15T10:00:00Z",
                "c-cap",
                2,
                "cap@example.com",
                "en",
            ),
        )
        .await;
    deliver_all(&stack, &h).await;
    assert_eq!(coupons(&stack).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_text_is_escaped_and_cannot_inject_headers() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let body = event(
        "r-xss",
        "review.posted",
        "2026-11-22T10:15:00Z",
        json!({
            "customer_id": "c-xss",
            "rating": 1,
            "product_name": "<img src=x onerror=alert(1)>",
            "text": "<script>alert('x')</script>",
            "customer": {"email": "x@example.com", "name": "<script>alert(1)</script>\r\nBcc: evil@example.net", "locale": "en"}
        }),
    );
    stack.send("reviews", &body).await;
    assert!(
        deliver_all(&stack, &h)
            .await
            .iter()
            .all(|d| d.failed.is_empty())
    );
    let emails = stack.emulator.sent_emails();
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    assert_eq!(email.to, ["x@example.com"], "no extra recipient");
    assert!(!email.subject.contains('\r') && !email.subject.contains('\n'));
    assert!(
        !email.body.contains("<script>") && !email.body.contains("<img"),
        "{}",
        email.body
    );
    assert!(email.body.contains("&#60;script&#62;") || email.body.contains("&lt;script&gt;"));
    // The review is stored as written: escaping is the email's business.
    let items = stack.customer_items("c-xss").await;
    let stored = items
        .iter()
        .find(|i| attr(i, "sk").starts_with("REVIEW#"))
        .unwrap();
    assert_eq!(attr(stored, "text"), "<script>alert('x')</script>");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_good_review_is_recorded_and_nothing_is_sent() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    stack
        .send(
            "reviews",
            &review(
                "r-good",
                "2026-11-22T10:15:00Z",
                "c-good",
                4,
                "good@example.com",
                "tr",
            ),
        )
        .await;
    assert!(deliver_all(&stack, &h).await[0].failed.is_empty());
    let items = stack.customer_items("c-good").await;
    let stored = items
        .iter()
        .find(|i| attr(i, "sk").starts_with("REVIEW#"))
        .expect("review recorded");
    assert_eq!(stored["rating"].as_n().unwrap(), "4");
    assert!(stack.emulator.sent_emails().is_empty());
    assert!(coupons(&stack).await.is_empty());
    assert!(stack.items_with_prefix("TICKET#").await.is_empty());
    assert!(stack.drain(&stack.queue("outbound").url).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_customer_without_email_is_recorded_not_answered() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    let body = event(
        "r-anon",
        "review.posted",
        "2026-11-22T10:15:00Z",
        json!({"customer_id": "c-anon", "rating": 1}),
    );
    stack.send("reviews", &body).await;
    let deliveries = deliver_all(&stack, &h).await;
    assert_eq!(deliveries.len(), 1, "not retried");
    assert!(deliveries[0].failed.is_empty());
    assert!(stack.emulator.sent_emails().is_empty());
    let sks: Vec<String> = stack
        .customer_items("c-anon")
        .await
        .iter()
        .map(|i| attr(i, "sk").to_string())
        .collect();
    assert!(
        sks.contains(&"PROFILE".to_string()),
        "a minimal record exists: {sks:?}"
    );
    assert!(sks.iter().any(|s| s.starts_with("REVIEW#")));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_language_is_the_customers_or_else_the_shops() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    stack
        .send(
            "reviews",
            &review(
                "r-en",
                "2026-11-22T10:15:00Z",
                "c-en",
                2,
                "en@example.com",
                "en-GB",
            ),
        )
        .await;
    stack
        .send(
            "reviews",
            &review(
                "r-de",
                "2026-11-22T10:15:00Z",
                "c-de",
                2,
                "de@example.com",
                "de",
            ),
        )
        .await;
    deliver_all(&stack, &h).await;
    let emails = stack.emulator.sent_emails();
    let to = |addr: &str| {
        emails
            .iter()
            .find(|e| e.to == [addr])
            .expect("email")
            .clone()
    };
    let en = to("en@example.com");
    assert!(en.subject.ends_with("We are sorry"), "{}", en.subject);
    assert!(
        en.body.contains("15%") && en.body.contains("22 December 2026"),
        "{}",
        en.body
    );
    let de = to("de@example.com");
    assert!(de.subject.ends_with("Özür dileriz"), "{}", de.subject);
    assert!(de.body.contains("%15"));
}

#[tokio::test(flavor = "multi_thread")]
async fn stored_contact_details_answer_a_review_without_them() {
    let stack = Stack::start().await;
    let h = handler(&stack);
    stack
        .send(
            "reviews",
            &review(
                "r-1",
                "2026-11-22T10:15:00Z",
                "c-known",
                5,
                "known@example.com",
                "en",
            ),
        )
        .await;
    deliver_all(&stack, &h).await;
    let bare = event(
        "r-2",
        "review.posted",
        "2026-11-22T11:00:00Z",
        json!({"customer_id": "c-known", "rating": 2}),
    );
    stack.send("reviews", &bare).await;
    deliver_all(&stack, &h).await;
    let emails = stack.emulator.sent_emails();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].to, ["known@example.com"]);
    assert!(emails[0].subject.ends_with("We are sorry"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_claim_left_by_a_crashed_invocation_blocks_only_until_its_deadline() {
    use memnun_shared::ports::{Claim, IdempotencyStore};
    let stack = Stack::start().await;
    let h = handler(&stack);
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&stack.aws),
        &stack.table,
        &stack.idempotency_table,
    );
    let body = review(
        "r-crash",
        "2026-11-22T10:15:00Z",
        "c-crash",
        1,
        "crash@example.com",
        "tr",
    );
    let key = &WorkKey::from_stored("event#review-responder#shop/test#r-crash");
    let now = Timestamp::now();
    let expires = now + SignedDuration::from_hours(24);

    // An invocation took the claim and died; its deadline is 20 s away.
    let claim = store
        .claim(key, now + SignedDuration::from_secs(20), now, expires)
        .await
        .unwrap();
    assert_eq!(claim, Claim::Acquired);
    let blocked = h.handle(batch_of(&[&body]), deadline()).await;
    assert_eq!(
        blocked.batch_item_failures.len(),
        1,
        "held by the invocation still within its time"
    );
    assert!(stack.emulator.sent_emails().is_empty());

    // Its time is up: the retry takes the claim over and does the work once.
    store.release(key).await.unwrap();
    let past = now - SignedDuration::from_secs(1);
    assert_eq!(
        store.claim(key, past, past, expires).await.unwrap(),
        Claim::Acquired
    );
    let retried = h.handle(batch_of(&[&body]), deadline()).await;
    assert!(retried.batch_item_failures.is_empty());
    assert_eq!(stack.emulator.sent_emails().len(), 1);
    assert_eq!(coupons(&stack).await.len(), 1);
}

/// An SES stand-in on loopback that keeps each request's form body and
/// answers `SendEmail` as SES does: the emulator does not keep `Reply-To`.
fn ses_capture() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = std::sync::Arc::clone(&bodies);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            kept.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&body).into_owned());
            let answer = "<SendEmailResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\"><SendEmailResult><MessageId>0100-1</MessageId></SendEmailResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></SendEmailResponse>";
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (format!("http://127.0.0.1:{port}"), bodies)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reply_to_reaches_ses_exactly_when_configured() {
    use memnun_shared::domain::mail::{EmailAddress, OutgoingEmail, render::Rendered};
    use memnun_shared::ports::Mailer;
    let (endpoint, bodies) = ses_capture();
    let aws = memnun_tests::stack::client_config(&endpoint).await;
    let sender = EmailAddress::parse("destek@dukkan.example").unwrap();
    let mailer = SesMailer::new(aws_sdk_ses::Client::new(&aws), "Dükkan", &sender, None);
    let email = OutgoingEmail::new(
        EmailAddress::parse("ayse@example.com").unwrap(),
        Rendered {
            subject: "[TK-1234-5678] Dükkan: Mesajınızı aldık".into(),
            html: "<p>Merhaba</p>".into(),
            text: "Merhaba".into(),
        },
        "ack",
    );
    mailer.send(&email).await.unwrap();
    let desk = EmailAddress::parse("destek@dukkan.zendesk.com").unwrap();
    mailer.send(&email.with_reply_to(Some(desk))).await.unwrap();
    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2);
    assert!(!bodies[0].contains("ReplyToAddresses"), "{}", bodies[0]);
    assert!(
        bodies[1].contains("ReplyToAddresses.member.1=destek%40dukkan.zendesk.com"),
        "{}",
        bodies[1]
    );
}
