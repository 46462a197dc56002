//! A broken config stops start-up with a message naming the file, the city and the field.

use crate::common;

use std::path::Path;

use server::config::{load_cities, ConfigError};

const GOOD_REGIONS: &str = r#"{"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"id": "centre", "name_zh": "中心区", "name_en": "Centre"},
   "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}
]}"#;

fn city_toml(adapter: &str, base_url: &str, regions_file: &str) -> String {
    format!(
        r#"id = "testville"
time_zone = "Asia/Shanghai"
regions_file = "{regions_file}"
[name]
zh = "测试市"
en = "Testville"
[[services]]
service = "air"
provider = "testville-air"
adapter = "{adapter}"
base_url = "{base_url}"
regions = ["*"]
"#
    )
}

/// Writes a config dir with one city and its region file; returns the load error.
fn load_error(city: &str, regions: &str) -> ConfigError {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("cities")).expect("mkdir");
    std::fs::write(dir.path().join("cities/testville.toml"), city).expect("write city");
    std::fs::write(dir.path().join("regions.geojson"), regions).expect("write regions");
    load_cities(dir.path(), &server::catalog::KNOWN).expect_err("config must be refused")
}

fn assert_names(error: &ConfigError, field: &str, words: &str) {
    let message = error.to_string();
    assert!(
        Path::new(&error.file.display().to_string()).ends_with("cities/testville.toml"),
        "{message}"
    );
    assert_eq!(error.city, "testville", "{message}");
    assert!(error.field.contains(field), "field in {message}");
    assert!(message.contains(words), "{message}");
}

#[test]
fn the_good_config_loads() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("cities")).expect("mkdir");
    std::fs::write(
        dir.path().join("cities/testville.toml"),
        city_toml("openaq-v3", "http://127.0.0.1:9/", "../regions.geojson"),
    )
    .expect("write");
    std::fs::write(dir.path().join("regions.geojson"), GOOD_REGIONS).expect("write");
    let cities = load_cities(dir.path(), &server::catalog::KNOWN).expect("loads");
    assert_eq!(cities[0].regions[0].id, "centre");
    assert_eq!(cities[0].services[0].regions, vec!["centre"]);
}

#[test]
fn the_demo_config_loads() {
    let cities =
        load_cities(&common::repo_config(), &server::catalog::KNOWN).expect("demo config loads");
    let ids: Vec<&str> = cities.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["foshan", "guangzhou", "shenzhen"]);
}

#[test]
fn unknown_adapter_kind() {
    let error = load_error(
        &city_toml("openaq-v9", "http://127.0.0.1:9/", "../regions.geojson"),
        GOOD_REGIONS,
    );
    assert_names(
        &error,
        "services[0].adapter",
        "unknown adapter kind 'openaq-v9'",
    );
}

#[test]
fn bad_url() {
    let error = load_error(
        &city_toml("openaq-v3", "not a url", "../regions.geojson"),
        GOOD_REGIONS,
    );
    assert_names(&error, "services[0].base_url", "not a valid URL");
    let error = load_error(
        &city_toml("openaq-v3", "ftp://example.org/", "../regions.geojson"),
        GOOD_REGIONS,
    );
    assert_names(&error, "services[0].base_url", "must be an http(s) URL");
}

#[test]
fn credentials_in_a_url_or_an_unknown_simulator() {
    let error = load_error(
        &city_toml(
            "openaq-v3",
            "https://user:secret@example.org/",
            "../regions.geojson",
        ),
        GOOD_REGIONS,
    );
    assert_names(
        &error,
        "services[0].base_url",
        "credentials do not belong in a URL",
    );
    assert!(
        !error.to_string().contains("secret"),
        "the secret is not echoed"
    );
    let error = load_error(
        &city_toml("openaq-v3", "simulator:openaq-v9", "../regions.geojson"),
        GOOD_REGIONS,
    );
    assert_names(
        &error,
        "services[0].base_url",
        "no built-in simulator 'openaq-v9'",
    );
}

#[test]
fn a_missing_secret_and_a_service_configured_twice() {
    let city = city_toml("openaq-v3", "http://127.0.0.1:9/", "../regions.geojson").replace(
        "regions = [\"*\"]",
        "regions = [\"*\"]\napi_key_env = \"CITY_PORTAL_TEST_UNSET_KEY\"",
    );
    let error = load_error(&city, GOOD_REGIONS);
    assert_names(
        &error,
        "services[0].api_key_env",
        "CITY_PORTAL_TEST_UNSET_KEY is not set",
    );

    let service = city_toml("openaq-v3", "http://127.0.0.1:9/", "../regions.geojson");
    let twice = service.clone() + &service[service.find("[[services]]").unwrap_or(0)..];
    let error = load_error(&twice, GOOD_REGIONS);
    assert_names(&error, "services[1].service", "configured twice");
}

