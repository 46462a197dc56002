//! Who is asking: the client's address, as the session middleware resolved it (behind a
//! trusted proxy, from `X-Forwarded-For`), for rate limits.

pub use model::account::ClientAddress;

pub fn client_address(request_extensions: &http::Extensions) -> String {
    request_extensions
        .get::<ClientAddress>()
        .map_or_else(|| "unknown".to_owned(), |a| a.0.clone())
}

/// The client address of this request, for rate limits.
pub struct Client(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client(client_address(&parts.extensions)))
    }
}
