//! Air Quality Index: China's HJ 633 and the US EPA AQI.
//!
//! Each pollutant's concentration is converted to its table's unit, mapped to a sub-index
//! (IAQI) by linear interpolation inside its band, and the AQI is the largest sub-index; the
//! pollutants that reach it are "primary" when the AQI is above 50. The breakpoints are data
//! in [`tables`], chosen by standard and by the date the measurement was taken.
//!
//! Readings are the providers' latest hourly values. HJ 633's real-time report applies them
//! as they are (particles against the 24-hour bands, as HJ 633-2026 §4.2.3 directs; under
//! HJ 633-2012 an hourly SO2 above 800 µg/m³ is looked up in the 24-hour table, standing in for
//! the daily average the standard asks for); for the
//! EPA scale they are used in place of the 8/24-hour averages (no NowCast), which a resident
//! should read as "the air now".

pub mod tables;

use jiff::civil::Date;
use model::{AqiScale, AqiValue, Pollutant};

use tables::{AboveTop, Standard, Table, TABLES};

/// Units in which providers report concentrations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    MicrogramsPerCubicMetre,
    MilligramsPerCubicMetre,
    PartsPerMillion,
    PartsPerBillion,
}

impl Unit {
    /// Parses the unit strings providers use (OpenAQ: `µg/m³`, `ppm`, ...).
    pub fn parse(text: &str) -> Option<Unit> {
        let normalized = text.trim().to_lowercase().replace(['³', '3'], "3");
        match normalized.as_str() {
            "µg/m3" | "μg/m3" | "ug/m3" => Some(Unit::MicrogramsPerCubicMetre),
            "mg/m3" => Some(Unit::MilligramsPerCubicMetre),
            "ppm" => Some(Unit::PartsPerMillion),
            "ppb" => Some(Unit::PartsPerBillion),
            _ => None,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Unit::MicrogramsPerCubicMetre => "µg/m³",
            Unit::MilligramsPerCubicMetre => "mg/m³",
            Unit::PartsPerMillion => "ppm",
            Unit::PartsPerBillion => "ppb",
        }
    }
}

/// Molar volume of an ideal gas at 25 °C and 1 atm, in litres: the reference state of both
/// standards' gas concentrations.
const MOLAR_VOLUME_L: f64 = 24.45;

fn molecular_weight(pollutant: Pollutant) -> Option<f64> {
    match pollutant {
        Pollutant::O3 => Some(48.00),
        Pollutant::No2 => Some(46.01),
        Pollutant::So2 => Some(64.07),
        Pollutant::Co => Some(28.01),
        Pollutant::Pm25 | Pollutant::Pm10 => None,
    }
}

/// Converts a concentration between units; `None` when no conversion exists (a particle
/// count in ppm makes no sense).
pub fn convert(pollutant: Pollutant, value: f64, from: Unit, to: Unit) -> Option<f64> {
    if from == to {
        return Some(value);
    }
    let micrograms = match from {
        Unit::MicrogramsPerCubicMetre => value,
        Unit::MilligramsPerCubicMetre => value * 1000.0,
        Unit::PartsPerBillion => value * molecular_weight(pollutant)? / MOLAR_VOLUME_L,
        Unit::PartsPerMillion => value * 1000.0 * molecular_weight(pollutant)? / MOLAR_VOLUME_L,
    };
    Some(match to {
        Unit::MicrogramsPerCubicMetre => micrograms,
        Unit::MilligramsPerCubicMetre => micrograms / 1000.0,
        Unit::PartsPerBillion => micrograms * MOLAR_VOLUME_L / molecular_weight(pollutant)?,
        Unit::PartsPerMillion => {
            micrograms * MOLAR_VOLUME_L / molecular_weight(pollutant)? / 1000.0
        }
    })
}

/// One pollutant's concentration as reported.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Concentration {
    pub pollutant: Pollutant,
    pub value: f64,
    pub unit: Unit,
}

fn standard_of(scale: AqiScale) -> Standard {
    match scale {
        AqiScale::China => Standard::ChinaHj633,
        AqiScale::UsEpa => Standard::UsEpa,
    }
}

