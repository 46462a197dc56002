//! WeChat Pay API v3's JSON, as far as H5 payment, query, close and refunds use it. Field
//! names are the protocol's; unknown fields are ignored, as the protocol adds them freely.

use serde::{Deserialize, Serialize};

/// `POST /v3/pay/transactions/h5`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct H5Order {
    pub appid: String,
    pub mchid: String,
    pub description: String,
    pub out_trade_no: String,
    /// RFC 3339 with the offset, e.g. `2018-06-08T10:34:56+08:00`; optional (the platform's
    /// own default then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_expire: Option<String>,
    pub notify_url: String,
    pub amount: OrderAmount,
    pub scene_info: SceneInfo,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderAmount {
    /// Fen.
    pub total: i64,
    /// Optional in an order: CNY when not given.
    #[serde(default = "cny")]
    pub currency: String,
}

fn cny() -> String {
    "CNY".to_owned()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SceneInfo {
    pub payer_client_ip: String,
    pub h5_info: H5Info,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct H5Info {
    /// `Wap` for a mobile web page.
    #[serde(rename = "type")]
    pub kind: String,
}

/// The answer to an H5 order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct H5Answer {
    pub h5_url: String,
}

/// `GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=…`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub mchid: String,
    pub out_trade_no: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// SUCCESS, REFUND, NOTPAY, CLOSED, REVOKED, USERPAYING, PAYERROR.
    pub trade_state: String,
    #[serde(default)]
    pub trade_state_desc: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<TransactionAmount>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionAmount {
    pub total: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    pub currency: String,
}

/// `POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Close {
    pub mchid: String,
}

/// `POST /v3/refund/domestic/refunds`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundOrder {
    /// The order refunded: by the merchant's number or by the platform's `transaction_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    pub out_refund_no: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Optional: without it the platform notifies the address set for the merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_url: Option<String>,
    pub amount: RefundAmount,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundAmount {
    pub refund: i64,
    pub total: i64,
    pub currency: String,
}

/// A refund, as the refund order and `GET /v3/refund/domestic/refunds/{out_refund_no}` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub refund_id: String,
    pub out_refund_no: String,
    pub out_trade_no: String,
    #[serde(default)]
    pub transaction_id: String,
    /// ORIGINAL (back the way it was paid), BALANCE, OTHER_BALANCE, OTHER_BANKCARD.
    #[serde(default)]
    pub channel: String,
    /// Where the money went back to, in the platform's words.
    #[serde(default)]
    pub user_received_account: String,
    #[serde(default)]
    pub create_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// SUCCESS, CLOSED, PROCESSING, ABNORMAL.
    pub status: String,
    #[serde(default)]
    pub funds_account: String,
    pub amount: RefundAmount,
}

/// An error answer: `{"code": "ORDER_NOT_EXIST", "message": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorAnswer {
    pub code: String,
    pub message: String,
}

/// A notification posted to `notify_url`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: String,
    pub create_time: String,
    /// TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED.
    pub event_type: String,
    pub resource_type: String,
    pub resource: Resource,
    #[serde(default)]
    pub summary: String,
}

/// The encrypted part of a notification (AEAD_AES_256_GCM under the APIv3 key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub algorithm: String,
    pub ciphertext: String,
    #[serde(default)]
    pub associated_data: String,
    pub original_type: String,
    pub nonce: String,
}

/// What a payment or refund notification's resource decrypts to, as far as it is read: the
/// order it is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceOrder {
    pub out_trade_no: String,
}
