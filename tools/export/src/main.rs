//! `memnun-export`: the command line around [`memnun_export`].
//!
//! ```text
//! memnun-export coupons|flows --from DATE --to DATE [--time-zone ZONE]
//!               [--table NAME] [--as-of TIME] [--with-contact] [--out FILE]
//! ```
//!
//! Writes the CSV to `--out` (or standard output) and, on a terminal, a
//! progress bar to standard error. Exit status: 0 when the export is
//! complete, 1 when it stopped part way (the file then ends at the last
//! complete row; run it again), 2 when the command line is unusable. AWS
//! credentials, region and endpoint come from the standard configuration
//! chain (`AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`, …).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use memnun_export::{Exporter, Progress, Range};
use memnun_shared::adapters::dynamodb::DynamoStore;
use memnun_shared::adapters::tool_sdk_config;

const USAGE: &str = "usage: memnun-export coupons|flows --from DATE --to DATE [options]

  coupons          one row per coupon issued in the range: flow, percent,
                   customer id, issued, expires, and what became of it
                   (open, redeemed with its order and total, expired)
  flows            one row per ISO week of the range and coupon flow:
                   marketing's weekly figures
  --from, --to     the first and last day, YYYY-MM-DD, on the shop's clock
  --time-zone ZONE the shop's IANA zone (ShopTimeZone); default Europe/Istanbul
  --table NAME     the stack's main table (output MainTableName);
                   default: the TABLE_NAME environment variable
  --as-of TIME     judge open or expired at this RFC 3339 time; default now
  --with-contact   add the customer's email address and name (personal
                   data: keep the file as such)
  --out FILE       write the CSV there; default: standard output";

enum What {
    Coupons,
    Flows,
}

struct Args {
    what: What,
    range: Range,
    table: String,
    as_of: Timestamp,
    with_contact: bool,
    out: Option<String>,
}

fn args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let what = match it.next().as_deref() {
        Some("coupons") => What::Coupons,
        Some("flows") => What::Flows,
        Some("-h" | "--help") | None => return Err(String::new()),
        Some(other) => return Err(format!("unknown export {other}: coupons or flows")),
    };
    let (mut from, mut to, mut zone, mut table, mut as_of, mut out) =
        (None, None, None, None, None, None);
    let mut with_contact = false;
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--from" => from = Some(value("--from")?),
            "--to" => to = Some(value("--to")?),
            "--time-zone" => zone = Some(value("--time-zone")?),
            "--table" => table = Some(value("--table")?),
            "--as-of" => as_of = Some(value("--as-of")?),
            "--out" => out = Some(value("--out")?),
            "--with-contact" => with_contact = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    let date = |name: &str, v: Option<String>| -> Result<Date, String> {
        let v = v.ok_or(format!("{name} is required"))?;
        v.parse()
            .map_err(|_| format!("{name} {v} is not a date (YYYY-MM-DD)"))
    };
    let zone = zone.unwrap_or_else(|| "Europe/Istanbul".to_owned());
    let tz = TimeZone::get(&zone).map_err(|_| format!("--time-zone {zone} is not an IANA zone"))?;
    let range =
        Range::new(date("--from", from)?, date("--to", to)?, tz).map_err(|e| e.to_string())?;
    let as_of = match as_of {
        Some(v) => v
            .parse()
            .map_err(|_| format!("--as-of {v} is not an RFC 3339 time"))?,
        None => Timestamp::now(),
    };
    let table = match table {
        Some(t) => t,
        None => std::env::var("TABLE_NAME")
            .ok()
            .filter(|t| !t.is_empty())
            .ok_or("--table is required (or set TABLE_NAME)")?,
    };
    Ok(Args {
        what,
        range,
        table,
        as_of,
        with_contact,
        out,
    })
}

/// Draws `[#####.....] 12/30 days, 48,000 coupons` in place on a terminal.
fn bar(p: Progress) {
    const WIDTH: usize = 30;
    let filled = (p.days_done * WIDTH).checked_div(p.days).unwrap_or(WIDTH);
    let mut err = std::io::stderr().lock();
    // A progress bar that cannot be drawn is no reason to stop the export.
    let _ignored = write!(
        err,
        "\r[{}{}] {}/{} days, {} coupons",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        p.days_done,
        p.days,
        p.rows
    )
    .and_then(|()| err.flush());
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("memnun-export: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match tool_sdk_config().await {
        Ok(config) => config,
        Err(e) => {
            eprintln!("memnun-export: {e}");
            return ExitCode::from(2);
        }
    };
    let client = aws_sdk_dynamodb::Client::new(&config);
    // The idempotency table is not read.
    let store = DynamoStore::new(client, args.table, "");
    let exporter = Exporter::new(store, 500);
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => {
                eprintln!("memnun-export: cannot create {path}: {e}");
                return ExitCode::from(2);
            }
        },
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let terminal = std::io::stderr().is_terminal();
    let mut progress = |p: Progress| {
        if terminal {
            bar(p);
        }
    };
    let result = match args.what {
        What::Coupons => exporter
            .coupons(
                &args.range,
                args.as_of,
                args.with_contact,
                &mut out,
                &mut progress,
            )
            .await
            .map(|w| {
                format!(
                    "{} coupons ({} redeemed, {} expired)",
                    w.rows, w.redeemed, w.expired
                )
            }),
        What::Flows => exporter
            .flows(&args.range, &mut out)
            .await
            .map(|rows| format!("{rows} flow-weeks")),
    };
    if terminal {
        eprintln!();
    }
    match result {
        Ok(summary) => {
            eprintln!("memnun-export: {summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("memnun-export: stopped: {e}");
            ExitCode::from(1)
        }
    }
}
