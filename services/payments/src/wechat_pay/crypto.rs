//! WeChat Pay API v3's cryptography, for the adapter and the simulator alike:
//!
//! - a request is signed with the merchant's RSA key (SHA256-RSA, PKCS #1 v1.5) over
//!   `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`, sent as the `Authorization` header
//!   `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`;
//! - an answer and a notification are signed by the platform's key over
//!   `TIMESTAMP\nNONCE\nBODY\n`, in the `Wechatpay-Timestamp`, `-Nonce`, `-Signature` and
//!   `-Serial` headers;
//! - a notification's `resource` is AES-256-GCM under the merchant's 32-byte APIv3 key, with
//!   its `nonce` and `associated_data`.

use base64::{engine::general_purpose::STANDARD, Engine};
use rsa::{
    pkcs1v15::{Signature, SigningKey, VerifyingKey},
    pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding},
    signature::{SignatureEncoding, Signer, Verifier},
    RsaPrivateKey, RsaPublicKey,
};
use sha2::{Digest, Sha256};

/// The scheme of the `Authorization` header.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// The headers of a signed answer or notification.
pub const TIMESTAMP: &str = "wechatpay-timestamp";
pub const NONCE: &str = "wechatpay-nonce";
pub const SIGNATURE: &str = "wechatpay-signature";
pub const SERIAL: &str = "wechatpay-serial";
/// Beside the signature: which algorithm made it (WeChat Pay sends it on every answer and
/// notification, and merchant SDKs check it).
pub const SIGNATURE_TYPE: &str = "wechatpay-signature-type";
pub const RSA_SHA256: &str = "WECHATPAY2-SHA256-RSA2048";

/// How far a signed message's timestamp may be from our clock: older is a replay.
pub const MAX_SKEW_SECONDS: i64 = 300;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("not a PEM key: {0}")]
    Key(String),
    #[error("the APIv3 key must be 32 bytes")]
    ApiV3Key,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the signed message is {0} s from our clock")]
    Stale(i64),
    #[error("the encrypted resource does not decrypt")]
    Undecryptable,
}

/// A private RSA key that signs (the merchant's, or the simulator's platform key).
#[derive(Clone)]
pub struct KeyPair {
    signing: SigningKey<Sha256>,
    public: RsaPublicKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyPair(…)")
    }
}

impl KeyPair {
    /// A new 2048-bit key (the demo's keys, made once at first start).
    pub fn generate() -> Result<KeyPair, CryptoError> {
        let key = RsaPrivateKey::new(&mut rand::rng(), 2048)
            .map_err(|e| CryptoError::Key(e.to_string()))?;
        Ok(KeyPair::from_private(key))
    }

    /// A PKCS #8 PEM private key, as WeChat Pay's merchant platform issues `apiclient_key.pem`.
    pub fn from_pem(pem: &str) -> Result<KeyPair, CryptoError> {
        RsaPrivateKey::from_pkcs8_pem(pem.trim())
            .map(KeyPair::from_private)
            .map_err(|e| CryptoError::Key(e.to_string()))
    }

    fn from_private(key: RsaPrivateKey) -> KeyPair {
        let public = key.to_public_key();
        KeyPair {
            signing: SigningKey::new(key),
            public,
        }
    }

    pub fn to_pem(&self) -> Result<String, CryptoError> {
        let key: &RsaPrivateKey = self.signing.as_ref();
        key.to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|e| CryptoError::Key(e.to_string()))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(VerifyingKey::new(self.public.clone()))
    }

    /// SHA256-RSA of `message`, base64.
    pub fn sign(&self, message: &str) -> String {
        STANDARD.encode(self.signing.sign(message.as_bytes()).to_bytes())
    }
}

/// A public RSA key that checks signatures (the platform's, or a merchant's).
#[derive(Clone, Debug)]
pub struct PublicKey(VerifyingKey<Sha256>);

impl PublicKey {
    /// An SPKI PEM public key, as WeChat Pay issues its platform ("WeChat Pay public") key.
    pub fn from_pem(pem: &str) -> Result<PublicKey, CryptoError> {
        RsaPublicKey::from_public_key_pem(pem.trim())
            .map(|key| PublicKey(VerifyingKey::new(key)))
            .map_err(|e| CryptoError::Key(e.to_string()))
    }

