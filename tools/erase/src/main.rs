//! `memnun-erase`: the command line around [`memnun_erase`].
//!
//! ```text
//! memnun-erase [--table NAME] [--dry-run] CUSTOMER_ID
//! ```
//!
//! Erases what the stack holds about one customer and prints what it did,
//! as counts. Exit status: 0 when the customer is erased (or nothing was
//! stored about them), 1 when the erasure stopped part way (run it again:
//! what is done stays done), 2 when the command line is unusable. AWS
//! credentials, region and endpoint come from the standard configuration
//! chain (`AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`, …).

use std::process::ExitCode;

use jiff::Timestamp;
use memnun_erase::Eraser;
use memnun_shared::adapters::tool_sdk_config;
use memnun_shared::domain::customer::CustomerId;

const USAGE: &str = "usage: memnun-erase [--table NAME] [--dry-run] CUSTOMER_ID

  --table NAME  the stack's main table (output MainTableName);
                default: the TABLE_NAME environment variable
  --dry-run     find and count what would be erased, change nothing
  CUSTOMER_ID   the shop's id of the customer, as its events carry it";

struct Args {
    table: String,
    dry_run: bool,
    customer: CustomerId,
}

fn args() -> Result<Args, String> {
    let mut table = None;
    let mut dry_run = false;
    let mut customer = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--table" => table = Some(it.next().ok_or("--table needs a table name")?),
            "--dry-run" => dry_run = true,
            "-h" | "--help" => return Err(String::new()),
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            other if customer.is_none() => customer = Some(other.to_string()),
            _ => return Err("only one customer id".into()),
        }
    }
    let customer = customer.ok_or("no customer id given")?;
    // The reason only: the id is the customer's.
    let customer =
        CustomerId::parse(&customer).map_err(|reason| format!("the customer id {reason}"))?;
    let table = match table {
        Some(t) => t,
        None => std::env::var("TABLE_NAME")
            .ok()
            .filter(|t| !t.is_empty())
            .ok_or("--table is required (or set TABLE_NAME)")?,
    };
    Ok(Args {
        table,
        dry_run,
        customer,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("memnun-erase: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match tool_sdk_config().await {
        Ok(config) => config,
        Err(e) => {
            eprintln!("memnun-erase: {e}");
            return ExitCode::from(2);
        }
    };
    let client = aws_sdk_dynamodb::Client::new(&config);
    let eraser = Eraser::new(client, args.table, args.dry_run);
    match eraser.erase(&args.customer, Timestamp::now()).await {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("memnun-erase: {e}");
            eprintln!("memnun-erase: what was erased stays erased; run the same command again");
            ExitCode::from(1)
        }
    }
}
