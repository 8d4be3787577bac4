//! The policy against the ports in memory, on real-shaped mails
//! (`events/mail/`); the emulator test (`tests/flows/mail_inbound.rs`)
//! proves S3, DynamoDB and SQS, and that complaint-intake joins the reply.

use std::collections::BTreeMap;
use std::sync::Mutex;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use memnun_shared::contract::Event;
use memnun_shared::contract::payload::EventData;
use memnun_shared::contract::ses_inbound::notification;
use memnun_shared::domain::customer::{ContactDetails, CustomerId};
use memnun_shared::domain::digest::Week;
use memnun_shared::domain::mail::EmailAddress;
use memnun_shared::domain::ticket::{Category, Channel, Origin, Priority};
use memnun_shared::memory::{MemoryPublisher, MemoryStore};
use proptest::prelude::*;

use super::*;

/// Mails in memory, by bucket and key, read with S3's bound semantics.
#[derive(Default)]
struct MemoryBox {
    mails: Mutex<BTreeMap<String, Vec<u8>>>,
    reads: Mutex<usize>,
}

impl MemoryBox {
    fn put(&self, key: &str, raw: &[u8]) {
        self.mails
            .lock()
            .unwrap()
            .insert(key.to_owned(), raw.to_vec());
    }

    fn reads(&self) -> usize {
        *self.reads.lock().unwrap()
    }
}

impl MailBox for MemoryBox {
    async fn fetch(&self, _bucket: &str, key: &str, max_bytes: usize) -> Result<Fetched> {
        *self.reads.lock().unwrap() += 1;
        let mails = self.mails.lock().unwrap();
        let raw = mails
            .get(key)
            .ok_or_else(|| Error::NotFound(format!("no mail at {key}")))?;
        if raw.len() > max_bytes {
            return Ok(Fetched::TooLarge(Some(raw.len() as u64)));
        }
        Ok(Fetched::Mail(raw.clone()))
    }
}

type InMemory = Handler<MemoryBox, MemoryStore, MemoryPublisher>;

const AYSE: &str = "ayse.yilmaz@example.com.tr";
const JOHN: &str = "john.smith@example.com";
const AYSE_TICKET: &str = "TK-4821-0937";
const JOHN_TICKET: &str = "TK-5521-3308";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn mail(name: &str) -> Vec<u8> {
    let path = format!("{}/../../events/mail/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn handler_with(extra: &[(&str, &str)]) -> InMemory {
    let mut pairs = vec![
        ("TABLE_NAME", "t"),
        ("IDEMPOTENCY_TABLE_NAME", "i"),
        ("TICKETS_QUEUE_URL", "http://localhost/tickets"),
    ];
    pairs.extend_from_slice(extra);
    let env = Env::from_pairs(pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())));
    let store = MemoryStore::default();
    for (customer, address, number, order) in [
        ("cus-ayse", AYSE, AYSE_TICKET, Some("1001")),
        ("cus-john", JOHN, JOHN_TICKET, None),
    ] {
        let id = CustomerId::parse(customer).unwrap();
        let contact = ContactDetails {
            email: Some(EmailAddress::parse(address).unwrap()),
            ..ContactDetails::default()
        };
        store
            .save_contact(&id, &contact, ts("2026-11-01T00:00:00Z"))
            .await
            .unwrap();
        let mut ticket = Ticket::new(
            TicketNumber::parse(number).unwrap(),
            &id,
            Origin::Complaint,
            Category::Delivery,
            Priority::Normal,
            ts("2026-11-22T07:15:00Z"),
            &format!("shop/web#{customer}"),
        );
        ticket.order_id = order.map(str::to_owned);
        ticket.channel = Some(Channel::Web);
        store.open(&ticket).await.unwrap();
    }
    Handler::new(
        Config::from_env(&env).unwrap(),
        MemoryBox::default(),
        store,
        MemoryPublisher::default(),
    )
}

async fn handler() -> InMemory {
    handler_with(&[]).await
}

const RECEIVED: &str = "2026-11-23T06:12:40.512Z";

fn batch(bodies: &[String]) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let mut m = SqsMessage::default();
            m.message_id = Some(format!("sqs-{i}"));
            m.body = Some(body.clone());
            m
        })
        .collect();
    event
}

