//! A WeChat Pay API v3 simulator for the demo and the tests: the merchant API (H5 order,
//! query, close, refunds), checked against the merchant's key and answered under its own
//! platform key; a hosted payment page (pay, decline, cancel, or leave); notifications,
//! signed and encrypted, posted to the order's `notify_url`. Its clock can be moved, it can
//! keep saying `NOTPAY` for a while after a payment (as the real one does), drop or repeat
//! its notifications, and it sits behind the shared fault knobs.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    body::Bytes,
    extract::{OriginalUri, Path, Query, State},
    http::{HeaderMap, Method, StatusCode},
    middleware,
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Router,
};
use serde::Deserialize;

use crate::wechat_pay::{
    crypto::{self, ApiV3Key, Authorization, KeyPair, PublicKey},
    keys::{platform_key_id, DemoKeys, DEMO_APP_ID, DEMO_MCHID},
    wire,
};
use model::{Locale, Money};
use portal_core::{
    clock::Clock,
    simulators::faults::{apply_faults, FaultKnobs},
};

/// What the simulator does with its notifications.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NoticeMode {
    /// Posts each once (again after a failure, a few times).
    #[default]
    Send,
    /// Never posts: the portal must find out by asking.
    Drop,
    /// Posts each this many times.
    Repeat(u8),
}

/// The simulator's own knobs, beside the shared fault knobs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Behaviour {
    /// After a payment, queries still say `NOTPAY` for this long.
    pub notpay_for: Duration,
    pub notices: NoticeMode,
    /// A refund stays `PROCESSING` this long.
    pub refund_takes: Duration,
    /// Orders and refunds are recorded at once but answered this late: past the portal's
    /// timeout, the answer is lost after the provider acted.
    pub answer_after: Duration,
    /// Every close is refused (a 400), whatever the order's state.
    pub closes_refused: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TradeState {
    NotPay,
    Success,
    Closed,
    PayError,
    Refund,
}

impl TradeState {
    /// `trade_state_desc`, in WeChat Pay's words.
    fn description(self) -> &'static str {
        match self {
            TradeState::NotPay => "订单未支付",
            TradeState::Success => "支付成功",
            TradeState::Closed => "订单已关闭",
            TradeState::PayError => "支付失败，请重新下单支付",
            TradeState::Refund => "转入退款",
        }
    }

    fn code(self) -> &'static str {
        match self {
            TradeState::NotPay => "NOTPAY",
            TradeState::Success => "SUCCESS",
            TradeState::Closed => "CLOSED",
            TradeState::PayError => "PAYERROR",
            TradeState::Refund => "REFUND",
        }
    }
}

#[derive(Clone, Debug)]
struct Order {
    body: wire::H5Order,
    prepay_id: String,
    state: TradeState,
    transaction_id: Option<String>,
    paid_at: Option<i64>,
    expires_at: i64,
}

#[derive(Clone, Debug)]
struct RefundRecord {
    refund: wire::Refund,
    completes_at: i64,
}

#[derive(Default)]
struct Ledger {
    orders: HashMap<String, Order>,
    by_prepay: HashMap<String, String>,
    refunds: HashMap<String, RefundRecord>,
}

/// A charge as the simulator's ledger holds it (for the tests' and the burst's reckoning).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerCharge {
    pub order_no: String,
    pub total: i64,
    /// SUCCESS, REFUND, NOTPAY, CLOSED or PAYERROR, as a query made now would not hide it.
    pub state: String,
    /// Refunded so far, in fen.
    pub refunded: i64,
}

/// A notification the simulator posted, and what came back.
#[derive(Clone, Debug)]
pub struct SentNotice {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The portal's status, or `None` when it could not be reached.
    pub status: Option<u16>,
}

