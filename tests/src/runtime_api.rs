//! A minimal Lambda Runtime API on loopback, enough to run a real function
//! binary: it hands out invocations on `GET …/invocation/next` and collects
//! what the function posts back.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long an invocation may run: the deadline the Runtime API hands the
/// function (`Lambda-Runtime-Deadline-Ms`), the template's `Timeout`.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// What the function answered for one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `POST …/response` with this body.
    Response(String),
    /// `POST …/error` with this body.
    Error(String),
}

#[derive(Default)]
struct State {
    pending: VecDeque<(String, String)>,
    answers: HashMap<String, Answer>,
    next_requests: usize,
    init_error: Option<String>,
    /// The process was killed: nothing will answer any more.
    killed: bool,
}

/// The server; it stops accepting when dropped (its thread then idles out).
pub struct RuntimeApi {
    port: u16,
    state: Arc<(Mutex<State>, Condvar)>,
    counter: std::sync::atomic::AtomicUsize,
}

impl RuntimeApi {
    /// Starts on a free loopback port.
    pub fn start() -> RuntimeApi {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind runtime api");
        let port = listener.local_addr().expect("addr").port();
        let state: Arc<(Mutex<State>, Condvar)> = Arc::default();
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        RuntimeApi {
            port,
            state,
            counter: Default::default(),
        }
    }

    /// The value for `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Waits until the function first asks for work (its init is done).
    pub fn wait_ready(&self, timeout: Duration) -> Result<(), String> {
        let (lock, cvar) = &*self.state;
        let started = Instant::now();
        let mut s = lock.lock().expect("lock");
        while s.next_requests == 0 {
            if let Some(e) = &s.init_error {
                return Err(e.clone());
            }
            let left = timeout.checked_sub(started.elapsed()).ok_or("timed out")?;
            s = cvar.wait_timeout(s, left).expect("wait").0;
        }
        Ok(())
    }

    /// Says that the process behind this API was killed: a waiting
    /// [`RuntimeApi::invoke`] answers an error at once, as Lambda reports a
    /// runtime that exited mid-invocation.
    pub fn killed(&self) {
        let (lock, cvar) = &*self.state;
        if let Ok(mut s) = lock.lock() {
            s.killed = true;
        }
        cvar.notify_all();
    }

    /// Queues an invocation with `payload` and waits for its answer.
    pub fn invoke(&self, payload: &str, timeout: Duration) -> Answer {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let id = format!("req-{n}");
        let (lock, cvar) = &*self.state;
        let mut s = lock.lock().expect("lock");
        s.pending.push_back((id.clone(), payload.to_string()));
        cvar.notify_all();
        let started = Instant::now();
        loop {
            if let Some(answer) = s.answers.remove(&id) {
                return answer;
            }
            if s.killed {
                return Answer::Error("Runtime.ExitError: the process was killed".into());
            }
            let left = timeout
                .checked_sub(started.elapsed())
                .unwrap_or_else(|| panic!("no answer to {id} within {timeout:?}"));
            s = cvar.wait_timeout(s, left).expect("wait").0;
        }
    }
}

fn serve(stream: TcpStream, state: &(Mutex<State>, Condvar)) {
    // lambda_runtime keeps its connection alive: serve requests until it closes.
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body = String::from_utf8_lossy(&body).to_string();
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let reply = handle(method, path, body, state);
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

fn handle(method: &str, path: &str, body: String, state: &(Mutex<State>, Condvar)) -> String {
    let (lock, cvar) = state;
    let accepted = "HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\nContent-Type: application/json\r\n\r\n{\"status\":\"OK\"}\n".to_string();
    if method == "GET" && path.ends_with("/runtime/invocation/next") {
        let mut s = lock.lock().expect("lock");
        s.next_requests += 1;
        cvar.notify_all();
        loop {
            if let Some((id, payload)) = s.pending.pop_front() {
                let deadline = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| (d + DEADLINE).as_millis())
                    .unwrap_or_default();
                return format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {id}\r\nLambda-Runtime-Deadline-Ms: {deadline}\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:eu-central-1:000000000000:function:test\r\nLambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\nContent-Length: {}\r\n\r\n{payload}",
                    payload.len()
                );
            }
            s = cvar.wait(s).expect("wait");
        }
    }
    if method == "POST" {
        let segments: Vec<&str> = path.split('/').collect();
        let mut s = lock.lock().expect("lock");
        if path.ends_with("/runtime/init/error") {
            s.init_error = Some(body);
        } else if let [.., "invocation", id, kind] = segments.as_slice() {
            let answer = if *kind == "response" {
                Answer::Response(body)
            } else {
                Answer::Error(body)
            };
            s.answers.insert((*id).to_string(), answer);
        }
        cvar.notify_all();
        return accepted;
    }
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string()
}
