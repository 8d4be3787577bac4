//! The IAM proof (`memnun_tests::iam`): the local run replays the scenario
//! with every function signing its AWS calls with its own name; each call is
//! checked against that function's role in `infra/template.yaml`, with SES in
//! its sandbox (a new account's first deploy) and out of it. A call the role
//! does not allow fails the test; so does a grant that no call used, unless
//! it is one the Lambda service itself uses on the function's behalf or one
//! listed in [`NOT_IN_THE_SCENARIO`] with the path that needs it.

use std::collections::BTreeSet;

use memnun_tests::faults::RecordedCall;
use memnun_tests::iam::{Grant, Roles, Ses};
use memnun_tests::local::run::{AWS_CALLS, Options, run};
use memnun_tests::stack::TEST_SHOP;
use memnun_tests::template::Template;

/// Grants the Lambda service uses with the function's role, never the
/// function's own code: writing its logs, and polling the queues of its SQS
/// event sources.
fn used_by_lambda(grant: &Grant, consumed: &BTreeSet<String>) -> bool {
    let (_, _, action, resource) = grant;
    matches!(
        action.as_str(),
        "logs:CreateLogStream" | "logs:PutLogEvents"
    ) || (matches!(
        action.as_str(),
        "sqs:ReceiveMessage" | "sqs:DeleteMessage" | "sqs:GetQueueAttributes"
    ) && consumed.contains(resource))
}

/// Grants the scenario's path does not reach, each with the path that
/// uses it. Any other unused grant fails the test: it is either dead or
/// too wide.
const NOT_IN_THE_SCENARIO: &[(&str, &str, &str, &str)] = &[
    (
        "ComplaintIntakeRole",
        "IdempotencyTable",
        "dynamodb:DeleteItem",
        "releasing a claim after a failed effect",
    ),
    (
        "WeeklyDigestRole",
        "IdempotencyTable",
        "dynamodb:DeleteItem",
        "releasing a claim after a failed send",
    ),
    (
        "*",
        "IdempotencyTable",
        "dynamodb:GetItem",
        "reading a unit's record when a commit's answer was lost, or a claim another delivery holds",
    ),
    (
        "SlaEscalatorRole",
        "MainTable",
        "dynamodb:ConditionCheckItem",
        "a missed resolution's coupon, checked against the other deadline's",
    ),
    (
        "SlaEscalatorRole",
        "MainTable",
        "dynamodb:PutItem",
        "holding an alarm's email until working or civil hours",
    ),
    (
        "MailInboundRole",
        "IdempotencyTable",
        "dynamodb:DeleteItem",
        "releasing the claim on a set-aside mail's count after a failed count",
    ),
    (
        "SlaEscalatorRole",
        "PublishOutbound",
        "sqs:SendMessage",
        "coupon.issued for a missed resolution's coupon",
    ),
];

fn not_in_the_scenario(grant: &Grant) -> bool {
    let (role, sid, action, _) = grant;
    NOT_IN_THE_SCENARIO
        .iter()
        .any(|(r, s, a, _)| (*r == "*" || r == role) && s == sid && a == action)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_call_of_every_function_is_allowed_by_its_role_and_every_grant_is_used() {
    let out = std::env::temp_dir().join(format!("memnun-iam-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let options = Options {
        out: out.clone(),
        ..Options::default()
    };
    run(options, |line| println!("{line}"))
        .await
        .expect("the local run");
    let calls: Vec<RecordedCall> = serde_json::from_str(
        &std::fs::read_to_string(out.join(AWS_CALLS)).expect("the recorded calls"),
    )
    .expect("calls as JSON");

    let template = Template::load().unwrap();
    // The parameters the local run deployed with: the test shop's, its
    // stores and help desk pointed at their stand-ins and its webhook at a
    // receiver.
    let stores = memnun_tests::stores::parameters("http://127.0.0.1:1");
    let webhook = memnun_tests::receiver::parameters("http://127.0.0.1:1/memnun");
    let desk = memnun_tests::helpdesk::zendesk_parameters("http://127.0.0.1:1");
    let parameters: Vec<(&str, &str)> = TEST_SHOP
        .iter()
        .copied()
        .chain(
            stores
                .iter()
                .chain(&webhook)
                .chain(&desk)
                .map(|(name, value)| (*name, value.as_str())),
        )
        .chain([(
            "InboundEmailDomain",
            memnun_tests::local::run::INBOUND_DOMAIN,
        )])
        .collect();
    let local = template
        .plan(template.parameters(&parameters).unwrap())
        .unwrap();
    let roles = Roles::load(&template, &local).unwrap();
    let functions: BTreeSet<&str> = calls.iter().map(|c| c.key_id.as_str()).collect();
    assert_eq!(
        functions.len(),
        roles.by_function.len(),
        "every function makes calls in the scenario: {functions:?}"
    );

    let mut used = BTreeSet::new();
    for ses in [Ses::Sandbox, Ses::Production] {
        let (denied, grants) = roles.check(&calls, ses).unwrap();
        assert!(
            denied.is_empty(),
            "{} call(s) denied with SES in {ses:?}:\n{}",
            denied.len(),
            denied.join("\n")
        );
        used.extend(grants);
    }

    let consumed: BTreeSet<String> = template
        .functions()
        .unwrap()
        .iter()
        .flat_map(|f| {
            f.sqs_events
                .iter()
                .map(|e| local.queues[&e.queue].arn.clone())
        })
        .collect();
    let unused: Vec<String> = roles
        .grants()
        .into_iter()
        .filter(|g| !used.contains(g) && !used_by_lambda(g, &consumed) && !not_in_the_scenario(g))
        .map(|(role, sid, action, resource)| format!("{role}/{sid}: {action} on {resource}"))
        .collect();
    assert!(
        unused.is_empty(),
        "{} grant(s) no recorded call used:\n{}",
        unused.len(),
        unused.join("\n")
    );

    // The same calls of a shop on Freshdesk instead of Zendesk: the desk's
    // key is another parameter, every other call the same. The role of that
    // plan allows them all.
    let freshdesk = memnun_tests::helpdesk::freshdesk_parameters("http://127.0.0.1:1");
    let on_freshdesk: Vec<(&str, &str)> = TEST_SHOP
        .iter()
        .copied()
        .chain(
            stores
                .iter()
                .chain(&webhook)
                .chain(&freshdesk)
                .map(|(name, value)| (*name, value.as_str())),
        )
        .chain([(
            "InboundEmailDomain",
            memnun_tests::local::run::INBOUND_DOMAIN,
        )])
        .collect();
    let plan = template
        .plan(template.parameters(&on_freshdesk).unwrap())
        .unwrap();
    let roles = Roles::load(&template, &plan).unwrap();
    let swapped: Vec<RecordedCall> = calls
        .iter()
        .map(|c| RecordedCall {
            body: c
                .body
                .replace("/memnun/zendesk-token", "/memnun/freshdesk-key"),
            ..c.clone()
        })
        .collect();
    assert!(
        swapped
            .iter()
            .any(|c| c.body.contains("/memnun/freshdesk-key")),
        "the outbound function read the desk's credentials"
    );
    let (denied, _) = roles.check(&swapped, Ses::Production).unwrap();
    assert!(denied.is_empty(), "on Freshdesk:\n{}", denied.join("\n"));
    let _ = std::fs::remove_dir_all(&out);
}
