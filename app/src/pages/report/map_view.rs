//! The pin map's arithmetic, apart from the browser: positions to points of the drawing and
//! back, the part in view as it zooms, and the Web Mercator tiles that cover it.

use super::coordinates;
use crate::account::Datum;

/// How the city's drawing is projected: `x = (lon - west) * x_scale`,
/// `y = (north - lat) * y_scale`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    pub west: f64,
    pub north: f64,
    pub x_scale: f64,
    pub y_scale: f64,
}

/// A point of the drawing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// A position on Earth, in degrees (WGS-84, as browsers report it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Position {
    pub lat: f64,
    pub lon: f64,
}

impl Projection {
    pub fn point(&self, at: Position) -> Point {
        Point {
            x: (at.lon - self.west) * self.x_scale,
            y: (self.north - at.lat) * self.y_scale,
        }
    }

    pub fn position(&self, point: Point) -> Position {
        Position {
            lat: self.north - point.y / self.y_scale,
            lon: self.west + point.x / self.x_scale,
        }
    }
}

/// The part of the drawing in view: an SVG `viewBox`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewBox {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl ViewBox {
    pub fn centre(&self) -> Point {
        Point {
            x: self.x + self.width / 2.0,
            y: self.y + self.height / 2.0,
        }
    }

    /// Zoomed by `factor` (below 1 is closer) around `centre`: never wider than `full`, the
    /// whole city, nor closer than a 256th of it, and always of the city's proportions.
    pub fn zoomed(&self, full: &ViewBox, factor: f64, centre: Point) -> ViewBox {
        let width = within(self.width * factor, full.width / 256.0, full.width);
        let height = width * full.height / full.width;
        ViewBox {
            x: centre.x - width / 2.0,
            y: centre.y - height / 2.0,
            width,
            height,
        }
    }

    /// The `viewBox` attribute's value.
    pub fn attribute(&self) -> String {
        [self.x, self.y, self.width, self.height]
            .map(drawing_number)
            .join(" ")
    }

    /// The pin's radius: the same size on screen at every zoom.
    pub fn pin_radius(&self) -> f64 {
        self.width / 45.0
    }
}

/// One raster tile, placed on the drawing by its corners.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedTile {
    pub href: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// More tiles than this for one view are not fetched (a phone's data plan).
const MAX_TILES: i64 = 64;

/// The Web Mercator tiles of `template` (`{z}/{x}/{y}`, drawn in `datum`) covering `view`,
/// at the zoom that fits `pixels_wide` screen pixels; `None` when that would take more than
/// 64 tiles. The drawing is WGS-84: a GCJ-02 tile is placed where its corners are in WGS-84,
/// so that what it shows lies under the districts and the pin it belongs with.
pub fn tiles_for(
    template: &str,
    datum: Datum,
    projection: &Projection,
    view: &ViewBox,
    pixels_wide: f64,
) -> Option<Vec<PlacedTile>> {
    let in_tiles = |x, y| coordinates::from_wgs84(datum, projection.position(Point { x, y }));
    let north_west = in_tiles(view.x, view.y);
    let south_east = in_tiles(view.x + view.width, view.y + view.height);
    let on_drawing = |at| projection.point(coordinates::to_wgs84(datum, at));
    let degrees_wide = (south_east.lon - north_west.lon).max(f64::EPSILON);
    let zoom = math::log2(360.0 / degrees_wide * pixels_wide / 256.0).round();
    let zoom = within(zoom, 0.0, 18.0) as u32;
    let (first_column, first_row) = tile_of(north_west, zoom);
    let (last_column, last_row) = tile_of(south_east, zoom);
    if (last_column - first_column + 1) * (last_row - first_row + 1) > MAX_TILES {
        return None;
    }
    let mut placed = Vec::new();
    for column in first_column..=last_column {
        for row in first_row..=last_row {
            let corner = on_drawing(tile_corner(column, row, zoom));
            let opposite = on_drawing(tile_corner(column + 1, row + 1, zoom));
            placed.push(PlacedTile {
                href: template
                    .replace("{z}", &zoom.to_string())
                    .replace("{x}", &column.to_string())
                    .replace("{y}", &row.to_string()),
                x: corner.x,
                y: corner.y,
                width: opposite.x - corner.x,
                height: opposite.y - corner.y,
            });
        }
    }
    Some(placed)
}

