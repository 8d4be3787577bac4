//! The local run's steps, in order.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::SqsBatchResponse;
use jiff::Timestamp;

use crate::deliver;
use crate::faults::{FaultConfig, FaultProxy};
use crate::local::lambda::FunctionProcess;
use crate::local::report::{self, Summary};
use crate::local::scenario::{self, Link, Send, Step};
use crate::runtime_api::Answer;
use crate::stack::Stack;

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Keep delivering (and firing schedules) until interrupted.
    pub keep_running: bool,
    /// Event files to send instead of the scenario.
    pub send: Vec<PathBuf>,
    /// After the steps, every schedule fires once more at this time. Without
    /// it, the scenario's own schedule steps are all (events sent with
    /// `--send` fire the schedules at the wall clock).
    pub time: Option<Timestamp>,
    /// Where to write the report, emails and logs.
    pub out: PathBuf,
    /// The functions' log level, as the template's `LogLevel` sets it on
    /// Lambda (`AWS_LAMBDA_LOG_LEVEL`); default INFO.
    pub log_level: Option<String>,
}

pub use crate::stack::FunctionSpec;

/// The file in the output directory that lists every AWS call the functions
/// made, with the name each signed it with.
pub const AWS_CALLS: &str = "aws-calls.json";

/// The file in the output directory that lists every call made to the
/// stores' stand-ins: platform, operation and the status answered.
pub const STORE_CALLS: &str = "store-calls.json";

/// The file in the output directory with the tickets the help desk's
/// stand-in (Zendesk) holds, and every call made to it.
pub const HELPDESK: &str = "helpdesk.json";

/// The file in the output directory with every outbound event the shop's
/// webhook received (each signature checked).
pub const WEBHOOK_DELIVERIES: &str = "webhook-deliveries.json";

struct Running {
    process: FunctionProcess,
    spec: FunctionSpec,
    /// The loopback Function URL of an HTTP function.
    http: Option<crate::http_bridge::HttpBridge>,
}

