//! Passwords (Argon2id), random secrets, and the login throttle.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Failed logins in a row that lock an account, and for how long.
pub const LOCK_AFTER: u32 = 5;
pub const LOCK_MS: i64 = 15 * 60 * 1000;
/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;
/// How long a session lasts.
pub const SESSION_MS: i64 = 12 * 3600 * 1000;

/// 32 random bytes from the OS as 64 hex digits, with a prefix saying what
/// the secret is (`gns_` session, `gnt_` API token, `` password).
pub fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS gives randomness");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}

/// The Argon2id PHC string of `password` with a fresh salt.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS gives randomness");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes encode");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes")
        .to_string()
}

/// Whether `password` matches the stored PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_verify_and_differ() {
        let a = super::hash_password("correct horse");
        let b = super::hash_password("correct horse");
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(super::verify_password("correct horse", &a));
        assert!(!super::verify_password("wrong", &a));
    }
}
