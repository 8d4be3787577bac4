//! Hostile input against everything that reads from outside: the event
//! contract (producers' and internal events, on any bytes), the SQS batch
//! runner, and every email memnun renders.
//!
//! The nasty strings and raw bodies live in `tests/corpus/` (see its README);
//! the property tests add random ones. What must hold:
//!
//! - parsing answers an event or a contract error naming the field, never a
//!   panic; the error never repeats the offending value (it may be personal
//!   data) and is short;
//! - memory is bounded by the input: this binary counts allocations per
//!   thread, and a body over the limit costs nothing beyond its error;
//! - in every email, customer text adds no markup to the HTML part (the
//!   number of `<`, `>`, `"` and `'` is that of a benign render), template
//!   syntax comes out literally, subjects have no line breaks, control or
//!   bidi characters and no RFC 2047 encoded word, and everything is bounded.

// A test file: its helpers may unwrap and panic like its tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeSet;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use memnun_shared::Error;
use memnun_shared::contract::internal::{InternalEvent, scheduled_time};
use memnun_shared::contract::payload::{MAX_MESSAGE_CHARS, MAX_SHORT_TEXT_CHARS};
use memnun_shared::contract::{Event, MAX_BODY_BYTES, MAX_ID_BYTES};
use memnun_shared::domain::coupon::{Coupon, CouponCode, CouponReason, CouponValue};
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::domain::digest::{Counters, Figures, Week};
use memnun_shared::domain::locale::Locale;
use memnun_shared::domain::mail::render::{self, Rendered, ReviewApology};
use memnun_shared::domain::mail::tickets::{self, AlertKind, Missed};
use memnun_shared::domain::mail::{
    EmailAddress, OutgoingEmail, birthday, digest, display_text, from_header, mime,
};
use memnun_shared::domain::order::{OrderId, Shipment};
use memnun_shared::domain::ticket::{Category, Priority, TicketNumber};
use proptest::prelude::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Allocation accounting: live bytes and their peak, per thread, so tests
// running side by side do not see each other's memory.

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn track(delta: isize) {
    // `try_with`: allocations during thread teardown are simply not counted.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now);
            }
        });
    });
}

fn signed(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

// SAFETY: every call is passed to the system allocator unchanged; the
// counting only reads sizes and touches thread-local cells that never
// allocate (const-initialised `Cell`s without destructors).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            track(signed(layout.size()));
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            track(signed(layout.size()));
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        track(-signed(layout.size()));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            track(signed(new_size) - signed(layout.size()));
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and answers its result with the most memory it held at once
/// beyond what was live before, in bytes.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    let out = f();
    let peak = PEAK.with(Cell::get);
    (out, usize::try_from(peak - start).unwrap_or(0))
}

/// The most a parse may hold: linear in the input (a JSON tree costs a few
/// dozen bytes per input byte at worst: `[0,0,…]` is 2 bytes per 32-byte
/// value, in vectors that grow by doubling), plus a constant.
fn allowed_peak(input_bytes: usize) -> usize {
    48 * input_bytes + 256 * 1024
}

// ---------------------------------------------------------------------------
// The corpus.

fn corpus_path(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus")
        .join(file)
}

/// `tests/corpus/strings.json`: (name, value).
fn nasty_strings() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(corpus_path("strings.json")).expect("read the corpus");
    let entries: Vec<Value> = serde_json::from_str(&text).expect("the corpus is JSON");
    entries
        .iter()
        .map(|e| {
            let name = e["name"].as_str().expect("name").to_string();
            let value = e["value"].as_str().expect("value");
            let repeat = e["repeat"].as_u64().unwrap_or(1);
            (name, value.repeat(usize::try_from(repeat).expect("repeat")))
        })
        .collect()
}

/// `tests/corpus/raw-bodies.json`: (name, bytes), `\xNN` decoded.
fn raw_bodies() -> Vec<(String, Vec<u8>)> {
    let text = std::fs::read_to_string(corpus_path("raw-bodies.json")).expect("read the corpus");
    let entries: Vec<Value> = serde_json::from_str(&text).expect("the corpus is JSON");
    entries
        .iter()
        .map(|e| {
            let name = e["name"].as_str().expect("name").to_string();
            (name, unescape_bytes(e["bytes"].as_str().expect("bytes")))
        })
        .collect()
}

