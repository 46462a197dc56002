//! The JSON of the portal's Provider API for bills, version 1 (`openapi.json` beside this
//! file is its published description; the tests hold the two together).

use serde::{Deserialize, Serialize};

/// An amount: integer minor units (fen) and an ISO 4217 code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    #[serde(deserialize_with = "whole_number")]
    pub value: i64,
    pub currency: Currency,
}

/// JSON Schema's `integer` is a number with no fraction: `8800.0` is one (a provider's
/// JSON library may write it so), `8800.5` is not. Past 2^53 a JSON number is no longer
/// exact in most libraries, so neither is believed there.
fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    let number = serde_json::Number::deserialize(deserializer)?;
    if let Some(whole) = number.as_i64() {
        return Ok(whole);
    }
    match number.as_f64() {
        Some(value) if value.fract() == 0.0 && value.abs() < EXACT => Ok(value as i64),
        _ => Err(serde::de::Error::custom(format!(
            "{number} is not a whole number of minor units"
        ))),
    }
}

/// The currencies of version 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Currency {
    #[serde(rename = "CNY")]
    Cny,
}

/// `GET accounts/{account_number}/bills`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountBills {
    pub account_number: String,
    /// The holder's name, partly hidden (`王*明`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_hint: Option<String>,
    pub bills: Vec<Bill>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bill {
    pub bill_number: String,
    pub period: String,
    pub amount: Amount,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    pub part_payment: PartPayment,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartPayment {
    pub allowed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<Amount>,
}

/// `POST bills/{bill_number}/locks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockRequest {
    pub account_number: String,
    pub amount: Amount,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    pub lock_token: String,
    pub bill_number: String,
    pub amount: Amount,
    /// RFC 3339.
    pub expires_at: String,
}

/// `POST payments`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    pub lock_token: String,
    pub bill_number: String,
    pub account_number: String,
    pub amount: Amount,
    pub payment_provider: String,
    pub payment_reference: String,
    /// RFC 3339.
    pub paid_at: String,
}

/// A payment's receipt: `POST payments` and `GET receipts/{receipt_number}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub receipt_number: String,
    pub bill_number: String,
    pub amount: Amount,
    /// RFC 3339.
    pub recorded_at: String,
}

/// Every error: `{"code": "BILL_ALREADY_PAID", "message": "…"}`, with the bill's current
/// amount for `AMOUNT_CHANGED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_amount: Option<Amount>,
}

/// The error codes of version 1.
pub mod codes {
    pub const ACCOUNT_NOT_FOUND: &str = "ACCOUNT_NOT_FOUND";
    pub const BILL_NOT_FOUND: &str = "BILL_NOT_FOUND";
    pub const BILL_ALREADY_PAID: &str = "BILL_ALREADY_PAID";
    pub const AMOUNT_CHANGED: &str = "AMOUNT_CHANGED";
    pub const LOCK_EXPIRED: &str = "LOCK_EXPIRED";
    pub const IDEMPOTENCY_KEY_REUSED: &str = "IDEMPOTENCY_KEY_REUSED";
    pub const INVALID_REQUEST: &str = "INVALID_REQUEST";
    pub const UNAUTHORIZED: &str = "UNAUTHORIZED";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(json: &str) -> Result<Amount, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn an_integer_written_with_a_zero_fraction_is_the_integer() {
        let whole = amount(r#"{"value": 8800, "currency": "CNY"}"#).expect("integer");
        assert_eq!(
            amount(r#"{"value": 8800.0, "currency": "CNY"}"#).expect("8800.0"),
            whole
        );
        assert_eq!(whole.value, 8800);
        assert!(amount(r#"{"value": 8800.5, "currency": "CNY"}"#).is_err());
        assert!(amount(r#"{"value": 1e300, "currency": "CNY"}"#).is_err());
        assert!(amount(r#"{"value": "8800", "currency": "CNY"}"#).is_err());
    }
}
