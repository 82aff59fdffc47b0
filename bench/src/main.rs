//! `parlor-bench`: measures Parlor on this machine.
//!
//! ```text
//! parlor-bench smoke                      a few seconds: 10 dialogs, 2 operators, 2,000 fuzzed frames,
//!                                         the fault runs on 10 dialogs; fails on any loss, duplicate,
//!                                         misorder or untyped error, never on a time
//! parlor-bench load [--dialogs 10,100,1000] [--operators 4] [--rate 0.5] [--seconds 20]
//!                   [--distribution]      latency and throughput against a bare relay, per size;
//!                                         with automatic distribution giving out the dialogs
//! parlor-bench fuzz [--frames 100000] [--seed N]
//! parlor-bench faults [--dialogs 20] [--seconds 8]
//!                                         gateway killed and restarted, 10% of sockets dropped,
//!                                         DynamoDB Local paused; nothing acked may be lost
//! parlor-bench cost [--operators 1,5,25] [--dialogs 1,100,1000]
//!                                         DynamoDB units, pushes and invocations per message
//! parlor-bench visits [--operators 2] [--dialogs 20]
//!                                         the same per page view, connection, ping and console
//!                                         catch-up, when nobody writes
//! parlor-bench cold-start [--dynamodb URL]
//!                                         each function's release binary under a local Runtime API
//! parlor-bench previews                   an image's preview (decode, scale, JPEG), by format and size
//! ```
//! `--gateway PATH` picks the `parlor` binary (default: target/release/parlor, else target/debug/parlor).
//! Results print as a Markdown table; `--json FILE` also writes them for the chart.

mod client;
mod cold;
mod cost;
#[path = "../../shared/tests/dynamo_local/mod.rs"]
mod dynamo_local;
mod faults;
mod fuzz;
mod gateway;
mod http;
mod load;
mod previews;
mod push;
mod record;
mod relay;
mod rng;
mod stats;

use gateway::Gateway;
use load::{Outcome, Plan};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    command: String,
    dialogs: Vec<usize>,
    operators: usize,
    rate: f64,
    seconds: f64,
    frames: usize,
    seed: u64,
    gateway: Option<PathBuf>,
    json: Option<PathBuf>,
    dynamodb: Option<String>,
    operators_list: Vec<usize>,
    distribution: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let command = it.next().unwrap_or_else(|| "help".into());
    let mut a = Args {
        command,
        dialogs: vec![10, 100, 1000],
        operators: 4,
        rate: 0.5,
        seconds: 20.0,
        frames: 100_000,
        seed: rng::Rng::seed(),
        gateway: None,
        json: None,
        dynamodb: None,
        operators_list: Vec::new(),
        distribution: false,
    };
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let bad = |v: &str| format!("{flag}: {v:?} is not a valid value");
        match flag.as_str() {
            "--dialogs" => {
                let v = value()?;
                a.dialogs = v
                    .split(',')
                    .map(|d| d.trim().parse().map_err(|_| bad(&v)))
                    .collect::<Result<_, _>>()?;
            }
            "--operators" => {
                let v = value()?;
                a.operators_list = v
                    .split(',')
                    .map(|d| d.trim().parse().map_err(|_| bad(&v)))
                    .collect::<Result<_, _>>()?;
                a.operators = a.operators_list[0];
            }
            "--rate" => a.rate = value()?.parse().map_err(|_| bad("rate"))?,
            "--seconds" => a.seconds = value()?.parse().map_err(|_| bad("seconds"))?,
            "--frames" => a.frames = value()?.parse().map_err(|_| bad("frames"))?,
            "--seed" => a.seed = value()?.parse().map_err(|_| bad("seed"))?,
            "--gateway" => a.gateway = Some(value()?.into()),
            "--json" => a.json = Some(value()?.into()),
            "--dynamodb" => a.dynamodb = Some(value()?),
            "--distribution" => a.distribution = true,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if a.operators == 0 || a.rate <= 0.0 || a.seconds <= 0.0 || a.dialogs.contains(&0) {
        return Err("dialogs, operators, rate and seconds must be above zero".into());
    }
    Ok(a)
}

/// The workspace folder.
fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ sits in the workspace")
}

