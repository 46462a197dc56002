//! A city's regions as SVG paths, drawn from the city's own polygons: the console's map needs
//! no tile server and works offline.

use geo::{Area, BoundingRect, Centroid, LineString, MultiPolygon, Polygon, Simplify};
use model::account::{CityMap, MapRegion};

use crate::config::CityConfig;

/// Width of the drawing in SVG units; the height follows the city's shape.
const WIDTH: f64 = 320.0;

/// Projects longitude and latitude to the plane with the cosine of the city's middle
/// latitude (equirectangular): true enough in shape for an area the size of a city.
pub fn draw(city: &CityConfig, disabled: impl Fn(&str) -> Vec<model::ServiceKind>) -> CityMap {
    let Some(bounds) = city.bounding_box() else {
        return CityMap {
            width: WIDTH,
            height: WIDTH,
            regions: Vec::new(),
            west: 0.0,
            north: 0.0,
            x_scale: 1.0,
            y_scale: 1.0,
            tiles: None,
            attribution: None,
            tiles_datum: Default::default(),
            searchable: city.places.is_some(),
        };
    };
    let mid_lat = f64::midpoint(bounds.min_lat, bounds.max_lat).to_radians();
    let x_span = ((bounds.max_lon - bounds.min_lon) * mid_lat.cos()).max(1e-9);
    let y_span = (bounds.max_lat - bounds.min_lat).max(1e-9);
    let scale = WIDTH / x_span;
    let height = (y_span * scale).ceil();
    let project = |lon: f64, lat: f64| -> (f64, f64) {
        (
            (lon - bounds.min_lon) * mid_lat.cos() * scale,
            (bounds.max_lat - lat) * scale,
        )
    };
    let regions = city
        .regions
        .iter()
        .map(|region| {
            let (label_x, label_y) =
                label_point(&region.boundary).map_or((0.0, 0.0), |(lon, lat)| project(lon, lat));
            MapRegion {
                id: region.id.clone(),
                name: region.name.clone(),
                path: svg_path(&region.boundary, &project),
                label_x: round(label_x),
                label_y: round(label_y),
                disabled: disabled(&region.id),
            }
        })
        .collect();
    CityMap {
        width: WIDTH,
        height,
        regions,
        west: bounds.min_lon,
        north: bounds.max_lat,
        x_scale: mid_lat.cos() * scale,
        y_scale: scale,
        // Through the portal's own tile proxy (crate::maps::tiles): residents' browsers
        // never ask the tile server.
        tiles: city
            .map_tiles
            .as_ref()
            .map(|_| format!("/tiles/{}/{{z}}/{{x}}/{{y}}", city.id)),
        attribution: city.map_tiles.as_ref().map(|t| t.attribution.clone()),
        tiles_datum: city
            .map_tiles
            .as_ref()
            .map_or_else(Default::default, |t| t.datum),
        searchable: city.places.is_some(),
    }
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// How far a drawn border may stray from the real one, in drawing units (the map is 320
/// units wide: some 150 m in Shenzhen, less than a street block at the zoom a pin is
/// dropped with streets beneath), so the drawing stays a few kilobytes however detailed the
/// districts are (the report page's first visit is within its budget). The island names the
/// district under the pin from the drawing; which district a report is in is always decided
/// on the real borders, by the server.
const DRAWING_TOLERANCE: f64 = 0.5;

/// Rings smaller than this on the drawing (specks of islands) are left out.
const SMALLEST_DRAWN_RING: f64 = 0.5;

fn svg_path(shape: &MultiPolygon<f64>, project: &impl Fn(f64, f64) -> (f64, f64)) -> String {
    let mut path = String::new();
    for polygon in shape {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            let drawn: LineString<f64> = ring
                .points()
                .map(|point| project(point.x(), point.y()))
                .collect();
            let drawn = drawn.simplify(DRAWING_TOLERANCE);
            if Polygon::new(drawn.clone(), Vec::new()).unsigned_area() < SMALLEST_DRAWN_RING {
                continue;
            }
            ring_path(drawn.points().map(|p| (p.x(), p.y())), &mut path);
        }
    }
    path
}

