//! What the local run shows at the end: a summary table, the same as JSON,
//! and every email sent as an HTML file with an index page.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use memnun_shared::contract::Event;

use crate::emulator::SentEmail;

/// A message that ended in a dead-letter queue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeadLetter {
    /// The queue it was on.
    pub queue: String,
    /// The event id, when readable.
    pub event_id: Option<String>,
    /// Why it could not be processed.
    pub reason: String,
}

/// Counts of what happened.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    /// Messages put on queues (a duplicate delivery counts twice).
    pub events_in: usize,
    /// Messages handed to functions, retries included.
    pub deliveries: usize,
    /// Of those, reported failed.
    pub failed_deliveries: usize,
    /// Customers in the table.
    pub customers: usize,
    /// Tickets opened.
    pub tickets: usize,
    /// Coupons issued.
    pub coupons: usize,
    /// Coupons created in the Shopify stand-in.
    pub in_shopify: usize,
    /// Coupons created in the WooCommerce stand-in.
    pub in_woocommerce: usize,
    /// Emails SES accepted.
    pub emails: usize,
    /// Messages waiting for the shop on the outbound queue (none when the
    /// outbound webhook delivers them).
    pub outbound: usize,
    /// Outbound events the shop's webhook received, signature checked.
    pub webhook: usize,
    /// Tickets opened in the help desk's stand-in (Zendesk).
    pub in_helpdesk: usize,
    /// Messages in dead-letter queues.
    pub dead_letters: Vec<DeadLetter>,
}

impl Summary {
    /// The table printed at the end of a run.
    pub fn table(&self) -> String {
        let rows = [
            ("events in", self.events_in),
            ("deliveries", self.deliveries),
            ("failed deliveries", self.failed_deliveries),
            ("customers", self.customers),
            ("tickets", self.tickets),
            ("  in Zendesk", self.in_helpdesk),
            ("coupons", self.coupons),
            ("  in Shopify", self.in_shopify),
            ("  in WooCommerce", self.in_woocommerce),
            ("emails", self.emails),
            ("outbound messages", self.outbound),
            ("  to the webhook", self.webhook),
            ("dead letters", self.dead_letters.len()),
        ];
        let mut out = String::from("┌───────────────────┬───────┐\n");
        for (name, n) in rows {
            let _ = writeln!(out, "│ {name:<17} │ {n:>5} │");
        }
        out.push_str("└───────────────────┴───────┘\n");
        for d in &self.dead_letters {
            let _ = writeln!(
                out,
                "dead letter on {}: {} — {}",
                d.queue,
                d.event_id.as_deref().unwrap_or("(no id)"),
                d.reason
            );
        }
        out
    }
}

/// Why a dead letter could not be processed: the contract error when it
/// violates the contract, else a pointer to the function's log.
pub fn dead_letter(queue: &str, body: &str) -> DeadLetter {
    let event_id = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_string));
    let reason = match Event::parse(body) {
        Err(e) => e.to_string(),
        Ok(_) => "a valid event whose processing failed on every attempt: see the function's log"
            .to_string(),
    };
    DeadLetter {
        queue: queue.to_string(),
        event_id,
        reason,
    }
}

/// Writes each email as `emails/NNN.html` and an `emails/index.html` linking
/// them; answers the index's path.
pub fn write_emails(out: &Path, emails: &[SentEmail]) -> std::io::Result<PathBuf> {
    let dir = out.join("emails");
    std::fs::create_dir_all(&dir)?;
    let mut rows = String::new();
    for (i, email) in emails.iter().enumerate() {
        let file = format!("{:03}.html", i + 1);
        std::fs::write(dir.join(&file), &email.body)?;
        let _ = writeln!(
            rows,
            "<tr><td>{}</td><td>{}</td><td><a href=\"{file}\">{}</a></td></tr>",
            i + 1,
            escape(&email.to.join(", ")),
            escape(&email.subject)
        );
    }
    let index = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>memnun — emails sent</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:2rem;}}table{{border-collapse:collapse;}}td,th{{border:1px solid #ccc;padding:.4rem .6rem;text-align:left;}}</style>\
         </head><body><h1>Emails sent in the local run</h1><p>{} email(s). Each opens as the customer would see it.</p>\
         <table><thead><tr><th>#</th><th>to</th><th>subject</th></tr></thead><tbody>\n{rows}</tbody></table></body></html>\n",
        emails.len()
    );
    let path = dir.join("index.html");
    std::fs::write(&path, index)?;
    Ok(path)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
