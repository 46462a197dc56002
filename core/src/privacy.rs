//! Privacy by design: providers know a resident only by a pseudonymous id of their own, and
//! receive personal fields only with the resident's consent, recorded per provider and
//! service. `Privacy::release` is the one way to obtain those fields: an adapter that needs
//! them takes a `Release`, which nothing else can construct.

use sqlx::Row;

use crate::{
    secrets::{base64url, ServerSecret},
    storage::{Storage, StorageError},
};

/// A personal field a service may send to its provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonalField {
    DisplayName,
    Phone,
    Email,
    HomeDistrict,
    /// Of a person the resident acts for ([`crate::people`]).
    Sex,
    BirthDate,
    IdNumber,
}

impl PersonalField {
    pub const ALL: [PersonalField; 7] = [
        PersonalField::DisplayName,
        PersonalField::Phone,
        PersonalField::Email,
        PersonalField::HomeDistrict,
        PersonalField::Sex,
        PersonalField::BirthDate,
        PersonalField::IdNumber,
    ];

    pub fn id(self) -> &'static str {
        match self {
            PersonalField::DisplayName => "display_name",
            PersonalField::Phone => "phone",
            PersonalField::Email => "email",
            PersonalField::HomeDistrict => "home_district",
            PersonalField::Sex => "sex",
            PersonalField::BirthDate => "birth_date",
            PersonalField::IdNumber => "id_number",
        }
    }

    pub fn from_id(id: &str) -> Option<PersonalField> {
        PersonalField::ALL.into_iter().find(|f| f.id() == id)
    }
}

fn join(fields: &[PersonalField]) -> String {
    let mut ids: Vec<&str> = fields.iter().map(|f| f.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.join(",")
}

fn split(ids: &str) -> Vec<PersonalField> {
    ids.split(',').filter_map(PersonalField::from_id).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    /// The resident has not agreed (or withdrew): ask them first.
    #[error("consent needed for {}", join(.missing))]
    ConsentNeeded { missing: Vec<PersonalField> },
    #[error("unknown resident")]
    UnknownResident,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for PrivacyError {
    fn from(error: sqlx::Error) -> Self {
        PrivacyError::Storage(error.into())
    }
}

/// A consent as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    pub provider_id: String,
    pub service_id: String,
    pub fields: Vec<PersonalField>,
    pub granted_at: i64,
    pub withdrawn_at: Option<i64>,
}

/// One hand-over of personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    pub provider_id: String,
    pub service_id: String,
    pub fields: Vec<PersonalField>,
    pub purpose: String,
    pub at: i64,
}

/// What may go to one provider for one resident, now: the provider's pseudonym of the
/// resident and the consented fields' values. Only `Privacy::release` makes one.
#[derive(Clone, Debug)]
pub struct Release {
    pseudonym: String,
    fields: Vec<(PersonalField, String)>,
}

impl Release {
    pub fn pseudonym(&self) -> &str {
        &self.pseudonym
    }

    pub fn field(&self, field: PersonalField) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
pub struct Privacy {
    storage: Storage,
    secret: ServerSecret,
}

impl Privacy {
    pub fn new(storage: Storage, secret: ServerSecret) -> Privacy {
        Privacy { storage, secret }
    }

    /// The server's secret, for the portal's other keyed hashes (a report's claim token).
    pub fn secret(&self) -> &ServerSecret {
        &self.secret
    }

    /// The resident's id as `provider_id` knows it: HMAC-SHA-256(server secret, provider,
    /// resident), 160 bits in base64url. Stable per provider; unlinkable across providers
    /// without the secret.
    pub fn pseudonym(&self, provider_id: &str, resident_id: &str) -> String {
        let hash = self
            .secret
            .keyed_hash("provider-pseudonym", &[provider_id, resident_id]);
        base64url(&hash[..20])
    }

