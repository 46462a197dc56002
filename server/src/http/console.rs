//! The admin console's forms: sign-in and sign-out, the service switches, creating city
//! admins. Every handler loads the admin from the session and checks the city itself.

use axum::{
    body::Bytes,
    extract::{Extension, Path, State},
    response::Response,
    Form,
};
use serde::Deserialize;

use model::{account::Viewer, AppError};

use super::{
    session::{clear_session_cookie, cookie, session_cookie, ADMIN_COOKIE},
    AppState,
};
use crate::{
    admin::{self, accounts::AdminAccount, Switch},
    sessions::{self, SubjectKind},
    web::{
        client::Client,
        error::Failure,
        forms::{back_with_error, encode, see_other, see_other_with_cookies},
    },
};

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    Client(client): Client,
    Form(form): Form<SignInForm>,
) -> Response {
    let admin = match state
        .portal
        .admins
        .sign_in(&form.username, &form.password, &client)
        .await
    {
        Ok(admin) => admin,
        Err(error) => {
            let failure = Failure::of(&error);
            if failure.status().is_client_error() {
                tracing::warn!(username = %form.username.chars().take(32).collect::<String>(), "admin sign-in refused");
            }
            return failure.back_to("/admin/signin", "");
        }
    };
    match sessions::start(&state.portal.storage, SubjectKind::Admin, &admin.id).await {
        Ok(token) => {
            see_other_with_cookies("/admin", &[session_cookie(SubjectKind::Admin, &token)])
        }
        Err(error) => Failure::of(&error).back_to("/admin/signin", ""),
    }
}

pub async fn sign_out(State(state): State<AppState>, headers: http::HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, ADMIN_COOKIE) {
        if let Err(error) = sessions::end(&state.portal.storage, token).await {
            tracing::error!(%error, "admin sign-out failed");
        }
    }
    see_other_with_cookies("/admin/signin", &[clear_session_cookie(SubjectKind::Admin)])
}

/// The admin of this request when they may manage `city`; otherwise where to send them.
async fn admin_for(
    state: &AppState,
    viewer: &Viewer,
    city: &str,
) -> Result<AdminAccount, Response> {
    let Some(badge) = &viewer.admin else {
        return Err(see_other("/admin/signin"));
    };
    match state.portal.managed_city(&badge.id, city).await {
        Ok((admin, _)) => Ok(admin),
        Err(AppError::SignInRequired) => Err(see_other("/admin/signin")),
        Err(_) => Err(forbidden()),
    }
}

fn forbidden() -> Response {
    use axum::response::IntoResponse;
    (
        http::StatusCode::FORBIDDEN,
        "You do not administer this city.",
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct SwitchForm {
    #[serde(default)]
    service: String,
    #[serde(default)]
    region: String,
    /// "on", "off" or "reset".
    #[serde(default)]
    set: String,
}

pub async fn switch(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(city): Path<String>,
    Form(form): Form<SwitchForm>,
) -> Response {
    let admin = match admin_for(&state, &viewer, &city).await {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    let page = format!("/admin/c/{}", encode(&city));
    let switch = match form.set.as_str() {
        "on" => Switch::Enable,
        "off" => Switch::Disable,
        "reset" => Switch::Reset,
        _ => return back_with_error(&page, "admin-error-switch", "", &[]),
    };
    let regions = if form.region.is_empty() {
        Vec::new()
    } else {
        vec![form.region.clone()]
    };
    match admin::switch_service(
        &state.portal.storage,
        state.portal.cities.all(),
        &city,
        &form.service,
        &regions,
        switch,
        &admin.actor(),
    )
    .await
    {
        Ok(lines) => {
            state.portal.overrides.invalidate(&city);
            tracing::info!(admin = %admin.username, changes = ?lines, "service switched");
            see_other(&format!(
                "{page}?notice=switched#region-{}",
                encode(&form.region)
            ))
        }
        Err(error) => Failure::of(&error).back_to(&page, ""),
    }
}

/// Creates a city admin; platform admins only. The body is read by hand because a form
/// with several `city` checkboxes repeats the key.
pub async fn create_admin(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    body: Bytes,
) -> Response {
    let Some(badge) = &viewer.admin else {
        return see_other("/admin/signin");
    };
    let admin = match state.portal.admin(&badge.id).await {
        Ok(admin) if admin.is_platform => admin,
        Ok(_) => return forbidden(),
        Err(_) => return see_other("/admin/signin"),
    };
    let mut username = String::new();
    let mut password = String::new();
    let mut cities = Vec::new();
    for (name, value) in url::form_urlencoded::parse(&body) {
        match name.as_ref() {
            "username" => username = value.into_owned(),
            "password" => password = value.into_owned(),
            "city" => cities.push(value.into_owned()),
            _ => {}
        }
    }
    if let Some(unknown) = cities.iter().find(|c| state.portal.cities.get(c).is_none()) {
        tracing::warn!(city = %unknown.chars().take(64).collect::<String>(), "unknown city in admin creation");
        return back_with_error("/admin/admins", "error-unknown-city", "", &[]);
    }
    match state
        .portal
        .admins
        .create(&username, &password, false, &cities, &admin.actor())
        .await
    {
        Ok(created) => see_other(&format!(
            "/admin/admins?notice=created&username={}",
            encode(&created.username)
        )),
        Err(error) => Failure::of(&error).back_to("/admin/admins", ""),
    }
}