fn unescape_bytes(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && bytes.get(i + 1) == Some(&b'x')
            && let Some(b) = s
                .get(i + 2..i + 4)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn the_corpus_has_what_the_readme_promises() {
    let strings = nasty_strings();
    let all: String = strings.iter().map(|(_, v)| v.as_str()).collect();
    for needle in [
        "<script>", "onerror", "{{", "{%", "\u{202E}", "\u{200D}", "\0", "\r\n", "=?utf-8?", "🎂",
    ] {
        assert!(all.contains(needle), "the corpus lacks {needle:?}");
    }
    assert!(strings.iter().any(|(_, v)| v.len() >= 10 * 1024));
    let bodies = raw_bodies();
    assert!(bodies.len() >= 10);
    assert!(
        bodies
            .iter()
            .filter(|(_, b)| std::str::from_utf8(b).is_err())
            .count()
            >= 9
    );
}

// ---------------------------------------------------------------------------
// Contract errors.

/// The field of a contract error, after checking its message is short and
/// does not repeat `value`.
fn contract_field(err: &Error, value: Option<&str>) -> String {
    let Error::Contract { field, reason } = err else {
        panic!("expected a contract error, got {err}");
    };
    let shown = err.to_string();
    assert!(!field.is_empty(), "{shown}");
    assert!(shown.len() < 400, "a long error: {} bytes", shown.len());
    assert!(
        !shown.chars().any(|c| c.is_control() || is_bidi(c)),
        "control characters in {shown:?}"
    );
    if let Some(v) = value
        && field != "type"
        && v.trim().chars().count() >= 6
    {
        assert!(
            !reason.contains(v.trim()),
            "the error repeats the value: {shown}"
        );
    }
    field.clone()
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A valid event of every type, with every optional field, and the paths of
/// its string fields.
fn full_events() -> Vec<(Value, Vec<&'static str>)> {
    let envelope = |kind: &str, data: Value| {
        json!({"specversion": "1.0", "id": "e-1", "source": "shop/web", "type": kind,
               "time": "2026-11-22T10:15:00Z", "data": data})
    };
    let customer = json!({"email": "ayse@example.com", "name": "Ayşe", "locale": "tr",
                          "time_zone": "Europe/Istanbul"});
    let contact = [
        "data.customer.email",
        "data.customer.name",
        "data.customer.locale",
        "data.customer.time_zone",
    ];
    let with = |mut v: Vec<&'static str>, more: &[&'static str]| {
        v.extend_from_slice(more);
        v
    };
    vec![
        (
            envelope(
                "customer.upserted",
                json!({"customer_id": "c-1", "email": "ayse@example.com", "name": "Ayşe",
                       "locale": "tr", "time_zone": "Europe/Istanbul", "birthday": "1990-03-14",
                       "marketing_consent": true, "consent_at": "2025-03-14T12:30:00Z",
                       "consent_source": "checkout"}),
            ),
            vec![
                "data.customer_id",
                "data.email",
                "data.name",
                "data.locale",
                "data.time_zone",
                "data.birthday",
                "data.consent_at",
                "data.consent_source",
            ],
        ),
        (
            envelope(
                "complaint.created",
                json!({"customer_id": "c-1", "channel": "web", "message": "Kupa kırık geldi",
                       "subject": "Kırık", "order_id": "o-1", "customer": customer}),
            ),
            with(
                vec![
                    "data.customer_id",
                    "data.channel",
                    "data.message",
                    "data.subject",
                    "data.order_id",
                ],
                &contact,
            ),
        ),
        (
            envelope(
                "ticket.replied",
                json!({"ticket_id": "TK-1234-5678", "author": "agent"}),
            ),
            vec!["data.ticket_id", "data.author"],
        ),
        (
            envelope("ticket.resolved", json!({"ticket_id": "TK-1234-5678"})),
            vec!["data.ticket_id"],
        ),
        (
            envelope(
                "survey.answered",
                json!({"ticket_id": "TK-1234-5678", "score": 2, "comment": "Yavaş"}),
            ),
            vec!["data.ticket_id", "data.comment"],
        ),
        (
            envelope(
                "review.posted",
                json!({"customer_id": "c-1", "rating": 1, "product_id": "p-1",
                       "product_name": "Kupa", "order_id": "o-1", "text": "Kırık",
                       "customer": customer}),
            ),
            with(
                vec![
                    "data.customer_id",
                    "data.product_id",
                    "data.product_name",
                    "data.order_id",
                    "data.text",
                ],
                &contact,
            ),
        ),
        (
            envelope(
                "order.delayed",
                json!({"customer_id": "c-1", "order_id": "o-1", "promised_date": "2026-11-20",
                       "new_date": "2026-11-25", "tracking_url": "https://kargo.example/t/1",
                       "customer": customer}),
            ),
            with(
                vec![
                    "data.customer_id",
                    "data.order_id",
                    "data.promised_date",
                    "data.new_date",
                    "data.tracking_url",
                ],
                &contact,
            ),
        ),
        (
            envelope(
                "order.placed",
                json!({"customer_id": "c-1", "order_id": "o-1", "promised_date": "2026-11-20",
                       "total": "149.90", "currency": "TRY", "discount_codes": ["KIS10"],
                       "items": [{"product_id": "p-1", "name": "Kupa", "quantity": 2}],
                       "customer": customer}),
            ),
            with(
                vec![
                    "data.customer_id",
                    "data.order_id",
                    "data.promised_date",
                    "data.total",
                    "data.currency",
                ],
                &contact,
            ),
        ),
        (
            envelope(
                "order.shipped",
                json!({"customer_id": "c-1", "order_id": "o-1", "carrier": "Yurtiçi Kargo",
                       "tracking_number": "YK1", "tracking_url": "https://kargo.example/t/1",
                       "estimated_delivery": "2026-11-25", "customer": customer}),
            ),
            with(
                vec![
                    "data.customer_id",
                    "data.order_id",
                    "data.carrier",
                    "data.tracking_number",
                    "data.tracking_url",
                    "data.estimated_delivery",
                ],
                &contact,
            ),
        ),
        (
            envelope(
                "order.cancelled",
                json!({"customer_id": "c-1", "order_id": "o-1", "reason": "vazgeçti",
                       "customer": customer}),
            ),
            with(
                vec!["data.customer_id", "data.order_id", "data.reason"],
                &contact,
            ),
        ),
    ]
}

const ENVELOPE_FIELDS: [&str; 5] = ["specversion", "id", "source", "type", "time"];

/// `event` with the field at `path` (dotted) set to `value`.
fn set(event: &Value, path: &str, value: Value) -> Value {
    let mut out = event.clone();
    let mut at = &mut out;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        at = at.get_mut(*part).expect("the path exists");
    }
    at[parts[parts.len() - 1]] = value;
    out
}

/// Checks a parse of an event whose only change from a valid one is the
/// field at `path`: valid, or an error naming that field (or one inside it,
/// when the value is an object) without repeating the value.
fn check_mutation(what: &str, body: &str, path: &str, value: Option<&str>) {
    let (result, peak) = peak_of(|| Event::parse(body));
    assert!(
        peak <= allowed_peak(body.len()),
        "{what}: {peak} bytes for a body of {}",
        body.len()
    );
    if let Err(e) = result {
        let field = contract_field(&e, value);
        // A value where an object belongs may be read as a sequence.
        let inside =
            field.starts_with(&format!("{path}.")) || field.starts_with(&format!("{path}["));
        // Another event type makes other data fields required.
        let other_type = path == "type" && field.starts_with("data");
        assert!(
            field == path || inside || other_type,
            "{what}: {path} reported as {field}: {e}"
        );
        if body.contains("SENTINEL") && path != "type" {
            assert!(!e.to_string().contains("SENTINEL"), "{what}: {e}");
        }
    }
}

