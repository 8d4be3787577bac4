//! The deployment template against the code. What a shop deploys must be
//! what the code needs: every function in `functions/` and no other, each
//! with exactly the environment variables its config reads, and every queue a
//! function consumes set up for partial batch failures and a dead-letter
//! queue. These run without the emulator.

use std::collections::{BTreeMap, BTreeSet};

use memnun_shared::config::Env;
use memnun_tests::stack::TEST_SHOP;
use memnun_tests::template::{Local, Template, referenced_resource};
use serde_yaml_ng::Value;

/// Reads a function's configuration the way its binary does at init.
type ReadConfig = fn(&Env) -> memnun_shared::Result<()>;

/// Every function's config reader, by crate (directory and binary) name. A
/// new function needs a line here: the tests below fail until it has one.
fn config_reader(function: &str) -> Option<ReadConfig> {
    match function {
        "review-responder" => Some(|env| review_responder::Config::from_env(env).map(drop)),
        "ingest" => Some(|env| ingest::Config::from_env(env).map(drop)),
        "complaint-intake" => Some(|env| complaint_intake::Config::from_env(env).map(drop)),
        "links" => Some(|env| links::Config::from_env(env).map(drop)),
        "sla-monitor" => Some(|env| sla_monitor::Config::from_env(env).map(drop)),
        "sla-escalator" => Some(|env| sla_escalator::Config::from_env(env).map(drop)),
        "weekly-digest" => Some(|env| weekly_digest::Config::from_env(env).map(drop)),
        "customer-directory" => Some(|env| customer_directory::Config::from_env(env).map(drop)),
        "mail-feedback" => Some(|env| mail_feedback::Config::from_env(env).map(drop)),
        "mail-inbound" => Some(|env| mail_inbound::Config::from_env(env).map(drop)),
        "birthday-scheduler" => Some(|env| birthday_scheduler::Config::from_env(env).map(drop)),
        "birthday-greeter" => Some(|env| birthday_greeter::Config::from_env(env).map(drop)),
        "order-journey" => Some(|env| order_journey::Config::from_env(env).map(drop)),
        "outbound" => Some(|env| outbound::Config::from_env(env).map(drop)),
        _ => None,
    }
}

/// The Lambda crates: every directory of `functions/` but the library.
fn function_dirs() -> BTreeSet<String> {
    let dir = memnun_tests::workspace_root().join("functions");
    std::fs::read_dir(&dir)
        .expect("read functions/")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.join("Cargo.toml").is_file())
        .filter_map(|path| path.file_name()?.to_str().map(str::to_string))
        .filter(|name| name != "shared")
        .collect()
}

fn template() -> Template {
    Template::load().unwrap_or_else(|e| panic!("{e}"))
}

/// The template planned with the tests' shop, its outbound webhook on (so
/// every function is deployed): names, URLs, parameter values.
fn local(template: &Template) -> Local {
    let webhook = memnun_tests::receiver::parameters("https://hooks.dukkan.example/memnun");
    let shop: Vec<(&str, &str)> = TEST_SHOP
        .iter()
        .copied()
        .chain(webhook.iter().map(|(name, value)| (*name, value.as_str())))
        .collect();
    let parameters = template.parameters(&shop).unwrap_or_else(|e| panic!("{e}"));
    template.plan(parameters).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_function_has_a_config_reader_here() {
    let missing: Vec<String> = function_dirs()
        .into_iter()
        .filter(|f| config_reader(f).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "functions/{missing:?} have no entry in config_reader() of tests/flows/template.rs: \
         add `\"<name>\" => Some(|env| <crate>::Config::from_env(env).map(drop))` and the \
         crate to tests/Cargo.toml, and give the function its entry in infra/template.yaml"
    );
}

#[test]
fn the_template_deploys_exactly_the_functions_in_functions() {
    let functions = template().functions().expect("the template's functions");
    let deployed: BTreeSet<String> = functions.iter().map(|f| f.binary.clone()).collect();
    assert_eq!(
        deployed,
        function_dirs(),
        "infra/template.yaml's functions (by CodeUri) and the crates in functions/ differ"
    );
    for f in &functions {
        assert_eq!(
            f.code_uri,
            format!("../target/lambda/{}/", f.binary),
            "{}: CodeUri must point at what `cargo lambda build --release` writes",
            f.logical_id
        );
    }
}

#[test]
fn each_function_gets_exactly_the_variables_its_config_reads() {
    let template = template();
    let local = local(&template);
    for function in template.functions().expect("the template's functions") {
        let read = config_reader(&function.binary).unwrap_or_else(|| {
            panic!(
                "{} has no entry in config_reader() of tests/flows/template.rs",
                function.binary
            )
        });
        let env_pairs = local
            .function_env(&function)
            .unwrap_or_else(|e| panic!("{e}"));
        let env = Env::from_pairs(env_pairs.clone());
        if let Err(e) = memnun_shared::lambda::read_common(&env).and_then(|()| read(&env)) {
            panic!(
                "{}: the template's environment does not configure it: {e}",
                function.binary
            );
        }
        let read_names: BTreeSet<&str> = env.names_read().into_iter().collect();
        let set_names: BTreeSet<&str> = env_pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            set_names,
            read_names,
            "{}: the template's variables (left) differ from what its config reads (right); \
             set only: {:?}, read only: {:?}",
            function.binary,
            set_names.difference(&read_names).collect::<Vec<_>>(),
            read_names.difference(&set_names).collect::<Vec<_>>()
        );
    }
}

