//! The error a server function answers with: the model's `AppError`, wrapped because the
//! trait that lets Leptos carry it belongs to Leptos and the type to the model crate.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
pub use model::AppError;
use serde::{Deserialize, Serialize};

/// Sent as the bare `AppError` (serde's newtype form), so the server reads it back as one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error(transparent)]
#[serde(transparent)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        PageError(error)
    }
}

impl FromServerFnError for PageError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        PageError(AppError::Transport(value.to_string()))
    }
}
