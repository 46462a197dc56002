//! What every provider call shares, whatever the service. Each service defines its own port
//! (a trait) and its adapters in its crate; every call an adapter makes goes through the
//! provider's [`ProviderGuard`]: a timeout, a circuit breaker, a tracing span and metrics,
//! so no adapter can forget them. The registry connects each provider config names (its
//! URL, secret and guard) at start-up; each service builds its adapters from those
//! connections, by the adapter id config names.

pub mod breaker;
pub mod endpoint;
pub mod kept;
pub mod registry;

use std::{
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};

use model::ServiceKind;
use tracing::Instrument;

use crate::telemetry::{Metrics, ProviderCallLabels, ProviderLabels};
use breaker::{BreakerPolicy, BreakerState, CircuitBreaker};

/// Why a provider call failed. Shown to operators, never to residents.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("unreachable: {0}")]
    Unreachable(String),
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("malformed response: {0}")]
    Malformed(String),
    #[error("circuit open: not calling a failing provider")]
    CircuitOpen,
    /// The provider refused this request and said why (e.g. Open311's 400 error body): a
    /// fault of the request, not of the provider, and not worth retrying as it is.
    #[error("refused ({status}): {message}")]
    Refused { status: u16, message: String },
}

impl ProviderError {
    /// An answer's status that is the provider's fault (a 5xx, or 429: too busy), to be
    /// tried again later, as an error; `None` for an answer the adapter reads (2xx, or a
    /// 4xx refusal of the request). The one rule every adapter classifies statuses by.
    pub fn provider_fault(status: u16) -> Option<ProviderError> {
        ((500..600).contains(&status) || status == 429).then_some(ProviderError::Status(status))
    }

    fn outcome(&self) -> &'static str {
        match self {
            ProviderError::Timeout(_) => "timeout",
            ProviderError::Unreachable(_) => "unreachable",
            ProviderError::Status(_) => "http_error",
            ProviderError::Malformed(_) => "malformed",
            ProviderError::CircuitOpen => "circuit_open",
            ProviderError::Refused { .. } => "refused",
        }
    }

    /// The error as operators' pages show it: what happened, without the provider's
    /// internal addresses or its words (those stay in the log).
    pub fn summary(&self) -> String {
        match self {
            ProviderError::Timeout(after) => format!("timed out after {after:?}"),
            ProviderError::Unreachable(_) => "unreachable".to_owned(),
            ProviderError::Status(status) => format!("answered HTTP {status}"),
            ProviderError::Malformed(_) => "malformed response".to_owned(),
            ProviderError::CircuitOpen => "circuit open".to_owned(),
            ProviderError::Refused { status, .. } => format!("refused a request ({status})"),
        }
    }

    /// Does this error say the provider is failing (rather than that one request was bad)?
    pub fn is_provider_fault(&self) -> bool {
        match self {
            ProviderError::Status(status) => *status >= 500 || *status == 429,
            ProviderError::Timeout(_)
            | ProviderError::Unreachable(_)
            | ProviderError::Malformed(_) => true,
            ProviderError::CircuitOpen | ProviderError::Refused { .. } => false,
        }
    }

    /// Converts a transport error of `reqwest`.
    pub fn from_http(error: &reqwest::Error) -> Self {
        if let Some(status) = error.status() {
            ProviderError::Status(status.as_u16())
        } else if error.is_decode() {
            ProviderError::Malformed(error.to_string())
        } else {
            ProviderError::Unreachable(error.to_string())
        }
    }
}

/// A provider's answer is read up to this many bytes; a longer one is malformed, whatever
/// it says. OpenAQ's largest page (1,000 locations with their sensors) is about 1.5 MB.
pub const MAX_PROVIDER_BODY: usize = 4 * 1024 * 1024;

/// Reads a provider's answer into memory, refusing it once it passes `MAX_PROVIDER_BODY`
/// (before it is all received, let alone decoded).
pub async fn read_body(response: reqwest::Response) -> Result<Vec<u8>, ProviderError> {
    read_body_within(response, MAX_PROVIDER_BODY).await
}

/// As [`read_body`], refusing the answer once it passes `limit` bytes.
pub async fn read_body_within(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, ProviderError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(too_long(limit));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ProviderError::from_http(&e))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_long(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_long(limit: usize) -> ProviderError {
    ProviderError::Malformed(format!("the answer is longer than {limit} bytes"))
}

/// A provider's JSON answer as `T`.
pub fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ProviderError> {
    serde_json::from_slice(body).map_err(|e| ProviderError::Malformed(e.to_string()))
}

/// A provider's health, as `/readyz` reports it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ProviderHealth {
    pub provider: String,
    pub service: &'static str,
    pub breaker: &'static str,
    pub last_latency_ms: Option<u64>,
    pub last_error: Option<String>,
}

#[derive(Default)]
struct LastCall {
    latency_ms: Option<u64>,
    error: Option<String>,
}

/// Timeout, circuit breaker, span and metrics around every call to one provider.
pub struct ProviderGuard {
    provider_id: String,
    service: ServiceKind,
    timeout: Duration,
    breaker: CircuitBreaker,
    metrics: Arc<Metrics>,
    last: Mutex<LastCall>,
}

