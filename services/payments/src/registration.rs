//! Payments as the server wires it: its config, its WeChat Pay simulator (with the demo's
//! keys), its process settings, its routes, its page backend and its workers.

use std::{any::Any, sync::Arc, time::Duration};

use model::{pages::PageBackends, pages::PaymentPages, ServiceKind};
use portal_core::{
    jobs::worker::Workers,
    service::{
        switch_var, whole_var, AnySettings, Assembly, DemoParts, DemoStart, Registration,
        ServiceHome, ServiceRoutes, SetupError, SimulatorOffer, StartedSimulator, Vars,
    },
};

use crate::{
    routes, simulator, wechat_pay::keys::DemoKeys, worker, PaymentSettings, Payments, SERVICE,
};

/// The name config gives the WeChat Pay simulator (`simulator:wechatpay`).
pub const WECHATPAY: &str = "wechatpay";

pub const REGISTRATION: Registration = Registration {
    spec: SERVICE,
    simulators: &[SimulatorOffer {
        name: WECHATPAY,
        start: |demo| Box::pin(start_wechatpay(demo)),
    }],
    settings: Some(read_settings),
    build,
};

fn read_settings(vars: &Vars<'_>) -> Result<AnySettings, SetupError> {
    let defaults = PaymentSettings::default();
    let minutes = whole_var(vars, "PAYMENT_EXPIRE_MINUTES", 15, "minutes")?.clamp(5, 120);
    Ok(Arc::new(PaymentSettings {
        order_lifetime: Duration::from_secs(60 * minutes),
        worker: switch_var(vars, "PAYMENT_WORKER", true),
        demo_keys_dir: vars("DEMO_PAYMENT_KEYS_DIR")
            .map_or(defaults.demo_keys_dir, std::path::PathBuf::from),
        ..PaymentSettings::default()
    }))
}

/// The demo's WeChat Pay, with the demo's merchant and platform keys (made at its first
/// start): the keys are a part of the demo that payments' home is built with.
async fn start_wechatpay(demo: &DemoStart<'_>) -> Result<StartedSimulator, SetupError> {
    let dir = demo.settings.get::<PaymentSettings>().demo_keys_dir;
    let keys = DemoKeys::load_or_create(&dir).map_err(|e| SetupError::Other(e.to_string()))?;
    let wechatpay = simulator::SimulatedWechatPay::new(&keys);
    let mut parts = DemoParts::default();
    parts.insert("", Arc::new(keys));
    parts.insert("", Arc::clone(&wechatpay));
    demo.serve(|knobs| simulator::router(wechatpay, knobs), parts)
        .await
}

fn build(assembly: &Assembly<'_>) -> Result<Arc<dyn ServiceHome>, SetupError> {
    let keys = assembly.demo.get::<DemoKeys>("");
    Ok(Arc::new(Payments::new(
        Arc::clone(assembly.portal),
        assembly.public_url,
        assembly.settings.get::<PaymentSettings>(),
        keys.as_deref(),
    )?))
}

#[async_trait::async_trait]
impl ServiceHome for Payments {
    fn kind(&self) -> ServiceKind {
        ServiceKind::Payments
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn page_backends(self: Arc<Self>, backends: &mut PageBackends) {
        backends.provide::<dyn PaymentPages>(self);
    }

    fn routes(self: Arc<Self>, _upload_deadline: Duration) -> ServiceRoutes {
        ServiceRoutes {
            forms: Some(routes::routes().with_state(self)),
            large: None,
        }
    }

    fn form_origins(&self) -> Vec<String> {
        self.page_origins()
    }

    async fn start_workers(self: Arc<Self>, workers: &Workers) -> Result<(), SetupError> {
        if self.settings.worker {
            worker::spawn(&self, &worker::WorkerSettings::default(), workers);
        }
        Ok(())
    }
}
