//! The workspace's Ed25519 key: it signs every event hash.

use crate::Digest;
use crate::digest::{from_hex, to_hex};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

/// Why a key could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    #[error("the operating system gave no randomness: {0}")]
    Random(String),
    #[error("not a key: expected 64 hex digits")]
    BadKey,
}

/// The private half. Kept in memory only as long as the store is open; on
/// disk it lives in a file only its owner can read.
pub struct Signer {
    key: SigningKey,
}

impl Signer {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Signer, SignerError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| SignerError::Random(e.to_string()))?;
        Ok(Signer {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// The key whose 32-byte secret is `hex`.
    pub fn from_secret_hex(hex: &str) -> Result<Signer, SignerError> {
        let seed = from_hex::<32>(hex.trim()).ok_or(SignerError::BadKey)?;
        Ok(Signer {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// The secret as hex, for the key file.
    pub fn secret_hex(&self) -> String {
        to_hex(self.key.as_bytes())
    }

    /// The public half, which verifies this key's signatures.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.key.verifying_key())
    }

    /// The signature of an event hash, as 128 hex digits.
    pub fn sign(&self, hash: &Digest) -> String {
        to_hex(&self.key.sign(&hash.0).to_bytes())
    }
}

/// The public half of a workspace key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses 64 hex digits.
    pub fn from_hex(hex: &str) -> Result<PublicKey, SignerError> {
        let bytes = from_hex::<32>(hex.trim()).ok_or(SignerError::BadKey)?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| SignerError::BadKey)
    }

    /// 64 hex digits.
    pub fn hex(&self) -> String {
        to_hex(self.0.as_bytes())
    }

    /// A short name for the key (first 16 hex digits of its BLAKE3 hash),
    /// to compare by eye or over the phone.
    pub fn fingerprint(&self) -> String {
        crate::digest(self.0.as_bytes()).hex()[..16].to_string()
    }

    /// Whether `signature` (hex) is this key's signature of `hash`. Strict
    /// verification: malleable or small-order signatures are refused.
    pub fn verifies(&self, hash: &Digest, signature: &str) -> bool {
        let Some(bytes) = from_hex::<64>(signature) else {
            return false;
        };
        self.0
            .verify_strict(&hash.0, &Signature::from_bytes(&bytes))
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_reject() {
        let s = Signer::generate().unwrap();
        let h = crate::digest(b"event");
        let sig = s.sign(&h);
        assert!(s.public().verifies(&h, &sig));
        assert!(!s.public().verifies(&crate::digest(b"other"), &sig));
        let other = Signer::generate().unwrap();
        assert!(!other.public().verifies(&h, &sig));
        let again = Signer::from_secret_hex(&s.secret_hex()).unwrap();
        assert_eq!(again.public(), s.public());
        assert_eq!(PublicKey::from_hex(&s.public().hex()).unwrap(), s.public());
    }

    #[test]
    fn rfc8032_test_vector_1() {
        // RFC 8032 section 7.1, TEST 1 (empty message): secret and public key.
        let s = Signer::from_secret_hex(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        )
        .unwrap();
        assert_eq!(
            s.public().hex(),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
    }
}