/// One simulated WeChat Pay platform and its one merchant.
pub struct SimulatedWechatPay {
    platform: KeyPair,
    platform_id: String,
    merchant: PublicKey,
    merchant_serial: String,
    apiv3: ApiV3Key,
    ledger: Mutex<Ledger>,
    clock: Clock,
    behaviour: Mutex<Behaviour>,
    sent: Mutex<Vec<SentNotice>>,
    /// Requests for a payment page (`POST /v3/pay/transactions/h5`) received.
    page_requests: std::sync::atomic::AtomicU64,
    http: reqwest::Client,
}

impl SimulatedWechatPay {
    pub fn new(keys: &DemoKeys) -> Arc<SimulatedWechatPay> {
        Arc::new(SimulatedWechatPay {
            platform_id: platform_key_id(&keys.platform),
            platform: keys.platform.clone(),
            merchant_serial: keys.merchant.public().fingerprint(),
            merchant: keys.merchant.public(),
            apiv3: keys.apiv3.clone(),
            ledger: Mutex::default(),
            clock: Clock::adjustable(),
            behaviour: Mutex::default(),
            sent: Mutex::default(),
            page_requests: std::sync::atomic::AtomicU64::new(0),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
        })
    }

    /// How many requests for a payment page (`POST /v3/pay/transactions/h5`) it received.
    pub fn page_requests(&self) -> u64 {
        self.page_requests
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The simulator's clock: the real one, moved by [`SimulatedWechatPay::advance`].
    pub fn now(&self) -> i64 {
        self.clock.seconds()
    }

    /// Moves the simulator's clock forward (orders expire, refunds complete).
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    pub fn set_behaviour(&self, behaviour: Behaviour) {
        *lock(&self.behaviour) = behaviour;
    }

    fn behaviour(&self) -> Behaviour {
        *lock(&self.behaviour)
    }

    /// Every charge in the ledger.
    pub fn charges(&self) -> Vec<LedgerCharge> {
        let ledger = lock(&self.ledger);
        let mut charges: Vec<LedgerCharge> = ledger
            .orders
            .iter()
            .map(|(order_no, order)| LedgerCharge {
                order_no: order_no.clone(),
                total: order.body.amount.total,
                state: order.state.code().to_owned(),
                refunded: ledger
                    .refunds
                    .values()
                    .filter(|r| &r.refund.out_trade_no == order_no)
                    .map(|r| r.refund.amount.refund)
                    .sum(),
            })
            .collect();
        charges.sort_by(|a, b| a.order_no.cmp(&b.order_no));
        charges
    }

    /// The notifications posted so far.
    pub fn sent(&self) -> Vec<SentNotice> {
        lock(&self.sent).clone()
    }

    /// Pays an order as the resident would on the hosted page (tests without a browser).
    pub fn pay(self: &Arc<Self>, order_no: &str) -> bool {
        self.act_on(order_no, PageAction::Pay)
    }

    /// Declines an order's payment as a bank would (`PAYERROR`), on the hosted page.
    pub fn decline(self: &Arc<Self>, order_no: &str) -> bool {
        self.act_on(order_no, PageAction::Decline)
    }

    fn act_on(self: &Arc<Self>, order_no: &str, action: PageAction) -> bool {
        let prepay = lock(&self.ledger)
            .orders
            .get(order_no)
            .map(|o| o.prepay_id.clone());
        prepay.is_some_and(|prepay| self.act(&prepay, action).is_ok())
    }

    /// Signs an answer as the platform does.
    fn signed(&self, status: StatusCode, body: String) -> Response {
        let headers = self.signed_headers(&body, self.now());
        let mut response = (status, body).into_response();
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(&value),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }

    fn json(&self, status: StatusCode, value: &impl serde::Serialize) -> Response {
        self.signed(status, serde_json::to_string(value).unwrap_or_default())
    }

    fn refuse(&self, Refusal(status, code, message): Refusal) -> Response {
        self.error(status, code, message)
    }

    fn error(&self, status: StatusCode, code: &str, message: &str) -> Response {
        self.json(
            status,
            &wire::ErrorAnswer {
                code: code.into(),
                message: message.into(),
            },
        )
    }

    /// Checks a merchant request's `Authorization`: its merchant, key, freshness and
    /// signature over exactly what was sent.
    fn authenticate(
        &self,
        method: &Method,
        uri: &http::Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), Refusal> {
        let refuse =
            |message: &'static str| Refusal(StatusCode::UNAUTHORIZED, "SIGN_ERROR", message);
        let authorization = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(Authorization::parse)
            .ok_or_else(|| refuse("missing or malformed Authorization"))?;
        if authorization.mchid != DEMO_MCHID || authorization.serial_no != self.merchant_serial {
            return Err(refuse("unknown merchant or key"));
        }
        crypto::check_fresh(&authorization.timestamp, jiff::Timestamp::now().as_second())
            .map_err(|_| refuse("timestamp too far from now"))?;
        let body = std::str::from_utf8(body).map_err(|_| refuse("body is not UTF-8"))?;
        let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
        let timestamp: i64 = authorization.timestamp.parse().unwrap_or_default();
        let message = crypto::request_message(
            method.as_str(),
            path,
            timestamp,
            &authorization.nonce_str,
            body,
        );
        self.merchant
            .verify(&message, &authorization.signature)
            .map_err(|_| refuse("signature does not verify"))
    }

    /// The order's state as a query answers it now.
    fn visible_state(&self, order: &Order) -> TradeState {
        let hidden = self.behaviour().notpay_for.as_secs();
        match (order.state, order.paid_at) {
            (TradeState::Success, Some(paid_at))
                if self.now() < paid_at + i64::try_from(hidden).unwrap_or(i64::MAX / 4) =>
            {
                TradeState::NotPay
            }
            (state, _) => state,
        }
    }

    fn transaction(&self, order_no: &str, order: &Order) -> wire::Transaction {
        let state = self.visible_state(order);
        let paid = matches!(state, TradeState::Success | TradeState::Refund);
        wire::Transaction {
            mchid: DEMO_MCHID.into(),
            out_trade_no: order_no.into(),
            transaction_id: order.transaction_id.clone().filter(|_| paid),
            trade_state: state.code().into(),
            trade_state_desc: state.description().into(),
            success_time: order
                .paid_at
                .filter(|_| paid)
                .and_then(|at| jiff::Timestamp::from_second(at).ok())
                .map(|at| at.to_string()),
            amount: Some(wire::TransactionAmount {
                total: order.body.amount.total,
                payer_total: paid.then_some(order.body.amount.total),
                currency: order.body.amount.currency.clone(),
            }),
        }
    }

    fn refund_now(&self, record: &RefundRecord) -> wire::Refund {
        let mut refund = record.refund.clone();
        if refund.status == "PROCESSING" && self.now() >= record.completes_at {
            refund.status = "SUCCESS".into();
            refund.success_time = Some(rfc3339_china(record.completes_at));
        }
        refund
    }

    /// What the resident did on the hosted page.
    fn act(self: &Arc<Self>, prepay_id: &str, action: PageAction) -> Result<(), &'static str> {
        let now = self.now();
        let notice = {
            let mut ledger = lock(&self.ledger);
            let order_no = ledger
                .by_prepay
                .get(prepay_id)
                .cloned()
                .ok_or("unknown order")?;
            let order = ledger.orders.get_mut(&order_no).ok_or("unknown order")?;
            // A declined attempt leaves the order payable (another card), until it is closed.
            if !matches!(order.state, TradeState::NotPay | TradeState::PayError) {
                return Err("this order is no longer open");
            }
            if now > order.expires_at {
                return Err("this order has expired");
            }
            match action {
                PageAction::Pay => {
                    order.state = TradeState::Success;
                    order.paid_at = Some(now);
                    order.transaction_id = Some(format!(
                        "42000{}",
                        &uuid::Uuid::new_v4().simple().to_string()[..23]
                    ));
                    Some((order.body.notify_url.clone(), order_no.clone(), order.state))
                }
                PageAction::Decline => {
                    order.state = TradeState::PayError;
                    None
                }
                PageAction::Cancel => None,
            }
        };
        if let Some((url, order_no, _)) = notice {
            self.notify(
                url,
                "TRANSACTION.SUCCESS",
                "transaction",
                &order_no,
                Duration::ZERO,
            );
        }
        Ok(())
    }

