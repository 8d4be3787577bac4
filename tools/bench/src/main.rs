//! `memnun-bench`: memnun's performance, measured on this machine and written
//! down (`make bench`; see the README's "Performance").
//!
//! For every function of `infra/template.yaml`, its real release binary runs
//! behind a Lambda Runtime API on loopback with the template's environment,
//! its AWS calls answered by a loopback stub ([`stub`]): init, peak memory
//! over a batch, CPU per event and per AWS call, concurrency inside a batch
//! (every AWS answer 20 ms late), and the first call over TLS with and
//! without priming. The same runs measure a Python peer (`tools/bench/peer`:
//! review-responder and complaint-intake on boto3). Sizes are the release
//! binaries and their zips. The fan-out cases run against the emulator.
//!
//! It expects the release binaries to be built (`cargo build --release
//! --workspace --bins`, which `make bench` does first) and writes
//! `tools/bench/results/<date>.json` and `.md`.
//!
//! ```text
//! memnun-bench [--runs N] [--warmup N] [--only f1,f2] [--no-peer]
//!              [--no-fanout] [--fanout-only] [--scale TOTAL/DUE]
//!              [--panic-abort] [--binaries DIR] [--out PATH]
//! ```

mod billing;
mod fanout;
mod floor;
mod measure;
mod process;
mod report;
mod size;
mod stats;
mod stub;
mod workload;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use memnun_tests::stack::{LOCAL_SECRETS, TEST_SHOP};
use memnun_tests::template::{FunctionDef, Local, Template};

use crate::measure::{Figures, Plan, Subject, Transport};
use crate::process::Launch;
use crate::stub::{Mode, Stub, Tls};
use crate::workload::Seeder;

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something the bench needs is missing or cannot be prepared.
    #[error("setup: {0}")]
    Setup(String),
    /// A measurement failed.
    #[error("run: {0}")]
    Run(String),
}

/// The functions the peer implements.
const PEER_FUNCTIONS: &[&str] = &["review-responder", "complaint-intake"];

#[derive(Debug, Clone)]
struct Options {
    plan: Plan,
    only: Option<Vec<String>>,
    peer: bool,
    fanout: bool,
    stub_runs: bool,
    scale: fanout::Scale,
    panic_abort: bool,
    out: Option<PathBuf>,
    binaries: Option<PathBuf>,
}

fn usage() -> String {
    "usage: memnun-bench [--runs N] [--warmup N] [--only f1,f2] [--no-peer] [--no-fanout] \
     [--fanout-only] [--scale TOTAL/DUE] [--panic-abort] [--binaries DIR] [--out PATH]"
        .into()
}

fn parse_args(args: &[String]) -> Result<Options, Error> {
    let mut o = Options {
        plan: Plan {
            runs: 30,
            warmup: 5,
            batch: 10,
            delay_ms: 20,
        },
        only: None,
        peer: true,
        fanout: true,
        stub_runs: true,
        scale: fanout::Scale {
            total: 100_000,
            due: 10_000,
        },
        panic_abort: false,
        out: None,
        binaries: None,
    };
    let mut it = args.iter();
    let number = |v: Option<&String>, name: &str| -> Result<usize, Error> {
        v.and_then(|v| v.parse().ok())
            .ok_or_else(|| Error::Setup(format!("{name} needs a number; {}", usage())))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => o.plan.runs = number(it.next(), "--runs")?.max(1),
            "--warmup" => o.plan.warmup = number(it.next(), "--warmup")?,
            "--only" => {
                o.only = it
                    .next()
                    .map(|v| v.split(',').map(str::to_string).collect())
            }
            "--no-peer" => o.peer = false,
            "--no-fanout" => o.fanout = false,
            "--fanout-only" => o.stub_runs = false,
            "--panic-abort" => o.panic_abort = true,
            "--scale" => {
                let v = it.next().cloned().unwrap_or_default();
                let (total, due) = v
                    .split_once('/')
                    .and_then(|(t, d)| Some((t.parse().ok()?, d.parse().ok()?)))
                    .ok_or_else(|| Error::Setup(format!("--scale TOTAL/DUE; {}", usage())))?;
                o.scale = fanout::Scale { total, due };
            }
            "--out" => o.out = it.next().map(PathBuf::from),
            "--binaries" => o.binaries = it.next().map(PathBuf::from),
            "-h" | "--help" => return Err(Error::Setup(usage())),
            other => {
                return Err(Error::Setup(format!(
                    "unknown argument {other}; {}",
                    usage()
                )));
            }
        }
    }
    Ok(o)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("fanout-child") => match (args.get(1), args.get(2)) {
            (Some(function), Some(now)) => fanout::child(function, now),
            _ => Err(Error::Setup("fanout-child <function> <time>".into())),
        },
        Some("sdk-floor") => match (args.get(1), args.get(2)) {
            (Some(table), Some(queue)) => floor::child(table, queue),
            _ => Err(Error::Setup("sdk-floor <table> <queue url>".into())),
        },
        _ => parse_args(&args).and_then(|o| run(&o)),
    };
    if let Err(e) = result {
        eprintln!("memnun-bench: {e}");
        std::process::exit(1);
    }
}

