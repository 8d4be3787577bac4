//! The IAM proof: every AWS call a function made, checked against the role
//! `infra/template.yaml` gives that function.
//!
//! The emulator does not enforce IAM the way AWS does (FIELD-NOTES: moto
//! matches DynamoDB, SES and SSM statements only against `*`, and denies
//! batch APIs by their API name), so the proof is made here instead, from the
//! calls themselves: the recording proxy ([`crate::faults`]) keeps every
//! request with the access key id it was signed with (each function of the
//! local run signs with its own name), [`needs`] turns each request into the
//! authorizations AWS asks for, and [`Roles::check`] evaluates them against
//! the role's statements.
//!
//! How a request becomes authorizations, as AWS documents it:
//! - DynamoDB: the action of the API on the table's ARN, or the index's for
//!   a query of an index; `TransactWriteItems` is one `PutItem`,
//!   `UpdateItem`, `DeleteItem` or `ConditionCheckItem` per item on its
//!   table, `TransactGetItems` one `GetItem` per item; `BatchWriteItem` is
//!   `dynamodb:BatchWriteItem` with the partition keys of all its items.
//!   `dynamodb:LeadingKeys` is the item's partition key (`pk`), or the
//!   queried one.
//! - SQS: the action on the queue's ARN; `SendMessageBatch` is
//!   `sqs:SendMessage`, `DeleteMessageBatch` `sqs:DeleteMessage`.
//! - SES: `ses:SendEmail`/`ses:SendRawEmail` on the sender's identity (its
//!   address or its domain), the configuration set, and, in the sandbox,
//!   each recipient's identity; `ses:FromAddress` is the sender's bare
//!   address. `GetSendQuota` on `*`.
//! - SSM: `ssm:GetParameter` on the parameter's ARN.
//!
//! The evaluator knows `*` and `?` in actions and resources, `Allow` and
//! `Deny`, and the conditions `StringEquals`, `StringLike` and their
//! `ForAllValues:`/`ForAnyValue:` forms; any other condition is an error that
//! names it. It is stricter than IAM in one place on purpose: a
//! `ForAllValues` condition on a key the request does not carry fails
//! (IAM would let it pass, a well-known trap).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use serde_json::Value as Json;
use serde_yaml_ng::Value;

use crate::faults::RecordedCall;
use crate::template::{LOCAL_ACCOUNT, LOCAL_REGION, Local, Template, referenced_resource};

/// One authorization a request needs: `action` on every one of
/// `resources`, where each entry lists alternatives (any one allowed is
/// enough: an address identity or its domain), with the request's condition
/// keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// `service:Action`.
    pub action: String,
    /// Every entry must be allowed; within an entry, any alternative.
    pub resources: Vec<Vec<String>>,
    /// Condition keys the request carries (`dynamodb:LeadingKeys`,
    /// `ses:FromAddress`).
    pub context: BTreeMap<String, Vec<String>>,
}

impl Need {
    fn on(action: impl Into<String>, resource: impl Into<String>) -> Need {
        Need {
            action: action.into(),
            resources: vec![vec![resource.into()]],
            context: BTreeMap::new(),
        }
    }

    fn leading(mut self, keys: Vec<String>) -> Need {
        if !keys.is_empty() {
            self.context.insert("dynamodb:LeadingKeys".into(), keys);
        }
        self
    }
}

/// Whether SES still runs in its sandbox, where each recipient's identity
/// is authorized too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ses {
    /// New accounts: verified recipients only, each authorized.
    Sandbox,
    /// After production access: the sender and the configuration set only.
    Production,
}

/// The authorizations one recorded request needs.
pub fn needs(call: &RecordedCall, ses: Ses) -> Result<Vec<Need>, String> {
    if let Some(op) = call.target.strip_prefix("DynamoDB_20120810.") {
        return dynamodb(op, &json(call)?);
    }
    if let Some(op) = call.target.strip_prefix("AmazonSQS.") {
        return sqs(op, &json(call)?);
    }
    if let Some(op) = call.target.strip_prefix("AmazonSSM.") {
        return ssm(op, &json(call)?);
    }
    if call.target.is_empty() && call.body.contains("Version=2010-12-01") {
        return ses_query(&form(&call.body), ses);
    }
    // S3, addressed by path (`GET /bucket/key`): reading an object.
    if let Some(path) = call.request.strip_prefix("GET /")
        && call.target.is_empty()
        && call.body.is_empty()
    {
        let object = path.split('?').next().unwrap_or_default();
        return Ok(vec![Need::on(
            "s3:GetObject",
            format!("arn:aws:s3:::{object}"),
        )]);
    }
    Err(format!(
        "a request of no known protocol (target {:?})",
        call.target
    ))
}

