//! The flow-test harness.
//!
//! - [`emulator`]: the AWS emulator (moto server, from the project's own
//!   `.venv`), one per test on a free loopback port, stopped on drop.
//! - [`stack`]: the tables, queues and SES identity the functions use,
//!   created from the deployment template, and AWS clients pointed at the
//!   emulator.
//! - [`template`]: `infra/template.yaml`, read: functions, tables, queues,
//!   their local names and each function's resolved environment.
//! - [`deliver`]: receives from a real queue and hands the batch to a handler
//!   the way Lambda's event source mapping does.
//! - [`runtime_api`]: a minimal Lambda Runtime API, to run a real binary.
//! - [`events`]: CloudEvents for the tests.
//! - [`http`]: the few HTTP calls the harness makes itself.
//! - [`http_bridge`]: a function URL on loopback, so that a browser can use
//!   an HTTP function's real binary.
//! - [`local`]: the local run (`make local`), built from all of the above.
//! - [`faults`]: a fault-injecting proxy between the functions and the emulator.
//! - [`soak`]: the soak (`make soak`): many events, duplicates, faults, checks.
//! - [`stores`], [`helpdesk`], [`receiver`]: contract stand-ins for the
//!   shop's stores, its help desk and its webhook receiver, on
//!   [`loopback`] servers.

pub mod deliver;
pub mod emf;
pub mod emulator;
pub mod events;
pub mod faults;
pub mod helpdesk;
pub mod http;
pub mod http_bridge;
pub mod iam;
pub mod local;
pub mod loopback;
pub mod receiver;
pub mod runtime_api;
pub mod soak;
pub mod stack;
pub mod stores;
pub mod template;

/// The workspace's root directory.
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default()
}

/// One of the shop-side tools (`memnun-import`, `memnun-erase`,
/// `memnun-export`), built, as the shop would run it against `endpoint`: a
/// clean environment with test credentials and no configuration file.
pub fn tool(name: &str, endpoint: &str) -> std::process::Command {
    let mut command = std::process::Command::new(function_binary(name));
    command
        .env_clear()
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "eu-central-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

/// Builds a function's binary (debug, like the rest of the tests) and answers
/// its path. Cargo's lock makes concurrent calls wait for one build.
pub fn function_binary(name: &str) -> std::path::PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        // Always the same command for every function: one feature resolution,
        // so the binaries are built once (by `make test` before the tests run)
        // and every later call is a no-op.
        .args(["build", "--quiet", "--workspace", "--bins"])
        .current_dir(workspace_root())
        .status()
        .expect("run cargo build");
    assert!(status.success(), "building {name} failed");
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("target"));
    target.join("debug").join(name)
}
