//! The AWS adapters: the ports implemented over DynamoDB, SES and SQS.
//!
//! They translate between domain types and AWS calls and know nothing of
//! policy. Endpoints come from the standard variables, so
//! `AWS_ENDPOINT_URL` points a function at the local emulator with no code
//! path of its own.

pub mod birthdays;
pub mod consent;
pub mod directory;
pub mod due;
pub mod dynamodb;
pub mod environment;
pub mod helpdesk;
pub mod http;
pub mod mime;
pub mod s3;
pub mod ses;
pub mod sqs;
pub mod ssm;
pub mod stats;
pub mod store;
pub mod suppression;
pub mod trust;
pub mod webhook;
pub mod work;

use std::sync::OnceLock;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

use crate::Error;

/// How long a connection may take to come up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long one attempt of a DynamoDB, SQS or SSM call may take before it is
/// retried (SES waits longer: [`SES_ATTEMPT_TIMEOUT`]).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Caps one DynamoDB, SQS or SSM call with its retries.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(12);

/// The AWS configuration of a function, with memnun's timeouts and retries.
///
/// Region and credentials come from the Lambda environment alone
/// ([`environment`] says why not from `aws_config`'s chains); a missing one
/// stops the init naming its variable. `AWS_ENDPOINT_URL` (and
/// `AWS_ENDPOINT_URL_<SERVICE>`) point a function at the local emulator.
///
/// Why these numbers: a Lambda invocation has a budget (the template gives
/// 30 s), and a message that waits long on one AWS call holds its whole batch.
/// A connection that is not up in 2 s will not come; an attempt that has not
/// answered in 5 s is retried rather than waited on; three attempts with the
/// SDK's jittered backoff ride out throttling bursts; 12 s caps one operation,
/// so a stuck message fails (and is redelivered) well before the deadline.
/// SES clients take longer timeouts on top ([`ses_client`]).
///
/// Every client built from it shares one HTTPS client, so one connection
/// pool (one per AWS host) and one TLS configuration serve them all; without
/// it each client builds its own, and a connection opened by one client
/// (priming, [`prime`]) would be of no use to another. It trusts the roots
/// AWS's endpoints chain to ([`trust::aws`]); a bundle named in
/// `AWS_CA_BUNDLE` that cannot serve is an error naming it.
pub fn sdk_config() -> crate::Result<SdkConfig> {
    let environment = environment::builder(
        std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
    )
    .inspect_err(|e| tracing::error!(error = %e, "cannot build the AWS clients"))?;
    let roots = trust::aws()
        .inspect_err(|e| tracing::error!(error = %e, "cannot build the AWS clients"))?;
    Ok(environment
        .behavior_version(BehaviorVersion::latest())
        .http_client(https_client(&roots)?)
        .timeout_config(timeouts())
        .retry_config(retries())
        .build())
}

/// The AWS configuration of the tools an operator runs (`memnun-import`,
/// `memnun-erase`, `memnun-export`): the SDK's whole chain — variables,
/// profiles (`AWS_PROFILE`), SSO, instance roles — with the functions'
/// HTTPS client, trusted roots, timeouts and retries.
pub async fn tool_sdk_config() -> crate::Result<SdkConfig> {
    let roots = trust::aws()?;
    Ok(aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client(&roots)?)
        .timeout_config(timeouts())
        .retry_config(retries())
        .load()
        .await)
}

/// memnun's timeouts for DynamoDB, SQS and SSM ([`sdk_config`] says why).
fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// Three attempts, the SDK's standard jittered backoff.
fn retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3)
}

