//! The results as Markdown tables: memnun beside the Python and Node.js
//! peers, every function, what a million events cost all in, and the
//! fan-out cases.

use std::fmt::Write as _;

use crate::billing::{self, Bill};
use crate::measure::Figures;
use crate::stats::Summary;
use crate::{FunctionResult, Results};

/// Lambda arm64 price per GB-second (us-east-1 list price).
pub const PRICE_GB_S: f64 = 0.000_013_333_4;
/// Lambda price per request.
pub const PRICE_REQUEST: f64 = 0.20 / 1_000_000.0;
/// Memory of the priced function, in GB.
pub const MEMORY_GB: f64 = 0.125;
/// How much slower CPU work runs at 128 MB than on a whole core: Lambda
/// gives one vCPU at 1,769 MB and shares it in proportion below.
pub const CPU_STRETCH: f64 = 1769.0 / 128.0;

fn med(s: Option<Summary>, digits: usize) -> String {
    s.map_or("–".into(), |s| format!("{:.*}", digits, s.median))
}

fn med_p99(s: Option<Summary>, digits: usize) -> String {
    s.map_or("–".into(), |s| {
        format!("{:.*} (p99 {:.*})", digits, s.median, digits, s.p99)
    })
}

fn ratio(peer: Option<Summary>, memnun: Option<Summary>) -> String {
    match (peer, memnun) {
        (Some(p), Some(m)) if m.median > 0.0 => format!("{:.0}×", p.median / m.median),
        _ => "–".into(),
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// The billed duration of one batch at 128 MB, in ms: the batch's time with
/// every AWS answer 20 ms late (a stand-in for the service's latency), plus
/// its CPU stretched to a 128 MB share of a core (the part of it that ran
/// at full speed here is already in the measured time).
pub fn billed_batch_ms(f: &Figures, batch: usize) -> Option<f64> {
    let wall = f.batch_delayed_ms?.median;
    let cpu_ms = f.cpu_per_event_us?.median * batch as f64 / 1000.0;
    Some(wall + cpu_ms * (CPU_STRETCH - 1.0))
}

/// Dollars per million events, `batch` events per invocation.
pub fn cost_per_million(f: &Figures, batch: usize) -> Option<f64> {
    let ms = billed_batch_ms(f, batch)?.ceil();
    let invocations = 1_000_000.0 / batch as f64;
    Some(invocations * (MEMORY_GB * ms / 1000.0 * PRICE_GB_S + PRICE_REQUEST))
}

/// The bill per million events of one function's figures.
pub fn bill_of(f: &Figures, batch: usize, triggered: bool) -> Option<Bill> {
    Some(billing::bill(
        f.billed_per_event?,
        cost_per_million(f, batch)?,
        batch,
        triggered,
    ))
}

fn dollars(bill: Option<Bill>, pick: fn(&Bill) -> f64) -> String {
    bill.map_or("–".into(), |b| format!("{:.2}", pick(&b)))
}

fn peer_rows(out: &mut String, r: &FunctionResult, batch: usize) {
    let Some(m) = &r.memnun else {
        return;
    };
    if r.peer.is_none() && r.node.is_none() {
        return;
    }
    let n = &r.name;
    let empty = Figures::default();
    let (p, j) = (
        r.peer.as_ref().unwrap_or(&empty),
        r.node.as_ref().unwrap_or(&empty),
    );
    let calls = |f: &Figures| f.calls_per_event.map_or("–".into(), |c| format!("{c:.1}"));
    let conc = |f: &Figures| {
        f.concurrency_ratio
            .map_or("–".into(), |c| format!("{c:.2}×"))
    };
    let all_in = |f: &Figures| bill_of(f, batch, r.triggered).map(|b| b.all_in());
    let cost_ratio = |peer: &Figures| match (all_in(peer), all_in(m)) {
        (Some(pc), Some(mc)) if mc > 0.0 => format!("{:.1}×", pc / mc),
        _ => "–".into(),
    };
    let lambda_ratio =
        |peer: &Figures| match (cost_per_million(peer, batch), cost_per_million(m, batch)) {
            (Some(pc), Some(mc)) if mc > 0.0 => format!("{:.0}×", pc / mc),
            _ => "–".into(),
        };
    let rows: Vec<[String; 7]> = vec![
        [
            "init, ms".into(),
            med_p99(m.init_ms, 1),
            med_p99(p.init_ms, 0),
            ratio(p.init_ms, m.init_ms),
            med_p99(j.init_ms, 0),
            ratio(j.init_ms, m.init_ms),
            "≤ 5 ms; ≥ 25×".into(),
        ],
        [
            format!("peak RSS, init + a batch of {batch}, MiB"),
            med_p99(m.rss_batch_mib, 1),
            med_p99(p.rss_batch_mib, 1),
            ratio(p.rss_batch_mib, m.rss_batch_mib),
            med_p99(j.rss_batch_mib, 1),
            ratio(j.rss_batch_mib, m.rss_batch_mib),
            "≤ 12 MiB; ≥ 5×".into(),
        ],
        [
            "CPU per event, µs".into(),
            med_p99(m.cpu_per_event_us, 0),
            med_p99(p.cpu_per_event_us, 0),
            ratio(p.cpu_per_event_us, m.cpu_per_event_us),
            med_p99(j.cpu_per_event_us, 0),
            ratio(j.cpu_per_event_us, m.cpu_per_event_us),
            "≥ 8×".into(),
        ],
        [
            "CPU per AWS call, µs".into(),
            med_p99(m.cpu_per_call_us, 0),
            med_p99(p.cpu_per_call_us, 0),
            ratio(p.cpu_per_call_us, m.cpu_per_call_us),
            med_p99(j.cpu_per_call_us, 0),
            ratio(j.cpu_per_call_us, m.cpu_per_call_us),
            "≤ 100 µs".into(),
        ],
        [
            "AWS calls per event".into(),
            calls(m),
            calls(p),
            String::new(),
            calls(j),
            String::new(),
            "the same calls".into(),
        ],
        [
            format!("a batch of {batch} ÷ one event, AWS answers 20 ms late"),
            conc(m),
            conc(p),
            String::new(),
            conc(j),
            String::new(),
            "≤ 1.3×".into(),
        ],
        [
            "first event over TLS, ms: primed / not".into(),
            format!(
                "{} / {}",
                med(m.first_call_primed_ms, 1),
                med(m.first_call_unprimed_ms, 1)
            ),
            format!("– / {}", med(p.first_call_unprimed_ms, 1)),
            ratio(p.first_call_unprimed_ms, m.first_call_primed_ms),
            format!("– / {}", med(j.first_call_unprimed_ms, 1)),
            ratio(j.first_call_unprimed_ms, m.first_call_primed_ms),
            "primed < not".into(),
        ],
        [
            "$ per million events: Lambda, 128 MB arm64".into(),
            cost_per_million(m, batch).map_or("–".into(), |c| format!("{c:.2}")),
            cost_per_million(p, batch).map_or("–".into(), |c| format!("{c:.2}")),
            lambda_ratio(p),
            cost_per_million(j, batch).map_or("–".into(), |c| format!("{c:.2}")),
            lambda_ratio(j),
            String::new(),
        ],
        [
            "$ per million events: all in (Lambda + DynamoDB + SQS)".into(),
            all_in(m).map_or("–".into(), |c| format!("{c:.2}")),
            all_in(p).map_or("–".into(), |c| format!("{c:.2}")),
            cost_ratio(p),
            all_in(j).map_or("–".into(), |c| format!("{c:.2}")),
            cost_ratio(j),
            String::new(),
        ],
    ];
    for [
        figure,
        memnun,
        python,
        python_ratio,
        node,
        node_ratio,
        target,
    ] in rows
    {
        let _ = writeln!(
            out,
            "| {n} | {figure} | {memnun} | {python} | {python_ratio} | {node} | {node_ratio} | {target} |"
        );
    }
}

fn cost_rows(out: &mut String, results: &Results) {
    let batch = results.plan.batch;
    let _ = writeln!(
        out,
        "| function, $ per million events | DynamoDB units per event: write / read | SQS requests per event | Lambda | DynamoDB | SQS | **all in** | SES, apart (emails per event) |\n|---|---|---|---|---|---|---|---|"
    );
    for r in &results.functions {
        let Some(m) = &r.memnun else { continue };
        let (Some(per), Some(bill)) = (m.billed_per_event, bill_of(m, batch, r.triggered)) else {
            continue;
        };
        let trigger = if r.triggered {
            billing::SQS_SEND_PER_EVENT + billing::SQS_TRIGGER_PER_BATCH / batch as f64
        } else {
            0.0
        };
        let _ = writeln!(
            out,
            "| {} | {:.1} / {:.1} | {:.2} | {} | {} | {} | **{}** | {} ({:.1}) |",
            r.name,
            per.write_units,
            per.read_units,
            per.sqs_requests + trigger,
            dollars(Some(bill), |b| b.lambda),
            dollars(Some(bill), |b| b.dynamodb),
            dollars(Some(bill), |b| b.sqs),
            dollars(Some(bill), Bill::all_in),
            dollars(Some(bill), |b| b.ses),
            per.emails,
        );
    }
    let _ = writeln!(
        out,
        "\nPrices: us-east-1 on-demand list prices (Lambda arm64 ${PRICE_GB_S} per GB-second at 128 MB and $0.20 per million requests; DynamoDB ${:.3} per million write and ${:.3} per million read request units; SQS ${:.2} per million requests; SES ${:.2} per 1,000 emails). Request units are worked out from the items each call reads and writes (`tools/bench/src/billing.rs`); SQS counts the function's own requests plus, for a queue-triggered function, the send that queued the event and the trigger's receive and delete ({} per batch of {batch}).\n",
        billing::DYNAMODB_WRU * 1e6,
        billing::DYNAMODB_RRU * 1e6,
        billing::SQS_REQUEST * 1e6,
        billing::SES_EMAIL * 1e3,
        billing::SQS_TRIGGER_PER_BATCH,
    );
}

/// The whole report.
pub fn markdown(results: &Results) -> String {
    let mut out = String::new();
    let batch = results.plan.batch;
    let _ = writeln!(
        out,
        "Measured {} on {}: median and p99 over {} runs after {} warm-up runs.\n",
        results.date, results.machine, results.plan.runs, results.plan.warmup
    );
    let own_phase: Vec<String> = results
        .functions
        .iter()
        .filter_map(|r| {
            let own = r.memnun.as_ref()?.init_own_phase_ms?;
            Some(format!("{} {:.1}", r.name, own.median))
        })
        .collect();
    if let Some(turn) = &results.init_in_turn {
        let _ = writeln!(
            out,
            "Init is measured with every program in turn, in one phase before the others: round k starts each of the {} programs (memnun's functions and the peers) once before round k + 1 starts any, {} processes in {:.1} s, so that what the machine does meanwhile falls on all of them alike.{}\n",
            turn.programs,
            turn.processes,
            turn.wall_s,
            if own_phase.is_empty() {
                ""
            } else {
                " Each function's own phase, where every start follows a batch and the phases are minutes apart, measures init again; those figures are listed below the table."
            }
        );
    }

    if !results.sdk_floor_us.is_empty() {
        let floor: Vec<String> = results
            .sdk_floor_us
            .iter()
            .map(|(op, us)| format!("{op} {us:.0} µs"))
            .collect();
        let _ = writeln!(
            out,
            "The AWS SDK alone, one call after another with the functions' configuration, uses {} of CPU per call.\n",
            floor.join(", ")
        );
    }

    if results
        .functions
        .iter()
        .any(|f| f.peer.is_some() || f.node.is_some())
    {
        let _ = writeln!(
            out,
            "| function | figure | memnun | Python peer | ratio | Node.js peer | ratio | target |\n|---|---|---|---|---|---|---|---|"
        );
        for r in &results.functions {
            peer_rows(&mut out, r, batch);
        }
        out.push('\n');
    }

    if !results.functions.is_empty() {
        let _ = writeln!(
            out,
            "| function | init, ms | peak RSS, MiB | bootstrap / zip, MB | CPU per event, µs | AWS calls per event | CPU per AWS call, µs | batch ÷ one (20 ms answers) | first event over TLS, ms: primed / not |"
        );
        let _ = writeln!(
            out,
            "|---|---|---|---|---|---|---|---|---|\n| *target* | *≤ 5* | *≤ 12 MiB* | *≤ 8 / ≤ 4* | | | *≤ 100* | *≤ 1.3×* | |"
        );
        for r in &results.functions {
            let size = r.size.map_or("–".into(), |s| {
                format!("{:.2} / {:.2}", mb(s.bootstrap), mb(s.zip))
            });
            let Some(m) = &r.memnun else {
                let _ = writeln!(out, "| {} | – | – | {size} | – | – | – | – | – |", r.name);
                continue;
            };
            let rss = m.rss_batch_mib.or(m.rss_after_init_mib);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {size} | {} | {} | {} | {} | {} / {} |",
                r.name,
                med_p99(m.init_ms, 1),
                med(rss, 1),
                med(m.cpu_per_event_us, 0),
                m.calls_per_event.map_or("–".into(), |c| format!("{c:.1}")),
                med(m.cpu_per_call_us, 0),
                m.concurrency_ratio
                    .map_or("–".into(), |c| format!("{c:.2}×")),
                med(m.first_call_primed_ms, 1),
                med(m.first_call_unprimed_ms, 1),
            );
        }
        out.push('\n');
        for r in &results.functions {
            if let (Some(unwind), Some(abort)) = (r.size, r.size_panic_abort) {
                let _ = writeln!(
                    out,
                    "- {}: `panic = \"unwind\"` {:.2} MB ({:.2} MB zipped), `panic = \"abort\"` {:.2} MB ({:.2} MB zipped)",
                    r.name,
                    mb(unwind.bootstrap),
                    mb(unwind.zip),
                    mb(abort.bootstrap),
                    mb(abort.zip)
                );
            }
        }
        if results.init_in_turn.is_some() && !own_phase.is_empty() {
            let _ = writeln!(
                out,
                "- init in each function's own phase, median ms: {}",
                own_phase.join(", ")
            );
        }
        for r in &results.functions {
            if let Some(w) = &r.workload {
                let _ = writeln!(out, "- {}: a batch is {w}", r.name);
            }
            for note in r
                .notes
                .iter()
                .chain(r.memnun.iter().flat_map(|m| m.notes.iter()))
            {
                let _ = writeln!(out, "- {}: {note}", r.name);
            }
            for (who, f) in [
                ("memnun", &r.memnun),
                ("Python peer", &r.peer),
                ("Node.js peer", &r.node),
            ] {
                if let Some(f) = f
                    && f.failed_events > 0
                {
                    let _ = writeln!(
                        out,
                        "- {} ({who}): {} events failed, e.g. `{}`",
                        r.name,
                        f.failed_events,
                        f.failure_example.clone().unwrap_or_default()
                    );
                }
            }
        }
        out.push('\n');
        cost_rows(&mut out, results);
    }

    if !results.fanout.is_empty() || !results.fanout_notes.is_empty() {
        let _ = writeln!(
            out,
            "| fan-out, against the emulator | due / total | wall time | CPU of the function | AWS calls | messages per SQS call | RSS before → peak, MiB |\n|---|---|---|---|---|---|---|"
        );
        for f in &results.fanout {
            let calls: usize = f.calls.values().sum();
            let per = if f.sqs_calls > 0 {
                format!("{:.1}", f.messages as f64 / f.sqs_calls as f64)
            } else {
                "–".into()
            };
            let detail: Vec<String> = f.calls.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let _ = writeln!(
                out,
                "| {} | {} / {} | {:.0} s | {:.1} s | {calls} ({}) | {per} ({} messages in {} calls) | {:.1} → {:.1} |",
                f.function,
                f.scale.due,
                f.scale.total,
                f.wall_s,
                f.cpu_s,
                detail.join(", "),
                f.messages,
                f.sqs_calls,
                f.rss_before_mib,
                f.peak_rss_mib
            );
        }
        for note in &results.fanout_notes {
            let _ = writeln!(out, "\n- {note}");
        }
    }
    out
}
