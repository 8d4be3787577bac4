//! What each function is given to do: the payloads of its invocations, and
//! the data the stub must hold for them to mean something.
//!
//! A workload makes "a batch of n events" for its function:
//!
//! - a queue consumer gets one SQS batch of n messages (`birthday-greeter`
//!   greetings of n stored customers, `mail-feedback` SES's notifications
//!   from `events/ses/`);
//! - `ingest` gets one signed webhook request carrying n events;
//! - `sla-monitor` sweeps a due index holding n due tickets;
//! - a function that handles one thing per invocation (`links`: one page,
//!   `weekly-digest`: one digest) gets n invocations in a row.
//!
//! Event bodies come from `events/` (the sample of each type), made unique
//! per run and message. A function the bench has no workload for is still
//! measured for init and size; its other figures say why they are missing.

use std::collections::BTreeMap;
use std::path::Path;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use jiff::{SignedDuration, Timestamp};
use memnun_shared::adapters::dynamodb::DynamoStore;
use memnun_shared::contract::internal::{BirthdayDue, InternalEvent, SlaAlarm};
use memnun_shared::contract::routing::Route;
use memnun_shared::domain::calendar::BusinessCalendar;
use memnun_shared::domain::customer::CustomerId;
use memnun_shared::domain::sla::{Goal, SlaPolicy};
use memnun_shared::domain::ticket::{Category, Origin, Priority, Ticket, TicketNumber};
use memnun_shared::domain::token::{Purpose, Signer};
use memnun_tests::http_bridge::{HttpRequest, function_url_event};
use memnun_tests::stack::{LINK_SECRET, WEBHOOK_SECRET};
use memnun_tests::template::FunctionDef;
use serde_json::{Value, json};

use crate::Error;
use crate::stub::Stub;

/// The time every generated event stands for (a Monday, 09:00 UTC).
pub const NOW: &str = "2026-11-23T09:00:00Z";

/// Seeds the stub's DynamoDB through memnun's own adapters.
pub struct Seeder<'a> {
    /// Runs the SDK calls.
    pub runtime: &'a tokio::runtime::Runtime,
    /// The stub.
    pub stub: &'a Stub,
    /// The main table's name.
    pub table: String,
}

impl Seeder<'_> {
    fn store(&self) -> DynamoStore {
        let endpoint = self.stub.dynamodb_endpoint();
        let config = self
            .runtime
            .block_on(memnun_tests::stack::client_config(&endpoint));
        DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            &self.table,
            String::new(),
        )
    }

    fn tickets(&self, tickets: &[Ticket]) -> Result<(), Error> {
        let store = self.store();
        self.runtime
            .block_on(store.import_tickets(tickets))
            .map_err(|e| Error::Setup(format!("seeding tickets: {e}")))
    }

    fn put(&self, item: Value) -> Result<(), Error> {
        let endpoint = self.stub.dynamodb_endpoint();
        let table = self.table.clone();
        self.runtime.block_on(async move {
            let config = memnun_tests::stack::client_config(&endpoint).await;
            let client = aws_sdk_dynamodb::Client::new(&config);
            let item = item
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| attribute(v).map(|a| (k.clone(), a)))
                .collect();
            client
                .put_item()
                .table_name(table)
                .set_item(Some(item))
                .send()
                .await
                .map(drop)
                .map_err(|e| Error::Setup(format!("seeding an item: {e}")))
        })
    }
}

/// An attribute in DynamoDB's JSON (`{"S": …}`, `{"N": …}`, `{"BOOL": …}`).
fn attribute(v: &Value) -> Option<aws_sdk_dynamodb::types::AttributeValue> {
    use aws_sdk_dynamodb::types::AttributeValue;
    if let Some(s) = v["S"].as_str() {
        return Some(AttributeValue::S(s.to_string()));
    }
    if let Some(n) = v["N"].as_str() {
        return Some(AttributeValue::N(n.to_string()));
    }
    v["BOOL"].as_bool().map(AttributeValue::Bool)
}

