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
use model::account::Viewer;
use portal_core::accounts::limits::count_submission;
use portal_core::web::{
    client::Client,
    error::{Failure, PublicError, INTERNAL},
    forms::{encode, field, fields, locale_of, resident_of, see_other, with_query},
};

use crate::{
    accounts::AccountForm,
    pay::{Chosen, PayError, MAX_BILLS_AT_ONCE},
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
        .route("/c/{city}/bills/accounts/prove", post(prove_account))
        .route("/c/{city}/bills/pay", post(pay))
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

/// `POST /c/{city}/bills/accounts`: saves an account the company knows, proven by an open
/// bill's amount, with consent.
async fn add_account(
    State(bills): State<Arc<UtilityBills>>,
    Path(city): Path<String>,
    viewer: Option<Extension<Viewer>>,
    Client(client): Client,
    body: Bytes,
) -> Response {
    let Some(resident) = resident_of(viewer) else {
        return sign_in(&city);
    };
    let form = fields(&body, 64);
    let page = bills_page(&city);
    if let Err(error) =
        count_submission(&bills.portal.storage, "save-account", &resident, &client).await
    {
        return Failure::of(&error).back_to(&page, "");
    }
    let account = AccountForm {
        biller: field(&form, "biller"),
        number: field(&form, "number"),
        label: field(&form, "label"),
        amount: field(&form, "amount"),
        consent: field(&form, "consent") == "yes",
    };
    match bills
        .save_account(&resident, &city, &account, &client)
        .await
    {
        Ok(()) => see_other(&with_query(&page, "notice", "bills-account-added")),
        Err(error) => Failure::of(&error).back_to(&page, ""),
    }
}

/// `POST /c/{city}/bills/accounts/prove`: proves a saved `account` with an open bill's
/// `amount`.
async fn prove_account(
    State(bills): State<Arc<UtilityBills>>,
    Path(city): Path<String>,
    viewer: Option<Extension<Viewer>>,
    Client(client): Client,
    body: Bytes,
) -> Response {
    let Some(resident) = resident_of(viewer) else {
        return sign_in(&city);
    };
    let form = fields(&body, 16);
    let page = bills_page(&city);
    if let Err(error) =
        count_submission(&bills.portal.storage, "save-account", &resident, &client).await
    {
        return Failure::of(&error).back_to(&page, "");
    }
    match bills
        .prove_account(
            &resident,
            &city,
            field(&form, "account"),
            field(&form, "amount"),
            &client,
        )
        .await
    {
        Ok(()) => see_other(&with_query(&page, "notice", "bills-account-proven")),
        Err(error) => Failure::of(&error).back_to(&page, ""),
    }
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
    if let Err(error) = count_submission(&bills.portal.storage, "pay", &resident, &client).await {
        return Failure::of(&error).back_to(&page, "");
    }
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
