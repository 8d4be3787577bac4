//! What a function's calls would cost on AWS, all in: DynamoDB's request
//! units worked out from the very items each call reads and writes, and the
//! published on-demand prices of Lambda, DynamoDB, SQS and SES.
//!
//! Why computed, not read from AWS: the stub is not DynamoDB and reports no
//! consumed capacity. The rules are DynamoDB's own: a write costs one write
//! unit per kilobyte of the larger of the item before and after it, a read
//! one read unit per 4 KB (half when eventually consistent), and everything
//! inside a transaction twice. The stub keeps the items before; the request
//! gives the item after (for an update: the item before plus the values the
//! update sets). Two things the stub cannot see make this err low: a
//! week's counters item grows over the week (to about 1.5 KB, one unit more
//! per write in a busy week), and a query of an index is billed by the
//! projected size, which the stub takes as the whole item (this errs high).

use serde::Serialize;
use serde_json::{Map, Value};

/// DynamoDB on demand, per write request unit (us-east-1 list price).
pub const DYNAMODB_WRU: f64 = 0.625 / 1_000_000.0;
/// DynamoDB on demand, per read request unit.
pub const DYNAMODB_RRU: f64 = 0.125 / 1_000_000.0;
/// SQS standard queue, per request (each 64 KB of payload is one).
pub const SQS_REQUEST: f64 = 0.40 / 1_000_000.0;
/// SES, per email sent.
pub const SES_EMAIL: f64 = 0.10 / 1_000.0;
/// SQS requests a triggered function's events cost besides its own calls,
/// per batch: the event source mapping's receive and its delete.
pub const SQS_TRIGGER_PER_BATCH: f64 = 2.0;
/// And per event: the send that put the event on the function's queue.
pub const SQS_SEND_PER_EVENT: f64 = 1.0;

/// DynamoDB request units of one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Units {
    /// Read request units, in halves (an eventually consistent 4 KB is one).
    pub read_halves: u32,
    /// Write request units.
    pub write: u32,
}

impl std::ops::AddAssign for Units {
    fn add_assign(&mut self, other: Units) {
        self.read_halves += other.read_halves;
        self.write += other.write;
    }
}

/// The size DynamoDB bills for an item in its JSON form: each attribute's
/// name and value.
pub fn item_size(item: &Map<String, Value>) -> usize {
    item.iter()
        .map(|(name, v)| name.len() + value_size(v))
        .sum()
}

fn value_size(v: &Value) -> usize {
    let Some((kind, inner)) = v.as_object().and_then(|o| o.iter().next()) else {
        return 1;
    };
    match (kind.as_str(), inner) {
        ("S", Value::String(s)) => s.len(),
        // About one byte per two significant digits, plus one.
        ("N", Value::String(n)) => n.trim_start_matches(['-', '0']).len().div_ceil(2) + 1,
        ("B", Value::String(b)) => b.len() * 3 / 4,
        ("SS" | "NS" | "BS", Value::Array(items)) => {
            items.iter().map(|i| i.as_str().map_or(1, str::len)).sum()
        }
        ("M", Value::Object(map)) => {
            3 + map
                .iter()
                .map(|(k, v)| k.len() + value_size(v) + 1)
                .sum::<usize>()
        }
        ("L", Value::Array(items)) => 3 + items.iter().map(|v| value_size(v) + 1).sum::<usize>(),
        _ => 1,
    }
}

fn write_units(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(1024).max(1)).unwrap_or(u32::MAX)
}

fn read_halves(bytes: usize, consistent: bool) -> u32 {
    let units = u32::try_from(bytes.div_ceil(4096).max(1)).unwrap_or(u32::MAX);
    if consistent { units * 2 } else { units }
}

/// What the stub knows when it works out a call's units.
pub trait Stored {
    /// The size of the stored item `key` of `table`, if there is one.
    fn size(&self, table: &str, key: &Map<String, Value>) -> Option<usize>;
    /// The bytes a query reads (every item it matches).
    fn queried(&self, table: &str, body: &Value) -> usize;
    /// How many indexes the stored item `key` of `table` is in.
    fn indexes(&self, table: &str, key: &Map<String, Value>) -> u32;
}