/// The date the newest table set of `standard` took effect on or before `date`.
fn edition_in_force(standard: Standard, date: Date) -> Option<(i16, i8, i8)> {
    TABLES
        .iter()
        .filter(|t| t.standard == standard)
        .map(|t| t.effective_from)
        .filter(|&(y, m, d)| Date::new(y, m, d).is_ok_and(|from| from <= date))
        .max()
}

fn find_table(
    standard: Standard,
    edition: (i16, i8, i8),
    pollutant: Pollutant,
    realtime: bool,
) -> Option<&'static Table> {
    TABLES.iter().find(|t| {
        t.standard == standard
            && t.effective_from == edition
            && t.pollutant == pollutant
            && t.realtime == realtime
    })
}

/// The sub-index of one pollutant, or `None` when the scale does not cover it or the value
/// is unusable (negative, not a number, an impossible unit).
pub fn sub_index(scale: AqiScale, date: Date, concentration: Concentration) -> Option<u16> {
    let standard = standard_of(scale);
    let edition = edition_in_force(standard, date)?;
    let table = find_table(standard, edition, concentration.pollutant, true)?;
    if !concentration.value.is_finite() || concentration.value < 0.0 {
        return None;
    }
    let value = convert(
        concentration.pollutant,
        concentration.value,
        concentration.unit,
        table.unit,
    )?;
    index_in_table(standard, edition, table, value)
}

fn index_in_table(
    standard: Standard,
    edition: (i16, i8, i8),
    table: &Table,
    value: f64,
) -> Option<u16> {
    let value = match standard {
        Standard::UsEpa => truncate_epa(table.pollutant, value),
        Standard::ChinaHj633 => value,
    };
    if let Some(band) = table.bands.iter().find(|b| value <= b.c_high) {
        // EPA bands leave gaps between truncated values; a value in a gap belongs to the
        // band above it, from its lower edge.
        let c = value.max(band.c_low);
        let span = band.c_high - band.c_low;
        let fraction = if span > 0.0 {
            (c - band.c_low) / span
        } else {
            0.0
        };
        let raw = f64::from(band.i_low) + fraction * f64::from(band.i_high - band.i_low);
        return Some(match standard {
            // HJ 633 rounds the index up; the tolerance keeps 100.0000000001 at 100.
            Standard::ChinaHj633 => (raw - 1e-9).ceil() as u16,
            Standard::UsEpa => raw.round() as u16,
        });
    }
    let top = table.bands.last().map_or(500, |b| b.i_high);
    match table.above_top {
        AboveTop::Cap => Some(top),
        AboveTop::Fixed(index) => Some(index),
        AboveTop::DailyTable => {
            let daily = find_table(standard, edition, table.pollutant, false)?;
            index_in_table(standard, edition, daily, value)
        }
    }
}

/// The EPA truncates each pollutant to its reporting precision before looking up bands.
fn truncate_epa(pollutant: Pollutant, value: f64) -> f64 {
    let decimals = match pollutant {
        Pollutant::O3 => 3,
        Pollutant::Pm25 | Pollutant::Co => 1,
        Pollutant::Pm10 | Pollutant::So2 | Pollutant::No2 => 0,
    };
    let factor = 10f64.powi(decimals);
    // The small nudge stops 35.4 stored as 35.39999999 from truncating to 35.3.
    ((value * factor) + 1e-9).floor() / factor
}

/// How a scale's reports state a pollutant: the unit, the decimals, and whether the last
/// digit is rounded or cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportingForm {
    pub unit: Unit,
    pub decimals: u8,
    /// The EPA truncates to its precision; China rounds (GB/T 8170: half to even).
    pub truncate: bool,
}

