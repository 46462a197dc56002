//! The resident's forms: sign-up with a one-time code, sign-in and sign-out, the profile,
//! consent, the inbox; and the passkey ceremonies, which the browser's WebAuthn API drives
//! with JSON. Each checks the session itself; the pages only display.

use axum::{
    extract::{Extension, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Form, Json,
};
use serde::Deserialize;
use serde_json::json;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use model::account::{PasskeyDone, PasskeySignInStart, Viewer};

use super::{
    session::{clear_session_cookie, cookie, session_cookie, RESIDENT_COOKIE},
    AppState,
};
use crate::{
    accounts::AccountError,
    catalog::KNOWN,
    sessions::{self, SubjectKind},
    web::{
        client::Client,
        error::Failure,
        forms::{
            back_with_error, encode, forget_every_kept_form, forget_kept_contact, next_path,
            see_other, see_other_with_cookies,
        },
    },
};

/// A message from the portal itself to the resident's inbox, in the language of this
/// request: a welcome, or word of a change to how they sign in (so that a change they did not
/// make does not go unnoticed). `key` names the catalog's `-title` and `-body` messages. A
/// failure is logged; it never undoes what the resident did.
async fn tell_resident(state: &AppState, resident: &str, headers: &http::HeaderMap, key: &str) {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &http::HeaderValue| v.to_str().ok())
    };
    let locale = model::prefs::Prefs::from_headers(
        header(http::header::COOKIE),
        header(http::header::ACCEPT_LANGUAGE),
    )
    .locale;
    let title = model::i18n::t(locale, &format!("{key}-title"));
    let body = model::i18n::t(locale, &format!("{key}-body"));
    if let Err(error) = state
        .portal
        .inbox
        .deliver(resident, None, None, &title, &body)
        .await
    {
        tracing::error!(%error, "inbox message not stored");
    }
}

async fn signed_in(
    state: &AppState,
    resident_id: &str,
    next: &str,
    headers: &http::HeaderMap,
) -> Response {
    // A service may have something done on this browser before signing in to offer first.
    let mut home = "/me";
    for service in state.services.all() {
        if let Some(landing) = service.landing_after_sign_in(headers).await {
            home = landing;
            break;
        }
    }
    match sessions::start(&state.portal.storage, SubjectKind::Resident, resident_id).await {
        Ok(token) => see_other_with_cookies(
            &next_path(if next.is_empty() { home } else { next }),
            &[
                session_cookie(SubjectKind::Resident, &token),
                // On a shared phone, the next person must not find this contact typed in.
                forget_kept_contact(),
            ],
        ),
        Err(error) => Failure::of(&error).back_to("/signin", next),
    }
}

#[derive(Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    contact: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    next: String,
}

