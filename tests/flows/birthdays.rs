//! Birthdays against the emulator: customers kept by the real
//! customer-directory, the scheduler's hourly runs at scheduled-event times,
//! and the greeter's coupon and marketing email.

#[path = "support/functions.rs"]
mod functions;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use functions::{Counting, deadline, store, ts};
use jiff::{SignedDuration, Timestamp};
use memnun_shared::adapters::directory::birthday_partition;
use memnun_shared::adapters::due::shard_of;
use memnun_shared::adapters::dynamodb::DynamoStore;
use memnun_shared::adapters::ses::SesMailer;
use memnun_shared::adapters::sqs::SqsPublisher;
use memnun_shared::config::Env;
use memnun_shared::contract::outbound::OutboundMessage;
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::domain::token::{Purpose, Signer};
use memnun_shared::ports::{ConsentChannel, ConsentStore, Publisher};
use memnun_tests::deliver::{self, Delivery};
use memnun_tests::emulator::SentEmail;
use memnun_tests::events::{event, review};
use memnun_tests::stack::{LINK_SECRET, Stack, attr};
use serde_json::{Value, json};

type Scheduler<P = SqsPublisher> = birthday_scheduler::Handler<DynamoStore, P>;
type Greeter = birthday_greeter::Handler<DynamoStore, SesMailer, SqsPublisher>;
type Directory = customer_directory::Handler<DynamoStore>;

fn env(stack: &Stack, function: &str) -> Env {
    Env::from_pairs(stack.function_env(function))
}

fn scheduler_with<P: Publisher>(stack: &Stack, publisher: P) -> Scheduler<P> {
    let config =
        birthday_scheduler::Config::from_env(&env(stack, "birthday-scheduler")).expect("config");
    birthday_scheduler::Handler::new(config, store(stack), publisher)
}

fn scheduler(stack: &Stack) -> Scheduler {
    scheduler_with(
        stack,
        SqsPublisher::new(aws_sdk_sqs::Client::new(&stack.aws)),
    )
}

fn greeter(stack: &Stack) -> Greeter {
    greeter_with(stack, &[])
}

/// The greeter with some of its variables changed from the template's.
fn greeter_with(stack: &Stack, changed: &[(&str, &str)]) -> Greeter {
    let vars = stack
        .function_env("birthday-greeter")
        .into_iter()
        .map(|(k, v)| {
            let new = changed.iter().find(|(name, _)| *name == k);
            (k, new.map_or(v, |(_, value)| value.to_string()))
        });
    let config = birthday_greeter::Config::from_env(&Env::from_pairs(vars)).expect("config");
    let mailer = SesMailer::new(
        aws_sdk_ses::Client::new(&stack.aws),
        &config.shop.name,
        &config.shop.sender,
        None,
    );
    birthday_greeter::Handler::new(
        config,
        Signer::from_secret(LINK_SECRET).expect("signer"),
        store(stack),
        mailer,
        SqsPublisher::new(aws_sdk_sqs::Client::new(&stack.aws)),
    )
}

fn directory(stack: &Stack) -> Directory {
    let config =
        customer_directory::Config::from_env(&env(stack, "customer-directory")).expect("config");
    customer_directory::Handler::new(config, store(stack))
}

/// Stores customers through customer-directory, as the shop's platform
/// would: `(id, birthday, time zone, consent, locale)`.
async fn customers(stack: &Stack, list: &[(&str, &str, Option<&str>, bool, &str)]) {
    for (i, (id, birthday, tz, consent, locale)) in list.iter().enumerate() {
        let mut data = json!({
            "customer_id": id,
            "email": format!("{id}@example.com"),
            "name": format!("Name {id}"),
            "locale": locale,
            "birthday": birthday,
            "marketing_consent": consent,
            "consent_at": "2026-01-10T12:00:00Z",
            "consent_source": "checkout",
        });
        if let Some(tz) = tz {
            data["time_zone"] = json!(tz);
        }
        stack
            .send(
                "customers",
                &event(
                    &format!("u-{id}-{i}"),
                    "customer.upserted",
                    "2026-01-10T12:00:00Z",
                    data,
                ),
            )
            .await;
    }
    let h = directory(stack);
    let q = stack.queue("customers");
    let deliveries = deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| {
        h.handle(e, Timestamp::now() + SignedDuration::from_secs(30))
    })
    .await;
    assert!(
        deliveries.iter().all(|d| d.failed.is_empty()),
        "{deliveries:?}"
    );
}