/// Runs the system; answers the summary.
pub async fn run(options: Options, mut say: impl FnMut(&str)) -> Result<Summary, String> {
    let root = crate::workspace_root();
    std::fs::create_dir_all(options.out.join("logs"))
        .map_err(|e| format!("{}: {e}", options.out.display()))?;

    // The shop's stores: contract stand-ins of Shopify and WooCommerce,
    // so every coupon is registered as on AWS and the calls can be read.
    let stores = crate::stores::StoreStandIn::start();
    // The shop's own URL: receives the outbound webhook, signed, and checks
    // each signature as a shop's server would.
    let receiver =
        crate::receiver::WebhookReceiver::start(crate::receiver::OUTBOUND_WEBHOOK_SECRET);
    // The shop's help desk: a contract stand-in of Zendesk, where every
    // ticket is opened with the customer's history.
    let desk = crate::helpdesk::HelpDeskStandIn::start();
    let store_parameters = crate::stores::parameters(&stores.url());
    let webhook_parameters = crate::receiver::parameters(&receiver.url());
    let desk_parameters = crate::helpdesk::zendesk_parameters(&desk.url());
    let parameters: Vec<(&str, &str)> = store_parameters
        .iter()
        .chain(&webhook_parameters)
        .chain(&desk_parameters)
        .map(|(name, value)| (*name, value.as_str()))
        .chain([("InboundEmailDomain", INBOUND_DOMAIN)])
        .collect();
    say("starting the AWS emulator and creating the template's resources");
    let stack = Stack::start_with(&parameters, true).await;
    say(&format!("AWS emulator: {}", stack.emulator.endpoint()));
    say(&format!(
        "Shopify and WooCommerce stand-ins (coupons are created there): {}",
        stores.url()
    ));
    say(&format!(
        "the shop's webhook (outbound events are delivered there, signed): {}",
        receiver.url()
    ));
    say(&format!(
        "Zendesk stand-in (tickets are opened there, with the customer's history): {}",
        desk.url()
    ));
    let specs = crate::local::run::specs(&stack)?;
    // Every call the functions make passes a recording proxy: the IAM proof
    // (tests/flows/iam.rs) reads them from <out>/aws-calls.json.
    let proxy = FaultProxy::start(stack.emulator.port(), FaultConfig::none(0))
        .map_err(|e| format!("cannot start the recording proxy: {e}"))?;
    proxy.set_recording(true);
    say(&format!("AWS calls recorded through: {}", proxy.endpoint()));

    say(&format!("building {} function(s)", specs.len()));
    let mut running = Vec::new();
    for mut spec in specs {
        if let Some(level) = &options.log_level {
            spec.env
                .push(("AWS_LAMBDA_LOG_LEVEL".to_string(), level.clone()));
        }
        let binary = crate::function_binary(&spec.name);
        let log_path = options.out.join("logs").join(format!("{}.log", spec.name));
        let log =
            std::fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
        let process =
            FunctionProcess::start(&spec.name, &binary, &spec.env, &proxy.endpoint(), log)?;
        let http = if spec.http {
            let bridge = crate::http_bridge::HttpBridge::start(process.http_invoker())
                .map_err(|e| format!("cannot serve {} over HTTP: {e}", spec.name))?;
            say(&format!("  {} answers HTTP at {}", spec.name, bridge.url()));
            Some(bridge)
        } else {
            None
        };
        say(&format!(
            "  {} is up (log: {})",
            spec.name,
            log_path.display()
        ));
        running.push(Running {
            process,
            spec,
            http,
        });
    }

    let steps: Vec<Step> = if options.send.is_empty() {
        scenario::load(&root.join("events"))?
    } else {
        options
            .send
            .iter()
            .map(|f| scenario::one(f, None, 1).map(Step::Send))
            .collect::<Result<_, _>>()?
    };
    let scheduled = steps.iter().any(|s| matches!(s, Step::Schedule { .. }));
    let mut summary = Summary::default();
    for step in &steps {
        match step {
            Step::Send(send) => {
                let body = with_ticket(&stack, send).await?;
                for _ in 0..send.deliveries {
                    if let Some((platform, topic)) = &send.platform {
                        post_to_platform(&running, platform, topic.as_deref(), send, &body)?;
                    } else if send.webhook {
                        post_to_webhook(&running, &body)?;
                    } else {
                        stack.send(&send.queue, &body).await;
                    }
                    summary.events_in += 1;
                }
                let how = if send.webhook || send.platform.is_some() {
                    "posted"
                } else {
                    "sent"
                };
                let to = match &send.platform {
                    Some((platform, Some(topic))) => format!("/webhooks/{platform} ({topic})"),
                    Some((platform, None)) => format!("/webhooks/{platform}"),
                    None if send.webhook => "the webhook".to_string(),
                    None => send.queue.clone(),
                };
                say(&format!(
                    "{how} {} to {to} ×{}",
                    send.file.display(),
                    send.deliveries
                ));
            }
            Step::Schedule { function, at } => {
                fire_schedules(&running, Some(function), *at, &mut say).await;
            }
            Step::Open(link) => open(&stack, &running, *link, &mut say)?,
            Step::Mail(mail) => {
                receive_mail(&stack, mail).await?;
                summary.events_in += 1;
                say(&format!(
                    "received {} by email (SES receiving)",
                    mail.file.display()
                ));
            }
        }
        drain_queues(&stack, &running, &mut summary).await?;
    }

    // Events sent on their own (`--send`) and an explicit `--time` fire
    // every schedule once more, at that time (default: now).
    if options.time.is_some() || !scheduled {
        let at = options.time.unwrap_or_else(Timestamp::now);
        fire_schedules(&running, None, at, &mut say).await;
        drain_queues(&stack, &running, &mut summary).await?;
    }

    if options.keep_running {
        for r in &running {
            if let Some(bridge) = &r.http {
                say(&format!("{} answers at {}", r.spec.name, bridge.url()));
            }
        }
        say("running; press Ctrl-C to stop and see the summary");
        keep_running(&stack, &running, &mut summary).await?;
    }

    collect(&stack, &mut summary).await;
    summary.in_shopify = stores.shopify_discounts().len();
    summary.in_woocommerce = stores.woocommerce_coupons().len();
    summary.webhook = receiver.received().len();
    summary.in_helpdesk = desk.tickets().len();
    let helpdesk = serde_json::to_string_pretty(
        &serde_json::json!({"tickets": desk.tickets(), "calls": desk.calls()}),
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(options.out.join(HELPDESK), helpdesk).map_err(|e| e.to_string())?;
    let delivered =
        serde_json::to_string_pretty(&receiver.received()).map_err(|e| e.to_string())?;
    std::fs::write(options.out.join(WEBHOOK_DELIVERIES), delivered).map_err(|e| e.to_string())?;
    let store_calls = serde_json::to_string_pretty(&stores.calls()).map_err(|e| e.to_string())?;
    std::fs::write(options.out.join(STORE_CALLS), store_calls).map_err(|e| e.to_string())?;
    let index = report::write_emails(&options.out, &stack.emulator.sent_emails())
        .map_err(|e| e.to_string())?;
    let json = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?;
    std::fs::write(options.out.join("summary.json"), json).map_err(|e| e.to_string())?;
    let calls = serde_json::to_string(&proxy.recorded()).map_err(|e| e.to_string())?;
    std::fs::write(options.out.join(AWS_CALLS), calls).map_err(|e| e.to_string())?;
    say(&format!("emails: {}", index.display()));
    drop(running);
    Ok(summary)
}

/// The functions of the template with their triggers.
pub fn specs(stack: &Stack) -> Result<Vec<FunctionSpec>, String> {
    stack.function_specs()
}

/// Delivers every consumed queue to its function until all are empty.
async fn drain_queues(
    stack: &Stack,
    running: &[Running],
    summary: &mut Summary,
) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let mut busy = false;
        for r in running {
            for (queue, batch_size) in &r.spec.queues {
                busy |= deliver_once(stack, r, queue, *batch_size, summary).await;
            }
        }
        if !busy && queues_idle(stack, running).await {
            return Ok(());
        }
        if !busy {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err("the queues did not empty within 10 minutes".into());
        }
    }
}

