//! Message catalogs (Project Fluent) for every string a person reads, in zh-CN and en.
//!
//! The catalogs are compiled in; the server renders every page, so they never reach the
//! wasm bundle (islands get their few strings as props).

use std::sync::OnceLock;

pub use fluent_bundle::FluentValue;
use fluent_bundle::{concurrent::FluentBundle, FluentArgs, FluentResource};
use serde::{Deserialize, Serialize};

/// A language the portal speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    ZhCn,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    /// The BCP 47 tag, as used in cookies, URLs and `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    pub fn html_lang(self) -> &'static str {
        self.tag()
    }

    /// The language's own name, for the language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::ZhCn => "中文",
            Locale::En => "English",
        }
    }

    /// Parses a tag such as `en`, `en-GB`, `zh`, `zh-CN`.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Locale::ZhCn),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// Picks the best locale for an `Accept-Language` header; Chinese when none fits.
    pub fn negotiate(accept_language: &str) -> Locale {
        let mut ranked: Vec<(f32, Locale)> = accept_language
            .split(',')
            .filter_map(|entry| {
                let mut pieces = entry.split(';');
                let locale = Locale::from_tag(pieces.next()?.trim())?;
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((quality, locale))
            })
            .collect();
        // Stable sort keeps the header's order between equal weights.
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.first().map(|(_, l)| *l).unwrap_or_default()
    }

    /// The other language, for the switch in the header.
    pub fn other(self) -> Locale {
        match self {
            Locale::ZhCn => Locale::En,
            Locale::En => Locale::ZhCn,
        }
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundle(locale: Locale) -> &'static Bundle {
    static BUNDLES: OnceLock<[Bundle; 2]> = OnceLock::new();
    let bundles = BUNDLES.get_or_init(|| {
        [
            build_bundle(Locale::ZhCn, include_str!("../locales/zh-CN.ftl")),
            build_bundle(Locale::En, include_str!("../locales/en.ftl")),
        ]
    });
    match locale {
        Locale::ZhCn => &bundles[0],
        Locale::En => &bundles[1],
    }
}

fn build_bundle(locale: Locale, source: &'static str) -> Bundle {
    // The catalogs are part of the program and covered by tests: a syntax error is a bug.
    let resource =
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(resource, _errors)| resource);
    let lang = locale
        .tag()
        .parse()
        .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
    let mut bundle = Bundle::new_concurrent(vec![lang]);
    // No Unicode isolation marks: our placeables are numbers and names in the same script.
    bundle.set_use_isolating(false);
    let _ = bundle.add_resource(resource);
    bundle
}

/// The message `key` in `locale`. A missing key shows the key itself (and fails the
/// catalog tests), never an empty string.
pub fn t(locale: Locale, key: &str) -> String {
    format(locale, key, None)
}

/// The message `key` with named arguments.
pub fn t_args(locale: Locale, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    format(locale, key, Some(&fluent_args))
}

fn format(locale: Locale, key: &str, args: Option<&FluentArgs>) -> String {
    let bundle = bundle(locale);
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return key.to_owned();
    };
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(source: &str) -> Vec<String> {
        source
            .lines()
            .filter(|line| !line.starts_with([' ', '#', '\t']) && line.contains(" ="))
            .filter_map(|line| line.split(" =").next())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn catalogs_parse_without_errors() {
        for source in [
            include_str!("../locales/zh-CN.ftl"),
            include_str!("../locales/en.ftl"),
        ] {
            assert!(FluentResource::try_new(source.to_owned()).is_ok());
        }
    }

    #[test]
    fn both_catalogs_have_the_same_keys() {
        let mut zh = keys(include_str!("../locales/zh-CN.ftl"));
        let mut en = keys(include_str!("../locales/en.ftl"));
        zh.sort();
        en.sort();
        assert_eq!(zh, en);
        assert!(zh.len() > 20);
    }

    #[test]
    fn messages_format_with_arguments() {
        let text = t_args(Locale::En, "air-stale", &[("minutes", 5.into())]);
        assert!(text.contains('5'), "{text}");
        assert_eq!(t(Locale::ZhCn, "app-name"), "城市服务");
    }

    #[test]
    fn negotiation_follows_quality() {
        assert_eq!(Locale::negotiate("fr, en;q=0.5, zh;q=0.9"), Locale::ZhCn);
        assert_eq!(Locale::negotiate("en-US,en;q=0.9"), Locale::En);
        assert_eq!(Locale::negotiate("de"), Locale::ZhCn);
    }
}
