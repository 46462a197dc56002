//! Payments over HTTP: the payment provider's notifications, and the way back to its page. A notification is believed
//! only as far as "ask about this order now": it is checked (signature, freshness,
//! encryption), a replay of one already seen changes nothing, and the state itself always
//! comes from asking the provider.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{FromRef, Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Extension, Json, Router,
};
use model::account::Viewer;
use portal_core::accounts::limits::count_submission;
use portal_core::web::{
    client::Client,
    error::{Failure, PublicError, INTERNAL},
    forms::{encode, resident_of, see_other},
};

use crate::{
    lifecycle::MovedBy,
    port::NoticeError,
    refunds::RefundState,
    settle::{Ending, RecheckError},
    store::{PaymentState, CONFIRM, REFUND},
    Payments, NOTIFY_PATH,
};

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Payments>: FromRef<S>,
{
    Router::new()
        .route(&format!("/{NOTIFY_PATH}{{provider}}"), post(notified))
        .route("/me/payments/{id}/pay", post(continue_paying))
        .route("/me/payments/{id}/cancel", post(cancel_payment))
}

/// `POST /me/payments/{id}/pay`: back to the provider's page for an open payment (the one
/// given less than 4 minutes ago, or a fresh one: the provider's lasts 5); otherwise to the
/// payment's own page. A form, not a link: it may call the provider, which no prefetch or
/// crawler should; sending the same order again charges nothing.
async fn continue_paying(
    State(payments): State<Arc<Payments>>,
    Path(id): Path<String>,
    viewer: Option<Extension<Viewer>>,
    Client(client): Client,
) -> Response {
    let page = format!("/me/payments/{}", encode(&id));
    let resident =
        match resident_counted(&payments, viewer, &client, "continue-paying", &page).await {
            Ok(resident) => resident,
            Err(answer) => return *answer,
        };
    match payments
        .resume(&resident, &id, crate::payer_ip(&client))
        .await
    {
        Ok(Some(started)) => see_other(started.pay_url.as_str()),
        Ok(None) => see_other(&page),
        Err(error) => Failure::of(&error).back_to(&page, ""),
    }
}

/// `POST /me/payments/{id}/cancel`: the resident gives up an open payment (coming back from
/// the provider's page cannot tell a cancellation there from a payment under way). Its order
/// is closed at the provider and asked about; only once the provider says it is closed (or
/// paid) is it settled, and what it held freed or paid; the page says which.
async fn cancel_payment(
    State(payments): State<Arc<Payments>>,
    Path(id): Path<String>,
    viewer: Option<Extension<Viewer>>,
    Client(client): Client,
) -> Response {
    let page = format!("/me/payments/{}", encode(&id));
    let resident = match resident_counted(&payments, viewer, &client, "cancel-payment", &page).await
    {
        Ok(resident) => resident,
        Err(answer) => return *answer,
    };
    let mine = match payments.store.by_id(&id).await {
        Ok(found) => found.filter(|p| p.resident_id.as_deref() == Some(resident.as_str())),
        Err(error) => return Failure::of(&error).back_to(&page, ""),
    };
    let Some(payment) = mine else {
        return see_other("/me/payments");
    };
    if payment.state != PaymentState::Open {
        return see_other(&page);
    }
    match payments.end_now(&payment.id, MovedBy::Resident).await {
        Ok(Ending::Ended) => see_other(&format!("{page}?notice=payment-cancelled")),
        Ok(Ending::Paid) => see_other(&format!("{page}?notice=payment-paid-meanwhile")),
        // The provider could not say yet: its job keeps asking, and closes it.
        Ok(Ending::Open) => see_other(&format!("{page}?error=payment-error-not-cancelled-yet")),
        Err(error) => Failure::of(&error).back_to(&page, ""),
    }
}