#[test]
fn every_consumed_queue_has_a_dead_letter_queue_and_partial_batch_failures() {
    let template = template();
    let queues: BTreeMap<String, _> = template
        .queues()
        .expect("the template's queues")
        .into_iter()
        .map(|q| (q.logical_id.clone(), q))
        .collect();
    for function in template.functions().expect("the template's functions") {
        let timeout = function.timeout.unwrap_or(3);
        for event in &function.sqs_events {
            let at = format!("{}.{}", function.logical_id, event.name);
            assert!(
                event.report_batch_item_failures,
                "{at}: FunctionResponseTypes must have ReportBatchItemFailures"
            );
            assert!(
                (1..=10).contains(&event.batch_size),
                "{at}: BatchSize {} (above 10 needs a batching window)",
                event.batch_size
            );
            let queue = queues
                .get(&event.queue)
                .unwrap_or_else(|| panic!("{at}: no queue {}", event.queue));
            let redrive = queue
                .redrive
                .as_ref()
                .unwrap_or_else(|| panic!("{}: no RedrivePolicy", event.queue));
            assert_eq!(redrive.max_receive_count, 5, "{}", event.queue);
            assert!(
                queues.contains_key(&redrive.dead_letter_queue),
                "{}: its dead-letter queue {} is not declared",
                event.queue,
                redrive.dead_letter_queue
            );
            let visibility = queue.number("VisibilityTimeout").unwrap_or(30);
            assert!(
                visibility >= 6 * timeout,
                "{}: VisibilityTimeout {visibility} is under six times {}'s timeout ({timeout})",
                event.queue,
                function.logical_id
            );
        }
    }
}

#[test]
fn every_queue_is_encrypted_and_redrives_to_a_dead_letter_queue_with_an_alarm() {
    let template = template();
    let queues = template.queues().expect("the template's queues");
    let dead_letter = template.dead_letter_queues().expect("dead-letter queues");
    let alarmed = alarmed(&template, "QueueName");
    for queue in &queues {
        let id = &queue.logical_id;
        assert!(queue.encrypted(), "{id}: SqsManagedSseEnabled must be true");
        if dead_letter.contains(id) {
            assert_eq!(
                queue.number("MessageRetentionPeriod"),
                Some(1_209_600),
                "{id}: a dead-letter queue keeps messages 14 days"
            );
            assert!(alarmed.contains(id), "{id}: no alarm on its messages");
            assert!(
                id.ends_with("DeadLetterQueue"),
                "{id}: dead-letter queues are named <Name>DeadLetterQueue"
            );
        } else {
            let redrive = queue
                .redrive
                .as_ref()
                .unwrap_or_else(|| panic!("{id}: every queue needs a dead-letter queue"));
            assert_eq!(redrive.max_receive_count, 5, "{id}");
            assert!(
                Local::short_name(id).is_some(),
                "{id}: queues are named <Name>Queue"
            );
        }
    }
}

#[test]
fn every_table_is_encrypted_and_recoverable_and_every_function_has_an_errors_alarm() {
    let template = template();
    for table in template.tables().expect("the template's tables") {
        assert!(table.encrypted, "{}: SSESpecification", table.logical_id);
        assert!(
            table.point_in_time_recovery,
            "{}: point-in-time recovery",
            table.logical_id
        );
    }
    let alarmed = alarmed(&template, "FunctionName");
    for function in template.functions().expect("the template's functions") {
        assert!(
            alarmed.contains(&function.logical_id),
            "{}: no Errors alarm",
            function.logical_id
        );
    }
}

