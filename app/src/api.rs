//! Server functions: thin, they check their input and call the backend.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{AirReport, CityHome, CitySummary},
};

#[server(endpoint = "cities")]
pub async fn list_cities() -> Result<Vec<CitySummary>, AppError> {
    Ok(crate::backend::backend()?.cities())
}

#[server(endpoint = "city-home")]
pub async fn fetch_city_home(city: String, region: Option<String>) -> Result<CityHome, AppError> {
    check_city(&city)?;
    crate::backend::backend()?
        .city_home(&city, known_form(region).as_deref())
        .await
}

#[server(endpoint = "air-report")]
pub async fn fetch_air_report(city: String, region: Option<String>) -> Result<AirReport, AppError> {
    check_city(&city)?;
    crate::backend::backend()?
        .air_report(&city, known_form(region).as_deref())
        .await
}

#[cfg(feature = "ssr")]
fn check_city(city: &str) -> Result<(), AppError> {
    if crate::prefs::is_id(city) {
        Ok(())
    } else {
        Err(AppError::UnknownCity(city.chars().take(64).collect()))
    }
}

/// A district id that is not even well formed is treated as "not known" rather than refused:
/// the menu then falls back to the whole city.
#[cfg(feature = "ssr")]
fn known_form(region: Option<String>) -> Option<String> {
    region.filter(|r| crate::prefs::is_id(r))
}
