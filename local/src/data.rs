//! The data folder: what the gateway keeps there (keys and credentials made up on the first run),
//! and keeping it the running user's alone.

use std::path::Path;

/// What `path` holds, or `make`'s value, written there (0600) the first time.
pub(crate) fn read_or_create(path: &Path, make: impl FnOnce() -> String) -> Result<String, String> {
    match std::fs::read_to_string(path) {
        Ok(v) => Ok(v.trim().to_owned()),
        Err(_) => {
            let v = make();
            std::fs::write(path, &v)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
            }
            Ok(v)
        }
    }
}

/// The data folder holds every message, contact details, password hashes and the signing key: it
/// and what Parlor keeps at its top are the running user's alone (0700 and 0600), whatever the
/// umask, also when an older version made them readable to all. Attachments sit in `s3/` below it,
/// out of other users' reach with the folder.
pub(crate) fn private_folder(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let only_me = |path: &Path, mode: u32| {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                .map_err(|e| format!("cannot make {} private: {e}", path.display()))
        };
        only_me(dir, 0o700)?;
        // Made before SQLite opens it, so that its journal files (which SQLite creates with the
        // database's mode) are private from the start.
        let db = dir.join("parlor.db");
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&db)
            .map_err(|e| format!("cannot create {}: {e}", db.display()))?;
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let mode = if path.is_dir() { 0o700 } else { 0o600 };
            match std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)) {
                // A journal the process before this one was still removing as it stopped.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                other => {
                    other.map_err(|e| format!("cannot make {} private: {e}", path.display()))?
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).expect("the OS random source is available");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// The attachment storage's credentials, made up on the first run and kept in the data folder
/// (0600): the local S3 endpoint checks every request's signature with them, as S3 does, so only
/// this gateway (and the presigned links it hands out, each for one object) reach its files. Letters
/// and digits only, as DynamoDB Local wants an access key id.
pub(crate) fn storage_credentials(data_dir: &Path) -> Result<(String, String), String> {
    let path = data_dir.join("storage.key");
    let kept = read_or_create(&path, || {
        format!("parlor{}:{}", random_hex(8), random_hex(20))
    })?;
    match kept.split_once(':') {
        Some((key, secret)) if !key.is_empty() && !secret.is_empty() => {
            Ok((key.to_owned(), secret.to_owned()))
        }
        _ => Err(format!(
            "{} is not key:secret; delete it to make new ones",
            path.display()
        )),
    }
}