fn json(call: &RecordedCall) -> Result<Json, String> {
    serde_json::from_str(&call.body).map_err(|e| format!("{}: body is not JSON: {e}", call.target))
}

fn table_arn(table: &str) -> String {
    format!("arn:aws:dynamodb:{LOCAL_REGION}:{LOCAL_ACCOUNT}:table/{table}")
}

fn pk(item: &Json) -> Option<String> {
    item.get("pk")?.get("S")?.as_str().map(str::to_string)
}

fn dynamodb(op: &str, body: &Json) -> Result<Vec<Need>, String> {
    let table = |v: &Json| {
        v["TableName"]
            .as_str()
            .map(table_arn)
            .ok_or_else(|| format!("dynamodb:{op} without a TableName"))
    };
    Ok(match op {
        "GetItem" | "DeleteItem" | "UpdateItem" => {
            vec![
                Need::on(format!("dynamodb:{op}"), table(body)?)
                    .leading(pk(&body["Key"]).into_iter().collect()),
            ]
        }
        "PutItem" => vec![
            Need::on("dynamodb:PutItem", table(body)?)
                .leading(pk(&body["Item"]).into_iter().collect()),
        ],
        "Query" | "Scan" => {
            let arn = table(body)?;
            match body["IndexName"].as_str() {
                Some(index) => vec![Need::on(
                    format!("dynamodb:{op}"),
                    format!("{arn}/index/{index}"),
                )],
                None => vec![
                    Need::on(format!("dynamodb:{op}"), arn)
                        .leading(queried_partition(body).into_iter().collect()),
                ],
            }
        }
        "TransactWriteItems" | "TransactGetItems" => {
            let items = body["TransactItems"]
                .as_array()
                .ok_or_else(|| format!("dynamodb:{op} without TransactItems"))?;
            let mut out = Vec::new();
            for item in items {
                let (kind, inner) = item
                    .as_object()
                    .and_then(|o| o.iter().next())
                    .ok_or_else(|| format!("dynamodb:{op}: an empty item"))?;
                let action = match kind.as_str() {
                    "Put" => "PutItem",
                    "Update" => "UpdateItem",
                    "Delete" => "DeleteItem",
                    "ConditionCheck" => "ConditionCheckItem",
                    "Get" => "GetItem",
                    other => return Err(format!("dynamodb:{op}: an item of kind {other}")),
                };
                let key = if kind == "Put" {
                    &inner["Item"]
                } else {
                    &inner["Key"]
                };
                out.push(
                    Need::on(format!("dynamodb:{action}"), table(inner)?)
                        .leading(pk(key).into_iter().collect()),
                );
            }
            out
        }
        "BatchWriteItem" | "BatchGetItem" => {
            let tables = body["RequestItems"]
                .as_object()
                .ok_or_else(|| format!("dynamodb:{op} without RequestItems"))?;
            let mut out = Vec::new();
            for (name, requests) in tables {
                let keys: BTreeSet<String> = if op == "BatchGetItem" {
                    requests["Keys"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(pk)
                        .collect()
                } else {
                    requests
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|r| {
                            pk(&r["PutRequest"]["Item"]).or_else(|| pk(&r["DeleteRequest"]["Key"]))
                        })
                        .collect()
                };
                out.push(
                    Need::on(format!("dynamodb:{op}"), table_arn(name))
                        .leading(keys.into_iter().collect()),
                );
            }
            out
        }
        other => vec![Need::on(format!("dynamodb:{other}"), table(body)?)],
    })
}

/// The partition key value a query of the table asks for (`pk = :v`).
fn queried_partition(body: &Json) -> Option<String> {
    let expression = body["KeyConditionExpression"].as_str()?;
    let names = &body["ExpressionAttributeNames"];
    for part in expression.split(" AND ").chain(expression.split(" and ")) {
        let (name, value) = part.split_once('=')?;
        let name = name.trim().trim_start_matches('(');
        let name = names[name].as_str().unwrap_or(name);
        if name == "pk" {
            let value = value.trim().trim_end_matches(')');
            return body["ExpressionAttributeValues"][value]["S"]
                .as_str()
                .map(str::to_string);
        }
    }
    None
}