    /// Posts a notification about `order_no` after `delay`, as the behaviour says.
    fn notify(
        self: &Arc<Self>,
        url: String,
        event: &'static str,
        original_type: &'static str,
        order_no: &str,
        delay: Duration,
    ) {
        let times = match self.behaviour().notices {
            NoticeMode::Drop => return,
            NoticeMode::Send => 1,
            NoticeMode::Repeat(times) => times,
        };
        let simulator = Arc::clone(self);
        let body = self.notification(event, original_type, order_no);
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            for _ in 0..times {
                // A notification that is not acknowledged is sent again, a few times.
                for retry in 0..3_u64 {
                    if simulator.post_notice(&url, &body).await {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(500 * (retry + 1))).await;
                }
            }
        });
    }

    /// A notification's body about `order_no`: its resource encrypted under the merchant's
    /// APIv3 key, as the platform makes it.
    pub fn notification(&self, event: &str, original_type: &str, order_no: &str) -> String {
        let resource = self.notice_resource(original_type, order_no);
        let nonce: String = crypto::nonce().chars().take(12).collect();
        let ciphertext = self
            .apiv3
            .encrypt(&nonce, original_type, resource.to_string().as_bytes())
            .unwrap_or_default();
        let notification = wire::Notification {
            id: uuid::Uuid::new_v4().to_string(),
            create_time: jiff::Timestamp::now().to_string(),
            event_type: event.into(),
            resource_type: "encrypt-resource".into(),
            summary: match event {
                "TRANSACTION.SUCCESS" => "支付成功",
                "REFUND.SUCCESS" => "退款成功",
                "REFUND.CLOSED" => "退款关闭",
                _ => "退款异常",
            }
            .into(),
            resource: wire::Resource {
                algorithm: "AEAD_AES_256_GCM".into(),
                ciphertext,
                associated_data: original_type.into(),
                original_type: original_type.into(),
                nonce,
            },
        };
        serde_json::to_string(&notification).unwrap_or_default()
    }

    /// What a notification's resource decrypts to, as WeChat Pay sends it: the whole
    /// transaction, or the whole refund (the order's latest).
    fn notice_resource(&self, original_type: &str, order_no: &str) -> serde_json::Value {
        let ledger = lock(&self.ledger);
        let Some(order) = ledger.orders.get(order_no) else {
            return serde_json::json!({ "mchid": DEMO_MCHID, "out_trade_no": order_no });
        };
        let transaction = self.transaction(order_no, order);
        if original_type == "refund" {
            let refund = ledger
                .refunds
                .values()
                .filter(|r| r.refund.out_trade_no == order_no)
                .max_by_key(|r| r.completes_at);
            if let Some(record) = refund {
                let refund = self.refund_now(record);
                return serde_json::json!({
                    "mchid": DEMO_MCHID,
                    "out_trade_no": order_no,
                    "transaction_id": transaction.transaction_id,
                    "out_refund_no": refund.out_refund_no,
                    "refund_id": refund.refund_id,
                    "refund_status": refund.status,
                    "success_time": refund.success_time,
                    "user_received_account": refund.user_received_account,
                    "amount": {
                        "total": refund.amount.total,
                        "refund": refund.amount.refund,
                        "payer_total": refund.amount.total,
                        "payer_refund": refund.amount.refund,
                    },
                });
            }
        }
        let mut whole = serde_json::to_value(&transaction).unwrap_or_default();
        if let Some(fields) = whole.as_object_mut() {
            fields.insert("appid".into(), DEMO_APP_ID.into());
            fields.insert("trade_type".into(), "MWEB".into());
            fields.insert("bank_type".into(), "OTHERS".into());
            fields.insert("attach".into(), "".into());
            fields.insert(
                "payer".into(),
                serde_json::json!({ "openid": "demo-payer" }),
            );
        }
        whole
    }

    /// The headers that sign `body` as sent at `timestamp` (seconds).
    pub fn signed_headers(&self, body: &str, timestamp: i64) -> Vec<(String, String)> {
        let timestamp = timestamp.to_string();
        let nonce = crypto::nonce();
        vec![
            (crypto::TIMESTAMP.to_owned(), timestamp.clone()),
            (crypto::NONCE.to_owned(), nonce.clone()),
            (
                crypto::SIGNATURE.to_owned(),
                self.platform
                    .sign(&crypto::answer_message(&timestamp, &nonce, body)),
            ),
            (crypto::SERIAL.to_owned(), self.platform_id.clone()),
            (
                crypto::SIGNATURE_TYPE.to_owned(),
                crypto::RSA_SHA256.to_owned(),
            ),
            ("content-type".to_owned(), "application/json".to_owned()),
        ]
    }

    async fn post_notice(&self, url: &str, body: &str) -> bool {
        let headers = self.signed_headers(body, jiff::Timestamp::now().as_second());
        let mut request = self.http.post(url).body(body.to_owned());
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        let status = request.send().await.ok().map(|r| r.status().as_u16());
        lock(&self.sent).push(SentNotice {
            url: url.to_owned(),
            headers,
            body: body.to_owned(),
            status,
        });
        status.is_some_and(|s| (200..300).contains(&s))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An error answer: status, the protocol's code, and its message.
struct Refusal(StatusCode, &'static str, &'static str);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PageAction {
    Pay,
    Decline,
    Cancel,
}

/// The simulator's routes: the merchant API behind the fault knobs, and the hosted page.
pub fn router(simulator: Arc<SimulatedWechatPay>, knobs: Arc<FaultKnobs>) -> Router {
    let api = Router::new()
        .route("/v3/pay/transactions/h5", post(open_h5))
        .route("/v3/pay/transactions/out-trade-no/{no}", get(query_order))
        .route(
            "/v3/pay/transactions/out-trade-no/{no}/close",
            post(close_order),
        )
        .route("/v3/refund/domestic/refunds", post(open_refund))
        .route("/v3/refund/domestic/refunds/{no}", get(query_refund))
        .layer(middleware::from_fn_with_state(knobs, apply_faults));
    Router::new()
        .route(
            "/cgi-bin/mmpayweb-bin/checkmweb",
            get(payment_page).post(page_action),
        )
        .merge(api)
        .with_state(simulator)
}

type Sim = State<Arc<SimulatedWechatPay>>;

fn is_order_no(text: &str) -> bool {
    (6..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-|*".contains(&b))
}

async fn open_h5(
    State(sim): Sim,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.page_requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Err(refusal) = sim.authenticate(&method, &uri, &headers, &body) {
        return sim.refuse(refusal);
    }
    let Ok(order) = serde_json::from_slice::<wire::H5Order>(&body) else {
        return sim.error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "body is not an H5 order",
        );
    };
    // Without a `time_expire`, the platform's own default: two hours.
    let expires_at = match &order.time_expire {
        Some(at) => at.parse::<jiff::Timestamp>().map(|t| t.as_second()),
        None => Ok(sim.now() + DEFAULT_ORDER_SECONDS),
    };
    let problem = if order.mchid != DEMO_MCHID || order.appid != DEMO_APP_ID {
        Some("mchid and appid do not match")
    } else if !is_order_no(&order.out_trade_no) {
        Some("out_trade_no: 6 to 32 letters, digits or _-|*")
    } else if order.amount.total <= 0 || order.amount.currency != "CNY" {
        Some("amount: a positive total in CNY")
    } else if order.description.is_empty() || order.description.len() > 127 {
        Some("description: 1 to 127 bytes")
    } else if expires_at.is_err() {
        Some("time_expire: RFC 3339")
    } else if expires_at.as_ref().is_ok_and(|at| *at < sim.now()) {
        Some("time_expire: already past")
    } else if url::Url::parse(&order.notify_url).is_err() {
        Some("notify_url: a URL")
    } else {
        None
    };
    if let Some(problem) = problem {
        return sim.error(StatusCode::BAD_REQUEST, "PARAM_ERROR", problem);
    }
    let host = headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    // A first order is recorded, then answered (maybe late); a repeated one answered at once.
    let recorded = record_order(&sim, order, expires_at.unwrap_or_default());
    let prepay_id = match recorded {
        Ok(Recorded::New(prepay_id)) => {
            tokio::time::sleep(sim.behaviour().answer_after).await;
            prepay_id
        }
        Ok(Recorded::Again(prepay_id)) => prepay_id,
        Err(refusal) => return sim.refuse(refusal),
    };
    sim.json(
        StatusCode::OK,
        &wire::H5Answer {
            h5_url: page_url(&host, &prepay_id),
        },
    )
}

enum Recorded {
    New(String),
    /// The same order sent again: its first prepay id.
    Again(String),
}

/// Records an H5 order, or finds the same one sent before.
fn record_order(
    sim: &SimulatedWechatPay,
    order: wire::H5Order,
    expires_at: i64,
) -> Result<Recorded, Refusal> {
    let mut ledger = lock(&sim.ledger);
    if let Some(existing) = ledger.orders.get(&order.out_trade_no) {
        return match existing.state {
            TradeState::Success | TradeState::Refund => Err(Refusal(
                StatusCode::BAD_REQUEST,
                "ORDERPAID",
                "the order is paid",
            )),
            TradeState::Closed => Err(Refusal(
                StatusCode::BAD_REQUEST,
                "ORDERCLOSED",
                "the order is closed",
            )),
            _ if existing.body.amount != order.amount
                || existing.body.description != order.description =>
            {
                Err(Refusal(
                    StatusCode::BAD_REQUEST,
                    "INVALID_REQUEST",
                    "out_trade_no was used with other parameters",
                ))
            }
            _ => Ok(Recorded::Again(existing.prepay_id.clone())),
        };
    }
    let prepay_id = format!("wx{}", uuid::Uuid::new_v4().simple());
    let out_trade_no = order.out_trade_no.clone();
    ledger
        .by_prepay
        .insert(prepay_id.clone(), out_trade_no.clone());
    ledger.orders.insert(
        out_trade_no,
        Order {
            expires_at,
            body: order,
            prepay_id: prepay_id.clone(),
            state: TradeState::NotPay,
            transaction_id: None,
            paid_at: None,
        },
    );
    Ok(Recorded::New(prepay_id))
}

/// A time as WeChat Pay writes them: RFC 3339 in China's offset (`2018-06-08T10:34:56+08:00`).
fn rfc3339_china(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .unwrap_or_default()
        .to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// How long an order without `time_expire` stays payable.
const DEFAULT_ORDER_SECONDS: i64 = 2 * 3600;

fn page_url(host: &str, prepay_id: &str) -> String {
    format!("http://{host}/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay_id}&package=1")
}

#[derive(Deserialize)]
struct MerchantQuery {
    mchid: Option<String>,
}

async fn query_order(
    State(sim): Sim,
    Path(no): Path<String>,
    Query(query): Query<MerchantQuery>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = sim.authenticate(&method, &uri, &headers, b"") {
        return sim.refuse(refusal);
    }
    if query.mchid.as_deref() != Some(DEMO_MCHID) {
        return sim.error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "mchid");
    }
    let ledger = lock(&sim.ledger);
    match ledger.orders.get(&no) {
        Some(order) => sim.json(StatusCode::OK, &sim.transaction(&no, order)),
        None => sim.error(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "no such order"),
    }
}

async fn close_order(
    State(sim): Sim,
    Path(no): Path<String>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refusal) = sim.authenticate(&method, &uri, &headers, &body) {
        return sim.refuse(refusal);
    }
    if sim.behaviour().closes_refused {
        return sim.error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "the order cannot be closed",
        );
    }
    let mut ledger = lock(&sim.ledger);
    let Some(order) = ledger.orders.get_mut(&no) else {
        return sim.error(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "no such order");
    };
    match order.state {
        TradeState::NotPay | TradeState::PayError | TradeState::Closed => {
            order.state = TradeState::Closed;
            sim.signed(StatusCode::NO_CONTENT, String::new())
        }
        TradeState::Success | TradeState::Refund => {
            sim.error(StatusCode::BAD_REQUEST, "ORDERPAID", "the order is paid")
        }
    }
}

