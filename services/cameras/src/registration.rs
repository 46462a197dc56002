//! Traffic cameras as the server wires it: its config, its Open511 simulator, its routes
//! and its page backend.

use std::{any::Any, collections::HashMap, sync::Arc, time::Duration};

use model::{pages::CameraPages, pages::PageBackends, ServiceKind};
use portal_core::service::{
    Assembly, DemoParts, DemoStart, Registration, ServiceHome, ServiceRoutes, SetupError,
    SimulatorOffer, StartedSimulator,
};

use crate::{open511::CameraOptions, routes, simulator, TrafficCameras, SERVICE};

pub const REGISTRATION: Registration = Registration {
    spec: SERVICE,
    simulators: &[SimulatorOffer {
        name: "open511",
        start: |demo| Box::pin(start_cameras(demo)),
    }],
    settings: None,
    build,
};

/// One Open511 server hosts every demo city's cameras under its provider id, two in each
/// of the city's districts.
async fn start_cameras(demo: &DemoStart<'_>) -> Result<StartedSimulator, SetupError> {
    let mut parts = DemoParts::default();
    let mut jurisdictions = HashMap::new();
    for (city, service) in demo.services_naming() {
        // Checked when config loaded.
        let jurisdiction = CameraOptions::read(&service.options)
            .ok()
            .and_then(|o| o.jurisdiction)
            .unwrap_or_else(|| format!("{}.example.cn", city.id));
        let cameras = simulator::SimulatedCameras::seeded(
            &service.provider_id,
            &jurisdiction,
            &city.time_zone,
            &city.regions,
        );
        parts.insert(&service.provider_id, Arc::clone(&cameras));
        jurisdictions.insert(service.provider_id.clone(), cameras);
    }
    demo.serve(
        |knobs| simulator::directory_router(&jurisdictions, knobs),
        parts,
    )
    .await
}

fn build(assembly: &Assembly<'_>) -> Result<Arc<dyn ServiceHome>, SetupError> {
    Ok(Arc::new(TrafficCameras::new(Arc::clone(assembly.portal))?))
}

impl ServiceHome for TrafficCameras {
    fn kind(&self) -> ServiceKind {
        ServiceKind::TrafficCameras
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn page_backends(self: Arc<Self>, backends: &mut PageBackends) {
        backends.provide::<dyn CameraPages>(self);
    }

    fn routes(self: Arc<Self>, _upload_deadline: Duration) -> ServiceRoutes {
        ServiceRoutes {
            forms: Some(routes::routes().with_state(self)),
            large: None,
        }
    }
}
