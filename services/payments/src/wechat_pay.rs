//! WeChat Pay API v3, H5 payment: `POST /v3/pay/transactions/h5` opens a charge and answers
//! the `h5_url` the resident is sent to (with our `redirect_url`); `GET
//! /v3/pay/transactions/out-trade-no/{no}` tells its `trade_state`; `POST
//! …/{no}/close` closes it; `POST /v3/refund/domestic/refunds` and `GET
//! /v3/refund/domestic/refunds/{no}` refund; notifications are posted to our `notify_url`.
//! Every request is signed with the merchant's key and every answer's signature checked
//! against the platform's key ([`crypto`]); every call goes through the provider's guard.

pub mod crypto;
pub mod keys;
pub mod wire;

use std::sync::Arc;

use http::{HeaderMap, Method};
use url::Url;

use crate::port::{
    Charge, ChargeState, Checkout, Notice, NoticeError, PaymentProvider, RefundRequest, RefundState,
};
use crypto::{ApiV3Key, Authorization, CryptoError, KeyPair, PublicKey};
use model::{Currency, Money};
use portal_core::{
    config::{read_options, AdapterSpec},
    providers::{
        decode,
        endpoint::{Endpoint, KeyIn},
        ProviderError, ProviderGuard,
    },
};

/// `adapter = "wechatpay-v3"` in a city's config.
pub const ADAPTER: AdapterSpec = AdapterSpec {
    id: "wechatpay-v3",
    check_options,
};

/// Where the demo's simulator, or a real merchant account, keeps its keys: `[services.options]`
/// names the environment variables, never the keys themselves. The demo's simulator takes
/// none (its keys are made at first start, under `data/`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatPayOptions {
    /// The app id (`appid`) the merchant is bound to; public.
    pub app_id: Option<String>,
    /// Variables holding: the merchant id (`mchid`), the merchant key's serial number, the
    /// merchant's private key (PKCS #8 PEM), the APIv3 key, the platform's public key (PEM)
    /// and its id.
    pub merchant_id_env: Option<String>,
    pub merchant_serial_env: Option<String>,
    pub merchant_key_env: Option<String>,
    pub apiv3_key_env: Option<String>,
    pub platform_key_env: Option<String>,
    pub platform_key_id_env: Option<String>,
}

impl WechatPayOptions {
    fn variables(&self) -> [(&'static str, Option<&String>); 6] {
        [
            ("merchant_id_env", self.merchant_id_env.as_ref()),
            ("merchant_serial_env", self.merchant_serial_env.as_ref()),
            ("merchant_key_env", self.merchant_key_env.as_ref()),
            ("apiv3_key_env", self.apiv3_key_env.as_ref()),
            ("platform_key_env", self.platform_key_env.as_ref()),
            ("platform_key_id_env", self.platform_key_id_env.as_ref()),
        ]
    }

    /// The merchant's credentials from the environment; `Ok(None)` when the options name no
    /// variable (the demo's simulator).
    pub fn credentials(&self) -> Result<Option<Credentials>, String> {
        let variables = self.variables();
        if variables.iter().all(|(_, v)| v.is_none()) {
            return Ok(None);
        }
        let read = |option: &str, variable: Option<&String>| -> Result<String, String> {
            let variable = variable.ok_or_else(|| format!("{option}: name the variable"))?;
            std::env::var(variable)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| format!("{option}: environment variable {variable} is not set"))
        };
        let [mchid, serial, key, apiv3, platform, platform_id] = variables;
        let app_id = self
            .app_id
            .clone()
            .ok_or_else(|| "app_id: the app id the merchant is bound to".to_owned())?;
        Ok(Some(Credentials {
            mchid: read(mchid.0, mchid.1)?,
            app_id,
            merchant_serial: read(serial.0, serial.1)?,
            merchant: KeyPair::from_pem(&read(key.0, key.1)?)
                .map_err(|e| format!("{}: {e}", key.0))?,
            apiv3: ApiV3Key::new(&read(apiv3.0, apiv3.1)?)
                .map_err(|e| format!("{}: {e}", apiv3.0))?,
            platform: PublicKey::from_pem(&read(platform.0, platform.1)?)
                .map_err(|e| format!("{}: {e}", platform.0))?,
            platform_serial: read(platform_id.0, platform_id.1)?,
        }))
    }
}

