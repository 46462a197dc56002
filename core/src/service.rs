//! How a service tells the server everything the server needs of it, in one value: its
//! config spec and adapters, the simulators it offers the demo, its process settings, and how
//! its home is built. The built home then hands over its routes, its page backends, its
//! workers and its console's health details. The server's catalog is a list of these; the
//! start-up, the router, the console and the tests loop over it and name no service.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    path::PathBuf,
    sync::Arc,
    time::Duration,
};

use futures::future::BoxFuture;
use model::{pages::PageBackends, ServiceKind};

use crate::{
    config::{CityConfig, ServiceSpec, SIMULATOR_SCHEME},
    jobs::worker::Workers,
    portal::Portal,
    simulators::RunningSimulator,
};

/// A service as the server knows it.
pub struct Registration {
    /// What its config may say: its kind, its adapters, its job kinds, its settings' check.
    pub spec: ServiceSpec,
    /// The built-in simulators of its providers' protocols that city config may name.
    pub simulators: &'static [SimulatorOffer],
    /// Reads its process settings from the environment (`None`: it has none).
    pub settings: Option<ReadSettings>,
    /// Builds its home on the shared portal, after the services listed before it.
    pub build: Build,
}

/// Reads a service's process settings from the environment.
pub type ReadSettings = fn(&Vars<'_>) -> Result<AnySettings, SetupError>;

/// Builds a service's home.
pub type Build = fn(&Assembly<'_>) -> Result<Arc<dyn ServiceHome>, SetupError>;

/// Starts a simulator for the cities that name it.
pub type StartSimulator =
    for<'a> fn(&'a DemoStart<'a>) -> BoxFuture<'a, Result<StartedSimulator, SetupError>>;

/// What went wrong while a service was being set up, said for the operator.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A process setting (an environment variable) does not read.
    #[error("{name}: {problem}")]
    Setting { name: &'static str, problem: String },
    /// A service was listed before one it builds on.
    #[error("{service} is built on {needs}: list it after that in the catalog")]
    Order {
        service: &'static str,
        needs: &'static str,
    },
    /// A simulator did not start.
    #[error("the {simulator} simulator: {source}")]
    Simulator {
        simulator: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Registry(#[from] crate::providers::registry::RegistryError),
    #[error("{0}")]
    Other(String),
}

/// Reads one environment variable (a function, so that tests pass their own).
pub type Vars<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// Reads a whole number of seconds from `name`, or `default` when unset.
pub fn seconds_var(vars: &Vars<'_>, name: &'static str, default: u64) -> Result<u64, SetupError> {
    whole_var(vars, name, default, "seconds")
}

/// Reads a whole number of `unit` (minutes, …) from `name`, or `default` when unset.
pub fn whole_var(
    vars: &Vars<'_>,
    name: &'static str,
    default: u64,
    unit: &str,
) -> Result<u64, SetupError> {
    vars(name).map_or(Ok(default), |value| {
        value.trim().parse().map_err(|_| SetupError::Setting {
            name,
            problem: format!("'{value}' is not a whole number of {unit}"),
        })
    })
}

/// Is the switch `name` on (anything but `0`; `default` when unset)?
pub fn switch_var(vars: &Vars<'_>, name: &'static str, default: bool) -> bool {
    vars(name).map_or(default, |value| value.trim() != "0")
}

/// One service's process settings, of its own type.
pub type AnySettings = Arc<dyn Any + Send + Sync>;

/// Every service's process settings, each of its own type (a service reads its own with
/// `get`, tests change them with `get_mut`).
#[derive(Clone, Default)]
pub struct ServiceSettings(HashMap<TypeId, AnySettings>);

impl std::fmt::Debug for ServiceSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServiceSettings({} services)", self.0.len())
    }
}

impl ServiceSettings {
    /// Reads every registered service's settings from `vars`.
    pub fn read(services: &[&Registration], vars: &Vars<'_>) -> Result<Self, SetupError> {
        let mut settings = ServiceSettings::default();
        for read in services.iter().filter_map(|service| service.settings) {
            let value = read(vars)?;
            settings.0.insert(value.as_ref().type_id(), value);
        }
        Ok(settings)
    }

    /// A service's settings, or its defaults when none were read.
    pub fn get<T: Any + Send + Sync + Default + Clone>(&self) -> T {
        self.0
            .get(&TypeId::of::<T>())
            .and_then(|value| value.downcast_ref::<T>())
            .cloned()
            .unwrap_or_default()
    }

    /// A service's settings to change (tests), made from its defaults when none were read.
    pub fn get_mut<T: Any + Send + Sync + Default + Clone>(&mut self) -> &mut T {
        let current = self.get::<T>();
        let entry = self
            .0
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(current.clone()));
        if Arc::get_mut(entry).is_none() {
            *entry = Arc::new(current);
        }
        Arc::get_mut(entry)
            .and_then(|value| value.downcast_mut::<T>())
            .expect("just made unique and of this type")
    }
}

/// A simulator a service offers the demo (`base_url = "simulator:<name>"`).
pub struct SimulatorOffer {
    pub name: &'static str,
    /// Starts it for the cities whose config names it.
    pub start: StartSimulator,
}

/// What a simulator is started with.
pub struct DemoStart<'a> {
    /// Every city; [`DemoStart::services_naming`] picks the entries that name this simulator.
    pub cities: &'a [CityConfig],
    pub settings: &'a ServiceSettings,
    /// The config directory (a simulator's seed data may live beside the cities).
    pub config_dir: PathBuf,
    /// What was started before: the demo's other parts (a simulator's keys, say).
    pub demo: &'a DemoParts,
    pub name: &'static str,
}

