//! The deployment template, `infra/template.yaml`, read so that the tests and
//! the local run build exactly what a shop deploys, and nothing written twice.
//!
//! - [`Template`] parses the file (CloudFormation short-form tags such as
//!   `!Ref` and `!GetAtt` included) and describes its functions, tables and
//!   queues.
//! - [`Template::plan`] names every local resource and answers a [`Local`],
//!   which resolves a function's `Environment.Variables` to strings.
//! - [`Template::provision`] creates the tables, queues and SES configuration
//!   sets in the emulator and answers the [`Local`] with their real URLs.
//!
//! Locally there is no stack name, so resource names are deterministic:
//! `memnun-<LogicalId>` (`memnun-MainTable`, `memnun-ReviewsQueue`).
//! Queues follow a naming convention the tests rely on: a queue is
//! `<Name>Queue`, its dead-letter queue `<Name>DeadLetterQueue`, and its short
//! name (what `Stack::queue` takes and `Route::queue_name` says) is `<Name>`
//! in kebab case: `ReviewsQueue` → `reviews`, `SlaEventsQueue` → `sla-events`.
//!
//! Intrinsic functions understood: `Ref` (parameters, pseudo parameters,
//! tables, queues, SES configuration sets, buckets, function names), `Fn::GetAtt` (`Arn`, `QueueName`,
//! `QueueUrl`), `Fn::Sub`, `Fn::Join`, `Fn::Select` and `Fn::Split`. Anything
//! else is an error that names it, not a silent guess.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_yaml_ng::{Mapping, Value};

/// The prefix of every local resource name; stands in for the stack name.
pub const LOCAL_STACK_NAME: &str = "memnun";
/// The region pseudo parameter, locally.
pub const LOCAL_REGION: &str = "eu-central-1";
/// The account pseudo parameter, locally (the emulator's default account).
pub const LOCAL_ACCOUNT: &str = "123456789012";

/// What went wrong reading or applying the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "infra/template.yaml: {}", self.0)
    }
}

impl std::error::Error for TemplateError {}

/// This module's result.
pub type Result<T> = std::result::Result<T, TemplateError>;

fn err<T>(message: impl Into<String>) -> Result<T> {
    Err(TemplateError(message.into()))
}

fn aws_err(what: &str, e: impl std::error::Error) -> TemplateError {
    // The SDK's Display is terse; the source chain names the service error.
    let mut message = format!("{what}: {e}");
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    TemplateError(message)
}

/// The parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    root: Mapping,
}

/// A function (`AWS::Serverless::Function`) as the template declares it.
#[derive(Debug, Clone)]
pub struct FunctionDef {
    /// Its logical id (`ReviewResponderFunction`).
    pub logical_id: String,
    /// `CodeUri`, as written (`../target/lambda/review-responder/`).
    pub code_uri: String,
    /// The binary: the last component of `CodeUri` (`review-responder`).
    pub binary: String,
    /// `Timeout` in seconds (the function's, else the globals').
    pub timeout: Option<i64>,
    /// `Environment.Variables`, unresolved (globals merged in).
    pub environment: BTreeMap<String, Value>,
    /// Its `SQS` events.
    pub sqs_events: Vec<SqsEventSource>,
    /// Its `Schedule` and `ScheduleV2` events.
    pub schedules: Vec<ScheduleEvent>,
    /// Whether it has a function URL (an HTTP function).
    pub function_url: bool,
    /// The condition it is deployed under, if any (`DeliversOutbound`).
    pub condition: Option<String>,
}

/// An `SQS` event of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsEventSource {
    /// The event's name in the template.
    pub name: String,
    /// The queue's logical id.
    pub queue: String,
    /// `BatchSize` (SQS's default, 10, when absent).
    pub batch_size: i32,
    /// Whether `FunctionResponseTypes` has `ReportBatchItemFailures`.
    pub report_batch_item_failures: bool,
}

/// The kind of a scheduled event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleKind {
    /// `Schedule`: an EventBridge rule; delivers the standard scheduled event.
    Rule,
    /// `ScheduleV2`: EventBridge Scheduler; delivers only `Input`.
    Scheduler,
}

/// A `Schedule` or `ScheduleV2` event of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleEvent {
    /// The event's name in the template.
    pub name: String,
    /// Rule or scheduler.
    pub kind: ScheduleKind,
    /// `cron(...)` or `rate(...)`, or `Ref <Parameter>` when a parameter
    /// sets it.
    pub expression: String,
    /// `ScheduleExpressionTimezone` (scheduler only).
    pub time_zone: Option<String>,
    /// `Input`, the JSON the target receives, if set.
    pub input: Option<String>,
}

/// A DynamoDB table as the template declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDef {
    /// Its logical id.
    pub logical_id: String,
    /// `AttributeDefinitions`: name and type (`S`, `N`, `B`).
    pub attributes: Vec<(String, String)>,
    /// `KeySchema`: name and `HASH`/`RANGE`.
    pub key_schema: Vec<(String, String)>,
    /// `GlobalSecondaryIndexes`.
    pub indexes: Vec<IndexDef>,
    /// The TTL attribute, when TTL is enabled.
    pub ttl_attribute: Option<String>,
    /// Whether `SSESpecification.SSEEnabled` is true.
    pub encrypted: bool,
    /// Whether point-in-time recovery is on.
    pub point_in_time_recovery: bool,
}

/// A global secondary index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDef {
    /// `IndexName`.
    pub name: String,
    /// `KeySchema`.
    pub key_schema: Vec<(String, String)>,
    /// `Projection.ProjectionType`.
    pub projection: String,
    /// `Projection.NonKeyAttributes`.
    pub non_key_attributes: Vec<String>,
}

