//! Incident reports as the server wires it: its config, its Open311 desks' simulator, its
//! process settings, its routes (the report form with its photos among them), its page
//! backend, its delivery workers and the desks' figures on the console.

use std::{any::Any, collections::HashMap, sync::Arc, time::Duration};

use model::{pages::PageBackends, pages::ReportPages, ServiceKind};
use portal_core::{
    jobs::worker::Workers,
    service::{
        seconds_var, switch_var, AnySettings, Assembly, DemoParts, DemoStart, Registration,
        ServiceHome, ServiceRoutes, SetupError, SimulatorOffer, StartedSimulator, Vars,
    },
};

use crate::{
    delivery::DeliveryPolicy, open311::Open311Options, routes, simulator, worker, IncidentReports,
    Reports, SERVICE,
};

pub const REGISTRATION: Registration = Registration {
    spec: SERVICE,
    simulators: &[SimulatorOffer {
        name: "open311",
        start: |demo| Box::pin(start_desks(demo)),
    }],
    settings: Some(read_settings),
    build,
};

/// How reports are delivered and followed.
#[derive(Clone, Debug)]
pub struct ReportSettings {
    /// Run the delivery and status worker in this process (`REPORT_WORKER=0` turns it off).
    pub worker: bool,
    /// How long a worker holds a report while delivering it (`REPORT_LEASE_SECONDS`); longer
    /// than any desk call. A process killed mid-delivery leaves its reports for this long.
    pub lease_seconds: i64,
    /// How often an open request's status is asked (`REPORT_POLL_SECONDS`).
    pub poll_every: Duration,
    /// How long the demo desks take to close a request (`DEMO_DESK_CLOSE_AFTER_SECONDS`).
    pub demo_close_after: Duration,
    /// Reports one resident (or one client address without an account) may file in an
    /// hour (`REPORT_LIMIT_PER_HOUR`; 0: no limit).
    pub limit_per_hour: i64,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings {
            worker: true,
            lease_seconds: 120,
            poll_every: Duration::from_secs(60),
            demo_close_after: Duration::from_secs(120),
            limit_per_hour: 20,
        }
    }
}

fn read_settings(vars: &Vars<'_>) -> Result<AnySettings, SetupError> {
    let defaults = ReportSettings::default();
    let lease = seconds_var(vars, "REPORT_LEASE_SECONDS", 120)?.clamp(10, 3600);
    let limit_per_hour = match vars("REPORT_LIMIT_PER_HOUR") {
        Some(value) => value
            .trim()
            .parse::<i64>()
            .map_err(|_| SetupError::Setting {
                name: "REPORT_LIMIT_PER_HOUR",
                problem: format!("'{value}' is not a whole number"),
            })?
            .max(0),
        None => defaults.limit_per_hour,
    };
    Ok(Arc::new(ReportSettings {
        worker: switch_var(vars, "REPORT_WORKER", true),
        lease_seconds: i64::try_from(lease).unwrap_or(defaults.lease_seconds),
        poll_every: Duration::from_secs(
            seconds_var(vars, "REPORT_POLL_SECONDS", defaults.poll_every.as_secs())?.max(1),
        ),
        demo_close_after: Duration::from_secs(seconds_var(
            vars,
            "DEMO_DESK_CLOSE_AFTER_SECONDS",
            defaults.demo_close_after.as_secs(),
        )?),
        limit_per_hour,
    }))
}

/// One Open311 server hosts every demo desk, each under its provider id and offering the
/// categories config routes to it; each closes a request `demo_close_after` after it came.
async fn start_desks(demo: &DemoStart<'_>) -> Result<StartedSimulator, SetupError> {
    let close_after = demo.settings.get::<ReportSettings>().demo_close_after;
    let mut parts = DemoParts::default();
    let desks: HashMap<String, Arc<simulator::SimulatedDesk>> = demo
        .services_naming()
        .map(|(_, service)| {
            // Checked when config loaded; a desk whose options do not read offers everything.
            let options = Open311Options::read(&service.options).unwrap_or_default();
            let desk = simulator::SimulatedDesk::offering(
                options.jurisdiction.as_deref(),
                None,
                close_after,
                options.categories,
            );
            parts.insert(&service.provider_id, Arc::clone(&desk));
            (service.provider_id.clone(), desk)
        })
        .collect();
    demo.serve(|knobs| simulator::directory_router(&desks, knobs), parts)
        .await
}

fn build(assembly: &Assembly<'_>) -> Result<Arc<dyn ServiceHome>, SetupError> {
    let portal = assembly.portal;
    let settings = assembly.settings.get::<ReportSettings>();
    let store = Reports::new(portal.storage.clone(), portal.privacy.secret().clone());
    portal
        .health
        .register(ServiceKind::IncidentReports, Arc::new(store.clone()));
    let mut home = IncidentReports::new(Arc::clone(portal), store, settings.limit_per_hour)?;
    home.process = Some(Process {
        settings,
        public_url: assembly.public_url.clone(),
    });
    Ok(Arc::new(home))
}

/// What the workers of this process are started with.
#[derive(Clone, Debug)]
pub struct Process {
    pub settings: ReportSettings,
    pub public_url: url::Url,
}

#[async_trait::async_trait]
impl ServiceHome for IncidentReports {
    fn kind(&self) -> ServiceKind {
        ServiceKind::IncidentReports
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn page_backends(self: Arc<Self>, backends: &mut PageBackends) {
        backends.provide::<dyn ReportPages>(self);
    }

    fn routes(self: Arc<Self>, upload_deadline: Duration) -> ServiceRoutes {
        ServiceRoutes {
            forms: Some(routes::routes().with_state(Arc::clone(&self))),
            large: Some(routes::upload_routes(upload_deadline).with_state(self)),
        }
    }

    /// Reports filed from this browser before signing in are offered on "My reports".
    async fn landing_after_sign_in(&self, request: &http::HeaderMap) -> Option<&'static str> {
        let filed = crate::filed_here::tokens_in(request);
        match self.store.unclaimed(&filed).await {
            Ok(found) if !found.is_empty() => Some("/me/reports"),
            _ => None,
        }
    }

    /// On a shared phone, the next person is not offered the reports filed here before.
    fn forget_at_sign_out(&self) -> Vec<String> {
        vec![crate::filed_here::forgetting()]
    }

    async fn start_workers(self: Arc<Self>, workers: &Workers) -> Result<(), SetupError> {
        let Some(process) = self.process.clone().filter(|p| p.settings.worker) else {
            return Ok(());
        };
        let mut policy = DeliveryPolicy::default();
        policy.retry.lease_seconds = process.settings.lease_seconds;
        worker::spawn(
            self,
            process.public_url,
            worker::WorkerSettings {
                policy,
                poll_every: process.settings.poll_every,
                ..Default::default()
            },
            workers,
        )
        .await
        .map_err(|error| SetupError::Other(format!("cannot queue the desks' poll jobs: {error}")))
    }
}
