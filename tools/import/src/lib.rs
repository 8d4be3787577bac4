//! `memnun-import`: a shop's existing customers, from a CSV file, as
//! `customer.upserted` events on the customers queue.
//!
//! The file is UTF-8 CSV (RFC 4180: comma-separated, fields with commas,
//! quotes or line breaks in double quotes, a quote inside doubled), with a
//! header row naming the columns, in any order:
//!
//! | column | required | value |
//! |---|---|---|
//! | `customer_id` | yes | the shop's id for the customer |
//! | `email` | yes | their address |
//! | `name` | no | what to call them |
//! | `locale` | no | `tr`, `en`, … |
//! | `time_zone` | no | IANA, e.g. `Europe/Istanbul` |
//! | `birthday` | no | `YYYY-MM-DD` or `--MM-DD` |
//! | `marketing_consent` | no | `true`/`false` (also `yes`/`no`, `1`/`0`); empty: not stated |
//! | `consent_at` | no | RFC 3339, when consent was given or withdrawn |
//! | `consent_source` | no | where (`checkout`, `newsletter-form`, …) |
//!
//! An empty field is a field not given. Each line is checked against the
//! event contract ([`memnun_shared::contract::Event::from_value`]); a bad
//! line is reported with its line number, the column and the reason, never
//! its values (they are personal data), and the valid lines are imported.
//!
//! Each event's id is `import-<customer_id>-<hash of the line's values>`, so
//! the same file gives the same ids: run twice, the customer directory's
//! idempotency makes the second run change nothing, while a line whose
//! values changed is a new event.

use std::fmt;

use jiff::Timestamp;
use memnun_shared::contract::Event;
use memnun_shared::contract::outbound::OutboundMessage;
use memnun_shared::time::to_key;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The columns a file may have, in the order the README lists them.
pub const COLUMNS: [&str; 9] = [
    "customer_id",
    "email",
    "name",
    "locale",
    "time_zone",
    "birthday",
    "marketing_consent",
    "consent_at",
    "consent_source",
];

/// The columns every file must have.
pub const REQUIRED: [&str; 2] = ["customer_id", "email"];

/// The `source` of imported events.
pub const SOURCE: &str = "shop/import";

/// The event type.
pub const KIND: &str = "customer.upserted";

/// A record of the file: its fields and the line it starts on (1 is the
/// header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The line the record starts on.
    pub line: usize,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

/// Why a file cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// No header row.
    Empty,
    /// The header names a column twice, an unknown column, or lacks one.
    Header(String),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Empty => f.write_str("the file is empty: a header row is required"),
            FileError::Header(reason) => write!(f, "line 1 (header): {reason}"),
        }
    }
}

/// A line that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Its line number.
    pub line: usize,
    /// The column at fault (or `line` for the line as a whole).
    pub field: String,
    /// Why, without the value.
    pub reason: String,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.reason)
    }
}

/// A line turned into an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// Its line number.
    pub line: usize,
    /// The message to send.
    pub message: OutboundMessage,
}

/// The outcome of reading a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Data lines read (the header and blank lines not counted).
    pub lines: usize,
    /// The valid lines, in file order.
    pub accepted: Vec<Accepted>,
    /// The bad lines, in file order.
    pub rejected: Vec<Rejected>,
}

/// Splits CSV text into records (RFC 4180, with `\n` or `\r\n` line ends). A
/// quote left open at the end closes there; a quote inside an unquoted field
/// is kept as a character. Total: any text gives records.
pub fn records(text: &str) -> Vec<Record> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    fn finish(out: &mut Vec<Record>, fields: &mut Vec<String>, field: &mut String, start: usize) {
        fields.push(std::mem::take(field));
        let record = std::mem::take(fields);
        // A blank line is no record.
        if !(record.len() == 1 && record[0].is_empty()) {
            out.push(Record {
                line: start,
                fields: record,
            });
        }
    }
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                let empty_quoted = was_quoted && fields.is_empty() && field.is_empty();
                if empty_quoted {
                    // `""` alone on a line is one empty field, not a blank line.
                    fields.push(String::new());
                    out.push(Record {
                        line: start,
                        fields: std::mem::take(&mut fields),
                    });
                } else {
                    finish(&mut out, &mut fields, &mut field, start);
                }
                was_quoted = false;
                line += 1;
                start = line;
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !fields.is_empty() || was_quoted {
        finish(&mut out, &mut fields, &mut field, start);
    }
    out
}