fn check_options(options: &toml::Table) -> Result<(), String> {
    let options: WechatPayOptions = read_options(options)?;
    let named = options
        .variables()
        .iter()
        .filter(|(_, v)| v.is_some())
        .count();
    if named != 0 && named != 6 {
        let missing: Vec<&str> = options
            .variables()
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(name, _)| *name)
            .collect();
        return Err(format!(
            "name every key's variable or none (the demo's simulator); missing: {}",
            missing.join(", ")
        ));
    }
    if named == 6 && options.app_id.is_none() {
        return Err("app_id: the app id the merchant is bound to".into());
    }
    Ok(())
}

/// A merchant account's identity and keys.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub mchid: String,
    pub app_id: String,
    /// The merchant key's serial number, named in every request.
    pub merchant_serial: String,
    pub merchant: KeyPair,
    pub apiv3: ApiV3Key,
    /// The key the platform signs its answers and notifications with, and its id.
    pub platform: PublicKey,
    pub platform_serial: String,
}

/// WeChat Pay's API, and where its H5 payment pages are.
const API_HOST: &str = "api.mch.weixin.qq.com";
const H5_ORIGIN: &str = "https://wx.tenpay.com";

/// One merchant account at one WeChat Pay API.
pub struct WechatPay {
    /// Signed by the adapter itself: no key for the endpoint to send.
    endpoint: Endpoint,
    credentials: Credentials,
    /// Where the provider posts its notifications.
    notify_url: Url,
    /// Times in `time_expire` are written in this zone (China's, as the protocol's examples).
    time_zone: jiff::tz::TimeZone,
    /// Where the provider's H5 pages are: WeChat Pay's, or a simulator's own address.
    page_origin: String,
}

impl WechatPay {
    pub fn new(
        http: reqwest::Client,
        base_url: Url,
        credentials: Credentials,
        notify_url: Url,
        guard: Arc<ProviderGuard>,
    ) -> Self {
        WechatPay {
            page_origin: if base_url.host_str() == Some(API_HOST) {
                H5_ORIGIN.to_owned()
            } else {
                base_url.origin().ascii_serialization()
            },
            endpoint: Endpoint::new(http, base_url, None, KeyIn::Adapter, guard),
            credentials,
            notify_url,
            time_zone: jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or(jiff::tz::TimeZone::UTC),
        }
    }

    /// One signed call; the answer's status and body once its signature checked out (or
    /// its error answer, which is not always signed).
    async fn call(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<String>,
    ) -> Result<(http::StatusCode, Vec<u8>), ProviderError> {
        let url = self.endpoint.url(path_and_query.trim_start_matches('/'))?;
        let signed_path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let body = body.unwrap_or_default();
        let timestamp = jiff::Timestamp::now().as_second();
        let nonce = crypto::nonce();
        let message =
            crypto::request_message(method.as_str(), &signed_path, timestamp, &nonce, &body);
        let authorization = Authorization {
            mchid: self.credentials.mchid.clone(),
            nonce_str: nonce,
            signature: self.credentials.merchant.sign(&message),
            timestamp: timestamp.to_string(),
            serial_no: self.credentials.merchant_serial.clone(),
        };
        let mut request = self
            .endpoint
            .request(method.clone(), url, "application/json")
            .header(http::header::AUTHORIZATION, authorization.header());
        if method == Method::POST {
            request = request
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let answer = self.endpoint.send(request).await?;
        if answer.status.is_success() {
            self.check_signed(&answer.headers, &answer.body)
                .map_err(|e| {
                    ProviderError::Malformed(format!("answer not signed by the platform: {e}"))
                })?;
        }
        Ok((answer.status, answer.body))
    }

    /// Checks the platform's signature on an answer or a notification.
    fn check_signed(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), CryptoError> {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or(CryptoError::BadSignature)
        };
        if header(crypto::SERIAL)? != self.credentials.platform_serial {
            return Err(CryptoError::BadSignature);
        }
        let timestamp = header(crypto::TIMESTAMP)?;
        let body = std::str::from_utf8(body).map_err(|_| CryptoError::BadSignature)?;
        let message = crypto::answer_message(timestamp, header(crypto::NONCE)?, body);
        self.credentials
            .platform
            .verify(&message, header(crypto::SIGNATURE)?)?;
        crypto::check_fresh(timestamp, jiff::Timestamp::now().as_second())
    }

    fn order_path(order_no: &str) -> String {
        format!("/v3/pay/transactions/out-trade-no/{}", encode(order_no))
    }
}

fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

