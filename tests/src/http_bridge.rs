//! A function URL on loopback: a small HTTP/1.1 server that turns each
//! request into the payload Lambda gives a function behind a Function URL
//! (API Gateway HTTP API, version 2.0), hands it to an invoker — usually the
//! function's real binary behind a [`crate::runtime_api::RuntimeApi`] — and
//! turns the function's answer back into an HTTP response. A browser can then
//! use an HTTP function as it would on AWS.
//!
//! One request per connection (`connection: close`); no chunked request
//! bodies (browsers send a `content-length` with a form). A function error is
//! a 502, as a Function URL answers it.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// The largest request head or body read.
const MAX_BYTES: usize = 1024 * 1024;

/// Invokes the function with a payload and answers its response payload, or
/// the error it reported.
pub type Invoker = dyn Fn(String) -> Result<String, String> + Send + Sync;

/// The server; it stops accepting when dropped.
pub struct HttpBridge {
    port: u16,
    stopped: Arc<AtomicBool>,
}

impl HttpBridge {
    /// Starts on a free loopback port, sending every request to `invoke`.
    pub fn start(
        invoke: impl Fn(String) -> Result<String, String> + Send + Sync + 'static,
    ) -> std::io::Result<HttpBridge> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let port = listener.local_addr()?.port();
        let stopped = Arc::new(AtomicBool::new(false));
        let invoke: Arc<Invoker> = Arc::new(invoke);
        let stop = Arc::clone(&stopped);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let invoke = Arc::clone(&invoke);
                std::thread::spawn(move || serve(stream, port, invoke.as_ref()));
            }
        });
        Ok(HttpBridge { port, stopped })
    }

    /// `http://127.0.0.1:<port>`, the function URL's stand-in.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for HttpBridge {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag; failing means it is gone.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// A request as read from the socket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Headers, names lower-cased, repeated ones joined with `,`.
    pub headers: BTreeMap<String, String>,
    /// The body.
    pub body: Vec<u8>,
}

fn serve(stream: TcpStream, port: u16, invoke: &Invoker) {
    // Errors here mean the client went away: nothing to answer.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let response = match read_request(&mut reader) {
        Ok(Some(request)) => {
            let payload = function_url_event(&request, port).to_string();
            match invoke(payload) {
                Ok(answer) => http_response(&answer),
                Err(error) => plain(502, &format!("the function failed: {error}")),
            }
        }
        Ok(None) => return,
        Err(reason) => plain(400, &reason),
    };
    let mut writer = stream;
    // A client that hung up before its answer needs none.
    let _ = writer.write_all(&response);
    let _ = writer.flush();
}

/// Reads one request; `None` when the client closed without sending one.
pub fn read_request(reader: &mut impl BufRead) -> Result<Option<HttpRequest>, String> {
    let mut line = String::new();
    if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err("malformed request line".into());
    };
    let mut request = HttpRequest {
        method: method.to_string(),
        target: target.to_string(),
        ..Default::default()
    };
    let mut head_bytes = line.len();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).map_err(|e| e.to_string())?;
        head_bytes += n;
        if n == 0 || head_bytes > MAX_BYTES {
            return Err("incomplete or oversized head".into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            request
                .headers
                .entry(name.trim().to_ascii_lowercase())
                .and_modify(|v| {
                    v.push(',');
                    v.push_str(value.trim());
                })
                .or_insert_with(|| value.trim().to_string());
        }
    }
    let length: usize = request
        .headers
        .get("content-length")
        .map(|v| v.parse().map_err(|_| "bad content-length".to_string()))
        .transpose()?
        .unwrap_or(0);
    if length > MAX_BYTES {
        return Err("body too large".into());
    }
    request.body = vec![0; length];
    reader
        .read_exact(&mut request.body)
        .map_err(|e| e.to_string())?;
    Ok(Some(request))
}

/// The payload a Function URL gives its function for `request`.
pub fn function_url_event(request: &HttpRequest, port: u16) -> Value {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    let mut headers = request.headers.clone();
    headers.remove("content-length");
    headers.insert("x-forwarded-proto".into(), "http".into());
    headers
        .entry("host".into())
        .or_insert_with(|| format!("127.0.0.1:{port}"));
    let (body, encoded) = match std::str::from_utf8(&request.body) {
        _ if request.body.is_empty() => (Value::Null, false),
        Ok(text) => (Value::String(text.to_string()), false),
        Err(_) => (Value::String(STANDARD.encode(&request.body)), true),
    };
    let user_agent = headers.get("user-agent").cloned().unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "local",
            "domainName": format!("127.0.0.1:{port}"),
            "domainPrefix": "local",
            "http": {
                "method": request.method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": user_agent,
            },
            "requestId": format!("local-{now}"),
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": now,
        },
        "body": body,
        "isBase64Encoded": encoded,
    })
}

/// The HTTP response for a function's answer payload (`statusCode`,
/// `headers`, `cookies`, `body`, `isBase64Encoded`).
pub fn http_response(answer: &str) -> Vec<u8> {
    let Ok(answer) = serde_json::from_str::<Value>(answer) else {
        return plain(502, "the function's answer is not JSON");
    };
    let status = answer["statusCode"].as_u64().unwrap_or(200);
    let body = match answer["body"].as_str() {
        None => Vec::new(),
        Some(b) if answer["isBase64Encoded"].as_bool() == Some(true) => match STANDARD.decode(b) {
            Ok(bytes) => bytes,
            Err(_) => return plain(502, "the function's body is not base64"),
        },
        Some(b) => b.as_bytes().to_vec(),
    };
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    if let Some(headers) = answer["headers"].as_object() {
        for (name, value) in headers {
            if let Some(v) = value.as_str()
                && !matches!(name.as_str(), "content-length" | "connection")
            {
                head.push_str(&format!("{name}: {v}\r\n"));
            }
        }
    }
    for cookie in answer["cookies"].as_array().into_iter().flatten() {
        if let Some(c) = cookie.as_str() {
            head.push_str(&format!("set-cookie: {c}\r\n"));
        }
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let mut out = head.into_bytes();
    out.extend(body);
    out
}

fn plain(status: u64, message: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{message}",
        reason(status),
        message.len()
    )
    .into_bytes()
}

fn reason(status: u64) -> &'static str {
    match status {
        200 => "OK",
        303 => "See Other",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_post_becomes_a_function_url_payload() {
        let raw = "POST /unsubscribe?t=v1.u.x.y HTTP/1.1\r\nHost: 127.0.0.1:9\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nt=v1.u.x.";
        let request = read_request(&mut raw.as_bytes()).unwrap().unwrap();
        let event = function_url_event(&request, 9);
        assert_eq!(event["rawPath"], "/unsubscribe");
        assert_eq!(event["rawQueryString"], "t=v1.u.x.y");
        assert_eq!(event["requestContext"]["http"]["method"], "POST");
        assert_eq!(
            event["headers"]["content-type"],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(event["body"], "t=v1.u.x.");
        assert_eq!(event["isBase64Encoded"], false);
    }

    #[test]
    fn an_answer_becomes_a_response() {
        let out = http_response(
            r#"{"statusCode":403,"headers":{"content-type":"text/html"},"body":"<p>no</p>","isBase64Encoded":false}"#,
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 403 Forbidden\r\n"));
        assert!(text.contains("content-type: text/html\r\n"));
        assert!(text.ends_with("content-length: 9\r\nconnection: close\r\n\r\n<p>no</p>"));
        assert!(
            String::from_utf8(http_response("nonsense"))
                .unwrap()
                .contains(" 502 ")
        );
    }
}
