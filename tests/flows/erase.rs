//! `memnun-erase` (tools/erase), the real binary, against the emulator: a
//! customer with reviews, coupons, tickets with SLA alarms due and a held
//! message, consent and a birthday, all made by the real functions, is
//! erased. Afterwards nothing readable about them remains in any table; the
//! ticket and coupon shells keep no trace of them; another customer is
//! untouched, item for item; a second run has nothing to do; and the help
//! desk can still close the erased customer's ticket.

#[path = "support/functions.rs"]
mod functions;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::Output;

use aws_sdk_dynamodb::types::AttributeValue;
use customer_directory::Config as DirectoryConfig;
use functions::*;
use jiff::{SignedDuration, Timestamp};
use memnun_erase::plan::ERASED;
use memnun_shared::adapters::directory::{BY_BIRTHDAY_INDEX, birthday_partition};
use memnun_shared::adapters::due::{BY_DUE_INDEX, DUE_SHARDS};
use memnun_shared::adapters::dynamodb::BY_CUSTOMER_INDEX;
use memnun_shared::config::Env;
use memnun_tests::deliver;
use memnun_tests::events::event;
use memnun_tests::stack::{LEAD, Stack, attr};
use serde_json::json;

type Item = HashMap<String, AttributeValue>;

/// The customer who asks to be erased, and what is known of them.
const GONE: &str = "cust-erase-7";
const GONE_EMAIL: &str = "ayse.silinecek@example.com";
const GONE_NAME: &str = "Ayşe Silinecek";
const GONE_WORDS: [&str; 5] = [
    "Mavi Fincan Takımı",
    "Sapı kırık geldi, çok üzüldüm",
    "Koli ezik geldi, fincanlar kırık",
    "ord-erase-1",
    "1990-03-14",
];
/// The customer who stays.
const KEPT: &str = "cust-keep-8";
const KEPT_EMAIL: &str = "can.kalacak@example.com";

fn directory(
    stack: &Stack,
) -> customer_directory::Handler<memnun_shared::adapters::dynamodb::DynamoStore> {
    let config =
        DirectoryConfig::from_env(&Env::from_pairs(stack.function_env("customer-directory")))
            .expect("config");
    customer_directory::Handler::new(config, store(stack))
}

fn upsert(id: &str, customer: &str, email: &str, name: &str, birthday: &str) -> String {
    event(
        id,
        "customer.upserted",
        "2026-11-20T09:00:00Z",
        json!({"customer_id": customer, "email": email, "name": name, "locale": "tr",
               "time_zone": "Europe/Istanbul", "birthday": birthday,
               "marketing_consent": true, "consent_at": "2025-03-14T12:30:00Z",
               "consent_source": "checkout"}),
    )
}

fn review(
    id: &str,
    time: &str,
    customer: &str,
    email: &str,
    rating: u8,
    product: &str,
    text: &str,
) -> String {
    event(
        id,
        "review.posted",
        time,
        json!({"customer_id": customer, "rating": rating, "product_id": "p-7",
               "product_name": product, "order_id": "ord-r", "text": text,
               "customer": {"email": email, "locale": "tr"}}),
    )
}

