//! The system under test as a separate process, so that its CPU and memory are its own: the
//! `parlor` binary on a free port with a fresh data folder, stopped (and its folder removed) on drop.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const ADMIN_EMAIL: &str = "admin@parlor.bench";
pub const ADMIN_PASSWORD: &str = "bench-admin-password";

pub struct Gateway {
    child: Child,
    pub url: String,
    pub site_key: String,
    pub data_dir: PathBuf,
    addr: String,
    bin: PathBuf,
    env: Vec<(String, String)>,
}

impl Gateway {
    pub fn start(bin: &Path, data_dir: PathBuf, addr: &str) -> Result<Self, String> {
        Self::start_with(bin, data_dir, addr, Vec::new())
    }

    /// With extra environment, e.g. `PARLOR_STORE=dynamodb` and its endpoint.
    pub fn start_with(
        bin: &Path,
        data_dir: PathBuf,
        addr: &str,
        env: Vec<(String, String)>,
    ) -> Result<Self, String> {
        std::fs::create_dir_all(&data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
        let mut child = Command::new(bin)
            .env("PARLOR_ADDR", addr)
            .env("PARLOR_DATA_DIR", &data_dir)
            .env("PARLOR_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("PARLOR_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("PARLOR_SITE_ORIGINS", "")
            // Measured flat out: every simulated visitor comes from this one address.
            .env("PARLOR_LIMITS", "off")
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "error".into()),
            )
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot run {} (build it with cargo build -p parlor-local): {e}",
                    bin.display()
                )
            })?;
        let out = BufReader::new(child.stdout.take().expect("piped"));
        let (mut url, mut site_key) = (None, None);
        let mut out = out;
        for line in (&mut out).lines() {
            let line = line.map_err(|e| e.to_string())?;
            let field = |name: &str| line.trim().strip_prefix(name).map(|v| v.trim().to_owned());
            if let Some(v) = field("Console:") {
                url = Some(v.trim_end_matches('/').to_owned());
            }
            if let Some(v) = field("Site key:") {
                site_key = Some(v);
            }
            if url.is_some() && site_key.is_some() {
                break;
            }
        }
        // Keep reading, so that what it prints later (on stop) never meets a closed pipe.
        std::thread::spawn(move || for _ in out.lines() {});
        let (Some(url), Some(site_key)) = (url, site_key) else {
            let _ = child.kill();
            return Err(format!(
                "{} exited before printing its banner",
                bin.display()
            ));
        };
        let addr = url.trim_start_matches("http://").to_owned();
        Ok(Self {
            child,
            url,
            site_key,
            data_dir,
            addr,
            bin: bin.to_owned(),
            env,
        })
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process (SIGKILL: no graceful close, nothing flushed) and starts it again on the
    /// same port and data; answers how long until it was serving again.
    pub fn kill_and_restart(&mut self) -> Result<std::time::Duration, String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let started = std::time::Instant::now();
        let again = Self::start_with(
            &self.bin,
            self.data_dir.clone(),
            &self.addr,
            self.env.clone(),
        )?;
        let old = std::mem::replace(self, again);
        // The old process is gone; its data folder is the new one's.
        std::mem::forget(old);
        Ok(started.elapsed())
    }

    /// CPU seconds (user + system) the process has used, and its peak resident memory in bytes.
    pub fn usage(&self) -> Option<(f64, u64)> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).ok()?;
        let after_name = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let hwm = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse::<u64>()
            .ok()?;
        Some((ticks / 100.0, hwm * 1024))
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