pub async fn sign_up(
    State(state): State<AppState>,
    Client(client): Client,
    Form(form): Form<SignUpForm>,
) -> Response {
    match state
        .portal
        .accounts
        .start_sign_up(&form.contact, &form.password, &form.display_name, &client)
        .await
    {
        Ok(pending) => {
            let mut location = format!("/signup/verify?pending={}", encode(&pending.id));
            if !form.next.is_empty() {
                location.push_str(&format!("&next={}", encode(&next_path(&form.next))));
            }
            see_other(&location)
        }
        Err(error) => Failure::of(&error).back_keeping("/signup", &form.next, &form.contact),
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pending: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

pub async fn confirm_sign_up(
    State(state): State<AppState>,
    headers: http::HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    match state
        .portal
        .accounts
        .finish_sign_up(&form.pending, &form.code)
        .await
    {
        Ok(resident_id) => {
            tell_resident(&state, &resident_id, &headers, "message-welcome").await;
            signed_in(&state, &resident_id, &form.next, &headers).await
        }
        Err(error) => Failure::of(&error)
            .with("pending", form.pending.clone())
            .back_to("/signup/verify", &form.next),
    }
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    contact: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    Client(client): Client,
    headers: http::HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    match state
        .portal
        .accounts
        .sign_in(&form.contact, &form.password, &client)
        .await
    {
        Ok(resident_id) => signed_in(&state, &resident_id, &form.next, &headers).await,
        Err(error) => Failure::of(&error).back_keeping("/signin", &form.next, &form.contact),
    }
}

pub async fn sign_out(State(state): State<AppState>, headers: http::HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, RESIDENT_COOKIE) {
        if let Err(error) = sessions::end(&state.portal.storage, token).await {
            return Failure::of(&error).back_to("/me", "");
        }
    }
    let mut cookies = forget_every_kept_form();
    cookies.push(clear_session_cookie(SubjectKind::Resident));
    cookies.extend(forget_services_kept(&state));
    see_other_with_cookies("/", &cookies)
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    SignedIn(resident): SignedIn,
) -> Response {
    if let Err(error) =
        sessions::end_all(&state.portal.storage, SubjectKind::Resident, &resident).await
    {
        return Failure::of(&error).back_to("/me", "");
    }
    let mut cookies = forget_every_kept_form();
    cookies.push(clear_session_cookie(SubjectKind::Resident));
    cookies.extend(forget_services_kept(&state));
    see_other_with_cookies("/signin?notice=signed-out-everywhere", &cookies)
}

/// What the services keep on this browser of the resident's, forgotten at sign-out: on a
/// shared phone, the next person is offered none of it.
fn forget_services_kept(state: &AppState) -> Vec<String> {
    state
        .services
        .all()
        .iter()
        .flat_map(|service| service.forget_at_sign_out())
        .collect()
}

/// The signed-in resident of a form post. Without one, the visitor is sent to sign in and
/// then back to the page the form was on.
pub struct SignedIn(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for SignedIn {
    type Rejection = axum::response::Redirect;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        if let Some(resident) = parts
            .extensions
            .get::<Viewer>()
            .and_then(|v| v.resident.as_ref())
        {
            return Ok(SignedIn(resident.id.clone()));
        }
        let back = parts
            .headers
            .get(http::header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| url::Url::parse(v).ok())
            .map_or_else(
                || "/me".to_owned(),
                |u| match u.query() {
                    Some(query) => format!("{}?{query}", u.path()),
                    None => u.path().to_owned(),
                },
            );
        Err(axum::response::Redirect::to(&format!(
            "/signin?next={}",
            encode(&next_path(&back))
        )))
    }
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    display_name: String,
    /// `city/region`, `city`, or empty.
    #[serde(default)]
    home: String,
}

pub async fn save_profile(
    State(state): State<AppState>,
    SignedIn(resident): SignedIn,
    Form(form): Form<ProfileForm>,
) -> Response {
    let (city, region) = match form.home.split_once('/') {
        Some((city, region)) => (Some(city), Some(region)),
        None if form.home.is_empty() => (None, None),
        None => (Some(form.home.as_str()), None),
    };
    let known = match (city, region) {
        (None, _) => true,
        (Some(city), region) => state
            .portal
            .cities
            .get(city)
            .is_some_and(|c| region.is_none_or(|r| c.region(r).is_some())),
    };
    if !known {
        return Failure::of(&AccountError::UnknownPlace).back_to("/me", "");
    }
    match state
        .portal
        .accounts
        .update_profile(&resident, &form.display_name, city, region)
        .await
    {
        Ok(()) => see_other("/me?notice=saved"),
        Err(error) => Failure::of(&error).back_to("/me", ""),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

/// A new password ends every other session: whoever else knew the old one is signed out.
pub async fn change_password(
    State(state): State<AppState>,
    SignedIn(resident): SignedIn,
    Client(client): Client,
    Form(form): Form<PasswordForm>,
) -> Response {
    if let Err(error) = state
        .portal
        .accounts
        .change_password(&resident, &form.current, &form.new, &client)
        .await
    {
        return Failure::of(&error).back_to("/me", "");
    }
    let storage = &state.portal.storage;
    let restarted = match sessions::end_all(storage, SubjectKind::Resident, &resident).await {
        Ok(_) => sessions::start(storage, SubjectKind::Resident, &resident).await,
        Err(error) => Err(error),
    };
    match restarted {
        Ok(token) => see_other_with_cookies(
            "/me?notice=password-changed",
            &[session_cookie(SubjectKind::Resident, &token)],
        ),
        Err(error) => {
            tracing::error!(%error, "sessions not renewed after a password change");
            see_other("/signin")
        }
    }
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    contact: String,
}

pub async fn add_contact(
    State(state): State<AppState>,
    SignedIn(resident): SignedIn,
    Client(client): Client,
    Form(form): Form<ContactForm>,
) -> Response {
    match state
        .portal
        .accounts
        .start_contact_change(&resident, &form.contact, &client)
        .await
    {
        Ok(pending) => see_other(&format!("/me/contact?pending={}", encode(&pending.id))),
        Err(error) => Failure::of(&error).back_keeping("/me", "", &form.contact),
    }
}

pub async fn confirm_contact(
    State(state): State<AppState>,
    SignedIn(resident): SignedIn,
    headers: http::HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    match state
        .portal
        .accounts
        .finish_contact_change(&resident, &form.pending, &form.code)
        .await
    {
        Ok(_) => {
            tell_resident(&state, &resident, &headers, "message-contact-added").await;
            see_other("/me?notice=contact-added")
        }
        Err(error) => Failure::of(&error)
            .with("pending", form.pending.clone())
            .back_to("/me/contact", ""),
    }
}

#[derive(Deserialize)]
pub struct PasskeyForm {
    #[serde(default)]
    id: String,
}

pub async fn remove_passkey(
    State(state): State<AppState>,
    SignedIn(resident): SignedIn,
    Form(form): Form<PasskeyForm>,
) -> Response {
    match state
        .portal
        .accounts
        .remove_passkey(&resident, &form.id)
        .await
    {
        Ok(_) => see_other("/me?notice=passkey-removed"),
        Err(error) => Failure::of(&error).back_to("/me", ""),
    }
}

#[derive(Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    city: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    next: String,
}

/// Agrees to what the service's consent page showed: its fields, to its city's provider.
pub async fn grant_consent(
    State(state): State<AppState>,
    SignedIn(resident): SignedIn,
    Form(form): Form<ConsentForm>,
) -> Response {
    let page = format!(
        "/c/{}/consent/{}",
        encode(&form.city),
        encode(&form.service)
    );
    let service = model::ServiceKind::from_id(&form.service);
    let provider = state.portal.cities.get(&form.city).and_then(|city| {
        city.services
            .iter()
            .find(|s| Some(s.service) == service)
            .map(|s| (s.provider_id.clone(), s.service))
    });
    let Some((provider_id, service)) = provider else {
        return back_with_error(&page, "error-service-not-offered", &form.next, &[]);
    };
    match state
        .portal
        .privacy
        .grant(
            &resident,
            &provider_id,
            service.id(),
            KNOWN.personal_fields(service),
        )
        .await
    {
        Ok(()) => see_other(&next_path(if form.next.is_empty() {
            "/me/data"
        } else {
            &form.next
        })),
        Err(error) => Failure::of(&error).back_to(&page, &form.next),
    }
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    provider: String,
    #[serde(default)]
    service: String,
}

pub async fn withdraw_consent(
    State(state): State<AppState>,
    SignedIn(resident): SignedIn,
    Form(form): Form<WithdrawForm>,
) -> Response {
    match state
        .portal
        .privacy
        .withdraw(&resident, &form.provider, &form.service)
        .await
    {
        Ok(_) => see_other("/me/data?notice=withdrawn"),
        Err(error) => Failure::of(&error).back_to("/me/data", ""),
    }
}

#[derive(Deserialize)]
pub struct ReadForm {
    /// One message, or all when empty.
    #[serde(default)]
    id: String,
}

pub async fn mark_read(
    State(state): State<AppState>,
    SignedIn(resident): SignedIn,
    Form(form): Form<ReadForm>,
) -> Response {
    let one = Some(form.id.as_str()).filter(|id| !id.is_empty());
    match state.portal.inbox.mark_read(&resident, one).await {
        Ok(_) => see_other("/inbox"),
        Err(error) => Failure::of(&error).back_to("/inbox", ""),
    }
}

#[derive(Deserialize)]
pub struct MuteForm {
    #[serde(default)]
    provider: String,
    /// "1" to mute, "0" to hear again.
    #[serde(default)]
    mute: String,
    #[serde(default)]
    next: String,
}

pub async fn mute_provider(
    State(state): State<AppState>,
    SignedIn(resident): SignedIn,
    Form(form): Form<MuteForm>,
) -> Response {
    if !model::prefs::is_id(&form.provider) {
        return back_with_error("/inbox", "error-not-found", "", &[]);
    }
    match state
        .portal
        .inbox
        .set_muted(&resident, &form.provider, form.mute == "1")
        .await
    {
        Ok(()) => see_other(&next_path(if form.next.is_empty() {
            "/inbox"
        } else {
            &form.next
        })),
        Err(error) => Failure::of(&error).back_to("/inbox", ""),
    }
}

// Passkeys: JSON for the pages' passkey island, which hands the options to the browser's
// `navigator.credentials` and posts back what the authenticator made.

fn json_error(error: &AccountError) -> Response {
    if let AccountError::Passkey(detail) = error {
        tracing::info!(%detail, "passkey ceremony refused");
    }
    Failure::of(error).into_response()
}

pub async fn passkey_register_start(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    let Some(resident) = viewer.resident else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "error-sign-in-required" })),
        )
            .into_response();
    };
    match state
        .portal
        .accounts
        .start_passkey_registration(&resident.id)
        .await
    {
        Ok((ceremony, options)) => {
            Json(json!({ "ceremony": ceremony, "options": options })).into_response()
        }
        Err(error) => json_error(&error),
    }
}

