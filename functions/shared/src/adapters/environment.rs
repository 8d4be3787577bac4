//! What a function's AWS clients take from the Lambda environment: the
//! region, the role's credentials and, for the local emulator, the
//! endpoints.
//!
//! Why not `aws_config::defaults`, as most programs do: its chains look much
//! further — profile files, SSO, web identity through STS, the container and
//! instance metadata endpoints — and a Lambda function uses none of them.
//! Lambda sets the role's credentials and the region as variables before the
//! process starts, and they do not change while it lives. Yet every binary
//! linked the whole chain (the STS client, the metadata client, the profile
//! parser) and every init walked it. Reading the variables alone keeps those
//! bytes out of every function; the tools an operator runs on a workstation,
//! where profiles and SSO matter, keep the whole chain
//! ([`super::tool_sdk_config`]).

use std::collections::BTreeMap;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_types::region::Region;
use aws_types::sdk_config::Builder;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

use crate::Error;

/// The region Lambda runs the function in.
pub const REGION: &str = "AWS_REGION";
/// The region's older name, read when [`REGION`] is not set (as the SDKs do).
pub const DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
/// The role's access key.
pub const ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
/// The role's secret key.
pub const SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// The role's session token (Lambda always sets it; long-term keys have none).
pub const SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
/// One endpoint for every service (the local emulator); never set on Lambda.
pub const ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";

/// The name the SDK gives credentials from here (it shows in its own logs).
const PROVIDER_NAME: &str = "LambdaEnvironment";

/// A configuration builder with the region, the credentials and the
/// endpoints the variables `vars` give; the caller adds the HTTPS client,
/// timeouts and retries. A missing region or key is an error naming its
/// variable: the init stops there instead of at the first call.
pub fn builder<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> crate::Result<Builder>
where
    K: Into<String>,
    V: Into<String>,
{
    let vars: BTreeMap<String, String> = vars
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .filter(|(k, v)| k.starts_with("AWS_") && !v.is_empty())
        .collect();
    let required = |var: &'static str| {
        vars.get(var).cloned().ok_or(Error::Config {
            var,
            reason: "is not set (Lambda sets it; set it to run a function elsewhere)".into(),
        })
    };
    let region = match vars.get(REGION).or_else(|| vars.get(DEFAULT_REGION)) {
        Some(region) => region.clone(),
        None => required(REGION)?,
    };
    let credentials = Credentials::new(
        required(ACCESS_KEY_ID)?,
        required(SECRET_ACCESS_KEY)?,
        vars.get(SESSION_TOKEN).cloned(),
        None,
        PROVIDER_NAME,
    );
    let mut builder = aws_types::SdkConfig::builder()
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .service_config(ServiceEndpoints::from_vars(&vars));
    if let Some(url) = vars.get(ENDPOINT_URL) {
        builder.set_endpoint_url(Some(url.clone()));
    }
    Ok(builder)
}

/// The endpoints of single services, `AWS_ENDPOINT_URL_<SERVICE>` (for
/// example `AWS_ENDPOINT_URL_DYNAMODB`), which take precedence over
/// [`ENDPOINT_URL`] for their service: the names and the order the SDKs
/// document for service-specific endpoints. Read once, at init.
#[derive(Debug, Default)]
struct ServiceEndpoints {
    /// The variable's name → its value.
    urls: BTreeMap<String, String>,
}

