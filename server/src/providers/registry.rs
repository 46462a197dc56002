//! Builds every city's adapters from config, once, at start-up.

use std::{collections::HashMap, sync::Arc, time::Duration};

use model::ServiceKind;
use url::Url;

use super::{
    air_quality::{
        openaq_v3::{self, OpenAqV3},
        AirQualityProvider,
    },
    breaker::BreakerPolicy,
    incidents::{
        open311::{self, Open311, Open311Options},
        IncidentDesk,
    },
    ProviderGuard, ProviderHealth,
};
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

/// One incident desk of a city, and what config routes to it.
pub struct Desk {
    pub provider_id: String,
    /// The districts whose reports it takes.
    pub regions: Vec<String>,
    /// The categories it takes; `None`: every one it lists.
    pub categories: Option<Vec<String>>,
    pub adapter: Arc<dyn IncidentDesk>,
}

impl Desk {
    /// Does config route reports of `category` in `region` here (given that the desk
    /// lists the category)?
    pub fn takes(&self, region: &str, category: &str) -> bool {
        self.regions.iter().any(|r| r == region)
            && self
                .categories
                .as_ref()
                .is_none_or(|codes| codes.iter().any(|c| c == category))
    }
}

/// One city's providers, by service.
#[derive(Default)]
pub struct CityProviders {
    pub air: Option<Arc<dyn AirQualityProvider>>,
    /// Incident desks, in config order: the first that takes a report gets it.
    pub desks: Vec<Desk>,
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

pub struct ProviderRegistry {
    by_city: HashMap<String, CityProviders>,
    guards: Vec<Arc<ProviderGuard>>,
}

impl ProviderRegistry {
    /// `simulators` maps a simulator name to the URL it listens on.
    pub fn build(
        cities: &[CityConfig],
        simulators: &HashMap<String, Url>,
        metrics: &Arc<Metrics>,
        breaker: BreakerPolicy,
    ) -> Result<Self, RegistryError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .user_agent(concat!("city-portal/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RegistryError::HttpClient(e.to_string()))?;
        let mut by_city = HashMap::new();
        let mut guards = Vec::new();
        for city in cities {
            let mut providers = CityProviders::default();
            for service in &city.services {
                let mut base_url = resolve_url(city, service, simulators)?;
                let api_key = read_secret(city, service)?;
                let guard = Arc::new(ProviderGuard::with_breaker(
                    &service.provider_id,
                    service.service,
                    service.timeout,
                    Arc::clone(metrics),
                    breaker,
                ));
                match service.adapter {
                    id if id == openaq_v3::ADAPTER.id => {
                        providers.air = Some(Arc::new(OpenAqV3::new(
                            http.clone(),
                            base_url,
                            api_key,
                            Arc::clone(&guard),
                        )));
                    }
                    id if id == open311::ADAPTER.id => {
                        let options =
                            Open311Options::read(&service.options).map_err(|problem| {
                                RegistryError::Options {
                                    city: city.id.clone(),
                                    provider: service.provider_id.clone(),
                                    problem,
                                }
                            })?;
                        if service.base_url.scheme() == SIMULATOR_SCHEME {
                            // The demo simulator hosts each desk under its provider id.
                            base_url = base_url
                                .join(&format!("{}/", service.provider_id))
                                .map_err(|e| RegistryError::BadUrl(e.to_string()))?;
                        }
                        providers.desks.push(Desk {
                            provider_id: service.provider_id.clone(),
                            regions: service.regions.clone(),
                            categories: options.categories,
                            adapter: Arc::new(Open311::new(
                                http.clone(),
                                base_url,
                                options.jurisdiction,
                                api_key,
                                Arc::clone(&guard),
                            )),
                        });
                    }
                    other => {
                        return Err(RegistryError::UnknownAdapter {
                            city: city.id.clone(),
                            provider: service.provider_id.clone(),
                            adapter: other.to_owned(),
                        })
                    }
                }
                providers
                    .guards
                    .entry(service.service)
                    .or_insert_with(|| Arc::clone(&guard));
                providers.all_guards.push(Arc::clone(&guard));
                guards.push(guard);
            }
            by_city.insert(city.id.clone(), providers);
        }
        Ok(ProviderRegistry { by_city, guards })
    }

    pub fn city(&self, city: &str) -> Option<&CityProviders> {
        self.by_city.get(city)
    }

    /// Every incident desk of every city, with its city's id.
    pub fn desks(&self) -> impl Iterator<Item = (&str, &Desk)> {
        self.by_city
            .iter()
            .flat_map(|(city, providers)| providers.desks.iter().map(move |d| (city.as_str(), d)))
    }

    /// The incident desk with this provider id, in whichever city.
    pub fn desk(&self, provider_id: &str) -> Option<&Desk> {
        self.desks()
            .map(|(_, desk)| desk)
            .find(|desk| desk.provider_id == provider_id)
    }

    pub fn health(&self) -> Vec<ProviderHealth> {
        self.guards.iter().map(|g| g.health()).collect()
    }
}

fn resolve_url(
    city: &CityConfig,
    service: &ServiceConfig,
    simulators: &HashMap<String, Url>,
) -> Result<Url, RegistryError> {
    if service.base_url.scheme() != SIMULATOR_SCHEME {
        return Ok(service.base_url.clone());
    }
    let name = service.base_url.path();
    simulators
        .get(name)
        .cloned()
        .ok_or_else(|| RegistryError::UnknownSimulator {
            city: city.id.clone(),
            provider: service.provider_id.clone(),
            name: name.to_owned(),
        })
}

fn read_secret(
    city: &CityConfig,
    service: &ServiceConfig,
) -> Result<Option<String>, RegistryError> {
    let Some(variable) = &service.api_key_env else {
        return Ok(None);
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
