//! Logs (`tracing`) and Prometheus metrics.

use std::sync::{Arc, Mutex};

mod log_fields;

pub use log_fields::{needs_escape, EscapedFields};

use prometheus_client::{
    encoding::{text::encode, EncodeLabelSet},
    metrics::{family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

/// Starts the log output; `RUST_LOG` filters it (default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // A second call (several apps in one test binary) is harmless.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .fmt_fields(EscapedFields)
        .try_init();
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    /// The matched route pattern, never the raw path, so the label set stays small.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProviderCallLabels {
    pub provider: String,
    pub operation: String,
    /// `ok`, `timeout`, `unreachable`, `http_error`, `malformed`, `circuit_open`.
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProviderLabels {
    pub provider: String,
}

/// Every metric the server exports.
pub struct Metrics {
    registry: Mutex<Registry>,
    pub http_duration: Family<HttpLabels, Histogram>,
    pub provider_call_duration: Family<ProviderCallLabels, Histogram>,
    pub breaker_state: Family<ProviderLabels, Gauge>,
    /// Set from the jobs table when `/metrics` is read.
    pub job_queue_depth: Family<JobLabels, Gauge>,
    pub job_oldest_age: Family<JobLabels, Gauge>,
}

fn latency_buckets() -> impl Iterator<Item = f64> {
    [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ]
    .into_iter()
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::default();
        let http_duration = Family::<HttpLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(latency_buckets())
        });
        let provider_call_duration =
            Family::<ProviderCallLabels, Histogram>::new_with_constructor(|| {
                Histogram::new(latency_buckets())
            });
        let breaker_state = Family::<ProviderLabels, Gauge>::default();
        let job_queue_depth = Family::<JobLabels, Gauge>::default();
        let job_oldest_age = Family::<JobLabels, Gauge>::default();
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route and status",
            http_duration.clone(),
        );
        registry.register(
            "provider_call_duration_seconds",
            "Provider call latency by provider, operation and outcome",
            provider_call_duration.clone(),
        );
        registry.register(
            "provider_breaker_state",
            "Circuit breaker state per provider: 0 closed, 1 half-open, 2 open",
            breaker_state.clone(),
        );
        registry.register(
            "job_queue_depth",
            "Jobs waiting (not yet settled) by kind",
            job_queue_depth.clone(),
        );
        registry.register(
            "job_oldest_age_seconds",
            "Age of the oldest waiting job by kind",
            job_oldest_age.clone(),
        );
        Arc::new(Metrics {
            registry: Mutex::new(registry),
            http_duration,
            provider_call_duration,
            breaker_state,
            job_queue_depth,
            job_oldest_age,
        })
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &registry);
        out
    }
}
