//! Proving a person: a number the resident merely typed proves nothing. A carrier's
//! three-factor check ([`super::three_factor`]) confirms that the name, identity document and
//! mobile number belong together; then a code goes to that mobile, and the person is proven
//! when the resident types it back. Only then can anything be booked in their name.
//!
//! A check answers a question about someone (does this name go with this number?), so
//! failed checks are limited per resident and per client address, as guesses at a password
//! are, and per mobile number whoever asks; a check that matched neither counts nor
//! forgives. Every check is also a form submission of the resident's (the carrier charges
//! for each), limited as the pay and book forms are.

use axum::http::StatusCode;

use super::{
    three_factor::{CheckError, Claim, Verdict},
    CheckedPerson, PeopleError, Person, PersonError,
};
use crate::{
    accounts::{
        limits::{Account, SignInLimits},
        verification::PendingCode,
        AccountError,
    },
    portal::Portal,
    storage::StorageError,
    web::error::{PublicError, INTERNAL},
};

/// Failed checks: at most 5 per resident and 30 per client address (carriers' NAT puts many
/// residents behind one) an hour.
pub const CHECK_LIMITS: SignInLimits = SignInLimits {
    window_seconds: 3600,
    per_account: 5,
    per_address: 30,
};

/// Failed checks of one mobile number, whoever makes them: at most 10 an hour, so that many
/// residents and addresses guessing the name or number that goes with it are stopped too.
pub const TARGET_LIMITS: SignInLimits = SignInLimits {
    window_seconds: 3600,
    per_account: 10,
    per_address: i64::MAX,
};

#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    #[error(transparent)]
    Invalid(#[from] PersonError),
    /// The carrier does not know these three together (which of them is wrong is not said).
    #[error("the name, document and mobile number do not belong together")]
    NotTheirs,
    #[error("the carrier cannot check this kind of document")]
    UnsupportedIdType,
    #[error("too many failed checks; retry in {retry_after_seconds} s")]
    TooManyChecks { retry_after_seconds: i64 },
    #[error("the identity check is unavailable: {0}")]
    CheckUnavailable(String),
    #[error("no such person")]
    UnknownPerson,
    #[error("the person is proven already")]
    AlreadyProven,
    #[error(transparent)]
    Code(#[from] AccountError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<PeopleError> for ProofError {
    fn from(error: PeopleError) -> Self {
        match error {
            PeopleError::Invalid(error) => ProofError::Invalid(error),
            PeopleError::Storage(error) => ProofError::Storage(error),
        }
    }
}

impl Portal {
    /// Adds a person once the carrier confirms them, and sends the code that proves them:
    /// the new person's id and the code's handle. A person the carrier does not confirm is
    /// not stored.
    pub async fn add_person(
        &self,
        resident_id: &str,
        checked: &CheckedPerson,
        client: &str,
    ) -> Result<(String, PendingCode), ProofError> {
        let kept = self.people.of(resident_id).await?;
        if kept.iter().any(|p| p.id_number == checked.id_number) {
            return Err(PersonError::Duplicate.into());
        }
        let claim = Claim {
            name: &checked.name,
            id_type: checked.id_type,
            id_number: &checked.id_number,
            mobile: &checked.phone,
        };
        self.vouch(resident_id, &claim, client).await?;
        let person_id = self.people.add(resident_id, checked).await?;
        let pending = self
            .accounts
            .start_person_proof(resident_id, &person_id, &checked.phone, client)
            .await?;
        Ok((person_id, pending))
    }

    /// Proves a person kept before (added before proofs, or whose code was never typed): the
    /// carrier is asked again (a number may have changed hands), then a code is sent.
    pub async fn prove_person(
        &self,
        resident_id: &str,
        person_id: &str,
        client: &str,
    ) -> Result<PendingCode, ProofError> {
        let person = self
            .people
            .get(resident_id, person_id)
            .await?
            .ok_or(ProofError::UnknownPerson)?;
        if person.is_proven(self.clock().seconds()) {
            return Err(ProofError::AlreadyProven);
        }
        let claim = Claim {
            name: &person.name,
            id_type: person.id_type,
            id_number: &person.id_number,
            mobile: &person.phone,
        };
        self.vouch(resident_id, &claim, client).await?;
        Ok(self
            .accounts
            .start_person_proof(resident_id, &person.id, &person.phone, client)
            .await?)
    }

    /// The code sent to a person's mobile, typed back: the person, now proven.
    pub async fn confirm_person(
        &self,
        resident_id: &str,
        pending_id: &str,
        code: &str,
    ) -> Result<Person, ProofError> {
        let (person_id, sent_to) = self
            .accounts
            .finish_person_proof(resident_id, pending_id, code)
            .await?;
        let person = self
            .people
            .get(resident_id, &person_id)
            .await?
            .filter(|p| crate::contact::Contact::parse(&p.phone).ok().as_ref() == Some(&sent_to))
            .ok_or(ProofError::UnknownPerson)?;
        self.people.mark_proven(resident_id, &person.id).await?;
        self.people
            .get(resident_id, &person.id)
            .await?
            .ok_or(ProofError::UnknownPerson)
    }

    /// Asks the carrier, within the limits of failed checks.
    async fn vouch(
        &self,
        resident_id: &str,
        claim: &Claim<'_>,
        client: &str,
    ) -> Result<(), ProofError> {
        let attempt = match CHECK_LIMITS
            .begin(&self.storage, Account::Identity(resident_id), client)
            .await?
        {
            Ok(attempt) => attempt,
            Err(limited) => {
                return Err(ProofError::TooManyChecks {
                    retry_after_seconds: limited.retry_after_seconds,
                })
            }
        };
        let mobile = Account::Target {
            kind: "mobile",
            target: claim.mobile,
        };
        let target_attempt = match TARGET_LIMITS.begin(&self.storage, mobile, client).await? {
            Ok(attempt) => attempt,
            Err(limited) => {
                // Nothing was asked: the resident's attempt does not count.
                CHECK_LIMITS.withdraw(&self.storage, attempt).await?;
                return Err(ProofError::TooManyChecks {
                    retry_after_seconds: limited.retry_after_seconds,
                });
            }
        };
        match self.identity_check.check(claim).await {
            Ok(Verdict::Match) => {
                CHECK_LIMITS.withdraw(&self.storage, attempt).await?;
                TARGET_LIMITS
                    .withdraw(&self.storage, target_attempt)
                    .await?;
                Ok(())
            }
            // Both attempts stay counted.
            Ok(Verdict::Mismatch | Verdict::NoRecord) => {
                tracing::info!("a person's identity check did not match");
                Err(ProofError::NotTheirs)
            }
            Err(error) => {
                CHECK_LIMITS.withdraw(&self.storage, attempt).await?;
                TARGET_LIMITS
                    .withdraw(&self.storage, target_attempt)
                    .await?;
                match error {
                    CheckError::UnsupportedIdType => Err(ProofError::UnsupportedIdType),
                    error => {
                        tracing::warn!(%error, "identity check failed");
                        Err(ProofError::CheckUnavailable(error.to_string()))
                    }
                }
            }
        }
    }
}

impl PublicError for PersonError {
    fn status(&self) -> StatusCode {
        StatusCode::UNPROCESSABLE_ENTITY
    }

    fn message_key(&self) -> &'static str {
        match self {
            PersonError::Relation => "family-error-relation",
            PersonError::Name => "family-error-name",
            PersonError::Sex => "family-error-sex",
            PersonError::BirthDate => "family-error-birth-date",
            PersonError::Phone => "family-error-phone",
            PersonError::IdType => "family-error-id-type",
            PersonError::IdNumberShape => "family-error-id-shape",
            PersonError::IdNumberKind => "family-error-id-kind",
            PersonError::IdNumberCheck => "family-error-id-check",
            PersonError::IdNumberBirthDate => "family-error-id-birth-date",
            PersonError::IdNumberSex => "family-error-id-sex",
            PersonError::SecondSelf => "family-error-second-self",
            PersonError::TooMany => "family-error-too-many",
            PersonError::Duplicate => "family-error-duplicate",
        }
    }
}