impl ProviderGuard {
    pub fn new(
        provider_id: &str,
        service: ServiceKind,
        timeout: Duration,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self::with_breaker(
            provider_id,
            service,
            timeout,
            metrics,
            BreakerPolicy::default(),
            crate::clock::Clock::system(),
        )
    }

    /// `clock` times the breaker's cool-down.
    pub fn with_breaker(
        provider_id: &str,
        service: ServiceKind,
        timeout: Duration,
        metrics: Arc<Metrics>,
        breaker: BreakerPolicy,
        clock: crate::clock::Clock,
    ) -> Self {
        let guard = ProviderGuard {
            provider_id: provider_id.to_owned(),
            service,
            timeout,
            breaker: CircuitBreaker::new(breaker.failure_threshold, breaker.cool_down, clock),
            metrics,
            last: Mutex::new(LastCall::default()),
        };
        guard.publish_state();
        guard
    }

    pub fn provider_id(&self) -> &str {
        &self.provider_id
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn service(&self) -> ServiceKind {
        self.service
    }

    pub fn breaker_state(&self) -> BreakerState {
        self.breaker.state()
    }

    /// Runs one provider call under the guard. `operation` names it in logs and metrics.
    pub async fn call<T, F>(&self, operation: &'static str, call: F) -> Result<T, ProviderError>
    where
        F: Future<Output = Result<T, ProviderError>>,
    {
        let span = tracing::info_span!("provider_call", provider = %self.provider_id, operation);
        let started = tokio::time::Instant::now();
        let result = match self.breaker.try_acquire() {
            Some(permit) => {
                let result = match tokio::time::timeout(self.timeout, call)
                    .instrument(span.clone())
                    .await
                {
                    Ok(result) => result,
                    Err(_) => Err(ProviderError::Timeout(self.timeout)),
                };
                match &result {
                    // "Too many requests" is a provider that is up asking us to slow down:
                    // news of neither health nor failure. Counted as a failure, one resident
                    // retrying could open a city's breaker for everyone.
                    Err(ProviderError::Status(429)) => drop(permit),
                    // A provider that answers, even "not found", is up; only its failures
                    // count.
                    _ => {
                        let fault = result.as_ref().is_err_and(ProviderError::is_provider_fault);
                        permit.finish(!fault);
                    }
                }
                result
            }
            None => Err(ProviderError::CircuitOpen),
        };
        let elapsed = started.elapsed();
        let outcome = result.as_ref().err().map_or("ok", ProviderError::outcome);
        self.metrics
            .provider_call_duration
            .get_or_create(&ProviderCallLabels {
                provider: self.provider_id.clone(),
                operation: operation.to_owned(),
                outcome: outcome.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
        self.publish_state();
        if !matches!(result, Err(ProviderError::CircuitOpen)) {
            let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
            last.latency_ms = Some(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX));
            if let Err(error) = &result {
                last.error = Some(error.summary());
            }
        }
        match &result {
            // Refusing a call is the breaker working, not news.
            Err(ProviderError::CircuitOpen) => {}
            Err(error) => span.in_scope(|| tracing::warn!(%error, "provider call failed")),
            Ok(_) => {}
        }
        result
    }

    fn publish_state(&self) {
        self.metrics
            .breaker_state
            .get_or_create(&ProviderLabels {
                provider: self.provider_id.clone(),
            })
            .set(self.breaker.state().gauge());
    }

    pub fn health(&self) -> ProviderHealth {
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        ProviderHealth {
            provider: self.provider_id.clone(),
            service: self.service.id(),
            breaker: self.breaker.state().name(),
            last_latency_ms: last.latency_ms,
            last_error: last.error.clone(),
        }
    }
}

#[cfg(test)]
mod guard_tests {
    use super::*;

    #[tokio::test]
    async fn too_many_requests_never_opens_the_breaker() {
        let guard = ProviderGuard::new(
            "pay",
            ServiceKind::Payments,
            Duration::from_secs(1),
            Metrics::new(),
        );
        for _ in 0..10 {
            let answer: Result<(), ProviderError> = guard
                .call("open", async { Err(ProviderError::Status(429)) })
                .await;
            assert!(matches!(answer, Err(ProviderError::Status(429))));
        }
        assert_eq!(guard.breaker_state(), BreakerState::Closed);
        for _ in 0..3 {
            let _: Result<(), ProviderError> = guard
                .call("open", async { Err(ProviderError::Status(503)) })
                .await;
        }
        assert_eq!(
            guard.breaker_state(),
            BreakerState::Open,
            "a real outage still does"
        );
    }
}

#[cfg(test)]
mod status_tests {
    use super::ProviderError;

    #[test]
    fn a_5xx_or_429_is_the_providers_fault_and_the_rest_an_answer() {
        for fault in [500, 502, 503, 599, 429] {
            assert!(matches!(
                ProviderError::provider_fault(fault),
                Some(ProviderError::Status(s)) if s == fault
            ));
        }
        for answer in [200, 201, 304, 400, 404, 409, 422] {
            assert!(ProviderError::provider_fault(answer).is_none(), "{answer}");
        }
    }
}
