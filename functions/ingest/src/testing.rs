//! What the handler's tests share: queues in memory.

use std::sync::Mutex;

use jiff::Timestamp;
use lambda_http::Request;
use serde_json::Value;

use memnun_shared::contract::outbound::OutboundMessage;
use memnun_shared::contract::routing::Route;
use memnun_shared::ports::Publisher;
use memnun_shared::{Error, Result};

/// A queue that takes everything and remembers it, by URL.
#[derive(Default)]
pub struct Queues {
    /// What was sent, in order.
    pub sent: Mutex<Vec<OutboundMessage>>,
    /// The URL each message was sent to.
    pub urls: Mutex<Vec<String>>,
}

impl Publisher for Queues {
    async fn publish(&self, url: &str, messages: &[OutboundMessage]) -> Result<()> {
        self.sent
            .lock()
            .map_err(|_| Error::NotFound("lock".into()))?
            .extend_from_slice(messages);
        self.urls
            .lock()
            .map_err(|_| Error::NotFound("lock".into()))?
            .extend(messages.iter().map(|_| url.to_string()));
        Ok(())
    }

    async fn publish_each(&self, url: &str, messages: &[OutboundMessage]) -> Vec<bool> {
        let ok = self.publish(url, messages).await.is_ok();
        vec![ok; messages.len()]
    }
}

/// A handler over queues in memory (`https://sqs.local/<queue>`), taking
/// memnun's own events signed with `secret` and no platform yet.
pub fn handler(secret: &[u8]) -> crate::Handler<Queues> {
    let queues = Route::ALL
        .iter()
        .map(|r| (*r, format!("https://sqs.local/{}", r.queue_name())))
        .collect();
    crate::Handler::new(
        crate::Config {
            queues,
            secret_parameter: "/memnun/webhook".into(),
            platforms: Vec::new(),
            shopify_event_source: None,
        },
        vec![secret.to_vec()],
        Queues::default(),
    )
}

/// Answers `request` at `now`: the status and the JSON body (every answer
/// is JSON).
pub fn call(h: &crate::Handler<Queues>, request: Request, now: Timestamp) -> (u16, Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let response = runtime.block_on(h.handle(request, now));
    let status = response.status().as_u16();
    let body: &[u8] = response.body().as_ref();
    let json = serde_json::from_slice(body).expect("every answer is JSON");
    (status, json)
}