/// The key attributes of an item (or a key): `pk` and `sk`.
fn key_of(item: &Map<String, Value>) -> Map<String, Value> {
    item.iter()
        .filter(|(name, _)| *name == "pk" || *name == "sk")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The partition keys of the main table's indexes (`by_customer`, `by_due`,
/// `by_birthday`, `by_issue_day`): an item that carries one is written to
/// that index too.
const INDEX_KEYS: [&str; 4] = ["gsi1pk", "gsi2pk", "gsi3pk", "gsi4pk"];

fn indexes_in(item: Option<&Map<String, Value>>) -> u32 {
    item.map_or(0, |item| {
        INDEX_KEYS.iter().filter(|k| item.contains_key(**k)).count() as u32
    })
}

/// One write's units: the table's, by the larger of the item before and
/// after, and the indexes' (one each: their projections are under 1 KB;
/// DynamoDB bills an index write once, inside a transaction too).
fn one_write(kind: &str, request: &Value, stored: &dyn Stored) -> (u32, u32) {
    let table = request["TableName"].as_str().unwrap_or_default();
    let empty = Map::new();
    match kind {
        "Put" | "PutRequest" => {
            let item = request["Item"].as_object().unwrap_or(&empty);
            let key = key_of(item);
            let before = stored.size(table, &key).unwrap_or(0);
            let indexes = indexes_in(Some(item)).max(stored.indexes(table, &key));
            (write_units(item_size(item).max(before)), indexes)
        }
        "Update" => {
            let key = request["Key"].as_object().unwrap_or(&empty);
            let set = request["ExpressionAttributeValues"]
                .as_object()
                .map_or(0, item_size);
            let before = stored.size(table, key);
            let after = before.unwrap_or_else(|| item_size(key)) + set;
            (
                write_units(after.max(before.unwrap_or(0))),
                stored.indexes(table, key),
            )
        }
        "Delete" | "DeleteRequest" => {
            let key = request["Key"].as_object().unwrap_or(&empty);
            (
                write_units(stored.size(table, key).unwrap_or(0)),
                stored.indexes(table, key),
            )
        }
        "ConditionCheck" => {
            let key = request["Key"].as_object().unwrap_or(&empty);
            (write_units(stored.size(table, key).unwrap_or(0)), 0)
        }
        _ => (0, 0),
    }
}

/// The request units of the DynamoDB call `op` with `body`.
pub fn dynamodb_units(op: &str, body: &Value, stored: &dyn Stored) -> Units {
    let table = body["TableName"].as_str().unwrap_or_default();
    let consistent = body["ConsistentRead"] == Value::Bool(true);
    let empty = Map::new();
    match op {
        "GetItem" => {
            let key = body["Key"].as_object().unwrap_or(&empty);
            Units {
                read_halves: read_halves(stored.size(table, key).unwrap_or(0), consistent),
                write: 0,
            }
        }
        "Query" => Units {
            read_halves: read_halves(stored.queried(table, body), consistent),
            write: 0,
        },
        "BatchGetItem" => {
            let mut halves = 0;
            for (table, request) in body["RequestItems"].as_object().into_iter().flatten() {
                let consistent = request["ConsistentRead"] == Value::Bool(true);
                for key in request["Keys"].as_array().into_iter().flatten() {
                    let key = key.as_object().unwrap_or(&empty);
                    halves += read_halves(stored.size(table, key).unwrap_or(0), consistent);
                }
            }
            Units {
                read_halves: halves,
                write: 0,
            }
        }
        "PutItem" | "UpdateItem" | "DeleteItem" => {
            let (table, indexes) = one_write(op.trim_end_matches("Item"), body, stored);
            Units {
                read_halves: 0,
                write: table + indexes,
            }
        }
        "TransactWriteItems" => {
            let write = body["TransactItems"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .flat_map(|entry| entry.iter())
                .map(|(kind, request)| {
                    let (table, indexes) = one_write(kind, request, stored);
                    2 * table + indexes
                })
                .sum();
            Units {
                read_halves: 0,
                write,
            }
        }
        "BatchWriteItem" => {
            let mut write = 0;
            for (table, requests) in body["RequestItems"].as_object().into_iter().flatten() {
                for request in requests.as_array().into_iter().flatten() {
                    for (kind, inner) in request.as_object().into_iter().flatten() {
                        let mut inner = inner.clone();
                        inner["TableName"] = Value::String(table.clone());
                        let (table, indexes) = one_write(kind, &inner, stored);
                        write += table + indexes;
                    }
                }
            }
            Units {
                read_halves: 0,
                write,
            }
        }
        _ => Units::default(),
    }
}

/// One function's bill per million events, in dollars.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Bill {
    /// Lambda: duration at 128 MB arm64 and requests.
    pub lambda: f64,
    /// DynamoDB: read and write request units.
    pub dynamodb: f64,
    /// SQS: the function's own requests, the send that queued the event, and
    /// the trigger's receive and delete.
    pub sqs: f64,
    /// SES, apart: the emails.
    pub ses: f64,
}

impl Bill {
    /// Lambda, DynamoDB and SQS: what the shop's AWS account pays besides
    /// its emails.
    pub fn all_in(&self) -> f64 {
        self.lambda + self.dynamodb + self.sqs
    }
}

/// Per event: its units, SQS requests and emails.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct PerEvent {
    /// Write request units.
    pub write_units: f64,
    /// Read request units.
    pub read_units: f64,
    /// The function's own SQS requests.
    pub sqs_requests: f64,
    /// Emails sent.
    pub emails: f64,
}