/// Appends a ring in tenths of a unit: its first point absolute (`M`), each next one
/// relative to the last (`l`), which takes half the bytes of absolute points on a page that
/// draws a city's districts. Steps are counted between rounded points, so nothing drifts.
fn ring_path(points: impl Iterator<Item = (f64, f64)>, path: &mut String) {
    let mut last: Option<(i64, i64)> = None;
    for (x, y) in points {
        // Tenths of a unit: the drawing is 320 units wide.
        let here = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
        match last {
            None => path.push_str(&format!("M{},{}", tenths(here.0), tenths(here.1))),
            Some(last) if last == here => continue,
            Some(last) => path.push_str(&format!(
                "l{},{}",
                tenths(here.0 - last.0),
                tenths(here.1 - last.1)
            )),
        }
        last = Some(here);
    }
    if last.is_some() {
        path.push('Z');
    }
}

/// A number of tenths as SVG writes it shortest: `17` is `1.7`, `-3` is `-.3`, `20` is `2`.
fn tenths(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    match (n.abs() / 10, n.abs() % 10) {
        (whole, 0) => format!("{sign}{whole}"),
        (0, part) => format!("{sign}.{part}"),
        (whole, part) => format!("{sign}{whole}.{part}"),
    }
}

/// Where the name goes: the centroid of the largest polygon (a district's islands aside).
fn label_point(shape: &MultiPolygon<f64>) -> Option<(f64, f64)> {
    shape
        .iter()
        .max_by(|a, b| {
            let area =
                |p: &geo::Polygon<f64>| p.bounding_rect().map_or(0.0, |r| r.width() * r.height());
            area(a).total_cmp(&area(b))
        })
        .and_then(Centroid::centroid)
        .map(|c| (c.x(), c.y()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `M x,y l dx,dy … Z` back into absolute points.
    fn points_of(path: &str) -> Vec<(f64, f64)> {
        let mut points: Vec<(f64, f64)> = Vec::new();
        for step in path
            .trim_end_matches('Z')
            .split(['M', 'l'])
            .filter(|s| !s.is_empty())
        {
            let (x, y) = step.split_once(',').expect("x,y");
            let (x, y): (f64, f64) = (x.parse().expect("x"), y.parse().expect("y"));
            points.push(match points.last() {
                Some(&(lx, ly)) => (lx + x, ly + y),
                None => (x, y),
            });
        }
        points
    }

    #[test]
    fn a_ring_is_drawn_relative_and_reads_back_to_its_rounded_points() {
        let ring = [
            (114.84, 109.2),
            (115.8, 110.91),
            (115.82, 110.88),
            (100.0, 120.06),
            (114.84, 109.2),
        ];
        let mut path = String::new();
        ring_path(ring.into_iter(), &mut path);
        assert_eq!(path, "M114.8,109.2l1,1.7l-15.8,9.2l14.8,-10.9Z");
        let back = points_of(&path);
        let expected = [
            (114.8, 109.2),
            (115.8, 110.9),
            (100.0, 120.1),
            (114.8, 109.2),
        ];
        assert_eq!(back.len(), expected.len());
        for ((x, y), (ex, ey)) in back.iter().zip(expected) {
            assert!((x - ex).abs() < 1e-9 && (y - ey).abs() < 1e-9, "{back:?}");
        }
    }

    #[test]
    fn tenths_are_written_shortest() {
        assert_eq!(tenths(17), "1.7");
        assert_eq!(tenths(-3), "-.3");
        assert_eq!(tenths(20), "2");
        assert_eq!(tenths(0), "0");
        assert_eq!(tenths(-105), "-10.5");
    }
}