#[test]
fn every_nasty_string_in_every_field_is_accepted_or_named_without_its_value() {
    for (event, data_fields) in full_events() {
        let body = event.to_string();
        assert!(Event::parse(&body).is_ok(), "the fixture is valid: {body}");
        for path in ENVELOPE_FIELDS.iter().copied().chain(data_fields) {
            for (name, s) in nasty_strings() {
                let mutated = set(&event, path, Value::String(s.clone())).to_string();
                check_mutation(&format!("{path} = {name}"), &mutated, path, Some(&s));
            }
        }
    }
}

#[test]
fn nested_json_is_refused_at_the_parser_without_overflowing_the_stack() {
    let (event, _) = &full_events()[5];
    for depth in [1usize, 100, 127, 128, 129, 1_000, 100_000] {
        let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        for path in ["data", "data.customer", "data.customer.name", "id"] {
            let body = set(event, path, json!("HOLE"))
                .to_string()
                .replace("\"HOLE\"", &nested);
            let result = Event::parse(&body);
            match result {
                Err(e @ Error::Contract { .. }) => {
                    let field = contract_field(&e, None);
                    assert!(
                        field == path
                            || field == "body"
                            || (depth < 128 && field.starts_with(path)),
                        "depth {depth} at {path}: {e}"
                    );
                }
                other => panic!("depth {depth} at {path}: {other:?}"),
            }
        }
        assert!(Event::parse(&nested).is_err());
        let objects = format!("{}{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        assert!(Event::parse(&objects).is_err());
    }
}

#[test]
fn a_body_over_the_limit_costs_nothing_beyond_its_error() {
    let huge = format!("{{\"id\":\"{}\"}}", "ä".repeat(5 * 1024 * 1024));
    let (result, peak) = peak_of(|| Event::parse(&huge));
    assert_eq!(contract_field(&result.unwrap_err(), None), "body");
    assert!(peak < 4 * 1024, "{peak} bytes held to refuse a large body");
    let (result, peak) = peak_of(|| InternalEvent::parse(&huge));
    assert!(result.is_err());
    assert!(peak < 4 * 1024, "{peak} bytes held to refuse a large body");
    // The counting works: a body under the limit is read, and costs memory.
    let big = set(
        &full_events()[5].0,
        "data.text",
        json!("ş".repeat(MAX_MESSAGE_CHARS)),
    )
    .to_string();
    let (result, peak) = peak_of(|| Event::parse(&big));
    assert!(result.is_ok());
    assert!(
        peak > 2 * MAX_MESSAGE_CHARS && peak <= allowed_peak(big.len()),
        "{peak} bytes"
    );
}

// ---------------------------------------------------------------------------
// Limits: each field at its limit passes, one past it is refused by name.
// The README's table of limits is this test in prose.

#[test]
fn every_field_has_a_limit_and_is_refused_past_it_by_name() {
    let events = full_events();
    let by_type = |kind: &str| {
        events
            .iter()
            .find(|(e, _)| e["type"] == kind)
            .map(|(e, _)| e.clone())
            .expect("a fixture")
    };
    let email_at = |n: usize| format!("{}@example.com", "a".repeat(n - "@example.com".len()));
    // (type, path, longest accepted value, shortest refused one)
    let cases: Vec<(&str, &str, String, String)> = vec![
        (
            "review.posted",
            "id",
            "i".repeat(MAX_ID_BYTES),
            "i".repeat(MAX_ID_BYTES + 1),
        ),
        (
            "review.posted",
            "source",
            "s".repeat(MAX_ID_BYTES),
            "s".repeat(MAX_ID_BYTES + 1),
        ),
        (
            "review.posted",
            "data.customer_id",
            "c".repeat(128),
            "c".repeat(129),
        ),
        (
            "review.posted",
            "data.product_id",
            "p".repeat(128),
            "p".repeat(129),
        ),
        (
            "review.posted",
            "data.order_id",
            "o".repeat(128),
            "o".repeat(129),
        ),
        (
            "review.posted",
            "data.product_name",
            "ş".repeat(MAX_SHORT_TEXT_CHARS),
            "ş".repeat(MAX_SHORT_TEXT_CHARS + 1),
        ),
        (
            "review.posted",
            "data.text",
            "ş".repeat(MAX_MESSAGE_CHARS),
            "ş".repeat(MAX_MESSAGE_CHARS + 1),
        ),
        (
            "review.posted",
            "data.customer.name",
            "ş".repeat(MAX_SHORT_TEXT_CHARS),
            "ş".repeat(MAX_SHORT_TEXT_CHARS + 1),
        ),
        (
            "review.posted",
            "data.customer.email",
            {
                // 64 bytes before the @, 254 in all.
                format!(
                    "{}@{}.example.com",
                    "a".repeat(64),
                    "b".repeat(254 - 64 - 1 - 12)
                )
            },
            email_at(255),
        ),
        (
            "review.posted",
            "data.customer.locale",
            "a".repeat(35),
            "a".repeat(36),
        ),
        (
            "complaint.created",
            "data.message",
            "ş".repeat(MAX_MESSAGE_CHARS),
            "ş".repeat(MAX_MESSAGE_CHARS + 1),
        ),
        (
            "complaint.created",
            "data.subject",
            "ş".repeat(MAX_SHORT_TEXT_CHARS),
            "ş".repeat(MAX_SHORT_TEXT_CHARS + 1),
        ),
        (
            "survey.answered",
            "data.comment",
            "ş".repeat(MAX_MESSAGE_CHARS),
            "ş".repeat(MAX_MESSAGE_CHARS + 1),
        ),
        (
            "customer.upserted",
            "data.consent_source",
            "ş".repeat(100),
            "ş".repeat(101),
        ),
        (
            "order.delayed",
            "data.tracking_url",
            format!("https://k.example/{}", "t".repeat(2048 - 18)),
            format!("https://k.example/{}", "t".repeat(2048 - 17)),
        ),
        (
            "order.shipped",
            "data.tracking_url",
            format!("https://k.example/{}", "t".repeat(2048 - 18)),
            format!("https://k.example/{}", "t".repeat(2048 - 17)),
        ),
        (
            "order.shipped",
            "data.tracking_number",
            "y".repeat(128),
            "y".repeat(129),
        ),
        (
            "order.shipped",
            "data.carrier",
            "ş".repeat(MAX_SHORT_TEXT_CHARS),
            "ş".repeat(MAX_SHORT_TEXT_CHARS + 1),
        ),
        (
            "order.cancelled",
            "data.reason",
            "ş".repeat(MAX_SHORT_TEXT_CHARS),
            "ş".repeat(MAX_SHORT_TEXT_CHARS + 1),
        ),
        (
            "order.placed",
            "data.order_id",
            "o".repeat(128),
            "o".repeat(129),
        ),
        (
            "order.placed",
            "data.total",
            format!("{}.999", "9".repeat(12)),
            format!("{}.999", "9".repeat(13)),
        ),
    ];
    for (kind, path, longest, too_long) in cases {
        let event = by_type(kind);
        let ok = set(&event, path, Value::String(longest.clone())).to_string();
        if let Err(e) = Event::parse(&ok) {
            panic!("{kind} {path} at its limit ({} bytes): {e}", longest.len());
        }
        let refused = set(&event, path, Value::String(too_long)).to_string();
        match Event::parse(&refused) {
            Err(e) => assert_eq!(contract_field(&e, None), path, "{e}"),
            Ok(_) => panic!("{kind} {path}: one past the limit was accepted"),
        }
    }
    // Ratings and scores are whole numbers from 1 to 5.
    for (kind, path) in [
        ("review.posted", "data.rating"),
        ("survey.answered", "data.score"),
    ] {
        for bad in [
            json!(0),
            json!(6),
            json!(256),
            json!(-1),
            json!(1.5),
            json!("1"),
        ] {
            let body = set(&by_type(kind), path, bad).to_string();
            assert_eq!(
                contract_field(&Event::parse(&body).unwrap_err(), None),
                path
            );
        }
    }
    // The body as a whole.
    let (event, _) = &events[5];
    let padded = |n: usize| {
        let mut e = event.clone();
        e["pad"] = json!("");
        let base = e.to_string().len();
        e["pad"] = json!("x".repeat(n - base));
        e.to_string()
    };
    assert_eq!(padded(MAX_BODY_BYTES).len(), MAX_BODY_BYTES);
    assert!(Event::parse(&padded(MAX_BODY_BYTES)).is_ok());
    assert_eq!(
        contract_field(
            &Event::parse(&padded(MAX_BODY_BYTES + 1)).unwrap_err(),
            None
        ),
        "body"
    );
}

// ---------------------------------------------------------------------------
// Raw bodies that are not UTF-8, through the SQS side.

/// `bytes` as the inside of a JSON string: quotes, backslashes and control
/// characters escaped, every other byte (valid UTF-8 or not) left as is.
fn json_string_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0..0x20 => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out
}