/// One scheduler run as of `at`.
async fn run<P: Publisher>(s: &Scheduler<P>, at: &str) -> birthday_scheduler::Run {
    s.run(ts(at), deadline()).await.expect("run")
}

/// Takes the `birthday.due` events off the greetings queue: customer → year.
async fn due_events(stack: &Stack) -> Vec<(String, i64)> {
    stack
        .drain(&stack.queue("greetings").url)
        .await
        .iter()
        .map(|e| {
            assert_eq!(e["type"], "birthday.due");
            (
                e["data"]["customer_id"]
                    .as_str()
                    .expect("customer")
                    .to_string(),
                e["data"]["year"].as_i64().expect("year"),
            )
        })
        .collect()
}

async fn greet_all(stack: &Stack, g: &Greeter) -> Vec<Delivery> {
    let q = stack.queue("greetings");
    let deliveries =
        deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| g.handle(e, deadline())).await;
    // A duplicate handled at the same moment as its twin fails and is
    // retried (its effects are claimed by the twin); nothing may be left.
    assert!(
        stack.drain_raw(&q.dlq_url).await.is_empty(),
        "{deliveries:?}"
    );
    deliveries
}

/// The coupon reminders `customer` got (their subjects say when the coupon
/// ends, in either language).
fn reminders_to(stack: &Stack, customer: &str) -> Vec<SentEmail> {
    greetings_to(stack, customer)
        .into_iter()
        .filter(|m| m.subject.contains("sona eriyor") || m.subject.contains("ends on"))
        .collect()
}

fn greetings_to(stack: &Stack, customer: &str) -> Vec<SentEmail> {
    let to = format!("{customer}@example.com");
    stack
        .emulator
        .sent_emails()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t.contains(&to)))
        .collect()
}

async fn outbound_coupons(stack: &Stack) -> Vec<Value> {
    stack
        .drain(&stack.queue("outbound").url)
        .await
        .into_iter()
        .filter(|m| m["type"] == "coupon.issued")
        .collect()
}

async fn profile(stack: &Stack, customer: &str) -> HashMap<String, AttributeValue> {
    stack
        .customer_items(customer)
        .await
        .into_iter()
        .find(|i| attr(i, "sk") == "PROFILE")
        .unwrap_or_else(|| panic!("{customer} has no profile"))
}

