//! Errors at the HTTP boundary, mapped once. Each boundary error type says the status it
//! answers and the message key a resident reads ([`PublicError`]); [`Failure`] is the one
//! place that turns it into a response: back to a plain form with the key, or JSON for a
//! script. A fault of ours (5xx) is logged there, inside the request's span and so with its
//! request id; its details are never sent.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};

use super::forms::{back_keeping_contact, back_keeping_fields, back_with_error};

/// An error a request can end in.
pub trait PublicError: std::fmt::Display {
    /// What the response says: 4xx for what the resident can change, 5xx for our faults.
    fn status(&self) -> StatusCode;
    /// The catalog key of what the resident reads.
    fn message_key(&self) -> &'static str;
    /// Values the message names (minutes to wait, a limit).
    fn message_args(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

/// Any fault of the portal's own: 500, "something went wrong on our side".
pub const INTERNAL: &str = "error-internal";

/// A request's failure, on its way to a response.
#[must_use = "a failure is answered, not dropped"]
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    key: &'static str,
    args: Vec<(&'static str, String)>,
}

impl Failure {
    /// The failure `error` stands for; logged when it is ours.
    pub fn of(error: &(impl PublicError + ?Sized)) -> Self {
        let status = error.status();
        if status.is_server_error() {
            tracing::error!(%error, status = status.as_u16(), "request failed");
        }
        Failure {
            status,
            key: error.message_key(),
            args: error.message_args(),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn message_key(&self) -> &'static str {
        self.key
    }

    /// The message in the resident's words, with the values it names.
    pub fn message(&self, locale: model::i18n::Locale) -> String {
        // A wait travels in a redirect as `retry` (read back by the pages' `FormMessages`);
        // the catalog names it `$minutes`.
        let args: Vec<(&str, model::i18n::FluentValue<'_>)> = self
            .args
            .iter()
            .map(|(name, value)| {
                let name = if *name == "retry" { "minutes" } else { *name };
                (name, value.clone().into())
            })
            .collect();
        model::i18n::t_args(locale, self.key, &args)
    }

    /// The values the message names, as they travel in a redirect's query.
    pub fn args(&self) -> &[(&'static str, String)] {
        &self.args
    }

    /// Adds a value for the page the resident is sent back to (the pending sign-up's id).
    pub fn with(mut self, name: &'static str, value: String) -> Self {
        self.args.push((name, value));
        self
    }

    /// For a plain HTML form: back to `page`, showing the message, keeping `next`.
    pub fn back_to(self, page: &str, next: &str) -> Response {
        back_with_error(page, self.key, next, &self.args)
    }

    /// As [`Failure::back_to`], keeping the phone or email typed in, so nothing is lost.
    pub fn back_keeping(self, page: &str, next: &str, contact: &str) -> Response {
        back_keeping_contact(page, self.key, next, contact, &self.args)
    }

    /// As [`Failure::back_to`], keeping the form's typed `fields` for its page, never in
    /// the address.
    pub fn back_keeping_fields(self, page: &str, next: &str, fields: &[(&str, &str)]) -> Response {
        back_keeping_fields(page, self.key, next, &self.args, fields)
    }
}

impl<E: PublicError> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure::of(&error)
    }
}

/// For a script or an API client: the status, and `{"error": key}`.
impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.status, Json(serde_json::json!({ "error": self.key }))).into_response()
    }
}

/// Storage failing is always ours.
impl PublicError for crate::storage::StorageError {
    fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn message_key(&self) -> &'static str {
        INTERNAL
    }
}

impl PublicError for crate::sessions::SessionError {
    fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn message_key(&self) -> &'static str {
        INTERNAL
    }
}

impl PublicError for crate::privacy::PrivacyError {
    fn status(&self) -> StatusCode {
        use crate::privacy::PrivacyError;
        match self {
            PrivacyError::ConsentNeeded { .. } => StatusCode::FORBIDDEN,
            PrivacyError::UnknownResident => StatusCode::NOT_FOUND,
            PrivacyError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
        use crate::privacy::PrivacyError;
        match self {
            PrivacyError::ConsentNeeded { .. } => "error-forbidden",
            PrivacyError::UnknownResident => "error-not-found",
            PrivacyError::Storage(_) => INTERNAL,
        }
    }
}

impl PublicError for crate::inbox::InboxError {
    fn status(&self) -> StatusCode {
        use crate::inbox::InboxError;
        match self {
            InboxError::BadTitle | InboxError::BadBody | InboxError::UnknownRegion(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            InboxError::QuotaExhausted { .. } => StatusCode::TOO_MANY_REQUESTS,
            InboxError::Storage(_) | InboxError::Random(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
        use crate::inbox::InboxError;
        match self {
            InboxError::BadTitle | InboxError::BadBody | InboxError::UnknownRegion(_) => {
                "error-invalid"
            }
            InboxError::QuotaExhausted { .. } => "error-quota",
            InboxError::Storage(_) | InboxError::Random(_) => INTERNAL,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Refused;

    impl std::fmt::Display for Refused {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("the resident's mistake")
        }
    }

    impl PublicError for Refused {
        fn status(&self) -> StatusCode {
            StatusCode::UNPROCESSABLE_ENTITY
        }

        fn message_key(&self) -> &'static str {
            "report-error-no-pin"
        }
    }

    #[tokio::test]
    async fn a_script_gets_the_status_and_the_key_and_never_the_details() {
        let storage = crate::storage::StorageError::Database(sqlx::Error::PoolTimedOut);
        let response = Failure::from(storage).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .expect("body");
        assert_eq!(&body[..], br#"{"error":"error-internal"}"#);

        let response = Failure::from(Refused).into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    /// What a script shows is the whole message, with the values it names.
    #[test]
    fn a_message_in_words_names_its_values() {
        let limited = crate::accounts::AccountError::RateLimited {
            retry_after_seconds: 61,
        };
        let message = Failure::of(&limited).message(model::i18n::Locale::En);
        assert!(message.contains("in 2 minutes"), "{message}");
    }

    fn location(response: &Response) -> &str {
        response
            .headers()
            .get(axum::http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    #[test]
    fn a_form_goes_back_to_its_page_with_the_key() {
        let response = Failure::from(Refused)
            .with("max", "3".to_owned())
            .back_to("/c/shenzhen/report", "");
        assert_eq!(
            location(&response),
            "/c/shenzhen/report?error=report-error-no-pin&max=3"
        );

        // A page that already has a query keeps it.
        let response = Failure::from(Refused).back_to("/c/shenzhen/report?category=pole", "");
        assert_eq!(
            location(&response),
            "/c/shenzhen/report?category=pole&error=report-error-no-pin"
        );
    }
}