/// Reads a whole file: checks the header, turns each line into an event at
/// `time` or a rejection.
pub fn parse(text: &str, time: Timestamp) -> Result<Parsed, FileError> {
    let mut records = records(text).into_iter();
    let header = records.next().ok_or(FileError::Empty)?;
    let columns = header_columns(&header.fields)?;
    let mut parsed = Parsed::default();
    for record in records {
        parsed.lines += 1;
        match line_event(&columns, &record, time) {
            Ok(message) => parsed.accepted.push(Accepted {
                line: record.line,
                message,
            }),
            Err(rejected) => parsed.rejected.push(rejected),
        }
    }
    Ok(parsed)
}

fn header_columns(header: &[String]) -> Result<Vec<&'static str>, FileError> {
    let mut columns = Vec::new();
    for name in header {
        let name = name.trim();
        let known = COLUMNS.iter().find(|c| **c == name).ok_or_else(|| {
            FileError::Header(format!(
                "`{}` is not a column (columns: {})",
                memnun_shared::domain::mail::display_text(name, 40),
                COLUMNS.join(", ")
            ))
        })?;
        if columns.contains(known) {
            return Err(FileError::Header(format!("`{known}` appears twice")));
        }
        columns.push(*known);
    }
    if let Some(missing) = REQUIRED.iter().find(|r| !columns.contains(r)) {
        return Err(FileError::Header(format!(
            "the column `{missing}` is required"
        )));
    }
    Ok(columns)
}

fn line_event(
    columns: &[&'static str],
    record: &Record,
    time: Timestamp,
) -> Result<OutboundMessage, Rejected> {
    let reject = |field: &str, reason: String| Rejected {
        line: record.line,
        field: field.to_string(),
        reason,
    };
    if record.fields.len() != columns.len() {
        return Err(reject(
            "line",
            format!(
                "has {} fields where the header has {} columns",
                record.fields.len(),
                columns.len()
            ),
        ));
    }
    let mut data = Map::new();
    for (column, value) in columns.iter().zip(&record.fields) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let value = if *column == "marketing_consent" {
            match value.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Value::Bool(true),
                "false" | "no" | "0" => Value::Bool(false),
                _ => {
                    return Err(reject(column, "must be true or false (yes/no, 1/0)".into()));
                }
            }
        } else {
            Value::String(value.to_string())
        };
        data.insert((*column).to_string(), value);
    }
    for required in REQUIRED {
        if !data.contains_key(required) {
            return Err(reject(required, "is required".into()));
        }
    }
    let customer_id = data
        .get("customer_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let id = format!("import-{customer_id}-{}", content_hash(&data));
    let body = json!({
        "specversion": "1.0",
        "id": id,
        "source": SOURCE,
        "type": KIND,
        "time": to_key(time),
        "data": Value::Object(data),
    });
    match Event::from_value(body.clone()) {
        Ok(_) => Ok(OutboundMessage {
            id,
            kind: KIND,
            body: body.to_string(),
        }),
        Err(memnun_shared::Error::Contract { field, reason }) => {
            // Name the column, not the contract's path to it.
            let column = field.strip_prefix("data.").unwrap_or(&field);
            let column = if column == "id" {
                "customer_id"
            } else {
                column
            };
            Err(reject(column, without_quoted_values(&reason)))
        }
        Err(other) => Err(reject("line", other.to_string())),
    }
}

/// Some contract reasons quote the value between backticks (`` `1990-02-30`
/// is not a day of the calendar ``): the report names the line and column
/// instead, so that no personal data reaches a terminal or a log.
fn without_quoted_values(reason: &str) -> String {
    let mut out = String::new();
    let mut parts = reason.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        out.push_str(if i % 2 == 0 { "the value" } else { part });
    }
    out
}