/// How a function's work comes.
pub trait Work {
    /// One line for the results: what a batch is.
    fn describe(&self) -> String;
    /// Whether one invocation carries the whole batch (so that the batch's
    /// events can run at the same time).
    fn concurrent(&self) -> bool;
    /// Seeds the stub for batches of `n`, then seals it.
    fn prepare(&self, seeder: &Seeder<'_>, n: usize) -> Result<(), Error>;
    /// The invocations of one batch of `n`, for run number `run`.
    fn payloads(&self, n: usize, run: usize) -> Result<Vec<String>, Error>;
    /// The invocations the concurrency figure times (one event against a
    /// batch of `n`): each event the same kind of work as one alone, so the
    /// ratio measures running side by side, not a mix of longer and shorter
    /// events. The same as [`Work::payloads`] for a workload of one kind.
    fn alike(&self, n: usize, run: usize) -> Result<Vec<String>, Error> {
        self.payloads(n, run)
    }
}

/// The workload for `function`, or why there is none.
pub fn for_function(
    function: &FunctionDef,
    events_dir: &Path,
) -> Result<Box<dyn Work + Send + Sync>, String> {
    let queue = function
        .sqs_events
        .first()
        .and_then(|e| memnun_tests::template::Local::short_name(&e.queue));
    match function.binary.as_str() {
        "review-responder" => Ok(Box::new(SqsSamples::load(
            events_dir,
            &["review.posted"],
            "low reviews (1★): apology, coupon, follow-up ticket",
        )?)),
        "complaint-intake" => Ok(Box::new(SqsSamples::load(
            events_dir,
            &["complaint.created"],
            "complaints: ticket, SLA, acknowledgement",
        )?)),
        "customer-directory" => Ok(Box::new(SqsSamples::load(
            events_dir,
            &["customer.upserted"],
            "customer upserts with birthday and consent",
        )?)),
        "sla-escalator" => Ok(Box::new(SlaAlarms)),
        "sla-monitor" => Ok(Box::new(SlaSweep)),
        "ingest" => Ok(Box::new(Webhook::load(events_dir)?)),
        "links" => Ok(Box::new(Unsubscribe)),
        "birthday-greeter" => Ok(Box::new(BirthdayGreetings)),
        "mail-feedback" => Ok(Box::new(MailFeedback::load(events_dir)?)),
        "order-journey" => Ok(Box::new(OrderJourneys::load(events_dir)?)),
        "weekly-digest" => Ok(Box::new(Scheduled {
            what: "one weekly digest (two emails)".into(),
        })),
        _ => {
            if let Some(queue) = queue {
                let kinds = sample_kinds_for_queue(events_dir, &queue);
                if !kinds.is_empty() {
                    let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
                    return Ok(Box::new(SqsSamples::load(
                        events_dir,
                        &kinds,
                        &format!("sample events of the {queue} queue"),
                    )?));
                }
                return Err(format!(
                    "no sample event in events/ routes to its queue ({queue}): init and size only"
                ));
            }
            if !function.schedules.is_empty() {
                return Ok(Box::new(Scheduled {
                    what: "one scheduled run over an empty table".into(),
                }));
            }
            Err("no workload defined for it in tools/bench: init and size only".into())
        }
    }
}

fn sample_kinds_for_queue(events_dir: &Path, queue: &str) -> Vec<String> {
    samples(events_dir)
        .unwrap_or_default()
        .into_keys()
        .filter(|kind| Route::for_type(kind).map(|r| r.queue_name()) == Some(queue))
        .collect()
}

/// Every valid sample in `events/` (top level only), by type.
fn samples(events_dir: &Path) -> Result<BTreeMap<String, Value>, String> {
    let entries =
        std::fs::read_dir(events_dir).map_err(|e| format!("{}: {e}", events_dir.display()))?;
    let mut out = BTreeMap::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let Ok(value) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if let Some(kind) = value["type"].as_str() {
            out.insert(kind.to_string(), value);
        }
    }
    Ok(out)
}

/// A sample event made unique for message `i` of run `run`: its own id, its
/// own customer, the bench's time.
fn unique(sample: &Value, run: usize, i: usize) -> Value {
    let mut event = sample.clone();
    let id = event["id"].as_str().unwrap_or("event").to_string();
    event["id"] = json!(format!("{id}-b{run}-{i}"));
    event["time"] = json!(NOW);
    if let Some(customer) = event["data"]["customer_id"].as_str() {
        let customer = format!("{customer}-b{run}-{i}");
        event["data"]["customer_id"] = json!(customer);
    }
    event
}

