//! Utility bills as the server wires it: its config, its billers' simulator, its routes
//! (with its Provider API's OpenAPI document), its page backend and its reporting worker.

use std::{any::Any, collections::HashMap, sync::Arc, time::Duration};

use axum::{http::header, routing::get};
use model::{pages::BillPages, pages::PageBackends, ServiceKind};
use payments::{worker::WorkerSettings, Payments};
use portal_core::{
    jobs::worker::Workers,
    service::{
        Assembly, DemoParts, DemoStart, Registration, ServiceHome, ServiceRoutes, SetupError,
        SimulatorOffer, StartedSimulator,
    },
};

use crate::{
    provider_api::{self, BillerOptions},
    report, routes, simulator, UtilityBills, SERVICE,
};

pub const REGISTRATION: Registration = Registration {
    spec: SERVICE,
    simulators: &[SimulatorOffer {
        name: "bills",
        start: |demo| Box::pin(start_billers(demo)),
    }],
    settings: None,
    build,
};

/// One Provider API for bills server hosts every demo biller under its provider id, with
/// accounts of its utility; its key is this run's own, which the registry hands to the
/// billers' adapters.
async fn start_billers(demo: &DemoStart<'_>) -> Result<StartedSimulator, SetupError> {
    let mut parts = DemoParts::default();
    let billers: HashMap<String, Arc<simulator::SimulatedBiller>> = demo
        .services_naming()
        .map(|(_, service)| {
            // Checked when config loaded.
            let utility = BillerOptions::read(&service.options)
                .map_or_else(|_| "electricity".to_owned(), |o| o.utility);
            let biller = simulator::SimulatedBiller::seeded(&utility);
            parts.insert(&service.provider_id, Arc::clone(&biller));
            (service.provider_id.clone(), biller)
        })
        .collect();
    let api_key = uuid::Uuid::new_v4().simple().to_string();
    let mut started = demo
        .serve(
            |knobs| simulator::directory_router(&billers, &api_key, knobs),
            parts,
        )
        .await?;
    started.running.api_key = Some(api_key);
    Ok(started)
}

fn build(assembly: &Assembly<'_>) -> Result<Arc<dyn ServiceHome>, SetupError> {
    let payments = assembly.home::<Payments>("bills", "payments")?;
    Ok(Arc::new(UtilityBills::new(
        Arc::clone(assembly.portal),
        payments,
    )?))
}

#[async_trait::async_trait]
impl ServiceHome for UtilityBills {
    fn kind(&self) -> ServiceKind {
        ServiceKind::UtilityBills
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn page_backends(self: Arc<Self>, backends: &mut PageBackends) {
        backends.provide::<dyn BillPages>(self);
    }

    fn routes(self: Arc<Self>, _upload_deadline: Duration) -> ServiceRoutes {
        let document = get(|| async {
            (
                [(header::CONTENT_TYPE, "application/json")],
                provider_api::OPENAPI,
            )
        });
        ServiceRoutes {
            forms: Some(
                routes::routes()
                    .route(provider_api::OPENAPI_PATH, document)
                    .with_state(self),
            ),
            large: None,
        }
    }

    /// Bills are reported to the billers by the payments' workers' process.
    async fn start_workers(self: Arc<Self>, workers: &Workers) -> Result<(), SetupError> {
        if self.payments.settings.worker {
            let settings = WorkerSettings::default();
            report::spawn(&self, settings.retry, settings.idle, workers);
        }
        Ok(())
    }
}