/// An SQS queue as the template declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueDef {
    /// Its logical id.
    pub logical_id: String,
    /// Plain properties (`VisibilityTimeout`, `MessageRetentionPeriod`,
    /// `SqsManagedSseEnabled`, ...), as strings.
    pub properties: BTreeMap<String, String>,
    /// Where it sends what fails too often.
    pub redrive: Option<Redrive>,
}

impl QueueDef {
    /// A numeric property.
    pub fn number(&self, name: &str) -> Option<i64> {
        self.properties.get(name).and_then(|v| v.parse().ok())
    }

    /// Whether messages are encrypted at rest (SSE-SQS or a KMS key).
    pub fn encrypted(&self) -> bool {
        self.properties
            .get("SqsManagedSseEnabled")
            .is_some_and(|v| v == "true")
            || self.properties.contains_key("KmsMasterKeyId")
    }

    /// Whether it is a FIFO queue.
    pub fn fifo(&self) -> bool {
        self.properties
            .get("FifoQueue")
            .is_some_and(|v| v == "true")
    }
}

/// A queue's redrive policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redrive {
    /// The dead-letter queue's logical id.
    pub dead_letter_queue: String,
    /// `maxReceiveCount`.
    pub max_receive_count: i64,
}

/// A queue created locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalQueue {
    /// Its name.
    pub name: String,
    /// Its URL.
    pub url: String,
    /// Its ARN.
    pub arn: String,
}

/// The local resources and parameter values: what `Ref` and `Fn::GetAtt`
/// resolve to.
#[derive(Debug, Clone)]
pub struct Local {
    /// Every parameter's value (defaults, then overrides).
    pub parameters: BTreeMap<String, String>,
    /// Tables: logical id → name.
    pub tables: BTreeMap<String, String>,
    /// Queues: logical id → name, URL, ARN.
    pub queues: BTreeMap<String, LocalQueue>,
    /// SES configuration sets: logical id → name.
    pub configuration_sets: BTreeMap<String, String>,
    /// S3 buckets: logical id → name.
    pub buckets: BTreeMap<String, String>,
    /// Every resource's type, to say why a reference cannot resolve.
    types: BTreeMap<String, String>,
    /// The template's `Conditions`, unevaluated.
    conditions: Mapping,
    /// What `AWS::StackName` resolves to.
    pub stack_name: String,
}

impl Template {
    /// Reads the workspace's `infra/template.yaml`.
    pub fn load() -> Result<Template> {
        Self::from_file(&crate::workspace_root().join("infra/template.yaml"))
    }

