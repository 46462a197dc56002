//! Ids as types: a city id cannot be passed where a resident id is wanted.
//!
//! Each wraps the string it is stored and sent as; `serde` and `sqlx` see only that string.
//! Which strings are valid is checked where they come in (config, URLs, forms), not here.

use std::{borrow::Borrow, fmt};

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        // Lets maps keyed by the id be looked up with a `&str` from a URL.
        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

string_id!(
    /// A city, as named in its config file (`shenzhen`).
    CityId
);
string_id!(
    /// A district within its city (`futian`); only meaningful with its city.
    RegionId
);
string_id!(
    /// A provider entry of a city's config (`simulator:openaq`, `sz-west-desk`).
    ProviderId
);
string_id!(
    /// A resident's account.
    ResidentId
);
string_id!(
    /// A city official's admin account.
    AdminId
);
string_id!(
    /// A report's row in storage (a UUID).
    ReportId
);
string_id!(
    /// What residents and desks quote for a report (`CP-` and twelve hex digits).
    ReportReference
);

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn ids_travel_as_their_bare_string() {
        let city = CityId::new("shenzhen");
        assert_eq!(
            serde_json::to_string(&city).ok().as_deref(),
            Some("\"shenzhen\"")
        );
        let back: Result<CityId, _> = serde_json::from_str("\"foshan\"");
        assert_eq!(back.ok(), Some(CityId::new("foshan")));
    }

    #[test]
    fn a_map_keyed_by_id_is_read_with_a_str() {
        let mut by_city = HashMap::new();
        by_city.insert(CityId::new("guangzhou"), 1);
        assert_eq!(by_city.get("guangzhou"), Some(&1));
        assert_eq!(by_city.get("shenzhen"), None);
    }
}
