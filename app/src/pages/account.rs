//! The resident's own pages.

pub mod consent;
pub mod family;
pub mod inbox;
pub mod my_data;
pub mod outbox;
pub mod passkey;
pub mod profile;
pub mod signin;

use crate::{
    account::ProviderLabel,
    i18n::{t, Locale},
};

/// "Shenzhen · Air quality", or the provider's id when config no longer knows it.
pub fn provider_name(locale: Locale, provider: &ProviderLabel) -> String {
    match (&provider.city, provider.service) {
        (Some(city), Some(service)) => format!(
            "{} · {}",
            city.name.get(locale),
            t(locale, service.name_key())
        ),
        _ => provider.id.clone(),
    }
}

/// A personal field's name.
pub fn field_name(locale: Locale, field: &str) -> String {
    t(locale, &format!("personal-{}", field.replace('_', "-")))
}