/// An SQS batch of these bodies, as Lambda's event source mapping passes it.
pub fn sqs_batch(bodies: &[String], run: usize) -> Result<String, Error> {
    let mut event = SqsEvent::default();
    event.records = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let mut m = SqsMessage::default();
            m.message_id = Some(format!("00000000-0000-4000-a000-{run:06}{i:06}"));
            m.receipt_handle = Some(format!("bench-receipt-{run}-{i}"));
            m.body = Some(body.clone());
            m.attributes = [
                ("ApproximateReceiveCount".to_string(), "1".to_string()),
                ("SentTimestamp".to_string(), "1795424400000".to_string()),
            ]
            .into_iter()
            .collect();
            m.event_source = Some("aws:sqs".into());
            m.event_source_arn = Some("arn:aws:sqs:eu-central-1:123456789012:memnun-bench".into());
            m.aws_region = Some("eu-central-1".into());
            m
        })
        .collect();
    serde_json::to_string(&event).map_err(|e| Error::Setup(format!("an SQS batch: {e}")))
}

/// An internal message's body with an id of run `run`: each run its own
/// event, so nothing is a duplicate.
fn of_run(body: &str, run: usize) -> Result<String, Error> {
    let mut body: Value =
        serde_json::from_str(body).map_err(|e| Error::Setup(format!("a message body: {e}")))?;
    let id = body["id"].as_str().unwrap_or_default().to_string();
    body["id"] = json!(format!("{id}:b{run}"));
    Ok(body.to_string())
}

/// Sample events of some types, one per message, in turn.
pub struct SqsSamples {
    samples: Vec<Value>,
    what: String,
}

impl SqsSamples {
    /// The samples of `kinds` from `events_dir`.
    pub fn load(events_dir: &Path, kinds: &[&str], what: &str) -> Result<SqsSamples, String> {
        let all = samples(events_dir)?;
        let samples: Vec<Value> = kinds
            .iter()
            .map(|k| {
                all.get(*k)
                    .cloned()
                    .ok_or_else(|| format!("events/ has no {k} sample"))
            })
            .collect::<Result<_, _>>()?;
        Ok(SqsSamples {
            samples,
            what: what.to_string(),
        })
    }

    /// The bodies of one batch.
    pub fn bodies(&self, n: usize, run: usize) -> Vec<String> {
        (0..n)
            .map(|i| unique(&self.samples[i % self.samples.len()], run, i).to_string())
            .collect()
    }
}

impl Work for SqsSamples {
    fn describe(&self) -> String {
        self.what.clone()
    }

    fn concurrent(&self) -> bool {
        true
    }

    fn prepare(&self, seeder: &Seeder<'_>, _n: usize) -> Result<(), Error> {
        seeder.stub.clear();
        consenting_customers(seeder, 1)?;
        seeder.stub.seal();
        Ok(())
    }

    fn payloads(&self, n: usize, run: usize) -> Result<Vec<String>, Error> {
        Ok(vec![sqs_batch(&self.bodies(n, run), run)?])
    }
}

/// Tickets opened 30 hours before [`NOW`] at normal priority: their first
/// reply (24 h) is overdue.
fn overdue_tickets(n: usize) -> Result<Vec<Ticket>, Error> {
    opened_before(n, 30)
}

/// `n` normal tickets opened `hours` before [`NOW`], each of its own
/// customer (`cust-bench-<i>`).
fn opened_before(n: usize, hours: i64) -> Result<Vec<Ticket>, Error> {
    let now: Timestamp = NOW.parse().map_err(|e| Error::Setup(format!("NOW: {e}")))?;
    let policy = SlaPolicy::default();
    let calendar = BusinessCalendar::default();
    (0..n)
        .map(|i| {
            let at = now - SignedDuration::from_hours(hours);
            let number =
                TicketNumber::parse(&format!("TK-{:04}-{:04}", 9000 + i / 10_000, i % 10_000))
                    .ok_or_else(|| Error::Setup("a ticket number".into()))?;
            let mut t = Ticket::new(
                number,
                &CustomerId::parse(&format!("cust-bench-{i}")).map_err(Error::Setup)?,
                Origin::Complaint,
                Category::Delivery,
                Priority::Normal,
                at,
                &format!("shop/bench#seed-{i}"),
            );
            t.sla = Some(policy.start(Priority::Normal, at, &calendar));
            Ok(t)
        })
        .collect()
}