/// The signed-in resident of a form about a payment on `page`, counted against the form
/// limits as `kind`; otherwise the answer: to sign in, or back to the page with why.
async fn resident_counted(
    payments: &Payments,
    viewer: Option<Extension<Viewer>>,
    client: &str,
    kind: &'static str,
    page: &str,
) -> Result<String, Box<Response>> {
    let Some(resident) = resident_of(viewer) else {
        return Err(Box::new(see_other(&format!(
            "/signin?next={}",
            encode(page)
        ))));
    };
    count_submission(&payments.portal.storage, kind, &resident, client)
        .await
        .map_err(|error| Box::new(Failure::of(&error).back_to(page, "")))?;
    Ok(resident)
}

/// The answer WeChat Pay expects when a notification is refused: it tries again later.
fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "code": "FAIL", "message": message })),
    )
        .into_response()
}

async fn notified(
    State(payments): State<Arc<Payments>>,
    Path(provider_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(provider) = payments.provider(&provider_id) else {
        return refuse(StatusCode::NOT_FOUND, "unknown provider");
    };
    let notice = match provider.adapter.read_notice(&headers, &body) {
        Ok(notice) => notice,
        Err(error) => {
            tracing::warn!(provider = %provider_id, %error, "payment notification refused");
            let status = match error {
                NoticeError::Malformed(_) => StatusCode::BAD_REQUEST,
                NoticeError::Forged | NoticeError::Stale(_) | NoticeError::Undecryptable => {
                    StatusCode::UNAUTHORIZED
                }
            };
            return refuse(status, "refused");
        }
    };
    let outcome = async {
        if payments.store.seen_notice(&provider_id, &notice.id).await? {
            // Acted on before: acknowledged again, so the provider stops sending it.
            return Ok(StatusCode::NO_CONTENT);
        }
        let Some(payment) = payments.store.by_order_no(&notice.order_no).await? else {
            return Ok(StatusCode::NO_CONTENT);
        };
        if payment.provider_id != provider_id {
            return Ok(StatusCode::NO_CONTENT);
        }
        match payment.state {
            PaymentState::Open => {
                payments.portal.jobs.hurry(CONFIRM, &payment.id).await?;
            }
            // Money may have arrived after it was closed: asked, and given back if so.
            PaymentState::Failed => payments.check_failed(&payment).await?,
            _ => {}
        }
        // A refund notification names the order: each of its refunds under way is asked.
        for refund in payments.refunds.of_payment(&payment).await? {
            if refund.state == RefundState::Requested {
                payments
                    .portal
                    .jobs
                    .hurry(REFUND, &refund.refund_no)
                    .await?;
            }
        }
        // Remembered only once acted on: a notification answered with an error is sent
        // again, and must not then be taken for a replay.
        payments
            .store
            .remember_notice(&provider_id, &notice.id)
            .await?;
        Ok::<_, RecheckError>(StatusCode::NO_CONTENT)
    };
    match outcome.await {
        Ok(status) => status.into_response(),
        Err(error) => {
            tracing::error!(%error, "payment notification not recorded");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "try again")
        }
    }
}

impl PublicError for crate::StartError {
    fn status(&self) -> StatusCode {
        match self {
            crate::StartError::NoProvider => StatusCode::NOT_FOUND,
            crate::StartError::ProviderDown(_) => StatusCode::SERVICE_UNAVAILABLE,
            crate::StartError::Refused(_)
            | crate::StartError::AlreadyPaid { .. }
            | crate::StartError::UnderWay
            | crate::StartError::HoldEnded => StatusCode::CONFLICT,
            crate::StartError::TooManyOpen => StatusCode::TOO_MANY_REQUESTS,
            crate::StartError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            crate::StartError::NoProvider => "payment-error-no-provider",
            crate::StartError::ProviderDown(_) => "payment-error-provider-down",
            crate::StartError::Refused(_) => "payment-error-refused",
            crate::StartError::AlreadyPaid { .. } => "payment-error-already-paid",
            crate::StartError::UnderWay => "payment-error-under-way",
            crate::StartError::TooManyOpen => "payment-error-too-many-open",
            crate::StartError::HoldEnded => "payment-error-hold-ended",
            crate::StartError::Storage(_) => INTERNAL,
        }
    }
}
