//! WeChat Pay for the burst commands: the simulator in the command's own process (so its
//! ledger outlives the server's deaths), with the merchant's keys handed to the server in
//! its environment, as a real deployment's would be.

use std::{path::Path, sync::Arc};

use sqlx::Row;

use server::{
    services::payments::{
        simulator::{self as wechatpay, Behaviour, SimulatedWechatPay},
        wechat_pay::keys::{platform_key_id, DemoKeys, DEMO_APP_ID, DEMO_MCHID},
    },
    simulators::{self, faults::FaultKnobs, RunningSimulator},
};

pub struct BurstWechatPay {
    pub platform: Arc<SimulatedWechatPay>,
    pub running: RunningSimulator,
    /// The variables the server reads the merchant's keys from.
    pub environment: Vec<(&'static str, String)>,
}

impl BurstWechatPay {
    /// Makes the keys under `keys_dir` and serves the simulator.
    pub async fn start(keys_dir: &Path, behaviour: Behaviour) -> anyhow::Result<BurstWechatPay> {
        let keys = DemoKeys::load_or_create(keys_dir)?;
        let platform = SimulatedWechatPay::new(&keys);
        platform.set_behaviour(behaviour);
        let knobs = FaultKnobs::new();
        let running = simulators::serve(
            "wechatpay",
            wechatpay::router(Arc::clone(&platform), Arc::clone(&knobs)),
            knobs,
        )
        .await?;
        let credentials = keys.credentials();
        let environment = vec![
            ("BURST_MCHID", DEMO_MCHID.to_owned()),
            ("BURST_SERIAL", credentials.merchant_serial.clone()),
            ("BURST_KEY", keys.merchant.to_pem()?),
            ("BURST_APIV3", keys.apiv3.as_text()),
            ("BURST_PLATFORM", keys.platform.public().to_pem()?),
            ("BURST_PLATFORM_ID", platform_key_id(&keys.platform)),
        ];
        Ok(BurstWechatPay {
            platform,
            running,
            environment,
        })
    }

    /// The city file's `[[services]]` entry of the payment provider.
    pub fn config(&self) -> String {
        format!(
            "[[services]]\nservice = \"payments\"\nprovider = \"burst-wechatpay\"\n\
             adapter = \"wechatpay-v3\"\nbase_url = \"{}\"\nregions = [\"*\"]\n\
             timeout_ms = 3000\n\
             [services.options]\napp_id = \"{DEMO_APP_ID}\"\nmerchant_id_env = \"BURST_MCHID\"\n\
             merchant_serial_env = \"BURST_SERIAL\"\nmerchant_key_env = \"BURST_KEY\"\n\
             apiv3_key_env = \"BURST_APIV3\"\nplatform_key_env = \"BURST_PLATFORM\"\n\
             platform_key_id_env = \"BURST_PLATFORM_ID\"\n",
            self.running.base_url
        )
    }
}

/// Open orders, and how many of them the provider took money for.
pub async fn open_orders(
    db: &mut sqlx::AnyConnection,
    platform: &SimulatedWechatPay,
) -> Result<(usize, usize), sqlx::Error> {
    let open: Vec<String> = sqlx::query("SELECT out_trade_no FROM payments WHERE state = 'open'")
        .fetch_all(db)
        .await?
        .iter()
        .map(|r| r.try_get("out_trade_no"))
        .collect::<Result<_, _>>()?;
    let charges = platform.charges();
    let taken = open
        .iter()
        .filter(|order| {
            charges
                .iter()
                .any(|c| c.order_no == **order && matches!(c.state.as_str(), "SUCCESS" | "REFUND"))
        })
        .count();
    Ok((open.len(), taken))
}