/// Cargo's target folder: `CARGO_TARGET_DIR`, else the workspace's `target/`.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace().join("target"), PathBuf::from)
}

fn default_gateway() -> PathBuf {
    let target = target_dir();
    let release = target.join("release/parlor");
    if release.exists() {
        release
    } else {
        target.join("debug/parlor")
    }
}

fn temp_data_dir(label: &str) -> PathBuf {
    std::env::temp_dir().join(format!("parlor-bench-{label}-{}", std::process::id()))
}

/// One size, Parlor and the relay in turn, with the gateway's CPU and memory.
struct Row {
    plan: Plan,
    parlor: Outcome,
    relay: Outcome,
    cpu: f64,
    rss: u64,
}

async fn measure(bin: &Path, plan: &Plan, seed: u64) -> Result<Row, String> {
    let gw = Gateway::start(bin, temp_data_dir(&plan.dialogs.to_string()), "127.0.0.1:0")?;
    let fleet = load::parlor_fleet(&gw, plan).await?;
    let before = gw.usage();
    let parlor = load::run(&fleet, plan, seed).await;
    let after = gw.usage();
    fleet.close();
    let (cpu, rss) = match (before, after) {
        (Some((c0, _)), Some((c1, rss))) => ((c1 - c0) / parlor.elapsed.as_secs_f64(), rss),
        _ => (f64::NAN, 0),
    };
    drop(gw);
    let relay_server = relay::Relay::start().await.map_err(|e| e.to_string())?;
    let fleet = load::relay_fleet(&relay_server, plan).await?;
    let relay = load::run(&fleet, plan, seed).await;
    fleet.close();
    Ok(Row {
        plan: plan.clone(),
        parlor,
        relay,
        cpu,
        rss,
    })
}

fn ratio(a: std::time::Duration, b: std::time::Duration) -> String {
    if b.is_zero() {
        "–".into()
    } else {
        format!("{:.1}×", a.as_secs_f64() / b.as_secs_f64())
    }
}

fn print_rows(rows: &[Row]) {
    println!(
        "\n| dialogs | operators | distribution | msgs/s acked | visitor→operator p50/p95/p99/max ms | operator→visitor p50/p95/p99/max ms | relay p50/p95/p99/max ms | p50 ratio | p99 ratio | gateway CPU | gateway peak RSS | delivery |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for r in rows {
        let v = &r.parlor.verdict;
        let relay = &r.relay.verdict.visitor_to_operator;
        let check = if v.clean() {
            format!("{} of {} delivered once, in order", v.delivered, v.acked)
        } else {
            v.problems()
        };
        println!(
            "| {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {:.0}% | {:.0} MB | {} |",
            r.plan.dialogs,
            r.plan.operators,
            if r.plan.distribution { "on" } else { "off" },
            r.parlor.throughput(),
            v.visitor_to_operator.row(),
            v.operator_to_visitor.row(),
            relay.row(),
            ratio(v.visitor_to_operator.p50, relay.p50),
            ratio(v.visitor_to_operator.p99, relay.p99),
            r.cpu * 100.0,
            r.rss as f64 / 1e6,
            check,
        );
    }
}

fn write_json(path: &Path, rows: &[Row]) -> Result<(), String> {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let rows: Vec<_> = rows
        .iter()
        .map(|r| {
            let (v, relay) = (&r.parlor.verdict, &r.relay.verdict);
            serde_json::json!({
                "dialogs": r.plan.dialogs, "operators": r.plan.operators, "distribution": r.plan.distribution, "rate": r.plan.rate, "seconds": r.plan.seconds,
                "throughput": r.parlor.throughput(), "cpu": r.cpu, "rss": r.rss,
                "parlor_v2o": [ms(v.visitor_to_operator.p50), ms(v.visitor_to_operator.p95), ms(v.visitor_to_operator.p99), ms(v.visitor_to_operator.max)],
                "parlor_o2v": [ms(v.operator_to_visitor.p50), ms(v.operator_to_visitor.p95), ms(v.operator_to_visitor.p99), ms(v.operator_to_visitor.max)],
                "relay": [ms(relay.visitor_to_operator.p50), ms(relay.visitor_to_operator.p95), ms(relay.visitor_to_operator.p99), ms(relay.visitor_to_operator.max)],
                "samples": v.visitor_to_operator.count + v.operator_to_visitor.count,
                "frames_received": v.frames, "setup_seconds": r.parlor.setup.as_secs_f64(),
                "clean": v.clean(),
            })
        })
        .collect();
    std::fs::write(
        path,
        serde_json::to_string_pretty(&rows).expect("serializes"),
    )
    .map_err(|e| format!("{}: {e}", path.display()))
}