fn sqs_message(id: &str, body: String) -> SqsMessage {
    let mut m = SqsMessage::default();
    m.message_id = Some(id.to_string());
    m.body = Some(body);
    m
}

#[test]
fn invalid_utf8_in_a_raw_sqs_body_is_a_clear_error_never_a_panic() {
    let bodies = raw_bodies();
    for (name, bytes) in &bodies {
        // What the Lambda runtime reads: the invocation's JSON. A body that
        // is not UTF-8 makes the whole payload unreadable, an error the
        // runtime reports (SQS itself only carries valid Unicode).
        let mut payload = br#"{"Records":[{"messageId":"m-1","body":""#.to_vec();
        payload.extend(json_string_bytes(bytes));
        payload.extend_from_slice(br#""}]}"#);
        let read = serde_json::from_slice::<SqsEvent>(&payload);
        assert_eq!(
            read.is_err(),
            std::str::from_utf8(bytes).is_err(),
            "{name}: read as {read:?}"
        );
        // Decoded with replacement characters (what a tool that reads the
        // body as text does), it is an event or a contract error.
        let lossy = String::from_utf8_lossy(bytes).into_owned();
        if let Err(e) = Event::parse(&lossy) {
            contract_field(&e, None);
        }
        if let Err(e) = InternalEvent::parse(&lossy) {
            contract_field(&e, None);
        }
    }

    // The batch runner: each message that is not an event fails on its own,
    // with a permanent error (bound for the dead-letter queue), next to a
    // good one and one without a body.
    let good = full_events()[5].0.to_string();
    let mut event = SqsEvent::default();
    event.records = bodies
        .iter()
        .enumerate()
        .map(|(i, (_, b))| {
            sqs_message(&format!("bad-{i}"), String::from_utf8_lossy(b).into_owned())
        })
        .chain([sqs_message("good", good)])
        .chain([{
            let mut empty = SqsMessage::default();
            empty.message_id = Some("no-body".into());
            empty
        }])
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let response = runtime.block_on(memnun_shared::batch::run(event, 4, |m| async move {
        let body = m.body.ok_or_else(|| Error::contract("body", "is empty"))?;
        Event::parse(&body).map(|_| "parsed")
    }));
    let failed: BTreeSet<String> = response
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    let expected: BTreeSet<String> = (0..bodies.len())
        .filter(|i| Event::parse(&String::from_utf8_lossy(&bodies[*i].1)).is_err())
        .map(|i| format!("bad-{i}"))
        .chain(["no-body".to_string()])
        .collect();
    assert_eq!(failed, expected);
}

// ---------------------------------------------------------------------------
// Every email, with every nasty string in every slot a customer, a producer
// or a shop fills.

fn ist() -> TimeZone {
    TimeZone::get("Europe/Istanbul").expect("zone")
}

fn coupon(reason: CouponReason) -> Coupon {
    Coupon {
        code: CouponCode::parse("RVW-ABCDE-23456").expect("code"),
        customer_id: CustomerId::parse("c-1").unwrap(),
        reason,
        value: CouponValue::Percent(20),
        issued_at: "2026-11-22T10:15:00Z".parse().expect("time"),
        expires_at: "2026-12-22T20:59:59Z".parse().expect("time"),
        source_event: "shop/web#e-1".into(),
    }
}

fn ticket() -> TicketNumber {
    TicketNumber::parse("TK-1234-5678").expect("number")
}

fn score_links() -> [String; 5] {
    std::array::from_fn(|i| format!("https://links.example/survey?t=v1.s.x.y&s={}", i + 1))
}

/// The slots of the emails, each filled by whoever is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// The shop's name (configuration).
    Shop,
    /// The customer's name (producer events, the customer).
    Name,
    /// A product's name (producer events).
    Product,
    /// An order id (producer events).
    Order,
    /// A tracking URL (producer events), tried as given and behind `https://`.
    Tracking,
}

