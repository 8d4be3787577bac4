//! `memnun-export` (tools/export), the real binary, against the emulator:
//! coupons issued by the real functions come out as CSV with what became of
//! them, by the shop's days; the flows' figures are marketing's digest's;
//! nothing personal leaves without `--with-contact`; every read is a key or
//! index read; and 100,000 coupons export in the memory 10,000 take.

#[path = "support/functions.rs"]
mod functions;

use std::collections::BTreeSet;
use std::process::Stdio;

use functions::*;
use memnun_tests::events::event;
use memnun_tests::faults::{FaultConfig, FaultProxy};
use memnun_tests::stack::Stack;
use serde_json::json;

/// Runs `memnun-export` with `args` against `endpoint`; answers its exit
/// code, its standard error and its peak resident memory in KiB.
fn export(stack: &Stack, endpoint: &str, args: &[&str]) -> (i32, String, i64) {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let err = std::env::temp_dir().join(format!("memnun-export-{}-{run}.err", std::process::id()));
    let mut child = memnun_tests::tool("memnun-export", endpoint)
        .args(args)
        .env("TABLE_NAME", &stack.table)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("start memnun-export");
    // The child's own high-water mark (VmHWM, of its image after exec;
    // the rusage of wait4 would count the forking test's pages too), read
    // until it exits.
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Some(hwm) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
        }) {
            peak = peak.max(hwm);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let stderr = std::fs::read_to_string(&err).unwrap_or_default();
    let _ = std::fs::remove_file(&err);
    (status.code().unwrap_or(-1), stderr, peak)
}

fn csv_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .expect("the CSV")
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

fn low_review(id: &str, time: &str, customer: &str, name: &str) -> String {
    event(
        id,
        "review.posted",
        time,
        json!({"customer_id": customer, "rating": 1, "product_id": "p-1",
               "product_name": "Kupa", "order_id": format!("o-{id}"), "text": "Kırık",
               "customer": {"email": format!("{customer}@example.com"), "name": name,
                            "locale": "tr", "time_zone": "Europe/Istanbul"}}),
    )
}