/// How long one SES attempt may take before it is retried: twice the other
/// calls' 5 s.
///
/// Why longer: a retried DynamoDB write finds its own earlier write (every
/// write memnun makes is conditional or idempotent), but a retried send whose
/// first attempt SES had accepted is an email the customer receives twice.
/// SES answers in well under a second, so an answer that is merely late
/// should be waited for, not sent again; only an answer that never comes
/// (the connection lost after SES took the request) still repeats a send.
pub const SES_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Caps one SES call with its retries: a throttled first attempt, its
/// backoff and a whole [`SES_ATTEMPT_TIMEOUT`] still fit, and the call still
/// ends well inside the 30 s invocation.
pub const SES_OPERATION_TIMEOUT: Duration = Duration::from_secs(15);

/// An SES client from `config`, with SES's own, longer timeouts
/// ([`SES_ATTEMPT_TIMEOUT`]); retries, endpoint and HTTPS client as
/// `config` has them.
pub fn ses_client(config: &SdkConfig) -> aws_sdk_ses::Client {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(SES_ATTEMPT_TIMEOUT)
        .operation_timeout(SES_OPERATION_TIMEOUT)
        .build();
    let ses = aws_sdk_ses::config::Builder::from(config)
        .timeout_config(timeouts)
        .build();
    aws_sdk_ses::Client::from_conf(ses)
}

/// The HTTPS client every AWS configuration gets: the SDK's own (hyper,
/// rustls) on ring. The SDK crates are built without a default client
/// (root `Cargo.toml`): theirs would link aws-lc, which is larger and seeds
/// its random generator from CPU jitter, about 40 ms of CPU at the first TLS
/// handshake of every process. Plain `http://` endpoints (the emulator)
/// work too. It trusts the roots in `roots` (PEM) and no other: the
/// system's are not loaded ([`trust`] says why).
pub fn https_client(roots: &[u8]) -> crate::Result<aws_sdk_dynamodb::config::SharedHttpClient> {
    use aws_smithy_http_client::tls::{
        Provider, TlsContext, TrustStore, rustls_provider::CryptoMode,
    };
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(roots);
    let tls = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|e| Error::Config {
            var: trust::AWS_CA_BUNDLE,
            reason: format!("cannot serve as the AWS clients' roots ({e})"),
        })?;
    let client = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(tls)
        .build_https();
    Ok(aws_sdk_dynamodb::config::SharedHttpClient::new(
        NoTrialConnector(client),
    ))
}

/// The SDK's HTTPS client, without the trial connector the SDK builds for
/// every AWS client made from it.
///
/// Why: the SDK checks its HTTP client each time a service client is built
/// (`validate_base_client_config`), and the hyper client does so by building
/// a whole TLS connector — parsing the trusted roots, making a rustls
/// configuration — and dropping it, so that a bad certificate shows at
/// init rather than at the first call. A function built four to seven
/// clients at init, so it made that connector up to seven times and parsed
/// the same roots each time (about a fifth of its init's instructions),
/// before making the one it uses at its first request. Nothing is lost by leaving
/// the check out: the roots are either the built-in ones, or a bundle
/// [`trust::aws`] has checked whole at init with the same parser; and the
/// first request, which builds the connector in use, is made during init
/// too (priming). Everything else passes straight through.
#[derive(Debug)]
struct NoTrialConnector(aws_sdk_dynamodb::config::SharedHttpClient);

impl aws_smithy_runtime_api::client::http::HttpClient for NoTrialConnector {
    fn http_connector(
        &self,
        settings: &aws_smithy_runtime_api::client::http::HttpConnectorSettings,
        components: &aws_sdk_dynamodb::config::RuntimeComponents,
    ) -> aws_smithy_runtime_api::client::http::SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn validate_final_config(
        &self,
        components: &aws_sdk_dynamodb::config::RuntimeComponents,
        cfg: &aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        self.0.validate_final_config(components, cfg)
    }

