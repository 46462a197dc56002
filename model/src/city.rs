//! Cities, their districts and their service menus, as pages show them.

use serde::{Deserialize, Serialize};

use crate::i18n::Locale;

/// A name in each language the portal speaks.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedName {
    pub zh: String,
    pub en: String,
}

impl LocalizedName {
    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhCn => &self.zh,
            Locale::En => &self.en,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitySummary {
    pub id: String,
    pub name: LocalizedName,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionSummary {
    pub id: String,
    pub name: LocalizedName,
}

/// The kinds of service a city can offer. Each has a tile, an icon and a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ServiceKind {
    AirQuality,
    /// Report a problem (a broken street light, a blocked drain) to the city's desks.
    IncidentReports,
    /// Book a doctor at a hospital, and pay its registration fee.
    Appointments,
    /// Pay the electricity, water and gas bills.
    UtilityBills,
    /// Look at the road through the city's traffic cameras before setting off.
    TrafficCameras,
    /// Payments (WeChat Pay): not a tile of its own; the services that take money pay
    /// through it.
    Payments,
}

impl ServiceKind {
    /// Every kind; the menu's tiles in their order, then the shared ones.
    pub const ALL: [ServiceKind; 6] = [
        ServiceKind::Appointments,
        ServiceKind::UtilityBills,
        ServiceKind::TrafficCameras,
        ServiceKind::AirQuality,
        ServiceKind::IncidentReports,
        ServiceKind::Payments,
    ];

    /// The id used in config, URLs and admin commands.
    pub fn id(self) -> &'static str {
        match self {
            ServiceKind::AirQuality => "air",
            ServiceKind::IncidentReports => "report",
            ServiceKind::Appointments => "doctors",
            ServiceKind::UtilityBills => "bills",
            ServiceKind::TrafficCameras => "cameras",
            ServiceKind::Payments => "payments",
        }
    }

    /// The shared service this one cannot work without (it takes its money through
    /// payments): switching that off in a district stops this one there too.
    pub fn needs(self) -> Option<ServiceKind> {
        match self {
            ServiceKind::UtilityBills | ServiceKind::Appointments => Some(ServiceKind::Payments),
            _ => None,
        }
    }

    /// Does the service have a tile in the menu? A shared one (payments) serves the others.
    pub fn is_tile(self) -> bool {
        !matches!(self, ServiceKind::Payments)
    }

    pub fn from_id(id: &str) -> Option<ServiceKind> {
        match id {
            "air" => Some(ServiceKind::AirQuality),
            "report" => Some(ServiceKind::IncidentReports),
            "doctors" => Some(ServiceKind::Appointments),
            "bills" => Some(ServiceKind::UtilityBills),
            "cameras" => Some(ServiceKind::TrafficCameras),
            "payments" => Some(ServiceKind::Payments),
            _ => None,
        }
    }

    /// The message catalog key of the service's name.
    pub fn name_key(self) -> &'static str {
        match self {
            ServiceKind::AirQuality => "service-air",
            ServiceKind::IncidentReports => "service-report",
            ServiceKind::Appointments => "service-doctors",
            ServiceKind::UtilityBills => "service-bills",
            ServiceKind::TrafficCameras => "service-cameras",
            ServiceKind::Payments => "service-payments",
        }
    }
}

/// One tile of a city's service menu.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tile {
    pub service: ServiceKind,
    /// The provider is failing right now; the tile stays, marked, and its page explains.
    pub degraded: bool,
}

/// A city's home: its menu for the resident's district.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CityHome {
    pub city: CitySummary,
    pub regions: Vec<RegionSummary>,
    /// The resident's district, when known.
    pub region: Option<RegionSummary>,
    pub tiles: Vec<Tile>,
}
