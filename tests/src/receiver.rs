//! The shop's own URL on loopback: receives memnun's outbound webhook as a
//! shop's server would, checking each delivery's `Memnun-Signature` with
//! the documented recipe (HMAC-SHA256 of `<t>.<body>`, within 5 minutes)
//! and keeping what it accepted. Faults are queued, one per request: a
//! status to answer (`503`, `401`, …) instead of `200`.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use memnun_shared::contract::signature;

/// The signing secret of the local run and the tests.
pub const OUTBOUND_WEBHOOK_SECRET: &str = "local-outbound-webhook-secret-0123456789";

/// One delivery the receiver accepted.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Received {
    /// `Memnun-Event-Id`.
    pub id: String,
    /// `Memnun-Event-Type`.
    pub kind: String,
    /// The body, as sent.
    pub body: String,
}

#[derive(Debug, Default)]
struct State {
    received: Vec<Received>,
    refused: usize,
    faults: VecDeque<u16>,
    requests: usize,
}

/// The receiver; it stops accepting when dropped.
pub struct WebhookReceiver {
    port: u16,
    state: Arc<Mutex<State>>,
    stopped: Arc<AtomicBool>,
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

impl WebhookReceiver {
    /// Starts on a free loopback port, accepting deliveries signed with
    /// `secret`.
    pub fn start(secret: &str) -> WebhookReceiver {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let stopped = Arc::new(AtomicBool::new(false));
        let (serving, stop) = (Arc::clone(&state), Arc::clone(&stopped));
        let secret = secret.as_bytes().to_vec();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let (state, secret) = (Arc::clone(&serving), secret.clone());
                std::thread::spawn(move || serve(stream, &state, &secret));
            }
        });
        WebhookReceiver {
            port,
            state,
            stopped,
        }
    }

    /// The URL to configure as `OutboundWebhookUrl`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/memnun", self.port)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Answers the next requests with these statuses, one each.
    pub fn fail(&self, statuses: impl IntoIterator<Item = u16>) {
        self.state().faults.extend(statuses);
    }

    /// The deliveries accepted, in order.
    pub fn received(&self) -> Vec<Received> {
        self.state().received.clone()
    }

    /// How many requests had a signature that did not verify.
    pub fn refused(&self) -> usize {
        self.state().refused
    }

    /// How many requests came in, faults included.
    pub fn requests(&self) -> usize {
        self.state().requests
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>, secret: &[u8]) {
    let Ok(mut reader) = stream.try_clone().map(BufReader::new) else {
        return;
    };
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 {
            return;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let length: usize = get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        .min(1024 * 1024);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let status = {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        s.requests += 1;
        match s.faults.pop_front() {
            Some(status) => status,
            None => {
                let header = get(signature::HEADER);
                let verified = signature::verify(
                    header.as_deref(),
                    &body,
                    &[secret.to_vec()],
                    jiff::Timestamp::now(),
                );
                if verified.is_ok() {
                    s.received.push(Received {
                        id: get("memnun-event-id").unwrap_or_default(),
                        kind: get("memnun-event-type").unwrap_or_default(),
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    200
                } else {
                    s.refused += 1;
                    401
                }
            }
        }
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{{}}"
    );
}

/// The template parameters that point the outbound webhook at `url`.
pub fn parameters(url: &str) -> [(&'static str, String); 2] {
    [
        ("OutboundWebhookUrl", url.to_owned()),
        (
            "OutboundWebhookSecretParameterName",
            "/memnun/outbound-webhook-secret".to_owned(),
        ),
    ]
}
