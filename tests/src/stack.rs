//! The resources memnun's functions use, created in the emulator from the
//! deployment template (`infra/template.yaml`, through [`crate::template`]),
//! and AWS clients pointed at it. Nothing here declares a table or a queue:
//! what the tests run against is what a shop deploys.
//!
//! Conventions the tests rely on: the main table is the template's
//! `MainTable`, the idempotency table its `IdempotencyTable`, and a queue
//! `<Name>Queue` is known by its short name (`ReviewsQueue` → `reviews`,
//! `OutboundQueue` → `outbound`), with `<Name>DeadLetterQueue` as its
//! dead-letter queue.

use std::collections::{BTreeMap, HashMap};

use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::emulator::Emulator;
use crate::template::{Local, LocalQueue, Template};

/// The shop's sender in every test.
pub const SENDER: &str = "destek@dukkan.example";

/// The shop every test runs as: template parameters over their defaults.
pub const TEST_SHOP: &[(&str, &str)] = &[
    ("ShopName", "Dükkan"),
    ("SenderEmail", SENDER),
    ("DefaultLocale", "tr"),
    ("ShopTimeZone", "Europe/Istanbul"),
    ("LinksBaseUrl", "https://destek.dukkan.example"),
    (
        "ReviewUrl",
        "https://dukkan.example/urun/{product_id}#yorumlar",
    ),
    ("ShopifySecretParameterName", "/memnun/shopify-secret"),
    ("JudgeMeSecretParameterName", "/memnun/judgeme-token"),
    (
        "WooCommerceSecretParameterName",
        "/memnun/woocommerce-secret",
    ),
    ("ZendeskSecretParameterName", "/memnun/zendesk-secret"),
    ("IkasSecretParameterName", "/memnun/ikas-secret"),
    ("IdeaSoftSecretParameterName", "/memnun/ideasoft-secret"),
    ("SupportTeamEmail", TEAM),
    ("SupportLeadEmail", LEAD),
    ("MarketingEmail", MARKETING),
];

/// The support team's shared inbox in every test (SLA warnings).
pub const TEAM: &str = "ekip@dukkan.example";
/// The support lead in every test (SLA breaches, the digest).
pub const LEAD: &str = "lider@dukkan.example";
/// Marketing in every test (the digest).
pub const MARKETING: &str = "pazarlama@dukkan.example";

/// The key the links in emails are signed with, locally.
pub const LINK_SECRET: &str = "local-link-signing-key-0123456789abcdef";
/// The webhook secret, locally.
pub const WEBHOOK_SECRET: &str = "local-webhook-secret-0123456789abcdef";

/// Shopify's webhook signing secret, locally.
pub const SHOPIFY_SECRET: &str = "local-shopify-signing-secret-0123456789";
/// The Judge.me private API token, locally.
pub const JUDGEME_SECRET: &str = "local-judgeme-private-token";
/// The WooCommerce webhooks' secret, locally.
pub const WOOCOMMERCE_SECRET: &str = "local-woocommerce-webhook-secret";
/// The ikas app's client secret, locally.
pub const IKAS_SECRET: &str = "local-ikas-client-secret-0123";
/// The IdeaSoft API client's secret, locally.
pub const IDEASOFT_SECRET: &str = "local-ideasoft-client-secret";
/// The Zendesk webhook's signing secret, locally.
pub const ZENDESK_SECRET: &str = "local-zendesk-signing-secret-0123";

/// The SecureStrings a shop creates in SSM before deploying (the template
/// only names them, in its `*ParameterName` parameters), with the
/// values that stand in for them locally.
pub const LOCAL_SECRETS: &[(&str, &str)] = &[
    ("LinkSecretParameterName", LINK_SECRET),
    ("WebhookSecretParameterName", WEBHOOK_SECRET),
    ("ShopifySecretParameterName", SHOPIFY_SECRET),
    ("JudgeMeSecretParameterName", JUDGEME_SECRET),
    ("WooCommerceSecretParameterName", WOOCOMMERCE_SECRET),
    ("ZendeskSecretParameterName", ZENDESK_SECRET),
    ("IkasSecretParameterName", IKAS_SECRET),
    ("IdeaSoftSecretParameterName", IDEASOFT_SECRET),
    // The stores' credentials, as their stand-ins take them.
    ("ShopifyTokenParameterName", crate::stores::SHOPIFY_TOKEN),
    (
        "WooCommerceKeysParameterName",
        crate::stores::WOOCOMMERCE_KEYS,
    ),
    // The help desks' credentials, as their stand-ins take them.
    (
        "ZendeskTokenParameterName",
        crate::helpdesk::ZENDESK_CREDENTIALS,
    ),
    ("FreshdeskKeyParameterName", crate::helpdesk::FRESHDESK_KEY),
    // The outbound webhook's signing secret, as its receiver checks it.
    (
        "OutboundWebhookSecretParameterName",
        crate::receiver::OUTBOUND_WEBHOOK_SECRET,
    ),
];