#[test]
fn region_file_missing() {
    let error = load_error(
        &city_toml("openaq-v3", "http://127.0.0.1:9/", "../nowhere.geojson"),
        GOOD_REGIONS,
    );
    assert_names(
        &error,
        "regions_file",
        "nowhere.geojson: cannot read the file",
    );
}

#[test]
fn polygon_not_closed() {
    let open_ring = GOOD_REGIONS.replace(
        "[[0,0],[1,0],[1,1],[0,1],[0,0]]",
        "[[0,0],[1,0],[1,1],[0,1],[0,0.5]]",
    );
    let error = load_error(
        &city_toml("openaq-v3", "http://127.0.0.1:9/", "../regions.geojson"),
        &open_ring,
    );
    assert_names(
        &error,
        "regions_file",
        "features[0].geometry.coordinates[0][0]",
    );
    assert!(error
        .to_string()
        .contains("region 'centre': ring is not closed"));
}

#[test]
fn unknown_region_in_a_service_and_unknown_field() {
    let city = city_toml("openaq-v3", "http://127.0.0.1:9/", "../regions.geojson")
        .replace(r#"regions = ["*"]"#, r#"regions = ["harbour"]"#);
    let error = load_error(&city, GOOD_REGIONS);
    assert_names(&error, "services[0].regions", "unknown region 'harbour'");

    let city = city_toml("openaq-v3", "http://127.0.0.1:9/", "../regions.geojson")
        .replace("time_zone", "timezone");
    let error = load_error(&city, GOOD_REGIONS);
    assert_names(&error, "timezone (line 2)", "unknown field");
}

#[test]
fn map_tiles_need_their_placeholders_https_and_an_attribution() {
    for (map, expected) in [
        (
            "tiles = \"https://t.example.cn/{z}/{x}.png\"\nattribution = \"© T\"",
            "must hold {y}",
        ),
        (
            "tiles = \"http://t.example.cn/{z}/{x}/{y}.png\"\nattribution = \"© T\"",
            "https",
        ),
        (
            "tiles = \"https://t.example.cn/{z}/{x}/{y}.png\"\nattribution = \" \"",
            "attribution",
        ),
    ] {
        let city = format!(
            "{}[map]\n{map}\n",
            city_toml("openaq-v3", "simulator:openaq", "../regions.geojson")
        );
        let error = load_error(&city, GOOD_REGIONS);
        assert_eq!(error.field, "map.tiles");
        assert!(error.problem.contains(expected), "{}", error.problem);
    }
    for (coordinates, expected) in [
        ("bd09", "Baidu's tiles"),
        ("mars", "unknown coordinates 'mars' (known: wgs84, gcj02)"),
    ] {
        let city = format!(
            "{}[map]\ntiles = \"https://t.example.cn/{{z}}/{{x}}/{{y}}.png\"\nattribution = \"© T\"\ncoordinates = \"{coordinates}\"\n",
            city_toml("openaq-v3", "simulator:openaq", "../regions.geojson")
        );
        let error = load_error(&city, GOOD_REGIONS);
        assert_eq!(error.field, "map.coordinates");
        assert!(error.problem.contains(expected), "{}", error.problem);
    }
}

#[test]
fn each_adapter_owns_its_options_and_refuses_unknown_ones() {
    let air = city_toml("openaq-v3", "http://127.0.0.1:9/", "../regions.geojson")
        + "[services.options]\ncategories = [\"streetlight\"]\n";
    let error = load_error(&air, GOOD_REGIONS);
    assert_names(&error, "services[0].options", "unknown option 'categories'");

    let desk = |options: &str| {
        city_toml("open311-v2", "http://127.0.0.1:9/", "../regions.geojson")
            .replace("service = \"air\"", "service = \"report\"")
            + "[services.options]\n"
            + options
    };
    let error = load_error(&desk("category = [\"streetlight\"]\n"), GOOD_REGIONS);
    assert_names(&error, "services[0].options", "unknown field `category`");
    let error = load_error(&desk("categories = []\n"), GOOD_REGIONS);
    assert_names(
        &error,
        "services[0].options",
        "list at least one category code",
    );

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("cities")).expect("mkdir");
    let good = desk("categories = [\"streetlight\"]\njurisdiction = \"testville.gov\"\n");
    std::fs::write(dir.path().join("cities/testville.toml"), good).expect("write city");
    std::fs::write(dir.path().join("regions.geojson"), GOOD_REGIONS).expect("write regions");
    let cities = load_cities(dir.path(), &server::catalog::KNOWN).expect("a desk's options load");
    let options =
        server::services::reports::open311::Open311Options::read(&cities[0].services[0].options)
            .expect("they read back");
    assert_eq!(options.categories, Some(vec!["streetlight".to_owned()]));
    assert_eq!(options.jurisdiction.as_deref(), Some("testville.gov"));

    // Where `categories` used to go: beside the common fields.
    let old_place = city_toml("open311-v2", "http://127.0.0.1:9/", "../regions.geojson")
        .replace("service = \"air\"", "service = \"report\"")
        + "categories = [\"streetlight\"]\n";
    let error = load_error(&old_place, GOOD_REGIONS);
    assert_names(&error, "categories (line 13)", "unknown field `categories`");
    assert!(
        error.to_string().contains("go under [services.options]"),
        "says where it goes now: {error}"
    );
}

