//! Calls to the shop's platforms — its store today — over HTTPS, and the
//! rules every such call follows.
//!
//! The client is hyper with rustls on ring, the stack the AWS SDK's own
//! client already links ([`crate::adapters::https_client`]): a platform call
//! adds no second HTTP or TLS stack to a binary. It is built at the first
//! call, not at init, and trusts the system's roots as
//! [`crate::adapters::trust`] reads them: the one bundle file, once per
//! process, rather than the TLS crate's own scan of the bundle and the
//! certificate directory.
//!
//! The rules ([`call`]), the same for every platform:
//!
//! - **Timeouts**: 3 s to connect, 10 s for the whole answer. A platform
//!   that hangs costs one attempt, never the invocation.
//! - **Retries inside the invocation**: up to [`ATTEMPTS`] attempts, after
//!   250 ms and then 1 s, for a timeout, a refused connection, a 5xx, a 429
//!   and anything the platform marks as throttled. A 429's `Retry-After` is
//!   honoured when it is at most [`MAX_WAIT`]; a longer one ends the
//!   attempt at once, and the message's own retry (the queue's visibility
//!   timeout, then its dead-letter queue) takes over.
//! - **Permanent failures**: 401 and 403 (the credentials are wrong or lack
//!   a scope) and every other 4xx the platform does not mean as "already
//!   there" fail the message with the status and the platform's error
//!   *code*, never its text, which may quote the customer's address, the
//!   code or the token.
//! - **HTTPS only**, but for loopback: the URLs are checked at init
//!   ([`platform_url`]), so tests and the local run can point at stand-ins
//!   on `http://127.0.0.1`.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::{Error, Result};

pub use ::http::Method;

/// How many times one call is tried within an invocation.
pub const ATTEMPTS: usize = 3;
/// The longest `Retry-After` waited for within an invocation.
pub const MAX_WAIT: Duration = Duration::from_secs(10);
/// How long a connection may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one attempt may take, answer included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The waits between attempts.
const BACKOFF: [Duration; 2] = [Duration::from_millis(250), Duration::from_secs(1)];
/// The largest answer read.
const MAX_ANSWER: usize = 1024 * 1024;

/// A platform's base URL, checked: `https://`, or `http://` on loopback
/// only (stand-ins in tests and the local run). No trailing slash.
pub fn platform_url(var: &'static str, value: &str) -> Result<String> {
    let value = value.trim().trim_end_matches('/');
    let bad = |reason: &str| Error::Config {
        var,
        reason: reason.to_owned(),
    };
    let (scheme, rest) = value
        .split_once("://")
        .ok_or_else(|| bad("must be a URL such as https://shop.example"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    if name.is_empty() || rest.contains(['?', '#', ' ']) {
        return Err(bad("must be a URL such as https://shop.example"));
    }
    match scheme {
        "https" => Ok(value.to_owned()),
        "http" if matches!(name, "127.0.0.1" | "localhost" | "[::1]") => Ok(value.to_owned()),
        "http" => Err(bad(
            "must use https:// (http:// only for a stand-in on 127.0.0.1)",
        )),
        _ => Err(bad("must be an https:// URL")),
    }
}

/// A credential carried in a header (a token, Basic keys, a signing
/// secret): `Debug` never shows it, so the adapters that hold one derive
/// `Debug` without a log ever carrying it.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential<T = String>(T);

impl<T> Credential<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Credential(value)
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> std::fmt::Debug for Credential<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credential(…)")
    }
}

/// One request to a platform.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: http::Method,
    /// The whole URL.
    pub url: String,
    /// Headers besides `content-type` and `accept` (both JSON).
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body, if any.
    pub body: Option<Vec<u8>>,
}

/// A platform's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// `Retry-After`, in seconds, when the platform sent one.
    pub retry_after: Option<Duration>,
    /// The body (at most 1 MiB of it).
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON (`null` when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// What the caller makes of an answer.
#[derive(Debug)]
pub enum Verdict<T> {
    /// The call did what it was for.
    Done(T),
    /// Try again after this long (throttled, or a passing failure).
    Again(Duration),
    /// Give up: the message fails with this error.
    Fail(Error),
}

impl<T> Verdict<T> {
    /// Goes on with what a [`Verdict::Done`] carries.
    pub fn and_then<U>(self, next: impl FnOnce(T) -> Verdict<U>) -> Verdict<U> {
        match self {
            Verdict::Done(t) => next(t),
            Verdict::Again(wait) => Verdict::Again(wait),
            Verdict::Fail(e) => Verdict::Fail(e),
        }
    }
}

/// The verdict of an answer by its status alone: what every platform means
/// by 401, 403, 429 and 5xx. `None` for a status the caller must read.
pub fn by_status<T>(
    platform: &'static str,
    operation: &'static str,
    a: &Answer,
) -> Option<Verdict<T>> {
    match a.status {
        401 | 403 => Some(Verdict::Fail(Error::Platform {
            platform,
            operation,
            reason: format!(
                "answered {}: the credentials were refused or lack a permission (check the token's parameter and its scopes)",
                a.status
            ),
            permanent: true,
        })),
        429 => Some(Verdict::Again(
            a.retry_after.unwrap_or(Duration::from_secs(1)),
        )),
        500..=599 => Some(Verdict::Again(Duration::ZERO)),
        _ => None,
    }
}

type Hyper = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The client for platform calls; cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<OnceLock<std::result::Result<Hyper, String>>>,
    attempt_timeout: Duration,
}