/// The bill per million events for `per_event`, `lambda` dollars of Lambda
/// per million, `batch` events per invocation, triggered by a queue or not.
pub fn bill(per_event: PerEvent, lambda: f64, batch: usize, triggered: bool) -> Bill {
    let million = 1_000_000.0;
    let trigger = if triggered {
        SQS_SEND_PER_EVENT + SQS_TRIGGER_PER_BATCH / batch as f64
    } else {
        0.0
    };
    Bill {
        lambda,
        dynamodb: million
            * (per_event.write_units * DYNAMODB_WRU + per_event.read_units * DYNAMODB_RRU),
        sqs: million * (per_event.sqs_requests + trigger) * SQS_REQUEST,
        ses: million * per_event.emails * SES_EMAIL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Nothing;
    impl Stored for Nothing {
        fn size(&self, _: &str, _: &Map<String, Value>) -> Option<usize> {
            None
        }
        fn queried(&self, _: &str, _: &Value) -> usize {
            0
        }
        fn indexes(&self, _: &str, _: &Map<String, Value>) -> u32 {
            0
        }
    }

    struct Big;
    impl Stored for Big {
        fn size(&self, _: &str, _: &Map<String, Value>) -> Option<usize> {
            Some(1500)
        }
        fn queried(&self, _: &str, _: &Value) -> usize {
            9000
        }
        fn indexes(&self, _: &str, _: &Map<String, Value>) -> u32 {
            1
        }
    }

    #[test]
    fn writes_are_billed_by_the_kilobyte_and_twice_in_a_transaction() {
        let put = json!({"TableName": "t", "Item": {"pk": {"S": "a"}, "sk": {"S": "b"}}});
        assert_eq!(dynamodb_units("PutItem", &put, &Nothing).write, 1);
        assert_eq!(
            dynamodb_units("PutItem", &put, &Big).write,
            3,
            "the larger of before and after, and its index"
        );
        let transaction = json!({"TransactItems": [
            {"Put": put},
            {"Update": {"TableName": "t", "Key": {"pk": {"S": "a"}}, "ExpressionAttributeValues": {":v": {"N": "1"}}}},
            {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "a"}}}},
        ]});
        assert_eq!(
            dynamodb_units("TransactWriteItems", &transaction, &Nothing).write,
            6
        );
        // Each item is in one index, billed once: 12 + 3.
        assert_eq!(
            dynamodb_units("TransactWriteItems", &transaction, &Big).write,
            14
        );
    }

    #[test]
    fn an_item_with_an_index_key_is_written_to_the_index_too() {
        let ticket = json!({"TableName": "t", "Item": {"pk": {"S": "TICKET#1"}, "gsi1pk": {"S": "CUSTOMER#c"}, "gsi2pk": {"S": "DUE#3"}}});
        assert_eq!(dynamodb_units("PutItem", &ticket, &Nothing).write, 3);
        let transaction = json!({"TransactItems": [{"Put": ticket}]});
        assert_eq!(
            dynamodb_units("TransactWriteItems", &transaction, &Nothing).write,
            4
        );
    }

    #[test]
    fn reads_are_billed_by_4_kb_halved_when_eventually_consistent() {
        let get = json!({"TableName": "t", "Key": {"pk": {"S": "a"}}});
        assert_eq!(dynamodb_units("GetItem", &get, &Nothing).read_halves, 1);
        let consistent =
            json!({"TableName": "t", "Key": {"pk": {"S": "a"}}, "ConsistentRead": true});
        assert_eq!(
            dynamodb_units("GetItem", &consistent, &Nothing).read_halves,
            2
        );
        let query = json!({"TableName": "t"});
        assert_eq!(dynamodb_units("Query", &query, &Big).read_halves, 3);
    }

    #[test]
    fn sizes_count_names_and_values() {
        let item = json!({"pk": {"S": "CUSTOMER#c-1"}, "n": {"N": "120"}, "ok": {"BOOL": true}});
        let size = item_size(item.as_object().unwrap());
        assert_eq!(size, 2 + 12 + 1 + 3 + 2 + 1);
    }

    #[test]
    fn a_bill_adds_the_trigger_and_keeps_email_apart() {
        let per_event = PerEvent {
            write_units: 20.0,
            read_units: 1.0,
            sqs_requests: 1.0,
            emails: 1.0,
        };
        let b = bill(per_event, 0.1, 10, true);
        assert!((b.dynamodb - (12.5 + 0.125)).abs() < 1e-9);
        assert!((b.sqs - 0.40 * 2.2).abs() < 1e-9);
        assert!((b.ses - 100.0).abs() < 1e-9);
        assert!((b.all_in() - (0.1 + 12.625 + 0.88)).abs() < 1e-9);
    }
}