fn target_dir() -> PathBuf {
    std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| memnun_tests::workspace_root().join("target"))
}

/// The shop every run configures: the tests' parameters, with what deploys
/// the functions a shop turns on (the outbound webhook, inbound email), so
/// that every function is measured with the environment it would have.
fn local_plan(template: &Template) -> Result<Local, Error> {
    let on = memnun_tests::receiver::parameters("https://hooks.dukkan.example/memnun");
    let on = on
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain([("InboundEmailDomain", "destek.dukkan.example")]);
    let shop: Vec<(&str, &str)> = TEST_SHOP.iter().copied().chain(on).collect();
    let values = template
        .parameters(&shop)
        .map_err(|e| Error::Setup(e.to_string()))?;
    template
        .plan(values)
        .map_err(|e| Error::Setup(e.to_string()))
}

/// SSM parameter name → the secret the stub answers with.
fn secrets(local: &Local) -> BTreeMap<String, String> {
    local
        .parameters
        .iter()
        .filter_map(|(parameter, name)| {
            let value = LOCAL_SECRETS.iter().find(|(p, _)| p == parameter)?.1;
            Some((name.clone(), value.to_string()))
        })
        .collect()
}

/// A certificate authority and a certificate for 127.0.0.1 (RSA 2048, as
/// AWS's endpoints present), made with openssl in `dir`.
fn certificate(dir: &Path) -> Result<(PathBuf, PathBuf, PathBuf), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Setup(format!("{}: {e}", dir.display())))?;
    let ext = dir.join("leaf.ext");
    std::fs::write(
        &ext,
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .map_err(|e| Error::Setup(format!("{}: {e}", ext.display())))?;
    let steps: [&[&str]; 3] = [
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=memnun-bench-ca",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ],
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ],
    ];
    for args in steps {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .map_err(|e| Error::Setup(format!("openssl: {e}")))?;
        if !out.status.success() {
            return Err(Error::Setup(format!(
                "openssl {}: {}",
                args[0],
                String::from_utf8_lossy(&out.stderr)
            )));
        }
    }
    Ok((
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    ))
}

/// What the runtimes measured trust, each with the stub's CA appended.
struct Trusted {
    /// The system's bundle (`trusted.pem`): the Python peer's AWS clients
    /// (`AWS_CA_BUNDLE`) and memnun's platform client (`SSL_CERT_FILE`).
    system: PathBuf,
    /// The roots memnun's AWS clients have built in (`aws-trusted.pem`,
    /// memnun's `AWS_CA_BUNDLE`): on Lambda they read no file, and parse
    /// these five.
    aws: PathBuf,
}