/// The resources some alarm watches through the dimension `dimension`.
fn alarmed(template: &Template, dimension: &str) -> BTreeSet<String> {
    template
        .resources_of_type("AWS::CloudWatch::Alarm")
        .into_iter()
        .flat_map(|(_, props)| {
            props
                .get("Dimensions")
                .and_then(Value::as_sequence)
                .cloned()
                .unwrap_or_default()
        })
        .filter(|d| d.get("Name").and_then(Value::as_str) == Some(dimension))
        .filter_map(|d| referenced_resource(d.get("Value")))
        .collect()
}

#[test]
fn the_local_environment_matches_the_tests_shop() {
    let template = template();
    let local = local(&template);
    let function = template
        .function("review-responder")
        .expect("review-responder");
    let env: BTreeMap<String, String> = local
        .function_env(&function)
        .expect("environment")
        .into_iter()
        .collect();
    assert_eq!(env["SHOP_NAME"], "Dükkan");
    assert_eq!(env["SENDER_EMAIL"], memnun_tests::stack::SENDER);
    assert_eq!(env["TABLE_NAME"], "memnun-MainTable");
    assert!(env["OUTBOUND_QUEUE_URL"].ends_with("/memnun-OutboundQueue"));
}

/// The tests' shop's parameters with `overrides` over them.
fn shop_with(template: &Template, overrides: &[(&str, &str)]) -> BTreeMap<String, String> {
    let all: Vec<(&str, &str)> = TEST_SHOP.iter().chain(overrides).copied().collect();
    template.parameters(&all).unwrap_or_else(|e| panic!("{e}"))
}

/// Every `AWS::Serverless::Function`'s raw properties, by logical id.
fn function_properties(template: &Template, id: &str) -> serde_yaml_ng::Mapping {
    template
        .resources_of_type("AWS::Serverless::Function")
        .into_iter()
        .find(|(logical, _)| logical == id)
        .map(|(_, p)| p)
        .unwrap_or_else(|| panic!("no function {id}"))
}

#[test]
fn the_public_functions_have_reserved_concurrency_from_their_parameters() {
    let template = template();
    let local = local(&template);
    let defaults = template.parameter_defaults();
    for (function, parameter, condition) in [
        (
            "IngestFunction",
            "IngestReservedConcurrency",
            "ReservesIngest",
        ),
        ("LinksFunction", "LinksReservedConcurrency", "ReservesLinks"),
    ] {
        let props = function_properties(&template, function);
        let reserved = props
            .get("ReservedConcurrentExecutions")
            .unwrap_or_else(|| panic!("{function}: no ReservedConcurrentExecutions"));
        let text = format!("{reserved:?}");
        assert!(
            text.contains(parameter) && text.contains(condition) && text.contains("AWS::NoValue"),
            "{function}: reserved by {parameter} unless it is 0: {text}"
        );
        let default: u32 = defaults[parameter].parse().unwrap();
        assert!(default > 0, "{parameter} reserves by default");
        assert!(
            local.condition(condition).unwrap(),
            "{condition} holds by default"
        );
        let zero = template
            .plan(shop_with(&template, &[(parameter, "0")]))
            .unwrap();
        assert!(!zero.condition(condition).unwrap(), "0 reserves nothing");
    }
}

#[test]
fn the_links_base_url_is_the_links_functions_own_url_unless_a_domain_is_given() {
    let template = template();
    let intake = template.function("complaint-intake").unwrap();
    let greeter = template.function("birthday-greeter").unwrap();
    let own = template
        .plan(shop_with(&template, &[("LinksBaseUrl", "")]))
        .unwrap();
    for function in [&intake, &greeter] {
        let env: BTreeMap<String, String> =
            own.function_env(function).unwrap().into_iter().collect();
        let url = &env["LINKS_BASE_URL"];
        assert!(url.contains(".lambda-url.") && url.ends_with('/'), "{url}");
        let read = memnun_shared::config::links_base_url_from_env(&Env::from_pairs([(
            "LINKS_BASE_URL".to_string(),
            url.clone(),
        )]))
        .unwrap();
        assert!(
            !read.ends_with('/'),
            "read without its trailing slash: {read}"
        );
    }
    let custom = local(&template);
    let env: BTreeMap<String, String> = custom.function_env(&intake).unwrap().into_iter().collect();
    assert_eq!(env["LINKS_BASE_URL"], "https://destek.dukkan.example");
}

/// A name as CloudFormation makes one: the stack's name, the logical id and
/// a suffix, cut to `limit`.
fn generated(stack: &str, id: &str, limit: usize) -> String {
    let mut name = format!("{stack}-{id}-1A2B3C4D5E6F7");
    name.truncate(limit);
    name
}

