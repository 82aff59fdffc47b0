//! Faults mid-conversation, with every client reconnecting, resending unacknowledged sends with
//! their client ids and catching up from history, as the console and the widget do:
//! - the gateway killed (SIGKILL) and started again on the same SQLite data;
//! - 10% of the client sockets dropped with no close frame;
//! - on DynamoDB Local, the store stalled (the JVM paused with SIGSTOP) for two seconds.
//!
//! Afterwards nothing acknowledged may be missing on the other side, nothing stored twice, and
//! every send acknowledged in the end. A run that did not put the faults in the middle of the
//! conversation proves none of that, and fails too: every planned message must have been sent,
//! some before the first fault and some after the last, and every socket must have come back.

use crate::dynamo_local;
use crate::gateway::Gateway;
use crate::load::{self, Fleet, Plan};
use crate::record::Verdict;
use crate::rng::Rng;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// How long the DynamoDB run stalls the store.
const STALL: Duration = Duration::from_secs(2);

pub struct FaultRun {
    pub store: &'static str,
    pub events: Vec<String>,
    pub verdict: Verdict,
    pub reconnects: usize,
    /// Messages the plan sends.
    pub planned: usize,
    /// Sends made before the first fault began, and after the last one.
    pub sent_before: usize,
    pub sent_after: usize,
    /// Sockets the restart cut (every client's), and those then dropped.
    pub clients: usize,
    pub dropped: usize,
}

impl FaultRun {
    /// Why this run shows nothing about faults, if it does not: the verdict of a run that sent
    /// nothing, or sent only before or after the faults, or whose sockets never came back, is
    /// empty however clean it looks.
    pub fn unexercised(&self) -> Vec<String> {
        let mut why = Vec::new();
        if self.verdict.sent != self.planned || self.planned == 0 {
            why.push(format!(
                "{} of {} planned messages sent",
                self.verdict.sent, self.planned
            ));
        }
        if self.sent_before == 0 {
            why.push("nothing sent before the first fault".into());
        }
        if self.sent_after == 0 {
            why.push("nothing sent after the last fault".into());
        }
        if self.dropped == 0 {
            why.push("no socket dropped".into());
        }
        if self.reconnects < self.clients + self.dropped {
            why.push(format!(
                "{} reconnects for {} sockets the restart cut and {} dropped",
                self.reconnects, self.clients, self.dropped
            ));
        }
        why
    }
}

pub async fn run(bin: &Path, plan: &Plan, seed: u64, dynamodb: bool) -> Result<FaultRun, String> {
    let local = dynamodb.then(dynamo_local::DynamoLocal::start);
    let env = match &local {
        Some(l) => vec![
            ("PARLOR_STORE".to_owned(), "dynamodb".to_owned()),
            ("PARLOR_DYNAMODB_ENDPOINT".to_owned(), l.endpoint()),
            ("PARLOR_CREATE_TABLE".to_owned(), "1".to_owned()),
            ("PARLOR_TABLE".to_owned(), "parlor-faults".to_owned()),
        ],
        None => Vec::new(),
    };
    let dir = std::env::temp_dir().join(format!(
        "parlor-bench-faults-{}-{}",
        if dynamodb { "dynamodb" } else { "sqlite" },
        std::process::id()
    ));
    let mut gw = Gateway::start_with(bin, dir, "127.0.0.1:0", env)?;
    let fleet = load::parlor_fleet(&gw, plan).await?;
    let mut events = Vec::new();
    let drive = load::drive(&fleet, plan, seed);
    let (mut first_fault, mut last_fault) = (Instant::now(), Instant::now());
    let mut dropped = 0;
    let faults = async {
        // Every fault falls within the sending, with a step of it left after the last.
        let stall = if local.is_some() {
            STALL
        } else {
            Duration::ZERO
        };
        let step = Duration::from_secs_f64(plan.seconds).saturating_sub(stall) / 4;
        tokio::time::sleep(step).await;
        first_fault = Instant::now();
        if let Some(local) = &local {
            let pid = local.pid().to_string();
            let paused = Instant::now();
            Command::new("kill")
                .args(["-STOP", &pid])
                .status()
                .map_err(|e| e.to_string())?;
            tokio::time::sleep(stall).await;
            Command::new("kill")
                .args(["-CONT", &pid])
                .status()
                .map_err(|e| e.to_string())?;
            events.push(format!(
                "DynamoDB Local paused for {:.1} s",
                paused.elapsed().as_secs_f64()
            ));
        }
        let took = gw.kill_and_restart()?;
        events.push(format!(
            "gateway killed and serving again in {:.2} s",
            took.as_secs_f64()
        ));
        tokio::time::sleep(step).await;
        dropped = drop_some(&fleet, 10, seed);
        last_fault = Instant::now();
        events.push(format!(
            "{dropped} of {} client sockets dropped with no close frame",
            fleet.visitors.len() + fleet.operators.len()
        ));
        Ok::<(), String>(())
    };
    let (_, faults) = tokio::join!(drive, faults);
    faults?;
    // Every outbox empty and every socket back.
    let until = Instant::now() + Duration::from_secs(60);
    while fleet.all().any(|c| c.unacked() > 0 || !c.connected()) && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Everything in each dialog's history, from the start: what is stored is what counts.
    for c in fleet.all() {
        c.catch_up(None).await;
    }
    let verdict = fleet.recorder.verdict();
    let reconnects = fleet.all().map(|c| c.reconnects()).sum();
    let (sent_before, sent_after) = fleet.recorder.sends_outside(first_fault, last_fault);
    let clients = fleet.all().count();
    fleet.close();
    Ok(FaultRun {
        store: if dynamodb { "DynamoDB Local" } else { "SQLite" },
        events,
        verdict,
        reconnects,
        planned: plan.sends(),
        sent_before,
        sent_after,
        clients,
        dropped,
    })
}

/// Drops `percent` of all sockets (at least one), picked at random.
fn drop_some(fleet: &Fleet, percent: usize, seed: u64) -> usize {
    let all: Vec<_> = fleet.all().collect();
    let want = (all.len() * percent / 100).max(1);
    let mut rng = Rng::new(seed ^ 0x5eed);
    let mut picked = std::collections::BTreeSet::new();
    while picked.len() < want {
        picked.insert(rng.below(all.len()));
    }
    for &i in &picked {
        all[i].drop_abruptly();
    }
    picked.len()
}
