//! A function process the way Lambda runs one: its own process behind its
//! own Runtime API on loopback ([`memnun_tests::runtime_api`]), measured
//! from outside.
//!
//! - Init: from just before the process is spawned (`posix_spawn`) to its first request for
//!   work (`GET …/invocation/next`), as Lambda's init phase ends.
//! - CPU: the process's CPU clock (`clock_getcpuclockid`), every thread
//!   included, in nanoseconds. `/proc/<pid>/stat` counts in clock ticks
//!   (10 ms here), too coarse for one invocation; its total is kept as a
//!   cross-check ([`Running::stat_cpu`]).
//! - Memory: `VmHWM` from `/proc/<pid>/status`, the peak resident set since
//!   the process started; `VmRSS` for the current one.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use memnun_tests::runtime_api::{Answer, RuntimeApi};

use crate::Error;

/// How to start a function.
#[derive(Debug, Clone)]
pub struct Launch {
    /// What the results call it (`review-responder`, `review-responder (peer)`).
    pub label: String,
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Its whole environment (nothing is inherited).
    pub env: Vec<(String, String)>,
}

/// A started function, killed when dropped.
pub struct Running {
    child: Child,
    api: Arc<RuntimeApi>,
    clock: libc::clockid_t,
    /// Spawn to the first request for work.
    pub init: Duration,
}

/// One invocation, measured.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// What the function answered.
    pub answer: Answer,
    /// From handing out the event to the answer.
    pub wall: Duration,
    /// CPU the process used meanwhile, in nanoseconds.
    pub cpu_ns: u64,
}

impl Running {
    /// Starts `launch` and waits (up to 60 s) until its init is done.
    pub fn start(launch: &Launch) -> Result<Running, Error> {
        // The harness's Runtime API keeps its listener (and the request for
        // work that never got an answer) until the bench exits: one per
        // process started, within the raised descriptor limit (see main).
        let api = Arc::new(RuntimeApi::start());
        let started = Instant::now();
        // No `pre_exec` (such as a parent-death signal): with one, std must
        // fork the bench itself, which costs more the more threads and memory
        // the bench has gathered, and that time would count as the
        // function's init. Without, it spawns with `posix_spawn` at a cost
        // that does not grow. A function outliving the bench exits at its
        // next request for work, the Runtime API being gone; Ctrl-C reaches
        // it with the bench's process group.
        let mut command = Command::new(&launch.program);
        let child = command
            .args(&launch.args)
            .env_clear()
            .envs(launch.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Error::Setup(format!("cannot start {}: {e}", launch.label)))?;
        let pid = libc::pid_t::try_from(child.id())
            .map_err(|_| Error::Setup("a process id out of range".into()))?;
        let mut running = Running {
            child,
            api,
            clock: cpu_clock(pid)?,
            init: Duration::ZERO,
        };
        running
            .api
            .wait_ready(Duration::from_secs(60))
            .map_err(|e| {
                let status = running.child.try_wait().ok().flatten();
                Error::Run(format!(
                    "{} did not finish its init: {e} (exit status {status:?})",
                    launch.label
                ))
            })?;
        running.init = started.elapsed();
        Ok(running)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time used so far, in nanoseconds.
    pub fn cpu_ns(&self) -> Result<u64, Error> {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec and `self.clock` came
        // from clock_getcpuclockid for a child we have not reaped.
        let rc = unsafe { libc::clock_gettime(self.clock, &mut ts) };
        if rc != 0 {
            return Err(Error::Run(format!(
                "reading the CPU clock of {}: {}",
                self.pid(),
                std::io::Error::last_os_error()
            )));
        }
        let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
        let nanos = u64::try_from(ts.tv_nsec).unwrap_or(0);
        Ok(secs * 1_000_000_000 + nanos)
    }

    /// Invokes with `payload` and waits (up to `timeout`) for the answer.
    pub fn invoke(&self, payload: &str, timeout: Duration) -> Result<Invocation, Error> {
        let cpu_before = self.cpu_ns()?;
        let started = Instant::now();
        let api = Arc::clone(&self.api);
        let payload = payload.to_string();
        // RuntimeApi::invoke panics when no answer comes in time: keep that
        // inside a thread and turn it into an error.
        let answer = std::thread::spawn(move || api.invoke(&payload, timeout))
            .join()
            .map_err(|_| Error::Run(format!("no answer within {timeout:?}")))?;
        let wall = started.elapsed();
        let cpu_ns = self.cpu_ns()?.saturating_sub(cpu_before);
        Ok(Invocation {
            answer,
            wall,
            cpu_ns,
        })
    }

    /// The peak resident set so far, in KiB (`VmHWM`).
    pub fn peak_rss_kib(&self) -> Result<u64, Error> {
        status_field(self.pid(), "VmHWM")
    }

    /// User plus system time from `/proc/<pid>/stat`, in clock ticks.
    pub fn stat_cpu(&self) -> Result<u64, Error> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))
            .map_err(|e| Error::Run(format!("/proc/{}/stat: {e}", self.pid())))?;
        // The command name may hold spaces: fields count from the last ')'.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the whole line, 12 and 13
        // after the name.
        let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
        match (field(11), field(12)) {
            (Some(user), Some(system)) => Ok(user + system),
            _ => Err(Error::Run(format!("/proc/{}/stat: unreadable", self.pid()))),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Errors only mean it has already exited.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cpu_clock(pid: libc::pid_t) -> Result<libc::clockid_t, Error> {
    let mut clock: libc::clockid_t = 0;
    // SAFETY: `clock` is a valid, writable clockid_t.
    let rc = unsafe { libc::clock_getcpuclockid(pid, &mut clock) };
    if rc != 0 {
        return Err(Error::Setup(format!(
            "no CPU clock for process {pid}: error {rc}"
        )));
    }
    Ok(clock)
}

fn status_field(pid: u32, name: &str) -> Result<u64, Error> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| Error::Run(format!("/proc/{pid}/status: {e}")))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| Error::Run(format!("/proc/{pid}/status has no {name}")))
}

/// Raises the soft limit of open files to the hard limit: every process
/// started keeps a Runtime API listener open until the bench exits.
pub fn raise_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit; setrlimit only reads it.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            // A failure leaves the old limit, which is enough for short runs.
            let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// A field of this process's own `/proc/self/status`, in KiB.
pub fn own_status(name: &str) -> Result<u64, Error> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| Error::Run(format!("/proc/self/status: {e}")))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| Error::Run(format!("/proc/self/status has no {name}")))
}
