//! The CloudWatch embedded metric format (EMF), checked: what CloudWatch
//! Logs requires of a log line before it extracts metrics from it, from the
//! specification ("Specification: Embedded metric format", CloudWatch User
//! Guide) and its JSON schema. A line that fails here is a line CloudWatch
//! would keep as a log and never turn into a metric.
//!
//! Checked: the line is one JSON object and nothing else; `_aws` is an
//! object with an integer `Timestamp` and a `CloudWatchMetrics` array of
//! directives; each directive has a `Namespace` (1–255 characters), at
//! least one dimension set of at most 9 (the schema's limit) distinct
//! names of 1–255 characters, and at most 100 metric definitions, each a
//! `Name` of 1–255 characters and an optional `Unit` from CloudWatch's
//! list; every dimension names a root member with a string value, every
//! metric a root member with a number or an array of at most 100 numbers.

use serde_json::Value;

/// The units CloudWatch takes (`MetricDatum`), as the schema lists them.
pub const UNITS: [&str; 27] = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// One metric a valid line carries: namespace, name, dimensions (name and
/// value), value.
#[derive(Debug, Clone, PartialEq)]
pub struct Extracted {
    /// The namespace.
    pub namespace: String,
    /// The metric's name.
    pub name: String,
    /// Its dimensions, by name, with their values.
    pub dimensions: Vec<(String, String)>,
    /// Its value (the sum of an array's).
    pub value: f64,
}

fn length_ok(s: &str) -> bool {
    (1..=255).contains(&s.chars().count())
}

/// Checks `line` against the specification and answers the metrics
/// CloudWatch would extract from it, or what is wrong.
pub fn check(line: &str) -> Result<Vec<Extracted>, String> {
    let root: Value = serde_json::from_str(line.trim_end_matches(['\n', '\r']))
        .map_err(|e| format!("not one JSON value: {e}"))?;
    let root = root.as_object().ok_or("the root is not an object")?;
    let meta = root
        .get("_aws")
        .and_then(Value::as_object)
        .ok_or("no `_aws` object")?;
    match meta.get("Timestamp") {
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {}
        _ => return Err("`_aws.Timestamp` is not an integer".into()),
    }
    let directives = meta
        .get("CloudWatchMetrics")
        .and_then(Value::as_array)
        .ok_or("`_aws.CloudWatchMetrics` is not an array")?;
    let mut out = Vec::new();
    for d in directives {
        let namespace = d
            .get("Namespace")
            .and_then(Value::as_str)
            .filter(|n| length_ok(n))
            .ok_or("a directive's `Namespace` is missing or not 1–255 characters")?;
        let sets = d
            .get("Dimensions")
            .and_then(Value::as_array)
            .filter(|s| !s.is_empty())
            .ok_or("a directive's `Dimensions` is not a non-empty array")?;
        let mut dimension_sets = Vec::new();
        for set in sets {
            let names = set.as_array().ok_or("a dimension set is not an array")?;
            if names.len() > 9 {
                return Err("a dimension set has more than 9 names".into());
            }
            let mut dims = Vec::new();
            for name in names {
                let name = name
                    .as_str()
                    .filter(|n| length_ok(n))
                    .ok_or("a dimension name is not a 1–255 character string")?;
                if dims.iter().any(|(n, _): &(String, String)| n == name) {
                    return Err(format!("dimension {name} twice in one set"));
                }
                let value = root
                    .get(name)
                    .and_then(Value::as_str)
                    .ok_or(format!("dimension {name} has no string member"))?;
                dims.push((name.to_owned(), value.to_owned()));
            }
            dimension_sets.push(dims);
        }
        let metrics = d
            .get("Metrics")
            .and_then(Value::as_array)
            .ok_or("a directive's `Metrics` is not an array")?;
        if metrics.len() > 100 {
            return Err("more than 100 metric definitions".into());
        }
        for m in metrics {
            let name = m
                .get("Name")
                .and_then(Value::as_str)
                .filter(|n| length_ok(n))
                .ok_or("a metric's `Name` is missing or not 1–255 characters")?;
            if let Some(unit) = m.get("Unit") {
                let unit = unit.as_str().ok_or("a `Unit` is not a string")?;
                if !UNITS.contains(&unit) {
                    return Err(format!("unit {unit} is not CloudWatch's"));
                }
            }
            let value = match root.get(name) {
                Some(Value::Number(n)) => n.as_f64().ok_or("a metric value is not a number")?,
                Some(Value::Array(values)) if values.len() <= 100 => values
                    .iter()
                    .map(|v| v.as_f64().ok_or("a metric array holds a non-number"))
                    .sum::<Result<f64, _>>()?,
                _ => return Err(format!("metric {name} has no numeric member")),
            };
            for dims in &dimension_sets {
                out.push(Extracted {
                    namespace: namespace.to_owned(),
                    name: name.to_owned(),
                    dimensions: dims.clone(),
                    value,
                });
            }
        }
    }
    Ok(out)
}

/// The EMF lines among a log's lines: every JSON object with an `_aws`
/// member (the functions' other lines are their logs).
pub fn lines_of(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.starts_with('{') && l.contains("\"_aws\""))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specifications_own_example_passes_and_broken_lines_do_not() {
        let example = r#"{"_aws":{"Timestamp":1574109732004,"CloudWatchMetrics":[{"Namespace":"lambda-function-metrics","Dimensions":[["functionVersion"]],"Metrics":[{"Name":"time","Unit":"Milliseconds"}]}]},"functionVersion":"$LATEST","time":100,"requestId":"989ffbf8-9ace-4817-a57c-e4dd734019ee"}"#;
        let got = check(example).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].value, 100.0);
        for (broken, why) in [
            (example.replace("1574109732004", "\"soon\""), "Timestamp"),
            (example.replace("\"Milliseconds\"", "\"Msec\""), "unit"),
            (
                example.replace("\"time\":100", "\"time\":\"100\""),
                "numeric",
            ),
            (
                example.replace("\"functionVersion\":\"$LATEST\",", ""),
                "dimension",
            ),
            (
                example.replace("[[\"functionVersion\"]]", "[]"),
                "Dimensions",
            ),
            (format!("prefix {example}"), "JSON"),
        ] {
            let e = check(&broken).unwrap_err();
            assert!(e.contains(why), "{why}: {e}");
        }
    }
}