/// One receive-invoke-settle round on one queue; answers whether it got messages.
async fn deliver_once(
    stack: &Stack,
    r: &Running,
    queue: &str,
    batch_size: i32,
    summary: &mut Summary,
) -> bool {
    let q = stack.queue(queue);
    let event = deliver::receive(&stack.sqs, &q.url, &q.arn, batch_size).await;
    if event.records.is_empty() {
        return false;
    }
    let handles = deliver::handles(&event);
    let payload = serde_json::to_string(&event).unwrap_or_default();
    let response = match r.process.invoke(payload).await {
        Answer::Response(body) => {
            serde_json::from_str::<SqsBatchResponse>(&body).unwrap_or_default()
        }
        // An invocation error fails the whole batch, as on Lambda.
        Answer::Error(_) => {
            let mut all = SqsBatchResponse::default();
            all.batch_item_failures = handles
                .iter()
                .map(|(id, _)| {
                    let mut f = aws_lambda_events::event::sqs::BatchItemFailure::default();
                    f.item_identifier = id.clone();
                    f
                })
                .collect();
            all
        }
    };
    let delivery = deliver::settle(&stack.sqs, &q.url, &handles, &response).await;
    summary.deliveries += delivery.received;
    summary.failed_deliveries += delivery.failed.len();
    true
}

async fn queues_idle(stack: &Stack, running: &[Running]) -> bool {
    for r in running {
        for (queue, _) in &r.spec.queues {
            let (waiting, in_flight) = stack.queue_depth(queue).await.unwrap_or((0, 0));
            if waiting + in_flight > 0 {
                return false;
            }
        }
    }
    true
}