    pub fn to_pem(&self) -> Result<String, CryptoError> {
        let key: &RsaPublicKey = self.0.as_ref();
        key.to_public_key_pem(LineEnding::LF)
            .map_err(|e| CryptoError::Key(e.to_string()))
    }

    /// A stable id of the key, as the serial numbers of WeChat Pay's keys are: 40 hex digits
    /// of the SHA-256 of its DER form.
    pub fn fingerprint(&self) -> String {
        let key: &RsaPublicKey = self.0.as_ref();
        let der = key
            .to_public_key_der()
            .map(|der| der.as_bytes().to_vec())
            .unwrap_or_default();
        Sha256::digest(der)[..20]
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    pub fn verify(&self, message: &str, signature_base64: &str) -> Result<(), CryptoError> {
        let bytes = STANDARD
            .decode(signature_base64.trim())
            .map_err(|_| CryptoError::BadSignature)?;
        let signature =
            Signature::try_from(bytes.as_slice()).map_err(|_| CryptoError::BadSignature)?;
        self.0
            .verify(message.as_bytes(), &signature)
            .map_err(|_| CryptoError::BadSignature)
    }
}

/// What a request's signature covers.
pub fn request_message(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> String {
    format!("{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n")
}

/// What an answer's or a notification's signature covers.
pub fn answer_message(timestamp: &str, nonce: &str, body: &str) -> String {
    format!("{timestamp}\n{nonce}\n{body}\n")
}

/// A random nonce of 32 letters and digits.
pub fn nonce() -> String {
    uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .to_ascii_uppercase()
}

/// The parts of an `Authorization` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub mchid: String,
    pub nonce_str: String,
    pub signature: String,
    pub timestamp: String,
    pub serial_no: String,
}

impl Authorization {
    pub fn header(&self) -> String {
        format!(
            "{SCHEME} mchid=\"{}\",nonce_str=\"{}\",signature=\"{}\",timestamp=\"{}\",serial_no=\"{}\"",
            self.mchid, self.nonce_str, self.signature, self.timestamp, self.serial_no
        )
    }

    /// Reads a header; `None` when it is not this scheme or misses a part.
    pub fn parse(header: &str) -> Option<Authorization> {
        let rest = header.strip_prefix(SCHEME)?.trim_start();
        let part = |name: &str| -> Option<String> {
            rest.split(',').find_map(|pair| {
                let (key, value) = pair.trim().split_once('=')?;
                (key == name).then(|| value.trim_matches('"').to_owned())
            })
        };
        Some(Authorization {
            mchid: part("mchid")?,
            nonce_str: part("nonce_str")?,
            signature: part("signature")?,
            timestamp: part("timestamp")?,
            serial_no: part("serial_no")?,
        })
    }
}

/// Checks that `timestamp` (seconds, as text) is within [`MAX_SKEW_SECONDS`] of `now`.
pub fn check_fresh(timestamp: &str, now: i64) -> Result<(), CryptoError> {
    let at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| CryptoError::BadSignature)?;
    let skew = (now - at).abs();
    if skew > MAX_SKEW_SECONDS {
        return Err(CryptoError::Stale(skew));
    }
    Ok(())
}

/// The merchant's APIv3 key: 32 bytes (32 ASCII characters, as the merchant platform sets it).
#[derive(Clone)]
pub struct ApiV3Key([u8; 32]);

impl std::fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiV3Key(…)")
    }
}

impl ApiV3Key {
    pub fn new(text: &str) -> Result<ApiV3Key, CryptoError> {
        text.trim()
            .as_bytes()
            .try_into()
            .map(ApiV3Key)
            .map_err(|_| CryptoError::ApiV3Key)
    }

    pub fn generate() -> ApiV3Key {
        ApiV3Key(nonce().into_bytes().try_into().unwrap_or([b'0'; 32]))
    }

    pub fn as_text(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }

    fn cipher(&self) -> aes_gcm::Aes256Gcm {
        use aes_gcm::KeyInit;
        aes_gcm::Aes256Gcm::new(&self.0.into())
    }