    fn connector_metadata(
        &self,
    ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

/// The variable that switches priming off (`TLS_PRIMING=off`): to measure
/// what it saves (`make bench`), or to rule it out.
pub const PRIMING_VARIABLE: &str = "TLS_PRIMING";

/// How long init waits for its priming requests at most.
const PRIMING_BUDGET: Duration = Duration::from_secs(2);

/// A key no item has: the priming read finds nothing, costs half a read
/// unit, and needs only the `GetItem` every function's role has.
const PRIMING_KEY: &str = "memnun#priming";

/// The connections a function opens during init, ahead of its first event:
/// one cheap request to each AWS service it calls while it works, all at
/// once, so that the TCP connection, the TLS handshake and the loading of
/// the trusted certificates happen before the first event instead of in it
/// (each service has its own host, so each needs its own connection).
///
/// ```ignore
/// aws.prime().table(&table).queue(queue_url).email().run().await;
/// ```
///
/// The requests go through the function's own clients ([`Clients`]), the
/// ones its adapters then use. A request that fails, or does not answer
/// within 2 s, is logged and forgotten: priming never stops an init.
/// `TLS_PRIMING=off` ([`PRIMING_VARIABLE`]) skips it. Each service's request
/// is built only by its method, so a function links only the clients it
/// primes.
pub struct Prime<'a> {
    clients: &'a Clients,
    requests: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>>,
}

fn primed<T, E: std::error::Error + 'static>(service: &str, result: Result<T, E>) {
    if let Err(e) = result {
        tracing::warn!(
            service,
            error = %crate::scrub::scrub(&aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string()),
            "priming failed; the first call will connect"
        );
    }
}

impl<'a> Prime<'a> {
    /// Nothing to prime yet, with `clients`.
    pub fn new(clients: &'a Clients) -> Self {
        Prime {
            clients,
            requests: Vec::new(),
        }
    }

    /// DynamoDB, with a `GetItem` of a key that does not exist in `table`
    /// (the main table, which every function that uses DynamoDB may read).
    pub fn table(mut self, table: &'a str) -> Self {
        let client = self.clients.dynamodb();
        self.requests.push(Box::pin(async move {
            let key = aws_sdk_dynamodb::types::AttributeValue::S(PRIMING_KEY.into());
            let result = client
                .get_item()
                .table_name(table)
                .key("pk", key.clone())
                .key("sk", key)
                .projection_expression("pk")
                .send()
                .await;
            primed("dynamodb", result);
        }));
        self
    }

    /// SQS, with `GetQueueAttributes` (the queue's ARN) of a queue the
    /// function sends to; `None` primes nothing.
    pub fn queue(mut self, queue_url: impl Into<Option<&'a str>>) -> Self {
        if let Some(url) = queue_url.into() {
            let client = self.clients.sqs();
            self.requests.push(Box::pin(async move {
                let result = client
                    .get_queue_attributes()
                    .queue_url(url)
                    .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                    .send()
                    .await;
                primed("sqs", result);
            }));
        }
        self
    }

    /// SES, with `GetSendQuota`.
    pub fn email(mut self) -> Self {
        let client = self.clients.ses();
        self.requests.push(Box::pin(async move {
            primed("ses", client.get_send_quota().send().await);
        }));
        self
    }

    /// Makes the requests, all at once, within the budget.
    pub async fn run(self) {
        if std::env::var(PRIMING_VARIABLE).is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
            return;
        }
        let all = futures_util::future::join_all(self.requests);
        if tokio::time::timeout(PRIMING_BUDGET, all).await.is_err() {
            tracing::warn!("priming took longer than 2 s; the first calls will connect");
        }
    }
}

/// The AWS clients a function builds once at init, from one configuration.
///
/// Each service's client is built at its first use and kept: priming
/// ([`Prime`]), the secrets read at init and the adapters share it. Why:
/// building a client runs about a hundred thousand instructions (its
/// configuration, runtime plugins and interceptors), and a function that
/// built one for priming and another for its adapter paid that twice for
/// each service, in every cold start.
#[derive(Debug, Clone)]
pub struct Clients {
    config: SdkConfig,
    dynamodb: OnceLock<aws_sdk_dynamodb::Client>,
    sqs: OnceLock<aws_sdk_sqs::Client>,
    ses: OnceLock<aws_sdk_ses::Client>,
    ssm: OnceLock<aws_sdk_ssm::Client>,
}