/// The template's logical id of the main table.
pub const MAIN_TABLE: &str = "MainTable";
/// The template's logical id of the idempotency table.
pub const IDEMPOTENCY_TABLE: &str = "IdempotencyTable";

/// A queue and its dead-letter queue.
#[derive(Debug, Clone)]
pub struct Queue {
    /// The queue's URL.
    pub url: String,
    /// Its ARN.
    pub arn: String,
    /// The dead-letter queue's URL.
    pub dlq_url: String,
}

/// A function and what triggers it, as the template says: what the local
/// run needs to start and feed it.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    /// The crate's name (its binary's).
    pub name: String,
    /// Its environment.
    pub env: Vec<(String, String)>,
    /// Queues it consumes, by short name, with their batch size.
    pub queues: Vec<(String, i32)>,
    /// Schedule inputs: the JSON template of each schedule's input, where
    /// `<aws.scheduler.scheduled-time>` stands for the time.
    pub schedules: Vec<String>,
    /// Whether it answers HTTP through a Function URL.
    pub http: bool,
}

/// An emulator with memnun's resources in it.
pub struct Stack {
    /// The emulator (stopped when the stack is dropped).
    pub emulator: Emulator,
    /// Configuration for clients.
    pub aws: SdkConfig,
    /// DynamoDB.
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// SQS.
    pub sqs: aws_sdk_sqs::Client,
    /// SES.
    pub ses: aws_sdk_ses::Client,
    /// The template everything was created from.
    pub template: Template,
    /// The created resources and the parameter values.
    pub local: Local,
    /// The main table.
    pub table: String,
    /// The idempotency table.
    pub idempotency_table: String,
    /// Queues by short name (`reviews`, `outbound`); dead-letter queues are
    /// reached through their queue.
    pub queues: HashMap<String, Queue>,
}

impl Stack {
    /// Starts an emulator, creates everything and verifies the sender.
    pub async fn start() -> Stack {
        Self::start_with(&[], true).await
    }

    /// Like [`Stack::start`] but SES refuses to send until
    /// [`Stack::verify_sender`] is called.
    pub async fn start_unverified() -> Stack {
        Self::start_with(&[], false).await
    }

    /// Starts an emulator and creates the template's resources, with
    /// `parameters` over [`TEST_SHOP`] over the template's defaults;
    /// `verify` verifies the sender identity in SES.
    pub async fn start_with(parameters: &[(&str, &str)], verify: bool) -> Stack {
        let template = Template::load().expect("read the template");
        let overrides: BTreeMap<&str, &str> = TEST_SHOP.iter().chain(parameters).copied().collect();
        let overrides: Vec<(&str, &str)> = overrides.into_iter().collect();
        let values = template
            .parameters(&overrides)
            .expect("template parameters");
        let emulator = Emulator::start();
        let aws = client_config(&emulator.endpoint()).await;
        let local = template
            .provision(&aws, values)
            .await
            .expect("create the template's resources");
        let table = local
            .tables
            .get(MAIN_TABLE)
            .unwrap_or_else(|| panic!("the template has no {MAIN_TABLE}"))
            .clone();
        let idempotency_table = local
            .tables
            .get(IDEMPOTENCY_TABLE)
            .unwrap_or_else(|| panic!("the template has no {IDEMPOTENCY_TABLE}"))
            .clone();
        put_secrets(&aws, &local).await;
        let queues = short_named_queues(&template, &local);
        let stack = Stack {
            dynamodb: aws_sdk_dynamodb::Client::new(&aws),
            sqs: aws_sdk_sqs::Client::new(&aws),
            ses: aws_sdk_ses::Client::new(&aws),
            emulator,
            aws,
            template,
            local,
            table,
            idempotency_table,
            queues,
        };
        if verify {
            stack.verify_sender().await;
        }
        stack
    }