/// Writes the bundles of [`Trusted`] into `dir`.
fn trusted(ca: &Path, dir: &Path) -> Result<Trusted, Error> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| Error::Setup(format!("{}: {e}", path.display())))
    };
    let system = memnun_shared::adapters::trust::bundle_path()
        .ok_or_else(|| Error::Setup("no system certificate bundle".into()))?;
    let ca = read(ca)?;
    let write = |name: &str, mut bundle: Vec<u8>| {
        if !bundle.ends_with(b"\n") {
            bundle.push(b'\n');
        }
        bundle.extend_from_slice(&ca);
        let out = dir.join(name);
        std::fs::write(&out, bundle)
            .map_err(|e| Error::Setup(format!("{}: {e}", out.display())))?;
        Ok::<_, Error>(out)
    };
    Ok(Trusted {
        system: write("trusted.pem", read(Path::new(system))?)?,
        aws: write(
            "aws-trusted.pem",
            memnun_shared::adapters::trust::AWS_ROOTS
                .as_bytes()
                .to_vec(),
        )?,
    })
}

/// The environment Lambda gives every function, beyond the template's.
fn lambda_env(name: &str, log_level: &str) -> Vec<(String, String)> {
    [
        ("AWS_LAMBDA_FUNCTION_NAME", name),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", log_level),
        ("AWS_REGION", memnun_tests::template::LOCAL_REGION),
        ("AWS_DEFAULT_REGION", memnun_tests::template::LOCAL_REGION),
        ("AWS_ACCESS_KEY_ID", "ASIABENCHBENCHBENCH0"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "bench/bench/bench/bench/bench/bench/bench0",
        ),
        ("AWS_SESSION_TOKEN", "bench-session-token"),
        ("TZ", ":UTC"),
        ("LANG", "en_US.UTF-8"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The bench's own directory (`tools/bench`).
fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The peers memnun is measured beside: the same two functions, the same
/// calls, written the way most shops write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Peer {
    /// Python 3.11 on boto3 (`tools/bench/peer`).
    Python,
    /// Node.js 20 on the AWS SDK for JavaScript v3 (`tools/bench/peer-node`).
    Node,
}

impl Peer {
    const ALL: [Peer; 2] = [Peer::Python, Peer::Node];

    fn label(self) -> &'static str {
        match self {
            Peer::Python => "Python peer",
            Peer::Node => "Node.js peer",
        }
    }

    fn dir(self) -> PathBuf {
        bench_dir().join(match self {
            Peer::Python => "peer",
            Peer::Node => "peer-node",
        })
    }

    fn installer(self) -> String {
        format!(
            "tools/bench/{}/install.sh",
            match self {
                Peer::Python => "peer",
                Peer::Node => "peer-node",
            }
        )
    }

    /// What must exist for it to run, as the note says when it does not.
    fn missing(self) -> String {
        match self {
            Peer::Python => format!(
                "{} is missing",
                self.dir().join(".venv/bin/python").display()
            ),
            Peer::Node => format!(
                "{} is missing, or node is not on PATH",
                self.dir().join("node_modules").display()
            ),
        }
    }

    /// The interpreter, when the peer is installed.
    fn program(self) -> Option<PathBuf> {
        match self {
            Peer::Python => Some(self.dir().join(".venv/bin/python")).filter(|p| p.exists()),
            Peer::Node => {
                if !self.dir().join("node_modules").exists() {
                    return None;
                }
                std::env::var_os("PATH").and_then(|paths| {
                    std::env::split_paths(&paths)
                        .map(|dir| dir.join("node"))
                        .find(|node| node.is_file())
                })
            }
        }
    }

    fn bootstrap(self) -> PathBuf {
        self.dir().join(match self {
            Peer::Python => "bootstrap.py",
            Peer::Node => "bootstrap.mjs",
        })
    }

    /// Its runtime's own settings: what it trusts (Python the same bundle
    /// as memnun, read as botocore reads its own; Node.js its built-in roots
    /// and the stub's CA), where compiled modules go (under target/, not
    /// beside the sources).
    fn env(self, ca: Option<&Path>, trust: Option<&Path>, scratch: &Path) -> Vec<(String, String)> {
        let mut env = Vec::new();
        match self {
            Peer::Python => {
                if let Some(trust) = trust {
                    env.push(("AWS_CA_BUNDLE".into(), trust.display().to_string()));
                }
                env.push((
                    "PYTHONPYCACHEPREFIX".into(),
                    scratch.join("pycache").display().to_string(),
                ));
            }
            Peer::Node => {
                if let Some(ca) = ca {
                    env.push(("NODE_EXTRA_CA_CERTS".into(), ca.display().to_string()));
                }
            }
        }
        env
    }
}

/// What was measured for one function.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FunctionResult {
    /// The function.
    pub name: String,
    /// What a batch was.
    pub workload: Option<String>,
    /// Release binary and zip.
    pub size: Option<size::Size>,
    /// The same with `panic = "abort"`, when asked for.
    pub size_panic_abort: Option<size::Size>,
    /// memnun's figures.
    pub memnun: Option<Figures>,
    /// The Python peer's, for the functions it implements.
    pub peer: Option<Figures>,
    /// The Node.js peer's, for the same functions.
    pub node: Option<Figures>,
    /// Whether a queue triggers it (its events then cost SQS requests
    /// besides its own calls).
    pub triggered: bool,
    /// Why something is missing.
    pub notes: Vec<String>,
}

