//! Each city's incident desks, built from their connections at start-up, and which desk
//! config routes a report to.

use std::{collections::HashMap, sync::Arc};

use model::ServiceKind;

use super::{
    open311::{self, Open311, Open311Options},
    port::IncidentDesk,
};
use portal_core::providers::registry::{ProviderRegistry, RegistryError};

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

/// Every city's desks, in config order: the first that takes a report gets it.
#[derive(Default)]
pub struct Desks {
    by_city: HashMap<String, Vec<Desk>>,
}

impl Desks {
    /// Builds an adapter for every incident desk the registry connected.
    pub fn build(registry: &ProviderRegistry) -> Result<Self, RegistryError> {
        let mut desks = Desks::default();
        for connection in registry.connections(ServiceKind::IncidentReports) {
            if connection.config.adapter != open311::ADAPTER.id {
                return Err(connection.unknown_adapter());
            }
            let options = Open311Options::read(&connection.config.options)
                .map_err(|problem| connection.bad_options(problem))?;
            let base_url = connection.base_url_within("")?;
            desks
                .by_city
                .entry(connection.city_id.clone())
                .or_default()
                .push(Desk {
                    provider_id: connection.provider_id().to_owned(),
                    regions: connection.config.regions.clone(),
                    categories: options.categories,
                    adapter: Arc::new(Open311::new(
                        connection.http.clone(),
                        base_url,
                        options.jurisdiction,
                        connection.api_key.clone(),
                        Arc::clone(&connection.guard),
                    )),
                });
        }
        Ok(desks)
    }

    /// The city's desks, in config order.
    pub fn of_city(&self, city: &str) -> &[Desk] {
        self.by_city.get(city).map_or(&[], Vec::as_slice)
    }

    /// Every desk of every city, with its city's id.
    pub fn all(&self) -> impl Iterator<Item = (&str, &Desk)> {
        self.by_city
            .iter()
            .flat_map(|(city, desks)| desks.iter().map(move |d| (city.as_str(), d)))
    }

    /// The desk with this provider id, in whichever city.
    pub fn get(&self, provider_id: &str) -> Option<&Desk> {
        self.all()
            .map(|(_, desk)| desk)
            .find(|desk| desk.provider_id == provider_id)
    }
}
