//! `memnun-import`: the command line around [`memnun_import`].
//!
//! ```text
//! memnun-import --queue-url URL [--as-of TIME] [--dry-run] FILE.csv
//! ```
//!
//! Reads the file, reports every bad line on stderr, sends the good ones to
//! the customers queue in batches of ten with a progress bar, and ends with
//! the counts. Exit status: 0 when every valid line was sent (bad lines are
//! reported, not fatal), 1 when some could not be sent, 2 when the command
//! line or the file is unusable. AWS credentials, region and endpoint come
//! from the standard configuration chain (`AWS_PROFILE`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, …).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use jiff::Timestamp;
use memnun_import::{FileError, parse, progress_bar};
use memnun_shared::adapters::{sqs::SqsPublisher, tool_sdk_config};
use memnun_shared::ports::Publisher;

const USAGE: &str = "usage: memnun-import --queue-url URL [--as-of TIME] [--dry-run] FILE.csv

  --queue-url URL  the stack's customers queue (output CustomersQueueUrl)
  --as-of TIME     RFC 3339 time the file's details are as of (default: now);
                   details newer than this in memnun are kept
  --dry-run        check the file and report, send nothing";

/// Messages per send: one `SendMessageBatch`.
const BATCH: usize = 10;

struct Args {
    queue_url: Option<String>,
    as_of: Timestamp,
    dry_run: bool,
    file: String,
}

fn args() -> Result<Args, String> {
    let mut queue_url = None;
    let mut as_of = None;
    let mut dry_run = false;
    let mut file = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--queue-url" => queue_url = Some(it.next().ok_or("--queue-url needs a URL")?),
            "--as-of" => {
                let v = it.next().ok_or("--as-of needs a time")?;
                as_of = Some(
                    v.parse::<Timestamp>()
                        .map_err(|_| format!("--as-of: `{v}` is not an RFC 3339 time"))?,
                );
            }
            "--dry-run" => dry_run = true,
            "-h" | "--help" => return Err(String::new()),
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            other if file.is_none() => file = Some(other.to_string()),
            _ => return Err("only one file".into()),
        }
    }
    let file = file.ok_or("no file given")?;
    if queue_url.is_none() && !dry_run {
        return Err("--queue-url is required (or --dry-run)".into());
    }
    Ok(Args {
        queue_url,
        as_of: as_of.unwrap_or_else(Timestamp::now),
        dry_run,
        file,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("memnun-import: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read(&args.file).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            eprintln!("memnun-import: {} is not UTF-8", args.file);
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("memnun-import: cannot read {}: {e}", args.file);
            return ExitCode::from(2);
        }
    };
    let parsed = match parse(&text, args.as_of) {
        Ok(p) => p,
        Err(e @ (FileError::Empty | FileError::Header(_))) => {
            eprintln!("memnun-import: {e}");
            return ExitCode::from(2);
        }
    };
    for rejected in &parsed.rejected {
        eprintln!("rejected {rejected}");
    }

    let total = parsed.accepted.len();
    let mut sent = 0;
    let mut failed_lines = Vec::new();
    if let (false, Some(queue_url)) = (args.dry_run, &args.queue_url) {
        let config = match tool_sdk_config().await {
            Ok(config) => config,
            Err(e) => {
                eprintln!("memnun-import: {e}");
                return ExitCode::from(2);
            }
        };
        let publisher = SqsPublisher::new(aws_sdk_sqs::Client::new(&config));
        let terminal = std::io::stderr().is_terminal();
        let mut progress = Progress::new(terminal, total);
        for chunk in parsed.accepted.chunks(BATCH) {
            let messages: Vec<_> = chunk.iter().map(|a| a.message.clone()).collect();
            let results = publisher.publish_each(queue_url, &messages).await;
            for (accepted, ok) in chunk.iter().zip(results) {
                if ok {
                    sent += 1;
                } else {
                    failed_lines.push(accepted.line);
                }
            }
            progress.show(sent + failed_lines.len());
        }
        progress.finish();
        for line in &failed_lines {
            eprintln!("not sent: line {line}");
        }
    }

    println!(
        "lines read: {}, {}: {}, rejected: {}, failed to send: {}",
        parsed.lines,
        if args.dry_run { "valid" } else { "sent" },
        if args.dry_run { total } else { sent },
        parsed.rejected.len(),
        failed_lines.len()
    );
    if failed_lines.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The progress display: a bar redrawn in place on a terminal, a plain line
/// every tenth of the way otherwise (a log file should not fill with bars).
struct Progress {
    terminal: bool,
    total: usize,
    next_line: usize,
}

impl Progress {
    fn new(terminal: bool, total: usize) -> Self {
        Progress {
            terminal,
            total,
            next_line: 0,
        }
    }

    fn show(&mut self, done: usize) {
        let mut err = std::io::stderr().lock();
        // A progress display that cannot be written is no reason to stop
        // sending: the final count is printed on stdout regardless.
        let written = if self.terminal {
            write!(err, "\r{}", progress_bar(done, self.total)).and_then(|()| err.flush())
        } else if done >= self.next_line || done == self.total {
            self.next_line = done + self.total.div_ceil(10).max(1);
            writeln!(err, "sent {done}/{}", self.total)
        } else {
            Ok(())
        };
        if written.is_err() {
            self.terminal = false;
            self.next_line = usize::MAX;
        }
    }

    fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}
