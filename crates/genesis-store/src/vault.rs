//! Encryption at rest: a random *data key* encrypts artifacts and sealed
//! secrets (XChaCha20-Poly1305); the data key itself is stored only
//! wrapped (sealed) under a *master key* kept in a file outside the
//! database (`GENESIS_MASTER_KEY_FILE`, default `keys/master.key`).
//!
//! Why two keys: rotating the master key then rewraps 32 bytes instead of
//! re-encrypting every artifact, and a copy of the database and artifacts
//! without the master key reveals nothing.
//!
//! Files in `keys/`: `data.key` is the data key sealed under the current
//! master key. A rotation writes `data.key.next` (sealed under the new
//! master key) before it replaces the master key file, and renames it over
//! `data.key` last; opening finishes a rotation that a crash interrupted,
//! so no step of it can lock the data away.

use crate::StoreError;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

const NONCE: usize = 24;

/// A 256-bit key from a file of 64 hex digits.
#[derive(Clone)]
pub struct MasterKey {
    cipher: XChaCha20Poly1305,
    path: PathBuf,
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the OS gives randomness");
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    text.len()
        .is_multiple_of(2)
        .then(|| {
            (0..text.len() / 2)
                .map(|i| u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok())
                .collect()
        })
        .flatten()
}

/// Writes `text` to `path` (mode 0600) through a temporary file and a
/// rename, fsyncing both, so the file is either old or new, never torn.
fn write_private(path: &Path, text: &str) -> Result<(), StoreError> {
    let io = |e: std::io::Error| StoreError::Io(format!("cannot write {}: {e}", path.display()));
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("key"),
        std::process::id()
    ));
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io)?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(io)?;
    fs::rename(&tmp, path).map_err(io)?;
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io)
}

