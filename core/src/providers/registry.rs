//! Connects every provider config names, once, at start-up; each service then builds its
//! adapters from its own connections.

use std::{collections::HashMap, sync::Arc, time::Duration};

use model::ServiceKind;
use url::Url;

use super::{breaker::BreakerPolicy, ProviderGuard, ProviderHealth};
use crate::simulators::SimulatorAddress;
use crate::{
    config::{CityConfig, ServiceConfig, SIMULATOR_SCHEME},
    telemetry::Metrics,
};

/// A problem wiring a provider that config alone could not show.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("city '{city}', provider '{provider}': built-in simulator '{name}' does not exist")]
    UnknownSimulator {
        city: String,
        provider: String,
        name: String,
    },
    #[error("city '{city}', provider '{provider}': environment variable {variable} (api_key_env) is not set")]
    MissingSecret {
        city: String,
        provider: String,
        variable: String,
    },
    #[error("city '{city}', provider '{provider}': {problem}")]
    Options {
        city: String,
        provider: String,
        problem: String,
    },
    #[error("city '{city}', provider '{provider}': no adapter '{adapter}' in this build")]
    UnknownAdapter {
        city: String,
        provider: String,
        adapter: String,
    },
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),
    #[error("cannot form a provider URL: {0}")]
    BadUrl(String),
}

/// One provider of one city, connected: its URL (a built-in simulator's resolved), its
/// secret and its guard. Each service builds its adapters from its connections.
pub struct Connection {
    pub city_id: String,
    /// The service entry in the city's config.
    pub config: ServiceConfig,
    /// Where the provider answers (for a simulator, where it listens).
    pub base_url: Url,
    pub api_key: Option<String>,
    pub guard: Arc<ProviderGuard>,
    /// The one HTTP client every adapter shares (its connection pool).
    pub http: reqwest::Client,
}

impl Connection {
    pub fn provider_id(&self) -> &str {
        &self.config.provider_id
    }

    /// Is the provider one of the built-in simulators?
    pub fn is_simulated(&self) -> bool {
        self.config.base_url.scheme() == SIMULATOR_SCHEME
    }

    /// The provider's base URL. A built-in simulator hosts each of the demo's providers at
    /// a path of its own, `{provider id}/` and then `within` (`""`, or `v1/` for the Provider
    /// API); a real provider is at the URL config names.
    pub fn base_url_within(&self, within: &str) -> Result<Url, RegistryError> {
        if !self.is_simulated() {
            return Ok(self.base_url.clone());
        }
        self.base_url
            .join(&format!("{}/{within}", self.provider_id()))
            .map_err(|e| RegistryError::BadUrl(e.to_string()))
    }

    /// The adapter's options did not read (config checked them: a bug if it happens).
    pub fn bad_options(&self, problem: String) -> RegistryError {
        RegistryError::Options {
            city: self.city_id.clone(),
            provider: self.config.provider_id.clone(),
            problem,
        }
    }

    /// The service has no adapter of the id config names.
    pub fn unknown_adapter(&self) -> RegistryError {
        RegistryError::UnknownAdapter {
            city: self.city_id.clone(),
            provider: self.config.provider_id.clone(),
            adapter: self.config.adapter.to_owned(),
        }
    }
}

/// One city's provider guards.
#[derive(Default)]
pub struct CityProviders {
    guards: HashMap<ServiceKind, Arc<ProviderGuard>>,
    /// Every provider's guard, in config order.
    all_guards: Vec<Arc<ProviderGuard>>,
}

impl CityProviders {
    /// The guard of the service's (first) provider.
    pub fn guard(&self, service: ServiceKind) -> Option<&Arc<ProviderGuard>> {
        self.guards.get(&service)
    }

    /// Every provider of the city with its guard, in config order.
    pub fn all_guards(&self) -> &[Arc<ProviderGuard>] {
        &self.all_guards
    }
}