/// The tile (column, row) holding `at` at `zoom`.
pub fn tile_of(at: Position, zoom: u32) -> (i64, i64) {
    let tiles = f64::from(1u32 << zoom);
    let column = ((at.lon + 180.0) / 360.0 * tiles).floor();
    let lat = at.lat.to_radians();
    let mercator = math::ln(math::tan(lat) + 1.0 / math::cos(lat));
    let row = ((1.0 - mercator / std::f64::consts::PI) / 2.0 * tiles).floor();
    (column as i64, row as i64)
}

/// The north-west corner of tile (column, row) at `zoom`.
pub fn tile_corner(column: i64, row: i64, zoom: u32) -> Position {
    let tiles = f64::from(1u32 << zoom);
    let n = std::f64::consts::PI * (1.0 - 2.0 * row as f64 / tiles);
    Position {
        lat: math::atan(math::sinh(n)).to_degrees(),
        lon: column as f64 / tiles * 360.0 - 180.0,
    }
}

/// A number for an SVG attribute: a hundredth of a unit is finer than any screen shows.
/// In the browser, the browser formats it (the wasm then carries no float formatting).
pub fn drawing_number(value: f64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Number::from(value)
            .to_fixed(2)
            .map(String::from)
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        format!("{value:.2}")
    }
}

/// `value` kept within `low..=high`. Not `f64::clamp`, whose check of its bounds would
/// bring 15 KB of float formatting (for its panic message) into the wasm.
fn within(value: f64, low: f64, high: f64) -> f64 {
    value.max(low).min(high)
}

/// The transcendental functions the tile arithmetic needs: in the browser, its own `Math`
/// (a second copy of them compiled into the wasm would cost every page that loads it);
/// elsewhere (the tests), the standard library's.
pub(super) mod math {
    #[cfg(target_arch = "wasm32")]
    pub use js_sys::Math::{atan, cos, log2, sin, sinh, tan};