/// China's monitoring reports particles and gases in µg/m³ as whole numbers and CO in
/// mg/m³ to one decimal (HJ 663); the EPA states each pollutant in the unit and precision
/// of its breakpoint table, truncated.
pub fn reporting_form(scale: AqiScale, pollutant: Pollutant) -> ReportingForm {
    let form = |unit, decimals, truncate| ReportingForm {
        unit,
        decimals,
        truncate,
    };
    match scale {
        AqiScale::China => match pollutant {
            Pollutant::Co => form(Unit::MilligramsPerCubicMetre, 1, false),
            _ => form(Unit::MicrogramsPerCubicMetre, 0, false),
        },
        AqiScale::UsEpa => match pollutant {
            Pollutant::O3 => form(Unit::PartsPerMillion, 3, true),
            Pollutant::Co => form(Unit::PartsPerMillion, 1, true),
            Pollutant::Pm25 => form(Unit::MicrogramsPerCubicMetre, 1, true),
            Pollutant::Pm10 => form(Unit::MicrogramsPerCubicMetre, 0, true),
            Pollutant::So2 | Pollutant::No2 => form(Unit::PartsPerBillion, 0, true),
        },
    }
}

/// The concentration as the scale's reports state it: in their unit, at their precision.
/// The index is computed from this, so the AQI shown follows from the values shown beside
/// it. `None` when the value is unusable or has no such unit.
pub fn as_reported(scale: AqiScale, concentration: Concentration) -> Option<Concentration> {
    if !concentration.value.is_finite() || concentration.value < 0.0 {
        return None;
    }
    let form = reporting_form(scale, concentration.pollutant);
    let value = convert(
        concentration.pollutant,
        concentration.value,
        concentration.unit,
        form.unit,
    )?;
    let factor = 10f64.powi(i32::from(form.decimals));
    let scaled = value * factor;
    let stated = if form.truncate {
        // The small nudge keeps 35.4 stored as 35.39999999 at 35.4.
        (scaled + 1e-9).floor()
    } else {
        scaled.round_ties_even()
    };
    Some(Concentration {
        pollutant: concentration.pollutant,
        value: stated / factor,
        unit: form.unit,
    })
}

/// The category (1 = best .. 6 = worst) of an AQI value; both scales share the edges.
pub fn category(value: u16) -> u8 {
    match value {
        0..=50 => 1,
        51..=100 => 2,
        101..=150 => 3,
        151..=200 => 4,
        201..=300 => 5,
        _ => 6,
    }
}