#[test]
fn a_service_owns_its_city_settings_and_refuses_unknown_ones() {
    let with_settings = |settings: &str| {
        city_toml("openaq-v3", "http://127.0.0.1:9/", "../regions.geojson") + settings
    };
    let error = load_error(
        &with_settings("[settings.air]\naqi_scale = \"who\"\n"),
        GOOD_REGIONS,
    );
    assert_names(
        &error,
        "settings.air",
        "unknown scale 'who' (known: china, us-epa)",
    );
    let error = load_error(
        &with_settings("[settings.air]\nscale = \"us-epa\"\n"),
        GOOD_REGIONS,
    );
    assert_names(&error, "settings.air", "unknown setting 'scale'");
    let error = load_error(&with_settings("[settings.report]\nx = 1\n"), GOOD_REGIONS);
    assert_names(
        &error,
        "settings.report",
        "no [[services]] entry for 'report'",
    );
    let error = load_error(&with_settings("[settings.parking]\nx = 1\n"), GOOD_REGIONS);
    // The catalog's services, in its order, whichever they are.
    let known: Vec<&str> = server::catalog::SERVICES
        .iter()
        .map(|service| service.spec.kind.id())
        .collect();
    assert!(known.contains(&"air") && known.len() > 1);
    assert_names(
        &error,
        "settings.parking",
        &format!("unknown service 'parking' (known: {})", known.join(", ")),
    );
    let error = load_error(
        &with_settings("[settings.air]\naqi_scale = 1\n"),
        GOOD_REGIONS,
    );
    assert_names(&error, "settings.air", "aqi_scale: must be text");

    let desk = city_toml("open311-v2", "http://127.0.0.1:9/", "../regions.geojson")
        .replace("service = \"air\"", "service = \"report\"")
        + "[settings.report]\nx = 1\n";
    let error = load_error(&desk, GOOD_REGIONS);
    assert_names(&error, "settings.report", "this service takes none");

    // Where the scale used to go: among the city's own fields.
    let old_place = city_toml("openaq-v3", "http://127.0.0.1:9/", "../regions.geojson")
        .replace("[name]", "aqi_scale = \"us-epa\"\n[name]");
    let error = load_error(&old_place, GOOD_REGIONS);
    assert!(
        error.to_string().contains("[settings.air] aqi_scale"),
        "says where it goes now: {error}"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("cities")).expect("mkdir");
    let us = with_settings("[settings.air]\naqi_scale = \"us-epa\"\n");
    std::fs::write(dir.path().join("cities/testville.toml"), us).expect("write city");
    std::fs::write(dir.path().join("regions.geojson"), GOOD_REGIONS).expect("write regions");
    let cities = load_cities(dir.path(), &server::catalog::KNOWN).expect("the settings load");
    let settings = server::services::air::settings::AirSettings::of(&cities[0]);
    assert_eq!(settings.aqi_scale, model::AqiScale::UsEpa);
    let unset = city_toml("openaq-v3", "http://127.0.0.1:9/", "../regions.geojson");
    std::fs::write(dir.path().join("cities/testville.toml"), unset).expect("write city");
    let cities = load_cities(dir.path(), &server::catalog::KNOWN).expect("loads");
    let settings = server::services::air::settings::AirSettings::of(&cities[0]);
    assert_eq!(settings.aqi_scale, model::AqiScale::China, "the default");
}
