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
        "birthday-scheduler" => Some(|env| birthday_scheduler::Config::from_env(env).map(drop)),
        "birthday-greeter" => Some(|env| birthday_greeter::Config::from_env(env).map(drop)),
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

/// The template planned with the tests' shop: names, URLs, parameter values.
fn local(template: &Template) -> Local {
    let parameters = template
        .parameters(TEST_SHOP)
        .unwrap_or_else(|e| panic!("{e}"));
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
        if let Err(e) = read(&env) {
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