    /// Reads a template file.
    pub fn from_file(path: &Path) -> Result<Template> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TemplateError(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text)
    }

    /// Parses template text.
    pub fn parse(text: &str) -> Result<Template> {
        let value: Value =
            serde_yaml_ng::from_str(text).map_err(|e| TemplateError(format!("not YAML: {e}")))?;
        match value {
            Value::Mapping(root) => Ok(Template { root }),
            _ => err("the template is not a mapping"),
        }
    }

    fn section(&self, name: &str) -> Option<&Mapping> {
        self.root.get(name).and_then(Value::as_mapping)
    }

    /// Every resource: logical id, type and properties (empty when absent).
    pub fn resources(&self) -> Vec<(String, String, Mapping)> {
        let Some(resources) = self.section("Resources") else {
            return Vec::new();
        };
        resources
            .iter()
            .filter_map(|(id, r)| {
                let id = id.as_str()?.to_string();
                let kind = r.get("Type").and_then(Value::as_str)?.to_string();
                let props = r
                    .get("Properties")
                    .and_then(Value::as_mapping)
                    .cloned()
                    .unwrap_or_default();
                Some((id, kind, props))
            })
            .collect()
    }

    /// The `Condition` a resource is created under, if any.
    pub fn resource_condition(&self, logical_id: &str) -> Option<String> {
        self.section("Resources")?
            .get(logical_id)?
            .get("Condition")?
            .as_str()
            .map(str::to_string)
    }

    /// The resources of one type: logical id and properties.
    pub fn resources_of_type(&self, kind: &str) -> Vec<(String, Mapping)> {
        self.resources()
            .into_iter()
            .filter(|(_, k, _)| k == kind)
            .map(|(id, _, p)| (id, p))
            .collect()
    }

    /// A resource's type.
    pub fn resource_type(&self, logical_id: &str) -> Option<String> {
        self.resources()
            .into_iter()
            .find(|(id, _, _)| id == logical_id)
            .map(|(_, k, _)| k)
    }

    /// Every parameter's default (parameters without one are left out).
    pub fn parameter_defaults(&self) -> BTreeMap<String, String> {
        let Some(params) = self.section("Parameters") else {
            return BTreeMap::new();
        };
        params
            .iter()
            .filter_map(|(name, p)| {
                let default = scalar(p.get("Default")?)?;
                Some((name.as_str()?.to_string(), default))
            })
            .collect()
    }

    /// Every parameter's value: its default, or the override. An override of
    /// an unknown parameter, a parameter with neither, and a value its
    /// constraints refuse (`AllowedValues`, `MinValue`/`MaxValue`,
    /// `MinLength`/`MaxLength`) are errors.
    pub fn parameters(&self, overrides: &[(&str, &str)]) -> Result<BTreeMap<String, String>> {
        let declared = self.section("Parameters").cloned().unwrap_or_default();
        let mut values = self.parameter_defaults();
        for (name, value) in overrides {
            if declared.get(*name).is_none() {
                return err(format!("no parameter {name} to override"));
            }
            values.insert((*name).to_string(), (*value).to_string());
        }
        for (name, spec) in &declared {
            let name = name.as_str().unwrap_or_default();
            let Some(value) = values.get(name) else {
                return err(format!("parameter {name} has no default and no value"));
            };
            check_constraints(name, spec, value)?;
        }
        Ok(values)
    }

    /// Every parameter's declaration, by name.
    pub fn parameter_specs(&self) -> BTreeMap<String, Value> {
        self.section("Parameters")
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.clone())))
            .collect()
    }

    fn globals(&self, key: &str) -> Option<&Value> {
        self.section("Globals")?.get("Function")?.get(key)
    }

    /// Every `AWS::Serverless::Function`.
    pub fn functions(&self) -> Result<Vec<FunctionDef>> {
        self.resources_of_type("AWS::Serverless::Function")
            .into_iter()
            .map(|(id, props)| self.function_def(id, &props))
            .collect()
    }

    /// The function whose binary is `binary` (`review-responder`).
    pub fn function(&self, binary: &str) -> Result<FunctionDef> {
        self.functions()?
            .into_iter()
            .find(|f| f.binary == binary)
            .ok_or_else(|| TemplateError(format!("no function's CodeUri ends in {binary}/")))
    }

    fn function_def(&self, logical_id: String, props: &Mapping) -> Result<FunctionDef> {
        let code_uri = props
            .get("CodeUri")
            .or_else(|| self.globals("CodeUri"))
            .and_then(Value::as_str)
            .ok_or_else(|| TemplateError(format!("{logical_id} has no CodeUri path")))?
            .to_string();
        let binary = code_uri
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let timeout = props
            .get("Timeout")
            .or_else(|| self.globals("Timeout"))
            .and_then(Value::as_i64);
        let mut environment = BTreeMap::new();
        for source in [self.globals("Environment"), props.get("Environment")] {
            let variables = source
                .and_then(|e| e.get("Variables"))
                .and_then(Value::as_mapping);
            for (name, value) in variables.into_iter().flatten() {
                let name = name
                    .as_str()
                    .ok_or_else(|| TemplateError(format!("{logical_id}: a variable name")))?;
                environment.insert(name.to_string(), value.clone());
            }
        }
        let mut sqs_events = Vec::new();
        let mut schedules = Vec::new();
        let events = props.get("Events").and_then(Value::as_mapping);
        for (name, event) in events.into_iter().flatten() {
            let name = name.as_str().unwrap_or_default().to_string();
            let kind = event
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let p = event.get("Properties").cloned().unwrap_or(Value::Null);
            match kind {
                "SQS" => sqs_events.push(SqsEventSource {
                    queue: referenced_resource(p.get("Queue")).ok_or_else(|| {
                        TemplateError(format!(
                            "{logical_id}.{name}: Queue must be !GetAtt <Queue>.Arn"
                        ))
                    })?,
                    batch_size: p
                        .get("BatchSize")
                        .and_then(Value::as_i64)
                        .and_then(|b| i32::try_from(b).ok())
                        .unwrap_or(10),
                    report_batch_item_failures: p
                        .get("FunctionResponseTypes")
                        .and_then(Value::as_sequence)
                        .is_some_and(|t| {
                            t.iter()
                                .any(|v| v.as_str() == Some("ReportBatchItemFailures"))
                        }),
                    name,
                }),
                "Schedule" | "ScheduleV2" => {
                    let scheduler = kind == "ScheduleV2";
                    let key = if scheduler {
                        "ScheduleExpression"
                    } else {
                        "Schedule"
                    };
                    schedules.push(ScheduleEvent {
                        kind: if scheduler {
                            ScheduleKind::Scheduler
                        } else {
                            ScheduleKind::Rule
                        },
                        // A literal, or a parameter's `!Ref` written as such.
                        expression: p
                            .get(key)
                            .and_then(|v| {
                                scalar(v).or_else(|| {
                                    let (function, arg) = intrinsic(v)?;
                                    Some(format!("{function} {}", scalar(arg)?))
                                })
                            })
                            .ok_or_else(|| {
                                TemplateError(format!("{logical_id}.{name}: no {key}"))
                            })?,
                        time_zone: p.get("ScheduleExpressionTimezone").and_then(scalar),
                        input: p.get("Input").and_then(scalar),
                        name,
                    });
                }
                _ => {}
            }
        }
        Ok(FunctionDef {
            condition: self.resource_condition(&logical_id),
            function_url: props.get("FunctionUrlConfig").is_some(),
            logical_id,
            code_uri,
            binary,
            timeout,
            environment,
            sqs_events,
            schedules,
        })
    }

    /// Every `AWS::DynamoDB::Table`.
    pub fn tables(&self) -> Result<Vec<TableDef>> {
        self.resources_of_type("AWS::DynamoDB::Table")
            .into_iter()
            .map(|(id, p)| {
                let ttl = p.get("TimeToLiveSpecification");
                Ok(TableDef {
                    attributes: pairs(
                        &id,
                        p.get("AttributeDefinitions"),
                        "AttributeName",
                        "AttributeType",
                    )?,
                    key_schema: pairs(&id, p.get("KeySchema"), "AttributeName", "KeyType")?,
                    indexes: p
                        .get("GlobalSecondaryIndexes")
                        .and_then(Value::as_sequence)
                        .into_iter()
                        .flatten()
                        .map(|i| {
                            let projection = i.get("Projection");
                            Ok(IndexDef {
                                name: i.get("IndexName").and_then(scalar).ok_or_else(|| {
                                    TemplateError(format!("{id}: an index has no IndexName"))
                                })?,
                                key_schema: pairs(
                                    &id,
                                    i.get("KeySchema"),
                                    "AttributeName",
                                    "KeyType",
                                )?,
                                projection: projection
                                    .and_then(|p| p.get("ProjectionType"))
                                    .and_then(scalar)
                                    .unwrap_or_else(|| "KEYS_ONLY".into()),
                                non_key_attributes: projection
                                    .and_then(|p| p.get("NonKeyAttributes"))
                                    .and_then(Value::as_sequence)
                                    .into_iter()
                                    .flatten()
                                    .filter_map(scalar)
                                    .collect(),
                            })
                        })
                        .collect::<Result<_>>()?,
                    ttl_attribute: ttl
                        .filter(|t| t.get("Enabled").and_then(scalar).as_deref() == Some("true"))
                        .and_then(|t| t.get("AttributeName"))
                        .and_then(scalar),
                    encrypted: p
                        .get("SSESpecification")
                        .and_then(|s| s.get("SSEEnabled"))
                        .and_then(scalar)
                        .as_deref()
                        == Some("true"),
                    point_in_time_recovery: p
                        .get("PointInTimeRecoverySpecification")
                        .and_then(|s| s.get("PointInTimeRecoveryEnabled"))
                        .and_then(scalar)
                        .as_deref()
                        == Some("true"),
                    logical_id: id,
                })
            })
            .collect()
    }

    /// Every `AWS::SQS::Queue`.
    pub fn queues(&self) -> Result<Vec<QueueDef>> {
        self.resources_of_type("AWS::SQS::Queue")
            .into_iter()
            .map(|(id, p)| {
                let mut properties = BTreeMap::new();
                let mut redrive = None;
                for (key, value) in &p {
                    let key = key.as_str().unwrap_or_default();
                    if key == "RedrivePolicy" {
                        redrive = Some(Redrive {
                            dead_letter_queue: referenced_resource(
                                value.get("deadLetterTargetArn"),
                            )
                            .ok_or_else(|| {
                                TemplateError(format!(
                                    "{id}: deadLetterTargetArn must be !GetAtt <Queue>.Arn"
                                ))
                            })?,
                            max_receive_count: value
                                .get("maxReceiveCount")
                                .and_then(scalar)
                                .and_then(|c| c.parse().ok())
                                .ok_or_else(|| {
                                    TemplateError(format!("{id}: maxReceiveCount is not a number"))
                                })?,
                        });
                    } else if let Some(v) = scalar(value) {
                        properties.insert(key.to_string(), v);
                    }
                }
                Ok(QueueDef {
                    logical_id: id,
                    properties,
                    redrive,
                })
            })
            .collect()
    }

    /// The logical ids of the queues that are some queue's dead-letter
    /// queue, a schedule's (`DeadLetterConfig` of a `ScheduleV2` event), or
    /// where Lambda keeps an asynchronous invocation that failed
    /// (`OnFailure` of an `AWS::Lambda::EventInvokeConfig`).
    pub fn dead_letter_queues(&self) -> Result<BTreeSet<String>> {
        let of_invocations: Vec<String> = self
            .resources_of_type("AWS::Lambda::EventInvokeConfig")
            .into_iter()
            .filter_map(|(_, p)| {
                referenced_resource(
                    p.get("DestinationConfig")?
                        .get("OnFailure")?
                        .get("Destination"),
                )
            })
            .collect();
        let of_schedules = self
            .resources_of_type("AWS::Serverless::Function")
            .into_iter()
            .flat_map(|(_, p)| {
                p.get("Events")
                    .and_then(Value::as_mapping)
                    .into_iter()
                    .flatten()
                    .filter_map(|(_, e)| {
                        referenced_resource(
                            e.get("Properties")?.get("DeadLetterConfig")?.get("Arn"),
                        )
                    })
                    .collect::<Vec<_>>()
            });
        Ok(self
            .queues()?
            .into_iter()
            .filter_map(|q| q.redrive.map(|r| r.dead_letter_queue))
            .chain(of_schedules)
            .chain(of_invocations)
            .collect())
    }

    /// Names every resource the local run creates and resolves what can be
    /// resolved without an emulator: queue URLs and ARNs look like AWS's.
    pub fn plan(&self, parameters: BTreeMap<String, String>) -> Result<Local> {
        self.plan_as(LOCAL_STACK_NAME, parameters, |stack, id, _| {
            format!("{stack}-{id}")
        })
    }

    /// [`Template::plan`] for a stack named `stack`, each resource named by
    /// `name(stack, logical id, the service's length limit)` (as
    /// CloudFormation would: the stack's name, the logical id and a random
    /// suffix, cut to the limit).
    pub fn plan_as(
        &self,
        stack: &str,
        parameters: BTreeMap<String, String>,
        name: impl Fn(&str, &str, usize) -> String,
    ) -> Result<Local> {
        let mut local = Local {
            parameters,
            tables: BTreeMap::new(),
            queues: BTreeMap::new(),
            configuration_sets: BTreeMap::new(),
            buckets: BTreeMap::new(),
            types: self
                .resources()
                .into_iter()
                .map(|(id, kind, _)| (id, kind))
                .collect(),
            conditions: self.section("Conditions").cloned().unwrap_or_default(),
            stack_name: stack.to_string(),
        };
        for table in self.tables()? {
            local.tables.insert(
                table.logical_id.clone(),
                name(stack, &table.logical_id, 255),
            );
        }
        for queue in self.queues()? {
            let mut queue_name = name(stack, &queue.logical_id, 80);
            if queue.fifo() {
                queue_name.push_str(".fifo");
            }
            local.queues.insert(
                queue.logical_id.clone(),
                LocalQueue {
                    url: format!(
                        "https://sqs.{LOCAL_REGION}.amazonaws.com/{LOCAL_ACCOUNT}/{queue_name}"
                    ),
                    arn: format!("arn:aws:sqs:{LOCAL_REGION}:{LOCAL_ACCOUNT}:{queue_name}"),
                    name: queue_name,
                },
            );
        }
        for (id, _) in self.resources_of_type("AWS::SES::ConfigurationSet") {
            local
                .configuration_sets
                .insert(id.clone(), name(stack, &id, 64));
        }
        // Bucket names are lower case, at most 63 characters.
        for (id, _) in self.resources_of_type("AWS::S3::Bucket") {
            local
                .buckets
                .insert(id.clone(), name(stack, &id, 63).to_ascii_lowercase());
        }
        Ok(local)
    }

    /// Creates every table, queue (dead-letter queues first, each with its
    /// redrive policy) and SES configuration set in the emulator `aws`
    /// points at, and answers them with the URLs and ARNs it gave.
    pub async fn provision(
        &self,
        aws: &SdkConfig,
        parameters: BTreeMap<String, String>,
    ) -> Result<Local> {
        let mut local = self.plan(parameters)?;
        let dynamodb = aws_sdk_dynamodb::Client::new(aws);
        for table in self.tables()? {
            create_table(&dynamodb, &local.tables[&table.logical_id], &table).await?;
        }

        let sqs = aws_sdk_sqs::Client::new(aws);
        let mut pending = self.queues()?;
        let mut created = BTreeSet::new();
        while !pending.is_empty() {
            let (ready, waiting): (Vec<_>, Vec<_>) = pending.into_iter().partition(|q| {
                q.redrive
                    .as_ref()
                    .is_none_or(|r| created.contains(&r.dead_letter_queue))
            });
            if ready.is_empty() {
                let ids: Vec<_> = waiting.iter().map(|q| q.logical_id.as_str()).collect();
                return err(format!(
                    "these queues' dead-letter queues are missing or circular: {ids:?}"
                ));
            }
            for queue in ready {
                let made = create_queue(&sqs, &local, &queue).await?;
                local.queues.insert(queue.logical_id.clone(), made);
                created.insert(queue.logical_id);
            }
            pending = waiting;
        }

        let ses = aws_sdk_ses::Client::new(aws);
        for name in local.configuration_sets.values() {
            let set = aws_sdk_ses::types::ConfigurationSet::builder()
                .name(name)
                .build()
                .map_err(|e| aws_err("configuration set", e))?;
            ses.create_configuration_set()
                .configuration_set(set)
                .send()
                .await
                .map_err(|e| aws_err(&format!("CreateConfigurationSet {name}"), e))?;
        }

        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(aws)
                .force_path_style(true)
                .build(),
        );
        for name in local.buckets.values() {
            let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                    LOCAL_REGION,
                ))
                .build();
            s3.create_bucket()
                .bucket(name)
                .create_bucket_configuration(location)
                .send()
                .await
                .map_err(|e| aws_err(&format!("CreateBucket {name}"), e))?;
        }
        Ok(local)
    }
}