/// An SQS queue URL's ARN (`.../<account>/<name>`).
fn queue_arn(url: &str) -> Option<String> {
    let mut parts = url.trim_end_matches('/').rsplit('/');
    let name = parts.next()?;
    let account = parts.next()?;
    Some(format!("arn:aws:sqs:{LOCAL_REGION}:{account}:{name}"))
}

fn sqs(op: &str, body: &Json) -> Result<Vec<Need>, String> {
    let action = match op {
        "SendMessageBatch" => "SendMessage",
        "DeleteMessageBatch" => "DeleteMessage",
        "ChangeMessageVisibilityBatch" => "ChangeMessageVisibility",
        other => other,
    };
    let arn = body["QueueUrl"]
        .as_str()
        .and_then(queue_arn)
        .ok_or_else(|| format!("sqs:{op} without a QueueUrl"))?;
    Ok(vec![Need::on(format!("sqs:{action}"), arn)])
}

fn ssm(op: &str, body: &Json) -> Result<Vec<Need>, String> {
    let arn = |name: &str| {
        let name = if name.starts_with('/') {
            name.to_string()
        } else {
            format!("/{name}")
        };
        format!("arn:aws:ssm:{LOCAL_REGION}:{LOCAL_ACCOUNT}:parameter{name}")
    };
    let names: Vec<String> = match op {
        "GetParameter" => body["Name"]
            .as_str()
            .map(|n| vec![n.to_string()])
            .unwrap_or_default(),
        "GetParameters" => body["Names"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
        other => return Err(format!("ssm:{other} is not understood here")),
    };
    if names.is_empty() {
        return Err(format!("ssm:{op} names no parameter"));
    }
    Ok(names
        .iter()
        .map(|n| Need::on(format!("ssm:{op}"), arn(n)))
        .collect())
}

/// A form body's fields, decoded.
fn form(body: &str) -> BTreeMap<String, String> {
    body.split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((percent_decode(k), percent_decode(v)))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The bare address in `Name <a@b>` (or `a@b`).
fn bare_address(from: &str) -> String {
    match (from.rfind('<'), from.rfind('>')) {
        (Some(start), Some(end)) if start < end => from[start + 1..end].trim().to_string(),
        _ => from.trim().to_string(),
    }
}

/// An address's identities: itself, or its domain.
fn identities(address: &str) -> Vec<String> {
    let arn = |id: &str| format!("arn:aws:ses:{LOCAL_REGION}:{LOCAL_ACCOUNT}:identity/{id}");
    let mut out = vec![arn(address)];
    if let Some((_, domain)) = address.rsplit_once('@') {
        out.push(arn(domain));
    }
    out
}

fn ses_query(fields: &BTreeMap<String, String>, ses: Ses) -> Result<Vec<Need>, String> {
    let action = fields
        .get("Action")
        .ok_or("an SES request without an Action")?
        .as_str();
    match action {
        "GetSendQuota" | "GetSendStatistics" => Ok(vec![Need::on(format!("ses:{action}"), "*")]),
        "SendEmail" | "SendRawEmail" => {
            let source = fields
                .get("Source")
                .map(|s| bare_address(s))
                .ok_or_else(|| format!("ses:{action} without a Source"))?;
            let mut resources = vec![identities(&source)];
            if let Some(set) = fields.get("ConfigurationSetName") {
                resources.push(vec![format!(
                    "arn:aws:ses:{LOCAL_REGION}:{LOCAL_ACCOUNT}:configuration-set/{set}"
                )]);
            }
            if ses == Ses::Sandbox {
                for recipient in recipients(fields)? {
                    resources.push(identities(&recipient));
                }
            }
            let mut context = BTreeMap::new();
            context.insert("ses:FromAddress".to_string(), vec![source]);
            Ok(vec![Need {
                action: format!("ses:{action}"),
                resources,
                context,
            }])
        }
        other => Ok(vec![Need::on(format!("ses:{other}"), "*")]),
    }
}

/// The recipients of a send: its destination fields, or the `To`, `Cc` and
/// `Bcc` headers of a raw message without them.
fn recipients(fields: &BTreeMap<String, String>) -> Result<Vec<String>, String> {
    let listed: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k.starts_with("Destination.") || k.starts_with("Destinations.member."))
        .map(|(_, v)| bare_address(v))
        .collect();
    if !listed.is_empty() {
        return Ok(listed);
    }
    let raw = fields
        .get("RawMessage.Data")
        .ok_or("a send with no recipients")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .map_err(|e| format!("RawMessage.Data is not base64: {e}"))?;
    let text = String::from_utf8_lossy(&bytes);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let found: Vec<String> = head
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            ["to", "cc", "bcc"]
                .contains(&k.trim().to_ascii_lowercase().as_str())
                .then(|| v.split(',').map(bare_address).collect::<Vec<_>>())
        })
        .flatten()
        .collect();
    if found.is_empty() {
        return Err("a raw message with no recipient header".into());
    }
    Ok(found)
}

