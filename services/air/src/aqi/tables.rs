//! AQI breakpoint tables, as data: one table per standard, pollutant and averaging period,
//! each in force from a date. Sources:
//! - China: HJ 633-2012 Table 1 (in force 2016-01-01), and HJ 633-2026 (in force 2026-03-01),
//!   which lowered the PM2.5 and PM10 breakpoints at IAQI 100 to 60 and 120 µg/m³ and kept
//!   the other pollutants' bands.
//! - US: EPA Technical Assistance Document EPA-454/B-24-002 (May 2024), Table 6, with the
//!   2024 PM2.5 revision (in force 2024-05-06).

use model::Pollutant;

use super::Unit;

/// A family of tables that replace each other over time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standard {
    /// China's HJ 633, real-time (hourly) report.
    ChinaHj633,
    /// The US EPA AQI.
    UsEpa,
}

/// What to do with a concentration above a table's top band.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AboveTop {
    /// The index is at least the top of the scale.
    Cap,
    /// A fixed index (HJ 633-2026: SO2 1h above 800 µg/m³ gives 200).
    Fixed(u16),
    /// Evaluate against this pollutant's other table of the same standard and date
    /// (HJ 633-2012: SO2 1h above 800 µg/m³ is reported from the 24h table).
    DailyTable,
}

/// A concentration band mapped linearly onto an index band.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    pub c_low: f64,
    pub c_high: f64,
    pub i_low: u16,
    pub i_high: u16,
}