/// Every provider config names, connected. Names no service and no adapter.
pub struct ProviderRegistry {
    connections: Vec<Connection>,
    by_city: HashMap<String, CityProviders>,
}

/// The HTTP client every provider is called with. It follows no redirect: an adapter
/// checks each address a provider gives before calling it (on the provider's own server),
/// and a redirect would take the call elsewhere unchecked (to another host, or into the
/// portal's own network). A provider that redirects answers with its 3xx status.
pub fn provider_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("city-portal/", env!("CARGO_PKG_VERSION")))
        .build()
}

impl ProviderRegistry {
    /// `simulators` maps a simulator name to the URL it listens on.
    pub fn build(
        cities: &[CityConfig],
        simulators: &HashMap<String, SimulatorAddress>,
        metrics: &Arc<Metrics>,
        breaker: BreakerPolicy,
        clock: &crate::clock::Clock,
    ) -> Result<Self, RegistryError> {
        let http = provider_client().map_err(|e| RegistryError::HttpClient(e.to_string()))?;
        let mut by_city = HashMap::new();
        let mut connections = Vec::new();
        for city in cities {
            let mut providers = CityProviders::default();
            for service in &city.services {
                let guard = Arc::new(ProviderGuard::with_breaker(
                    &service.provider_id,
                    service.service,
                    service.timeout,
                    Arc::clone(metrics),
                    breaker,
                    clock.clone(),
                ));
                providers
                    .guards
                    .entry(service.service)
                    .or_insert_with(|| Arc::clone(&guard));
                providers.all_guards.push(Arc::clone(&guard));
                connections.push(Connection {
                    city_id: city.id.clone(),
                    config: service.clone(),
                    base_url: resolve_url(city, service, simulators)?,
                    api_key: read_secret(city, service, simulators)?,
                    guard,
                    http: http.clone(),
                });
            }
            by_city.insert(city.id.clone(), providers);
        }
        Ok(ProviderRegistry {
            connections,
            by_city,
        })
    }

    pub fn city(&self, city: &str) -> Option<&CityProviders> {
        self.by_city.get(city)
    }

    /// The connections of one kind of service, in config order.
    pub fn connections(&self, service: ServiceKind) -> impl Iterator<Item = &Connection> {
        self.connections
            .iter()
            .filter(move |c| c.config.service == service)
    }

    pub fn health(&self) -> Vec<ProviderHealth> {
        self.connections.iter().map(|c| c.guard.health()).collect()
    }
}

fn resolve_url(
    city: &CityConfig,
    service: &ServiceConfig,
    simulators: &HashMap<String, SimulatorAddress>,
) -> Result<Url, RegistryError> {
    if service.base_url.scheme() != SIMULATOR_SCHEME {
        return Ok(service.base_url.clone());
    }
    let name = service.base_url.path();
    simulators
        .get(name)
        .map(|s| s.base_url.clone())
        .ok_or_else(|| RegistryError::UnknownSimulator {
            city: city.id.clone(),
            provider: service.provider_id.clone(),
            name: name.to_owned(),
        })
}

/// The provider's key: from the variable `api_key_env` names, or, for a built-in simulator
/// named by no variable, the simulator's own.
fn read_secret(
    city: &CityConfig,
    service: &ServiceConfig,
    simulators: &HashMap<String, SimulatorAddress>,
) -> Result<Option<String>, RegistryError> {
    let Some(variable) = &service.api_key_env else {
        let simulated = service.base_url.scheme() == SIMULATOR_SCHEME;
        return Ok(simulated
            .then(|| simulators.get(service.base_url.path()))
            .flatten()
            .and_then(|s| s.api_key.clone()));
    };
    match std::env::var(variable) {
        Ok(value) if !value.is_empty() => Ok(Some(value)),
        _ => Err(RegistryError::MissingSecret {
            city: city.id.clone(),
            provider: service.provider_id.clone(),
            variable: variable.clone(),
        }),
    }
}