impl Local {
    /// A function's environment, every variable resolved, in name order.
    pub fn function_env(&self, function: &FunctionDef) -> Result<Vec<(String, String)>> {
        function
            .environment
            .iter()
            .map(|(name, value)| {
                let resolved = self.resolve(value).map_err(|e| {
                    TemplateError(format!("{}: {name}: {}", function.logical_id, e.0))
                })?;
                Ok((name.clone(), resolved))
            })
            .collect()
    }

    /// The short name of a queue (`ReviewsQueue` → `reviews`), if its logical
    /// id follows the `<Name>Queue` convention.
    pub fn short_name(logical_id: &str) -> Option<String> {
        let stem = logical_id.strip_suffix("Queue")?;
        if stem.is_empty() {
            return None;
        }
        let mut out = String::new();
        for (i, c) in stem.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        }
        Some(out)
    }

    /// A value of the template resolved to a string.
    pub fn resolve(&self, value: &Value) -> Result<String> {
        if let Some((function, arg)) = intrinsic(value) {
            return match function.as_str() {
                "Ref" => self.reference(arg.as_str().unwrap_or_default()),
                "Fn::GetAtt" => {
                    let (id, attr) = get_att(arg)?;
                    self.attribute(&id, &attr)
                }
                "Fn::Sub" => self.sub(arg),
                "Fn::Join" => {
                    let delimiter = arg
                        .get(0)
                        .and_then(Value::as_str)
                        .ok_or_else(|| TemplateError("Fn::Join needs a delimiter".into()))?;
                    let parts = self.resolve_list(arg.get(1).unwrap_or(&Value::Null))?;
                    Ok(parts.join(delimiter))
                }
                "Fn::Select" => {
                    let index = arg
                        .get(0)
                        .and_then(scalar)
                        .and_then(|i| i.parse::<usize>().ok())
                        .ok_or_else(|| TemplateError("Fn::Select needs an index".into()))?;
                    let list = self.resolve_list(arg.get(1).unwrap_or(&Value::Null))?;
                    list.get(index).cloned().ok_or_else(|| {
                        TemplateError(format!("Fn::Select: no item {index} in {list:?}"))
                    })
                }
                "Fn::If" => self.resolve(self.branch(arg)?),
                other => err(format!("{other} is not understood locally")),
            };
        }
        scalar(value).ok_or_else(|| TemplateError(format!("cannot resolve {value:?}")))
    }

    /// What a conditional item of a list comes to: the branch
    /// `!If [condition, then, else]` chooses, `None` for `!Ref AWS::NoValue`
    /// (CloudFormation drops the item); any other value is itself.
    pub fn chosen<'v>(&self, value: &'v Value) -> Result<Option<&'v Value>> {
        let Some((function, arg)) = intrinsic(value) else {
            return Ok(Some(value));
        };
        if function != "Fn::If" {
            return Ok(Some(value));
        }
        let branch = self.branch(arg)?;
        let no_value = matches!(intrinsic(branch), Some((f, Value::String(v))) if f == "Ref" && v == "AWS::NoValue");
        Ok((!no_value).then_some(branch))
    }

    /// The branch `Fn::If`'s `[condition, then, else]` takes.
    fn branch<'v>(&self, arg: &'v Value) -> Result<&'v Value> {
        let items = arg
            .as_sequence()
            .filter(|items| items.len() == 3)
            .ok_or_else(|| TemplateError("Fn::If needs [condition, then, else]".into()))?;
        let condition = items[0]
            .as_str()
            .ok_or_else(|| TemplateError("Fn::If names a condition".into()))?;
        Ok(if self.condition(condition)? {
            &items[1]
        } else {
            &items[2]
        })
    }

    /// Whether `function` is deployed with these parameters (its
    /// condition, if it has one, holds).
    pub fn deploys(&self, function: &FunctionDef) -> Result<bool> {
        match &function.condition {
            Some(name) => self.condition(name),
            None => Ok(true),
        }
    }

    /// Whether the template's condition `name` holds.
    pub fn condition(&self, name: &str) -> Result<bool> {
        let value = self
            .conditions
            .get(name)
            .ok_or_else(|| TemplateError(format!("no condition {name}")))?
            .clone();
        self.holds(&value)
    }

    fn holds(&self, value: &Value) -> Result<bool> {
        let (function, arg) =
            intrinsic(value).ok_or_else(|| TemplateError(format!("not a condition: {value:?}")))?;
        let items = || {
            arg.as_sequence()
                .cloned()
                .ok_or_else(|| TemplateError(format!("{function} needs a list")))
        };
        match function.as_str() {
            "Fn::Equals" => {
                let items = items()?;
                match items.as_slice() {
                    [a, b] => Ok(self.resolve(a)? == self.resolve(b)?),
                    _ => err("Fn::Equals needs two values"),
                }
            }
            "Fn::Not" => Ok(!self.holds(items()?.first().unwrap_or(&Value::Null))?),
            "Fn::And" => items()?
                .iter()
                .try_fold(true, |all, c| Ok(all && self.holds(c)?)),
            "Fn::Or" => items()?
                .iter()
                .try_fold(false, |any, c| Ok(any || self.holds(c)?)),
            "Condition" => self.condition(arg.as_str().unwrap_or_default()),
            other => err(format!("{other} is not understood in a condition")),
        }
    }

    fn resolve_list(&self, value: &Value) -> Result<Vec<String>> {
        if let Some(("Fn::Split", arg)) = intrinsic(value).as_ref().map(|(f, a)| (f.as_str(), *a)) {
            let delimiter = arg
                .get(0)
                .and_then(Value::as_str)
                .ok_or_else(|| TemplateError("Fn::Split needs a delimiter".into()))?;
            let text = self.resolve(arg.get(1).unwrap_or(&Value::Null))?;
            return Ok(text.split(delimiter).map(str::to_string).collect());
        }
        value
            .as_sequence()
            .ok_or_else(|| TemplateError(format!("not a list: {value:?}")))?
            .iter()
            .map(|v| self.resolve(v))
            .collect()
    }

    fn reference(&self, name: &str) -> Result<String> {
        match name {
            "AWS::Region" => return Ok(LOCAL_REGION.into()),
            "AWS::AccountId" => return Ok(LOCAL_ACCOUNT.into()),
            "AWS::Partition" => return Ok("aws".into()),
            "AWS::StackName" => return Ok(self.stack_name.clone()),
            "AWS::URLSuffix" => return Ok("amazonaws.com".into()),
            _ => {}
        }
        if let Some(v) = self.parameters.get(name) {
            return Ok(v.clone());
        }
        if let Some(t) = self.tables.get(name) {
            return Ok(t.clone());
        }
        if let Some(q) = self.queues.get(name) {
            return Ok(q.url.clone());
        }
        if let Some(c) = self.configuration_sets.get(name) {
            return Ok(c.clone());
        }
        if let Some(b) = self.buckets.get(name) {
            return Ok(b.clone());
        }
        if self.types.get(name).map(String::as_str) == Some("AWS::Serverless::Function") {
            // A function's name, as the local run's processes are named.
            return Ok(format!("{}-{name}", self.stack_name));
        }
        match self.types.get(name) {
            Some(kind) => err(format!("{name} ({kind}) does not exist locally")),
            None => err(format!(
                "Ref to {name}, which the template does not declare"
            )),
        }
    }

    fn attribute(&self, id: &str, attr: &str) -> Result<String> {
        if let Some(q) = self.queues.get(id) {
            return match attr {
                "Arn" => Ok(q.arn.clone()),
                "QueueName" => Ok(q.name.clone()),
                "QueueUrl" => Ok(q.url.clone()),
                _ => err(format!("{id}.{attr}: no such queue attribute locally")),
            };
        }
        if let Some(b) = self.buckets.get(id)
            && attr == "Arn"
        {
            return Ok(format!("arn:aws:s3:::{b}"));
        }
        if let Some(t) = self.tables.get(id)
            && attr == "Arn"
        {
            return Ok(format!(
                "arn:aws:dynamodb:{LOCAL_REGION}:{LOCAL_ACCOUNT}:table/{t}"
            ));
        }
        match (self.types.get(id).map(String::as_str), attr) {
            (Some("AWS::Logs::LogGroup"), "Arn") => Ok(format!(
                "arn:aws:logs:{LOCAL_REGION}:{LOCAL_ACCOUNT}:log-group:{}-{id}:*",
                self.stack_name
            )),
            // SAM's `<Function>Url`: a function URL's address has a 32
            // character id and ends with a slash.
            (_, "FunctionUrl") if id.ends_with("FunctionUrl") => Ok(format!(
                "https://{:x<32.32}.lambda-url.{LOCAL_REGION}.on.aws/",
                id.to_ascii_lowercase()
            )),
            _ => err(format!("{id}.{attr} does not exist locally")),
        }
    }

    fn sub(&self, arg: &Value) -> Result<String> {
        let (text, vars) = match arg {
            Value::String(s) => (s.as_str(), BTreeMap::new()),
            Value::Sequence(items) => {
                let text = items
                    .first()
                    .and_then(Value::as_str)
                    .ok_or_else(|| TemplateError("Fn::Sub needs a string".into()))?;
                let mut vars = BTreeMap::new();
                for (k, v) in items
                    .get(1)
                    .and_then(Value::as_mapping)
                    .into_iter()
                    .flatten()
                {
                    vars.insert(k.as_str().unwrap_or_default().to_string(), self.resolve(v)?);
                }
                (text, vars)
            }
            _ => return err("Fn::Sub needs a string or [string, variables]"),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| TemplateError(format!("Fn::Sub: unclosed ${{ in {text}")))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = vars.get(name) {
                out.push_str(v);
            } else if let Some((id, attr)) = name.split_once('.') {
                out.push_str(&self.attribute(id, attr)?);
            } else {
                out.push_str(&self.reference(name)?);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// A scalar as a string (numbers and booleans as written in JSON).
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The intrinsic function a value calls, in its long name, and its argument:
/// `!Ref X` and `{Ref: X}` alike.
fn intrinsic(value: &Value) -> Option<(String, &Value)> {
    match value {
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let long = if name == "Ref" || name == "Condition" {
                name.to_string()
            } else {
                format!("Fn::{name}")
            };
            Some((long, &tagged.value))
        }
        Value::Mapping(m) if m.len() == 1 => {
            let (k, v) = m.iter().next()?;
            let k = k.as_str()?;
            (k == "Ref" || k.starts_with("Fn::")).then(|| (k.to_string(), v))
        }
        _ => None,
    }
}

/// `X.Attr` or `[X, Attr]`.
fn get_att(arg: &Value) -> Result<(String, String)> {
    match arg {
        Value::String(s) => s
            .split_once('.')
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .ok_or_else(|| TemplateError(format!("Fn::GetAtt {s}: no attribute"))),
        Value::Sequence(items) if items.len() == 2 => Ok((
            items[0].as_str().unwrap_or_default().to_string(),
            items[1].as_str().unwrap_or_default().to_string(),
        )),
        _ => err(format!("Fn::GetAtt {arg:?} is not X.Attr")),
    }
}

/// The logical id in `!GetAtt X.Arn` or `!Ref X`.
pub fn referenced_resource(value: Option<&Value>) -> Option<String> {
    let (function, arg) = intrinsic(value?)?;
    match function.as_str() {
        "Fn::GetAtt" => get_att(arg).ok().map(|(id, _)| id),
        "Ref" => arg.as_str().map(str::to_string),
        _ => None,
    }
}

/// A list of mappings read as (`a`, `b`) pairs.
fn pairs(id: &str, list: Option<&Value>, a: &str, b: &str) -> Result<Vec<(String, String)>> {
    list.and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .map(
            |item| match (item.get(a).and_then(scalar), item.get(b).and_then(scalar)) {
                (Some(x), Some(y)) => Ok((x, y)),
                _ => err(format!("{id}: an entry lacks {a} or {b}")),
            },
        )
        .collect()
}

fn check_constraints(name: &str, spec: &Value, value: &str) -> Result<()> {
    if let Some(allowed) = spec.get("AllowedValues").and_then(Value::as_sequence) {
        let allowed: Vec<String> = allowed.iter().filter_map(scalar).collect();
        if !allowed.iter().any(|a| a == value) {
            return err(format!("{name} = {value:?} is not one of {allowed:?}"));
        }
    }
    let bound = |key: &str| spec.get(key).and_then(Value::as_f64);
    if bound("MinValue").is_some() || bound("MaxValue").is_some() {
        let n: f64 = value
            .parse()
            .map_err(|_| TemplateError(format!("{name} = {value:?} is not a number")))?;
        if bound("MinValue").is_some_and(|min| n < min)
            || bound("MaxValue").is_some_and(|max| n > max)
        {
            return err(format!("{name} = {value} is out of its MinValue/MaxValue"));
        }
    }
    let length = value.chars().count() as u64;
    let limit = |key: &str| spec.get(key).and_then(Value::as_u64);
    if limit("MinLength").is_some_and(|min| length < min)
        || limit("MaxLength").is_some_and(|max| length > max)
    {
        return err(format!(
            "{name} = {value:?} is out of its MinLength/MaxLength"
        ));
    }
    Ok(())
}

async fn create_table(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
    table: &TableDef,
) -> Result<()> {
    let keys = |schema: &[(String, String)]| -> Result<Vec<KeySchemaElement>> {
        schema
            .iter()
            .map(|(attr, kind)| {
                KeySchemaElement::builder()
                    .attribute_name(attr)
                    .key_type(KeyType::from(kind.as_str()))
                    .build()
                    .map_err(|e| aws_err("key schema", e))
            })
            .collect()
    };
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(keys(&table.key_schema)?));
    for (attr, kind) in &table.attributes {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(attr)
                .attribute_type(ScalarAttributeType::from(kind.as_str()))
                .build()
                .map_err(|e| aws_err("attribute definition", e))?,
        );
    }
    for index in &table.indexes {
        let non_key =
            (!index.non_key_attributes.is_empty()).then(|| index.non_key_attributes.clone());
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&index.name)
                .set_key_schema(Some(keys(&index.key_schema)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(index.projection.as_str()))
                        .set_non_key_attributes(non_key)
                        .build(),
                )
                .build()
                .map_err(|e| aws_err("index", e))?,
        );
    }
    request
        .send()
        .await
        .map_err(|e| aws_err(&format!("CreateTable {name}"), e))?;
    if let Some(attr) = &table.ttl_attribute {
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(attr)
                    .build()
                    .map_err(|e| aws_err("time to live", e))?,
            )
            .send()
            .await
            .map_err(|e| aws_err(&format!("UpdateTimeToLive {name}"), e))?;
    }
    Ok(())
}

