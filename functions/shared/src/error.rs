//! The one error type of the shared library.
//!
//! Every failure a function can meet is one of these variants. What matters to
//! the batch runner is [`Error::is_permanent`]: a permanent error will fail the
//! same way on every retry (the message belongs in the dead-letter queue), a
//! transient one may succeed later.

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a memnun function.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration variable is missing or invalid; the init stops.
    #[error("environment variable {var} {reason}")]
    Config {
        /// The variable's name.
        var: &'static str,
        /// What is wrong with it (never its value when it is a secret).
        reason: String,
    },

    /// An incoming event violates the event contract.
    #[error("event violates the contract at `{field}`: {reason}")]
    Contract {
        /// The JSON path of the offending field, e.g. `data.rating`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A call to an AWS service failed.
    #[error("{service} {operation} failed: {message}")]
    Aws {
        /// The service, e.g. `dynamodb`.
        service: &'static str,
        /// The operation, e.g. `PutItem`.
        operation: &'static str,
        /// The SDK's description of the failure.
        message: String,
        /// Whether retrying can never help (validation errors, rejected mail).
        permanent: bool,
    },

    /// A call to one of the shop's platforms (its store) failed.
    #[error("{platform} {operation} failed: {reason}")]
    Platform {
        /// The platform, e.g. `shopify`.
        platform: &'static str,
        /// The call, e.g. `discountCodeBasicCreate`.
        operation: &'static str,
        /// What went wrong: a status, the platform's error code, never its
        /// text (which may quote an address, a code or a token).
        reason: String,
        /// Whether retrying can never help (refused credentials, a request
        /// the platform will never take).
        permanent: bool,
    },

    /// An item read from the table does not have the shape this code wrote.
    #[error("stored item {key} is malformed: {reason}")]
    Corrupt {
        /// The item's key.
        key: String,
        /// What is missing or wrong.
        reason: String,
    },

    /// Another invocation holds the claim on this work right now.
    #[error("{0} is being processed by another invocation")]
    InProgress(String),

    /// Something an event refers to is not there (yet): a reply to a ticket
    /// whose `complaint.created` has not been processed. Retried; after the
    /// queue's receive limit it rests in the dead-letter queue.
    #[error("{0} is not known (yet)")]
    NotFound(String),

    /// A unique value could not be found in a few attempts (astronomically
    /// unlikely for coupon codes; possible only if the ticket space fills up).
    #[error("could not allocate a unique {0} after several attempts")]
    Exhausted(&'static str),

    /// An email template failed to render.
    #[error("rendering the {template} email failed: {reason}")]
    Render {
        /// The template's name.
        template: &'static str,
        /// The renderer's message.
        reason: String,
    },
}

impl Error {
    /// Builds a contract violation at `field`.
    pub fn contract(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Contract {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Builds a malformed-item error.
    pub fn corrupt(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Corrupt {
            key: key.into(),
            reason: reason.into(),
        }
    }

    /// The class of the failure, as metrics name it: never its text.
    pub fn class(&self) -> &'static str {
        match self {
            Error::Config { .. } => "config",
            Error::Contract { .. } => "contract",
            Error::Aws { .. } => "aws",
            Error::Platform { .. } => "platform",
            Error::Corrupt { .. } => "corrupt",
            Error::InProgress(_) => "in_progress",
            Error::NotFound(_) => "not_found",
            Error::Exhausted(_) => "exhausted",
            Error::Render { .. } => "render",
        }
    }

    /// True when retrying the same message can never succeed.
    pub fn is_permanent(&self) -> bool {
        match self {
            Error::Contract { .. } | Error::Config { .. } | Error::Render { .. } => true,
            Error::Aws { permanent, .. } | Error::Platform { permanent, .. } => *permanent,
            Error::Corrupt { .. }
            | Error::InProgress(_)
            | Error::NotFound(_)
            | Error::Exhausted(_) => false,
        }
    }
}
