//! The demo's WeChat Pay keys: a merchant key pair, the simulator's platform key pair and an
//! APIv3 key, made once at first start and kept in a folder beside the server secret
//! (`data/`, never in the repository). A real merchant's keys come from the environment
//! ([`super::WechatPayOptions`]).

use std::path::Path;

use portal_core::secrets::write_private;

use super::{
    crypto::{ApiV3Key, KeyPair},
    Credentials,
};

/// The demo merchant's id and app id: shapes of real ones, registered nowhere.
pub const DEMO_MCHID: &str = "1900000109";
pub const DEMO_APP_ID: &str = "wxd930ea5d5a258f4f";

/// The demo's keys: the adapter gets the merchant's side, the simulator the platform's.
#[derive(Clone, Debug)]
pub struct DemoKeys {
    pub merchant: KeyPair,
    pub platform: KeyPair,
    pub apiv3: ApiV3Key,
}

#[derive(Debug, thiserror::Error)]
#[error("the demo's payment keys in {path}: {problem}")]
pub struct DemoKeysError {
    path: String,
    problem: String,
}

impl DemoKeys {
    /// Reads the keys in `dir`, making the missing ones first. Several processes starting at
    /// once agree: a key is written to a file of its own, then linked into place only if no
    /// other process got there first, and what is in place is what everyone reads.
    pub fn load_or_create(dir: &Path) -> Result<DemoKeys, DemoKeysError> {
        let fail = |problem: String| DemoKeysError {
            path: dir.display().to_string(),
            problem,
        };
        std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        let merchant = kept(&dir.join("merchant.pem"), || KeyPair::generate()?.to_pem())
            .map_err(|e| fail(format!("merchant.pem: {e}")))?;
        let platform = kept(&dir.join("platform.pem"), || KeyPair::generate()?.to_pem())
            .map_err(|e| fail(format!("platform.pem: {e}")))?;
        let apiv3 = kept(
            &dir.join("apiv3.key"),
            || Ok(ApiV3Key::generate().as_text()),
        )
        .map_err(|e| fail(format!("apiv3.key: {e}")))?;
        Ok(DemoKeys {
            merchant: KeyPair::from_pem(&merchant).map_err(|e| fail(e.to_string()))?,
            platform: KeyPair::from_pem(&platform).map_err(|e| fail(e.to_string()))?,
            apiv3: ApiV3Key::new(&apiv3).map_err(|e| fail(e.to_string()))?,
        })
    }

    /// The demo merchant's credentials, as the adapter uses them.
    pub fn credentials(&self) -> Credentials {
        Credentials {
            mchid: DEMO_MCHID.to_owned(),
            app_id: DEMO_APP_ID.to_owned(),
            merchant_serial: self.merchant.public().fingerprint(),
            merchant: self.merchant.clone(),
            apiv3: self.apiv3.clone(),
            platform: self.platform.public(),
            platform_serial: platform_key_id(&self.platform),
        }
    }
}

/// The id WeChat Pay gives a platform public key (`PUB_KEY_ID_…`), sent as `Wechatpay-Serial`.
pub fn platform_key_id(platform: &KeyPair) -> String {
    format!("PUB_KEY_ID_{}", platform.public().fingerprint())
}

/// The text of `path`, writing `make()` there first when the file does not exist.
fn kept(
    path: &Path,
    make: impl FnOnce() -> Result<String, super::crypto::CryptoError>,
) -> Result<String, String> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return Ok(text);
    }
    let text = make().map_err(|e| e.to_string())?;
    let draft = path.with_extension(format!("new-{}", uuid::Uuid::new_v4().simple()));
    write_private(&draft, &text).map_err(|e| e.to_string())?;
    // Fails when another process linked its key first; then that one is the key.
    let linked = std::fs::hard_link(&draft, path);
    let _ = std::fs::remove_file(&draft);
    match linked {
        Ok(()) => Ok(text),
        Err(_) => std::fs::read_to_string(path).map_err(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_keys_are_made_once_and_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = DemoKeys::load_or_create(dir.path()).expect("made");
        let again = DemoKeys::load_or_create(dir.path()).expect("read");
        assert_eq!(
            first.credentials().merchant_serial,
            again.credentials().merchant_serial
        );
        assert_eq!(first.apiv3.as_text(), again.apiv3.as_text());
        let signature = again.merchant.sign("m");
        assert!(first.merchant.public().verify("m", &signature).is_ok());
        assert!(again
            .credentials()
            .platform_serial
            .starts_with("PUB_KEY_ID_"));
    }
}
