//! `make local`: the whole system on this machine. See `memnun_tests::local`.
//!
//! Options:
//!   --keep-running       keep delivering after the scenario until Ctrl-C;
//!                        drop event files into local-run/inbox/ to send them
//!   --send FILE          send this event file instead of the scenario (repeatable)
//!   --time RFC3339       after the scenario, fire every schedule at this time
//!   --log-level LEVEL    the functions' LogLevel (TRACE ... ERROR; default INFO)
//!   --out DIR            where the report goes (default: local-run/)

use std::path::PathBuf;
use std::process::ExitCode;

use memnun_tests::local::run::{Options, run};

#[tokio::main]
async fn main() -> ExitCode {
    let mut options = Options {
        out: memnun_tests::workspace_root().join("local-run"),
        ..Options::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let parsed = match arg.as_str() {
            "--keep-running" => {
                options.keep_running = true;
                Ok(())
            }
            "--send" => value("--send").map(|v| options.send.push(PathBuf::from(v))),
            "--out" => value("--out").map(|v| options.out = PathBuf::from(v)),
            "--log-level" => value("--log-level").map(|v| options.log_level = Some(v)),
            "--time" => value("--time").and_then(|v| {
                v.parse().map(|t| options.time = Some(t)).map_err(|_| {
                    format!("--time {v}: not an RFC 3339 time such as 2026-11-22T10:00:00Z")
                })
            }),
            "-h" | "--help" => {
                println!(
                    "usage: memnun-local [--keep-running] [--send FILE]... [--time RFC3339] [--log-level LEVEL] [--out DIR]"
                );
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown option {other}; see --help")),
        };
        if let Err(e) = parsed {
            eprintln!("memnun-local: {e}");
            return ExitCode::from(2);
        }
    }
    match run(options, |line| println!("{line}")).await {
        Ok(summary) => {
            print!("{}", summary.table());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("memnun-local: {e}");
            ExitCode::FAILURE
        }
    }
}