    /// Decrypts a notification's resource: base64 of ciphertext and tag.
    pub fn decrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        ciphertext_base64: &str,
    ) -> Result<Vec<u8>, CryptoError> {
        use aes_gcm::aead::{Aead, Payload};
        let nonce =
            aes_gcm::Nonce::try_from(nonce.as_bytes()).map_err(|_| CryptoError::Undecryptable)?;
        let ciphertext = STANDARD
            .decode(ciphertext_base64)
            .map_err(|_| CryptoError::Undecryptable)?;
        self.cipher()
            .decrypt(
                &nonce,
                Payload {
                    msg: &ciphertext,
                    aad: associated_data.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Undecryptable)
    }

    /// Encrypts a resource as the platform does (the simulator's notifications).
    pub fn encrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        plaintext: &[u8],
    ) -> Result<String, CryptoError> {
        use aes_gcm::aead::{Aead, Payload};
        let nonce =
            aes_gcm::Nonce::try_from(nonce.as_bytes()).map_err(|_| CryptoError::Undecryptable)?;
        self.cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: associated_data.as_bytes(),
                },
            )
            .map(|sealed| STANDARD.encode(sealed))
            .map_err(|_| CryptoError::Undecryptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> KeyPair {
        // One key for the module's tests: generating is the slow part.
        static KEY: std::sync::LazyLock<KeyPair> =
            std::sync::LazyLock::new(|| KeyPair::generate().expect("a key"));
        KEY.clone()
    }

    #[test]
    fn a_signature_verifies_only_for_its_message() {
        let key = key();
        let message = request_message("POST", "/v3/pay/transactions/h5", 1_554_208_460, "N", "{}");
        let signature = key.sign(&message);
        assert_eq!(key.public().verify(&message, &signature), Ok(()));
        let tampered = message.replace("{}", "{ }");
        assert_eq!(
            key.public().verify(&tampered, &signature),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            key.public().verify(&message, "not base64!"),
            Err(CryptoError::BadSignature)
        );
    }

    #[test]
    fn keys_survive_pem() {
        let key = key();
        let again = KeyPair::from_pem(&key.to_pem().expect("pem")).expect("reads");
        let public = PublicKey::from_pem(&key.public().to_pem().expect("pem")).expect("reads");
        let signature = again.sign("m");
        assert_eq!(public.verify("m", &signature), Ok(()));
        assert_eq!(public.fingerprint(), key.public().fingerprint());
        assert_eq!(public.fingerprint().len(), 40);
    }

    #[test]
    fn the_authorization_header_round_trips() {
        let authorization = Authorization {
            mchid: "1900009191".into(),
            nonce_str: "593BEC0C930BF1AFEB40B4A08C8FB242".into(),
            signature: "abc+/=".into(),
            timestamp: "1554208460".into(),
            serial_no: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C".into(),
        };
        assert_eq!(
            Authorization::parse(&authorization.header()),
            Some(authorization)
        );
        assert_eq!(Authorization::parse("Bearer x"), None);
    }

    #[test]
    fn a_resource_decrypts_only_whole() {
        let key = ApiV3Key::new("0123456789abcdefghijklmnopqrstuv").expect("32 bytes");
        let sealed = key
            .encrypt("nonce1234567", "transaction", b"{\"a\":1}")
            .expect("seals");
        assert_eq!(
            key.decrypt("nonce1234567", "transaction", &sealed)
                .as_deref(),
            Ok(&b"{\"a\":1}"[..])
        );
        assert_eq!(
            key.decrypt("nonce1234567", "refund", &sealed),
            Err(CryptoError::Undecryptable)
        );
        let other = ApiV3Key::new("vutsrqponmlkjihgfedcba9876543210").expect("32 bytes");
        assert_eq!(
            other.decrypt("nonce1234567", "transaction", &sealed),
            Err(CryptoError::Undecryptable)
        );
        assert!(ApiV3Key::new("short").is_err());
    }

    #[test]
    fn old_timestamps_are_stale() {
        assert_eq!(check_fresh("1000", 1200), Ok(()));
        assert_eq!(check_fresh("1000", 1301), Err(CryptoError::Stale(301)));
        assert_eq!(check_fresh("soon", 1000), Err(CryptoError::BadSignature));
    }
}