/// The template properties that are SQS attributes of the same name.
const QUEUE_ATTRIBUTES: &[&str] = &[
    "ContentBasedDeduplication",
    "DelaySeconds",
    "FifoQueue",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
];

async fn create_queue(
    client: &aws_sdk_sqs::Client,
    local: &Local,
    queue: &QueueDef,
) -> Result<LocalQueue> {
    let planned = &local.queues[&queue.logical_id];
    let mut request = client.create_queue().queue_name(&planned.name);
    for name in QUEUE_ATTRIBUTES {
        if let Some(value) = queue.properties.get(*name) {
            request = request.attributes(QueueAttributeName::from(*name), value);
        }
    }
    if let Some(redrive) = &queue.redrive {
        let target = &local.queues[&redrive.dead_letter_queue];
        let policy = serde_json::json!({
            "deadLetterTargetArn": target.arn,
            "maxReceiveCount": redrive.max_receive_count,
        });
        request = request.attributes(QueueAttributeName::RedrivePolicy, policy.to_string());
    }
    let url = request
        .send()
        .await
        .map_err(|e| aws_err(&format!("CreateQueue {}", planned.name), e))?
        .queue_url
        .ok_or_else(|| TemplateError(format!("CreateQueue {}: no URL", planned.name)))?;
    let arn = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| aws_err(&format!("GetQueueAttributes {}", planned.name), e))?
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or_else(|| TemplateError(format!("{}: no QueueArn", planned.name)))?;
    Ok(LocalQueue {
        name: planned.name.clone(),
        url,
        arn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Parameters:
  Name: {Type: String, Default: shop}
  Count: {Type: Number, Default: 2, MinValue: 1, MaxValue: 4}
  Mail: {Type: String}
Globals:
  Function:
    Timeout: 30
Resources:
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      SqsManagedSseEnabled: true
      RedrivePolicy: {deadLetterTargetArn: !GetAtt WorkDeadLetterQueue.Arn, maxReceiveCount: 5}
  WorkDeadLetterQueue:
    Type: AWS::SQS::Queue
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      TimeToLiveSpecification: {AttributeName: ttl, Enabled: true}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ../target/lambda/worker/
      Environment:
        Variables:
          A: !Ref Table
          B: !Ref WorkQueue
          C: !GetAtt WorkQueue.Arn
          D: !Sub "${Name}-${AWS::Region}-${WorkQueue.QueueName}-${!Literal}"
          E: {"Fn::Sub": ["x/${Dom}", {Dom: !Select [1, !Split ["@", !Ref Mail]]}]}
          F: !Ref Count
          G: !Join ["-", [a, !Ref Name]]
      Events:
        Work:
          Type: SQS
          Properties: {Queue: !GetAtt WorkQueue.Arn, FunctionResponseTypes: [ReportBatchItemFailures]}
        Daily:
          Type: ScheduleV2
          Properties: {ScheduleExpression: "cron(0 9 * * ? *)", Input: '{"time":"<aws.scheduler.scheduled-time>"}'}
"#;

    #[test]
    fn resolves_references_substitutions_and_events() {
        let t = Template::parse(TEMPLATE).unwrap();
        let params = t.parameters(&[("Mail", "a@b.example")]).unwrap();
        let local = t.plan(params).unwrap();
        let f = t.function("worker").unwrap();
        assert_eq!(f.timeout, Some(30));
        let env: BTreeMap<_, _> = local.function_env(&f).unwrap().into_iter().collect();
        assert_eq!(env["A"], "memnun-Table");
        assert!(env["B"].ends_with("/memnun-WorkQueue"));
        assert_eq!(
            env["C"],
            "arn:aws:sqs:eu-central-1:123456789012:memnun-WorkQueue"
        );
        assert_eq!(env["D"], "shop-eu-central-1-memnun-WorkQueue-${Literal}");
        assert_eq!(env["E"], "x/b.example");
        assert_eq!(env["F"], "2");
        assert_eq!(env["G"], "a-shop");
        assert_eq!(
            f.sqs_events,
            [SqsEventSource {
                name: "Work".into(),
                queue: "WorkQueue".into(),
                batch_size: 10,
                report_batch_item_failures: true,
            }]
        );
        assert_eq!(f.schedules[0].kind, ScheduleKind::Scheduler);
        assert_eq!(
            f.schedules[0].input.as_deref(),
            Some(r#"{"time":"<aws.scheduler.scheduled-time>"}"#)
        );
        let tables = t.tables().unwrap();
        assert_eq!(tables[0].ttl_attribute.as_deref(), Some("ttl"));
        let queues = t.queues().unwrap();
        let work = queues.iter().find(|q| q.logical_id == "WorkQueue").unwrap();
        assert!(work.encrypted());
        assert_eq!(work.redrive.as_ref().unwrap().max_receive_count, 5);
        assert_eq!(
            Local::short_name("SlaEventsQueue").as_deref(),
            Some("sla-events")
        );
    }

    #[test]
    fn parameters_are_checked() {
        let t = Template::parse(TEMPLATE).unwrap();
        assert!(t.parameters(&[]).unwrap_err().0.contains("Mail"));
        assert!(t.parameters(&[("Mail", "m"), ("Count", "9")]).is_err());
        assert!(t.parameters(&[("Mail", "m"), ("Nope", "1")]).is_err());
        let local = t.plan(t.parameters(&[("Mail", "m")]).unwrap()).unwrap();
        let unknown = Value::Tagged(Box::new(serde_yaml_ng::value::TaggedValue {
            tag: serde_yaml_ng::value::Tag::new("Ref"),
            value: Value::String("Missing".into()),
        }));
        assert!(local.resolve(&unknown).is_err());
    }
}
