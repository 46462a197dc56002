//! A GOV.UK Notify simulator: the `POST /v2/notifications/{sms,email}` endpoints with the
//! real request and response shapes and JWT checks. It delivers nothing; it keeps what it
//! was sent in an outbox, which the demo's `/_demo/outbox` page shows.

use std::sync::{Arc, Mutex};

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;

use super::faults::{apply_faults, FaultKnobs};
use crate::notify::govuk::{sign_jwt, ApiKey, Templates};

/// The simulator's one API key, made at start; the adapter is configured with it.
pub fn demo_api_key() -> String {
    format!(
        "city-portal-demo-{}-{}",
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4()
    )
}

pub fn demo_templates() -> Templates {
    Templates {
        sms_code: "0b6f3b9e-5d1c-4d0e-9a57-1c2f6e7c0a01".to_owned(),
        email_code: "0b6f3b9e-5d1c-4d0e-9a57-1c2f6e7c0a02".to_owned(),
    }
}

const CODE_TEMPLATE: &str =
    "城市服务验证码 ((code))，10 分钟内有效。City Portal code: ((code)). It expires in 10 minutes.";

/// One message the simulator accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentMessage {
    pub id: String,
    /// "sms" or "email".
    pub channel: &'static str,
    pub to: String,
    pub body: String,
    pub reference: Option<String>,
    pub sent_at: i64,
}

/// What the simulator was sent, newest last; bounded so a long demo cannot grow it forever.
#[derive(Debug, Default)]
pub struct Outbox {
    messages: Mutex<Vec<SentMessage>>,
}

const OUTBOX_LIMIT: usize = 200;

impl Outbox {
    pub fn all(&self) -> Vec<SentMessage> {
        self.messages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn push(&self, message: SentMessage) {
        let mut messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
        messages.push(message);
        if messages.len() > OUTBOX_LIMIT {
            let excess = messages.len() - OUTBOX_LIMIT;
            messages.drain(..excess);
        }
    }

    /// The newest one-time code sent to `to` (tests and the demo read it from here).
    pub fn latest_code_for(&self, to: &str) -> Option<String> {
        self.all()
            .into_iter()
            .rev()
            .find(|m| m.to == to)
            .and_then(|m| extract_code(&m.body))
    }
}

fn extract_code(body: &str) -> Option<String> {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .map(str::to_owned)
}

struct SimState {
    key: ApiKey,
    templates: Templates,
    outbox: Arc<Outbox>,
}

pub fn router(api_key: &str, outbox: Arc<Outbox>, knobs: Arc<FaultKnobs>) -> Option<Router> {
    let key = ApiKey::parse(api_key).ok()?;
    let state = Arc::new(SimState {
        key,
        templates: demo_templates(),
        outbox,
    });
    Some(
        Router::new()
            .route("/v2/notifications/{channel}", post(send))
            .with_state(state)
            .layer(middleware::from_fn_with_state(knobs, apply_faults)),
    )
}

#[derive(Deserialize)]
struct SendBody {
    phone_number: Option<String>,
    email_address: Option<String>,
    template_id: String,
    #[serde(default)]
    personalisation: serde_json::Map<String, serde_json::Value>,
    reference: Option<String>,
}

/// Notify's error shape.
fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(json!({
            "status_code": status.as_u16(),
            "errors": [{ "error": kind, "message": message }],
        })),
    )
        .into_response()
}

/// Checks `Authorization: Bearer <jwt>` as Notify does: signed by this key, issued for this
/// service, issued within the last 30 seconds.
fn authorised(state: &SimState, headers: &HeaderMap) -> Result<(), (StatusCode, &'static str)> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or((
            StatusCode::UNAUTHORIZED,
            "Unauthorized: authentication token must be provided",
        ))?;
    let claims = token
        .split('.')
        .nth(1)
        .and_then(|c| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(c)
                .ok()
        })
        .and_then(|c| serde_json::from_slice::<serde_json::Value>(&c).ok())
        .ok_or((
            StatusCode::FORBIDDEN,
            "Invalid token: signature, api token is not valid",
        ))?;
    let issued_at = claims["iat"].as_i64().unwrap_or_default();
    let issuer = claims["iss"].as_str().unwrap_or_default();
    let expected = sign_jwt(&state.key.service_id, issued_at, state.key_secret());
    if issuer != state.key.service_id || token != expected {
        return Err((
            StatusCode::FORBIDDEN,
            "Invalid token: signature, api token is not valid",
        ));
    }
    if (jiff::Timestamp::now().as_second() - issued_at).abs() > 30 {
        return Err((
            StatusCode::FORBIDDEN,
            "Error: Your system clock must be accurate to within 30 seconds",
        ));
    }
    Ok(())
}

impl SimState {
    fn key_secret(&self) -> &[u8] {
        self.key.secret_bytes()
    }
}

async fn send(
    State(state): State<Arc<SimState>>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    body: Result<Json<SendBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if let Err((status, message)) = authorised(&state, &headers) {
        return error(status, "AuthError", message);
    }
    let Ok(Json(body)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            "request body is not valid JSON",
        );
    };
    let (channel, to, template) = match channel.as_str() {
        "sms" => ("sms", body.phone_number.clone(), &state.templates.sms_code),
        "email" => (
            "email",
            body.email_address.clone(),
            &state.templates.email_code,
        ),
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                "NotFound",
                "unknown notification type",
            )
        }
    };
    let Some(to) = to.filter(|t| !t.is_empty()) else {
        let field = if channel == "sms" {
            "phone_number"
        } else {
            "email_address"
        };
        return error(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            &format!("{field} is a required property"),
        );
    };
    if &body.template_id != template {
        return error(
            StatusCode::BAD_REQUEST,
            "BadRequestError",
            "Template not found",
        );
    }
    let Some(code) = body.personalisation.get("code").and_then(|c| c.as_str()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "BadRequestError",
            "Missing personalisation: code",
        );
    };
    let content = CODE_TEMPLATE.replace("((code))", code);
    let id = uuid::Uuid::new_v4().to_string();
    state.outbox.push(SentMessage {
        id: id.clone(),
        channel,
        to,
        body: content.clone(),
        reference: body.reference.clone(),
        sent_at: jiff::Timestamp::now().as_second(),
    });
    (
        StatusCode::CREATED,
        Json(json!({
            "id": id,
            "reference": body.reference,
            "content": { "body": content, "from_number": "CityPortal" },
            "uri": format!("/v2/notifications/{id}"),
            "template": { "id": body.template_id, "version": 1, "uri": format!("/v2/template/{}", body.template_id) },
        })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_found_in_the_body() {
        let body = CODE_TEMPLATE.replace("((code))", "042917");
        assert_eq!(extract_code(&body).as_deref(), Some("042917"));
    }
}
