//! The published web files (`ports::WebFiles`) in a folder: the local gateway's built `web/dist`.
//! In AWS they are read from the hosting bucket (`adapters::s3::S3WebFiles`).

use crate::ports::{WebFiles, WebFilesError};
use async_trait::async_trait;
use std::path::PathBuf;

/// The files under one folder, read at each request, so a new build is served at once.
#[derive(Debug, Clone)]
pub struct FolderWebFiles {
    root: PathBuf,
}

impl FolderWebFiles {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

#[async_trait]
impl WebFiles for FolderWebFiles {
    async fn read(&self, path: &str) -> Result<Option<String>, WebFilesError> {
        // Paths are the code's own constants; still, nothing leaves the folder.
        if path.split('/').any(|part| part.is_empty() || part == "..") {
            return Err(WebFilesError(format!(
                "{path:?} is not a path under the web files"
            )));
        }
        let file = self.root.join(path);
        // A page of a few hundred bytes, on the machine's own disk: read in place.
        match std::fs::read_to_string(&file) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(WebFilesError(format!("{}: {e}", file.display()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_a_file_under_its_folder_and_says_when_there_is_none() {
        let root = std::env::temp_dir().join(format!("parlor-web-files-{}", std::process::id()));
        std::fs::create_dir_all(root.join("widget")).unwrap();
        std::fs::write(root.join("widget/frame.html"), "<!doctype html>").unwrap();
        let files = FolderWebFiles::new(&root);
        assert_eq!(
            files.read("widget/frame.html").await,
            Ok(Some("<!doctype html>".into()))
        );
        assert_eq!(files.read("widget/other.html").await, Ok(None));
        assert!(files.read("../etc/passwd").await.is_err());
        assert!(files.read("/etc/passwd").await.is_err());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
