//! SLA watch against the emulator, replayed with scheduled-event times:
//! complaint-intake opens tickets and records replies, sla-monitor sweeps as
//! of a given time, sla-escalator handles what it announced with a clock the
//! test sets. Warnings and breaches happen on time and once; paused clocks do
//! not breach; quiet hours and civil hours hold mail until its time.

#[path = "support/functions.rs"]
mod functions;

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use aws_sdk_dynamodb::types::AttributeValue;
use functions::*;
use jiff::SignedDuration;
use memnun_shared::adapters::sqs::SqsPublisher;
use memnun_shared::domain::calendar::BusinessCalendar;
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::domain::digest::{Week, names};
use memnun_shared::domain::sla::{Goal, SlaPolicy};
use memnun_shared::domain::ticket::{Category, Origin, Priority, Ticket, TicketNumber};
use memnun_shared::ports::StatsStore;
use memnun_tests::stack::{LEAD, Stack, TEAM, attr};
use serde_json::Value;

type Item = HashMap<String, AttributeValue>;

const AYSE: &str = "ayse@example.com";
const MESSAGE: &str = "Kupa KIRIK geldi, değişim istiyorum";

async fn ticket_of(stack: &Stack, customer: &str) -> Item {
    stack
        .items_with_prefix("TICKET#")
        .await
        .into_iter()
        .find(|t| attr(t, "customer_id") == customer)
        .unwrap_or_else(|| panic!("no ticket of {customer}"))
}

async fn escalations(stack: &Stack) -> Vec<Value> {
    stack.drain(&stack.queue("escalations").url).await
}

