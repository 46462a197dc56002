//! Sessions, stored in the database so that every server process sees them. The cookie holds
//! a random token; the table holds only its hash.

use sqlx::Row;

use crate::{
    secrets::{random_token, token_hash, SecretError},
    storage::{Storage, StorageError},
};

/// A resident's session lasts 30 days, an admin's 12 hours.
pub const RESIDENT_SESSION_SECONDS: i64 = 30 * 24 * 3600;
pub const ADMIN_SESSION_SECONDS: i64 = 12 * 3600;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectKind {
    Resident,
    Admin,
}

impl SubjectKind {
    fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Resident => "resident",
            SubjectKind::Admin => "admin",
        }
    }

    fn lifetime(self) -> i64 {
        match self {
            SubjectKind::Resident => RESIDENT_SESSION_SECONDS,
            SubjectKind::Admin => ADMIN_SESSION_SECONDS,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Random(#[from] SecretError),
}

impl From<sqlx::Error> for SessionError {
    fn from(error: sqlx::Error) -> Self {
        SessionError::Storage(error.into())
    }
}

/// Starts a session; returns the token for the cookie.
pub async fn start(
    storage: &Storage,
    kind: SubjectKind,
    subject_id: &str,
) -> Result<String, SessionError> {
    let token = random_token()?;
    let now = storage.clock().seconds();
    // Housekeeping on the way in: sessions past their end go.
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(storage.pool())
        .await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, subject_kind, subject_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(kind.as_str())
    .bind(subject_id)
    .bind(now)
    .bind(now + kind.lifetime())
    .execute(storage.pool())
    .await?;
    Ok(token)
}

/// The subject of a live session, if the token names one.
pub async fn resolve(
    storage: &Storage,
    kind: SubjectKind,
    token: &str,
) -> Result<Option<String>, SessionError> {
    let row = sqlx::query(
        "SELECT subject_id FROM sessions \
         WHERE token_hash = $1 AND subject_kind = $2 AND expires_at > $3",
    )
    .bind(token_hash(token))
    .bind(kind.as_str())
    .bind(storage.clock().seconds())
    .fetch_optional(storage.pool())
    .await?;
    Ok(row.map(|row| row.try_get("subject_id")).transpose()?)
}

/// Ends one session (sign out here).
pub async fn end(storage: &Storage, token: &str) -> Result<(), SessionError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(storage.pool())
        .await?;
    Ok(())
}

/// Ends every session of a subject (sign out everywhere). Returns how many ended.
pub async fn end_all(
    storage: &Storage,
    kind: SubjectKind,
    subject_id: &str,
) -> Result<u64, SessionError> {
    let done = sqlx::query("DELETE FROM sessions WHERE subject_kind = $1 AND subject_id = $2")
        .bind(kind.as_str())
        .bind(subject_id)
        .execute(storage.pool())
        .await?;
    Ok(done.rows_affected())
}

/// How many live sessions a subject has (shown on the profile page).
pub async fn count(
    storage: &Storage,
    kind: SubjectKind,
    subject_id: &str,
) -> Result<i64, SessionError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM sessions \
         WHERE subject_kind = $1 AND subject_id = $2 AND expires_at > $3",
    )
    .bind(kind.as_str())
    .bind(subject_id)
    .bind(storage.clock().seconds())
    .fetch_one(storage.pool())
    .await?;
    Ok(row.try_get("n")?)
}
