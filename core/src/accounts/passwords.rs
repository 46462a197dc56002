//! Password hashing with argon2id (RustCrypto's `argon2`, OWASP's recommended parameters
//! are its defaults). Hashing is deliberately slow, so it runs off the async workers.

use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};

/// A fresh 128-bit salt from the operating system's random source.
fn salt() -> Result<SaltString, PasswordError> {
    let bytes =
        crate::secrets::random_bytes::<16>().map_err(|e| PasswordError::Hashing(e.to_string()))?;
    SaltString::encode_b64(&bytes).map_err(|e| PasswordError::Hashing(e.to_string()))
}

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password too short")]
    TooShort,
    #[error("password too long")]
    TooLong,
    #[error("hashing failed: {0}")]
    Hashing(String),
}

/// Length is the rule that matters (NIST SP 800-63B); no composition rules.
pub fn check_policy(password: &str) -> Result<(), PasswordError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        Err(PasswordError::TooShort)
    } else if length > MAX_LENGTH {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

/// Hashes at once: each takes argon2's 19 MiB and a core for a while, so a burst of
/// sign-ins (within the per-address limits, from many addresses) queues rather than
/// taking every core and the memory with it. The turn is held by the blocking task itself.
static HASHING: std::sync::LazyLock<std::sync::Arc<tokio::sync::Semaphore>> =
    std::sync::LazyLock::new(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        std::sync::Arc::new(tokio::sync::Semaphore::new(cores))
    });

/// Runs `work` on a blocking thread, in turn with every other hash.
async fn in_turn<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    let turn = std::sync::Arc::clone(&HASHING)
        .acquire_owned()
        .await
        .map_err(|e| PasswordError::Hashing(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let done = work();
        drop(turn);
        done
    })
    .await
    .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// An argon2id PHC string.
pub async fn hash(password: String) -> Result<String, PasswordError> {
    in_turn(move || {
        let salt = salt()?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| PasswordError::Hashing(e.to_string()))
    })
    .await?
}

/// Whether `password` matches `stored`. With no stored hash (unknown account), a hash is
/// still computed so that the answer takes as long either way.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    in_turn(move || {
        let argon2 = Argon2::default();
        match stored.as_deref().map(PasswordHash::new) {
            Some(Ok(parsed)) => argon2.verify_password(password.as_bytes(), &parsed).is_ok(),
            _ => {
                if let Ok(salt) = salt() {
                    let _ = argon2.hash_password(password.as_bytes(), &salt);
                }
                false
            }
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let stored = hash("correct horse".into()).await.expect("hash");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse".into(), Some(stored.clone())).await);
        assert!(!verify("wrong horse".into(), Some(stored)).await);
        assert!(!verify("anything".into(), None).await);
    }

    #[test]
    fn policy_is_about_length() {
        assert!(matches!(
            check_policy("short"),
            Err(PasswordError::TooShort)
        ));
        assert!(check_policy("eight ch").is_ok());
        assert!(matches!(
            check_policy(&"x".repeat(129)),
            Err(PasswordError::TooLong)
        ));
    }
}
