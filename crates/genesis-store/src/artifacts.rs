//! Content-addressed files: `artifacts/ab/cdef…` named by the BLAKE3 hash
//! of their *plaintext*, stored encrypted under the workspace's data key
//! (see `vault`), so provenance hashes verify while the disk holds only
//! ciphertext. Files written before encryption (no header) still read.

use crate::StoreError;
use crate::vault::Vault;
use genesis_prov::{ArtifactRef, Digest, digest};
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::PathBuf;

/// Where artifacts live: a folder, or memory for an in-memory store.
pub(crate) enum Artifacts {
    Dir(PathBuf),
    Memory(HashMap<Digest, Vec<u8>>),
}

/// The first bytes of an encrypted artifact file: format and version.
const MAGIC: &[u8; 8] = b"GNSENC1\0";

impl Artifacts {
    /// The file of `hash` (for a folder store).
    pub(crate) fn path(&self, hash: &Digest) -> Option<PathBuf> {
        match self {
            Artifacts::Dir(d) => {
                let h = hash.hex();
                Some(d.join(&h[..2]).join(&h[2..]))
            }
            Artifacts::Memory(_) => None,
        }
    }

    /// Stores `bytes` once per content and returns the reference. The file
    /// is durable (fsynced, then renamed into place, then the folder
    /// fsynced) before any event can refer to it.
    pub(crate) fn put(
        &mut self,
        vault: &Vault,
        name: &str,
        bytes: &[u8],
    ) -> Result<ArtifactRef, StoreError> {
        let hash = digest(bytes);
        let r = ArtifactRef {
            name: name.to_string(),
            hash,
            size: bytes.len() as u64,
        };
        match self {
            Artifacts::Memory(m) => {
                m.entry(hash).or_insert_with(|| bytes.to_vec());
            }
            Artifacts::Dir(_) => {
                let path = self.path(&hash).expect("folder store");
                if path.exists() {
                    return Ok(r);
                }
                let dir = path.parent().expect("two levels");
                let io = |e: std::io::Error| {
                    StoreError::Io(format!("cannot store artifact {}: {e}", path.display()))
                };
                fs::create_dir_all(dir).map_err(io)?;
                let tmp = dir.join(format!(".{}.{}.tmp", &hash.hex()[2..], std::process::id()));
                let mut f = File::create(&tmp).map_err(io)?;
                // The hash is the associated data: a file moved under
                // another name does not open.
                let sealed = vault.encrypt(bytes, &hash.0);
                f.write_all(MAGIC)
                    .and_then(|_| f.write_all(&sealed))
                    .and_then(|_| f.sync_all())
                    .map_err(io)?;
                fs::rename(&tmp, &path).map_err(io)?;
                File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
            }
        }
        Ok(r)
    }

    /// The content of `hash`, decrypted and checked against it.
    pub(crate) fn get(&self, vault: &Vault, hash: &Digest) -> Result<Vec<u8>, ArtifactProblem> {
        let bytes = match self {
            Artifacts::Memory(m) => m.get(hash).cloned().ok_or(ArtifactProblem::Missing)?,
            Artifacts::Dir(_) => {
                let path = self.path(hash).expect("folder store");
                let raw = fs::read(&path).map_err(|_| ArtifactProblem::Missing)?;
                match raw.strip_prefix(MAGIC) {
                    Some(sealed) => vault
                        .decrypt(sealed, &hash.0)
                        .ok_or(ArtifactProblem::Undecryptable)?,
                    None => raw,
                }
            }
        };
        let found = digest(&bytes);
        if found != *hash {
            return Err(ArtifactProblem::Changed(found));
        }
        Ok(bytes)
    }
}

/// Why an artifact could not be read back.
#[derive(Debug, Clone, PartialEq)]
pub enum ArtifactProblem {
    /// No file for that hash.
    Missing,
    /// The file's content now hashes to this.
    Changed(Digest),
    /// The encrypted file does not open with the data key: it was changed.
    Undecryptable,
}