impl ServiceEndpoints {
    fn from_vars(vars: &BTreeMap<String, String>) -> Self {
        let prefix = format!("{ENDPOINT_URL}_");
        ServiceEndpoints {
            urls: vars
                .iter()
                .filter(|(k, _)| k.starts_with(&prefix))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

impl LoadServiceConfig for ServiceEndpoints {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        // The SDK's rule for the name: the service id upper-cased, spaces
        // as underscores ("DynamoDB" → DYNAMODB, "Secrets Manager" →
        // SECRETS_MANAGER).
        let service = key.service_id().to_ascii_uppercase().replace(' ', "_");
        self.urls.get(&format!("{}_{service}", key.env())).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::provider::ProvideCredentials as _;

    fn lambda() -> Vec<(&'static str, &'static str)> {
        vec![
            ("AWS_REGION", "eu-central-1"),
            ("AWS_DEFAULT_REGION", "eu-central-1"),
            ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
            ("AWS_LAMBDA_FUNCTION_NAME", "memnun-review-responder"),
            ("HOME", "/"),
        ]
    }

    fn without(name: &str) -> Vec<(&'static str, &'static str)> {
        lambda().into_iter().filter(|(k, _)| *k != name).collect()
    }

    #[tokio::test]
    async fn lambdas_variables_make_the_region_and_the_credentials() {
        let config = builder(lambda()).unwrap().build();
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-central-1"));
        assert_eq!(config.endpoint_url(), None);
        let provider = config.credentials_provider().unwrap();
        let credentials = provider.provide_credentials().await.unwrap();
        assert_eq!(credentials.access_key_id(), "ASIAEXAMPLE");
        assert_eq!(credentials.secret_access_key(), "secret");
        assert_eq!(credentials.session_token(), Some("token"));
        assert_eq!(credentials.expiry(), None);
    }

    #[test]
    fn the_older_region_variable_serves_when_the_newer_is_missing() {
        let config = builder(without("AWS_REGION")).unwrap().build();
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-central-1"));
    }

    #[test]
    fn a_missing_variable_stops_the_init_by_name() {
        let no_region: Vec<_> = without("AWS_REGION")
            .into_iter()
            .filter(|(k, _)| *k != "AWS_DEFAULT_REGION")
            .collect();
        for (vars, name) in [
            (no_region, "AWS_REGION"),
            (without("AWS_ACCESS_KEY_ID"), "AWS_ACCESS_KEY_ID"),
            (without("AWS_SECRET_ACCESS_KEY"), "AWS_SECRET_ACCESS_KEY"),
        ] {
            match builder(vars) {
                Err(Error::Config { var, .. }) => assert_eq!(var, name),
                other => panic!("{name}: {:?}", other.map(|_| ())),
            }
        }
        let empty = lambda()
            .into_iter()
            .map(|(k, v)| (k, if k == "AWS_ACCESS_KEY_ID" { "" } else { v }));
        assert!(matches!(
            builder(empty),
            Err(Error::Config {
                var: "AWS_ACCESS_KEY_ID",
                ..
            })
        ));
    }

    #[test]
    fn the_session_token_is_optional() {
        let config = builder(without("AWS_SESSION_TOKEN")).unwrap().build();
        assert!(config.credentials_provider().is_some());
    }

    /// The key the SDK's generated code asks with for a service's endpoint.
    fn endpoint_key(service_id: &str) -> ServiceConfigKey<'_> {
        ServiceConfigKey::builder()
            .service_id(service_id)
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .unwrap()
    }

    #[test]
    fn a_services_own_endpoint_is_found_by_the_sdks_name_for_it() {
        let mut vars = lambda();
        vars.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"));
        vars.push(("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9001"));
        vars.push(("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:9003"));
        let config = builder(vars).unwrap().build();
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:4566"));
        let services = config.service_config().unwrap();
        let found = |id| services.load_config(endpoint_key(id));
        assert_eq!(found("DynamoDB").as_deref(), Some("http://127.0.0.1:9001"));
        assert_eq!(
            found("Secrets Manager").as_deref(),
            Some("http://127.0.0.1:9003")
        );
        assert_eq!(found("SQS"), None);
    }

    /// End to end: a DynamoDB client built from the configuration calls
    /// DynamoDB's own endpoint, not the common one (which refuses).
    #[tokio::test]
    async fn a_client_calls_its_services_own_endpoint_before_the_common_one() {
        use tokio::io::AsyncReadExt as _;
        let own = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let own_url = format!("http://{}", own.local_addr().unwrap());
        let refused = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let refused_url = format!("http://{}", refused.local_addr().unwrap());
        drop(refused);
        let mut vars: Vec<(String, String)> = lambda()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        vars.push(("AWS_ENDPOINT_URL".into(), refused_url));
        vars.push(("AWS_ENDPOINT_URL_DYNAMODB".into(), own_url));
        let roots = super::super::trust::aws().unwrap();
        let config = builder(vars)
            .unwrap()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .http_client(super::super::https_client(&roots).unwrap())
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
            .build();
        let client = aws_sdk_dynamodb::Client::new(&config);
        let call = client.list_tables().send();
        let answer = async {
            let (mut stream, _) = own.accept().await.unwrap();
            let mut head = vec![0; 4096];
            let n = stream.read(&mut head).await.unwrap();
            String::from_utf8_lossy(&head[..n]).into_owned()
        };
        let timeout = std::time::Duration::from_secs(10);
        let (result, head) = tokio::join!(
            tokio::time::timeout(timeout, call),
            tokio::time::timeout(timeout, answer)
        );
        assert!(result.is_ok(), "the call did not end");
        let head = head.expect("DynamoDB's own endpoint was not called");
        assert!(
            head.to_ascii_lowercase()
                .contains("x-amz-target: dynamodb_20120810.listtables"),
            "{head}"
        );
    }

    #[test]
    fn no_endpoint_variable_leaves_the_services_own() {
        let config = builder(lambda()).unwrap().build();
        assert_eq!(config.endpoint_url(), None);
        let services = config.service_config().unwrap();
        assert_eq!(services.load_config(endpoint_key("DynamoDB")), None);
    }

    #[test]
    fn the_debug_form_shows_no_secret() {
        let config = builder(lambda()).unwrap().build();
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret\""), "{shown}");
        assert!(!shown.contains("token\""), "{shown}");
    }
}