    /// The sender address: the template's `SenderEmail` parameter.
    pub fn sender(&self) -> &str {
        self.local
            .parameters
            .get("SenderEmail")
            .map(String::as_str)
            .expect("the template has a SenderEmail parameter")
    }

    /// Verifies the sender identity in SES.
    pub async fn verify_sender(&self) {
        self.ses
            .verify_email_identity()
            .email_address(self.sender())
            .send()
            .await
            .expect("verify sender");
    }

    /// Starts the real binary of `binary` (`review-responder`) with the
    /// environment the template gives it, against this stack's emulator,
    /// logging to a file; answers the process and its log's path. Panics
    /// with the log when the init fails.
    pub fn start_binary(
        &self,
        binary: &str,
    ) -> (crate::local::lambda::FunctionProcess, std::path::PathBuf) {
        let log = std::env::temp_dir().join(format!(
            "memnun-{binary}-{}-{}.log",
            std::process::id(),
            self.emulator.port()
        ));
        let file = std::fs::File::create(&log).expect("create the function's log");
        let process = crate::local::lambda::FunctionProcess::start(
            binary,
            &crate::function_binary(binary),
            &self.function_env(binary),
            &self.emulator.endpoint(),
            file,
        )
        .unwrap_or_else(|e| panic!("{e}: {}", std::fs::read_to_string(&log).unwrap_or_default()));
        (process, log)
    }

    /// The queue with short name `name`.
    pub fn queue(&self, name: &str) -> &Queue {
        self.queues.get(name).unwrap_or_else(|| {
            panic!("no queue {name} (the template's {name}Queue, in PascalCase)")
        })
    }

    /// The environment the template gives `review-responder`, resolved.
    pub fn env(&self) -> Vec<(String, String)> {
        self.function_env("review-responder")
    }

    /// The environment the template gives the function whose binary is
    /// `binary`, every reference resolved to the local resources.
    pub fn function_env(&self, binary: &str) -> Vec<(String, String)> {
        let function = self
            .template
            .function(binary)
            .unwrap_or_else(|e| panic!("{e}"));
        self.local
            .function_env(&function)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every function of the template with its environment and triggers.
    pub fn function_specs(&self) -> Result<Vec<FunctionSpec>, String> {
        let functions = self.template.functions().map_err(|e| e.to_string())?;
        let mut deployed = Vec::new();
        for f in functions {
            if self.local.deploys(&f).map_err(|e| e.to_string())? {
                deployed.push(f);
            }
        }
        deployed
            .into_iter()
            .map(|f| {
                let env = self.local.function_env(&f).map_err(|e| e.to_string())?;
                let queues = f
                    .sqs_events
                    .iter()
                    .map(|e| {
                        Local::short_name(&e.queue)
                            .map(|name| (name, e.batch_size))
                            .ok_or_else(|| {
                                format!(
                                    "{}: queue {} is not named <Name>Queue",
                                    f.logical_id, e.queue
                                )
                            })
                    })
                    .collect::<Result<_, _>>()?;
                let schedules = f
                    .schedules
                    .iter()
                    .map(|s| s.input.clone().unwrap_or_else(|| "{}".into()))
                    .collect();
                Ok(FunctionSpec {
                    name: f.binary,
                    env,
                    queues,
                    schedules,
                    http: f.function_url,
                })
            })
            .collect()
    }

    /// A queue's approximate counts, (waiting, in flight); `None` when the
    /// emulator did not answer them.
    pub async fn queue_depth(&self, queue: &str) -> Option<(u64, u64)> {
        use aws_sdk_sqs::types::QueueAttributeName::{
            ApproximateNumberOfMessages as Waiting,
            ApproximateNumberOfMessagesNotVisible as InFlight,
        };
        let attrs = self
            .sqs
            .get_queue_attributes()
            .queue_url(&self.queue(queue).url)
            .attribute_names(Waiting)
            .attribute_names(InFlight)
            .send()
            .await
            .ok()?
            .attributes?;
        let count = |name| attrs.get(&name)?.parse::<u64>().ok();
        Some((count(Waiting)?, count(InFlight)?))
    }

    /// Puts a message on a queue.
    pub async fn send(&self, queue: &str, body: &str) {
        self.sqs
            .send_message()
            .queue_url(&self.queue(queue).url)
            .message_body(body)
            .send()
            .await
            .expect("send message");
    }

    /// Takes every message now on the queue at `url` and answers their
    /// bodies, parsed as JSON.
    pub async fn drain(&self, url: &str) -> Vec<serde_json::Value> {
        self.drain_raw(url)
            .await
            .iter()
            .map(|b| serde_json::from_str(b).expect("JSON body"))
            .collect()
    }

    /// Takes every message now on the queue at `url` and answers their
    /// bodies as they are (a dead-letter queue may hold anything).
    pub async fn drain_raw(&self, url: &str) -> Vec<String> {
        let mut bodies = Vec::new();
        loop {
            let out = self
                .sqs
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .visibility_timeout(300)
                .send()
                .await
                .expect("receive");
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                return bodies;
            }
            for m in messages {
                bodies.push(m.body.unwrap_or_default());
            }
        }
    }