/// A 4xx answer as `Refused`, with the protocol's code; a 5xx as a provider fault.
fn refused(status: http::StatusCode, body: &[u8]) -> ProviderError {
    if let Some(fault) = ProviderError::provider_fault(status.as_u16()) {
        return fault;
    }
    let message = serde_json::from_slice::<wire::ErrorAnswer>(body)
        .map(|e| {
            format!(
                "{}: {}",
                portal_core::plain_text::provider_text(&e.code, 40),
                portal_core::plain_text::provider_text(&e.message, 200)
            )
        })
        .unwrap_or_else(|_| format!("HTTP {}", status.as_u16()));
    ProviderError::Refused {
        status: status.as_u16(),
        message,
    }
}

fn is_not_found(status: http::StatusCode, body: &[u8]) -> bool {
    status == http::StatusCode::NOT_FOUND
        && serde_json::from_slice::<wire::ErrorAnswer>(body)
            .is_ok_and(|e| matches!(e.code.as_str(), "ORDER_NOT_EXIST" | "RESOURCE_NOT_EXISTS"))
}

fn money(total: i64, currency: &str) -> Result<Money, ProviderError> {
    Currency::from_code(currency)
        .map(|currency| Money::new(total, currency))
        .ok_or_else(|| ProviderError::Malformed(format!("unknown currency {currency}")))
}

/// A transaction as the portal sees its state (public for the fuzz target).
pub fn charge_state(transaction: wire::Transaction) -> Result<ChargeState, ProviderError> {
    let transaction_id = || {
        transaction
            .transaction_id
            .clone()
            .ok_or_else(|| ProviderError::Malformed("a paid order without transaction_id".into()))
    };
    Ok(match transaction.trade_state.as_str() {
        "SUCCESS" => {
            let amount = transaction
                .amount
                .as_ref()
                .ok_or_else(|| ProviderError::Malformed("a paid order without amount".into()))?;
            let paid_at = transaction
                .success_time
                .as_deref()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .ok_or_else(|| ProviderError::Malformed("success_time unreadable".into()))?;
            ChargeState::Paid {
                transaction_id: transaction_id()?,
                amount: money(amount.total, &amount.currency)?,
                paid_at,
            }
        }
        "REFUND" => ChargeState::Refunded {
            transaction_id: transaction_id()?,
        },
        "NOTPAY" | "USERPAYING" => ChargeState::Unpaid,
        "PAYERROR" => ChargeState::Declined {
            reason: transaction.trade_state,
        },
        "CLOSED" | "REVOKED" => ChargeState::Ended {
            reason: transaction.trade_state,
        },
        other => {
            return Err(ProviderError::Malformed(format!(
                "unknown trade_state {other}"
            )))
        }
    })
}

pub fn refund_state(refund: &wire::Refund) -> Result<RefundState, ProviderError> {
    Ok(match refund.status.as_str() {
        "PROCESSING" => RefundState::Processing,
        "SUCCESS" => RefundState::Succeeded,
        "CLOSED" | "ABNORMAL" => RefundState::Failed {
            reason: refund.status.clone(),
        },
        other => {
            return Err(ProviderError::Malformed(format!(
                "unknown refund status {other}"
            )))
        }
    })
}

#[async_trait::async_trait]
impl PaymentProvider for WechatPay {
    async fn open(&self, charge: &Charge<'_>) -> Result<Checkout, ProviderError> {
        if charge.amount.currency != Currency::Cny {
            return Err(ProviderError::Refused {
                status: 400,
                message: "WeChat Pay H5 takes CNY only".into(),
            });
        }
        let order = wire::H5Order {
            appid: self.credentials.app_id.clone(),
            mchid: self.credentials.mchid.clone(),
            // The protocol's limit is 127 bytes.
            description: cut_bytes(charge.description, 127),
            out_trade_no: charge.order_no.to_owned(),
            time_expire: Some(
                charge
                    .expires_at
                    .to_zoned_datetime(self.time_zone.clone())
                    .strftime("%Y-%m-%dT%H:%M:%S%:z")
                    .to_string(),
            ),
            notify_url: self.notify_url.to_string(),
            amount: wire::OrderAmount {
                total: charge.amount.minor,
                currency: charge.amount.currency.code().to_owned(),
            },
            scene_info: wire::SceneInfo {
                payer_client_ip: charge.payer_ip.to_string(),
                h5_info: wire::H5Info { kind: "Wap".into() },
            },
        };
        let body =
            serde_json::to_string(&order).map_err(|e| ProviderError::Malformed(e.to_string()))?;
        self.endpoint
            .guarded("open", async {
                let (status, body) = self
                    .call(Method::POST, "/v3/pay/transactions/h5", Some(body))
                    .await?;
                if !status.is_success() {
                    return Err(refused(status, &body));
                }
                let answer: wire::H5Answer = decode(&body)?;
                let page = payment_page(&answer.h5_url, &self.page_origin)?;
                Ok(Checkout { page })
            })
            .await
    }

