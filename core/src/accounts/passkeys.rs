//! Passkeys (WebAuthn) through webauthn-rs. A ceremony's state sits in the database between
//! its two round trips, so any server process can finish what another began.

use sqlx::Row;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid,
    WebauthnBuilder,
};

use super::{limits::Account, AccountError, Accounts};
use crate::contact::Contact;
use crate::secrets::{base64url, random_token};

/// A ceremony must be finished within 5 minutes.
const CEREMONY_SECONDS: i64 = 5 * 60;

/// The relying party: the portal's public origin. On localhost any port is accepted, so
/// that tests and the demo may run beside each other.
pub fn relying_party(public_url: &Url) -> Result<webauthn_rs::Webauthn, String> {
    let rp_id = public_url
        .host_str()
        .ok_or_else(|| format!("PUBLIC_URL {public_url} has no host"))?;
    WebauthnBuilder::new(rp_id, public_url)
        .and_then(|b| {
            b.rp_name("City Portal")
                .allow_any_port(rp_id == "localhost")
                .build()
        })
        .map_err(|e| format!("PUBLIC_URL {public_url} cannot be a WebAuthn origin: {e}"))
}

/// One stored passkey, for the profile page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasskeySummary {
    pub credential_id: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl Accounts {
    pub async fn start_passkey_registration(
        &self,
        resident_id: &str,
    ) -> Result<(String, CreationChallengeResponse), AccountError> {
        let resident = self
            .resident(resident_id)
            .await?
            .ok_or(AccountError::CodeExpired)?;
        let user_id =
            Uuid::parse_str(resident_id).map_err(|e| AccountError::Passkey(e.to_string()))?;
        let name = resident
            .email
            .clone()
            .or(resident.phone.clone())
            .unwrap_or_else(|| resident_id.to_owned());
        let display = if resident.display_name.is_empty() {
            name.clone()
        } else {
            resident.display_name.clone()
        };
        let existing = self
            .passkeys_of(resident_id)
            .await?
            .into_iter()
            .map(|p| p.cred_id().clone())
            .collect::<Vec<_>>();
        let (challenge, state) = self
            .webauthn
            .start_passkey_registration(user_id, &name, &display, Some(existing))
            .map_err(|e| AccountError::Passkey(e.to_string()))?;
        let ceremony = self.save_ceremony("register", resident_id, &state).await?;
        Ok((ceremony, challenge))
    }

    pub async fn finish_passkey_registration(
        &self,
        resident_id: &str,
        ceremony: &str,
        credential: &RegisterPublicKeyCredential,
    ) -> Result<(), AccountError> {
        let state: PasskeyRegistration = self
            .take_ceremony("register", ceremony, Some(resident_id))
            .await?
            .1;
        let passkey = self
            .webauthn
            .finish_passkey_registration(credential, &state)
            .map_err(|e| AccountError::Passkey(e.to_string()))?;
        let json =
            serde_json::to_string(&passkey).map_err(|e| AccountError::Passkey(e.to_string()))?;
        sqlx::query(
            "INSERT INTO passkeys (credential_id, resident_id, passkey, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(base64url(passkey.cred_id().as_ref()))
        .bind(resident_id)
        .bind(json)
        .bind(self.storage.clock().seconds())
        .execute(self.storage.pool())
        .await?;
        Ok(())
    }

    /// Sign-in, step one: the resident names their account; we challenge its passkeys.
    /// Naming an account that has no passkey counts as a failed sign-in, so that the
    /// answer cannot be used to list accounts faster than passwords could be guessed.
    pub async fn start_passkey_sign_in(
        &self,
        contact_input: &str,
        client: &str,
    ) -> Result<(String, RequestChallengeResponse), AccountError> {
        let contact = Contact::parse(contact_input).map_err(|_| AccountError::InvalidContact)?;
        // Its own account key: wrong passwords must not lock the owner out of passkeys.
        let attempt = self
            .limits
            .begin(&self.storage, Account::Passkey(contact.address()), client)
            .await?
            .map_err(|limited| AccountError::RateLimited {
                retry_after_seconds: limited.retry_after_seconds,
            })?;
        let resident_id = self
            .find_by_contact(&contact)
            .await?
            .ok_or(AccountError::NoPasskey)?;
        let passkeys = self.passkeys_of(&resident_id).await?;
        if passkeys.is_empty() {
            return Err(AccountError::NoPasskey);
        }
        self.limits.withdraw(&self.storage, attempt).await?;
        let (challenge, state) = self
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|e| AccountError::Passkey(e.to_string()))?;
        let ceremony = self
            .save_ceremony("authenticate", &resident_id, &state)
            .await?;
        Ok((ceremony, challenge))
    }

    /// Sign-in, step two: returns the resident id when the assertion checks out.
    pub async fn finish_passkey_sign_in(
        &self,
        ceremony: &str,
        credential: &PublicKeyCredential,
        client: &str,
    ) -> Result<String, AccountError> {
        let (resident_id, state): (String, PasskeyAuthentication) =
            self.take_ceremony("authenticate", ceremony, None).await?;
        let result = match self
            .webauthn
            .finish_passkey_authentication(credential, &state)
        {
            Ok(result) => result,
            Err(error) => {
                // A failed assertion counts against the address like a wrong password.
                let _ = self
                    .limits
                    .begin(&self.storage, Account::Passkey(&resident_id), client)
                    .await?;
                return Err(AccountError::Passkey(error.to_string()));
            }
        };
        // Keep the signature counter and backup state current.
        let credential_id = base64url(result.cred_id().as_ref());
        let row = sqlx::query(
            "SELECT passkey FROM passkeys WHERE credential_id = $1 AND resident_id = $2",
        )
        .bind(&credential_id)
        .bind(&resident_id)
        .fetch_optional(self.storage.pool())
        .await?
        .ok_or(AccountError::NoPasskey)?;
        let mut passkey: Passkey = serde_json::from_str(&row.try_get::<String, _>("passkey")?)
            .map_err(|e| AccountError::Passkey(e.to_string()))?;
        passkey.update_credential(&result);
        sqlx::query("UPDATE passkeys SET passkey = $1, last_used_at = $2 WHERE credential_id = $3")
            .bind(
                serde_json::to_string(&passkey)
                    .map_err(|e| AccountError::Passkey(e.to_string()))?,
            )
            .bind(self.storage.clock().seconds())
            .bind(&credential_id)
            .execute(self.storage.pool())
            .await?;
        Ok(resident_id)
    }

    pub async fn passkey_summaries(
        &self,
        resident_id: &str,
    ) -> Result<Vec<PasskeySummary>, AccountError> {
        let rows = sqlx::query(
            "SELECT credential_id, created_at, last_used_at FROM passkeys \
             WHERE resident_id = $1 ORDER BY created_at",
        )
        .bind(resident_id)
        .fetch_all(self.storage.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PasskeySummary {
                    credential_id: r.try_get("credential_id")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(AccountError::from)
    }

    pub async fn remove_passkey(
        &self,
        resident_id: &str,
        credential_id: &str,
    ) -> Result<bool, AccountError> {
        let done =
            sqlx::query("DELETE FROM passkeys WHERE resident_id = $1 AND credential_id = $2")
                .bind(resident_id)
                .bind(credential_id)
                .execute(self.storage.pool())
                .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn passkeys_of(&self, resident_id: &str) -> Result<Vec<Passkey>, AccountError> {
        let rows = sqlx::query("SELECT passkey FROM passkeys WHERE resident_id = $1")
            .bind(resident_id)
            .fetch_all(self.storage.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let json: String = r.try_get("passkey")?;
                serde_json::from_str(&json).map_err(|e| AccountError::Passkey(e.to_string()))
            })
            .collect()
    }

    async fn save_ceremony(
        &self,
        kind: &str,
        resident_id: &str,
        state: &impl serde::Serialize,
    ) -> Result<String, AccountError> {
        let id = random_token()?;
        let now = self.storage.clock().seconds();
        sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at < $1")
            .bind(now)
            .execute(self.storage.pool())
            .await?;
        sqlx::query(
            "INSERT INTO webauthn_ceremonies (id, kind, resident_id, state, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(kind)
        .bind(resident_id)
        .bind(serde_json::to_string(state).map_err(|e| AccountError::Passkey(e.to_string()))?)
        .bind(now + CEREMONY_SECONDS)
        .execute(self.storage.pool())
        .await?;
        Ok(id)
    }

    /// Removes and returns a live ceremony: each can be finished once.
    async fn take_ceremony<S: serde::de::DeserializeOwned>(
        &self,
        kind: &str,
        id: &str,
        resident_id: Option<&str>,
    ) -> Result<(String, S), AccountError> {
        let row = sqlx::query(
            "DELETE FROM webauthn_ceremonies WHERE id = $1 AND kind = $2 AND expires_at > $3 \
             RETURNING resident_id, state",
        )
        .bind(id)
        .bind(kind)
        .bind(self.storage.clock().seconds())
        .fetch_optional(self.storage.pool())
        .await?
        .ok_or_else(|| AccountError::Passkey("ceremony expired or unknown".into()))?;
        let owner: String = row.try_get("resident_id")?;
        if resident_id.is_some_and(|r| r != owner) {
            return Err(AccountError::Passkey("ceremony of another account".into()));
        }
        let state: String = row.try_get("state")?;
        let state =
            serde_json::from_str(&state).map_err(|e| AccountError::Passkey(e.to_string()))?;
        Ok((owner, state))
    }
}