/// One statement of a role's inline policies, resolved.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The role's logical id.
    pub role: String,
    /// `Sid`, or its position.
    pub sid: String,
    /// `Allow` (true) or `Deny`.
    pub allow: bool,
    /// Action patterns.
    pub actions: Vec<String>,
    /// Resource patterns, resolved.
    pub resources: Vec<String>,
    /// (operator, key, values).
    pub conditions: Vec<(String, String, Vec<String>)>,
}

/// A grant: one action pattern on one resource pattern of a statement.
pub type Grant = (String, String, String, String);

/// Every function's role statements, by binary name.
#[derive(Debug, Clone)]
pub struct Roles {
    /// Statements by function binary.
    pub by_function: BTreeMap<String, Vec<Statement>>,
}

fn strings(value: Option<&Value>, local: &Local) -> Result<Vec<String>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|v| local.resolve(v).map_err(|e| e.to_string()))
            .collect(),
        Some(v) => Ok(vec![local.resolve(v).map_err(|e| e.to_string())?]),
    }
}

impl Roles {
    /// Reads every function's role from `template`, resolved with `local`.
    pub fn load(template: &Template, local: &Local) -> Result<Roles, String> {
        let resources: BTreeMap<String, serde_yaml_ng::Mapping> = template
            .resources()
            .into_iter()
            .map(|(id, _, body)| (id, body))
            .collect();
        let mut by_function = BTreeMap::new();
        for function in template.functions().map_err(|e| e.to_string())? {
            // A function the plan does not deploy has no role to grant.
            if !local.deploys(&function).map_err(|e| e.to_string())? {
                continue;
            }
            let body = &resources[&function.logical_id];
            let role_id = referenced_resource(body.get("Role"))
                .ok_or_else(|| format!("{} has no Role of its own", function.logical_id))?;
            let role = resources
                .get(&role_id)
                .ok_or_else(|| format!("{}: no resource {role_id}", function.logical_id))?;
            let mut statements = Vec::new();
            let policies = role
                .get("Policies")
                .and_then(Value::as_sequence)
                .cloned()
                .unwrap_or_default();
            for policy in &policies {
                let list = policy
                    .get("PolicyDocument")
                    .and_then(|d| d.get("Statement"))
                    .and_then(Value::as_sequence)
                    .cloned()
                    .unwrap_or_default();
                for (i, s) in list.iter().enumerate() {
                    // A statement the template grants only under a
                    // condition (a platform's secret, when enabled).
                    let Some(s) = local.chosen(s).map_err(|e| e.to_string())? else {
                        continue;
                    };
                    let sid = s
                        .get("Sid")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("#{i}"));
                    let mut conditions = Vec::new();
                    if let Some(Value::Mapping(ops)) = s.get("Condition") {
                        for (op, keys) in ops {
                            let op = op.as_str().unwrap_or_default().to_string();
                            for (key, values) in keys.as_mapping().into_iter().flatten() {
                                conditions.push((
                                    op.clone(),
                                    key.as_str().unwrap_or_default().to_string(),
                                    strings(Some(values), local)?,
                                ));
                            }
                        }
                    }
                    statements.push(Statement {
                        role: role_id.clone(),
                        sid: sid.clone(),
                        allow: s.get("Effect").and_then(Value::as_str) == Some("Allow"),
                        actions: strings(s.get("Action"), local)
                            .map_err(|e| format!("{role_id}/{sid}: {e}"))?,
                        resources: strings(s.get("Resource"), local)
                            .map_err(|e| format!("{role_id}/{sid}: {e}"))?,
                        conditions,
                    });
                }
            }
            by_function.insert(function.binary.clone(), statements);
        }
        Ok(Roles { by_function })
    }

    /// Checks every call; answers the denials (as readable lines) and the
    /// grants that were used.
    pub fn check(
        &self,
        calls: &[RecordedCall],
        ses: Ses,
    ) -> Result<(Vec<String>, BTreeSet<Grant>), String> {
        let mut denied = BTreeSet::new();
        let mut used = BTreeSet::new();
        for call in calls {
            let statements = self.by_function.get(&call.key_id).ok_or_else(|| {
                format!(
                    "a call signed as {:?}, which is no function of the template",
                    call.key_id
                )
            })?;
            for need in needs(call, ses)? {
                for alternatives in &need.resources {
                    let granted = alternatives.iter().find_map(|resource| {
                        evaluate(statements, &need.action, resource, &need.context)
                            .transpose()
                            .map(|r| r.map(|g| (resource, g)))
                    });
                    match granted {
                        Some(Ok((_, grant))) => {
                            used.insert(grant);
                        }
                        Some(Err(e)) => return Err(e),
                        None => {
                            denied.insert(format!(
                                "{}: {} on {} (context {:?})",
                                call.key_id,
                                need.action,
                                alternatives.join(" or "),
                                need.context
                            ));
                        }
                    }
                }
            }
        }
        Ok((denied.into_iter().collect(), used))
    }

    /// Every grant of every role: (role, sid, action, resource).
    pub fn grants(&self) -> BTreeSet<Grant> {
        self.by_function
            .values()
            .flatten()
            .filter(|s| s.allow)
            .flat_map(|s| {
                s.actions.iter().flat_map(move |a| {
                    s.resources
                        .iter()
                        .map(move |r| (s.role.clone(), s.sid.clone(), a.clone(), r.clone()))
                })
            })
            .collect()
    }
}