impl PublicError for ProofError {
    fn status(&self) -> StatusCode {
        match self {
            ProofError::Invalid(error) => error.status(),
            ProofError::NotTheirs | ProofError::UnsupportedIdType => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ProofError::TooManyChecks { .. } => StatusCode::TOO_MANY_REQUESTS,
            ProofError::CheckUnavailable(_) => StatusCode::BAD_GATEWAY,
            ProofError::UnknownPerson => StatusCode::NOT_FOUND,
            ProofError::AlreadyProven => StatusCode::CONFLICT,
            ProofError::Code(error) => error.status(),
            ProofError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            ProofError::Invalid(error) => error.message_key(),
            ProofError::NotTheirs => "family-error-not-theirs",
            ProofError::UnsupportedIdType => "family-error-id-type-unsupported",
            ProofError::TooManyChecks { .. } => "account-error-rate-limited",
            ProofError::CheckUnavailable(_) => "family-error-check-unavailable",
            ProofError::UnknownPerson => "error-not-found",
            ProofError::AlreadyProven => "family-error-already-proven",
            ProofError::Code(error) => error.message_key(),
            ProofError::Storage(_) => INTERNAL,
        }
    }

    fn message_args(&self) -> Vec<(&'static str, String)> {
        match self {
            ProofError::TooManyChecks {
                retry_after_seconds,
            } => vec![("retry", ((retry_after_seconds + 59) / 60).to_string())],
            ProofError::Code(error) => error.message_args(),
            _ => Vec::new(),
        }
    }
}

impl ProofError {
    /// The form field the error is about, if one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ProofError::Invalid(error) => Some(error.field()),
            ProofError::NotTheirs => Some("phone"),
            ProofError::UnsupportedIdType => Some("id_type"),
            _ => None,
        }
    }
}