impl Default for HttpClient {
    fn default() -> Self {
        HttpClient {
            inner: Arc::default(),
            attempt_timeout: ATTEMPT_TIMEOUT,
        }
    }
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpClient")
    }
}

fn build() -> std::result::Result<Hyper, String> {
    let mut http = HttpConnector::new();
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    http.enforce_http(false);
    let provider = rustls::crypto::ring::default_provider();
    let builder = match super::trust::system() {
        Some(roots) => {
            let tls = rustls::ClientConfig::builder_with_provider(provider.into())
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("no TLS versions: {e}"))?
                .with_root_certificates(roots.clone())
                .with_no_client_auth();
            hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls)
        }
        None => hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider)
            .map_err(|e| format!("no trusted certificates: {e}"))?,
    };
    let https = builder.https_or_http().enable_http1().wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

impl HttpClient {
    /// A client whose attempts give up after `timeout` instead of
    /// [`ATTEMPT_TIMEOUT`] (a test of a platform that hangs need not wait
    /// ten seconds an attempt).
    pub fn with_timeout(timeout: Duration) -> Self {
        HttpClient {
            attempt_timeout: timeout,
            ..HttpClient::default()
        }
    }

    fn client(&self) -> Result<&Hyper> {
        self.inner
            .get_or_init(build)
            .as_ref()
            .map_err(|reason| Error::Platform {
                platform: "https",
                operation: "client",
                reason: reason.clone(),
                permanent: false,
            })
    }

    /// Sends one request, once: an error is a connection that failed or an
    /// attempt past its timeout.
    pub async fn send(&self, request: &Request) -> std::result::Result<Answer, String> {
        let client = self.client().map_err(|e| e.to_string())?;
        let mut builder = http::Request::builder()
            .method(request.method.clone())
            .uri(&request.url)
            .header("accept", "application/json")
            .header("user-agent", "memnun");
        if request.body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        let body = Full::new(Bytes::from(request.body.clone().unwrap_or_default()));
        let built = builder
            .body(body)
            .map_err(|e| format!("invalid request: {e}"))?;
        let attempt = async {
            let response = client
                .request(built)
                .await
                .map_err(|e| connection_failure(&e))?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64);
            let body = Limited::new(response.into_body(), MAX_ANSWER)
                .collect()
                .await
                .map_err(|_| "the answer broke off or was too large".to_string())?
                .to_bytes();
            Ok(Answer {
                status,
                retry_after,
                body,
            })
        };
        tokio::time::timeout(self.attempt_timeout, attempt)
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "no answer within {} ms",
                    self.attempt_timeout.as_millis()
                ))
            })
    }
}

/// A connection error as text: its kind, never the URL or a header.
fn connection_failure(e: &hyper_util::client::legacy::Error) -> String {
    if e.is_connect() {
        "the connection failed".into()
    } else {
        "the connection broke off".into()
    }
}

/// Sends `request` until `judge` is done with an answer, within the rules
/// above; `operation` names the call in errors and logs.
pub async fn call<T>(
    client: &HttpClient,
    platform: &'static str,
    operation: &'static str,
    request: &Request,
    judge: impl FnMut(&Answer) -> Verdict<T>,
) -> Result<T> {
    call_with(client, platform, operation, || request.clone(), judge).await
}

