//! The workspace's signing key on disk: `keys/signing.key` (secret, hex,
//! mode 0600, in a 0700 folder) and `keys/signing.pub` (public, hex).

use crate::StoreError;
use genesis_prov::Signer;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Reads the key in `dir`, or creates one if there is none. A key file
/// that others can read is refused, as ssh does: a leaked key lets anyone
/// forge the record.
pub(crate) fn load_or_create(dir: &Path) -> Result<Signer, StoreError> {
    let key_path = dir.join("signing.key");
    let io = |what: &str, e: std::io::Error| {
        StoreError::Io(format!("{what} {}: {e}", key_path.display()))
    };
    if !key_path.exists() {
        fs::create_dir_all(dir).map_err(|e| io("cannot create the folder of", e))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| io("cannot restrict the folder of", e))?;
        let signer = Signer::generate().map_err(|e| StoreError::Io(e.to_string()))?;
        // Write a private temporary file, then link it into place: the
        // link fails if another process created the key meanwhile, and
        // nobody ever sees a half-written key.
        let tmp = dir.join(format!("signing.key.{}.tmp", std::process::id()));
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| io("cannot write", e))?;
        f.write_all(signer.secret_hex().as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| io("cannot write", e))?;
        let linked = fs::hard_link(&tmp, &key_path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                fs::write(dir.join("signing.pub"), signer.public().hex() + "\n")
                    .map_err(|e| io("cannot write the public half of", e))?;
                return Ok(signer);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io("cannot create", e)),
        }
    }
    let mode = fs::metadata(&key_path)
        .map_err(|e| io("cannot read", e))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(StoreError::Io(format!(
            "{} is readable by others (mode {:o}); anyone who reads it can forge provenance records\nhint: chmod 600 {}",
            key_path.display(),
            mode & 0o777,
            key_path.display()
        )));
    }
    let text = fs::read_to_string(&key_path).map_err(|e| io("cannot read", e))?;
    Signer::from_secret_hex(&text).map_err(|_| {
        StoreError::Io(format!(
            "{} is not a signing key (expected 64 hex digits)",
            key_path.display()
        ))
    })
}
