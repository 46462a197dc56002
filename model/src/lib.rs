//! What crosses between City Portal's parts: the types pages show, the ids that name
//! things, the languages and their message catalogs, and the error a page can receive.
//!
//! No Leptos, no storage, no HTTP: the server's domain code and the pages both build on it,
//! and it compiles before either.

pub mod account;
pub mod air;
pub mod appointments;
pub mod bills;
pub mod cameras;
pub mod city;
pub mod error;
pub mod i18n;
pub mod ids;
pub mod money;
pub mod pages;
pub mod payments;
pub mod prefs;
pub mod reports;

pub use air::{
    AirReport, AqiScale, AqiValue, Freshness, Pollutant, PollutantReading, StationReport,
};
pub use city::{CityHome, CitySummary, LocalizedName, RegionSummary, ServiceKind, Tile};
pub use error::AppError;
pub use i18n::Locale;
pub use ids::{AdminId, CityId, ProviderId, RegionId, ReportId, ReportReference, ResidentId};
pub use money::{Currency, Money};