/// Invokes every scheduled function (or only `only`) once, as if its
/// schedule fired at `at`.
async fn fire_schedules(
    running: &[Running],
    only: Option<&str>,
    at: Timestamp,
    say: &mut impl FnMut(&str),
) {
    let time = memnun_shared::time::to_key(at);
    for r in running {
        if only.is_some_and(|name| name != r.spec.name) {
            continue;
        }
        for input in &r.spec.schedules {
            let payload = input.replace("<aws.scheduler.scheduled-time>", &time);
            match r.process.invoke(payload).await {
                Answer::Response(_) => say(&format!("fired {}'s schedule at {time}", r.spec.name)),
                Answer::Error(e) => say(&format!(
                    "{}'s scheduled run failed at {time}: {e}",
                    r.spec.name
                )),
            }
        }
    }
}

/// The ticket number in the samples (`events/`), which a step's
/// `ticket_of` replaces with a real one.
pub const SAMPLE_TICKET: &str = "TK-4821-0937";

/// The domain whose mail SES receives in the local run (inbound email).
pub const INBOUND_DOMAIN: &str = "cevap.dukkan.example";

/// Stores `mail` in the template's mail bucket as SES's S3 action does, and
/// puts SES's notice, in the SNS envelope, on the inbound queue.
async fn receive_mail(stack: &Stack, mail: &scenario::Mail) -> Result<(), String> {
    let raw = match &mail.ticket_of {
        Some(source) => mail
            .raw
            .replace(SAMPLE_TICKET, &ticket_of(stack, source, &mail.file).await?),
        None => mail.raw.clone(),
    };
    let bucket = stack
        .local
        .buckets
        .get("InboundEmailBucket")
        .ok_or("the template has no InboundEmailBucket")?;
    let ses_id = mail
        .file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("mail")
        .replace('.', "-");
    let key = format!("inbound/{ses_id}");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&stack.aws)
            .force_path_style(true)
            .build(),
    );
    s3.put_object()
        .bucket(bucket)
        .key(&key)
        .body(raw.into_bytes().into())
        .send()
        .await
        .map_err(|e| format!("{}: storing it: {e}", mail.file.display()))?;
    let notice = memnun_shared::contract::ses_inbound::notification(
        &ses_id,
        mail.at,
        &[&format!("reply@{INBOUND_DOMAIN}")],
        bucket,
        &key,
    );
    let envelope = serde_json::json!({"Type": "Notification", "Message": notice}).to_string();
    stack.send("inbound-email", &envelope).await;
    Ok(())
}

/// The number of the ticket the event `source` opened.
async fn ticket_of(stack: &Stack, source: &str, file: &Path) -> Result<String, String> {
    stack
        .items_with_prefix("TICKET#")
        .await
        .iter()
        // Kept as `<source>#<id>` (CloudEvents ids are unique per source).
        .filter(|item| {
            item.get("source_event")
                .and_then(|v| v.as_s().ok())
                .is_some_and(|s| s.rsplit_once('#').is_some_and(|(_, id)| id == source))
        })
        .find_map(|item| item.get("number")?.as_s().ok().cloned())
        .ok_or_else(|| {
            format!(
                "{}: no ticket was opened by the event {source}",
                file.display()
            )
        })
}

/// The event of `send`, its `data.ticket_id` set to the number of the ticket
/// that the event `ticket_of` opened, when the step asks for it.
async fn with_ticket(stack: &Stack, send: &Send) -> Result<String, String> {
    let Some(source) = &send.ticket_of else {
        return Ok(send.body.clone());
    };
    let number = ticket_of(stack, source, &send.file).await?;
    let mut event: serde_json::Value =
        serde_json::from_str(&send.body).map_err(|e| format!("{}: {e}", send.file.display()))?;
    if send.platform.is_some() {
        // A help desk's ticket names memnun's in its external id and its
        // subject: the sample's number becomes the real one, as it is.
        let sample = event["detail"]["external_id"]
            .as_str()
            .ok_or_else(|| format!("{}: no detail.external_id", send.file.display()))?
            .to_string();
        return Ok(send.body.replace(&sample, &number));
    }
    event["data"]["ticket_id"] = serde_json::Value::String(number);
    Ok(event.to_string())
}