/// The first 16 hex digits of SHA-256 over the line's values in column
/// order: the same line gives the same id, whatever the column order or the
/// quoting, and a changed value a new one.
fn content_hash(data: &Map<String, Value>) -> String {
    let mut hasher = Sha256::new();
    for column in COLUMNS {
        hasher.update(column.as_bytes());
        hasher.update([0x1f]);
        match data.get(column) {
            Some(Value::String(s)) => hasher.update(s.as_bytes()),
            Some(other) => hasher.update(other.to_string().as_bytes()),
            None => {}
        }
        hasher.update([0x1e]);
    }
    hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A progress line: `[#####.....] 1200/5000`.
pub fn progress_bar(done: usize, total: usize) -> String {
    const WIDTH: usize = 30;
    let filled = (done * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH);
    format!(
        "[{}{}] {done}/{total}",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Timestamp {
        "2026-11-22T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn records_follow_rfc_4180() {
        let text = "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\n\"multi\nline\",z\nlast,\"\"";
        let r = records(text);
        assert_eq!(r.len(), 4);
        assert_eq!(r[1].fields, ["x, y", "say \"hi\""]);
        assert_eq!(r[1].line, 2);
        assert_eq!(r[2].fields, ["multi\nline", "z"]);
        assert_eq!(r[2].line, 4);
        assert_eq!(r[3].fields, ["last", ""]);
        assert_eq!(r[3].line, 6);
        // Unbalanced quotes and stray characters still give records.
        assert_eq!(records("\"open,x").len(), 1);
        assert_eq!(records("a\"b,c")[0].fields, ["a\"b", "c"]);
        assert!(records("").is_empty());
    }

    #[test]
    fn good_lines_become_events_and_bad_ones_are_named_without_values() {
        let text = "customer_id,email,name,birthday,marketing_consent,consent_at\n\
                    c-1,ayse@example.com,Ayşe,--03-14,true,2025-03-14T12:30:00Z\n\
                    c-2,not-an-address,Can,,,\n\
                    c-3,can@example.com,Can,1990-02-30,,\n\
                    ,x@example.com,,,,\n\
                    c-5,only@example.com\n\
                    c-6,e@example.com,,,maybe,\n";
        let parsed = parse(text, t()).unwrap();
        assert_eq!(parsed.lines, 6);
        assert_eq!(parsed.accepted.len(), 1);
        let event: Value = serde_json::from_str(&parsed.accepted[0].message.body).unwrap();
        assert_eq!(event["data"]["marketing_consent"], true);
        assert!(event["id"].as_str().unwrap().starts_with("import-c-1-"));
        let rejected: Vec<(usize, &str)> = parsed
            .rejected
            .iter()
            .map(|r| (r.line, r.field.as_str()))
            .collect();
        assert_eq!(
            rejected,
            [
                (3, "email"),
                (4, "birthday"),
                (5, "customer_id"),
                (6, "line"),
                (7, "marketing_consent")
            ]
        );
        for r in &parsed.rejected {
            let shown = r.to_string();
            assert!(!shown.contains("not-an-address"), "{shown}");
            assert!(!shown.contains("1990-02-30"), "{shown}");
        }
    }

    #[test]
    fn the_same_line_gives_the_same_id_and_a_changed_one_another() {
        let a = parse("customer_id,email\nc-1,a@example.com\n", t()).unwrap();
        let b = parse(
            "email,customer_id\r\n\"a@example.com\",c-1\r\n",
            "2027-01-01T00:00:00Z".parse().unwrap(),
        )
        .unwrap();
        let c = parse("customer_id,email\nc-1,b@example.com\n", t()).unwrap();
        assert_eq!(a.accepted[0].message.id, b.accepted[0].message.id);
        assert_ne!(a.accepted[0].message.id, c.accepted[0].message.id);
    }

    #[test]
    fn a_bad_header_stops_the_file() {
        assert_eq!(parse("", t()), Err(FileError::Empty));
        assert!(matches!(
            parse("customer_id,mail\n", t()),
            Err(FileError::Header(_))
        ));
        assert!(matches!(
            parse("customer_id\n", t()),
            Err(FileError::Header(_))
        ));
        assert!(matches!(
            parse("customer_id,email,email\n", t()),
            Err(FileError::Header(_))
        ));
    }

    #[test]
    fn quoted_values_are_dropped_from_reasons() {
        assert_eq!(
            without_quoted_values("`1990-02-30` is not a day of the calendar"),
            "the value is not a day of the calendar"
        );
        assert_eq!(without_quoted_values("is required"), "is required");
    }

    #[test]
    fn the_bar_fills() {
        assert_eq!(progress_bar(0, 10), format!("[{}] 0/10", ".".repeat(30)));
        assert_eq!(progress_bar(10, 10), format!("[{}] 10/10", "#".repeat(30)));
        assert_eq!(progress_bar(0, 0), format!("[{}] 0/0", "#".repeat(30)));
    }
}

#[cfg(test)]
mod properties {
    //! Whatever a shop's export holds, reading it answers accepted and
    //! rejected lines (or a file error): no panic, and no line lost.

    use super::*;
    use proptest::prelude::*;

    const HEADER: &str = "customer_id,email,name,locale,time_zone,birthday,marketing_consent,consent_at,consent_source\n";

    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9@.\\-]{0,12}",
            Just("\"quoted, with comma\"".to_string()),
            Just("\"open quote".to_string()),
            Just("\"\"".to_string()),
            Just("--02-29".to_string()),
            Just("true".to_string()),
            ".{0,8}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_text_is_read_without_panic(text in ".{0,400}") {
            let _ = records(&text);
            let _ = parse(&text, Timestamp::UNIX_EPOCH);
        }

        #[test]
        fn every_data_line_is_accepted_or_rejected(rows in prop::collection::vec(prop::collection::vec(cell(), 0..11), 0..20)) {
            let mut text = HEADER.to_string();
            for row in &rows {
                text.push_str(&row.join(","));
                text.push('\n');
            }
            if let Ok(parsed) = parse(&text, Timestamp::UNIX_EPOCH) {
                let lines: std::collections::BTreeSet<usize> = parsed
                    .accepted
                    .iter()
                    .map(|a| a.line)
                    .chain(parsed.rejected.iter().map(|r| r.line))
                    .collect();
                prop_assert_eq!(lines.len(), parsed.accepted.len() + parsed.rejected.len(), "a line both accepted and rejected");
                prop_assert_eq!(lines.len(), parsed.lines);
            }
        }
    }
}