/// `sla.breached` for tickets whose resolution deadline has passed, each of
/// a customer the stub holds (address, language, time zone): the lead is
/// alerted and the customer apologised to with a coupon, at a civil hour on
/// a working day.
pub struct SlaAlarms;

/// Tickets opened ten days before [`NOW`]: both deadlines are past.
const BREACHED_HOURS_AGO: i64 = 240;

impl Work for SlaAlarms {
    fn describe(&self) -> String {
        "sla.breached alarms (missed resolution): lead alert, apology with coupon".into()
    }

    fn concurrent(&self) -> bool {
        true
    }

    fn prepare(&self, seeder: &Seeder<'_>, n: usize) -> Result<(), Error> {
        seeder.stub.clear();
        let tickets = opened_before(n, BREACHED_HOURS_AGO)?;
        seeder.tickets(&tickets)?;
        for t in &tickets {
            seeder.put(json!({
                "pk": {"S": format!("CUSTOMER#{}", t.customer_id)},
                "sk": {"S": "PROFILE"},
                "customer_id": {"S": t.customer_id.as_str()},
                "email": {"S": format!("{}@example.com", t.customer_id)},
                "name": {"S": "Ayşe"},
                "locale": {"S": "tr-TR"},
                "time_zone": {"S": "Europe/Istanbul"},
            }))?;
        }
        seeder.stub.seal();
        Ok(())
    }

