//! The scenario the local run replays: `events/scenario.json`.
//!
//! ```json
//! {"steps": [{"file": "review.posted.json", "deliveries": 2},
//!            {"file": "malformed/x.json", "queue": "reviews"}]}
//! ```
//!
//! Each step's event goes to the queue its type routes to (or the step's
//! `queue`, for a file whose type cannot be read), `deliveries` times.

use std::path::{Path, PathBuf};

use memnun_shared::contract::routing::Route;

/// One message to put on a queue.
#[derive(Debug, Clone)]
pub struct Send {
    /// The file it came from.
    pub file: PathBuf,
    /// The queue's short name.
    pub queue: String,
    /// The body.
    pub body: String,
    /// How many times to deliver it.
    pub deliveries: usize,
}

/// Reads `events/scenario.json` (relative to `events_dir`).
pub fn load(events_dir: &Path) -> Result<Vec<Send>, String> {
    let manifest = events_dir.join("scenario.json");
    let text =
        std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let steps = value["steps"]
        .as_array()
        .ok_or_else(|| format!("{}: no steps", manifest.display()))?;
    steps
        .iter()
        .map(|step| {
            let file = step["file"].as_str().ok_or("a step without a file")?;
            let deliveries = step["deliveries"].as_u64().unwrap_or(1).max(1) as usize;
            one(&events_dir.join(file), step["queue"].as_str(), deliveries)
        })
        .collect()
}

/// Reads one event file, routed by its type unless `queue` is given.
pub fn one(file: &Path, queue: Option<&str>, deliveries: usize) -> Result<Send, String> {
    let body = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let queue = match queue {
        Some(q) => q.to_string(),
        None => {
            let kind = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["type"].as_str().map(str::to_string))
                .ok_or_else(|| {
                    format!(
                        "{}: no readable type; give the step a queue",
                        file.display()
                    )
                })?;
            Route::for_type(&kind)
                .ok_or_else(|| {
                    format!(
                        "{}: memnun accepts no events of type {kind}",
                        file.display()
                    )
                })?
                .queue_name()
                .to_string()
        }
    };
    // Compact the JSON (as a producer would send it) when it parses.
    let body = serde_json::from_str::<serde_json::Value>(&body)
        .map(|v| v.to_string())
        .unwrap_or(body);
    Ok(Send {
        file: file.to_path_buf(),
        queue,
        body,
        deliveries,
    })
}