/// Renders one email in `locale` with `value` in `slot` (and benign values
/// everywhere else); `None` where the email has no such slot.
type Renderer = fn(Locale, Slot, Option<&str>) -> Option<memnun_shared::Result<Rendered>>;

fn review_apology(
    locale: Locale,
    slot: Slot,
    v: Option<&str>,
) -> Option<memnun_shared::Result<Rendered>> {
    let c = coupon(CouponReason::NegativeReview);
    let t = ticket();
    let a = ReviewApology {
        shop: "Dükkan",
        name: Some("Ayşe"),
        product: Some("Kupa"),
        ticket: &t,
        coupon: Some(&c),
    };
    let a = match slot {
        Slot::Shop => ReviewApology { shop: v?, ..a },
        Slot::Name => ReviewApology { name: v, ..a },
        Slot::Product => ReviewApology { product: v, ..a },
        _ => return None,
    };
    Some(render::review_apology(locale, &ist(), &a))
}

fn acknowledgement(
    locale: Locale,
    slot: Slot,
    v: Option<&str>,
) -> Option<memnun_shared::Result<Rendered>> {
    let t = ticket();
    let tz = ist();
    let a = tickets::Acknowledgement {
        shop: "Dükkan",
        name: Some("Ayşe"),
        ticket: &t,
        category: Category::Damaged,
        first_reply_due: "2026-11-22T13:40:00Z".parse().expect("time"),
        customer_tz: &tz,
        reply_reaches_ticket: true,
        answers: &[],
        order: None,
    };
    // The FAQ is the shop's text, carried like the product's.
    let answers = [tickets::Suggestion {
        question: v.unwrap_or_default().to_owned(),
        answer: v.unwrap_or_default().to_owned(),
        link: "https://links.dukkan.example/answered?t=v1.a.x.y".into(),
    }];
    let a = match slot {
        Slot::Shop => tickets::Acknowledgement { shop: v?, ..a },
        Slot::Name => tickets::Acknowledgement { name: v, ..a },
        Slot::Product => tickets::Acknowledgement {
            answers: &answers,
            ..a
        },
        _ => return None,
    };
    Some(tickets::acknowledgement(locale, &a))
}

fn added(locale: Locale, slot: Slot, v: Option<&str>) -> Option<memnun_shared::Result<Rendered>> {
    let t = ticket();
    let a = tickets::Added {
        shop: "Dükkan",
        name: Some("Ayşe"),
        ticket: &t,
        reply_reaches_ticket: false,
    };
    let a = match slot {
        Slot::Shop => tickets::Added { shop: v?, ..a },
        Slot::Name => tickets::Added { name: v, ..a },
        _ => return None,
    };
    Some(tickets::added(locale, &a))
}

fn reminder(
    locale: Locale,
    slot: Slot,
    v: Option<&str>,
) -> Option<memnun_shared::Result<Rendered>> {
    let t = ticket();
    let tz = ist();
    let r = tickets::Reminder {
        shop: "Dükkan",
        name: Some("Ayşe"),
        ticket: &t,
        asked_at: "2026-11-27T12:10:00Z".parse().expect("time"),
        closes_at: Some("2026-12-08T12:10:00Z".parse().expect("time")),
        customer_tz: &tz,
        reply_reaches_ticket: true,
    };
    let r = match slot {
        Slot::Shop => tickets::Reminder { shop: v?, ..r },
        Slot::Name => tickets::Reminder { name: v, ..r },
        _ => return None,
    };
    Some(tickets::reminder(locale, &r))
}

fn survey(locale: Locale, slot: Slot, v: Option<&str>) -> Option<memnun_shared::Result<Rendered>> {
    let t = ticket();
    let links = score_links();
    let s = tickets::SurveyRequest {
        shop: "Dükkan",
        name: Some("Ayşe"),
        ticket: &t,
        score_links: &links,
    };
    let s = match slot {
        Slot::Shop => tickets::SurveyRequest { shop: v?, ..s },
        Slot::Name => tickets::SurveyRequest { name: v, ..s },
        _ => return None,
    };
    Some(tickets::survey_request(locale, &s))
}

