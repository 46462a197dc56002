//! The resident's own pages.

pub mod consent;
pub mod family;
pub mod inbox;
pub mod my_data;
pub mod outbox;
pub mod passkey;
pub mod profile;
pub mod signin;

use model::ServiceKind;

use crate::{
    account::ProviderLabel,
    i18n::{t, t_args, Locale},
};

/// The provider's own name ("Shenzhen People's Hospital"), else "Shenzhen · Air quality",
/// or its id when config no longer knows it.
pub fn provider_name(locale: Locale, provider: &ProviderLabel) -> String {
    if let Some(name) = &provider.name {
        return name.get(locale).to_owned();
    }
    match (&provider.city, provider.service) {
        (Some(city), Some(service)) => format!(
            "{} · {}",
            city.name.get(locale),
            t(locale, service.name_key())
        ),
        _ => provider.id.clone(),
    }
}

/// A personal field as a noun of whoever it belongs to ("date of birth"), for a sentence
/// that names the person.
fn field_noun(locale: Locale, field: &str) -> String {
    t(locale, &format!("field-noun-{}", field.replace('_', "-")))
}

/// The order fields are named in: as a form asks for them, not as they are stored.
const FIELD_ORDER: [&str; 7] = [
    "display_name",
    "sex",
    "birth_date",
    "phone",
    "email",
    "home_district",
    "id_number",
];

fn in_order(fields: &[String]) -> Vec<&str> {
    let mut ordered: Vec<&str> = fields.iter().map(String::as_str).collect();
    ordered.sort_by_key(|f| {
        FIELD_ORDER
            .iter()
            .position(|o| o == f)
            .unwrap_or(FIELD_ORDER.len())
    });
    ordered
}

/// Fields as nouns in a list ("name, sex and date of birth"), capitalised as a table cell.
pub fn field_noun_list(locale: Locale, fields: &[String]) -> String {
    let nouns: Vec<String> = in_order(fields)
        .iter()
        .map(|f| field_noun(locale, f))
        .collect();
    let list = join_list(locale, &nouns);
    let mut chars = list.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => list,
    }
}

/// Items joined as the locale writes a list: "a, b and c"; "a、b和c".
pub fn join_list(locale: Locale, items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => t_args(
            locale,
            "list-and",
            &[
                ("items", rest.join(&t(locale, "list-separator")).into()),
                ("last", last.clone().into()),
            ],
        ),
    }
}

/// What a consent lets a provider be told, in one sentence of the locale's own: which fields
/// of which person go to which provider, by name.
pub fn consent_sentence(
    locale: Locale,
    service: &str,
    provider: &ProviderLabel,
    fields: &[String],
) -> String {
    let provider = provider_name(locale, provider);
    let nouns: Vec<String> = in_order(fields)
        .iter()
        .map(|f| field_noun(locale, f))
        .collect();
    let key = if service == ServiceKind::Appointments.id() {
        "consent-sentence-patient"
    } else if service == ServiceKind::UtilityBills.id() {
        "consent-sentence-bills"
    } else if fields.is_empty() {
        "consent-sentence-nothing"
    } else {
        "consent-sentence-resident"
    };
    t_args(
        locale,
        key,
        &[
            ("provider", provider.into()),
            ("fields", join_list(locale, &nouns).into()),
        ],
    )
}
