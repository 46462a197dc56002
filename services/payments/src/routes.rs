//! Payments over HTTP: the payment provider's notifications. A notification is believed
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
    Json, Router,
};

use crate::{
    port::NoticeError,
    store::{PaymentState, CONFIRM, REFUND},
    Payments, NOTIFY_PATH,
};

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Payments>: FromRef<S>,
{
    Router::new().route(&format!("/{NOTIFY_PATH}{{provider}}"), post(notified))
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
        if !payments
            .store
            .first_notice(&provider_id, &notice.id)
            .await?
        {
            // Seen before: acknowledged again, so the provider stops sending it.
            return Ok(StatusCode::NO_CONTENT);
        }
        let Some(payment) = payments.store.by_order_no(&notice.order_no).await? else {
            return Ok(StatusCode::NO_CONTENT);
        };
        if payment.provider_id != provider_id {
            return Ok(StatusCode::NO_CONTENT);
        }
        let kind = match payment.state {
            PaymentState::Open => CONFIRM,
            PaymentState::Refunding => REFUND,
            _ => return Ok(StatusCode::NO_CONTENT),
        };
        payments.portal.jobs.hurry(kind, &payment.id).await?;
        Ok::<_, portal_core::storage::StorageError>(StatusCode::NO_CONTENT)
    };
    match outcome.await {
        Ok(status) => status.into_response(),
        Err(error) => {
            tracing::error!(%error, "payment notification not recorded");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "try again")
        }
    }
}