/// Stores `raw` as SES would and handles its notification; answers the
/// batch's failures.
async fn receive(h: &InMemory, ses_id: &str, raw: &[u8]) -> usize {
    let key = format!("inbound/{ses_id}");
    h.mail_box.put(&key, raw);
    let body = notification(
        ses_id,
        ts(RECEIVED),
        &["reply@cevap.dukkan.example"],
        "mail",
        &key,
    );
    deliver(h, &body).await
}

async fn deliver(h: &InMemory, body: &str) -> usize {
    let deadline = Timestamp::now() + jiff::SignedDuration::from_secs(30);
    h.handle(batch(&[body.to_owned()]), deadline)
        .await
        .batch_item_failures
        .len()
}

/// The one complaint published, parsed by the contract.
fn forwarded(h: &InMemory) -> (Event, String) {
    let published = h.publisher.published();
    assert_eq!(published.len(), 1, "{published:?}");
    let event = Event::parse(&published[0].body).unwrap();
    (event, published[0].id.clone())
}

fn complaint_of(event: &Event) -> &memnun_shared::contract::payload::ComplaintCreated {
    match &event.data {
        EventData::ComplaintCreated(c) => c,
        other => panic!("not a complaint: {other:?}"),
    }
}

fn set_aside(h: &InMemory) -> BTreeMap<String, i64> {
    let week = Week::of(
        ts(RECEIVED),
        &jiff::tz::TimeZone::get("Europe/Istanbul").unwrap(),
    );
    h.store
        .world()
        .counters
        .get(&week)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k.starts_with("emails.set_aside"))
        .collect()
}

#[tokio::test]
async fn a_gmail_reply_joins_without_its_quote() {
    let h = handler().await;
    assert_eq!(receive(&h, "ses-gmail", &mail("gmail-en.eml")).await, 0);
    let (event, id) = forwarded(&h);
    assert!(id.starts_with("email-"), "{id}");
    assert_eq!(event.meta.source, SOURCE);
    assert_eq!(event.meta.time, ts("2026-11-23T06:12:40Z"));
    let c = complaint_of(&event);
    assert_eq!(c.customer_id.as_str(), "cus-john");
    assert_eq!(c.channel, Channel::Email);
    assert_eq!(
        c.message,
        "The parcel still hasn\u{2019}t arrived and the tracking page has not moved since Friday. Can you check with the courier?\n\nThanks,\nJohn"
    );
    assert_eq!(
        c.subject.as_deref(),
        Some("Re: We have your message [TK-5521-3308]")
    );
    assert_eq!(c.order_id, None);
    assert!(set_aside(&h).is_empty());
}

#[tokio::test]
async fn an_outlook_reply_in_windows_1254_with_a_turkish_header_block() {
    let h = handler().await;
    assert_eq!(receive(&h, "ses-outlook", &mail("outlook-tr.eml")).await, 0);
    let (event, _) = forwarded(&h);
    let c = complaint_of(&event);
    assert_eq!(c.customer_id.as_str(), "cus-ayse");
    assert_eq!(
        c.message,
        "Merhaba,\n\nKargo hâlâ gelmedi, siparişimi iptal etmek istiyorum. İade için ne yapmam gerekiyor?\n\nAyşe"
    );
    assert_eq!(
        c.subject.as_deref(),
        Some("YNT: Talebinizi aldık [TK-4821-0937]")
    );
    // The ticket's order travels with it, so a resolved ticket's successor
    // is about the same order.
    assert_eq!(c.order_id.as_deref(), Some("1001"));
}

#[tokio::test]
async fn an_apple_mail_reply_in_base64_with_a_photo_keeps_only_the_words() {
    let h = handler().await;
    assert_eq!(
        receive(&h, "ses-apple", &mail("apple-mail-tr.eml")).await,
        0
    );
    let (event, _) = forwarded(&h);
    let c = complaint_of(&event);
    assert_eq!(
        c.message,
        "Paket ezik geldi, fotoğrafı ekledim. Değişim yapılabilir mi?"
    );
    assert!(!h.publisher.published()[0].body.contains("JFIF"));
}