/// Runs the scheduler every hour from `from` to `to` (inclusive) and answers
/// who was found due at which run.
async fn hourly(stack: &Stack, s: &Scheduler, from: &str, to: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut at = ts(from);
    while at <= ts(to) {
        let key = memnun_shared::time::to_key(at);
        run(s, &key).await;
        for (customer, _) in due_events(stack).await {
            let previous = found.insert(customer.clone(), key.clone());
            assert!(previous.is_none(), "{customer} found due twice");
        }
        at += SignedDuration::from_hours(1);
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn each_customer_is_greeted_at_ten_on_their_own_clock_either_side_of_midnight_utc() {
    let stack = Stack::start().await;
    customers(
        &stack,
        &[
            // 10:00 on the 22nd is 21:00 UTC on the 21st in Auckland (UTC+13).
            (
                "auckland",
                "1990-11-22",
                Some("Pacific/Auckland"),
                true,
                "en",
            ),
            // 01:00 UTC on the 22nd in Tokyo.
            ("tokyo", "--11-22", Some("Asia/Tokyo"), true, "en"),
            // No zone: the shop's, Istanbul, 07:00 UTC.
            ("istanbul", "1985-11-22", None, true, "tr"),
            // 18:00 UTC in Los Angeles.
            (
                "angeles",
                "--11-22",
                Some("America/Los_Angeles"),
                true,
                "en",
            ),
            // Honolulu's 10:00 on the 21st is 20:00 UTC on the 21st: not this birthday.
            ("honolulu", "--11-21", Some("Pacific/Honolulu"), true, "en"),
            ("no-consent", "--11-22", None, false, "tr"),
        ],
    )
    .await;
    let s = scheduler(&stack);
    let found = hourly(&stack, &s, "2026-11-21T21:00:00Z", "2026-11-22T19:00:00Z").await;
    let expected: BTreeMap<String, String> = [
        ("auckland", "2026-11-21T21:00:00Z"),
        ("tokyo", "2026-11-22T01:00:00Z"),
        ("istanbul", "2026-11-22T07:00:00Z"),
        ("angeles", "2026-11-22T18:00:00Z"),
    ]
    .into_iter()
    .map(|(c, t)| (c.to_string(), t.to_string()))
    .collect();
    assert_eq!(found, expected);

    // Greet them (the runs' events were taken off the queue: send them again).
    for (customer, at) in &expected {
        let due = memnun_shared::contract::internal::BirthdayDue {
            customer_id: CustomerId::parse(customer).expect("id"),
            year: 2026,
            due: ts(at),
        };
        let m = due.to_message(ts(at), birthday_scheduler::SOURCE);
        stack.send("greetings", &m.body).await;
    }
    greet_all(&stack, &greeter(&stack)).await;

    let signer = Signer::from_secret(LINK_SECRET).expect("signer");
    let coupons = outbound_coupons(&stack).await;
    assert_eq!(coupons.len(), 4, "{coupons:?}");
    for customer in expected.keys() {
        let mails = greetings_to(&stack, customer);
        assert_eq!(mails.len(), 1, "{customer}");
        let m = &mails[0];
        let coupon = coupons
            .iter()
            .find(|c| c["data"]["customer_id"] == customer.as_str())
            .expect("a coupon.issued");
        let code = coupon["data"]["code"].as_str().expect("code");
        assert!(code.starts_with("BDAY-"), "{code}");
        assert_eq!(coupon["data"]["percent"], 15);
        assert!(m.body.contains(code));
        // One-click unsubscribe, as a header and as a visible link.
        let header = m.header("List-Unsubscribe").expect("List-Unsubscribe");
        let url = header.trim_start_matches('<').trim_end_matches('>');
        let token = url
            .strip_prefix("https://destek.dukkan.example/unsubscribe?t=")
            .unwrap_or_else(|| panic!("{url}"));
        assert_eq!(
            signer.verify(Purpose::Unsubscribe, token).as_deref(),
            Ok(customer.as_str())
        );
        assert_eq!(
            m.header("List-Unsubscribe-Post"),
            Some("List-Unsubscribe=One-Click")
        );
        assert!(m.body.contains(url), "the footer shows the link");
        if customer == "istanbul" {
            assert_eq!(m.subject, "Doğum gününüz kutlu olsun, Name istanbul!");
        } else {
            assert_eq!(m.subject, format!("Happy birthday, Name {customer}!"));
        }
        let greeted = profile(&stack, customer).await;
        assert_eq!(
            greeted
                .get("greeted_year")
                .and_then(|v| v.as_n().ok())
                .map(String::as_str),
            Some("2026")
        );
    }
    assert!(greetings_to(&stack, "no-consent").is_empty());
    assert!(greetings_to(&stack, "honolulu").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missed_hour_is_caught_up_and_a_repeated_one_finds_nobody() {
    let stack = Stack::start().await;
    customers(&stack, &[("ayse", "--11-22", None, true, "tr")]).await;
    let s = scheduler(&stack);
    // Runs at 04:00 and then not until 09:00: the 07:00 greeting is caught up.
    let first = run(&s, "2026-11-22T04:00:00Z").await;
    assert_eq!((first.due, first.complete), (0, true));
    let late = run(&s, "2026-11-22T09:00:00Z").await;
    assert_eq!(late.from.as_deref(), Some("2026-11-22T04:00:00Z"));
    assert_eq!((late.due, late.sent, late.batches), (1, 1, 1));
    // The same hour again, and an older one replayed: nothing new.
    for at in ["2026-11-22T09:00:00Z", "2026-11-22T08:00:00Z"] {
        let again = run(&s, at).await;
        assert_eq!((again.from, again.due, again.pages), (None, 0, 0));
    }
    assert_eq!(due_events(&stack).await, vec![("ayse".to_string(), 2026)]);

    // Down for a day: greetings due more than six hours ago are not sent
    // late in the evening; the next birthday is.
    customers(&stack, &[("mehmet", "--11-23", None, true, "tr")]).await;
    let after_outage = run(&s, "2026-11-23T18:00:00Z").await;
    assert_eq!(after_outage.from.as_deref(), Some("2026-11-23T12:00:00Z"));
    assert_eq!(after_outage.due, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn leap_day_birthdays_are_greeted_on_the_28th_in_common_years() {
    let stack = Stack::start().await;
    customers(&stack, &[("leap", "2000-02-29", None, true, "en")]).await;
    let s = scheduler(&stack);
    let found = hourly(&stack, &s, "2027-02-27T23:00:00Z", "2027-03-01T08:00:00Z").await;
    assert_eq!(
        found.get("leap").map(String::as_str),
        Some("2027-02-28T07:00:00Z")
    );
    // In a leap year, the day itself (and not the 28th).
    let found = hourly(&stack, &s, "2028-02-27T23:00:00Z", "2028-03-01T08:00:00Z").await;
    assert_eq!(
        found.get("leap").map(String::as_str),
        Some("2028-02-29T07:00:00Z")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn nobody_is_greeted_twice_in_a_year_whatever_is_delivered_or_changed() {
    let stack = Stack::start().await;
    customers(&stack, &[("ayse", "--11-22", None, true, "tr")]).await;
    let s = scheduler(&stack);
    let g = greeter(&stack);
    run(&s, "2026-11-22T07:00:00Z").await;
    // The event delivered twice, and the same greeting found by a second
    // scheduler run as if the first had not been recorded.
    let events = stack.drain_raw(&stack.queue("greetings").url).await;
    assert_eq!(events.len(), 1);
    for _ in 0..3 {
        stack.send("greetings", &events[0]).await;
    }
    greet_all(&stack, &g).await;
    assert_eq!(greetings_to(&stack, "ayse").len(), 1);
    assert_eq!(outbound_coupons(&stack).await.len(), 1);

    // She moves her birthday to the 25th after being greeted: no second
    // greeting this year; next year on the new day.
    stack
        .send(
            "customers",
            &event(
                "u-ayse-move",
                "customer.upserted",
                "2026-11-23T12:00:00Z",
                json!({"customer_id": "ayse", "email": "ayse@example.com", "birthday": "--11-25"}),
            ),
        )
        .await;
    let h = directory(&stack);
    let q = stack.queue("customers");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| {
        h.handle(e, Timestamp::now() + SignedDuration::from_secs(30))
    })
    .await;
    let moved = run(&s, "2026-11-25T07:00:00Z").await;
    assert_eq!((moved.due, moved.already_greeted), (0, 1));
    let next_year = run(&s, "2027-11-25T07:00:00Z").await;
    assert_eq!(next_year.due, 1);
    assert_eq!(due_events(&stack).await, vec![("ayse".to_string(), 2027)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_who_unsubscribes_after_scheduling_gets_nothing() {
    let stack = Stack::start().await;
    customers(&stack, &[("ayse", "--11-22", None, true, "tr")]).await;
    run(&scheduler(&stack), "2026-11-22T07:00:00Z").await;
    // Between the scheduler and the greeter, she clicks unsubscribe in an
    // older email.
    let withdrawn = store(&stack)
        .withdraw_marketing_consent(
            &CustomerId::parse("ayse").expect("id"),
            ts("2026-11-22T07:00:30Z"),
            ConsentChannel::OneClick,
        )
        .await
        .expect("withdraw");
    assert_eq!(withdrawn, memnun_shared::ports::Withdrawal::Withdrawn);
    let deliveries = greet_all(&stack, &greeter(&stack)).await;
    assert_eq!(deliveries.iter().map(|d| d.received).sum::<usize>(), 1);
    assert!(greetings_to(&stack, "ayse").is_empty());
    assert!(outbound_coupons(&stack).await.is_empty());
    assert!(!profile(&stack, "ayse").await.contains_key("greeted_year"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_greeting_fails_alone_and_ends_in_the_dead_letter_queue() {
    let stack = Stack::start().await;
    customers(&stack, &[("ayse", "--11-22", None, true, "tr")]).await;
    run(&scheduler(&stack), "2026-11-22T07:00:00Z").await;
    stack
        .send(
            "greetings",
            &event(
                "x-1",
                "birthday.due",
                "2026-11-22T07:00:00Z",
                json!({"customer_id": "ayse"}),
            ),
        )
        .await;
    let g = greeter(&stack);
    let q = stack.queue("greetings");
    let mut failures = 0;
    for _ in 0..10 {
        let d = deliver::once(&stack.sqs, &q.url, &q.arn, 10, |e| g.handle(e, deadline())).await;
        failures += d.failed.len();
        if d.received == 0 {
            break;
        }
    }
    assert_eq!(failures, 5, "failed on each of its five receives");
    assert_eq!(greetings_to(&stack, "ayse").len(), 1);
    let dead = stack.drain_raw(&stack.queue("greetings").dlq_url).await;
    assert_eq!(dead.len(), 1);
    assert!(dead[0].contains("x-1"));
}

/// 10,000 customers born on 22 November, stored the way
/// customer-directory stores them, in batches of 25.
async fn seed_many(stack: &Stack) {
    let items: Vec<HashMap<String, AttributeValue>> = (0..10_000u32)
        .map(|i| {
            let id = format!("c-{i:05}");
            let (month, day) = (11, 22);
            let s = |v: &str| AttributeValue::S(v.to_string());
            HashMap::from([
                ("pk".to_string(), s(&format!("CUSTOMER#{id}"))),
                ("sk".to_string(), s("PROFILE")),
                ("customer_id".to_string(), s(&id)),
                ("email".to_string(), s(&format!("{id}@example.com"))),
                ("birthday".to_string(), s(&format!("--{month:02}-{day:02}"))),
                ("marketing_consent".to_string(), AttributeValue::Bool(true)),
                (
                    "gsi3pk".to_string(),
                    s(&birthday_partition(month, day, shard_of(&id))),
                ),
                ("gsi3sk".to_string(), s(&id)),
            ])
        })
        .collect();
    let writes = items.chunks(25).map(|chunk| {
        let requests: Vec<WriteRequest> = chunk
            .iter()
            .map(|item| {
                WriteRequest::builder()
                    .put_request(
                        PutRequest::builder()
                            .set_item(Some(item.clone()))
                            .build()
                            .expect("put"),
                    )
                    .build()
            })
            .collect();
        let client = stack.dynamodb.clone();
        let table = stack.table.clone();
        async move {
            client
                .batch_write_item()
                .request_items(table, requests)
                .send()
                .await
                .expect("batch write")
        }
    });
    use futures_util::StreamExt as _;
    futures_util::stream::iter(writes)
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
}

/// Keeps what is published in memory.
///
/// The 10,000 greetings of the test below do not go to the emulator's queue:
/// the emulator's send slows with the depth of the queue (each send walks
/// every waiting message: about 2 ms more per ten waiting, so 10,000 take
/// twenty minutes), which SQS does not. The DynamoDB side is real; how a
/// batch of ten becomes one `SendMessageBatch` on a real queue is shown by
/// the tests above and by `sla.rs`. What is counted here is the calls.
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<OutboundMessage>>);

impl Publisher for Recorder {
    async fn publish(&self, _: &str, messages: &[OutboundMessage]) -> memnun_shared::Result<()> {
        self.0.lock().expect("lock").extend_from_slice(messages);
        Ok(())
    }

    async fn publish_each(&self, _: &str, messages: &[OutboundMessage]) -> Vec<bool> {
        self.0.lock().expect("lock").extend_from_slice(messages);
        vec![true; messages.len()]
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_birthdays_on_one_day_are_queued_once_in_batches_of_ten() {
    let stack = Stack::start().await;
    let seeded = std::time::Instant::now();
    seed_many(&stack).await;
    println!("seeded 10,000 customers in {:?}", seeded.elapsed());

    let s = scheduler_with(&stack, Counting::new(Recorder::default()));
    let started = std::time::Instant::now();
    let r = s
        .run(
            ts("2026-11-22T07:00:00Z"),
            Timestamp::now() + SignedDuration::from_mins(10),
        )
        .await
        .expect("run");
    println!("run over 10,000 due in {:?}: {r:?}", started.elapsed());
    assert_eq!(
        (r.due, r.sent, r.unsent, r.batches),
        (10_000, 10_000, 0, 1_000)
    );
    assert!(r.complete);
    // Exactly one SQS call per ten messages.
    assert_eq!(s.publisher().calls(), vec![10; 1_000]);
    // One page for each of the 16 shards of 22 November, and nothing else.
    assert_eq!((r.month_days, r.pages), (1, 16), "{r:?}");

    let ids: BTreeSet<String> = s
        .publisher()
        .inner()
        .0
        .lock()
        .expect("lock")
        .iter()
        .map(|m| m.id.clone())
        .collect();
    assert_eq!(ids.len(), 10_000, "each customer once");
    assert!(ids.contains("birthday.due:c-00000:2026"));
    assert!(ids.contains("birthday.due:c-09999:2026"));

    // The hour again: nothing new, nothing sent.
    let again = run(&s, "2026-11-22T07:00:00Z").await;
    assert_eq!((again.due, again.batches), (0, 0));
    assert_eq!(s.publisher().calls().len(), 1_000);

    // A sample of them greeted, each delivered twice: greeted once each.
    // (Greeting all 10,000 here would take the emulator an hour: it reads
    // every item of the table for an index query.)
    let g = greeter(&stack);
    let sample: Vec<OutboundMessage> = s.publisher().inner().0.lock().expect("lock")[..20].to_vec();
    for m in sample.iter().chain(sample.iter()) {
        stack.send("greetings", &m.body).await;
    }
    greet_all(&stack, &g).await;
    let quota = stack.ses.get_send_quota().send().await.expect("quota");
    assert_eq!(quota.sent_last24_hours, 20.0, "emails sent");
    assert_eq!(outbound_coupons(&stack).await.len(), 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_greeting_handled_days_later_is_dated_as_on_its_day() {
    let stack = Stack::start().await;
    customers(&stack, &[("ayse", "--11-22", None, true, "tr")]).await;
    // The scheduler's run on her birthday; the greeter handles it now, days
    // or years later by the wall clock (as a redrive would): the coupon is
    // issued as on her birthday, not on the day it was handled.
    run(&scheduler(&stack), "2026-11-22T07:00:00Z").await;
    greet_all(&stack, &greeter(&stack)).await;
    let coupons = outbound_coupons(&stack).await;
    assert_eq!(coupons.len(), 1, "{coupons:?}");
    // BirthdayCouponValidDays (14) from 22 November in Istanbul: the end of
    // 6 December 2026.
    assert_eq!(coupons[0]["data"]["expires_at"], "2026-12-06T20:59:59Z");
    assert_eq!(
        profile(&stack, "ayse").await["greeted_year"]
            .as_n()
            .map(String::as_str),
        Ok("2026")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_birthday_coupon_is_in_woocommerce_before_the_greeting() {
    use memnun_shared::adapters::http::HttpClient;
    use memnun_shared::adapters::store::{StoreRegistry, StoreSecrets};
    use memnun_tests::stores::{Fault, StoreStandIn, WOOCOMMERCE_KEYS};
    let stand_in = StoreStandIn::start();
    let url = stand_in.url();
    let stack = Stack::start_with(
        &[
            ("WooCommerceStoreUrl", url.as_str()),
            ("WooCommerceKeysParameterName", "/memnun/woocommerce-keys"),
        ],
        true,
    )
    .await;
    customers(&stack, &[("ayse", "--11-22", None, true, "tr")]).await;
    run(&scheduler(&stack), "2026-11-22T07:00:00Z").await;
    let config =
        birthday_greeter::Config::from_env(&env(&stack, "birthday-greeter")).expect("config");
    let secrets = StoreSecrets {
        shopify_token: None,
        woocommerce_keys: Some(WOOCOMMERCE_KEYS.into()),
    };
    let registry =
        StoreRegistry::with_client(&config.stores, secrets, HttpClient::default()).unwrap();
    let g = greeter(&stack).with_registry(registry);
    // The store is down for the first delivery: no greeting until it is up.
    stand_in.fail([Fault::Status(502), Fault::Status(502), Fault::Status(502)]);
    let q = stack.queue("greetings");
    let first = deliver::once(&stack.sqs, &q.url, &q.arn, 10, |e| g.handle(e, deadline())).await;
    assert_eq!(first.failed.len(), 1);
    assert!(greetings_to(&stack, "ayse").is_empty());
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| g.handle(e, deadline())).await;
    let coupons = stand_in.woocommerce_coupons();
    assert_eq!(coupons.len(), 1);
    let coupon = coupons.values().next().unwrap();
    assert_eq!(coupon["email_restrictions"][0], "ayse@example.com");
    assert_eq!(coupon["date_expires_gmt"], "2026-12-06T20:59:59");
    let greeting = greetings_to(&stack, "ayse");
    assert_eq!(greeting.len(), 1);
    let code = coupon["code"].as_str().unwrap().to_ascii_uppercase();
    assert!(
        greeting[0].body.contains(&code),
        "the greeting names the registered code"
    );
}

/// The reminders of the greetings' coupons: kept with the greeting, sent
/// back by the real SLA sweep at 10:00 on each customer's clock three days
/// before the coupon's last day, and handled by the greeter.
#[tokio::test(flavor = "multi_thread")]
async fn an_unused_birthday_coupon_is_reminded_once_and_only_when_it_may_be() {
    let stack = Stack::start().await;
    customers(
        &stack,
        &[
            ("ayse", "--11-22", None, true, "tr"),
            ("john", "--11-22", Some("Europe/London"), true, "en"),
            ("mehmet", "--11-22", None, true, "tr"),
            ("zeynep", "--11-22", None, true, "tr"),
        ],
    )
    .await;
    let s = scheduler(&stack);
    run(&s, "2026-11-22T07:00:00Z").await;
    run(&s, "2026-11-22T10:00:00Z").await;
    let g = greeter(&stack);
    greet_all(&stack, &g).await;
    let codes: HashMap<String, String> = stack
        .items_with_prefix("COUPON#")
        .await
        .iter()
        .map(|c| {
            (
                attr(c, "customer_id").to_owned(),
                attr(c, "code").to_owned(),
            )
        })
        .collect();
    assert_eq!(codes.len(), 4);

    // Mehmet redeems his; Zeynep unsubscribes.
    let journey = functions::journey(&stack);
    stack
        .send(
            "orders",
            &event(
                "o-mehmet",
                "order.placed",
                "2026-11-25T12:00:00Z",
                json!({"customer_id": "mehmet", "order_id": "ord-m", "total": "200", "currency": "TRY",
                       "discount_codes": [codes["mehmet"]],
                       "customer": {"email": "mehmet@example.com"}}),
            ),
        )
        .await;
    functions::deliver_orders(&stack, &journey).await;
    store(&stack)
        .withdraw_marketing_consent(
            &CustomerId::parse("zeynep").expect("id"),
            ts("2026-11-28T09:00:00Z"),
            ConsentChannel::OneClick,
        )
        .await
        .expect("withdraw");

    // The coupons are valid through 6 December (Istanbul). The sweep just
    // before 10:00 Istanbul on the 3rd sends nothing; at 10:00 Ayşe's,
    // Mehmet's and Zeynep's reminders go, John's at 10:00 London.
    let m = functions::monitor(&stack);
    let swept = |at: &'static str| {
        let m = &m;
        async move { m.sweep(ts(at), deadline()).await.expect("sweep") }
    };
    swept("2026-12-03T06:59:00Z").await;
    assert!(
        stack
            .drain_raw(&stack.queue("greetings").url)
            .await
            .is_empty()
    );
    swept("2026-12-03T07:00:00Z").await;
    // Each delivered twice: one reminder each, whatever the deliveries.
    let q = stack.queue("greetings");
    let first = stack.drain_raw(&q.url).await;
    assert_eq!(first.len(), 3, "{first:?}");
    for body in first.iter().chain(first.iter()) {
        stack.send("greetings", body).await;
    }
    greet_all(&stack, &g).await;
    swept("2026-12-03T10:00:00Z").await;
    greet_all(&stack, &g).await;

    let reminders = |customer: &str| reminders_to(&stack, customer);
    let ayse = reminders("ayse");
    assert_eq!(ayse.len(), 1);
    assert_eq!(
        ayse[0].subject,
        "Doğum günü hediyeniz 6 Aralık 2026 tarihinde sona eriyor"
    );
    assert!(ayse[0].body.contains(&codes["ayse"]));
    assert!(
        ayse[0].header("List-Unsubscribe-Post").is_some(),
        "a reminder is marketing mail with one-click unsubscribe"
    );
    assert_eq!(reminders("john").len(), 1, "at 10:00 on his own clock");
    assert!(reminders("mehmet").is_empty(), "his coupon was redeemed");
    assert!(reminders("zeynep").is_empty(), "she withdrew her consent");
    let reminded: i64 = stack
        .items_with_prefix("STATS#")
        .await
        .iter()
        .filter_map(|i| {
            i.get("coupons.birthday.reminded")?
                .as_n()
                .ok()?
                .parse::<i64>()
                .ok()
        })
        .sum();
    assert_eq!(reminded, 2);

    // A reminder whose time is past the coupon's end (kept under an older
    // policy, or replayed) sends nothing.
    let late = first
        .iter()
        .find(|b| b.contains("\"customer_id\":\"ayse\""))
        .expect("ayse's reminder")
        .replace("2026-12-03T07:00:00Z", "2026-12-07T07:00:00Z")
        .replace(
            "coupon.expiring:birthday:",
            "coupon.expiring:birthday:late-",
        );
    stack.send("greetings", &late).await;
    greet_all(&stack, &g).await;
    assert_eq!(
        reminders("ayse").len(),
        1,
        "an ended coupon is not advertised"
    );
}

/// Apology coupons with `ApologyCouponReminder` on: the reminder is kept by
/// the flow that issues the coupon (here a low review and a late order),
/// sent by the greeter under the birthday reminder's rules and consent, in
/// words of its own; none for a customer without marketing consent, and
/// none once the shop turns the switch off again.
#[tokio::test(flavor = "multi_thread")]
async fn apology_coupons_are_reminded_only_when_the_shop_turns_it_on() {
    let stack = Stack::start_with(&[("ApologyCouponReminder", "true")], true).await;
    customers(
        &stack,
        &[
            ("ayse", "--03-01", None, true, "tr"),
            ("john", "--03-01", Some("Europe/London"), true, "en"),
            ("zeynep", "--03-01", None, false, "tr"),
        ],
    )
    .await;
    for (id, customer) in [("rev-a", "ayse"), ("rev-z", "zeynep")] {
        let body = review(
            id,
            "2026-11-12T10:00:00Z",
            customer,
            1,
            &format!("{customer}@example.com"),
            "tr",
        );
        // Delivered twice: one coupon, one reminder kept.
        stack.send("reviews", &body).await;
        stack.send("reviews", &body).await;
    }
    functions::deliver_reviews(&stack, &functions::responder(&stack)).await;
    stack
        .send(
            "orders",
            &event(
                "late-j",
                "order.delayed",
                "2026-11-12T07:00:00Z",
                json!({"customer_id": "john", "order_id": "ord-j", "promised_date": "2026-11-10",
                       "new_date": "2026-11-20", "customer": {"email": "john@example.com", "locale": "en"}}),
            ),
        )
        .await;
    functions::deliver_orders(&stack, &functions::journey(&stack)).await;

    let held = stack.items_with_prefix("SCHEDULED#coupon.expiring:").await;
    let mut reasons: Vec<(String, String)> = held
        .iter()
        .map(|m| {
            let body: Value = serde_json::from_str(attr(m, "body")).expect("body");
            (
                body["data"]["customer_id"]
                    .as_str()
                    .expect("customer")
                    .to_owned(),
                body["data"]["reason"].as_str().expect("reason").to_owned(),
            )
        })
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        [
            ("ayse".into(), "negative_review".into()),
            ("john".into(), "order_delay".into()),
            ("zeynep".into(), "negative_review".into()),
        ]
    );
    // The coupons are valid 30 days, to the 12th of December (Istanbul):
    // reminded on the 9th at 10:00, John at 10:00 London.
    let dues: BTreeSet<&str> = held.iter().map(|m| attr(m, "due")).collect();
    assert_eq!(
        dues,
        BTreeSet::from(["2026-12-09T07:00:00Z", "2026-12-09T10:00:00Z"])
    );
    let m = functions::monitor(&stack);
    m.sweep(ts("2026-12-09T10:00:00Z"), deadline())
        .await
        .expect("sweep");
    let q = stack.queue("greetings");
    let sent = stack.drain_raw(&q.url).await;
    assert_eq!(sent.len(), 3, "{sent:?}");

    // Turned off before they are handled (copies under other ids): none goes.
    for body in &sent {
        stack
            .send(
                "greetings",
                &body.replace("\"coupon.expiring:", "\"coupon.expiring:off-"),
            )
            .await;
    }
    greet_all(
        &stack,
        &greeter_with(&stack, &[("APOLOGY_COUPON_REMINDER", "false")]),
    )
    .await;
    assert!(
        stack
            .emulator
            .sent_emails()
            .iter()
            .all(|m| !m.subject.contains("sona eriyor") && !m.subject.contains("ends on")),
        "the switch is read when the reminder comes due"
    );

    // On: each once, however often delivered.
    for body in sent.iter().chain(sent.iter()) {
        stack.send("greetings", body).await;
    }
    greet_all(&stack, &greeter(&stack)).await;
    let reminders = |customer: &str| reminders_to(&stack, customer);
    let ayse = reminders("ayse");
    assert_eq!(ayse.len(), 1);
    assert_eq!(
        ayse[0].subject,
        "İndirim kodunuz 12 Aralık 2026 tarihinde sona eriyor"
    );
    assert!(ayse[0].body.contains("size gönderdiğimiz indirim kodu"));
    assert!(ayse[0].body.contains("RVW-"));
    assert!(ayse[0].header("List-Unsubscribe-Post").is_some());
    let john = reminders("john");
    assert_eq!(john.len(), 1);
    assert_eq!(
        john[0].subject,
        "Your discount code ends on 12 December 2026"
    );
    assert!(john[0].body.contains("LATE-"));
    assert!(
        reminders("zeynep").is_empty(),
        "no marketing consent, no reminder, whatever the coupon"
    );
    let mut reminded: BTreeMap<String, i64> = BTreeMap::new();
    for item in stack.items_with_prefix("STATS#").await {
        for (name, value) in &item {
            if name.ends_with(".reminded") {
                *reminded.entry(name.clone()).or_default() +=
                    value.as_n().expect("n").parse::<i64>().expect("number");
            }
        }
    }
    assert_eq!(
        reminded,
        BTreeMap::from([
            ("coupons.negative_review.reminded".to_owned(), 1),
            ("coupons.order_delay.reminded".to_owned(), 1),
        ])
    );
}
