//! Bills over HTTP, as plain forms that work without a script: save an account (with the
//! resident's consent that its company be asked about it), remove one, pay the chosen bills
//! (answered with a redirect to the payment provider's page).

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{FromRef, Path, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    routing::post,
    Extension, Router,
};
use model::{account::Viewer, ServiceKind};
use portal_core::web::{
    client::Client,
    error::{Failure, PublicError, INTERNAL},
    forms::{encode, field, fields, locale_of, resident_of, see_other, with_query},
};

use crate::{
    customer,
    pages::MAX_LABEL,
    pay::{Chosen, PayError, MAX_BILLS_AT_ONCE},
    port::BillerError,
    provider_api::MAX_NUMBER,
    UtilityBills,
};

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<UtilityBills>: FromRef<S>,
{
    Router::new()
        .route("/c/{city}/bills/accounts", post(add_account))
        .route("/c/{city}/bills/accounts/remove", post(remove_account))
        .route("/c/{city}/bills/pay", post(pay))
}

/// Why an account could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account number is 1 to {MAX_NUMBER} letters, digits or dashes")]
    BadNumber,
    #[error("a label is at most {MAX_LABEL} characters")]
    BadLabel,
    #[error("no such company in this city")]
    UnknownBiller,
    #[error("consent not given")]
    NoConsent,
    #[error("the company does not know the account")]
    UnknownAccount,
    #[error("the company is not answering")]
    BillerDown,
    #[error("storage: {0}")]
    Storage(String),
}

impl PublicError for AccountError {
    fn status(&self) -> StatusCode {
        match self {
            AccountError::BillerDown => StatusCode::SERVICE_UNAVAILABLE,
            AccountError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            AccountError::BadNumber => "bills-error-number",
            AccountError::BadLabel => "bills-error-label",
            AccountError::UnknownBiller => "bills-error-biller",
            AccountError::NoConsent => "bills-error-consent",
            AccountError::UnknownAccount => "bills-error-unknown-account",
            AccountError::BillerDown => "bills-error-biller-down",
            AccountError::Storage(_) => INTERNAL,
        }
    }
}

impl PublicError for PayError {
    fn status(&self) -> StatusCode {
        match self {
            PayError::BillerDown(_) => StatusCode::SERVICE_UNAVAILABLE,
            PayError::Payment(error) => error.status(),
            PayError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
            PayError::AlreadyPaid | PayError::BeingPaid | PayError::AmountChanged => {
                StatusCode::CONFLICT
            }
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            PayError::NothingChosen => "bills-error-nothing-chosen",
            PayError::TooMany => "bills-error-too-many",
            PayError::UnknownAccount => "bills-error-unknown-account",
            PayError::ConsentWithdrawn => "bills-error-consent-withdrawn",
            PayError::BillGone => "bills-error-bill-gone",
            PayError::AmountChanged => "bills-error-amount-changed",
            PayError::AlreadyPaid => "bills-error-already-paid",
            PayError::BeingPaid => "bills-error-being-paid",
            PayError::BillerDown(_) => "bills-error-biller-down",
            PayError::Payment(error) => error.message_key(),
            PayError::Storage(_) => INTERNAL,
        }
    }
}

fn bills_page(city: &str) -> String {
    format!("/c/{}/bills", encode(city))
}

fn sign_in(city: &str) -> Response {
    see_other(&format!("/signin?next={}", encode(&bills_page(city))))
}

/// `POST /c/{city}/bills/accounts`: saves an account the company knows, with consent.
async fn add_account(
    State(bills): State<Arc<UtilityBills>>,
    Path(city): Path<String>,
    viewer: Option<Extension<Viewer>>,
    body: Bytes,
) -> Response {
    let Some(resident) = resident_of(viewer) else {
        return sign_in(&city);
    };
    let form = fields(&body, 64);
    let page = bills_page(&city);
    match save(&bills, &resident, &city, &form).await {
        Ok(()) => see_other(&with_query(&page, "notice", "bills-account-added")),
        Err(error) => Failure::of(&error).back_to(&page, ""),
    }
}

async fn save(
    bills: &UtilityBills,
    resident: &str,
    city: &str,
    form: &[(String, String)],
) -> Result<(), AccountError> {
    let number = field(form, "number").trim().to_ascii_uppercase();
    let label = field(form, "label").trim().to_owned();
    let valid_number = !number.is_empty()
        && number.len() <= MAX_NUMBER
        && number
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !valid_number {
        return Err(AccountError::BadNumber);
    }
    if label.chars().count() > MAX_LABEL || portal_core::plain_text::has_hidden_controls(&label) {
        return Err(AccountError::BadLabel);
    }
    let biller = bills
        .billers
        .get(field(form, "biller"))
        .filter(|b| b.city_id == city)
        .ok_or(AccountError::UnknownBiller)?;
    if field(form, "consent") != "yes" {
        return Err(AccountError::NoConsent);
    }
    let storage = |e: &dyn std::fmt::Display| AccountError::Storage(e.to_string());
    // The company is asked about the number only once the resident agreed that it may be.
    bills
        .portal
        .privacy
        .grant(
            resident,
            &biller.provider_id,
            ServiceKind::UtilityBills.id(),
            &[],
        )
        .await
        .map_err(|e| storage(&e))?;
    let pseudonym = bills.customer_id(&biller.provider_id, resident);
    match biller
        .adapter
        .open_bills(&number, &customer(&pseudonym))
        .await
    {
        Ok(_) => {}
        Err(BillerError::UnknownAccount) => return Err(AccountError::UnknownAccount),
        Err(_) => return Err(AccountError::BillerDown),
    }
    let label = if label.is_empty() {
        biller.options.utility.clone()
    } else {
        label
    };
    bills
        .store
        .save_account(resident, city, &biller.provider_id, &number, &label)
        .await
        .map_err(|e| storage(&e))?;
    Ok(())
}

/// `POST /c/{city}/bills/accounts/remove`.
async fn remove_account(
    State(bills): State<Arc<UtilityBills>>,
    Path(city): Path<String>,
    viewer: Option<Extension<Viewer>>,
    body: Bytes,
) -> Response {
    let Some(resident) = resident_of(viewer) else {
        return sign_in(&city);
    };
    let form = fields(&body, 64);
    let page = bills_page(&city);
    match bills
        .store
        .remove_account(&resident, field(&form, "account"))
        .await
    {
        Ok(_) => see_other(&with_query(&page, "notice", "bills-account-removed")),
        Err(error) => Failure::of(&error).back_to(&page, ""),
    }
}

/// `POST /c/{city}/bills/pay`: the chosen bills (`bill`, repeated), paid at once.
async fn pay(
    State(bills): State<Arc<UtilityBills>>,
    Path(city): Path<String>,
    viewer: Option<Extension<Viewer>>,
    Client(client): Client,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(resident) = resident_of(viewer) else {
        return sign_in(&city);
    };
    let page = bills_page(&city);
    let chosen: Vec<Chosen> = fields(&body, 64)
        .iter()
        .filter(|(name, _)| name == "bill")
        .take(MAX_BILLS_AT_ONCE + 1)
        .filter_map(|(_, value)| Chosen::parse(value))
        .collect();
    let locale = locale_of(&headers);
    let payer_ip = payments::payer_ip(&client);
    match bills.pay(&resident, &city, &chosen, locale, payer_ip).await {
        Ok(started) => see_other(started.pay_url.as_str()),
        Err(error) => Failure::of(&error).back_to(&page, ""),
    }
}