    /// Every item in a customer's partition.
    pub async fn customer_items(
        &self,
        customer: &str,
    ) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        self.dynamodb
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(
                ":pk",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("CUSTOMER#{customer}")),
            )
            .send()
            .await
            .expect("query customer")
            .items
            .unwrap_or_default()
    }

    /// The digest's counter `name` summed over every week and shard.
    pub async fn counted(&self, name: &str) -> i64 {
        self.items_with_prefix("STATS#")
            .await
            .iter()
            .filter_map(|i| i.get(name).and_then(|v| v.as_n().ok()))
            .filter_map(|n| n.parse::<i64>().ok())
            .sum()
    }

    /// Every item of the main table whose partition key starts with `prefix`
    /// (a scan: tests only).
    pub async fn items_with_prefix(
        &self,
        prefix: &str,
    ) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        self.dynamodb
            .scan()
            .table_name(&self.table)
            .filter_expression("begins_with(pk, :p)")
            .expression_attribute_values(
                ":p",
                aws_sdk_dynamodb::types::AttributeValue::S(prefix.to_string()),
            )
            .send()
            .await
            .expect("scan")
            .items
            .unwrap_or_default()
    }
}

/// Stores every secret the template names in the emulator's SSM, as the
/// shop does by hand before deploying.
async fn put_secrets(aws: &SdkConfig, local: &Local) {
    let ssm = aws_sdk_ssm::Client::new(aws);
    for (parameter, name) in &local.parameters {
        // An empty name: that secret's feature is off.
        if !parameter.ends_with("ParameterName") || name.is_empty() {
            continue;
        }
        let value = LOCAL_SECRETS
            .iter()
            .find(|(p, _)| p == parameter)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| {
                panic!("the template names a secret in {parameter}: give it a value in stack::LOCAL_SECRETS")
            });
        ssm.put_parameter()
            .name(name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send()
            .await
            .unwrap_or_else(|e| panic!("store the secret {name}: {e:?}"));
    }
}

/// The template's `<Name>Queue`s that are nobody's dead-letter queue, by
/// short name, each with its dead-letter queue's URL.
fn short_named_queues(template: &Template, local: &Local) -> HashMap<String, Queue> {
    let queues = template.queues().expect("the template's queues");
    queues
        .iter()
        .filter_map(|q| {
            let short = Local::short_name(&q.logical_id)?;
            let made: &LocalQueue = local.queues.get(&q.logical_id)?;
            let dlq_url = q
                .redrive
                .as_ref()
                .and_then(|r| local.queues.get(&r.dead_letter_queue))
                .map(|d| d.url.clone())?;
            Some((
                short,
                Queue {
                    url: made.url.clone(),
                    arn: made.arn.clone(),
                    dlq_url,
                },
            ))
        })
        .collect()
}

/// Client configuration for the emulator: dummy credentials, a fixed region.
pub async fn client_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(
            memnun_shared::adapters::https_client(
                memnun_shared::adapters::trust::AWS_ROOTS.as_bytes(),
            )
            .expect("the AWS roots"),
        )
        .endpoint_url(endpoint)
        .region(Region::new(crate::template::LOCAL_REGION))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await
}

/// A string attribute of an item, for assertions.
pub fn attr<'a>(
    item: &'a HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    name: &str,
) -> &'a str {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .unwrap_or_else(|| panic!("item has no string {name}"))
}