/// Runs `memnun-erase` with `args` against the stack.
fn erase(stack: &Stack, args: &[&str]) -> Output {
    memnun_tests::tool("memnun-erase", &stack.emulator.endpoint())
        .args(args)
        .env("TABLE_NAME", &stack.table)
        .output()
        .expect("run memnun-erase")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every item of `table`, by key, each written out in a stable order (a
/// scan: tests only).
async fn snapshot(stack: &Stack, table: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut start = None;
    loop {
        let page = stack
            .dynamodb
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        for item in page.items.unwrap_or_default() {
            let key = format!(
                "{} | {}",
                item.get("pk")
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default(),
                item.get("sk")
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default()
            );
            let sorted: BTreeMap<&String, &AttributeValue> = item.iter().collect();
            out.insert(key, format!("{sorted:?}"));
        }
        match page.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return out,
        }
    }
}

async fn item(stack: &Stack, pk: &str, sk: &str) -> Option<Item> {
    stack
        .dynamodb
        .get_item()
        .table_name(&stack.table)
        .key("pk", AttributeValue::S(pk.into()))
        .key("sk", AttributeValue::S(sk.into()))
        .consistent_read(true)
        .send()
        .await
        .expect("get")
        .item
}

/// The customer's tickets and coupon codes, as the index and their
/// partition say.
async fn tickets_and_codes(stack: &Stack, customer: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let indexed = stack
        .dynamodb
        .query()
        .table_name(&stack.table)
        .index_name(BY_CUSTOMER_INDEX)
        .key_condition_expression("gsi1pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("CUSTOMER#{customer}")))
        .send()
        .await
        .expect("query the index")
        .items
        .unwrap_or_default();
    // The index carries keys and origin only: the number is in the key.
    let tickets = indexed
        .iter()
        .map(|i| attr(i, "pk").trim_start_matches("TICKET#").to_string())
        .collect();
    let codes = stack
        .customer_items(customer)
        .await
        .iter()
        .filter(|i| attr(i, "sk").starts_with("COUPON#"))
        .map(|i| attr(i, "code").to_string())
        .collect();
    (tickets, codes)
}

/// Every entry of the due index, as `pk` values.
async fn due_entries(stack: &Stack) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for shard in 0..DUE_SHARDS {
        let items = stack
            .dynamodb
            .query()
            .table_name(&stack.table)
            .index_name(BY_DUE_INDEX)
            .key_condition_expression("gsi2pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(format!("DUE#{shard}")))
            .send()
            .await
            .expect("query the due index")
            .items
            .unwrap_or_default();
        out.extend(items.iter().map(|i| attr(i, "pk").to_string()));
    }
    out
}

/// The birthday index's entries for a month-day, over every shard.
async fn birthday_entries(stack: &Stack, month: i8, day: i8) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for shard in 0..DUE_SHARDS {
        let items = stack
            .dynamodb
            .query()
            .table_name(&stack.table)
            .index_name(BY_BIRTHDAY_INDEX)
            .key_condition_expression("gsi3pk = :pk")
            .expression_attribute_values(
                ":pk",
                AttributeValue::S(birthday_partition(month, day, shard)),
            )
            .send()
            .await
            .expect("query the birthday index")
            .items
            .unwrap_or_default();
        out.extend(items.iter().map(|i| attr(i, "gsi3sk").to_string()));
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_is_erased_everywhere_and_nobody_else_is_touched() {
    // A team that works Monday to Friday, 09:00-18:00: a warning noticed at
    // night is held back until the morning, as a message in the table.
    let stack = Stack::start_with(
        &[
            ("BusinessDays", "mon-fri"),
            ("BusinessHours", "09:00-18:00"),
        ],
        true,
    )
    .await;
    let (dir, responder, intake) = (directory(&stack), responder(&stack), intake(&stack));
    let (monitor, escalator) = (monitor(&stack), escalator(&stack));

    // Both customers sign up with consent and a birthday.
    for body in [
        upsert("u-gone", GONE, GONE_EMAIL, GONE_NAME, "1990-03-14"),
        upsert("u-kept", KEPT, KEPT_EMAIL, "Can Kalacak", "1985-07-01"),
    ] {
        stack.send("customers", &body).await;
    }
    let q = stack.queue("customers");
    let deliveries = deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| {
        dir.handle(e, Timestamp::now() + SignedDuration::from_secs(30))
    })
    .await;
    assert!(
        deliveries.iter().all(|d| d.failed.is_empty()),
        "{deliveries:?}"
    );

    // Reviews: a low one (apology, coupon, follow-up ticket) and a good one
    // for the customer who goes; a low one for the one who stays.
    for body in [
        review(
            "r-gone-1",
            "2026-11-22T10:15:00Z",
            GONE,
            GONE_EMAIL,
            1,
            GONE_WORDS[0],
            GONE_WORDS[1],
        ),
        review(
            "r-gone-2",
            "2026-11-22T10:20:00Z",
            GONE,
            GONE_EMAIL,
            5,
            GONE_WORDS[0],
            "Güzel",
        ),
        review(
            "r-kept-1",
            "2026-11-22T10:15:00Z",
            KEPT,
            KEPT_EMAIL,
            1,
            "Kırmızı Kupa",
            "Çatlak",
        ),
    ] {
        stack.send("reviews", &body).await;
    }
    deliver_reviews(&stack, &responder).await;

    // A late order (an apology with a coupon) and, on Monday 14:40 in
    // Istanbul, a complaint from each (high priority: warned at 17:52, due
    // on Tuesday at 09:40).
    stack
        .send(
            "orders",
            &event(
                "d-gone",
                "order.delayed",
                "2026-11-21T07:00:00Z",
                json!({"customer_id": GONE, "order_id": GONE_WORDS[3],
                       "promised_date": "2026-11-20", "new_date": "2026-11-27",
                       "tracking_url": "https://kargo.example.com/t/erase"}),
            ),
        )
        .await;
    for (id, customer, email, message) in [
        ("c-gone", GONE, GONE_EMAIL, GONE_WORDS[2]),
        ("c-kept", KEPT, KEPT_EMAIL, "Kupa KIRIK geldi"),
    ] {
        stack
            .send(
                "tickets",
                &complaint(
                    id,
                    "2026-11-23T11:40:00Z",
                    customer,
                    "web",
                    message,
                    email,
                    "tr",
                    "Europe/Istanbul",
                ),
            )
            .await;
    }
    let delivered = deliver_tickets(&stack, &intake).await;
    assert!(
        delivered.iter().all(|d| d.failed.is_empty()),
        "{delivered:?}"
    );

    // An order and a return each (their clocks held in the due index), the
    // return with the customer's own words.
    let journey = journey(&stack);
    for (id, kind, customer, extra) in [
        ("o-gone", "order.placed", GONE, json!({})),
        (
            "rt-gone",
            "return.requested",
            GONE,
            json!({"return_id": "RMA-ERASE", "reason": GONE_WORDS[1]}),
        ),
        ("o-kept", "order.placed", KEPT, json!({})),
    ] {
        let mut data = json!({"customer_id": customer, "order_id": if customer == GONE { GONE_WORDS[3] } else { "ord-keep-1" }});
        if let (Some(d), Some(e)) = (data.as_object_mut(), extra.as_object()) {
            d.extend(e.clone());
        }
        stack
            .send("orders", &event(id, kind, "2026-11-23T12:00:00Z", data))
            .await;
    }
    let delivered = deliver_orders(&stack, &journey).await;
    assert!(
        delivered.iter().all(|d| d.failed.is_empty()),
        "{delivered:?}"
    );

    // The monitor, back at 03:00 on Tuesday, finds the warnings; the
    // escalator holds the team's mail until 09:00.
    assert!(sweep(&monitor, "2026-11-24T00:00:00Z").await.warnings >= 2);
    escalate(&stack, &escalator).await;

    // What the customer who goes has, before.
    let (gone_tickets, gone_codes) = tickets_and_codes(&stack, GONE).await;
    assert!(
        gone_tickets.len() >= 2,
        "a follow-up and a complaint: {gone_tickets:?}"
    );
    assert!(
        gone_codes.len() >= 2,
        "review and late-order coupons: {gone_codes:?}"
    );
    let held: Vec<String> = stack
        .items_with_prefix("SCHEDULED#")
        .await
        .iter()
        .map(|i| attr(i, "pk").to_string())
        .collect();
    let gone_held: Vec<&String> = held
        .iter()
        .filter(|pk| {
            gone_tickets.iter().any(|t| pk.contains(t.as_str()))
                || pk.ends_with(GONE_WORDS[3])
                || pk.ends_with("RMA-ERASE")
        })
        .collect();
    assert_eq!(
        gone_held
            .iter()
            .filter(|pk| pk.contains("journey.due"))
            .count(),
        4,
        "the order's two clocks and the return's two: {gone_held:?}"
    );
    assert!(
        !gone_held.is_empty(),
        "a held message for the customer: {held:?}"
    );
    assert!(
        held.len() > gone_held.len(),
        "and one for the other customer"
    );
    let due_before = due_entries(&stack).await;
    assert!(
        gone_tickets
            .iter()
            .any(|t| due_before.contains(&format!("TICKET#{t}"))),
        "an alarm still to come"
    );
    assert!(birthday_entries(&stack, 3, 14).await.contains(GONE));
    let profile = item(&stack, &format!("CUSTOMER#{GONE}"), "PROFILE")
        .await
        .expect("a profile");
    assert_eq!(
        profile
            .get("marketing_consent")
            .and_then(|v| v.as_bool().ok()),
        Some(&true)
    );

    // Markers of the customer who goes: anything holding one is theirs.
    let mut markers: Vec<String> = [GONE, GONE_EMAIL, GONE_NAME]
        .iter()
        .chain(GONE_WORDS.iter())
        .map(|s| s.to_string())
        .collect();
    markers.extend(gone_tickets.iter().cloned());
    markers.extend(gone_codes.iter().cloned());
    let theirs = |item: &str| markers.iter().any(|m| item.contains(m.as_str()));
    let before = snapshot(&stack, &stack.table).await;
    let idempotency_before = snapshot(&stack, &stack.idempotency_table).await;
    let others_before: BTreeMap<&String, &String> =
        before.iter().filter(|(_, v)| !theirs(v)).collect();

    // A dry run counts and changes nothing.
    let dry = erase(&stack, &["--dry-run", GONE]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    let dry_out = text(&dry.stdout);
    assert!(dry_out.starts_with("would delete: 1 customer"), "{dry_out}");
    assert_eq!(snapshot(&stack, &stack.table).await, before);

    // The erasure.
    let run = erase(&stack, &["--table", &stack.table, GONE]);
    let (out, err) = (text(&run.stdout), text(&run.stderr));
    assert!(run.status.success(), "{out}\n{err}");
    // Counts only, so it can be shown: `--no-capture` prints it.
    println!("{out}");
    assert!(out.starts_with("deleted: 1 customer"), "{out}");
    assert!(out.contains("2 reviews"), "{out}");
    assert!(
        out.contains(&format!("anonymised: {} tickets", gone_tickets.len())),
        "{out}"
    );
    assert!(
        out.contains(&format!("{} coupon codes", gone_codes.len())),
        "{out}"
    );
    assert!(
        out.contains(&format!("{} held message", gone_held.len())),
        "{out}"
    );
    assert_eq!(
        out,
        dry_out
            .replace("would delete", "deleted")
            .replace("would anonymise", "anonymised"),
        "the dry run said what the run did"
    );
    for marker in &markers {
        assert!(
            !out.contains(marker.as_str()) && !err.contains(marker.as_str()),
            "{marker} printed"
        );
    }

    // Nothing readable about them remains in the main table…
    let after = snapshot(&stack, &stack.table).await;
    for (key, value) in &after {
        for marker in [GONE, GONE_EMAIL, GONE_NAME]
            .iter()
            .chain(GONE_WORDS.iter())
        {
            assert!(
                !value.contains(marker),
                "{marker} remains in {key}: {value}"
            );
        }
    }
    assert!(stack.customer_items(GONE).await.is_empty());
    assert!(out.contains("1 order, 1 return"), "{out}");
    for (pk, sk) in [
        (format!("ORDER#{}", GONE_WORDS[3]), "ORDER"),
        ("RETURN#RMA-ERASE".to_string(), "RETURN"),
    ] {
        assert!(item(&stack, &pk, sk).await.is_none(), "{pk} remains");
    }
    assert!(
        !after
            .keys()
            .any(|k| k.contains(GONE_WORDS[3]) || k.contains("RMA-ERASE")),
        "a clock held for their order or return"
    );
    assert!(
        item(&stack, "ORDER#ord-keep-1", "ORDER").await.is_some(),
        "the other customer's order stays"
    );
    assert_eq!(
        tickets_and_codes(&stack, GONE).await,
        (BTreeSet::new(), BTreeSet::new())
    );
    assert!(!birthday_entries(&stack, 3, 14).await.contains(GONE));
    let due_after = due_entries(&stack).await;
    for t in &gone_tickets {
        assert!(
            !due_after.contains(&format!("TICKET#{t}")),
            "{t} still watched"
        );
        assert!(
            !after
                .keys()
                .any(|k| k.starts_with("SCHEDULED#") && k.contains(t.as_str())),
            "a message held for {t}"
        );
    }
    // …but the shells the shop needs: each ticket, by its number…
    for t in &gone_tickets {
        let shell = item(&stack, &format!("TICKET#{t}"), "TICKET")
            .await
            .expect("the ticket stays");
        assert_eq!(attr(&shell, "customer_id"), ERASED);
        assert_eq!(attr(&shell, "source_event"), ERASED);
        assert_eq!(attr(&shell, "number"), t);
        for gone in [
            "gsi1pk",
            "gsi2pk",
            "order_id",
            "summary",
            "subject",
            "first_reply_due",
            "next_due",
        ] {
            assert!(!shell.contains_key(gone), "{t} keeps {gone}");
        }
        for kept in ["status", "category", "priority", "opened_at", "erased_at"] {
            assert!(shell.contains_key(kept), "{t} lost {kept}");
        }
    }
    // …and each coupon code, still unique and redeemable.
    for code in &gone_codes {
        let shell = item(&stack, &format!("COUPON#{code}"), "COUPON")
            .await
            .expect("the code stays");
        assert_eq!(attr(&shell, "customer_id"), ERASED);
        assert_eq!(attr(&shell, "code"), code);
        assert!(shell.contains_key("expires_at") && shell.contains_key("percent"));
    }
    // What they had and nobody else is gone or a shell; everything else is
    // exactly as it was.
    let others_after: BTreeMap<&String, &String> =
        after.iter().filter(|(_, v)| !theirs(v)).collect();
    let shells = after.len() - others_after.len();
    assert_eq!(shells, gone_tickets.len() + gone_codes.len());
    assert_eq!(others_after, others_before, "another item changed");
    assert!(birthday_entries(&stack, 7, 1).await.contains(KEPT));
    assert_eq!(
        stack.customer_items(KEPT).await.len(),
        before
            .keys()
            .filter(|k| k.starts_with(&format!("CUSTOMER#{KEPT} ")))
            .count()
    );

    // The idempotency table: records keyed by opaque ids (the customer's,
    // an order's, an event's), with no contact detail, name or text, each
    // expiring within the TTL (30 days).
    let idempotency_after = snapshot(&stack, &stack.idempotency_table).await;
    assert_eq!(
        idempotency_after, idempotency_before,
        "the tool leaves it alone"
    );
    let ttl_end = Timestamp::now().as_second() + 31 * 24 * 3600;
    let records = stack
        .dynamodb
        .scan()
        .table_name(&stack.idempotency_table)
        .send()
        .await
        .expect("scan")
        .items
        .unwrap_or_default();
    for record in records.iter().filter(|r| attr(r, "pk").contains(GONE)) {
        let shown = format!("{record:?}");
        for marker in [
            GONE_EMAIL,
            GONE_NAME,
            GONE_WORDS[0],
            GONE_WORDS[1],
            GONE_WORDS[2],
            GONE_WORDS[4],
        ] {
            assert!(!shown.contains(marker), "{marker} in {shown}");
        }
        let names: BTreeSet<&str> = record.keys().map(String::as_str).collect();
        assert!(
            names.is_subset(&BTreeSet::from([
                "pk",
                "status",
                "expires_at",
                "result",
                "lease_until"
            ])),
            "{names:?}"
        );
        let expires: i64 = record["expires_at"]
            .as_n()
            .expect("a TTL")
            .parse()
            .expect("seconds");
        assert!(expires <= ttl_end, "{shown}");
    }

    // A second run has nothing to do and changes nothing.
    let again = erase(&stack, &[GONE]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(
        text(&again.stdout).trim(),
        "nothing is stored about this customer: nothing to erase"
    );
    assert_eq!(snapshot(&stack, &stack.table).await, after);

    // Afterwards the help desk can still close the erased customer's
    // ticket, and nothing is sent to anyone for it; no alarm comes from a
    // shell, while the other customer's still do.
    let complaint_ticket = gone_tickets
        .iter()
        .find(|t| {
            after
                .get(&format!("TICKET#{t} | TICKET"))
                .is_some_and(|v| v.contains("complaint"))
        })
        .expect("the complaint's ticket")
        .clone();
    let sent_before: BTreeSet<String> = stack
        .emulator
        .sent_emails()
        .into_iter()
        .map(|e| e.id)
        .collect();
    stack
        .send(
            "tickets",
            &resolved("res-gone", "2026-11-24T08:00:00Z", &complaint_ticket),
        )
        .await;
    let delivered = deliver_tickets(&stack, &intake).await;
    assert!(
        delivered.iter().all(|d| d.failed.is_empty()),
        "{delivered:?}"
    );
    let resolved_shell = item(&stack, &format!("TICKET#{complaint_ticket}"), "TICKET")
        .await
        .expect("ticket");
    assert_eq!(attr(&resolved_shell, "status"), "resolved");
    assert_eq!(attr(&resolved_shell, "customer_id"), ERASED);

    let late = sweep(&monitor, "2026-11-30T12:00:00Z").await;
    assert!(
        late.breaches >= 1,
        "the other customer's ticket still breaches"
    );
    escalate(&stack, &escalator).await;
    let sent_after: Vec<_> = stack
        .emulator
        .sent_emails()
        .into_iter()
        .filter(|e| !sent_before.contains(&e.id))
        .collect();
    assert!(
        sent_after.iter().any(|e| e.to.iter().any(|t| t == LEAD)),
        "the other customer's breach went out"
    );
    for e in &sent_after {
        assert!(
            !e.to.iter().any(|t| t == GONE_EMAIL),
            "mail to the erased customer"
        );
        for t in &gone_tickets {
            assert!(
                !e.subject.contains(t.as_str()),
                "mail about {t}: {}",
                e.subject
            );
        }
    }
}