    fn payloads(&self, n: usize, run: usize) -> Result<Vec<String>, Error> {
        let now: Timestamp = NOW.parse().map_err(|e| Error::Setup(format!("NOW: {e}")))?;
        let bodies = opened_before(n, BREACHED_HOURS_AGO)?
            .into_iter()
            .map(|t| {
                let due = t
                    .sla
                    .as_ref()
                    .map(|s| s.resolution.due)
                    .ok_or_else(|| Error::Setup("a ticket without SLA".into()))?;
                let alarm = SlaAlarm {
                    customer_id: t.customer_id.clone(),
                    ticket_id: t.number,
                    goal: Goal::Resolution,
                    due,
                    priority: t.priority,
                    category: t.category,
                    part: None,
                };
                of_run(
                    &InternalEvent::SlaBreached(alarm)
                        .to_message(now, "memnun/sla-monitor")
                        .body,
                    run,
                )
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(vec![sqs_batch(&bodies, run)?])
    }
}

/// A sweep of a due index holding n overdue tickets.
pub struct SlaSweep;

impl Work for SlaSweep {
    fn describe(&self) -> String {
        "a sweep finding that many overdue tickets".into()
    }

    fn concurrent(&self) -> bool {
        true
    }

    fn prepare(&self, seeder: &Seeder<'_>, n: usize) -> Result<(), Error> {
        seeder.stub.clear();
        seeder.tickets(&overdue_tickets(n)?)?;
        seeder.stub.seal();
        Ok(())
    }

    fn payloads(&self, _n: usize, _run: usize) -> Result<Vec<String>, Error> {
        Ok(vec![json!({ "time": NOW }).to_string()])
    }
}

/// A signed webhook request carrying n review events.
pub struct Webhook {
    sample: Value,
}

impl Webhook {
    fn load(events_dir: &Path) -> Result<Webhook, String> {
        let all = samples(events_dir)?;
        let sample = all
            .get("review.posted")
            .cloned()
            .ok_or("events/ has no review.posted sample")?;
        Ok(Webhook { sample })
    }
}

impl Work for Webhook {
    fn describe(&self) -> String {
        "a signed webhook request of that many events".into()
    }

    fn concurrent(&self) -> bool {
        true
    }

    fn prepare(&self, seeder: &Seeder<'_>, _n: usize) -> Result<(), Error> {
        seeder.stub.clear();
        Ok(())
    }

    fn payloads(&self, n: usize, run: usize) -> Result<Vec<String>, Error> {
        let events: Vec<Value> = (0..n).map(|i| unique(&self.sample, run, i)).collect();
        let body = Value::Array(events).to_string();
        let now = Timestamp::now().as_second();
        let signature = ingest::signature::sign(WEBHOOK_SECRET.as_bytes(), now, body.as_bytes());
        let request = HttpRequest {
            method: "POST".into(),
            target: "/events".into(),
            headers: [
                ("content-type".to_string(), "application/json".to_string()),
                (ingest::signature::HEADER.to_string(), signature),
            ]
            .into_iter()
            .collect(),
            body: body.into_bytes(),
        };
        Ok(vec![function_url_event(&request, 443).to_string()])
    }
}

/// One-click unsubscribes (RFC 8058) of stored customers, one per
/// invocation.
pub struct Unsubscribe;

impl Work for Unsubscribe {
    fn describe(&self) -> String {
        "one-click unsubscribes, one request per invocation".into()
    }

    fn concurrent(&self) -> bool {
        false
    }

    fn prepare(&self, seeder: &Seeder<'_>, n: usize) -> Result<(), Error> {
        seeder.stub.clear();
        consenting_customers(seeder, n)?;
        seeder.stub.seal();
        Ok(())
    }

    fn payloads(&self, n: usize, _run: usize) -> Result<Vec<String>, Error> {
        let signer = Signer::from_secret(LINK_SECRET)
            .map_err(|e| Error::Setup(format!("the link key: {e}")))?;
        Ok((0..n)
            .map(|i| {
                let token = signer.sign(Purpose::Unsubscribe, &format!("cust-bench-{i}"));
                let body = "List-Unsubscribe=One-Click";
                let request = HttpRequest {
                    method: "POST".into(),
                    target: format!("/unsubscribe?t={token}"),
                    headers: [(
                        "content-type".to_string(),
                        "application/x-www-form-urlencoded".to_string(),
                    )]
                    .into_iter()
                    .collect(),
                    body: body.as_bytes().to_vec(),
                };
                function_url_event(&request, 443).to_string()
            })
            .collect())
    }
}

/// A scheduled run at [`NOW`], one per invocation.
pub struct Scheduled {
    what: String,
}

impl Work for Scheduled {
    fn describe(&self) -> String {
        self.what.clone()
    }

    fn concurrent(&self) -> bool {
        false
    }

    fn prepare(&self, seeder: &Seeder<'_>, _n: usize) -> Result<(), Error> {
        seeder.stub.clear();
        Ok(())
    }

    fn payloads(&self, n: usize, _run: usize) -> Result<Vec<String>, Error> {
        Ok((0..n).map(|_| json!({ "time": NOW }).to_string()).collect())
    }
}

/// Customers with an address and marketing consent, as the directory
/// stores them: `cust-bench-0` … `cust-bench-{n-1}`.
fn consenting_customers(seeder: &Seeder<'_>, n: usize) -> Result<(), Error> {
    for i in 0..n {
        seeder.put(json!({
            "pk": {"S": format!("CUSTOMER#cust-bench-{i}")},
            "sk": {"S": "PROFILE"},
            "customer_id": {"S": format!("cust-bench-{i}")},
            "email": {"S": format!("bench-{i}@example.com")},
            "name": {"S": "Ayşe"},
            "locale": {"S": "tr-TR"},
            "time_zone": {"S": "Europe/Istanbul"},
            "marketing_consent": {"BOOL": true},
            "consent_at": {"S": "2025-03-14T12:30:00.000000000Z"},
        }))?;
    }
    Ok(())
}

/// `birthday.due` for stored customers who may be greeted: suppression
/// checked, a birthday coupon, the greeting, its publish.
pub struct BirthdayGreetings;

impl Work for BirthdayGreetings {
    fn describe(&self) -> String {
        "birthday.due: suppression checked, coupon, greeting, coupon published".into()
    }

    fn concurrent(&self) -> bool {
        true
    }

    fn prepare(&self, seeder: &Seeder<'_>, n: usize) -> Result<(), Error> {
        seeder.stub.clear();
        consenting_customers(seeder, n)?;
        seeder.stub.seal();
        Ok(())
    }

    fn payloads(&self, n: usize, run: usize) -> Result<Vec<String>, Error> {
        let now: Timestamp = NOW.parse().map_err(|e| Error::Setup(format!("NOW: {e}")))?;
        let bodies = (0..n)
            .map(|i| {
                let due = BirthdayDue {
                    customer_id: CustomerId::parse(&format!("cust-bench-{i}"))
                        .map_err(|e| Error::Setup(format!("customer id: {e}")))?,
                    year: 2026,
                    // 10:00 in Istanbul, when greetings go out.
                    due: now - SignedDuration::from_hours(2),
                };
                of_run(&due.to_message(now, "memnun/birthday-scheduler").body, run)
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(vec![sqs_batch(&bodies, run)?])
    }
}

/// Orders' events that stand on their own, each about its own order and
/// customer: placed, shipped, delivered, delayed (the apology and its
/// coupon), cancelled, a return requested (kept, a ticket, the
/// confirmation) and a refund of the order, in turn.
///
/// A refund carries no contact details, and one for an order memnun has not
/// met, of a customer with no address kept, waits for the order (a retried
/// message). So the refunds are of a stored customer with an address
/// (`cust-bench-0`), each of its own order: told, as a refund always is.
///
/// The later steps of a return (approved, received, rejected, exchange
/// shipped, its refund) are left out: each needs its request kept first, and
/// one run's request would make the next run's step old news. Their calls
/// are counted by the call-budget test.
pub struct OrderJourneys {
    samples: Vec<Value>,
}

impl OrderJourneys {
    fn load(events_dir: &Path) -> Result<OrderJourneys, String> {
        let kinds = [
            "order.placed",
            "order.shipped",
            "order.delivered",
            "order.delayed",
            "order.cancelled",
            "return.requested",
            "refund.issued",
        ];
        let mut samples = SqsSamples::load(events_dir, &kinds, "")?.samples;
        for sample in &mut samples {
            if sample["type"] == "refund.issued" {
                // A refund of the order itself: no return to wait for.
                if let Some(data) = sample["data"].as_object_mut() {
                    data.remove("return_id");
                }
            }
        }
        Ok(OrderJourneys { samples })
    }

    /// Message `i` of run `run`: the sample `kind`, about an order and a
    /// return of its own.
    fn body(&self, kind: usize, run: usize, i: usize) -> String {
        let mut event = unique(&self.samples[kind], run, i);
        if event["type"] == "refund.issued" {
            event["data"]["customer_id"] = json!("cust-bench-0");
        }
        for field in ["order_id", "return_id"] {
            if let Some(id) = event["data"][field].as_str() {
                event["data"][field] = json!(format!("{id}-b{run}-{i}"));
            }
        }
        event.to_string()
    }

    fn bodies(&self, n: usize, run: usize) -> Vec<String> {
        (0..n)
            .map(|i| self.body(i % self.samples.len(), run, i))
            .collect()
    }
}

impl Work for OrderJourneys {
    fn describe(&self) -> String {
        "orders' events, each its own order: placed, shipped, delivered, delayed, cancelled, \
         return requested, refunded"
            .into()
    }

    fn concurrent(&self) -> bool {
        true
    }

    fn prepare(&self, seeder: &Seeder<'_>, _n: usize) -> Result<(), Error> {
        seeder.stub.clear();
        consenting_customers(seeder, 1)?;
        seeder.stub.seal();
        Ok(())
    }

    fn payloads(&self, n: usize, run: usize) -> Result<Vec<String>, Error> {
        Ok(vec![sqs_batch(&self.bodies(n, run), run)?])
    }

    /// Orders placed (the first kind), each its own: the event most of a
    /// shop's are.
    fn alike(&self, n: usize, run: usize) -> Result<Vec<String>, Error> {
        let bodies: Vec<String> = (0..n).map(|i| self.body(0, run, i)).collect();
        Ok(vec![sqs_batch(&bodies, run)?])
    }
}

/// SES's notifications as SNS delivers them (`events/ses/`: a permanent
/// bounce, a complaint, a soft bounce, a delivery, in turn), each about its
/// own recipient.
pub struct MailFeedback {
    samples: Vec<Value>,
}

impl MailFeedback {
    fn load(events_dir: &Path) -> Result<MailFeedback, String> {
        let dir = events_dir.join("ses");
        let samples = [
            "bounce.permanent.json",
            "complaint.json",
            "bounce.transient.json",
            "delivery.json",
        ]
        .iter()
        .map(|file| {
            let path = dir.join(file);
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
        })
        .collect::<Result<_, String>>()?;
        Ok(MailFeedback { samples })
    }
}

impl Work for MailFeedback {
    fn describe(&self) -> String {
        "SES notifications: permanent bounces and complaints suppress, the rest are counted".into()
    }

    fn concurrent(&self) -> bool {
        true
    }

    fn prepare(&self, seeder: &Seeder<'_>, _n: usize) -> Result<(), Error> {
        seeder.stub.clear();
        Ok(())
    }

    fn payloads(&self, n: usize, run: usize) -> Result<Vec<String>, Error> {
        let bodies: Vec<String> = (0..n)
            .map(|i| {
                let mut envelope = self.samples[i % self.samples.len()].clone();
                // Each its own notification about its own recipient, so a
                // suppression is written, not found.
                let message = envelope["Message"]
                    .as_str()
                    .unwrap_or_default()
                    .replace("@example.com", &format!("+b{run}-{i}@example.com"))
                    .replace(
                        "\"feedbackId\":\"",
                        &format!("\"feedbackId\":\"b{run}-{i}-"),
                    );
                envelope["Message"] = json!(message);
                envelope["MessageId"] = json!(format!("00000000-0000-4000-b000-{run:06}{i:06}"));
                envelope.to_string()
            })
            .collect();
        Ok(vec![sqs_batch(&bodies, run)?])
    }
}

#[cfg(test)]
mod tests {
    use memnun_shared::contract::ses_feedback::SesNotice;

    use super::*;

    fn bodies(batch: &str) -> Vec<String> {
        let event: SqsEvent = serde_json::from_str(batch).expect("an SQS batch");
        event.records.into_iter().filter_map(|r| r.body).collect()
    }

    #[test]
    fn greetings_are_due_events_of_the_seeded_customers_and_new_each_run() {
        let batch = &BirthdayGreetings.payloads(3, 7).expect("payloads")[0];
        let parsed: Vec<_> = bodies(batch)
            .iter()
            .map(|b| BirthdayDue::parse(b).expect("a birthday.due"))
            .collect();
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[2].1.customer_id.as_str(), "cust-bench-2");
        assert!(parsed[0].0.id.ends_with(":b7"));
    }

    #[test]
    fn orders_events_each_name_their_own_order_and_return() {
        let events = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
        let work = OrderJourneys::load(&events).expect("the samples");
        let events: Vec<Value> = work
            .bodies(14, 2)
            .iter()
            .map(|b| serde_json::from_str(b).expect("json"))
            .collect();
        let orders: std::collections::BTreeSet<&str> = events
            .iter()
            .filter_map(|b| b["data"]["order_id"].as_str())
            .collect();
        assert_eq!(orders.len(), 14, "every event its own order");
        let refund = events
            .iter()
            .find(|b| b["type"] == "refund.issued")
            .expect("a refund");
        assert!(refund["data"]["return_id"].is_null(), "{refund}");
        assert_eq!(
            refund["data"]["customer_id"], "cust-bench-0",
            "a stored customer"
        );
        let request = events
            .iter()
            .find(|b| b["type"] == "return.requested")
            .expect("a return request");
        assert!(
            request["data"]["return_id"]
                .as_str()
                .is_some_and(|r| r.ends_with("-b2-5")),
            "{request}"
        );
        let alike = &work.alike(4, 2).expect("payloads")[0];
        let alike: Vec<Value> = bodies(alike)
            .iter()
            .map(|b| serde_json::from_str(b).expect("json"))
            .collect();
        assert_eq!(alike.len(), 4);
        assert!(alike.iter().all(|b| b["type"] == "order.placed"));
    }

    #[test]
    fn feedback_is_every_kind_of_ses_notice_each_about_its_own_recipient() {
        let events = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
        let work = MailFeedback::load(&events).expect("events/ses");
        let batch = &work.payloads(8, 3).expect("payloads")[0];
        let mut recipients = std::collections::HashSet::new();
        let mut feedback = 0;
        for body in bodies(batch) {
            if let SesNotice::Feedback(f) = SesNotice::parse(&body).expect("an SES notice") {
                feedback += 1;
                let to: Vec<&str> = f.recipients.iter().map(|r| r.as_str()).collect();
                assert!(recipients.insert(to.join(",")), "a recipient twice");
            }
        }
        // Bounces and complaints: three of every four (the fourth is a
        // delivery).
        assert_eq!(feedback, 6);
    }
}
