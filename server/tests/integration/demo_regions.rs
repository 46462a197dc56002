//! The demo cities' districts: every district's seat (its built-up centre) resolves to that
//! district, over the one R-tree of all cities.

use crate::common;

use server::{cities::Cities, config::load_cities};

#[test]
fn every_district_seat_resolves_to_its_own_district() {
    let config = common::repo_config();
    let cities = Cities::new(load_cities(&config, &server::catalog::KNOWN).expect("demo config"));
    let mut checked = 0;
    for city in ["shenzhen", "guangzhou", "foshan"] {
        let text = std::fs::read_to_string(config.join(format!("regions/{city}.geojson")))
            .expect("region file");
        let collection: serde_json::Value = serde_json::from_str(&text).expect("json");
        for feature in collection["features"].as_array().expect("features") {
            let id = feature["properties"]["id"].as_str().expect("id");
            let seat = &feature["properties"]["seat"];
            let (lon, lat) = (
                seat[0].as_f64().expect("lon"),
                seat[1].as_f64().expect("lat"),
            );
            let (found_city, region) = cities.locate(lon, lat).expect("seat inside a district");
            assert_eq!((found_city.id.as_str(), region.id.as_str()), (city, id));
            checked += 1;
        }
    }
    assert_eq!(checked, 26);
    assert_eq!(cities.region_index().len(), 26);
}

#[test]
fn neilingding_island_is_futian_and_the_sea_is_nowhere() {
    let cities = Cities::new(
        load_cities(&common::repo_config(), &server::catalog::KNOWN).expect("demo config"),
    );
    let (city, region) = cities.locate(113.80, 22.41).expect("the island");
    assert_eq!(
        (city.id.as_str(), region.id.as_str()),
        ("shenzhen", "futian")
    );
    assert!(
        cities.locate(113.80, 22.30).is_none(),
        "open sea south of the island"
    );
    assert!(
        cities.locate(116.40, 39.90).is_none(),
        "Beijing is not a demo city"
    );
}