impl Clients {
    /// Builds the configuration (see [`sdk_config`]).
    pub fn load() -> crate::Result<Self> {
        Ok(Clients::from_config(sdk_config()?))
    }

    /// Wraps a configuration loaded elsewhere (tests, the local run).
    pub fn from_config(config: SdkConfig) -> Self {
        Clients {
            config,
            dynamodb: OnceLock::new(),
            sqs: OnceLock::new(),
            ses: OnceLock::new(),
            ssm: OnceLock::new(),
        }
    }

    /// The DynamoDB client.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        let build = || aws_sdk_dynamodb::Client::new(&self.config);
        self.dynamodb.get_or_init(build).clone()
    }

    /// The SQS client.
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        let build = || aws_sdk_sqs::Client::new(&self.config);
        self.sqs.get_or_init(build).clone()
    }

    /// The SES client, with SES's own timeouts ([`ses_client`]).
    pub fn ses(&self) -> aws_sdk_ses::Client {
        self.ses.get_or_init(|| ses_client(&self.config)).clone()
    }

    /// The SSM client.
    fn ssm(&self) -> aws_sdk_ssm::Client {
        let build = || aws_sdk_ssm::Client::new(&self.config);
        self.ssm.get_or_init(build).clone()
    }

    /// Both tables.
    pub fn store(&self, resources: &crate::config::ResourceConfig) -> dynamodb::DynamoStore {
        self.tables(&resources.table, &resources.idempotency_table)
    }

    /// Both tables, by name, for a function without the whole
    /// [`crate::config::ResourceConfig`] (the outbound function).
    pub fn tables(&self, table: &str, idempotency_table: &str) -> dynamodb::DynamoStore {
        dynamodb::DynamoStore::new(self.dynamodb(), table, idempotency_table)
    }

    /// SES, sending as the shop.
    pub fn mailer(&self, shop: &crate::config::ShopConfig) -> ses::SesMailer {
        ses::SesMailer::new(
            self.ses(),
            &shop.name,
            &shop.sender,
            shop.configuration_set.clone(),
        )
    }

    /// The mail bucket (S3), for inbound email. With an endpoint of its own
    /// (`AWS_ENDPOINT_URL`: the local emulator) buckets are addressed by
    /// path, since a loopback host has no per-bucket names.
    pub fn mail_box(&self) -> s3::S3MailBox {
        let config = aws_sdk_s3::config::Builder::from(&self.config)
            .force_path_style(self.config.endpoint_url().is_some())
            .build();
        s3::S3MailBox::new(aws_sdk_s3::Client::from_conf(config))
    }

    /// SQS.
    pub fn publisher(&self) -> sqs::SqsPublisher {
        sqs::SqsPublisher::new(self.sqs())
    }

    /// Connections to open during init, with these clients' configuration
    /// (see [`Prime`]).
    pub fn prime(&self) -> Prime<'_> {
        Prime::new(self)
    }

    /// The shop's stores `config` names, with their credentials read from
    /// SSM (side by side); no call at all when none is configured.
    pub async fn store_registry(
        &self,
        config: &crate::config::StoreConfig,
    ) -> crate::Result<store::StoreRegistry> {
        let shopify = async {
            match &config.shopify {
                Some(site) => self
                    .secret("SHOPIFY_TOKEN_PARAMETER", &site.secret_parameter)
                    .await
                    .map(Some),
                None => Ok(None),
            }
        };
        let woocommerce = async {
            match &config.woocommerce {
                Some(site) => self
                    .secret("WOOCOMMERCE_KEYS_PARAMETER", &site.secret_parameter)
                    .await
                    .map(Some),
                None => Ok(None),
            }
        };
        let (shopify_token, woocommerce_keys) = tokio::join!(shopify, woocommerce);
        store::StoreRegistry::new(
            config,
            store::StoreSecrets {
                shopify_token: shopify_token?,
                woocommerce_keys: woocommerce_keys?,
            },
        )
    }

    /// Runs `priming` and reads the stores' credentials side by side (init
    /// waits for the slower of the two); a failure is logged.
    pub async fn primed_with_stores(
        &self,
        priming: impl std::future::Future<Output = ()>,
        config: &crate::config::StoreConfig,
    ) -> crate::Result<store::StoreRegistry> {
        let ((), registry) = tokio::join!(priming, self.store_registry(config));
        registry.inspect_err(|e| tracing::error!(error = %e, "cannot read the store's credentials"))
    }

    /// The help desk `config` names, with its credentials read from SSM.
    pub async fn help_desk(
        &self,
        config: &crate::config::HelpDeskConfig,
    ) -> crate::Result<helpdesk::HelpDeskClient> {
        use crate::config::HelpDeskKind;
        let http = http::HttpClient::default();
        let url = &config.site.url;
        match config.kind {
            HelpDeskKind::Zendesk => {
                let credentials = self
                    .secret("ZENDESK_TOKEN_PARAMETER", &config.site.secret_parameter)
                    .await?;
                helpdesk::HelpDeskClient::zendesk(http, url, &credentials)
            }
            HelpDeskKind::Freshdesk => {
                let key = self
                    .secret("FRESHDESK_KEY_PARAMETER", &config.site.secret_parameter)
                    .await?;
                helpdesk::HelpDeskClient::freshdesk(http, url, &key)
            }
        }
    }

    /// The decrypted SSM parameter `name`, which the variable `var` named.
    pub async fn secret(&self, var: &'static str, name: &str) -> crate::Result<String> {
        ssm::secret(&self.ssm(), var, name).await
    }
}

