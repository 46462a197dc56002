//! The coordinate systems of maps of China. Browsers, GPS and the portal's region files use
//! WGS-84. Chinese map data and tile services (AutoNavi/Amap, Tencent) are published in
//! GCJ-02, WGS-84 moved by a deliberate, position-dependent offset of a few hundred metres.
//! (Baidu adds a second offset, BD-09, but cuts its tiles on a grid of its own; config
//! refuses them.) A tile layer in GCJ-02 is placed on the WGS-84 drawing by converting its
//! corners, so pins, districts and tiles agree.
//!
//! The offset is the published formula (the same constants as every open implementation);
//! outside China's box it is none.

use super::map_view::{math, Position};
use crate::account::Datum;

/// `at` (in WGS-84) as a map in `datum` has it.
pub fn from_wgs84(datum: Datum, at: Position) -> Position {
    match datum {
        Datum::Wgs84 => at,
        Datum::Gcj02 => wgs84_to_gcj02(at),
    }
}

/// `at` (in `datum`) in WGS-84.
pub fn to_wgs84(datum: Datum, at: Position) -> Position {
    match datum {
        Datum::Wgs84 => at,
        Datum::Gcj02 => gcj02_to_wgs84(at),
    }
}

/// Krasovsky 1940, the ellipsoid the GCJ-02 formula is written for.
const SEMI_MAJOR_AXIS: f64 = 6_378_245.0;
const ECCENTRICITY_SQUARED: f64 = 0.006_693_421_622_965_943;
const PI: f64 = std::f64::consts::PI;

/// The box outside which GCJ-02 applies no offset.
fn outside_china(at: Position) -> bool {
    !(72.004..=137.8347).contains(&at.lon) || !(0.8293..=55.8271).contains(&at.lat)
}

/// GCJ-02's offset at `at`, in degrees of latitude and longitude.
fn offset(at: Position) -> (f64, f64) {
    let x = at.lon - 105.0;
    let y = at.lat - 35.0;
    let waves = |a: f64, b: f64| {
        (20.0 * math::sin(6.0 * x * PI) + 20.0 * math::sin(2.0 * x * PI)) * 2.0 / 3.0
            + (a * math::sin(b * PI) + 2.0 * a * math::sin(b / 3.0 * PI)) * 2.0 / 3.0
    };
    let north = -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * x.abs().sqrt()
        + waves(20.0, y)
        + (160.0 * math::sin(y / 12.0 * PI) + 320.0 * math::sin(y / 30.0 * PI)) * 2.0 / 3.0;
    let east = 300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * x.abs().sqrt()
        + waves(20.0, x)
        + (150.0 * math::sin(x / 12.0 * PI) + 300.0 * math::sin(x / 30.0 * PI)) * 2.0 / 3.0;
    let latitude = at.lat.to_radians();
    let magic = 1.0 - ECCENTRICITY_SQUARED * math::sin(latitude).powi(2);
    let root = magic.sqrt();
    let d_lat =
        north * 180.0 / (SEMI_MAJOR_AXIS * (1.0 - ECCENTRICITY_SQUARED) / (magic * root) * PI);
    let d_lon = east * 180.0 / (SEMI_MAJOR_AXIS / root * math::cos(latitude) * PI);
    (d_lat, d_lon)
}

pub fn wgs84_to_gcj02(at: Position) -> Position {
    if outside_china(at) {
        return at;
    }
    let (d_lat, d_lon) = offset(at);
    Position {
        lat: at.lat + d_lat,
        lon: at.lon + d_lon,
    }
}

/// The WGS-84 position whose GCJ-02 is `at`, found by successive correction (the offset
/// changes slowly, so a few steps reach a millimetre).
pub fn gcj02_to_wgs84(at: Position) -> Position {
    if outside_china(at) {
        return at;
    }
    let mut guess = at;
    for _ in 0..10 {
        let moved = wgs84_to_gcj02(guess);
        let (error_lat, error_lon) = (moved.lat - at.lat, moved.lon - at.lon);
        guess = Position {
            lat: guess.lat - error_lat,
            lon: guess.lon - error_lon,
        };
        if error_lat.abs() < 1e-10 && error_lon.abs() < 1e-10 {
            break;
        }
    }
    guess
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lon: f64) -> Position {
        Position { lat, lon }
    }

    fn assert_near(got: Position, want: Position, degrees: f64) {
        assert!(
            (got.lat - want.lat).abs() < degrees && (got.lon - want.lon).abs() < degrees,
            "{got:?} is not {want:?}"
        );
    }

    /// The reference values were computed with the `eviltransform` package 0.1.1 from PyPI
    /// (an implementation independent of this one), `wgs2gcj`. It writes the
    /// formula with the WGS-84 semi-major axis where the published one has Krasovsky's, which
    /// moves a point by under two centimetres (2e-7 degrees).
    #[test]
    fn known_points_move_as_the_published_formula_moves_them() {
        let cases = [
            // Shenzhen Civic Center, Guangzhou Tower, Foshan Zumiao, Tiananmen.
            (
                at(22.5440, 114.0540),
                at(22.541_275_664_931_53, 114.059_109_269_602_13),
            ),
            (
                at(23.1066, 113.3245),
                at(23.103_998_162_151_424, 113.329_921_308_690_3),
            ),
            (
                at(23.0337, 113.1058),
                at(23.031_162_196_231_907, 113.111_291_132_884_63),
            ),
            (
                at(39.9087, 116.3975),
                at(39.910_103_523_109_99, 116.403_743_678_373_22),
            ),
        ];
        for (wgs, gcj) in cases {
            assert_near(wgs84_to_gcj02(wgs), gcj, 2e-7);
            // And back: to a tenth of a millimetre (1e-9 degrees).
            assert_near(
                to_wgs84(Datum::Gcj02, from_wgs84(Datum::Gcj02, wgs)),
                wgs,
                1e-9,
            );
        }
    }

    /// In Shenzhen the offset is some 300 m south and 500 m east: a pin on a GCJ-02 tile
    /// taken as WGS-84 would land a street away.
    #[test]
    fn the_offset_in_shenzhen_is_hundreds_of_metres_and_none_outside_china() {
        let civic_center = at(22.5440, 114.0540);
        let moved = wgs84_to_gcj02(civic_center);
        let metres_north = (moved.lat - civic_center.lat) * 111_320.0;
        let metres_east =
            (moved.lon - civic_center.lon) * 111_320.0 * civic_center.lat.to_radians().cos();
        assert!((-400.0..-250.0).contains(&metres_north), "{metres_north}");
        assert!((450.0..600.0).contains(&metres_east), "{metres_east}");
        let tokyo = at(35.6812, 139.7671);
        assert_eq!(wgs84_to_gcj02(tokyo), tokyo);
        assert_eq!(gcj02_to_wgs84(tokyo), tokyo);
        assert_eq!(from_wgs84(Datum::Wgs84, civic_center), civic_center);
    }
}