/// POSTs one event to the ingest function's URL, signed as the shop's
/// platform signs it (with the local webhook secret and the wall clock, as
/// the signature's replay window asks).
fn post_to_webhook(running: &[Running], body: &str) -> Result<(), String> {
    let port = http_port(running, "ingest")?;
    let signature = ingest::signature::sign(
        crate::stack::WEBHOOK_SECRET.as_bytes(),
        Timestamp::now().as_second(),
        body.as_bytes(),
    );
    let (status, answer) = crate::http::request_with(
        port,
        "POST",
        "/events",
        "application/json",
        &[(ingest::signature::HEADER, &signature)],
        body,
    )
    .map_err(|e| format!("POST /events: {e}"))?;
    if status != 202 && status != 200 {
        return Err(format!("the webhook answered {status}: {answer}"));
    }
    Ok(())
}

/// POSTs a platform's own payload to `/webhooks/<platform>`, signed and
/// labelled as the platform sends it; the delivery id comes from the file,
/// so a second delivery is the platform's retry.
fn post_to_platform(
    running: &[Running],
    platform: &str,
    topic: Option<&str>,
    send: &Send,
    body: &str,
) -> Result<(), String> {
    use ingest::platforms::{mac, to_base64, to_hex};
    let port = http_port(running, "ingest")?;
    let text = body;
    let body = body.as_bytes();
    let delivery = format!(
        "local-{}",
        send.file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("delivery")
    );
    let (signature, headers): (String, Vec<(&str, String)>) = match platform {
        "shopify" => (
            to_base64(&mac(crate::stack::SHOPIFY_SECRET.as_bytes(), &[body])),
            vec![
                ("x-shopify-topic", topic.unwrap_or_default().to_string()),
                ("x-shopify-shop-domain", "dukkan.myshopify.com".into()),
                ("x-shopify-event-id", delivery),
            ],
        ),
        "woocommerce" => (
            to_base64(&mac(crate::stack::WOOCOMMERCE_SECRET.as_bytes(), &[body])),
            vec![
                ("x-wc-webhook-topic", topic.unwrap_or_default().to_string()),
                ("x-wc-webhook-source", "https://dukkan.example/".into()),
            ],
        ),
        "zendesk" => {
            // Signed now: Zendesk's signatures have a replay window.
            let at = Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
            (
                to_base64(&mac(
                    crate::stack::ZENDESK_SECRET.as_bytes(),
                    &[at.as_bytes(), body],
                )),
                vec![(ingest::platforms::zendesk::TIMESTAMP, at)],
            )
        }
        _ => (
            to_hex(&mac(crate::stack::JUDGEME_SECRET.as_bytes(), &[body])),
            Vec::new(),
        ),
    };
    let signature_header = match platform {
        "shopify" => ingest::platforms::shopify::SIGNATURE,
        "woocommerce" => ingest::platforms::woocommerce::SIGNATURE,
        "zendesk" => ingest::platforms::zendesk::SIGNATURE,
        _ => ingest::platforms::judgeme::SIGNATURE,
    };
    let mut all: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.push((signature_header, &signature));
    let path = format!("/webhooks/{platform}");
    let (status, answer) =
        crate::http::request_with(port, "POST", &path, "application/json", &all, text)
            .map_err(|e| format!("POST {path}: {e}"))?;
    if status != 202 && status != 200 {
        return Err(format!("{path} answered {status}: {answer}"));
    }
    Ok(())
}

/// The loopback port of an HTTP function's Function URL stand-in.
fn http_port(running: &[Running], function: &str) -> Result<u16, String> {
    let bridge = running
        .iter()
        .find_map(|r| r.http.as_ref().filter(|_| r.spec.name == function))
        .ok_or_else(|| format!("no {function} function answers HTTP"))?;
    bridge
        .url()
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .ok_or_else(|| format!("the {function} function's URL has no port"))
}

