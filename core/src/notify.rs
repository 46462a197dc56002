//! Notifications to a resident's phone or mailbox: the port, and its one adapter so far,
//! GOV.UK Notify (`govuk`), whose published API does both SMS and email. The demo runs it
//! against the built-in simulator (`simulators::notify`).

pub mod govuk;

use crate::contact::Contact;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("notification provider unreachable: {0}")]
    Unreachable(String),
    #[error("notification provider refused the message ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("notification provider answered {status}")]
    Failed { status: u16 },
}

/// What the portal sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notification {
    /// A one-time code that proves the resident holds the phone or mailbox.
    VerificationCode { code: String },
}

#[async_trait::async_trait]
pub trait Notifier: Send + Sync {
    /// Sends `notification` to `to`; `reference` is ours, echoed back by the provider.
    async fn send(
        &self,
        to: &Contact,
        notification: &Notification,
        reference: &str,
    ) -> Result<(), NotifyError>;
}
