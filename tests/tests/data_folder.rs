//! The local data folder: private to the user who runs Parlor, and no admin password kept or
//! printed where it need not be.

use parlor_e2e::{TestApp, temp_dir};
use std::path::Path;

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_folder_and_what_it_keeps_are_the_users_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    // As an older version left it: readable to all.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(dir.join("signing.key"), "0".repeat(64)).unwrap();
    std::fs::set_permissions(
        dir.join("signing.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let app = TestApp::spawn_with(parlor_local::Config::for_tests(&dir)).await;
    // Something written, so the database has its journal files.
    app.joined("hello").await;
    assert_eq!(mode(&dir), 0o700, "the folder");
    for name in ["parlor.db", "signing.key"] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
    for journal in ["parlor.db-wal", "parlor.db-shm"] {
        let path = dir.join(journal);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{journal}");
        }
    }
    app.running.stop().await;
    // The attachments' folder, made on the first run, is made private by the next.
    let _again = TestApp::spawn_with(parlor_local::Config::for_tests(&dir)).await;
    assert_eq!(mode(&dir.join("s3")), 0o700, "attachments");
}

#[tokio::test]
async fn a_made_up_admin_password_is_shown_once_and_kept_nowhere() {
    let dir = temp_dir();
    let mut config = parlor_local::Config::for_tests(&dir);
    config.admin_password = None;
    let app = TestApp::spawn_with(config.clone()).await;
    assert!(app.running.created);
    let password = app
        .running
        .admin_password
        .clone()
        .expect("the run that created the workspace knows it");
    assert!(app.running.banner().contains(&password), "shown once");
    let email = app.running.admin.email.to_string();
    app.login(&email, &password).await;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        if entry.path().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(
                !bytes
                    .windows(password.len())
                    .any(|w| w == password.as_bytes()),
                "{} holds the password",
                entry.path().display()
            );
        }
    }
    app.running.stop().await;

    let app = TestApp::spawn_with(config).await;
    assert!(!app.running.created);
    assert_eq!(app.running.admin_password, None);
    let banner = app.running.banner();
    assert!(!banner.contains(&password), "not shown again: {banner}");
    assert!(
        banner.contains("shown when this workspace was created"),
        "{banner}"
    );
    app.login(&email, &password).await;
}

#[tokio::test]
async fn a_given_admin_password_is_never_printed() {
    let mut config = parlor_local::Config::for_tests(&temp_dir());
    config.admin_password = Some("given-in-the-environment".into());
    let app = TestApp::spawn_with(config).await;
    let banner = app.running.banner();
    assert!(!banner.contains("given-in-the-environment"), "{banner}");
    assert!(banner.contains("PARLOR_ADMIN_PASSWORD"), "{banner}");
}