/// Every name one stack gives something in its account and region:
/// (kind, name). Explicit names are resolved; names CloudFormation makes
/// are [`generated`]; a schedule is known by its group and its name.
fn names_in_the_account(template: &Template, stack: &str) -> BTreeSet<(String, String)> {
    let local = template
        .plan_as(stack, template.parameters(TEST_SHOP).unwrap(), generated)
        .unwrap();
    // The properties that name a resource in the account, by type.
    const NAME_PROPERTIES: &[(&str, &str)] = &[
        ("AWS::DynamoDB::Table", "TableName"),
        ("AWS::SQS::Queue", "QueueName"),
        ("AWS::SNS::Topic", "TopicName"),
        ("AWS::IAM::Role", "RoleName"),
        ("AWS::Logs::LogGroup", "LogGroupName"),
        ("AWS::CloudWatch::Alarm", "AlarmName"),
        ("AWS::SES::ConfigurationSet", "Name"),
        ("AWS::Scheduler::ScheduleGroup", "Name"),
        ("AWS::Serverless::Function", "FunctionName"),
        ("AWS::KMS::Alias", "AliasName"),
        ("AWS::CloudWatch::Dashboard", "DashboardName"),
    ];
    let mut names = BTreeSet::new();
    let mut physical = BTreeMap::new();
    for (id, kind, props) in template.resources() {
        let name = NAME_PROPERTIES
            .iter()
            .find(|(k, _)| *k == kind)
            .and_then(|(_, property)| props.get(*property))
            .map(|v| local.resolve(v).unwrap())
            .unwrap_or_else(|| generated(stack, &id, 64));
        physical.insert(id.clone(), name.clone());
        names.insert((kind, name));
    }
    for (id, _, props) in template.resources() {
        let events = props.get("Events").and_then(Value::as_mapping);
        for (event, body) in events.into_iter().flatten() {
            if body.get("Type").and_then(Value::as_str) != Some("ScheduleV2") {
                continue;
            }
            let event = event.as_str().unwrap();
            let p = body.get("Properties").unwrap();
            let group = match referenced_resource(p.get("GroupName")) {
                Some(group) => physical[&group].clone(),
                None => "default".to_string(),
            };
            let name = p
                .get("Name")
                .map(|n| local.resolve(n).unwrap())
                .unwrap_or_else(|| format!("{id}{event}"));
            names.insert(("AWS::Scheduler::Schedule".into(), format!("{group}/{name}")));
        }
    }
    names
}

#[test]
fn two_stacks_in_one_account_name_nothing_alike() {
    let template = template();
    let staging = names_in_the_account(&template, "memnun-staging");
    let production = names_in_the_account(&template, "memnun-production");
    let clashes: Vec<_> = staging.intersection(&production).collect();
    assert!(
        clashes.is_empty(),
        "both stacks would name these: {clashes:?}"
    );
    assert!(
        staging.iter().any(|(k, _)| k == "AWS::Scheduler::Schedule"),
        "the schedules are counted"
    );
}

#[test]
fn every_schedule_retries_and_ends_in_a_dead_letter_queue_with_an_alarm() {
    let template = template();
    let alarmed = alarmed(&template, "QueueName");
    let mut schedules = 0;
    for (id, _, props) in template.resources() {
        let events = props.get("Events").and_then(Value::as_mapping);
        for (event, body) in events.into_iter().flatten() {
            if body.get("Type").and_then(Value::as_str) != Some("ScheduleV2") {
                continue;
            }
            schedules += 1;
            let p = body.get("Properties").unwrap();
            let what = format!("{id}.{}", event.as_str().unwrap());
            let retries = p
                .get("RetryPolicy")
                .and_then(|r| r.get("MaximumRetryAttempts"))
                .and_then(Value::as_i64)
                .unwrap_or(0);
            assert!(retries > 0, "{what}: retries");
            let dlq = referenced_resource(p.get("DeadLetterConfig").and_then(|d| d.get("Arn")))
                .unwrap_or_else(|| panic!("{what}: no dead-letter queue"));
            assert!(alarmed.contains(&dlq), "{what}: {dlq} has no alarm");
            let queue = template
                .queues()
                .unwrap()
                .into_iter()
                .find(|q| q.logical_id == dlq)
                .unwrap_or_else(|| panic!("{what}: {dlq} is no queue"));
            assert!(queue.encrypted(), "{dlq}");
            assert_eq!(
                queue.number("MessageRetentionPeriod"),
                Some(1_209_600),
                "{dlq}"
            );
        }
    }
    assert_eq!(schedules, 3, "the SLA sweep, the birthday run, the digest");
}

/// Lambda's limit on the environment of one function.
const LAMBDA_ENVIRONMENT_LIMIT: usize = 4 * 1024;