async fn open(
    stack: &Stack,
    intake: &Intake,
    id: &str,
    time: &str,
    customer: &str,
    email: &str,
    tz: &str,
) -> String {
    stack
        .send(
            "tickets",
            &complaint(id, time, customer, "web", MESSAGE, email, "tr", tz),
        )
        .await;
    deliver_tickets(stack, intake).await;
    let t = ticket_of(stack, customer).await;
    assert_eq!(
        attr(&t, "priority"),
        "high",
        "the fixture is a high-priority complaint"
    );
    attr(&t, "number").to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_answered_in_time_never_warns_or_breaches() {
    let stack = Stack::start().await;
    let (intake, monitor, escalator) = (intake(&stack), monitor(&stack), escalator(&stack));
    // Both high: warning 12:52, first reply due 13:40, resolution due the
    // next day at 09:40.
    let early = open(
        &stack,
        &intake,
        "c-early",
        "2026-11-22T09:40:00Z",
        "early",
        "early@example.com",
        "Europe/Istanbul",
    )
    .await;
    let close = open(
        &stack,
        &intake,
        "c-close",
        "2026-11-22T09:40:00Z",
        "close",
        "close@example.com",
        "Europe/Istanbul",
    )
    .await;
    assert_eq!(
        sweep(&monitor, "2026-11-22T11:00:00Z").await.entries,
        0,
        "nothing is due yet"
    );

    // The first is answered before its warning: it leaves the index.
    stack
        .send(
            "tickets",
            &reply("r-early", "2026-11-22T12:00:00Z", &early, "agent"),
        )
        .await;
    deliver_tickets(&stack, &intake).await;
    let t = ticket_of(&stack, "early").await;
    assert_eq!(attr(&t, "first_reply_outcome"), "met");
    assert!(
        !t.contains_key("gsi2pk"),
        "out of the due index while nothing is due"
    );

    // The second is answered after its warning, before its deadline.
    let at_warning = sweep(&monitor, "2026-11-22T12:55:00Z").await;
    assert_eq!((at_warning.warnings, at_warning.breaches), (1, 0));
    stack
        .send(
            "tickets",
            &reply("r-close", "2026-11-22T13:00:00Z", &close, "agent"),
        )
        .await;
    deliver_tickets(&stack, &intake).await;

    for at in ["2026-11-22T13:41:00Z", "2026-11-22T20:00:00Z"] {
        let s = sweep(&monitor, at).await;
        assert_eq!((s.warnings, s.breaches, s.entries), (0, 0, 0), "at {at}");
    }
    for (id, number) in [("res-early", &early), ("res-close", &close)] {
        stack
            .send("tickets", &resolved(id, "2026-11-22T20:00:00Z", number))
            .await;
    }
    deliver_tickets(&stack, &intake).await;
    for (at, held) in [
        ("2026-11-23T10:00:00Z", 0),
        // Both waited on the customer after their replies: their reminder
        // clocks (`ticket.waiting`) come due, and do nothing for a ticket
        // resolved since.
        ("2026-11-30T00:00:00Z", 2),
    ] {
        let s = sweep(&monitor, at).await;
        assert_eq!((s.warnings, s.breaches, s.entries), (0, 0, held), "at {at}");
    }
    deliver_tickets(&stack, &intake).await;

    let announced = escalations(&stack).await;
    assert_eq!(announced.len(), 1);
    assert_eq!(announced[0]["type"], "sla.warning");
    assert_eq!(
        announced[0]["id"],
        format!("sla.warning:{close}:first_reply")
    );
    assert_eq!(announced[0]["data"]["due"], "2026-11-22T13:40:00Z");
    assert_eq!(
        announced[0]["time"], "2026-11-22T12:55:00Z",
        "the sweep's time"
    );
    assert!(emails_to(&stack, LEAD).is_empty(), "no breach");
    assert_eq!(
        emails_to(&stack, "early@example.com").len(),
        2,
        "acknowledgement and survey only"
    );

    // A warning delivered after the reply came is not sent: nothing is at risk.
    stack.send("escalations", &announced[0].to_string()).await;
    escalate(&stack, &escalator).await;
    assert!(emails_to(&stack, TEAM).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_ticket_does_not_breach_while_paused() {
    let stack = Stack::start().await;
    let (intake, monitor, escalator) = (intake(&stack), monitor(&stack), escalator(&stack));
    let number = open(
        &stack,
        &intake,
        "c-1",
        "2026-11-22T09:40:00Z",
        "c-1",
        AYSE,
        "Europe/Istanbul",
    )
    .await;
    // Answered at 10:00: the first reply is met and the ticket waits on the
    // customer, so the resolution clock (warning 04:52, due 09:40 the next
    // day) is paused.
    stack
        .send(
            "tickets",
            &reply("r-1", "2026-11-22T10:00:00Z", &number, "agent"),
        )
        .await;
    deliver_tickets(&stack, &intake).await;
    for at in [
        "2026-11-23T05:00:00Z",
        "2026-11-23T09:41:00Z",
        "2026-11-23T11:59:00Z",
    ] {
        let s = sweep(&monitor, at).await;
        assert_eq!((s.warnings, s.breaches), (0, 0), "paused, at {at}");
    }
    // The customer answers after 26 hours: both move 26 hours later.
    stack
        .send(
            "tickets",
            &reply("r-2", "2026-11-23T12:00:00Z", &number, "customer"),
        )
        .await;
    deliver_tickets(&stack, &intake).await;
    let t = ticket_of(&stack, "c-1").await;
    assert_eq!(attr(&t, "resolution_warning_at"), "2026-11-24T06:52:00Z");
    assert_eq!(attr(&t, "resolution_due"), "2026-11-24T11:40:00Z");
    assert_eq!(attr(&t, "gsi2sk"), format!("2026-11-24T06:52:00Z#{number}"));

    let s = sweep(&monitor, "2026-11-24T07:00:00Z").await;
    assert_eq!((s.warnings, s.breaches), (1, 0));
    escalate(&stack, &escalator).await;
    let warning = emails_to(&stack, TEAM);
    assert_eq!(warning.len(), 1);
    assert!(
        warning[0].subject.contains(&number) && warning[0].subject.contains("SLA uyarısı"),
        "{}",
        warning[0].subject
    );
    // 07:00 to the moved deadline, 11:40.
    assert!(
        warning[0].body.contains("4 sa 40 dk"),
        "{}",
        warning[0].body
    );
    let s = sweep(&monitor, "2026-11-24T11:40:00Z").await;
    assert_eq!(
        (s.warnings, s.breaches),
        (0, 0),
        "at the deadline itself it is still in time"
    );
    let s = sweep(&monitor, "2026-11-24T11:45:00Z").await;
    assert_eq!((s.warnings, s.breaches), (0, 1));
    assert_eq!(sweep(&monitor, "2026-11-24T12:00:00Z").await.breaches, 0);
    let t = ticket_of(&stack, "c-1").await;
    assert!(!t.contains_key("gsi2pk"), "nothing left to announce");

    escalate(&stack, &escalator).await;
    let breach = emails_to(&stack, LEAD);
    assert_eq!(breach.len(), 1);
    assert!(breach[0].subject.contains("çözüm"), "{}", breach[0].subject);
    // A missed resolution gets the apology with a coupon.
    let apology = emails_to(&stack, AYSE)
        .into_iter()
        .find(|e| e.subject.contains("beklettiğimiz"))
        .expect("apology");
    let coupons = stack.items_with_prefix("COUPON#").await;
    assert_eq!(coupons.len(), 1);
    let code = attr(&coupons[0], "code");
    assert!(
        code.starts_with("SLA-") && apology.body.contains(code),
        "{}",
        apology.body
    );
    assert_eq!(attr(&coupons[0], "reason"), "sla_breach");
    let outbound = stack.drain(&stack.queue("outbound").url).await;
    assert!(
        outbound
            .iter()
            .any(|m| m["type"] == "coupon.issued" && m["data"]["reason"] == "sla_breach")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_breach_is_escalated_once_across_repeated_and_concurrent_sweeps() {
    let stack = Stack::start().await;
    let (intake, escalator) = (intake(&stack), escalator(&stack));
    let number = open(
        &stack,
        &intake,
        "c-1",
        "2026-11-22T09:40:00Z",
        "c-1",
        AYSE,
        "Europe/Istanbul",
    )
    .await;

    let monitors: Vec<Monitor> = (0..4).map(|_| monitor(&stack)).collect();
    let mut breaches = 0;
    for _ in 0..3 {
        breaches += sweep(&monitors[0], "2026-11-22T14:00:00Z").await.breaches;
    }
    let concurrent =
        futures_util::future::join_all(monitors.iter().map(|m| sweep(m, "2026-11-22T14:00:00Z")))
            .await;
    breaches += concurrent.iter().map(|s| s.breaches).sum::<usize>();
    // Late, and again later: the same breach is not announced again.
    breaches += sweep(&monitors[1], "2026-11-22T20:00:00Z").await.breaches;
    assert_eq!(breaches, 1);

    // Sweeps at the same moment may each send it before one of them marks
    // it: one alarm, one id, however many copies.
    let announced = escalations(&stack).await;
    assert!(!announced.is_empty());
    assert!(
        announced.iter().all(|m| m["id"] == announced[0]["id"]),
        "{announced:?}"
    );
    assert_eq!(announced[0]["type"], "sla.breached");
    assert_eq!(
        announced[0]["id"],
        format!("sla.breached:{number}:first_reply")
    );
    assert_eq!(announced[0]["source"], "memnun/sla-monitor");
    let data = &announced[0]["data"];
    assert_eq!(
        (
            data["goal"].as_str(),
            data["priority"].as_str(),
            data["category"].as_str()
        ),
        (Some("first_reply"), Some("high"), Some("damaged"))
    );
    assert_eq!(
        (data["due"].as_str(), data["customer_id"].as_str()),
        (Some("2026-11-22T13:40:00Z"), Some("c-1"))
    );

    // Every copy, and three more, two of them in one batch (at the same
    // moment).
    for m in announced
        .iter()
        .chain([&announced[0], &announced[0], &announced[0]])
    {
        stack.send("escalations", &m.to_string()).await;
    }
    escalate(&stack, &escalator).await;
    assert!(
        stack
            .drain_raw(&stack.queue("escalations").dlq_url)
            .await
            .is_empty()
    );
    let lead = emails_to(&stack, LEAD);
    assert_eq!(lead.len(), 1);
    assert!(
        lead[0]
            .subject
            .starts_with(&format!("[{number}] SLA aşıldı")),
        "{}",
        lead[0].subject
    );
    assert!(
        lead[0].body.contains("20 dk"),
        "overdue by 20 minutes: {}",
        lead[0].body
    );
    let apologies: Vec<_> = emails_to(&stack, AYSE)
        .into_iter()
        .filter(|e| e.subject.contains("beklettiğimiz"))
        .collect();
    assert_eq!(apologies.len(), 1);
    // 14:00 UTC is 17:00 in Istanbul; an hour later, on her clock.
    assert!(
        apologies[0].body.contains("22 Kasım 2026 Pazar, 18:00"),
        "{}",
        apologies[0].body
    );
    assert!(
        stack.items_with_prefix("COUPON#").await.is_empty(),
        "a missed first reply gets no coupon by default"
    );
    // The team alert carries no customer text or address.
    for part in [&lead[0].subject, &lead[0].body] {
        assert!(
            !part.contains(AYSE) && !part.contains("KIRIK") && !part.contains("Ayşe"),
            "{part}"
        );
    }

    let week = Week::of(
        ts("2026-11-22T13:40:00Z"),
        &jiff::tz::TimeZone::get("Europe/Istanbul").unwrap(),
    );
    let counters = store(&stack).counters(week).await.unwrap();
    assert_eq!(counters.get(&names::breaches(Goal::FirstReply)), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alarm_that_did_not_go_out_is_sent_by_the_next_sweep() {
    let stack = Stack::start().await;
    let intake = intake(&stack);
    let number = open(
        &stack,
        &intake,
        "c-1",
        "2026-11-22T09:40:00Z",
        "c-1",
        AYSE,
        "Europe/Istanbul",
    )
    .await;
    let breached = |t: &Item| {
        t.get("first_reply_breached")
            .and_then(|v| v.as_bool().ok())
            .copied()
    };

    // The queue is down: nothing is marked, so nothing is lost.
    let down = monitor_with(&stack, Down);
    let s = sweep(&down, "2026-11-22T14:00:00Z").await;
    assert_eq!((s.breaches, s.sent, s.unsent), (0, 0, 1));
    assert_eq!(breached(&ticket_of(&stack, "c-1").await), Some(false));
    assert!(escalations(&stack).await.is_empty());

    let up = monitor(&stack);
    let s = sweep(&up, "2026-11-22T14:05:00Z").await;
    assert_eq!((s.breaches, s.sent), (1, 1));
    assert_eq!(breached(&ticket_of(&stack, "c-1").await), Some(true));
    let s = sweep(&up, "2026-11-22T14:10:00Z").await;
    assert_eq!((s.entries, s.sent), (0, 0));
    let announced = escalations(&stack).await;
    assert_eq!(announced.len(), 1);
    assert_eq!(
        announced[0]["id"],
        format!("sla.breached:{number}:first_reply")
    );
    assert_eq!(
        announced[0]["time"], "2026-11-22T14:05:00Z",
        "the sweep that sent it"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alarm_sent_but_not_marked_is_sent_again_and_escalated_once() {
    let stack = Stack::start().await;
    let (intake, escalator) = (intake(&stack), escalator(&stack));
    let number = open(
        &stack,
        &intake,
        "c-1",
        "2026-11-22T09:40:00Z",
        "c-1",
        AYSE,
        "Europe/Istanbul",
    )
    .await;

    // The invocation dies between sending and marking.
    let dying = monitor_that_dies_before_marking(&stack);
    let s = sweep(&dying, "2026-11-22T14:00:00Z").await;
    assert_eq!((s.sent, s.breaches, s.failed), (1, 0, 1));
    // The next sweep finds the breach unmarked and sends it again.
    let s = sweep(&monitor(&stack), "2026-11-22T14:05:00Z").await;
    assert_eq!((s.sent, s.breaches), (1, 1));
    let announced = escalations(&stack).await;
    assert_eq!(announced.len(), 2);
    assert!(
        announced
            .iter()
            .all(|m| m["id"] == format!("sla.breached:{number}:first_reply"))
    );

    for m in &announced {
        stack.send("escalations", &m.to_string()).await;
    }
    escalate(&stack, &escalator).await;
    assert_eq!(emails_to(&stack, LEAD).len(), 1, "the lead is told once");
    let apologies = emails_to(&stack, AYSE)
        .into_iter()
        .filter(|e| e.subject.contains("beklettiğimiz"))
        .count();
    assert_eq!(apologies, 1, "the customer is apologised to once");
    let week = Week::of(
        ts("2026-11-22T13:40:00Z"),
        &jiff::tz::TimeZone::get("Europe/Istanbul").unwrap(),
    );
    assert_eq!(
        store(&stack)
            .counters(week)
            .await
            .unwrap()
            .get(&names::breaches(Goal::FirstReply)),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_breach_withdrawn_by_a_reply_in_time_is_not_escalated() {
    let stack = Stack::start().await;
    let (intake, monitor, escalator) = (intake(&stack), monitor(&stack), escalator(&stack));
    let number = open(
        &stack,
        &intake,
        "c-1",
        "2026-11-22T09:40:00Z",
        "c-1",
        AYSE,
        "Europe/Istanbul",
    )
    .await;
    // The sweep at 13:45 announces the breach; the agent's reply of 13:39
    // (in time) reaches memnun a moment later.
    assert_eq!(sweep(&monitor, "2026-11-22T13:45:00Z").await.breaches, 1);
    stack
        .send(
            "tickets",
            &reply("r-1", "2026-11-22T13:39:00Z", &number, "agent"),
        )
        .await;
    deliver_tickets(&stack, &intake).await;
    assert_eq!(
        attr(&ticket_of(&stack, "c-1").await, "first_reply_outcome"),
        "met"
    );
    escalate(&stack, &escalator).await;
    assert!(emails_to(&stack, LEAD).is_empty());
    assert_eq!(emails_to(&stack, AYSE).len(), 1, "only the acknowledgement");
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_hours_hold_team_mail_until_the_working_day_and_apologies_until_a_civil_hour() {
    // The team works Monday to Friday, 09:00-18:00 in Istanbul.
    let stack = Stack::start_with(
        &[
            ("BusinessDays", "mon-fri"),
            ("BusinessHours", "09:00-18:00"),
        ],
        true,
    )
    .await;
    let (intake, monitor, escalator) = (intake(&stack), monitor(&stack), escalator(&stack));
    // Monday 14:40 in Istanbul, high (4 business hours): warned at 17:52,
    // due on Tuesday at 09:40 (06:40 UTC). One customer in Istanbul, one in
    // Los Angeles (UTC-8).
    let ist = open(
        &stack,
        &intake,
        "c-ist",
        "2026-11-23T11:40:00Z",
        "ist",
        AYSE,
        "Europe/Istanbul",
    )
    .await;
    let la = open(
        &stack,
        &intake,
        "c-la",
        "2026-11-23T11:40:00Z",
        "la",
        "la@example.com",
        "America/Los_Angeles",
    )
    .await;
    let t = ticket_of(&stack, "ist").await;
    assert_eq!(attr(&t, "first_reply_warning_at"), "2026-11-23T14:52:00Z");
    assert_eq!(attr(&t, "first_reply_due"), "2026-11-24T06:40:00Z");

    // The monitor was down all evening; it comes back at 03:00 on Tuesday.
    assert_eq!(sweep(&monitor, "2026-11-24T00:00:00Z").await.warnings, 2);
    escalate(&stack, &escalator).await;
    assert!(emails_to(&stack, TEAM).is_empty(), "no team mail at 03:00");
    let held = stack.items_with_prefix("SCHEDULED#").await;
    assert_eq!(held.len(), 2);
    assert!(
        held.iter()
            .all(|m| attr(m, "due") == "2026-11-24T06:00:00Z"),
        "held until 09:00"
    );

    let s = sweep(&monitor, "2026-11-24T05:55:00Z").await;
    assert_eq!((s.waiting, s.sent), (0, 0), "not yet");
    let s = sweep(&monitor, "2026-11-24T06:00:00Z").await;
    assert_eq!((s.waiting, s.sent), (2, 2));
    escalate(&stack, &escalator).await;
    let warnings = emails_to(&stack, TEAM);
    assert_eq!(warnings.len(), 2);
    for w in &warnings {
        assert!(
            w.subject.contains(&ist) || w.subject.contains(&la),
            "{}",
            w.subject
        );
        // 06:00:30 to 06:40: 40 minutes left (rounded).
        assert!(
            w.body.contains("40 dk")
                && w.body.contains("yüksek")
                && w.body.contains("hasarlı ürün"),
            "{}",
            w.body
        );
        for secret in [AYSE, "la@example.com", "KIRIK", "Ayşe"] {
            assert!(
                !w.body.contains(secret) && !w.subject.contains(secret),
                "{secret} in a team alert"
            );
        }
    }
    assert!(stack.items_with_prefix("SCHEDULED#").await.is_empty());

    // Breached at 09:40, noticed at 09:45 in Istanbul: working time, so the
    // lead hears at once; it is 22:45 the evening before in Los Angeles, so
    // that customer's apology waits for 08:00 there (16:00 UTC).
    assert_eq!(sweep(&monitor, "2026-11-24T06:45:00Z").await.breaches, 2);
    escalate(&stack, &escalator).await;
    assert_eq!(emails_to(&stack, LEAD).len(), 2);
    assert_eq!(
        emails_to(&stack, AYSE)
            .iter()
            .filter(|e| e.subject.contains("beklettiğimiz"))
            .count(),
        1
    );
    assert_eq!(
        emails_to(&stack, "la@example.com").len(),
        1,
        "only the acknowledgement"
    );
    let held = stack.items_with_prefix("SCHEDULED#").await;
    assert_eq!(held.len(), 1);
    assert_eq!(attr(&held[0], "due"), "2026-11-24T16:00:00Z");
    assert_eq!(
        attr(&held[0], "id"),
        format!("sla.breached:{la}:first_reply:customer")
    );

    assert_eq!(sweep(&monitor, "2026-11-24T16:00:00Z").await.sent, 1);
    escalate(&stack, &escalator).await;
    let apology = emails_to(&stack, "la@example.com")
        .into_iter()
        .find(|e| e.subject.contains("beklettiğimiz"))
        .expect("apology");
    // Expect an answer within the urgent first-reply target (1 business
    // hour) of 08:00 in LA = 19:00 Istanbul, outside working time: by
    // Wednesday 10:00 in Istanbul, which is 23:00 on Tuesday in LA.
    assert!(
        apology.body.contains("24 Kasım 2026 Salı, 23:00"),
        "{}",
        apology.body
    );
    assert!(
        apology.body.contains("America/Los_Angeles"),
        "{}",
        apology.body
    );
    assert_eq!(
        emails_to(&stack, LEAD).len(),
        2,
        "the lead is not told twice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_gets_at_most_one_sla_coupon() {
    // Coupons for missed first replies too, and no apology cap: only the
    // once-per-ticket rule stands between the two breaches and two coupons.
    let stack = Stack::start_with(
        &[
            ("SlaBreachCouponFirstReply", "true"),
            ("ApologyCouponCapDays", "0"),
        ],
        true,
    )
    .await;
    let (intake, monitor, escalator) = (intake(&stack), monitor(&stack), escalator(&stack));
    let number = open(
        &stack,
        &intake,
        "c-1",
        "2026-11-22T09:40:00Z",
        "c-1",
        AYSE,
        "Europe/Istanbul",
    )
    .await;
    assert_eq!(sweep(&monitor, "2026-11-22T14:00:00Z").await.breaches, 1);
    escalate(&stack, &escalator).await;
    assert_eq!(sweep(&monitor, "2026-11-23T10:00:00Z").await.breaches, 1);
    escalate(&stack, &escalator).await;
    let apologies: Vec<_> = emails_to(&stack, AYSE)
        .into_iter()
        .filter(|e| e.subject.contains("beklettiğimiz"))
        .collect();
    assert_eq!(apologies.len(), 2, "one per missed deadline");
    let coupons = stack.items_with_prefix("COUPON#").await;
    assert_eq!(coupons.len(), 1);
    let code = attr(&coupons[0], "code");
    assert!(apologies[0].body.contains(code) ^ apologies[1].body.contains(code));
    assert_eq!(emails_to(&stack, LEAD).len(), 2);
    assert!(apologies.iter().all(|a| a.subject.contains(&number)));
}

#[tokio::test(flavor = "multi_thread")]
async fn three_hundred_due_among_a_thousand_open_tickets_are_announced_once_in_batches_of_ten() {
    let stack = Stack::start().await;
    let store = store(&stack);
    let policy = SlaPolicy::default();
    let calendar = BusinessCalendar::default();
    let now = ts("2026-11-23T09:00:00Z");
    // Normal priority: first reply due 24 h after opening. 300 opened 30 h
    // ago (breached 6 h ago), 700 an hour ago (nothing due for 18 hours).
    let seeded = Instant::now();
    let tickets: Vec<Ticket> = (0..1000u32)
        .map(|i| {
            let at = now - SignedDuration::from_hours(if i < 300 { 30 } else { 1 });
            let number = TicketNumber::parse(&format!("TK-{:04}-{:04}", i / 100, i)).unwrap();
            let mut t = Ticket::new(
                number,
                &CustomerId::parse(&format!("c-{i}")).unwrap(),
                Origin::Complaint,
                Category::Delivery,
                Priority::Normal,
                at,
                &format!("seed#{i}"),
            );
            t.sla = Some(policy.start(Priority::Normal, at, &calendar));
            t
        })
        .collect();
    store.import_tickets(&tickets).await.expect("import");
    println!("seeded 1000 tickets in {:?}", seeded.elapsed());

    let publisher = Counting::new(SqsPublisher::new(aws_sdk_sqs::Client::new(&stack.aws)));
    // Small pages, so each shard takes several.
    let monitor = monitor_with(&stack, publisher).with_page_size(7);
    let started = Instant::now();
    let s = sweep(&monitor, "2026-11-23T09:00:00Z").await;
    println!(
        "swept 300 due of 1000 open in {:?}: {s:?}",
        started.elapsed()
    );
    assert_eq!(
        (s.entries, s.breaches, s.warnings, s.sent, s.failed),
        (300, 300, 0, 300, 0)
    );
    assert!(s.pages > 16 * 2, "pages: {}", s.pages);
    assert!(s.complete);
    // 300 messages, 30 calls of exactly ten.
    let calls = monitor_calls(&monitor);
    assert_eq!(calls, vec![10; 30]);

    // Again, twice at once, and later: nothing new.
    let again = futures_util::future::join(
        sweep(&monitor, "2026-11-23T09:00:00Z"),
        sweep(&monitor, "2026-11-23T09:05:00Z"),
    )
    .await;
    assert_eq!(
        (
            again.0.breaches,
            again.1.breaches,
            again.0.sent + again.1.sent
        ),
        (0, 0, 0)
    );

    let announced = escalations(&stack).await;
    assert_eq!(announced.len(), 300);
    let ids: BTreeSet<&str> = announced.iter().filter_map(|m| m["id"].as_str()).collect();
    assert_eq!(ids.len(), 300, "each breach once");
    assert!(
        announced
            .iter()
            .all(|m| m["type"] == "sla.breached" && m["data"]["goal"] == "first_reply")
    );
}

fn monitor_calls(m: &Monitor<Counting<SqsPublisher>>) -> Vec<usize> {
    m.publisher().calls()
}

#[tokio::test(flavor = "multi_thread")]
async fn both_deadlines_missed_in_one_sweep_bring_one_apology_and_two_lead_alerts() {
    let stack = Stack::start().await;
    let (intake, monitor, escalator) = (intake(&stack), monitor(&stack), escalator(&stack));
    // High: first reply due 13:40, resolution the next day at 09:40; a sweep
    // after both (the monitor was down all night) announces both at once.
    let number = open(
        &stack,
        &intake,
        "c-both",
        "2026-11-22T09:40:00Z",
        "both",
        AYSE,
        "Europe/Istanbul",
    )
    .await;
    assert_eq!(sweep(&monitor, "2026-11-23T10:00:00Z").await.breaches, 2);
    escalate(&stack, &escalator).await;
    let apologies: Vec<_> = emails_to(&stack, AYSE)
        .into_iter()
        .filter(|e| e.subject.contains("beklettiğimiz"))
        .collect();
    assert_eq!(apologies.len(), 1, "one apology per ticket per day");
    assert!(apologies[0].subject.contains(&number));
    let alerts = emails_to(&stack, LEAD);
    assert_eq!(alerts.len(), 2, "the lead hears of both deadlines");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_alarm_is_judged_at_its_own_time_not_the_wall_clock() {
    let stack = Stack::start().await;
    let (intake, monitor, escalator) = (intake(&stack), monitor(&stack), escalator(&stack));
    // High: warning at 80 % of the 4 h first reply, 12:52; due 13:40.
    let number = open(
        &stack,
        &intake,
        "c-replay",
        "2026-11-22T09:40:00Z",
        "replay",
        AYSE,
        "Europe/Istanbul",
    )
    .await;
    // Handled now, days or years after the alarms were raised (the wall
    // clock of this test run): the warning is still ahead of its deadline at
    // the alarm's time, and the breach is 10 minutes late.
    assert_eq!(sweep(&monitor, "2026-11-22T13:00:00Z").await.warnings, 1);
    escalate(&stack, &escalator).await;
    let warnings = emails_to(&stack, TEAM);
    assert_eq!(warnings.len(), 1, "the warning is not dropped as too late");
    assert!(
        warnings[0].subject.contains(&number) && warnings[0].subject.contains("40 dk"),
        "40 minutes left at the alarm's time: {}",
        warnings[0].subject
    );
    assert_eq!(sweep(&monitor, "2026-11-22T13:50:00Z").await.breaches, 1);
    escalate(&stack, &escalator).await;
    let breach = emails_to(&stack, LEAD);
    assert_eq!(breach.len(), 1);
    assert!(
        breach[0].subject.contains("ilk yanıt 10 dk gecikti"),
        "10 minutes late, not 40 days: {}",
        breach[0].subject
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_waiting_on_the_customer_over_a_weekend_is_reminded_then_closed_through_the_sweep()
{
    let stack = Stack::start_with(
        &[
            ("BusinessDays", "mon-fri"),
            ("BusinessHours", "09:00-18:00"),
        ],
        true,
    )
    .await;
    let intake = intake(&stack);
    let monitor = monitor(&stack);
    // Thursday's complaint; the agent asks something on Friday at 15:10.
    let body = complaint(
        "w-1",
        "2026-11-26T09:00:00Z",
        "c-wait",
        "web",
        MESSAGE,
        AYSE,
        "tr",
        "Europe/Istanbul",
    );
    stack.send("tickets", &body).await;
    deliver_tickets(&stack, &intake).await;
    let number = attr(&ticket_of(&stack, "c-wait").await, "number").to_owned();
    stack
        .send(
            "tickets",
            &reply("w-r", "2026-11-27T12:10:00Z", &number, "agent"),
        )
        .await;
    deliver_tickets(&stack, &intake).await;
    stack.drain(&stack.queue("outbound").url).await;
    let emails = || stack.emulator.sent_emails().len();
    let before = emails();
    // Monday and Tuesday: nothing. Wednesday 15:10: the reminder, once,
    // however many sweeps run.
    for at in ["2026-11-30T12:10:00Z", "2026-12-01T12:10:00Z"] {
        sweep(&monitor, at).await;
        deliver_tickets(&stack, &intake).await;
    }
    assert_eq!(emails(), before, "not before three working days");
    for _ in 0..2 {
        sweep(&monitor, "2026-12-02T12:10:00Z").await;
        deliver_tickets(&stack, &intake).await;
    }
    let sent = stack.emulator.sent_emails();
    assert_eq!(sent.len(), before + 1);
    let reminder = sent.last().unwrap();
    assert!(
        reminder.subject.contains("Yanıtınızı bekliyoruz"),
        "{}",
        reminder.subject
    );
    assert!(reminder.subject.contains(&number));
    // Tuesday 8 December: resolved as no reply, the desk told, no survey.
    sweep(&monitor, "2026-12-08T12:10:00Z").await;
    deliver_tickets(&stack, &intake).await;
    let ticket = ticket_of(&stack, "c-wait").await;
    assert_eq!(attr(&ticket, "status"), "resolved");
    assert_eq!(attr(&ticket, "resolved_as"), "no_reply");
    assert_eq!(attr(&ticket, "resolved_at"), "2026-12-08T12:10:00Z");
    let published: Vec<Value> = stack.drain(&stack.queue("outbound").url).await;
    let kinds: Vec<&str> = published
        .iter()
        .filter_map(|m| m["type"].as_str())
        .collect();
    assert_eq!(kinds, ["ticket.closed"]);
    assert_eq!(published[0]["data"]["resolved_as"], "no_reply");
    assert_eq!(stack.emulator.sent_emails().len(), before + 1, "no survey");
    let week = Week::of(
        ts("2026-12-08T12:10:00Z"),
        &jiff::tz::TimeZone::get("Europe/Istanbul").unwrap(),
    );
    let counters = store(&stack).counters(week).await.expect("counters");
    assert_eq!(counters.get(names::NO_REPLY), 1);
    // Nothing is left held for it.
    assert!(
        stack
            .items_with_prefix("SCHEDULED#ticket.waiting")
            .await
            .is_empty()
    );
}
