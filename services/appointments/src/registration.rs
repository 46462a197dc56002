//! Doctor appointments as the server wires it: its config, its hospitals' FHIR simulator,
//! its routes, its page backend and its hospitals' watch.

use std::{any::Any, collections::HashMap, sync::Arc, time::Duration};

use model::{pages::AppointmentPages, pages::PageBackends, ServiceKind};
use payments::{worker::WorkerSettings, Payments};
use portal_core::{
    jobs::worker::Workers,
    service::{
        Assembly, DemoParts, DemoStart, Registration, ServiceHome, ServiceRoutes, SetupError,
        SimulatorOffer, StartedSimulator,
    },
};

use crate::{fhir::HospitalOptions, routes, simulator, sync, DoctorAppointments, SERVICE};

pub const REGISTRATION: Registration = Registration {
    spec: SERVICE,
    simulators: &[SimulatorOffer {
        name: "fhir",
        start: |demo| Box::pin(start_hospitals(demo)),
    }],
    settings: None,
    build,
};

/// One FHIR server hosts every demo hospital under its provider id, its slots in its
/// city's time zone; the first hospital of each city charges a registration fee.
async fn start_hospitals(demo: &DemoStart<'_>) -> Result<StartedSimulator, SetupError> {
    let mut parts = DemoParts::default();
    let mut hospitals = HashMap::new();
    let mut in_city: HashMap<&str, usize> = HashMap::new();
    for (city, service) in demo.services_naming() {
        let number = in_city.entry(city.id.as_str()).or_default();
        // Checked when config loaded.
        let hold_minutes = HospitalOptions::read(&service.options).map_or(15, |o| o.hold_minutes);
        let hospital = simulator::SimulatedHospital::seeded(
            *number,
            &city.time_zone,
            *number == 0,
            hold_minutes,
        );
        *number += 1;
        parts.insert(&service.provider_id, Arc::clone(&hospital));
        hospitals.insert(service.provider_id.clone(), hospital);
    }
    demo.serve(
        |knobs| simulator::directory_router(&hospitals, knobs),
        parts,
    )
    .await
}

fn build(assembly: &Assembly<'_>) -> Result<Arc<dyn ServiceHome>, SetupError> {
    let payments = assembly.home::<Payments>("appointments", "payments")?;
    Ok(Arc::new(DoctorAppointments::new(
        Arc::clone(assembly.portal),
        payments,
    )?))
}

#[async_trait::async_trait]
impl ServiceHome for DoctorAppointments {
    fn kind(&self) -> ServiceKind {
        ServiceKind::Appointments
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn page_backends(self: Arc<Self>, backends: &mut PageBackends) {
        backends.provide::<dyn AppointmentPages>(self);
    }

    fn routes(self: Arc<Self>, _upload_deadline: Duration) -> ServiceRoutes {
        ServiceRoutes {
            forms: Some(routes::routes().with_state(self)),
            large: None,
        }
    }

    /// The hospitals are watched by the payments' workers' process.
    async fn start_workers(self: Arc<Self>, workers: &Workers) -> Result<(), SetupError> {
        if self.payments.settings.worker {
            let settings = WorkerSettings::default();
            sync::spawn(&self, settings.retry, settings.idle, workers);
        }
        Ok(())
    }
}
