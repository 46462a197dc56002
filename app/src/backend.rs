//! What the pages need from the server, as a trait. The server crate implements it and
//! hands it in through Leptos context, so the UI never knows which provider serves a city.

use std::sync::Arc;

use leptos::prelude::use_context;

use crate::{
    error::AppError,
    model::{AirReport, CityHome, CitySummary},
};

#[async_trait::async_trait]
pub trait PortalBackend: Send + Sync + 'static {
    /// Every city the portal serves, in display order.
    fn cities(&self) -> Vec<CitySummary>;

    /// A city's service menu for a resident in `region` (or anywhere in the city when `None`).
    async fn city_home(&self, city: &str, region: Option<&str>) -> Result<CityHome, AppError>;

    /// The city's air quality stations, the resident's district first.
    async fn air_report(&self, city: &str, region: Option<&str>) -> Result<AirReport, AppError>;
}

pub type SharedBackend = Arc<dyn PortalBackend>;

/// The backend of this request.
pub fn backend() -> Result<SharedBackend, AppError> {
    use_context::<SharedBackend>().ok_or(AppError::Internal)
}