fn satisfaction(
    locale: Locale,
    slot: Slot,
    v: Option<&str>,
) -> Option<memnun_shared::Result<Rendered>> {
    let (t, f) = (
        ticket(),
        TicketNumber::parse("TK-8765-4321").expect("number"),
    );
    let c = coupon(CouponReason::LowSatisfaction);
    let tz = ist();
    let a = tickets::SatisfactionApology {
        shop: "Dükkan",
        name: Some("Ayşe"),
        ticket: &t,
        follow_up: &f,
        coupon: Some(&c),
        shop_tz: &tz,
    };
    let a = match slot {
        Slot::Shop => tickets::SatisfactionApology { shop: v?, ..a },
        Slot::Name => tickets::SatisfactionApology { name: v, ..a },
        _ => return None,
    };
    Some(tickets::satisfaction_apology(locale, &a))
}

fn delay(locale: Locale, slot: Slot, v: Option<&str>) -> Option<memnun_shared::Result<Rendered>> {
    let c = coupon(CouponReason::OrderDelay);
    let tz = ist();
    let a = tickets::DelayApology {
        shop: "Dükkan",
        name: Some("Ayşe"),
        order_id: "o-1",
        promised: Some(jiff::civil::date(2026, 11, 20)),
        new_date: Some(jiff::civil::date(2026, 11, 25)),
        tracking_url: Some("https://kargo.example/t/1"),
        coupon: Some(&c),
        shop_tz: &tz,
    };
    let a = match slot {
        Slot::Shop => tickets::DelayApology { shop: v?, ..a },
        Slot::Name => tickets::DelayApology { name: v, ..a },
        Slot::Order => tickets::DelayApology { order_id: v?, ..a },
        Slot::Tracking => tickets::DelayApology {
            tracking_url: v,
            ..a
        },
        Slot::Product => return None,
    };
    Some(tickets::delay_apology(locale, &a))
}

fn breach(locale: Locale, slot: Slot, v: Option<&str>) -> Option<memnun_shared::Result<Rendered>> {
    let t = ticket();
    let c = coupon(CouponReason::SlaBreach);
    let tz = ist();
    let a = tickets::BreachApology {
        shop: "Dükkan",
        name: Some("Ayşe"),
        ticket: &t,
        missed: Missed::Resolution,
        expect_by: Some("2026-11-23T10:00:00Z".parse().expect("time")),
        customer_tz: &tz,
        coupon: Some(&c),
        shop_tz: &tz,
        reply_reaches_ticket: true,
    };
    let a = match slot {
        Slot::Shop => tickets::BreachApology { shop: v?, ..a },
        Slot::Name => tickets::BreachApology { name: v, ..a },
        _ => return None,
    };
    Some(tickets::breach_apology(locale, &a))
}

fn team_alert(
    locale: Locale,
    slot: Slot,
    v: Option<&str>,
) -> Option<memnun_shared::Result<Rendered>> {
    if slot != Slot::Shop {
        return None;
    }
    let t = ticket();
    let tz = ist();
    Some(tickets::team_alert(
        locale,
        &tickets::TeamAlert {
            shop: v?,
            ticket: &t,
            category: Category::Delivery,
            priority: Priority::High,
            kind: AlertKind::Breach {
                missed: Missed::FirstReply,
                overdue: SignedDuration::from_mins(65),
            },
            due: "2026-11-22T13:40:00Z".parse().expect("time"),
            shop_tz: &tz,
        },
    ))
}

fn weekly_digest(
    locale: Locale,
    slot: Slot,
    v: Option<&str>,
) -> Option<memnun_shared::Result<Rendered>> {
    if slot != Slot::Shop {
        return None;
    }
    let week = Week::parse("2026-W47").expect("week");
    let figures = Figures::compute(week, &Counters::default(), &Counters::default());
    Some(digest::weekly_digest(
        locale,
        &digest::DigestMail {
            shop: v?,
            figures: &figures,
        },
    ))
}

fn birthday_greeting(
    locale: Locale,
    slot: Slot,
    v: Option<&str>,
) -> Option<memnun_shared::Result<Rendered>> {
    let c = coupon(CouponReason::Birthday);
    let tz = ist();
    let g = birthday::Greeting {
        shop: "Dükkan",
        name: Some("Ayşe"),
        coupon: Some(&c),
        shop_tz: &tz,
        unsubscribe_url: "https://links.example/unsubscribe?t=v1.u.x.y",
    };
    let g = match slot {
        Slot::Shop => birthday::Greeting { shop: v?, ..g },
        Slot::Name => birthday::Greeting { name: v, ..g },
        _ => return None,
    };
    Some(birthday::greeting(locale, &g))
}

fn shipped(locale: Locale, slot: Slot, v: Option<&str>) -> Option<memnun_shared::Result<Rendered>> {
    let mut shipment = Shipment {
        carrier: Some("Yurtiçi Kargo".into()),
        tracking_number: Some("YK1".into()),
        tracking_url: Some("https://kargo.example/t/1".into()),
        estimated_delivery: Some(jiff::civil::date(2026, 11, 25)),
    };
    let mut order = OrderId::parse("o-1").expect("an order id");
    let mut name = Some("Ayşe");
    let mut shop = "Dükkan";
    match slot {
        Slot::Shop => shop = v?,
        Slot::Name => name = v,
        // The carrier and the tracking number are the producer's text too.
        Slot::Product => {
            shipment.carrier = v.map(str::to_owned);
            shipment.tracking_number = v.map(str::to_owned);
        }
        // An id the contract refuses never reaches an email.
        Slot::Order => order = OrderId::parse(v?).ok()?,
        Slot::Tracking => shipment.tracking_url = v.map(str::to_owned),
    }
    Some(tickets::shipped_notice(
        locale,
        &tickets::ShippedNotice {
            shop,
            name,
            order: order.as_str(),
            shipment: &shipment,
        },
    ))
}

