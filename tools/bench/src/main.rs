//! `memnun-bench`: memnun's performance, measured on this machine and written
//! down (`make bench`; see the README's "Performance").
//!
//! For every function of `infra/template.yaml`, its real release binary runs
//! behind a Lambda Runtime API on loopback with the template's environment,
//! its AWS calls answered by a loopback stub ([`stub`]): init (every
//! function in turn, in one phase of its own: [`measure::init_in_turn`]), peak memory
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
//!              [--init-only] [--panic-abort] [--binaries DIR] [--out PATH]
//! ```
//!
//! `--init-only` measures init alone, every function in turn (under a
//! minute), and sizes: the quick check of the init target.

mod billing;
mod fanout;
mod floor;
mod launch;
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

use crate::launch::{Launcher, Peer, Target, bench_dir, lambda_env, trusted};
use crate::measure::{Figures, Plan, Subject, Transport};
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
    init_only: bool,
}

fn usage() -> String {
    "usage: memnun-bench [--runs N] [--warmup N] [--only f1,f2] [--no-peer] [--no-fanout] \
     [--fanout-only] [--init-only] [--scale TOTAL/DUE] [--panic-abort] [--binaries DIR] \
     [--out PATH]"
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
        init_only: false,
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
            "--init-only" => {
                o.init_only = true;
                o.fanout = false;
            }
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

/// One function between the phases: what it is measured with, and its
/// results so far.
struct Entry {
    result: FunctionResult,
    /// How to start it; none without a release binary.
    target: Option<Target>,
    /// Its workload; none when it has none (init and memory only).
    work: Option<Box<dyn workload::Work + Send + Sync>>,
    /// The peers measured beside it, with their interpreters.
    peers: Vec<(Peer, PathBuf)>,
}

/// The phase that measured every function's init in turn.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InTurnRun {
    /// Programs measured (memnun's functions and the peers').
    pub programs: usize,
    /// Processes started, warm-up rounds included.
    pub processes: usize,
    /// How long the phase took, in seconds.
    pub wall_s: f64,
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

impl FunctionResult {
    /// Where `peer`'s figures go.
    fn of(&mut self, peer: Peer) -> &mut Option<Figures> {
        match peer {
            Peer::Python => &mut self.peer,
            Peer::Node => &mut self.node,
        }
    }
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
    /// The init phase, every function in turn (when the stub runs ran).
    pub init_in_turn: Option<InTurnRun>,
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
        init_in_turn: None,
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
        let launcher = Launcher {
            trust: trust.as_ref(),
            ca: ca.as_deref(),
            scratch: &scratch,
        };

        // Every function as it will be measured, before any is: the init
        // phase starts them all in turn.
        let mut entries = Vec::new();
        for function in &functions {
            let name = function.binary.clone();
            let mut entry = Entry {
                result: FunctionResult {
                    name: name.clone(),
                    workload: None,
                    size: None,
                    size_panic_abort: None,
                    memnun: None,
                    peer: None,
                    node: None,
                    triggered: !function.sqs_events.is_empty(),
                    notes: Vec::new(),
                },
                target: None,
                work: None,
                peers: Vec::new(),
            };
            let binary = release.join(&name);
            if !binary.exists() {
                entry.result.notes.push(format!(
                    "no release binary at {} (run `cargo build --release --workspace --bins`)",
                    binary.display()
                ));
                entries.push(entry);
                continue;
            }
            entry.result.size = Some(size::measure(&binary, &scratch.join("zip"))?);
            if o.panic_abort {
                entry.result.size_panic_abort = Some(size::measure(
                    &abort_dir.join("release").join(&name),
                    &scratch.join("zip-abort"),
                )?);
            }
            let env = local
                .function_env(function)
                .map_err(|e| Error::Setup(e.to_string()))?;
            match workload::for_function(function, &events_dir) {
                Err(why) => entry.result.notes.push(why),
                Ok(work) => {
                    entry.result.workload = Some(work.describe());
                    entry.work = Some(work);
                    if o.peer && PEER_FUNCTIONS.contains(&name.as_str()) {
                        for peer in Peer::ALL {
                            match peer.program() {
                                Some(program) => entry.peers.push((peer, program)),
                                None => entry.result.notes.push(format!(
                                    "{} not measured: {} (run {})",
                                    peer.label(),
                                    peer.missing(),
                                    peer.installer()
                                )),
                            }
                        }
                    }
                }
            }
            entry.target = Some(Target {
                base: env
                    .into_iter()
                    .chain(lambda_env(&name, &log_level))
                    .collect(),
                binary,
                name,
            });
            entries.push(entry);
        }

        // Init, every program in turn (memnun's and the peers'), plain HTTP.
        eprintln!("== init, every function in turn");
        let mut launches = Vec::new();
        let mut owners = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let Some(target) = &entry.target else {
                continue;
            };
            launches.push(launcher.memnun(target, &stub, Transport::Plain));
            owners.push((i, None));
            for (peer, program) in &entry.peers {
                launches.push(launcher.peer(*peer, program, target, &stub, Transport::Plain));
                owners.push((i, Some(*peer)));
            }
        }
        stub.set_delay(std::time::Duration::ZERO);
        let in_turn =
            measure::init_in_turn(&o.plan, &launches, &|what: &str| eprintln!("   {what}"))?;
        stub.take_calls();
        results.init_in_turn = Some(InTurnRun {
            programs: launches.len(),
            processes: in_turn.processes,
            wall_s: in_turn.wall.as_secs_f64(),
        });
        let in_turn_of = |i: usize, who: Option<Peer>| {
            owners
                .iter()
                .position(|owner| *owner == (i, who))
                .and_then(|at| in_turn.init_ms.get(at).copied().flatten())
        };
        // The figure of the phase in turn becomes the init; the function's
        // own phase's stays beside it.
        let with_in_turn = |mut f: Figures, i: usize, who: Option<Peer>| {
            f.init_own_phase_ms = f.init_ms;
            f.init_ms = in_turn_of(i, who);
            f
        };

        if o.init_only {
            for (i, mut entry) in entries.drain(..).enumerate() {
                if entry.target.is_some() {
                    let only_init = |who| Figures {
                        init_ms: in_turn_of(i, who),
                        ..Figures::default()
                    };
                    entry.result.memnun = Some(only_init(None));
                    for (peer, _) in &entry.peers {
                        *entry.result.of(*peer) = Some(only_init(Some(*peer)));
                    }
                }
                results.functions.push(entry.result);
            }
        }

        for (i, entry) in entries.into_iter().enumerate() {
            let Entry {
                mut result,
                target,
                work,
                peers,
            } = entry;
            let name = result.name.clone();
            eprintln!("== {name}");
            let Some(target) = target else {
                results.functions.push(result);
                continue;
            };
            let memnun_launch =
                |stub: &Stub, transport: Transport| launcher.memnun(&target, stub, transport);
            let progress = |what: &str| eprintln!("   {name}: {what}");
            let Some(work) = work else {
                let figures = measure::measure_init_only(
                    &o.plan,
                    &memnun_launch(&stub, Transport::Plain),
                    &progress,
                )?;
                result.memnun = Some(with_in_turn(figures, i, None));
                results.functions.push(result);
                continue;
            };
            let subject = Subject {
                work: work.as_ref(),
                launch: &memnun_launch,
                primes: true,
            };
            let figures = measure::measure(&o.plan, &subject, &seeder, &progress)?;
            result.memnun = Some(with_in_turn(figures, i, None));
            for (peer, program) in &peers {
                let peer_launch = |stub: &Stub, transport: Transport| {
                    launcher.peer(*peer, program, &target, stub, transport)
                };
                let peer_progress = |what: &str| eprintln!("   {name} ({}): {what}", peer.label());
                let subject = Subject {
                    work: work.as_ref(),
                    launch: &peer_launch,
                    primes: false,
                };
                let figures = measure::measure(&o.plan, &subject, &seeder, &peer_progress)?;
                *result.of(*peer) = Some(with_in_turn(figures, i, Some(*peer)));
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