#[cfg(test)]
mod hostile {
    //! The nasty strings of `tests/corpus/strings.json` in every column: each
    //! line is imported or rejected by line and column, and a rejection never
    //! repeats the value.

    use super::*;

    fn nasty_strings() -> Vec<(String, String)> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/corpus/strings.json");
        let entries: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        entries
            .iter()
            .map(|e| {
                let repeat = usize::try_from(e["repeat"].as_u64().unwrap_or(1)).unwrap();
                (
                    e["name"].as_str().unwrap().to_string(),
                    e["value"].as_str().unwrap().repeat(repeat),
                )
            })
            .collect()
    }

    /// A CSV field holding `s` exactly (RFC 4180 quoting).
    fn quoted(s: &str) -> String {
        format!("\"{}\"", s.replace('"', "\"\""))
    }

    #[test]
    fn nasty_values_in_every_column_are_imported_or_rejected_by_column() {
        let good = [
            "c-1",
            "ayse@example.com",
            "Ayşe",
            "tr",
            "Europe/Istanbul",
            "1990-03-14",
            "true",
            "2025-03-14T12:30:00Z",
            "checkout",
        ];
        for (column, name) in COLUMNS.iter().enumerate() {
            for (label, value) in nasty_strings() {
                let row: Vec<String> = good
                    .iter()
                    .enumerate()
                    .map(|(i, g)| quoted(if i == column { &value } else { g }))
                    .collect();
                let text = format!("{}\r\n{}\r\n", COLUMNS.join(","), row.join(","));
                let parsed = parse(&text, Timestamp::UNIX_EPOCH).unwrap();
                assert_eq!(parsed.lines, 1, "{name} = {label}: a line lost");
                let Some(rejected) = parsed.rejected.first() else {
                    assert_eq!(parsed.accepted.len(), 1, "{name} = {label}");
                    continue;
                };
                assert_eq!(rejected.field, *name, "{label}: {rejected}");
                let shown = rejected.to_string();
                if value.trim().chars().count() >= 6 {
                    assert!(!shown.contains(value.trim()), "{label}: {shown}");
                }
                assert!(
                    !shown.contains(['\r', '\n', '\0', '\u{202E}']),
                    "{label}: {shown:?}"
                );
            }
        }
    }
}
