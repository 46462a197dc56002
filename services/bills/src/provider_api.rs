//! The portal's Provider API for bills, version 1: what an electricity, water or gas company
//! implements so that residents can pay its bills here, modelled on bill-fetch / bill-pay
//! systems (India's BBPS, Italy's pagoPA notices). Published as OpenAPI 3.1
//! (`provider_api/openapi.json`, served at [`OPENAPI_PATH`]):
//!
//! - `GET accounts/{account_number}/bills`: the account's open bills;
//! - `POST bills/{bill_number}/locks`: holds a bill's amount for a payment, until a time;
//! - `POST payments`: a payment made, answered with the biller's receipt;
//! - `GET receipts/{receipt_number}`: a receipt again.
//!
//! Every call carries `Authorization: Bearer <key>` and `X-Portal-Customer`, the biller's own
//! pseudonym of the resident; every write an `Idempotency-Key` (the same key with another
//! body is a 422). Amounts are integer minor units with a currency.

pub mod wire;

use std::sync::Arc;

use url::Url;

use crate::port::{
    AccountBills, Bill, Biller, BillerError, Customer, Lock, PaymentReport, Receipt,
};
use model::{Currency, Money};
use portal_core::{
    config::{read_options, AdapterSpec},
    providers::{
        decode,
        endpoint::{Endpoint, KeyIn},
        ProviderError, ProviderGuard,
    },
};
use wire::codes;

/// `adapter = "provider-api-bills-v1"` in a city's config.
pub const ADAPTER: AdapterSpec = AdapterSpec {
    id: "provider-api-bills-v1",
    check_options,
};

/// Where the server publishes the API's description.
pub const OPENAPI_PATH: &str = "/api/provider/v1/bills/openapi.json";

/// The API's description, OpenAPI 3.1.
pub const OPENAPI: &str = include_str!("provider_api/openapi.json");

/// The header naming the resident, by the biller's own pseudonym of them.
pub const CUSTOMER_HEADER: &str = "x-portal-customer";
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// The utilities a biller may sell.
pub const UTILITIES: [&str; 3] = ["electricity", "water", "gas"];

/// A biller's `[services.options]`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillerOptions {
    /// `electricity`, `water` or `gas`.
    pub utility: String,
    /// The company's name, as residents know it.
    pub name_zh: String,
    pub name_en: String,
}

impl BillerOptions {
    pub fn read(options: &toml::Table) -> Result<BillerOptions, String> {
        let options: BillerOptions = read_options(options)?;
        if !UTILITIES.contains(&options.utility.as_str()) {
            return Err(format!(
                "utility: '{}' is not one of {}",
                options.utility,
                UTILITIES.join(", ")
            ));
        }
        for (field, name) in [("name_zh", &options.name_zh), ("name_en", &options.name_en)] {
            if name.trim().is_empty() || name.chars().count() > 60 {
                return Err(format!("{field}: 1 to 60 characters"));
            }
        }
        Ok(options)
    }
}

fn check_options(options: &toml::Table) -> Result<(), String> {
    BillerOptions::read(options).map(drop)
}

/// One biller's Provider API.
pub struct ProviderApiBiller {
    endpoint: Endpoint,
}

/// Longest account and bill numbers the portal sends or believes.
pub const MAX_NUMBER: usize = 32;

impl ProviderApiBiller {
    pub fn new(
        http: reqwest::Client,
        base_url: Url,
        api_key: Option<String>,
        guard: Arc<ProviderGuard>,
    ) -> Self {
        ProviderApiBiller {
            endpoint: Endpoint::new(http, base_url, api_key, KeyIn::Bearer, guard),
        }
    }

