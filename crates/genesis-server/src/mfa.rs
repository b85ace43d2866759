//! Multi-factor sign-in: TOTP (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits).
//! The secrets are sealed at rest by the store's vault.

use hmac::{Hmac, Mac};

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

/// A fresh 160-bit TOTP secret (RFC 4226 recommends 160 bits).
pub fn new_totp_secret() -> [u8; 20] {
    let mut secret = [0u8; 20];
    getrandom::fill(&mut secret).expect("the OS gives randomness");
    secret
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
}
