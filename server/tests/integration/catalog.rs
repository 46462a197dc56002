//! The places `services/ADDING-A-SERVICE.md` names, checked against the catalog: a service
//! registered but missing from one of them (or there, but not registered) fails here, with
//! the place to fix in the message. Nothing here names a service.

use std::{collections::HashSet, path::PathBuf};

use model::ServiceKind;
use server::catalog::{KNOWN, SERVICES};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The workspace's members under `services/` (each a service's crate).
fn service_folders() -> Vec<String> {
    let manifest: toml::Table = read("Cargo.toml").parse().expect("Cargo.toml reads");
    manifest["workspace"]["members"]
        .as_array()
        .expect("workspace members")
        .iter()
        .filter_map(|member| member.as_str()?.strip_prefix("services/"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_kind_has_one_registration_and_every_registration_a_kind() {
    for kind in ServiceKind::ALL {
        let registered = SERVICES.iter().filter(|s| s.spec.kind == kind).count();
        assert_eq!(
            registered, 1,
            "ServiceKind::{kind:?} (model/src/city.rs) must have exactly one line in \
             server/src/catalog.rs SERVICES"
        );
    }
    assert_eq!(
        SERVICES.len(),
        ServiceKind::ALL.len(),
        "ServiceKind::ALL misses one"
    );
    for kind in ServiceKind::ALL {
        assert_eq!(
            ServiceKind::from_id(kind.id()),
            Some(kind),
            "{kind:?}'s id reads back"
        );
    }
}

#[test]
fn every_service_folder_is_a_member_a_dependency_and_registered() {
    let folders = service_folders();
    let server_manifest = read("server/Cargo.toml");
    for folder in &folders {
        assert!(
            server_manifest.contains(&format!("path = \"../services/{folder}\"")),
            "server/Cargo.toml must depend on services/{folder}"
        );
        let registration = read(&format!("services/{folder}/src/registration.rs"));
        assert!(
            registration.contains("pub const REGISTRATION: Registration"),
            "services/{folder}/src/registration.rs must declare its REGISTRATION"
        );
    }
    assert_eq!(
        folders.len(),
        SERVICES.len(),
        "each service folder in the workspace is one line of SERVICES, and each line one folder"
    );
    let catalog = read("server/src/catalog.rs");
    let lines = catalog
        .lines()
        .filter(|line| line.trim_end().ends_with("::registration::REGISTRATION,"))
        .count();
    assert_eq!(lines, SERVICES.len(), "one line per service in SERVICES");
}

#[test]
fn simulator_names_are_unique_and_adapter_ids_too() {
    let simulators = KNOWN.simulators();
    let unique: HashSet<_> = simulators.iter().collect();
    assert_eq!(
        unique.len(),
        simulators.len(),
        "two simulators share a name: {simulators:?}"
    );
    let adapters: Vec<&str> = KNOWN
        .specs()
        .flat_map(|spec| spec.adapters.iter().map(|a| a.id))
        .collect();
    let unique: HashSet<_> = adapters.iter().collect();
    assert_eq!(
        unique.len(),
        adapters.len(),
        "two adapters share an id: {adapters:?}"
    );
}

#[test]
fn every_service_is_named_in_every_locale() {
    for locale in ["en", "zh-CN"] {
        let messages = read(&format!("model/locales/{locale}.ftl"));
        for service in SERVICES {
            let key = service.spec.kind.name_key();
            assert!(
                messages
                    .lines()
                    .any(|line| line.starts_with(&format!("{key} ="))),
                "model/locales/{locale}.ftl has no {key}"
            );
        }
    }
}

#[test]
fn every_service_is_offered_by_a_demo_city_and_every_tile_has_a_page_and_an_icon() {
    let cities = server::config::load_cities(&repo().join("config"), &KNOWN).expect("demo config");
    let pages = read("app/src/lib.rs");
    let icons = read("app/src/components/icons.rs");
    for service in SERVICES {
        let kind = service.spec.kind;
        assert!(
            cities
                .iter()
                .any(|city| city.services.iter().any(|s| s.service == kind)),
            "no demo city in config/cities/ offers {}",
            kind.id()
        );
        if kind.is_tile() {
            assert!(
                pages.contains(&format!("path!(\"/c/:city/{}\")", kind.id())),
                "app/src/lib.rs has no page at /c/:city/{} for its tile",
                kind.id()
            );
            assert!(
                icons.contains(&format!("ServiceKind::{kind:?} =>")),
                "app/src/components/icons.rs has no icon for the {} tile",
                kind.id()
            );
        }
    }
}