    async fn query(&self, order_no: &str) -> Result<Option<ChargeState>, ProviderError> {
        let path = format!(
            "{}?mchid={}",
            WechatPay::order_path(order_no),
            encode(&self.credentials.mchid)
        );
        self.endpoint
            .guarded("query", async {
                let (status, body) = self.call(Method::GET, &path, None).await?;
                if is_not_found(status, &body) {
                    return Ok(None);
                }
                if !status.is_success() {
                    return Err(refused(status, &body));
                }
                let transaction: wire::Transaction = decode(&body)?;
                if transaction.out_trade_no != order_no
                    || transaction.mchid != self.credentials.mchid
                {
                    return Err(ProviderError::Malformed(
                        "the answer is about another order".into(),
                    ));
                }
                charge_state(transaction).map(Some)
            })
            .await
    }

    async fn close(&self, order_no: &str) -> Result<(), ProviderError> {
        let path = format!("{}/close", WechatPay::order_path(order_no));
        let body = serde_json::to_string(&wire::Close {
            mchid: self.credentials.mchid.clone(),
        })
        .map_err(|e| ProviderError::Malformed(e.to_string()))?;
        self.endpoint
            .guarded("close", async {
                let (status, body) = self.call(Method::POST, &path, Some(body)).await?;
                if status.is_success() {
                    Ok(())
                } else {
                    Err(refused(status, &body))
                }
            })
            .await
    }

    async fn refund(&self, refund: &RefundRequest<'_>) -> Result<RefundState, ProviderError> {
        let order = wire::RefundOrder {
            out_trade_no: Some(refund.order_no.to_owned()),
            transaction_id: None,
            out_refund_no: refund.refund_no.to_owned(),
            reason: Some(cut_bytes(refund.reason, 80)),
            notify_url: Some(self.notify_url.to_string()),
            amount: wire::RefundAmount {
                refund: refund.amount.minor,
                total: refund.total.minor,
                currency: refund.amount.currency.code().to_owned(),
            },
        };
        let body =
            serde_json::to_string(&order).map_err(|e| ProviderError::Malformed(e.to_string()))?;
        self.endpoint
            .guarded("refund", async {
                let (status, body) = self
                    .call(Method::POST, "/v3/refund/domestic/refunds", Some(body))
                    .await?;
                if !status.is_success() {
                    return Err(refused(status, &body));
                }
                let answer: wire::Refund = decode(&body)?;
                if answer.out_refund_no != refund.refund_no {
                    return Err(ProviderError::Malformed(
                        "the answer is about another refund".into(),
                    ));
                }
                refund_state(&answer)
            })
            .await
    }

    async fn refund_state(&self, refund_no: &str) -> Result<Option<RefundState>, ProviderError> {
        let path = format!("/v3/refund/domestic/refunds/{}", encode(refund_no));
        self.endpoint
            .guarded("refund_state", async {
                let (status, body) = self.call(Method::GET, &path, None).await?;
                if is_not_found(status, &body) {
                    return Ok(None);
                }
                if !status.is_success() {
                    return Err(refused(status, &body));
                }
                let answer: wire::Refund = decode(&body)?;
                if answer.out_refund_no != refund_no {
                    return Err(ProviderError::Malformed(
                        "the answer is about another refund".into(),
                    ));
                }
                refund_state(&answer).map(Some)
            })
            .await
    }

    fn read_notice(&self, headers: &HeaderMap, body: &[u8]) -> Result<Notice, NoticeError> {
        self.check_signed(headers, body).map_err(|e| match e {
            CryptoError::Stale(seconds) => NoticeError::Stale(seconds),
            _ => NoticeError::Forged,
        })?;
        let notification: wire::Notification =
            serde_json::from_slice(body).map_err(|e| NoticeError::Malformed(e.to_string()))?;
        let resource = &notification.resource;
        if resource.algorithm != "AEAD_AES_256_GCM" {
            return Err(NoticeError::Malformed(format!(
                "algorithm {}",
                resource.algorithm
            )));
        }
        let plain = self
            .credentials
            .apiv3
            .decrypt(
                &resource.nonce,
                &resource.associated_data,
                &resource.ciphertext,
            )
            .map_err(|_| NoticeError::Undecryptable)?;
        let order: wire::ResourceOrder =
            serde_json::from_slice(&plain).map_err(|e| NoticeError::Malformed(e.to_string()))?;
        Ok(Notice {
            id: notification.id,
            order_no: order.out_trade_no,
        })
    }

