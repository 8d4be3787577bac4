//! `memnun-faq`: checks the shop's FAQ file before it is deployed.
//!
//! ```text
//! memnun-faq check FILE [--into DIR]
//! ```
//!
//! Reads FILE as complaint-intake will ([`memnun_shared::domain::faq`]),
//! prints every bad entry with its number, id and reason, and with `--into`
//! copies the file, once it is good, to `DIR/faq.json`: the function's
//! package directory (`target/lambda/complaint-intake`), where the function
//! reads it at init. Exit status: 0 good, 1 bad entries (nothing copied), 2
//! the command line or the file unusable.
//!
//! Why a command of its own: a bad file found at deploy time is a line in
//! the shop's terminal; found at init it is a function that does not start.

use std::path::PathBuf;
use std::process::ExitCode;

use memnun_shared::domain::faq::Faq;

const USAGE: &str = "usage: memnun-faq check FILE [--into DIR]

  FILE        the shop's FAQ (JSON; infra/faq.example.json shows the shape)
  --into DIR  when the file is good, copy it to DIR/faq.json (the
              complaint-intake package: target/lambda/complaint-intake)";

struct Args {
    file: PathBuf,
    into: Option<PathBuf>,
}

fn args() -> Result<Args, String> {
    let mut argv = std::env::args().skip(1);
    if argv.next().as_deref() != Some("check") {
        return Err("the only command is `check`".into());
    }
    let mut file = None;
    let mut into = None;
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--into" => {
                into = Some(PathBuf::from(
                    argv.next().ok_or("--into needs a directory")?,
                ));
            }
            "-h" | "--help" => return Err(String::new()),
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other if file.is_none() => file = Some(PathBuf::from(other)),
            other => return Err(format!("one file only ({other} is a second)")),
        }
    }
    Ok(Args {
        file: file.ok_or("FILE is missing")?,
        into,
    })
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(args) => args,
        Err(reason) => {
            if !reason.is_empty() {
                eprintln!("memnun-faq: {reason}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let shown = args.file.display();
    let bytes = match std::fs::read(&args.file) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("memnun-faq: cannot read {shown}: {e}");
            return ExitCode::from(2);
        }
    };
    let faq = match Faq::parse(&bytes) {
        Ok(faq) => faq,
        Err(errors) => {
            for e in &errors {
                eprintln!("{shown}: {e}");
            }
            eprintln!(
                "{shown}: {} problem(s); fix them and check again (nothing was copied)",
                errors.len()
            );
            return ExitCode::from(1);
        }
    };
    println!("{shown}: {} entries, good", faq.entries().len());
    if let Some(dir) = args.into {
        let to = dir.join("faq.json");
        if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&to, &bytes)) {
            eprintln!("memnun-faq: cannot write {}: {e}", to.display());
            return ExitCode::from(2);
        }
        println!("copied to {}", to.display());
    }
    ExitCode::SUCCESS
}