async fn fuzz(frames: usize, seed: u64) -> Result<(), String> {
    let started = Instant::now();
    let report = fuzz::run(frames, seed).await?;
    println!(
        "fuzz: {} frames (seed {seed}) in {:.1} s: {} acked, refused by code: {:?}",
        report.frames,
        started.elapsed().as_secs_f64(),
        report.acks,
        report.errors
    );
    if report.failures.is_empty() {
        Ok(())
    } else {
        for f in report.failures.iter().take(20) {
            eprintln!("  {f}");
        }
        Err(format!(
            "{} of {} frames broke a rule",
            report.failures.len(),
            report.frames
        ))
    }
}

async fn faults_report(bin: &Path, plan: &Plan, seed: u64) -> Result<(), String> {
    let mut failed = Vec::new();
    println!("\n| store | faults | sent | acked | delivered | reconnects | verdict |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for dynamodb in [false, true] {
        let run = faults::run(bin, plan, seed, dynamodb).await?;
        let v = &run.verdict;
        let unexercised = run.unexercised();
        let verdict = if !unexercised.is_empty() {
            format!("proves nothing: {}", unexercised.join("; "))
        } else if v.survived() {
            format!(
                "nothing acked lost, nothing stored twice, all acked ({} sent before the faults, {} after)",
                run.sent_before, run.sent_after
            )
        } else {
            v.problems()
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {verdict} |",
            run.store,
            run.events.join("; "),
            v.sent,
            v.acked,
            v.delivered,
            run.reconnects
        );
        if !v.survived() || !unexercised.is_empty() {
            failed.push(run.store);
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "faults (seed {seed}) lost or duplicated messages, or did not hit a conversation, on {failed:?}"
        ))
    }
}

/// On-demand prices, us-east-1, as docs/deploy.md gives them (USD).
const PRICE_PER_MILLION_RRU: f64 = 0.125;
const PRICE_PER_MILLION_WRU: f64 = 0.625;
/// API Gateway WebSocket: per million messages (in or out, 32 KB each).
const PRICE_PER_MILLION_WS_MESSAGES: f64 = 1.00;
/// API Gateway HTTP API: per million requests.
const PRICE_PER_MILLION_HTTP_REQUESTS: f64 = 1.00;
/// Lambda: per million requests, and per GB-second on arm64.
const PRICE_PER_MILLION_INVOCATIONS: f64 = 0.20;
const PRICE_PER_GB_SECOND_ARM: f64 = 0.000_013_333_4;
/// Billed duration assumed for every invocation (the functions' own time in Lambda is not
/// measured here; DynamoDB Local's answers are slower than DynamoDB's).
const ASSUMED_SECONDS: f64 = 0.020;

/// Each function's MemorySize in infra/template.yaml, in GB: the message route's function has
/// 1024 MB (image previews), every other 256 MB.
fn memory_gb(function: &str) -> f64 {
    if function == "message" { 1.0 } else { 0.25 }
}

/// USD per million invocations of `function`: the request and `ASSUMED_SECONDS` of its memory.
fn lambda_per_million(function: &str) -> f64 {
    PRICE_PER_MILLION_INVOCATIONS
        + ASSUMED_SECONDS * memory_gb(function) * PRICE_PER_GB_SECOND_ARM * 1e6
}