    /// One call: the answer's status and body, any status.
    async fn call(
        &self,
        method: http::Method,
        path: &str,
        body: Option<String>,
        key: Option<&str>,
        customer: Option<&Customer<'_>>,
    ) -> Result<(http::StatusCode, Vec<u8>), ProviderError> {
        let mut request =
            self.endpoint
                .request(method, self.endpoint.url(path)?, "application/json");
        if let Some(Customer(pseudonym)) = customer {
            request = request.header(CUSTOMER_HEADER, *pseudonym);
        }
        if let Some(key) = key {
            request = request.header(IDEMPOTENCY_HEADER, key);
        }
        if let Some(body) = body {
            request = request
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let answer = self.endpoint.send(request).await?;
        Ok((answer.status, answer.body))
    }
}

/// A path segment, escaped.
fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn money(amount: wire::Amount) -> Money {
    match amount.currency {
        wire::Currency::Cny => Money::new(amount.value, Currency::Cny),
    }
}

fn amount(money: Money) -> wire::Amount {
    match money.currency {
        Currency::Cny => wire::Amount {
            value: money.minor,
            currency: wire::Currency::Cny,
        },
    }
}

/// A 4xx answer in the portal's terms.
fn problem(status: http::StatusCode, body: &[u8]) -> BillerError {
    let Ok(problem) = serde_json::from_slice::<wire::Problem>(body) else {
        return BillerError::Provider(ProviderError::Refused {
            status: status.as_u16(),
            message: format!("HTTP {}", status.as_u16()),
        });
    };
    match problem.code.as_str() {
        codes::ACCOUNT_NOT_FOUND => BillerError::UnknownAccount,
        codes::BILL_NOT_FOUND => BillerError::UnknownBill,
        codes::BILL_ALREADY_PAID => BillerError::AlreadyPaid,
        codes::AMOUNT_CHANGED => BillerError::AmountChanged(problem.current_amount.map(money)),
        codes::LOCK_EXPIRED => BillerError::LockExpired,
        _ => BillerError::Refused(format!(
            "{}: {}",
            portal_core::plain_text::provider_text(&problem.code, 40),
            portal_core::plain_text::provider_text(&problem.message, 200)
        )),
    }
}

pub fn bill(bill: wire::Bill) -> Result<Bill, ProviderError> {
    // A number names the bill to the resident and to the biller again: one that would
    // show otherwise than it is sent is not believed.
    if bill.bill_number.is_empty()
        || bill.bill_number.len() > MAX_NUMBER
        || portal_core::plain_text::has_hidden_controls(&bill.bill_number)
        || bill.amount.value <= 0
    {
        return Err(ProviderError::Malformed(
            "a bill needs a number and a positive amount".into(),
        ));
    }
    let due = bill
        .due_date
        .parse::<jiff::civil::Date>()
        .map_err(|e| ProviderError::Malformed(format!("due_date: {e}")))?;
    Ok(Bill {
        part_minimum: bill
            .part_payment
            .allowed
            .then(|| bill.part_payment.minimum.map(money))
            .flatten(),
        number: bill.bill_number,
        period: portal_core::plain_text::provider_text(&bill.period, 40),
        amount: money(bill.amount),
        due,
    })
}

/// An account has at most this many open bills the portal shows.
const MAX_BILLS: usize = 24;

#[async_trait::async_trait]
impl Biller for ProviderApiBiller {
    async fn open_bills(
        &self,
        account_number: &str,
        customer: &Customer<'_>,
    ) -> Result<AccountBills, BillerError> {
        let path = format!("accounts/{}/bills", segment(account_number));
        let (status, body) = self
            .endpoint
            .guarded(
                "open_bills",
                self.call(http::Method::GET, &path, None, None, Some(customer)),
            )
            .await?;
        if !status.is_success() {
            return Err(problem(status, &body));
        }
        let answer: wire::AccountBills = decode(&body)?;
        if answer.bills.len() > MAX_BILLS {
            return Err(
                ProviderError::Malformed(format!("more than {MAX_BILLS} open bills")).into(),
            );
        }
        Ok(AccountBills {
            holder: answer
                .holder_hint
                .map(|h| portal_core::plain_text::provider_text(&h, 40)),
            bills: answer
                .bills
                .into_iter()
                .map(bill)
                .collect::<Result<_, _>>()?,
        })
    }

