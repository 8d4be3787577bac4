//! Secrets from SSM Parameter Store, read once at init.
//!
//! Secrets never travel as plain template parameters or environment values:
//! the environment names the parameter, the function reads and decrypts it.

use aws_sdk_ssm::Client;

use crate::adapters::aws_error;
use crate::{Error, Result};

/// Reads the SecureString parameter `name`, decrypted. A missing parameter is
/// a configuration error naming `var`, the variable that named it.
pub async fn secret(client: &Client, var: &'static str, name: &str) -> Result<String> {
    let out = client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| {
            if e.as_service_error()
                .is_some_and(|s| s.is_parameter_not_found())
            {
                Error::Config {
                    var,
                    reason: format!("names the parameter {name}, which does not exist"),
                }
            } else {
                aws_error("ssm", "GetParameter", e)
            }
        })?;
    out.parameter
        .and_then(|p| p.value)
        .filter(|v| !v.is_empty())
        .ok_or(Error::Config {
            var,
            reason: format!("names the parameter {name}, which is empty"),
        })
}
