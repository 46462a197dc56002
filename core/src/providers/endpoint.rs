//! What every adapter does with its provider's address and answers, in one place: the base
//! URL held as a directory, so that joining a relative path (`requests.json`, `v1/search`)
//! keeps the base's own path (`https://h.example/fhir/` + `Patient` is `…/fhir/Patient`,
//! where `…/fhir` would lose `fhir`); links the provider gives followed only on its own
//! server; its key sent as it wants it; every answer read within a bound, and classified
//! once: a 2xx or a 4xx refusal comes back for the adapter to read, the provider's own
//! faults (5xx, 429) are errors to retry.

use std::{future::Future, sync::Arc};

use url::Url;

use super::{read_body_within, ProviderError, ProviderGuard, MAX_PROVIDER_BODY};

/// `url` with a trailing slash on its path.
pub fn as_base(mut url: Url) -> Url {
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url
}

/// A link a provider at `base` gave, only when it stays on the provider's own server (its
/// scheme, host and port): the portal never fetches a URL a provider's data points elsewhere
/// (another host, or into the portal's own network).
pub fn on_server(base: &Url, link: &str) -> Result<Url, ProviderError> {
    let url = base
        .join(link)
        .map_err(|_| ProviderError::Malformed(format!("not a URL: {link}")))?;
    if url.origin() != base.origin() {
        return Err(ProviderError::Malformed(format!(
            "a link leads off the provider's server: {link}"
        )));
    }
    Ok(url)
}

/// How a provider wants its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyIn {
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// A header of its own (`X-API-Key`).
    Header(&'static str),
    /// Somewhere the adapter puts it itself (a form field): [`Endpoint::api_key`].
    Adapter,
}

/// A provider's HTTP endpoint, as an adapter holds it.
#[derive(Clone)]
pub struct Endpoint {
    http: reqwest::Client,
    base: Url,
    api_key: Option<String>,
    key_in: KeyIn,
    guard: Arc<ProviderGuard>,
}

/// A provider's answer, read within its bound: a success or a refusal of the request.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: http::StatusCode,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// A header's value, when it is text.
    pub fn header(&self, name: http::header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The answer when it is a success; anything else is the provider's `Status` error.
    pub fn success(self) -> Result<Answer, ProviderError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(ProviderError::Status(self.status.as_u16()))
        }
    }

    /// The body as JSON of type `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ProviderError> {
        super::decode(&self.body)
    }
}

impl Endpoint {
    pub fn new(
        http: reqwest::Client,
        base_url: Url,
        api_key: Option<String>,
        key_in: KeyIn,
        guard: Arc<ProviderGuard>,
    ) -> Endpoint {
        Endpoint {
            http,
            base: as_base(base_url),
            api_key,
            key_in,
            guard,
        }
    }

    /// The base URL, ending in `/`.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The key, for an adapter that sends it itself ([`KeyIn::Adapter`]).
    pub fn api_key(&self) -> Option<&str> {
        self.api_key.as_deref()
    }

    /// The guard every call goes through.
    pub fn guard(&self) -> &ProviderGuard {
        &self.guard
    }

    /// `path` under the base URL.
    pub fn url(&self, path: &str) -> Result<Url, ProviderError> {
        self.base
            .join(path)
            .map_err(|e| ProviderError::Unreachable(format!("bad URL {path}: {e}")))
    }

    /// A link the provider gave (absolute, or relative to the base), only when it stays on
    /// the provider's own server ([`on_server`]): a camera's pictures may be elsewhere on
    /// its host than its API.
    pub fn on_server(&self, link: &str) -> Result<Url, ProviderError> {
        on_server(&self.base, link)
    }

    /// As [`Endpoint::on_server`], and under the base path too: a link that stays within the
    /// API (a FHIR server's next page, a created resource's `Location`).
    pub fn under_base(&self, link: &str) -> Result<Url, ProviderError> {
        let url = on_server(&self.base, link)?;
        if !url.path().starts_with(self.base.path()) {
            return Err(ProviderError::Malformed(format!(
                "a link leads out of the provider's API: {link}"
            )));
        }
        Ok(url)
    }

