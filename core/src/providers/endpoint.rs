//! What every adapter does with its provider's address: the base URL as a directory, so that
//! joining a relative path (`requests.json`, `v1/search`) keeps the base's own path
//! (`https://h.example/fhir/` + `Patient` is `…/fhir/Patient`, where `…/fhir` would lose
//! `fhir`).

use url::Url;

/// `url` with a trailing slash on its path.
pub fn as_base(mut url: Url) -> Url {
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_keeps_its_path_when_joined() {
        let parse = |s: &str| Url::parse(s).expect("a URL");
        for given in ["https://h.example/fhir", "https://h.example/fhir/"] {
            let base = as_base(parse(given));
            assert_eq!(base.as_str(), "https://h.example/fhir/");
            assert_eq!(
                base.join("Patient").expect("joined").as_str(),
                "https://h.example/fhir/Patient"
            );
        }
        assert_eq!(
            as_base(parse("https://h.example")).as_str(),
            "https://h.example/"
        );
    }
}
