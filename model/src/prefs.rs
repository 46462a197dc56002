//! What the portal remembers about a resident without an account: language, city and
//! district, kept in plain preference cookies (no personal data).

use serde::{Deserialize, Serialize};

use crate::i18n::Locale;

/// Cookie holding the chosen language tag.
pub const LANG_COOKIE: &str = "lang";
/// Cookie holding the last city the resident opened.
pub const CITY_COOKIE: &str = "city";
/// Cookie holding the resident's district, as `city/region`.
pub const REGION_COOKIE: &str = "region";

/// The resident's remembered choices for this request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefs {
    pub locale: Locale,
    pub city: Option<String>,
    /// `(city, region)`: a district only means something within its city.
    pub region: Option<(String, String)>,
}

impl Prefs {
    /// Reads the preferences from a `Cookie` header and an `Accept-Language` header.
    pub fn from_headers(cookie_header: Option<&str>, accept_language: Option<&str>) -> Self {
        let mut prefs = Prefs {
            locale: accept_language.map(Locale::negotiate).unwrap_or_default(),
            ..Prefs::default()
        };
        for (name, value) in cookie_header.into_iter().flat_map(parse_cookies) {
            match name {
                LANG_COOKIE => {
                    if let Some(locale) = Locale::from_tag(value) {
                        prefs.locale = locale;
                    }
                }
                CITY_COOKIE if is_id(value) => prefs.city = Some(value.to_owned()),
                REGION_COOKIE => {
                    if let Some((city, region)) = value.split_once('/') {
                        if is_id(city) && is_id(region) {
                            prefs.region = Some((city.to_owned(), region.to_owned()));
                        }
                    }
                }
                _ => {}
            }
        }
        prefs
    }

    /// The resident's district in `city`, if one is remembered for that city.
    pub fn region_in(&self, city: &str) -> Option<String> {
        self.region
            .as_ref()
            .filter(|(remembered_city, _)| remembered_city == city)
            .map(|(_, region)| region.clone())
    }
}

/// A `Set-Cookie` value for a preference that lasts a year. Values are ids checked by
/// [`is_id`], so they need no quoting.
pub fn preference_cookie(name: &str, value: &str) -> String {
    format!("{name}={value}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly")
}

/// Ids of cities, regions and services: lowercase ASCII letters, digits and dashes.
pub fn is_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn parse_cookies(header: &str) -> impl Iterator<Item = (&str, &str)> {
    header
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.trim(), value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_language_wins_over_accept_language() {
        let prefs = Prefs::from_headers(Some("lang=en; city=shenzhen"), Some("zh-CN,zh;q=0.9"));
        assert_eq!(prefs.locale, Locale::En);
        assert_eq!(prefs.city.as_deref(), Some("shenzhen"));
    }

    #[test]
    fn accept_language_is_the_default() {
        let prefs = Prefs::from_headers(None, Some("en-GB,en;q=0.8"));
        assert_eq!(prefs.locale, Locale::En);
        let prefs = Prefs::from_headers(None, Some("zh-TW,zh;q=0.8"));
        assert_eq!(prefs.locale, Locale::ZhCn);
    }

    #[test]
    fn region_only_counts_in_its_city_and_bad_values_are_ignored() {
        let prefs = Prefs::from_headers(Some("region=shenzhen/futian; city=<script>"), None);
        assert_eq!(prefs.region_in("shenzhen").as_deref(), Some("futian"));
        assert_eq!(prefs.region_in("guangzhou"), None);
        assert_eq!(prefs.city, None);
    }
}
