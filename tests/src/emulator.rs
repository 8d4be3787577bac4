//! The AWS emulator: moto server from the project's `.venv`, started on a
//! free loopback port and killed when dropped.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::http;

/// A running moto server.
pub struct Emulator {
    child: Child,
    port: u16,
}

/// A message SES accepted, as the emulator recorded it.
#[derive(Debug, Clone)]
pub struct SentEmail {
    /// SES's message id.
    pub id: String,
    /// The `From` value.
    pub source: String,
    /// Recipients.
    pub to: Vec<String>,
    /// The subject.
    pub subject: String,
    /// The body (moto keeps the HTML part; of a raw message, the decoded
    /// text and HTML parts).
    pub body: String,
    /// A raw message's headers, as sent (empty for a simple send).
    pub headers: Vec<(String, String)>,
}

impl SentEmail {
    /// The first header named `name` (any case), of a raw message.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A raw MIME message as the test reads it: unfolded headers, the subject's
/// encoded words decoded, and every base64 part decoded and joined.
fn parse_raw(raw: &str) -> (Vec<(String, String)>, String, String) {
    use base64::Engine as _;
    let b64 = |s: &str| {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s.split_whitespace().collect::<String>())
            .expect("base64");
        String::from_utf8(bytes).expect("UTF-8")
    };
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .expect("a blank line after the headers");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(last) = headers.last_mut() {
                last.1.push_str(line.trim_start());
            }
        } else if let Some((name, value)) = line.split_once(": ") {
            headers.push((name.to_string(), value.to_string()));
        }
    }
    let subject = headers
        .iter()
        .find(|(n, _)| n == "Subject")
        .map(|(_, v)| {
            if v.starts_with("=?UTF-8?B?") {
                v.split("?=")
                    .filter(|w| !w.is_empty())
                    .map(|w| b64(w.trim_start_matches("=?UTF-8?B?")))
                    .collect::<String>()
            } else {
                v.clone()
            }
        })
        .unwrap_or_default();
    let mut text = String::new();
    for part in body.split("\r\n--").skip(1) {
        if let Some((part_head, part_body)) = part.split_once("\r\n\r\n")
            && part_head.contains("Content-Transfer-Encoding: base64")
        {
            text.push_str(&b64(part_body));
            text.push('\n');
        }
    }
    (headers, subject, text)
}

impl Emulator {
    /// Starts a server and waits until it answers.
    pub fn start() -> Emulator {
        let root = crate::workspace_root();
        let python = std::env::var("MEMNUN_EMULATOR_PYTHON")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| root.join(".venv/bin/python"));
        assert!(
            root.join(".venv/bin/moto_server").exists()
                || std::env::var("MEMNUN_EMULATOR_PYTHON").is_ok(),
            "the emulator is not installed: run tests/emulator/install.sh (the README's test command does)"
        );
        // moto's app served one request at a time, so that every request is
        // atomic as on AWS (see tests/emulator/serve.py).
        let serve = root.join("tests/emulator/serve.py");
        let port = free_port();
        // Its own process group: a Ctrl-C in the terminal reaches the local
        // run, which then stops the emulator itself after its summary.
        let child = Command::new(&python)
            .process_group(0)
            .arg(&serve)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        let emulator = Emulator { child, port };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if matches!(http::request(port, "GET", "/moto-api/", ""), Ok((200, _))) {
                return emulator;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the emulator did not answer on port {port} within 30 s");
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Everything the emulator holds, as its `/moto-api/data.json` shows it.
    pub fn data(&self) -> serde_json::Value {
        let (status, body) =
            http::request(self.port, "GET", "/moto-api/data.json", "").expect("data.json");
        assert_eq!(status, 200, "data.json answered {status}");
        serde_json::from_str(&body).expect("data.json is JSON")
    }

    /// Every email SES accepted so far.
    pub fn sent_emails(&self) -> Vec<SentEmail> {
        let data = self.data();
        let messages = data["ses"]["Message"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        messages
            .iter()
            .map(|m| SentEmail {
                id: m["id"].as_str().unwrap_or_default().to_string(),
                source: m["source"].as_str().unwrap_or_default().to_string(),
                to: m["destinations"]["ToAddresses"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                subject: m["subject"].as_str().unwrap_or_default().to_string(),
                body: m["body"].as_str().unwrap_or_default().to_string(),
                headers: Vec::new(),
            })
            .chain(
                data["ses"]["RawMessage"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .map(|m| {
                        let (headers, subject, body) =
                            parse_raw(m["raw_data"].as_str().unwrap_or_default());
                        let to = headers
                            .iter()
                            .filter(|(n, _)| n == "To")
                            .map(|(_, v)| v.clone())
                            .collect();
                        SentEmail {
                            id: m["id"].as_str().unwrap_or_default().to_string(),
                            source: m["source"].as_str().unwrap_or_default().to_string(),
                            to,
                            subject,
                            body,
                            headers,
                        }
                    }),
            )
            .collect()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Errors only mean it has already exited.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
