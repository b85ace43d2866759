//! Multi-factor sign-in: TOTP (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits),
//! and the master key that seals TOTP secrets at rest.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use std::path::Path;

/// Seconds per TOTP step, and how many steps either side are accepted
/// (clock drift between the server and the phone).
const STEP_S: u64 = 30;
const WINDOW: i64 = 1;

/// The 6-digit code of `secret` for step `counter` (RFC 4226 HOTP).
pub fn hotp(secret: &[u8], counter: u64) -> u32 {
    let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = (h[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes([
        h[offset] & 0x7f,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]);
    bin % 1_000_000
}

/// Whether `code` is the TOTP of `secret` at `now_s` (± one step).
pub fn totp_ok(secret: &[u8], code: &str, now_s: u64) -> bool {
    let Ok(code) = code.trim().parse::<u32>() else {
        return false;
    };
    let step = (now_s / STEP_S) as i64;
    (-WINDOW..=WINDOW).any(|d| step + d >= 0 && hotp(secret, (step + d) as u64) == code)
}

/// RFC 4648 base32 without padding, as authenticator apps expect.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The enrolment URI an authenticator app scans (as a QR code) or takes.
pub fn otpauth_uri(user: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/Genesis:{user}?secret={}&issuer=Genesis&algorithm=SHA1&digits=6&period=30",
        base32(secret)
    )
}

/// The key that seals secrets at rest (XChaCha20-Poly1305). It lives in a
/// file (`GENESIS_MASTER_KEY_FILE`, default `WORKSPACE/keys/master.key`,
/// mode 0600), apart from the database, so a copy of the database alone
/// does not reveal the secrets in it.
pub struct MasterKey {
    cipher: XChaCha20Poly1305,
}

impl MasterKey {
    /// Reads the key at `path`, creating it (0600) if `create` and absent.
    pub fn load(path: &Path, create: bool) -> Result<MasterKey, String> {
        use std::os::unix::fs::OpenOptionsExt;
        if !path.exists() {
            if !create {
                return Err(format!("the master key {} does not exist", path.display()));
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).map_err(|e| e.to_string())?;
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            use std::io::Write;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .and_then(|mut f| f.write_all(hex.as_bytes()).and_then(|_| f.sync_all()))
                .map_err(|e| format!("cannot write the master key {}: {e}", path.display()))?;
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the master key {}: {e}", path.display()))?;
        let text = text.trim();
        if text.len() != 64 {
            return Err(format!(
                "{} is not a master key (expected 64 hex digits)",
                path.display()
            ));
        }
        let mut key = [0u8; 32];
        for (i, k) in key.iter_mut().enumerate() {
            *k = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| {
                format!(
                    "{} is not a master key (expected 64 hex digits)",
                    path.display()
                )
            })?;
        }
        Ok(MasterKey {
            cipher: XChaCha20Poly1305::new(&key.into()),
        })
    }

    /// `plaintext` sealed: hex of a random 24-byte nonce and the ciphertext.
    pub fn seal(&self, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).expect("the OS gives randomness");
        let ct = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plaintext)
            .expect("encryption of a short secret cannot fail");
        nonce
            .iter()
            .chain(&ct)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Opens what `seal` made; fails with a clear message for another key
    /// or changed bytes (the AEAD tag does not verify).
    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, String> {
        let bytes: Option<Vec<u8>> = (0..sealed.len() / 2)
            .map(|i| u8::from_str_radix(sealed.get(2 * i..2 * i + 2)?, 16).ok())
            .collect();
        let bytes = bytes
            .filter(|b| b.len() > 24)
            .ok_or("a sealed secret is corrupt")?;
        self.cipher
            .decrypt(XNonce::from_slice(&bytes[..24]), &bytes[24..])
            .map_err(|_| "a sealed secret does not open with this master key (wrong key, or the data was changed)".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B (SHA1, secret "12345678901234567890"): the last six digits.
        let secret = b"12345678901234567890";
        for (t, code) in [
            (59u64, "287082"),
            (1111111109, "081804"),
            (1234567890, "005924"),
            (2000000000, "279037"),
        ] {
            assert!(totp_ok(secret, code, t), "t = {t}");
        }
        assert!(!totp_ok(secret, "287083", 59));
        assert!(
            !totp_ok(secret, "287082", 59 + 3 * 30),
            "outside the window"
        );
    }

    #[test]
    fn base32_rfc4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
    }

    #[test]
    fn sealing_round_trip_and_wrong_key() {
        let dir = std::env::temp_dir().join(format!("genesis-mk-{}", std::process::id()));
        let (a, b) = (dir.join("a.key"), dir.join("b.key"));
        let ka = MasterKey::load(&a, true).unwrap();
        let kb = MasterKey::load(&b, true).unwrap();
        let sealed = ka.seal(b"totp secret");
        assert!(
            !sealed.contains(
                &"totp secret"
                    .bytes()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            )
        );
        assert_eq!(ka.open(&sealed).unwrap(), b"totp secret");
        assert!(kb.open(&sealed).unwrap_err().contains("wrong key"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
