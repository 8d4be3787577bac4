//! The mail bucket: what SES receiving stored, read with a bound.
//!
//! One ranged `GetObject` asks for one byte more than the bound: a mail
//! that fills it is too large, and only the bound was transferred. So a
//! 40 MB mail (SES's receiving limit) costs the function no more memory
//! than the bound. The function never deletes: the bucket's lifecycle
//! rule does, after the retention the shop chose, so a mail set aside can
//! still be read.

use aws_sdk_s3::Client;

use crate::Result;
use crate::adapters::aws_error;
use crate::ports::{Fetched, MailBox};

/// [`MailBox`] over S3.
#[derive(Clone)]
pub struct S3MailBox {
    client: Client,
}

impl S3MailBox {
    /// Wraps a client.
    pub fn new(client: Client) -> Self {
        S3MailBox { client }
    }
}

impl MailBox for S3MailBox {
    async fn fetch(&self, bucket: &str, key: &str, max_bytes: usize) -> Result<Fetched> {
        let out = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .range(format!("bytes=0-{max_bytes}"))
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            // S3 answers an empty object's range with 416: an empty mail.
            Err(e) if aws_sdk_s3::error::ProvideErrorMetadata::code(&e) == Some("InvalidRange") => {
                return Ok(Fetched::Mail(Vec::new()));
            }
            Err(e) => return Err(aws_error("s3", "GetObject", e)),
        };
        let total = out
            .content_range()
            .and_then(|r| r.rsplit_once('/'))
            .and_then(|(_, total)| total.parse::<u64>().ok());
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| crate::Error::Aws {
                service: "s3",
                operation: "GetObject",
                message: format!("reading the body failed: {e}"),
                permanent: false,
            })?
            .into_bytes();
        if bytes.len() > max_bytes || total.is_some_and(|t| t > max_bytes as u64) {
            return Ok(Fetched::TooLarge(total));
        }
        Ok(Fetched::Mail(bytes.to_vec()))
    }
}