    async fn lock(
        &self,
        account_number: &str,
        bill_number: &str,
        money_held: Money,
        key: &str,
        customer: &Customer<'_>,
    ) -> Result<Lock, BillerError> {
        let path = format!("bills/{}/locks", segment(bill_number));
        let body = serde_json::to_string(&wire::LockRequest {
            account_number: account_number.to_owned(),
            amount: amount(money_held),
        })
        .map_err(|e| ProviderError::Malformed(e.to_string()))?;
        let (status, body) = self
            .endpoint
            .guarded(
                "lock",
                self.call(
                    http::Method::POST,
                    &path,
                    Some(body),
                    Some(key),
                    Some(customer),
                ),
            )
            .await?;
        if !status.is_success() {
            return Err(problem(status, &body));
        }
        let lock: wire::Lock = decode(&body)?;
        let expires_at = lock
            .expires_at
            .parse::<jiff::Timestamp>()
            .map_err(|e| ProviderError::Malformed(format!("expires_at: {e}")))?;
        if lock.bill_number != bill_number || money(lock.amount) != money_held {
            return Err(
                ProviderError::Malformed("the lock is of another bill or amount".into()).into(),
            );
        }
        Ok(Lock {
            token: lock.lock_token.chars().take(128).collect(),
            amount: money(lock.amount),
            expires_at,
        })
    }

    async fn report(&self, payment: &PaymentReport<'_>, key: &str) -> Result<Receipt, BillerError> {
        let body = serde_json::to_string(&wire::PaymentRequest {
            lock_token: payment.lock_token.to_owned(),
            bill_number: payment.bill_number.to_owned(),
            account_number: payment.account_number.to_owned(),
            amount: amount(payment.amount),
            payment_provider: payment.payment_provider.to_owned(),
            payment_reference: payment.payment_reference.to_owned(),
            paid_at: payment.paid_at.to_string(),
        })
        .map_err(|e| ProviderError::Malformed(e.to_string()))?;
        let (status, body) = self
            .endpoint
            .guarded(
                "report",
                self.call(http::Method::POST, "payments", Some(body), Some(key), None),
            )
            .await?;
        if !status.is_success() {
            return Err(problem(status, &body));
        }
        let receipt: wire::Receipt = decode(&body)?;
        if receipt.receipt_number.is_empty()
            || receipt.receipt_number.len() > 64
            || portal_core::plain_text::has_hidden_controls(&receipt.receipt_number)
        {
            return Err(ProviderError::Malformed(
                "receipt_number: 1 to 64 visible characters".into(),
            )
            .into());
        }
        Ok(Receipt {
            number: receipt.receipt_number,
            amount: money(receipt.amount),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_description_names_every_call_the_adapter_makes() {
        let document: serde_json::Value = serde_json::from_str(OPENAPI).expect("JSON");
        assert_eq!(document["openapi"], "3.1.0");
        for path in [
            "/accounts/{account_number}/bills",
            "/bills/{bill_number}/locks",
            "/payments",
            "/receipts/{receipt_number}",
        ] {
            assert!(document["paths"][path].is_object(), "{path}");
        }
        let schemas = &document["components"]["schemas"];
        for (schema, example) in [
            (
                "AccountBills",
                serde_json::to_value(wire::AccountBills {
                    account_number: "1".into(),
                    holder_hint: None,
                    bills: vec![],
                }),
            ),
            (
                "Receipt",
                serde_json::to_value(wire::Receipt {
                    receipt_number: "R".into(),
                    bill_number: "B".into(),
                    amount: amount(Money::cny(1)),
                    recorded_at: "2026-11-26T00:00:00Z".into(),
                }),
            ),
        ] {
            let example = example.expect("serializes");
            for field in schemas[schema]["required"].as_array().expect("required") {
                let field = field.as_str().expect("a name");
                assert!(example.get(field).is_some(), "{schema}.{field}");
            }
        }
        for code in [
            codes::ACCOUNT_NOT_FOUND,
            codes::BILL_NOT_FOUND,
            codes::BILL_ALREADY_PAID,
            codes::AMOUNT_CHANGED,
            codes::LOCK_EXPIRED,
            codes::IDEMPOTENCY_KEY_REUSED,
        ] {
            assert!(OPENAPI.contains(code), "{code}");
        }
    }

    #[test]
    fn options_name_a_known_utility() {
        let table = |text: &str| -> toml::Table { toml::from_str(text).expect("toml") };
        assert!(check_options(&table(
            "utility = \"water\"\nname_zh = \"水务\"\nname_en = \"Water\""
        ))
        .is_ok());
        let error = check_options(&table(
            "utility = \"steam\"\nname_zh = \"x\"\nname_en = \"x\"",
        ))
        .expect_err("unknown");
        assert!(error.contains("electricity, water, gas"), "{error}");
    }
}