#[test]
fn every_environment_fits_lambdas_4_kb_with_every_parameter_at_its_maximum() {
    let template = template();
    let declared = template.parameter_specs();
    let mut largest = BTreeMap::new();
    for (name, spec) in &declared {
        let value = if let Some(allowed) = spec.get("AllowedValues").and_then(Value::as_sequence) {
            allowed
                .iter()
                .filter_map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .or_else(|| v.as_i64().map(|n| n.to_string()))
                })
                .max_by_key(String::len)
                .unwrap()
        } else if spec.get("Type").and_then(Value::as_str) == Some("Number") {
            let max = spec
                .get("MaxValue")
                .and_then(Value::as_i64)
                .unwrap_or_else(|| panic!("{name}: a number parameter needs MaxValue"));
            max.to_string()
        } else {
            let max = spec
                .get("MaxLength")
                .and_then(Value::as_u64)
                .unwrap_or_else(|| panic!("{name}: a string parameter needs MaxLength"));
            "x".repeat(max as usize)
        };
        largest.insert(name.clone(), value);
    }
    // A stack name at CloudFormation's limit, and generated names at each
    // service's.
    let stack = "s".repeat(128);
    let local = template.plan_as(&stack, largest, generated).unwrap();
    let mut sizes = Vec::new();
    for function in template.functions().unwrap() {
        let env: BTreeMap<String, String> =
            local.function_env(&function).unwrap().into_iter().collect();
        // Lambda counts the variables as JSON: keys, values and quotes.
        let size = serde_json::to_string(&env).unwrap().len();
        sizes.push((size, function.binary.clone()));
    }
    sizes.sort();
    let (size, function) = sizes.last().unwrap();
    println!("largest environment at every maximum: {function}, {size} bytes");
    assert!(
        *size <= LAMBDA_ENVIRONMENT_LIMIT,
        "{function}'s environment can reach {size} bytes, over Lambda's 4 KB"
    );
}

#[test]
fn the_due_index_carries_what_the_sweep_reads_and_the_customer_index_what_the_history_reads() {
    let tables = template().tables().expect("tables");
    let index = |name: &str| {
        tables
            .iter()
            .flat_map(|t| t.indexes.iter())
            .find(|i| i.name == name)
            .cloned()
            .unwrap_or_else(|| panic!("no index {name}"))
    };
    let due = index(memnun_shared::adapters::due::BY_DUE_INDEX);
    assert_eq!(due.projection, "INCLUDE");
    let projected: BTreeSet<&str> = due.non_key_attributes.iter().map(String::as_str).collect();
    let needed: BTreeSet<&str> = memnun_shared::adapters::due::PROJECTED
        .into_iter()
        .collect();
    assert_eq!(
        projected, needed,
        "by_due must carry exactly due.rs's PROJECTED"
    );
    let customer = index(memnun_shared::adapters::dynamodb::BY_CUSTOMER_INDEX);
    assert_eq!(
        (customer.projection.as_str(), customer.non_key_attributes),
        (
            "INCLUDE",
            memnun_shared::adapters::dynamodb::BY_CUSTOMER_PROJECTED
                .map(String::from)
                .to_vec()
        ),
        "by_customer must carry exactly dynamodb's BY_CUSTOMER_PROJECTED"
    );
    // DynamoDB allows 100 projected attributes over a table's indexes.
    let total: usize = tables
        .iter()
        .flat_map(|t| t.indexes.iter())
        .map(|i| i.non_key_attributes.len())
        .sum();
    assert!(total <= 100, "{total} projected attributes");
}