/// The newest link to `path` (`/survey`, `/unsubscribe`) in the emails sent
/// so far, as a path and query; for a survey, the one with `score`.
fn link_in_emails(stack: &Stack, path: &str, score: Option<u8>) -> Option<String> {
    let needle = format!("{path}?t=");
    stack
        .emulator
        .sent_emails()
        .iter()
        .rev()
        .flat_map(|email| {
            let body = email.body.replace("&amp;", "&").replace("&#38;", "&");
            body.match_indices(&needle)
                .map(|(i, _)| {
                    body[i..]
                        .chars()
                        .take_while(|c| {
                            !matches!(c, '"' | '\'' | '<' | '>' | ')') && !c.is_whitespace()
                        })
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
        })
        .find(|link| score.is_none_or(|s| link.ends_with(&format!("&s={s}"))))
}

/// The scenario's customer opens a link of the emails sent so far, through
/// the links function's Function URL.
fn open(
    stack: &Stack,
    running: &[Running],
    link: Link,
    say: &mut impl FnMut(&str),
) -> Result<(), String> {
    let port = http_port(running, "links")?;
    let (status, what) = match link {
        Link::Survey(score) => {
            let target = link_in_emails(stack, "/survey", Some(score))
                .ok_or("no survey link in the emails sent so far")?;
            let (status, _) = crate::http::request(port, "GET", &target, "")
                .map_err(|e| format!("GET /survey: {e}"))?;
            if status != 200 {
                return Err(format!("GET /survey answered {status}"));
            }
            // The page's button sends the token and the chosen score.
            let form = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
            let (status, _) = crate::http::request_typed(
                port,
                "POST",
                "/survey",
                "application/x-www-form-urlencoded",
                form,
            )
            .map_err(|e| format!("POST /survey: {e}"))?;
            (status, format!("answered the survey with {score}"))
        }
        Link::Unsubscribe => {
            let target = link_in_emails(stack, "/unsubscribe", None)
                .ok_or("no unsubscribe link in the emails sent so far")?;
            let (status, _) = crate::http::request_typed(
                port,
                "POST",
                &target,
                "application/x-www-form-urlencoded",
                "List-Unsubscribe=One-Click",
            )
            .map_err(|e| format!("POST /unsubscribe: {e}"))?;
            (status, "unsubscribed with one click".to_string())
        }
    };
    if status != 200 {
        return Err(format!("{what}: the links function answered {status}"));
    }
    say(&format!("the customer {what}"));
    Ok(())
}

/// Delivers as messages arrive (new files dropped in `<out>/inbox/` are sent),
/// until Ctrl-C.
async fn keep_running(
    stack: &Stack,
    running: &[Running],
    summary: &mut Summary,
) -> Result<(), String> {
    let inbox = crate::workspace_root().join("local-run").join("inbox");
    std::fs::create_dir_all(&inbox).map_err(|e| e.to_string())?;
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(()),
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        if let Ok(entries) = std::fs::read_dir(&inbox) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "json") {
                    let sent = scenario::one(&path, None, 1);
                    // The file is consumed either way, so a bad one is not resent forever.
                    let _ = std::fs::remove_file(&path);
                    match sent {
                        Ok(send) => {
                            stack.send(&send.queue, &send.body).await;
                            summary.events_in += 1;
                            println!("sent {} to {}", path.display(), send.queue);
                        }
                        Err(e) => println!("not sent: {e}"),
                    }
                }
            }
        }
        drain_queues(stack, running, summary).await?;
    }
}

/// Counts what the tables, SES and the queues hold now.
async fn collect(stack: &Stack, summary: &mut Summary) {
    summary.customers = stack
        .items_with_prefix("CUSTOMER#")
        .await
        .iter()
        .filter(|i| {
            i.get("sk")
                .and_then(|v| v.as_s().ok())
                .is_some_and(|s| s == "PROFILE")
        })
        .count();
    summary.tickets = stack.items_with_prefix("TICKET#").await.len();
    summary.coupons = stack.items_with_prefix("COUPON#").await.len();
    summary.emails = stack.emulator.sent_emails().len();
    summary.outbound = stack.drain(&stack.queue("outbound").url).await.len();
    for (name, queue) in stack.queues.iter() {
        for body in stack.drain_raw(&queue.dlq_url).await {
            summary.dead_letters.push(report::dead_letter(name, &body));
        }
    }
}
