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
        tiles: city.map_tiles.as_ref().map(|t| t.url.clone()),
        attribution: city.map_tiles.as_ref().map(|t| t.attribution.clone()),
        tiles_datum: city
            .map_tiles
            .as_ref()
            .map_or_else(Default::default, |t| t.datum),
    }
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// How far a drawn border may stray from the real one, in drawing units (the map is 320
/// units wide: some 60 m in Shenzhen), so the drawing stays a few kilobytes however detailed
/// the districts are. The island names the district under the pin from the drawing; which
/// district a report is in is always decided on the real borders, by the server.
const DRAWING_TOLERANCE: f64 = 0.2;

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
            let mut last = String::new();
            for point in drawn.points() {
                let here = format!("{:.1},{:.1}", point.x(), point.y());
                if here == last {
                    continue;
                }
                path.push(if last.is_empty() { 'M' } else { 'L' });
                path.push_str(&here);
                last = here;
            }
            path.push('Z');
        }
    }
    path
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
