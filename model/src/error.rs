//! The one error type pages receive from the server. Details stay in the server's log; a
//! resident only learns what they can act on.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    #[error("no such city: {0}")]
    UnknownCity(String),
    #[error("this service is not offered here")]
    ServiceNotOffered,
    #[error("sign in first")]
    SignInRequired,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// The provider the page needs is not answering.
    #[error("the provider is not answering")]
    ProviderUnavailable,
    #[error("internal error")]
    Internal,
    #[error("request failed: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status a server function answers with when it fails this way (the server
    /// function layer itself would say 500 for every error).
    pub fn http_status(&self) -> u16 {
        match self {
            AppError::UnknownCity(_) | AppError::NotFound | AppError::ServiceNotOffered => 404,
            AppError::SignInRequired => 401,
            AppError::Forbidden => 403,
            AppError::ProviderUnavailable => 503,
            AppError::Internal => 500,
            AppError::Transport(_) => 400,
        }
    }

    /// The catalog key of the message a resident sees.
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::UnknownCity(_) => "error-unknown-city",
            AppError::ServiceNotOffered => "error-service-not-offered",
            AppError::SignInRequired => "error-sign-in-required",
            AppError::Forbidden => "error-forbidden",
            AppError::NotFound => "error-not-found",
            AppError::ProviderUnavailable => "error-provider-unavailable",
            AppError::Internal | AppError::Transport(_) => "error-internal",
        }
    }
}