    /// A request to `url`, accepting `accept`, with the key where the provider wants it.
    pub fn request(&self, method: http::Method, url: Url, accept: &str) -> reqwest::RequestBuilder {
        let request = self
            .http
            .request(method, url)
            .header(http::header::ACCEPT, accept);
        match (&self.api_key, self.key_in) {
            (Some(key), KeyIn::Bearer) => request.bearer_auth(key),
            (Some(key), KeyIn::Header(name)) => request.header(name, key),
            _ => request,
        }
    }

    /// Sends `request` and reads the answer (at most [`MAX_PROVIDER_BODY`] bytes), without
    /// the guard: for a call the adapter guards as a whole.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Result<Answer, ProviderError> {
        self.send_within(request, MAX_PROVIDER_BODY).await
    }

    /// As [`Endpoint::send`], reading at most `limit` bytes.
    pub async fn send_within(
        &self,
        request: reqwest::RequestBuilder,
        limit: usize,
    ) -> Result<Answer, ProviderError> {
        let response = request
            .send()
            .await
            .map_err(|e| ProviderError::from_http(&e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_body_within(response, limit).await?;
        if let Some(fault) = ProviderError::provider_fault(status.as_u16()) {
            return Err(fault);
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// Sends `request` through the guard (its timeout, breaker, span and metrics) as
    /// `operation`.
    pub async fn call(
        &self,
        operation: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<Answer, ProviderError> {
        self.guard.call(operation, self.send(request)).await
    }

    /// Runs `call` (several requests, or one whose answer the adapter reads itself) through
    /// the guard as `operation`.
    pub async fn guarded<T, F>(&self, operation: &'static str, call: F) -> Result<T, ProviderError>
    where
        F: Future<Output = Result<T, ProviderError>>,
    {
        self.guard.call(operation, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_keeps_its_path_when_joined() {
        let parse = |s: &str| Url::parse(s).expect("a URL");
        for given in ["https://h.example/fhir", "https://h.example/fhir/"] {
            let base = as_base(parse(given));
            assert_eq!(base.as_str(), "https://h.example/fhir/");
            assert_eq!(
                base.join("Patient").expect("joined").as_str(),
                "https://h.example/fhir/Patient"
            );
        }
        assert_eq!(
            as_base(parse("https://h.example")).as_str(),
            "https://h.example/"
        );
    }

    fn endpoint(base: &str) -> Endpoint {
        Endpoint::new(
            reqwest::Client::new(),
            Url::parse(base).expect("a URL"),
            None,
            KeyIn::Bearer,
            Arc::new(ProviderGuard::new(
                "test",
                model::ServiceKind::Appointments,
                std::time::Duration::from_secs(1),
                crate::telemetry::Metrics::new(),
            )),
        )
    }

    #[test]
    fn a_link_is_followed_only_on_the_providers_own_server_and_under_its_base() {
        let fhir = endpoint("https://h.example/fhir");
        for link in [
            "Slot?_page=2",
            "/fhir/Slot?_page=2",
            "https://h.example/fhir/Slot",
        ] {
            assert!(fhir.under_base(link).is_ok(), "{link}");
        }
        for link in [
            "https://elsewhere.example/fhir/Slot",
            "http://h.example/fhir/Slot",
            "http://127.0.0.1:5432/",
            "//elsewhere.example/x",
        ] {
            assert!(fhir.on_server(link).is_err(), "{link}");
            assert!(fhir.under_base(link).is_err(), "{link}");
        }
        // Elsewhere on its own host (a camera's pictures): on its server, not in its API.
        assert!(fhir.on_server("https://h.example/media/1.jpg").is_ok());
        assert!(fhir.under_base("https://h.example/admin").is_err());
    }
}