fn seal_with(cipher: &XChaCha20Poly1305, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let nonce: [u8; NONCE] = random();
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("XChaCha20-Poly1305 encrypts any length that fits in memory");
    let mut out = Vec::with_capacity(NONCE + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    out
}

fn open_with(cipher: &XChaCha20Poly1305, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < NONCE + 16 {
        return None;
    }
    cipher
        .decrypt(
            XNonce::from_slice(&sealed[..NONCE]),
            Payload {
                msg: &sealed[NONCE..],
                aad,
            },
        )
        .ok()
}

impl MasterKey {
    /// Reads the key at `path`; creates it (0600) first when `create` and
    /// absent (the workspace default), never for a path the operator named.
    pub fn load(path: &Path, create: bool) -> Result<MasterKey, StoreError> {
        if !path.exists() {
            if !create {
                return Err(StoreError::Key(format!(
                    "the master key {} does not exist\nhint: point GENESIS_MASTER_KEY_FILE at the key this workspace was created with",
                    path.display()
                )));
            }
            write_private(path, &hex(&random::<32>()))?;
        }
        let text = fs::read_to_string(path).map_err(|e| {
            StoreError::Key(format!(
                "cannot read the master key {}: {e}",
                path.display()
            ))
        })?;
        let key = unhex(text.trim())
            .filter(|k| k.len() == 32)
            .ok_or_else(|| {
                StoreError::Key(format!(
                    "{} is not a master key (expected 64 hex digits)",
                    path.display()
                ))
            })?;
        Ok(MasterKey {
            cipher: XChaCha20Poly1305::new_from_slice(&key).expect("32 bytes"),
            path: path.to_path_buf(),
        })
    }

    /// Where the key was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The unwrapped data key of a workspace: what encrypts artifacts and
/// seals secrets.
pub struct Vault {
    cipher: XChaCha20Poly1305,
}

impl Vault {
    /// A vault with a fresh key that lives only in memory (in-memory stores).
    pub(crate) fn ephemeral() -> Vault {
        Vault {
            cipher: XChaCha20Poly1305::new_from_slice(&random::<32>()).expect("32 bytes"),
        }
    }

    /// Opens the data key in `keys_dir` with `master`, creating it on first
    /// use, and finishing a rotation a crash interrupted. A master key that
    /// opens neither the data key nor a pending rotation is refused with
    /// the file names, and nothing is changed.
    pub(crate) fn open(keys_dir: &Path, master: &MasterKey) -> Result<Vault, StoreError> {
        let current = keys_dir.join("data.key");
        let next = keys_dir.join("data.key.next");
        if !current.exists() {
            let key: [u8; 32] = random();
            write_private(
                &current,
                &hex(&seal_with(&master.cipher, &key, b"data key")),
            )?;
        }
        let unwrap = |path: &Path| -> Option<Vec<u8>> {
            let text = fs::read_to_string(path).ok()?;
            open_with(&master.cipher, &unhex(text.trim())?, b"data key")
        };
        let key = match unwrap(&current) {
            Some(key) => {
                // A rotation that never replaced the master key: drop it.
                let _ = fs::remove_file(&next);
                key
            }
            None => {
                let key = unwrap(&next).ok_or_else(|| {
                    StoreError::Key(format!(
                        "the master key {} does not open this workspace's data key {} (wrong key, or the file was changed); nothing was changed\nhint: set GENESIS_MASTER_KEY_FILE to the key this workspace was created or last rotated with",
                        master.path.display(),
                        current.display()
                    ))
                })?;
                // The master key was replaced but the rename was not done.
                fs::rename(&next, &current)
                    .map_err(|e| StoreError::Io(format!("cannot finish the key rotation: {e}")))?;
                key
            }
        };
        Ok(Vault {
            cipher: XChaCha20Poly1305::new_from_slice(&key).expect("32 bytes"),
        })
    }

    /// Rewraps the data key under a fresh master key written to
    /// `master.path()` (replacing the old one); returns the new key. The
    /// data key, and so every artifact and secret, stays as it is.
    pub(crate) fn rotate_master(
        keys_dir: &Path,
        master: &MasterKey,
    ) -> Result<MasterKey, StoreError> {
        let raw_key: [u8; 32] = random();
        let current = keys_dir.join("data.key");
        let text = fs::read_to_string(&current)
            .map_err(|e| StoreError::Io(format!("cannot read {}: {e}", current.display())))?;
        let data_key = unhex(text.trim())
            .and_then(|b| open_with(&master.cipher, &b, b"data key"))
            .ok_or_else(|| StoreError::Key("the data key does not open".into()))?;
        let new_master = XChaCha20Poly1305::new_from_slice(&raw_key).expect("32 bytes");
        // 1. the data key under the new master key, beside the current one;
        write_private(
            &keys_dir.join("data.key.next"),
            &hex(&seal_with(&new_master, &data_key, b"data key")),
        )?;
        // 2. the new master key in place of the old;
        write_private(&master.path, &hex(&raw_key))?;
        // 3. the new wrapping becomes current.
        fs::rename(keys_dir.join("data.key.next"), &current)
            .map_err(|e| StoreError::Io(format!("cannot finish the key rotation: {e}")))?;
        MasterKey::load(&master.path, false)
    }

    /// `plaintext` encrypted, bound to `aad` (what it is, e.g. its hash).
    pub(crate) fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        seal_with(&self.cipher, plaintext, aad)
    }

    /// What [`Vault::encrypt`] made, if it opens with this key and `aad`.
    pub(crate) fn decrypt(&self, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        open_with(&self.cipher, sealed, aad)
    }

    /// A secret (a TOTP seed) sealed for a database column, as hex.
    pub fn seal(&self, secret: &[u8]) -> String {
        hex(&self.encrypt(secret, b"secret"))
    }

    /// Opens what [`Vault::seal`] made.
    pub fn open_secret(&self, sealed: &str) -> Result<Vec<u8>, StoreError> {
        unhex(sealed)
            .and_then(|b| self.decrypt(&b, b"secret"))
            .ok_or_else(|| {
                StoreError::Key(
                    "a sealed secret does not open with this workspace's data key (the data was changed)"
                        .into(),
                )
            })
    }
}