const fn band(c_low: f64, c_high: f64, i_low: u16, i_high: u16) -> Band {
    Band {
        c_low,
        c_high,
        i_low,
        i_high,
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Table {
    pub standard: Standard,
    /// `(year, month, day)` from which the table is in force.
    pub effective_from: (i16, i8, i8),
    pub pollutant: Pollutant,
    /// `true` for the table a real-time report uses; `false` for a daily table only
    /// consulted through [`AboveTop::DailyTable`].
    pub realtime: bool,
    pub unit: Unit,
    pub bands: &'static [Band],
    pub above_top: AboveTop,
}

/// China's continuous breakpoints: `(concentration, IAQI)` pairs become bands.
macro_rules! china_bands {
    ($(($c:expr, $i:expr)),+ $(,)?) => {{
        const POINTS: &[(f64, u16)] = &[$(($c as f64, $i)),+];
        const N: usize = POINTS.len() - 1;
        const BANDS: [Band; N] = {
            let mut bands = [band(0.0, 0.0, 0, 0); N];
            let mut k = 0;
            while k < N {
                bands[k] = band(POINTS[k].0, POINTS[k + 1].0, POINTS[k].1, POINTS[k + 1].1);
                k += 1;
            }
            bands
        };
        &BANDS
    }};
}

const HJ_2012: (i16, i8, i8) = (2016, 1, 1);
const HJ_2026: (i16, i8, i8) = (2026, 3, 1);
const EPA_2024: (i16, i8, i8) = (2024, 5, 6);

const SO2_1H: &[Band] = china_bands![(0, 0), (150, 50), (500, 100), (650, 150), (800, 200)];
const SO2_24H: &[Band] = china_bands![
    (0, 0),
    (50, 50),
    (150, 100),
    (475, 150),
    (800, 200),
    (1600, 300),
    (2100, 400),
    (2620, 500)
];
const NO2_1H: &[Band] = china_bands![
    (0, 0),
    (100, 50),
    (200, 100),
    (700, 150),
    (1200, 200),
    (2340, 300),
    (3090, 400),
    (3840, 500)
];
const CO_1H: &[Band] = china_bands![
    (0, 0),
    (5, 50),
    (10, 100),
    (35, 150),
    (60, 200),
    (90, 300),
    (120, 400),
    (150, 500)
];
const O3_1H: &[Band] = china_bands![
    (0, 0),
    (160, 50),
    (200, 100),
    (300, 150),
    (400, 200),
    (800, 300),
    (1000, 400),
    (1200, 500)
];
const PM10_2012: &[Band] = china_bands![
    (0, 0),
    (50, 50),
    (150, 100),
    (250, 150),
    (350, 200),
    (420, 300),
    (500, 400),
    (600, 500)
];
const PM25_2012: &[Band] = china_bands![
    (0, 0),
    (35, 50),
    (75, 100),
    (115, 150),
    (150, 200),
    (250, 300),
    (350, 400),
    (500, 500)
];
const PM10_2026: &[Band] = china_bands![
    (0, 0),
    (50, 50),
    (120, 100),
    (250, 150),
    (350, 200),
    (420, 300),
    (500, 400),
    (600, 500)
];
const PM25_2026: &[Band] = china_bands![
    (0, 0),
    (35, 50),
    (60, 100),
    (115, 150),
    (150, 200),
    (250, 300),
    (350, 400),
    (500, 500)
];

const EPA_PM25: &[Band] = &[
    band(0.0, 9.0, 0, 50),
    band(9.1, 35.4, 51, 100),
    band(35.5, 55.4, 101, 150),
    band(55.5, 125.4, 151, 200),
    band(125.5, 225.4, 201, 300),
    band(225.5, 325.4, 301, 500),
];
const EPA_PM10: &[Band] = &[
    band(0.0, 54.0, 0, 50),
    band(55.0, 154.0, 51, 100),
    band(155.0, 254.0, 101, 150),
    band(255.0, 354.0, 151, 200),
    band(355.0, 424.0, 201, 300),
    band(425.0, 604.0, 301, 500),
];
/// 8-hour bands up to 0.200 ppm; above, the 1-hour bands, which only reach past 300 from
/// 0.405 ppm, so the index holds at 300 in between and never falls as ozone rises.
const EPA_O3: &[Band] = &[
    band(0.000, 0.054, 0, 50),
    band(0.055, 0.070, 51, 100),
    band(0.071, 0.085, 101, 150),
    band(0.086, 0.105, 151, 200),
    band(0.106, 0.200, 201, 300),
    band(0.201, 0.404, 300, 300),
    band(0.405, 0.604, 301, 500),
];
const EPA_CO: &[Band] = &[
    band(0.0, 4.4, 0, 50),
    band(4.5, 9.4, 51, 100),
    band(9.5, 12.4, 101, 150),
    band(12.5, 15.4, 151, 200),
    band(15.5, 30.4, 201, 300),
    band(30.5, 50.4, 301, 500),
];
const EPA_SO2: &[Band] = &[
    band(0.0, 35.0, 0, 50),
    band(36.0, 75.0, 51, 100),
    band(76.0, 185.0, 101, 150),
    band(186.0, 304.0, 151, 200),
    band(305.0, 604.0, 201, 300),
    band(605.0, 1004.0, 301, 500),
];
const EPA_NO2: &[Band] = &[
    band(0.0, 53.0, 0, 50),
    band(54.0, 100.0, 51, 100),
    band(101.0, 360.0, 101, 150),
    band(361.0, 649.0, 151, 200),
    band(650.0, 1249.0, 201, 300),
    band(1250.0, 2049.0, 301, 500),
];

const fn table(
    standard: Standard,
    effective_from: (i16, i8, i8),
    pollutant: Pollutant,
    realtime: bool,
    unit: Unit,
    bands: &'static [Band],
    above_top: AboveTop,
) -> Table {
    Table {
        standard,
        effective_from,
        pollutant,
        realtime,
        unit,
        bands,
        above_top,
    }
}

use AboveTop::{Cap, DailyTable, Fixed};
use Pollutant::{Co, No2, Pm10, Pm25, So2, O3};
use Standard::{ChinaHj633 as CN, UsEpa as US};
use Unit::{
    MicrogramsPerCubicMetre as UG, MilligramsPerCubicMetre as MG, PartsPerBillion as PPB,
    PartsPerMillion as PPM,
};

/// Every table the portal knows.
pub const TABLES: &[Table] = &[
    // HJ 633-2012. Real time: 1-hour tables for the gases, 24-hour tables for particles.
    table(CN, HJ_2012, So2, true, UG, SO2_1H, DailyTable),
    table(CN, HJ_2012, So2, false, UG, SO2_24H, Cap),
    table(CN, HJ_2012, No2, true, UG, NO2_1H, Cap),
    table(CN, HJ_2012, Co, true, MG, CO_1H, Cap),
    table(CN, HJ_2012, O3, true, UG, O3_1H, Cap),
    table(CN, HJ_2012, Pm10, true, UG, PM10_2012, Cap),
    table(CN, HJ_2012, Pm25, true, UG, PM25_2012, Cap),
    // HJ 633-2026: new particle bands; SO2 1h above 800 is fixed at 200.
    table(CN, HJ_2026, So2, true, UG, SO2_1H, Fixed(200)),
    table(CN, HJ_2026, No2, true, UG, NO2_1H, Cap),
    table(CN, HJ_2026, Co, true, MG, CO_1H, Cap),
    table(CN, HJ_2026, O3, true, UG, O3_1H, Cap),
    table(CN, HJ_2026, Pm10, true, UG, PM10_2026, Cap),
    table(CN, HJ_2026, Pm25, true, UG, PM25_2026, Cap),
    // US EPA, 2024 revision.
    table(US, EPA_2024, Pm25, true, UG, EPA_PM25, Cap),
    table(US, EPA_2024, Pm10, true, UG, EPA_PM10, Cap),
    table(US, EPA_2024, O3, true, PPM, EPA_O3, Cap),
    table(US, EPA_2024, Co, true, PPM, EPA_CO, Cap),
    table(US, EPA_2024, So2, true, PPB, EPA_SO2, Cap),
    table(US, EPA_2024, No2, true, PPB, EPA_NO2, Cap),
];
