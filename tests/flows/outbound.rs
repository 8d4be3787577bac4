//! The outbound function, from the real outbound queue of the emulator:
//! memnun's tickets opened and raised in the shop's help desk (Zendesk's
//! and Freshdesk's contract stand-ins, `tests/src/helpdesk.rs`), and every
//! outbound event delivered to the shop's URL (a receiver on loopback that
//! checks `Memnun-Signature` with the documented recipe,
//! `tests/src/receiver.rs`).

use jiff::{SignedDuration, Timestamp};
use memnun_shared::adapters::dynamodb::DynamoStore;
use memnun_shared::adapters::helpdesk::HelpDeskClient;
use memnun_shared::adapters::http::HttpClient;
use memnun_shared::adapters::webhook::SignedWebhook;
use memnun_shared::config::{Env, HelpDeskKind};
use memnun_tests::deliver::{self, Delivery};
use memnun_tests::events::{event, review};
use memnun_tests::helpdesk::{self as desks, Fault, HelpDeskStandIn};
use memnun_tests::receiver::{OUTBOUND_WEBHOOK_SECRET, WebhookReceiver};
use memnun_tests::stack::Stack;
use serde_json::{Value, json};

#[path = "support/functions.rs"]
mod functions;

fn deadline() -> Timestamp {
    Timestamp::now() + SignedDuration::from_secs(30)
}