#[tokio::test]
async fn an_html_only_reply_finds_its_ticket_in_the_quote() {
    let h = handler().await;
    assert_eq!(receive(&h, "ses-owa", &mail("html-only-en.eml")).await, 0);
    let (event, _) = forwarded(&h);
    let c = complaint_of(&event);
    assert_eq!(
        c.message,
        "I would rather have a refund than a replacement, please.\n\nKind regards,\nJohn Smith"
    );
    assert_eq!(
        c.subject.as_deref(),
        Some("RE: We have your message [TK-5521-3308]")
    );
}

#[tokio::test]
async fn the_same_mail_twice_is_one_event() {
    let h = handler().await;
    let raw = mail("gmail-en.eml");
    assert_eq!(receive(&h, "ses-1", &raw).await, 0);
    // SES received it a second time (the sender's server retried): another
    // SES id, the same Message-ID.
    assert_eq!(receive(&h, "ses-2", &raw).await, 0);
    let published = h.publisher.published();
    assert_eq!(published.len(), 2);
    assert_eq!(published[0].id, published[1].id);
    assert_eq!(
        published[0].body,
        published[1].body.replace("ses-2", "ses-1")
    );
}

#[tokio::test]
async fn an_out_of_office_is_set_aside_and_counted_once() {
    let h = handler().await;
    let raw = mail("out-of-office-en.eml");
    assert_eq!(receive(&h, "ses-ooo", &raw).await, 0);
    assert_eq!(receive(&h, "ses-ooo", &raw).await, 0);
    assert!(h.publisher.published().is_empty());
    assert_eq!(
        set_aside(&h),
        BTreeMap::from([
            ("emails.set_aside".to_owned(), 1),
            ("emails.set_aside.automatic".to_owned(), 1),
        ])
    );
}

#[tokio::test]
async fn a_stranger_naming_a_customers_ticket_never_joins_it() {
    let h = handler().await;
    let raw = String::from_utf8(mail("gmail-en.eml"))
        .unwrap()
        .replace(JOHN, "someone@example.net");
    assert_eq!(receive(&h, "ses-stranger", raw.as_bytes()).await, 0);
    assert!(h.publisher.published().is_empty());
    assert_eq!(set_aside(&h)["emails.set_aside.not_the_customer"], 1);
}

#[tokio::test]
async fn the_sender_is_matched_without_case() {
    let h = handler().await;
    let raw = String::from_utf8(mail("gmail-en.eml")).unwrap().replace(
        "From: John Smith <john.smith@",
        "From: John Smith <John.Smith@",
    );
    assert_eq!(receive(&h, "ses-case", raw.as_bytes()).await, 0);
    assert_eq!(h.publisher.published().len(), 1);
}

#[tokio::test]
async fn no_number_or_no_such_ticket_is_set_aside() {
    let h = handler().await;
    let raw = b"From: john.smith@example.com\r\nSubject: hello\r\nMessage-ID: <a@b>\r\n\r\nWhere is my parcel?\r\n";
    assert_eq!(receive(&h, "ses-none", raw).await, 0);
    let raw = b"From: john.smith@example.com\r\nSubject: Re: [TK-9999-0000]\r\nMessage-ID: <c@d>\r\n\r\nAnd?\r\n";
    assert_eq!(receive(&h, "ses-unknown", raw).await, 0);
    let raw = b"From: john.smith@example.com\r\nSubject: Re: [TK-5521-3308]\r\nMessage-ID: <e@f>\r\n\r\nOn Sun, 22 Nov 2026, D <d@dukkan.example> wrote:\r\n> hi\r\n";
    assert_eq!(receive(&h, "ses-empty", raw).await, 0);
    assert!(h.publisher.published().is_empty());
    let counts = set_aside(&h);
    assert_eq!(counts["emails.set_aside.no_ticket_number"], 1);
    assert_eq!(counts["emails.set_aside.no_such_ticket"], 1);
    assert_eq!(counts["emails.set_aside.empty"], 1);
    assert_eq!(counts["emails.set_aside"], 3);
}

#[tokio::test]
async fn an_oversized_mail_is_set_aside_with_its_reason() {
    let h = handler_with(&[("INBOUND_MAX_BYTES", "65536")]).await;
    let mut raw = String::from_utf8(mail("gmail-en.eml")).unwrap();
    raw.push_str(&"X".repeat(70_000));
    assert_eq!(receive(&h, "ses-big", raw.as_bytes()).await, 0);
    assert!(h.publisher.published().is_empty());
    assert_eq!(set_aside(&h)["emails.set_aside.too_large"], 1);
}