async fn open_refund(
    State(sim): Sim,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refusal) = sim.authenticate(&method, &uri, &headers, &body) {
        return sim.refuse(refusal);
    }
    let Ok(request) = serde_json::from_slice::<wire::RefundOrder>(&body) else {
        return sim.error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "body is not a refund",
        );
    };
    let now = sim.now();
    let takes = i64::try_from(sim.behaviour().refund_takes.as_secs()).unwrap_or(0);
    let answer = {
        let mut ledger = lock(&sim.ledger);
        // The order by the merchant's number, or by the platform's transaction id.
        let order_no = match (&request.out_trade_no, &request.transaction_id) {
            (Some(no), _) => no.clone(),
            (None, Some(transaction)) => ledger
                .orders
                .iter()
                .find(|(_, o)| o.transaction_id.as_ref() == Some(transaction))
                .map(|(no, _)| no.clone())
                .unwrap_or_default(),
            (None, None) => {
                return sim.error(
                    StatusCode::BAD_REQUEST,
                    "PARAM_ERROR",
                    "out_trade_no or transaction_id is required",
                )
            }
        };
        if let Some(existing) = ledger.refunds.get(&request.out_refund_no) {
            return if existing.refund.out_trade_no == order_no
                && existing.refund.amount == request.amount
            {
                sim.json(StatusCode::OK, &sim.refund_now(existing))
            } else {
                sim.error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_REQUEST",
                    "out_refund_no was used with other parameters",
                )
            };
        }
        let refunded: i64 = ledger
            .refunds
            .values()
            .filter(|r| r.refund.out_trade_no == order_no)
            .map(|r| r.refund.amount.refund)
            .sum();
        let Some(order) = ledger.orders.get_mut(&order_no) else {
            return sim.error(
                StatusCode::NOT_FOUND,
                "RESOURCE_NOT_EXISTS",
                "no such order",
            );
        };
        if !matches!(order.state, TradeState::Success | TradeState::Refund) {
            return sim.error(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "the order is not paid",
            );
        }
        if request.amount.total != order.body.amount.total
            || request.amount.refund <= 0
            || refunded + request.amount.refund > order.body.amount.total
        {
            return sim.error(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "the refund is more than what is left",
            );
        }
        order.state = TradeState::Refund;
        let refund = wire::Refund {
            refund_id: format!("50300{}", &uuid::Uuid::new_v4().simple().to_string()[..24]),
            out_refund_no: request.out_refund_no.clone(),
            out_trade_no: order_no.clone(),
            transaction_id: order.transaction_id.clone().unwrap_or_default(),
            channel: "ORIGINAL".into(),
            user_received_account: "支付用户零钱".into(),
            create_time: rfc3339_china(now),
            success_time: None,
            status: "PROCESSING".into(),
            funds_account: "AVAILABLE".into(),
            amount: request.amount.clone(),
        };
        let record = RefundRecord {
            refund: refund.clone(),
            completes_at: now + takes,
        };
        ledger.refunds.insert(request.out_refund_no.clone(), record);
        refund
    };
    // Without a `notify_url` the platform notifies the merchant's configured address, which
    // a simulator does not have.
    if let Some(url) = request.notify_url {
        sim.notify(
            url,
            "REFUND.SUCCESS",
            "refund",
            &answer.out_trade_no,
            sim.behaviour().refund_takes,
        );
    }
    tokio::time::sleep(sim.behaviour().answer_after).await;
    sim.json(StatusCode::OK, &answer)
}