    #[cfg(target_arch = "wasm32")]
    pub fn ln(x: f64) -> f64 {
        js_sys::Math::log(x)
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn atan(x: f64) -> f64 {
        x.atan()
    }
    #[cfg(not(target_arch = "wasm32"))]
    pub fn cos(x: f64) -> f64 {
        x.cos()
    }
    #[cfg(not(target_arch = "wasm32"))]
    pub fn log2(x: f64) -> f64 {
        x.log2()
    }
    #[cfg(not(target_arch = "wasm32"))]
    pub fn sinh(x: f64) -> f64 {
        x.sinh()
    }
    #[cfg(not(target_arch = "wasm32"))]
    pub fn tan(x: f64) -> f64 {
        x.tan()
    }
    #[cfg(not(target_arch = "wasm32"))]
    pub fn ln(x: f64) -> f64 {
        x.ln()
    }
    #[cfg(not(target_arch = "wasm32"))]
    pub fn sin(x: f64) -> f64 {
        x.sin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHENZHEN: Projection = Projection {
        west: 113.75,
        north: 22.86,
        x_scale: 1000.0,
        y_scale: 1080.0,
    };

    #[test]
    fn a_position_comes_back_from_its_point() {
        let futian = Position {
            lat: 22.5431,
            lon: 114.0579,
        };
        let back = SHENZHEN.position(SHENZHEN.point(futian));
        assert!((back.lat - futian.lat).abs() < 1e-9);
        assert!((back.lon - futian.lon).abs() < 1e-9);
    }

    #[test]
    fn zooming_stays_between_the_whole_city_and_a_256th_of_it() {
        let full = ViewBox {
            x: 0.0,
            y: 0.0,
            width: 800.0,
            height: 400.0,
        };
        let centre = Point { x: 100.0, y: 50.0 };
        let closer = full.zoomed(&full, 0.25, centre);
        assert_eq!(closer.width, 200.0);
        assert_eq!(closer.height, 100.0);
        assert_eq!(closer.centre(), centre);
        let mut view = full;
        for _ in 0..20 {
            view = view.zoomed(&full, 0.5, centre);
        }
        assert_eq!(view.width, 800.0 / 256.0);
        assert_eq!(full.zoomed(&full, 4.0, centre).width, 800.0);
    }

    /// Known tiles: Futian's civic centre at zoom 12 is tile 3345/1784 (as OpenStreetMap's
    /// slippy-map arithmetic gives it), and every tile's corners hold it.
    #[test]
    fn a_position_lies_in_the_tile_computed_for_it() {
        let futian = Position {
            lat: 22.5431,
            lon: 114.0579,
        };
        assert_eq!(tile_of(futian, 12), (3345, 1784));
        for zoom in [0, 5, 12, 18] {
            let (column, row) = tile_of(futian, zoom);
            let north_west = tile_corner(column, row, zoom);
            let south_east = tile_corner(column + 1, row + 1, zoom);
            assert!(north_west.lon <= futian.lon && futian.lon < south_east.lon);
            assert!(south_east.lat < futian.lat && futian.lat <= north_west.lat);
        }
    }

    #[test]
    fn the_tiles_cover_the_view_and_are_never_more_than_64() {
        let view = ViewBox {
            x: 200.0,
            y: 200.0,
            width: 100.0,
            height: 60.0,
        };
        let tiles = tiles_for(
            "https://t/{z}/{x}/{y}.png",
            Datum::Wgs84,
            &SHENZHEN,
            &view,
            360.0,
        )
        .expect("a few tiles");
        assert!(!tiles.is_empty() && tiles.len() <= 64);
        assert!(tiles.iter().all(|t| t.href.starts_with("https://t/")));
        let left = tiles.iter().map(|t| t.x).fold(f64::MAX, f64::min);
        let right = tiles.iter().map(|t| t.x + t.width).fold(f64::MIN, f64::max);
        assert!(left <= view.x && right >= view.x + view.width);
        // A phone-sized view asked to fill a wall of pixels would need hundreds.
        assert_eq!(
            tiles_for("{z}/{x}/{y}", Datum::Wgs84, &SHENZHEN, &view, 100_000.0),
            None
        );
    }

    /// A GCJ-02 tile shows the ground some 300 m north and 500 m west of where a WGS-84 one
    /// of the same number would: it is drawn that far up and to the left, so that the
    /// street it shows lies under the pin dropped on it.
    #[test]
    fn gcj02_tiles_are_moved_onto_the_wgs84_drawing() {
        let view = ViewBox {
            x: 280.0,
            y: 300.0,
            width: 40.0,
            height: 40.0,
        };
        let template = "{z}/{x}/{y}";
        let plain = tiles_for(template, Datum::Wgs84, &SHENZHEN, &view, 360.0).expect("tiles");
        let moved = tiles_for(template, Datum::Gcj02, &SHENZHEN, &view, 360.0).expect("tiles");
        let same = moved
            .iter()
            .find_map(|m| plain.iter().find(|p| p.href == m.href).map(|p| (p, m)));
        let (plain, moved) = same.expect("a tile numbered in both");
        let metres_per_unit = 1.0 / SHENZHEN.y_scale * 111_320.0;
        let west = (plain.x - moved.x) * metres_per_unit * SHENZHEN.y_scale / SHENZHEN.x_scale
            * 22.54_f64.to_radians().cos();
        let north = (plain.y - moved.y) * metres_per_unit;
        assert!((450.0..600.0).contains(&west), "{west} m west");
        assert!((250.0..400.0).contains(&north), "{north} m north");
    }
}
