//! Inbound email against the emulator: with `InboundEmailDomain` set, a
//! customer's reply as SES stores it (in the template's bucket, its notice
//! in the SNS envelope on the inbound queue) is read from S3 by
//! mail-inbound, cut from its quote, and joined by complaint-intake to the
//! customer's ticket: no second ticket, one SLA, the words on the ticket.
//! The same mail twice joins once; a stranger naming the ticket never
//! joins; a notice that is not SES's ends in the dead-letter queue; a mail
//! over the bound is set aside from a ranged read, an empty one as no mail. The
//! calls are counted, and each is checked against the function's role in
//! the template (S3, DynamoDB, SQS): what the emulator cannot refuse.

#[path = "support/functions.rs"]
mod functions;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use functions::{complaint, deadline, deliver_tickets, intake, store, ticket_numbers, ts};
use mail_inbound::{Config, Handler};
use memnun_shared::adapters::dynamodb::DynamoStore;
use memnun_shared::adapters::s3::S3MailBox;
use memnun_shared::adapters::sqs::SqsPublisher;
use memnun_shared::config::Env;
use memnun_shared::contract::ses_inbound::notification;
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::domain::ticket::{Channel, TicketNumber};
use memnun_shared::ports::{Fetched, MailBox, TicketStore};
use memnun_tests::deliver::{self, Delivery};
use memnun_tests::faults::{FaultConfig, FaultProxy, RecordedCall};
use memnun_tests::iam::{Roles, Ses};
use memnun_tests::stack::Stack;
use memnun_tests::template::LOCAL_REGION;

type Inbound = Handler<S3MailBox, DynamoStore, SqsPublisher>;

const DOMAIN: &str = "cevap.dukkan.example";
const AYSE: &str = "ayse.yilmaz@example.com.tr";
/// The ticket number the Outlook sample quotes, replaced by the real one.
const SAMPLE_TICKET: &str = "TK-4821-0937";

/// Clients that sign as `key_id` (the IAM proof's name for a function),
/// through `endpoint`.
async fn signed_as(endpoint: &str, key_id: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(
            memnun_shared::adapters::https_client(
                memnun_shared::adapters::trust::AWS_ROOTS.as_bytes(),
            )
            .expect("the AWS roots"),
        )
        .endpoint_url(endpoint)
        .region(Region::new(LOCAL_REGION))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            key_id, "test", None, None, "tests",
        ))
        .load()
        .await
}

fn s3(aws: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(aws)
            .force_path_style(true)
            .build(),
    )
}

/// mail-inbound as the template configures it, its clients on `aws`.
fn inbound(stack: &Stack, aws: &SdkConfig) -> Inbound {
    let config =
        Config::from_env(&Env::from_pairs(stack.function_env("mail-inbound"))).expect("config");
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(aws),
        &stack.table,
        &stack.idempotency_table,
    );
    Handler::new(
        config,
        S3MailBox::new(s3(aws)),
        store,
        SqsPublisher::new(aws_sdk_sqs::Client::new(aws)),
    )
}

fn bucket(stack: &Stack) -> String {
    stack.local.buckets["InboundEmailBucket"].clone()
}

/// Stores `raw` as SES's S3 action does and puts SES's notice, in the SNS
/// envelope, on the inbound queue.
async fn receive(stack: &Stack, ses_id: &str, raw: &[u8]) {
    let key = format!("inbound/{ses_id}");
    s3(&stack.aws)
        .put_object()
        .bucket(bucket(stack))
        .key(&key)
        .body(raw.to_vec().into())
        .send()
        .await
        .expect("put the mail");
    let notice = notification(
        ses_id,
        ts("2026-11-23T06:40:15.120Z"),
        &[&format!("reply@{DOMAIN}")],
        &bucket(stack),
        &key,
    );
    let envelope = serde_json::json!({"Type": "Notification", "Message": notice}).to_string();
    stack.send("inbound-email", &envelope).await;
}

async fn deliver_inbound(stack: &Stack, h: &Inbound) -> Vec<Delivery> {
    let q = stack.queue("inbound-email");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e, deadline())).await
}

