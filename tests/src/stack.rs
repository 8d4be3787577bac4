//! The resources memnun's functions use, created in the emulator, and AWS
//! clients pointed at it.

use std::collections::HashMap;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;

use crate::emulator::Emulator;

/// The shop's sender in every test.
pub const SENDER: &str = "destek@dukkan.example";

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
    /// The main table.
    pub table: String,
    /// The idempotency table.
    pub idempotency_table: String,
    /// Queues by name: `reviews`, `outbound`.
    pub queues: HashMap<&'static str, Queue>,
}

impl Stack {
    /// Starts an emulator, creates everything and verifies the sender.
    pub async fn start() -> Stack {
        let stack = Self::start_unverified().await;
        stack.verify_sender().await;
        stack
    }

    /// Like [`Stack::start`] but SES refuses to send until
    /// [`Stack::verify_sender`] is called.
    pub async fn start_unverified() -> Stack {
        let emulator = Emulator::start();
        let aws = client_config(&emulator.endpoint()).await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
        let sqs = aws_sdk_sqs::Client::new(&aws);
        let ses = aws_sdk_ses::Client::new(&aws);
        let mut stack = Stack {
            emulator,
            aws,
            dynamodb,
            sqs,
            ses,
            table: "memnun".into(),
            idempotency_table: "memnun-idempotency".into(),
            queues: HashMap::new(),
        };
        stack.create_tables().await;
        for name in ["reviews", "outbound"] {
            let queue = stack.create_queue(name).await;
            stack.queues.insert(name, queue);
        }
        stack
    }

    /// Verifies the sender identity in SES.
    pub async fn verify_sender(&self) {
        self.ses
            .verify_email_identity()
            .email_address(SENDER)
            .send()
            .await
            .expect("verify sender");
    }

    /// The queue named `name`.
    pub fn queue(&self, name: &str) -> &Queue {
        self.queues
            .get(name)
            .unwrap_or_else(|| panic!("no queue {name}"))
    }

    /// The environment a function gets (the template sets the same names).
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("TABLE_NAME", self.table.clone()),
            ("IDEMPOTENCY_TABLE_NAME", self.idempotency_table.clone()),
            ("OUTBOUND_QUEUE_URL", self.queue("outbound").url.clone()),
            ("SHOP_NAME", "Dükkan".to_string()),
            ("SENDER_EMAIL", SENDER.to_string()),
            ("DEFAULT_LOCALE", "tr".to_string()),
            ("SHOP_TIME_ZONE", "Europe/Istanbul".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    async fn create_tables(&self) {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute")
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .expect("key")
        };
        self.dynamodb
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(vec![
                attr("pk"),
                attr("sk"),
                attr("gsi1pk"),
                attr("gsi1sk"),
            ]))
            .key_schema(key("pk", KeyType::Hash))
            .key_schema(key("sk", KeyType::Range))
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(memnun_shared::adapters::dynamodb::BY_CUSTOMER_INDEX)
                    .key_schema(key("gsi1pk", KeyType::Hash))
                    .key_schema(key("gsi1sk", KeyType::Range))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .expect("index"),
            )
            .send()
            .await
            .expect("create main table");
        self.dynamodb
            .create_table()
            .table_name(&self.idempotency_table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("pk"))
            .key_schema(key("pk", KeyType::Hash))
            .send()
            .await
            .expect("create idempotency table");
        self.dynamodb
            .update_time_to_live()
            .table_name(&self.idempotency_table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name("expires_at")
                    .build()
                    .expect("ttl"),
            )
            .send()
            .await
            .expect("enable ttl");
    }

    async fn create_queue(&self, name: &str) -> Queue {
        let dlq_url = self
            .sqs
            .create_queue()
            .queue_name(format!("{name}-dlq"))
            .send()
            .await
            .expect("create dlq")
            .queue_url
            .expect("dlq url");
        let dlq_arn = self.arn(&dlq_url).await;
        let redrive =
            serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}).to_string();
        let url = self
            .sqs
            .create_queue()
            .queue_name(name)
            .attributes(QueueAttributeName::RedrivePolicy, redrive)
            .attributes(QueueAttributeName::VisibilityTimeout, "30")
            .send()
            .await
            .expect("create queue")
            .queue_url
            .expect("queue url");
        let arn = self.arn(&url).await;
        Queue { url, arn, dlq_url }
    }

    async fn arn(&self, url: &str) -> String {
        self.sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("queue attributes")
            .attributes
            .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
            .expect("queue arn")
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

    /// Takes every message now on the queue at `url` and answers their bodies.
    pub async fn drain(&self, url: &str) -> Vec<serde_json::Value> {
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
                bodies.push(serde_json::from_str(m.body().unwrap_or("null")).expect("JSON body"));
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

/// Client configuration for the emulator: dummy credentials, a fixed region.
pub async fn client_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("eu-central-1"))
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