async fn query_refund(
    State(sim): Sim,
    Path(no): Path<String>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = sim.authenticate(&method, &uri, &headers, b"") {
        return sim.refuse(refusal);
    }
    let ledger = lock(&sim.ledger);
    match ledger.refunds.get(&no) {
        Some(record) => sim.json(StatusCode::OK, &sim.refund_now(record)),
        None => sim.error(
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "no such refund",
        ),
    }
}

#[derive(Deserialize)]
struct PageQuery {
    prepay_id: String,
    redirect_url: Option<String>,
}

/// The hosted payment page, as the resident's phone shows it: the amount, what it pays,
/// and three buttons. Plain HTML, no script.
async fn payment_page(State(sim): Sim, Query(query): Query<PageQuery>) -> Response {
    let order = {
        let ledger = lock(&sim.ledger);
        ledger
            .by_prepay
            .get(&query.prepay_id)
            .and_then(|no| ledger.orders.get(no))
            .cloned()
    };
    let Some(order) = order else {
        return (
            StatusCode::NOT_FOUND,
            Html(page("订单不存在 · No such order", "")),
        )
            .into_response();
    };
    let amount = Money::cny(order.body.amount.total);
    let redirect = query.redirect_url.unwrap_or_default();
    let field = |name: &str, value: &str| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(value)
        )
    };
    let button = |action: &str, label: &str| {
        format!(
            "<form method=\"post\">{}{}<button name=\"action\" value=\"{action}\">{label}</button></form>",
            field("prepay_id", &query.prepay_id),
            field("redirect_url", &redirect),
        )
    };
    let open = order.state == TradeState::NotPay && sim.now() <= order.expires_at;
    let actions = if open {
        format!(
            "{}{}{}",
            button("pay", "确认支付 · Pay"),
            button("decline", "模拟拒付 · Decline (simulated)"),
            button("cancel", "取消 · Cancel")
        )
    } else {
        "<p>此订单已不能支付 · This order can no longer be paid.</p>".to_owned()
    };
    let body = format!(
        "<p class=\"amount\">{}<br>{}</p><p>{}</p>{actions}",
        amount.display(Locale::ZhCn),
        amount.display(Locale::En),
        escape(&order.body.description),
    );
    Html(page("微信支付（模拟）· WeChat Pay (simulator)", &body)).into_response()
}

#[derive(Deserialize)]
struct PageForm {
    prepay_id: String,
    redirect_url: String,
    action: String,
}

async fn page_action(State(sim): Sim, Form(form): Form<PageForm>) -> Response {
    let action = match form.action.as_str() {
        "pay" => PageAction::Pay,
        "decline" => PageAction::Decline,
        _ => PageAction::Cancel,
    };
    if let Err(problem) = sim.act(&form.prepay_id, action) {
        return (StatusCode::CONFLICT, Html(page(problem, ""))).into_response();
    }
    match url::Url::parse(&form.redirect_url) {
        Ok(back) if matches!(back.scheme(), "http" | "https") => {
            Redirect::to(back.as_str()).into_response()
        }
        _ => Html(page("完成 · Done", "<p>You may close this page.</p>")).into_response(),
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"icon\" href=\"data:,\">\
         <title>{title}</title><style>body{{font:16px/1.5 sans-serif;margin:1rem;max-width:30rem}}\
         .amount{{font-size:2rem;font-weight:bold}}button{{width:100%;min-height:48px;\
         margin:.5rem 0;font-size:1rem}}</style></head><body><main><h1>{title}</h1>{body}</main></body></html>"
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