    fn page_origin(&self) -> String {
        self.page_origin.clone()
    }

    fn pay_url(&self, checkout: &Checkout, back_to: &Url) -> Url {
        let mut url = checkout.page.clone();
        url.query_pairs_mut()
            .append_pair("redirect_url", back_to.as_str());
        url
    }
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn cut_bytes(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// The payment page a resident is sent to, from an order's `h5_url`: only on the provider's
/// own payment page origin (WeChat Pay's, over https), never wherever an answer says; a
/// simulator's http page only on this machine.
fn payment_page(h5_url: &str, page_origin: &str) -> Result<Url, ProviderError> {
    let refused = |why: &str| ProviderError::Malformed(format!("h5_url {why}"));
    let page = Url::parse(h5_url).map_err(|_| refused("is not an address"))?;
    if page.origin().ascii_serialization() != page_origin {
        return Err(refused("is not on the payment page origin"));
    }
    let on_this_machine = match page.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    if page.scheme() != "https" && !(page.scheme() == "http" && on_this_machine) {
        return Err(refused("is not https"));
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payment_page_is_only_where_the_provider_keeps_its_pages() {
        let real = "https://wx.tenpay.com";
        let page = "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1";
        assert!(payment_page(page, real).is_ok());
        for elsewhere in [
            "https://wx.tenpay.com.evil.example/checkmweb",
            "https://evil.example/wx.tenpay.com",
            "http://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb",
            "javascript:alert(1)",
            "//evil.example/",
            "",
        ] {
            assert!(payment_page(elsewhere, real).is_err(), "{elsewhere}");
        }
        // A simulator's page on this machine, over http, at the simulator's own origin only.
        let simulator = "http://127.0.0.1:4010";
        assert!(payment_page("http://127.0.0.1:4010/pay?prepay_id=1", simulator).is_ok());
        assert!(payment_page("http://127.0.0.1:4011/pay", simulator).is_err());
        assert!(payment_page("http://10.0.0.5:4010/pay", "http://10.0.0.5:4010").is_err());
    }

    #[test]
    fn options_name_every_key_or_none() {
        let table = |text: &str| -> toml::Table { toml::from_str(text).expect("toml") };
        assert_eq!(check_options(&table("")), Ok(()));
        let error = check_options(&table("merchant_id_env = \"MCHID\"")).expect_err("partial");
        assert!(error.contains("merchant_key_env"), "{error}");
        assert!(check_options(&table("secret = \"x\"")).is_err());
    }

    #[test]
    fn trade_states_read_as_the_portal_needs() {
        let transaction = |state: &str| wire::Transaction {
            mchid: "1".into(),
            out_trade_no: "o".into(),
            transaction_id: Some("4200".into()),
            trade_state: state.into(),
            trade_state_desc: String::new(),
            success_time: Some("2026-11-26T10:00:00+08:00".into()),
            amount: Some(wire::TransactionAmount {
                total: 12_345,
                payer_total: Some(12_345),
                currency: "CNY".into(),
            }),
        };
        assert_eq!(
            charge_state(transaction("SUCCESS")).ok(),
            Some(ChargeState::Paid {
                transaction_id: "4200".into(),
                amount: Money::cny(12_345),
                paid_at: "2026-11-26T02:00:00Z".parse().expect("time"),
            })
        );
        for unpaid in ["NOTPAY", "USERPAYING"] {
            assert_eq!(
                charge_state(transaction(unpaid)).ok(),
                Some(ChargeState::Unpaid)
            );
        }
        for ended in ["CLOSED", "REVOKED"] {
            assert!(matches!(
                charge_state(transaction(ended)),
                Ok(ChargeState::Ended { .. })
            ));
        }
        // Not final: the order can still be paid until it is closed.
        assert!(matches!(
            charge_state(transaction("PAYERROR")),
            Ok(ChargeState::Declined { .. })
        ));
        assert!(charge_state(transaction("MAYBE")).is_err());
    }

    #[test]
    fn descriptions_are_cut_at_characters() {
        assert_eq!(cut_bytes("电费", 4), "电");
        assert_eq!(cut_bytes("abc", 10), "abc");
    }
}