#[test]
fn shopify_through_eventbridge_is_wired_only_when_its_source_is_named() {
    let template = template();
    let source = "aws.partner/shopify.com/1830279/memnun";
    let off = template.plan(shop_with(&template, &[])).expect("plan");
    assert!(!off.condition("TakesShopifyEvents").unwrap());
    let on = template
        .plan(shop_with(&template, &[("ShopifyEventSourceName", source)]))
        .expect("plan");
    assert!(on.condition("TakesShopifyEvents").unwrap());
    let props = |kind: &str| {
        let mut found = template.resources_of_type(kind);
        assert_eq!(found.len(), 1, "{kind}");
        found.remove(0).1
    };
    // The rule hands every event of the partner bus to ingest, which may be
    // invoked by that rule alone.
    let rule = props("AWS::Events::Rule");
    let target = &rule["Targets"][0]["Arn"];
    assert_eq!(
        referenced_resource(Some(target)).as_deref(),
        Some("IngestFunction")
    );
    assert_eq!(
        referenced_resource(rule.get("EventBusName")).as_deref(),
        Some("ShopifyEventBus")
    );
    let permission = props("AWS::Lambda::Permission");
    assert_eq!(
        permission["Principal"].as_str(),
        Some("events.amazonaws.com")
    );
    assert_eq!(
        referenced_resource(permission.get("SourceArn")).as_deref(),
        Some("ShopifyEventsRule")
    );
    // A failed event: retried twice, then kept where an alarm watches.
    let invoke = props("AWS::Lambda::EventInvokeConfig");
    assert_eq!(invoke["MaximumRetryAttempts"].as_i64(), Some(2));
    assert!(
        template
            .dead_letter_queues()
            .unwrap()
            .contains("ShopifyEventsDeadLetterQueue")
    );
    // Lambda sends it there with the function's role; ingest knows the
    // source to take.
    let roles = memnun_tests::iam::Roles::load(&template, &on).expect("roles");
    assert!(
        roles.by_function["ingest"]
            .iter()
            .any(|s| s.sid == "ShopifyEventFailures" && s.actions == ["sqs:SendMessage"])
    );
    let off_roles = memnun_tests::iam::Roles::load(&template, &off).expect("roles");
    assert!(
        !off_roles.by_function["ingest"]
            .iter()
            .any(|s| s.sid == "ShopifyEventFailures")
    );
    let function = template.function("ingest").expect("ingest");
    let env: BTreeMap<String, String> = on.function_env(&function).unwrap().into_iter().collect();
    assert_eq!(env["SHOPIFY_EVENT_SOURCE"], source);
}

