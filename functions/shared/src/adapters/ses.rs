//! The [`Mailer`] over SES (v1 API).
//!
//! Service email goes through `SendEmail`. Marketing email, which must carry
//! `List-Unsubscribe` headers that `SendEmail` cannot set, goes through
//! `SendRawEmail` as the MIME message [`crate::domain::mail::mime`] builds;
//! the recipient is then taken from its `To` header.

use aws_sdk_ses::Client;
use aws_sdk_ses::primitives::Blob;
use aws_sdk_ses::types::{Body, Content, Destination, Message, MessageTag, RawMessage};

use crate::Result;
use crate::adapters::{aws_error, build_error};
use crate::domain::mail::{EmailAddress, OutgoingEmail, from_header, mime};
use crate::ports::Mailer;

/// Sends through SES from the shop's verified sender.
#[derive(Debug, Clone)]
pub struct SesMailer {
    client: Client,
    from: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    /// `shop_name` becomes the sender's display name.
    pub fn new(
        client: Client,
        shop_name: &str,
        sender: &EmailAddress,
        configuration_set: Option<String>,
    ) -> Self {
        SesMailer {
            client,
            from: from_header(shop_name, sender),
            configuration_set,
        }
    }
}

fn content(data: &str) -> Result<Content> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|e| build_error("ses", "SendEmail", e))
}

impl SesMailer {
    async fn send_raw(&self, email: &OutgoingEmail, tag: MessageTag) -> Result<String> {
        let raw = RawMessage::builder()
            .data(Blob::new(mime::raw_message(&self.from, email)))
            .build()
            .map_err(|e| build_error("ses", "SendRawEmail", e))?;
        let out = self
            .client
            .send_raw_email()
            .source(&self.from)
            .raw_message(raw)
            .tags(tag)
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|e| aws_error("ses", "SendRawEmail", e))?;
        Ok(out.message_id)
    }
}

impl Mailer for SesMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<String> {
        let tag = MessageTag::builder()
            .name("template")
            .value(email.template)
            .build()
            .map_err(|e| build_error("ses", "SendEmail", e))?;
        if email.unsubscribe.is_some() {
            let id = self.send_raw(email, tag).await?;
            crate::metrics::count(crate::metrics::EMAILS_SENT, &[email.template]);
            return Ok(id);
        }
        let message = Message::builder()
            .subject(content(&email.subject)?)
            .body(
                Body::builder()
                    .html(content(&email.html)?)
                    .text(content(&email.text)?)
                    .build(),
            )
            .build();
        let out = self
            .client
            .send_email()
            .source(&self.from)
            .destination(
                Destination::builder()
                    .to_addresses(email.to.as_str())
                    .build(),
            )
            .message(message)
            .set_reply_to_addresses(email.reply_to.as_ref().map(|a| vec![a.as_str().to_owned()]))
            .tags(tag)
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|e| aws_error("ses", "SendEmail", e))?;
        crate::metrics::count(crate::metrics::EMAILS_SENT, &[email.template]);
        Ok(out.message_id)
    }
}
