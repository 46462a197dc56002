//! Point -> (city, region) lookup over every city's districts.
//!
//! One R-tree holds the bounding box of every region of every city; a lookup asks the tree
//! for the few boxes around the point and then tests the exact (Multi)Polygons. A point on a
//! border shared by two regions belongs to both geometrically; the answer is made
//! deterministic by taking the smallest `(city id, region id)`.

use geo::{BoundingRect, Intersects, MultiPolygon, Point};
use rstar::{
    primitives::{GeomWithData, Rectangle},
    RTree,
};

use model::LocalizedName;

/// A district of a city, with its boundary.
#[derive(Clone, Debug)]
pub struct Region {
    pub id: String,
    pub name: LocalizedName,
    pub boundary: MultiPolygon<f64>,
}

/// Where a point fell: indexes into the city list and that city's regions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegionRef {
    pub city: usize,
    pub region: usize,
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, RegionRef>;

/// An index over the regions of several cities.
pub struct RegionIndex {
    tree: RTree<Entry>,
    /// `(city id, region id, boundary)` per entry, to test exactly and break ties.
    ids: Vec<Vec<(String, String, MultiPolygon<f64>)>>,
}

impl RegionIndex {
    /// Builds the index from each city's id and regions, in city order.
    pub fn new<'a>(cities: impl IntoIterator<Item = (&'a str, &'a [Region])>) -> Self {
        let mut entries = Vec::new();
        let mut ids = Vec::new();
        for (city_index, (city_id, regions)) in cities.into_iter().enumerate() {
            let mut city_ids = Vec::new();
            for (region_index, region) in regions.iter().enumerate() {
                if let Some(rect) = region.boundary.bounding_rect() {
                    let reference = RegionRef {
                        city: city_index,
                        region: region_index,
                    };
                    let corners = ([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
                    entries.push(GeomWithData::new(
                        Rectangle::from_corners(corners.0, corners.1),
                        reference,
                    ));
                }
                city_ids.push((
                    city_id.to_owned(),
                    region.id.clone(),
                    region.boundary.clone(),
                ));
            }
            ids.push(city_ids);
        }
        RegionIndex {
            tree: RTree::bulk_load(entries),
            ids,
        }
    }

    /// The region containing `(lon, lat)`, borders included; `None` outside every region.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<RegionRef> {
        if !lon.is_finite() || !lat.is_finite() {
            return None;
        }
        let point = Point::new(lon, lat);
        self.tree
            .locate_all_at_point(&[lon, lat])
            .map(|entry| entry.data)
            .filter(|r| self.ids[r.city][r.region].2.intersects(&point))
            .min_by(|a, b| {
                let key = |r: &RegionRef| {
                    let (city, region, _) = &self.ids[r.city][r.region];
                    (city.clone(), region.clone())
                };
                key(a).cmp(&key(b))
            })
    }

    /// How many regions the index holds.
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }
}

/// An area in longitude/latitude degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoundingBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

#[cfg(test)]
mod tests {
    use geo::{polygon, LineString, Polygon};

    use super::*;

    fn region(id: &str, boundary: MultiPolygon<f64>) -> Region {
        Region {
            id: id.to_owned(),
            name: LocalizedName {
                zh: id.to_owned(),
                en: id.to_owned(),
            },
            boundary,
        }
    }

    fn square(x0: f64, y0: f64, size: f64) -> Polygon<f64> {
        polygon![
            (x: x0, y: y0),
            (x: x0 + size, y: y0),
            (x: x0 + size, y: y0 + size),
            (x: x0, y: y0 + size),
            (x: x0, y: y0),
        ]
    }

    /// City "alpha": west and east share the border x = 1; "ring" has a hole; "islands" is
    /// a MultiPolygon of two squares. City "beta" lies apart.
    fn index() -> RegionIndex {
        let ring = Polygon::new(
            LineString::from(vec![
                (10.0, 0.0),
                (14.0, 0.0),
                (14.0, 4.0),
                (10.0, 4.0),
                (10.0, 0.0),
            ]),
            vec![LineString::from(vec![
                (11.0, 1.0),
                (13.0, 1.0),
                (13.0, 3.0),
                (11.0, 3.0),
                (11.0, 1.0),
            ])],
        );
        let alpha = vec![
            region("west", MultiPolygon::new(vec![square(0.0, 0.0, 1.0)])),
            region("east", MultiPolygon::new(vec![square(1.0, 0.0, 1.0)])),
            region("ring", MultiPolygon::new(vec![ring])),
            region(
                "islands",
                MultiPolygon::new(vec![square(20.0, 0.0, 1.0), square(25.0, 5.0, 1.0)]),
            ),
        ];
        let beta = vec![region(
            "centre",
            MultiPolygon::new(vec![square(50.0, 50.0, 2.0)]),
        )];
        RegionIndex::new([("alpha", alpha.as_slice()), ("beta", beta.as_slice())])
    }

    #[test]
    fn interior_points_resolve_to_their_region() {
        let index = index();
        assert_eq!(
            index.locate(0.5, 0.5),
            Some(RegionRef { city: 0, region: 0 })
        );
        assert_eq!(
            index.locate(1.5, 0.5),
            Some(RegionRef { city: 0, region: 1 })
        );
        assert_eq!(
            index.locate(51.0, 51.0),
            Some(RegionRef { city: 1, region: 0 })
        );
    }

    #[test]
    fn a_shared_border_has_one_deterministic_answer() {
        let index = index();
        // x = 1 is both west's and east's border: the smaller id, "east", wins, every time.
        for _ in 0..3 {
            assert_eq!(
                index.locate(1.0, 0.5),
                Some(RegionRef { city: 0, region: 1 })
            );
        }
    }

    #[test]
    fn a_point_in_a_hole_is_not_in_the_region() {
        let index = index();
        assert_eq!(index.locate(12.0, 2.0), None);
        assert_eq!(
            index.locate(10.5, 2.0),
            Some(RegionRef { city: 0, region: 2 })
        );
    }

    #[test]
    fn every_part_of_a_multipolygon_counts() {
        let index = index();
        let islands = Some(RegionRef { city: 0, region: 3 });
        assert_eq!(index.locate(20.5, 0.5), islands);
        assert_eq!(index.locate(25.5, 5.5), islands);
        // Between the parts: inside the bounding box, outside the region.
        assert_eq!(index.locate(23.0, 3.0), None);
    }

    #[test]
    fn a_point_outside_every_city_is_nowhere() {
        let index = index();
        assert_eq!(index.locate(-5.0, -5.0), None);
        assert_eq!(index.locate(f64::NAN, 0.0), None);
        assert_eq!(index.len(), 5);
    }
}