    pub async fn grant(
        &self,
        resident_id: &str,
        provider_id: &str,
        service_id: &str,
        fields: &[PersonalField],
    ) -> Result<(), PrivacyError> {
        sqlx::query(
            "INSERT INTO consents (resident_id, provider_id, service_id, fields, granted_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (resident_id, provider_id, service_id) DO UPDATE SET \
               fields = excluded.fields, granted_at = excluded.granted_at, withdrawn_at = NULL",
        )
        .bind(resident_id)
        .bind(provider_id)
        .bind(service_id)
        .bind(join(fields))
        .bind(self.storage.clock().seconds())
        .execute(self.storage.pool())
        .await?;
        Ok(())
    }

    /// Future shares stop; what was already shared stays listed.
    pub async fn withdraw(
        &self,
        resident_id: &str,
        provider_id: &str,
        service_id: &str,
    ) -> Result<bool, PrivacyError> {
        let done = sqlx::query(
            "UPDATE consents SET withdrawn_at = $1 \
             WHERE resident_id = $2 AND provider_id = $3 AND service_id = $4 \
               AND withdrawn_at IS NULL",
        )
        .bind(self.storage.clock().seconds())
        .bind(resident_id)
        .bind(provider_id)
        .bind(service_id)
        .execute(self.storage.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn consents_of(&self, resident_id: &str) -> Result<Vec<Consent>, PrivacyError> {
        let rows = sqlx::query(
            "SELECT provider_id, service_id, fields, granted_at, withdrawn_at FROM consents \
             WHERE resident_id = $1 ORDER BY granted_at DESC, provider_id",
        )
        .bind(resident_id)
        .fetch_all(self.storage.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Consent {
                    provider_id: r.try_get("provider_id")?,
                    service_id: r.try_get("service_id")?,
                    fields: split(&r.try_get::<String, _>("fields")?),
                    granted_at: r.try_get("granted_at")?,
                    withdrawn_at: r.try_get("withdrawn_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(PrivacyError::from)
    }

    /// Which of `wanted` the resident has not agreed to share with this provider for this
    /// service (all of them when there is no live consent).
    pub async fn missing_consent(
        &self,
        resident_id: &str,
        provider_id: &str,
        service_id: &str,
        wanted: &[PersonalField],
    ) -> Result<Vec<PersonalField>, PrivacyError> {
        let row = sqlx::query(
            "SELECT fields FROM consents WHERE resident_id = $1 AND provider_id = $2 \
               AND service_id = $3 AND withdrawn_at IS NULL",
        )
        .bind(resident_id)
        .bind(provider_id)
        .bind(service_id)
        .fetch_optional(self.storage.pool())
        .await?;
        let granted = match row {
            Some(row) => split(&row.try_get::<String, _>("fields")?),
            None => Vec::new(),
        };
        Ok(wanted
            .iter()
            .copied()
            .filter(|f| !granted.contains(f))
            .collect())
    }

    /// What may be sent to `provider_id` for `service_id`: checks consent for `wanted`, reads
    /// the values and records the share, or refuses with the fields still to agree to.
    pub async fn release(
        &self,
        resident_id: &str,
        provider_id: &str,
        service_id: &str,
        wanted: &[PersonalField],
        purpose: &str,
    ) -> Result<Release, PrivacyError> {
        let missing = self
            .missing_consent(resident_id, provider_id, service_id, wanted)
            .await?;
        if !missing.is_empty() {
            return Err(PrivacyError::ConsentNeeded { missing });
        }
        let row = sqlx::query(
            "SELECT display_name, phone, email, home_city, home_region FROM residents WHERE id = $1",
        )
        .bind(resident_id)
        .fetch_optional(self.storage.pool())
        .await?
        .ok_or(PrivacyError::UnknownResident)?;
        let mut fields = Vec::new();
        for field in wanted {
            let value: Option<String> = match field {
                PersonalField::DisplayName => row.try_get("display_name")?,
                PersonalField::Phone => row.try_get("phone")?,
                PersonalField::Email => row.try_get("email")?,
                PersonalField::HomeDistrict => row.try_get("home_region")?,
                // A resident's own account holds none of these; a person's record does.
                PersonalField::Sex | PersonalField::BirthDate | PersonalField::IdNumber => None,
            };
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                fields.push((*field, value));
            }
        }
        self.record_share(resident_id, provider_id, service_id, &fields, purpose)
            .await?;
        Ok(Release {
            pseudonym: self.pseudonym(provider_id, resident_id),
            fields,
        })
    }

    /// As [`Privacy::release`], of one of the people the resident acts for (themselves or a
    /// family member, [`crate::people`]), proven: the fields are that person's, and the
    /// pseudonym is the provider's own id of that person, stable and unlinkable like a
    /// resident's. Only a proven person is ever told to a provider, so a provider's record
    /// is created or changed only on a proven person's behalf.
    pub async fn release_person(
        &self,
        person: &crate::people::ProvenPerson,
        provider_id: &str,
        service_id: &str,
        wanted: &[PersonalField],
        purpose: &str,
    ) -> Result<Release, PrivacyError> {
        let resident_id = person.resident_id.as_str();
        let missing = self
            .missing_consent(resident_id, provider_id, service_id, wanted)
            .await?;
        if !missing.is_empty() {
            return Err(PrivacyError::ConsentNeeded { missing });
        }
        let fields: Vec<(PersonalField, String)> = wanted
            .iter()
            .filter_map(|field| {
                let value = match field {
                    PersonalField::DisplayName => person.name.clone(),
                    PersonalField::Phone => person.phone.clone(),
                    PersonalField::Sex => person.sex.id().to_owned(),
                    PersonalField::BirthDate => person.birth_date.to_string(),
                    PersonalField::IdNumber => person.id_number.clone(),
                    PersonalField::Email | PersonalField::HomeDistrict => return None,
                };
                Some((*field, value))
            })
            .collect();
        self.record_share(resident_id, provider_id, service_id, &fields, purpose)
            .await?;
        // By the ID-card number: the same patient, whoever books for them.
        let hash = self.secret.keyed_hash(
            "person-pseudonym",
            &[provider_id, person.id_number.as_str()],
        );
        Ok(Release {
            pseudonym: base64url(&hash[..20]),
            fields,
        })
    }

    /// A key of the person the portal may store and compare (one appointment with a doctor
    /// a day; the bookings a proven person sees), never sent anywhere: a keyed hash of their
    /// document's number (the kinds' numbers never coincide: their first digits differ).
    pub fn person_key(&self, person: &crate::people::ProvenPerson) -> String {
        base64url(
            &self
                .secret
                .keyed_hash("person-key", &[person.id_number.as_str()])[..20],
        )
    }

    /// Lists a hand-over under "My data".
    async fn record_share(
        &self,
        resident_id: &str,
        provider_id: &str,
        service_id: &str,
        fields: &[(PersonalField, String)],
        purpose: &str,
    ) -> Result<(), PrivacyError> {
        if fields.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO data_shares (id, resident_id, provider_id, service_id, fields, purpose, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(resident_id)
        .bind(provider_id)
        .bind(service_id)
        .bind(join(&fields.iter().map(|(f, _)| *f).collect::<Vec<_>>()))
        .bind(purpose)
        .bind(self.storage.clock().seconds())
        .execute(self.storage.pool())
        .await?;
        Ok(())
    }

    pub async fn shares_of(&self, resident_id: &str) -> Result<Vec<Share>, PrivacyError> {
        let rows = sqlx::query(
            "SELECT provider_id, service_id, fields, purpose, at FROM data_shares \
             WHERE resident_id = $1 ORDER BY at DESC, id LIMIT 200",
        )
        .bind(resident_id)
        .fetch_all(self.storage.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Share {
                    provider_id: r.try_get("provider_id")?,
                    service_id: r.try_get("service_id")?,
                    fields: split(&r.try_get::<String, _>("fields")?),
                    purpose: r.try_get("purpose")?,
                    at: r.try_get("at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(PrivacyError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_lists_round_trip_sorted_and_deduplicated() {
        let fields = [
            PersonalField::Phone,
            PersonalField::DisplayName,
            PersonalField::Phone,
        ];
        assert_eq!(join(&fields), "display_name,phone");
        assert_eq!(
            split("display_name,phone,unknown"),
            vec![PersonalField::DisplayName, PersonalField::Phone]
        );
    }
}