/// [`call`], building the request afresh for each attempt (a signature
/// that carries the time of sending).
pub async fn call_with<T>(
    client: &HttpClient,
    platform: &'static str,
    operation: &'static str,
    mut request: impl FnMut() -> Request,
    mut judge: impl FnMut(&Answer) -> Verdict<T>,
) -> Result<T> {
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        let verdict = client.send(&request()).await.map(|answer| {
            let verdict = judge(&answer);
            (answer, verdict)
        });
        count(platform, verdict.as_ref().ok().map(|(_, v)| v));
        let wait = match verdict {
            Ok((answer, verdict)) => match verdict {
                Verdict::Done(t) => return Ok(t),
                Verdict::Fail(e) => return Err(e),
                Verdict::Again(wait) => {
                    last = format!("answered {}", answer.status);
                    wait
                }
            },
            Err(reason) => {
                last = reason;
                Duration::ZERO
            }
        };
        if attempt + 1 == ATTEMPTS {
            break;
        }
        let Some(pause) = pause(attempt, wait) else {
            last = format!("{last}, and asked to wait {} s", wait.as_secs());
            break;
        };
        tracing::warn!(platform, operation, attempt = attempt + 1, reason = %last, wait_ms = pause.as_millis() as u64, "platform call failed; trying again");
        tokio::time::sleep(pause).await;
    }
    Err(Error::Platform {
        platform,
        operation,
        reason: last,
        permanent: false,
    })
}

/// One attempt of a call that must not be repeated blindly (a create
/// whose answer may be lost after it took effect): the caller looks before
/// it tries again. `Err` is a connection that failed or an attempt past its
/// timeout, as text.
pub async fn once<T>(
    client: &HttpClient,
    platform: &'static str,
    request: &Request,
    judge: impl FnOnce(&Answer) -> Verdict<T>,
) -> std::result::Result<Verdict<T>, String> {
    let verdict = client.send(request).await.map(|answer| judge(&answer));
    count(platform, verdict.as_ref().ok());
    verdict
}

/// Counts one attempt by its outcome ([`crate::metrics::PLATFORM_CALLS`]):
/// `ok`, `refused` (the platform will not take it), or `unavailable` (no
/// answer, throttled, or a passing failure).
fn count<T>(platform: &'static str, verdict: Option<&Verdict<T>>) {
    let outcome = match verdict {
        Some(Verdict::Done(_)) => "ok",
        Some(Verdict::Fail(_)) => "refused",
        Some(Verdict::Again(_)) | None => "unavailable",
    };
    crate::metrics::count(crate::metrics::PLATFORM_CALLS, &[platform, outcome]);
}

/// How long to pause before attempt `attempt + 1` of a loop of the
/// caller's own ([`once`]): the backoff of [`call`], or the platform's
/// wait when longer. `None` when the platform asks for more than
/// [`MAX_WAIT`]: the message's own retry takes over.
pub fn pause(attempt: usize, wait: Duration) -> Option<Duration> {
    (wait <= MAX_WAIT).then(|| wait.max(BACKOFF[attempt.min(BACKOFF.len() - 1)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_https_but_for_loopback() {
        let ok = |v| platform_url("X", v).unwrap();
        assert_eq!(
            ok("https://dukkan.myshopify.com/"),
            "https://dukkan.myshopify.com"
        );
        assert_eq!(ok("https://shop.example/wp"), "https://shop.example/wp");
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(ok("http://localhost:1"), "http://localhost:1");
        for bad in [
            "http://shop.example",
            "http://127.0.0.1.evil.example",
            "ftp://shop.example",
            "shop.example",
            "https://",
            "https://shop.example/?x=1",
        ] {
            let e = platform_url("SHOPIFY_STORE_URL", bad)
                .unwrap_err()
                .to_string();
            assert!(e.contains("SHOPIFY_STORE_URL"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_credential_is_never_shown() {
        let c = Credential::new("Basic c2VjcmV0".to_string());
        assert_eq!(format!("{c:?}"), "Credential(…)");
        assert_eq!(c.expose(), "Basic c2VjcmV0");
    }

    #[test]
    fn statuses_mean_the_same_on_every_platform() {
        let answer = |status, retry_after| Answer {
            status,
            retry_after,
            body: Bytes::new(),
        };
        assert!(matches!(
            by_status::<()>("p", "o", &answer(401, None)),
            Some(Verdict::Fail(e)) if e.is_permanent()
        ));
        assert!(matches!(
            by_status::<()>("p", "o", &answer(403, None)),
            Some(Verdict::Fail(_))
        ));
        assert!(matches!(
            by_status::<()>("p", "o", &answer(429, Some(Duration::from_secs(2)))),
            Some(Verdict::Again(d)) if d == Duration::from_secs(2)
        ));
        assert!(matches!(
            by_status::<()>("p", "o", &answer(503, None)),
            Some(Verdict::Again(_))
        ));
        assert!(by_status::<()>("p", "o", &answer(422, None)).is_none());
        assert!(by_status::<()>("p", "o", &answer(200, None)).is_none());
    }
}