/// Coupons made by review-responder and redeemed by order-journey, read
/// back by the shop's days: the range's edges on the shop's clock, each
/// coupon's state as of a moment, the flows' figures, no contact unless
/// asked, and only key and index reads.
#[tokio::test(flavor = "multi_thread")]
async fn coupons_and_flows_come_out_by_the_shops_days_with_what_became_of_them() {
    let stack = Stack::start().await;
    for (id, time, customer, name) in [
        // 15 November 23:59 in Istanbul: the day before the range.
        ("r-before", "2026-11-15T20:59:00Z", "c-before", "Can"),
        // 16 November 00:30 in Istanbul, still the 15th in UTC: in range.
        ("r-first", "2026-11-15T21:30:00Z", "c-first", "Ayşe Yılmaz"),
        (
            "r-mid",
            "2026-11-19T10:00:00Z",
            "c-mid",
            "=HYPERLINK(\"http://x\")",
        ),
        // 22 November 23:59 in Istanbul: the range's last minute.
        ("r-last", "2026-11-22T20:59:00Z", "c-last", "Zeynep"),
        ("r-after", "2026-11-22T21:00:00Z", "c-after", "Mehmet"),
    ] {
        stack
            .send("reviews", &low_review(id, time, customer, name))
            .await;
    }
    deliver_reviews(&stack, &responder(&stack)).await;
    let code_of = |customer: &str| {
        let customer = customer.to_owned();
        let stack = &stack;
        async move {
            stack
                .items_with_prefix("COUPON#")
                .await
                .into_iter()
                .find(|c| memnun_tests::stack::attr(c, "customer_id") == customer)
                .map(|c| memnun_tests::stack::attr(&c, "code").to_owned())
                .expect("a coupon")
        }
    };
    let first = code_of("c-first").await;
    stack
        .send(
            "orders",
            &event(
                "o-redeem",
                "order.placed",
                "2026-11-18T12:00:00Z",
                json!({"customer_id": "c-first", "order_id": "ord-77", "total": "450.00",
                       "currency": "TRY", "discount_codes": [first.to_lowercase()],
                       "customer": {"email": "c-first@example.com"}}),
            ),
        )
        .await;
    deliver_orders(&stack, &journey(&stack)).await;

    let proxy = FaultProxy::start(stack.emulator.port(), FaultConfig::none(0)).expect("proxy");
    proxy.set_recording(true);
    let dir = std::env::temp_dir().join(format!("memnun-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("coupons.csv");
    let range = ["--from", "2026-11-16", "--to", "2026-11-22"];
    let run = |extra: &[&str], file: &std::path::Path| {
        let mut args = vec!["coupons"];
        args.extend(range);
        args.extend(["--out", file.to_str().unwrap()]);
        args.extend(extra);
        export(&stack, &proxy.endpoint(), &args)
    };
    let (code, stderr, _) = run(&["--as-of", "2026-12-01T00:00:00Z"], &out);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("3 coupons (1 redeemed, 0 expired)"),
        "{stderr}"
    );
    let rows = csv_rows(&out);
    assert_eq!(rows[0], memnun_export::COUPON_COLUMNS);
    let by_customer = |id: &str| {
        rows.iter()
            .find(|r| r[3] == id)
            .unwrap_or_else(|| panic!("no row of {id}: {rows:?}"))
            .clone()
    };
    let customers: BTreeSet<&str> = rows[1..].iter().map(|r| r[3].as_str()).collect();
    assert_eq!(customers, BTreeSet::from(["c-first", "c-last", "c-mid"]));
    let redeemed = by_customer("c-first");
    assert_eq!(redeemed[0], first);
    assert_eq!(redeemed[1], "negative_review");
    assert_eq!(
        redeemed[6..12],
        [
            "redeemed",
            "2026-11-18T12:00:00Z",
            "ord-77",
            "450.00",
            "TRY",
            "2"
        ]
    );
    assert_eq!(by_customer("c-mid")[6], "open");
    let text = std::fs::read_to_string(&out).unwrap();
    for personal in ["@example.com", "Ayşe", "HYPERLINK", "Zeynep"] {
        assert!(
            !text.contains(personal),
            "{personal} without --with-contact"
        );
    }

    // A month later, the unused ones have ended.
    let (code, stderr, _) = run(&["--as-of", "2027-01-01T00:00:00Z"], &out);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("3 coupons (1 redeemed, 2 expired)"),
        "{stderr}"
    );

    // With contact: the address and name, a formula defused.
    let with = dir.join("with-contact.csv");
    let (code, stderr, _) = run(&["--with-contact"], &with);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&with).unwrap();
    assert!(text.starts_with("code,flow,"), "{text}");
    assert!(text.lines().next().unwrap().ends_with(",email,name"));
    assert!(
        text.contains(",c-first@example.com,Ayşe Yılmaz\r\n"),
        "{text}"
    );
    assert!(
        text.contains(",\"'=HYPERLINK(\"\"http://x\"\")\"\r\n"),
        "a name that is a formula is text: {text}"
    );

    // The flows: marketing's figures of the weeks the range touches.
    let flows = dir.join("flows.csv");
    let (code, stderr, _) = export(
        &stack,
        &proxy.endpoint(),
        &[
            "flows",
            "--from",
            "2026-11-16",
            "--to",
            "2026-11-22",
            "--out",
            flows.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let rows = csv_rows(&flows);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[1][..8],
        [
            "2026-W47",
            "negative_review",
            "3",
            "1",
            "33",
            "20",
            "2",
            "TRY 450.00"
        ]
    );

    // Every read was by key or by the issue-day index: never a scan.
    let calls = proxy.take_recorded();
    let operations: BTreeSet<String> = calls.iter().map(|c| c.operation()).collect();
    let reads = [
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:Query",
    ]
    .map(String::from);
    assert!(
        operations.iter().all(|o| reads.contains(o)) && operations.contains("dynamodb:Query"),
        "{operations:?}"
    );
    for call in calls.iter().filter(|c| c.operation() == "dynamodb:Query") {
        assert!(
            call.body.contains("\"IndexName\":\"by_issue_day\""),
            "{}",
            call.body
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A stand-in for the two DynamoDB reads a coupons export makes, over
/// DynamoDB's JSON protocol as documented (`X-Amz-Target`, `Limit`,
/// `ExclusiveStartKey` and `LastEvaluatedKey`, `Responses` and
/// `UnprocessedKeys`), serving `COUPONS` coupons evenly over November 2026
/// without holding them: each page is made when asked. The emulator reads
/// every item of a table for each query (over 12 seconds a query at this
/// size), so the figure is measured here; the emulator test above proves
/// the same queries against a real table.
mod stand_in {
    use memnun_shared::adapters::dynamodb::{coupon_record, redemption_record};
    use memnun_shared::domain::coupon::{
        CODE_ALPHABET, Coupon, CouponCode, CouponReason, CouponValue,
    };
    use memnun_shared::domain::customer::CustomerId;
    use memnun_shared::domain::order::OrderId;
    use memnun_shared::domain::redemption::Redemption;
    use memnun_tests::loopback::{Incoming, Reply, Server};
    use serde_json::{Value, json};

    pub const COUPONS: i64 = 100_000;
    const MONTH_MS: i64 = 30 * 86_400 * 1_000;

    fn start() -> jiff::Timestamp {
        "2026-11-01T00:00:00Z".parse().unwrap()
    }

    /// The `i`th coupon: its time, its code (i in the code's alphabet), its
    /// flow.
    pub fn coupon(i: i64) -> Coupon {
        let reason = CouponReason::ALL[(i % 5) as usize];
        let mut body = String::new();
        let mut n = i;
        for _ in 0..10 {
            body.push(char::from(CODE_ALPHABET[(n % 30) as usize]));
            n /= 30;
        }
        let code = format!("{}-{}-{}", reason.prefix(), &body[..5], &body[5..]);
        let issued_at = start() + jiff::SignedDuration::from_millis(i * MONTH_MS / COUPONS);
        Coupon {
            code: CouponCode::parse(&code).unwrap(),
            customer_id: CustomerId::parse(&format!("cust-{i}")).unwrap(),
            reason,
            value: CouponValue::Percent(15),
            issued_at,
            expires_at: issued_at + jiff::SignedDuration::from_hours(24 * 30),
            source_event: format!("shop/web#seed-{i}"),
        }
    }

    fn index_of(code: &str) -> i64 {
        let body: String = code.split('-').skip(1).collect();
        body.bytes().rev().fold(0, |n, b| {
            n * 30 + CODE_ALPHABET.iter().position(|c| *c == b).unwrap() as i64
        })
    }

    fn to_json(
        item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    ) -> Value {
        use aws_sdk_dynamodb::types::AttributeValue as A;
        let mut out = serde_json::Map::new();
        for (k, v) in item {
            let v = match v {
                A::S(s) => json!({"S": s}),
                A::N(n) => json!({"N": n}),
                A::Ss(ss) => json!({"SS": ss}),
                other => panic!("not served: {other:?}"),
            };
            out.insert(k.clone(), v);
        }
        Value::Object(out)
    }

    fn s<'a>(v: &'a Value, path: &[&str]) -> &'a str {
        path.iter()
            .fold(v, |v, p| &v[p])
            .as_str()
            .unwrap_or_default()
    }

    fn query(body: &Value) -> Value {
        assert_eq!(body["IndexName"], "by_issue_day", "only the index is read");
        let day = s(body, &["ExpressionAttributeValues", ":day", "S"]);
        let (from, to) = (
            s(body, &["ExpressionAttributeValues", ":from", "S"]),
            s(body, &["ExpressionAttributeValues", ":to", "S"]),
        );
        let after = s(body, &["ExclusiveStartKey", "gsi4sk", "S"]).to_owned();
        let limit = body["Limit"].as_i64().unwrap_or(1_000) as usize;
        let date: jiff::civil::Date = day.trim_start_matches("ISSUED#").parse().unwrap();
        let day_start = date.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp();
        let ms = |t: jiff::Timestamp| (t.as_millisecond() - start().as_millisecond()).max(0);
        // The coupons whose time falls on the day, by index.
        let ceil = |n: i64| (n + MONTH_MS - 1) / MONTH_MS;
        let first = ceil(ms(day_start) * COUPONS);
        let end = ceil((ms(day_start) + 86_400_000) * COUPONS).min(COUPONS);
        // Keys sort as the indexes do (one coupon a time): read on from
        // the one after the cursor's.
        let first = match after.rsplit_once('#') {
            Some((_, code)) => first.max(index_of(code) + 1),
            None => first,
        };
        let mut items = Vec::new();
        let mut more = false;
        for i in first..end {
            let record = coupon_record(&coupon(i));
            let sk = record["gsi4sk"].as_s().unwrap().clone();
            if sk.as_str() < from || sk.as_str() > to || (!after.is_empty() && sk <= after) {
                continue;
            }
            if items.len() == limit {
                more = true;
                break;
            }
            items.push(to_json(&record));
        }
        let mut answer = json!({"Count": items.len(), "ScannedCount": items.len()});
        if more {
            let last = items.last().unwrap();
            answer["LastEvaluatedKey"] = json!({
                "pk": last["pk"], "sk": last["sk"], "gsi4pk": last["gsi4pk"], "gsi4sk": last["gsi4sk"],
            });
        }
        answer["Items"] = Value::Array(items);
        answer
    }

    fn batch_get(body: &Value) -> Value {
        let (table, wanted) = body["RequestItems"]
            .as_object()
            .unwrap()
            .iter()
            .next()
            .unwrap();
        let keys = wanted["Keys"].as_array().unwrap();
        assert!(keys.len() <= 100, "at most 100 keys a read");
        let mut found = Vec::new();
        for key in keys {
            let pk = s(key, &["pk", "S"]);
            let code = pk
                .strip_prefix("REDEEMED#")
                .expect("only redemptions are read");
            let i = index_of(code);
            if i % 10 == 0 {
                let c = coupon(i);
                found.push(to_json(&redemption_record(&Redemption {
                    code: c.code.clone(),
                    reason: c.reason,
                    order_id: OrderId::parse(&format!("ord-{i}")).unwrap(),
                    at: c.issued_at + jiff::SignedDuration::from_hours(30),
                    total_cents: Some(12_345),
                    currency: Some("TRY".into()),
                    issued_at: Some(c.issued_at),
                    reused_by: Vec::new(),
                })));
            }
        }
        json!({"Responses": {table: found}, "UnprocessedKeys": {}})
    }

    /// Starts the stand-in.
    pub fn serve() -> Server {
        Server::start(|request: Incoming| {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            let answer = match request.header("x-amz-target").unwrap_or_default() {
                "DynamoDB_20120810.Query" => query(&body),
                "DynamoDB_20120810.BatchGetItem" => batch_get(&body),
                other => {
                    return Reply::json(
                        400,
                        json!({"__type": "com.amazon.coral.validate#ValidationException",
                               "message": format!("the stand-in serves no {other}")}),
                    );
                }
            };
            let mut reply = Reply::json(200, answer);
            reply
                .headers
                .push(("Content-Type", "application/x-amz-json-1.0".to_owned()));
            reply
        })
    }
}

/// 100,000 coupons over November (about 3,300 a day): the export reads a
/// page at a time and writes it before the next, so its peak memory is
/// the same for the month as for its first three days. The figures are
/// printed for docs/performance.md.
#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_thousand_coupons_export_in_the_memory_ten_thousand_take() {
    let stack = Stack::start().await;
    let server = stand_in::serve();
    let endpoint = server.url();
    let dir = std::env::temp_dir().join(format!("memnun-export-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |to: &str, file: &str| {
        let path = dir.join(file);
        let started = std::time::Instant::now();
        let (code, stderr, peak) = export(
            &stack,
            &endpoint,
            &[
                "coupons",
                "--from",
                "2026-11-01",
                "--to",
                to,
                "--time-zone",
                "UTC",
                "--as-of",
                "2026-12-15T00:00:00Z",
                "--out",
                path.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{stderr}");
        let text = std::fs::read_to_string(&path).unwrap();
        let rows = text.lines().count() - 1;
        let redeemed = text.matches(",redeemed,").count();
        eprintln!(
            "exported 2026-11-01..{to}: {rows} rows ({redeemed} redeemed), peak {peak} KiB, {:?}",
            started.elapsed()
        );
        (rows, redeemed, peak)
    };
    for to in [
        "2026-11-03",
        "2026-11-03",
        "2026-11-30",
        "2026-11-30",
        "2026-11-03",
    ] {
        run(to, "probe.csv");
    }
    let (few, few_redeemed, few_peak) = run("2026-11-03", "three-days.csv");
    let (all, all_redeemed, all_peak) = run("2026-11-30", "month.csv");
    assert_eq!((few, few_redeemed), (10_000, 1_000));
    assert_eq!((all, all_redeemed), (stand_in::COUPONS as usize, 10_000));
    assert!(
        all_peak <= few_peak + 1024,
        "ten times the coupons took {all_peak} KiB against {few_peak} KiB"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