/// Inbound email, which the emulator cannot run (SES receiving has no
/// local mail server): the wiring SES needs, read from the template.
#[test]
fn inbound_email_is_wired_from_the_receipt_rule_to_mail_inbound_and_only_when_asked() {
    let template = template();
    let domain = "cevap.dukkan.example";
    let off = template.plan(shop_with(&template, &[])).expect("plan");
    let on = template
        .plan(shop_with(&template, &[("InboundEmailDomain", domain)]))
        .expect("plan");
    assert!(!off.condition("ReceivesEmail").unwrap());
    assert!(on.condition("ReceivesEmail").unwrap());
    // Nothing of it deployed when the domain is empty.
    for (id, _, _) in template.resources() {
        if id.starts_with("InboundEmail") || id.starts_with("MailInbound") {
            assert_eq!(
                template.resource_condition(&id).as_deref(),
                Some("ReceivesEmail"),
                "{id}"
            );
        }
    }
    let props = |id: &str| -> serde_yaml_ng::Mapping {
        template
            .resources()
            .into_iter()
            .find(|(logical, _, _)| logical == id)
            .map(|(_, _, properties)| properties)
            .unwrap_or_else(|| panic!("no {id}"))
    };
    let resolve = |v: &Value| on.resolve(v).unwrap_or_else(|e| panic!("{e}"));

    // The rule: every mail to the domain, scanned, stored under inbound/
    // in the bucket, notified to the topic.
    let rule = &props("InboundEmailRule")["Rule"];
    assert_eq!(rule["ScanEnabled"].as_bool(), Some(true));
    assert_eq!(resolve(&rule["Recipients"][0]), domain);
    let action = &rule["Actions"][0]["S3Action"];
    assert_eq!(
        referenced_resource(action.get("BucketName")).as_deref(),
        Some("InboundEmailBucket")
    );
    assert_eq!(action["ObjectKeyPrefix"].as_str(), Some("inbound/"));
    assert_eq!(
        referenced_resource(action.get("TopicArn")).as_deref(),
        Some("InboundEmailTopic")
    );
    let bucket = on.buckets["InboundEmailBucket"].clone();

    // SES of this account may write there (its setup check writes beside
    // the prefix); mail-inbound reads under the prefix only.
    let policy = props("InboundEmailBucketPolicy");
    let statements = policy["PolicyDocument"]["Statement"]
        .as_sequence()
        .expect("statements");
    let ses = statements
        .iter()
        .find(|s| s["Principal"]["Service"].as_str() == Some("ses.amazonaws.com"))
        .expect("a statement for SES");
    assert_eq!(ses["Effect"].as_str(), Some("Allow"));
    assert_eq!(ses["Action"].as_str(), Some("s3:PutObject"));
    assert_eq!(
        resolve(&ses["Resource"]),
        format!("arn:aws:s3:::{bucket}/*")
    );
    assert!(
        ses["Condition"]["StringEquals"]
            .get("aws:SourceAccount")
            .is_some()
    );
    assert!(
        statements
            .iter()
            .any(|s| s["Effect"].as_str() == Some("Deny")
                && s["Condition"]["Bool"]["aws:SecureTransport"].as_str() == Some("false")),
        "TLS only"
    );
    // Private, and emptied by its lifecycle rule after the retention.
    let b = props("InboundEmailBucket");
    for flag in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(
            b["PublicAccessBlockConfiguration"][flag].as_bool(),
            Some(true),
            "{flag}"
        );
    }
    let expiry = &b["LifecycleConfiguration"]["Rules"][0];
    assert_eq!(expiry["Status"].as_str(), Some("Enabled"));
    assert_eq!(resolve(&expiry["ExpirationInDays"]), "14");

    // SES may publish to the topic and its key; the topic delivers to the
    // queue mail-inbound consumes, which takes the topic alone.
    let topic_policy = props("InboundEmailTopicPolicy");
    assert_eq!(
        topic_policy["PolicyDocument"]["Statement"][0]["Principal"]["Service"].as_str(),
        Some("ses.amazonaws.com")
    );
    let key = referenced_resource(props("InboundEmailTopic").get("KmsMasterKeyId"))
        .expect("a key of the stack's");
    let key_policy = props(&key);
    assert!(
        key_policy["KeyPolicy"]["Statement"]
            .as_sequence()
            .expect("statements")
            .iter()
            .any(|s| s["Principal"]["Service"].as_str() == Some("ses.amazonaws.com")),
        "SES may use the topic's key"
    );
    let subscription = props("InboundEmailSubscription");
    assert_eq!(subscription["Protocol"].as_str(), Some("sqs"));
    assert_eq!(
        referenced_resource(subscription.get("TopicArn")).as_deref(),
        Some("InboundEmailTopic")
    );
    assert_eq!(
        resolve(&subscription["Endpoint"]),
        on.queues["InboundEmailQueue"].arn
    );
    let queue_policy = props("InboundEmailQueuePolicy");
    let sends = &queue_policy["PolicyDocument"]["Statement"][0];
    assert_eq!(
        sends["Principal"]["Service"].as_str(),
        Some("sns.amazonaws.com")
    );
    assert_eq!(
        referenced_resource(sends["Condition"]["ArnEquals"].get("aws:SourceArn")).as_deref(),
        Some("InboundEmailTopic")
    );
    let function = template.function("mail-inbound").expect("mail-inbound");
    let roles = memnun_tests::iam::Roles::load(&template, &on).expect("roles");
    assert!(
        roles.by_function["mail-inbound"]
            .iter()
            .any(|s| s.sid == "ReadReceivedMail"
                && s.actions == ["s3:GetObject"]
                && s.resources == [format!("arn:aws:s3:::{bucket}/inbound/*")]),
        "mail-inbound reads received mail, under the prefix only"
    );
    assert!(on.deploys(&function).unwrap());
    assert!(!off.deploys(&function).unwrap());
    assert_eq!(
        function
            .sqs_events
            .iter()
            .map(|e| e.queue.as_str())
            .collect::<Vec<_>>(),
        ["InboundEmailQueue"]
    );

    // Ticket emails carry the reply address, unless the help desk's is set.
    let intake = template
        .function("complaint-intake")
        .expect("complaint-intake");
    let reply_to = |local: &Local| -> String {
        local
            .function_env(&intake)
            .unwrap()
            .into_iter()
            .find(|(k, _)| k == "SUPPORT_REPLY_TO_EMAIL")
            .map(|(_, v)| v)
            .unwrap_or_default()
    };
    assert_eq!(reply_to(&off), "");
    assert_eq!(reply_to(&on), format!("reply@{domain}"));
    let desk = template
        .plan(shop_with(
            &template,
            &[
                ("InboundEmailDomain", domain),
                ("SupportReplyToEmail", "destek@dukkan.zendesk.com"),
            ],
        ))
        .expect("plan");
    assert_eq!(reply_to(&desk), "destek@dukkan.zendesk.com");
}

/// A dashboard widget's `SEARCH('{"<namespace>",<dimensions>} MetricName="<name>"', …)`:
/// the namespace, the dimension names and the metric's name.
fn searched(expression: &str) -> (String, Vec<String>, String) {
    let inner = expression
        .strip_prefix("SEARCH('{")
        .unwrap_or_else(|| panic!("not a search: {expression}"));
    let (schema, rest) = inner.split_once('}').expect("a closing brace");
    let mut parts = schema
        .split(',')
        .map(|p| p.trim().trim_matches('"').to_owned());
    let namespace = parts.next().expect("a namespace");
    let name = rest
        .split_once("MetricName=\"")
        .and_then(|(_, tail)| tail.split_once('"'))
        .map(|(name, _)| name.to_owned())
        .unwrap_or_else(|| panic!("no MetricName in {expression}"));
    (namespace, parts.collect(), name)
}