impl DemoStart<'_> {
    /// Starts this simulator on a loopback port with `router` made on its fault knobs,
    /// holding `parts` for the demo and the tests.
    pub async fn serve(
        &self,
        router: impl FnOnce(Arc<crate::simulators::faults::FaultKnobs>) -> axum::Router,
        parts: DemoParts,
    ) -> Result<StartedSimulator, SetupError> {
        let running = crate::simulators::start(self.name, router)
            .await
            .map_err(|source| SetupError::Simulator {
                simulator: self.name,
                source,
            })?;
        Ok(StartedSimulator { running, parts })
    }

    /// The cities with at least one service entry that names this simulator.
    pub fn cities_naming(&self) -> Vec<&CityConfig> {
        self.cities
            .iter()
            .filter(|city| {
                city.services
                    .iter()
                    .any(|s| names_simulator(&s.base_url, self.name))
            })
            .collect()
    }

    /// The cities' service entries that name this simulator, with their city.
    pub fn services_naming(
        &self,
    ) -> impl Iterator<Item = (&CityConfig, &crate::config::ServiceConfig)> + '_ {
        self.cities.iter().flat_map(move |city| {
            city.services
                .iter()
                .filter(|s| names_simulator(&s.base_url, self.name))
                .map(move |s| (city, s))
        })
    }
}

/// Does `base_url` name the simulator `name`?
pub fn names_simulator(base_url: &url::Url, name: &str) -> bool {
    base_url.scheme() == SIMULATOR_SCHEME && base_url.path() == name
}

/// A started simulator and what the demo and the tests may hold of it (its desks, its
/// hospitals, its ledger), by type and provider id.
pub struct StartedSimulator {
    pub running: RunningSimulator,
    pub parts: DemoParts,
}

/// The demo's parts, each by its type and a key (a provider id, or `""` for the one of its
/// kind): tests look at what a simulated provider received, services find what the demo
/// made for them (its payment keys).
#[derive(Clone, Default)]
pub struct DemoParts(HashMap<(TypeId, String), Arc<dyn Any + Send + Sync>>);

impl DemoParts {
    pub fn insert<T: Any + Send + Sync>(&mut self, key: &str, part: Arc<T>) {
        self.0.insert((TypeId::of::<T>(), key.to_owned()), part);
    }