async fn stack_with(parameters: &[(&'static str, String)]) -> Stack {
    let parameters: Vec<(&str, &str)> = parameters
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    Stack::start_with(&parameters, true).await
}

async fn stack_for(receiver: &WebhookReceiver) -> Stack {
    stack_with(&memnun_tests::receiver::parameters(&receiver.url())).await
}

type Outbound = outbound::Handler<SignedWebhook, HelpDeskClient, DynamoStore>;

/// The outbound function as the template configures it, signing with
/// `secret`; its help desk's client gives up an attempt after 2 s.
fn outbound(stack: &Stack, secret: &str) -> Outbound {
    outbound_with(stack, secret, None)
}

/// [`outbound`], the help desk's credentials replaced by `credentials`.
fn outbound_with(stack: &Stack, secret: &str, credentials: Option<&str>) -> Outbound {
    let config = outbound::Config::from_env(&Env::from_pairs(stack.function_env("outbound")))
        .expect("config");
    let webhook = config.webhook.as_ref().map(|site| {
        SignedWebhook::new(
            HttpClient::default(),
            &site.url,
            vec![secret.as_bytes().to_vec()],
        )
    });
    let http = HttpClient::with_timeout(std::time::Duration::from_secs(2));
    let desk = config.desk.as_ref().map(|d| {
        let client = match d.kind {
            HelpDeskKind::Zendesk => HelpDeskClient::zendesk(
                http,
                &d.site.url,
                credentials.unwrap_or(desks::ZENDESK_CREDENTIALS),
            ),
            HelpDeskKind::Freshdesk => HelpDeskClient::freshdesk(
                http,
                &d.site.url,
                credentials.unwrap_or(desks::FRESHDESK_KEY),
            ),
        };
        client.expect("the desk's client")
    });
    outbound::Handler::new(config, functions::store(stack), webhook, desk)
}

/// A low review through review-responder: `coupon.issued` and
/// `ticket.opened` on the outbound queue.
async fn publish_two(stack: &Stack) {
    let responder = functions::responder(stack);
    let body = review(
        "r-1",
        "2026-11-22T10:15:00Z",
        "c-1",
        1,
        "ayse@example.com",
        "tr",
    );
    stack.send("reviews", &body).await;
    let q = stack.queue("reviews");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| {
        responder.handle(e, deadline())
    })
    .await;
}

async fn deliver_outbound(stack: &Stack, h: &Outbound) -> Vec<Delivery> {
    let q = stack.queue("outbound");
    deliver::until_empty(&stack.sqs, &q.url, &q.arn, 10, |e| h.handle(e, deadline())).await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_outbound_event_reaches_the_shops_url_signed_as_published() {
    let receiver = WebhookReceiver::start(OUTBOUND_WEBHOOK_SECRET);
    let stack = stack_for(&receiver).await;
    publish_two(&stack).await;
    let h = outbound(&stack, OUTBOUND_WEBHOOK_SECRET);
    let deliveries = deliver_outbound(&stack, &h).await;
    assert!(deliveries.iter().all(|d| d.failed.is_empty()));
    let received = receiver.received();
    let kinds: Vec<&str> = received.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds.len(), 2);
    assert!(kinds.contains(&"coupon.issued") && kinds.contains(&"ticket.opened"));
    for r in &received {
        let event: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(
            event["id"],
            r.id.as_str(),
            "Memnun-Event-Id is the event's id"
        );
        assert_eq!(event["type"], r.kind.as_str());
        assert_eq!(event["specversion"], "1.0");
    }
    assert_eq!(receiver.refused(), 0);
    assert!(
        stack
            .drain_raw(&stack.queue("outbound").dlq_url)
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_down_twice_gets_it_the_third_time_and_one_that_refuses_leaves_it_dead_lettered()
{
    let receiver = WebhookReceiver::start(OUTBOUND_WEBHOOK_SECRET);
    let stack = stack_for(&receiver).await;
    publish_two(&stack).await;
    // The first event meets two 503s, then is taken; the second is refused
    // for good (a receiver whose secret is another).
    receiver.fail([503, 503]);
    let h = outbound(&stack, OUTBOUND_WEBHOOK_SECRET);
    let q = stack.queue("outbound");
    let first = deliver::once(&stack.sqs, &q.url, &q.arn, 1, |e| h.handle(e, deadline())).await;
    assert!(first.failed.is_empty());
    assert_eq!((receiver.requests(), receiver.received().len()), (3, 1));

    let wrong = outbound(&stack, "another-secret-the-receiver-does-not-hold-0123");
    let deliveries = deliver_outbound(&stack, &wrong).await;
    assert_eq!(deliveries.len(), 5, "the queue's five receives");
    assert_eq!(
        receiver.refused(),
        5,
        "401 is final: one request per receive"
    );
    assert_eq!(receiver.received().len(), 1);
    let dead = stack.drain_raw(&q.dlq_url).await;
    assert_eq!(dead.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_reads_its_secrets_from_ssm_opens_the_desk_ticket_and_delivers() {
    use memnun_tests::runtime_api::Answer;
    let receiver = WebhookReceiver::start(OUTBOUND_WEBHOOK_SECRET);
    let desk = HelpDeskStandIn::start();
    let mut parameters = memnun_tests::receiver::parameters(&receiver.url()).to_vec();
    parameters.extend(desks::zendesk_parameters(&desk.url()));
    let stack = stack_with(&parameters).await;
    publish_two(&stack).await;
    let (function, log) = stack.start_binary("outbound");
    let q = stack.queue("outbound");
    let batch = deliver::receive(&stack.sqs, &q.url, &q.arn, 10).await;
    assert_eq!(batch.records.len(), 2);
    let Answer::Response(answer) = function
        .invoke(serde_json::to_string(&batch).unwrap())
        .await
    else {
        panic!(
            "the invocation failed: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    };
    assert!(answer.contains("\"batchItemFailures\":[]"), "{answer}");
    assert_eq!(receiver.received().len(), 2);
    // The review's follow-up ticket, in Zendesk, with the token from SSM.
    let tickets = desk.tickets();
    assert_eq!(tickets.len(), 1, "{:?}", desk.calls());
    assert_eq!(
        tickets[0].created["ticket"]["requester"]["email"],
        "ayse@example.com"
    );
    // A follow-up's ticket.opened carries no history: the function read it.
    let (note, public) = &tickets[0].notes[0];
    assert!(!public);
    assert!(
        note.starts_with("memnun: müşterinin geçmişi") && note.contains("Kuponlar: 1"),
        "the review's own coupon counts: {note}"
    );
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        logged.contains("delivered to the shop's webhook")
            && logged.contains("opened in the help desk"),
        "{logged}"
    );
    for secret in [
        OUTBOUND_WEBHOOK_SECRET,
        desks::ZENDESK_CREDENTIALS,
        "ayse@example.com",
    ] {
        assert!(!logged.contains(secret), "{secret} in the log");
    }
}

/// A complaint of c-1's at `time` through complaint-intake.
async fn complain(stack: &Stack, id: &str, time: &str, message: &str) {
    let intake = functions::intake(stack);
    let body = functions::complaint(
        id,
        time,
        "c-1",
        "email",
        message,
        "ayse@example.com",
        "tr",
        "Europe/Istanbul",
    );
    stack.send("tickets", &body).await;
    functions::deliver_tickets(stack, &intake).await;
}

/// The `ticket.opened` bodies on the outbound queue, taken off it.
async fn take_outbound(stack: &Stack) -> Vec<String> {
    stack.drain_raw(&stack.queue("outbound").url).await
}

/// Puts `bodies` back on the outbound queue and delivers it until empty:
/// nothing may end in its dead-letter queue.
async fn redeliver(stack: &Stack, h: &Outbound, bodies: &[String]) {
    for body in bodies {
        stack.send("outbound", body).await;
    }
    deliver_outbound(stack, h).await;
    assert!(
        stack
            .drain_raw(&stack.queue("outbound").dlq_url)
            .await
            .is_empty()
    );
}

/// A customer with a past: a complaint resolved and rated 4, an order
/// shipped; then a new complaint, whose desk ticket carries that history.
async fn customer_with_a_past(stack: &Stack) -> String {
    complain(stack, "k-1", "2026-11-02T09:00:00Z", "Kutu ezik geldi.").await;
    let first = functions::ticket_numbers(stack).await.remove(0);
    let intake = functions::intake(stack);
    for body in [
        functions::resolved("res-1", "2026-11-03T09:00:00Z", &first),
        event(
            "srv-1",
            "survey.answered",
            "2026-11-03T12:00:00Z",
            json!({"ticket_id": first, "score": 4}),
        ),
    ] {
        stack.send("tickets", &body).await;
    }
    functions::deliver_tickets(stack, &intake).await;
    let journey = functions::journey(stack);
    for (id, kind, time) in [
        ("o-1", "order.placed", "2026-11-20T10:00:00Z"),
        ("o-2", "order.shipped", "2026-11-21T10:00:00Z"),
    ] {
        let body = event(
            id,
            kind,
            time,
            json!({"customer_id": "c-1", "order_id": "1001",
                "customer": {"email": "ayse@example.com", "name": "Ayşe", "locale": "tr"},
                "carrier": "Yurtiçi Kargo", "tracking_number": "YK1"}),
        );
        stack.send("orders", &body).await;
    }
    functions::deliver_orders(stack, &journey).await;
    complain(
        stack,
        "k-2",
        "2026-11-23T09:00:00Z",
        "Siparişim hâlâ gelmedi, nerede?",
    )
    .await;
    first
}

#[tokio::test(flavor = "multi_thread")]
async fn a_complaint_opens_one_zendesk_ticket_with_its_history_even_when_delivered_twice() {
    let desk = HelpDeskStandIn::start();
    let stack = stack_with(&desks::zendesk_parameters(&desk.url())).await;
    let first = customer_with_a_past(&stack).await;
    let h = outbound(&stack, OUTBOUND_WEBHOOK_SECRET);
    let published = take_outbound(&stack).await;
    // Every message twice: a duplicate delivery of each.
    let twice: Vec<String> = published.iter().chain(&published).cloned().collect();
    redeliver(&stack, &h, &twice).await;

    let tickets = desk.tickets();
    assert_eq!(tickets.len(), 2, "one desk ticket per memnun ticket");
    let numbers = functions::ticket_numbers(&stack).await;
    let second = numbers.iter().find(|n| **n != first).unwrap();
    let t = tickets
        .iter()
        .find(|t| t.created["ticket"]["external_id"] == second.as_str())
        .expect("the second complaint's ticket");
    let created = &t.created["ticket"];
    assert_eq!(created["requester"]["email"], "ayse@example.com");
    assert_eq!(created["requester"]["name"], "Ayşe Yılmaz");
    assert_eq!(
        created["subject"],
        format!("[{second}] Siparişim hâlâ gelmedi, nerede?")
    );
    assert_eq!(
        created["comment"]["body"],
        "Siparişim hâlâ gelmedi, nerede?"
    );
    assert_eq!(created["comment"]["public"], true);
    assert!(matches!(
        created["priority"].as_str(),
        Some("normal" | "high")
    ));
    let tags = &t.tags;
    for tag in [
        "memnun",
        "memnun_complaint",
        "memnun_email",
        "memnun_history",
    ] {
        assert!(tags.iter().any(|t| t == tag), "{tag} in {tags:?}");
    }
    assert_eq!(t.notes.len(), 1, "one history note: {:?}", t.notes);
    let (note, public) = &t.notes[0];
    assert!(!public, "the history is an internal note");
    assert!(note.contains("Talepler: 1, hiçbiri açık değil"), "{note}");
    assert!(
        note.contains("Son memnuniyet puanı: 4/5 (2026-11-03)"),
        "{note}"
    );
    assert!(
        note.contains("Siparişler: 1, son: 1001 (kargoda, 2026-11-20)"),
        "{note}"
    );
    assert!(!note.contains("ayse@"), "{note}");
    // ticket.opened carries the same history for a shop reading the queue.
    let opened: Value = published
        .iter()
        .map(|b| serde_json::from_str::<Value>(b).unwrap())
        .find(|e| e["data"]["ticket_id"] == second.as_str())
        .unwrap();
    assert_eq!(opened["data"]["history"]["tickets"], 1);
    assert_eq!(opened["data"]["history"]["last_csat"]["score"], 4);
    assert_eq!(opened["data"]["history"]["last_order"]["stage"], "shipped");
    let creates = desk
        .calls()
        .iter()
        .filter(|c| c.operation == "create")
        .count();
    assert_eq!(
        creates,
        2,
        "the duplicates looked and found: {:?}",
        desk.calls()
    );
}

/// Delivers the escalations the sweep at `at` raises.
async fn breach_at(stack: &Stack, at: &str) {
    let monitor = functions::monitor(stack);
    functions::sweep(&monitor, at).await;
    functions::escalate(stack, &functions::escalator(stack)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_breach_raises_the_help_desk_ticket_once_in_zendesk_and_in_freshdesk() {
    for zendesk in [true, false] {
        let desk = HelpDeskStandIn::start();
        let parameters = if zendesk {
            desks::zendesk_parameters(&desk.url())
        } else {
            desks::freshdesk_parameters(&desk.url())
        };
        let stack = stack_with(&parameters).await;
        complain(&stack, "k-1", "2026-11-23T09:00:00Z", "Kargom nerede?").await;
        let h = outbound(&stack, OUTBOUND_WEBHOOK_SECRET);
        deliver_outbound(&stack, &h).await;
        // Days later, both deadlines long missed.
        breach_at(&stack, "2026-11-30T09:00:00Z").await;
        let raised = take_outbound(&stack).await;
        let kinds: Vec<String> = raised
            .iter()
            .map(|b| {
                serde_json::from_str::<Value>(b).unwrap()["type"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert!(kinds.iter().any(|k| k == "ticket.escalated"), "{kinds:?}");
        let twice: Vec<String> = raised.iter().chain(&raised).cloned().collect();
        redeliver(&stack, &h, &twice).await;
        let tickets = desk.tickets();
        assert_eq!(tickets.len(), 1);
        let t = &tickets[0];
        let urgent = if zendesk { "urgent" } else { "4" };
        assert_eq!(t.priority, urgent, "zendesk: {zendesk}");
        let escalations = kinds.iter().filter(|k| *k == "ticket.escalated").count();
        let missed: Vec<&(String, bool)> = t
            .notes
            .iter()
            .filter(|(n, _)| n.contains("süresi aşıldı"))
            .collect();
        assert_eq!(
            missed.len(),
            escalations,
            "one note per missed deadline: {:?}",
            t.notes
        );
        assert!(missed.iter().all(|(_, public)| !public));
        // A tag per deadline the escalations name. Freshdesk replaces a
        // ticket's tags on update: two escalations of one ticket at the same
        // moment may leave one tag (docs/platforms/helpdesk.md, "Once").
        let tags: Vec<String> = raised
            .iter()
            .map(|e| serde_json::from_str::<Value>(e).unwrap())
            .filter(|e| e["type"] == "ticket.escalated")
            .map(|e| format!("memnun_missed_{}", e["data"]["missed"].as_str().unwrap()))
            .collect();
        if zendesk {
            assert!(
                tags.iter().all(|tag| t.tags.contains(tag)),
                "{tags:?} in {:?}",
                t.tags
            );
        } else {
            assert!(
                tags.iter().any(|tag| t.tags.contains(tag)),
                "{tags:?} in {:?}",
                t.tags
            );
        }
        if !zendesk {
            let created = &t.created;
            assert_eq!(created["email"], "ayse@example.com");
            assert_eq!(created["status"], 2);
            assert_eq!(created["source"], 1, "an email complaint");
            assert!(
                created["description"]
                    .as_str()
                    .unwrap()
                    .contains("Kargom nerede?")
            );
            let number = functions::ticket_numbers(&stack)
                .await
                .remove(0)
                .to_ascii_lowercase();
            assert!(t.tags.contains(&number), "{:?}", t.tags);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_desk_that_throttles_fails_or_loses_its_answer_still_gets_one_ticket() {
    let desk = HelpDeskStandIn::start();
    let stack = stack_with(&desks::zendesk_parameters(&desk.url())).await;
    complain(&stack, "k-1", "2026-11-23T09:00:00Z", "Kargom nerede?").await;
    let h = outbound(&stack, OUTBOUND_WEBHOOK_SECRET);
    // The look-up throttled (429, Retry-After 1 s); the create answered 503,
    // then taken with its answer lost (500).
    desk.fail_on("find", [Fault::TooMany(1)]);
    desk.fail_on("create", [Fault::Status(503), Fault::LostAnswer]);
    deliver_outbound(&stack, &h).await;
    let calls = |desk: &HelpDeskStandIn| -> Vec<(&'static str, u16)> {
        desk.calls()
            .iter()
            .map(|c| (c.operation, c.status))
            .collect()
    };
    assert_eq!(
        calls(&desk),
        [
            ("find", 429),
            ("find", 200),
            ("create", 503),
            ("find", 200),
            ("create", 500),
            ("find", 200),
            ("update", 200),
        ],
        "each create looked first, and the last look found the lost one"
    );
    assert_eq!(desk.tickets().len(), 1);
    assert_eq!(desk.tickets()[0].notes.len(), 1, "one history note");

    // A create that hangs past the client's 2 s: taken, its answer too late.
    complain(&stack, "k-2", "2026-11-24T09:00:00Z", "Hâlâ yok.").await;
    desk.fail_on("create", [Fault::Hang(std::time::Duration::from_secs(3))]);
    deliver_outbound(&stack, &h).await;
    assert_eq!(desk.tickets().len(), 2, "{:?}", calls(&desk));
    assert!(
        stack
            .drain_raw(&stack.queue("outbound").dlq_url)
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_token_leaves_the_ticket_dead_lettered_with_its_reason() {
    let desk = HelpDeskStandIn::start();
    let stack = stack_with(&desks::zendesk_parameters(&desk.url())).await;
    complain(&stack, "k-1", "2026-11-23T09:00:00Z", "Kargom nerede?").await;
    let wrong = outbound_with(
        &stack,
        OUTBOUND_WEBHOOK_SECRET,
        Some("destek@dukkan.example/token:revoked"),
    );
    let deliveries = deliver_outbound(&stack, &wrong).await;
    assert_eq!(deliveries.len(), 5, "the queue's five receives");
    assert!(desk.calls().iter().all(|c| c.status == 401));
    assert_eq!(desk.calls().len(), 5, "401 is final: one call per receive");
    assert!(desk.tickets().is_empty());
    let dead = stack.drain_raw(&stack.queue("outbound").dlq_url).await;
    assert_eq!(dead.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_joined_on_another_channel_reaches_the_desks_ticket_once_in_zendesk_and_freshdesk()
 {
    for zendesk in [true, false] {
        let desk = HelpDeskStandIn::start();
        let parameters = if zendesk {
            desks::zendesk_parameters(&desk.url())
        } else {
            desks::freshdesk_parameters(&desk.url())
        };
        let stack = stack_with(&parameters).await;
        complain(&stack, "k-1", "2026-11-23T09:00:00Z", "Kargom nerede?").await;
        let number = functions::ticket_numbers(&stack).await.remove(0);
        // The customer writes again on chat, naming the number.
        let intake = functions::intake(&stack);
        let again = functions::complaint(
            "k-2",
            "2026-11-23T11:30:00Z",
            "c-1",
            "chat",
            &format!("{number} numaralı talebim için: kapı kodu 4321."),
            "ayse@example.com",
            "tr",
            "Europe/Istanbul",
        );
        stack.send("tickets", &again).await;
        functions::deliver_tickets(&stack, &intake).await;
        assert_eq!(
            functions::ticket_numbers(&stack).await,
            std::slice::from_ref(&number)
        );
        let published = take_outbound(&stack).await;
        let kinds: Vec<String> = published
            .iter()
            .map(|b| {
                serde_json::from_str::<Value>(b).unwrap()["type"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(kinds, ["ticket.opened", "ticket.updated"]);
        let h = outbound(&stack, OUTBOUND_WEBHOOK_SECRET);
        // In order, then all of it again.
        redeliver(&stack, &h, &published).await;
        redeliver(&stack, &h, &published).await;
        let tickets = desk.tickets();
        assert_eq!(tickets.len(), 1, "zendesk: {zendesk}");
        let t = &tickets[0];
        let added: Vec<&(String, bool)> = t
            .notes
            .iter()
            .filter(|(n, _)| n.contains("kapı kodu 4321"))
            .collect();
        assert_eq!(added.len(), 1, "once: {:?}", t.notes);
        assert!(!added[0].1, "a note, never a reply mailed to the customer");
        assert!(added[0].0.contains("chat"), "{}", added[0].0);
        assert!(
            t.tags.contains(&"memnun_message_1".to_owned()),
            "{:?}",
            t.tags
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_closed_for_no_reply_is_solved_in_zendesk_and_freshdesk_once() {
    for zendesk in [true, false] {
        let desk = HelpDeskStandIn::start();
        let parameters = if zendesk {
            desks::zendesk_parameters(&desk.url())
        } else {
            desks::freshdesk_parameters(&desk.url())
        };
        let stack = stack_with(&parameters).await;
        complain(&stack, "k-1", "2026-11-23T09:00:00Z", "Kargom nerede?").await;
        let number = functions::ticket_numbers(&stack).await.remove(0);
        let intake = functions::intake(&stack);
        stack
            .send(
                "tickets",
                &functions::reply("p-1", "2026-11-23T10:00:00Z", &number, "agent"),
            )
            .await;
        functions::deliver_tickets(&stack, &intake).await;
        // Seven days without an answer (every day works by default).
        let monitor = functions::monitor(&stack);
        for at in ["2026-11-26T10:00:00Z", "2026-11-30T10:00:00Z"] {
            functions::sweep(&monitor, at).await;
            functions::deliver_tickets(&stack, &intake).await;
        }
        let published = take_outbound(&stack).await;
        let h = outbound(&stack, OUTBOUND_WEBHOOK_SECRET);
        redeliver(&stack, &h, &published).await;
        redeliver(&stack, &h, &published).await;
        let tickets = desk.tickets();
        assert_eq!(tickets.len(), 1);
        let t = &tickets[0];
        let solved = if zendesk { "solved" } else { "4" };
        assert_eq!(t.status, solved, "zendesk: {zendesk}");
        let closing: Vec<&(String, bool)> = t
            .notes
            .iter()
            .filter(|(n, _)| n.contains("yanıt gelmediği"))
            .collect();
        assert_eq!(closing.len(), 1, "once: {:?}", t.notes);
        assert!(!closing[0].1, "an internal note");
        assert!(
            t.tags.contains(&"memnun_closed_no_reply".to_owned()),
            "zendesk: {zendesk}, {:?}",
            t.tags
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_zendesk_will_not_solve_still_gets_its_note_for_the_team() {
    let desk = HelpDeskStandIn::start();
    let stack = stack_with(&desks::zendesk_parameters(&desk.url())).await;
    complain(&stack, "k-1", "2026-11-23T09:00:00Z", "Kargom nerede?").await;
    let number = functions::ticket_numbers(&stack).await.remove(0);
    let h = outbound(&stack, OUTBOUND_WEBHOOK_SECRET);
    redeliver(&stack, &h, &take_outbound(&stack).await).await;
    let intake = functions::intake(&stack);
    stack
        .send(
            "tickets",
            &functions::reply("p-1", "2026-11-23T10:00:00Z", &number, "agent"),
        )
        .await;
    functions::deliver_tickets(&stack, &intake).await;
    let monitor = functions::monitor(&stack);
    for at in ["2026-11-26T10:00:00Z", "2026-11-30T10:00:00Z"] {
        functions::sweep(&monitor, at).await;
        functions::deliver_tickets(&stack, &intake).await;
    }
    let closed = take_outbound(&stack).await;
    // The solve is refused as a record Zendesk will not take (no assignee).
    desk.fail_on("update", [Fault::Status(422)]);
    redeliver(&stack, &h, &closed).await;
    let t = &desk.tickets()[0];
    assert_ne!(t.status, "solved");
    assert!(t.notes.iter().any(|(n, _)| n.contains("yanıt gelmediği")));
    assert!(t.tags.contains(&"memnun_closed_no_reply".to_owned()));
}
