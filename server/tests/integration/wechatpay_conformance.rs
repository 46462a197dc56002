//! The WeChat Pay API v3 simulator against the protocol's own rules, not against our adapter:
//! requests are signed and answers verified with the protocol's signing strings alone, and
//! bodies are the shapes of the protocol's documentation (H5 下单, 查询订单, 申请退款, 支付通知).

use std::sync::Arc;

use serde_json::{json, Value};
use server::{
    services::payments::{
        simulator::{self as wechatpay, SimulatedWechatPay},
        wechat_pay::{
            crypto::{self, Authorization},
            keys::{DemoKeys, DEMO_APP_ID, DEMO_MCHID},
        },
    },
    simulators::{self, faults::FaultKnobs},
};

pub(crate) struct Platform {
    pub(crate) keys: DemoKeys,
    pub(crate) simulator: Arc<SimulatedWechatPay>,
    pub(crate) base: String,
}

/// The simulator with the demo merchant's keys; its base URL without a trailing slash.
pub(crate) async fn platform() -> Platform {
    let keys =
        DemoKeys::load_or_create(&std::env::temp_dir().join("city-portal-test-payment-keys"))
            .expect("the demo's keys");
    let simulator = SimulatedWechatPay::new(&keys);
    let knobs = FaultKnobs::new();
    let router = wechatpay::router(Arc::clone(&simulator), Arc::clone(&knobs));
    let running = simulators::serve("wechatpay", router, knobs)
        .await
        .expect("listens");
    Platform {
        keys,
        simulator,
        base: running
            .base_url
            .to_string()
            .trim_end_matches('/')
            .to_owned(),
    }
}

impl Platform {
    /// A merchant's request, signed as the protocol says (签名生成): method, path, timestamp,
    /// nonce and body, each on a line.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> reqwest::Response {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let timestamp = jiff::Timestamp::now().as_second();
        let nonce = crypto::nonce();
        let message = crypto::request_message(method, path, timestamp, &nonce, &body);
        let authorization = Authorization {
            mchid: DEMO_MCHID.into(),
            nonce_str: nonce,
            signature: self.keys.merchant.sign(&message),
            timestamp: timestamp.to_string(),
            serial_no: self.keys.merchant.public().fingerprint(),
        };
        let client = reqwest::Client::new();
        let request = match method {
            "POST" => client.post(format!("{}{path}", self.base)).body(body),
            _ => client.get(format!("{}{path}", self.base)),
        };
        request
            .header("authorization", authorization.header())
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .send()
            .await
            .expect("answer")
    }

    /// An answer's body, once its signature (签名验证) checked out with every header the
    /// platform sends beside it.
    async fn verified(&self, response: reqwest::Response) -> (u16, Value) {
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .unwrap_or_else(|| panic!("the answer has no {name}"))
        };
        assert_eq!(
            header("wechatpay-signature-type"),
            "WECHATPAY2-SHA256-RSA2048"
        );
        assert!(!header("wechatpay-serial").is_empty());
        let (timestamp, nonce, signature) = (
            header("wechatpay-timestamp"),
            header("wechatpay-nonce"),
            header("wechatpay-signature"),
        );
        let body = response.text().await.expect("body");
        self.keys
            .platform
            .public()
            .verify(
                &crypto::answer_message(&timestamp, &nonce, &body),
                &signature,
            )
            .expect("the platform's signature");
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }
}

/// H5 下单 with only what the protocol requires: no `time_expire`, no `amount.currency`.
fn minimal_order(no: &str) -> Value {
    json!({
        "appid": DEMO_APP_ID,
        "mchid": DEMO_MCHID,
        "description": "Image形象店-深圳腾大-QQ公仔",
        "out_trade_no": no,
        "notify_url": "https://www.weixin.qq.com/wxpay/pay.php",
        "amount": { "total": 100 },
        "scene_info": { "payer_client_ip": "14.23.150.211", "h5_info": { "type": "Wap" } }
    })
}

#[tokio::test]
async fn an_order_needs_only_what_the_protocol_requires_and_every_answer_is_signed_in_full() {
    let platform = platform().await;
    let (status, answer) = platform
        .verified(
            platform
                .call(
                    "POST",
                    "/v3/pay/transactions/h5",
                    Some(minimal_order("conf1217752501201")),
                )
                .await,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer["h5_url"].is_string(), "{answer}");
    let (status, order) = platform
        .verified(
            platform
                .call(
                    "GET",
                    &format!(
                        "/v3/pay/transactions/out-trade-no/conf1217752501201?mchid={DEMO_MCHID}"
                    ),
                    None,
                )
                .await,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(order["trade_state"], "NOTPAY");
    assert!(
        order["trade_state_desc"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{order}"
    );
    assert_eq!(order["amount"]["currency"], "CNY", "the default currency");
}

#[tokio::test]
async fn a_refund_names_the_order_by_transaction_id_and_needs_no_reason_or_notify_url() {
    let platform = platform().await;
    let no = "conf1217752501202";
    platform
        .call("POST", "/v3/pay/transactions/h5", Some(minimal_order(no)))
        .await;
    assert!(platform.simulator.pay(no));
    let query = format!("/v3/pay/transactions/out-trade-no/{no}?mchid={DEMO_MCHID}");
    let (_, paid) = platform
        .verified(platform.call("GET", &query, None).await)
        .await;
    let transaction = paid["transaction_id"].as_str().expect("paid").to_owned();
    let (status, refund) = platform
        .verified(
            platform
                .call(
                    "POST",
                    "/v3/refund/domestic/refunds",
                    Some(json!({
                        "transaction_id": transaction,
                        "out_refund_no": "conf-refund-1",
                        "amount": { "refund": 100, "total": 100, "currency": "CNY" }
                    })),
                )
                .await,
        )
        .await;
    assert_eq!(status, 200, "{refund}");
    assert_eq!(refund["out_trade_no"], no);
    assert_eq!(refund["transaction_id"], transaction.as_str());
    for field in [
        "refund_id",
        "channel",
        "user_received_account",
        "create_time",
        "status",
        "funds_account",
    ] {
        assert!(
            refund[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {refund}"
        );
    }
}

#[tokio::test]
async fn a_payment_notice_carries_the_whole_transaction_and_a_summary() {
    let platform = platform().await;
    let no = "conf1217752501203";
    platform
        .call("POST", "/v3/pay/transactions/h5", Some(minimal_order(no)))
        .await;
    assert!(platform.simulator.pay(no));
    let notice: Value = serde_json::from_str(&platform.simulator.notification(
        "TRANSACTION.SUCCESS",
        "transaction",
        no,
    ))
    .expect("JSON");
    assert!(
        notice["summary"].as_str().is_some_and(|s| !s.is_empty()),
        "{notice}"
    );
    let resource = &notice["resource"];
    let plain = platform
        .keys
        .apiv3
        .decrypt(
            resource["nonce"].as_str().expect("nonce"),
            resource["associated_data"]
                .as_str()
                .expect("associated_data"),
            resource["ciphertext"].as_str().expect("ciphertext"),
        )
        .expect("decrypts under the APIv3 key");
    let transaction: Value = serde_json::from_slice(&plain).expect("JSON");
    for field in [
        "appid",
        "mchid",
        "out_trade_no",
        "transaction_id",
        "trade_type",
        "trade_state",
        "trade_state_desc",
        "success_time",
    ] {
        assert!(transaction[field].is_string(), "{field}: {transaction}");
    }
    assert_eq!(transaction["amount"]["total"], 100);
}