/// The AQI of a set of concentrations measured on `date` (local date of the measurement).
/// `None` when no concentration is covered by the scale.
pub fn compute(scale: AqiScale, date: Date, concentrations: &[Concentration]) -> Option<AqiValue> {
    let indexes: Vec<(Pollutant, u16)> = concentrations
        .iter()
        .filter_map(|c| Some((c.pollutant, sub_index(scale, date, *c)?)))
        .collect();
    let value = indexes.iter().map(|(_, index)| *index).max()?;
    let mut primary: Vec<Pollutant> = if value > 50 {
        indexes
            .iter()
            .filter(|(_, index)| *index == value)
            .map(|(p, _)| *p)
            .collect()
    } else {
        Vec::new()
    };
    primary.sort();
    primary.dedup();
    Some(AqiValue {
        scale,
        value,
        category: category(value),
        primary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The review's example: 36.4 µg/m³ of PM2.5 is shown as 36, and HJ 633 gives 36 an
    /// index of 52; the unrounded value gave 53 beside a printed 36.
    #[test]
    fn the_index_follows_from_the_values_shown() {
        let today = date(2026, 6, 1);
        let measured = ug(Pollutant::Pm25, 36.4);
        let shown = as_reported(AqiScale::China, measured).expect("reportable");
        assert_eq!(shown.value, 36.0);
        let aqi = compute(AqiScale::China, today, &[shown]).expect("aqi");
        assert_eq!(aqi.value, 52);
        assert_eq!(
            compute(AqiScale::China, today, &[ug(Pollutant::Pm25, 36.0)]).map(|a| a.value),
            Some(52)
        );
    }

    #[test]
    fn china_states_co_in_milligrams_to_one_decimal_and_the_epa_in_ppm() {
        let co = Concentration {
            pollutant: Pollutant::Co,
            value: 1.26,
            unit: Unit::PartsPerMillion,
        };
        let china = as_reported(AqiScale::China, co).expect("china");
        assert_eq!(china.unit, Unit::MilligramsPerCubicMetre);
        assert_eq!(china.value, 1.4, "1.26 ppm is 1.443 mg/m³");
        let epa = as_reported(AqiScale::UsEpa, co).expect("epa");
        assert_eq!(
            (epa.unit, epa.value),
            (Unit::PartsPerMillion, 1.2),
            "truncated"
        );
        assert_eq!(
            as_reported(AqiScale::China, ug(Pollutant::Pm10, 40.5)).map(|c| c.value),
            Some(40.0),
            "half to even"
        );
        assert_eq!(
            as_reported(AqiScale::China, ug(Pollutant::Pm10, -1.0)),
            None
        );
    }

    fn date(y: i16, m: i8, d: i8) -> Date {
        Date::new(y, m, d).expect("valid date")
    }

    fn ug(pollutant: Pollutant, value: f64) -> Concentration {
        Concentration {
            pollutant,
            value,
            unit: Unit::MicrogramsPerCubicMetre,
        }
    }

    const BEFORE_2026: (i16, i8, i8) = (2026, 2, 28);
    const FROM_2026: (i16, i8, i8) = (2026, 3, 1);

    fn china(on: (i16, i8, i8), c: Concentration) -> Option<u16> {
        sub_index(AqiScale::China, date(on.0, on.1, on.2), c)
    }

    fn epa(c: Concentration) -> Option<u16> {
        sub_index(AqiScale::UsEpa, date(2026, 6, 1), c)
    }

    #[test]
    fn hj633_2012_pm25_band_edges() {
        assert_eq!(china(BEFORE_2026, ug(Pollutant::Pm25, 0.0)), Some(0));
        assert_eq!(china(BEFORE_2026, ug(Pollutant::Pm25, 35.0)), Some(50));
        assert_eq!(china(BEFORE_2026, ug(Pollutant::Pm25, 75.0)), Some(100));
        // 100 + 50 * 1/40 = 101.25, rounded up.
        assert_eq!(china(BEFORE_2026, ug(Pollutant::Pm25, 76.0)), Some(102));
        assert_eq!(china(BEFORE_2026, ug(Pollutant::Pm25, 500.0)), Some(500));
        assert_eq!(china(BEFORE_2026, ug(Pollutant::Pm25, 900.0)), Some(500));
    }

    #[test]
    fn hj633_2026_lowered_the_particle_bands() {
        assert_eq!(china(FROM_2026, ug(Pollutant::Pm25, 60.0)), Some(100));
        assert_eq!(china(BEFORE_2026, ug(Pollutant::Pm25, 60.0)), Some(82));
        // 100 + 50 * 15/55 = 113.6 -> 114, where 2012 said exactly 100.
        assert_eq!(china(FROM_2026, ug(Pollutant::Pm25, 75.0)), Some(114));
        assert_eq!(china(FROM_2026, ug(Pollutant::Pm10, 120.0)), Some(100));
        assert_eq!(china(BEFORE_2026, ug(Pollutant::Pm10, 150.0)), Some(100));
        assert_eq!(china(FROM_2026, ug(Pollutant::Pm10, 150.0)), Some(112));
        // Bands above 115 (PM2.5) and 250 (PM10) did not change.
        assert_eq!(china(FROM_2026, ug(Pollutant::Pm25, 115.0)), Some(150));
        assert_eq!(china(BEFORE_2026, ug(Pollutant::Pm25, 115.0)), Some(150));
    }

    #[test]
    fn hj633_gases_and_so2_above_the_hourly_table() {
        assert_eq!(china(FROM_2026, ug(Pollutant::O3, 160.0)), Some(50));
        assert_eq!(china(FROM_2026, ug(Pollutant::O3, 161.0)), Some(52));
        assert_eq!(china(FROM_2026, ug(Pollutant::No2, 200.0)), Some(100));
        assert_eq!(china(FROM_2026, ug(Pollutant::So2, 800.0)), Some(200));
        // 2026: fixed 200. 2012: the 24-hour table, where 1600 µg/m³ is 300.
        assert_eq!(china(FROM_2026, ug(Pollutant::So2, 1600.0)), Some(200));
        assert_eq!(china(BEFORE_2026, ug(Pollutant::So2, 1600.0)), Some(300));
        let co = Concentration {
            pollutant: Pollutant::Co,
            value: 10.0,
            unit: Unit::MilligramsPerCubicMetre,
        };
        assert_eq!(china(FROM_2026, co), Some(100));
    }

    #[test]
    fn epa_2024_pm25_band_edges() {
        assert_eq!(epa(ug(Pollutant::Pm25, 9.0)), Some(50));
        assert_eq!(epa(ug(Pollutant::Pm25, 9.09)), Some(50));
        assert_eq!(epa(ug(Pollutant::Pm25, 9.1)), Some(51));
        assert_eq!(epa(ug(Pollutant::Pm25, 35.4)), Some(100));
        assert_eq!(epa(ug(Pollutant::Pm25, 35.5)), Some(101));
        assert_eq!(epa(ug(Pollutant::Pm25, 125.4)), Some(200));
        assert_eq!(epa(ug(Pollutant::Pm25, 225.5)), Some(301));
        assert_eq!(epa(ug(Pollutant::Pm25, 325.4)), Some(500));
    }

    #[test]
    fn epa_gases_in_their_units() {
        let ppm = |pollutant, value| Concentration {
            pollutant,
            value,
            unit: Unit::PartsPerMillion,
        };
        assert_eq!(epa(ppm(Pollutant::O3, 0.054)), Some(50));
        assert_eq!(epa(ppm(Pollutant::O3, 0.055)), Some(51));
        assert_eq!(epa(ppm(Pollutant::O3, 0.200)), Some(300));
        assert_eq!(
            epa(ppm(Pollutant::O3, 0.203)),
            Some(300),
            "never falls as ozone rises"
        );
        assert_eq!(epa(ppm(Pollutant::O3, 0.405)), Some(301));
        assert_eq!(epa(ppm(Pollutant::Co, 9.4)), Some(100));
        let ppb = |pollutant, value| Concentration {
            pollutant,
            value,
            unit: Unit::PartsPerBillion,
        };
        assert_eq!(epa(ppb(Pollutant::No2, 100.0)), Some(100));
        assert_eq!(epa(ppb(Pollutant::So2, 36.0)), Some(51));
    }

    #[test]
    fn units_convert_through_molecular_weight() {
        // 1 ppm CO = 28.01 / 24.45 mg/m³ = 1.1456 mg/m³.
        let mg = convert(
            Pollutant::Co,
            1.0,
            Unit::PartsPerMillion,
            Unit::MilligramsPerCubicMetre,
        )
        .expect("gas converts");
        assert!((mg - 1.1456).abs() < 1e-3, "{mg}");
        assert_eq!(
            convert(
                Pollutant::Pm25,
                1.0,
                Unit::PartsPerMillion,
                Unit::MicrogramsPerCubicMetre
            ),
            None
        );
        assert_eq!(Unit::parse("µg/m³"), Some(Unit::MicrogramsPerCubicMetre));
        assert_eq!(Unit::parse("ppm"), Some(Unit::PartsPerMillion));
        assert_eq!(Unit::parse("furlongs"), None);
    }

    #[test]
    fn aqi_is_the_largest_sub_index_and_names_the_primary_pollutants() {
        let on = date(2026, 11, 24);
        let aqi = compute(
            AqiScale::China,
            on,
            &[
                ug(Pollutant::Pm25, 60.0),
                ug(Pollutant::Pm10, 120.0),
                ug(Pollutant::O3, 40.0),
            ],
        )
        .expect("covered pollutants");
        assert_eq!(aqi.value, 100);
        assert_eq!(aqi.category, 2);
        assert_eq!(aqi.primary, vec![Pollutant::Pm25, Pollutant::Pm10]);

        let clean = compute(AqiScale::China, on, &[ug(Pollutant::Pm25, 20.0)]).expect("covered");
        assert!(
            clean.primary.is_empty(),
            "no primary pollutant at AQI <= 50"
        );
        assert_eq!(compute(AqiScale::China, on, &[]), None);
        assert_eq!(
            compute(AqiScale::China, on, &[ug(Pollutant::Pm25, -3.0)]),
            None
        );
    }

    #[test]
    fn categories_share_edges() {
        assert_eq!(category(50), 1);
        assert_eq!(category(51), 2);
        assert_eq!(category(300), 5);
        assert_eq!(category(301), 6);
    }
}
