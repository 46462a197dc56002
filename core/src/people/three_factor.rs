//! Three-factor verification: does this name, identity document and mobile number belong
//! together, as the mobile carrier's real-name register knows them? Chinese services ask the
//! carriers this (through their own gateways or a cloud market's) before they act in a
//! person's name. No published standard exists, so the portal speaks its own small protocol,
//! shaped as those gateways are, and a deployment points `IDENTITY_CHECK_URL` at a gateway
//! that speaks it (or at an adapter of its own in front of its carrier's):
//!
//! ```text
//! POST {base}v1/three-factor-checks
//! Authorization: Bearer {IDENTITY_CHECK_API_KEY}
//! {"name": "王小明", "id_type": "resident_card", "id_number": "…", "mobile": "13800138000"}
//!
//! 200 {"result": "match" | "mismatch" | "no_record"}
//! 401 no or wrong key · 400 a malformed request · 429 too many checks
//! 422 {"code": "UNSUPPORTED_ID_TYPE", "message": "…"} a document the carrier cannot check
//! ```
//!
//! The built-in simulator ([`crate::simulators::three_factor`]) answers the same.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use super::IdType;

/// The path of a check, below the base URL.
pub const CHECK_PATH: &str = "v1/three-factor-checks";
/// The error code of a document kind the carrier cannot check.
pub const UNSUPPORTED_ID_TYPE: &str = "UNSUPPORTED_ID_TYPE";

/// A request's body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckRequest {
    pub name: String,
    pub id_type: String,
    pub id_number: String,
    pub mobile: String,
}

/// A check's answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckAnswer {
    pub result: String,
}

/// An error's body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ErrorAnswer {
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// What the carrier says of the three together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Match,
    /// The carrier knows the number, but not with this name and document.
    Mismatch,
    /// The carrier knows no such mobile number.
    NoRecord,
}

/// What one person claims.
#[derive(Clone, Copy, Debug)]
pub struct Claim<'a> {
    pub name: &'a str,
    pub id_type: IdType,
    pub id_number: &'a str,
    pub mobile: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("the carrier cannot check this kind of document")]
    UnsupportedIdType,
    #[error("the identity check is busy")]
    Busy,
    #[error("the identity check refused the request ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the identity check is unavailable: {0}")]
    Unavailable(String),
}

/// The carrier check, as the portal uses it.
#[async_trait::async_trait]
pub trait IdentityCheck: Send + Sync {
    async fn check(&self, claim: &Claim<'_>) -> Result<Verdict, CheckError>;
}

/// The HTTP adapter of the protocol above.
pub struct ThreeFactorClient {
    url: Url,
    api_key: String,
    client: reqwest::Client,
}

impl ThreeFactorClient {
    pub fn new(base_url: &Url, api_key: &str, timeout: Duration) -> Result<Self, url::ParseError> {
        let base = crate::providers::endpoint::as_base(base_url.clone());
        Ok(ThreeFactorClient {
            url: base.join(CHECK_PATH)?,
            api_key: api_key.to_owned(),
            client: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .unwrap_or_default(),
        })
    }
}

/// Answers are a few dozen bytes: more is not the protocol.
const MAX_ANSWER: usize = 4 * 1024;

#[async_trait::async_trait]
impl IdentityCheck for ThreeFactorClient {
    async fn check(&self, claim: &Claim<'_>) -> Result<Verdict, CheckError> {
        let body = CheckRequest {
            name: claim.name.to_owned(),
            id_type: claim.id_type.id().to_owned(),
            id_number: claim.id_number.to_owned(),
            mobile: claim.mobile.to_owned(),
        };
        let response = self
            .client
            .post(self.url.clone())
            .bearer_auth(&self.api_key)
            .json(&body)
            .send()
            .await
            .map_err(|e| CheckError::Unavailable(e.without_url().to_string()))?;
        let status = response.status();
        // Read within the bound, never whole first: an endless answer is refused as soon
        // as it passes it.
        let bytes = crate::providers::read_body_within(response, MAX_ANSWER)
            .await
            .map_err(|e| match e {
                crate::providers::ProviderError::Malformed(_) => {
                    CheckError::Unavailable("an oversized answer".into())
                }
                other => CheckError::Unavailable(other.summary()),
            })?;
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(CheckError::Busy);
        }
        if status.is_client_error() {
            let error: Option<ErrorAnswer> = serde_json::from_slice(&bytes).ok();
            if status == reqwest::StatusCode::UNPROCESSABLE_ENTITY
                && error
                    .as_ref()
                    .is_some_and(|e| e.code == UNSUPPORTED_ID_TYPE)
            {
                return Err(CheckError::UnsupportedIdType);
            }
            let message = error.map(|e| e.message).unwrap_or_default();
            return Err(CheckError::Refused {
                status: status.as_u16(),
                message: crate::plain_text::provider_text(&message, 200),
            });
        }
        if !status.is_success() {
            return Err(CheckError::Unavailable(format!("status {status}")));
        }
        let answer: CheckAnswer = serde_json::from_slice(&bytes)
            .map_err(|e| CheckError::Unavailable(format!("an unreadable answer: {e}")))?;
        match answer.result.as_str() {
            "match" => Ok(Verdict::Match),
            "mismatch" => Ok(Verdict::Mismatch),
            "no_record" => Ok(Verdict::NoRecord),
            other => Err(CheckError::Unavailable(format!(
                "an unknown result {:?}",
                crate::plain_text::cut(other, 40)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A carrier that says it sends 100 MB, sends a little and then nothing more.
    async fn endless_carrier() -> Url {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listener");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut request = [0u8; 4096];
                    let _ = socket.read(&mut request).await;
                    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                                content-length: 100000000\r\n\r\n";
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&[b' '; 64 * 1024]).await;
                    tokio::time::sleep(Duration::from_secs(30)).await;
                });
            }
        });
        Url::parse(&format!("http://{address}/")).expect("url")
    }

    #[tokio::test]
    async fn an_answer_longer_than_the_protocol_is_refused_before_it_is_read_whole() {
        let base = endless_carrier().await;
        let client = ThreeFactorClient::new(&base, "key", Duration::from_secs(5)).expect("url");
        let answer = client
            .check(&Claim {
                name: "王小明",
                id_type: IdType::ResidentCard,
                id_number: "11010519491231002X",
                mobile: "13800138000",
            })
            .await;
        assert!(
            matches!(&answer, Err(CheckError::Unavailable(why)) if why == "an oversized answer"),
            "{answer:?}"
        );
    }
}
