//! `make soak`: the soak through the local run's real functions, with
//! injected AWS faults; prints and writes (`<out>/soak.json`) its figures and
//! exits non-zero when a promise failed.
//!
//! Usage: memnun-soak [--events N] [--seed S] [--faults F] [--environments N] [--kill-every N] [--out DIR]

use std::path::PathBuf;

use memnun_tests::soak::{self, SoakOptions};

fn main() {
    let mut events = 10_000usize;
    let mut seed = 20_261_122u64;
    let mut faults = 0.20f64;
    let mut kill_every: Option<u32> = None;
    let mut environments = None;
    let mut out = memnun_tests::workspace_root()
        .join("local-run")
        .join("soak");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        let bad = |what: &str| -> ! {
            eprintln!(
                "{arg}: {what}\nusage: memnun-soak [--events N] [--seed S] [--faults F] [--environments N] [--kill-every N] [--out DIR]"
            );
            std::process::exit(2)
        };
        match (arg.as_str(), value) {
            ("--events", Some(v)) => events = v.parse().unwrap_or_else(|_| bad("a count")),
            ("--seed", Some(v)) => seed = v.parse().unwrap_or_else(|_| bad("a number")),
            ("--faults", Some(v)) => faults = v.parse().unwrap_or_else(|_| bad("a fraction")),
            ("--environments", Some(v)) => {
                environments = Some(v.parse().unwrap_or_else(|_| bad("a count")))
            }
            ("--out", Some(v)) => out = PathBuf::from(v),
            ("--kill-every", Some(v)) => {
                kill_every = Some(v.parse().unwrap_or_else(|_| bad("a count of invocations")))
            }
            _ => bad("unknown option or missing value"),
        }
    }
    let mut options = SoakOptions::standard(events, seed, out.clone());
    options.faults = memnun_tests::faults::FaultConfig::mix(seed, faults);
    if let Some(n) = environments {
        options.environments = n;
    }
    options.kill_every = kill_every;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            std::process::exit(1)
        }
    };
    let report = match runtime.block_on(soak::run(options, |s| println!("{s}"))) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("the soak failed to run: {e}");
            std::process::exit(1)
        }
    };
    print!("{}", report.lines());
    println!("figures: {}", out.join("soak.json").display());
    let mut broken = Vec::new();
    if !report.lost.is_empty() {
        broken.push(format!(
            "{} event(s) neither processed nor dead-lettered",
            report.lost.len()
        ));
    }
    if report.duplicate_coupons > 0 {
        broken.push(format!(
            "{} coupon(s) issued twice",
            report.duplicate_coupons
        ));
    }
    if report.duplicate_tickets > 0 {
        broken.push(format!("{} ticket(s) duplicated", report.duplicate_tickets));
    }
    if report.unknown_coupons_published > 0 {
        broken.push(format!(
            "{} coupon(s) published but not stored",
            report.unknown_coupons_published
        ));
    }
    // The harness's promise to the others: no delivery ran beside another
    // of its event, as Lambda's timeout and the queue's lease ensure.
    if report.lost_leases > 0 {
        broken.push(format!(
            "{} deliveries outlasted their lease",
            report.lost_leases
        ));
    }
    // Kills make doubles on purpose: then every double must be explained
    // (below), and the rate is a figure, not a limit.
    if kill_every.is_none() && report.double_email_rate >= 0.001 {
        broken.push(format!(
            "double emails at {:.3} % (limit 0.1 %)",
            report.double_email_rate * 100.0
        ));
    }
    // The ways an email may arrive twice: SES accepted it and the caller
    // never heard (a lost answer), or was killed before it recorded the
    // send; either way a retry sends it again. Any other double is a bug.
    let explained = report.faults.lost_sends + report.kill_exposed_sends;
    if report.emails_sent_twice as u64 > explained {
        broken.push(format!(
            "{} email(s) sent twice, more than the {} SES send(s) whose answer was lost or whose sender was killed",
            report.emails_sent_twice, explained
        ));
    }
    if broken.is_empty() {
        println!("every promise held");
    } else {
        for b in &broken {
            eprintln!("BROKEN: {b}");
        }
        std::process::exit(1);
    }
}
