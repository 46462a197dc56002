//! The server secret and the small cryptographic helpers built on it: random tokens, token
//! hashes for storage, keyed hashes.

use std::path::{Path, PathBuf};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// At least this many bytes of secret.
const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("PORTAL_SECRET must be at least {MIN_SECRET_BYTES} bytes of base64url (try: openssl rand -base64 48 | tr '+/' '-_' | tr -d '=')")]
    TooShort,
    #[error("PORTAL_SECRET is not base64url")]
    NotBase64,
    #[error("cannot read or create the secret file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the operating system's random source failed: {0}")]
    Random(String),
}

/// The key behind pseudonymous provider ids. It never leaves the server and is never logged.
#[derive(Clone)]
pub struct ServerSecret(Vec<u8>);

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(…)")
    }
}

impl ServerSecret {
    /// `PORTAL_SECRET` from the environment when set; otherwise the file `path`, created with a
    /// fresh random secret (mode 0600) on first start, for the embedded default.
    pub fn load(from_env: Option<&str>, path: &Path) -> Result<ServerSecret, SecretError> {
        if let Some(encoded) = from_env {
            return ServerSecret::decode(encoded.trim());
        }
        match std::fs::read_to_string(path) {
            Ok(encoded) => ServerSecret::decode(encoded.trim()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let secret = random_bytes::<48>()?;
                write_private(path, &URL_SAFE_NO_PAD.encode(secret)).map_err(|source| {
                    SecretError::File {
                        path: path.to_owned(),
                        source,
                    }
                })?;
                Ok(ServerSecret(secret.to_vec()))
            }
            Err(source) => Err(SecretError::File {
                path: path.to_owned(),
                source,
            }),
        }
    }

    fn decode(encoded: &str) -> Result<ServerSecret, SecretError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded.trim_end_matches('='))
            .map_err(|_| SecretError::NotBase64)?;
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(SecretError::TooShort);
        }
        Ok(ServerSecret(bytes))
    }

    /// For tests: a secret from fixed bytes.
    pub fn from_bytes(bytes: &[u8]) -> ServerSecret {
        ServerSecret(bytes.to_vec())
    }

    /// HMAC-SHA-256 of `parts`, each length-prefixed so that ("ab","c") and ("a","bc") differ.
    pub fn keyed_hash(&self, domain: &str, parts: &[&str]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        for part in std::iter::once(domain).chain(parts.iter().copied()) {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac.finalize().into_bytes().into()
    }
}

/// Writes a new file readable only by this user (mode 0600), with its folder; fails when
/// the file exists.
#[cfg(unix)]
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, contents)
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N], SecretError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| SecretError::Random(e.to_string()))?;
    Ok(bytes)
}

/// A 256-bit random token, base64url: session cookies, ceremony and verification handles.
pub fn random_token() -> Result<String, SecretError> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// What is stored of a token: its SHA-256, base64url. Tokens are random, so no salt is needed.
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A value that must never reach a log: its `Debug` says only that it is set.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_hash_separates_parts() {
        let secret = ServerSecret::from_bytes(&[7; 32]);
        assert_ne!(
            secret.keyed_hash("d", &["ab", "c"]),
            secret.keyed_hash("d", &["a", "bc"])
        );
        assert_eq!(
            secret.keyed_hash("d", &["a"]),
            secret.keyed_hash("d", &["a"])
        );
    }

    #[test]
    fn a_generated_secret_is_kept_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/secret.key");
        let first = ServerSecret::load(None, &path).expect("created");
        let second = ServerSecret::load(None, &path).expect("read back");
        assert_eq!(first.0, second.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_short_environment_secret_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let error = ServerSecret::load(Some("c2hvcnQ"), &dir.path().join("x"));
        assert!(matches!(error, Err(SecretError::TooShort)));
    }
}