/// The dashboard, resolved with everything off and with everything on: a
/// JSON body CloudWatch takes, every queue, dead-letter queue and function
/// deployed on it, and only metrics the functions emit (the catalogue of
/// `functions/shared/src/metrics.rs`), each with its own dimensions.
#[test]
fn the_dashboard_shows_every_queue_and_function_and_only_metrics_the_functions_emit() {
    use memnun_shared::metrics::CATALOGUE;
    let template = template();
    let dashboards = template.resources_of_type("AWS::CloudWatch::Dashboard");
    assert_eq!(dashboards.len(), 1);
    let body = dashboards[0]
        .1
        .get("DashboardBody")
        .expect("a body")
        .clone();
    let webhook = memnun_tests::receiver::parameters("https://hooks.dukkan.example/memnun");
    let mut everything: Vec<(&str, &str)> = webhook.iter().map(|(n, v)| (*n, v.as_str())).collect();
    everything.extend([
        ("InboundEmailDomain", "mail.dukkan.example"),
        (
            "ShopifyEventSourceName",
            "aws.partner/shopify.com/1830279/memnun",
        ),
    ]);
    for overrides in [&[][..], &everything[..]] {
        let plan = template
            .plan(shop_with(&template, overrides))
            .unwrap_or_else(|e| panic!("{e}"));
        let text = plan.resolve(&body).unwrap_or_else(|e| panic!("{e}"));
        let json: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        let (mut queues, mut functions, mut metrics) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for widget in json["widgets"].as_array().expect("widgets") {
            let props = &widget["properties"];
            assert_eq!(props["region"], "eu-central-1", "{widget}");
            for line in props["metrics"].as_array().expect("metrics") {
                if let Some(expression) = line[0]["expression"].as_str() {
                    let (namespace, dimensions, name) = searched(expression);
                    assert_eq!(namespace, "memnun/memnun", "{expression}");
                    let known = CATALOGUE
                        .iter()
                        .find(|m| m.name == name)
                        .unwrap_or_else(|| panic!("{name} is not a metric memnun emits"));
                    assert_eq!(dimensions, known.dimensions, "{expression}");
                    metrics.insert(name);
                    continue;
                }
                let (namespace, dimension, value) = (
                    line[0].as_str().unwrap_or_default(),
                    line[2].as_str().unwrap_or_default(),
                    line[3].as_str().unwrap_or_default().to_owned(),
                );
                match (namespace, dimension) {
                    ("AWS/SQS", "QueueName") => queues.insert(value),
                    ("AWS/Lambda", "FunctionName") => functions.insert(value),
                    other => panic!("an unexpected metric {other:?}"),
                };
            }
        }
        let deployed = |kind: &str| -> BTreeSet<String> {
            template
                .resources_of_type(kind)
                .into_iter()
                .map(|(id, _)| id)
                .filter(|id| {
                    template
                        .resource_condition(id)
                        .is_none_or(|c| plan.condition(&c).unwrap())
                })
                .collect()
        };
        let queue_names: BTreeSet<String> = deployed("AWS::SQS::Queue")
            .into_iter()
            .map(|id| {
                let get_att: Value =
                    serde_yaml_ng::from_str(&format!("{{Fn::GetAtt: [{id}, QueueName]}}")).unwrap();
                plan.resolve(&get_att).unwrap()
            })
            .collect();
        assert_eq!(
            queues, queue_names,
            "every queue and dead-letter queue, no other"
        );
        let function_names: BTreeSet<String> = deployed("AWS::Serverless::Function")
            .into_iter()
            .map(|id| format!("memnun-{id}"))
            .collect();
        assert_eq!(functions, function_names, "every function, no other");
        let catalogue: BTreeSet<String> = CATALOGUE.iter().map(|m| m.name.to_owned()).collect();
        assert_eq!(metrics, catalogue, "every metric memnun emits");
    }
}

/// Every metric of the catalogue, written as the functions write it, is a
/// line CloudWatch turns into a metric.
#[test]
fn the_metrics_lines_are_embedded_metric_format_cloudwatch_takes() {
    use memnun_shared::metrics::{CATALOGUE, lines, pending_of};
    let values: [&'static str; 2] = ["a_value", "another"];
    let counts: Vec<_> = CATALOGUE
        .iter()
        .map(|m| (*m, &values[..m.dimensions.len()], 3.0))
        .collect();
    let lines = lines("memnun/shop", 1_764_000_000_000, &pending_of(&counts));
    assert_eq!(lines.len(), CATALOGUE.len());
    for line in &lines {
        let extracted = memnun_tests::emf::check(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(extracted.len(), 1, "{line}");
        assert_eq!(extracted[0].namespace, "memnun/shop");
        assert_eq!(extracted[0].value, 3.0);
    }
}