/// The grant that allows `action` on `resource` with `context`, or `None`
/// (denied, explicitly or by default).
fn evaluate(
    statements: &[Statement],
    action: &str,
    resource: &str,
    context: &BTreeMap<String, Vec<String>>,
) -> Result<Option<Grant>, String> {
    let mut allowed = None;
    for s in statements {
        let Some(a) = s
            .actions
            .iter()
            .find(|p| glob(&p.to_ascii_lowercase(), &action.to_ascii_lowercase()))
        else {
            continue;
        };
        let Some(r) = s.resources.iter().find(|p| glob(p, resource)) else {
            continue;
        };
        if !conditions_hold(s, context)? {
            continue;
        }
        if !s.allow {
            return Ok(None);
        }
        allowed.get_or_insert((s.role.clone(), s.sid.clone(), a.clone(), r.clone()));
    }
    Ok(allowed)
}

fn conditions_hold(s: &Statement, context: &BTreeMap<String, Vec<String>>) -> Result<bool, String> {
    for (op, key, values) in &s.conditions {
        let (set, base) = match op.split_once(':') {
            Some((set, base)) => (Some(set), base),
            None => (None, op.as_str()),
        };
        let matches = |v: &str| match base {
            "StringEquals" => Ok(values.iter().any(|p| p == v)),
            "StringLike" => Ok(values.iter().any(|p| glob(p, v))),
            other => Err(format!(
                "{}/{}: the condition {other} is not understood by this evaluator",
                s.role, s.sid
            )),
        };
        let given = context.get(key).filter(|v| !v.is_empty());
        let holds = match (set, given) {
            (_, None) => false,
            (None, Some(v)) => v.len() == 1 && matches(&v[0])?,
            (Some("ForAllValues"), Some(v)) => {
                let mut all = true;
                for x in v {
                    all &= matches(x)?;
                }
                all
            }
            (Some("ForAnyValue"), Some(v)) => {
                let mut any = false;
                for x in v {
                    any |= matches(x)?;
                }
                any
            }
            (Some(other), _) => {
                return Err(format!(
                    "{}/{}: the set operator {other} is not understood",
                    s.role, s.sid
                ));
            }
        };
        if !holds {
            return Ok(false);
        }
    }
    Ok(true)
}