/// Everything one run measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Results {
    /// When (UTC).
    pub date: String,
    /// The machine (/proc/cpuinfo), cores, memory.
    pub machine: String,
    /// The plan.
    pub plan: Plan,
    /// CPU per AWS call of the SDK alone (a bare call in a loop), in µs.
    pub sdk_floor_us: BTreeMap<String, f64>,
    /// Per function.
    pub functions: Vec<FunctionResult>,
    /// The fan-out cases.
    pub fanout: Vec<fanout::FanOut>,
    /// Fan-out cases not run, and why.
    pub fanout_notes: Vec<String>,
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, v)| v.trim())
        })
        .unwrap_or("unknown CPU")
        .to_string();
    let cores = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:")?
                .split_whitespace()
                .next()?
                .parse::<u64>()
                .ok()
        })
        .map(|kib| format!(", {} GiB", kib / 1024 / 1024))
        .unwrap_or_default();
    format!("{model}, {cores} cores{memory}")
}

fn run(o: &Options) -> Result<(), Error> {
    process::raise_file_limit();
    let root = memnun_tests::workspace_root();
    let template = Template::load().map_err(|e| Error::Setup(e.to_string()))?;
    let local = local_plan(&template)?;
    let functions: Vec<FunctionDef> = template
        .functions()
        .map_err(|e| Error::Setup(e.to_string()))?
        .into_iter()
        .filter(|f| o.only.as_ref().is_none_or(|only| only.contains(&f.binary)))
        .collect();
    let release = o
        .binaries
        .clone()
        .unwrap_or_else(|| target_dir().join("release"));
    let scratch = target_dir().join("bench");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("a runtime: {e}")))?;
    let date = jiff::Timestamp::now();
    let mut results = Results {
        date: date.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        machine: machine(),
        plan: o.plan,
        sdk_floor_us: BTreeMap::new(),
        functions: Vec::new(),
        fanout: Vec::new(),
        fanout_notes: Vec::new(),
    };
    eprintln!("memnun-bench on {}", results.machine);

    let abort_dir = target_dir().join("bench-panic-abort");
    if o.panic_abort {
        eprintln!("building the functions with panic = \"abort\" (a second release build) ...");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "--release",
                "--workspace",
                "--bins",
                "--target-dir",
            ])
            .arg(&abort_dir)
            .args(["--config", "profile.release.panic=\"abort\""])
            .current_dir(&root)
            .status()
            .map_err(|e| Error::Setup(format!("cargo: {e}")))?;
        if !status.success() {
            return Err(Error::Setup("the panic = \"abort\" build failed".into()));
        }
    }

    if o.stub_runs {
        let tls = match certificate(&scratch.join("tls")) {
            Ok((ca, cert, key)) => Some((ca, Tls::from_pem(&cert, &key)?)),
            Err(e) => {
                eprintln!("no TLS figures: {e}");
                None
            }
        };
        // What each runtime trusts on Lambda, plus the stub's CA: roots
        // read at every cold start stay in init.
        let ca = tls.as_ref().map(|(ca, _)| ca.clone());
        let trust = match &ca {
            Some(ca) => Some(trusted(ca, &scratch.join("tls"))?),
            None => None,
        };
        let stub = Stub::start(Mode::Answer, tls.map(|(_, t)| t), secrets(&local))?;
        let main_table = local
            .tables
            .get(memnun_tests::stack::MAIN_TABLE)
            .cloned()
            .ok_or_else(|| Error::Setup("the template has no MainTable".into()))?;
        let seeder = Seeder {
            runtime: &runtime,
            stub: &stub,
            table: main_table,
        };
        let outbound = local
            .queues
            .get("OutboundQueue")
            .map(|q| q.url.clone())
            .unwrap_or_default();
        eprintln!("== the SDK alone: CPU per call");
        results.sdk_floor_us = floor::measure(&stub, &seeder.table, &outbound)?;
        stub.clear();
        let log_level = local
            .parameters
            .get("LogLevel")
            .cloned()
            .unwrap_or_else(|| "INFO".into());
        let events_dir = root.join("events");
        for function in &functions {
            let name = function.binary.clone();
            eprintln!("== {name}");
            let mut result = FunctionResult {
                name: name.clone(),
                workload: None,
                size: None,
                size_panic_abort: None,
                memnun: None,
                peer: None,
                node: None,
                triggered: !function.sqs_events.is_empty(),
                notes: Vec::new(),
            };
            let binary = release.join(&name);
            if !binary.exists() {
                result.notes.push(format!(
                    "no release binary at {} (run `cargo build --release --workspace --bins`)",
                    binary.display()
                ));
                results.functions.push(result);
                continue;
            }
            result.size = Some(size::measure(&binary, &scratch.join("zip"))?);
            if o.panic_abort {
                result.size_panic_abort = Some(size::measure(
                    &abort_dir.join("release").join(&name),
                    &scratch.join("zip-abort"),
                )?);
            }
            let env = local
                .function_env(function)
                .map_err(|e| Error::Setup(e.to_string()))?;
            let base: Vec<(String, String)> = env
                .into_iter()
                .chain(lambda_env(&name, &log_level))
                .collect();
            let memnun_launch = |stub: &Stub, transport: Transport| -> Launch {
                let mut env = base.clone();
                env.extend(stub.endpoint_env(transport != Transport::Plain));
                if let Some(trust) = &trust {
                    env.push(("SSL_CERT_FILE".into(), trust.system.display().to_string()));
                    // Over plain HTTP the AWS clients trust what they have
                    // built in, as on Lambda: no file is read, and the init
                    // measured parses the five roots once, not a bundle twice.
                    if transport != Transport::Plain {
                        env.push(("AWS_CA_BUNDLE".into(), trust.aws.display().to_string()));
                    }
                }
                if transport == Transport::TlsUnprimed {
                    env.push(("TLS_PRIMING".into(), "off".into()));
                }
                Launch {
                    label: name.clone(),
                    program: binary.clone(),
                    args: Vec::new(),
                    env,
                }
            };
            let progress = |what: &str| eprintln!("   {name}: {what}");
            match workload::for_function(function, &events_dir) {
                Err(why) => {
                    result.notes.push(why);
                    result.memnun = Some(measure::measure_init_only(
                        &o.plan,
                        &memnun_launch(&stub, Transport::Plain),
                        &progress,
                    )?);
                }
                Ok(work) => {
                    result.workload = Some(work.describe());
                    let subject = Subject {
                        work: work.as_ref(),
                        launch: &memnun_launch,
                        primes: true,
                    };
                    result.memnun = Some(measure::measure(&o.plan, &subject, &seeder, &progress)?);
                    if o.peer && PEER_FUNCTIONS.contains(&name.as_str()) {
                        let module = name.replace('-', "_");
                        for peer in Peer::ALL {
                            let Some(program) = peer.program() else {
                                result.notes.push(format!(
                                    "{} not measured: {} (run {})",
                                    peer.label(),
                                    peer.missing(),
                                    peer.installer()
                                ));
                                continue;
                            };
                            let peer_launch = |stub: &Stub, transport: Transport| -> Launch {
                                let mut env = base.clone();
                                env.extend(stub.endpoint_env(transport != Transport::Plain));
                                env.push(("_HANDLER".into(), format!("{module}.handler")));
                                env.extend(peer.env(
                                    ca.as_deref(),
                                    trust.as_ref().map(|t| t.system.as_path()),
                                    &scratch,
                                ));
                                Launch {
                                    label: format!("{name} ({})", peer.label()),
                                    program: program.clone(),
                                    args: vec![peer.bootstrap().display().to_string()],
                                    env,
                                }
                            };
                            let peer_progress =
                                |what: &str| eprintln!("   {name} ({}): {what}", peer.label());
                            let subject = Subject {
                                work: work.as_ref(),
                                launch: &peer_launch,
                                primes: false,
                            };
                            let figures =
                                measure::measure(&o.plan, &subject, &seeder, &peer_progress)?;
                            match peer {
                                Peer::Python => result.peer = Some(figures),
                                Peer::Node => result.node = Some(figures),
                            }
                        }
                    }
                }
            }
            results.functions.push(result);
        }
    }

    if o.fanout {
        let names: Vec<String> = template
            .functions()
            .map_err(|e| Error::Setup(e.to_string()))?
            .into_iter()
            .map(|f| f.binary)
            .collect();
        for (function, case) in [
            ("sla-monitor", fanout::sla_sweep as fn(&_, _) -> _),
            // The journey's clocks: swept by sla-monitor, kept for
            // order-journey (`--only order-journey` runs this case alone).
            ("order-journey", fanout::journey_sweep),
            ("birthday-scheduler", fanout::birthdays),
        ] {
            if o.only
                .as_ref()
                .is_some_and(|only| !only.iter().any(|f| f == function))
            {
                continue;
            }
            if !names.iter().any(|n| n == function) {
                let note = format!("{function}: not in infra/template.yaml yet; fan-out skipped");
                eprintln!("{note}");
                results.fanout_notes.push(note);
                continue;
            }
            eprintln!(
                "== fan-out: {function} over {} with {} due (seeding the emulator first)",
                o.scale.total, o.scale.due
            );
            results.fanout.push(case(&runtime, o.scale)?);
        }
    }

    let stem = date.strftime("%Y-%m-%d").to_string();
    let json_path = o
        .out
        .clone()
        .unwrap_or_else(|| bench_dir().join("results").join(format!("{stem}.json")));
    if let Some(dir) = json_path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::Run(format!("{}: {e}", dir.display())))?;
    }
    let json = serde_json::to_string_pretty(&results)
        .map_err(|e| Error::Run(format!("the results: {e}")))?;
    std::fs::write(&json_path, json + "\n")
        .map_err(|e| Error::Run(format!("{}: {e}", json_path.display())))?;
    let markdown = report::markdown(&results);
    let md_path = json_path.with_extension("md");
    std::fs::write(&md_path, &markdown)
        .map_err(|e| Error::Run(format!("{}: {e}", md_path.display())))?;
    println!("{markdown}");
    eprintln!("results: {} and {}", json_path.display(), md_path.display());
    Ok(())
}