async fn cost_report(a: &Args) -> Result<(), String> {
    let operators = if a.operators_list.is_empty() {
        vec![1, 5, 25]
    } else {
        a.operators_list.clone()
    };
    let dialogs = if a.dialogs == [10, 100, 1000] {
        vec![1, 100, 1000]
    } else {
        a.dialogs.clone()
    };
    let local = dynamo_local::DynamoLocal::start();
    println!(
        "\n| online operators | open dialogs | side | RRU | WRU | DynamoDB calls | pushes | invocations | USD per million messages |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut grid: Vec<(usize, usize)> = operators.iter().map(|&o| (o, dialogs[0])).collect();
    grid.extend(dialogs.iter().skip(1).map(|&d| (operators[0], d)));
    for (o, d) in grid {
        let c = cost::measure(&local, o, d, 10).await?;
        for (side, (u, pushes)) in [("visitor", c.visitor), ("operator", c.operator)] {
            // One frame in and `pushes` out are WebSocket messages; one invocation of the message function.
            let usd = u.read * PRICE_PER_MILLION_RRU
                + u.write * PRICE_PER_MILLION_WRU
                + (1.0 + pushes) * PRICE_PER_MILLION_WS_MESSAGES
                + lambda_per_million("message");
            println!(
                "| {o} | {d} | {side} | {:.1} | {:.1} | {} | {pushes:.0} | 1 | {usd:.2} |",
                u.read, u.write, u.calls
            );
        }
    }
    println!(
        "(the message function: {} ms at 1024 MB assumed per invocation)",
        ASSUMED_SECONDS * 1e3
    );
    Ok(())
}

async fn visits_report(a: &Args) -> Result<(), String> {
    let operators = a.operators_list.first().copied().unwrap_or(2);
    let dialogs = if a.dialogs == [10, 100, 1000] {
        20
    } else {
        a.dialogs[0]
    };
    let local = dynamo_local::DynamoLocal::start();
    let steps = cost::visits(&local, operators, dialogs, 10).await?;
    println!(
        "\n{operators} operators online, {dialogs} other open dialogs; each step averaged over 10 calls\n"
    );
    println!(
        "| step | function | HTTP requests | WebSocket messages | RRU | WRU | of which DynamoDB Local reports 0 (RRU minimums / failed writes) | DynamoDB calls | pushes | ms here (median) | USD per million |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for s in &steps {
        let u = &s.units;
        let ws_messages = s.frames_in as f64 + s.pushes;
        let usd = u.read * PRICE_PER_MILLION_RRU
            + u.write * PRICE_PER_MILLION_WRU
            + s.http_requests as f64 * PRICE_PER_MILLION_HTTP_REQUESTS
            + ws_messages * PRICE_PER_MILLION_WS_MESSAGES
            + s.invocations as f64 * lambda_per_million(s.function);
        println!(
            "| {} | {} ({} MB) | {} | {ws_messages:.1} | {:.2} | {:.2} | {:.1} / {:.1} | {:.1} | {:.1} | {:.1} | {usd:.2} |",
            s.name,
            s.function,
            memory_gb(s.function) * 1024.0,
            s.http_requests,
            u.read,
            u.write,
            u.minimums,
            u.failed_writes,
            u.calls,
            s.pushes,
            s.median.as_secs_f64() * 1e3,
        );
    }
    println!(
        "(USD: the HTTP API request, the WebSocket messages, {} ms of Lambda per invocation at its memory, DynamoDB; \
         `$connect` and `$disconnect` counted as no WebSocket message)",
        ASSUMED_SECONDS * 1e3
    );
    Ok(())
}

async fn cold_start(dynamodb: Option<&str>) -> Result<(), String> {
    let target = target_dir();
    let fixtures = workspace().join("tests/fixtures/apigw-websocket");
    if let Some(endpoint) = dynamodb {
        // The functions' table, under the credentials they are started with (DynamoDB Local keeps
        // tables per access key).
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .credentials_provider(aws_credential_types::Credentials::new(
                "parlorbench",
                "parlorbench",
                None,
                None,
                "parlor-bench",
            ))
            .http_client(parlor_core::adapters::https_client())
            .build();
        let store = parlor_core::adapters::dynamo::DynamoStore::new(
            aws_sdk_dynamodb::Client::from_conf(config),
            "parlor",
        );
        store
            .create_table()
            .await
            .map_err(|e| format!("cannot make the table at {endpoint}: {e}"))?;
    }
    println!(
        "\n| function | stripped binary | ready (start → first `next`) | first event answered | answer |"
    );
    println!("| --- | --- | --- | --- | --- |");
    for f in parlor_core::deploy::Function::ALL {
        let bin = target.join("release").join(f.binary());
        let mut runs = Vec::new();
        for _ in 0..5 {
            runs.push(cold::measure(f, &bin, &fixtures, dynamodb).await?);
        }
        let median = |pick: fn(&cold::ColdStart) -> Option<std::time::Duration>| {
            let mut v: Vec<_> = runs.iter().filter_map(pick).collect();
            v.sort();
            v.get(v.len() / 2)
                .map_or_else(|| "–".to_string(), |d| format!("{} ms", stats::ms(*d)))
        };
        let last = runs.last().expect("five runs");
        println!(
            "| {} | {:.1} MB | {} | {} | {} |",
            f.crate_dir(),
            last.size as f64 / 1e6,
            median(|r| r.ready),
            median(|r| r.first_response),
            last.outcome
                .replace('|', "/")
                .chars()
                .take(90)
                .collect::<String>()
        );
    }
    println!("(median of 5 starts each)");
    Ok(())
}

async fn main_result() -> Result<(), String> {
    let a = parse_args()?;
    let bin = a.gateway.clone().unwrap_or_else(default_gateway);
    match a.command.as_str() {
        "smoke" => {
            let plan = Plan {
                dialogs: 10,
                operators: 2,
                rate: 4.0,
                seconds: 3.0,
                text_len: 40,
                distribution: false,
            };
            let row = measure(&bin, &plan, a.seed).await?;
            print_rows(std::slice::from_ref(&row));
            let v = &row.parlor.verdict;
            if !v.clean() || v.acked == 0 || v.acked != v.sent {
                return Err(format!(
                    "smoke (seed {}): {} of {} sent were acked; {}",
                    a.seed,
                    v.acked,
                    v.sent,
                    v.problems()
                ));
            }
            if !row.relay.verdict.clean() {
                return Err(format!(
                    "the baseline relay lost or reordered messages: {}",
                    row.relay.verdict.problems()
                ));
            }
            fuzz(2_000, a.seed).await?;
            let plan = Plan {
                dialogs: 10,
                operators: 2,
                rate: 2.0,
                seconds: 4.0,
                text_len: 40,
                distribution: false,
            };
            faults_report(&bin, &plan, a.seed).await
        }
        "load" => {
            let mut rows = Vec::new();
            for &dialogs in &a.dialogs {
                let plan = Plan {
                    dialogs,
                    operators: a.operators,
                    rate: a.rate,
                    seconds: a.seconds,
                    text_len: 80,
                    distribution: a.distribution,
                };
                eprintln!(
                    "load: {dialogs} dialogs, {} operators, {} msg/s per side, {} s ...",
                    plan.operators, plan.rate, plan.seconds
                );
                let row = measure(&bin, &plan, a.seed).await?;
                eprintln!("  set up in {:.1} s", row.parlor.setup.as_secs_f64());
                rows.push(row);
            }
            print_rows(&rows);
            if let Some(path) = &a.json {
                write_json(path, &rows)?;
            }
            let dirty: Vec<_> = rows
                .iter()
                .filter(|r| !r.parlor.verdict.clean())
                .map(|r| r.plan.dialogs)
                .collect();
            if dirty.is_empty() {
                Ok(())
            } else {
                Err(format!("delivery problems at {dirty:?} dialogs"))
            }
        }
        "fuzz" => fuzz(a.frames, a.seed).await,
        "cold-start" => cold_start(a.dynamodb.as_deref()).await,
        "cost" => cost_report(&a).await,
        "visits" => visits_report(&a).await,
        "previews" => previews::report(),
        "faults" => {
            let dialogs = if a.dialogs == [10, 100, 1000] {
                20
            } else {
                a.dialogs[0]
            };
            let seconds = if a.seconds == 20.0 { 8.0 } else { a.seconds };
            let plan = Plan {
                dialogs,
                operators: a.operators.min(dialogs),
                rate: 2.0,
                seconds,
                text_len: 40,
                distribution: false,
            };
            faults_report(&bin, &plan, a.seed).await
        }
        _ => {
            println!(
                "{}",
                include_str!("main.rs")
                    .lines()
                    .take_while(|l| l.starts_with("//!"))
                    .map(|l| l.trim_start_matches("//! ").trim_start_matches("//!"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match main_result().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parlor-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