/// Error codes that mean the request itself is wrong: retrying cannot help.
const PERMANENT_CODES: &[&str] = &[
    "ValidationException",
    "MessageRejected",
    "InvalidParameterValue",
    "InvalidParameterCombination",
];

/// Converts an SDK error, keeping the service's code and its message,
/// scrubbed of addresses, codes and tokens ([`crate::scrub`]).
pub(crate) fn aws_error<E>(service: &'static str, operation: &'static str, err: E) -> Error
where
    E: std::error::Error + aws_sdk_dynamodb::error::ProvideErrorMetadata + 'static,
{
    let permanent = err.code().is_some_and(|c| PERMANENT_CODES.contains(&c));
    let message = match (err.code(), err.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code.to_string(),
        _ => aws_sdk_dynamodb::error::DisplayErrorContext(&err).to_string(),
    };
    // AWS's text names recipients (MessageRejected, AccessDenied) and may
    // quote values: it is logged, so it is scrubbed here, once for all.
    let message = crate::scrub::scrub(&message);
    Error::Aws {
        service,
        operation,
        message,
        permanent,
    }
}

/// Converts a request builder's error (a required field left unset: a bug
/// here, never fixed by retrying).
pub(crate) fn build_error(
    service: &'static str,
    operation: &'static str,
    err: impl std::fmt::Display,
) -> Error {
    Error::Aws {
        service,
        operation,
        message: format!("invalid request: {err}"),
        permanent: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_aws_error_keeps_its_code_and_loses_the_addresses_in_its_text() {
        let rejected = aws_sdk_ses::operation::send_email::SendEmailError::generic(
            aws_sdk_ses::error::ErrorMetadata::builder()
                .code("MessageRejected")
                .message("Email address is not verified. The following identities failed the check in region EU-CENTRAL-1: ayse.yilmaz@example.com")
                .build(),
        );
        let e = aws_error("ses", "SendEmail", rejected);
        let text = e.to_string();
        assert!(
            text.starts_with(
                "ses SendEmail failed: MessageRejected: Email address is not verified."
            ),
            "{text}"
        );
        assert!(!text.contains("ayse") && !text.contains('@'), "{text}");
        assert!(e.is_permanent());
    }

    #[test]
    fn ses_waits_longer_than_the_other_calls_and_keeps_the_rest_of_the_config() {
        let shared = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .endpoint_url("http://127.0.0.1:1")
            .build();
        let ses = ses_client(&shared);
        let timeouts = ses.config().timeout_config().expect("timeouts");
        assert_eq!(
            timeouts.operation_attempt_timeout(),
            Some(SES_ATTEMPT_TIMEOUT)
        );
        assert_eq!(timeouts.operation_timeout(), Some(SES_OPERATION_TIMEOUT));
        assert_eq!(timeouts.connect_timeout(), Some(CONNECT_TIMEOUT));
        assert!(SES_ATTEMPT_TIMEOUT > ATTEMPT_TIMEOUT);
        assert!(SES_OPERATION_TIMEOUT > SES_ATTEMPT_TIMEOUT);
        let retries = ses.config().retry_config().expect("retries");
        assert_eq!(retries.max_attempts(), 3);
    }

    /// An HTTP client that counts the SDK's checks of it and is never
    /// asked for a connection (no request is made).
    #[derive(Debug, Clone, Default)]
    struct CountsChecks(std::sync::Arc<std::sync::atomic::AtomicUsize>);

    impl aws_smithy_runtime_api::client::http::HttpClient for CountsChecks {
        fn http_connector(
            &self,
            _: &aws_smithy_runtime_api::client::http::HttpConnectorSettings,
            _: &aws_sdk_dynamodb::config::RuntimeComponents,
        ) -> aws_smithy_runtime_api::client::http::SharedHttpConnector {
            unreachable!("no request is made")
        }

        fn validate_base_client_config(
            &self,
            _: &aws_sdk_dynamodb::config::RuntimeComponentsBuilder,
            _: &aws_sdk_dynamodb::config::ConfigBag,
        ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }

    fn clients_over(http: aws_sdk_dynamodb::config::SharedHttpClient) -> Clients {
        Clients::from_config(
            SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(aws_types::region::Region::new("eu-central-1"))
                .http_client(http)
                .build(),
        )
    }

    #[test]
    fn each_service_client_is_built_once_and_shared() {
        let clients = clients_over(https_client(trust::AWS_ROOTS.as_bytes()).unwrap());
        assert!(std::ptr::eq(
            clients.dynamodb().config(),
            clients.dynamodb().config()
        ));
        assert!(std::ptr::eq(clients.sqs().config(), clients.sqs().config()));
        assert!(std::ptr::eq(clients.ses().config(), clients.ses().config()));
        assert!(std::ptr::eq(clients.ssm().config(), clients.ssm().config()));
        // A copy of the clients shares what was built before it.
        let copy = clients.clone();
        assert!(std::ptr::eq(
            copy.dynamodb().config(),
            clients.dynamodb().config()
        ));
    }

    #[test]
    fn building_clients_builds_no_trial_connector() {
        let build_all = |clients: &Clients| {
            let _ = (
                clients.dynamodb(),
                clients.sqs(),
                clients.ses(),
                clients.ssm(),
            );
        };
        // The SDK checks the HTTP client once for every client built...
        let bare = CountsChecks::default();
        build_all(&clients_over(
            aws_sdk_dynamodb::config::SharedHttpClient::new(bare.clone()),
        ));
        assert!(bare.0.load(std::sync::atomic::Ordering::SeqCst) >= 4);
        // ...and the wrapped client never passes the check on.
        let wrapped = CountsChecks::default();
        build_all(&clients_over(
            aws_sdk_dynamodb::config::SharedHttpClient::new(NoTrialConnector(
                aws_sdk_dynamodb::config::SharedHttpClient::new(wrapped.clone()),
            )),
        ));
        assert_eq!(wrapped.0.load(std::sync::atomic::Ordering::SeqCst), 0);
    }
}