#[tokio::test]
async fn spam_and_forged_senders_are_not_even_read() {
    let h = handler().await;
    let key = "inbound/ses-spam";
    h.mail_box.put(key, &mail("gmail-en.eml"));
    let spam = notification("ses-spam", ts(RECEIVED), &[], "mail", key).replace(
        r#""spamVerdict":{"status":"PASS"}"#,
        r#""spamVerdict":{"status":"FAIL"}"#,
    );
    assert_eq!(deliver(&h, &spam).await, 0);
    let forged = notification("ses-forged", ts(RECEIVED), &[], "mail", key).replace(
        r#""dmarcVerdict":{"status":"PASS"}"#,
        r#""dmarcVerdict":{"status":"FAIL"}"#,
    );
    assert_eq!(deliver(&h, &forged).await, 0);
    assert_eq!(h.mail_box.reads(), 0);
    let counts = set_aside(&h);
    assert_eq!(counts["emails.set_aside.spam"], 1);
    assert_eq!(counts["emails.set_aside.unauthenticated"], 1);
}

#[tokio::test]
async fn a_body_that_is_not_ses_fails_alone_and_a_missing_mail_is_retried() {
    let h = handler().await;
    assert_eq!(deliver(&h, r#"{"hello":"world"}"#).await, 1);
    let missing = notification("ses-gone", ts(RECEIVED), &[], "mail", "inbound/ses-gone");
    assert_eq!(deliver(&h, &missing).await, 1);
    assert!(set_aside(&h).is_empty());
}

#[test]
fn the_sample_notice_is_read_as_ses_writes_it() {
    let body = std::fs::read_to_string(format!(
        "{}/../../events/mail/received.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let Received::Mail(receipt) = SesReceipt::parse(&body).unwrap() else {
        panic!("not a received mail")
    };
    assert_eq!(
        receipt.key,
        "inbound/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1"
    );
    assert_eq!(receipt.recipients, ["reply@cevap.dukkan.example"]);
    assert_eq!(receipt.verdicts.refusal(), None);
}

#[test]
fn clipping_keeps_characters_whole() {
    assert_eq!(clip("şşşş", 3), "şş…");
    assert_eq!(clip("şş", 3), "şş");
    assert_eq!(one_line("a\tb\r\n"), "a b");
}

/// Bytes shaped like mail, then broken: headers, boundaries, encodings
/// and garbage in any order.
fn hostile() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"From: john.smith@example.com\r\n".to_vec()),
        Just(b"Subject: =?utf-8?B?UmU6IFtUSy01NTIxLTMzMDhd?=\r\n".to_vec()),
        Just(b"Subject: =?iso-8859-9?Q?=FE=FD=?=\r\n".to_vec()),
        Just(b"Content-Type: multipart/mixed; boundary=\"b\"\r\n".to_vec()),
        Just(b"Content-Transfer-Encoding: base64\r\n".to_vec()),
        Just(b"Content-Transfer-Encoding: quoted-printable\r\n".to_vec()),
        Just(b"Content-Type: text/html; charset=windows-1254\r\n".to_vec()),
        Just(b"\r\n--b\r\n".to_vec()),
        Just(b"\r\n--b--\r\n".to_vec()),
        Just(b"\r\n\r\n".to_vec()),
        Just(b"> On Sun wrote:\r\n".to_vec()),
        Just(b"<div class=\"gmail_quote\"><blockquote>".to_vec()),
        Just(b"TK-5521-3308 ".to_vec()),
        Just(b"=E2=80=\r\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..64),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever arrives, the function answers: no panic, no batch
    /// failure, and anything forwarded keeps the contract.
    #[test]
    fn hostile_mail_never_breaks_the_function(raw in hostile()) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let h = handler().await;
            assert_eq!(receive(&h, "ses-hostile", &raw).await, 0);
            for message in h.publisher.published() {
                let event = Event::parse(&message.body).unwrap();
                let c = complaint_of(&event);
                assert!(c.message.chars().count() <= MAX_MESSAGE_CHARS);
                assert_eq!(c.customer_id.as_str(), "cus-john");
            }
        });
    }
}