    pub fn get<T: Any + Send + Sync>(&self, key: &str) -> Option<Arc<T>> {
        self.0
            .get(&(TypeId::of::<T>(), key.to_owned()))
            .cloned()
            .and_then(|part| part.downcast::<T>().ok())
    }

    /// Every part of type `T`, by key.
    pub fn all<T: Any + Send + Sync>(&self) -> HashMap<String, Arc<T>> {
        self.0
            .iter()
            .filter(|((type_id, _), _)| *type_id == TypeId::of::<T>())
            .filter_map(|((_, key), part)| {
                Some((key.clone(), Arc::clone(part).downcast::<T>().ok()?))
            })
            .collect()
    }

    pub fn extend(&mut self, other: DemoParts) {
        self.0.extend(other.0);
    }
}

/// What a service's home is built from.
pub struct Assembly<'a> {
    pub portal: &'a Arc<Portal>,
    pub settings: &'a ServiceSettings,
    /// The homes of the services listed before it.
    pub homes: &'a Homes,
    /// The demo's parts (empty outside the demo).
    pub demo: &'a DemoParts,
    /// The origin residents use (`PUBLIC_URL`).
    pub public_url: &'a url::Url,
}

impl Assembly<'_> {
    /// The home of a service this one builds on (payments, say), listed before it.
    pub fn home<T: Any + Send + Sync>(
        &self,
        service: &'static str,
        needs: &'static str,
    ) -> Result<Arc<T>, SetupError> {
        self.homes
            .get::<T>()
            .ok_or(SetupError::Order { service, needs })
    }
}

/// Every service's built home, by its type.
#[derive(Clone, Default)]
pub struct Homes {
    by_type: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    /// In the catalog's order.
    in_order: Vec<Arc<dyn ServiceHome>>,
}

impl Homes {
    pub fn add(&mut self, home: Arc<dyn ServiceHome>) {
        let any = Arc::clone(&home).as_any();
        self.by_type.insert(any.as_ref().type_id(), any);
        self.in_order.push(home);
    }

    /// The home of type `T` (tests and services built on another).
    pub fn get<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        self.by_type
            .get(&TypeId::of::<T>())
            .cloned()
            .and_then(|home| home.downcast::<T>().ok())
    }

    /// Every home, in the catalog's order.
    pub fn all(&self) -> &[Arc<dyn ServiceHome>] {
        &self.in_order
    }
}

/// Routes a service serves besides its pages' server functions.
#[derive(Default)]
pub struct ServiceRoutes {
    /// Forms and APIs under the common limits (64 KB bodies, the request deadline).
    pub forms: Option<axum::Router>,
    /// Routes that take more (uploads), with their own limits already layered.
    pub large: Option<axum::Router>,
}

/// A built service, as the server wires it.
#[async_trait::async_trait]
pub trait ServiceHome: Send + Sync + 'static {
    fn kind(&self) -> ServiceKind;

    /// Itself, for [`Homes::get`].
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;

    /// Puts its page areas' backends in (a service without pages of its own has none).
    fn page_backends(self: Arc<Self>, _backends: &mut PageBackends) {}

    /// Its routes, their state given; `upload_deadline` bounds a request with a large body.
    fn routes(self: Arc<Self>, _upload_deadline: Duration) -> ServiceRoutes {
        ServiceRoutes::default()
    }

    /// Origins its pages' forms may post to (a payment provider's page, say).
    fn form_origins(&self) -> Vec<String> {
        Vec::new()
    }

    /// Where a resident who just signed in on this browser should land first (its own page
    /// of what was done here before signing in), if anywhere.
    async fn landing_after_sign_in(&self, _request: &http::HeaderMap) -> Option<&'static str> {
        None
    }

    /// `Set-Cookie` values forgetting what this browser keeps of the resident's for this
    /// service: sent at sign-out, so that the next person on a shared phone sees none of it.
    fn forget_at_sign_out(&self) -> Vec<String> {
        Vec::new()
    }

    /// Starts its workers in `workers`, when its settings run them in this process.
    async fn start_workers(self: Arc<Self>, _workers: &Workers) -> Result<(), SetupError> {
        Ok(())
    }
}