/// IAM's wildcard match: `*` any run of characters, `?` one.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(target: &str, body: &str) -> RecordedCall {
        RecordedCall {
            key_id: "review-responder".into(),
            target: target.into(),
            body: body.into(),
            request: String::new(),
        }
    }

    #[test]
    fn globs_match_as_iam_does() {
        assert!(glob(
            "arn:aws:ses:*:1:identity/*",
            "arn:aws:ses:eu:1:identity/a@b.c"
        ));
        assert!(glob("TICKET#*", "TICKET#TK-1"));
        assert!(!glob("TICKET#*", "CUSTOMER#1"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("abc", "abcd"));
    }

    #[test]
    fn a_transaction_is_one_authorization_per_item_on_its_table() {
        let needs = needs(
            &call(
                "DynamoDB_20120810.TransactWriteItems",
                r#"{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"COUPON#A"}}}},{"ConditionCheck":{"TableName":"u","Key":{"pk":{"S":"X"}}}}]}"#,
            ),
            Ses::Sandbox,
        )
        .unwrap();
        assert_eq!(needs.len(), 2);
        assert_eq!(needs[0].action, "dynamodb:PutItem");
        assert_eq!(needs[1].action, "dynamodb:ConditionCheckItem");
        assert!(needs[1].resources[0][0].ends_with(":table/u"));
        assert_eq!(needs[0].context["dynamodb:LeadingKeys"], vec!["COUPON#A"]);
    }

    #[test]
    fn a_batch_send_is_send_message_on_the_queue() {
        let needs = needs(
            &call(
                "AmazonSQS.SendMessageBatch",
                r#"{"QueueUrl":"http://127.0.0.1:5/123456789012/memnun-OutboundQueue","Entries":[]}"#,
            ),
            Ses::Sandbox,
        )
        .unwrap();
        assert_eq!(
            needs,
            vec![Need::on(
                "sqs:SendMessage",
                format!("arn:aws:sqs:{LOCAL_REGION}:123456789012:memnun-OutboundQueue")
            )]
        );
    }

    #[test]
    fn a_send_in_the_sandbox_needs_each_recipients_identity() {
        let body = "Action=SendEmail&Version=2010-12-01&Source=%3D%3Futf-8%3FQ%3FD%3F%3D+%3Cdestek%40dukkan.example%3E&Destination.ToAddresses.member.1=ayse%40example.com&ConfigurationSetName=set";
        let sandbox = needs(&call("", body), Ses::Sandbox).unwrap();
        assert_eq!(sandbox[0].resources.len(), 3);
        assert!(sandbox[0].resources[2][0].ends_with(":identity/ayse@example.com"));
        assert!(sandbox[0].resources[2][1].ends_with(":identity/example.com"));
        assert_eq!(
            sandbox[0].context["ses:FromAddress"],
            vec!["destek@dukkan.example"]
        );
        let production = needs(&call("", body), Ses::Production).unwrap();
        assert_eq!(production[0].resources.len(), 2);
    }

    fn statement(
        actions: &[&str],
        resources: &[&str],
        conditions: Vec<(&str, &str, &[&str])>,
    ) -> Statement {
        Statement {
            role: "R".into(),
            sid: "S".into(),
            allow: true,
            actions: actions.iter().map(|s| s.to_string()).collect(),
            resources: resources.iter().map(|s| s.to_string()).collect(),
            conditions: conditions
                .into_iter()
                .map(|(o, k, v)| {
                    (
                        o.into(),
                        k.into(),
                        v.iter().map(|s| s.to_string()).collect(),
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn leading_keys_restrict_and_a_missing_key_fails() {
        let s = vec![statement(
            &["dynamodb:GetItem"],
            &["arn:t"],
            vec![(
                "ForAllValues:StringLike",
                "dynamodb:LeadingKeys",
                &["TICKET#*"],
            )],
        )];
        let ctx =
            |k: &str| BTreeMap::from([("dynamodb:LeadingKeys".to_string(), vec![k.to_string()])]);
        assert!(
            evaluate(&s, "dynamodb:GetItem", "arn:t", &ctx("TICKET#1"))
                .unwrap()
                .is_some()
        );
        assert!(
            evaluate(&s, "dynamodb:GetItem", "arn:t", &ctx("CUSTOMER#1"))
                .unwrap()
                .is_none()
        );
        assert!(
            evaluate(&s, "dynamodb:GetItem", "arn:t", &BTreeMap::new())
                .unwrap()
                .is_none()
        );
        assert!(
            evaluate(&s, "dynamodb:PutItem", "arn:t", &ctx("TICKET#1"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn an_unknown_condition_is_an_error_not_a_guess() {
        let s = vec![statement(
            &["*"],
            &["*"],
            vec![("DateLessThan", "aws:CurrentTime", &["x"])],
        )];
        let ctx = BTreeMap::from([("aws:CurrentTime".to_string(), vec!["y".to_string()])]);
        assert!(evaluate(&s, "a:b", "c", &ctx).is_err());
    }
}