#[derive(Deserialize)]
pub struct RegisterFinish {
    ceremony: String,
    credential: RegisterPublicKeyCredential,
}

pub async fn passkey_register_finish(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    headers: http::HeaderMap,
    Json(body): Json<RegisterFinish>,
) -> Response {
    let Some(resident) = viewer.resident else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "error-sign-in-required" })),
        )
            .into_response();
    };
    match state
        .portal
        .accounts
        .finish_passkey_registration(&resident.id, &body.ceremony, &body.credential)
        .await
    {
        Ok(()) => {
            tell_resident(&state, &resident.id, &headers, "message-passkey-added").await;
            Json(PasskeyDone {
                redirect: "/me?notice=passkey-added".to_owned(),
            })
            .into_response()
        }
        Err(error) => json_error(&error),
    }
}

pub async fn passkey_sign_in_start(
    State(state): State<AppState>,
    Client(client): Client,
    Json(body): Json<PasskeySignInStart>,
) -> Response {
    match state
        .portal
        .accounts
        .start_passkey_sign_in(&body.contact, &client)
        .await
    {
        Ok((ceremony, options)) => {
            Json(json!({ "ceremony": ceremony, "options": options })).into_response()
        }
        Err(error) => json_error(&error),
    }
}

#[derive(Deserialize)]
pub struct SignInFinish {
    ceremony: String,
    credential: PublicKeyCredential,
    #[serde(default)]
    next: String,
}

pub async fn passkey_sign_in_finish(
    State(state): State<AppState>,
    Client(client): Client,
    Json(body): Json<SignInFinish>,
) -> Response {
    match state
        .portal
        .accounts
        .finish_passkey_sign_in(&body.ceremony, &body.credential, &client)
        .await
    {
        Ok(resident_id) => {
            match sessions::start(&state.portal.storage, SubjectKind::Resident, &resident_id).await
            {
                Ok(token) => {
                    let next = next_path(if body.next.is_empty() {
                        "/me"
                    } else {
                        &body.next
                    });
                    let mut response = Json(PasskeyDone { redirect: next }).into_response();
                    if let Ok(value) =
                        http::HeaderValue::from_str(&session_cookie(SubjectKind::Resident, &token))
                    {
                        response
                            .headers_mut()
                            .append(http::header::SET_COOKIE, value);
                    }
                    response
                }
                Err(error) => Failure::of(&error).into_response(),
            }
        }
        Err(error) => json_error(&error),
    }
}
