//! GOV.UK Notify's REST API (v2): `POST /v2/notifications/sms` and `/v2/notifications/email`
//! with a template id and personalisation, authenticated by a short-lived JWT (HS256) that
//! names the service and is signed with the key's secret.
//!
//! The JWT is two fixed claims signed with HMAC-SHA-256; it is written here with `hmac` and
//! `base64` rather than pulling in a JWT crate and its public-key algorithms.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use super::{Notification, Notifier, NotifyError};
use crate::{contact::Contact, secrets::base64url};

/// GOV.UK Notify's error answers are a few hundred bytes; more is not an error answer.
const MAX_ERROR_BODY: usize = 16 * 1024;

/// A Notify API key: `{key name}-{service id}-{secret}`, both ids UUIDs.
#[derive(Clone)]
pub struct ApiKey {
    pub service_id: String,
    secret: String,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKey(service {}, secret …)", self.service_id)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("not a GOV.UK Notify API key: expected name-<service uuid>-<secret uuid>")]
pub struct BadApiKey;

const UUID_LEN: usize = 36;

impl ApiKey {
    pub fn parse(key: &str) -> Result<ApiKey, BadApiKey> {
        let key = key.trim();
        let len = key.len();
        if len < 2 * UUID_LEN + 1 || !key.is_ascii() {
            return Err(BadApiKey);
        }
        let secret = &key[len - UUID_LEN..];
        let service_id = &key[len - 2 * UUID_LEN - 1..len - UUID_LEN - 1];
        let is_uuid = |s: &str| uuid::Uuid::parse_str(s).is_ok();
        if !is_uuid(secret) || !is_uuid(service_id) || key.as_bytes()[len - UUID_LEN - 1] != b'-' {
            return Err(BadApiKey);
        }
        Ok(ApiKey {
            service_id: service_id.to_owned(),
            secret: secret.to_owned(),
        })
    }

    /// For the simulator, which checks tokens with the same secret.
    pub(crate) fn secret_bytes(&self) -> &[u8] {
        self.secret.as_bytes()
    }

    /// The bearer token for a request made at `issued_at` (Unix seconds).
    pub fn bearer_token(&self, issued_at: i64) -> String {
        sign_jwt(&self.service_id, issued_at, self.secret.as_bytes())
    }
}

/// `header.claims.signature`, HS256, with the claims Notify reads: `iss` and `iat`.
pub fn sign_jwt(issuer: &str, issued_at: i64, secret: &[u8]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let header = base64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = base64url(
        serde_json::json!({ "iss": issuer, "iat": issued_at })
            .to_string()
            .as_bytes(),
    );
    let signing_input = format!("{header}.{claims}");
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(signing_input.as_bytes());
    let signature = base64url(&mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// Which Notify templates carry our messages; each has a `((code))` placeholder.
#[derive(Clone, Debug)]
pub struct Templates {
    pub sms_code: String,
    pub email_code: String,
}

pub struct GovUkNotify {
    base_url: Url,
    key: ApiKey,
    templates: Templates,
    client: reqwest::Client,
}

impl GovUkNotify {
    pub fn new(base_url: Url, key: ApiKey, templates: Templates, timeout: Duration) -> Self {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .unwrap_or_default();
        GovUkNotify {
            base_url,
            key,
            templates,
            client,
        }
    }
}

#[derive(Serialize)]
struct SendRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_address: Option<&'a str>,
    template_id: &'a str,
    personalisation: serde_json::Value,
    reference: &'a str,
}

/// Notify's error body: `{"status_code": 400, "errors": [{"error": "…", "message": "…"}]}`.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Deserialize)]
struct ErrorItem {
    #[serde(default)]
    message: String,
}

#[async_trait::async_trait]
impl Notifier for GovUkNotify {
    async fn send(
        &self,
        to: &Contact,
        notification: &Notification,
        reference: &str,
    ) -> Result<(), NotifyError> {
        let Notification::VerificationCode { code } = notification;
        let (path, body) = match to {
            Contact::Phone(number) => (
                "v2/notifications/sms",
                SendRequest {
                    phone_number: Some(number),
                    email_address: None,
                    template_id: &self.templates.sms_code,
                    personalisation: serde_json::json!({ "code": code }),
                    reference,
                },
            ),
            Contact::Email(address) => (
                "v2/notifications/email",
                SendRequest {
                    phone_number: None,
                    email_address: Some(address),
                    template_id: &self.templates.email_code,
                    personalisation: serde_json::json!({ "code": code }),
                    reference,
                },
            ),
        };
        let url = self
            .base_url
            .join(path)
            .map_err(|e| NotifyError::Unreachable(e.to_string()))?;
        let token = self.key.bearer_token(jiff::Timestamp::now().as_second());
        let response = self
            .client
            .post(url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(|e| NotifyError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        if status.is_client_error() {
            // An error body is a few lines: read within a bound, never whole first.
            let message = crate::providers::read_body_within(response, MAX_ERROR_BODY)
                .await
                .ok()
                .and_then(|body| serde_json::from_slice::<ErrorBody>(&body).ok())
                .and_then(|b| b.errors.into_iter().next())
                .map(|e| crate::plain_text::provider_text(&e.message, 200))
                .unwrap_or_default();
            return Err(NotifyError::Refused {
                status: status.as_u16(),
                message,
            });
        }
        Err(NotifyError::Failed {
            status: status.as_u16(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_split_into_service_and_secret() {
        let key = ApiKey::parse(
            "my-test-key-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
        )
        .expect("valid key");
        assert_eq!(key.service_id, "26785a09-ab16-4eb0-8407-a37497a57506");
        assert_eq!(key.secret, "3d844edf-8d35-48ac-975b-e847b4f122b0");
        assert!(ApiKey::parse("too-short").is_err());
        assert!(!format!("{key:?}").contains("3d844edf"));
    }

    #[test]
    fn tokens_are_three_base64url_parts() {
        let token = sign_jwt("svc", 1_700_000_000, b"secret");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')));
        assert_ne!(token, sign_jwt("svc", 1_700_000_000, b"other"));
    }
}