fn outlook_reply(ticket: &str, from: &str) -> Vec<u8> {
    let path = memnun_tests::workspace_root().join("events/mail/outlook-tr.eml");
    std::fs::read_to_string(path)
        .expect("the sample")
        .replace(SAMPLE_TICKET, ticket)
        .replace(AYSE, from)
        .into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_by_email_joins_its_ticket_once_and_a_strangers_never() {
    let stack = Stack::start_with(&[("InboundEmailDomain", DOMAIN)], true).await;
    // The ticket emails carry the inbound address as Reply-To.
    assert!(
        stack
            .function_env("complaint-intake")
            .contains(&("SUPPORT_REPLY_TO_EMAIL".into(), format!("reply@{DOMAIN}")))
    );

    // Ayşe complains on the web: a ticket and its acknowledgement.
    let intake = intake(&stack);
    stack
        .send(
            "tickets",
            &complaint(
                "c-1",
                "2026-11-22T07:15:00Z",
                "cus-ayse",
                "web",
                "Kargom gelmedi",
                AYSE,
                "tr",
                "Europe/Istanbul",
            ),
        )
        .await;
    deliver_tickets(&stack, &intake).await;
    let numbers = ticket_numbers(&stack).await;
    assert_eq!(numbers.len(), 1);
    let number = TicketNumber::parse(&numbers[0]).expect("a number");

    // Her Outlook reply, counted and recorded as mail-inbound.
    let proxy = FaultProxy::start(stack.emulator.port(), FaultConfig::none(0)).expect("proxy");
    let aws = signed_as(&proxy.endpoint(), "mail-inbound").await;
    let h = inbound(&stack, &aws);
    let raw = outlook_reply(number.as_str(), AYSE);
    receive(&stack, "ses-1", &raw).await;
    proxy.take_recorded();
    proxy.set_recording(true);
    let first = deliver_inbound(&stack, &h).await;
    proxy.set_recording(false);
    assert!(first.iter().all(|d| d.failed.is_empty()), "{first:?}");
    let calls = proxy.take_recorded();
    let ops: Vec<String> = calls.iter().map(RecordedCall::operation).collect();
    assert_eq!(
        ops,
        [
            "s3:GetObject",
            "dynamodb:GetItem",
            "dynamodb:GetItem",
            "sqs:SendMessageBatch"
        ],
        "a reply's calls (docs/life-of-an-event.md)"
    );

    // The same mail again: SES's notice redelivered, and the mail received
    // a second time under another SES id.
    receive(&stack, "ses-2", &raw).await;
    stack
        .send(
            "inbound-email",
            &serde_json::json!({"Type": "Notification", "Message": notification(
                "ses-1",
                ts("2026-11-23T06:40:15.120Z"),
                &[&format!("reply@{DOMAIN}")],
                &bucket(&stack),
                "inbound/ses-1",
            )})
            .to_string(),
        )
        .await;
    // A stranger quoting her ticket.
    receive(
        &stack,
        "ses-3",
        &outlook_reply(number.as_str(), "someone@example.net"),
    )
    .await;
    proxy.set_recording(true);
    deliver_inbound(&stack, &h).await;
    proxy.set_recording(false);
    let calls: Vec<RecordedCall> = calls.into_iter().chain(proxy.take_recorded()).collect();
    deliver_tickets(&stack, &intake).await;

    let ticket = store(&stack)
        .ticket(&number)
        .await
        .expect("read")
        .expect("the ticket");
    assert_eq!(ticket_numbers(&stack).await.len(), 1, "no second ticket");
    assert_eq!(ticket.messages, 1, "joined once");
    assert!(
        ticket.channels.contains(&Channel::Email),
        "{:?}",
        ticket.channels
    );
    assert!(ticket.last_customer_reply_at.is_some());
    let customer = CustomerId::parse("cus-ayse").expect("id");
    let words = store(&stack)
        .thread_message(&customer, &number, 1)
        .await
        .expect("read")
        .expect("the joined message");
    // The words as the ticket keeps a message (on one line, for the desk's
    // note), without Outlook's header block and the acknowledgement under it.
    assert_eq!(
        words.text,
        "Merhaba, Kargo hâlâ gelmedi, siparişimi iptal etmek istiyorum. İade için ne yapmam gerekiyor? Ayşe"
    );
    let stats = stack.items_with_prefix("STATS#").await;
    assert!(
        stats
            .iter()
            .any(|i| i.contains_key("emails.set_aside.not_the_customer")),
        "the stranger's mail is counted as set aside"
    );
    assert!(
        stack
            .drain_raw(&stack.queue("inbound-email").dlq_url)
            .await
            .is_empty()
    );

    // Every call was one the role allows, with the domain set.
    let parameters: Vec<(&str, &str)> = memnun_tests::stack::TEST_SHOP
        .iter()
        .copied()
        .chain([("InboundEmailDomain", DOMAIN)])
        .collect();
    let template = &stack.template;
    let plan = template
        .plan(template.parameters(&parameters).expect("parameters"))
        .expect("plan");
    // The plan names resources by the local stack's names; the calls name
    // the emulator's. Both are the same template's, so the calls are
    // renamed to the plan's before the check.
    let renamed: Vec<RecordedCall> = calls
        .iter()
        .map(|c| {
            let mut c = c.clone();
            for (id, name) in &stack.local.buckets {
                c.request = c.request.replace(name.as_str(), &plan.buckets[id]);
            }
            for (id, name) in &stack.local.tables {
                c.body = c.body.replace(name.as_str(), &plan.tables[id]);
            }
            for (id, queue) in &stack.local.queues {
                c.body = c.body.replace(queue.url.as_str(), &plan.queues[id].url);
            }
            c
        })
        .collect();
    let roles = Roles::load(template, &plan).expect("roles");
    let (denied, used) = roles.check(&renamed, Ses::Production).expect("check");
    assert!(denied.is_empty(), "denied:\n{}", denied.join("\n"));
    let sids: std::collections::BTreeSet<&str> = used.iter().map(|g| g.1.as_str()).collect();
    for sid in [
        "ReadReceivedMail",
        "ReadTicketsAndCustomers",
        "Counters",
        "IdempotencyTable",
        "Replies",
    ] {
        assert!(sids.contains(sid), "{sid} unused: {sids:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notice_that_is_not_ses_ends_in_the_dead_letter_queue() {
    let stack = Stack::start_with(&[("InboundEmailDomain", DOMAIN)], true).await;
    let h = inbound(&stack, &stack.aws);
    stack
        .send("inbound-email", r#"{"Type":"Notification","Message":"{}"}"#)
        .await;
    let deliveries = deliver_inbound(&stack, &h).await;
    assert_eq!(deliveries.len(), 5, "received five times");
    let dead = stack.drain_raw(&stack.queue("inbound-email").dlq_url).await;
    assert_eq!(dead.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_reads_no_more_than_the_bound_and_an_empty_object_is_no_mail() {
    let stack = Stack::start_with(
        &[
            ("InboundEmailDomain", DOMAIN),
            ("InboundEmailMaxBytes", "65536"),
        ],
        true,
    )
    .await;
    let h = inbound(&stack, &stack.aws);
    let mut big = outlook_reply(SAMPLE_TICKET, AYSE);
    big.extend(std::iter::repeat_n(b'x', 100_000));
    receive(&stack, "ses-big", &big).await;
    receive(&stack, "ses-empty", b"").await;
    let deliveries = deliver_inbound(&stack, &h).await;
    assert!(
        deliveries.iter().all(|d| d.failed.is_empty()),
        "{deliveries:?}"
    );
    let stats = stack.items_with_prefix("STATS#").await;
    for reason in ["too_large", "unreadable"] {
        assert!(
            stats
                .iter()
                .any(|i| i.contains_key(&format!("emails.set_aside.{reason}"))),
            "{reason}"
        );
    }
    // What S3 answers past the bound: too large, with the mail's size.
    let read = S3MailBox::new(s3(&stack.aws))
        .fetch(&bucket(&stack), "inbound/ses-big", 65536)
        .await
        .expect("fetch");
    assert_eq!(read, Fetched::TooLarge(Some(big.len() as u64)));
}
