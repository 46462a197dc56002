//! A city's regions as SVG paths, drawn from the city's own polygons: the console's map needs
//! no tile server and works offline.

use geo::{BoundingRect, Centroid, MultiPolygon};
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

fn svg_path(shape: &MultiPolygon<f64>, project: &impl Fn(f64, f64) -> (f64, f64)) -> String {
    let mut path = String::new();
    for polygon in shape {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            for (i, point) in ring.points().enumerate() {
                let (x, y) = project(point.x(), point.y());
                path.push_str(&format!(
                    "{}{:.1},{:.1}",
                    if i == 0 { "M" } else { "L" },
                    x,
                    y
                ));
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