const EMAILS: [(&str, Renderer); 12] = [
    ("review_apology", review_apology),
    ("ack", acknowledgement),
    ("added", added),
    ("reminder", reminder),
    ("survey", survey),
    ("satisfaction_apology", satisfaction),
    ("delay_apology", delay),
    ("breach_apology", breach),
    ("team_alert", team_alert),
    ("digest", weekly_digest),
    ("birthday", birthday_greeting),
    ("shipped", shipped),
];

const SLOTS: [Slot; 5] = [
    Slot::Shop,
    Slot::Name,
    Slot::Product,
    Slot::Order,
    Slot::Tracking,
];

/// What markup a render has: the characters that open or close a tag or an
/// attribute value. Escaped customer text adds none of them.
fn markup(html: &str) -> [usize; 4] {
    ['<', '>', '"', '\''].map(|c| html.matches(c).count())
}

/// The HTML part read back as text: askama's entities decoded, once.
fn unescape_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = [
            ("&#60;", '<'),
            ("&#62;", '>'),
            ("&#34;", '"'),
            ("&#39;", '\''),
            ("&#38;", '&'),
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&quot;", '"'),
            ("&amp;", '&'),
        ]
        .into_iter()
        .find(|(entity, _)| rest.starts_with(entity));
        match decoded {
            Some((entity, c)) => {
                out.push(c);
                rest = &rest[entity.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The first few characters of how `value` is shown (white space folded,
/// controls and bidi characters gone), which must appear literally.
fn shown_prefix(value: &str) -> String {
    display_text(value, 24).trim_end_matches('…').to_string()
}

fn check_email(what: &str, r: &Rendered, baselines: &[[usize; 4]], value: &str, slot: Slot) {
    // Subjects: one line, no controls or bidi characters, no encoded word,
    // bounded.
    assert!(
        !r.subject
            .chars()
            .any(|c| c.is_control() || is_bidi(c) || matches!(c, '\u{2028}' | '\u{2029}')),
        "{what}: subject {:?}",
        r.subject
    );
    assert!(
        !r.subject.contains("=?"),
        "{what}: encoded word in {:?}",
        r.subject
    );
    assert!(
        r.subject.chars().count() <= 201,
        "{what}: subject of {} chars",
        r.subject.chars().count()
    );
    // Both parts: no NUL, bidi or other control characters (templates only
    // use new lines), and bounded whatever the input.
    for (part, body) in [("html", &r.html), ("text", &r.text)] {
        assert!(
            !body
                .chars()
                .any(|c| is_bidi(c) || (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))),
            "{what}: control or bidi character in the {part} part"
        );
        assert!(
            body.len() < 64 * 1024,
            "{what}: {part} part of {} bytes",
            body.len()
        );
    }
    // HTML: customer text adds no markup.
    assert!(
        baselines.contains(&markup(&r.html)),
        "{what}: the HTML part's markup changed ({:?} not in {baselines:?})",
        markup(&r.html)
    );
    // The value is data: shown literally (template syntax included) in both
    // parts, never evaluated. A tracking URL may be left out instead.
    let shown = shown_prefix(value);
    if !shown.is_empty() && slot != Slot::Tracking {
        assert!(
            r.text.contains(&shown),
            "{what}: {shown:?} not literally in the text part"
        );
        assert!(
            unescape_html(&r.html).contains(&shown),
            "{what}: {shown:?} not literally in the HTML part"
        );
    }
}

#[test]
fn every_nasty_string_through_every_email_stays_inert_text() {
    let strings = nasty_strings();
    let mut rendered = 0;
    for (email, render) in EMAILS {
        for locale in [Locale::Tr, Locale::En] {
            for slot in SLOTS {
                // Benign renders: the slot empty, and filled.
                let benign = match slot {
                    Slot::Tracking => "https://kargo.example/t/1",
                    _ => "Benign",
                };
                let baselines: Vec<[usize; 4]> = [None, Some(benign)]
                    .into_iter()
                    .filter_map(|v| render(locale, slot, v))
                    .map(|r| markup(&r.expect("a benign render").html))
                    .collect();
                if baselines.is_empty() {
                    continue;
                }
                for (name, value) in &strings {
                    let candidates = match slot {
                        Slot::Tracking => {
                            vec![value.clone(), format!("https://kargo.example/{value}")]
                        }
                        _ => vec![value.clone()],
                    };
                    for v in candidates {
                        let what = format!("{email} ({locale:?}), {slot:?} = {name}");
                        let Some(result) = render(locale, slot, Some(&v)) else {
                            continue;
                        };
                        let r = result.unwrap_or_else(|e| panic!("{what}: {e}"));
                        check_email(&what, &r, &baselines, &v, slot);
                        rendered += 1;
                    }
                }
            }
        }
    }
    assert!(rendered > 1000, "only {rendered} renders");
}

#[test]
fn the_email_checks_catch_markup_and_line_breaks() {
    let good = Rendered {
        subject: "[TK-1234-5678] Dükkan: We are sorry".into(),
        html: "<p>Hello x,</p>".into(),
        text: "Hello x,".into(),
    };
    let baselines = [markup(&good.html)];
    check_email("benign", &good, &baselines, "x", Slot::Name);
    let value = "<img src=x onerror=alert(1)>";
    let injected = [
        Rendered {
            html: format!("<p>Hello {value},</p>"),
            text: format!("Hello {value},"),
            ..good.clone()
        },
        Rendered {
            subject: "a\r\nBcc: x@y.z".into(),
            ..good.clone()
        },
        Rendered {
            subject: "=?utf-8?q?x?=".into(),
            ..good.clone()
        },
        Rendered {
            text: "Hello \u{202E}x".into(),
            ..good.clone()
        },
    ];
    for r in injected {
        let caught = std::panic::catch_unwind(|| {
            check_email("injected", &r, &baselines, value, Slot::Name);
        });
        assert!(caught.is_err(), "not caught: {r:?}");
    }
}

#[test]
fn raw_mime_messages_keep_their_headers_whatever_the_names() {
    let sender = EmailAddress::parse("destek@dukkan.example").expect("address");
    let to = EmailAddress::parse("ayse@example.com").expect("address");
    let allowed = [
        "From",
        "To",
        "Subject",
        "MIME-Version",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "Content-Type",
    ];
    for (name, value) in nasty_strings() {
        for locale in [Locale::Tr, Locale::En] {
            let rendered = birthday_greeting(locale, Slot::Name, Some(&value))
                .expect("a slot")
                .expect("a render");
            let email = OutgoingEmail::new(to.clone(), rendered, "birthday")
                .with_unsubscribe("https://links.example/unsubscribe?t=v1.u.x.y".into());
            let raw = mime::raw_message(&from_header(&value, &sender), &email);
            let (head, _) = raw.split_once("\r\n\r\n").expect("a header block");
            let mut names = Vec::new();
            for line in head.split("\r\n") {
                assert!(!line.contains(['\r', '\n', '\0']), "{name}: {line:?}");
                assert!(
                    line.len() <= 998,
                    "{name}: a header line of {} bytes",
                    line.len()
                );
                if line.starts_with([' ', '\t']) {
                    continue;
                }
                let (header, _) = line.split_once(':').expect("name: value");
                names.push(header.to_string());
            }
            assert!(
                names.iter().all(|n| allowed.contains(&n.as_str())),
                "{name}: headers {names:?}"
            );
            assert_eq!(names.len(), allowed.len(), "{name}: headers {names:?}");
            // No line of the whole message is made of customer bytes that
            // could start a MIME part or a header.
            for line in raw.split("\r\n") {
                assert!(!line.contains('\n') && !line.contains('\r'), "{name}");
                assert!(line.len() <= 998, "{name}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Properties over random input.

/// Any JSON value, nested a little.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,60}".prop_map(Value::from),
        "SENTINEL-[a-z0-9]{8}".prop_map(Value::from),
        (0..12_000usize).prop_map(|n| Value::from("ş".repeat(n))),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid event with one field (or one new field) replaced.
fn mutated_event() -> impl Strategy<Value = (String, String, Value)> {
    let events = full_events();
    let targets: Vec<(usize, String)> = events
        .iter()
        .enumerate()
        .flat_map(|(i, (event, fields))| {
            let mut paths: Vec<String> = ENVELOPE_FIELDS.iter().map(|s| s.to_string()).collect();
            paths.extend(fields.iter().map(|s| s.to_string()));
            paths.push("data".into());
            if let Some(data) = event["data"].as_object() {
                paths.extend(
                    data.iter()
                        .filter(|(_, v)| !v.is_string())
                        .map(|(k, _)| format!("data.{k}")),
                );
            }
            paths.into_iter().map(move |p| (i, p))
        })
        .collect();
    (prop::sample::select(targets), json_value()).prop_map(move |((i, path), value)| {
        let body = set(&events[i].0, &path, value.clone()).to_string();
        (body, path, value)
    })
}

proptest! {
    // About a second each (a debug build, 2 cores).
    #![proptest_config(ProptestConfig::with_cases(768))]

    #[test]
    fn any_bytes_are_an_event_or_a_named_error(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        let (result, peak) = peak_of(|| Event::parse(&text));
        prop_assert!(peak <= allowed_peak(text.len()));
        if let Err(e) = result {
            contract_field(&e, None);
        }
        if let Err(e) = InternalEvent::parse(&text) {
            contract_field(&e, None);
        }
    }

    #[test]
    fn any_json_is_an_event_or_a_named_error(value in json_value()) {
        let text = value.to_string();
        let (result, peak) = peak_of(|| Event::parse(&text));
        prop_assert!(peak <= allowed_peak(text.len()), "{peak} for {}", text.len());
        if let Err(e) = result {
            contract_field(&e, None);
        }
        if let Err(e) = InternalEvent::parse(&text) {
            contract_field(&e, None);
        }
        if let Err(e) = scheduled_time(&value) {
            contract_field(&e, None);
        }
    }

    #[test]
    fn a_mutated_field_is_named_and_its_value_never_repeated((body, path, value) in mutated_event()) {
        check_mutation(&path, &body, &path, value.as_str());
    }

    #[test]
    fn a_mutated_internal_event_is_named(field in prop::sample::select(vec![
        "id", "source", "type", "time", "data", "data.ticket_id", "data.goal", "data.due",
        "data.priority", "data.category", "data.customer_id", "data.part",
    ]), value in json_value()) {
        let alarm = json!({"specversion": "1.0", "id": "sla.breached:TK-1234-5678:first_reply",
            "source": "memnun/sla-monitor", "type": "sla.breached", "time": "2026-11-23T09:00:00Z",
            "data": {"ticket_id": "TK-1234-5678", "goal": "first_reply", "due": "2026-11-22T13:40:00Z",
                     "priority": "high", "category": "damaged", "customer_id": "c-1", "part": "team"}});
        prop_assert!(InternalEvent::parse(&alarm.to_string()).is_ok());
        let body = set(&alarm, field, value.clone()).to_string();
        let (result, peak) = peak_of(|| InternalEvent::parse(&body));
        prop_assert!(peak <= allowed_peak(body.len()));
        if let Err(e) = result {
            let named = contract_field(&e, value.as_str());
            let inside = named.starts_with(&format!("{field}.")) || named.starts_with(&format!("{field}["));
            prop_assert!(named == field || inside || (field == "type" && named.starts_with("data")), "{field}: {e}");
        }
    }

    #[test]
    fn scheduled_inputs_of_any_shape_are_a_time_or_an_error(value in json_value(), time in ".{0,40}") {
        if let Err(e) = scheduled_time(&value) {
            contract_field(&e, None);
        }
        let with_time = json!({"time": time});
        match scheduled_time(&with_time) {
            Ok(t) => prop_assert!(t > Timestamp::MIN),
            Err(e) => { contract_field(&e, Some(&time)); }
        }
    }
}
