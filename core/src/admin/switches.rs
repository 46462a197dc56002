//! Switching a service on or off in one region (or all) of a city, from the console or the
//! command line. Every change is written to the audit log.

use model::ServiceKind;

use crate::{config::CityConfig, storage::Storage};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("unknown city '{0}'")]
    UnknownCity(String),
    #[error("unknown service '{0}' (known: {known})", known = model::ServiceKind::ALL.map(|s| s.id()).join(", "))]
    UnknownService(String),
    #[error("city '{city}' offers no '{service}' service")]
    NotOffered { city: String, service: String },
    #[error("city '{city}' has no region '{region}' (its regions: {known})")]
    UnknownRegion {
        city: String,
        region: String,
        known: String,
    },
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
}

/// What to do to a service in some regions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    Enable,
    Disable,
    /// Drop the override: config decides again.
    Reset,
}

/// Applies `switch` to `service` in `regions` (all of the city's when empty). Returns one
/// line per region describing what changed.
pub async fn switch_service(
    storage: &Storage,
    cities: &[CityConfig],
    city_id: &str,
    service_id: &str,
    regions: &[String],
    switch: Switch,
    actor: &str,
) -> Result<Vec<String>, AdminError> {
    let city = cities
        .iter()
        .find(|c| c.id == city_id)
        .ok_or_else(|| AdminError::UnknownCity(city_id.to_owned()))?;
    let service = ServiceKind::from_id(service_id)
        .ok_or_else(|| AdminError::UnknownService(service_id.to_owned()))?;
    if !city.services.iter().any(|s| s.service == service) {
        return Err(AdminError::NotOffered {
            city: city.id.clone(),
            service: service_id.to_owned(),
        });
    }
    let targets: Vec<String> = if regions.is_empty() {
        city.regions.iter().map(|r| r.id.clone()).collect()
    } else {
        for region in regions {
            if city.region(region).is_none() {
                return Err(AdminError::UnknownRegion {
                    city: city.id.clone(),
                    region: region.clone(),
                    known: city
                        .regions
                        .iter()
                        .map(|r| r.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
        regions.to_vec()
    };
    let enabled = match switch {
        Switch::Enable => Some(true),
        Switch::Disable => Some(false),
        Switch::Reset => None,
    };
    // All the regions change together or none does.
    let before = storage
        .switch_regions(&city.id, service.id(), &targets, enabled, actor)
        .await?;
    let report = targets
        .iter()
        .zip(before)
        .map(|(region, before)| {
            let outcome = match (enabled, before) {
                (Some(true), _) => "enabled",
                (Some(false), _) => "disabled",
                (None, Some(_)) => "reset to config",
                (None, None) => "already as config",
            };
            format!("{}/{}/{region}: {outcome}", city.id, service.id())
        })
        .collect();
    Ok(report)
}

/// A switch the console could not apply: the admin's request, unless storage failed.
impl crate::web::error::PublicError for AdminError {
    fn status(&self) -> axum::http::StatusCode {
        match self {
            AdminError::Storage(_) => axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            _ => axum::http::StatusCode::BAD_REQUEST,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            AdminError::Storage(_) => crate::web::error::INTERNAL,
            _ => "admin-error-switch",
        }
    }
}
